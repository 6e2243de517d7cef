#!/bin/bash
# long_chain_test.sh: commands that find one rule of a long chain (-D and -C by spec, -D/-R/-Z
# and -I by number) stop reading the chain once they have it. Each command runs with
# build/sbin in one namespace and the reference iptables-nft in a twin, on the same 6000-rule
# chain; exit status, messages and the ruleset after it (iptables-save, and nft's listing with
# handles) must be the same, including rules near the head, in the middle, at the end, past
# the end, duplicates and several rules named by one command.
#
# Usage: [BIN=DIR] [REF=DIR] tests/kernel/long_chain_test.sh
# Ends with "N passed, N failed".

HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"
need_env
mktmp
T=$CXT_TMP

OURS=$(ns_name ours)
THEIRS=$(ns_name ref)
ns_add "$OURS"
ns_add "$THEIRS"

python3 - >"$T/chain.in" <<'PY'
print("*filter")
print(":LONG - [0:0]")
for i in range(6000):
    print("-A LONG -s 198.51.100.%d/32 -p tcp -m tcp --dport %d -j DROP" % (i % 254 + 1, 1 + i // 254))
    if i in (9, 3999, 5998):
        print("-A LONG -s 203.0.113.9/32 -j REJECT --reject-with icmp-port-unreachable")
print("-A LONG -s 192.0.2.1/32 -j ACCEPT")
print("-A LONG -s 192.0.2.2/32 -j ACCEPT")
print("COMMIT")
PY
for ns in "$OURS" "$THEIRS"; do
    ip netns exec "$ns" "$REF/iptables-restore" <"$T/chain.in" || fail "loading the chain"
done

n=0
# same CMD...: runs `iptables CMD...` on both sides and compares.
same() {
    n=$((n + 1))
    ip netns exec "$OURS" "$BIN/iptables" -w "$@" >"$T/o.out" 2>"$T/o.err"
    local rc_o=$?
    ip netns exec "$THEIRS" "$REF/iptables-nft" -w "$@" >"$T/r.out" 2>"$T/r.err"
    local rc_r=$?
    check_eq "$n: iptables $*: exit status" "$rc_r" "$rc_o"
    check_eq "$n: iptables $*: messages" "$(sed 's/iptables-nft/iptables/' "$T/r.err")" \
        "$(cat "$T/o.err")"
    check_eq "$n: iptables $*: output" "$(cat "$T/r.out")" "$(cat "$T/o.out")"
    check_eq "$n: iptables $*: ruleset" \
        "$(ip netns exec "$THEIRS" "$REF/iptables-save" -c | grep -v '^#')" \
        "$(ip netns exec "$OURS" "$REF/iptables-save" -c | grep -v '^#')"
    check_eq "$n: iptables $*: kernel objects and handles" \
        "$(ip netns exec "$THEIRS" nft -a list ruleset 2>&1)" \
        "$(ip netns exec "$OURS" nft -a list ruleset 2>&1)"
}

section "by spec"
same -C LONG -s 198.51.100.1/32 -p tcp -m tcp --dport 1 -j DROP
same -C LONG -s 192.0.2.2/32 -j ACCEPT
same -C LONG -s 192.0.2.3/32 -j ACCEPT
same -D LONG -s 198.51.100.1/32 -p tcp -m tcp --dport 1 -j DROP
same -D LONG -s 203.0.113.9/32 -j REJECT --reject-with icmp-port-unreachable
same -D LONG -s 203.0.113.9/32 -j REJECT --reject-with icmp-port-unreachable
same -D LONG -s 192.0.2.2/32 -j ACCEPT
same -D LONG -s 192.0.2.3/32 -j ACCEPT
same -D LONG -s 198.51.100.200,198.51.100.201 -p tcp -m tcp --dport 1 -j DROP
same -D LONG -s 198.51.100.2,198.51.100.99 -p tcp -m tcp --dport 1 -j DROP

section "by number"
same -D LONG 1
same -D LONG 3000
same -R LONG 2 -s 203.0.113.50/32 -j ACCEPT
same -R LONG 5990 -s 203.0.113.51/32 -j ACCEPT
same -I LONG 2 -s 203.0.113.52/32 -j ACCEPT
same -I LONG 4000 -s 203.0.113.53/32 -j ACCEPT
count=$(ip netns exec "$OURS" "$BIN/iptables" -S LONG | grep -c '^-A')
same -D LONG "$count"
count=$((count - 1))
same -I LONG "$((count + 1))" -s 203.0.113.54/32 -j ACCEPT
same -I LONG "$((count + 3))" -s 203.0.113.55/32 -j ACCEPT
same -D LONG "$((count + 5))"
same -R LONG "$((count + 5))" -s 203.0.113.56/32 -j ACCEPT
same -Z LONG 5
same -Z LONG "$((count + 5))"
same -L LONG 3 -n

summary
