#!/bin/sh
# check.sh [OPTIONS] LAUNCHER LIBRARY EXPECT PROGRAM [ARGS...]
# Runs PROGRAM under tools/lockdep-run and checks lockdep's verdict:
#   EXPECT = silent       the program exits 0 and lockdep reports nothing;
#   EXPECT = "<header>"   a report with this banner is printed (the program
#                         may then deadlock for real: it is killed after a
#                         timeout, and the report must have come first).
# Options:
#   --preload SO     also preload SO (after lockdep's library, as in
#                    LD_PRELOAD=SO lockdep-run PROGRAM); exit 77 (skipped)
#                    when SO does not exist
#   --grep TEXT      the output must also contain TEXT (repeatable)
#   --count N        exactly N reports with the EXPECT banner
#   --timeout S      kill the program after S seconds (default 30)
also= count= limit=30 greps=$(mktemp)
out=$(mktemp)
trap 'rm -f "$out" "$greps"' EXIT
while :; do
  case $1 in
    --preload) also=$2; shift 2 ;;
    --grep) printf '%s\n' "$2" >>"$greps"; shift 2 ;;
    --count) count=$2; shift 2 ;;
    --timeout) limit=$2; shift 2 ;;
    *) break ;;
  esac
done
launcher=$1 lib=$2 expect=$3
shift 3
if [ -n "$also" ] && [ ! -f "$also" ]; then
  echo "check.sh: $also not installed; skipped" >&2
  exit 77
fi
LOCKDEP_PRELOAD_LIB=$lib timeout -s KILL "$limit" env ${also:+LD_PRELOAD=$also} "$launcher" "$@" >"$out" 2>&1
rc=$?
while IFS= read -r text; do
  if ! grep -F -- "$text" "$out" >/dev/null; then
    cat "$out"
    echo "check.sh: expected '$text' in the output (exit $rc)" >&2
    exit 1
  fi
done <"$greps"
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
if [ -n "$count" ] && [ "$(grep -c -F -- "$expect" "$out")" -ne "$count" ]; then
  cat "$out"
  echo "check.sh: expected $count report(s) '$expect', got $(grep -c -F -- "$expect" "$out")" >&2
  exit 1
fi
# Exactly the expected problem: no report of another kind.
if grep -E "WARNING:|BUG:" "$out" | grep -v -F -- "$expect" >/dev/null; then
  cat "$out"
  echo "check.sh: unexpected extra report besides '$expect'" >&2
  exit 1
fi
exit 0
