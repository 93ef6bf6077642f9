#!/bin/sh
# memcached_load.sh LOCKDEP-RUN PRELOAD-LIB: Debian's memcached, unmodified,
# under lockdep-run with 4 worker threads, loaded by memcslap (sets, gets,
# multi-gets from 8 connections) and memccapable's protocol checks, then
# stopped with SIGTERM. memcached's workers, its LRU crawler and maintainer
# threads and the connection hand-off take its item, slab, stats and
# connection-queue locks in many combinations: lockdep must see them (the
# exit summary counts classes and dependencies) and stay silent.
# Skipped (77) where memcached or libmemcached-tools is not installed.
set -u
run=$1 lib=$2
for tool in memcached memcslap memcstat; do command -v $tool >/dev/null 2>&1 || exit 77; done
dir=$(mktemp -d) || exit 1
port=$((20000 + $$ % 20000))
LOCKDEP_PRELOAD_LIB=$lib LOCKDEP_OPTIONS=print_summary=1 \
  "$run" memcached -u nobody -t 4 -p "$port" -U 0 -l 127.0.0.1 -m 64 >"$dir/log" 2>&1 &
pid=$!
trap 'kill -9 $pid 2>/dev/null; rm -rf "$dir"' EXIT
servers=127.0.0.1:$port
for _ in $(seq 100); do timeout 5 memcstat --servers="$servers" >/dev/null 2>&1 && break; sleep 0.1; done
timeout 5 memcstat --servers="$servers" >/dev/null 2>&1 || { echo "memcached did not start"; cat "$dir/log"; exit 1; }
for test in set get mget; do
  timeout 60 memcslap --servers="$servers" --concurrency=8 --execute-number=1000 --test=$test >"$dir/slap" 2>&1 ||
    { echo "memcslap --test=$test failed"; cat "$dir/slap" "$dir/log"; exit 1; }
done
if command -v memccapable >/dev/null 2>&1; then
  timeout 60 memccapable -h 127.0.0.1 -p "$port" >"$dir/capable" 2>&1 ||
    { echo "memccapable failed"; cat "$dir/capable" "$dir/log"; exit 1; }
fi
kill -TERM $pid
for _ in $(seq 200); do kill -0 $pid 2>/dev/null || break; sleep 0.1; done
if kill -0 $pid 2>/dev/null; then echo "memcached did not exit"; cat "$dir/log"; exit 1; fi
if grep -E "WARNING:|BUG:" "$dir/log"; then cat "$dir/log"; exit 1; fi
# lockdep was there: memcached's own locks were classes with dependencies.
summary=$(grep "^lockdep: " "$dir/log") || { echo "no lockdep summary"; cat "$dir/log"; exit 1; }
echo "$summary"
field() { echo "$summary" | sed -E "s/^lockdep: ([0-9]+) classes, ([0-9]+) dependencies, ([0-9]+) reports.*/\\$1/"; }
[ "$(field 1)" -ge 10 ] && [ "$(field 2)" -ge 10 ] && [ "$(field 3)" -eq 0 ] ||
  { echo "unexpected summary"; cat "$dir/log"; exit 1; }
exit 0
