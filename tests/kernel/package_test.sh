#!/bin/bash
# package_test.sh: the Debian package (debian/), built, checked, installed and removed.
#
# Usage (root): tests/kernel/package_test.sh
#   DEB=<file.deb> skips the build and checks that package instead.
#
#   1. Builds the package from a clean export of the committed tree (git archive HEAD, or a
#      copy without build directories when there is no git), with
#      DEB_BUILD_OPTIONS="nocheck parallel=2": dpkg-buildpackage -us -uc -b.
#   2. lintian: no errors and no warnings.
#   3. Its files: the program, the 17 names in /usr/libexec/cxtables, cxtables-persistent
#      and its unit, the manual pages (each rendered by man --warnings without a warning),
#      the bash completion (compgen answers for partial command lines), the docs.
#   4. dpkg -i, dpkg -r, dpkg -P in a private mount namespace (overlays on /usr, /etc, /var,
#      so the machine's files, dpkg database and alternatives are never changed) and a
#      network namespace holding a ruleset: after install /usr/sbin/iptables* run cxtables
#      (alternatives, priority 30), the unit is not enabled, the ruleset is unchanged;
#      after remove and purge they run iptables-nft again, the group is in auto mode.
#      The machine's alternatives are compared before and after.
# Ends with "N passed, N failed".

HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"
ROOT=$(cd "$HERE/../.." && pwd)
NAMES="iptables ip6tables iptables-save ip6tables-save iptables-restore ip6tables-restore
iptables-nft ip6tables-nft iptables-nft-save ip6tables-nft-save iptables-nft-restore
ip6tables-nft-restore iptables-translate ip6tables-translate iptables-restore-translate
ip6tables-restore-translate xtables-monitor"
PAGES="cxtables cxtables-trace cxtables-apply cxtables-lint cxtables-persistent cxtables-optimize"

missing=
[ "$(id -u)" -eq 0 ] || missing="$missing root"
for t in dpkg-buildpackage dh lintian scdoc man unshare update-alternatives; do
    command -v $t >/dev/null 2>&1 || missing="$missing $t"
done
[ -f /usr/share/bash-completion/bash_completion ] || missing="$missing bash-completion"
[ -x /usr/sbin/iptables-nft ] || missing="$missing iptables"
if [ -n "$missing" ]; then
    fail "precondition: missing$missing (see .ci/packages.txt)"
    summary
    exit 1
fi

host_digest() {
    {
        for f in /etc/alternatives/iptables* /etc/alternatives/ip6tables*; do
            printf '%s -> %s\n' "$f" "$(readlink "$f")"
        done
        cat /var/lib/dpkg/alternatives/iptables /var/lib/dpkg/alternatives/ip6tables 2>/dev/null
        readlink -f /usr/sbin/iptables /usr/sbin/ip6tables /usr/sbin/iptables-save
        dpkg-query -W -f='${Status}\n' cxtables 2>/dev/null
    } | sha256sum
}
host_before=$(host_digest)
mktmp
T=$CXT_TMP

# 1. The build.
section "dpkg-buildpackage"
if [ -n "${DEB:-}" ]; then
    info "DEB=$DEB (not built)"
else
    SRC=$T/src/cxtables
    mkdir -p "$SRC"
    if git -C "$ROOT" rev-parse HEAD >/dev/null 2>&1; then
        git -C "$ROOT" archive HEAD | tar -x -C "$SRC"
        info "source: git archive $(git -C "$ROOT" rev-parse --short HEAD)"
    else
        tar -C "$ROOT" --exclude='./build*' --exclude='./obj-*' --exclude=./.git -cf - . |
            tar -x -C "$SRC"
    fi
    start=$(date +%s)
    if (cd "$SRC" && DEB_BUILD_OPTIONS="nocheck parallel=2" nice dpkg-buildpackage -us -uc -b) \
        >"$T/build.log" 2>&1; then
        pass "dpkg-buildpackage -us -uc -b ($(($(date +%s) - start)) s)"
    else
        fail "dpkg-buildpackage -us -uc -b"
        tail -40 "$T/build.log" | sed 's/^/    /'
    fi
    DEB=$(find "$T/src" -maxdepth 1 -name 'cxtables_*.deb' | head -1)
fi
if [ -z "$DEB" ] || [ ! -f "$DEB" ]; then
    fail "a cxtables_*.deb was built"
    summary
    exit 1
fi
info "package: $DEB"

# 2. lintian.
section "lintian"
lintian --tag-display-limit 0 "$DEB" >"$T/lintian.txt" 2>&1
sed 's/^/    /' "$T/lintian.txt"
check_eq "lintian: no errors, no warnings" "" "$(grep -E '^[EW]: ' "$T/lintian.txt")"

# 3. The files.
section "contents"
X=$T/x
dpkg-deb -x "$DEB" "$X"
check "/usr/sbin/cxtables is an executable file" test -f "$X/usr/sbin/cxtables" -a -x "$X/usr/sbin/cxtables"
bad=
for n in $NAMES; do
    [ "$(readlink -f "$X/usr/libexec/cxtables/$n")" == "$X/usr/sbin/cxtables" ] || bad="$bad $n"
done
check_eq "the 17 names in /usr/libexec/cxtables lead to /usr/sbin/cxtables" "" "$bad"
check "no /usr/sbin/iptables* in the package (Debian's iptables owns them)" \
    test -z "$(find "$X/usr/sbin" -name 'ip*tables*' -o -name 'xtables*')"
check "/usr/sbin/cxtables-persistent" test -x "$X/usr/sbin/cxtables-persistent"
check "cxtables-persistent runs the names in /usr/libexec/cxtables" \
    grep -q 'CXTABLES_SBIN:-/usr/libexec/cxtables}' "$X/usr/sbin/cxtables-persistent"
UNIT=$X/lib/systemd/system/cxtables-persistent.service
check_eq "the unit runs /usr/sbin/cxtables-persistent" \
    "ExecStart=/usr/sbin/cxtables-persistent reload
ExecReload=/usr/sbin/cxtables-persistent reload
ExecStop=/usr/sbin/cxtables-persistent stop" "$(grep ^Exec "$UNIT" 2>&1)"
check "bash completion in /usr/share/bash-completion/completions/cxtables" \
    test -f "$X/usr/share/bash-completion/completions/cxtables"
for d in README.md.gz trace.md.gz ruleset.schema.json copyright changelog.gz; do
    check "/usr/share/doc/cxtables/$d" test -f "$X/usr/share/doc/cxtables/$d"
done
check "/usr/sbin/cxtables --version names iptables v1.8.9" \
    bash -c "'$X/usr/sbin/cxtables' --version | grep -q 'following iptables v1.8.9'"
out=$("$X/usr/sbin/cxtables" --help)
bad=
for w in trace apply lint "save --json" "restore --json" $NAMES; do
    grep -qF -- "$w" <<<"$out" || bad="$bad $w"
done
check_eq "cxtables --help names every command and name" "" "$bad"

section "manual pages"
for p in $PAGES; do
    f=$X/usr/share/man/man8/$p.8.gz
    if [ ! -f "$f" ]; then
        fail "$p(8) installed"
        continue
    fi
    warn=$(MANWIDTH=80 man --warnings -l "$f" 2>&1 >"$T/$p.txt")
    check_eq "$p(8) renders without warnings" "" "$warn"
done
# Each command's options in its --help are in its page.
for c in trace apply lint optimize; do
    bad=
    for o in $("$X/usr/sbin/cxtables" "$c" --help | grep -oE -- '--[a-z][a-z-]+' | sort -u); do
        zcat "$X/usr/share/man/man8/cxtables-$c.8.gz" | grep -qF -- "\\fB$o\\fR" || bad="$bad $o"
    done
    check_eq "every option of cxtables $c --help is in cxtables-$c(8)" "" "$bad"
done

section "bash completion"
comp() {
    bash -c '
        . /usr/share/bash-completion/bash_completion
        . "$1"
        line=$2
        read -ra COMP_WORDS <<<"$line"
        [[ $line == *" " ]] && COMP_WORDS+=("")
        COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
        COMP_LINE=$line
        COMP_POINT=${#line}
        complete -p cxtables >/dev/null || exit 1
        _cxtables cxtables "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
        printf "%s\n" "${COMPREPLY[@]}" | LC_ALL=C sort | tr "\n" " "
    ' _ "$X/usr/share/bash-completion/completions/cxtables" "$1"
}
check_eq "cxtables tr<Tab>" "trace " "$(comp "cxtables tr")"
check_eq "cxtables -<Tab>" "--help --version -V -h " "$(comp "cxtables -")"
check_eq "cxtables ip6tables-s<Tab>" "ip6tables-save " "$(comp "cxtables ip6tables-s")"
check_eq "cxtables lint --<Tab>" "--help --json --netns " "$(comp "cxtables lint --")"
check_eq "cxtables apply --co<Tab>" "--confirm " "$(comp "cxtables apply --co")"
check_eq "cxtables apply --c<Tab>" "--check --confirm " "$(comp "cxtables apply --c")"
check_eq "cxtables trace --ct<Tab>" "--ctdir --ctstate --ctstatus " "$(comp "cxtables trace --ct")"
check_eq "cxtables save -t n<Tab>" "nat " "$(comp "cxtables save -t n")"
check_eq "cxtables restore --j<Tab>" "--json " "$(comp "cxtables restore --j")"

# 4. dpkg -i / -r / -P in private mount and network namespaces.
section "dpkg -i, -r, -P (private mount and network namespaces)"
cat >"$T/inside.sh" <<'EOF'
set -u
T=$1 DEB=$2
mount --make-rprivate /
for d in usr etc var; do
    mkdir -p "$T/ov/$d/upper" "$T/ov/$d/work"
    mount -t overlay overlay -o "lowerdir=/$d,upperdir=$T/ov/$d/upper,workdir=$T/ov/$d/work" "/$d" || exit 1
done
# On a machine run by systemd, the maintainer scripts would ask it to reload: hide it.
[ -d /run/systemd ] && mount -t tmpfs tmpfs /run/systemd
say() { printf '%s=%s\n' "$1" "$2"; }
rules() { /usr/sbin/iptables-nft-save | grep -v '^#'; /usr/sbin/ip6tables-nft-save | grep -v '^#'; }
/usr/sbin/iptables-nft -N CXPKG && /usr/sbin/iptables-nft -A INPUT -p tcp --dport 22 -j CXPKG &&
    /usr/sbin/iptables-nft -A CXPKG -s 192.0.2.0/24 -j ACCEPT && /usr/sbin/ip6tables-nft -P FORWARD DROP
before=$(rules)
say before.ipt "$(readlink -f /usr/sbin/iptables)"
dpkg -i "$DEB" >"$T/dpkg-i.log" 2>&1; say install.rc $?
say install.ipt "$(readlink -f /usr/sbin/iptables)"
say install.save6 "$(readlink -f /usr/sbin/ip6tables-save)"
say install.restore "$(readlink -f /usr/sbin/iptables-restore)"
say install.value "$(update-alternatives --query iptables | sed -n 's/^Value: //p')"
say install.prio "$(update-alternatives --query ip6tables | grep -A1 '^Alternative: /usr/libexec/cxtables/ip6tables-nft' | sed -n 's/^Priority: //p')"
say install.slaves "$(update-alternatives --query iptables | grep -A4 '^Alternative: /usr/libexec/cxtables/iptables-nft' | grep -c '/usr/libexec/cxtables/iptables-nft-')"
say install.enabled "$(ls /etc/systemd/system/*/cxtables-persistent.service 2>/dev/null)"
[ "$(rules)" == "$before" ]; say install.rules $?
say install.list "$(/usr/sbin/iptables -S CXPKG 2>&1 | tr '\n' ' ')"
say install.man "$(man -w cxtables-trace 2>&1)"
dpkg -r cxtables >"$T/dpkg-r.log" 2>&1; say remove.rc $?
say remove.ipt "$(readlink -f /usr/sbin/iptables)"
say remove.save6 "$(readlink -f /usr/sbin/ip6tables-save)"
say remove.status "$(update-alternatives --query iptables | sed -n 's/^Status: //p')"
say remove.left "$(update-alternatives --list iptables | grep -c cxtables)"
say remove.files "$(ls /usr/sbin/cxtables /usr/libexec/cxtables 2>/dev/null)"
[ "$(rules)" == "$before" ]; say remove.rules $?
dpkg -P cxtables >"$T/dpkg-P.log" 2>&1; say purge.rc $?
st=$(dpkg-query -W -f='${db:Status-Status}' cxtables 2>/dev/null)
say purge.status "${st:-unknown}"
# A group set by hand stays as set: install, choose iptables-legacy, remove.
dpkg -i "$DEB" >>"$T/dpkg-i.log" 2>&1
update-alternatives --set iptables /usr/sbin/iptables-legacy >/dev/null
dpkg -r cxtables >>"$T/dpkg-r.log" 2>&1
say manual.ipt "$(readlink -f /usr/sbin/iptables)"
say manual.ip6t "$(readlink -f /usr/sbin/ip6tables)"
EOF
# shellcheck disable=SC2016  # expanded by the inner shell
unshare -m -n bash -c 'ip link set lo up; bash "$1" "$2" "$3"' _ "$T/inside.sh" "$T" "$DEB" >"$T/inside.out" 2>"$T/inside.err"
sed 's/^/    /' "$T/inside.err"
get() { sed -n "s/^$1=//p" "$T/inside.out"; }
check_eq "before: /usr/sbin/iptables is iptables-nft" /usr/sbin/xtables-nft-multi "$(get before.ipt)"
check_eq "dpkg -i succeeds" 0 "$(get install.rc)"
[ "$(get install.rc)" == 0 ] || sed 's/^/    /' "$T/dpkg-i.log"
check_eq "installed: /usr/sbin/iptables runs cxtables" /usr/sbin/cxtables "$(get install.ipt)"
check_eq "installed: /usr/sbin/ip6tables-save runs cxtables" /usr/sbin/cxtables "$(get install.save6)"
check_eq "installed: /usr/sbin/iptables-restore runs cxtables" /usr/sbin/cxtables "$(get install.restore)"
check_eq "installed: iptables group on /usr/libexec/cxtables/iptables-nft" \
    /usr/libexec/cxtables/iptables-nft "$(get install.value)"
check_eq "installed: ip6tables alternative of priority 30" 30 "$(get install.prio)"
check_eq "installed: slaves -restore and -save" 2 "$(get install.slaves)"
check_eq "installed: cxtables-persistent.service not enabled" "" "$(get install.enabled)"
check_eq "installed: the ruleset is unchanged" 0 "$(get install.rules)"
check_eq "installed: iptables -S lists what iptables-nft wrote" \
    "-N CXPKG -A CXPKG -s 192.0.2.0/24 -j ACCEPT " "$(get install.list)"
check_eq "installed: man finds cxtables-trace(8)" \
    /usr/share/man/man8/cxtables-trace.8.gz "$(get install.man)"
check_eq "dpkg -r succeeds" 0 "$(get remove.rc)"
check_eq "removed: /usr/sbin/iptables is iptables-nft again" /usr/sbin/xtables-nft-multi "$(get remove.ipt)"
check_eq "removed: /usr/sbin/ip6tables-save is iptables-nft again" /usr/sbin/xtables-nft-multi "$(get remove.save6)"
check_eq "removed: the iptables group is in auto mode" auto "$(get remove.status)"
check_eq "removed: no cxtables alternative left" 0 "$(get remove.left)"
check_eq "removed: the files are gone" "" "$(get remove.files)"
check_eq "removed: the ruleset is unchanged" 0 "$(get remove.rules)"
check_eq "dpkg -P succeeds" 0 "$(get purge.rc)"
check "purged: dpkg no longer knows cxtables" \
    test "$(get purge.status)" == unknown -o "$(get purge.status)" == not-installed
check_eq "a group set by hand (iptables-legacy) stays so after remove" \
    /usr/sbin/xtables-legacy-multi "$(get manual.ipt)"
check_eq "the other group goes back to iptables-nft" /usr/sbin/xtables-nft-multi "$(get manual.ip6t)"

check_eq "the machine's alternatives and dpkg status are unchanged" "$host_before" "$(host_digest)"
summary
