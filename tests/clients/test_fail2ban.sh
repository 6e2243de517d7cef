#!/bin/bash
# fail2ban (Debian's 1.0.2, unmodified) on the reference and on cxtables: a server in the
# foreground in the host namespace (private /etc/fail2ban, /var/lib/fail2ban), three jails
# on log files the test writes, with the actions iptables-multiport (blocktype DROP),
# iptables-allports and iptables-ipset (ipset + -m set). Bans are checked with real traffic
# from the client namespace, IPv4 and IPv6; then unban, reload, unban --all, stop. The
# actions run `iptables -w ...` / `ip6tables -w ...` through PATH, which resolves to
# /usr/sbin, which the private alternatives point at BIN for cxtables. A third run, cxopt,
# compiles each jail chain once fail2ban has made it (`cxtables optimize on --min-run 1`:
# every later ban and unban is then a set element added or deleted) and must end with the
# same rulesets as the reference's plain run.
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"
need_env
command -v fail2ban-server >/dev/null || { fail "precondition: fail2ban-server (run tests/clients/install-deps.sh)"; summary; exit 1; }
command -v ipset >/dev/null || { fail "precondition: ipset"; summary; exit 1; }

f2b_config() {   # f2b_config DIR: the jails, into the private /etc/fail2ban
    local d=$1
    cat >"$d/cxtest-filter.conf" <<'CONF'
[Definition]
failregex = ^auth failure from <HOST>$
ignoreregex =
datepattern = {NONE}
CONF
    cat >"$d/jail.local" <<CONF
[DEFAULT]
backend = polling
maxretry = 2
findtime = 600
bantime = 600
ignoreself = true
ignoreip = 127.0.0.1/8 ::1

[sshd]
enabled = false

[cx-multi]
enabled = true
filter = cxtest
logpath = $F2B/multi.log
action = iptables-multiport[name=multi, port="80,8080", protocol=tcp, blocktype=DROP]

[cx-all]
enabled = true
filter = cxtest
logpath = $F2B/all.log
action = iptables-allports[name=all]

[cx-ipset]
enabled = true
filter = cxtest
logpath = $F2B/ipset.log
action = iptables-ipset[name=ipset, port=22, protocol=tcp]
CONF
    cat >"$d/fail2ban.local" <<CONF
[Definition]
logtarget = $F2B/server.log
loglevel = INFO
allowipv6 = auto
dbfile = $F2B/fail2ban.sqlite3
CONF
}

h() { in_priv "$ST" "$HOST" "$@"; }
fc() { h timeout 30 fail2ban-client -s "$F2B/sock" "$@"; }
fcq() { fc "$@" >/dev/null; }
# banned JAIL: the jail's "Banned IP list"
banned() { fc status "$1" 2>/dev/null | sed -n 's/.*Banned IP list:[[:space:]]*//p' | tr -s ' ' | sed 's/ *$//'; }
# in_kernel ADDR: the address is in the host's ruleset or ipsets (listed by the reference, so
# that both implementations are judged by the same lister).
in_kernel() {
    local save=$REF/iptables-nft-save save6=$REF/ip6tables-nft-save
    [ "$IMPL" == cxopt ] && save=$BIN/iptables-save save6=$BIN/ip6tables-save
    { ip netns exec "$HOST" "$save"; ip netns exec "$HOST" "$save6"
      ip netns exec "$HOST" ipset save 2>/dev/null; } | grep -qF -- "$1"
}
# wait_banned JAIL WANT: until the banned list is WANT and each address of it has reached the
# kernel (fail2ban lists a ban before its action has run; at most 20 s).
wait_banned() {
    local i a ok
    for i in $(seq 1 40); do
        if [ "$(banned "$1")" == "$2" ]; then
            ok=1
            for a in $2; do in_kernel "$a" || ok=; done
            [ -n "$ok" ] && return 0
        fi
        sleep 0.5
    done
    echo "    $1 banned: '$(banned "$1")', wanted '$2' (in the kernel: $(for a in $2; do in_kernel "$a" && echo "$a"; done))" >&2
    return 1
}
# compile_jail FAMILY CHAIN: in the cxopt run, compiles the jail's chain fail2ban just made.
compile_jail() {
    [ "$IMPL" == cxopt ] || return 0
    check "$IMPL: cxtables optimize on $1 --min-run 1 $2" \
        ip netns exec "$HOST" "$BIN/cxtables" optimize on "$1" --min-run 1 "$2"
    check "$IMPL: $2 ($1) is compiled" bash -c "ip netns exec $HOST nft list sets | grep -q '__cx_$2_'"
}
fails() { local i; for i in 1 2; do echo "auth failure from $2" >>"$F2B/$1.log"; done; }
# Ports 80 and 22 on the host, IPv4 and IPv6, from the client: "80:ok 22:ok 80/6:no ..."
reach() {
    local p f out=
    for f in 4 6; do
        for p in 80 22; do
            local a=$HOST4
            [ $f == 6 ] && a=$HOST6
            if probe_tcp "$CLIENT" $f "$a" $p >/dev/null; then out="$out $p/v$f:ok"; else out="$out $p/v$f:no"; fi
        done
    done
    echo "${out# }"
}

scenario() {
    F2B=$CXT_TMP/f2b-$IMPL
    mkdir -p "$F2B"
    : >"$F2B/multi.log"; : >"$F2B/all.log"; : >"$F2B/ipset.log"
    local cfg=$CXT_TMP/f2b-conf-$IMPL
    mkdir -p "$cfg"
    f2b_config "$cfg"
    h sh -c "cp '$cfg/jail.local' '$cfg/fail2ban.local' /etc/fail2ban/ &&
             cp '$cfg/cxtest-filter.conf' /etc/fail2ban/filter.d/cxtest.conf" ||
        fail "$IMPL: private fail2ban configuration"
    listen_both "$HOST" tcp 80 http-ok && listen_both "$HOST" tcp 22 ssh-ok || fail "$IMPL: listeners"
    # The server, in the foreground, bounded in time; it ends with `fail2ban-client stop`.
    h timeout 150 fail2ban-server -f -x -c /etc/fail2ban -s "$F2B/sock" -p "$F2B/pid" \
        --logtarget "$F2B/server.log" --loglevel INFO >"$F2B/server.out" 2>&1 &
    local up=
    for _ in $(seq 1 60); do
        fc ping >/dev/null 2>&1 && { up=1; break; }
        sleep 0.5
    done
    check "$IMPL: fail2ban-server answers ping" test -n "$up"
    [ -n "$up" ] || { sed 's/^/    /' "$F2B/server.log" "$F2B/server.out" | tail -20; return; }
    check_eq "$IMPL: three jails" "cx-all, cx-ipset, cx-multi" \
        "$(fc status | sed -n 's/.*Jail list:[[:space:]]*//p' | tr ',' '\n' | sed 's/^ *//' | sort | paste -sd, | sed 's/,/, /g')"
    snapshot started
    check_eq "$IMPL: before any ban everything gets in" "80/v4:ok 22/v4:ok 80/v6:ok 22/v6:ok" "$(reach)"

    fails multi 192.0.2.2
    check "$IMPL: cx-multi bans 192.0.2.2" wait_banned cx-multi 192.0.2.2
    compile_jail -4 f2b-multi
    check_eq "$IMPL: banned by multiport (DROP) on 80,8080 only" "80/v4:no 22/v4:ok 80/v6:ok 22/v6:ok" "$(reach)"
    check "$IMPL: ... and the SYN was dropped, not refused" tcp_dropped "$CLIENT" 4 "$HOST4" 80
    fails multi 2001:db8::2
    check "$IMPL: cx-multi bans 2001:db8::2 too" wait_banned cx-multi "192.0.2.2 2001:db8::2"
    compile_jail -6 f2b-multi
    check_eq "$IMPL: IPv6 banned on 80" "80/v4:no 22/v4:ok 80/v6:no 22/v6:ok" "$(reach)"
    # (a ban on a compiled chain: cxopt adds it as a set element)
    fails multi 198.51.100.60
    check "$IMPL: cx-multi bans 198.51.100.60" wait_banned cx-multi "192.0.2.2 2001:db8::2 198.51.100.60"
    if [ "$IMPL" == cxopt ]; then
        check "$IMPL: the ban of 198.51.100.60 is a set element" \
            bash -c "ip netns exec $HOST nft list sets | grep -q 198.51.100.60"
    fi
    snapshot multi-banned
    check "$IMPL: unbanip 192.0.2.2" fcq set cx-multi unbanip 192.0.2.2
    check "$IMPL: unbanip 2001:db8::2" fcq set cx-multi unbanip 2001:db8::2
    check "$IMPL: unbanip 198.51.100.60" fcq set cx-multi unbanip 198.51.100.60
    check_eq "$IMPL: after unban everything gets in" "80/v4:ok 22/v4:ok 80/v6:ok 22/v6:ok" "$(reach)"
    snapshot multi-unbanned

    fails all 2001:db8::2
    check "$IMPL: cx-all bans 2001:db8::2" wait_banned cx-all 2001:db8::2
    compile_jail -6 f2b-all
    fails all 203.0.113.50
    check "$IMPL: cx-all bans 203.0.113.50" wait_banned cx-all "2001:db8::2 203.0.113.50"
    compile_jail -4 f2b-all
    if [ "$IMPL" == cxopt ]; then
        check "$IMPL: the IPv4 ban of cx-all is a set element" \
            bash -c "ip netns exec $HOST nft list sets | grep -q 203.0.113.50"
    fi
    check_eq "$IMPL: allports: IPv6 client cut off on every port" "80/v4:ok 22/v4:ok 80/v6:no 22/v6:no" "$(reach)"
    fails ipset 192.0.2.2
    check "$IMPL: cx-ipset bans 192.0.2.2" wait_banned cx-ipset 192.0.2.2
    check "$IMPL: 192.0.2.2 is in the ipset" h sh -c "ipset test f2b-ipset 192.0.2.2 2>/dev/null"
    check_eq "$IMPL: ipset: IPv4 client cut off on 22" "80/v4:ok 22/v4:no 80/v6:no 22/v6:no" "$(reach)"
    snapshot all-and-ipset-banned

    check "$IMPL: fail2ban-client reload" fcq reload
    sleep 1
    check_eq "$IMPL: bans survive the reload" "2001:db8::2 203.0.113.50|192.0.2.2" "$(banned cx-all)|$(banned cx-ipset)"
    check_eq "$IMPL: ... and still hold" "80/v4:ok 22/v4:no 80/v6:no 22/v6:no" "$(reach)"
    snapshot reloaded
    check "$IMPL: fail2ban-client unban --all" fcq unban --all
    check_eq "$IMPL: after unban --all everything gets in" "80/v4:ok 22/v4:ok 80/v6:ok 22/v6:ok" "$(reach)"
    snapshot all-unbanned
    check "$IMPL: fail2ban-client stop" fcq stop
    for _ in $(seq 1 40); do [ -e "$F2B/sock" ] || break; sleep 0.5; done
    snapshot stopped
    check_eq "$IMPL: stop removed every f2b chain" "" \
        "$(ip netns exec "$HOST" "$REF/iptables-nft-save" | grep f2b; ip netns exec "$HOST" "$REF/ip6tables-nft-save" | grep f2b)"
    if grep -qiE 'error|failed' "$F2B/server.log"; then
        fail "$IMPL: errors in fail2ban's log"
        grep -iE 'error|failed' "$F2B/server.log" | head -10 | sed 's/^/    /'
    else
        pass "$IMPL: no error in fail2ban's log ($(grep -c 'Ban ' "$F2B/server.log") bans)"
    fi
}

RUN_IMPLS="ref cx cxopt" run_both scenario
summary
