#!/usr/bin/env bash
# The full test run: everything CI checks, in one command.
#
#   ./scripts/test.sh            all stages
#   ./scripts/test.sh default    only some stages (default consumer asan tsan clang fuzz)
#
# Stages (presets in CMakePresets.json, build trees in build/<preset>):
#   default   g++ RelWithDebInfo: library, examples, benchmarks (built, not
#             run), every test suite through ctest, plus the headline examples
#   consumer  the installed package (find_package, its gtest component,
#             no-standard and no-GoogleTest consumers, pkg-config shared and
#             static), FetchContent/add_subdirectory, and the cpack .deb
#             unpacked into a temporary root, via scripts/check-consumer.sh
#   asan      g++ AddressSanitizer+UndefinedBehaviorSanitizer: tests labelled
#             core|selftest|irq|stress|oracle|store but not preload (the
#             interposer is not built there), at LOCKDEP_TEST_SCALE=small
#             (the suites but tests/perf are built)
#   tsan      g++ ThreadSanitizer: tests labelled core|irq|stress|oracle|store
#             but not preload, small
#   clang     clang++-14: library and tests build; core tests run
#   fuzz      tests/fuzz/run.sh LOCKDEP_FUZZ_SECONDS (60): the libFuzzer target
#             in its own instrumented clang build (build/fuzz); without that
#             script, any *fuzz* executable of the clang build; skipped if none
#
# Installs missing Debian packages first (scripts/install-deps.sh). Exits
# non-zero if anything failed; the last line is "N passed, N failed", counting
# every ctest test plus one per other check (builds, consumers, fuzzing).
#
# Environment: LOCKDEP_JOBS (2) parallel jobs for builds and ctest;
# LOCKDEP_BUILD_ROOT (build) where the build trees go.
set -uo pipefail

src="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$src"
jobs="${LOCKDEP_JOBS:-2}"
build_root="${LOCKDEP_BUILD_ROOT:-$src/build}"
fuzz_seconds="${LOCKDEP_FUZZ_SECONDS:-60}"
all_stages=(default consumer asan tsan clang fuzz)
stages=("$@")
[[ ${#stages[@]} -eq 0 ]] && stages=("${all_stages[@]}")

scripts/install-deps.sh || { echo "test.sh: missing packages (see above)"; echo "0 passed, 1 failed"; exit 1; }

passed=0
failed=0
summary=()
run_start=$SECONDS

banner() { printf '\n======== %s ========\n' "$*"; }
record() {  # record <ok:0|1> <label> <seconds>
  if [[ $1 -eq 0 ]]; then summary+=("PASS  $2 ($3 s)"); passed=$((passed + 1))
  else summary+=("FAIL  $2 ($3 s)"); failed=$((failed + 1)); fi
}
# check <label> <command...>: one pass/fail entry for a command.
check() {
  local label="$1" t0=$SECONDS
  shift
  banner "$label"
  "$@"
  local rc=$?
  record $rc "$label" $((SECONDS - t0))
  return $rc
}
# run_ctest <label> <build dir> [ctest args...]: adds ctest's own counts.
run_ctest() {
  local label="$1" dir="$2" t0=$SECONDS
  shift 2
  banner "$label"
  local log
  log="$(mktemp)"
  ctest --test-dir "$dir" --output-on-failure -j"$jobs" --no-tests=error "$@" 2>&1 | tee "$log"
  local rc=${PIPESTATUS[0]}
  local line total nfail
  line="$(grep -E '^[0-9]+% tests passed, [0-9]+ tests? failed out of [0-9]+' "$log" | tail -1)"
  rm -f "$log"
  if [[ -n "$line" ]]; then
    nfail="$(sed -E 's/.* ([0-9]+) tests? failed.*/\1/' <<<"$line")"
    total="$(sed -E 's/.*out of ([0-9]+).*/\1/' <<<"$line")"
    passed=$((passed + total - nfail))
    failed=$((failed + nfail))
    # A non-zero exit with no failed test (e.g. none matched) still fails.
    [[ $rc -ne 0 && $nfail -eq 0 ]] && failed=$((failed + 1))
    summary+=("$([[ $rc -eq 0 ]] && echo PASS || echo FAIL)  $label: $line ($((SECONDS - t0)) s)")
  else
    record 1 "$label (ctest printed no summary, exit $rc)" $((SECONDS - t0))
  fi
  return $rc
}
configure() { cmake --preset "$1" -B "$build_root/$1"; }
# Keeps going past a failed file (-k: the presets use Unix Makefiles), so one
# broken test does not hide the rest.
build() {
  local dir="$build_root/$1"
  shift
  cmake --build "$dir" -j"$jobs" "$@" -- -k
}
# Sanitizer builds: the libraries and every test suite except these, whose
# tests measure allocations or time by replacing malloc/new, which the
# sanitizers' own allocators forbid (and which mean nothing there).
sanitizer_skip_suites=(perf)
build_for_sanitizer() {
  local dir="$build_root/$1" suite ok=0
  build "$1" --target lockdep lockdep_shared || ok=1
  for suite in "$dir"/tests/*/; do
    suite="$(basename "$suite")"
    [[ " ${sanitizer_skip_suites[*]} " == *" $suite "* ]] && continue
    [[ -f "$dir/tests/$suite/Makefile" ]] || continue
    make -C "$dir/tests/$suite" -j"$jobs" -k --no-print-directory || ok=1
  done
  return $ok
}
# configure_and_build <preset> <what> [build function]: two checks; true if
# configured (tests of what did build still run after a failed build).
configure_and_build() {
  check "$1: configure ($2)" configure "$1" || return 1
  check "$1: build" "${3:-build}" "$1"
  return 0
}
has_stage() { local s; for s in "${stages[@]}"; do [[ $s == "$1" ]] && return 0; done; return 1; }

# ---- default: the normal build, every test -----------------------------------
if has_stage default; then
  if configure_and_build default "g++ RelWithDebInfo, with examples and benchmarks"; then
    run_ctest "default: ctest (every suite)" "$build_root/default"
    for example in seed_irq_inversion abba; do
      exe="$build_root/default/examples/$example"
      [[ -x "$exe" ]] && check "default: example $example reports as documented" "$exe"
    done
  fi
fi

# ---- consumer: install + find_package, FetchContent, pkg-config ---------------
build_library() { configure default && build default; }
if has_stage consumer; then
  if has_stage default || check "consumer: configure + build the library" build_library; then
    check "consumer: find_package / FetchContent / pkg-config" \
      env LOCKDEP_JOBS="$jobs" scripts/check-consumer.sh "$build_root/default" "$build_root/consumer"
  fi
fi

# ---- sanitizers ------------------------------------------------------------------
# Fewer steps (LOCKDEP_TEST_SCALE=small): the sanitizers multiply the cost of
# every step. Symbolization stays on: layout tests compare the report text.
# TSan's own deadlock detector is off: the tests invert lock orders on purpose.
if has_stage asan; then
  if configure_and_build asan "g++, -fsanitize=address,undefined" build_for_sanitizer; then
    LOCKDEP_TEST_SCALE=small ASAN_OPTIONS=detect_leaks=1 \
      UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
      run_ctest "asan: ctest -L 'core|selftest|irq|stress|oracle|store'" "$build_root/asan" \
        -L 'core|selftest|irq|stress|oracle|store' -LE 'whole|preload'
  fi
fi
if has_stage tsan; then
  if configure_and_build tsan "g++, -fsanitize=thread" build_for_sanitizer; then
    LOCKDEP_TEST_SCALE=small TSAN_OPTIONS="detect_deadlocks=0:suppressions=$src/scripts/tsan.supp" \
      run_ctest "tsan: ctest -L 'core|irq|stress|oracle|store'" "$build_root/tsan" \
        -L 'core|irq|stress|oracle|store' -LE 'whole|preload'
  fi
fi

# ---- clang build check, libFuzzer -------------------------------------------------
clang_built=1
if has_stage clang; then
  if configure_and_build clang "clang++-14"; then
    clang_built=0
    has_stage clang && run_ctest "clang: ctest -L core" "$build_root/clang" -L core -LE whole
  fi
fi
run_fuzzers() {
  local f corpus per
  per=$((fuzz_seconds / ${#fuzzers[@]}))
  [[ $per -lt 5 ]] && per=5
  for f in "${fuzzers[@]}"; do
    corpus="$build_root/clang/fuzz-corpus/$(basename "$f")"
    mkdir -p "$corpus"
    # Seed inputs checked into the tree are copied, never written to.
    [[ -d "$src/tests/fuzz/corpus" ]] && cp -rn "$src/tests/fuzz/corpus/." "$corpus/" 2>/dev/null
    echo "$f: $per s"
    LOCKDEP_OPTIONS=stacktrace=0 "$f" -max_total_time="$per" -timeout=10 -rss_limit_mb=4096 \
      -print_final_stats=1 "$corpus" || return 1
  done
}
fuzzers=()
if has_stage fuzz; then
  if [[ -x "$src/tests/fuzz/run.sh" ]]; then
    # The fuzz suite's own driver: its own clang build with the library
    # instrumented for coverage, ASan+UBSan, bounded time.
    check "fuzz: tests/fuzz/run.sh ${fuzz_seconds} (libFuzzer, clang++-14, ASan+UBSan)" \
      env LOCKDEP_FUZZ_BUILD_DIR="$build_root/fuzz" "$src/tests/fuzz/run.sh" "$fuzz_seconds"
  else
    mapfile -t fuzzers < <(find "$build_root/clang/tests/fuzz" -maxdepth 2 -type f -executable \
                             -name '*fuzz*' ! -name '*.so' 2>/dev/null | sort)
    if [[ $clang_built -eq 0 && ${#fuzzers[@]} -gt 0 ]]; then
      check "fuzz: libFuzzer targets, ${fuzz_seconds} s in total" run_fuzzers
    elif [[ $clang_built -eq 0 || ! -d "$src/tests/fuzz" ]]; then
      summary+=("SKIP  fuzz: no libFuzzer target under tests/fuzz (not counted)")
    else
      record 1 "fuzz: not run (the clang build failed)" 0
    fi
  fi
fi

# ---- summary ----------------------------------------------------------------------
banner "summary ($((SECONDS - run_start)) s)"
printf '%s\n' "${summary[@]}"
echo
echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
