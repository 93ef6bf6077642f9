#!/usr/bin/env bash
# Checks that lockdep can be consumed the three documented ways:
#   1. cmake --install into a temporary prefix, then find_package(lockdep)
#      from tests/consumer/project (static and shared library);
#   2. FetchContent / add_subdirectory of this source tree from that project;
#   3. pkg-config --cflags --libs lockdep compiling tests/consumer/pkgconfig_main.cpp,
#      linked against the shared library and (with --static) the archive.
#
#   scripts/check-consumer.sh <configured lockdep build dir> [work dir]
#
# The build dir must already be built (scripts/test.sh passes its normal build).
set -euo pipefail

src="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${1:?usage: check-consumer.sh <lockdep build dir> [work dir]}"
work="${2:-$(mktemp -d /tmp/lockdep-consumer.XXXXXX)}"
jobs="${LOCKDEP_JOBS:-2}"
rm -rf "$work" && mkdir -p "$work"
prefix="$work/prefix"

step() { printf '\n== consumer: %s\n' "$*"; }

step "cmake --install $build --prefix $prefix"
cmake --install "$build" --prefix "$prefix" >"$work/install.log"
for f in include/lockdep/lockdep.hpp lib/liblockdep.a lib/liblockdep.so \
         lib/cmake/lockdep/lockdepConfig.cmake lib/cmake/lockdep/lockdepConfigVersion.cmake \
         lib/pkgconfig/lockdep.pc; do
  [[ -e "$prefix/$f" ]] || { echo "missing from the install: $f" >&2; exit 1; }
done

step "find_package(lockdep) against the installed package"
cmake -S "$src/tests/consumer/project" -B "$work/package" -DLOCKDEP_CONSUME=package \
      -DCMAKE_PREFIX_PATH="$prefix" >"$work/package.log"
cmake --build "$work/package" -j"$jobs" >>"$work/package.log" || { cat "$work/package.log"; exit 1; }
"$work/package/consumer_static"
"$work/package/consumer_shared"
if [[ -x "$work/package/consumer_gtest" ]]; then "$work/package/consumer_gtest"; fi

step "FetchContent (add_subdirectory) of the source tree"
cmake -S "$src/tests/consumer/project" -B "$work/fetch" -DLOCKDEP_CONSUME=fetch \
      -DLOCKDEP_SOURCE_DIR="$src" >"$work/fetch.log"
cmake --build "$work/fetch" -j"$jobs" >>"$work/fetch.log" || { cat "$work/fetch.log"; exit 1; }
"$work/fetch/consumer_static"
"$work/fetch/consumer_shared"
if [[ -x "$work/fetch/consumer_gtest" ]]; then "$work/fetch/consumer_gtest"; fi

step "pkg-config --cflags --libs lockdep"
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
cflags="$(pkg-config --cflags lockdep)"
libs="$(pkg-config --libs lockdep)"
echo "cflags: $cflags"
echo "libs:   $libs"
grep -q -- '-DLOCKDEP_ENABLED=' <<<"$cflags" || { echo "lockdep.pc lacks -DLOCKDEP_ENABLED" >&2; exit 1; }
# shellcheck disable=SC2086
${CXX:-g++} -std=c++20 $cflags "$src/tests/consumer/pkgconfig_main.cpp" -o "$work/pkgconfig_main" $libs
LD_LIBRARY_PATH="$prefix/lib" "$work/pkgconfig_main"
# The static archive with `pkg-config --static` (its private dependencies).
static_libs="$(pkg-config --static --libs lockdep | sed 's/-llockdep/-Wl,-Bstatic -llockdep -Wl,-Bdynamic/')"
# shellcheck disable=SC2086
${CXX:-g++} -std=c++20 $cflags "$src/tests/consumer/pkgconfig_main.cpp" -o "$work/pkgconfig_static" $static_libs
"$work/pkgconfig_static"

echo "consumer: all checks passed"
rm -rf "$work"
