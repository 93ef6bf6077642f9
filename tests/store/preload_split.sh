#!/bin/sh
# preload_split.sh LOCKDEP-RUN PRELOAD-LIB PROGRAM [FIRST-MODE [REPORTS [OPTIONS]]]:
# the two halves of an ABBA in two processes under lockdep-run, one graph
# store. The first (PROGRAM FIRST-MODE, default ab) reports REPORTS circular
# dependencies of its own (default 0), the second (PROGRAM ba) reports the
# cycle with the first's edge ("recorded by"). OPTIONS go into
# LOCKDEP_OPTIONS beside graph_store.
set -u
run=$1 lib=$2 prog=$3 first=${4:-ab} reports=${5:-0} extra=${6:-}
dir=$(mktemp -d) || exit 1
trap 'rm -rf "$dir"' EXIT
export LOCKDEP_PRELOAD_LIB="$lib" LOCKDEP_OPTIONS="graph_store=$dir/graph.db${extra:+:$extra}"
circular="WARNING: possible circular locking dependency detected"
LOCKDEP_TEST_NAME=Preload.First "$run" "$prog" "$first" >"$dir/1.out" 2>"$dir/1.err" || { cat "$dir/1.err"; exit 1; }
seen=$(grep -c "$circular" "$dir/1.err")
if [ "$seen" -ne "$reports" ]; then echo "first half: $seen reports, not $reports"; cat "$dir/1.err"; exit 1; fi
"$run" "$prog" ba >"$dir/2.out" 2>"$dir/2.err" || { cat "$dir/2.err"; exit 1; }
cat "$dir/2.err"
grep -q "$circular" "$dir/2.err" || { echo "second half: no report"; exit 1; }
grep -q "recorded by $(basename "$prog") (Preload.First) pid " "$dir/2.err" || { echo "no imported edge"; exit 1; }
# Without the store the second half alone is silent.
LOCKDEP_OPTIONS=$extra "$run" "$prog" ba 2>"$dir/3.err" >/dev/null
if grep -q "$circular" "$dir/3.err"; then echo "reported without the store"; exit 1; fi
exit 0
