#!/usr/bin/env bash
# Control-plane benchmark: build/sbin against the reference iptables-nft, alternating
# (A B A B ...) in one run, on the rulesets of ../shared/bench/gen-ruleset.py cp N.
# Prints medians of wall and CPU time, peak RSS, and reference/ours ratios (>1: we are faster).
#   bench/cp-bench.sh [-n "1000 10000 50000 100000"] [-r 5]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
shared=${CX_SHARED:-$here/../shared}
sizes="1000 10000 50000 100000"
reps=5
while getopts "n:r:" o; do
  case $o in
    n) sizes=$OPTARG ;;
    r) reps=$OPTARG ;;
    *) echo "usage: $0 [-n SIZES] [-r REPS]" >&2; exit 2 ;;
  esac
done
out=${CX_BENCH_OUT:-/tmp/cxtables-cp-bench-$$}
exec "$shared/bench/cp-bench" -n "$sizes" -r "$reps" -o "$out" nft "cxtables=$here/build/sbin"
