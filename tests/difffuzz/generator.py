"""Random command sequences for the differential fuzzer (difffuzz.py).

A sequence is a list of steps; a step is a dict
    {"prog": "iptables" | "ip6tables" | "iptables-save" | ... | "nft",
     "args": [str, ...],
     "stdin": str or None}
and is derived only from its seed (generate(seed)), so a seed reproduces it anywhere.

Values are drawn from small pools that mix valid and invalid input on purpose. Only
documentation addresses are used (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32)
plus loopback and the all-zero prefixes. Nothing here is nondeterministic by itself: the
generator avoids what would make the reference and the candidate differ without a bug
(host names that need DNS, current time, traffic).
"""

import random

# ---------------------------------------------------------------------------
# Value pools
# ---------------------------------------------------------------------------

# Each pool is valid values first, then invalid ones (pool() records where they start).
VALID = {}


def pool(ok, bad):
    p = ok + bad
    VALID[id(p)] = len(ok)
    return p


ADDR4 = pool(["192.0.2.1", "192.0.2.0/24", "198.51.100.7/32", "203.0.113.0/255.255.255.0",
              "0.0.0.0/0", "192.0.2.5/24", "203.0.113.9/255.0.255.0", "198.51.100.0/25",
              "192.0.2.1,198.51.100.2", "127.0.0.1", "localhost", "0/0",
              "192.0.2.1/32,192.0.2.1"],
             ["192.0.2.1/33", "192.0.2.300", "192.0.2.1/-1", "192.0.2.1/"])
ADDR6 = pool(["2001:db8::1", "2001:db8::/32", "2001:db8:1::/48", "::/0", "2001:db8::5/64",
              "::1", "2001:db8::1,2001:db8::2", "2001:db8::/ffff:ffff::",
              "::ffff:192.0.2.1", "fe80::1/10"],
             ["2001:db8::1/129", "2001:db8::g", "2001:db8::1/-3"])
IFACES = pool(["eth0", "eth+", "lo", "veth-a.1", "wlan0", "x" * 15, "+", "eth0+", "br0"],
              ["y" * 16, "e!h", ""])
PROTOS = pool(["tcp", "tcp", "tcp", "udp", "udp", "icmp", "all", "sctp", "udplite", "6", "17",
               "0", "esp", "gre", "TCP", "ah", "dccp"],
              ["foo", "256", "ipv6-icmp", "icmpv6"])
PORTS = pool(["22", "80", "443", "0", "65535", "1000:2000", ":1024", "1024:", "ssh", "http",
              "22:22", "2000:1000"],
             ["65536", "nosuchservice", "-1", "22,80", "0x16"])
MARKS = pool(["1", "0x1", "0xff/0xff", "5/0xf", "0xffffffff", "0"],
             ["0x100000000", "abc", "-1", "1/2/3"])
NAMES = pool(["user1", "user2", "mychain", "LOGDROP", "a" * 28, "1", "x!y"],
             ["b" * 29, "c" * 31, "-bad", "has space", "INPUT", "ACCEPT", "!x"])
POLICIES = pool(["ACCEPT", "DROP", "ACCEPT", "DROP"], ["RETURN", "QUEUE", "accept", "user1",
                                                      "-"])
COMMENTS = pool(["hello", "two words", "quote\"inside", "'single'", "x" * 255, "",
                 "tab\there", "ünïcode", "--dport 22"], ["y" * 256])

TABLES = {
    "filter": ["INPUT", "FORWARD", "OUTPUT"],
    "nat": ["PREROUTING", "INPUT", "OUTPUT", "POSTROUTING"],
    "mangle": ["PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"],
    "raw": ["PREROUTING", "OUTPUT"],
    "security": ["INPUT", "FORWARD", "OUTPUT"],
}
BAD_TABLES = ["foo", "FILTER", "broute", "nat2", ""]


# While a "clean" command is generated, pick() draws only valid values: the valid part of a
# pool() list, or the first half of any other list (lists name their valid values first).
# Structural mistakes (double "!", repeated options) are left out too. About half of the
# commands are clean, so that sequences get past their first error often enough.
CLEAN = [False]


def pick(r, values):
    if CLEAN[0]:
        n = VALID.get(id(values), (len(values) + 1) // 2)
        return r.choice(values[:max(1, n)])
    return r.choice(values)


def dirty(r, p):
    """True with probability p, never in a clean command."""
    return not CLEAN[0] and r.random() < p


def maybe(r, p):
    return r.random() < p


def neg(r, p=0.15):
    return ["!"] if maybe(r, p) else []


class Ctx:
    """What the generator knows while building one sequence."""

    def __init__(self, r, fam):
        self.r = r
        self.fam = fam          # 4 or 6
        self.table = "filter"
        self.chain = "INPUT"
        self.proto = None       # protocol given with -p in the rule being built
        self.users = ["user1"]  # user chain names likely to exist

    def addr(self):
        pool = ADDR6 if self.fam == 6 else ADDR4
        # now and then the other family's address, on purpose
        if dirty(self.r, 0.05):
            pool = ADDR4 if self.fam == 6 else ADDR6
        return pick(self.r, pool)


# ---------------------------------------------------------------------------
# Matches: name -> function(ctx) returning the option tokens after "-m name"
# ---------------------------------------------------------------------------

def m_tcp(c):
    r, out = c.r, []
    for _ in range(r.randint(0, 3)):
        opt = pick(r, ["--sport", "--dport", "--source-port", "--destination-port",
                       "--tcp-flags", "--syn", "--tcp-option", "--dports"])
        if opt == "--tcp-flags":
            out += neg(r) + [opt, pick(r, ["SYN,ACK,FIN,RST", "ALL", "SYN", "FOO", "NONE"]),
                             pick(r, ["SYN", "NONE", "ALL", "ACK,FIN", "BAR"])]
        elif opt == "--syn":
            out += neg(r) + [opt]
        elif opt == "--tcp-option":
            out += neg(r) + [opt, pick(r, ["2", "5", "255", "256", "x"])]
        else:
            out += neg(r) + [opt, pick(r, PORTS)]
    return out


def m_udp(c):
    r, out = c.r, []
    for _ in range(r.randint(0, 2)):
        out += neg(r) + [pick(r, ["--sport", "--dport", "--sports"]), pick(r, PORTS)]
    return out


def m_icmp(c):
    return neg(c.r) + ["--icmp-type", pick(c.r, [
        "echo-request", "8", "8/0", "3/300", "any", "port-unreachable", "bogus", "255",
        "echo-reply", "destination-unreachable", "0/0", "13"])]


def m_icmp6(c):
    return neg(c.r) + ["--icmpv6-type", pick(c.r, [
        "echo-request", "128", "1/4", "any", "neighbour-solicitation", "bogus", "300",
        "packet-too-big", "destination-unreachable"])]


def m_multiport(c):
    r = c.r
    lists = ["22,80,443", "1:10,20", "22", "1,2,3,4,5,6,7,8,9,10,11,12,13,14,15",
             "1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16", "ssh,http", "10:5", "22,", "a,b"]
    out = neg(r) + [pick(r, ["--dports", "--sports", "--ports", "--destination-ports",
                             "--source-ports"]), pick(r, lists)]
    if maybe(r, 0.1):
        out += ["--dports", "80"]
    return out


def m_conntrack(c):
    r, out = c.r, []
    states = ["NEW", "ESTABLISHED,RELATED", "INVALID", "UNTRACKED", "SNAT,DNAT", "NEW,bogus",
              "RELATED"]
    for _ in range(r.randint(1, 2)):
        opt = pick(r, ["--ctstate", "--ctstate", "--ctproto", "--ctorigsrc", "--ctorigdst",
                       "--ctreplsrc", "--ctstatus", "--ctdir", "--ctexpire",
                       "--ctorigsrcport", "--ctrepldstport", "--ctstate"])
        val = {"--ctstate": lambda: pick(r, states),
               "--ctproto": lambda: pick(r, ["tcp", "udp", "6", "foo"]),
               "--ctstatus": lambda: pick(r, ["ASSURED", "EXPECTED,SEEN_REPLY", "NONE",
                                              "CONFIRMED", "bad"]),
               "--ctdir": lambda: pick(r, ["ORIGINAL", "REPLY", "BOTH"]),
               "--ctexpire": lambda: pick(r, ["10", "10:20", "20:10", "x"]),
               "--ctorigsrcport": lambda: pick(r, ["22", "1000:2000", "x"]),
               "--ctrepldstport": lambda: pick(r, ["80", "0"]),
               }.get(opt, c.addr)()
        if opt == "--ctdir":
            out += [opt, val]
        else:
            out += neg(r) + [opt, val]
    return out


def m_state(c):
    return neg(c.r) + ["--state", pick(c.r, ["NEW", "ESTABLISHED,RELATED", "INVALID",
                                             "UNTRACKED", "NEW,FOO", "new"])]


def m_mark(c):
    return neg(c.r) + ["--mark", pick(c.r, MARKS)]


def m_connmark(c):
    return neg(c.r) + ["--mark", pick(c.r, MARKS)]


def m_comment(c):
    return ["--comment", pick(c.r, COMMENTS)]


def m_limit(c):
    r, out = c.r, []
    if maybe(r, 0.9):
        out += ["--limit", pick(r, ["5/min", "3/second", "1/hour", "10/day", "5/s", "5",
                                    "5/fortnight", "0/s", "1000000/s", "x"])]
    if maybe(r, 0.5):
        out += ["--limit-burst", pick(r, ["10", "0", "1", "10001", "x"])]
    return out


def m_length(c):
    return neg(c.r) + ["--length", pick(c.r, ["100", "100:200", "200:100", ":1500", "65536",
                                              "x"])]


def m_ttl(c):
    return [pick(c.r, ["--ttl-eq", "--ttl-gt", "--ttl-lt"]),
            pick(c.r, ["64", "0", "255", "256", "x"])]


def m_hl(c):
    return neg(c.r) + [pick(c.r, ["--hl-eq", "--hl-gt", "--hl-lt"]),
                       pick(c.r, ["64", "1", "255", "256"])]


def m_addrtype(c):
    r, out = c.r, []
    types = ["LOCAL", "UNICAST", "BROADCAST,MULTICAST", "LOCAL,UNICAST", "BLACKHOLE", "bogus"]
    if maybe(r, 0.7):
        out += neg(r) + ["--src-type", pick(r, types)]
    if maybe(r, 0.6) or not out:
        out += neg(r) + ["--dst-type", pick(r, types)]
    if maybe(r, 0.2):
        out += [pick(r, ["--limit-iface-in", "--limit-iface-out"])]
    return out


def m_iprange(c):
    r = c.r
    if c.fam == 6:
        rng = pick(r, ["2001:db8::1-2001:db8::9", "2001:db8::9-2001:db8::1", "2001:db8::1"])
    else:
        rng = pick(r, ["192.0.2.1-192.0.2.10", "192.0.2.10-192.0.2.1", "192.0.2.1",
                       "192.0.2.1-x", "198.51.100.0-198.51.100.255"])
    return neg(r) + [pick(r, ["--src-range", "--dst-range"]), rng]


def m_mac(c):
    return neg(c.r) + ["--mac-source", pick(c.r, ["00:11:22:33:44:55", "00:11:22:33:44",
                                                  "zz:11:22:33:44:55", "00:11:22:33:44:55:66",
                                                  "0:1:2:3:4:5"])]


def m_pkttype(c):
    return neg(c.r) + ["--pkt-type", pick(c.r, ["unicast", "broadcast", "multicast", "host",
                                                "bogus", "BROADCAST"])]


def m_set(c):
    return neg(c.r) + ["--match-set", pick(c.r, ["myset", "x" * 40]),
                       pick(c.r, ["src", "dst", "src,dst", "foo"])]


def m_string(c):
    r = c.r
    out = ["--algo", pick(r, ["bm", "kmp", "foo"])] if maybe(r, 0.8) else []
    out += neg(r) + [pick(r, ["--string", "--hex-string"]),
                     pick(r, ["GET", "|41 42|", "a b", "|zz|", "x" * 129])]
    if maybe(r, 0.3):
        out += ["--from", pick(r, ["10", "x"]), "--to", pick(r, ["100", "5"])]
    if maybe(r, 0.2):
        out += ["--icase"]
    return out


def m_owner(c):
    r, out = c.r, []
    for _ in range(r.randint(1, 2)):
        opt = pick(r, ["--uid-owner", "--gid-owner", "--socket-exists", "--suppl-groups"])
        if opt in ("--socket-exists", "--suppl-groups"):
            out += neg(r) + [opt]
        else:
            out += neg(r) + [opt, pick(r, ["0", "root", "1000", "0-100", "nosuchuser",
                                           "4294967295", "100-10"])]
    return out


def m_physdev(c):
    r, out = c.r, []
    for _ in range(r.randint(1, 2)):
        opt = pick(r, ["--physdev-in", "--physdev-out", "--physdev-is-in",
                       "--physdev-is-out", "--physdev-is-bridged"])
        if opt in ("--physdev-in", "--physdev-out"):
            out += neg(r) + [opt, pick(r, IFACES)]
        else:
            out += neg(r) + [opt]
    return out


def m_dscp(c):
    r = c.r
    if maybe(r, 0.5):
        return neg(r) + ["--dscp", pick(r, ["10", "0x2e", "63", "64", "x"])]
    return neg(r) + ["--dscp-class", pick(r, ["EF", "AF11", "CS1", "BE", "XX"])]


def m_tos(c):
    return neg(c.r) + ["--tos", pick(c.r, ["0x10", "Minimize-Delay", "0x10/0x3f", "256",
                                           "bogus"])]


def m_recent(c):
    r = c.r
    out = [pick(r, ["--set", "--rcheck", "--update", "--remove"])]
    if maybe(r, 0.6):
        out += ["--name", pick(r, ["SSH", "x" * 200, "a/b"])]
    if maybe(r, 0.4):
        out += ["--seconds", pick(r, ["60", "0", "x"])]
    if maybe(r, 0.3):
        out += ["--hitcount", pick(r, ["3", "1000"])]
    if maybe(r, 0.2):
        out += [pick(r, ["--rsource", "--rdest", "--rttl"])]
    return out


def m_statistic(c):
    r = c.r
    if maybe(r, 0.5):
        return ["--mode", "nth", "--every", pick(r, ["3", "0", "1"]),
                "--packet", pick(r, ["0", "2", "5"])]
    return ["--mode", pick(r, ["random", "bogus"]),
            "--probability", pick(r, ["0.5", "1", "0", "1.5", "x"])]


def m_time(c):
    r, out = c.r, []
    for _ in range(r.randint(1, 2)):
        opt = pick(r, ["--timestart", "--timestop", "--weekdays", "--monthdays",
                       "--datestart", "--kerneltz", "--contiguous"])
        val = {"--timestart": ["09:00", "25:00", "09:00:30"],
               "--timestop": ["17:00", "x"],
               "--weekdays": ["Mon", "Mon,Tue", "Sun", "Funday", "1,7"],
               "--monthdays": ["1", "31", "32", "1,15"],
               "--datestart": ["2020-01-01", "2020-13-01", "2020-01-01T10:00:00"],
               }.get(opt)
        out += [opt] + ([pick(r, val)] if val else [])
    return out


def m_hashlimit(c):
    r = c.r
    out = [pick(r, ["--hashlimit-upto", "--hashlimit-above", "--hashlimit"]),
           pick(r, ["5/sec", "10/min", "1/hour", "x"])]
    if maybe(r, 0.85):
        out += ["--hashlimit-name", pick(r, ["hl1", "x" * 40, "hl2"])]
    if maybe(r, 0.5):
        out += ["--hashlimit-mode", pick(r, ["srcip", "srcip,dstport", "bogus"])]
    if maybe(r, 0.3):
        out += ["--hashlimit-burst", pick(r, ["5", "0"])]
    return out


def m_connlimit(c):
    r = c.r
    out = [pick(r, ["--connlimit-above", "--connlimit-upto"]), pick(r, ["3", "0", "x"])]
    if maybe(r, 0.4):
        out += ["--connlimit-mask", pick(r, ["24", "33", "64"])]
    if maybe(r, 0.2):
        out += [pick(r, ["--connlimit-saddr", "--connlimit-daddr"])]
    return out


def m_helper(c):
    return neg(c.r) + ["--helper", pick(c.r, ["ftp", "sip", "x" * 40])]


def m_quota(c):
    return neg(c.r) + ["--quota", pick(c.r, ["1000", "0", "x"])]


def m_cpu(c):
    return neg(c.r) + ["--cpu", pick(c.r, ["0", "1", "x"])]


def m_devgroup(c):
    return neg(c.r) + [pick(c.r, ["--src-group", "--dst-group"]), pick(c.r, ["1", "0x3/0xff",
                                                                             "x"])]


def m_rpfilter(c):
    r = c.r
    return [o for o in ["--loose", "--validmark", "--accept-local", "--invert"]
            if maybe(r, 0.3)]


def m_ecn(c):
    return neg(c.r) + [pick(c.r, ["--ecn-tcp-cwr", "--ecn-tcp-ece", "--ecn-ip-ect"])] + \
        (["1"] if maybe(c.r, 0.3) else [])


def m_socket(c):
    return [o for o in ["--transparent", "--nowildcard", "--restore-skmark"]
            if maybe(c.r, 0.3)]


def m_esp(c):
    return neg(c.r) + ["--espspi", pick(c.r, ["1", "1:100", "x"])]


def m_ah(c):
    return neg(c.r) + ["--ahspi", pick(c.r, ["5", "5:1"])]


def m_sctp(c):
    r = c.r
    if maybe(r, 0.5):
        return neg(r) + [pick(r, ["--sport", "--dport"]), pick(r, PORTS)]
    return neg(r) + ["--chunk-types", pick(r, ["any", "all", "only"]),
                     pick(r, ["INIT", "DATA:Be", "INIT,SACK", "BOGUS"])]


def m_tcpmss(c):
    return neg(c.r) + ["--mss", pick(c.r, ["1400", "1000:1500", "x"])]


def m_u32(c):
    return neg(c.r) + ["--u32", pick(c.r, ["0>>22&0x3C@12>>26&0x3F=0x10", "0&0xFFFF=0x100:0xFFFF",
                                           "garbage"])]


def m_frag6(c):
    return neg(c.r) + [pick(c.r, ["--fragid", "--fraglen"]), pick(c.r, ["1", "1:5"])]


def m_ipv6header(c):
    return neg(c.r) + ["--header", pick(c.r, ["frag", "hop,dst", "bogus", "ipv6-route"])] + \
        (["--soft"] if maybe(c.r, 0.3) else [])


def m_nosuch(c):
    return ["--foo", "1"] if maybe(c.r, 0.5) else []


MATCHES4 = {
    "tcp": m_tcp, "udp": m_udp, "icmp": m_icmp, "multiport": m_multiport,
    "conntrack": m_conntrack, "state": m_state, "mark": m_mark, "connmark": m_connmark,
    "comment": m_comment, "limit": m_limit, "length": m_length, "ttl": m_ttl,
    "addrtype": m_addrtype, "iprange": m_iprange, "mac": m_mac, "pkttype": m_pkttype,
    "set": m_set, "string": m_string, "owner": m_owner, "physdev": m_physdev,
    "dscp": m_dscp, "tos": m_tos, "recent": m_recent, "statistic": m_statistic,
    "time": m_time, "hashlimit": m_hashlimit, "connlimit": m_connlimit, "helper": m_helper,
    "quota": m_quota, "cpu": m_cpu, "devgroup": m_devgroup, "rpfilter": m_rpfilter,
    "ecn": m_ecn, "socket": m_socket, "esp": m_esp, "ah": m_ah, "sctp": m_sctp,
    "tcpmss": m_tcpmss, "u32": m_u32, "nosuchmatch": m_nosuch,
}
MATCHES6 = dict(MATCHES4)
del MATCHES6["icmp"], MATCHES6["ttl"], MATCHES6["tos"]
MATCHES6.update({"icmp6": m_icmp6, "hl": m_hl, "frag": m_frag6, "ipv6header": m_ipv6header})
# the common ones, drawn more often
FAVOURITES = ["tcp", "udp", "multiport", "conntrack", "state", "mark", "comment", "limit"]


# ---------------------------------------------------------------------------
# Targets: name -> function(ctx) returning the option tokens after "-j name"
# ---------------------------------------------------------------------------

def t_none(c):
    return []


def t_log(c):
    r, out = c.r, []
    if maybe(r, 0.6):
        out += ["--log-prefix", pick(r, ["IPT: ", "drop", "x" * 29, "x" * 30, "", "a\"b"])]
    if maybe(r, 0.4):
        out += ["--log-level", pick(r, ["4", "debug", "warning", "8", "bogus", "7"])]
    for o in ["--log-tcp-options", "--log-ip-options", "--log-uid", "--log-tcp-sequence",
              "--log-macdecode"]:
        if maybe(r, 0.15):
            out.append(o)
    return out


def t_reject(c):
    r = c.r
    if not maybe(r, 0.7):
        return []
    v4 = ["icmp-port-unreachable", "icmp-net-unreachable", "icmp-host-prohibited",
          "tcp-reset", "icmp-admin-prohibited", "port-unreach", "bogus"]
    v6 = ["icmp6-port-unreachable", "icmp6-adm-prohibited", "tcp-reset", "no-route",
          "addr-unreach", "icmp-port-unreachable", "bogus"]
    return ["--reject-with", pick(r, v6 if c.fam == 6 else v4)]


def t_mark(c):
    r = c.r
    out = [pick(r, ["--set-mark", "--set-xmark", "--and-mark", "--or-mark", "--xor-mark"]),
           pick(r, MARKS)]
    if maybe(r, 0.1):
        out += ["--set-mark", "2"]
    return out


def t_connmark(c):
    r = c.r
    opt = pick(r, ["--set-mark", "--save-mark", "--restore-mark", "--set-xmark",
                   "--and-mark"])
    out = [opt]
    if opt in ("--set-mark", "--set-xmark", "--and-mark"):
        out.append(pick(r, MARKS))
    elif maybe(r, 0.4):
        out += [pick(r, ["--nfmask", "--ctmask", "--mask"]), pick(r, ["0xff", "x"])]
    return out


def nat_addr(c):
    r = c.r
    if c.fam == 6:
        return pick(r, ["2001:db8::1", "[2001:db8::1]:80", "[2001:db8::1]:80-90",
                        "2001:db8::1-2001:db8::5", "2001:db8::zz", "[2001:db8::1]"])
    return pick(r, ["192.0.2.1", "192.0.2.1:80", "192.0.2.1-192.0.2.9", "192.0.2.1:80-90",
                    "192.0.2.1:90-80", "192.0.2.1:x", "192.0.2.999", ":80", "192.0.2.1:0"])


def t_dnat(c):
    out = ["--to-destination", nat_addr(c)] if maybe(c.r, 0.9) else []
    for o in ["--random", "--persistent"]:
        if maybe(c.r, 0.1):
            out.append(o)
    return out


def t_snat(c):
    out = ["--to-source", nat_addr(c)] if maybe(c.r, 0.9) else []
    for o in ["--random", "--random-fully", "--persistent"]:
        if maybe(c.r, 0.1):
            out.append(o)
    return out


def t_ports(c):
    r = c.r
    out = ["--to-ports", pick(r, ["1000-2000", "8080", "2000-1000", "x", "0"])] \
        if maybe(r, 0.6) else []
    if maybe(r, 0.15):
        out.append("--random")
    return out


def t_ct(c):
    r = c.r
    opt = pick(r, ["--notrack", "--zone", "--helper", "--ctevents", "--timeout", "--zone-orig"])
    val = {"--zone": ["1", "65536", "x"], "--helper": ["ftp", "bogus"],
           "--ctevents": ["new,destroy", "bogus"], "--timeout": ["pol1"],
           "--zone-orig": ["2"]}.get(opt)
    return [opt] + ([pick(r, val)] if val else [])


def t_tcpmss(c):
    r = c.r
    if maybe(r, 0.5):
        return ["--clamp-mss-to-pmtu"]
    return ["--set-mss", pick(r, ["1400", "0", "65536"])]


def t_dscp(c):
    r = c.r
    if maybe(r, 0.5):
        return ["--set-dscp", pick(r, ["10", "64", "0x2e"])]
    return ["--set-dscp-class", pick(r, ["EF", "AF41", "XX"])]


def t_tos(c):
    return [pick(c.r, ["--set-tos", "--and-tos", "--or-tos", "--xor-tos"]),
            pick(c.r, ["0x10", "Minimize-Delay", "0x10/0x3f", "bogus"])]


def t_ttl(c):
    return [pick(c.r, ["--ttl-set", "--ttl-dec", "--ttl-inc"]), pick(c.r, ["64", "0", "256"])]


def t_hl(c):
    return [pick(c.r, ["--hl-set", "--hl-dec", "--hl-inc"]), pick(c.r, ["64", "0", "256"])]


def t_nflog(c):
    r, out = c.r, []
    if maybe(r, 0.6):
        out += ["--nflog-group", pick(r, ["2", "65535", "65536", "x"])]
    if maybe(r, 0.4):
        out += ["--nflog-prefix", pick(r, ["pfx", "x" * 64, "x" * 65])]
    if maybe(r, 0.3):
        out += [pick(r, ["--nflog-range", "--nflog-size"]), pick(r, ["100", "x"])]
    if maybe(r, 0.2):
        out += ["--nflog-threshold", "5"]
    return out


def t_nfqueue(c):
    r = c.r
    if maybe(r, 0.3):
        out = ["--queue-balance", pick(r, ["0:3", "3:0", "1"])]
    else:
        out = ["--queue-num", pick(r, ["3", "65535", "65536", "x"])] if maybe(r, 0.8) else []
    for o in ["--queue-bypass", "--fail-open", "--queue-cpu-fanout"]:
        if maybe(r, 0.2):
            out.append(o)
    return out


def t_classify(c):
    return ["--set-class", pick(c.r, ["1:2", "ffff:ffff", "1", "x:y"])]


def t_tee(c):
    return ["--gateway", c.addr()] + (["--oif", "eth0"] if maybe(c.r, 0.3) else [])


def t_checksum(c):
    return ["--checksum-fill"] if maybe(c.r, 0.9) else []


def t_netmap(c):
    return ["--to", c.addr()]


def t_set(c):
    return [pick(c.r, ["--add-set", "--del-set"]), "myset", pick(c.r, ["src", "dst"])]


def t_audit(c):
    return ["--type", pick(c.r, ["accept", "drop", "reject", "bogus"])]


def t_hmark(c):
    return ["--hmark-tuple", pick(c.r, ["src,dst", "bogus"]), "--hmark-mod",
            pick(c.r, ["10", "0"])]


def t_idletimer(c):
    return ["--timeout", pick(c.r, ["10", "x"]), "--label", pick(c.r, ["t1", "x" * 40])]


def t_synproxy(c):
    return [o for o in ["--sack-perm", "--timestamp", "--ecn"] if maybe(c.r, 0.3)] + \
        (["--wscale", "7", "--mss", "1460"] if maybe(c.r, 0.5) else [])


def t_tproxy(c):
    return ["--on-port", pick(c.r, ["8080", "0", "x"])] + \
        (["--tproxy-mark", "0x1/0x1"] if maybe(c.r, 0.4) else [])


TARGETS4 = {
    "ACCEPT": t_none, "DROP": t_none, "RETURN": t_none, "QUEUE": t_none, "LOG": t_log,
    "REJECT": t_reject, "MARK": t_mark, "CONNMARK": t_connmark, "DNAT": t_dnat,
    "SNAT": t_snat, "MASQUERADE": t_ports, "REDIRECT": t_ports, "NOTRACK": t_none,
    "CT": t_ct, "TCPMSS": t_tcpmss, "DSCP": t_dscp, "TOS": t_tos, "TTL": t_ttl,
    "NFLOG": t_nflog, "NFQUEUE": t_nfqueue, "CLASSIFY": t_classify, "TRACE": t_none,
    "TEE": t_tee, "CHECKSUM": t_checksum, "NETMAP": t_netmap, "SET": t_set,
    "AUDIT": t_audit, "HMARK": t_hmark, "IDLETIMER": t_idletimer, "SYNPROXY": t_synproxy,
    "TPROXY": t_tproxy, "ERROR": t_none, "BOGUS": t_none, "accept": t_none,
}
TARGETS6 = dict(TARGETS4)
del TARGETS6["TTL"], TARGETS6["TOS"]
TARGETS6["HL"] = t_hl
TARGETS_BY_TABLE = {
    "filter": ["ACCEPT", "DROP", "REJECT", "LOG", "RETURN", "NFLOG", "NFQUEUE", "MARK"],
    "nat": ["DNAT", "SNAT", "MASQUERADE", "REDIRECT", "ACCEPT", "RETURN", "NETMAP", "LOG"],
    "mangle": ["MARK", "CONNMARK", "TCPMSS", "DSCP", "TOS", "TTL", "HL", "CLASSIFY",
               "CHECKSUM", "ACCEPT", "TPROXY"],
    "raw": ["NOTRACK", "CT", "TRACE", "ACCEPT", "DROP"],
    "security": ["ACCEPT", "DROP", "LOG"],
}


# ---------------------------------------------------------------------------
# Rule specifications
# ---------------------------------------------------------------------------

def proto_for(c):
    r = c.r
    if c.fam == 6 and maybe(r, 0.3):
        return pick(r, ["ipv6-icmp", "icmpv6", "tcp", "udp", "58"])
    return pick(r, PROTOS)


def basic_opts(c):
    """-s/-d/-i/-o/-p/-f with optional negation (before or, in the old style, after)."""
    r, out = c.r, []
    c.proto = None
    choices = ["-s", "-d", "-i", "-o", "-p", "-p", "-p", "-f", "--source", "--destination",
               "--protocol", "--in-interface", "--out-interface", "--src", "--dst"]
    used = set()
    for _ in range(r.choice([0, 1, 1, 2, 2, 3, 4])):
        opt = r.choice(choices)
        short = {"--source": "-s", "--src": "-s", "--destination": "-d", "--dst": "-d",
                 "--protocol": "-p", "--in-interface": "-i",
                 "--out-interface": "-o"}.get(opt, opt)
        if CLEAN[0] and short in used:
            continue
        used.add(short)
        if opt == "-f":
            out += neg(r, 0.2) + [opt]
            continue
        if opt in ("-p", "--protocol"):
            val = proto_for(c)
            c.proto = val
        elif opt in ("-i", "-o", "--in-interface", "--out-interface"):
            val = pick(r, IFACES)
        else:
            val = c.addr()
        x = r.random()
        if x < 0.12:
            out += ["!", opt, val]
        elif x < 0.15 and not CLEAN[0]:
            out += [opt, "!", val]          # intrapositioned
        elif x < 0.16 and not CLEAN[0]:
            out += ["!", "!", opt, val]
        else:
            out += [opt, val]
    return out


def matches(c):
    r, out = c.r, []
    table = MATCHES6 if c.fam == 6 else MATCHES4
    n = r.choice([0, 0, 1, 1, 1, 2, 2, 3])
    for _ in range(n):
        if c.proto in ("tcp", "udp", "icmp", "sctp", "6", "17") and maybe(r, 0.4):
            name = {"6": "tcp", "17": "udp"}.get(c.proto, c.proto)
            if name == "icmp" and c.fam == 6:
                name = "icmp6"
        elif maybe(r, 0.4):
            name = pick(r, FAVOURITES)
        else:
            name = r.choice(sorted(table))
            if CLEAN[0] and name == "nosuchmatch":
                name = "comment"
        name_tok = name if name != "icmp6" or maybe(r, 0.7) else "icmpv6"
        opts = table.get(name, m_nosuch)(c)
        flag = "-m" if maybe(r, 0.95) else "--match"
        out += [flag, name_tok] + opts
    # bare protocol options without -m: implicit match loading (-p tcp --dport 22)
    if c.proto in ("tcp", "udp") and maybe(r, 0.3):
        out += neg(r) + ["--dport", pick(r, PORTS)]
    if dirty(r, 0.05):
        out += ["-m"]                       # dangling
    return out


def target(c):
    r = c.r
    x = r.random()
    if x < 0.08:
        return []
    if x < 0.16:
        return [pick(r, ["-j", "-g"]), pick(r, c.users + ["nosuch", "user2"])]
    table = TARGETS6 if c.fam == 6 else TARGETS4
    if maybe(r, 0.6):
        name = pick(r, TARGETS_BY_TABLE.get(c.table, ["ACCEPT"]))
        if name not in table:
            name = "ACCEPT"
    else:
        name = r.choice(sorted(table))
        if CLEAN[0] and name in ("BOGUS", "accept", "ERROR"):
            name = "ACCEPT"
    flag = "-j" if maybe(r, 0.95) else "--jump"
    out = [flag, name] + table[name](c)
    if dirty(r, 0.03):
        out += ["-j", "DROP"]
    return out


def counters(c):
    r = c.r
    if not maybe(r, 0.08):
        return []
    return [pick(r, ["-c", "--set-counters"]), pick(r, ["10", "0", "x", "-1"]),
            pick(r, ["1000", "18446744073709551615", "18446744073709551616", "y"])]


def rulespec(c):
    parts = [basic_opts(c), matches(c), target(c), counters(c)]
    # occasionally the target or counters come first
    if dirty(c.r, 0.1):
        c.r.shuffle(parts)
    return [t for p in parts for t in p]


# ---------------------------------------------------------------------------
# Commands
# ---------------------------------------------------------------------------

def pick_table(c):
    r = c.r
    x = r.random()
    if x < 0.03:
        return pick(r, BAD_TABLES)
    if x < 0.6:
        return "filter"
    return pick(r, sorted(TABLES))


def pick_chain(c, table):
    r = c.r
    x = r.random()
    if x < 0.6:
        return pick(r, TABLES.get(table, ["INPUT"]))
    if x < 0.9:
        return pick(r, c.users)
    return pick(r, NAMES + ["PREROUTING", "POSTROUTING", "nosuch"])


def rulenum(c):
    return pick(c.r, ["1", "1", "2", "3", "0", "-1", "100", "x", "1x"])


def table_args(c, table):
    if table == "filter" and maybe(c.r, 0.5):
        return []
    return [pick(c.r, ["-t", "-t", "--table"]), table]


def list_opts(c):
    r = c.r
    opts = [o for o in ["-n", "-v", "-x", "--line-numbers"] if maybe(r, 0.4)]
    if maybe(r, 0.05):
        opts.append("-Z")
    if maybe(r, 0.1):
        opts = ["-" + "".join(o[1] for o in opts if len(o) == 2)] if opts else opts
    if maybe(r, 0.02):
        opts.append("--exact")
    return opts


def iptables_cmd(c):
    """One iptables/ip6tables command line."""
    r = c.r
    table = pick_table(c)
    c.table = table
    chain = pick_chain(c, table)
    c.chain = chain
    kind = r.choices(["A", "I", "D", "R", "C", "Z", "F", "N", "X", "E", "P", "L", "S",
                      "misc"],
                     weights=[30, 8, 8, 5, 6, 3, 4, 7, 4, 3, 4, 8, 8, 2])[0]
    tab = table_args(c, table)
    if kind == "A":
        return tab + [pick(r, ["-A", "--append"]), chain] + rulespec(c)
    if kind == "I":
        num = [rulenum(c)] if maybe(r, 0.5) else []
        return tab + ["-I", chain] + num + rulespec(c)
    if kind == "D":
        if maybe(r, 0.4):
            return tab + ["-D", chain, rulenum(c)]
        return tab + ["-D", chain] + rulespec(c)
    if kind == "R":
        return tab + ["-R", chain, rulenum(c)] + rulespec(c)
    if kind == "C":
        return tab + ["-C", chain] + rulespec(c)
    if kind in ("Z", "F", "X"):
        args = tab + ["-" + kind]
        if maybe(r, 0.6):
            args.append(chain)
            if kind == "Z" and maybe(r, 0.3):
                args.append(rulenum(c))
        if kind == "Z" and maybe(r, 0.2):
            args += ["-L"] + list_opts(c)
        return args
    if kind == "N":
        name = pick(r, c.users + NAMES) if maybe(r, 0.3) else pick(r, ["user1", "user2"])
        if name not in c.users and maybe(r, 0.7):
            c.users.append(name)
        return tab + [pick(r, ["-N", "--new-chain", "--new"]), name]
    if kind == "E":
        new = pick(r, NAMES + ["renamed"])
        if new not in c.users:
            c.users.append(new)
        return tab + ["-E", chain, new]
    if kind == "P":
        return tab + ["-P", chain, pick(r, POLICIES)] + counters(c)
    if kind in ("L", "S"):
        args = tab + [pick(r, ["-" + kind, "--list" if kind == "L" else "--list-rules"])]
        if maybe(r, 0.5):
            args.append(chain)
            if maybe(r, 0.3):
                args.append(rulenum(c))
        return args + (list_opts(c) if kind == "L" else
                       [o for o in ["-v", "-n"] if maybe(r, 0.2)])
    return misc_cmd(c)


def misc_cmd(c):
    r = c.r
    return pick(r, [
        ["-A"], ["-A", "INPUT", "-j"], ["-L", "-S"], ["-A", "INPUT", "-D", "INPUT"],
        ["--version"], ["-V"], ["-t"], ["-X", "INPUT"], ["-F", "-Z"], ["-w", "-L", "-n"],
        ["-W", "100", "-S"], ["-A", "INPUT", "extra"], ["-P", "user1", "DROP"], ["-Q"],
        ["-A", "INPUT", "-p", "tcp", "-p", "udp"], ["-A", "INPUT", "-s"], ["--help"],
        ["-p", "tcp", "--help"], ["-j", "LOG", "-h"], ["-m", "limit", "--help"],
        ["-4", "-L", "-n"], ["-6", "-L", "-n"], ["-L", "-n", "--modprobe=/bin/true"],
        ["-A", "INPUT", "-i", "eth0", "-i", "eth1"], [], ["-S", "INPUT", "1", "2"],
        ["-N", "user1", "extra"], ["-L", "INPUT", "-t", "nat"], ["--list-rules=INPUT"],
        ["-A", "INPUT", "!", "-j", "ACCEPT"], ["-A", "INPUT", "-p", "!", "tcp"],
        ["-A", "INPUT", "--dport", "22"], ["-I", "INPUT", "0", "-j", "DROP"],
        ["-D", "INPUT", "1", "-j", "DROP"], ["-F", "INPUT", "user1"], ["-Z", "INPUT", "x"],
        ["-E", "user1"], ["-E", "user1", "user1"], ["-C", "INPUT", "1"],
    ])


# ---------------------------------------------------------------------------
# Restore files
# ---------------------------------------------------------------------------

def restore_rule_line(c, table, chains):
    r = c.r
    c.table = table
    chain = pick(r, chains) if maybe(r, 0.9) else pick(r, NAMES + ["nosuch"])
    x = r.random()
    if x < 0.7:
        return " ".join(quote_restore(t) for t in ["-A", chain] + rulespec(c))
    if x < 0.8:
        return " ".join(quote_restore(t) for t in ["-I", chain] + rulespec(c))
    if CLEAN[0] or x < 0.85:
        return " ".join(quote_restore(t) for t in ["-A", chain] + rulespec(c))
    if x < 0.85:
        return pick(r, ["-D", "-F", "-Z", "-X", "-N", "-R"]) + " " + chain + \
            (" 1" if maybe(r, 0.5) else "")
    if x < 0.9:
        return pick(r, ["-P %s DROP" % chain, "-E %s renamed" % chain, "-L", "-S",
                        "-t nat -A INPUT -j ACCEPT", "-A %s -j ACCEPT -t filter" % chain])
    return pick(r, ["# a comment", "", "   ", "bogus line", "-A", "COMMIT extra", "*nat",
                    ":NEWCHAIN - [0:0]", "-A %s -m comment --comment \"unterminated" % chain,
                    "-A %s -m comment --comment 'single quoted'" % chain,
                    "-A %s -m comment --comment \"a \\\"b\\\" c\" -j ACCEPT" % chain,
                    "-A %s -j ACCEPT \t" % chain, "-4 -A %s -j DROP" % chain,
                    "-6 -A %s -j DROP" % chain])


def quote_restore(tok):
    if tok == "" or any(ch in tok for ch in " \t\"'"):
        return '"' + tok.replace('"', '\\"') + '"'
    return tok


def restore_table_block(c, table, noflush):
    r = c.r
    builtins = TABLES.get(table, ["INPUT"])
    lines = ["*" + table]
    chains = []
    for ch in builtins:
        if maybe(r, 0.7):
            pol = pick(r, ["ACCEPT", "DROP", "ACCEPT", "-", "RETURN", "bogus"])
            cnt = pick(r, ["[0:0]", "[0:0]", "[5:100]", "[x:1]", "[1:2", ""])
            lines.append(":%s %s %s" % (ch, pol, cnt) if cnt else ":%s %s" % (ch, pol))
        chains.append(ch)
    for u in ["user1", "user2"]:
        if maybe(r, 0.35):
            lines.append(":%s - [0:0]" % u)
            chains.append(u)
            if u not in c.users:
                c.users.append(u)
    if maybe(r, 0.05):
        lines.append(":%s - [0:0]" % pick(r, NAMES))
    outer = CLEAN[0]
    for _ in range(r.randint(0, 5)):
        CLEAN[0] = outer or maybe(r, 0.6)
        lines.append(restore_rule_line(c, table, chains))
    CLEAN[0] = outer
    if maybe(r, 0.9):
        lines.append("COMMIT")
    return lines


def restore_step(c, prog):
    r = c.r
    args = []
    for opt in ["--noflush", "--counters", "--verbose", "--test"]:
        if maybe(r, 0.2):
            args.append(opt if maybe(r, 0.6) else opt[1:3])
    tables = [pick(r, ["filter", "filter", "nat", "mangle", "raw", "security"])]
    if maybe(r, 0.3):
        tables.append(pick(r, sorted(TABLES)))
    if maybe(r, 0.03):
        tables.append(pick(r, BAD_TABLES))
    if maybe(r, 0.15):
        args += ["-T", pick(r, tables + ["nat", "foo"])]
    if maybe(r, 0.03):
        args.append(pick(r, ["--bogus", "-w", "-W", "--wait=1", "/nonexistent/file"]))
    lines = []
    if maybe(r, 0.2):
        lines.append("# Generated by fuzz")
    for t in tables:
        lines += restore_table_block(c, t, "--noflush" in args)
    if maybe(r, 0.05):
        lines.insert(r.randint(0, len(lines)), pick(r, ["COMMIT", "*filter", "garbage"]))
    text = "\n".join(lines) + ("\n" if maybe(r, 0.95) else "")
    return {"prog": prog, "args": args, "stdin": text}


# ---------------------------------------------------------------------------
# Save and native nft
# ---------------------------------------------------------------------------

def save_step(c, prog):
    r = c.r
    args = []
    if maybe(r, 0.3):
        args += [pick(r, ["-t", "--table"]), pick_table(c)]
    if maybe(r, 0.3):
        args.append(pick(r, ["-c", "--counters"]))
    if maybe(r, 0.03):
        args.append(pick(r, ["--bogus", "-M", "/bin/true", "-f", "/dev/null", "extra"]))
    return {"prog": prog, "args": args, "stdin": None}


def nft_step(c):
    r = c.r
    fam = "ip6" if c.fam == 6 else "ip"
    addr = "2001:db8::1" if c.fam == 6 else "192.0.2.1"
    cmds = [
        ["add", "table", fam, "filter"],
        ["add", "chain", fam, "filter", "INPUT",
         "{ type filter hook input priority 0; policy accept; }"],
        ["add", "chain", fam, "filter", "INPUT",
         "{ type filter hook input priority 0; policy drop; }"],
        ["add", "chain", fam, "filter", "FORWARD",
         "{ type filter hook forward priority 10; }"],
        ["add", "rule", fam, "filter", "INPUT", "tcp", "dport", "22", "accept"],
        ["add", "rule", fam, "filter", "INPUT", fam, "saddr", addr,
         "counter", "drop"],
        ["add", "rule", fam, "filter", "INPUT", "tcp", "dport", "{", "22,", "80", "}",
         "accept"],
        ["add", "rule", fam, "filter", "INPUT", "meta", "mark", "0x1", "counter"],
        ["add", "rule", fam, "filter", "INPUT", "ct", "state", "established", "accept"],
        ["add", "rule", fam, "filter", "INPUT", "iifname", "eth0", "log", "prefix", "x"],
        ["insert", "rule", fam, "filter", "INPUT", "udp", "sport", "53", "drop"],
        ["add", "rule", fam, "filter", "INPUT", "jump", "user1"],
        ["add", "chain", fam, "filter", "user1"],
        ["add", "chain", fam, "filter", "native"],
        ["add", "table", fam, "foreign"],
        ["add", "table", "inet", "filter"],
        ["add", "chain", fam, "nat", "POSTROUTING"],
        ["add", "table", fam, "nat"],
        ["add", "chain", fam, "nat", "POSTROUTING",
         "{ type nat hook postrouting priority 100; }"],
        ["add", "rule", fam, "nat", "POSTROUTING", "masquerade"],
        ["flush", "chain", fam, "filter", "INPUT"],
        ["delete", "chain", fam, "filter", "user1"],
        ["flush", "ruleset"],
        ["delete", "table", fam, "filter"],
        ["flush", "table", fam, "filter"],
        ["add", "rule", fam, "filter", "OUTPUT", "oifname", "lo", "accept"],
        ["add", "rule", fam, "filter", "INPUT", "limit", "rate", "5/second", "accept"],
        ["add", "rule", fam, "filter", "INPUT", "reject"],
        ["add", "rule", fam, "filter", "INPUT", "meta", "l4proto", "tcp", "th", "dport",
         "22", "accept"],
        ["add", "rule", fam, "filter", "INPUT", "counter", "comment", "\"native comment\""],
    ]
    return {"prog": "nft", "args": pick(r, cmds), "stdin": None}


# ---------------------------------------------------------------------------
# Sequences
# ---------------------------------------------------------------------------

def generate(seed):
    """The sequence of steps for one seed: a handful of commands."""
    r = random.Random(seed)
    fam = 6 if maybe(r, 0.25) else 4
    c = Ctx(r, fam)
    sfx = "6" if fam == 6 else ""
    steps = []
    x = r.random()
    if x < 0.4:             # most sequences want a user chain to work with
        steps.append({"prog": "ip%stables" % sfx, "args": ["-N", "user1"], "stdin": None})
    elif x < 0.5:
        CLEAN[0] = True
        steps.append(restore_step(c, "ip%stables-restore" % sfx))
    for _ in range(r.randint(2, 6)):
        # now and then a command of the other family
        c.fam = (10 - fam) if maybe(r, 0.08) else fam
        CLEAN[0] = maybe(r, 0.55)
        sfx = "6" if c.fam == 6 else ""
        kind = r.choices(["cmd", "restore", "save", "nft"], weights=[68, 14, 10, 8])[0]
        if kind == "cmd":
            steps.append({"prog": "ip%stables" % sfx, "args": iptables_cmd(c), "stdin": None})
        elif kind == "restore":
            steps.append(restore_step(c, "ip%stables-restore" % sfx))
        elif kind == "save":
            steps.append(save_step(c, "ip%stables-save" % sfx))
        else:
            steps.append(nft_step(c))
    CLEAN[0] = False
    return steps
