#!/bin/bash
# Docker's and kube-proxy's iptables call patterns, written as shell from what their code
# runs (libnetwork/iptables + the bridge driver and port mapper; kube-proxy's
# pkg/util/iptables and pkg/proxy/iptables), on the reference and on cxtables. Every command
# is recorded with its exit code, stdout and stderr; the two transcripts must be identical,
# and so must the rulesets at each snapshot. Real traffic checks the DNAT port mapping
# (Docker) and the statistic-balanced service (kube-proxy) from the client namespace.
#
# The patterns: check-then-insert (-C, then -I / -A), -N on a chain that exists (exit 1,
# which kube-proxy takes as "exists"), -L CHAIN as an existence test (exit 1 when missing),
# --wait / -w 5 -W 100000 on every call, options after the target ("-j DNAT ... ! -i
# docker0", "-j DOCKER ! --dst 127.0.0.0/8"), "-C CHAIN -t TABLE" order, "-m tcp -p tcp",
# comments with spaces, full and partial `iptables-restore -w 5 -W 100000 --noflush
# --counters` syncs with ":CHAIN - [0:0]" flushing only that chain and stale chains removed
# with -X, statistic / recent / mark / MARK / addrtype / DNAT / MASQUERADE rules, and
# kube-proxy's cleanup.
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"
need_env
transcript_setup

# Docker (libnetwork): Exists() is -C; ProgramRule appends or inserts when -C says absent,
# deletes when -C says present; NewChain tests with -n -L first.
D() { t "iptables --wait $*"; }
dk_exists() { D "-t $1 -C $2 ${*:3}"; }
dk_rule() {   # dk_rule -A|-I|-D TABLE CHAIN ARGS...
    local act=$1 table=$2 chain=$3; shift 3
    if dk_exists "$table" "$chain" "$@"; then
        [ "$act" == -D ] && D "-t $table -D $chain $*"
    else
        [ "$act" != -D ] && D "-t $table $act $chain $*"
    fi
    return 0
}
dk_chain() { D "-t $1 -n -L $2 >/dev/null" || D "-t $1 -N $2"; }
dk_jump() {   # EnsureJumpRule: delete if there, insert at the top
    dk_exists filter "$1" -j "$2" && D "-t filter -D $1 -j $2"
    D "-t filter -I $1 -j $2"
}
docker_start() {
    t "iptables --version"
    t "iptables --wait -L -n >/dev/null"        # probes --wait support
    dk_chain nat DOCKER
    dk_chain filter DOCKER
    dk_chain filter DOCKER-ISOLATION-STAGE-1
    dk_chain filter DOCKER-ISOLATION-STAGE-2
    dk_chain filter DOCKER-USER
    dk_rule -A nat PREROUTING -m addrtype --dst-type LOCAL -j DOCKER
    dk_rule -A nat OUTPUT -m addrtype --dst-type LOCAL -j DOCKER ! --dst 127.0.0.0/8
    dk_rule -A nat POSTROUTING -s 198.51.100.0/24 ! -o docker0 -j MASQUERADE
    dk_rule -I nat DOCKER -i docker0 -j RETURN
    dk_rule -I filter FORWARD -i docker0 -o docker0 -j ACCEPT
    dk_rule -I filter FORWARD -i docker0 ! -o docker0 -j ACCEPT
    dk_rule -I filter FORWARD -o docker0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
    dk_rule -I filter FORWARD -o docker0 -j DOCKER
    dk_rule -I filter DOCKER-ISOLATION-STAGE-1 -i docker0 ! -o docker0 -j DOCKER-ISOLATION-STAGE-2
    dk_rule -I filter DOCKER-ISOLATION-STAGE-2 -o docker0 -j DROP
    dk_rule -A filter DOCKER-ISOLATION-STAGE-1 -j RETURN
    dk_rule -A filter DOCKER-ISOLATION-STAGE-2 -j RETURN
    dk_jump FORWARD DOCKER-ISOLATION-STAGE-1
    dk_rule -A filter DOCKER-USER -j RETURN
    dk_jump FORWARD DOCKER-USER
}
# docker run -p HOSTPORT:80 with the container at 192.0.2.1:CPORT (the host's own address,
# so that the mapping can be exercised from the client namespace).
docker_publish() {   # docker_publish -A|-D HOSTPORT CPORT
    local act=$1 hp=$2 cp=$3
    dk_rule "$act" nat DOCKER -p tcp -d 0/0 --dport "$hp" -j DNAT --to-destination "192.0.2.1:$cp" ! -i docker0
    dk_rule "$act" filter DOCKER ! -i docker0 -o docker0 -p tcp -d 192.0.2.1 --dport "$cp" -j ACCEPT
    dk_rule "$act" nat POSTROUTING -p tcp -s 192.0.2.1 -d 192.0.2.1 --dport "$cp" -j MASQUERADE
}

# kube-proxy (pkg/util/iptables): every call with -w 5 -W 100000; EnsureChain is -N and
# takes exit 1 as "exists"; EnsureRule is -C then -I (prepend) or -A; args "CHAIN -t TABLE".
K() { t "iptables -w 5 -W 100000 $*"; }
kp_chain() { K "-N $2 -t $1"; local rc=$?; [ $rc -eq 0 ] || [ $rc -eq 1 ]; }
kp_rule() {  # kp_rule -I|-A TABLE CHAIN ARGS...
    local act=$1 table=$2 chain=$3; shift 3
    K "-C $chain -t $table $*" || K "$act $chain -t $table $*"
}
kp_restore() { t "iptables-restore -w 5 -W 100000 --noflush --counters <<'SYNC'
$1
SYNC"; }
kube_jumps() {
    kp_chain filter KUBE-EXTERNAL-SERVICES
    kp_rule -I filter INPUT -m conntrack --ctstate NEW -m comment --comment '"kubernetes externally-visible service portals"' -j KUBE-EXTERNAL-SERVICES
    kp_chain filter KUBE-NODEPORTS
    kp_rule -I filter INPUT -m comment --comment '"kubernetes health check service ports"' -j KUBE-NODEPORTS
    kp_chain filter KUBE-SERVICES
    kp_rule -I filter FORWARD -m conntrack --ctstate NEW -m comment --comment '"kubernetes service portals"' -j KUBE-SERVICES
    kp_rule -I filter OUTPUT -m conntrack --ctstate NEW -m comment --comment '"kubernetes service portals"' -j KUBE-SERVICES
    kp_chain filter KUBE-FORWARD
    kp_rule -I filter FORWARD -m comment --comment '"kubernetes forwarding rules"' -j KUBE-FORWARD
    kp_chain filter KUBE-PROXY-FIREWALL
    kp_rule -I filter INPUT -m conntrack --ctstate NEW -m comment --comment '"kube-proxy firewall rules"' -j KUBE-PROXY-FIREWALL
    kp_chain nat KUBE-SERVICES
    kp_rule -I nat OUTPUT -m comment --comment '"kubernetes service portals"' -j KUBE-SERVICES
    kp_rule -I nat PREROUTING -m comment --comment '"kubernetes service portals"' -j KUBE-SERVICES
    kp_chain nat KUBE-POSTROUTING
    kp_rule -I nat POSTROUTING -m comment --comment '"kubernetes postrouting rules"' -j KUBE-POSTROUTING
    for tb in mangle nat filter; do kp_chain "$tb" KUBE-PROXY-CANARY; done
}
KUBE_FILTER='*filter
:KUBE-NODEPORTS - [0:0]
:KUBE-SERVICES - [0:0]
:KUBE-EXTERNAL-SERVICES - [0:0]
:KUBE-FIREWALL - [0:0]
:KUBE-FORWARD - [0:0]
:KUBE-PROXY-FIREWALL - [0:0]
-A KUBE-FIREWALL -m comment --comment "block incoming localnet connections" -d 127.0.0.0/8 ! -s 127.0.0.0/8 -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP
-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP
-A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark 0x4000/0x4000 -j ACCEPT
-A KUBE-FORWARD -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A KUBE-SERVICES -m comment --comment "default/gone:http has no endpoints" -m tcp -p tcp -d 192.0.2.20/32 --dport 80 -j REJECT
COMMIT'
KUBE_NAT_HEAD='*nat
:KUBE-SERVICES - [0:0]
:KUBE-POSTROUTING - [0:0]
:KUBE-NODEPORTS - [0:0]
:KUBE-MARK-MASQ - [0:0]'
KUBE_NAT_BASE='-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN
-A KUBE-POSTROUTING -j MARK --xor-mark 0x4000
-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully
-A KUBE-MARK-MASQ -j MARK --or-mark 0x4000'
# Service default/web:http, cluster IP 192.0.2.1:80 (the node's own address, so the client
# namespace can reach it), endpoints 192.0.2.1:8081 and 192.0.2.1:8082.
KUBE_SYNC1="$KUBE_NAT_HEAD
:KUBE-SVC-WEB - [0:0]
:KUBE-SEP-A - [0:0]
:KUBE-SEP-B - [0:0]
:KUBE-SVC-AFF - [0:0]
:KUBE-SEP-AFF - [0:0]
$KUBE_NAT_BASE
-A KUBE-SERVICES -m comment --comment \"default/web:http cluster IP\" -m tcp -p tcp -d 192.0.2.1/32 --dport 80 -j KUBE-SVC-WEB
-A KUBE-SVC-WEB -m comment --comment \"default/web:http cluster IP\" -m tcp -p tcp -d 192.0.2.1/32 --dport 80 ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ
-A KUBE-SVC-WEB -m comment --comment \"default/web:http -> 192.0.2.1:8081\" -m statistic --mode random --probability 0.50000000000 -j KUBE-SEP-A
-A KUBE-SVC-WEB -m comment --comment \"default/web:http -> 192.0.2.1:8082\" -j KUBE-SEP-B
-A KUBE-SEP-A -m comment --comment default/web:http -s 192.0.2.1/32 -j KUBE-MARK-MASQ
-A KUBE-SEP-A -m comment --comment default/web:http -m tcp -p tcp -j DNAT --to-destination 192.0.2.1:8081
-A KUBE-SEP-B -m comment --comment default/web:http -s 192.0.2.1/32 -j KUBE-MARK-MASQ
-A KUBE-SEP-B -m comment --comment default/web:http -m tcp -p tcp -j DNAT --to-destination 192.0.2.1:8082
-A KUBE-SERVICES -m comment --comment \"default/sticky:http cluster IP\" -m tcp -p tcp -d 192.0.2.1/32 --dport 81 -j KUBE-SVC-AFF
-A KUBE-SVC-AFF -m comment --comment \"default/sticky:http -> 192.0.2.1:8083\" -m recent --name KUBE-SEP-AFF --mask 255.255.255.255 --rsource --rcheck --seconds 10800 --reap -j KUBE-SEP-AFF
-A KUBE-SVC-AFF -m comment --comment \"default/sticky:http -> 192.0.2.1:8083\" -j KUBE-SEP-AFF
-A KUBE-SEP-AFF -m comment --comment default/sticky:http -s 192.0.2.1/32 -j KUBE-MARK-MASQ
-A KUBE-SEP-AFF -m comment --comment default/sticky:http -m recent --set --name KUBE-SEP-AFF --mask 255.255.255.255 --rsource -m tcp -p tcp -j DNAT --to-destination 192.0.2.1:8083
-A KUBE-SERVICES -m comment --comment \"kubernetes service nodeports; NOTE: this must be the last rule in this chain\" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS
COMMIT"
# A partial sync (MinimizeIPTablesRestore): endpoint 192.0.2.1:8081 went away, 8084 came;
# only the changed chains are written; KUBE-SEP-A is flushed and deleted.
KUBE_SYNC2="$KUBE_NAT_HEAD
:KUBE-SVC-WEB - [0:0]
:KUBE-SEP-C - [0:0]
:KUBE-SEP-A - [0:0]
$KUBE_NAT_BASE
-A KUBE-SERVICES -m comment --comment \"default/web:http cluster IP\" -m tcp -p tcp -d 192.0.2.1/32 --dport 80 -j KUBE-SVC-WEB
-A KUBE-SVC-WEB -m comment --comment \"default/web:http cluster IP\" -m tcp -p tcp -d 192.0.2.1/32 --dport 80 ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ
-A KUBE-SVC-WEB -m comment --comment \"default/web:http -> 192.0.2.1:8082\" -m statistic --mode random --probability 0.50000000000 -j KUBE-SEP-B
-A KUBE-SVC-WEB -m comment --comment \"default/web:http -> 192.0.2.1:8084\" -j KUBE-SEP-C
-A KUBE-SEP-C -m comment --comment default/web:http -s 192.0.2.1/32 -j KUBE-MARK-MASQ
-A KUBE-SEP-C -m comment --comment default/web:http -m tcp -p tcp -j DNAT --to-destination 192.0.2.1:8084
-A KUBE-SERVICES -m comment --comment \"default/sticky:http cluster IP\" -m tcp -p tcp -d 192.0.2.1/32 --dport 81 -j KUBE-SVC-AFF
-A KUBE-SERVICES -m comment --comment \"kubernetes service nodeports; NOTE: this must be the last rule in this chain\" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS
-X KUBE-SEP-A
COMMIT"

# serve PORT...: listeners on the node answering "pPORT-ok"
serve() { local p; for p in "$@"; do listen "$HOST" tcp 4 "$p" "p$p-ok"; done; for p in "$@"; do wait_listen "$HOST" tcp 4 "$p"; done; }
# answers N PORT: which listeners answered N connections from the client to the node's PORT
answers() {
    local out seen=
    for _ in $(seq 1 "$1"); do
        out=$(probe_tcp "$CLIENT" 4 "$HOST4" "$2")
        case " $seen " in *" $out "*) ;; *) seen="$seen $out" ;; esac
    done
    echo "$seen" | tr ' ' '\n' | sed '/^$/d' | sort | tr '\n' ' '
}

scenario() {
    transcript_impl
    # --- Docker ---
    docker_start
    snapshot docker-started
    docker_publish -A 8088 9090
    snapshot docker-published
    serve 9090
    check_eq "$IMPL: docker -p 8088:9090 reaches the 'container'" "p9090-ok " "$(answers 1 8088)"
    docker_start      # daemon restart: every rule is there already, nothing doubles
    snapshot docker-restarted
    docker_publish -D 8088 9090
    snapshot docker-unpublished
    check "$IMPL: after unpublish the port is closed" tcp_refused_or_dropped 8088
    # --- kube-proxy ---
    kube_jumps
    kube_jumps        # second sync loop: -N exits 1, every -C finds its rule
    snapshot kube-jumps
    t "iptables-save -t filter >/dev/null"
    t "iptables-save -t nat >/dev/null"
    kp_restore "$KUBE_FILTER
$KUBE_SYNC1"
    snapshot kube-sync1
    serve 8081 8082 8083 8084
    check_eq "$IMPL: service 192.0.2.1:80 balanced over both endpoints (statistic)" \
        "p8081-ok p8082-ok " "$(answers 16 80)"
    check_eq "$IMPL: session affinity service (recent)" "p8083-ok " "$(answers 3 81)"
    kp_restore "$KUBE_SYNC2"
    snapshot kube-sync2-partial
    check_eq "$IMPL: after the partial sync: endpoints 8082 and 8084" \
        "p8082-ok p8084-ok " "$(answers 16 80)"
    K "-L KUBE-PROXY-CANARY -t mangle >/dev/null"
    K "-L KUBE-PROXY-CANARY -t raw"                # missing: exit 1
    K "-C INPUT -t filter -j KUBE-NOPE"            # absent: exit 1
    K "-N KUBE-SERVICES -t nat"                    # exists: exit 1
    K "-D INPUT -t filter -s 192.0.2.99 -j DROP"   # absent rule
    # kube-proxy --cleanup-iptables
    for spec in "filter INPUT -m conntrack --ctstate NEW -m comment --comment \"kubernetes externally-visible service portals\" -j KUBE-EXTERNAL-SERVICES" \
        "filter INPUT -m comment --comment \"kubernetes health check service ports\" -j KUBE-NODEPORTS" \
        "filter FORWARD -m conntrack --ctstate NEW -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES" \
        "filter OUTPUT -m conntrack --ctstate NEW -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES" \
        "filter FORWARD -m comment --comment \"kubernetes forwarding rules\" -j KUBE-FORWARD" \
        "filter INPUT -m conntrack --ctstate NEW -m comment --comment \"kube-proxy firewall rules\" -j KUBE-PROXY-FIREWALL" \
        "nat OUTPUT -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES" \
        "nat PREROUTING -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES" \
        "nat POSTROUTING -m comment --comment \"kubernetes postrouting rules\" -j KUBE-POSTROUTING"; do
        read -r tb ch rest <<<"$spec"
        K "-D $ch -t $tb $rest"
    done
    kp_restore "*nat
:KUBE-SERVICES - [0:0]
:KUBE-POSTROUTING - [0:0]
:KUBE-NODEPORTS - [0:0]
:KUBE-MARK-MASQ - [0:0]
:KUBE-SVC-WEB - [0:0]
:KUBE-SEP-B - [0:0]
:KUBE-SEP-C - [0:0]
:KUBE-SVC-AFF - [0:0]
:KUBE-SEP-AFF - [0:0]
:KUBE-PROXY-CANARY - [0:0]
-X KUBE-SERVICES
-X KUBE-POSTROUTING
-X KUBE-NODEPORTS
-X KUBE-MARK-MASQ
-X KUBE-SVC-WEB
-X KUBE-SEP-B
-X KUBE-SEP-C
-X KUBE-SVC-AFF
-X KUBE-SEP-AFF
-X KUBE-PROXY-CANARY
COMMIT
*filter
:KUBE-NODEPORTS - [0:0]
:KUBE-SERVICES - [0:0]
:KUBE-EXTERNAL-SERVICES - [0:0]
:KUBE-FIREWALL - [0:0]
:KUBE-FORWARD - [0:0]
:KUBE-PROXY-FIREWALL - [0:0]
:KUBE-PROXY-CANARY - [0:0]
-X KUBE-NODEPORTS
-X KUBE-SERVICES
-X KUBE-EXTERNAL-SERVICES
-X KUBE-FIREWALL
-X KUBE-FORWARD
-X KUBE-PROXY-FIREWALL
-X KUBE-PROXY-CANARY
COMMIT"
    K "-X KUBE-PROXY-CANARY -t mangle"
    snapshot kube-cleaned
}
tcp_refused_or_dropped() { ! probe_tcp "$CLIENT" 4 "$HOST4" "$1" >/dev/null; }

run_both scenario
section "transcripts (exit codes, stdout, stderr of every command)"
compare_transcripts
summary
