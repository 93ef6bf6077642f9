#!/bin/sh
# mariadb_load.sh LOCKDEP-RUN PRELOAD-LIB: Debian's MariaDB server,
# unmodified, under lockdep-run: a fresh data directory, mariadb-slap's mixed
# InnoDB load from 8 clients, then a clean shutdown. mariadbd has a hundred
# lock classes (InnoDB's buffer pool, log, trx and dictionary latches, the
# server's table cache and THD locks, its thread pool and background
# threads): lockdep must see them (the exit summary) and stay silent, and
# the server must start, serve and stop as it does without lockdep.
# Skipped (77) where mariadb-server / mariadb-client is not installed.
set -u
run=$1 lib=$2
for tool in mariadbd mariadb-install-db mariadb mariadb-slap mariadb-admin; do
  command -v $tool >/dev/null 2>&1 || exit 77
done
dir=$(mktemp -d) || exit 1
port=$((20000 + $$ % 20000))
sock=$dir/sock
trap 'kill -9 $pid 2>/dev/null; rm -rf "$dir"' EXIT
pid=0
user=$(id -un)
mariadb-install-db --no-defaults --datadir="$dir/data" --user="$user" --auth-root-authentication-method=normal \
  --skip-test-db >"$dir/install" 2>&1 || { echo "mariadb-install-db failed"; cat "$dir/install"; exit 1; }
LOCKDEP_PRELOAD_LIB=$lib LOCKDEP_OPTIONS=print_summary=1 \
  "$run" mariadbd --no-defaults --datadir="$dir/data" --socket="$sock" --port="$port" --user="$user" \
  --skip-grant-tables --innodb-buffer-pool-size=64M --log-error="$dir/server.log" >"$dir/out" 2>&1 &
pid=$!
sql() { timeout 60 mariadb --no-defaults -S "$sock" "$@"; }
for _ in $(seq 300); do sql -e "select 1" >/dev/null 2>&1 && break; sleep 0.1; done
sql -e "create database t; create table t.a (id int primary key, v varchar(100)) engine=innodb;
        insert into t.a values (1,'x'),(2,'y');" || { echo "mariadbd did not serve"; cat "$dir/server.log"; exit 1; }
timeout 120 mariadb-slap --no-defaults -S "$sock" --concurrency=8 --iterations=2 --auto-generate-sql \
  --auto-generate-sql-load-type=mixed --number-of-queries=2000 --engine=innodb >"$dir/slap" 2>&1 ||
  { echo "mariadb-slap failed"; cat "$dir/slap" "$dir/server.log"; exit 1; }
[ "$(sql -N -e "select count(*) from t.a")" = 2 ] || { echo "wrong count"; cat "$dir/server.log"; exit 1; }
timeout 60 mariadb-admin --no-defaults -S "$sock" shutdown || { echo "shutdown failed"; cat "$dir/server.log"; exit 1; }
for _ in $(seq 300); do kill -0 $pid 2>/dev/null || break; sleep 0.1; done
if kill -0 $pid 2>/dev/null; then echo "mariadbd did not exit"; cat "$dir/server.log"; exit 1; fi
if grep -E "WARNING:|BUG:" "$dir/server.log" "$dir/out"; then cat "$dir/server.log"; exit 1; fi
summary=$(grep -h "^lockdep: " "$dir/server.log" "$dir/out") || { echo "no lockdep summary"; cat "$dir/server.log"; exit 1; }
echo "$summary"
field() { echo "$summary" | sed -E "s/^lockdep: ([0-9]+) classes, ([0-9]+) dependencies, ([0-9]+) reports.*/\\$1/"; }
[ "$(field 1)" -ge 50 ] && [ "$(field 2)" -ge 50 ] && [ "$(field 3)" -eq 0 ] ||
  { echo "unexpected summary"; cat "$dir/server.log"; exit 1; }
exit 0
