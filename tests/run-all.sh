#!/usr/bin/env bash
# Builds cxtables and runs every test: unit tests, kernel tests in throwaway network
# namespaces, and the reference corpus in three directions. Needs root (namespaces) and the
# packages in .ci/packages.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)"
cd build
ctest --output-on-failure
