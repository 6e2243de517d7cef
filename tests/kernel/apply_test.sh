#!/bin/bash
# apply_test.sh: cxtables apply, the lockout-safe iptables-apply, in namespaces.
#
# Usage: [BIN=DIR] tests/kernel/apply_test.sh
#
# The "host" namespace plays the remote machine, the "client" namespace the admin's machine
# whose SSH session (SSH_CONNECTION="192.0.2.2 PORT 192.0.2.1 22") must survive:
#   1. a ruleset that would cut the session is refused (exit 3), names the rule that cuts it,
#      and leaves the kernel's ruleset as it was;
#   2. --force applies it anyway, and without a confirmation the previous ruleset comes back
#      after --timeout seconds (exit 4), tables the new ruleset added are gone again;
#   3. a ruleset that keeps the session, confirmed by `cxtables apply --confirm` from another
#      process, stays (exit 0), and a real TCP connection to port 22 from the client works;
#   4. typing "yes" on stdin confirms too; the IPv6 ruleset is not checked against an IPv4
#      session;
#   5. --check only checks (exit 3 or 0, the kernel untouched), --timeout 0 keeps the ruleset at
#      once, --background returns at once and its waiting process rolls back without a
#      confirmation, or keeps the ruleset with one.
# Ends with "N passed, N failed".

HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/kernel/lib.sh
. "$HERE/lib.sh"
need_env
[ -x "$BIN/cxtables" ] || { fail "precondition: missing $BIN/cxtables"; summary; exit 1; }
mktmp
topo_up || { fail "topology"; summary; exit 1; }
export CXTABLES_STATE_DIR=$CXT_TMP/state
SSH="192.0.2.2 50022 192.0.2.1 22"

# apply_in NS ARGS...: cxtables apply in NS as if run from the client's SSH session.
apply_in() {
    local ns=$1; shift
    ip netns exec "$ns" env SSH_CONNECTION="$SSH" CXTABLES_STATE_DIR="$CXTABLES_STATE_DIR" \
        timeout 60 "$BIN/cxtables" apply "$@"
}
saved() { in_ns "$HOST" iptables-save | grep -v '^#'; }

cat >"$CXT_TMP/lockout.v4" <<'EOF'
*filter
:INPUT DROP [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
:WEB - [0:0]
-A INPUT -i lo -j ACCEPT
-A INPUT -p tcp -m tcp --dport 80 -j WEB
-A INPUT -p tcp -m tcp --dport 22 -s 203.0.113.0/24 -j ACCEPT
-A WEB -j ACCEPT
COMMIT
EOF
cat >"$CXT_TMP/good.v4" <<'EOF'
*filter
:INPUT DROP [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
-A INPUT -i lo -j ACCEPT
-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT
-A INPUT -p tcp -m tcp --dport 80 -j ACCEPT
COMMIT
*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
COMMIT
EOF

section "1. a ruleset that cuts the session is refused"
in_ns "$HOST" iptables -A INPUT -p icmp -j ACCEPT
before=$(saved)
out=$(apply_in "$HOST" "$CXT_TMP/lockout.v4" --timeout 5 </dev/null 2>&1)
rc=$?
printf '%s\n' "$out" | sed 's/^/    /'
check_eq "exit status 3 (refused)" 3 "$rc"
check "names the packets that would be cut" grep -q "LOCKOUT: the session's packets from 192.0.2.2" <<<"$out"
check "shows where they stop: the INPUT policy" grep -q "dropped by filter INPUT policy" <<<"$out"
check "shows the chain it crossed" grep -q "filter INPUT (priority 0)" <<<"$out"
check "and for a new connection too" grep -q "LOCKOUT: a new SSH connection from 192.0.2.2" <<<"$out"
check_eq "the kernel's ruleset is unchanged" "$before" "$(saved)"
check_not "no confirmation is pending" test -e "$CXTABLES_STATE_DIR/apply.pending.v4"

section "2. --force, no confirmation: rolled back after the timeout"
start=$(date +%s)
out=$(apply_in "$HOST" "$CXT_TMP/lockout.v4" --timeout 2 --force </dev/null 2>&1)
rc=$?
took=$(( $(date +%s) - start ))
printf '%s\n' "$out" | sed 's/^/    /'
check_eq "exit status 4 (rolled back)" 4 "$rc"
check "it was applied first" grep -q "^applied " <<<"$out"
check "it waited for the timeout ($took s)" [ "$took" -ge 2 -a "$took" -le 20 ]
check_eq "the previous ruleset is back" "$before" "$(saved)"
check "the backup of the previous ruleset was kept" test -s "$CXTABLES_STATE_DIR/apply.previous.v4"

section "3. a ruleset that keeps the session, confirmed from another session"
listen "$HOST" tcp 4 22 ssh-ok && wait_listen "$HOST" tcp 4 22
( sleep 1; ip netns exec "$HOST" env CXTABLES_STATE_DIR="$CXTABLES_STATE_DIR" \
      "$BIN/cxtables" apply --confirm >"$CXT_TMP/confirm.out" 2>&1 ) &
confirmer=$!
out=$(apply_in "$HOST" "$CXT_TMP/good.v4" --timeout 20 </dev/null 2>&1)
rc=$?
wait "$confirmer"
printf '%s\n' "$out" | sed 's/^/    /'
check_eq "exit status 0 (confirmed)" 0 "$rc"
check "the simulation let the session through" \
    grep -q "ok (accepted): the session's packets from 192.0.2.2" <<<"$out"
check "cxtables apply --confirm said so" grep -q confirmed "$CXT_TMP/confirm.out"
check "the new ruleset stays" grep -q -- "-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT" <<<"$(saved)"
check "the nat table it added stays" grep -q '^\*nat' <<<"$(saved)"
check "a real SSH-port connection from the client still works" tcp_ok "$CLIENT" 4 "$HOST4" 22
check_not "--confirm with nothing pending fails" \
    ip netns exec "$HOST" env CXTABLES_STATE_DIR="$CXTABLES_STATE_DIR" "$BIN/cxtables" apply --confirm

section "4. \"yes\" on stdin; an IPv6 ruleset and an IPv4 session"
in_ns "$HOST" iptables-restore <<<"$before"
in_ns "$HOST" iptables -t nat -F
in_ns "$HOST" iptables -t nat -X
out=$( (sleep 1; echo yes) | apply_in "$HOST" "$CXT_TMP/good.v4" --timeout 20 2>&1)
rc=$?
check_eq "typing yes confirms (exit 0)" 0 "$rc"
cat >"$CXT_TMP/drop.v6" <<'EOF'
*filter
:INPUT DROP [0:0]
:FORWARD DROP [0:0]
:OUTPUT DROP [0:0]
COMMIT
EOF
out=$(apply_in "$HOST" -6 "$CXT_TMP/drop.v6" --timeout 1 </dev/null 2>&1)
rc=$?
check_eq "an IPv6 ruleset is not refused for an IPv4 session (rolled back: 4)" 4 "$rc"
check "it says why" grep -q "the IPv4 ruleset does not carry it\|the IPv6 ruleset does not carry it" <<<"$out"
out=$(ip netns exec "$HOST" env SSH_CONNECTION="2001:db8::2 50022 2001:db8::1 22" \
      CXTABLES_STATE_DIR="$CXTABLES_STATE_DIR" timeout 60 "$BIN/cxtables" apply -6 \
      "$CXT_TMP/drop.v6" --timeout 1 </dev/null 2>&1)
rc=$?
check_eq "but it is refused for an IPv6 session" 3 "$rc"
check_eq "a broken file is an error (exit 1)" 1 \
    "$(echo '*filter' >"$CXT_TMP/bad.v4"; apply_in "$HOST" "$CXT_TMP/bad.v4" </dev/null >/dev/null 2>&1; echo $?)"

section "5. --check, --timeout 0, --background"
in_ns "$HOST" iptables-restore <<<"$before"
in_ns "$HOST" iptables -t nat -F
in_ns "$HOST" iptables -t nat -X
before=$(saved)
out=$(apply_in "$HOST" --check "$CXT_TMP/lockout.v4" 2>&1)
check_eq "--check of a cutting ruleset: exit 3" 3 "$?"
check "--check names the rule that cuts" grep -q "dropped by filter INPUT policy" <<<"$out"
out=$(apply_in "$HOST" --check "$CXT_TMP/good.v4" 2>&1)
check_eq "--check of a good ruleset: exit 0" 0 "$?"
check "--check says the session is kept" grep -q "keeps the SSH session" <<<"$out"
check_eq "--check changed nothing" "$before" "$(saved)"
check_not "--check leaves nothing pending" test -e "$CXTABLES_STATE_DIR/apply.pending.v4"
out=$(apply_in "$HOST" --timeout 0 "$CXT_TMP/good.v4" </dev/null 2>&1)
check_eq "--timeout 0: exit 0 at once" 0 "$?"
check "--timeout 0 kept the new ruleset" grep -q -- "-A INPUT -p tcp -m tcp --dport 80 -j ACCEPT" <<<"$(saved)"
check_not "--timeout 0 leaves nothing pending" test -e "$CXTABLES_STATE_DIR/apply.pending.v4"
in_ns "$HOST" iptables-restore <<<"$before"
in_ns "$HOST" iptables -t nat -F
in_ns "$HOST" iptables -t nat -X
start=$(date +%s)
out=$(apply_in "$HOST" --background --timeout 2 "$CXT_TMP/good.v4" 2>&1)
rc=$?
check_eq "--background: exit 0" 0 "$rc"
check "--background returned before the timeout" [ $(($(date +%s) - start)) -lt 2 ]
check "--background: applied" grep -q -- "--dport 80 -j ACCEPT" <<<"$(saved)"
check "--background: waiting" test -e "$CXTABLES_STATE_DIR/apply.pending.v4"
for _ in $(seq 50); do [ -e "$CXTABLES_STATE_DIR/apply.pending.v4" ] || break; sleep 0.2; done
check_eq "--background without a confirmation: the previous ruleset is back" "$before" "$(saved)"
out=$(apply_in "$HOST" --background --timeout 20 "$CXT_TMP/good.v4" 2>&1)
check_eq "--background again: exit 0" 0 "$?"
check "cxtables apply --confirm confirms it" \
    ip netns exec "$HOST" env CXTABLES_STATE_DIR="$CXTABLES_STATE_DIR" "$BIN/cxtables" apply --confirm
for _ in $(seq 50); do [ -e "$CXTABLES_STATE_DIR/apply.pending.v4" ] || break; sleep 0.2; done
check_not "the waiting process ended" test -e "$CXTABLES_STATE_DIR/apply.pending.v4"
check "--background, confirmed: the new ruleset stays" grep -q -- "--dport 80 -j ACCEPT" <<<"$(saved)"
check_eq "--background with --timeout 0 is a usage error" 2 \
    "$(apply_in "$HOST" --background --timeout 0 "$CXT_TMP/good.v4" >/dev/null 2>&1; echo $?)"

# --optimize: the new ruleset's chains compiled; a rollback puts back the previous ruleset
# compiled as it was (here: plain), and one that was compiled comes back compiled.
{
    echo '*filter'
    echo ':INPUT ACCEPT [0:0]'
    echo ':BANS - [0:0]'
    echo '-A INPUT -j BANS'
    for i in 1 2 3 4 5 6; do echo "-A BANS -s 198.51.100.$i/32 -j DROP"; done
    echo 'COMMIT'
} >"$CXT_TMP/bans.v4"
compiled_sets() { ip netns exec "$HOST" nft list sets 2>/dev/null | grep -c 'set __cx_'; }
in_ns "$HOST" iptables-restore <<<"$before"
out=$(apply_in "$HOST" --optimize --timeout 0 "$CXT_TMP/bans.v4" </dev/null 2>&1)
check_eq "--optimize: exit 0" 0 "$?"
check "--optimize: BANS is compiled" bash -c "ip netns exec $HOST nft list sets | grep -q __cx_BANS_0"
check "--optimize: the rules list as written" grep -q -- "-A BANS -s 198.51.100.6/32 -j DROP" <<<"$(saved)"
compiled=$(saved)
sets_compiled=$(compiled_sets)
out=$(apply_in "$HOST" --timeout 1 "$CXT_TMP/good.v4" </dev/null 2>&1)
check_eq "a later apply, not confirmed, rolls back" 4 "$?"
check_eq "... to the compiled ruleset's listing" "$compiled" "$(saved)"
check_eq "... compiled as it was" "$sets_compiled" "$(compiled_sets)"
in_ns "$HOST" iptables-restore <<<"$before"
check_eq "a plain restore without BANS leaves nothing compiled" 0 "$(compiled_sets)"
out=$(apply_in "$HOST" --optimize --timeout 1 "$CXT_TMP/bans.v4" </dev/null 2>&1)
check_eq "--optimize, not confirmed: rolled back" 4 "$?"
check_eq "... to the plain ruleset, nothing compiled" 0 "$(compiled_sets)"

summary
exit $?
