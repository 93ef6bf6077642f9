#!/bin/sh
# preload_signal_split.sh LOCKDEP-RUN PRELOAD-LIB PROGRAM LOCKDEP-GRAPH: the
# two halves of a signal-handler lock inversion (preload_signal_split.c) in
# two runs under lockdep-run.
#  - one store: the second run reports at the acquisition that completes it
#    (an inconsistent state, an irq inversion), naming SIGUSR1's states;
#  - two stores (as two CI shards): each run silent, lockdep-graph check of
#    both reports it in the kernel's format with SIGUSR1's labels;
#  - near misses stay silent in both: the lock only with SIGUSR1 blocked,
#    and another signal (SIGUSR2) unblocked.
set -u
run=$1 lib=$2 prog=$3 graph=$4
dir=$(mktemp -d) || exit 1
trap 'rm -rf "$dir"' EXIT
export LOCKDEP_PRELOAD_LIB="$lib"
fail() { echo "$1"; [ -n "${2:-}" ] && cat "$2"; exit 1; }
go() {  # store mode test-name: the run's stderr in $dir/<store>.<mode>.err
  out="$dir/$1.$2.err"
  LOCKDEP_OPTIONS="graph_store=$dir/$1" LOCKDEP_TEST_NAME=$3 "$run" "$prog" "$2" >/dev/null 2>"$out" ||
    fail "$2 failed" "$out"
}
silent() { go "$@"; if grep -q WARNING "$out"; then fail "$2 reported (store $1)" "$out"; fi; }
has() { grep -qF -- "$1" "$out" || fail "$2: no '$1'" "$out"; }

# One store: the second run reports.
silent shared1.db handler Signal.Handler
go shared1.db take Signal.Take
has "WARNING: inconsistent lock state" take
has "inconsistent {IN-SIGUSR1-W} -> {SIGUSR1-ON-W} usage." take
silent shared2.db handler Signal.Handler
go shared2.db nest Signal.Nest
has "WARNING: possible irq lock inversion dependency detected" nest
has "SIGUSR1-safe" nest
has "<SIGUSR1>" nest
silent shared3.db handler Signal.Handler
silent shared3.db take_blocked Signal.TakeBlocked
silent shared3.db nest_blocked Signal.NestBlocked
silent shared3.db other Signal.Other

# Two stores each: every run alone is silent, check of both reports.
for m in handler take take_blocked nest nest_blocked other; do silent "$m.db" "$m" "Signal.$m"; done
check() {  # expected-status store...
  want=$1
  shift
  out="$dir/check.out"
  "$graph" check "$@" >"$out" 2>&1
  status=$?
  [ "$status" -eq "$want" ] || fail "check $* exit $status, not $want" "$out"
}
check 1 "$dir/handler.db" "$dir/nest.db"
cat "$out"
has "WARNING: possible irq lock inversion dependency detected" check
has "is SIGUSR1-safe (IN-SIGUSR1-W)" check
has "SIGUSR1-unsafe lock (SIGUSR1-ON-W)" check
has "|SIGUSR1:-.}" check
has "|SIGUSR1:+.}" check
has "block(SIGUSR1);" check
has "  <SIGUSR1>" check
has "recorded by $(basename "$prog") (Signal.nest) pid " check
has "1 irq inversion, 0 inconsistent lock states" check
check 1 "$dir/handler.db" "$dir/take.db"
has "inconsistent {IN-SIGUSR1-W} -> {SIGUSR1-ON-W} usage." check
has "|SIGUSR1:?.}" check
has "0 irq inversions, 1 inconsistent lock state" check
for near in take_blocked nest_blocked other; do
  check 0 "$dir/handler.db" "$dir/$near.db"
  has "0 irq inversions, 0 inconsistent lock states" "check $near"
done
out="$dir/stats.out"
"$graph" stats "$dir/handler.db" >"$out" 2>&1 || fail "stats failed" "$out"
has "signals: SIGUSR1" stats
# A merged store keeps the signal usage.
"$graph" merge "$dir/merged.db" "$dir/handler.db" "$dir/take_blocked.db" "$dir/nest.db" >/dev/null 2>&1 ||
  fail "merge failed"
check 1 "$dir/merged.db"
has "is SIGUSR1-safe (IN-SIGUSR1-W)" "check merged"
exit 0
