#!/bin/bash
# privns.sh STATE CMD...: run CMD in a private mount namespace (the caller runs this under
# `unshare -m --propagation private`, usually inside `ip netns exec NS`), where
#
#   /etc, /var/lib, /var/log, /run  are overlays whose writes land in STATE/ov/ (so ufw's
#                                   /etc/ufw, fail2ban's /etc/fail2ban, /etc/iptables,
#                                   /etc/alternatives and /var/lib/dpkg/alternatives are
#                                   private to the test run, and persist from one call
#                                   with the same STATE to the next);
#   /usr/sbin, /usr/share           are read-only overlays that add the unpacked
#                                   netfilter-persistent / iptables-persistent files
#                                   (NP_ROOT, see install-deps.sh), if there are any.
#
# Nothing here can change the machine: the overlays' lower layers are never written, and
# /usr/sbin is read-only, so not even update-alternatives could re-point /usr/sbin/iptables.
# Which iptables /usr/sbin/iptables is depends on STATE's private /etc/alternatives:
# lib.sh's client_state makes it point at BIN (cxtables-alternatives install) or leaves it
# at the machine's reference iptables-nft.
set -eu
STATE=$1
shift
NP_ROOT=${NP_ROOT:-/var/cache/cxtables-clients/root}

# Refuse to run unless we really are in a mount namespace of our own.
if [ "$(readlink /proc/self/ns/mnt)" == "$(readlink /proc/1/ns/mnt)" ]; then
    echo "privns.sh: not in a private mount namespace; refusing" >&2
    exit 99
fi
mount --make-rprivate /

overlay_rw() {
    local dir=$1 key
    key=$(echo "$dir" | tr / _)
    mkdir -p "$STATE/ov/$key/upper" "$STATE/ov/$key/work"
    # Retried: once in a full CI run the kernel refused the /var/lib overlay for a moment
    # ("special device overlay does not exist") and the client test lost its scenario.
    local try
    for try in 1 2 3; do
        mount -t overlay overlay \
            -o "lowerdir=$dir,upperdir=$STATE/ov/$key/upper,workdir=$STATE/ov/$key/work" "$dir" &&
            return 0
        sleep 1
    done
    return 1
}
overlay_ro() {
    local dir=$1
    if [ -d "$NP_ROOT$dir" ]; then
        mount -t overlay overlay -o "lowerdir=$NP_ROOT$dir:$dir" "$dir"
    else
        mount --bind "$dir" "$dir"
        mount -o remount,bind,ro "$dir"
    fi
}
for d in /etc /var/lib /var/log /run; do overlay_rw "$d"; done
for d in /usr/sbin /usr/share; do overlay_ro "$d"; done
exec "$@"
