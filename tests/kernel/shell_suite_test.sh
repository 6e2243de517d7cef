#!/bin/bash
# shell_suite_test.sh: upstream iptables' own shell tests at 1.8.9 (../shared/peer/shell-1.8.9)
# against our binaries, through ../shared/peer/run-shell-suite, which runs them inside a
# network namespace it creates and removes. A test may fail only while it is listed in
# shell_suite_known.txt (with its reason); a listed test that passes fails this test too, so
# the list only shrinks. The goal is an empty list: "60 passed, 0 failed".
# Usage: [BIN=DIR] tests/kernel/shell_suite_test.sh
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BIN=${BIN:-$ROOT/build/sbin}
PEER=${CX_PEER_DIR:-$ROOT/../shared/peer}
KNOWN=$HERE/shell_suite_known.txt
for t in nft strace runuser; do
  command -v "$t" >/dev/null || { echo "FAIL precondition: missing command $t"; exit 1; }
done
[ -x "$PEER/run-shell-suite" ] || { echo "FAIL precondition: missing $PEER/run-shell-suite"; exit 1; }
out=$("$PEER/run-shell-suite" "$BIN" 2>&1)
printf '%s\n' "$out" | grep -E 'FAILED|passed, '
failed=$(printf '%s\n' "$out" | sed -n 's/.*\[FAILED\] *\.\/\.\/testcases\/\([^:]*\):.*/\1/p' | sort)
known=$(grep -v '^#' "$KNOWN" 2>/dev/null | awk 'NF {print $1}' | sort)
status=0
new=$(comm -23 <(printf '%s\n' "$failed" | sed '/^$/d') <(printf '%s\n' "$known" | sed '/^$/d'))
fixed=$(comm -13 <(printf '%s\n' "$failed" | sed '/^$/d') <(printf '%s\n' "$known" | sed '/^$/d'))
[ -n "$new" ] && { echo "FAIL: not in shell_suite_known.txt:"; echo "$new"; status=1; }
[ -n "$fixed" ] && { echo "FAIL: listed in shell_suite_known.txt but passing now (remove them):"; echo "$fixed"; status=1; }
printf '%s\n' "$out" | grep -q 'passed, ' || { echo "FAIL: the suite did not run"; status=1; }
exit $status
