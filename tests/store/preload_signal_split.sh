#!/bin/sh
# preload_signal_split.sh LOCKDEP-RUN PRELOAD-LIB PROGRAM LOCKDEP-GRAPH: the
# two halves of a signal-handler lock inversion in two runs under
# lockdep-run, each with its own store; each run is silent, check of both
# stores reports the inversion with the run that recorded the edge, and the
# near miss (the inner lock never taken with the signal unblocked) is clean.
set -u
run=$1 lib=$2 prog=$3 graph=$4
dir=$(mktemp -d) || exit 1
trap 'rm -rf "$dir"' EXIT
export LOCKDEP_PRELOAD_LIB="$lib"
half() {  # store mode test-name
  LOCKDEP_OPTIONS="graph_store=$dir/$1" LOCKDEP_TEST_NAME=$3 "$run" "$prog" "$2" >/dev/null 2>"$dir/$2.err" ||
    { echo "$2 failed"; cat "$dir/$2.err"; exit 1; }
  if grep -q WARNING "$dir/$2.err"; then echo "$2 reported alone"; cat "$dir/$2.err"; exit 1; fi
}
half handler.db handler Signal.Handler
half nest.db nest Signal.Nest
half blocked.db nest_blocked Signal.NestBlocked
"$graph" check "$dir/handler.db" "$dir/nest.db" >"$dir/check.out" 2>&1
status=$?
cat "$dir/check.out"
[ "$status" -eq 1 ] || { echo "check exit $status, not 1"; exit 1; }
grep -q "WARNING: possible irq lock inversion dependency detected" "$dir/check.out" || { echo "no inversion"; exit 1; }
grep -q "is HARDIRQ-safe (IN-HARDIRQ-W)" "$dir/check.out" || { echo "no irq-safe class"; exit 1; }
grep -q "recorded by $(basename "$prog") (Signal.Nest) pid " "$dir/check.out" || { echo "no recording run"; exit 1; }
"$graph" check "$dir/handler.db" "$dir/blocked.db" >"$dir/near.out" 2>&1 ||
  { echo "near miss reported"; cat "$dir/near.out"; exit 1; }
grep -q "0 irq inversions, 0 inconsistent lock states" "$dir/near.out" || { cat "$dir/near.out"; exit 1; }
exit 0
