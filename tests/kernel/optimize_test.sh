#!/bin/bash
# optimize_test.sh: compiled chains (cxtables optimize, docs/compiled-chains.md) in namespaces.
#
# Usage: [BIN=DIR] tests/kernel/optimize_test.sh
#
# Two server namespaces get the same ruleset (200 source bans and prefix bans in BANS, a
# LOG/limit rule, a tcp and a udp port dispatch with ACCEPT/DROP/RETURN/jump, multiport
# rules, address . port and interface . port concatenations, a small WEB chain): PLAIN as
# iptables-restore loads it, COMPILED loaded the same way and then `cxtables optimize on`.
# Each has its own sender namespace with the same addresses, so the same packets reach both.
# Checked:
#   1. -S, iptables-save (comments masked) and -L -n -v -x --line-numbers print the same,
#      before and after real traffic (per-rule counters included);
#   2. the reference iptables-nft refuses the compiled table ("incompatible") and prints no
#      rule; the compiled chains really are sets (nft lists them);
#   3. writes on a compiled chain (-A -I -D -R -F -Z -E -X, restore --noflush) do in the
#      compiled namespace what they do in the plain one (exit code, output, listing), the
#      chain stays compiled, a ban and an unban are element edits; -C still
#      finds a compiled rule; writes on chains that are not compiled work; concurrent bans and
#      unbans on a compiled chain all land;
#   4. `optimize off` gives the nft bytecode of the plain load (handles masked).
# Ends with "N passed, N failed".

HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/kernel/lib.sh
. "$HERE/lib.sh"
need_env
[ -x "$BIN/cxtables" ] || { fail "precondition: missing $BIN/cxtables"; summary; exit 1; }
command -v nft >/dev/null || { fail "precondition: missing nft"; summary; exit 1; }
mktmp

PLAIN=$(ns_name plain)
COMPILED=$(ns_name compiled)
SEND_P=$(ns_name send-plain)
SEND_C=$(ns_name send-compiled)

# pair SERVER SENDER: a veth pair, 192.0.2.1 on the server, 192.0.2.2 and .3 on the sender.
pair() {
    local server=$1 sender=$2
    ns_add "$server" && ns_add "$sender" || return 1
    ip -n "$server" link add eth0 type veth peer name eth0 netns "$sender" || return 1
    ip -n "$server" addr add 192.0.2.1/24 dev eth0
    ip -n "$sender" addr add 192.0.2.2/24 dev eth0
    ip -n "$sender" addr add 192.0.2.3/24 dev eth0
    ip -n "$server" link set eth0 up
    ip -n "$sender" link set eth0 up
    # Every UDP datagram to a closed port gets its ICMP error (no rate limit), so that the
    # server's OUTPUT counters do not depend on timing.
    ip netns exec "$server" sysctl -qw net.ipv4.icmp_ratelimit=0 net.ipv4.icmp_msgs_per_sec=100000
    local mac
    mac=$(ip -n "$server" -br link show eth0 | awk '{print $3}')
    ip -n "$sender" neigh replace 192.0.2.1 lladdr "$mac" dev eth0 nud permanent
}
pair "$PLAIN" "$SEND_P" && pair "$COMPILED" "$SEND_C" || { fail "topology"; summary; exit 1; }

# The ruleset: BANS holds 200 host bans (one of them the sender's second address; a hash
# set), a port rule, and 8 prefix bans (an interval set); INPUT a port dispatch per protocol (verdict maps).
{
    echo '*filter'
    echo ':INPUT ACCEPT [0:0]'
    echo ':FORWARD ACCEPT [0:0]'
    echo ':OUTPUT ACCEPT [0:0]'
    echo ':BANS - [0:0]'
    echo ':WEB - [0:0]'
    echo '-A INPUT -i lo -j ACCEPT'
    echo '-A INPUT -j BANS'
    echo '-A INPUT -m limit --limit 100/sec --limit-burst 100 -j LOG --log-prefix "in: "'
    echo '-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT'
    echo '-A INPUT -p tcp -m tcp --dport 80 -j WEB'
    echo '-A INPUT -p tcp -m tcp --dport 443 -j WEB'
    echo '-A INPUT -p tcp -m tcp --dport 25 -j DROP'
    echo '-A INPUT -p tcp -m tcp --dport 23 -j RETURN'
    echo '-A INPUT -p tcp -m multiport --dports 8000,8001 -j ACCEPT'
    echo '-A INPUT -p udp -m udp --dport 53 -m comment --comment dns -j ACCEPT'
    echo '-A INPUT -p udp -m udp --dport 123 -m comment --comment "no ntp" -j DROP'
    echo '-A INPUT -p udp -m udp --dport 5353 -m comment --comment mdns -j WEB'
    echo '-A INPUT -p udp -m udp --dport 9999 -m comment --comment "a comment" -j ACCEPT'
    echo '-A INPUT -p udp -m multiport --dports 6000,6001 -j ACCEPT'
    echo '[3:180] -A INPUT -p udp -m multiport --dports 6002,6003 -j DROP'
    echo '-A INPUT -p udp -m multiport --dports 6010,6011,6012 -j WEB'
    echo '-A INPUT -p udp -m multiport --dports 6020 -j DROP'
    echo '-A INPUT -d 192.0.2.1/32 -p tcp -m tcp --dport 7000 -j ACCEPT'
    echo '-A INPUT -d 192.0.2.1/32 -p tcp -m tcp --dport 7001 -j DROP'
    echo '-A INPUT -d 192.0.2.9/32 -p tcp -m tcp --dport 7000 -j WEB'
    echo '-A INPUT -d 192.0.2.1/32 -p tcp -m tcp --dport 7002 -j RETURN'
    echo '-A INPUT -i eth0 -p udp -m udp --dport 6500 -j ACCEPT'
    echo '-A INPUT -i eth0 -p udp -m udp --dport 6501 -j DROP'
    echo '-A INPUT -i eth1 -p udp -m udp --dport 6500 -j DROP'
    echo '-A INPUT -i eth0 -p udp -m udp --dport 6502 -j ACCEPT'
    echo '-A INPUT -p icmp -j ACCEPT'
    for i in $(seq 1 199); do
        [ "$i" -eq 7 ] && echo -n "[7:420] "
        echo "-A BANS -s 203.0.113.$i/32 -j DROP"
        [ "$i" -eq 100 ] && echo "-A BANS -s 192.0.2.3/32 -j DROP"
    done
    echo '-A BANS -p tcp -m tcp --dport 1 -j DROP'
    for i in 0 16 32 48 64 80 96 112; do echo "-A BANS -s 198.51.100.$i/28 -j DROP"; done
    echo '-A WEB -p tcp -m tcp --dport 80 -j ACCEPT'
    echo '-A WEB -j DROP'
    echo 'COMMIT'
} >"$CXT_TMP/rules.v4"

section "load"
check "plain load" in_ns "$PLAIN" iptables-restore -c "$CXT_TMP/rules.v4"
check "load before compiling" in_ns "$COMPILED" iptables-restore -c "$CXT_TMP/rules.v4"
out=$(in_ns "$COMPILED" cxtables optimize on 2>&1)
check "optimize on" test $? -eq 0
printf '%s\n' "$out" | sed 's/^/    /'
status=$(in_ns "$COMPILED" cxtables optimize status)
printf '%s\n' "$status" | sed 's/^/    /'
check_eq "status of BANS" "BANS: 209 rules, 208 compiled into 2 lookups" \
    "$(grep '^BANS:' <<<"$status")"
check_eq "status of INPUT" "INPUT: 26 rules, 22 compiled into 5 lookups" \
    "$(grep '^INPUT:' <<<"$status")"
check "nft lists a set of BANS" bash -c "ip netns exec $COMPILED nft list sets | grep -q __cx_BANS_0"
check "the kernel's BANS chain holds 3 rules (2 lookups)" \
    test "$(ip netns exec "$COMPILED" nft -a list chain ip filter BANS | grep -v 'chain BANS' | grep -c 'handle [0-9]*$')" -eq 3

masked_save() { in_ns "$1" iptables-save "${@:2}" | grep -v '^#'; }
listings_agree() {
    local when=$1
    check_eq "-S agrees ($when)" "$(in_ns "$PLAIN" iptables -S)" "$(in_ns "$COMPILED" iptables -S)"
    check_eq "-S BANS agrees ($when)" "$(in_ns "$PLAIN" iptables -S BANS)" \
        "$(in_ns "$COMPILED" iptables -S BANS)"
    check_eq "iptables-save -c agrees ($when)" "$(masked_save "$PLAIN" -c)" \
        "$(masked_save "$COMPILED" -c)"
    check_eq "-L -n -v -x --line-numbers agrees ($when)" \
        "$(in_ns "$PLAIN" iptables -L -n -v -x --line-numbers)" \
        "$(in_ns "$COMPILED" iptables -L -n -v -x --line-numbers)"
    check_eq "-L INPUT 4 agrees ($when)" "$(in_ns "$PLAIN" iptables -L INPUT 4 -n)" \
        "$(in_ns "$COMPILED" iptables -L INPUT 4 -n)"
}
section "listing"
listings_agree "loaded"

section "reference"
ref_save=$(ip netns exec "$COMPILED" "$REF/iptables-nft-save" 2>&1)
check "iptables-nft-save says incompatible" grep -q "incompatible" <<<"$ref_save"
check_not "iptables-nft-save prints no rule" grep -q '^-A' <<<"$ref_save"
ref_s=$(ip netns exec "$COMPILED" "$REF/iptables-nft" -S 2>&1)
check_not "iptables-nft -S fails" ip netns exec "$COMPILED" "$REF/iptables-nft" -S
check "iptables-nft -S says incompatible" grep -q "incompatible" <<<"$ref_s"
check_not "iptables-nft -S prints no rule" grep -q '^-A' <<<"$ref_s"
check_not "iptables-nft -S BANS fails" ip netns exec "$COMPILED" "$REF/iptables-nft" -S BANS
check_not "iptables-nft -C on a compiled rule fails" \
    ip netns exec "$COMPILED" "$REF/iptables-nft" -C BANS -s 203.0.113.5/32 -j DROP

# traffic SENDER: the same packets to each server: TCP SYNs (refused, or dropped and given
# up after 0.5 s, before any retransmission), UDP datagrams, pings; some from the banned
# address 192.0.2.3.
traffic() {
    local ns=$1 port src
    for port in 22 80 443 25 23 8000 8001 9 22 80 7000 7001 7002 7003; do
        ip netns exec "$ns" timeout 2 socat -u /dev/null \
            "TCP4:192.0.2.1:$port,connect-timeout=0.5" >/dev/null 2>&1
    done
    for port in 53 123 5353 9999 7 53 6001 6003 6011 6012 6020 6021 6500 6501 6502 6503; do
        echo x | ip netns exec "$ns" timeout 2 socat -u - "UDP4-SENDTO:192.0.2.1:$port" >/dev/null 2>&1
    done
    for src in 192.0.2.2 192.0.2.3; do
        ip netns exec "$ns" timeout 3 ping -n -q -c 3 -i 0.2 -W 1 -I "$src" 192.0.2.1 >/dev/null 2>&1
        echo x | ip netns exec "$ns" timeout 2 socat -u - "UDP4-SENDTO:192.0.2.1:53,bind=$src" >/dev/null 2>&1
    done
}
section "traffic"
traffic "$SEND_P"
traffic "$SEND_C"
listings_agree "after traffic"
check_eq "the banned sender counted 4 packets" "4" \
    "$(rule_pkts "$COMPILED" iptables-save "-A BANS -s 192.0.2.3/32 -j DROP")"
check_eq "dport 22 counted 2 SYNs" "2" \
    "$(rule_pkts "$COMPILED" iptables-save "-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT")"
check_eq "a multiport rule counted its two ports" "2" \
    "$(rule_pkts "$COMPILED" iptables-save "-A INPUT -p udp -m multiport --dports 6010,6011,6012 -j WEB")"
check_eq "a concatenation (address . port) counted its SYN" "1" \
    "$(rule_pkts "$COMPILED" iptables-save "-A INPUT -d 192.0.2.1/32 -p tcp -m tcp --dport 7001 -j DROP")"
check_eq "a concatenation (interface . port) counted its datagram" "1" \
    "$(rule_pkts "$COMPILED" iptables-save "-A INPUT -i eth0 -p udp -m udp --dport 6501 -j DROP")"
check_eq "a rule's restored counters stay and grow" "4" \
    "$(rule_pkts "$COMPILED" iptables-save "-A INPUT -p udp -m multiport --dports 6002,6003 -j DROP")"

section "writes on compiled chains"
# both NS... CMD: the same command in both namespaces, with the same exit code and output.
both() {
    local desc=$1 p c prc crc; shift
    p=$(in_ns "$PLAIN" "$@" 2>&1); prc=$?
    c=$(in_ns "$COMPILED" "$@" 2>&1); crc=$?
    check_eq "$desc: same exit code" "$prc" "$crc"
    check_eq "$desc: same output" "$p" "$c"
}
lookups_of() { ip netns exec "$COMPILED" nft -a list chain ip filter "$1" | grep -c '@__cx_'; }
still_compiled() {
    check "$1 is still compiled" bash -c "ip netns exec $COMPILED nft list sets | grep -q __cx_$1_"
}
# fail2ban's ban and unban: an element added and deleted, the lookup rule kept.
bans_before=$(ip netns exec "$COMPILED" nft -a list chain ip filter BANS | grep -c handle)
both "-I BANS 1 (a ban)" iptables -I BANS 1 -s 203.0.113.250/32 -j DROP
check_eq "the ban is an element (BANS keeps its kernel rules)" "$bans_before" \
    "$(ip netns exec "$COMPILED" nft -a list chain ip filter BANS | grep -c handle)"
check "the ban is in a set" bash -c "ip netns exec $COMPILED nft list sets | grep -q 203.0.113.250"
both "-D BANS rule (an unban)" iptables -D BANS -s 203.0.113.5/32 -j DROP
check_not "the unbanned address has no element" \
    bash -c "ip netns exec $COMPILED nft list sets | grep -q '203.0.113.5 '"
listings_agree "after a ban and an unban"
both "-D BANS rule that is not there" iptables -D BANS -s 203.0.113.5/32 -j DROP
both "-A BANS" iptables -A BANS -s 203.0.113.251/32 -j DROP
both "-I INPUT 3" iptables -I INPUT 3 -j ACCEPT
both "-D INPUT 4" iptables -D INPUT 4
both "-R INPUT 4" iptables -R INPUT 4 -p tcp --dport 2222 -j ACCEPT
both "-I INPUT 99 (too big)" iptables -I INPUT 99 -j ACCEPT
both "-R BANS 3" iptables -R BANS 3 -s 198.51.100.77/32 -j DROP
both "-I INPUT 1 -s a,b (two rules)" iptables -I INPUT 1 -s 192.0.2.200,192.0.2.201 -j DROP
still_compiled BANS
still_compiled INPUT
listings_agree "after -A -I -D -R"
both "-Z INPUT 5" iptables -Z INPUT 5
both "-Z BANS" iptables -Z BANS
listings_agree "after -Z CHAIN"
both "-E WEB WEB2 (a chain compiled rules jump to)" iptables -E WEB WEB2
listings_agree "after -E"
both "-E WEB2 WEB" iptables -E WEB2 WEB
both "-X (chains in use)" iptables -X
both "-F BANS" iptables -F BANS
still_compiled BANS
for i in 1 2 3 4 5; do both "-I BANS 1 (ban $i into an emptied chain)" iptables -I BANS 1 -s 203.0.113.$((100 + i))/32 -j DROP; done
check_eq "an emptied compiled chain compiles again once its run is long enough" 1 "$(lookups_of BANS)"
listings_agree "after -F and new bans"
printf '%s\n' '*filter' '-A BANS -s 203.0.113.252/32 -j DROP' 'COMMIT' >"$CXT_TMP/noflush"
out=$(in_ns "$COMPILED" iptables-restore --noflush "$CXT_TMP/noflush" 2>&1)
check "restore --noflush that edits a compiled chain in place is refused" test $? -ne 0
check "... naming cxtables optimize off" grep -q "cxtables optimize off" <<<"$out"
printf '%s\n' '*filter' ':BANS - [0:0]' '-A BANS -s 203.0.113.1/32 -j DROP' \
    '-A BANS -s 203.0.113.2/32 -j DROP' '-A BANS -s 203.0.113.3/32 -j DROP' \
    '-A BANS -s 203.0.113.4/32 -j DROP' '-A BANS -s 203.0.113.5/32 -j DROP' 'COMMIT' \
    >"$CXT_TMP/noflush2"
both "restore --noflush that empties the compiled chain first" \
    iptables-restore --noflush "$CXT_TMP/noflush2"
still_compiled BANS
check_eq "... and compiles it again" 1 "$(lookups_of BANS)"
listings_agree "after restore --noflush"
check "-C finds a compiled rule" in_ns "$COMPILED" iptables -C BANS -s 203.0.113.5/32 -j DROP
check_not "-C does not find a rule that is not there" \
    in_ns "$COMPILED" iptables -C BANS -s 203.0.113.250/32 -j DROP
check "the reference still refuses the table" \
    bash -c "ip netns exec $COMPILED $REF/iptables-nft-save 2>&1 | grep -q incompatible"
for ns in "$PLAIN" "$COMPILED"; do
    check "-A WEB (not compiled) in $ns" in_ns "$ns" iptables -A WEB -p udp -j ACCEPT
    check "-D WEB in $ns" in_ns "$ns" iptables -D WEB 3
done
listings_agree "after writes on WEB"

section "concurrent writers on a compiled chain"
# Four processes ban 25 addresses each at the head of a compiled chain while two unban 10 of
# its first rules: every ban and unban lands (each is one transaction, started again when
# another writer came first), in sets.
printf '%s\n' '*filter' ':CONC - [0:0]' '-A CONC -s 198.51.100.201/32 -j DROP' \
    '-A CONC -s 198.51.100.202/32 -j DROP' '-A CONC -s 198.51.100.203/32 -j DROP' \
    '-A CONC -s 198.51.100.204/32 -j DROP' 'COMMIT' | in_ns "$COMPILED" iptables-restore --noflush --optimize
for i in 1 2 3 4 5 6 7 8 9 10; do
    in_ns "$COMPILED" iptables -I CONC 1 -s "203.0.113.$((150 + i))/32" -j DROP
done
pids=()
for w in 0 1 2 3; do
    (for i in $(seq 1 25); do in_ns "$COMPILED" iptables -w -I CONC 1 -s "192.0.2.$((w * 25 + i + 100))/32" -j DROP || echo "ban $w $i failed"; done) >"$CXT_TMP/conc.$w" 2>&1 &
    pids+=($!)
done
for w in 0 1; do
    (for i in $(seq 1 5); do in_ns "$COMPILED" iptables -w -D CONC -s "203.0.113.$((150 + w * 5 + i))/32" -j DROP || echo "unban $w $i failed"; done) >"$CXT_TMP/unconc.$w" 2>&1 &
    pids+=($!)
done
wait "${pids[@]}"
check_eq "no write failed" "" "$(cat "$CXT_TMP"/conc.* "$CXT_TMP"/unconc.*)"
check_eq "CONC holds 4 + 100 rules" 104 "$(in_ns "$COMPILED" iptables -S CONC | grep -c '^-A')"
want=$( (for a in $(seq 101 200); do echo "-A CONC -s 192.0.2.$a/32 -j DROP"; done
    for a in 201 202 203 204; do echo "-A CONC -s 198.51.100.$a/32 -j DROP"; done) | sort)
check_eq "... exactly the bans made" "$want" "$(in_ns "$COMPILED" iptables -S CONC | grep '^-A' | sort)"
check "CONC is compiled" bash -c "ip netns exec $COMPILED nft list sets | grep -q __cx_CONC_"
in_ns "$COMPILED" iptables -F CONC
in_ns "$COMPILED" iptables -X CONC
check_not "-F and -X of CONC leave no set of it" \
    bash -c "ip netns exec $COMPILED nft list sets | grep -q __cx_CONC_"

section "optimize off"
check "optimize off" in_ns "$COMPILED" cxtables optimize off
bytecode() {
    # "ip filter CHAIN HANDLE [POSITION]" heads each rule's bytecode; nft's own listing
    # names handles as "# handle N".
    ip netns exec "$1" nft --debug=netlink list ruleset 2>/dev/null |
        sed -E -e 's/^(ip6? [a-z]+ [^ ]+)( [0-9]+)+$/\1/' -e 's/# handle [0-9]+//'
}
check_eq "bytecode equals the plain load's" "$(bytecode "$PLAIN")" "$(bytecode "$COMPILED")"
check_not "no set is left" bash -c "ip netns exec $COMPILED nft list sets | grep -q __cx_"
listings_agree "after optimize off"
check "the reference lists it again" ip netns exec "$COMPILED" "$REF/iptables-nft" -S BANS

section "IPv6"
{
    echo '*filter'
    echo ':INPUT ACCEPT [0:0]'
    for i in 1 2 3 4 5 6; do echo "-A INPUT -s 2001:db8:1::$i/128 -j DROP"; done
    echo '-A INPUT -p ipv6-icmp -j ACCEPT'
    for i in 0 1 2 3; do echo "-A INPUT -d 2001:db8:2:$i::/64 -j REJECT --reject-with icmp6-adm-prohibited"; done
    for p in 22 80 443 8443; do echo "-A INPUT -p tcp -m tcp --sport $p -m comment --comment \"port $p\" -j RETURN"; done
    echo 'COMMIT'
} >"$CXT_TMP/rules.v6"
check "plain load (IPv6)" in_ns "$PLAIN" ip6tables-restore "$CXT_TMP/rules.v6"
check "load before compiling (IPv6)" in_ns "$COMPILED" ip6tables-restore "$CXT_TMP/rules.v6"
out=$(in_ns "$COMPILED" cxtables optimize on -6)
check_eq "optimize on -6" "INPUT: 15 rules, 14 compiled into 3 lookups" "$(grep '^INPUT:' <<<"$out")"
check_eq "ip6tables -S agrees" "$(in_ns "$PLAIN" ip6tables -S)" "$(in_ns "$COMPILED" ip6tables -S)"
check_eq "ip6tables-save -c agrees" "$(in_ns "$PLAIN" ip6tables-save -c | grep -v '^#')" \
    "$(in_ns "$COMPILED" ip6tables-save -c | grep -v '^#')"
check_eq "ip6tables -L -n -v -x --line-numbers agrees" \
    "$(in_ns "$PLAIN" ip6tables -L -n -v -x --line-numbers)" \
    "$(in_ns "$COMPILED" ip6tables -L -n -v -x --line-numbers)"
check "ip6tables-nft-save says incompatible" \
    bash -c "ip netns exec $COMPILED $REF/ip6tables-nft-save 2>&1 | grep -q incompatible"
check "the IPv4 table is still plain" ip netns exec "$COMPILED" "$REF/iptables-nft" -S BANS
for ns in "$PLAIN" "$COMPILED"; do
    check "ip6tables -I INPUT 1 (a ban) in $ns" in_ns "$ns" ip6tables -I INPUT 1 -s 2001:db8:1::99/128 -j DROP
    check "ip6tables -D INPUT (an unban) in $ns" in_ns "$ns" ip6tables -D INPUT -s 2001:db8:1::3/128 -j DROP
    check "ip6tables -A INPUT in $ns" in_ns "$ns" ip6tables -A INPUT -j ACCEPT
done
check_eq "ip6tables -S agrees after writes" "$(in_ns "$PLAIN" ip6tables -S)" "$(in_ns "$COMPILED" ip6tables -S)"
check "optimize off -6" in_ns "$COMPILED" cxtables optimize off -6
check_eq "bytecode equals the plain load's (IPv4 and IPv6)" "$(bytecode "$PLAIN")" \
    "$(bytecode "$COMPILED")"

summary
exit $?
