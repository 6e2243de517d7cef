#!/bin/bash
# run_all.sh: run every tests/kernel/*_test.sh against BIN and add up.
#
# Usage (as root):  [BIN=DIR] [REF=DIR] tests/kernel/run_all.sh
#
# Each test prints its own "N passed, N failed" closing line; this script sums
# them and ends with the same kind of line. A test that exits non-zero without
# reporting a failure (crashed, killed by the time limit) counts as one
# failure. Exits 1 if anything failed.

set -u
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
export BIN=${BIN:-$ROOT/build/sbin}
export REF=${REF:-/usr/sbin}
# Upper bound for one test script (the slowest takes well under a minute; package_test.sh
# has its own, PACKAGE_TEST_SECS).
TEST_SECS=${TEST_SECS:-900}

total_pass=0
total_fail=0
log=$(mktemp /tmp/cxtables-run-all.XXXXXX)
trap 'rm -f "$log"' EXIT

for t in "$HERE"/*_test.sh; do
    name=$(basename "$t")
    echo "=== $name (BIN=$BIN)"
    # --foreground: let the test's own traps run if it is interrupted.
    secs=$TEST_SECS
    # package_test.sh builds the whole program again (dpkg-buildpackage).
    [ "$name" == package_test.sh ] && secs=${PACKAGE_TEST_SECS:-2400}
    timeout --foreground -k 10 "$secs" bash "$t" 2>&1 | tee "$log"
    rc=${PIPESTATUS[0]}
    line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$log" | tail -1)
    if [ -n "$line" ]; then
        p=${line%% passed*}
        f=${line#*passed, }; f=${f%% failed*}
    else
        p=0 f=0
    fi
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
        echo "=== $name exited $rc without reporting a failure; counted as one"
        f=1
    fi
    echo "=== $name: $p passed, $f failed (exit $rc)"
    echo
    total_pass=$((total_pass + p))
    total_fail=$((total_fail + f))
done

echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
