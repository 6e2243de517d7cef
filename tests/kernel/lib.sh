# shellcheck shell=bash
# Shared helpers for the kernel-level tests in tests/kernel/.
#
# Source it from a test script:   . "$(dirname "$0")/lib.sh"
#
# Everything that changes firewall rules runs inside network namespaces that
# this file creates (names contain the PID of the test, e.g. cxt-1234-host) and
# that the EXIT trap deletes again, also when the test fails or is interrupted.
# The machine's own firewall (the initial namespace) is never touched.
#
# Topology made by topo_up:
#
#   host ns  (cxt-PID-host)                 client ns  (cxt-PID-client)
#     eth0 192.0.2.1/24  2001:db8::1/64 <--veth--> eth0 192.0.2.2/24  2001:db8::2/64
#
# Only documentation addresses are used, and traffic stays on that veth pair
# (plus loopback inside the namespaces). Every probe and listener is bounded
# in time by timeout(1) / socat timeouts.
#
# Variables a caller may set before sourcing (or in the environment):
#   BIN   directory with iptables, ip6tables, iptables-save, ... under test
#         (default: <repo>/build/sbin)
#   REF   directory with the reference iptables-nft tools (default: /usr/sbin)
#   CXT_LISTEN_SECS  lifetime of every listener in seconds (default: 300)
#
# Needs: bash, iproute2 (ip, ss), socat, iputils-ping, coreutils (timeout),
# netbase (/etc/services: the guide uses the names ssh, http, mdns).

set -u

CXT_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BIN=${BIN:-$CXT_ROOT/build/sbin}
REF=${REF:-/usr/sbin}
CXT_LISTEN_SECS=${CXT_LISTEN_SECS:-300}
export BIN REF

# Addresses of the two ends of the veth pair.
HOST4=192.0.2.1
CLIENT4=192.0.2.2
HOST6=2001:db8::1
CLIENT6=2001:db8::2

CXT_NAMESPACES=()   # every namespace this script created and has not deleted yet
CXT_TMPDIRS=()      # temporary directories to remove on exit
CXT_PASS=0
CXT_FAIL=0

# Colour only when writing to a terminal (CI logs stay plain).
if [ -t 1 ]; then
    C_OK=$'\e[32m' C_BAD=$'\e[31m' C_DIM=$'\e[2m' C_OFF=$'\e[0m'
else
    C_OK='' C_BAD='' C_DIM='' C_OFF=''
fi

# ---------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------

pass() { CXT_PASS=$((CXT_PASS + 1)); printf '%sPASS%s %s\n' "$C_OK" "$C_OFF" "$*"; }
fail() { CXT_FAIL=$((CXT_FAIL + 1)); printf '%sFAIL%s %s\n' "$C_BAD" "$C_OFF" "$*"; }
info() { printf '%s#%s %s\n' "$C_DIM" "$C_OFF" "$*"; }
section() { printf '\n== %s ==\n' "$*"; }

# check DESCRIPTION CMD...: PASS if CMD exits 0, FAIL otherwise.
check() {
    local desc=$1; shift
    if "$@"; then pass "$desc"; else fail "$desc"; fi
}

# check_not DESCRIPTION CMD...: PASS if CMD exits non-zero.
check_not() {
    local desc=$1; shift
    if "$@"; then fail "$desc"; else pass "$desc"; fi
}

# check_eq DESCRIPTION EXPECTED ACTUAL: compare two strings, show a diff on
# mismatch.
check_eq() {
    local desc=$1 expected=$2 actual=$3
    if [ "$expected" == "$actual" ]; then
        pass "$desc"
    else
        fail "$desc"
        diff -u --label expected --label actual \
            <(printf '%s\n' "$expected") <(printf '%s\n' "$actual") | sed 's/^/    /'
    fi
}

# summary: print the closing line "N passed, N failed" and return 1 if any
# check failed (use as: summary; exit $?).
summary() {
    echo
    echo "$CXT_PASS passed, $CXT_FAIL failed"
    [ "$CXT_FAIL" -eq 0 ]
}

# ---------------------------------------------------------------------------
# Preconditions
# ---------------------------------------------------------------------------

# need_env: root, tools present, BIN complete. Prints a FAIL and the summary
# line, and exits, if something is missing.
need_env() {
    local missing=() t
    [ "$(id -u)" -eq 0 ] || missing+=("root privileges")
    for t in ip ss socat ping timeout; do
        command -v "$t" >/dev/null 2>&1 || missing+=("command $t")
    done
    grep -qE '^mdns[[:space:]]' /etc/services 2>/dev/null ||
        missing+=("/etc/services with ssh, http, mdns (package netbase)")
    for t in iptables ip6tables iptables-save ip6tables-save iptables-restore ip6tables-restore; do
        [ -x "$BIN/$t" ] || missing+=("$BIN/$t")
    done
    # The reference lists the same kernel state for comparison.
    for t in iptables-nft ip6tables-nft iptables-nft-save ip6tables-nft-save; do
        [ -x "$REF/$t" ] || missing+=("$REF/$t (reference, package iptables)")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        for t in "${missing[@]}"; do fail "precondition: missing $t"; done
        summary
        exit 1
    fi
    info "BIN=$BIN  REF=$REF"
}

# ---------------------------------------------------------------------------
# Namespaces, cleanup
# ---------------------------------------------------------------------------

# ns_name ROLE: the unique namespace name for ROLE in this test run.
ns_name() { echo "cxt-$$-$1"; }

# ns_add NAME: create namespace NAME with loopback up and DAD off, and
# remember it for cleanup.
ns_add() {
    local ns=$1
    ip netns add "$ns" || return 1
    CXT_NAMESPACES+=("$ns")
    ip -n "$ns" link set lo up
    # No duplicate address detection: addresses are usable at once, and no
    # tentative link-local address delays the first neighbor solicitation.
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 \
        net.ipv6.conf.default.accept_dad=0 \
        net.ipv6.conf.default.router_solicitations=0 >/dev/null
}

# ns_kill_pids NS: end the processes still running in NS (all of them are
# listeners or probes this script started there), by PID.
ns_kill_pids() {
    local ns=$1 pids
    pids=$(ip netns pids "$ns" 2>/dev/null) || return 0
    [ -n "$pids" ] || return 0
    # shellcheck disable=SC2086
    kill $pids 2>/dev/null
    sleep 0.2
    pids=$(ip netns pids "$ns" 2>/dev/null)
    # shellcheck disable=SC2086
    [ -z "$pids" ] || kill -9 $pids 2>/dev/null
    return 0
}

# ns_del NAME: delete a namespace created by ns_add (after ending what runs
# inside it).
ns_del() {
    local ns=$1 i
    ns_kill_pids "$ns"
    ip netns del "$ns" 2>/dev/null
    for i in "${!CXT_NAMESPACES[@]}"; do
        [ "${CXT_NAMESPACES[$i]}" == "$ns" ] && unset 'CXT_NAMESPACES[i]'
    done
    CXT_NAMESPACES=("${CXT_NAMESPACES[@]}")
    return 0
}

# mktmp: make a temporary directory that is removed on exit; sets CXT_TMP.
mktmp() {
    CXT_TMP=$(mktemp -d /tmp/cxtables-kernel.XXXXXX)
    CXT_TMPDIRS+=("$CXT_TMP")
}

cxt_cleanup() {
    local rc=$? ns d
    trap - EXIT INT TERM
    # Every background process (listener) runs inside one of our namespaces,
    # so ending the processes of those namespaces ends all of them.
    for ns in "${CXT_NAMESPACES[@]}"; do
        ns_kill_pids "$ns"
        ip netns del "$ns" 2>/dev/null
    done
    for d in "${CXT_TMPDIRS[@]}"; do rm -rf -- "$d"; done
    wait 2>/dev/null
    exit "$rc"
}
trap cxt_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------------------
# Topology
# ---------------------------------------------------------------------------

# topo_up: create the host and client namespaces joined by a veth pair; sets
# HOST and CLIENT to the namespace names.
topo_up() {
    HOST=$(ns_name host)
    CLIENT=$(ns_name client)
    ns_add "$HOST" || return 1
    ns_add "$CLIENT" || return 1
    # Create the pair inside the host namespace with the peer directly in the
    # client namespace, so no interface ever appears in the initial namespace.
    ip -n "$HOST" link add eth0 type veth peer name eth0 netns "$CLIENT" || return 1
    ip -n "$HOST" addr add "$HOST4/24" dev eth0
    ip -n "$CLIENT" addr add "$CLIENT4/24" dev eth0
    ip -n "$HOST" -6 addr add "$HOST6/64" dev eth0 nodad
    ip -n "$CLIENT" -6 addr add "$CLIENT6/64" dev eth0 nodad
    ip -n "$HOST" link set eth0 up
    ip -n "$CLIENT" link set eth0 up
    # Wait (bounded) until both ends have carrier.
    local i
    for i in $(seq 1 50); do
        if ip -n "$HOST" link show eth0 | grep -q 'state UP' &&
           ip -n "$CLIENT" link show eth0 | grep -q 'state UP'; then
            return 0
        fi
        sleep 0.1
    done
    echo "topo_up: veth did not come up" >&2
    return 1
}

# topo_down: delete both namespaces (the veth pair goes with them).
topo_down() {
    ns_del "$CLIENT"
    ns_del "$HOST"
}

# in_ns NS CMD...: run CMD in NS with BIN first in PATH, so that a plain
# "iptables" is the implementation under test.
in_ns() {
    local ns=$1; shift
    ip netns exec "$ns" env PATH="$BIN:$PATH" "$@"
}

# ---------------------------------------------------------------------------
# Listeners (bounded by timeout) and probes
# ---------------------------------------------------------------------------

# listen NS tcp|udp 4|6 PORT BANNER: start a socat listener in NS that answers
# every connection / datagram with BANNER. It lives at most CXT_LISTEN_SECS.
listen() {
    local ns=$1 proto=$2 fam=$3 port=$4 banner=$5 addr
    case "$proto$fam" in
        tcp4) addr="TCP4-LISTEN:$port,reuseaddr,fork" ;;
        tcp6) addr="TCP6-LISTEN:$port,reuseaddr,fork,ipv6only=1" ;;
        # shut-null: end the exchange with an empty datagram, which the
        # client (null-eof) takes as EOF, so a UDP probe returns at once.
        udp4) addr="UDP4-RECVFROM:$port,reuseaddr,fork,shut-null" ;;
        udp6) addr="UDP6-RECVFROM:$port,reuseaddr,fork,ipv6only=1,shut-null" ;;
        *) echo "listen: bad protocol $proto$fam" >&2; return 1 ;;
    esac
    # The child reads the request line, then answers with the banner. Reading
    # first matters: a bare "echo" may exit before socat has written the
    # request into its stdin, socat then fails with EPIPE and drops the
    # answer (an intermittent empty reply).
    ip netns exec "$ns" timeout "$CXT_LISTEN_SECS" \
        socat -T 2 "$addr" SYSTEM:"read -r _; echo $banner" </dev/null >/dev/null 2>&1 &
}

# wait_listen NS tcp|udp 4|6 PORT: wait (at most 3 s) until something
# listens on PORT for that family in NS.
wait_listen() {
    local ns=$1 proto=$2 fam=$3 port=$4 opt i
    [ "$proto" == tcp ] && opt=-ltnH || opt=-lunH
    for i in $(seq 1 30); do
        ip netns exec "$ns" ss "-$fam" "$opt" "sport = :$port" 2>/dev/null | grep -q . && return 0
        sleep 0.1
    done
    echo "wait_listen: nothing on $proto$fam/$port in $ns" >&2
    return 1
}

# listen_both NS tcp|udp PORT BANNER: listeners for IPv4 and IPv6, and wait
# until both are bound.
listen_both() {
    listen "$1" "$2" 4 "$3" "$4" && listen "$1" "$2" 6 "$3" "$4" &&
    wait_listen "$1" "$2" 4 "$3" && wait_listen "$1" "$2" 6 "$3"
}

# host_services: the listeners the guide's policy is about, in the host ns.
#   tcp 22 (ssh), tcp 80 (http), udp 5353 (mdns): allowed by the policy
#   tcp 8080: not allowed from outside, but reachable over loopback
host_services() {
    listen_both "$HOST" tcp 22 ssh-ok &&
    listen_both "$HOST" tcp 80 http-ok &&
    listen_both "$HOST" udp 5353 mdns-ok &&
    listen_both "$HOST" tcp 8080 alt-ok
}

# client_services: listeners in the client ns, targets of the host's outbound
# connections (tcp 9000, udp 9001).
client_services() {
    listen_both "$CLIENT" tcp 9000 out-tcp-ok &&
    listen_both "$CLIENT" udp 9001 out-udp-ok
}

# sockaddr FAMILY ADDR PORT: socat address form, brackets around IPv6.
_sockaddr() { if [ "$1" == 6 ]; then echo "[$2]:$3"; else echo "$2:$3"; fi; }

# probe_tcp NS 4|6 ADDR PORT: connect from NS and print what the peer sent.
# Exit 0 if the peer answered; otherwise exit non-zero and print socat's error
# (e.g. "Connection timed out" when a DROP policy swallowed the SYN, or
# "Connection refused" when nothing listens).
probe_tcp() {
    local ns=$1 fam=$2 addr=$3 port=$4 out
    out=$(echo hello | ip netns exec "$ns" timeout 4 \
        socat -t 2 -T 2 - "TCP$fam:$(_sockaddr "$fam" "$addr" "$port"),connect-timeout=2" 2>&1)
    echo "$out"
    case "$out" in *-ok) return 0 ;; *) return 1 ;; esac
}

# probe_udp NS 4|6 ADDR PORT: send one datagram from NS, print the reply.
# Exit 0 if a reply arrived within 2 s.
probe_udp() {
    local ns=$1 fam=$2 addr=$3 port=$4 out
    out=$(echo hello | ip netns exec "$ns" timeout 4 \
        socat -t 2 -T 2 - "UDP$fam:$(_sockaddr "$fam" "$addr" "$port"),null-eof" 2>&1)
    echo "$out"
    case "$out" in *-ok) return 0 ;; *) return 1 ;; esac
}

# probe_ping NS 4|6 ADDR: one echo request, 1 s to answer.
probe_ping() {
    local ns=$1 fam=$2 addr=$3
    ip netns exec "$ns" timeout 3 ping "-$fam" -n -c1 -W1 "$addr" >/dev/null 2>&1
}

# Quiet wrappers for check/check_not (the probe output only matters on failure).
tcp_ok()  { probe_tcp "$@" >/dev/null; }
udp_ok()  { probe_udp "$@" >/dev/null; }
# tcp_dropped: the connection attempt timed out (packets silently dropped),
# as opposed to refused or answered.
tcp_dropped() {
    local out
    out=$(probe_tcp "$@") && return 1
    case "$out" in *"timed out"*) return 0 ;; *) echo "    got: $out" >&2; return 1 ;; esac
}

# pin_client_neighbor: give the host a permanent neighbor entry for the
# client's IPv6 address.
#
# Why: the guide's IPv6 policy accepts neighbor *solicitations* but not
# neighbor *advertisements*, and conntrack does not track ND messages (they are
# "untracked", so RELATED,ESTABLISHED does not match them either). The host
# therefore can answer the client (it learns the client's MAC from the
# client's solicitation), but cannot resolve the client on its own: with an
# empty neighbor cache an outbound IPv6 connection stalls in INCOMPLETE. This
# is a property of the guide's policy, not of iptables; the outbound checks pin
# the neighbor so that they test conntrack, not neighbor discovery.
pin_client_neighbor() {
    local mac
    mac=$(ip -n "$CLIENT" -br link show eth0 | awk '{print $3}')
    ip -n "$HOST" -6 neigh replace "$CLIENT6" lladdr "$mac" dev eth0 nud permanent
}

# rule_pkts NS SAVE-TOOL RULE: the packet counter of RULE (as printed by
# "SAVE-TOOL -c", e.g. "-A INPUT -j DROP") in NS; empty if not found.
rule_pkts() {
    local ns=$1 save=$2 rule=$3
    in_ns "$ns" "$save" -c | awk -v r="$rule" '
        substr($0, 1, 1) == "[" {
            i = index($0, "] ")
            if (substr($0, i + 2) == r) { split(substr($0, 2, i - 2), c, ":"); print c[1]; exit }
        }'
}

# counter_moved DESCRIPTION NS SAVE-TOOL RULE: PASS if RULE counted a packet.
counter_moved() {
    local desc=$1 n
    n=$(rule_pkts "$2" "$3" "$4")
    if [ -n "$n" ] && [ "$n" -gt 0 ]; then
        pass "$desc ($n packets)"
    else
        fail "$desc (counter: '${n:-rule not found}')"
    fi
}

# ---------------------------------------------------------------------------
# The guide's text, verbatim: "Configuring iptables as a single-host
# defensive measure" steps 1-6 (IPv4) and 7-9 (IPv6), and the two variants of
# "Log before dropping". Comment lines are the guide's own and are skipped;
# run_guide drops "sudo" and redirects /etc/iptables/ when it runs a line.
# ---------------------------------------------------------------------------
# (Used by the scripts that source this file; the backquotes are the guide's.)
# shellcheck disable=SC2034,SC2016
GUIDE_V4='sudo iptables -A INPUT -i lo -j ACCEPT
sudo iptables -A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
sudo iptables -A INPUT -p tcp --dport ssh -j ACCEPT
# Optionally, restrict inbound SSH traffic to a specific machine (a Secure Admin Workstation [SAW] or "jumpbox")
#sudo iptables -A INPUT -p TCP -s --dport ssh -j ACCEPT
sudo iptables -A INPUT -p tcp --dport http -j ACCEPT # Web traffic.
sudo iptables -A INPUT -p udp --dport mdns -j ACCEPT # mDNS traffic.
sudo iptables --policy INPUT DROP
sudo iptables-save | sudo tee /etc/iptables/rules.v4'

# shellcheck disable=SC2034
GUIDE_V6='sudo ip6tables -A INPUT -i lo -j ACCEPT                                      # Allow any IPv6 traffic from the loopback interface.
sudo ip6tables -A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT # Accept any already-established IPv6 traffic.
sudo ip6tables -A INPUT -p icmpv6 --icmpv6-type neighbor-solicitation -j ACCEPT # Required to establish link-local IPv6 conversations.
sudo ip6tables -A INPUT -p tcp --dport ssh -j ACCEPT                         # Accept SSH connections carried by IPv6.
# Optionally, restrict inbound SSH traffic to a specific machine (a Secure Admin Workstation [SAW] or "jumpbox")
#sudo ip6tables -A INPUT -p tcp -s 1234:5678:9abc:42::100 --dport ssh -j ACCEPT
# Additional rules here, if you have need for any.
sudo ip6tables --policy INPUT DROP
sudo ip6tables-save | sudo tee /etc/iptables/rules.v6'

# shellcheck disable=SC2034,SC2016
GUIDE_LOG='# Make a new user-defined target (a chain).
sudo iptables -N LOGGING
# Append the "LOGGING" jump target at the end of the INPUT chain.
sudo iptables -A INPUT -j LOGGING
# Create a rule whose action is to add a log line.
# See `man iptables-extensions` for additional options.
# Use the `limit` module (`-m limit`), log only 2 matched packets per min (`--limit 2/min`)
sudo iptables -A LOGGING -m limit --limit 2/min -j LOG --log-prefix "IPTables Packet Dropped: " --log-level 7'

# shellcheck disable=SC2034,SC2016
GUIDE_LOG2='# Just add the `LOG` extended target via the `limit` module directly to the end of the INPUT chain.
sudo iptables -A INPUT -m limit --limit 2/min -j LOG --log-prefix "IPTables Packet Dropped: " --log-level 7
# If your INPUT chain policy is not DROP already, either set it to be:
#sudo iptables -P INPUT DROP
# or add an explicit DROP target:
sudo iptables -A INPUT -j DROP'

# guide_cmd LINE: LINE as it is run: without "sudo", and with /etc/iptables/
# replaced by $GUIDE_ETC/ (the machine's /etc is never written).
guide_cmd() {
    local cmd=${1#sudo }
    cmd=${cmd//| sudo /| }
    echo "${cmd//\/etc\/iptables\//${GUIDE_ETC:?}/}"
}

# run_guide NS TEXT: run every non-comment line of TEXT in NS as a shell
# command line (so quoting, "# comments" and pipes work as typed), with BIN
# first in PATH; one check per line.
run_guide() {
    local ns=$1 text=$2 line cmd out
    while IFS= read -r line; do
        case "$line" in '#'* | '') continue ;; esac
        cmd=$(guide_cmd "$line")
        if out=$(in_ns "$ns" bash -o pipefail -c "$cmd" 2>&1); then
            pass "guide: $line"
        else
            fail "guide: $line"
            printf '%s\n' "$out" | sed 's/^/    /'
        fi
    done <<<"$text"
}

