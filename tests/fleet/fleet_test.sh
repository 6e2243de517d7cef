#!/bin/bash
# fleet_test.sh: the Ansible collection (ansible/, cxtables.firewall) on a fleet of real SSH
# hosts: network namespaces on one bridge, each with Debian's sshd (fleet_lib.sh); the
# controller is ansible-playbook with an inventory of their addresses and key-based SSH.
#
# Usage: [BIN=DIR] [FLEET_HOSTS=8] tests/fleet/fleet_test.sh
#
#   1. site.yml applies the guide's single-host policy (IPv4 and IPv6) to every host; a second
#      run changes nothing; --check --diff of a changed template shows exactly the changed
#      rule lines and changes nothing; backup and persist files are written on the host.
#   2. rollback.yml: a change confirmed over a new connection stays; one nobody confirms is
#      rolled back by the host itself; a late confirmation fails.
#   3. rolling.yml (serial 2): h3's template would cut the controller's SSH: h3 is refused with
#      the rule named, its ruleset untouched, every other host updated.
#   4. trace.yml asserts fleet-wide facts with cxtables.firewall.trace; real TCP connections
#      from a stranger (203.0.113.5) and from the controller agree with every answer.
#   5. a duplicate rule on h6 (lint: fail), a bad ruleset line on h7 and no cxtables on h8: each
#      fails with its message, nothing changes on them or anywhere else.
#   6. cxtables.firewall.facts, and ansible.builtin.iptables over SSH against cxtables.
#   7. the README's playbook (playbooks/fleet.yml, shown verbatim there): apply with a rollback
#      timer, confirm over a new connection, assert by trace; a second run changes nothing.
# Ends with "N passed, N failed".

HERE=$(cd "$(dirname "$0")" && pwd)
CXT_REPO=$(cd "$HERE/../.." && pwd)
# shellcheck source=tests/kernel/lib.sh
. "$CXT_REPO/tests/kernel/lib.sh"
# shellcheck source=tests/fleet/fleet_lib.sh
. "$HERE/fleet_lib.sh"
need_env
for t in ansible-playbook ansible-galaxy /usr/sbin/sshd ssh-keygen; do
    command -v "$t" >/dev/null || { fail "precondition: $t (run tests/clients/install-deps.sh)"; summary; exit 1; }
done
[ -x "$BIN/cxtables" ] || { fail "precondition: missing $BIN/cxtables"; summary; exit 1; }
N=${FLEET_HOSTS:-8}
machine_ruleset=$(nft list ruleset | sha256sum)
mktmp
fleet_up "$N" || { fail "the fleet did not come up"; summary; exit 1; }
info "fleet of $N hosts up in $FLEET_DIR"
PB=$HERE/playbooks
INV=$FLEET_DIR/inventory/hosts
all_hosts() { seq 1 "$N"; }
snapshot_all() { local i; for i in $(all_hosts); do echo "## h$i"; host_save "$i" 4; host_save "$i" 6; done; }

# check_recap NAME CHANGED [HOST...]: every HOST (default all) ended failed=0 with CHANGED
# tasks changed.
check_recap() {
    local name=$1 want=$2 i bad="" hosts
    shift 2
    hosts=("$@")
    [ ${#hosts[@]} -gt 0 ] || mapfile -t hosts < <(all_hosts)
    for i in "${hosts[@]}"; do
        [ "$(recap_field "h$i" failed)" == 0 ] && [ "$(recap_field "h$i" changed)" == "$want" ] ||
            bad+=" h$i($(recap "h$i"))"
    done
    if [ -z "$bad" ]; then pass "$name"; else
        fail "$name:$bad"
        printf '%s\n' "$FLEET_OUT" | grep -E 'fatal|FAILED|msg' | head -20 | sed 's/^/    /'
    fi
}

# reach NS ADDR PORT: "reached" when the host answered (accepted, or refused by the stack),
# "dropped" when the connection attempt timed out.
reach() {
    local out
    out=$(ip netns exec "$1" timeout 5 socat -T 2 - "TCP:$2:$3,connect-timeout=2" </dev/null 2>&1)
    case "$out" in
        *"timed out"*) echo dropped ;;
        *) echo reached ;;
    esac
}

section "0. the collection, built and installed offline"
check "ansible-galaxy collection build/install: installed" \
    test -f "$FLEET_DIR/collections/ansible_collections/cxtables/firewall/MANIFEST.json"
for m in ruleset trace facts; do
    doc=$(fleet_ctl 120 ansible-doc "cxtables.firewall.$m")
    check "ansible-doc cxtables.firewall.$m documents it" grep -q "^> CXTABLES.FIREWALL.${m^^} " <<<"$doc"
done
doc=$(fleet_ctl 120 ansible-doc cxtables.firewall.ruleset)
check "ansible-doc shows the options and the examples" grep -q "rollback_timeout" <<<"$doc"
out=$(fleet_ansible h1 -m cxtables.firewall.ruleset -a 'lint=sometimes ipv4=x')
check "Ansible validates the arguments" grep -q "value of lint must be one of: ignore, report, fail" <<<"$out"

section "1. the guide's policy on every host"
fleet_play "$PB/site.yml"
check_eq "site.yml: exit status 0" 0 "$FLEET_RC"
check_recap "first run: every host changed" 1
all_have=1
for i in $(all_hosts); do
    host_save "$i" 4 | grep -qx -- '-A INPUT -s 198.51.100.0/24 -p tcp -m tcp --dport 22 -j ACCEPT' &&
        host_save "$i" 6 | grep -qx -- '-A INPUT -p ipv6-icmp -m icmp6 --icmpv6-type 135 -j ACCEPT' &&
        host_save "$i" 4 | grep -qx -- ':INPUT DROP' || all_have=0
done
check_eq "every host holds the policy (IPv4 and IPv6)" 1 "$all_have"
check "web hosts accept tcp/443" grep -qx -- '-A INPUT -p tcp -m tcp --dport 443 -j ACCEPT' <<<"$(host_save 1 4)"
check_not "db hosts do not" grep -q -- '--dport 443' <<<"$(host_save "$N" 4)"
check_eq "the reference iptables-nft lists what cxtables lists" "$(host_save 1 4)" \
    "$(ip netns exec "${HOSTS[1]}" "$REF/iptables-nft-save" | grep -v '^#' | sed 's/ \[[0-9]*:[0-9]*\]$//')"
check "persist: rules.v4 written in the host's /etc/iptables" \
    grep -q -- '--dport 22' "$FLEET_DIR/h1/ov/_etc/upper/iptables/rules.v4"
check "persist: rules.v6 too" test -s "$FLEET_DIR/h1/ov/_etc/upper/iptables/rules.v6"
check "backup: the previous ruleset saved in /var/backups/cxtables" \
    bash -c "ls '$FLEET_DIR/h1/ov/_var_backups/upper/cxtables/' | grep -q '^rules.v4.'"
check_not "the machine's own /etc/iptables/rules.v4 was not written" grep -qs 'LOGGING -m limit --limit 2/min' /etc/iptables/rules.v4
before=$(snapshot_all)
fleet_play "$PB/site.yml"
check_eq "second run: exit status 0" 0 "$FLEET_RC"
check_recap "second run: changed=0 everywhere" 0
fleet_play "$PB/site.yml" --check --diff -e '{"extra_tcp_ports": [8080]}'
check_eq "check mode: exit status 0" 0 "$FLEET_RC"
check_recap "check mode: every host would change" 1
diff_lines=$(printf '%s\n' "$FLEET_OUT" | grep -E '^[-+]' | grep -vE '^(\+\+\+|---) ' | sort | uniq -c | sed 's/^ *//')
check_eq "--diff shows exactly the changed lines (IPv4 and IPv6, every host)" \
    "$((2 * N)) +-A INPUT -p tcp -m tcp --dport 8080 -j ACCEPT" "$diff_lines"
check_eq "check mode changed nothing" "$before" "$(snapshot_all)"

section "2. confirm or roll back"
fleet_play "$PB/rollback.yml" -e target=h1
check_eq "rollback.yml: exit status 0" 0 "$FLEET_RC"
check_recap "rollback.yml: confirmed change kept, unconfirmed one rolled back, late confirm refused" 3 1
check "h1 keeps tcp/9000 (confirmed)" grep -qx -- '-A INPUT -p tcp -m tcp --dport 9000 -j ACCEPT' <<<"$(host_save 1 4)"
check_not "h1 lost tcp/9001 (not confirmed)" grep -q -- '--dport 9001' <<<"$(host_save 1 4)"
fleet_play "$PB/site.yml" --limit h1
check_recap "site.yml puts h1 back" 1 1

section "3. a rolling update that would lock the controller out of h3"
cat >"$FLEET_DIR/inventory/host_vars/h3.yml" <<'EOF'
extra_rules:
  - -I INPUT -s 198.51.100.0/25 -j DROP
EOF
before3=$(host_save 3 4; host_save 3 6)
fleet_play "$PB/rolling.yml" -e '{"extra_tcp_ports": [8443]}'
check_eq "rolling.yml: exit status 2 (a host failed)" 2 "$FLEET_RC"
check_eq "h3 failed" 1 "$(recap_field h3 failed)"
others=()
for i in $(all_hosts); do [ "$i" != 3 ] && others+=("$i"); done
check_recap "every other host updated" 1 "${others[@]}"
refusal=$(printf '%s\n' "$FLEET_OUT" | grep -A3 '^fatal: \[h3\]')
info "$(printf '%s\n' "$refusal" | grep -o '"msg": "[^"]*"')"
check "h3: refused for cutting the SSH session" grep -q "refusing the IPv4 ruleset: it would cut the SSH session" <<<"$refusal"
check "h3: the refusal names the rule" grep -q -- "-A INPUT -s 198.51.100.0/25 -j DROP" <<<"$refusal"
check_eq "h3's ruleset is untouched" "$before3" "$(host_save 3 4; host_save 3 6)"
check "the others have the new rule" grep -qx -- '-A INPUT -p tcp -m tcp --dport 8443 -j ACCEPT' <<<"$(host_save "$N" 4)"
rm -f "$FLEET_DIR/inventory/host_vars/h3.yml"

section "4. fleet-wide trace assertions, then real traffic"
mkdir -p "$FLEET_DIR/results"
fleet_play "$PB/trace.yml" -e "results_dir=$FLEET_DIR/results"
check_eq "trace.yml: every assertion holds (exit status 0)" 0 "$FLEET_RC"
check_recap "trace.yml: nothing changed" 0
agree=1
for i in $(all_hosts); do
    a4=$(fleet_addr4 "$i")
    res=$(cat "$FLEET_DIR/results/h$i.json" 2>/dev/null)
    want22=dropped want443=dropped
    grep -q '"ssh": "ACCEPT"' <<<"$res" && want22=reached
    grep -q '"https": "ACCEPT"' <<<"$res" && want443=reached
    got22=$(reach "$OUTSIDE" "$a4" 22)
    got443=$(reach "$OUTSIDE" "$a4" 443)
    if [ -z "$res" ] || [ "$got22" != "$want22" ] || [ "$got443" != "$want443" ]; then
        agree=0
        info "h$i: trace says $res; 203.0.113.5 -> 22 $got22, -> 443 $got443"
    fi
done
check_eq "real connections from 203.0.113.5 agree with every host's trace" 1 "$agree"
check_eq "and the controller reaches SSH over IPv6 on h2, as traced" reached \
    "$(reach "$CTL" "[$(fleet_addr6 2)]" 22)"

section "5. a duplicate rule on h6 (lint: fail), a bad ruleset line on h7, no cxtables on h8"
fleet_play "$PB/site.yml"
check_recap "site.yml again: the rolling update's rule is gone" 1 "${others[@]}"
check_recap "site.yml again: h3 had not taken it" 0 3
cat >"$FLEET_DIR/inventory/host_vars/h7.yml" <<'EOF'
extra_rules:
  - -A INPUT -p tcp --dport 99999 -j ACCEPT
EOF
cat >"$FLEET_DIR/inventory/host_vars/h6.yml" <<'EOF'
extra_rules:
  - -A INPUT -p udp --dport 5353 -j ACCEPT
EOF
fleet_sshd 8 /usr/bin:/bin
before=$(snapshot_all)
fleet_play "$PB/site.yml"
check_eq "site.yml: exit status 2" 2 "$FLEET_RC"
check_eq "h6 failed (lint: fail)" 1 "$(recap_field h6 failed)"
check_eq "h7 failed" 1 "$(recap_field h7 failed)"
check_eq "h8 failed" 1 "$(recap_field h8 failed)"
printf '%s\n' "$FLEET_OUT" | grep -A2 -E '^fatal: \[h[678]\]' | grep -o '"msg": "[^"]*"' |
    while read -r m; do info "$m"; done
check "h6: lint names the duplicate rule" grep -q 'cxtables lint found 1 problem(s): IPv4 [a-z]* INPUT rule 5: -A INPUT -p udp -m udp --dport 5353 -j ACCEPT' \
    <<<"$(printf '%s\n' "$FLEET_OUT" | grep -A2 '^fatal: \[h6\]')"
check "h7: the message gives the line" grep -q 'the IPv4 ruleset, line [0-9]*: .*99999' \
    <<<"$(printf '%s\n' "$FLEET_OUT" | grep -A2 '^fatal: \[h7\]')"
check "h8: cxtables is missing" grep -q 'cxtables is not installed on this host' \
    <<<"$(printf '%s\n' "$FLEET_OUT" | grep -A2 '^fatal: \[h8\]')"
check_recap "the other hosts: nothing to change" 0 1 2 3 4 5
check_eq "no ruleset changed anywhere" "$before" "$(snapshot_all)"
rm -f "$FLEET_DIR/inventory/host_vars/h7.yml" "$FLEET_DIR/inventory/host_vars/h6.yml"
fleet_sshd 8

section "6. facts, and ansible.builtin.iptables over SSH"
FLEET_OUT=$(fleet_ansible h2 -m cxtables.firewall.facts -a 'families=ipv4')
check "facts: the INPUT policy" grep -q '"policy": "DROP"' <<<"$FLEET_OUT"
check "facts: rules with counters" grep -q '"spec": "-s 198.51.100.0/24 -p tcp -m tcp --dport 22 -j ACCEPT"' <<<"$FLEET_OUT"
FLEET_OUT=$(fleet_ansible h2 -m ansible.builtin.iptables \
    -a 'chain=INPUT protocol=tcp destination_port=8081 jump=ACCEPT')
check "ansible.builtin.iptables adds a rule" grep -q 'CHANGED' <<<"$FLEET_OUT"
check "cxtables lists it" grep -qx -- '-A INPUT -p tcp -m tcp --dport 8081 -j ACCEPT' <<<"$(host_save 2 4)"
fleet_play "$PB/site.yml" --limit h2
check_recap "site.yml sees the drift and removes it" 1 2
check_not "gone" grep -q -- '--dport 8081' <<<"$(host_save 2 4)"
section "7. the README's playbook"
check "README.md shows playbooks/fleet.yml as it is" python3 -c '
import sys
readme, book = (open(f).read() for f in sys.argv[1:])
sys.exit(0 if "```yaml\n" + book + "```" in readme else 1)' "$CXT_REPO/README.md" "$PB/fleet.yml"
fleet_play "$PB/fleet.yml" -e '{"extra_tcp_ports": [8088]}'
check_eq "fleet.yml: exit status 0" 0 "$FLEET_RC"
check_recap "fleet.yml: applied and confirmed on every host" 2
pending=0
for i in $(all_hosts); do
    ls "$FLEET_DIR/h$i/ov/_run/upper/cxtables/" 2>/dev/null | grep -q '^apply.pending' && pending=1
    grep -qx -- '-A INPUT -p tcp -m tcp --dport 8088 -j ACCEPT' <<<"$(host_save "$i" 6)" || pending=2
done
check_eq "every host has the change, none waits for a confirmation any more" 0 "$pending"
fleet_play "$PB/fleet.yml" -e '{"extra_tcp_ports": [8088]}'
check_recap "fleet.yml again: changed=0" 0

check_eq "the machine's own ruleset is unchanged" "$machine_ruleset" "$(nft list ruleset | sha256sum)"

summary
exit $?
