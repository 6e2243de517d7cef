#!/usr/bin/env bash
# fail2ban-scale benchmark: per-call cost of banning and unbanning one address when a chain
# already holds N bans, for build/sbin and the reference, in throwaway network namespaces.
# The N bans are loaded with one restore (the calls under test are the single -I / -D that
# fail2ban makes: `iptables -w -I f2b-x 1 -s ADDR -j REJECT --reject-with icmp-port-unreachable`
# and the same with -D). Prints the median CPU (user+sys) and wall time per call.
# Operations: ins (a new ban at the head), del (the ban just inserted, at the head), delend
# (one of the oldest bans, at the end of the chain: fail2ban inserts at the head, so bans
# expire from the end).
# Implementations: ref (iptables-nft), cx (build/sbin), cxopt (build/sbin with the jail chain
# compiled: loaded with iptables-restore --optimize, docs/compiled-chains.md). BIN=DIR: another
# build than build/sbin.
#   bench/f2b-bench.sh [-n "1000 10000 100000"] [-c CALLS] [-i "ref cx cxopt"]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
sizes="1000 10000 100000"
calls=20
impls="ref cx cxopt"
while getopts "n:c:i:" o; do
  case $o in
    n) sizes=$OPTARG ;;
    c) calls=$OPTARG ;;
    i) impls=$OPTARG ;;
    *) echo "usage: $0 [-n SIZES] [-c CALLS] [-i IMPLS]" >&2; exit 2 ;;
  esac
done
ns=cxf2b$$
tmp=$(mktemp -d)
# runone (bench/runone.c) times one process in the namespace: "wall cpu maxrss rc".
runone=$tmp/runone
cc -O2 -o "$runone" "$here/bench/runone.c"
cleanup() { ip netns del "$ns" 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT

# The i-th ban: the three documentation /24s hold 762 hosts, so a port number keeps every
# ban unique without leaving documentation address space.
addr() {
  local i=$1
  local nets=(198.51.100 203.0.113 192.0.2)
  local n=$((i % 3)) h=$(((i / 3) % 254 + 1)) k=$((i / 762))
  echo "${nets[$n]}.$h $((k + 1))"
}

gen() {
  local n=$1 i a p
  echo "*filter"
  echo ":f2b-x - [0:0]"
  for ((i = 0; i < n; i++)); do
    read -r a p <<<"$(addr "$i")"
    echo "-A f2b-x -s $a/32 -p tcp -m tcp --dport $p -j REJECT --reject-with icmp-port-unreachable"
  done
  echo "COMMIT"
}

median() { sort -n | awk '{a[NR]=$1} END {if (NR) print a[int((NR+1)/2)]; else print "nan"}'; }

measure() {
  local bin=$1 n=$2 op=$3 i a p
  : >"$tmp/times"
  for ((i = 0; i < calls; i++)); do
    read -r a p <<<"$(addr "$((n + 100000 + i))")"
    if [ "$op" = del ]; then
      ip netns exec "$ns" "$bin/iptables" -w -I f2b-x 1 -s "$a" -p tcp --dport "$p" -j REJECT \
        --reject-with icmp-port-unreachable
    fi
    local o=(-I f2b-x 1)
    [ "$op" = del ] && o=(-D f2b-x)
    if [ "$op" = delend ]; then
      o=(-D f2b-x)
      read -r a p <<<"$(addr "$((n - 1 - i))")"
    fi
    "$runone" "$tmp/one" "$ns" "$bin/iptables" -w "${o[@]}" \
      -s "$a" -p tcp --dport "$p" -j REJECT --reject-with icmp-port-unreachable
    cat "$tmp/one" >>"$tmp/times"
    awk -v what="$op N=$n $bin" '$4 != 0 {print "# " what ": a call exited " $4 > "/dev/stderr"}' \
      "$tmp/one"
    # (by its spec, as fail2ban unbans: -D by number rebuilds a compiled chain)
    if [ "$op" = ins ]; then
      ip netns exec "$ns" "$bin/iptables" -w -D f2b-x -s "$a" -p tcp --dport "$p" -j REJECT \
        --reject-with icmp-port-unreachable
    fi
  done
  local cpu wall
  cpu=$(awk 'NF {print $2}' "$tmp/times" | median)
  wall=$(awk 'NF {print $1}' "$tmp/times" | median)
  echo "$cpu $wall"
}

printf "%-8s %8s %-10s %12s %12s\n" op N impl cpu_s/call wall_s/call
for n in $sizes; do
  gen "$n" >"$tmp/rules"
  for impl in $impls; do
    bin=/usr/sbin
    [ "$impl" != ref ] && bin=${BIN:-$here/build/sbin}
    restore=$bin/iptables-restore
    [ "$impl" = ref ] && restore=/usr/sbin/iptables-nft-restore
    opt=()
    [ "$impl" = cxopt ] && opt=(--optimize)
    ip netns del "$ns" 2>/dev/null || true
    ip netns add "$ns"
    ip netns exec "$ns" "$restore" "${opt[@]}" <"$tmp/rules"
    b=$bin
    if [ "$impl" = ref ]; then b=$tmp/refbin; mkdir -p "$b"; ln -sf /usr/sbin/iptables-nft "$b/iptables"; fi
    for op in ins del delend; do
      read -r cpu wall <<<"$(measure "$b" "$n" "$op")"
      printf "%-8s %8s %-10s %12s %12s\n" "$op" "$n" "$impl" "$cpu" "$wall"
    done
    ip netns del "$ns"
    sleep 1
  done
done
