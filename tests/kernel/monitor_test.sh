#!/bin/bash
# monitor_test.sh: our xtables-monitor side by side with the reference's. Both monitors run
# at once in one throwaway network namespace, so they see the same kernel events (same
# generation ids, handles and trace ids); then commands of both tools (ours and the
# reference's, also restore files and native nft) change the ruleset, and ping sends traced
# packets over loopback. Both transcripts must be equal, line for line.
# Sessions as in ../shared/xlate/monitor-examples.sh, except that IPv6 rules with a
# transport protocol (where the reference's monitor stops with "unsupported layer 4 protocol
# value") are checked on their own: ours prints them.
# Usage: [BIN=DIR] [REF=DIR] tests/kernel/monitor_test.sh
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BIN=${BIN:-$ROOT/build/sbin}
REF=${REF:-/usr/sbin}
NS=cxmon$$
T=$(mktemp -d /tmp/cxmon.XXXXXX)
trap 'ip netns del "$NS" 2>/dev/null; rm -rf "$T"' EXIT
ip netns add "$NS" || { echo "FAIL precondition: ip netns add"; exit 1; }
ip netns exec "$NS" ip link set lo up
fails=0
pass() { echo "PASS $1"; }
fail() { echo "FAIL $1"; fails=$((fails + 1)); }

# session NAME MONITOR-ARGS... ; commands on stdin, run with bash in the namespace, where
# $B is ours and $R the reference's folder.
session() {
  local name=$1; shift
  ip netns exec "$NS" timeout 30 "$REF/xtables-monitor" "$@" >"$T/ref.out" 2>"$T/ref.err" &
  local rpid=$!
  ip netns exec "$NS" timeout 30 "$BIN/xtables-monitor" "$@" >"$T/ours.out" 2>"$T/ours.err" &
  local opid=$!
  sleep 1
  while IFS= read -r cmd; do
    [ -z "$cmd" ] && continue
    ip netns exec "$NS" timeout 10 env B="$BIN" R="$REF" bash -c "$cmd" >/dev/null 2>&1
  done
  sleep 1
  kill -TERM "$rpid" "$opid" 2>/dev/null
  wait "$rpid" "$opid" 2>/dev/null
  ip netns exec "$NS" timeout 10 nft flush ruleset
  if [ ! -s "$T/ours.out" ]; then
    fail "$name: ours printed nothing"
  elif cmp -s "$T/ref.out" "$T/ours.out" && cmp -s "$T/ref.err" "$T/ours.err"; then
    pass "$name ($(wc -l <"$T/ours.out") lines)"
  else
    fail "$name"
    diff "$T/ref.out" "$T/ours.out" | sed 's/^/    /'
    diff "$T/ref.err" "$T/ours.err" | sed 's/^/    /'
  fi
}

# The stdbuf wrapper is not needed: ours flushes every line; the reference's is run through
# stdbuf so that its lines are not lost when it is stopped.
REFMON=$REF/xtables-monitor
mkdir -p "$T/refbin"
cat >"$T/refbin/xtables-monitor" <<EOF
#!/bin/sh
exec stdbuf -oL $REFMON "\$@"
EOF
chmod +x "$T/refbin/xtables-monitor"
REF_TOOLS=$REF
REF=$T/refbin

session event --event <<'C'
$R/iptables-nft -N FOO
$B/iptables -A FOO -p tcp --dport 22 -j ACCEPT
$R/iptables-nft -A INPUT -s 192.0.2.0/24 -j FOO
$B/iptables -I INPUT -i lo -j ACCEPT
$B/iptables -A INPUT -m comment --comment "hello world" -j DROP
$B/iptables -R INPUT 1 -i lo -j DROP
$B/iptables -P FORWARD DROP
$R/iptables-nft -D INPUT -s 192.0.2.0/24 -j FOO
$B/iptables -D INPUT 1
$B/iptables -F FOO
$B/iptables -E FOO BAR
$B/iptables -X BAR
$B/iptables -Z
$B/iptables -t nat -A POSTROUTING -o eth0 -j MASQUERADE
$B/iptables -F
$B/iptables -t nat -F
$B/iptables -E NOSUCH BAR
C

session event-ipv6 --event <<'C'
$B/ip6tables -N FOO6
$B/ip6tables -A INPUT -s 2001:db8::1 -j DROP
$R/ip6tables-nft -A INPUT -i eth0 -j FOO6
$B/ip6tables -D INPUT -s 2001:db8::1 -j DROP
$B/iptables -A INPUT -j ACCEPT
C

session event-ipv4-only --event -4 <<'C'
$B/iptables -A INPUT -p udp --dport 53 -j ACCEPT
$B/ip6tables -A INPUT -p udp --dport 53 -j ACCEPT
$B/iptables -N BAR
$B/ip6tables -N BAR6
$B/iptables -D INPUT -p udp --dport 53 -j ACCEPT
C

session event-ipv6-only --event -6 <<'C'
$B/iptables -A INPUT -p udp --dport 53 -j ACCEPT
$B/ip6tables -A INPUT -d ff02::fb -j ACCEPT
$B/ip6tables -P INPUT DROP
$B/ip6tables -F INPUT
C

session event-counters --event -c <<'C'
$B/iptables -A INPUT -c 10 100 -j ACCEPT
printf '*filter\n:INPUT ACCEPT [0:0]\n:FOO - [0:0]\n[5:50] -A FOO -j RETURN\nCOMMIT\n' | $B/iptables-restore -c
C

session event-nft-native --event <<'C'
nft add table inet mytable
nft add chain inet mytable mychain '{ type filter hook input priority 0; }'
nft add rule inet mytable mychain tcp dport 22 accept
nft delete table inet mytable
C

session trace --trace <<'C'
$B/iptables -t raw -A OUTPUT -p icmp -j TRACE
$B/iptables -A OUTPUT -p icmp -j ACCEPT
ping -c 1 -W 1 127.0.0.1
C

session trace-and-event --trace --event <<'C'
$B/iptables -t raw -A PREROUTING -p icmp -j TRACE
$B/iptables -N LOGME
$B/iptables -A INPUT -p icmp -j LOGME
$B/iptables -A LOGME -j RETURN
ping -c 1 -W 1 127.0.0.1
C

# Where the reference's monitor stops (an IPv6 rule with -p tcp), ours prints the rule.
ip netns exec "$NS" timeout 30 "$BIN/xtables-monitor" --event >"$T/ours.out" 2>&1 &
opid=$!
sleep 1
ip netns exec "$NS" timeout 10 "$BIN/ip6tables" -A INPUT -s 2001:db8::1 -p tcp --dport 80 -j REJECT
sleep 1
kill -TERM "$opid" 2>/dev/null
wait "$opid" 2>/dev/null
want=' EVENT: -6 -t filter -A INPUT -s 2001:db8::1/128 -p tcp -m tcp --dport 80 -j REJECT --reject-with icmp6-port-unreachable'
if grep -qxF -- "$want" "$T/ours.out"; then pass "ipv6 rule with -p tcp is printed"; else
  fail "ipv6 rule with -p tcp is printed"; sed 's/^/    /' "$T/ours.out"; fi

# Usage, version and bad options, as the reference prints them.
for a in --help -h --version -V "" --bogus; do
  r=$("$REF_TOOLS/xtables-monitor" $a 2>&1; echo "rc=$?")
  o=$("$BIN/xtables-monitor" $a 2>&1; echo "rc=$?")
  [ "$r" == "$o" ] && pass "xtables-monitor $a" || { fail "xtables-monitor $a"; diff <(echo "$r") <(echo "$o"); }
done

echo "$fails failed"
[ "$fails" -eq 0 ]
