#!/bin/bash
# foreign_rules_test.sh: rules other tools wrote (nft scripts in tests/foreign/cases) listed by
# BIN's iptables-nft -S / -S CHAIN / -S -v / -L -n -v -x --line-numbers / iptables-nft-save
# exactly as the reference recorded them (tests/foreign/expected), except where
# tests/foreign/deviations says we refuse a rule iptables-nft would list as something else.
# Each scenario runs in its own network namespace (unshare -n).
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
summary
