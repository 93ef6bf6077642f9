#!/usr/bin/env bash
# Installs the Debian 12 packages lockdep needs to build and test, as listed
# in scripts/debian-packages.txt (the one place that list lives).
#
#   scripts/install-deps.sh             required packages
#   scripts/install-deps.sh --optional  required and optional packages
#   scripts/install-deps.sh --print     only print what is missing
#
# Fast and silent when everything is present (one dpkg-query). As root it
# installs what is missing with apt-get (running `apt-get update` once, only
# then); otherwise it prints the one command to run and exits 1.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
list="$here/debian-packages.txt"
want_optional=0
print_only=0
for arg in "$@"; do
  case "$arg" in
    --optional) want_optional=1 ;;
    --print) print_only=1 ;;
    -h|--help) sed -n '2,11p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "install-deps.sh: unknown argument '$arg'" >&2; exit 2 ;;
  esac
done

if ! command -v dpkg-query >/dev/null 2>&1; then
  echo "install-deps.sh: no dpkg-query: this script is for Debian 12; install by hand:" >&2
  grep -v '^\s*#' "$list" | awk 'NF && $2 != "optional" {print "  " $1}' >&2
  exit 1
fi

packages=()
while read -r name flag _; do
  [[ -z "${name:-}" || "$name" == \#* ]] && continue
  [[ "${flag:-}" == optional && $want_optional -eq 0 ]] && continue
  packages+=("$name")
done <"$list"

# One dpkg-query for all of them; unknown packages print nothing.
installed="$(dpkg-query -W -f='${Package} ${db:Status-Status}\n' "${packages[@]}" 2>/dev/null || true)"
missing=()
for p in "${packages[@]}"; do
  grep -qx "$p installed" <<<"$installed" || missing+=("$p")
done

[[ ${#missing[@]} -eq 0 ]] && exit 0

command_line="apt-get install -y --no-install-recommends ${missing[*]}"
if [[ $print_only -eq 1 ]]; then
  echo "$command_line"
  exit 1
fi
if [[ "$(id -u)" -ne 0 ]]; then
  echo "install-deps.sh: missing Debian packages: ${missing[*]}" >&2
  echo "Run as root (or with sudo):" >&2
  echo "  apt-get update && $command_line" >&2
  exit 1
fi

echo "install-deps.sh: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends "${missing[@]}" </dev/null
