#!/bin/bash
# The behaviour that programs driving iptables depend on, command by command against the
# reference (exit code, stdout and stderr of each must be identical):
#   exit codes: -C 1 when the rule is absent, -N 1 when the chain exists, -L/-S CHAIN 1 when
#   it is missing, 4 for resource problems (a chain in use), 2 for parameter problems;
#   silence on success; -w / --wait / -W / --wait-interval in every form, also for
#   iptables-restore; -V / --version of every program; iptables-restore --noflush --counters
#   with ":CHAIN - [0:0]" flushing only that chain and "[p:b]" counters; rules without a
#   target (-A, -C, -D, restore); options in any order (matches and addresses after the
#   target); comments with spaces and quotes; table order in the save output.
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"
need_env
transcript_setup

save() { t "iptables-save | grep -v '^#'"; }
save6() { t "ip6tables-save | grep -v '^#'"; }

scenario() {
    transcript_impl
    # Versions, as clients parse them (Docker, kube-proxy, Ansible, ufw).
    for p in iptables ip6tables iptables-save ip6tables-save iptables-restore ip6tables-restore; do
        t "$p -V"
        t "$p --version"
    done
    # Exit codes.
    t "iptables -C INPUT -s 192.0.2.1 -j ACCEPT"
    t "iptables -N C1"
    t "iptables -N C1"
    t "ip6tables -N C1"
    t "ip6tables -N C1"
    t "iptables -L NOPE"
    t "iptables -n -L NOPE"
    t "iptables -t nat -nL NOPE"
    t "iptables -S NOPE"
    t "ip6tables -L NOPE"
    t "iptables -L C1"
    t "iptables -S C1"
    t "iptables -A INPUT -j C1"
    t "iptables -X C1"                                  # in use: 4
    t "iptables -F NOPE"
    t "iptables -X NOPE"
    t "iptables -Z NOPE"
    t "iptables -E NOPE C9"
    t "iptables -D INPUT -s 192.0.2.77 -j DROP"
    t "iptables -D INPUT 9"
    t "iptables -I INPUT 9 -j ACCEPT"
    t "iptables -R INPUT 9 -j ACCEPT"
    t "iptables -A NOPE -j ACCEPT"
    t "iptables -A INPUT -j NOPE"
    t "iptables -P C1 DROP"
    t "iptables -P INPUT BOUNCE"
    t "iptables -t nosuch -L"
    t "iptables -A INPUT --dport 22 -p tcp -j ACCEPT"   # --dport before -p: 2
    t "iptables -A INPUT -p tcp --dportt 22"
    t "iptables -X INPUT"
    # -C / -D / -L of what exists: 0, silent.
    t "iptables -C INPUT -j C1"
    t "iptables -L C1 -n"
    t "iptables -D INPUT -j C1"
    t "iptables -X C1"
    # --wait in every form.
    t "iptables -w -A INPUT -s 192.0.2.10 -j ACCEPT"
    t "iptables -w 5 -A INPUT -s 192.0.2.11 -j ACCEPT"
    t "iptables --wait -A INPUT -s 192.0.2.12 -j ACCEPT"
    t "iptables --wait=5 -A INPUT -s 192.0.2.13 -j ACCEPT"
    t "iptables --wait 5 --wait-interval 100 -A INPUT -s 192.0.2.14 -j ACCEPT"
    t "iptables -w 5 -W 100000 -C INPUT -s 192.0.2.14 -j ACCEPT"
    t "iptables -A INPUT -s 192.0.2.15 -j ACCEPT -w"
    t "ip6tables -w -W 1000 -A INPUT -s 2001:db8::15 -j ACCEPT"
    t "printf '*filter\n-A INPUT -s 192.0.2.16 -j ACCEPT\nCOMMIT\n' | iptables-restore -w 5 -W 100000 --noflush"
    t "printf '*filter\n-A INPUT -s 192.0.2.17 -j ACCEPT\nCOMMIT\n' | iptables-restore --wait=5 --wait-interval=100000 -n"
    t "printf '*filter\n-A INPUT -s 192.0.2.18 -j ACCEPT\nCOMMIT\n' | iptables-restore -w --noflush"
    save
    t "iptables -F INPUT"
    # Rules without a target.
    t "iptables -A INPUT -s 192.0.2.20"
    t "iptables -A INPUT -p tcp --dport 99"
    t "iptables -A INPUT"
    t "iptables -C INPUT -s 192.0.2.20"
    t "iptables -C INPUT"
    t "iptables -C INPUT -s 192.0.2.21"
    t "ip6tables -A INPUT -d 2001:db8::20"
    t "printf '*filter\n-A INPUT -m comment --comment \"counted only\"\nCOMMIT\n' | iptables-restore --noflush"
    t "iptables -S INPUT"
    t "iptables -L INPUT -n"
    t "iptables -D INPUT -p tcp --dport 99"
    t "iptables -D INPUT"
    save6
    # Options in any order.
    t "iptables -A INPUT -j ACCEPT -p tcp --dport 22 -s 192.0.2.0/24"
    t "iptables -A INPUT -j LOG --log-prefix 'x y: ' -m comment --comment 'a b' -i eth0"
    t "iptables -I INPUT -j DROP ! -s 192.0.2.9"
    t "iptables -A FORWARD -o eth0 -j ACCEPT -i eth1 -m conntrack --ctstate NEW"
    t "iptables -t nat -A PREROUTING -j DNAT --to-destination 192.0.2.1:80 -p tcp --dport 8080"
    t "iptables -A OUTPUT -m addrtype --dst-type LOCAL -j ACCEPT ! --dst 127.0.0.0/8"
    t "iptables -C OUTPUT ! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -j ACCEPT"
    t "iptables -A INPUT -m tcp -p tcp --dport 81 -j REJECT --reject-with tcp-reset"
    t "iptables -A INPUT -m comment --comment \"it's \\\"quoted\\\" \\\\ here\" -j ACCEPT"
    t "iptables -A INPUT -m comment --comment ''"
    t "iptables -S"
    save
    # iptables-restore --noflush --counters: a declared chain is flushed, the others stay.
    t "iptables -N KA; iptables -N KB; iptables -A KA -s 192.0.2.30 -j ACCEPT; iptables -A KB -s 192.0.2.31 -j ACCEPT; iptables -A INPUT -j KA"
    t "printf '*filter\n:KA - [0:0]\n:KC - [7:700]\n[5:300] -A KA -s 192.0.2.32 -j KC\n[1:60] -A KC -j RETURN\nCOMMIT\n' | iptables-restore --noflush --counters"
    t "iptables-save -c -t filter | grep -v '^#'"
    t "printf '*filter\n:KC - [0:0]\n:KA - [0:0]\n-X KC\nCOMMIT\n' | iptables-restore --noflush --counters"
    t "iptables-save -c -t filter | grep -v '^#'"
    t "printf '*filter\n:INPUT DROP [9:900]\n:KB - [0:0]\nCOMMIT\n' | iptables-restore --noflush --counters"
    t "iptables-save -c -t filter | grep -v '^#'"
    t "printf '*filter\n:INPUT ACCEPT [0:0]\nCOMMIT\n' | iptables-restore --noflush -T nat"
    t "printf '*filter\n-A INPUT -j NOPE\nCOMMIT\n' | iptables-restore --noflush"
    t "printf '*filter\n-A INPUT -s 192.0.2.40 -j ACCEPT\n' | iptables-restore --noflush"
    t "printf '*filter\n-A INPUT -s 192.0.2.41 -j ACCEPT\nCOMMIT\n' | iptables-restore --test"
    t "iptables -S INPUT"
    # Commands of restore lines that fail against the ruleset: "line N failed: ...", exit 1;
    # a kernel refusal names its line: "...: \nline N: CHAIN_DEL failed (...)", exit 4.
    t "printf '*filter\n-A NOPE -j ACCEPT\nCOMMIT\n' | iptables-restore --noflush"
    t "printf '*filter\n-D INPUT -s 192.0.2.99 -j ACCEPT\nCOMMIT\n' | iptables-restore --noflush"
    t "printf '*filter\n-D NOPE -j ACCEPT\nCOMMIT\n' | iptables-restore --noflush"
    t "printf '*filter\n-X NOPE\nCOMMIT\n' | iptables-restore --noflush --counters"
    t "printf '*filter\n-F NOPE\nCOMMIT\n' | iptables-restore"
    t "printf '*filter\n-Z NOPE\nCOMMIT\n' | iptables-restore --noflush"
    t "printf '*filter\n-E NOPE N2\nCOMMIT\n' | iptables-restore --noflush"
    t "printf '*filter\n-N KB\nCOMMIT\n' | iptables-restore --noflush"
    t "printf '*filter\n-N N3\n-N N3\nCOMMIT\n' | iptables-restore --noflush"
    t "printf '*filter\n-P KB DROP\nCOMMIT\n' | iptables-restore --noflush"
    t "printf '*filter\n-X KA\nCOMMIT\n' | iptables-restore --noflush"
    t "printf '*raw\n-F PREROUTING\nCOMMIT\n' | iptables-restore --noflush; iptables-save -t raw | grep -v '^#'"
    t "printf '*raw\n-X OUTPUT\nCOMMIT\n' | iptables-restore --noflush"
    t "printf '*raw\n-X PREROUTING\nCOMMIT\n' | iptables-restore --noflush"
    t "iptables -S INPUT"
    # Table order in the save output, whatever order the tables were made in.
    t "iptables -t security -N S1; iptables -t nat -N N1; iptables -t raw -N R1; iptables -t mangle -N M1"
    t "ip6tables -t nat -N N6; ip6tables -t mangle -N M6; ip6tables -t raw -N R6; ip6tables -t security -N S6"
    save
    save6
    t "iptables-save -t mangle | grep -v '^#'"
    snapshot all-tables
    t "iptables -L -n -v --line-numbers"
    t "iptables -L -n -x -v -t nat"
    t "iptables -F; iptables -X; iptables -Z; iptables -t nat -F; iptables -t nat -X"
    t "iptables -S; iptables -t nat -S"
}

run_both scenario
section "transcripts (exit codes, stdout, stderr of every command)"
compare_transcripts
summary
