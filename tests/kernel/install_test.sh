#!/bin/bash
# install_test.sh: `cmake --install`, cxtables-alternatives and cxtables-persistent.
#
# Usage (root): [BIN=<build>/sbin] [BUILD_DIR=<build>] tests/kernel/install_test.sh
#
#   1. DESTDIR install into a temporary tree: the program, its 17 names as links to it,
#      the two scripts, the systemd unit naming the prefix; `--prefix` install: the unit
#      passes systemd-analyze verify, the installed names run.
#   2. cxtables-alternatives on a copy of the machine's alternatives (update-alternatives
#      --root on a temporary tree): install registers <prefix>/sbin/iptables-nft & co. in
#      Debian's link groups iptables / ip6tables with the slaves -save/-restore and
#      priority 30 and selects it (also when the group was set by hand); remove gives the
#      group back to auto mode on iptables-nft, the database as it was.
#   3. The same in a private mount namespace over the real paths (privns.sh: private
#      /etc/alternatives and /var/lib/dpkg/alternatives, read-only /usr/sbin):
#      /usr/sbin/iptables* resolve to BIN and work in a network namespace; remove resolves
#      them back to the reference. The machine's alternatives are compared before/after.
#   4. cxtables-persistent save / flush / reload / --noflush / stop in a network namespace,
#      with the directory from --dir and from CXTABLES_PERSISTENT_DIR.
# Ends with "N passed, N failed".

HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../clients/lib.sh
. "$HERE/../clients/lib.sh"
need_env
# The build directory to install from: BUILD_DIR, else the parent of BIN (<build>/sbin).
BUILD=${BUILD_DIR:-$(cd "$BIN/.." && pwd)}
if [ ! -f "$BUILD/cmake_install.cmake" ]; then
    fail "precondition: $BUILD is not a cmake build directory (set BUILD_DIR)"
    summary
    exit 1
fi
NAMES="iptables ip6tables iptables-save ip6tables-save iptables-restore ip6tables-restore
iptables-nft ip6tables-nft iptables-nft-save ip6tables-nft-save iptables-nft-restore
ip6tables-nft-restore iptables-translate ip6tables-translate iptables-restore-translate
ip6tables-restore-translate xtables-monitor"
host_before=$(host_alternatives_digest)
mktmp
T=$CXT_TMP

section "cmake --install"
if DESTDIR=$T/root cmake --install "$BUILD" --prefix /usr/local >"$T/install.log" 2>&1; then
    pass "DESTDIR=... cmake --install --prefix /usr/local"
else
    fail "DESTDIR=... cmake --install --prefix /usr/local"; sed 's/^/    /' "$T/install.log"
fi
S=$T/root/usr/local/sbin
check "sbin/cxtables is an executable file" test -f "$S/cxtables" -a -x "$S/cxtables" -a ! -L "$S/cxtables"
bad=
for n in $NAMES; do
    [ -L "$S/$n" ] && [ "$(readlink "$S/$n")" == cxtables ] || bad="$bad $n"
done
check_eq "the 17 names are links to cxtables" "" "$bad"
check "sbin/cxtables-alternatives installed" test -x "$S/cxtables-alternatives"
check "sbin/cxtables-persistent installed" test -x "$S/cxtables-persistent"
UNIT=$T/root/usr/local/lib/systemd/system/cxtables-persistent.service
check_eq "unit runs <prefix>/sbin/cxtables-persistent" \
    "ExecStart=/usr/local/sbin/cxtables-persistent reload
ExecReload=/usr/local/sbin/cxtables-persistent reload
ExecStop=/usr/local/sbin/cxtables-persistent stop" "$(grep ^Exec "$UNIT" 2>&1)"
check "unit is ordered before network-pre.target" grep -qx 'Before=network-pre.target shutdown.target' "$UNIT"
check "install_manifest.txt lists the links" grep -qx /usr/local/sbin/ip6tables-nft-restore "$BUILD/install_manifest.txt"

P=$T/pfx
cmake --install "$BUILD" --prefix "$P" >"$T/install2.log" 2>&1
check_eq "installed iptables -V" "iptables v1.8.9 (nf_tables)" "$("$P/sbin/iptables" -V 2>&1)"
check_eq "installed ip6tables-nft-save -V" "ip6tables-nft-save v1.8.9 (nf_tables)" "$("$P/sbin/ip6tables-nft-save" -V 2>&1)"
check_eq "unit with --prefix names it" "ExecStart=$P/sbin/cxtables-persistent reload" \
    "$(grep ^ExecStart "$P/lib/systemd/system/cxtables-persistent.service")"
if command -v systemd-analyze >/dev/null; then
    check "systemd-analyze verify cxtables-persistent.service" \
        systemd-analyze verify "$P/lib/systemd/system/cxtables-persistent.service"
fi

section "cxtables-alternatives on a copy of the alternatives database (--root)"
R=$T/root
mkdir -p "$R/usr/sbin" "$R/etc/alternatives" "$R/var/lib/dpkg/alternatives"
cp -a /usr/sbin/ip6tables* /usr/sbin/iptables* /usr/sbin/xtables-* "$R/usr/sbin/"
cp -a /etc/alternatives/ip6tables* /etc/alternatives/iptables* "$R/etc/alternatives/"
cp -a /var/lib/dpkg/alternatives/iptables /var/lib/dpkg/alternatives/ip6tables "$R/var/lib/dpkg/alternatives/"
ALT="$R/usr/local/sbin/cxtables-alternatives"
q() { update-alternatives --root "$R" --query "$1" 2>&1; }
val() { q "$1" | sed -n 's/^Value: //p'; }
st() { q "$1" | sed -n 's/^Status: //p'; }
orig4=$(cat "$R/var/lib/dpkg/alternatives/iptables")
orig6=$(cat "$R/var/lib/dpkg/alternatives/ip6tables")
check "install" "$ALT" install --root "$R" --sbin /usr/local/sbin --quiet
check_eq "iptables group: cxtables selected, auto mode" "/usr/local/sbin/iptables-nft auto" "$(val iptables) $(st iptables)"
check_eq "ip6tables group: cxtables selected, auto mode" "/usr/local/sbin/ip6tables-nft auto" "$(val ip6tables) $(st ip6tables)"
check_eq "iptables alternative: priority and slaves" "Alternative: /usr/local/sbin/iptables-nft
Priority: 30
Slaves:
 iptables-restore /usr/local/sbin/iptables-nft-restore
 iptables-save /usr/local/sbin/iptables-nft-save" \
    "$(q iptables | sed -n '\|^Alternative: /usr/local/sbin/iptables-nft$|,/^$/p' | sed '/^$/d')"
check_eq "ip6tables alternative: priority and slaves" "Alternative: /usr/local/sbin/ip6tables-nft
Priority: 30
Slaves:
 ip6tables-restore /usr/local/sbin/ip6tables-nft-restore
 ip6tables-save /usr/local/sbin/ip6tables-nft-save" \
    "$(q ip6tables | sed -n '\|^Alternative: /usr/local/sbin/ip6tables-nft$|,/^$/p' | sed '/^$/d')"
links=
for n in iptables iptables-save iptables-restore ip6tables ip6tables-save ip6tables-restore; do
    links="$links$n:$(readlink "$R/usr/sbin/$n")>$(readlink "$R/etc/alternatives/$n") "
done
check_eq "the six links" "iptables:/etc/alternatives/iptables>/usr/local/sbin/iptables-nft iptables-save:/etc/alternatives/iptables-save>/usr/local/sbin/iptables-nft-save iptables-restore:/etc/alternatives/iptables-restore>/usr/local/sbin/iptables-nft-restore ip6tables:/etc/alternatives/ip6tables>/usr/local/sbin/ip6tables-nft ip6tables-save:/etc/alternatives/ip6tables-save>/usr/local/sbin/ip6tables-nft-save ip6tables-restore:/etc/alternatives/ip6tables-restore>/usr/local/sbin/ip6tables-nft-restore " "$links"
check "install again (idempotent)" "$ALT" install --root "$R" --sbin /usr/local/sbin --quiet
check_eq "still one cxtables entry" 1 "$(q iptables | grep -c '^Alternative: /usr/local/sbin/iptables-nft$')"
check "remove" "$ALT" remove --root "$R" --sbin /usr/local/sbin --quiet
check_eq "iptables group back on iptables-nft, auto" "/usr/sbin/iptables-nft auto" "$(val iptables) $(st iptables)"
check_eq "ip6tables group back on ip6tables-nft, auto" "/usr/sbin/ip6tables-nft auto" "$(val ip6tables) $(st ip6tables)"
check_eq "iptables database as before" "$orig4" "$(cat "$R/var/lib/dpkg/alternatives/iptables")"
check_eq "ip6tables database as before" "$orig6" "$(cat "$R/var/lib/dpkg/alternatives/ip6tables")"
check_eq "iptables-save link back" /usr/sbin/iptables-nft-save "$(readlink "$R/etc/alternatives/iptables-save")"
update-alternatives --root "$R" --quiet --set iptables /usr/sbin/iptables-legacy
check "install over a group set by hand to iptables-legacy" "$ALT" install --root "$R" --sbin /usr/local/sbin --quiet
check_eq "cxtables selected (manual)" "/usr/local/sbin/iptables-nft manual" "$(val iptables) $(st iptables)"
check "remove" "$ALT" remove --root "$R" --sbin /usr/local/sbin --quiet
check_eq "back to auto on iptables-nft" "/usr/sbin/iptables-nft auto" "$(val iptables) $(st iptables)"
update-alternatives --root "$R" --quiet --set ip6tables /usr/sbin/ip6tables-legacy
"$ALT" install --root "$R" --sbin /usr/local/sbin --quiet --priority 5
check_eq "--priority 5 registers with 5" "Priority: 5" \
    "$(q ip6tables | sed -n '\|^Alternative: /usr/local/sbin/ip6tables-nft$|,/^$/p' | grep Priority)"
update-alternatives --root "$R" --quiet --set ip6tables /usr/sbin/ip6tables-legacy
"$ALT" remove --root "$R" --sbin /usr/local/sbin --quiet
check_eq "remove leaves a group set by hand to something else alone" "/usr/sbin/ip6tables-legacy manual" "$(val ip6tables) $(st ip6tables)"
out=$("$ALT" install --root "$R" --sbin /nonexistent 2>&1)
check_eq "install refuses a directory without the names (exit 1)" "1" "$?"
check_eq "... and says which file" "cxtables-alternatives: $R/nonexistent/iptables-nft is missing (install cxtables first, or give --sbin DIR)" "$out"

section "cxtables-alternatives in a private mount namespace"
ns_add "$(ns_name alt)"
NS=$(ns_name alt)
client_state cx
check "client_state: cxtables-alternatives install --sbin BIN in private /etc/alternatives" test -n "$ST"
for n in iptables iptables-save iptables-restore ip6tables ip6tables-save ip6tables-restore; do
    check_eq "/usr/sbin/$n resolves to BIN" "$BIN/cxtables" "$(in_priv "$ST" "$NS" readlink -f "/usr/sbin/$n")"
done
check "/usr/sbin/iptables -A (cxtables through the alternative)" in_priv "$ST" "$NS" /usr/sbin/iptables -A INPUT -s 192.0.2.9 -j DROP
check "/usr/sbin/ip6tables -N (cxtables through the alternative)" in_priv "$ST" "$NS" /usr/sbin/ip6tables -N CX
check_eq "the reference lists it" "-A INPUT -s 192.0.2.9/32 -j DROP" "$(ip netns exec "$NS" "$REF/iptables-nft-save" | grep '^-A')"
check_eq "/usr/sbin is read-only there" "1" "$(in_priv "$ST" "$NS" sh -c 'touch /usr/sbin/cx-probe 2>/dev/null; echo $?')"
check "remove" in_priv "$ST" "$NS" "$CXT_ROOT/scripts/cxtables-alternatives" remove --sbin "$BIN" --quiet
check_eq "/usr/sbin/iptables resolves to the reference again" /usr/sbin/xtables-nft-multi "$(which_iptables "$ST" "$NS")"
check_eq "/usr/sbin/ip6tables-save too" /usr/sbin/xtables-nft-multi "$(in_priv "$ST" "$NS" readlink -f /usr/sbin/ip6tables-save)"
check_eq "the machine's alternatives are unchanged" "$host_before" "$(host_alternatives_digest)"

section "cxtables-persistent"
CP=$P/sbin/cxtables-persistent
D=$T/persist
ns_add "$(ns_name persist)"
NP=$(ns_name persist)
pin() { ip netns exec "$NP" "$@"; }
pin "$P/sbin/iptables" -N CXP
pin "$P/sbin/iptables" -A INPUT -p tcp --dport 22 -j CXP
pin "$P/sbin/iptables" -A CXP -s 192.0.2.0/24 -j ACCEPT
pin "$P/sbin/iptables" -t nat -A POSTROUTING -o eth9 -j ACCEPT
pin "$P/sbin/iptables" -P FORWARD DROP
pin "$P/sbin/ip6tables" -A INPUT -s 2001:db8::/32 -j DROP
want4=$(pin "$REF/iptables-nft-save" | norm_save)
want6=$(pin "$REF/ip6tables-nft-save" | norm_save)
check "save --dir (uses the iptables-save next to it)" pin "$CP" save --dir "$D"
check_eq "rules.v4 is the save output" "$want4" "$(norm_save <"$D/rules.v4")"
check_eq "rules.v6 is the save output" "$want6" "$(norm_save <"$D/rules.v6")"
check_eq "rules.v4 mode 0640" 640 "$(stat -c %a "$D/rules.v4")"
check "flush" pin "$CP" flush
check_eq "flush: IPv4 empty, policies ACCEPT" "*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
COMMIT
*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
COMMIT" "$(pin "$REF/iptables-nft-save" | norm_save)"
check_eq "flush: IPv6 empty" "" "$(pin "$REF/ip6tables-nft-save" | grep -e '^-' -e ' DROP ')"
check "reload (CXTABLES_PERSISTENT_DIR)" pin env CXTABLES_PERSISTENT_DIR="$D" "$CP" reload
check_eq "reload: IPv4 back" "$want4" "$(pin "$REF/iptables-nft-save" | norm_save)"
check_eq "reload: IPv6 back" "$want6" "$(pin "$REF/ip6tables-nft-save" | norm_save)"
pin "$P/sbin/iptables" -A OUTPUT -d 198.51.100.7 -j DROP
check "reload --noflush" pin "$CP" reload --noflush --dir "$D" -4
check_eq "--noflush keeps a rule of a chain the file does not flush" "1" \
    "$(pin "$REF/iptables-nft-save" | grep -c -- '-A OUTPUT -d 198.51.100.7/32 -j DROP')"
printf '*filter\n-A INPUT -j NOSUCHTARGET\nCOMMIT\n' >"$D/rules.v6"
pin "$REF/ip6tables-nft-save" | norm_save >"$T/before6"
check_not "reload of a bad rules.v6 fails" pin "$CP" reload --dir "$D" -6
check_eq "... and loads nothing of it" "$(cat "$T/before6")" "$(pin "$REF/ip6tables-nft-save" | norm_save)"
rm -f "$D/rules.v6"
check "reload with no rules.v6 is not an error" pin "$CP" reload --dir "$D" -6
check "stop does nothing by default" pin env CXTABLES_PERSISTENT_DIR="$T/stop" "$CP" stop
check_not "... no file written" test -e "$T/stop/rules.v4"
check "stop with CXTABLES_SAVE_ON_STOP=yes" pin env CXTABLES_SAVE_ON_STOP=yes CXTABLES_PERSISTENT_DIR="$T/stop" "$CP" stop
check "... saved rules.v4" grep -q '^-A CXP -s 192.0.2.0/24 -j ACCEPT' "$T/stop/rules.v4"
check_not "usage error for an unknown action" "$CP" frobnicate
summary
