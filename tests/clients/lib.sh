# shellcheck shell=bash
# Helpers for the client tests (ufw, fail2ban, netfilter-persistent, Ansible, Docker and
# kube-proxy call patterns). Source after setting nothing; it sources tests/kernel/lib.sh
# (namespaces, cleanup trap, pass/fail/summary, probes).
#
# Each client runs twice, in fresh network namespaces: once with the reference iptables-nft
# (IMPL=ref) and once with cxtables from BIN (IMPL=cx); the final rulesets must be equal.
# Programs that run /usr/sbin/iptables by full path run in a private mount namespace
# (privns.sh) whose private /etc/alternatives points /usr/sbin/iptables* at BIN for cx.

CLIENTS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../kernel/lib.sh
. "$CLIENTS_DIR/../kernel/lib.sh"
NP_ROOT=${NP_ROOT:-/var/cache/cxtables-clients/root}
export NP_ROOT
SYS_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

# client_state IMPL: sets ST to a new private state directory for privns.sh (removed on
# exit). For IMPL=cx, cxtables-alternatives has registered and selected BIN in its private
# alternatives. Not to be called in a subshell (the directory would not be removed).
client_state() {
    local impl=$1 st
    ST=
    st=$(mktemp -d /tmp/cxtables-client.XXXXXX) || return 1
    CXT_TMPDIRS+=("$st")
    # What installing netfilter-persistent / iptables-persistent would put in /etc.
    unshare -m --propagation private "$CLIENTS_DIR/privns.sh" "$st" sh -c \
        "mkdir -p /etc/iptables && if [ -f '$NP_ROOT/etc/default/netfilter-persistent' ]; then
            cp '$NP_ROOT/etc/default/netfilter-persistent' /etc/default/; fi" >&2 || return 1
    if [ "$impl" != ref ]; then
        unshare -m --propagation private "$CLIENTS_DIR/privns.sh" "$st" \
            "$CXT_ROOT/scripts/cxtables-alternatives" install --sbin "$BIN" --quiet >&2 || return 1
    fi
    ST=$st
}

# Snapshots: a client scenario runs once per IMPL and calls `snapshot NAME` at the points
# where the rulesets must agree; compare_snapshots then checks cx against ref for each.
# SNAP_ROOT, SNAP_IMPL and SNAP_NS are set by run_both (a scenario that makes new namespaces
# sets SNAP_NS again).
SNAP_ROOT=
# (cxopt, a run with compiled chains, which the reference refuses to list, is listed by BIN.)
snapshot() {
    local name=$1 dir=$SNAP_ROOT/$SNAP_IMPL lister=$REF/iptables-nft-save
    local lister6=$REF/ip6tables-nft-save
    [ "$SNAP_IMPL" == cxopt ] && lister=$BIN/iptables-save lister6=$BIN/ip6tables-save
    mkdir -p "$dir"
    {
        ip netns exec "$SNAP_NS" "$lister" | norm_save
        echo "### ip6tables-save"
        ip netns exec "$SNAP_NS" "$lister6" | norm_save
    } >"$dir/$name"
    echo "$name" >>"$dir/.order"
}

# compare_snapshots: one check per snapshot the reference run took.
compare_snapshots() {
    local name impl
    [ -f "$SNAP_ROOT/ref/.order" ] || { fail "the reference run took no snapshot"; return; }
    for impl in ${RUN_IMPLS:-ref cx}; do
        [ "$impl" == ref ] && continue
        local what=cxtables
        [ "$impl" == cxopt ] && what="cxtables (compiled chains)"
        while read -r name; do
            if [ ! -f "$SNAP_ROOT/$impl/$name" ]; then
                fail "ruleset '$name': $what run did not get there"
            elif cmp -s "$SNAP_ROOT/ref/$name" "$SNAP_ROOT/$impl/$name"; then
                pass "ruleset '$name' of $what identical to the reference ($(grep -c '^-A' "$SNAP_ROOT/ref/$name") rules)"
            else
                fail "ruleset '$name' of $what differs from the reference"
                diff -u --label reference --label "$what" "$SNAP_ROOT/ref/$name" \
                    "$SNAP_ROOT/$impl/$name" | sed 's/^/    /' | head -60
            fi
        done <"$SNAP_ROOT/ref/.order"
    done
}

# run_both SCENARIO: runs the function SCENARIO for ref then cx (RUN_IMPLS: also cxopt, cx
# with chains the scenario compiles), each in fresh namespaces
# (topo_up: HOST and CLIENT) with a fresh private state; SNAP_IMPL/SNAP_STATE/SNAP_NS and
# IMPL/ST are set for it. Then compares the snapshots.
run_both() {
    local fn=$1
    mktmp
    SNAP_ROOT=$CXT_TMP/snapshots
    for IMPL in ${RUN_IMPLS:-ref cx}; do
        section "$fn with $IMPL"
        topo_up || { fail "$IMPL: namespaces"; continue; }
        client_state "$IMPL" || { fail "$IMPL: private state"; topo_down; continue; }
        SNAP_IMPL=$IMPL SNAP_NS=$HOST
        local want=/usr/sbin/xtables-nft-multi
        [ "$IMPL" != ref ] && want=$BIN/cxtables
        check_eq "$IMPL: /usr/sbin/iptables is $want" "$want" "$(which_iptables "$ST" "$HOST")"
        "$fn"
        topo_down
    done
    section "$fn: cxtables against the reference"
    compare_snapshots
}

# in_priv STATE NS CMD...: CMD in network namespace NS and a private mount namespace over
# STATE, with the system PATH (no BIN in it: /usr/sbin/iptables decides).
in_priv() {
    local st=$1 ns=$2; shift 2
    ip netns exec "$ns" unshare -m --propagation private \
        "$CLIENTS_DIR/privns.sh" "$st" env PATH="$SYS_PATH" "$@"
}

# which_iptables STATE NS: what /usr/sbin/iptables resolves to in that private namespace.
which_iptables() {
    in_priv "$1" "$2" readlink -f /usr/sbin/iptables
}

# norm_save: iptables-save text without "#" lines and with counters zeroed.
norm_save() {
    sed -e '/^#/d' -e 's/^:\([^ ]*\) \([^ ]*\) \[[0-9]*:[0-9]*\]/:\1 \2 [0:0]/' \
        -e 's/^\[[0-9]*:[0-9]*\] //'
}

# saved STATE NS 4|6: the normalised ruleset of NS, listed by the reference
# (/usr/sbin/iptables-nft-save, which no alternative redirects).
saved() {
    local tool=iptables-nft-save
    [ "$3" == 6 ] && tool=ip6tables-nft-save
    ip netns exec "$2" "$REF/$tool" | norm_save
}

# host_alternatives_digest: a digest of the machine's iptables alternatives (links and
# dpkg's database), to check that nothing here changed them.
host_alternatives_digest() {
    {
        ls -l /etc/alternatives/ 2>/dev/null | grep -E ' ip6?tables' | awk '{print $9, $10, $11}'
        cat /var/lib/dpkg/alternatives/iptables /var/lib/dpkg/alternatives/ip6tables 2>/dev/null
        ls -l /usr/sbin/iptables /usr/sbin/ip6tables /usr/sbin/iptables-save \
            /usr/sbin/iptables-restore /usr/sbin/ip6tables-save /usr/sbin/ip6tables-restore |
            awk '{print $9, $10, $11}'
    } | sha256sum
}

# Transcripts: t CMDLINE runs CMDLINE (bash) in $HOST with the implementation's names first
# in PATH (BIN for cx, links to REF's -nft programs for ref) and records "$ CMDLINE", the
# exit code, stdout and stderr in $TR/$IMPL; compare_transcripts checks the two are equal.
# transcript_setup first (sets TR), transcript_impl at the start of each run.
transcript_setup() {
    mktmp
    TR=$CXT_TMP/transcripts
    REFBIN=$CXT_TMP/refbin
    mkdir -p "$TR" "$REFBIN"
    local n
    for n in iptables ip6tables iptables-save ip6tables-save iptables-restore ip6tables-restore; do
        ln -s "$REF/${n/tables/tables-nft}" "$REFBIN/$n"
    done
}
transcript_impl() {
    IPATH=$BIN
    [ "$IMPL" == ref ] && IPATH=$REFBIN
    : >"$TR/$IMPL"
}
t() {
    local out rc errf=$CXT_TMP/stderr
    # No /usr/sbin in PATH: every name must come from IPATH.
    out=$(ip netns exec "$HOST" env PATH="$IPATH:/usr/bin:/bin" bash -c "$1" 2>"$errf")
    rc=$?
    {
        printf '$ %s\n[rc=%d]\n' "$1" "$rc"
        [ -n "$out" ] && printf '%s\n' "$out"
        sed 's/^/! /' "$errf"
    } >>"$TR/$IMPL"
    return $rc
}
compare_transcripts() {
    local n
    n=$(grep -c '^\$ ' "$TR/ref")
    if cmp -s "$TR/ref" "$TR/cx"; then
        pass "all $n commands: same exit code, stdout and stderr as the reference"
    else
        fail "transcripts differ (of $n commands)"
        diff -u --label reference --label cxtables "$TR/ref" "$TR/cx" | head -80 | sed 's/^/    /'
    fi
    info "exit codes: $(grep -o '^\[rc=[0-9]*\]' "$TR/ref" | sort | uniq -c | tr -s ' ' | tr '\n' ' ')"
    [ -n "${KEEP_TRANSCRIPT:-}" ] && cp "$TR/ref" "$KEEP_TRANSCRIPT"
    return 0
}
