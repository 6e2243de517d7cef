#!/bin/bash
# concurrency_test.sh: many iptables processes appending to one chain at once.
#
# Usage: [BIN=DIR] [WRITERS=8] [RULES=500] tests/kernel/concurrency_test.sh
#
# iptables-nft takes no lock: every invocation sends an nf_tables batch, and
# the kernel rejects a batch built on an outdated generation (ERESTART), after
# which the tool must refresh its cache and retry. With 8 writers appending
# to the same chain at once this happens constantly. The test checks that no
# command fails, no rule is lost and none is doubled.
#
# Writer w (0..WRITERS-1) appends rule i (0..RULES-1) as
#     -A C -p tcp --dport $((1000 + w*RULES + i)) -j ACCEPT
# so every rule is distinct. Ends with "N passed, N failed".

HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/kernel/lib.sh
. "$HERE/lib.sh"
need_env
mktmp

WRITERS=${WRITERS:-8}
RULES=${RULES:-500}
# Every writer is bounded in time; 500 appends take a few seconds with the
# reference, so this only stops a hung implementation.
WRITER_SECS=${WRITER_SECS:-300}
TOTAL=$((WRITERS * RULES))

NS=$(ns_name conc)
ns_add "$NS" || { fail "create namespace"; summary; exit 1; }

section "$WRITERS concurrent writers x $RULES appends to chain C"
check "iptables -N C" in_ns "$NS" iptables -N C

start=$(date +%s)
pids=()
for w in $(seq 0 $((WRITERS - 1))); do
    # One process per writer runs the whole loop inside the namespace; every
    # failing command is written to err.$w (status and message).
    # shellcheck disable=SC2016 # expanded by the inner bash
    in_ns "$NS" timeout "$WRITER_SECS" bash -c '
        w=$1 n=$2
        for i in $(seq 0 $((n - 1))); do
            port=$((1000 + w * n + i))
            if ! out=$(iptables -A C -p tcp --dport "$port" -j ACCEPT 2>&1); then
                echo "writer $w rule $i (dport $port): exit $?: $out"
            fi
        done' writer "$w" "$RULES" >"$CXT_TMP/err.$w" 2>&1 &
    pids+=($!)
done
timed_out=0
for p in "${pids[@]}"; do
    wait "$p"
    [ $? -eq 124 ] && timed_out=$((timed_out + 1))
done
info "writers finished after $(( $(date +%s) - start )) s"

check_eq "no writer hit the ${WRITER_SECS}s time limit" 0 "$timed_out"
errors=$(cat "$CXT_TMP"/err.*)
if [ -z "$errors" ]; then
    pass "all $TOTAL iptables -A commands exited 0"
else
    fail "$(printf '%s\n' "$errors" | grep -c .) iptables -A commands failed"
    printf '%s\n' "$errors" | head -20 | sed 's/^/    /'
fi

# The listing: "-N C" followed by one "-A C" line per rule.
in_ns "$NS" iptables -S C >"$CXT_TMP/listing" 2>&1
check_eq "iptables -S C starts with -N C" "-N C" "$(head -1 "$CXT_TMP/listing")"
check_eq "iptables -S C lists $TOTAL rules" "$TOTAL" "$(grep -c '^-A C ' "$CXT_TMP/listing")"

# Every expected rule is present exactly once (sorted comparison shows both
# missing and duplicated rules).
for port in $(seq 1000 $((1000 + TOTAL - 1))); do
    echo "-A C -p tcp -m tcp --dport $port -j ACCEPT"
done | sort >"$CXT_TMP/expected"
grep '^-A C ' "$CXT_TMP/listing" | sort >"$CXT_TMP/actual"
if cmp -s "$CXT_TMP/expected" "$CXT_TMP/actual"; then
    pass "every expected rule is present exactly once"
else
    fail "the rules differ from the expected set (- missing, + unexpected or doubled)"
    diff "$CXT_TMP/expected" "$CXT_TMP/actual" | grep '^[<>]' | head -20 |
        sed 's/^</    -/; s/^>/    +/'
fi

# Each writer's own rules keep their relative order (an append is an append).
order_ok=1
for w in $(seq 0 $((WRITERS - 1))); do
    lo=$((1000 + w * RULES)) hi=$((1000 + w * RULES + RULES - 1))
    if ! grep -o -- '--dport [0-9]*' "$CXT_TMP/listing" | awk '{print $2}' |
        awk -v lo="$lo" -v hi="$hi" '$1 >= lo && $1 <= hi' | sort -n -c 2>/dev/null; then
        order_ok=0
        info "writer $w: rules out of order"
    fi
done
check "each writer's rules appear in the order they were appended" test "$order_ok" -eq 1

# The reference lists the same chain the same way.
check_eq "reference iptables-nft -S C lists the same" "$(cat "$CXT_TMP/listing")" \
    "$(in_ns "$NS" "$REF/iptables-nft" -S C 2>&1)"

ns_del "$NS"
summary
