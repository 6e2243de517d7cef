#!/usr/bin/env bash
# Ansible fleet benchmark: wall time of ansible-playbook applying the guide's single-host policy
# (tests/fleet/playbooks/site.yml, IPv4 and IPv6) to a fleet of N SSH hosts in namespaces
# (tests/fleet/fleet_lib.sh), first run (every host changes) and no-op run (nothing changes),
# each repeated R times on a fresh fleet.
#   bench/fleet-bench.sh [-n "8 32"] [-r 3]      (as root; BIN defaults to build/sbin)
# Prints one line per size: hosts, median and every figure of the first and no-op runs.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
sizes="8 32"
reps=3
while getopts "n:r:" o; do
    case $o in
        n) sizes=$OPTARG ;;
        r) reps=$OPTARG ;;
        *) echo "usage: $0 [-n SIZES] [-r REPS]" >&2; exit 2 ;;
    esac
done
export BIN=${BIN:-$ROOT/build/sbin}
CXT_REPO=$ROOT
# shellcheck source=tests/kernel/lib.sh
. "$ROOT/tests/kernel/lib.sh"
# shellcheck source=tests/fleet/fleet_lib.sh
. "$ROOT/tests/fleet/fleet_lib.sh"

median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
timed_play() {
    local t0 t1
    t0=$(date +%s.%N)
    fleet_play "$ROOT/tests/fleet/playbooks/site.yml"
    t1=$(date +%s.%N)
    [ "$FLEET_RC" -eq 0 ] || { echo "site.yml failed:" >&2; printf '%s\n' "$FLEET_OUT" | tail -20 >&2; return 1; }
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f\n", b - a }'
}

printf '%-6s %-28s %-28s\n' hosts "first run s (median; all)" "no-op run s (median; all)"
for n in $sizes; do
    firsts=() noops=()
    for _ in $(seq 1 "$reps"); do
        mktmp
        fleet_up "$n" || { echo "fleet of $n did not come up" >&2; exit 1; }
        firsts+=("$(timed_play)") || exit 1
        noops+=("$(timed_play)") || exit 1
        for ns in "${CXT_NAMESPACES[@]}"; do ns_del "$ns"; done
        rm -rf "$CXT_TMP"
    done
    printf '%-6s %-28s %-28s\n' "$n" \
        "$(printf '%s\n' "${firsts[@]}" | median); ${firsts[*]}" \
        "$(printf '%s\n' "${noops[@]}" | median); ${noops[*]}"
done
