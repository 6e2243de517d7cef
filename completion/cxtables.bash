# bash completion for cxtables(8): its commands and their options. The drop-in names
# (iptables, iptables-save, ...) keep the completion of Debian's iptables package.

_cxtables_netns() {
    local n
    for n in /run/netns/*; do [ -e "$n" ] && printf '%s\n' "${n##*/}"; done
}

_cxtables() {
    local cur prev words cword
    _init_completion || return

    local commands="trace apply lint optimize save restore"
    local names="iptables ip6tables iptables-save ip6tables-save iptables-restore
        ip6tables-restore iptables-nft ip6tables-nft iptables-nft-save ip6tables-nft-save
        iptables-nft-restore ip6tables-nft-restore iptables-translate ip6tables-translate
        iptables-restore-translate ip6tables-restore-translate xtables-monitor"

    if [ "$cword" -eq 1 ]; then
        if [[ $cur == -* ]]; then
            mapfile -t COMPREPLY < <(compgen -W "-h --help -V --version" -- "$cur")
        else
            mapfile -t COMPREPLY < <(compgen -W "$commands $names" -- "$cur")
        fi
        return
    fi

    local cmd=${words[1]} opts=
    case $cmd in
        trace)
            case $prev in
                --ruleset | --batch | --pcap) _filedir; return ;;
                --netns) mapfile -t COMPREPLY < <(compgen -W "$(_cxtables_netns)" -- "$cur"); return ;;
                --in | --out) _available_interfaces; return ;;
                -p) mapfile -t COMPREPLY < <(compgen -W "tcp udp icmp icmpv6 sctp udplite" -- "$cur"); return ;;
                --ctstate) mapfile -t COMPREPLY < <(compgen -W "NEW ESTABLISHED RELATED INVALID UNTRACKED" -- "$cur"); return ;;
                --src | --dst | --sport | --dport | --tcp-flags | --icmp-type | --mark | --ctdir | \
                    --ctstatus | --length | --payload | --tos | --ttl | --uid | --gid | --local-addr | \
                    --route | --iface-addr | --assume-match | --assume-nomatch | --max-paths) return ;;
            esac
            opts="-4 -6 -h --help --in --out --src --dst -p --sport --dport --syn --ack --synack
                --fin --rst --tcp-flags --icmp-type --mark --ctstate --ctdir --ctstatus --length
                --payload --fragment --tos --ttl --uid --gid --local --forward --outgoing
                --local-addr --route --iface-addr --no-host --ruleset --netns --assume-match
                --assume-nomatch --explore --max-paths --pcap --batch --json"
            ;;
        apply)
            case $prev in
                --netns) mapfile -t COMPREPLY < <(compgen -W "$(_cxtables_netns)" -- "$cur"); return ;;
                --state-dir) _filedir -d; return ;;
                -t | --timeout | --ssh) return ;;
            esac
            opts="-4 -6 -h --help -t --timeout --background --check --force --optimize --netns --ssh --state-dir --confirm"
            ;;
        optimize)
            case $prev in
                -t) mapfile -t COMPREPLY < <(compgen -W "filter nat mangle raw security" -- "$cur"); return ;;
                --min-run) return ;;
            esac
            opts="on off status -4 -6 -t --min-run -h --help"
            ;;
        lint)
            case $prev in
                --netns) mapfile -t COMPREPLY < <(compgen -W "$(_cxtables_netns)" -- "$cur"); return ;;
            esac
            opts="-4 -6 -h --help --json --netns"
            ;;
        save)
            case $prev in
                -t | --table) mapfile -t COMPREPLY < <(compgen -W "filter nat mangle raw security" -- "$cur"); return ;;
            esac
            opts="--json -4 -6 -t --table -c --counters -h --help"
            ;;
        restore)
            opts="--json -4 -6 -h --help"
            ;;
        *)
            # cxtables NAME ...: complete as the name would be.
            if [[ " $names " == *" $cmd "* ]]; then
                _command_offset 1
            fi
            return
            ;;
    esac
    if [[ $cur == -* ]]; then
        mapfile -t COMPREPLY < <(compgen -W "$opts" -- "$cur")
    else
        case $cmd in apply | lint | restore) _filedir ;; esac
    fi
} && complete -F _cxtables cxtables
