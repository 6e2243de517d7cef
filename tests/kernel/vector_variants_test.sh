#!/bin/bash
# vector_variants_test.sh: upstream's extension vectors, each rule also with each option
# dropped and with each option given twice, run with the reference iptables-nft 1.8.9 and
# with ours (tests/difffuzz/vector_variants.py); every command's output and exit code and the
# final ruleset must be equal. About 8,300 commands per side, the two sides at once in
# network namespaces of their own: 3-4 minutes.
#
# Usage (as root): [BIN=DIR] tests/kernel/vector_variants_test.sh
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BIN=${BIN:-$ROOT/build/sbin}
VECTORS=${VECTORS:-$ROOT/../shared/peer/iptables-1.8.9/extensions}

missing=()
[ "$(id -u)" -eq 0 ] || missing+=("root privileges")
for t in python3 nft ip; do
    command -v "$t" >/dev/null 2>&1 || missing+=("command $t")
done
[ -x /usr/sbin/xtables-nft-multi ] || missing+=("/usr/sbin/xtables-nft-multi (reference)")
[ -x "$BIN/iptables" ] || missing+=("$BIN/iptables")
[ -d "$VECTORS" ] || missing+=("$VECTORS")
if [ ${#missing[@]} -gt 0 ]; then
    for t in "${missing[@]}"; do echo "FAIL precondition: missing $t"; done
    echo "0 passed, 1 failed"
    exit 1
fi

if timeout 1500 python3 "$ROOT/tests/difffuzz/vector_variants.py" --cand "$BIN" \
    --vectors "$VECTORS"; then
    echo "1 passed, 0 failed"
else
    echo "0 passed, 1 failed"
    exit 1
fi
