#!/bin/bash
# xlate_oracle_test.sh: the translate tools (iptables-translate, ip6tables-translate and the
# restore-translate tools) against the reference's answers in ../shared/xlate (3,422 cases:
# upstream's .txlate vectors, every rule of the golden corpus and of the peer vectors, hand
# written commands and restore files). A case may fail only while it is listed in
# xlate_known.txt with its reason (cases where the reference crashes and we print an error
# instead); a listed case that passes fails this test too, so the list only shrinks.
# The cases with -m set / -j SET run in a network namespace the checker creates and removes.
# Usage: [BIN=DIR] tests/kernel/xlate_oracle_test.sh
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BIN=${BIN:-$ROOT/build/sbin}
XLATE=${CX_XLATE_DIR:-$ROOT/../shared/xlate}
KNOWN=$HERE/xlate_known.txt
[ -x "$XLATE/check" ] || { echo "FAIL precondition: missing $XLATE/check"; exit 1; }
out=$(python3 "$XLATE/check" --bin "$BIN" --jobs "$(nproc)" 2>&1)
printf '%s\n' "$out" | grep -E '^FAIL|passed, '
failed=$(printf '%s\n' "$out" | sed -n 's/^FAIL \([^ ]*\) .*/\1/p' | sort)
known=$(grep -v '^#' "$KNOWN" 2>/dev/null | awk 'NF {print $1}' | sort)
status=0
new=$(comm -23 <(printf '%s\n' "$failed" | sed '/^$/d') <(printf '%s\n' "$known" | sed '/^$/d'))
fixed=$(comm -13 <(printf '%s\n' "$failed" | sed '/^$/d') <(printf '%s\n' "$known" | sed '/^$/d'))
[ -n "$new" ] && { echo "FAIL: not in xlate_known.txt:"; echo "$new"; status=1; }
[ -n "$fixed" ] && { echo "FAIL: listed in xlate_known.txt but passing now (remove them):"; echo "$fixed"; status=1; }
printf '%s\n' "$out" | grep -q 'passed, ' || { echo "FAIL: the checker did not run"; status=1; }
# Where the reference crashes, ours refuses with a message and prints nothing else.
got=$("$BIN/ip6tables-translate" -A INPUT -m hashlimit --hashlimit-upto 40/sec \
    --hashlimit-mode srcip --hashlimit-name r --hashlimit-rate-match 2>&1)
rc=$?
if [ $rc -eq 1 ] && [ "$got" = "ip6tables-translate: hashlimit: --hashlimit-rate-match has no nft translation as a meter key" ]; then
    echo "PASS ip6tables-translate refuses hashlimit --hashlimit-rate-match (the reference crashes)"
else
    echo "FAIL ip6tables-translate hashlimit --hashlimit-rate-match: rc $rc: $got"; status=1
fi
exit $status
