#!/bin/bash
# foreign_rules_test.sh: rules other tools wrote (nft scripts in tests/foreign/cases) listed by
# BIN's iptables-nft -S / -S CHAIN / -S -v / -L -n -v -x --line-numbers / iptables-nft-save
# exactly as the reference recorded them (tests/foreign/expected), except where
# tests/foreign/deviations says we refuse a rule iptables-nft would list as something else.
# Each scenario runs in its own network namespace (unshare -n).
# Then -Z CHAIN N on native rules: one the reference cannot parse gives the reference's
# message and exit status; one with an anonymous set (the reference would rebuild it as a
# wider rule, and the kernel refuses the set in a replacement) is refused the same way, the
# kernel unchanged.
#
# Usage: [BIN=DIR] tests/kernel/foreign_rules_test.sh
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/kernel/lib.sh
. "$HERE/lib.sh"
need_env
section "foreign rules"
if out=$(BIN=$BIN "$HERE/../foreign/run.sh" check 2>&1); then
    pass "$(printf '%s\n' "$out" | tail -n 1)"
else
    printf '%s\n' "$out" | tail -n 60
    fail "$(printf '%s\n' "$out" | tail -n 1)"
fi

section "-Z CHAIN N on native rules"
mktmp
NS=$(ns_name z)
ns_add "$NS"
ip netns exec "$NS" nft -f - <<'EOF'
table ip filter {
    chain INPUT {
        type filter hook input priority 0; policy accept;
        ct state established counter packets 5 bytes 500 accept
        ip saddr { 192.0.2.1, 192.0.2.2 } counter packets 7 bytes 700 accept
    }
}
EOF
before=$(ip netns exec "$NS" nft list ruleset)
for n in 1 2; do
    ours=$(ip netns exec "$NS" "$BIN/iptables" -Z INPUT "$n" 2>&1; echo "rc=$?")
    ref=$(ip netns exec "$NS" "$REF/iptables-nft" -Z INPUT "$n" 2>&1; echo "rc=$?")
    [ "$n" == 1 ] && check_eq "-Z INPUT 1 (ct state): the reference's message and exit status" "$ref" "$ours"
    [ "$n" == 2 ] && check_eq "-Z INPUT 2 (anonymous set): refused as the listing refuses it" \
        "Error: set lookup not supported
iptables v1.8.9 (nf_tables): Parsing nftables rule failed
Perhaps iptables or your kernel needs to be upgraded.
rc=3" "$ours"
    [ "$n" == 1 ] && check_eq "the kernel is unchanged" "$before" "$(ip netns exec "$NS" nft list ruleset)"
done
summary
