#!/bin/bash
# trace_cli_test.sh: `cxtables trace` and `cxtables lint` as a user runs them: the live
# ruleset of a namespace (--netns, or ip netns exec), IPv4 and IPv6, text and JSON, --batch,
# --pcap, undecidable matches and --explore; lint's findings and exit codes.
#
# Usage: [BIN=DIR] tests/kernel/trace_cli_test.sh       Ends with "N passed, N failed".

HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/kernel/lib.sh
. "$HERE/lib.sh"
need_env
command -v python3 >/dev/null || { fail "precondition: python3"; summary; exit 1; }
[ -x "$BIN/cxtables" ] || { fail "precondition: missing $BIN/cxtables"; summary; exit 1; }
mktmp
topo_up || { fail "topology"; summary; exit 1; }
CX=$BIN/cxtables

section "live IPv4 ruleset of a namespace"
in_ns "$HOST" iptables -N SSH
in_ns "$HOST" iptables -A INPUT -i lo -j ACCEPT
in_ns "$HOST" iptables -A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
in_ns "$HOST" iptables -A INPUT -p tcp --dport 22 -j SSH
in_ns "$HOST" iptables -A SSH -s 192.0.2.0/24 -j ACCEPT
in_ns "$HOST" iptables -A SSH -j RETURN
in_ns "$HOST" iptables -t mangle -A PREROUTING -p tcp --dport 80 -j MARK --set-mark 0x5
in_ns "$HOST" iptables -A INPUT -m mark --mark 0x5 -j ACCEPT
in_ns "$HOST" iptables -P INPUT DROP

out=$("$CX" trace --netns "$HOST" --in eth0 --src 192.0.2.2 --dst 192.0.2.1 -p tcp --dport 22 --syn 2>&1)
printf '%s\n' "$out" | sed 's/^/    /'
check "the SYN to 22 is accepted" grep -q "verdict: ACCEPT, delivered to a local socket" <<<"$out"
check "the jump to SSH is shown" grep -q "rule 3: -A INPUT -p tcp -m tcp --dport 22 -j SSH  => jump SSH" <<<"$out"
check "the rule that accepts is shown" grep -q "rule 1: -A SSH -s 192.0.2.0/24 -j ACCEPT  => ACCEPT" <<<"$out"
check "routing found the host's own address (no --local-addr given)" \
    grep -q "192.0.2.1 is an address of this host" <<<"$out"

out=$(ip netns exec "$HOST" "$CX" trace --in eth0 --src 203.0.113.9 --dst 192.0.2.1 -p tcp --dport 22 2>&1)
check "from elsewhere: back from SSH and dropped by the policy" \
    grep -q "verdict: DROP, dropped by filter INPUT policy" <<<"$out"
check "the RETURN is shown" grep -q "<- return to INPUT" <<<"$out"

out=$("$CX" trace --netns "$HOST" --in eth0 --src 203.0.113.9 --dst 192.0.2.1 -p tcp --dport 80 2>&1)
check "mangle's mark is shown and matched in filter" grep -q "MARK: mark 0x0 -> 0x5" <<<"$out"
check "port 80 is accepted by the mark rule" grep -q "rule 4: -A INPUT -m mark --mark 0x5 -j ACCEPT  => ACCEPT" <<<"$out"

out=$("$CX" trace --netns "$HOST" --in eth0 --src 192.0.2.2 --dst 192.0.2.1 -p tcp --dport 443 --ack --ctstate ESTABLISHED 2>&1)
check "an established packet is accepted by rule 2" grep -q "rule 2: .*RELATED,ESTABLISHED -j ACCEPT  => ACCEPT" <<<"$out"

out=$("$CX" trace --netns "$HOST" --src 192.0.2.2 --dst 192.0.2.1 -p tcp --dport 22 2>&1)
check "without --in, -i lo is undecidable, not guessed" grep -q "UNDECIDABLE: -i: the packet's input interface is not known" <<<"$out"

section "JSON, batch, explore"
json=$("$CX" trace --netns "$HOST" --json --in eth0 --src 192.0.2.2 --dst 192.0.2.1 -p tcp --dport 22 2>&1)
check "--json is one JSON object with the hits" python3 -c '
import json, sys
d = json.loads(sys.argv[1])
assert d["trace"]["verdict"] == "ACCEPT", d
assert ["filter", "INPUT", 3] in d["trace"]["hits"], d
assert ["filter", "SSH", 1] in d["trace"]["hits"], d
' "$json"
printf '%s\n' "--in eth0 --src 192.0.2.2 -p tcp --dport 22" "--in eth0 --src 203.0.113.1 -p udp --dport 53" \
    "--in lo --src 127.0.0.1 --dst 127.0.0.1 -p icmp" >"$CXT_TMP/batch"
out=$("$CX" trace --netns "$HOST" --dst 192.0.2.1 --batch "$CXT_TMP/batch" --json 2>&1)
check_eq "--batch: one line per packet" 3 "$(grep -c '"verdict"' <<<"$out")"
check_eq "--batch verdicts" "ACCEPT DROP ACCEPT" \
    "$(python3 -c 'import json,sys; print(" ".join(json.loads(l)["trace"]["verdict"] for l in sys.stdin))' <<<"$out")"
in_ns "$HOST" iptables -I INPUT 1 -p udp -m limit --limit 1/min -j ACCEPT
out=$("$CX" trace --netns "$HOST" --in eth0 --src 203.0.113.1 --dst 192.0.2.1 -p udp --dport 53 2>&1)
check "a limit match is undecidable" grep -q "verdict: UNDECIDABLE" <<<"$out"
check "and the trace says how to answer it" grep -q "assume-match filter:INPUT:1" <<<"$out"
out=$("$CX" trace --netns "$HOST" --in eth0 --src 203.0.113.1 --dst 192.0.2.1 -p udp --dport 53 --explore 2>&1)
check "--explore shows both outcomes" grep -q "2 possible outcome(s)" <<<"$out"
out=$("$CX" trace --netns "$HOST" --in eth0 --src 203.0.113.1 --dst 192.0.2.1 -p udp --dport 53 --assume-nomatch limit 2>&1)
check "--assume-nomatch limit decides it" grep -q "verdict: DROP" <<<"$out"

section "pcap"
python3 - "$CXT_TMP/two.pcap" <<'EOF'
import struct, sys
def ip4(src, dst, proto, l4):
    h = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(l4), 1, 0, 64, proto, 0,
                    bytes(map(int, src.split('.'))), bytes(map(int, dst.split('.'))))
    return h + l4
tcp = struct.pack('!HHIIBBHHH', 40000, 22, 1, 0, 0x50, 0x02, 65535, 0, 0)
udp = struct.pack('!HHHH', 5000, 53, 8, 0)
frames = [b'\x02' * 6 + b'\x04' * 6 + b'\x08\x00' + ip4('192.0.2.2', '192.0.2.1', 6, tcp),
          b'\x02' * 6 + b'\x04' * 6 + b'\x08\x00' + ip4('203.0.113.1', '192.0.2.1', 17, udp),
          b'\x02' * 6 + b'\x04' * 6 + b'\x08\x06' + b'\x00' * 28]
with open(sys.argv[1], 'wb') as f:
    f.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
    for fr in frames:
        f.write(struct.pack('<IIII', 0, 0, len(fr), len(fr)) + fr)
EOF
out=$("$CX" trace --netns "$HOST" --in eth0 --pcap "$CXT_TMP/two.pcap" --assume-nomatch limit 2>&1)
printf '%s\n' "$out" | grep '^==\|^verdict' | sed 's/^/    /'
check "pcap packet 1 (SSH SYN) accepted" grep -q "packet 1" <<<"$out"
check_eq "pcap verdicts" "ACCEPT DROP" "$(grep '^verdict' <<<"$out" | awk '{print $2}' | tr -d , | xargs)"
check "the ARP frame is skipped with a reason" grep -q "packet 3: skipped, not IP" <<<"$out"

section "IPv6"
in_ns "$HOST" ip6tables -A INPUT -p ipv6-icmp --icmpv6-type neighbour-solicitation -j ACCEPT
in_ns "$HOST" ip6tables -A INPUT -p tcp --dport 22 -j REJECT --reject-with tcp-reset
out=$("$CX" trace --netns "$HOST" -6 --in eth0 --src 2001:db8::2 --dst 2001:db8::1 -p tcp --dport 22 2>&1)
check "IPv6 SYN to 22 is rejected with a reset" grep -q "REJECT: the packet is dropped, the sender gets tcp-reset" <<<"$out"
out=$("$CX" trace --netns "$HOST" -6 --in eth0 --src 2001:db8::2 --dst 2001:db8::1 -p icmpv6 --icmp-type neighbour-solicitation 2>&1)
check "a neighbour solicitation is UNTRACKED and accepted" \
    grep -q "ctstate UNTRACKED" <<<"$out"
check "... by rule 1" grep -q "rule 1: -A INPUT -p ipv6-icmp -m icmp6 --icmpv6-type 135 -j ACCEPT  => ACCEPT" <<<"$out"

section "forwarding, NAT, outgoing (from a save file, no kernel)"
cat >"$CXT_TMP/nat.v4" <<'EOF'
*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
-A PREROUTING -i eth0 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 198.51.100.10:80
-A POSTROUTING -o eth1 -j MASQUERADE
COMMIT
*filter
:INPUT DROP [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
-A FORWARD -m conntrack --ctstate DNAT -j ACCEPT
COMMIT
EOF
out=$("$CX" trace --ruleset "$CXT_TMP/nat.v4" --no-host --local-addr 192.0.2.1 --route 198.51.100.0/24=eth1 \
      --iface-addr eth1=198.51.100.1 --in eth0 --src 203.0.113.5 --dst 192.0.2.1 -p tcp --dport 8080 2>&1)
printf '%s\n' "$out" | sed 's/^/    /'
check "DNAT shown" grep -q "NAT: destination 192.0.2.1:8080 -> 198.51.100.10:80" <<<"$out"
check "MASQUERADE shown" grep -q "NAT: source 203.0.113.5:40000 -> 198.51.100.1:40000" <<<"$out"
check "forwarded out eth1" grep -q "verdict: ACCEPT, forwarded out eth1" <<<"$out"
out=$("$CX" trace --ruleset "$CXT_TMP/nat.v4" --no-host --route 0.0.0.0/0=eth1 --iface-addr eth1=198.51.100.1 \
      --outgoing --src 192.0.2.1 --dst 203.0.113.5 -p udp --dport 53 2>&1)
check "an outgoing packet is sent out eth1, masqueraded" grep -q "verdict: ACCEPT, sent out eth1" <<<"$out"
check_eq "a bad packet option is a usage error (2)" 2 "$("$CX" trace --src nonsense >/dev/null 2>&1; echo $?)"
check_eq "a missing ruleset file is an error (1)" 1 "$("$CX" trace --ruleset "$CXT_TMP/none" >/dev/null 2>&1; echo $?)"

section "lint"
cat >"$CXT_TMP/lint.v4" <<'EOF'
*filter
:INPUT DROP [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:UNUSED - [0:0]
-A INPUT -p tcp -j DROP
-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT
COMMIT
EOF
out=$("$CX" lint "$CXT_TMP/lint.v4" 2>&1)
rc=$?
printf '%s\n' "$out" | sed 's/^/    /'
check_eq "findings: exit 1" 1 "$rc"
check "the shadowed SSH rule is reported with both rule numbers" \
    grep -q "filter INPUT rule 2: shadowed" <<<"$out"
check "the unused chain is reported" grep -q "filter UNUSED: unreachable" <<<"$out"
check_eq "lint --json" "shadowed unreachable" \
    "$("$CX" lint --json "$CXT_TMP/lint.v4" | python3 -c 'import json,sys; print(" ".join(f["kind"] for f in json.load(sys.stdin)))')"
in_ns "$HOST" iptables -D INPUT 1
out=$(ip netns exec "$HOST" "$CX" lint 2>&1)
rc=$?
check_eq "the live ruleset of the host has a finding: exit 1" 1 "$rc"
check "the RETURN at the end of SSH is redundant" grep -q "filter SSH rule 2: redundant" <<<"$out"
in_ns "$HOST" iptables -D SSH 2
check_eq "without it, the live ruleset is clean: exit 0" 0 \
    "$(ip netns exec "$HOST" "$CX" lint >/dev/null 2>&1; echo $?)"
check_eq "a missing file: exit 2" 2 "$("$CX" lint "$CXT_TMP/none" >/dev/null 2>&1; echo $?)"

summary
exit $?
