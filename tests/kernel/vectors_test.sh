#!/bin/bash
# vectors_test.sh: extension vectors (.t files, upstream's format) run against the kernel.
#
#   1. upstream iptables 1.8.9's own vectors (../shared/peer): BIN must score exactly what
#      the reference scored on this kernel (844 passed, 24 failed, 171 skipped), fail the
#      same cases, and program the same bytecode (--compare-bytecode with the recorded run);
#   2. our own vectors (tests/vectors: set/SET, comment, statistic, NAT targets, the areas
#      upstream's vectors barely cover): the reference runs them first and must pass them all
#      (they state what iptables-nft does), then BIN must pass them with the same bytecode.
# The runner makes a private network namespace per case.
#
# Usage: [BIN=DIR] [REF=DIR] [CX_PEER_DIR=DIR] tests/kernel/vectors_test.sh
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/kernel/lib.sh
. "$HERE/lib.sh"
need_env
mktmp
ROOT=$(cd "$HERE/../.." && pwd)
PEER=${CX_PEER_DIR:-$ROOT/../shared/peer}
RUNNER=$PEER/run-t-suite
BASELINE=$PEER/baseline/debian12-iptables-nft-1.8.9.json
jobs=$(nproc)

summary_line() { grep -E '^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$' "$1" | tail -n 1; }

section "upstream vectors"
if [ ! -x "$RUNNER" ] || [ ! -f "$BASELINE" ]; then
    fail "precondition: $RUNNER and $BASELINE (the shared peer suite)"
else
    "$RUNNER" --iptables "$BIN/iptables" --ip6tables "$BIN/ip6tables" -j "$jobs" -q \
        --compare-bytecode "$BASELINE" --json "$CXT_TMP/peer.json" \
        "$PEER/iptables-1.8.9/extensions" >"$CXT_TMP/peer.log" 2>&1
    got=$(summary_line "$CXT_TMP/peer.log")
    check_eq "upstream vectors score as the reference" "844 passed, 24 failed, 171 skipped" "$got"
    # Same verdict per case as the recorded reference run; no bytecode difference.
    diffs=$(python3 - "$BASELINE" "$CXT_TMP/peer.json" <<'PY'
import json, sys
ref = {(c["file"], c["line"], c["family"]): c["status"] for c in json.load(open(sys.argv[1]))["cases"]}
out = []
for c in json.load(open(sys.argv[2]))["cases"]:
    want = ref.get((c["file"], c["line"], c["family"]))
    if c["status"] != want or "bytecode differs" in c["reason"]:
        out.append("%s:%s %s: %s (reference: %s) %s" % (c["file"], c["line"], c["family"],
                   c["status"], want, c["reason"].splitlines()[0] if c["reason"] else ""))
print("\n".join(out))
PY
)
    if [ -z "$diffs" ]; then
        pass "every upstream case has the reference's verdict and bytecode"
    else
        fail "cases that differ from the reference:"
        echo "$diffs" | head -n 40
    fi
fi

section "our vectors (tests/vectors)"
"$RUNNER" --iptables "$REF/iptables-nft" --ip6tables "$REF/ip6tables-nft" -j "$jobs" -q \
    --bytecode --json "$CXT_TMP/ours-ref.json" "$ROOT/tests/vectors" >"$CXT_TMP/ref.log" 2>&1
got=$(summary_line "$CXT_TMP/ref.log")
if [[ $got =~ ^([0-9]+)\ passed,\ 0\ failed ]] && [ "${BASH_REMATCH[1]}" -gt 100 ]; then
    pass "the reference passes our vectors: $got"
else
    fail "the reference does not pass our vectors: $got"
    grep -v '^  OK' "$CXT_TMP/ref.log" | head -n 30
fi
"$RUNNER" --iptables "$BIN/iptables" --ip6tables "$BIN/ip6tables" -j "$jobs" -q \
    --compare-bytecode "$CXT_TMP/ours-ref.json" "$ROOT/tests/vectors" >"$CXT_TMP/ours.log" 2>&1
check_eq "BIN passes our vectors with the reference's bytecode" "$got" "$(summary_line "$CXT_TMP/ours.log")"
grep -q ' failed$' "$CXT_TMP/ours.log" && grep -B1 -A4 'FAIL' "$CXT_TMP/ours.log" | head -n 30

summary
