#!/bin/bash
# demo.sh: the guide's single-host firewall, applied with cxtables, shown with
# real traffic between two throwaway network namespaces.
#
# Usage (as root):  [BIN=DIR] tests/kernel/demo.sh
#   BIN  directory with iptables, ip6tables, iptables-save, ... (default:
#        <repo>/build/sbin, i.e. cxtables after a build; BIN=/usr/sbin shows the
#        same with Debian's iptables-nft)
#
# It builds nothing and leaves nothing behind: the namespaces, listeners and
# temporary files are removed on exit. The machine's own firewall is not
# touched. Exits 1 if some traffic did not behave as the policy says.

HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/kernel/lib.sh
. "$HERE/lib.sh"
need_env
mktmp
GUIDE_ETC=$CXT_TMP/etc/iptables   # where "tee /etc/iptables/rules.v4" goes
mkdir -p "$GUIDE_ETC"

cat <<EOF
cxtables demo: the single-host policy from the guide, IPv4 and IPv6
  iptables tools:  $BIN
  host ns:         $(ns_name host)     eth0 $HOST4/24  $HOST6/64
  client ns:       $(ns_name client)   eth0 $CLIENT4/24  $CLIENT6/64
EOF

topo_up || { echo "could not create the namespaces" >&2; exit 1; }
if ! { host_services && client_services; }; then echo "could not start the listeners" >&2; exit 1; fi

# apply NS TEXT: run the guide's lines, showing each as it is typed.
apply() {
    local ns=$1 text=$2 line cmd out
    while IFS= read -r line; do
        case "$line" in '#'* | '') continue ;; esac
        cmd=$(guide_cmd "$line")
        printf '  host# %s\n' "$cmd"
        if ! out=$(in_ns "$ns" bash -o pipefail -c "$cmd" 2>&1); then
            printf '%s\n' "$out" | sed 's/^/        /'
            fail "the command above failed"
        fi
    done <<<"$text"
}

section "Applying the guide, steps 1-6 (IPv4) and 7-9 (IPv6), in the host namespace"
apply "$HOST" "$GUIDE_V4"
apply "$HOST" "$GUIDE_V6"
echo "  (the saved files, $GUIDE_ETC/rules.v4 and rules.v6, are in a temporary directory)"

# row WHAT EXPECT4 EXPECT6 PROBE ARGS...: run PROBE for v4 and v6 (ARGS may
# use the placeholders @A = host address, @C = client address, @L = loopback
# address) and print one table row. EXPECT is "pass" (the probe should
# succeed) or "block" (it should fail).
row() {
    local what=$1 e4=$2 e6=$3 probe=$4; shift 4
    local fam exp a c l args res cells=()
    for fam in 4 6; do
        if [ "$fam" == 4 ]; then a=$HOST4 c=$CLIENT4 l=127.0.0.1 exp=$e4
        else a=$HOST6 c=$CLIENT6 l=::1 exp=$e6; fi
        args=("${@//@A/$a}"); args=("${args[@]//@C/$c}"); args=("${args[@]//@L/$l}")
        args=("${args[@]//@F/$fam}")
        if "$probe" "${args[@]}" >/dev/null 2>&1; then res=pass; else res=block; fi
        if [ "$res" == "$exp" ]; then
            CXT_PASS=$((CXT_PASS + 1))
            [ "$res" == pass ] && cells+=("${C_OK}ok${C_OFF}") || cells+=("${C_OK}blocked${C_OFF}")
        else
            CXT_FAIL=$((CXT_FAIL + 1))
            [ "$res" == pass ] && cells+=("${C_BAD}ok (UNEXPECTED)${C_OFF}") || cells+=("${C_BAD}blocked (UNEXPECTED)${C_OFF}")
        fi
    done
    printf '  %-44s %-12s %s\n' "$what" "${cells[0]}" "${cells[1]}"
}

section "Traffic"
printf '  %-44s %-12s %s\n' "" "IPv4" "IPv6"
row "client -> host    ssh   tcp/22"   pass  pass  probe_tcp "$CLIENT" @F @A 22
row "client -> host    http  tcp/80"   pass  block probe_tcp "$CLIENT" @F @A 80
row "client -> host    mdns  udp/5353" pass  block probe_udp "$CLIENT" @F @A 5353
row "client -> host    other tcp/8080" block block probe_tcp "$CLIENT" @F @A 8080
row "client -> host    ping"           block block probe_ping "$CLIENT" @F @A
row "host   -> host    loopback tcp/8080" pass pass probe_tcp "$HOST" @F @L 8080
pin_client_neighbor   # see lib.sh: the guide's v6 policy drops neighbor advertisements
row "host   -> client  tcp/9000, replies return" pass pass probe_tcp "$HOST" @F @C 9000
row "host   -> client  udp/9001, replies return" pass pass probe_udp "$HOST" @F @C 9001
cat <<'EOF'

  The guide's IPv6 steps open only ssh ("Additional rules here, if you have
  need for any"), so http and mdns are blocked over IPv6 by design. Replies to
  the host's own connections pass the RELATED,ESTABLISHED rule; 8080 is closed
  from outside but open over loopback (the "-i lo" rule).
EOF

section "host# iptables -L -v -n"
in_ns "$HOST" iptables -L -v -n
section "host# ip6tables -L -v -n"
in_ns "$HOST" ip6tables -L -v -n

topo_down
summary
