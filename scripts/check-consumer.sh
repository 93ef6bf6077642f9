#!/usr/bin/env bash
# Checks that lockdep can be consumed the documented ways:
#   1. cmake --install into a temporary prefix, then find_package(lockdep)
#      from tests/consumer/project (static and shared library, and the
#      gtest component when lockdep was built with it);
#   2. the same project setting no C++ standard (the targets carry C++20);
#   3. the same project where GoogleTest cannot be found: find_package(lockdep)
#      still works, COMPONENTS gtest fails;
#   4. FetchContent / add_subdirectory of this source tree from that project;
#   5. pkg-config: lockdep (the shared library) and lockdep-static (the
#      archive, no liblockdep.so needed at run time);
#   6. cpack -G DEB: the package's contents, unpacked into a temporary root
#      (dpkg-deb -x), found by find_package and pkg-config there, and its
#      lockdep-run reporting on an unmodified program.
#
#   scripts/check-consumer.sh <configured lockdep build dir> [work dir]
#
# The build dir must already be built (scripts/test.sh passes its normal build).
set -euo pipefail

src="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="$(cd "${1:?usage: check-consumer.sh <lockdep build dir> [work dir]}" && pwd)"
work="${2:-$(mktemp -d /tmp/lockdep-consumer.XXXXXX)}"
jobs="${LOCKDEP_JOBS:-2}"
rm -rf "$work" && mkdir -p "$work"
work="$(cd "$work" && pwd)"
prefix="$work/prefix"

step() { printf '\n== consumer: %s\n' "$*"; }
die() { echo "consumer: $*" >&2; exit 1; }

# configure_project <dir> <cmake args...>: configure + build the consumer
# project, showing the log on failure.
configure_project() {
  local dir="$1"
  shift
  cmake -S "$src/tests/consumer/project" -B "$dir" "$@" >"$dir.log" 2>&1 || { cat "$dir.log"; die "configure of $dir failed"; }
  cmake --build "$dir" -j"$jobs" >>"$dir.log" 2>&1 || { cat "$dir.log"; die "build of $dir failed"; }
}
run_consumers() {
  "$1/consumer_static"
  "$1/consumer_shared"
  if [[ -x "$1/consumer_gtest" ]]; then "$1/consumer_gtest"; fi
}

step "cmake --install $build --prefix $prefix"
cmake --install "$build" --prefix "$prefix" >"$work/install.log"
for f in include/lockdep/lockdep.hpp lib/liblockdep.a lib/liblockdep.so \
         lib/cmake/lockdep/lockdepConfig.cmake lib/cmake/lockdep/lockdepConfigVersion.cmake \
         lib/pkgconfig/lockdep.pc lib/pkgconfig/lockdep-static.pc; do
  [[ -e "$prefix/$f" ]] || die "missing from the install: $f"
done
gtest_mode=optional
if [[ -e "$prefix/lib/cmake/lockdep/lockdepGtestTargets.cmake" ]]; then gtest_mode=require; fi

step "find_package(lockdep) against the installed package (gtest component: $gtest_mode)"
configure_project "$work/package" -DLOCKDEP_CONSUME=package -DCMAKE_PREFIX_PATH="$prefix" \
                  -DLOCKDEP_CONSUMER_GTEST="$gtest_mode"
run_consumers "$work/package"
[[ $gtest_mode == optional || -x "$work/package/consumer_gtest" ]] || die "COMPONENTS gtest built no gtest consumer"

step "a consumer that sets no C++ standard (the compiler's default)"
configure_project "$work/nostd" -DLOCKDEP_CONSUME=package -DCMAKE_PREFIX_PATH="$prefix" \
                  -DLOCKDEP_CONSUMER_SET_STD=OFF
grep -q -- '-std=gnu++20\|-std=c++20' "$work/nostd/CMakeFiles/consumer_static.dir/flags.make" ||
  die "no C++20 flag from lockdep's targets in $(cat "$work/nostd/CMakeFiles/consumer_static.dir/flags.make")"
run_consumers "$work/nostd"

step "a consumer without GoogleTest (CMAKE_DISABLE_FIND_PACKAGE_GTest)"
configure_project "$work/nogtest" -DLOCKDEP_CONSUME=package -DCMAKE_PREFIX_PATH="$prefix" \
                  -DCMAKE_DISABLE_FIND_PACKAGE_GTest=ON -DLOCKDEP_CONSUMER_GTEST=absent
[[ ! -e "$work/nogtest/consumer_gtest" ]] || die "a gtest consumer was built without GoogleTest"
run_consumers "$work/nogtest"
# ...and asking for the component then fails, saying why.
if cmake -S "$src/tests/consumer/project" -B "$work/nogtest-required" -DLOCKDEP_CONSUME=package \
         -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_DISABLE_FIND_PACKAGE_GTest=ON \
         -DLOCKDEP_CONSUMER_GTEST=require >"$work/nogtest-required.log" 2>&1; then
  die "find_package(lockdep REQUIRED COMPONENTS gtest) succeeded without GoogleTest"
fi
grep -q 'gtest' "$work/nogtest-required.log" || { cat "$work/nogtest-required.log"; die "no reason given"; }

step "FetchContent (add_subdirectory) of the source tree"
configure_project "$work/fetch" -DLOCKDEP_CONSUME=fetch -DLOCKDEP_SOURCE_DIR="$src"
run_consumers "$work/fetch"

# pkgconfig_build <package> <output>: compile pkgconfig_main.cpp with nothing
# but `pkg-config --cflags --libs <package>`.
pkgconfig_build() {
  local cflags libs
  cflags="$(pkg-config --cflags "$1")"
  libs="$(pkg-config --libs "$1")"
  echo "$1: cflags: $cflags"
  echo "$1: libs:   $libs"
  grep -q -- '-DLOCKDEP_ENABLED=' <<<"$cflags" || die "$1.pc lacks -DLOCKDEP_ENABLED"
  # shellcheck disable=SC2086
  ${CXX:-g++} -std=c++20 $cflags "$src/tests/consumer/pkgconfig_main.cpp" -o "$2" $libs
}
# pkgconfig_checks <prefix> <work subdir>
pkgconfig_checks() {
  local out="$2"
  mkdir -p "$out"
  PKG_CONFIG_PATH="$1/lib/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}" pkgconfig_build lockdep "$out/shared"
  LD_LIBRARY_PATH="$1/lib" "$out/shared"
  # The archive: linked by path, so no liblockdep.so and no LD_LIBRARY_PATH.
  PKG_CONFIG_PATH="$1/lib/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}" pkgconfig_build lockdep-static "$out/static"
  local deps
  deps="$(ldd "$out/static")"
  if grep -q 'liblockdep' <<<"$deps"; then die "lockdep-static linked liblockdep.so: $deps"; fi
  env -u LD_LIBRARY_PATH "$out/static"
}
step "pkg-config lockdep / lockdep-static"
pkgconfig_checks "$prefix" "$work/pkgconfig"

step "cpack -G DEB, unpacked into a temporary root"
(cd "$build" && cpack -G DEB -B "$work/deb" >"$work/cpack.log" 2>&1) || { cat "$work/cpack.log"; die "cpack failed"; }
deb="$(ls "$work"/deb/*.deb)"
# (Outputs captured first: grep -q closing the pipe early would fail the
# pipeline under pipefail.)
info="$(dpkg-deb -I "$deb")"
grep -q 'Depends:.*libabsl-dev' <<<"$info" || die "the package does not depend on libabsl-dev: $info"
root="$work/debroot"
dpkg-deb -x "$deb" "$root"
for f in usr/include/lockdep/lockdep.hpp usr/lib/liblockdep.a usr/lib/liblockdep.so usr/lib/liblockdep_preload.so \
         usr/lib/cmake/lockdep/lockdepConfig.cmake usr/lib/pkgconfig/lockdep.pc usr/lib/pkgconfig/lockdep-static.pc \
         usr/bin/lockdep-run; do
  [[ -e "$root/$f" ]] || die "missing from $deb: $f"
done
configure_project "$work/deb-package" -DLOCKDEP_CONSUME=package -DCMAKE_PREFIX_PATH="$root/usr" \
                  -DLOCKDEP_CONSUMER_GTEST="$gtest_mode"
grep -q "$root/usr/lib/cmake/lockdep" "$work/deb-package/CMakeCache.txt" || die "find_package did not use the .deb's package"
LD_LIBRARY_PATH="$root/usr/lib" run_consumers "$work/deb-package"
pkgconfig_checks "$root/usr" "$work/deb-pkgconfig"
${CC:-cc} -pthread "$src/tests/preload/cycle.c" -o "$work/cycle"
"$root/usr/bin/lockdep-run" "$work/cycle" 3 2>"$work/lockdep-run.log" || true
grep -q 'possible circular locking dependency' "$work/lockdep-run.log" ||
  { cat "$work/lockdep-run.log"; die "the .deb's lockdep-run did not report the cycle"; }

echo "consumer: all checks passed"
rm -rf "$work"
