# shellcheck shell=bash
# fleet_lib.sh: a fleet of hosts for the Ansible collection's tests and benchmark, sourced after
# tests/kernel/lib.sh (namespaces, cleanup, checks).
#
# fleet_up N makes, in network namespaces of this run only:
#   CTL       the controller: a bridge br0 with 198.51.100.1/24 and 2001:db8::1/64;
#   OUTSIDE   a stranger on the same wire: 203.0.113.5/24 and 2001:db8:ffff::5/64;
#   HOSTS[i]  hosts h1..hN: eth0 (a veth into br0) with 198.51.100.(10+i)/24 and
#             2001:db8::(10+i)/64, each running Debian's sshd on its addresses, started by
#             fleet_sshd with its own config and host key, inside a private mount namespace
#             whose /etc, /run and /var/backups are overlays (what the modules write there,
#             such as /etc/iptables/rules.v4 and /run/cxtables, stays private to the host and
#             to this run; the machine's own files are never written).
# Key-based SSH only: the controller's key is made here, known_hosts lists every host key.
# FLEET_DIR holds the inventory, ansible.cfg, keys, the installed collection and the logs.

FLEET_PORT_WAIT=50   # tenths of a second to wait for an sshd to listen

fleet_addr4() { echo "198.51.100.$((10 + $1))"; }
fleet_addr6() { echo "2001:db8::$((10 + $1))"; }

# fleet_sshd I [PATH]: (re)start host I's sshd; sessions get PATH (default: BIN first).
fleet_sshd() {
    local i=$1 path=${2:-$BIN:/usr/sbin:/usr/bin:/sbin:/bin} ns=${HOSTS[$1]} d=$FLEET_DIR/h$1
    if [ -s "$d/sshd.pid" ]; then
        # The listener and every session it started (the controller's persistent connection
        # too, so that the next task logs in to the new sshd).
        ns_kill_pids "$ns"
        rm -f "$d/sshd.pid"
    fi
    cat >"$d/sshd_config" <<EOF
Port 22
ListenAddress $(fleet_addr4 "$i")
ListenAddress $(fleet_addr6 "$i")
HostKey $d/ssh_host_ed25519_key
PidFile $d/sshd.pid
AuthorizedKeysFile $FLEET_DIR/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
SetEnv PATH=$path
MaxStartups 64
LogLevel ERROR
EOF
    local ov="" dir key
    for dir in /etc /run /var/backups; do
        key=$(echo "$dir" | tr / _)
        mkdir -p "$d/ov/$key/upper" "$d/ov/$key/work"
        ov+="mount -t overlay overlay -o lowerdir=$dir,upperdir=$d/ov/$key/upper,workdir=$d/ov/$key/work $dir && "
    done
    ip netns exec "$ns" unshare -m --propagation private sh -c \
        "${ov}mkdir -p /run/sshd && exec /usr/sbin/sshd -D -e -f $d/sshd_config" \
        >>"$d/sshd.log" 2>&1 &
    local t
    for t in $(seq 1 $FLEET_PORT_WAIT); do
        ip netns exec "$ns" ss -Hltn 'sport = :22' | grep -q "$(fleet_addr4 "$i")" && return 0
        sleep 0.1
    done
    echo "fleet_sshd: h$i's sshd did not start:" >&2
    cat "$d/sshd.log" >&2
    return 1
}

# fleet_up N: the namespaces, the wire, the sshds, the inventory; the collection built and
# installed into FLEET_DIR/collections (offline, from this tree's ansible/).
fleet_up() {
    local n=$1 i ns
    FLEET_DIR=$CXT_TMP/fleet
    mkdir -p "$FLEET_DIR/home/tmp" "$FLEET_DIR/collections" "$FLEET_DIR/inventory/host_vars"
    CTL=$(ns_name ctl)
    OUTSIDE=$(ns_name out)
    ns_add "$CTL" || return 1
    ns_add "$OUTSIDE" || return 1
    ip -n "$CTL" link add br0 type bridge || return 1
    ip -n "$CTL" addr add 198.51.100.1/24 dev br0
    ip -n "$CTL" -6 addr add 2001:db8::1/64 dev br0 nodad
    ip -n "$CTL" link set br0 up
    ip -n "$CTL" link add o0 type veth peer name eth0 netns "$OUTSIDE" || return 1
    ip -n "$CTL" link set o0 master br0 up
    ip -n "$OUTSIDE" addr add 203.0.113.5/24 dev eth0
    ip -n "$OUTSIDE" -6 addr add 2001:db8:ffff::5/64 dev eth0 nodad
    ip -n "$OUTSIDE" link set eth0 up
    ip -n "$OUTSIDE" route add 198.51.100.0/24 dev eth0
    ip -n "$OUTSIDE" -6 route add 2001:db8::/64 dev eth0
    ssh-keygen -q -t ed25519 -N '' -C cxtables-fleet-controller -f "$FLEET_DIR/id_ed25519" || return 1
    cp "$FLEET_DIR/id_ed25519.pub" "$FLEET_DIR/authorized_keys"
    : >"$FLEET_DIR/known_hosts"
    HOSTS=()
    for i in $(seq 1 "$n"); do
        ns=$(ns_name "h$i")
        HOSTS[$i]=$ns
        ns_add "$ns" || return 1
        ip -n "$CTL" link add "v$i" type veth peer name eth0 netns "$ns" || return 1
        ip -n "$CTL" link set "v$i" master br0 up
        ip -n "$ns" addr add "$(fleet_addr4 "$i")/24" dev eth0
        ip -n "$ns" -6 addr add "$(fleet_addr6 "$i")/64" dev eth0 nodad
        ip -n "$ns" link set eth0 up
        ip -n "$ns" route add 203.0.113.0/24 dev eth0
        ip -n "$ns" -6 route add 2001:db8:ffff::/64 dev eth0
        mkdir -p "$FLEET_DIR/h$i"
        ssh-keygen -q -t ed25519 -N '' -C "h$i" -f "$FLEET_DIR/h$i/ssh_host_ed25519_key" || return 1
        printf '%s,%s %s\n' "$(fleet_addr4 "$i")" "$(fleet_addr6 "$i")" \
            "$(cut -d' ' -f1-2 "$FLEET_DIR/h$i/ssh_host_ed25519_key.pub")" >>"$FLEET_DIR/known_hosts"
    done
    for i in $(seq 1 "$n"); do fleet_sshd "$i" || return 1; done
    fleet_inventory "$n"
    cat >"$FLEET_DIR/ansible.cfg" <<EOF
[defaults]
inventory = $FLEET_DIR/inventory/hosts
collections_path = $FLEET_DIR/collections
forks = 32
host_key_checking = True
retry_files_enabled = False
nocolor = True
interpreter_python = /usr/bin/python3
local_tmp = $FLEET_DIR/home/tmp
timeout = 20

[ssh_connection]
pipelining = True
ssh_args = -o ControlMaster=auto -o ControlPersist=60s -o UserKnownHostsFile=$FLEET_DIR/known_hosts -o StrictHostKeyChecking=yes -o IdentitiesOnly=yes
control_path_dir = $FLEET_DIR/home/cp
EOF
    (cd "$FLEET_DIR" && ansible-galaxy collection build --force "$CXT_REPO/ansible" >/dev/null &&
        fleet_ctl 300 ansible-galaxy collection install --force -p "$FLEET_DIR/collections" \
            "$FLEET_DIR"/cxtables-firewall-*.tar.gz >/dev/null) || return 1
}

# fleet_inventory N: web = the first half of the hosts, db = the rest.
fleet_inventory() {
    local n=$1 i inv=$FLEET_DIR/inventory/hosts
    {
        echo "[web]"
        for i in $(seq 1 $((n / 2))); do echo "h$i ansible_host=$(fleet_addr4 "$i")"; done
        echo "[db]"
        for i in $(seq $((n / 2 + 1)) "$n"); do echo "h$i ansible_host=$(fleet_addr4 "$i")"; done
        echo "[fleet:children]"
        echo "web"
        echo "db"
        echo "[fleet:vars]"
        echo "ansible_user=root"
        echo "ansible_ssh_private_key_file=$FLEET_DIR/id_ed25519"
    } >"$inv"
}

# fleet_ctl SECONDS CMD...: CMD on the controller (in CTL) with the fleet's Ansible
# configuration and a private HOME, at most SECONDS long; stdout and stderr on stdout.
fleet_ctl() {
    local secs=$1
    shift
    ip netns exec "$CTL" timeout "$secs" env HOME="$FLEET_DIR/home" \
        ANSIBLE_CONFIG="$FLEET_DIR/ansible.cfg" ANSIBLE_NOCOLOR=1 ANSIBLE_FORCE_COLOR=0 \
        LC_ALL=C.UTF-8 "$@" 2>&1
}

# fleet_play ARGS...: ansible-playbook on the controller; output in FLEET_OUT, status in
# FLEET_RC.
fleet_play() {
    FLEET_OUT=$(fleet_ctl 600 ansible-playbook "$@")
    FLEET_RC=$?
}

# fleet_ansible HOST ARGS...: one ad-hoc `ansible` module call from the controller, its output
# on stdout.
fleet_ansible() { fleet_ctl 300 ansible "$@"; }

# recap HOST: "ok=N changed=N unreachable=N failed=N ..." of FLEET_OUT's PLAY RECAP.
recap() { printf '%s\n' "$FLEET_OUT" | sed -n "s/^$1 *: //p" | tr -s ' ' | tail -1; }
recap_field() { recap "$1" | sed -n "s/.*\b$2=\([0-9]*\).*/\1/p"; }

# host_save I [4|6]: host I's live ruleset (comments and counters dropped).
host_save() {
    local save=iptables-save
    [ "${2:-4}" == 6 ] && save=ip6tables-save
    ip netns exec "${HOSTS[$1]}" "$BIN/$save" | grep -v '^#' | sed 's/ \[[0-9]*:[0-9]*\]$//'
}
