#!/bin/bash
# clients_test.sh: runs every tests/clients/test_*.sh (the real ufw, fail2ban,
# netfilter-persistent, Ansible, and Docker / kube-proxy call patterns, each against the
# reference and against BIN, in namespaces) and adds up their "N passed, N failed" lines.
#
# Usage (root): [BIN=<build>/sbin] tests/kernel/clients_test.sh [NAME...]
#   NAME  only tests/clients/test_NAME.sh (e.g. ufw fail2ban)
# The programs come from tests/clients/install-deps.sh (.ci/run calls it).
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
CLIENTS=$HERE/../clients
CLIENT_SECS=${CLIENT_SECS:-300}
total_pass=0
total_fail=0
log=$(mktemp /tmp/cxtables-clients.XXXXXX)
trap 'rm -f "$log"' EXIT

# The machine's own firewall and alternatives, to check at the end that no client touched them.
host_state() {
    nft list ruleset 2>&1
    ls -l /etc/alternatives/ 2>/dev/null | grep -E ' ip6?tables' | awk '{print $9, $10, $11}'
    cat /var/lib/dpkg/alternatives/iptables /var/lib/dpkg/alternatives/ip6tables 2>/dev/null
    ls /etc/ufw /etc/fail2ban /etc/iptables 2>/dev/null
    cat /etc/ufw/ufw.conf /etc/ufw/user.rules 2>/dev/null
}
host_before=$(host_state | sha256sum)

if [ $# -gt 0 ]; then
    tests=()
    for n in "$@"; do tests+=("$CLIENTS/test_$n.sh"); done
else
    tests=("$CLIENTS"/test_*.sh)
fi
for t in "${tests[@]}"; do
    name=$(basename "$t" .sh)
    echo "=== $name"
    start=$SECONDS
    timeout --foreground -k 10 "$CLIENT_SECS" bash "$t" 2>&1 | tee "$log"
    rc=${PIPESTATUS[0]}
    line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$log" | tail -1)
    p=0 f=0
    if [ -n "$line" ]; then
        p=${line%% passed*}
        f=${line#*passed, }; f=${f%% failed*}
    fi
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
        echo "=== $name exited $rc without reporting a failure; counted as one"
        f=1
    fi
    echo "=== $name: $p passed, $f failed ($((SECONDS - start)) s)"
    echo
    total_pass=$((total_pass + p))
    total_fail=$((total_fail + f))
done
if [ "$(host_state | sha256sum)" == "$host_before" ]; then
    echo "PASS the machine's ruleset, alternatives, /etc/ufw, /etc/fail2ban, /etc/iptables are unchanged"
    total_pass=$((total_pass + 1))
else
    echo "FAIL the machine's ruleset, alternatives or client configuration changed"
    total_fail=$((total_fail + 1))
fi
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
