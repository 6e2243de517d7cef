#!/bin/bash
# tail_guard_test.sh: a compiled chain's tail guard (docs/compiled-chains.md, "Tail guards")
# with real traffic. The chain T compiles four -s rules into a set and keeps four LOG rules on
# -p tcp --dport as rules behind "meta l4proto . th dport != @set return". Checked:
#   - the guard is made, and a SYN to a port of the tail still reaches its rule;
#   - -A of a rule the guard can take (an exact port) adds its key: the guard stays and a SYN
#     to that port reaches the new rule (without the key it would be sent on unseen);
#   - -A of a rule it cannot take (-p udp, no port) deletes the guard and its set, and the
#     rules after it are still reached;
#   - through all of it the listing is the plain table's after the same commands.
# Ends with "N passed, N failed".

HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"
need_env
mktmp
T=$CXT_TMP

topo_up || { fail "veth topology"; summary; exit 1; }
PLAIN=$(ns_name plain)
ns_add "$PLAIN" || { fail "create namespace"; summary; exit 1; }

cat >"$T/rules" <<'R'
*filter
:INPUT ACCEPT [0:0]
:T - [0:0]
-A INPUT -j T
-A T -s 192.0.2.101/32 -j DROP
-A T -s 192.0.2.102/32 -j DROP
-A T -s 192.0.2.103/32 -j DROP
-A T -s 192.0.2.104/32 -j DROP
-A T -p tcp -m tcp --dport 22 -j LOG --log-prefix "a "
-A T -p tcp -m tcp --dport 23 -j LOG --log-prefix "b "
-A T -p tcp -m multiport --dports 24,25 -j LOG --log-prefix "c "
-A T -p tcp -m tcp --dport 26 -j LOG --log-prefix "d "
COMMIT
R
in_ns "$HOST" iptables-restore --optimize <"$T/rules"
check "restore --optimize" [ $? -eq 0 ]
in_ns "$PLAIN" iptables-restore <"$T/rules"

guards() { ip netns exec "$HOST" nft list chain ip filter T 2>/dev/null | grep -c '!= @__cx_T_'; }
cxsets() { ip netns exec "$HOST" nft list sets 2>/dev/null | grep -c 'set __cx_T_'; }
syn() { probe_tcp "$CLIENT" 4 "$HOST4" "$1" >/dev/null; }  # refused: nothing listens
same_listing() {
    local a b
    a=$(in_ns "$HOST" iptables -S)
    b=$(in_ns "$PLAIN" iptables -S)
    check_eq "$1: iptables -S as the plain table's" "$b" "$a"
}
both() { in_ns "$HOST" iptables "$@" && in_ns "$PLAIN" iptables "$@"; }

check_eq "the LOG tail has a guard" 1 "$(guards)"
same_listing "compiled"
syn 23
counter_moved "a SYN to a port of the tail reaches its rule" "$HOST" iptables-save \
    '-A T -p tcp -m tcp --dport 23 -j LOG --log-prefix "b "'

both -A T -p tcp --dport 4242 -j ACCEPT
check_eq "-A of an exact port keeps the guard" 1 "$(guards)"
syn 4242
counter_moved "a SYN to the appended port reaches the new rule" "$HOST" iptables-save \
    '-A T -p tcp -m tcp --dport 4242 -j ACCEPT'
check_eq "a SYN to no rule's port is counted by none" "" \
    "$(in_ns "$HOST" iptables-save -c | grep -v '^\[0:0\]' | grep -- '-A T ' | grep -v 4242 | grep -v 'dport 23 ')"
same_listing "after -A of an exact port"

both -A T -p udp -j ACCEPT
check_eq "-A of a rule without a port deletes the guard" 0 "$(guards)"
check_eq "... and its set (the lookup's and the anchor stay)" 2 "$(cxsets)"
before=$(rule_pkts "$HOST" iptables-save '-A T -p tcp -m tcp --dport 4242 -j ACCEPT')
syn 4242
after=$(rule_pkts "$HOST" iptables-save '-A T -p tcp -m tcp --dport 4242 -j ACCEPT')
check "the appended rule is still reached (${before:-?} -> ${after:-?} packets)" \
    [ "${after:-0}" -gt "${before:-0}" ]
same_listing "after -A without a port"

both -D T -p udp -j ACCEPT
# -R is a general-path write: the chain is compiled again.
both -R T 8 -p tcp -m tcp --dport 26 -j LOG --log-prefix "d "
check_eq "the next rebuild makes the guard again" 1 "$(guards)"
same_listing "rebuilt"
summary
exit $?
