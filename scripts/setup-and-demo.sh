#!/usr/bin/env bash
# Installs the build and test dependencies (Debian 12), builds cxtables, and runs the demo:
# the guide's single-host policy applied with build/sbin in a throwaway network namespace,
# shown working with real traffic from a second namespace.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" -ne 0 ]; then
  echo "run as root (network namespaces and nf_tables need it)" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq $(cat .ci/packages.txt) >/dev/null
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)"
exec env BIN="$PWD/build/sbin" bash tests/kernel/demo.sh
