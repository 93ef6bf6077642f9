#!/usr/bin/env bash
# Builds and runs the headline example: the reproduction of a real kernel
# lockdep report (examples/seed_irq_inversion.cpp), printed to stderr.
#
#   ./scripts/run-example.sh            the seed irq-inversion example
#   ./scripts/run-example.sh abba       any other examples/<name>.cpp
#
# Installs missing Debian packages first; builds only the library and the
# example, in build/default (the `default` preset).
set -euo pipefail

src="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$src"
example="${1:-seed_irq_inversion}"
[[ -f "examples/$example.cpp" ]] || example=abba
build_dir="${LOCKDEP_BUILD_ROOT:-$src/build}/default"

scripts/install-deps.sh
mkdir -p "$build_dir"
log="$build_dir/run-example.log"
if ! { cmake --preset default -B "$build_dir" &&
       cmake --build "$build_dir" -j"${LOCKDEP_JOBS:-2}" --target "$example"; } >"$log" 2>&1; then
  cat "$log" >&2
  echo "run-example.sh: the build failed (log above, also in $log)" >&2
  exit 1
fi
echo "== $build_dir/examples/$example" >&2
exec "$build_dir/examples/$example"
