#!/bin/sh
# redis_fork.sh LOCKDEP-RUN PRELOAD-LIB: Debian's redis-server, unmodified,
# under lockdep-run: BGREWRITEAOF and BGSAVE fork while jemalloc's atfork
# handlers (redis links jemalloc) lock and re-initialise its mutexes inside
# lockdep's fork window (this hung twice: on the instance tables, then on a
# report table made first inside the prepare handler), then a shutdown.
# Skipped (77) where redis is not installed.
set -u
run=$1 lib=$2
command -v redis-server >/dev/null 2>&1 && command -v redis-cli >/dev/null 2>&1 || exit 77
dir=$(mktemp -d) || exit 1
port=$((20000 + $$ % 20000))
LOCKDEP_PRELOAD_LIB=$lib "$run" redis-server --port "$port" --save "" --appendonly yes --io-threads 2 \
  --dir "$dir" >"$dir/log" 2>&1 &
pid=$!
trap 'kill -9 $pid 2>/dev/null; rm -rf "$dir"' EXIT
cli() { timeout 20 redis-cli -p "$port" "$@"; }
for _ in $(seq 100); do cli ping >/dev/null 2>&1 && break; sleep 0.1; done
cli set key value >/dev/null || { echo "redis-server did not start"; cat "$dir/log"; exit 1; }
# Some load first, so that the fork finds jemalloc's arenas and threads in use.
if command -v redis-benchmark >/dev/null 2>&1; then
  timeout 60 redis-benchmark -p "$port" -n 5000 -c 4 -q -t set,get,lpush >/dev/null 2>&1
fi
cli bgrewriteaof >/dev/null || { echo "BGREWRITEAOF failed"; cat "$dir/log"; exit 1; }
for _ in $(seq 100); do grep -q "Background AOF rewrite finished successfully" "$dir/log" && break; sleep 0.1; done
cli bgsave >/dev/null || { echo "BGSAVE failed"; cat "$dir/log"; exit 1; }
for _ in $(seq 100); do grep -q "Background saving terminated with success" "$dir/log" && break; sleep 0.1; done
cli shutdown nosave >/dev/null 2>&1
for _ in $(seq 200); do kill -0 $pid 2>/dev/null || break; sleep 0.1; done
if kill -0 $pid 2>/dev/null; then echo "redis-server hung"; cat "$dir/log"; exit 1; fi
grep -q "Background AOF rewrite finished successfully" "$dir/log" || { echo "no AOF rewrite"; cat "$dir/log"; exit 1; }
grep -q "Background saving terminated with success" "$dir/log" || { echo "no BGSAVE"; cat "$dir/log"; exit 1; }
# The one report: redis exits from main holding the io threads' mutexes
# (stopThreadedIO parks them that way), which lockdep reports as the kernel
# does for a task that exits with locks held.
if grep "WARNING:" "$dir/log" | grep -v "still has locks held!"; then cat "$dir/log"; exit 1; fi
exit 0
