#!/bin/bash
# Debian's netfilter-persistent + iptables-persistent plugins (unmodified, from their .debs,
# see install-deps.sh) on the reference and on cxtables: save, flush, start, reload,
# restart with IPTABLES_RESTORE_NOFLUSH=yes, and a "reboot" (new namespaces, the saved
# files loaded by `netfilter-persistent start`) checked with real traffic. The plugins call
# iptables-save / iptables-restore from /usr/sbin, which the private alternatives point at
# BIN for cxtables.
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"
need_env
NPBIN=/usr/sbin/netfilter-persistent
[ -x "$NP_ROOT$NPBIN" ] || { fail "precondition: $NP_ROOT$NPBIN (run tests/clients/install-deps.sh)"; summary; exit 1; }

h() { in_priv "$ST" "$HOST" "$@"; }
np() {
    local out
    if out=$(h timeout 60 "$NPBIN" "$@" 2>&1); then
        pass "$IMPL: netfilter-persistent $*"
    else
        fail "$IMPL: netfilter-persistent $*"; printf '%s\n' "$out" | sed 's/^/    /'
    fi
}
rules() { h iptables-save | grep -c '^-A'; }

scenario() {
    # The host's firewall, typed with whatever /usr/sbin/iptables is.
    h sh -e -c '
        iptables -N SSH
        iptables -A INPUT -i lo -j ACCEPT
        iptables -A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
        iptables -A INPUT -p tcp --dport 22 -j SSH
        iptables -A SSH -s 198.51.100.0/24 -j ACCEPT
        iptables -A INPUT -p tcp --dport 80 -j ACCEPT
        iptables -A INPUT -p tcp --dport 8080 -j DROP
        iptables -t nat -A POSTROUTING -s 203.0.113.0/24 -j MASQUERADE
        iptables -t mangle -A PREROUTING -p tcp --dport 80 -j MARK --set-mark 0x1
        ip6tables -A INPUT -p tcp --dport 80 -j ACCEPT
        ip6tables -A INPUT -p tcp --dport 8080 -j DROP
        ip6tables -A INPUT -s 2001:db8:dead::/48 -j REJECT
    ' || fail "$IMPL: typing the rules"
    snapshot typed
    np save
    check "$IMPL: /etc/iptables/rules.v4 written" h grep -q '^-A SSH -s 198.51.100.0/24 -j ACCEPT' /etc/iptables/rules.v4
    check "$IMPL: /etc/iptables/rules.v6 written" h grep -q '^-A INPUT -s 2001:db8:dead::/48 -j REJECT' /etc/iptables/rules.v6
    h sh -c 'grep -v "^#" /etc/iptables/rules.v4; grep -v "^#" /etc/iptables/rules.v6' | norm_save \
        >"$SNAP_ROOT/$IMPL.files"
    np flush
    check_eq "$IMPL: flush leaves no rule" 0 "$(rules)"
    snapshot flushed
    np start
    snapshot started
    h iptables -A INPUT -s 192.0.2.77 -j DROP
    h iptables -N EXTRA
    np reload
    check_eq "$IMPL: reload: the rule added since is gone" 0 "$(h iptables-save | grep -c 192.0.2.77)"
    snapshot reloaded
    # restart with --noflush: built-in chains keep their rules (and get the file's again),
    # declared user chains are flushed and refilled, EXTRA stays.
    h sh -c 'echo IPTABLES_RESTORE_NOFLUSH=yes >>/etc/default/netfilter-persistent'
    np restart
    snapshot restarted-noflush
    h sed -i '/IPTABLES_RESTORE_NOFLUSH/d' /etc/default/netfilter-persistent
    h sh -c 'echo IPTABLES_TEST_RULESET=yes >>/etc/default/netfilter-persistent'
    np restart
    snapshot restarted-tested

    # Reboot: new namespaces, the same /etc; the boot service runs `start`.
    topo_down
    topo_up || { fail "$IMPL: namespaces after reboot"; return; }
    # shellcheck disable=SC2034  # read by snapshot (lib.sh)
    SNAP_NS=$HOST
    np start
    snapshot after-reboot
    listen_both "$HOST" tcp 80 http-ok && listen_both "$HOST" tcp 8080 alt-ok ||
        fail "$IMPL: listeners"
    check "$IMPL: after reboot tcp/80 gets in (IPv4)" tcp_ok "$CLIENT" 4 "$HOST4" 80
    check "$IMPL: after reboot tcp/8080 is dropped (IPv4)" tcp_dropped "$CLIENT" 4 "$HOST4" 8080
    check "$IMPL: after reboot tcp/80 gets in (IPv6)" tcp_ok "$CLIENT" 6 "$HOST6" 80
    check "$IMPL: after reboot tcp/8080 is dropped (IPv6)" tcp_dropped "$CLIENT" 6 "$HOST6" 8080
    if [ "$IMPL" == cx ]; then
        # cxtables-persistent reads what netfilter-persistent wrote, and the other way round.
        h env CXTABLES_PERSISTENT_DIR=/etc/iptables "$CXT_ROOT/scripts/cxtables-persistent" flush --sbin "$BIN"
        check_eq "cx: cxtables-persistent flush" 0 "$(rules)"
        check "cx: cxtables-persistent reload of netfilter-persistent's files" \
            h "$CXT_ROOT/scripts/cxtables-persistent" reload --sbin "$BIN"
        snapshot cxtables-persistent-reload
        check "cx: cxtables-persistent save" h "$CXT_ROOT/scripts/cxtables-persistent" save --sbin "$BIN"
        np flush
        np start
        snapshot netfilter-persistent-start-after-cx-save
    fi
}

run_both scenario
# The files each implementation saved, without "#" lines and counters.
check_eq "rules.v4 + rules.v6 saved by netfilter-persistent: cx = ref" \
    "$(cat "$SNAP_ROOT/ref.files" 2>/dev/null)" "$(cat "$SNAP_ROOT/cx.files" 2>/dev/null)"
check_eq "cx: cxtables-persistent reload = what netfilter-persistent start loads" \
    "$(cat "$SNAP_ROOT/ref/after-reboot" 2>/dev/null)" "$(cat "$SNAP_ROOT/cx/cxtables-persistent-reload" 2>/dev/null)"
check_eq "cx: netfilter-persistent loads what cxtables-persistent saved" \
    "$(cat "$SNAP_ROOT/ref/after-reboot" 2>/dev/null)" "$(cat "$SNAP_ROOT/cx/netfilter-persistent-start-after-cx-save" 2>/dev/null)"
summary
