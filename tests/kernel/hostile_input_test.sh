#!/bin/bash
# hostile_input_test.sh: oversized and malformed input gets a clear error or works; never a
# crash, never a hang, never a half-applied ruleset.
#
# Usage: [BIN=DIR] [HOSTILE_TIMEOUT=120] [HOSTILE_CHAINS=100000] tests/kernel/hostile_input_test.sh
#
# Every command runs under timeout(1) (HOSTILE_TIMEOUT seconds). For each input:
#   - the exit status is 0 (works) or 1/2/4 (an error), never 124 (hang) or >= 128 (signal);
#   - an error comes with a message on stderr, and leaves the ruleset byte-identical;
#   - where the reference iptables-nft is named below, the outcome (works / error) is the
#     reference's, and for the 1000-port multiport, so is the message.
# Inputs: 10 MB restore lines of several shapes (one huge comment, one huge word, a huge
# port list, millions of words, NUL bytes), 1 MB of random bytes, 100k chains in one restore
# (listed, saved and deleted again), a 1000-port multiport as a command and in a restore,
# and command lines with 100k arguments.
# Ends with "N passed, N failed".

HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"
need_env
mktmp
T=$CXT_TMP

HOSTILE_TIMEOUT=${HOSTILE_TIMEOUT:-120}
HOSTILE_CHAINS=${HOSTILE_CHAINS:-100000}
for t in nft python3; do
    command -v "$t" >/dev/null 2>&1 || { fail "precondition: missing command $t"; summary; exit 1; }
done

NS=$(ns_name hostile)
RNS=$(ns_name hostileref)
ns_add "$NS" || { fail "create namespace"; summary; exit 1; }
ns_add "$RNS" || { fail "create namespace"; summary; exit 1; }

KNOWN='*filter
:INPUT ACCEPT [0:0]
:KEEP - [0:0]
-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT
-A INPUT -s 192.0.2.0/24 -j KEEP
-A KEEP -m comment --comment "still here" -j ACCEPT
COMMIT'
load_known() {
    ip netns exec "$NS" nft flush ruleset && ip netns exec "$RNS" nft flush ruleset &&
        ip netns exec "$NS" "$BIN/iptables-restore" <<<"$KNOWN" &&
        ip netns exec "$RNS" "$REF/iptables-nft-restore" <<<"$KNOWN"
}
snap() { ip netns exec "$1" nft -a list ruleset 2>&1; }

# outcome RC: "works", "error" or what went wrong.
outcome() {
    case "$1" in
        0) echo works ;;
        1 | 2 | 3 | 4) echo error ;;
        124) echo "hang (killed after ${HOSTILE_TIMEOUT}s)" ;;
        *) if [ "$1" -ge 128 ]; then echo "crash (signal $(( $1 - 128 )))"; else echo "exit $1"; fi ;;
    esac
}

# hostile NAME INPUT CMD...: run CMD (ours) with stdin from the file INPUT in NS over the
# known ruleset and judge the outcome. When the array REF_CMD is set, that reference command
# runs on the same input in RNS and must have the same outcome (works / error); hostile
# clears REF_CMD afterwards.
REF_CMD=()
hostile() {
    local name=$1 input=$2; shift 2
    load_known || { fail "$name: could not load the known ruleset"; return; }
    local before after rc t0 ms err oc rrc roc
    before=$(snap "$NS")
    t0=$(date +%s%N)
    ip netns exec "$NS" timeout "$HOSTILE_TIMEOUT" "$@" <"$input" >"$T/out" 2>"$T/err"
    rc=$?
    ms=$(( ($(date +%s%N) - t0) / 1000000 ))
    after=$(snap "$NS")
    err=$(head -c 200 "$T/err" | head -n 1)
    oc=$(outcome "$rc")
    case "$oc" in
        works) pass "$name: works (${ms} ms)" ;;
        error)
            if [ -n "$err" ]; then
                pass "$name: clear error, exit $rc, ${ms} ms: $err"
            else
                fail "$name: exit $rc without a message"
            fi
            check_eq "$name: ruleset byte-identical after the error" "$before" "$after"
            ;;
        *) fail "$name: $oc after ${ms} ms" ;;
    esac
    if [ ${#REF_CMD[@]} -gt 0 ]; then
        ip netns exec "$RNS" timeout "$HOSTILE_TIMEOUT" "${REF_CMD[@]}" <"$input" >/dev/null 2>"$T/referr"
        rrc=$?
        roc=$(outcome "$rrc")
        check_eq "$name: same outcome as the reference ($(head -c 100 "$T/referr" | head -n 1))" \
            "$roc" "$oc"
    fi
    REF_CMD=()
}

section "10 MB restore lines"
gen() {  # gen KIND FILE: the restore files, from python (deterministic)
    python3 - "$1" "$2" <<'PY'
import random, sys
kind, path = sys.argv[1], sys.argv[2]
n = 10 * 1024 * 1024
with open(path, "wb") as f:
    if kind == "comment":
        f.write(b'*filter\n-A INPUT -m comment --comment "' + b"x" * n + b'" -j ACCEPT\nCOMMIT\n')
    elif kind == "word":
        f.write(b"*filter\n-A INPUT -j " + b"C" * n + b"\nCOMMIT\n")
    elif kind == "chainline":
        f.write(b"*filter\n:" + b"C" * n + b" - [0:0]\nCOMMIT\n")
    elif kind == "ports":
        ports = b",".join(str(i % 65535 + 1).encode() for i in range(n // 6))
        f.write(b"*filter\n-A INPUT -p tcp -m multiport --dports " + ports + b" -j ACCEPT\nCOMMIT\n")
    elif kind == "words":
        f.write(b"*filter\n-A INPUT " + b"a " * (n // 2) + b"\nCOMMIT\n")
    elif kind == "sflags":
        f.write(b"*filter\n-A INPUT " + b"-s 192.0.2.1 " * (n // 13) + b"-j ACCEPT\nCOMMIT\n")
    elif kind == "quotes":
        f.write(b'*filter\n-A INPUT -m comment --comment "' + b'\\"' * (n // 2) + b'\nCOMMIT\n')
    elif kind == "nul":
        f.write(b"*filter\n-A INPUT -s 192.0.2.1\x00" + b"\x00" * n + b" -j ACCEPT\nCOMMIT\n")
    elif kind == "commentline":
        f.write(b"*filter\n#" + b"x" * n + b"\n-A INPUT -s 198.51.100.1/32 -j ACCEPT\nCOMMIT\n")
    elif kind == "random":
        rnd = random.Random(6)
        f.write(bytes(rnd.getrandbits(8) for _ in range(1024 * 1024)))
    elif kind == "randomtable":
        rnd = random.Random(7)
        f.write(b"*filter\n" + bytes(rnd.getrandbits(8) for _ in range(1024 * 1024)) + b"\nCOMMIT\n")
PY
}
for kind in comment word chainline ports words sflags quotes nul commentline random randomtable; do
    gen "$kind" "$T/$kind.rules"
done
# The reference stops a rule line's word at 1023 bytes ("Parameter too long!") and its words
# at 250 ("Parser cannot handle more arguments"); so do we.
for kind in "comment:10 MB comment" "word:10 MB target name" \
    "chainline:10 MB chain name in a :chain line" "ports:10 MB multiport list (1.7M ports)" \
    "words:10 MB line of 5M words" "sflags:10 MB line of 800k -s options" \
    "quotes:10 MB of escaped quotes, unterminated"; do
    REF_CMD=("$REF/iptables-nft-restore")
    hostile "${kind#*:}" "$T/${kind%%:*}.rules" "$BIN/iptables-restore"
done
# Not compared: the reference reads lines in 10 KB pieces (fgets) and ends a line at a NUL
# byte, so it reads these as other lines than they are; we take each line whole.
hostile "10 MB of NUL bytes in a rule line" "$T/nul.rules" "$BIN/iptables-restore"
hostile "10 MB comment line, then a rule" "$T/commentline.rules" "$BIN/iptables-restore"
REF_CMD=("$REF/iptables-nft-restore")
hostile "1 MB of random bytes" "$T/random.rules" "$BIN/iptables-restore"
hostile "1 MB of random bytes inside *filter" "$T/randomtable.rules" "$BIN/iptables-restore"
hostile "1 MB of random bytes (ip6tables-restore)" "$T/random.rules" "$BIN/ip6tables-restore"
hostile "1 MB of random bytes (--noflush --test)" "$T/random.rules" "$BIN/iptables-restore" -n -t

section "$HOSTILE_CHAINS chains in one restore"
python3 -c "
import sys
n = int(sys.argv[1])
print('*filter')
for i in range(n):
    print(':C%d - [0:0]' % i)
print('-A INPUT -j C%d' % (n - 1))
print('COMMIT')" "$HOSTILE_CHAINS" >"$T/chains.rules"
: >"$T/empty"
ip netns exec "$NS" nft flush ruleset
t0=$(date +%s%N)
ip netns exec "$NS" timeout "$HOSTILE_TIMEOUT" "$BIN/iptables-restore" "$T/chains.rules" 2>"$T/err"
rc=$?
info "restore of $HOSTILE_CHAINS chains: exit $rc after $(( ($(date +%s%N) - t0) / 1000000 )) ms"
check_eq "restore of $HOSTILE_CHAINS chains works ($(head -n 1 "$T/err"))" works "$(outcome "$rc")"
ip netns exec "$NS" timeout "$HOSTILE_TIMEOUT" "$BIN/iptables-save" >"$T/saved" 2>"$T/err"
rc=$?
check_eq "iptables-save of $HOSTILE_CHAINS chains works" works "$(outcome "$rc")"
check_eq "iptables-save lists all $HOSTILE_CHAINS chains" "$HOSTILE_CHAINS" "$(grep -c '^:C' "$T/saved")"
check "... and the jump to the last one" grep -qx -- "-A INPUT -j C$((HOSTILE_CHAINS - 1))" "$T/saved"
check_eq "the reference lists as many" "$HOSTILE_CHAINS" \
    "$(ip netns exec "$NS" timeout "$HOSTILE_TIMEOUT" "$REF/iptables-nft-save" | grep -c '^:C')"
t0=$(date +%s%N)
ip netns exec "$NS" timeout "$HOSTILE_TIMEOUT" "$BIN/iptables" -L -n >"$T/list" 2>"$T/err"
rc=$?
info "iptables -L -n: exit $rc after $(( ($(date +%s%N) - t0) / 1000000 )) ms"
check_eq "iptables -L -n of $HOSTILE_CHAINS chains works" works "$(outcome "$rc")"
check_eq "iptables -L -n shows every chain" $((HOSTILE_CHAINS + 3)) "$(grep -c '^Chain ' "$T/list")"
ip netns exec "$NS" timeout "$HOSTILE_TIMEOUT" "$BIN/iptables" -A C7 -s 192.0.2.7 -j ACCEPT
rc=$?
check_eq "iptables -A into one of $HOSTILE_CHAINS chains works" works "$(outcome "$rc")"
ip netns exec "$NS" timeout "$HOSTILE_TIMEOUT" "$BIN/iptables" -F
ip netns exec "$NS" timeout "$HOSTILE_TIMEOUT" "$BIN/iptables" -X
rc=$?
check_eq "iptables -X of $HOSTILE_CHAINS chains works" works "$(outcome "$rc")"
check_eq "no user chain left" 0 "$(ip netns exec "$NS" "$BIN/iptables" -S | grep -c '^-N')"

section "1000-port multiport"
ports=$(seq -s, 1 1000)
ports15=$(seq -s, 1 15)
load_known
before=$(snap "$NS")
ip netns exec "$NS" timeout "$HOSTILE_TIMEOUT" "$BIN/iptables" -A INPUT -p tcp -m multiport \
    --dports "$ports" -j ACCEPT >/dev/null 2>"$T/err"
rc=$?
ip netns exec "$RNS" "$REF/iptables-nft" -A INPUT -p tcp -m multiport --dports "$ports" \
    -j ACCEPT >/dev/null 2>"$T/referr"
rrc=$?
check_eq "iptables -m multiport --dports 1,...,1000: exit status as the reference's" "$rrc" "$rc"
check_eq "iptables -m multiport --dports 1,...,1000: the reference's message" \
    "$(sed "s|$REF/iptables-nft|iptables|g" "$T/referr")" "$(cat "$T/err")"
check "... which says too many ports specified" grep -q "too many ports specified" "$T/err"
check_eq "iptables -m multiport with 1000 ports: ruleset byte-identical" "$before" "$(snap "$NS")"
ip netns exec "$NS" timeout "$HOSTILE_TIMEOUT" "$BIN/iptables" -A INPUT -p tcp -m multiport \
    --dports "$ports15" -j ACCEPT
check_eq "iptables -m multiport with 15 ports (the maximum) works" 0 "$?"
printf '*filter\n-A INPUT -p udp -m multiport --sports %s -j ACCEPT\nCOMMIT\n' "$ports" >"$T/mp.rules"
REF_CMD=("$REF/iptables-nft-restore")
hostile "restore with a 1000-port multiport" "$T/mp.rules" "$BIN/iptables-restore"
printf '*filter\n-A INPUT -p udp -m multiport --sports %s -j ACCEPT\nCOMMIT\n' "$(seq -s, 1 16)" \
    >"$T/mp16.rules"
REF_CMD=("$REF/iptables-nft-restore")
hostile "restore with a 16-port multiport" "$T/mp16.rules" "$BIN/iptables-restore"

section "command lines with 100k arguments"
mapfile -t many_s < <(for _ in $(seq 1 50000); do echo -s; echo 192.0.2.1; done)
REF_CMD=("$REF/iptables-nft" -A INPUT "${many_s[@]}" -j ACCEPT)
hostile "iptables -A with 50k -s options" "$T/empty" "$BIN/iptables" -A INPUT "${many_s[@]}" -j ACCEPT
addrs=$(for i in $(seq 1 8000); do printf '192.0.2.%d,' $((i % 250 + 1)); done)
addrs=${addrs%,}
REF_CMD=("$REF/iptables-nft" -A INPUT -s "$addrs" -p tcp --dport 22 -j ACCEPT)
hostile "iptables -A with 8000 source addresses (one rule each, 8000 rules in one batch)" "$T/empty" \
    "$BIN/iptables" -A INPUT -s "$addrs" -p tcp --dport 22 -j ACCEPT
mapfile -t many_words < <(seq 1 100000)
REF_CMD=("$REF/iptables-nft" -A INPUT "${many_words[@]}")
hostile "iptables -A with 100k stray words" "$T/empty" "$BIN/iptables" -A INPUT "${many_words[@]}"
long=$(head -c 100000 /dev/zero | tr '\0' 'N')
REF_CMD=("$REF/iptables-nft" -N "$long")
hostile "iptables -N with a 100k-character name" "$T/empty" "$BIN/iptables" -N "$long"

ns_del "$RNS"
ns_del "$NS"
summary
