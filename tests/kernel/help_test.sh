#!/bin/bash
# help_test.sh: every help text against the reference, byte for byte with the exit code:
# "-m NAME -h" / "-j NAME -h" for each extension we implement (both families where the
# reference has it), and the combinations that decide which extension helps are printed
# (verdict targets print the "standard" one, the target's help before the matches', -p's
# match only when no match was loaded, nothing after the first -h is read).
# No rules are changed: -h exits before anything touches the kernel.
#
# Usage: [BIN=DIR] [REF=DIR] tests/kernel/help_test.sh
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/kernel/lib.sh
. "$HERE/lib.sh"
need_env
ROOT=$(cd "$HERE/../.." && pwd)

same() {  # same FAMILY ARGS...: ours and the reference print the same and exit alike
    local v=$1 ours ref
    shift
    ours=$("$BIN/ip${v}tables" "$@" 2>&1; echo "rc=$?")
    ref=$("$REF/ip${v}tables-nft" "$@" 2>&1; echo "rc=$?")
    [ "$ours" == "$ref" ]
}

section "extension helps"
n=0
bad=()
# The names and families come from our own type definitions, so a new extension is checked
# at once.
while read -r name kind fams; do
    opt=-m
    [ "$kind" == true ] && opt=-j
    for v in $fams; do
        [ "$v" == 4 ] && v=""
        n=$((n + 1))
        same "$v" "$opt" "$name" -h || bad+=("ip${v}tables $opt $name -h")
    done
done < <(python3 - "$ROOT"/src/ext/matches/*.cpp "$ROOT"/src/ext/targets/*.cpp <<'PY'
import re, sys
for path in sys.argv[1:]:
    text = open(path).read()
    for kind, name, fam in re.findall(
            r'extern const (Match|Target)Type \w+ = \{\s*"([^"]+)",\s*(kBoth|kV4|kV6)', text):
        fams = {"kBoth": "4 6", "kV4": "4", "kV6": "6"}[fam]
        print(name, "true" if kind == "Target" else "false", fams)
PY
)
# "4" stands for the IPv4 binaries (no digit in the name).
if [ ${#bad[@]} -eq 0 ] && [ "$n" -gt 150 ]; then
    pass "$n extension helps are the reference's"
else
    fail "extension helps: $n compared, ${#bad[@]} differ: ${bad[*]:0:10}"
fi

section "which helps are printed"
bad=()
n=0
for v in "" 6; do
    for t in ACCEPT DROP RETURN QUEUE NO-SUCH-CHAIN LOG MARK; do
        for pre in "" "-A INPUT" "-h" "-p tcp" "-m limit" "-p udp -m multiport -m comment" \
            "-p tcp -m tcp" "-m comment -p tcp"; do
            n=$((n + 1))
            # shellcheck disable=SC2086
            same "$v" $pre -j "$t" -h || bad+=("ip${v}tables $pre -j $t -h")
        done
    done
    for a in "-h" "-h -Z" "-h --foo" "-L -h" "-p icmp -h" "-p udp -h -m tcp"; do
        n=$((n + 1))
        # shellcheck disable=SC2086
        same "$v" $a || bad+=("ip${v}tables $a")
    done
done
if [ ${#bad[@]} -eq 0 ]; then
    pass "$n help commands print what the reference prints"
else
    fail "${#bad[@]} of $n help commands differ: ${bad[*]:0:10}"
fi

section "cxtables --help and --version"
for a in -h --help; do
    out=$("$BIN/cxtables" "$a" 2>&1)
    check_eq "cxtables $a exits 0" 0 "$?"
    bad=
    for w in trace apply lint "save --json" "restore --json" iptables ip6tables-restore \
        iptables-nft-save ip6tables-restore-translate xtables-monitor; do
        grep -qF -- "$w" <<<"$out" || bad="$bad $w"
    done
    check_eq "cxtables $a lists the commands and names" "" "$bad"
done
out=$("$BIN/cxtables" 2>&1)
check_eq "cxtables alone: usage, exit 2" "2 usage: cxtables COMMAND [OPTIONS...]" "$? $(head -1 <<<"$out")"
ver=$(sed -n 's/^project(cxtables VERSION \([0-9.]*\).*/\1/p' "$ROOT/CMakeLists.txt")
for a in -V --version; do
    check_eq "cxtables $a" "cxtables $ver, following iptables v1.8.9 (nf_tables)" \
        "$("$BIN/cxtables" "$a" 2>&1)"
done
check_eq "cxtables iptables --version is iptables'" "iptables v1.8.9 (nf_tables)" \
    "$("$BIN/cxtables" iptables --version 2>&1)"

summary
