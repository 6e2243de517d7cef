#!/usr/bin/env bash
# Installs the real client programs the client tests drive (ufw, fail2ban,
# iptables-persistent / netfilter-persistent, ansible-core, openssh-server, sudo) without letting
# their maintainer scripts touch this machine's firewall:
#   - a policy-rc.d that forbids every service start is in place during the
#     install (Debian's own mechanism; invoke-rc.d and deb-systemd-invoke obey
#     it), and removed again if this script put it there;
#   - the host's nft ruleset is compared before and after; if it changed, it is
#     restored from the copy taken before and the script fails.
# Usage (root): tests/clients/install-deps.sh     (.ci/run calls it)
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
PKGS=(ufw fail2ban ansible-core openssh-server openssh-client sudo)
# ufw's package Breaks iptables-persistent and netfilter-persistent, so these two
# are not installed: their .debs are fetched with apt-get download and unpacked
# (dpkg-deb -x, no maintainer script runs) into NP_ROOT; the tests bind-mount
# the unpacked files over /usr/sbin and /usr/share in a private mount namespace.
NP_PKGS=(netfilter-persistent iptables-persistent)
NP_ROOT=${NP_ROOT:-/var/cache/cxtables-clients/root}

missing=()
for p in "${PKGS[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
np_ok=1
for p in "${NP_PKGS[@]}"; do [ -e "$NP_ROOT/.$p" ] || np_ok=; done
if [ ${#missing[@]} -eq 0 ] && [ -n "$np_ok" ]; then
    echo "install-deps: ${PKGS[*]} installed, ${NP_PKGS[*]} unpacked in $NP_ROOT"
    exit 0
fi

before=$(mktemp /tmp/cxtables-ruleset.XXXXXX)
nft list ruleset >"$before"

policy=/usr/sbin/policy-rc.d
ours=
if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\n# cxtables tests/clients/install-deps.sh: no service starts during install\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    ours=1
fi
cleanup() {
    [ -n "$ours" ] && rm -f "$policy"
    rm -f "$before"
}
trap cleanup EXIT

if [ ${#missing[@]} -gt 0 ]; then
    apt-get install -y -qq --no-install-recommends -o Dpkg::Options::=--force-confdef \
        -o Dpkg::Options::=--force-confold "${missing[@]}" >/dev/null
fi
if [ -z "$np_ok" ]; then
    dl=$(mktemp -d /tmp/cxtables-debs.XXXXXX)
    chmod 755 "$dl"   # apt-get download fetches as the _apt user
    (cd "$dl" && apt-get download -qq "${NP_PKGS[@]}" >/dev/null)
    mkdir -p "$NP_ROOT"
    for p in "${NP_PKGS[@]}"; do
        dpkg-deb -x "$dl"/"$p"_*.deb "$NP_ROOT"
        touch "$NP_ROOT/.$p"
    done
    rm -rf "$dl"
fi

if ! nft list ruleset | cmp -s - "$before"; then
    echo "install-deps: the host's ruleset changed during the install; restoring it" >&2
    nft flush ruleset
    nft -f "$before"
    exit 1
fi
echo "install-deps: installed ${missing[*]:-nothing new}, unpacked ${NP_PKGS[*]} in $NP_ROOT; host ruleset unchanged"
