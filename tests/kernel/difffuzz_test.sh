#!/bin/bash
# difffuzz_test.sh: a short run of the differential fuzzer (tests/difffuzz/difffuzz.py).
#
# Usage: [BIN=DIR] [SEED=N] [COUNT=N] [JOBS=N] tests/kernel/difffuzz_test.sh
#   BIN    directory with our iptables, ip6tables, -save, -restore (default: <repo>/build/sbin)
#   SEED, COUNT  the seed range (default 1 and 300: about 10-20 s with 2 jobs)
# Then the seeds of tests/difffuzz/regression_seeds.txt (differences fixed since) are replayed.
#
# Each seed's random command sequence runs once with the reference iptables-nft 1.8.9 and
# once with ours, each in a network namespace of its own that the fuzzer creates and that
# disappears with it; outputs, exit codes and the final ruleset must be equal. Differences
# listed in tests/difffuzz/known.ini (with the reason) do not fail the test. Ends with
# "N passed, N failed, N known".

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BIN=${BIN:-$ROOT/build/sbin}
SEED=${SEED:-1}
COUNT=${COUNT:-300}
JOBS=${JOBS:-2}

missing=()
[ "$(id -u)" -eq 0 ] || missing+=("root privileges")
for t in python3 nft unshare; do
    command -v "$t" >/dev/null 2>&1 || missing+=("command $t")
done
[ -x /usr/sbin/xtables-nft-multi ] || missing+=("/usr/sbin/xtables-nft-multi (reference)")
[ -x "$BIN/iptables" ] || missing+=("$BIN/iptables")
if [ ${#missing[@]} -gt 0 ]; then
    for t in "${missing[@]}"; do echo "FAIL precondition: missing $t"; done
    exit 1
fi

timeout 600 python3 "$ROOT/tests/difffuzz/difffuzz.py" --seed "$SEED" --count "$COUNT" \
    -j "$JOBS" --cand "$BIN" --known "$ROOT/tests/difffuzz/known.ini" --time-limit 480
rc=$?
echo "== regression seeds"
timeout 300 python3 "$ROOT/tests/difffuzz/difffuzz.py" --cand "$BIN" -j "$JOBS" \
    --seed-list "$ROOT/tests/difffuzz/regression_seeds.txt" \
    --known "$ROOT/tests/difffuzz/known.ini" || rc=1
exit $rc
