#!/bin/sh
# check.sh LAUNCHER LIBRARY EXPECT PROGRAM [ARGS...]
# Runs PROGRAM under tools/lockdep-run and checks lockdep's verdict:
#   EXPECT = silent       the program exits 0 and lockdep reports nothing;
#   EXPECT = "<header>"   a report with this banner is printed (the program
#                         may then deadlock for real: it is killed after a
#                         timeout, and the report must have come first).
# CHECK_ALSO (environment), if set: a line the output must contain as well.
launcher=$1 lib=$2 expect=$3
shift 3
out=$(mktemp)
trap 'rm -f "$out"' EXIT
LOCKDEP_PRELOAD_LIB=$lib timeout -s KILL 30 "$launcher" "$@" >"$out" 2>&1
rc=$?
if [ "$expect" = silent ]; then
  if grep -E "WARNING:|BUG:|lockdep: warning" "$out" >/dev/null || [ $rc -ne 0 ]; then
    cat "$out"
    echo "check.sh: expected silence and exit 0, got exit $rc" >&2
    exit 1
  fi
  exit 0
fi
if ! grep -F -- "$expect" "$out" >/dev/null; then
  cat "$out"
  echo "check.sh: expected a report '$expect' (exit $rc)" >&2
  exit 1
fi
if [ -n "${CHECK_ALSO:-}" ] && ! grep -F -- "$CHECK_ALSO" "$out" >/dev/null; then
  cat "$out"
  echo "check.sh: expected also '$CHECK_ALSO'" >&2
  exit 1
fi
# Exactly the expected problem: no report of another kind.
if grep -E "WARNING:|BUG:" "$out" | grep -v -F -- "$expect" >/dev/null; then
  cat "$out"
  echo "check.sh: unexpected extra report besides '$expect'" >&2
  exit 1
fi
exit 0
