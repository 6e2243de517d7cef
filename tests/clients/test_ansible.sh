#!/bin/bash
# Ansible (Debian's ansible-core, module ansible.builtin.iptables, connection=local) on the
# reference and on cxtables: ansible/present.yml creates chains and rules (IPv4, IPv6, nat,
# a policy), a second run changes nothing; ansible/absent.yml removes them all, a second run
# changes nothing. The module finds iptables in PATH or /usr/sbin; PATH holds no BIN here,
# so it runs /usr/sbin/iptables, which the private alternatives point at BIN for cxtables.
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"
need_env
command -v ansible-playbook >/dev/null || { fail "precondition: ansible-playbook (run tests/clients/install-deps.sh)"; summary; exit 1; }

# play NAME PLAYBOOK EXPECTED-CHANGED: run the playbook; check it succeeded and how many
# tasks changed something ("any" for not 0).
play() {
    local name=$1 book=$2 want=$3 out recap changed
    out=$(in_priv "$ST" "$HOST" env HOME="$ANS_HOME" ANSIBLE_LOCAL_TEMP="$ANS_HOME/tmp" \
        ANSIBLE_REMOTE_TEMP="$ANS_HOME/tmp" ANSIBLE_NOCOLOR=1 ANSIBLE_RETRY_FILES_ENABLED=0 \
        ANSIBLE_PYTHON_INTERPRETER=/usr/bin/python3 ANSIBLE_LOCALHOST_WARNING=0 ANSIBLE_PIPELINING=1 \
        timeout 240 ansible-playbook -i localhost, "$HERE/ansible/$book" 2>&1)
    recap=$(printf '%s\n' "$out" | grep -E '^localhost +: ok=')
    changed=$(printf '%s\n' "$recap" | sed -n 's/.* changed=\([0-9]*\).*/\1/p')
    if [ -n "$recap" ] && printf '%s\n' "$recap" | grep -q ' failed=0 '; then
        pass "$IMPL: $name: ansible-playbook $book ($(echo "$recap" | tr -s ' ' | cut -d' ' -f3-6))"
    else
        fail "$IMPL: $name: ansible-playbook $book"
        printf '%s\n' "$out" | grep -E 'fatal|FAILED|msg|cmd|stderr' | head -20 | sed 's/^/    /'
    fi
    if [ "$want" == any ]; then
        check "$IMPL: $name changed something" test "${changed:-0}" -gt 0
    else
        check_eq "$IMPL: $name: tasks changed" "$want" "${changed:-?}"
    fi
}

scenario() {
    ANS_HOME=$CXT_TMP/home-$IMPL
    mkdir -p "$ANS_HOME/tmp"
    play "first run" present.yml 13
    snapshot present
    # The second runs check cxtables' answers to -C and -L CHAIN; the reference's are the
    # same by construction of the module (and ansible is slow: about a second a task).
    if [ "$IMPL" == cx ]; then
        play "second run (idempotent)" present.yml 0
        check_eq "cx: second run left the ruleset as it was" "$(cat "$SNAP_ROOT/cx/present")" \
            "$(ip netns exec "$HOST" "$REF/iptables-nft-save" | norm_save; echo "### ip6tables-save"
               ip netns exec "$HOST" "$REF/ip6tables-nft-save" | norm_save)"
    fi
    check_eq "$IMPL: the module's empty rule in WEB" "-A WEB" \
        "$(ip netns exec "$HOST" "$REF/iptables-nft-save" | grep -x -- '-A WEB')"
    play "removal" absent.yml 15
    snapshot absent
    [ "$IMPL" == cx ] && play "removal again (idempotent)" absent.yml 0
    check_eq "$IMPL: nothing left" "" "$(ip netns exec "$HOST" "$REF/iptables-nft-save" | grep -e '^-A' -e '^:[A-Z0-9]* -')$(ip netns exec "$HOST" "$REF/ip6tables-nft-save" | grep -e '^-A' -e '^:[A-Z0-9]* -')"
}

run_both scenario
summary
