#!/bin/bash
# restore_stream_test.sh: iptables-restore reads its input as it goes (file, pipe, or a file
# named on the command line) and finds the rules a batch added when a later -D of the same
# batch asks for them. Each input runs with build/sbin in one namespace and the reference
# iptables-nft-restore in a twin; exit status, messages and the ruleset that results (save
# text, and the kernel's own listing with handles) must be the same.
#
# Usage: [BIN=DIR] [REF=DIR] tests/kernel/restore_stream_test.sh
# Ends with "N passed, N failed".

HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"
need_env
mktmp
T=$CXT_TMP

OURS=$(ns_name ours)
THEIRS=$(ns_name ref)
ns_add "$OURS"
ns_add "$THEIRS"

# The ruleset both namespaces start each case from.
BASE='*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:KEEP - [0:0]
-A INPUT -s 192.0.2.1/32 -j DROP
-A INPUT -s 192.0.2.2/32 -j DROP
-A KEEP -p tcp -m tcp --dport 22 -j ACCEPT
COMMIT
'

# run_case NAME MODE [RESTORE-OPTIONS...] < INPUT: MODE is file (stdin redirected from a file),
# pipe (stdin a pipe) or arg (the file named as an argument).
run_case() {
    local name=$1 mode=$2; shift 2
    local input="$T/$name.in"
    cat >"$input"
    local side ns dir rc
    for side in ours ref; do
        if [ $side = ours ]; then ns=$OURS dir=$BIN; else ns=$THEIRS dir=$REF; fi
        ip netns exec "$ns" nft flush ruleset
        ip netns exec "$ns" "$dir/iptables-restore" <<<"$BASE" || fail "$name: base ruleset ($side)"
        case $mode in
            file) ip netns exec "$ns" "$dir/iptables-restore" "$@" <"$input" \
                      >"$T/$name.$side.out" 2>"$T/$name.$side.err"; rc=$? ;;
            pipe) cat "$input" | ip netns exec "$ns" "$dir/iptables-restore" "$@" \
                      >"$T/$name.$side.out" 2>"$T/$name.$side.err"; rc=$? ;;
            arg)  ip netns exec "$ns" "$dir/iptables-restore" "$@" "$input" \
                      >"$T/$name.$side.out" 2>"$T/$name.$side.err"; rc=$? ;;
        esac
        echo "$rc" >"$T/$name.$side.rc"
        ip netns exec "$ns" "$REF/iptables-save" | grep -v '^#' >"$T/$name.$side.save"
        ip netns exec "$ns" nft -a list ruleset >"$T/$name.$side.nft" 2>&1
    done
    check_eq "$name ($mode): exit status" "$(cat "$T/$name.ref.rc")" "$(cat "$T/$name.ours.rc")"
    # The program name in messages is the same for both: iptables-restore.
    check_eq "$name ($mode): messages" "$(cat "$T/$name.ref.err")" "$(cat "$T/$name.ours.err")"
    check_eq "$name ($mode): output" "$(cat "$T/$name.ref.out")" "$(cat "$T/$name.ours.out")"
    check_eq "$name ($mode): ruleset" "$(cat "$T/$name.ref.save")" "$(cat "$T/$name.ours.save")"
    check_eq "$name ($mode): kernel objects and handles" "$(cat "$T/$name.ref.nft")" \
        "$(cat "$T/$name.ours.nft")"
}

for mode in file pipe arg; do
    section "deletes of rules the same batch added ($mode)"
    run_case added-then-deleted $mode --noflush <<'IN'
*filter
-A INPUT -s 198.51.100.1/32 -j ACCEPT
-A INPUT -s 198.51.100.2/32 -j ACCEPT
-I INPUT 1 -s 198.51.100.3/32 -j ACCEPT
-D INPUT -s 198.51.100.2/32 -j ACCEPT
-A INPUT -s 198.51.100.2/32 -j ACCEPT
-D INPUT -s 198.51.100.3/32 -j ACCEPT
COMMIT
IN
    # A spec both in the kernel and added by the batch: the first in chain order goes, and a
    # head insert comes before the kernel's rules.
    run_case kernel-and-batch $mode --noflush <<'IN'
*filter
-A INPUT -s 192.0.2.1/32 -j DROP
-I INPUT -s 192.0.2.2/32 -j DROP
-D INPUT -s 192.0.2.1/32 -j DROP
-D INPUT -s 192.0.2.2/32 -j DROP
-D INPUT -s 192.0.2.2/32 -j DROP
COMMIT
IN
    run_case flushed-table $mode <<'IN'
# comment before the table
*filter
:INPUT ACCEPT [0:0]
:NEW - [0:0]
-A NEW -p udp -m udp --dport 53 -j ACCEPT
-A NEW -p udp -m udp --dport 53 -j ACCEPT
-A INPUT -j NEW
-D NEW -p udp -m udp --dport 53 -j ACCEPT
COMMIT
IN
    run_case delete-missing $mode --noflush <<'IN'
*filter
-A INPUT -s 198.51.100.9/32 -j ACCEPT
-D INPUT -s 198.51.100.8/32 -j ACCEPT
COMMIT
IN
    run_case two-tables-crlf $mode <<'IN'
*filter
:INPUT DROP [0:0]
-A INPUT -i lo -j ACCEPT
-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-D INPUT -i lo -j ACCEPT
COMMIT
*nat
:POSTROUTING ACCEPT [0:0]
-A POSTROUTING -o eth0 -j MASQUERADE
COMMIT
IN
    # Jumps are checked in the order of the table: to a chain declared only later, to one
    # deleted before, and to one deleted after the jump (the kernel refuses that one).
    run_case jump-forward $mode < <(printf '*filter\n-A INPUT -j BAR\n:BAR - [0:0]\nCOMMIT\n')
    run_case jump-deleted-before $mode < <(printf '*filter\n:FOO - [0:0]\n-X FOO\n-A INPUT -j FOO\nCOMMIT\n')
    run_case jump-deleted-after $mode < <(printf '*filter\n:FOO - [0:0]\n-A INPUT -j FOO\n-X FOO\nCOMMIT\n')
    run_case no-final-newline $mode < <(printf '*filter\n-A INPUT -j ACCEPT\n-D INPUT -j ACCEPT\nCOMMIT')
    # CRLF line ends: the '\r' is part of the line (a table name, a target, COMMIT).
    run_case crlf $mode < <(printf '*filter\r\n-A INPUT -j ACCEPT\r\nCOMMIT\r\n')
    run_case crlf-target $mode < <(printf '*filter\n-A INPUT -j ACCEPT\r\nCOMMIT\n')
    run_case crlf-commit $mode < <(printf '*filter\n-A INPUT -j ACCEPT\nCOMMIT\r\n')
    run_case error-midway $mode < <(printf '*filter\n-A INPUT -j ACCEPT\n-A INPUT -j NOPE\nCOMMIT\n')
done

# A long input through a pipe: 20000 rules and deletes of some of them at the end.
section "a long input through a pipe"
python3 - >"$T/long.in" <<'PY'
print("*filter")
print(":BIG - [0:0]")
for i in range(20000):
    print("-A BIG -s 203.0.113.%d/32 -p tcp -m tcp --dport %d -j ACCEPT" % (i % 254 + 1, 1024 + i))
for i in range(0, 20000, 1000):
    print("-D BIG -s 203.0.113.%d/32 -p tcp -m tcp --dport %d -j ACCEPT" % (i % 254 + 1, 1024 + i))
print("COMMIT")
PY
run_case long-pipe pipe --noflush <"$T/long.in"

summary
