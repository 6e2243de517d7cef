#!/bin/bash
# perimeter_test.sh: a gateway firewall ("Configuring iptables as a network
# perimeter defensive measure" / "Configure egress restrictions"), written with
# BIN's iptables and ip6tables, checked with real forwarded traffic and with the
# rule counters.
#
# Usage: [BIN=DIR] [REF=DIR] tests/kernel/perimeter_test.sh
#   BIN  the iptables implementation under test (default: <repo>/build/sbin)
#   REF  the reference iptables-nft 1.8.9 (default: /usr/sbin)
#
# Topology (three throwaway namespaces, see lib.sh for the cleanup trap):
#
#   lan ns                      gw ns (forwarding on)                   wan ns
#   eth0 192.0.2.10/24  <--> lan0 192.0.2.1/24     wan0 203.0.113.1/24  <--> eth0 203.0.113.20/24
#        2001:db8:1::10/64        2001:db8:1::1/64      2001:db8:2::1/64           2001:db8:2::20/64
#   default routes via gw                                                 v6 route to 2001:db8:1::/64
#                                                                         via gw; NO v4 route back to
#                                                                         192.0.2.0/24
#
# The WAN server has no IPv4 route to the LAN, so an IPv4 reply can only come
# back if the gateway masquerades the LAN's connections.
#
# (The guide names these sections but gives no commands for them; the rules
# below are the usual ones a sysadmin types, in the guide's style.)
#
# The gateway's ruleset (GW_V4, GW_V6 below):
#   FORWARD policy DROP; replies through conntrack (RELATED,ESTABLISHED);
#   LAN -> WAN only tcp 80/443 and udp 53 (egress restriction); everything
#   else from the LAN logged with a rate limit (5/min) and dropped by the
#   policy; LAN masqueraded behind 203.0.113.1; a port forward
#   203.0.113.1:8080 -> 192.0.2.10:80 (DNAT); for IPv6 the same forwarding
#   rules without NAT.
#
# Steps:
#   1. baseline: only the NAT rules, FORWARD accepts everything, so every
#      service used later is reachable (a "blocked" later is the filter's doing);
#   2. the filter rules; traffic checks (allowed, blocked, masqueraded peer
#      address, port forward, IPv6);
#   3. the counters of every rule the traffic should have hit, the FORWARD
#      policy's drop counter, the rate limit of the LOG rule;
#   4. -S against the expected text, and the reference iptables-nft-save's
#      listing of the same kernel state against BIN's;
#   5. negative control: without the MASQUERADE rule a new LAN -> WAN IPv4
#      connection fails.
# Ends with "N passed, N failed"; exits 1 if anything failed.

HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/kernel/lib.sh
. "$HERE/lib.sh"
need_env
command -v conntrack >/dev/null 2>&1 || info "conntrack(8) not installed; the conntrack table is not flushed between steps"

LAN=$(ns_name lan)
GW=$(ns_name gw)
WAN=$(ns_name wan)

LAN4=192.0.2.10   GWL4=192.0.2.1    GWW4=203.0.113.1  WAN4=203.0.113.20
LAN6=2001:db8:1::10 GWL6=2001:db8:1::1 GWW6=2001:db8:2::1 WAN6=2001:db8:2::20

# The gateway's rules, as a sysadmin types them (one command per line; run by
# run_gw with BIN first in PATH).
GW_NAT='iptables -t nat -A POSTROUTING -o wan0 -j MASQUERADE
iptables -t nat -A PREROUTING -i wan0 -d 203.0.113.1 -p tcp --dport 8080 -j DNAT --to-destination 192.0.2.10:80'

GW_V4='iptables -P FORWARD DROP
iptables -A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
iptables -A FORWARD -i lan0 -o wan0 -p tcp -m multiport --dports 80,443 -m conntrack --ctstate NEW -j ACCEPT
iptables -A FORWARD -i lan0 -o wan0 -p udp --dport 53 -m conntrack --ctstate NEW -j ACCEPT
iptables -A FORWARD -i wan0 -o lan0 -d 192.0.2.10 -p tcp --dport 80 -m conntrack --ctstate DNAT -j ACCEPT
iptables -A FORWARD -i lan0 -m limit --limit 5/min -j LOG --log-prefix "perimeter-drop: "'

GW_V6='ip6tables -P FORWARD DROP
ip6tables -A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
ip6tables -A FORWARD -i lan0 -o wan0 -p tcp -m multiport --dports 80,443 -m conntrack --ctstate NEW -j ACCEPT
ip6tables -A FORWARD -i lan0 -o wan0 -p udp --dport 53 -m conntrack --ctstate NEW -j ACCEPT
ip6tables -A FORWARD -i lan0 -m limit --limit 5/min -j LOG --log-prefix "perimeter-drop: "'

# What iptables-nft 1.8.9 lists for them (the rules as -S / -save print them).
R_EST='-A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT'
R_WEB='-A FORWARD -i lan0 -o wan0 -p tcp -m multiport --dports 80,443 -m conntrack --ctstate NEW -j ACCEPT'
R_DNS='-A FORWARD -i lan0 -o wan0 -p udp -m udp --dport 53 -m conntrack --ctstate NEW -j ACCEPT'
R_FWD='-A FORWARD -d 192.0.2.10/32 -i wan0 -o lan0 -p tcp -m tcp --dport 80 -m conntrack --ctstate DNAT -j ACCEPT'
R_LOG='-A FORWARD -i lan0 -m limit --limit 5/min -j LOG --log-prefix "perimeter-drop: "'
R_MASQ='-A POSTROUTING -o wan0 -j MASQUERADE'
R_DNAT='-A PREROUTING -d 203.0.113.1/32 -i wan0 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 192.0.2.10:80'

EXPECT_S4="-P INPUT ACCEPT
-P FORWARD DROP
-P OUTPUT ACCEPT
$R_EST
$R_WEB
$R_DNS
$R_FWD
$R_LOG"

EXPECT_NAT="-P PREROUTING ACCEPT
-P INPUT ACCEPT
-P OUTPUT ACCEPT
-P POSTROUTING ACCEPT
$R_DNAT
$R_MASQ"

EXPECT_S6="-P INPUT ACCEPT
-P FORWARD DROP
-P OUTPUT ACCEPT
$R_EST
$R_WEB
$R_DNS
$R_LOG"

# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------

strip_comments() { grep -v '^#'; }

# run_gw TEXT: run every line of TEXT in the gw ns as a shell command line
# (quoting as typed), with BIN first in PATH; one check per line.
run_gw() {
    local line out
    while IFS= read -r line; do
        [ -n "$line" ] || continue
        if out=$(in_ns "$GW" bash -c "$line" 2>&1); then
            pass "gw: $line"
        else
            fail "gw: $line"
            printf '%s\n' "$out" | sed 's/^/    /'
        fi
    done <<<"$1"
}

# veth NS1 IF1 NS2 IF2: a veth pair between two of our namespaces (it never
# appears in the initial namespace).
veth() {
    ip -n "$1" link add "$2" type veth peer name "$4" netns "$3" || return 1
    ip -n "$1" link set "$2" up && ip -n "$3" link set "$4" up
}

topo_perimeter() {
    ns_add "$LAN" && ns_add "$GW" && ns_add "$WAN" || return 1
    veth "$GW" lan0 "$LAN" eth0 || return 1
    veth "$GW" wan0 "$WAN" eth0 || return 1
    ip -n "$LAN" addr add "$LAN4/24" dev eth0
    ip -n "$LAN" -6 addr add "$LAN6/64" dev eth0 nodad
    ip -n "$GW" addr add "$GWL4/24" dev lan0
    ip -n "$GW" -6 addr add "$GWL6/64" dev lan0 nodad
    ip -n "$GW" addr add "$GWW4/24" dev wan0
    ip -n "$GW" -6 addr add "$GWW6/64" dev wan0 nodad
    ip -n "$WAN" addr add "$WAN4/24" dev eth0
    ip -n "$WAN" -6 addr add "$WAN6/64" dev eth0 nodad
    ip netns exec "$GW" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 >/dev/null || return 1
    ip -n "$LAN" route add default via "$GWL4" || return 1
    ip -n "$LAN" -6 route add default via "$GWL6" || return 1
    # The WAN knows the LAN's IPv6 prefix (no NAT for IPv6), not its IPv4 one.
    ip -n "$WAN" -6 route add 2001:db8:1::/64 via "$GWW6" || return 1
    for _ in $(seq 1 50); do
        if ip -n "$GW" link show lan0 | grep -q 'state UP' &&
           ip -n "$GW" link show wan0 | grep -q 'state UP' &&
           ip -n "$LAN" link show eth0 | grep -q 'state UP' &&
           ip -n "$WAN" link show eth0 | grep -q 'state UP'; then
            return 0
        fi
        sleep 0.1
    done
    echo "topo_perimeter: links did not come up" >&2
    return 1
}

# Listeners. A banner with $SOCAT_PEERADDR tells the client which address the
# server saw (socat sets it for the SYSTEM child; the shell there expands it).
# shellcheck disable=SC2016
start_services() {
    listen_both "$WAN" tcp 80 'from=$SOCAT_PEERADDR wan-http-ok' &&
    listen_both "$WAN" tcp 443 'from=$SOCAT_PEERADDR wan-https-ok' &&
    listen_both "$WAN" tcp 22 wan-ssh-ok &&
    listen_both "$WAN" tcp 8080 wan-alt-ok &&
    listen_both "$WAN" udp 53 'from=$SOCAT_PEERADDR wan-dns-ok' &&
    listen_both "$WAN" udp 123 wan-ntp-ok &&
    listen_both "$LAN" tcp 80 'from=$SOCAT_PEERADDR lan-web-ok'
}

# reply_is DESC EXPECTED PROBE...: PASS if the probe succeeds and prints EXPECTED.
reply_is() {
    local desc=$1 expected=$2 out; shift 2
    out=$("$@" 2>&1)
    if [ "$out" == "$expected" ]; then
        pass "$desc"
    else
        fail "$desc"
        printf '    expected: %s\n    got:      %s\n' "$expected" "$out"
    fi
}

# The WAN gets a temporary IPv4 route to the LAN only for the "direct"
# checks (without it they would fail for lack of a route, not by the filter).
wan_route_to_lan() { ip -n "$WAN" route replace 192.0.2.0/24 via "$GWW4"; }
wan_no_route_to_lan() { ip -n "$WAN" route del 192.0.2.0/24 2>/dev/null; return 0; }

ct_flush() {
    command -v conntrack >/dev/null 2>&1 || return 0
    ip netns exec "$GW" conntrack -F >/dev/null 2>&1
    ip netns exec "$GW" conntrack -f ipv6 -F >/dev/null 2>&1
    return 0
}

# policy_pkts 4|6: packets the FORWARD policy has dropped, from
# "Chain FORWARD (policy DROP N packets, M bytes)" of BIN's -L -v -n -x.
policy_pkts() {
    local t=iptables; [ "$1" == 6 ] && t=ip6tables
    in_ns "$GW" "$t" -L FORWARD -v -n -x |
        sed -n 's/^Chain FORWARD (policy [A-Z]* \([0-9]*\) packets.*/\1/p'
}

# pkts_of 4|6 TABLE RULE: packet counter of RULE from BIN's -save -c.
pkts_of() {
    local t=iptables-save; [ "$1" == 6 ] && t=ip6tables-save
    local n
    n=$(in_ns "$GW" "$t" -c -t "$2" | awk -v r="$3" '
        substr($0, 1, 1) == "[" {
            i = index($0, "] ")
            if (substr($0, i + 2) == r) { split(substr($0, 2, i - 2), c, ":"); print c[1]; exit }
        }')
    echo "${n:-0}"
}

# counter_gt0 DESC 4|6 TABLE RULE
counter_gt0() {
    local n
    n=$(pkts_of "$2" "$3" "$4")
    if [ "$n" -gt 0 ]; then pass "$1 ($n packets)"; else fail "$1 (counter: $n)"; fi
}

# same_listing_as_reference 4|6 [-c]: the reference iptables-nft-save prints
# what BIN's iptables-save prints (comment lines aside). Retried twice.
same_listing_as_reference() {
    local fam=$1 pre=ip ref ours
    local opt=("${@:2}")
    [ "$fam" == 6 ] && pre=ip6
    for _ in 1 2 3; do
        ref=$(in_ns "$GW" "$REF/${pre}tables-nft-save" "${opt[@]}" 2>&1 | strip_comments)
        ours=$(in_ns "$GW" "${pre}tables-save" "${opt[@]}" 2>&1 | strip_comments)
        [ "$ref" == "$ours" ] && break
        sleep 0.5
    done
    check_eq "$REF/${pre}tables-nft-save${opt[*]:+ ${opt[*]}} == BIN ${pre}tables-save${opt[*]:+ ${opt[*]}}" "$ref" "$ours"
}

# ---------------------------------------------------------------------------
# 1. Topology, services, baseline with NAT only (FORWARD accepts everything).
# ---------------------------------------------------------------------------
T0=$SECONDS
section "setup"
topo_perimeter || { fail "topology"; summary; exit 1; }
if start_services; then pass "listeners started"; else fail "listeners did not start"; summary; exit 1; fi

section "baseline: NAT rules only, FORWARD policy ACCEPT"
run_gw "$GW_NAT"
for p in 22 80 443 8080; do
    check "baseline v4: LAN -> WAN tcp $p gets through" tcp_ok "$LAN" 4 "$WAN4" "$p"
done
for p in 53 123; do
    check "baseline v4: LAN -> WAN udp $p is answered" udp_ok "$LAN" 4 "$WAN4" "$p"
done
reply_is "baseline v4: the WAN server sees the gateway's address" \
    "from=$GWW4 wan-http-ok" probe_tcp "$LAN" 4 "$WAN4" 80
reply_is "baseline v4: WAN -> $GWW4:8080 reaches the LAN web server" \
    "from=$WAN4 lan-web-ok" probe_tcp "$WAN" 4 "$GWW4" 8080
wan_route_to_lan
check "baseline v4: WAN -> $LAN4:80 directly (with a route) gets through" tcp_ok "$WAN" 4 "$LAN4" 80
wan_no_route_to_lan
for p in 22 80; do
    check "baseline v6: LAN -> WAN tcp $p gets through" tcp_ok "$LAN" 6 "$WAN6" "$p"
done
check "baseline v6: WAN -> LAN tcp 80 gets through" tcp_ok "$WAN" 6 "$LAN6" 80

# ---------------------------------------------------------------------------
# 2. The filter rules; traffic.
# ---------------------------------------------------------------------------
section "gateway filter rules (IPv4, IPv6)"
ct_flush
masq0=$(pkts_of 4 nat "$R_MASQ")
dnat0=$(pkts_of 4 nat "$R_DNAT")
run_gw "$GW_V4"
run_gw "$GW_V6"

section "IPv4 traffic through the perimeter"
drop0_4=$(policy_pkts 4)
reply_is "v4: LAN -> WAN tcp 80 connects, data comes back, WAN sees $GWW4 (masquerade)" \
    "from=$GWW4 wan-http-ok" probe_tcp "$LAN" 4 "$WAN4" 80
reply_is "v4: LAN -> WAN tcp 443 connects, data comes back, WAN sees $GWW4" \
    "from=$GWW4 wan-https-ok" probe_tcp "$LAN" 4 "$WAN4" 443
reply_is "v4: LAN -> WAN udp 53 is answered, WAN sees $GWW4" \
    "from=$GWW4 wan-dns-ok" probe_udp "$LAN" 4 "$WAN4" 53
check "v4: LAN -> WAN tcp 22 is dropped (connect times out)" tcp_dropped "$LAN" 4 "$WAN4" 22
check "v4: LAN -> WAN tcp 8080 is dropped (connect times out)" tcp_dropped "$LAN" 4 "$WAN4" 8080
check_not "v4: LAN -> WAN udp 123 gets no answer" udp_ok "$LAN" 4 "$WAN4" 123
reply_is "v4: WAN -> $GWW4:8080 (port forward) reaches the LAN web server, which sees the WAN client" \
    "from=$WAN4 lan-web-ok" probe_tcp "$WAN" 4 "$GWW4" 8080
check_not "v4: WAN -> $LAN4:80 fails (the WAN has no route to the LAN)" \
    tcp_ok "$WAN" 4 "$LAN4" 80
wan_route_to_lan
check "v4: WAN -> $LAN4:80 directly, even with a route, is dropped (not DNAT)" \
    tcp_dropped "$WAN" 4 "$LAN4" 80
wan_no_route_to_lan
drop1_4=$(policy_pkts 4)

section "IPv6 traffic through the perimeter (no NAT)"
drop0_6=$(policy_pkts 6)
# (socat prints an IPv6 peer address in full.)
reply_is "v6: LAN -> WAN tcp 80 connects, WAN sees the LAN's own address" \
    "from=[2001:0db8:0001:0000:0000:0000:0000:0010] wan-http-ok" probe_tcp "$LAN" 6 "$WAN6" 80
check "v6: LAN -> WAN tcp 443 connects" tcp_ok "$LAN" 6 "$WAN6" 443
check "v6: LAN -> WAN udp 53 is answered" udp_ok "$LAN" 6 "$WAN6" 53
check "v6: LAN -> WAN tcp 22 is dropped (connect times out)" tcp_dropped "$LAN" 6 "$WAN6" 22
check "v6: WAN -> LAN tcp 80 (new connection) is dropped" tcp_dropped "$WAN" 6 "$LAN6" 80
drop1_6=$(policy_pkts 6)

# ---------------------------------------------------------------------------
# 3. Counters.
# ---------------------------------------------------------------------------
section "counters (BIN's iptables -L -v -x and iptables-save -c)"
info "iptables -L FORWARD -v -n -x in the gw ns:"
in_ns "$GW" iptables -L FORWARD -v -n -x | sed 's/^/    /'
counter_gt0 "v4: RELATED,ESTABLISHED rule counted the replies" 4 filter "$R_EST"
counter_gt0 "v4: tcp 80,443 rule counted the new connections" 4 filter "$R_WEB"
counter_gt0 "v4: udp 53 rule counted the requests" 4 filter "$R_DNS"
counter_gt0 "v4: port-forward accept rule counted the forwarded SYN" 4 filter "$R_FWD"
counter_gt0 "v4: LOG rule counted dropped LAN packets" 4 filter "$R_LOG"
# The NAT rules existed in the baseline already: their counters must have grown.
masq1=$(pkts_of 4 nat "$R_MASQ")
dnat1=$(pkts_of 4 nat "$R_DNAT")
check "v4: MASQUERADE rule counted the LAN's new connections ($masq0 -> $masq1 packets)" test "$masq1" -gt "$masq0"
check "v4: DNAT rule counted the port-forward connections ($dnat0 -> $dnat1 packets)" test "$dnat1" -gt "$dnat0"
if [ -n "$drop0_4" ] && [ -n "$drop1_4" ] && [ "$drop1_4" -gt "$drop0_4" ]; then
    pass "v4: FORWARD policy DROP counter grew ($drop0_4 -> $drop1_4)"
else
    fail "v4: FORWARD policy DROP counter grew ('$drop0_4' -> '$drop1_4')"
fi
counter_gt0 "v6: RELATED,ESTABLISHED rule counted the replies" 6 filter "$R_EST"
counter_gt0 "v6: tcp 80,443 rule counted the new connections" 6 filter "$R_WEB"
counter_gt0 "v6: udp 53 rule counted the requests" 6 filter "$R_DNS"
counter_gt0 "v6: LOG rule counted dropped LAN packets" 6 filter "$R_LOG"
if [ -n "$drop0_6" ] && [ -n "$drop1_6" ] && [ "$drop1_6" -gt "$drop0_6" ]; then
    pass "v6: FORWARD policy DROP counter grew ($drop0_6 -> $drop1_6)"
else
    fail "v6: FORWARD policy DROP counter grew ('$drop0_6' -> '$drop1_6')"
fi

# The rate limit: 20 pings from the LAN (icmp is not allowed out) are all
# dropped by the policy, but the LOG rule (5/min, burst 5, partly used up
# above) logs only a few of them.
log0=$(pkts_of 4 filter "$R_LOG")
pol0=$(policy_pkts 4)
ping20() { ip netns exec "$LAN" timeout 5 ping -4 -n -q -c 20 -i 0.05 -W 1 "$WAN4" >/dev/null 2>&1; }
check_not "v4: LAN -> WAN ping (20 echo requests) is dropped" ping20
log1=$(pkts_of 4 filter "$R_LOG")
pol1=$(policy_pkts 4)
if [ $((pol1 - pol0)) -ge 20 ] && [ $((log1 - log0)) -lt $((pol1 - pol0)) ] && [ $((log1 - log0)) -le 6 ]; then
    pass "v4: LOG is rate limited: $((log1 - log0)) of $((pol1 - pol0)) dropped pings counted by the LOG rule"
else
    fail "v4: LOG rate limit: LOG rule +$((log1 - log0)), policy +$((pol1 - pol0)) (expected policy >= 20, LOG <= 6)"
fi

# The log line itself reaches the kernel log from a namespace only if the
# machine-wide net.netfilter.nf_log_all_netns is 1 (not changed by this test).
if [ "$(cat /proc/sys/net/netfilter/nf_log_all_netns 2>/dev/null)" == 1 ] && dmesg >/dev/null 2>&1; then
    check "kernel log has a 'perimeter-drop: ' line" bash -c "dmesg | grep -q 'perimeter-drop: .*IN=lan0 OUT=wan0'"
else
    info "net.netfilter.nf_log_all_netns is not 1 (or dmesg unreadable): log lines not checked, the LOG counter is"
fi

# ---------------------------------------------------------------------------
# 4. Listings.
# ---------------------------------------------------------------------------
section "listings: BIN and the reference"
check_eq "iptables -S" "$EXPECT_S4" "$(in_ns "$GW" iptables -S 2>&1)"
check_eq "iptables -t nat -S" "$EXPECT_NAT" "$(in_ns "$GW" iptables -t nat -S 2>&1)"
check_eq "ip6tables -S" "$EXPECT_S6" "$(in_ns "$GW" ip6tables -S 2>&1)"
check_eq "reference iptables-nft -S" "$EXPECT_S4" "$(in_ns "$GW" "$REF/iptables-nft" -S 2>&1)"
check_eq "reference iptables-nft -t nat -S" "$EXPECT_NAT" "$(in_ns "$GW" "$REF/iptables-nft" -t nat -S 2>&1)"
check_eq "reference ip6tables-nft -S" "$EXPECT_S6" "$(in_ns "$GW" "$REF/ip6tables-nft" -S 2>&1)"
same_listing_as_reference 4
same_listing_as_reference 6
same_listing_as_reference 4 -c
same_listing_as_reference 6 -c
ref_l=$(in_ns "$GW" "$REF/iptables-nft" -L FORWARD -v -n -x 2>&1)
check_eq "reference iptables-nft -L FORWARD -v -n -x == BIN's" "$ref_l" \
    "$(in_ns "$GW" iptables -L FORWARD -v -n -x 2>&1)"

# ---------------------------------------------------------------------------
# 5. Negative control: the masquerading is what makes IPv4 replies possible.
# ---------------------------------------------------------------------------
section "negative control: without MASQUERADE"
run_gw "iptables -t nat -D POSTROUTING -o wan0 -j MASQUERADE"
check_eq "nat POSTROUTING is empty" "-P POSTROUTING ACCEPT" "$(in_ns "$GW" iptables -t nat -S POSTROUTING 2>&1)"
check "v4: LAN -> WAN tcp 80 now fails (WAN has no route back to 192.0.2.0/24)" \
    tcp_dropped "$LAN" 4 "$WAN4" 80
check "v6: LAN -> WAN tcp 80 still works (no NAT involved)" tcp_ok "$LAN" 6 "$WAN6" 80

info "run time: $((SECONDS - T0)) s"
summary
