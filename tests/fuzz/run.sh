#!/usr/bin/env bash
# Build the annotation-API fuzzer with clang++-14 (ASan+UBSan+libFuzzer) in
# its own build directory (the library too is instrumented for coverage)
# and run it for a bounded time.
#   tests/fuzz/run.sh [seconds]     (default 60)
set -euo pipefail
seconds="${1:-60}"
root="$(cd "$(dirname "$0")/../.." && pwd)"
build="${LOCKDEP_FUZZ_BUILD_DIR:-$root/build-fuzz}"

if ! ls /usr/lib/llvm-14/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a >/dev/null 2>&1; then
  echo "fuzz: installing libclang-rt-14-dev (libFuzzer runtime)"
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && apt-get install -y -qq libclang-rt-14-dev
  else
    sudo apt-get update -qq && sudo apt-get install -y -qq libclang-rt-14-dev
  fi
fi

cmake -S "$root" -B "$build" -DCMAKE_CXX_COMPILER=clang++-14 -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS=-fsanitize=fuzzer-no-link -DLOCKDEP_SANITIZE=address,undefined -DLOCKDEP_BUILD_BENCH=OFF -DLOCKDEP_BUILD_EXAMPLES=OFF >/dev/null
cmake --build "$build" -j2 --target fuzz_annotations

corpus="$build/fuzz-corpus"
mkdir -p "$corpus"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
export ASAN_OPTIONS="detect_leaks=0:abort_on_error=1"
"$build/tests/fuzz/fuzz_annotations" -max_total_time="$seconds" -max_len=512 -timeout=10 \
  -print_final_stats=1 "$corpus"
echo "fuzz: ${seconds}s without a crash"
