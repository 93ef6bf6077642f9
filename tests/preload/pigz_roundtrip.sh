#!/bin/sh
# A real multithreaded program under the interposer: pigz compresses and
# decompresses a few MB with 4 threads; the data must round-trip and
# lockdep must stay silent.
launcher=$1 lib=$2
command -v pigz >/dev/null || { echo "pigz not installed (apt-get install pigz)"; exit 1; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
i=0
while [ $i -lt 3000 ]; do
  echo "line $i of a generated test file $(( i * 7919 % 104729 ))"
  i=$((i + 1))
done > "$dir/seed"
for n in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
  cat "$dir/seed"
  head -c 100000 /dev/urandom | od -An -tx1
done > "$dir/data"
export LOCKDEP_PRELOAD_LIB=$lib
timeout -s KILL 120 "$launcher" pigz -p 4 -b 128 -k -c "$dir/data" > "$dir/data.gz" 2> "$dir/err1" || { cat "$dir/err1"; exit 1; }
timeout -s KILL 120 "$launcher" pigz -p 4 -d -c "$dir/data.gz" > "$dir/back" 2> "$dir/err2" || { cat "$dir/err2"; exit 1; }
cmp "$dir/data" "$dir/back" || { echo "round trip differs"; exit 1; }
if grep -E "WARNING:|BUG:" "$dir/err1" "$dir/err2"; then cat "$dir/err1" "$dir/err2"; exit 1; fi
echo "pigz round trip of $(wc -c < "$dir/data") bytes: ok"
