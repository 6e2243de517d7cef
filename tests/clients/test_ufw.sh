#!/bin/bash
# ufw (Debian's 0.36.2, unmodified; it runs /usr/sbin/iptables, /usr/sbin/ip6tables and
# their -restore by full path) on the reference and on cxtables, in the host namespace with
# a private /etc/ufw: enable, allow / deny / limit / insert / delete, logging, an IPv6 rule,
# reload, disable, reset. Real traffic from the client namespace checks that the denied
# address cannot connect, that `limit` lets 5 quick connections through and refuses the
# 6th, and that the IPv6 rule admits only its address family. `ufw status` output and the
# ruleset after every step must be those of the reference.
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"
need_env
command -v ufw >/dev/null || { fail "precondition: ufw (run tests/clients/install-deps.sh)"; summary; exit 1; }

u() {   # u ARGS...: ufw ARGS, one check, the output kept in $UOUT
    if UOUT=$(in_priv "$ST" "$HOST" timeout 60 ufw "$@" 2>&1); then
        pass "$IMPL: ufw $*"
    else
        fail "$IMPL: ufw $*"; printf '%s\n' "$UOUT" | sed 's/^/    /'
    fi
}
# ok4/ok6 PORT: can the client connect over IPv4 / IPv6
ok4() { probe_tcp "$CLIENT" 4 "$HOST4" "$1" >/dev/null; }
ok6() { probe_tcp "$CLIENT" 6 "$HOST6" "$1" >/dev/null; }
reach() {   # "22:4y6n 80:..." for the given ports
    local p out=
    for p in "$@"; do
        out="$out $p:4$(ok4 "$p" && echo y || echo n)6$(ok6 "$p" && echo y || echo n)"
    done
    echo "${out# }"
}

scenario() {
    listen_both "$HOST" tcp 22 ssh-ok && listen_both "$HOST" tcp 80 http-ok &&
        listen_both "$HOST" tcp 2222 lim-ok && listen_both "$HOST" tcp 8080 alt-ok ||
        fail "$IMPL: listeners"
    u --force enable
    snapshot enabled
    check_eq "$IMPL: enabled, default deny: nothing gets in" "22:4n6n 80:4n6n" "$(reach 22 80)"
    u allow 22/tcp
    u allow 80/tcp
    u deny from 192.0.2.2 to any port 80
    u insert 1 deny from 192.0.2.2 to any port 80 proto tcp
    u limit 2222/tcp
    u insert 1 allow from 198.51.100.0/24
    u allow from 2001:db8::2 to any port 8080 proto tcp
    u logging medium
    snapshot rules-added
    u status verbose
    printf '%s\n' "$UOUT" >"$SNAP_ROOT/$IMPL.status"
    u status numbered
    printf '%s\n' "$UOUT" >>"$SNAP_ROOT/$IMPL.status"
    check_eq "$IMPL: 22 open, 80 denied to 192.0.2.2 (IPv4) but open over IPv6, 8080 over IPv6 only" \
        "22:4y6y 80:4n6y 8080:4n6y" "$(reach 22 80 8080)"
    local res=
    for _ in 1 2 3 4 5 6; do
        if ok4 2222; then res="${res}y"; else res="${res}n"; fi
    done
    check_eq "$IMPL: limit 2222/tcp: 5 quick connections pass, the 6th is refused" yyyyyn "$res"
    u delete allow 22/tcp
    u delete 1
    snapshot rules-deleted
    check_eq "$IMPL: 22 closed after delete" "22:4n6n" "$(reach 22)"
    u reload
    snapshot reloaded
    check_eq "$IMPL: after reload 80 still denied to 192.0.2.2, 8080 over IPv6" \
        "80:4n6y 8080:4n6y" "$(reach 80 8080)"
    u logging off
    snapshot logging-off
    u disable
    snapshot disabled
    check_eq "$IMPL: disabled: everything gets in" "22:4y6y 80:4y6y" "$(reach 22 80)"
    u --force enable
    snapshot re-enabled
    u --force reset
    snapshot reset
}

run_both scenario
check_eq "ufw status verbose / numbered: cx = ref" "$(cat "$SNAP_ROOT/ref.status")" "$(cat "$SNAP_ROOT/cx.status")"
summary
