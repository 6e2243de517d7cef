#!/usr/bin/env python3
"""Differential test of `cxtables trace` against the kernel.

Generates random iptables rulesets (the extensions the evaluator supports, user chains, jumps,
gotos, returns, policies, marks, NAT) and random packets, asks `cxtables trace --json` what each
packet does, then sends each packet for real through a network namespace running that ruleset
and compares:

  * the path: the packet counters of every rule and every base chain policy
    (iptables-nft-save -c) must move exactly as the predicted rule matches and policies;
  * the fate: whether the packet reached a local socket (nft observer chain at input,
    priority 1000) and/or left the host (observer at postrouting, priority 1000), as predicted;
  * the final packet: mark, addresses and ports after NAT (an observer rule matching the
    predicted values must count it).

Topology (made by trace_differential_test.sh; only documentation addresses):

  peer ns: p0, p1  <--veth-->  dut ns: in0 (192.0.2.1, .2), in1 (192.0.2.3)
                                       d0 (192.0.2.65, veth, no ARP), route 198.51.100.0/25
                                       d1 (192.0.2.129, veth, no ARP), route 198.51.100.128/25
  (IPv6 likewise: 2001:db8:1::1,::2 / ::3 / ::65 / ::129, routes 2001:db8:2::/64 d0,
   2001:db8:3::/64 d1.) Incoming packets come from 203.0.113.0/24 / 2001:db8:f::/64, which the
  dut has no route to, so nothing it would send back (RST, ICMP errors, REJECT) leaves it or
  crosses its chains. Packets are written on p0/p1 with AF_PACKET (incoming) or with a raw
  IP_HDRINCL socket inside the dut (locally generated; SO_MARK for the initial mark).

Compiled mode (--optimize, issue 14): after the reference loaded a ruleset, `cxtables optimize
on` compiles its tables, so the kernel runs sets and verdict maps, and the counters are read
through cxtables' save, which lists the original rules; the comparison is the same. Its
generator (CompiledGen) makes chains of runs of key-shaped rules, and its packets are aimed at
the bounds of those rules' values (gen_packet_aimed). It also reports how many rules ended up
in lookups and how many cases went through one.

Run inside the dut namespace: ip netns exec DUT python3 trace_diff.py --peer PEER ...
Prints a summary line "cases N agree A disagree D undecidable U" and exits 1 on any
disagreement.
"""

import argparse
import collections
import ctypes
import difflib
import ipaddress
import json
import os
import random
import re
import socket
import struct
import subprocess
import sys
import tempfile
import time

CLONE_NEWNET = 0x40000000
SO_MARK = 36
ETH_P_ALL = 3

# ---------------------------------------------------------------------------------------------
# Addresses of the topology
# ---------------------------------------------------------------------------------------------

TOPO = {
    4: {
        'local': {'in0': ['192.0.2.1', '192.0.2.2'], 'in1': ['192.0.2.3'],
                  'd0': ['192.0.2.65'], 'd1': ['192.0.2.129'], 'lo': ['127.0.0.1']},
        'routes': [('198.51.100.0/25', 'd0'), ('198.51.100.128/25', 'd1')],
        'remote_src': ['203.0.113.%d' % i for i in (1, 2, 7, 9, 100, 130, 200, 254)],
        'fwd_dst': ['198.51.100.%d' % i for i in (1, 5, 10, 77, 129, 130, 200, 250)],
        'src_prefixes': ['203.0.113.0/24', '203.0.113.0/25', '203.0.113.128/25',
                         '203.0.113.7', '203.0.113.0/30', '192.0.2.0/24', '192.0.2.1',
                         '198.51.100.0/24'],
        'dst_prefixes': ['192.0.2.1', '192.0.2.2', '192.0.2.0/24', '198.51.100.0/25',
                         '198.51.100.128/25', '198.51.100.10', '192.0.2.64/26',
                         '127.0.0.0/8'],
        'dnat_to': ['192.0.2.2', '192.0.2.3', '198.51.100.20', '198.51.100.140'],
        # Unrouted sources: the host's answers to a packet SNATed in INPUT go nowhere.
        'snat_to': ['203.0.113.250', '203.0.113.7'],
    },
    6: {
        'local': {'in0': ['2001:db8:1::1', '2001:db8:1::2'], 'in1': ['2001:db8:1::3'],
                  'd0': ['2001:db8:1::65'], 'd1': ['2001:db8:1::129'], 'lo': ['::1']},
        'routes': [('2001:db8:2::/64', 'd0'), ('2001:db8:3::/64', 'd1')],
        'remote_src': ['2001:db8:f::%x' % i for i in (1, 2, 7, 9, 0x100, 0x8001, 0xffff)],
        'fwd_dst': ['2001:db8:2::%x' % i for i in (1, 5, 10, 0x77)] +
                   ['2001:db8:3::%x' % i for i in (1, 0x30, 0xff)],
        'src_prefixes': ['2001:db8:f::/64', '2001:db8:f::/120', '2001:db8:f::7',
                         '2001:db8:f::/127', '2001:db8:1::/64', '2001:db8::/32'],
        'dst_prefixes': ['2001:db8:1::1', '2001:db8:1::2', '2001:db8:1::/64',
                         '2001:db8:2::/64', '2001:db8:3::/64', '2001:db8:2::10', '::1'],
        'dnat_to': ['2001:db8:1::2', '2001:db8:1::3', '2001:db8:2::20', '2001:db8:3::40'],
        'snat_to': ['2001:db8:f::250', '2001:db8:f::7'],
    },
}

PORTS = [22, 53, 80, 443, 1000, 1024, 5353, 8080, 40000, 50000]
MARKS = [0, 1, 2, 3, 0x10, 0x11, 0xff]
IFACES_IN = ['in0', 'in1', 'in+', 'lo', 'd0']
IFACES_OUT = ['d0', 'd1', 'd+', 'lo', 'in0']
TABLE_CHAINS = {
    'raw': ['PREROUTING', 'OUTPUT'],
    'mangle': ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'],
    'nat': ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING'],
    'filter': ['INPUT', 'FORWARD', 'OUTPUT'],
    'security': ['INPUT', 'FORWARD', 'OUTPUT'],
}
TABLE_ORDER = ['raw', 'mangle', 'nat', 'filter', 'security']


def all_local(fam):
    return [a for addrs in TOPO[fam]['local'].values() for a in addrs]


# ---------------------------------------------------------------------------------------------
# Ruleset generator
# ---------------------------------------------------------------------------------------------

# Chance of policy DROP per table (the plain generator's, and the compiled one's: fewer, so
# that more packets reach the compiled rules).
PLAIN_DROP_POLICY = collections.defaultdict(lambda: 0.05, filter=0.2)
COMPILED_DROP_POLICY = collections.defaultdict(lambda: 0.02, filter=0.1)


class RulesetGen:
    def __init__(self, rng, fam):
        self.rng = rng
        self.fam = fam
        self.topo = TOPO[fam]

    def pick(self, seq):
        return self.rng.choice(seq)

    def chance(self, p):
        return self.rng.random() < p

    def inv(self, p=0.2):
        return '! ' if self.chance(p) else ''

    def proto_part(self):
        """-p and the matches that need it; returns (text, proto)."""
        r = self.rng.random()
        icmp = 'icmp' if self.fam == 4 else 'ipv6-icmp'
        if r < 0.35:
            proto = 'tcp'
        elif r < 0.6:
            proto = 'udp'
        elif r < 0.75:
            proto = icmp
        elif r < 0.8:
            return ('%s-p tcp' % '! ', 'not-tcp')
        else:
            return ('', None)
        parts = ['-p ' + proto]
        if proto in ('tcp', 'udp'):
            m = []
            if self.chance(0.5):
                m.append('%s--dport %s' % (self.inv(), self.port_spec()))
            if self.chance(0.3):
                m.append('%s--sport %s' % (self.inv(), self.port_spec()))
            if proto == 'tcp' and self.chance(0.35):
                if self.chance(0.5):
                    m.append('%s--syn' % self.inv())
                else:
                    flags = ['SYN', 'ACK', 'FIN', 'RST', 'PSH', 'URG']
                    mask = self.rng.sample(flags, self.rng.randint(1, 4))
                    cmp = [f for f in mask if self.chance(0.5)]
                    m.append('%s--tcp-flags %s %s' % (self.inv(), ','.join(mask),
                                                      ','.join(cmp) if cmp else 'NONE'))
            if m or self.chance(0.3):
                parts.append('-m %s %s' % (proto, ' '.join(m)))
            if self.chance(0.2):
                ports = sorted(self.rng.sample(PORTS, self.rng.randint(1, 4)))
                items = []
                for p in ports:
                    if self.chance(0.2) and p < 60000:
                        items.append('%d:%d' % (p, p + self.rng.randint(1, 100)))
                    else:
                        items.append(str(p))
                opt = self.pick(['--dports', '--sports', '--ports'])
                parts.append('-m multiport %s%s %s' % (self.inv(), opt, ','.join(items)))
        elif self.chance(0.7):
            if self.fam == 4:
                t = self.pick(['echo-request', 'echo-reply', '3', '3/3', '11/0', 'any', '13'])
                parts.append('-m icmp %s--icmp-type %s' % (self.inv(), t))
            else:
                t = self.pick(['echo-request', 'echo-reply', '1/4', '135', '136', '3/0', '1'])
                parts.append('-m icmp6 %s--icmpv6-type %s' % (self.inv(), t))
        return (' '.join(parts), proto)

    def port_spec(self):
        if self.chance(0.3):
            a = self.pick(PORTS)
            b = a + self.rng.randint(0, 2000)
            return '%d:%d' % (a, min(b, 65535))
        return str(self.pick(PORTS))

    def matches(self, hook_in, hook_out, hook=None):
        parts = []
        if self.chance(0.3):
            parts.append('%s-s %s' % (self.inv(), self.pick(self.topo['src_prefixes'])))
        if self.chance(0.3):
            parts.append('%s-d %s' % (self.inv(), self.pick(self.topo['dst_prefixes'])))
        if hook_in and self.chance(0.25):
            parts.append('%s-i %s' % (self.inv(), self.pick(IFACES_IN)))
        if hook_out and self.chance(0.25):
            parts.append('%s-o %s' % (self.inv(), self.pick(IFACES_OUT)))
        proto = None
        if self.chance(0.6):
            text, proto = self.proto_part()
            if text:
                parts.append(text)
        if self.chance(0.15):
            m = self.pick(MARKS)
            if self.chance(0.3):
                parts.append('-m mark %s--mark 0x%x/0x%x' % (self.inv(), m, self.pick([1, 0xf, 0xff])))
            else:
                parts.append('-m mark %s--mark 0x%x' % (self.inv(), m))
        if self.chance(0.2):
            states = self.rng.sample(['NEW', 'ESTABLISHED', 'RELATED', 'INVALID', 'UNTRACKED',
                                      'DNAT', 'SNAT'], self.rng.randint(1, 3))
            if self.chance(0.3):
                st = [s for s in states if s not in ('DNAT', 'SNAT')] or ['NEW']
                parts.append('-m state %s--state %s' % (self.inv(), ','.join(st)))
            else:
                parts.append('-m conntrack %s--ctstate %s' % (self.inv(), ','.join(states)))
        if self.chance(0.08):
            opt = self.pick(['--ctorigsrc %s' % self.pick(self.topo['src_prefixes']),
                             '--ctorigdst %s' % self.pick(self.topo['dst_prefixes']),
                             '--ctreplsrc %s' % self.pick(self.topo['dst_prefixes']),
                             '--ctrepldst %s' % self.pick(self.topo['src_prefixes']),
                             '--ctproto %s' % self.pick(['6', '17', '1', '58']),
                             '--ctdir %s' % self.pick(['ORIGINAL', 'REPLY']),
                             '--ctstatus %s' % self.pick(['CONFIRMED', 'SEEN_REPLY', 'ASSURED', 'EXPECTED'])])
            inv = '' if opt.startswith('--ctdir') else self.inv()
            parts.append('-m conntrack %s%s' % (inv, opt))
        if self.chance(0.08) and proto in ('tcp', 'udp'):
            parts.append('-m conntrack --ctorigdstport %s' % self.port_spec())
        if self.chance(0.1):
            parts.append('-m comment --comment "c%d"' % self.rng.randint(0, 99))
        if self.chance(0.06):
            lo = self.rng.choice([20, 28, 36, 40, 48, 56, 60, 64])
            hi = lo + self.rng.choice([0, 4, 8, 100])
            parts.append('-m length %s--length %s' % (self.inv(), str(lo) if lo == hi else '%d:%d' % (lo, hi)))
        if self.chance(0.06):
            pool = self.topo['remote_src'] + self.topo['fwd_dst'] + all_local(self.fam)[:3]
            a, b = sorted(self.rng.sample(pool, 2), key=lambda x: socket.inet_pton(
                socket.AF_INET if self.fam == 4 else socket.AF_INET6, x))
            opt = self.pick(['--src-range', '--dst-range'])
            parts.append('-m iprange %s%s %s-%s' % (self.inv(), opt, a, b))
        if self.chance(0.03):
            parts.append('-m pkttype %s--pkt-type %s' % (self.inv(), self.pick(['unicast', 'broadcast', 'multicast'])))
        if hook in ('OUTPUT', 'POSTROUTING') and self.chance(0.1):
            parts.append('-m owner %s' % self.pick(['--uid-owner 0', '! --uid-owner 0', '--uid-owner 1000',
                                                    '--gid-owner 0', '! --gid-owner 100', '--socket-exists',
                                                    '! --socket-exists', '--uid-owner 0 --gid-owner 0']))
        if self.chance(0.05):
            parts.append('-m limit --limit 100/sec --limit-burst 1000')
        return ' '.join(parts), proto

    def target(self, table, hook, proto, callees):
        """A target for a rule in `table` whose chain runs at `hook` (None: any of several)."""
        r = self.rng.random()
        opts = [('ACCEPT', 3), ('DROP', 1), ('RETURN', 1), ('', 2), ('LOG', 1), ('NFLOG', 0.5)]
        if callees:
            opts += [('jump', 3), ('goto', 1)]
        if table == 'filter':
            opts.append(('REJECT', 1))
        if table in ('mangle', 'filter', 'raw'):
            opts.append(('MARK', 2 if table == 'mangle' else 0.5))
        if table == 'raw':
            opts += [('TRACE', 0.3), ('NOTRACK', 0.5)]
        if table == 'nat':
            if hook in ('PREROUTING', 'OUTPUT'):
                opts += [('DNAT', 3), ('REDIRECT', 1 if hook == 'OUTPUT' or self.fam == 4 else 0)]
            if hook in ('POSTROUTING', 'INPUT'):
                opts += [('SNAT', 3)]
            if hook == 'POSTROUTING':
                opts += [('MASQUERADE', 1)]
            opts = [(t, w) for t, w in opts if t not in ('DROP', 'REJECT')]
        total = sum(w for _, w in opts)
        x = r * total
        for t, w in opts:
            x -= w
            if x <= 0:
                break
        if t == 'jump':
            return '-j ' + self.pick(callees)
        if t == 'goto':
            return '-g ' + self.pick(callees)
        if t == '':
            return ''
        if t == 'LOG':
            return '-j LOG --log-prefix "t%d "' % self.rng.randint(0, 9)
        if t == 'NFLOG':
            return '-j NFLOG --nflog-group %d' % self.rng.randint(1, 5)
        if t == 'REJECT':
            if proto == 'tcp' and self.chance(0.5):
                return '-j REJECT --reject-with tcp-reset'
            return '-j REJECT'
        if t == 'MARK':
            op = self.pick(['--set-mark', '--set-xmark', '--or-mark', '--and-mark', '--xor-mark'])
            v = self.pick([1, 2, 3, 0x10, 0xff, 0xf0])
            if op in ('--set-mark', '--set-xmark') and self.chance(0.3):
                return '-j MARK %s 0x%x/0x%x' % (op, v, self.pick([0xf, 0xff, 0xffffffff]))
            return '-j MARK %s 0x%x' % (op, v)
        if t == 'NOTRACK':
            return self.pick(['-j NOTRACK', '-j CT --notrack'])
        if t == 'DNAT':
            to = self.pick(self.topo['dnat_to'])
            if proto in ('tcp', 'udp') and self.chance(0.5):
                to = ('[%s]' % to if self.fam == 6 else to) + ':%d' % self.pick(PORTS)
            return '-j DNAT --to-destination ' + to
        if t == 'SNAT':
            return '-j SNAT --to-source ' + self.pick(self.topo['snat_to'])
        if t == 'REDIRECT':
            if proto in ('tcp', 'udp') and self.chance(0.5):
                return '-j REDIRECT --to-ports %d' % self.pick(PORTS)
            return '-j REDIRECT'
        return '-j ' + t

    def table_head(self, table, bases, users, drop):
        """A table's first lines: its base chains (policy DROP with chance drop[table], never in
        nat; default ACCEPT), then its user chains."""
        lines = ['*' + table]
        for b in bases:
            pol = 'ACCEPT'
            if table != 'nat' and self.chance(drop[table]):
                pol = 'DROP'
            lines.append(':%s %s [0:0]' % (b, pol))
        for u in users:
            lines.append(':%s - [0:0]' % u)
        return lines

    def random_rule(self, table, hook, callees, hook_in, hook_out):
        """Matches and a target for a rule at `hook`; a drop without a condition ends most
        walks, so it is given one."""
        m, proto = self.matches(hook_in, hook_out, hook)
        t = self.target(table, hook, proto, callees)
        while not m and t.split()[1:2] in (['DROP'], ['REJECT']):
            m, proto = self.matches(hook_in, hook_out, hook)
            if 'tcp-reset' in t and proto != 'tcp':
                t = '-j REJECT'
        return ' '.join(x for x in [m, t] if x)

    def generate(self):
        """Returns the save text."""
        out = []
        for table in TABLE_ORDER:
            if not self.chance(0.8):
                continue
            bases = TABLE_CHAINS[table]
            nuser = self.rng.randint(0, 3)
            users = ['U%s%d' % (table[:2].upper(), i) for i in range(nuser)]
            # Each user chain belongs to one base chain (so targets that work at some hooks
            # only stay valid), and may be called only by that base chain or by user chains
            # of the same base chain listed before it (no loops).
            owner = {u: self.pick(bases) for u in users}
            lines = self.table_head(table, bases, users, PLAIN_DROP_POLICY)

            def chain_rules(chain, hook, callees, n):
                for _ in range(n):
                    hook_in = hook in ('PREROUTING', 'INPUT', 'FORWARD') or chain in users
                    hook_out = hook in ('OUTPUT', 'POSTROUTING', 'FORWARD') or chain in users
                    rule = self.random_rule(table, hook, callees, hook_in, hook_out)
                    lines.append(' '.join(x for x in ['-A', chain, rule] if x))

            for b in bases:
                callees = [u for u in users if owner[u] == b]
                chain_rules(b, b, callees, self.rng.randint(0, 6))
            for i, u in enumerate(users):
                callees = [v for v in users[i + 1:] if owner[v] == owner[u]]
                chain_rules(u, owner[u], callees, self.rng.randint(1, 5))
            lines.append('COMMIT')
            out.extend(lines)
        return '\n'.join(out) + '\n'


# ---------------------------------------------------------------------------------------------
# Compiled-oriented generator (--optimize): chains made of runs of key-shaped rules
# ---------------------------------------------------------------------------------------------

# Where packets come from and go to (see TOPO): rule values are drawn around these so that they
# overlap each other and packets can be aimed at their bounds.
KEY_NETS = {
    4: {'src': '203.0.113.0/24', 'fwd': ['198.51.100.0/24'],
        'src_lens': [24, 25, 26, 27, 28, 29, 30, 31, 32, 32, 32, 32],
        'dst_lens': [24, 25, 26, 27, 28, 30, 32, 32, 32, 32],
        # (and the ends of the address space: interval sets end differently there)
        'far': ['198.51.100.0/24', '192.0.2.0/24', '192.0.2.0/30', '192.0.2.64/26',
                '0.0.0.0/1', '128.0.0.0/1', '224.0.0.0/3', '255.255.255.255', '0.0.0.0/8'],
        'local_nets': ['192.0.2.0/24', '192.0.2.0/30', '192.0.2.0/26', '192.0.2.64/26',
                       '192.0.2.128/25', '127.0.0.0/8']},
    6: {'src': '2001:db8:f::/64', 'fwd': ['2001:db8:2::/64', '2001:db8:3::/64'],
        'src_lens': [64, 96, 112, 116, 120, 124, 126, 127, 128, 128, 128, 128],
        'dst_lens': [64, 112, 120, 124, 126, 128, 128, 128, 128],
        'far': ['2001:db8:1::/64', '2001:db8::/32', '2001:db8:2::/63', '2001:db8:1::/126',
                '2000::/3', '8000::/1', 'ff00::/8', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff',
                '::/8'],
        'local_nets': ['2001:db8:1::/64', '2001:db8:1::/126', '2001:db8:1::/120',
                       '2001:db8:1::100/121', '::1']},
}

# Shapes of the runs: the key fields their rules test (s, d: addresses; i, o: interfaces;
# p: protocol; sport, dport: ports, which need p), with weights.
KEY_SHAPES = [
    (('s',), 5), (('d',), 5), (('p', 'dport'), 6), (('p', 'd', 'dport'), 3),
    (('s', 'p', 'dport'), 2), (('i', 'p', 'dport'), 2), (('p', 'sport'), 1), (('p',), 1),
    (('i',), 1), (('o',), 1), (('s', 'd'), 2), (('o', 'd'), 1), (('i', 's'), 1),
    (('p', 'sport', 'dport'), 1), (('i', 'o'), 1),
]


class CompiledGen(RulesetGen):
    """Rulesets for the compiled mode: every chain is mostly runs of at least four key-shaped
    rules (one shape and spelling per run: -s/-d as prefixes or iprange, -i/-o, -p, --sport,
    --dport as single ports, ranges or multiport lists, optional comment), with overlapping
    prefixes and port ranges and with one verdict (a set) or several (a verdict map:
    ACCEPT, DROP, RETURN, jump, goto), REJECT and NAT runs; between them rules that must stay
    linear (negations, LOG, NFLOG, limit, counting rules, --tcp-flags, multiport --ports,
    interleaved shapes, anything the plain generator makes). self.aims collects the bounds of
    every key value, so that packets can be aimed at them (gen_packet_aimed)."""

    def __init__(self, rng, fam, fragments=False):
        super().__init__(rng, fam)
        self.fragments = fragments
        self.kn = KEY_NETS[fam]
        self.maxlen = 32 if fam == 4 else 128
        self.aims = collections.defaultdict(set)
        # One entry per key-shaped rule: field -> its values ((lo, hi) intervals for
        # s, d, sport, dport; the name for p, i, o), for packets aimed at a whole rule.
        self.targets = []
        self._bounds = []
        self._hook = None
        self._pending = []
        # With fragments: some IPv4 rulesets use nothing that needs conntrack (no nat table,
        # no conntrack or state match, no NOTRACK/CT): the kernel then neither tracks nor
        # reassembles, and their packets include non-first fragments.
        self.no_conntrack = False

    NEEDS_CT = re.compile(r'-m (conntrack|state)\b|-j (NOTRACK|CT|DNAT|SNAT|MASQUERADE|REDIRECT)\b')

    def matches(self, hook_in, hook_out, hook=None):
        for _ in range(100):
            m, proto = super().matches(hook_in, hook_out, hook)
            if not (self.no_conntrack and self.NEEDS_CT.search(m)):
                return m, proto
        return '', None

    def target(self, table, hook, proto, callees):
        for _ in range(100):
            t = super().target(table, hook, proto, callees)
            if not (self.no_conntrack and self.NEEDS_CT.search(t)):
                return t
        return '-j ACCEPT'

    # -- values ---------------------------------------------------------------------------

    def _net(self, anchor, length):
        return ipaddress.ip_network('%s/%d' % (anchor, length), strict=False)

    def _addr_text(self, net):
        if net.prefixlen == self.maxlen:
            return str(net.network_address)
        return str(net)

    def _aim_range(self, field, lo, hi):
        self._bounds.append((lo, hi))
        for v in (lo - 1, lo, hi, hi + 1):
            if 0 <= v < (1 << self.maxlen):
                self.aims[field].add(v)

    def _random_host(self, net):
        net = ipaddress.ip_network(net)
        span = min(net.num_addresses - 1, 0xffff)
        return net.network_address + self.rng.randint(1, span)

    def addr_anchor(self, field):
        if field == 's':
            if self.chance(0.4):
                return ipaddress.ip_address(self.pick(self.topo['remote_src']))
            return self._random_host(self.kn['src'])
        r = self.rng.random()
        if r < 0.25:
            return ipaddress.ip_address(self.pick([a for k, v in self.topo['local'].items()
                                                   if k != 'lo' for a in v]))
        if r < 0.45:
            return ipaddress.ip_address(self.pick(self.topo['fwd_dst']))
        return self._random_host(self.pick(self.kn['fwd']))

    def prefix_value(self, field, exact=False):
        """-s/-d value: mostly prefixes around the packets' addresses (nested and overlapping),
        sometimes a wider or unrelated network; exact: one address."""
        if exact:
            net = self._net(self.addr_anchor(field), self.maxlen)
        elif self.chance(0.1):
            pool = self.kn['far'] if field == 's' else self.kn['local_nets'] + self.kn['far']
            net = ipaddress.ip_network(self.pick(pool), strict=False)
        else:
            lens = self.kn['src_lens'] if field == 's' else self.kn['dst_lens']
            net = self._net(self.addr_anchor(field), self.pick(lens))
        self._aim_range(field, int(net.network_address), int(net.broadcast_address))
        return self._addr_text(net)

    def range_value(self, field, exact=False):
        """iprange value A-B (A <= B); exact: A-A."""
        a = self.addr_anchor(field)
        if exact:
            b = a
        elif self.chance(0.3):
            b = self.addr_anchor(field)
            a, b = min(a, b), max(a, b)
        else:
            width = self.pick([0, 1, 3, 7, 20, 100, 300])
            b = ipaddress.ip_address(min(int(a) + width, (1 << self.maxlen) - 1))
        self._aim_range(field, int(a), int(b))
        return '%s-%s' % (a, b)

    def port_value(self, field, style):
        """A single port or a range lo:hi; records the bounds for aiming."""
        if style == 'range' and self.chance(0.6):
            lo = self.pick(PORTS + [self.rng.randint(1, 65000)])
            if self.chance(0.3):
                lo = max(1, lo - self.rng.randint(1, 50))
            hi = min(65535, lo + self.pick([1, 10, 30, 100, 1000, 20000]))
            self._aim_range(field, lo, hi)
            return '%d:%d' % (lo, hi)
        if self.chance(0.5):
            v = self.pick(PORTS + [self.pick(PORTS) + 1])
        else:
            v = self.rng.randint(1, 65535)
        self._aim_range(field, v, v)
        return str(v)

    def multiport_value(self, field, style, exact=False):
        items = []
        for _ in range(self.rng.randint(1, 4)):
            items.append(self.port_value(field, 'range' if style == 'range' or
                                         (not exact and self.chance(0.3)) else 'exact'))
        return ','.join(items)

    def iface_value(self, field, wild):
        if field == 'i':
            names = ['in+', 'd+'] if wild else ['in0', 'in1', 'in0', 'in1', 'lo', 'd0']
        else:
            names = ['d+', 'in+'] if wild else ['d0', 'd1', 'd0', 'd1', 'lo', 'in0']
        return self.pick(names)

    # -- rules ----------------------------------------------------------------------------

    def block_style(self, shape):
        # exact: one address, port and interface name per field (what the encoder can put in
        # a concatenated hash key); otherwise prefixes, ranges and wildcards, which overlap.
        exact = self.chance(0.7 if len(shape) > 1 else 0.3)
        st = {
            'exact': exact,
            'addr': {f: ('iprange' if self.chance(0.2) else 'prefix') for f in ('s', 'd')},
            'ports': self.pick(['exact', 'exact', 'multiport'] if exact else
                               ['exact', 'range', 'range', 'multiport']),
            'multiport_field': self.pick([f for f in ('sport', 'dport') if f in shape] or
                                         ['dport']),
            'proto': self.pick(['tcp', 'tcp', 'tcp', 'udp', 'udp', 'mixed']),
            'wild': not exact and self.chance(0.3),
            'comment': self.pick(['none', 'none', 'none', 'all', 'all', 'all', 'some']),
            'explicit': self.pick([True, False, None]),   # -m tcp written or implied; None: either
            # A test every rule of the block shares besides its key (the lookup rule makes it).
            'shared': self.pick([None] * 6 + [
                '-m length --length 0:600', '-m length ! --length 40:60',
                '-m pkttype --pkt-type unicast'] + ([] if self.no_conntrack else [
                    '-m conntrack --ctstate NEW', '-m conntrack --ctstate NEW,ESTABLISHED',
                    '-m state ! --state INVALID'])),
        }
        return st

    def key_rule(self, shape, st, invert=None):
        """Matches for one rule of `shape` in style `st`; `invert`: a field to write with '!'.
        Returns (text, proto)."""
        icmp = 'icmp' if self.fam == 4 else 'ipv6-icmp'
        ports = [f for f in ('sport', 'dport') if f in shape]
        head, mats = [], []
        proto = None
        tg = {}
        for f in ('s', 'd'):
            if f not in shape:
                continue
            self._bounds = tg[f] = []
            neg = '! ' if invert == f else ''
            if st['addr'][f] == 'iprange':
                opt = '--src-range' if f == 's' else '--dst-range'
                mats.append('-m iprange %s%s %s' % (neg, opt, self.range_value(f, st['exact'])))
            else:
                head.append('%s-%s %s' % (neg, f, self.prefix_value(f, st['exact'])))
        for f in ('i', 'o'):
            if f in shape:
                neg = '! ' if invert == f else ''
                tg[f] = self.iface_value(f, st['wild'])
                head.append('%s-%s %s' % (neg, f, tg[f]))
        if 'p' in shape:
            if ports:
                proto = st['proto'] if st['proto'] != 'mixed' else self.pick(['tcp', 'udp'])
            else:
                proto = self.pick(['tcp', 'udp', icmp] if st['proto'] != 'tcp' else ['tcp'])
            neg = '! ' if invert == 'p' and not ports else ''
            tg['p'] = proto
            head.append('%s-p %s' % (neg, proto))
            if neg:
                proto = 'not-' + proto
        if ports:
            mp = st['ports'] == 'multiport'
            tcpm = []
            for f in ports:
                self._bounds = tg[f] = []
                neg = '! ' if invert == f else ''
                opt = '--sport' if f == 'sport' else '--dport'
                if mp and f == st['multiport_field']:
                    mats.append('-m multiport %s%ss %s' % (
                        neg, opt, self.multiport_value(f, 'exact', st['exact'])))
                else:
                    tcpm.append('%s%s %s' % (neg, opt, self.port_value(f, st['ports'])))
            if tcpm:
                explicit = st['explicit'] if st['explicit'] is not None else self.chance(0.5)
                if explicit or (mats and mats[-1].startswith('-m multiport')):
                    mats.insert(0, '-m %s %s' % (proto, ' '.join(tcpm)))
                else:
                    head.append(' '.join(tcpm))
        if st.get('shared'):
            mats.insert(self.rng.randint(0, len(mats)), st['shared'])
        self._bounds = []
        tg['hook'] = self._hook
        self.targets.append(tg)
        self._pending.append(tg)
        if st['comment'] == 'all' or (st['comment'] == 'some' and self.chance(0.5)):
            c = self.rng.randint(0, 999)
            mats.append('-m comment --comment %s' % (('"rule %d"' % c) if self.chance(0.3)
                                                      else ('r%d' % c)))
        return ' '.join(head + mats), proto

    def set_verdicts(self, table, hook, proto_mode, shape, callees):
        """Verdicts one lookup can give to a whole run (a Set)."""
        v = ['-j ACCEPT', '-j RETURN']
        if table != 'nat':
            v.append('-j DROP')
        v += ['-j ' + c for c in callees] + ['-g ' + c for c in callees]
        has_ports = 'sport' in shape or 'dport' in shape
        if table == 'filter':
            v.append('-j REJECT')
            if proto_mode == 'tcp' and 'p' in shape and has_ports:
                v.append('-j REJECT --reject-with tcp-reset')
        if table == 'nat':
            if hook in ('PREROUTING', 'OUTPUT'):
                to = self.pick(self.topo['dnat_to'])
                if has_ports and proto_mode != 'mixed':
                    to = ('[%s]' % to if self.fam == 6 else to) + ':%d' % self.pick(PORTS)
                v.append('-j DNAT --to-destination ' + to)
                if hook == 'OUTPUT' or self.fam == 4:
                    v.append('-j REDIRECT')
            if hook in ('POSTROUTING', 'INPUT'):
                v.append('-j SNAT --to-source ' + self.pick(self.topo['snat_to']))
            if hook == 'POSTROUTING':
                v.append('-j MASQUERADE')
        return v

    def map_verdict(self, table, callees):
        v = [('-j ACCEPT', 3), ('-j RETURN', 1)]
        if table != 'nat':
            v.append(('-j DROP', 3))
        v += [('-j ' + c, 2) for c in callees] + [('-g ' + c, 1) for c in callees]
        total = sum(w for _, w in v)
        x = self.rng.random() * total
        for t, w in v:
            x -= w
            if x <= 0:
                return t
        return v[-1][0]

    def shape_for(self, hook_in, hook_out):
        shapes = [(s, w) for s, w in KEY_SHAPES
                  if (hook_in or 'i' not in s) and (hook_out or 'o' not in s)]
        total = sum(w for _, w in shapes)
        x = self.rng.random() * total
        for s, w in shapes:
            x -= w
            if x <= 0:
                return s
        return shapes[-1][0]

    def interloper(self, table, hook, shape, st, callees, hook_in, hook_out):
        """A rule that must stay linear, placed between the rules of a run."""
        kind = self.pick(['negation', 'negation', 'log', 'log', 'limit', 'count', 'flags',
                          'ports', 'generic'])
        if kind == 'negation':
            ports = 'sport' in shape or 'dport' in shape
            m, proto = self.key_rule(shape, st, invert=self.pick(
                [f for f in shape if not (f == 'p' and ports)]))
            return '%s %s' % (m, self.map_verdict(table, callees))
        if kind == 'log':
            m, proto = self.key_rule(shape, st)
            t = self.pick(['-j LOG --log-prefix "k%d "' % self.rng.randint(0, 9),
                           '-j NFLOG --nflog-group %d' % self.rng.randint(1, 5)])
            if table == 'mangle':
                t = self.pick([t, '-j MARK --set-mark 0x%x' % self.pick([1, 2, 3, 0x10])])
            return '%s %s' % (m, t)
        if kind == 'limit':
            m, proto = self.key_rule(shape, st)
            return '%s -m limit --limit 100/sec --limit-burst 1000 %s' % (
                m, self.map_verdict(table, callees))
        if kind == 'count':
            m, proto = self.key_rule(shape, st)
            return m
        if kind == 'flags':
            flags = self.pick(['--syn', '! --syn', '--tcp-flags SYN,ACK SYN',
                               '--tcp-flags ALL NONE', '--tcp-flags SYN,RST,ACK ACK'])
            return '-p tcp -m tcp --dport %s %s %s' % (self.port_value('dport', 'exact'), flags,
                                                      self.map_verdict(table, callees))
        if kind == 'ports':
            return '-p %s -m multiport --ports %s %s' % (
                self.pick(['tcp', 'udp']), self.multiport_value('dport', 'exact'),
                self.map_verdict(table, callees))
        m, proto = self.matches(hook_in, hook_out, hook)
        t = self.target(table, hook, proto, callees)
        if not m and t.split()[1:2] in (['DROP'], ['REJECT']):
            t = '-j LOG'
        return ' '.join(x for x in [m, t] if x)

    def block(self, table, hook, callees, hook_in, hook_out, emit):
        """One run-shaped block: mostly rules of one shape and spelling, some linear ones;
        emit(rule) adds each rule to the chain."""
        shape = self.shape_for(hook_in, hook_out)
        st = self.block_style(shape)
        other = None
        if self.chance(0.1):
            other = self.shape_for(hook_in, hook_out)
            ost = self.block_style(other)
        r = self.rng.random()
        mode = 'set' if r < 0.45 else 'map' if r < 0.9 else 'targets'
        n = self.rng.randint(4, 8) if self.chance(0.85) else self.rng.randint(10, 20)
        setv = self.pick(self.set_verdicts(table, hook, st['proto'], shape, callees))
        for _ in range(n):
            if self.chance(0.1):
                emit(self.interloper(table, hook, shape, st, callees, hook_in, hook_out))
            if other is not None and self.chance(0.5):
                m, proto = self.key_rule(other, ost)
                emit('%s %s' % (m, self.map_verdict(table, callees)))
                continue
            m, proto = self.key_rule(shape, st)
            if mode == 'set':
                t = setv
            elif mode == 'map':
                t = self.map_verdict(table, callees)
            else:
                t = self.target(table, hook, proto, callees)
            emit(' '.join(x for x in [m, t] if x))

    def generate(self):
        out = []
        self.opt_cmds = []
        presence = {'raw': 0.25, 'mangle': 0.35, 'nat': 0.4, 'filter': 1.0, 'security': 0.15}
        self.no_conntrack = self.fragments and self.fam == 4 and self.chance(0.5)
        for table in TABLE_ORDER:
            if not self.chance(presence[table]) or (table == 'nat' and self.no_conntrack):
                continue
            bases = TABLE_CHAINS[table]
            nuser = self.rng.randint(1, 3) if table == 'filter' else self.rng.randint(0, 2)
            users = ['U%s%d' % (table[:2].upper(), i) for i in range(nuser)]
            owner = {u: self.pick(bases) for u in users}
            lines = self.table_head(table, bases, users, COMPILED_DROP_POLICY)

            def chain_rules(chain, hook, callees, nblocks):
                hook_in = hook in ('PREROUTING', 'INPUT', 'FORWARD') or chain in users
                hook_out = hook in ('OUTPUT', 'POSTROUTING', 'FORWARD') or chain in users
                self._hook = hook
                pos = [0]

                def emit(rule):
                    pos[0] += 1
                    lines.append(' '.join(x for x in ['-A', chain, rule] if x))
                    for tg in self._pending:
                        tg['at'] = (table, chain, pos[0])
                    self._pending = []

                for _ in range(nblocks):
                    if self.chance(0.2):
                        for _ in range(self.rng.randint(1, 2)):
                            emit(self.random_rule(table, hook, callees, hook_in, hook_out))
                    self.block(table, hook, callees, hook_in, hook_out, emit)

            main = {'filter': bases, 'nat': ['PREROUTING', 'POSTROUTING', 'OUTPUT'],
                    'mangle': ['PREROUTING', 'FORWARD', 'OUTPUT']}.get(table, bases)
            for b in bases:
                callees = [u for u in users if owner[u] == b]
                nb = self.rng.randint(1, 2) if b in main else int(self.chance(0.3))
                chain_rules(b, b, callees, nb)
            for i, u in enumerate(users):
                callees = [v for v in users[i + 1:] if owner[v] == owner[u]]
                chain_rules(u, owner[u], callees, 1 if self.chance(0.8) else 2)
            lines.append('COMMIT')
            out.extend(lines)
            # Most tables compile with the default run length (4), some with shorter runs;
            # some are compiled, turned back (optimize off) and compiled again, or left
            # turned back.
            on = ['optimize', 'on', '-%d' % self.fam, '-t', table]
            min_run = self.pick([None, None, None, None, None, 2, 1])
            if min_run:
                on += ['--min-run', str(min_run)]
            off = ['optimize', 'off', '-%d' % self.fam, '-t', table]
            self.opt_cmds += self.pick([[on]] * 8 + [[on, off, on], [on, off]])
        return '\n'.join(out) + '\n'


# ---------------------------------------------------------------------------------------------
# Packets
# ---------------------------------------------------------------------------------------------

def csum(data):
    if len(data) % 2:
        data += b'\0'
    s = sum(struct.unpack('!%dH' % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff


def gen_packet(rng, fam, ident):
    topo = TOPO[fam]
    p = {'fam': fam, 'id': ident}
    r = rng.random()
    if r < 0.45:
        p['kind'] = 'in-local'
    elif r < 0.75:
        p['kind'] = 'in-fwd'
    elif r < 0.92:
        p['kind'] = 'out-remote'
    else:
        p['kind'] = 'out-local'
    if p['kind'].startswith('in'):
        p['iface'] = rng.choice(['in0', 'in1'])
        p['src'] = rng.choice(topo['remote_src'])
        if p['kind'] == 'in-local':
            p['dst'] = rng.choice([a for k, v in topo['local'].items() if k != 'lo' for a in v])
        else:
            p['dst'] = rng.choice(topo['fwd_dst'])
        p['mark'] = 0
    else:
        # Unrouted sources here too: what the host answers (RST, ICMP errors, REJECT) to a
        # local source would cross its chains again.
        p['src'] = rng.choice(topo['remote_src'])
        if p['kind'] == 'out-remote':
            p['dst'] = rng.choice(topo['fwd_dst'])
        else:
            p['dst'] = rng.choice([a for k, v in topo['local'].items() if k != 'lo' for a in v])
        p['mark'] = rng.choice(MARKS)
    r = rng.random()
    if r < 0.45:
        p['proto'] = 6
        p['sport'] = rng.choice(PORTS + [rng.randint(1024, 65535)] * 3)
        p['dport'] = rng.choice(PORTS + [rng.randint(1, 65535)])
        p['flags'] = rng.choice([0x02] * 6 + [0x10] * 2 + [0x12, 0x04, 0x11, 0x18, 0x03, 0x00, 0x29, 0x14])
    elif r < 0.75:
        p['proto'] = 17
        p['sport'] = rng.choice(PORTS + [rng.randint(1024, 65535)] * 3)
        p['dport'] = rng.choice(PORTS + [rng.randint(1, 65535)])
    elif r < 0.95:
        p['proto'] = 1 if fam == 4 else 58
        if fam == 4:
            p['type'], p['code'] = rng.choice([(8, 0)] * 4 + [(0, 0), (3, 3), (3, 1), (11, 0), (13, 0)])
        else:
            p['type'], p['code'] = rng.choice([(128, 0)] * 4 + [(129, 0), (1, 4), (3, 0), (135, 0), (136, 0)])
        p['icmp_id'] = rng.randint(1, 65535)
    else:
        p['proto'] = 253
    return p


def gen_packet_aimed(rng, fam, ident, gen, compiled=()):
    """A packet for the compiled mode: mostly aimed at one key-shaped rule of the ruleset
    (CompiledGen.targets: every field of the rule set to a value inside its interval, at a
    bound or, now and then, just outside it), sometimes at the bounds of single fields
    (CompiledGen.aims), sometimes plain gen_packet. Only what the topology allows: sources
    stay in the unrouted remote network, destinations are local or routed to d0/d1, -i only
    in0/in1. compiled: the rules (table, chain, position) the kernel holds in lookups, which
    most aimed packets aim at."""
    kn = KEY_NETS[fam]
    src_net = ipaddress.ip_network(kn['src'])
    fwd_nets = [ipaddress.ip_network(n) for n in kn['fwd']]
    local = set(int(ipaddress.ip_address(a)) for k, v in TOPO[fam]['local'].items()
                if k != 'lo' for a in v)
    to_addr = ipaddress.IPv4Address if fam == 4 else ipaddress.IPv6Address
    icmp = 'icmp' if fam == 4 else 'ipv6-icmp'
    protos = {'tcp': 6, 'udp': 17, icmp: 1 if fam == 4 else 58}

    def ok_src(v):
        if not 0 <= v < 1 << (32 if fam == 4 else 128):
            return False
        a = to_addr(v)
        return a in src_net and a != src_net.network_address and a != src_net.broadcast_address

    def dst_kind(v):
        """'local', 'fwd' or None (a destination packets cannot have)."""
        if not 0 <= v < 1 << (32 if fam == 4 else 128):
            return None
        if v in local:
            return 'local'
        a = to_addr(v)
        if any(a in n and a != n.network_address and a != n.broadcast_address
               for n in fwd_nets):
            return 'fwd'
        return None

    def point(ivals, outside=False):
        lo, hi = rng.choice(ivals)
        if outside:
            return lo - 1 if rng.random() < 0.5 else hi + 1
        r = rng.random()
        if r < 0.35:
            return lo
        if r < 0.7:
            return hi
        return rng.randint(lo, hi)

    r = rng.random()
    if r < 0.15 or not gen.targets:
        return maybe_fragment(rng, gen, gen_packet(rng, fam, ident))
    if r < 0.3:
        # Single fields at their bounds.
        p = gen_packet(rng, fam, ident)
        for f in [f for f in ('src', 'dst', 'sport', 'dport') if rng.random() < 0.5]:
            if f in ('sport', 'dport'):
                cand = sorted(v for v in gen.aims.get(f, ()) if 1 <= v <= 65535)
                if cand and p['proto'] in (6, 17):
                    p[f] = rng.choice(cand)
            elif f == 'src':
                cand = sorted(v for v in gen.aims.get('s', ()) if ok_src(v))
                if cand:
                    p['src'] = str(to_addr(rng.choice(cand)))
            else:
                want = 'local' if p['kind'] in ('in-local', 'out-local') else 'fwd'
                cand = sorted(v for v in gen.aims.get('d', ()) if dst_kind(v) == want)
                if cand:
                    p['dst'] = str(to_addr(rng.choice(cand)))
        return maybe_fragment(rng, gen, p)
    in_lookup = [t for t in gen.targets if t.get('at') in compiled]
    tg = rng.choice(in_lookup if in_lookup and rng.random() < 0.85 else gen.targets)
    want = {}
    # Inside the rule's values, or (a third of the time) just outside them in one field.
    out = rng.choice([f for f in ('s', 'd', 'sport', 'dport') if tg.get(f)] or [None]) \
        if rng.random() < 0.33 else None
    if tg.get('s'):
        v = point(tg['s'], out == 's')
        if ok_src(v):
            want['src'] = v
    if tg.get('d'):
        v = point(tg['d'], out == 'd')
        if dst_kind(v):
            want['dst'] = v
    for f in ('sport', 'dport'):
        if tg.get(f):
            v = point(tg[f], out == f)
            if 1 <= v <= 65535:
                want[f] = v
    proto = protos.get(tg.get('p'))
    if proto is None and ('sport' in want or 'dport' in want):
        proto = rng.choice([6, 17])
    iface = tg.get('i') if tg.get('i') in ('in0', 'in1') and rng.random() < 0.85 else None
    kinds = None
    if 'dst' in want:
        kinds = ('in-local', 'out-local') if dst_kind(want['dst']) == 'local' else \
            ('in-fwd', 'out-remote')
    if iface or tg.get('i') in ('lo', 'd0'):
        kinds = tuple(k for k in (kinds or ('in-local', 'in-fwd')) if k.startswith('in'))
    if tg.get('o') in ('d0', 'd1'):
        kinds = tuple(k for k in (kinds or ('in-fwd', 'out-remote'))
                      if k in ('in-fwd', 'out-remote'))
    # Packets that pass the rule's hook.
    at_hook = {'PREROUTING': ('in-local', 'in-fwd'), 'INPUT': ('in-local', 'out-local'),
               'FORWARD': ('in-fwd',), 'OUTPUT': ('out-local', 'out-remote'),
               'POSTROUTING': ('in-fwd', 'out-remote', 'out-local')}.get(tg.get('hook'))
    if at_hook:
        both = tuple(k for k in (kinds or at_hook) if k in at_hook)
        kinds = both or kinds
    for _ in range(40):
        p = gen_packet(rng, fam, ident)
        if (proto is None or p['proto'] == proto) and (not kinds or p['kind'] in kinds):
            break
    else:
        return maybe_fragment(rng, gen, p)
    if 'src' in want:
        p['src'] = str(to_addr(want['src']))
    if 'dst' in want:
        p['dst'] = str(to_addr(want['dst']))
    elif tg.get('o') in ('d0', 'd1') and p['kind'] in ('in-fwd', 'out-remote'):
        # Out d0: 198.51.100.0/25 (2001:db8:2::/64); out d1: the other half.
        cand = [a for a in TOPO[fam]['fwd_dst']
                if [d for n, d in TOPO[fam]['routes'] if to_addr(int(ipaddress.ip_address(a))) in
                    ipaddress.ip_network(n)] == [tg['o']]]
        if cand:
            p['dst'] = rng.choice(cand)
    if p['proto'] in (6, 17):
        for f in ('sport', 'dport'):
            if f in want:
                p[f] = want[f]
    if iface and p['kind'].startswith('in'):
        p['iface'] = iface
    return maybe_fragment(rng, gen, p)


def maybe_fragment(rng, gen, p):
    """In a ruleset without conntrack (--fragments), makes some forwarded or outgoing-remote
    TCP and UDP packets non-first IPv4 fragments (without conntrack nothing reassembles them
    on that path; local delivery would). Their transport header is not there, but the
    kernel's transport-header loads (iptables-nft's --sport/--dport, compiled port keys)
    read the fragment's data where the ports would be ("cx" and "ta": 25464, 29793), while
    -m multiport and `cxtables trace` take a fragment as matching no port."""
    if getattr(gen, 'no_conntrack', False) and p['fam'] == 4 and p['proto'] in (6, 17) and \
            p['kind'] in ('in-fwd', 'out-remote') and rng.random() < 0.5:
        p['frag'] = True
    return p


def l4_bytes(p, src_b, dst_b):
    fam, proto = p['fam'], p['proto']
    if fam == 4:
        pseudo = lambda n: src_b + dst_b + struct.pack('!BBH', 0, proto, n)
    else:
        pseudo = lambda n: src_b + dst_b + struct.pack('!I3xB', n, proto)
    if proto == 6:
        hdr = struct.pack('!HHIIBBHHH', p['sport'], p['dport'], 1000, 0, 5 << 4, p['flags'],
                          65535, 0, 0)
        c = csum(pseudo(len(hdr)) + hdr)
        return hdr[:16] + struct.pack('!H', c) + hdr[18:]
    if proto == 17:
        body = b'cxtables'
        hdr = struct.pack('!HHHH', p['sport'], p['dport'], 8 + len(body), 0) + body
        c = csum(pseudo(len(hdr)) + hdr) or 0xffff
        return hdr[:6] + struct.pack('!H', c) + hdr[8:]
    if proto in (1, 58):
        body = struct.pack('!HH', p['icmp_id'], 1)
        if p['type'] in (3, 11, 1, 3 + 0x100) and proto in (1, 58) and p['type'] < 128:
            body = b'\0\0\0\0' + inner_packet(p, src_b, dst_b)
        if proto == 58 and p['type'] in (135, 136):
            body = b'\0\0\0\0' + dst_b
        hdr = struct.pack('!BBH', p['type'], p['code'], 0) + body
        c = csum((pseudo(len(hdr)) if proto == 58 else b'') + hdr)
        return hdr[:2] + struct.pack('!H', c) + hdr[4:]
    return b'cxtables-generic'


def inner_packet(p, src_b, dst_b):
    """The start of a UDP packet from dst to src, for ICMP errors."""
    if p['fam'] == 4:
        ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 28, 1, 0, 64, 17, 0, dst_b, src_b)
        ip = ip[:10] + struct.pack('!H', csum(ip)) + ip[12:]
    else:
        ip = struct.pack('!IHBB16s16s', 6 << 28, 8, 17, 64, dst_b, src_b)
    return ip + struct.pack('!HHHH', 5353, 9, 8, 0)


def ip_bytes(p):
    fam = p['fam']
    af = socket.AF_INET if fam == 4 else socket.AF_INET6
    src_b, dst_b = socket.inet_pton(af, p['src']), socket.inet_pton(af, p['dst'])
    frag = 0
    if p.get('frag'):
        # A non-first fragment (offset 1480 bytes, the last one): data, no transport header.
        l4, frag = b'cxtables-fragment-data', 185
    else:
        l4 = l4_bytes(p, src_b, dst_b)
    if fam == 4:
        hdr = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(l4), p['id'], frag, 64, p['proto'],
                          0, src_b, dst_b)
        hdr = hdr[:10] + struct.pack('!H', csum(hdr)) + hdr[12:]
        return hdr + l4
    hdr = struct.pack('!IHBB16s16s', (6 << 28) | (p['id'] & 0xfffff), len(l4), p['proto'], 64,
                      src_b, dst_b)
    return hdr + l4


def trace_words(p):
    w = ['-%d' % p['fam'], '--src', p['src'], '--dst', p['dst'], '-p', str(p['proto'])]
    if p['kind'].startswith('in'):
        w += ['--in', p['iface']]
    else:
        w += ['--outgoing', '--uid', '0', '--gid', '0']  # the raw socket is root's
    if p.get('frag'):
        w += ['--fragment']
    elif p['proto'] in (6, 17):
        w += ['--sport', str(p['sport']), '--dport', str(p['dport'])]
    if p['proto'] == 6 and not p.get('frag'):
        w += ['--tcp-flags', tcp_flag_names(p['flags'])]
    if p['proto'] in (1, 58):
        w += ['--icmp-type', '%d/%d' % (p['type'], p['code'])]
    w += ['--mark', str(p['mark'])]
    w += ['--length', str(len(ip_bytes(p)))]
    return w


def tcp_flag_names(f):
    names = ['FIN', 'SYN', 'RST', 'PSH', 'ACK', 'URG', 'ECE', 'CWR']
    s = [n for i, n in enumerate(names) if f & (1 << i)]
    return ','.join(s) if s else 'NONE'


# ---------------------------------------------------------------------------------------------
# Kernel side
# ---------------------------------------------------------------------------------------------

libc = ctypes.CDLL(None, use_errno=True)


def setns(fd):
    if libc.setns(fd, CLONE_NEWNET) != 0:
        e = ctypes.get_errno()
        raise OSError(e, 'setns: ' + os.strerror(e))


class Kernel:
    def __init__(self, peer, ref, save_dir=None):
        self.ref = ref
        # Where the -save that reads per-rule counters is: the reference's, or (compiled
        # chains, which the reference refuses to list) cxtables'.
        self.save_dir = save_dir or ref
        self.home = os.open('/proc/self/ns/net', os.O_RDONLY)
        peer_fd = os.open('/run/netns/' + peer, os.O_RDONLY)
        setns(peer_fd)
        try:
            self.eth = {}
            for name in ('p0', 'p1'):
                s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
                s.bind((name, 0))
                self.eth[name] = s
            self.peer_mac = {n: self.eth[n].getsockname()[4] for n in self.eth}
        finally:
            setns(self.home)
            os.close(peer_fd)
        self.dut_mac = {}
        for n in ('in0', 'in1'):
            with open('/sys/class/net/%s/address' % n) as f:
                self.dut_mac[n] = bytes.fromhex(f.read().strip().replace(':', ''))
        self.raw4 = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
        self.raw6 = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_RAW)
        self.nfnl = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 12)  # NETLINK_NETFILTER
        self.nfnl.bind((0, 0))
        self.seq = 0

    def flush_conntrack(self):
        # IPCTNL_MSG_CT_DELETE without a tuple: flush the table (all families).
        self.seq += 1
        msg_type = (1 << 8) | 2
        body = struct.pack('!BBH', 0, 0, 0)
        hdr = struct.pack('=IHHII', 16 + len(body), msg_type, 0x1 | 0x4, self.seq, 0)
        self.nfnl.send(hdr + body)
        data = self.nfnl.recv(65536)
        err = struct.unpack('=i', data[16:20])[0] if len(data) >= 20 else 0
        if err not in (0, -2):
            raise OSError(-err, 'conntrack flush failed')

    def send(self, p):
        data = ip_bytes(p)
        if p['kind'].startswith('in'):
            peer = 'p0' if p['iface'] == 'in0' else 'p1'
            eth = self.dut_mac[p['iface']] + self.peer_mac[peer] + \
                struct.pack('!H', 0x0800 if p['fam'] == 4 else 0x86dd)
            self.eth[peer].send(eth + data)
        else:
            s = self.raw4 if p['fam'] == 4 else self.raw6
            s.setsockopt(socket.SOL_SOCKET, SO_MARK, p['mark'])
            try:
                s.sendto(data, (p['dst'], 0) if p['fam'] == 4 else (p['dst'], 0, 0, 0))
            except PermissionError:
                pass  # dropped in OUTPUT: the sender gets EPERM

    def counters(self, fam):
        tool = 'iptables-nft-save' if fam == 4 else 'ip6tables-nft-save'
        out = subprocess.run([os.path.join(self.save_dir, tool), '-c'], check=True,
                             capture_output=True, text=True).stdout
        c = {}
        table = None
        pos = collections.Counter()
        for line in out.splitlines():
            if line.startswith('*'):
                table = line[1:]
            elif line.startswith(':'):
                name, _, cnt = line[1:].split()
                if _ != '-':
                    c[(table, name, 0)] = int(cnt[1:-1].split(':')[0])
            elif line.startswith('['):
                cnt, rest = line.split(' ', 1)
                chain = rest.split()[1]
                pos[(table, chain)] += 1
                c[(table, chain, pos[(table, chain)])] = int(cnt[1:-1].split(':')[0])
        return c


def optimize_cmds(fam, tables):
    """The default: compile every table."""
    return [['optimize', 'on', '-%d' % fam, '-t', t] for t in tables]


def optimize(cxtables, fam, tables, cmds, stats):
    """Runs the cxtables commands `cmds` (optimize on/off) on the loaded ruleset; a refusal
    is a failure of the run. Then adds up what `optimize status` reports per chain
    ("CHAIN: N rules, M compiled into K lookups") in stats['opt_rules'], ['opt_compiled'],
    ['opt_lookups']."""
    for c in cmds:
        r = subprocess.run([cxtables] + c, capture_output=True, text=True)
        if r.returncode != 0:
            stats['optimize_failed'] += 1
            stats['disagree'] += 1
            print('FAIL cxtables %s: %s' % (' '.join(c), r.stderr.strip()))
            return False
        stats['opt_off_commands'] += int(c[1] == 'off')
    for table in tables:
        r = subprocess.run([cxtables, 'optimize', 'status', '-%d' % fam, '-t', table],
                           capture_output=True, text=True)
        if r.returncode != 0:
            stats['optimize_failed'] += 1
            stats['disagree'] += 1
            print('FAIL cxtables optimize status -%d -t %s: %s' % (fam, table, r.stderr.strip()))
            return False
        for line in r.stdout.splitlines():
            m = re.match(r'^\S+: (\d+) rules, (\d+) compiled into (\d+) lookups', line)
            if m:
                stats['opt_rules'] += int(m.group(1))
                stats['opt_compiled'] += int(m.group(2))
                stats['opt_lookups'] += int(m.group(3))
    stats['optimized_rulesets'] += 1
    return True


def listing(save_dir, fam):
    """The save text of every table (no counters, no comment lines)."""
    tool = 'iptables-nft-save' if fam == 4 else 'ip6tables-nft-save'
    out = run([os.path.join(save_dir, tool)]).stdout
    return [l for l in out.splitlines() if not l.startswith('#')]


def lookup_hits(stats, fam, tables, save_dir, before=False):
    """Adds up the element counters of the compiled sets and maps (__cx_*) of the ruleset:
    how many times a packet was decided (or counted) by a lookup, not by a plain rule.
    Returns the compiled rules as (table, chain, position) (by their element comments,
    matched in order against cxtables' listing). A table nft cannot list is counted in
    stats['opt_nft_list_failed'] (and its rules are not counted). before: called before the
    packets are sent (counts sets and failures; no hits yet); else only counts the hits."""
    compiled = set()
    for table in tables:
        r = subprocess.run(['nft', '-j', 'list', 'table', 'ip' if fam == 4 else 'ip6', table],
                           capture_output=True, text=True)
        if r.returncode != 0:
            if not before:
                continue
            stats['opt_nft_list_failed'] += 1
            if stats['opt_nft_list_failed'] <= 3:
                print('# nft -j list table %s %s failed (exit %d): %s' % (
                    'ip' if fam == 4 else 'ip6', table, r.returncode,
                    r.stderr.strip().splitlines()[-1:] or ''))
            continue
        specs = collections.Counter()
        for item in json.loads(r.stdout)['nftables']:
            rule = item.get('rule')
            if rule and before:
                text = json.dumps(rule.get('expr', []))
                if '@__cx_' in text and any(k in text for k in ('"ct"', '"length"', '"pkttype"')):
                    stats['opt_lookups_shared'] += 1
                # A tail guard ("KEY != @set return") and a prefilter (a second lookup).
                if '@__cx_' in text and '"!="' in text and '"return"' in text:
                    stats['opt_guards'] += 1
                if text.count('@__cx_') > 1:
                    stats['opt_prefilters'] += 1
            obj = item.get('set') or item.get('map')
            if not obj or not obj['name'].startswith('__cx_'):
                continue
            chain = obj['name'][len('__cx_'):].rsplit('_', 1)[0]
            if before:
                stats['opt_sets'] += 1
                stats['opt_sets_vmap' if 'map' in obj else 'opt_sets_plain'] += 1
                stats['opt_sets_interval'] += int('interval' in obj.get('flags', []))
                stats['opt_sets_concat'] += int(isinstance(obj.get('type'), list))
                stats['opt_sets_pipapo'] += int(isinstance(obj.get('type'), list) and
                                                'interval' in obj.get('flags', []))
            for e in obj.get('elem', []):
                if isinstance(e, list):
                    e = e[0]
                e = e.get('elem', {}) if isinstance(e, dict) else {}
                if not isinstance(e, dict):
                    continue
                c = e.get('counter')
                if c and c['packets']:
                    stats['opt_lookup_hits'] += c['packets']
                    stats['opt_elements_hit'] += 1
                if 'comment' in e:   # on the first element of each rule
                    specs[(chain, e['comment'])] += 1
        if not before:
            continue
        tool = 'iptables-save' if fam == 4 else 'ip6tables-save'
        out = run([os.path.join(save_dir, tool), '-t', table]).stdout
        pos = collections.Counter()
        for line in out.splitlines():
            if line.startswith('-A '):
                parts = line.split(' ', 2)
                chain, spec = parts[1], parts[2] if len(parts) > 2 else ''
                pos[chain] += 1
                if specs[(chain, spec)]:
                    specs[(chain, spec)] -= 1
                    compiled.add((table, chain, pos[chain]))
    return compiled


def sabotage_compiled(fam, tables, rng, stats):
    """Negative control of the compiled mode: deletes one rule from every compiled set and
    map whose rules are one element each (every element carries its rule's text, which
    listing needs), so that the kernel no longer runs what the rules say."""
    nfam = 'ip' if fam == 4 else 'ip6'
    for table in tables:
        r = subprocess.run(['nft', '-j', 'list', 'table', nfam, table], capture_output=True,
                           text=True)
        if r.returncode != 0:
            continue
        for item in json.loads(r.stdout)['nftables']:
            obj = item.get('set') or item.get('map')
            if not obj or not obj['name'].startswith('__cx_') or not obj.get('elem'):
                continue
            elems = [e[0] if isinstance(e, list) else e for e in obj['elem']]
            if not all(isinstance(e, dict) and 'comment' in e.get('elem', {}) for e in elems):
                continue
            val = rng.choice(elems)['elem']['val']
            cmd = {'nftables': [{'delete': {'element': {
                'family': nfam, 'table': table, 'name': obj['name'], 'elem': [val]}}}]}
            d = subprocess.run(['nft', '-j', '-f', '-'], input=json.dumps(cmd), text=True,
                               capture_output=True)
            stats['sabotaged_elements' if d.returncode == 0 else 'sabotage_failed'] += 1


def packet_from_words(words, ident):
    """The packet dict of trace_words() output (for --replay)."""
    w = words.split()
    p = {'fam': 4 if w[0] == '-4' else 6, 'id': ident, 'mark': 0}
    i = 1
    while i < len(w):
        o = w[i]
        if o in ('--outgoing', '--fragment'):
            if o == '--outgoing':
                p['kind'] = 'out'
            else:
                p['frag'] = True
            i += 1
            continue
        v = w[i + 1]
        i += 2
        if o == '--src':
            p['src'] = v
        elif o == '--dst':
            p['dst'] = v
        elif o == '-p':
            p['proto'] = int(v)
        elif o == '--in':
            p['iface'] = v
            p['kind'] = 'in'
        elif o in ('--sport', '--dport', '--mark'):
            p[o[2:]] = int(v)
        elif o == '--tcp-flags':
            names = ['FIN', 'SYN', 'RST', 'PSH', 'ACK', 'URG', 'ECE', 'CWR']
            p['flags'] = sum(1 << names.index(n) for n in v.split(',') if n in names)
        elif o == '--icmp-type':
            t, c = v.split('/')
            p['type'], p['code'], p['icmp_id'] = int(t), int(c), 4242
    local = p['dst'] in all_local(p['fam'])
    if p['kind'] == 'in':
        p['kind'] = 'in-local' if local else 'in-fwd'
    else:
        p['kind'] = 'out-local' if local else 'out-remote'
    return p


def load_replay(base):
    """(fam, ruleset text, optimize commands, packets, no_conntrack) of a case kept by
    --keep."""
    with open(base + '.rules') as f:
        text = f.read()
    packets, cmds, no_ct = [], None, False
    with open(base + '.packet') as f:
        for line in f:
            if line.startswith(('-4 ', '-6 ')):
                packets.append(packet_from_words(line, len(packets) + 1))
            elif line.startswith('conntrack: not forced'):
                no_ct = True
            elif line.startswith('compiled with:'):
                cmds = [c.split() for c in line.split(':', 1)[1].split(';') if c.strip()]
    return packets[0]['fam'], text, cmds, packets, no_ct


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw)


# ---------------------------------------------------------------------------------------------
# Observer: an nft table (inet cxobs) with chains at priority 1000 after every iptables chain.
# ---------------------------------------------------------------------------------------------

def observer_text(packets, traces, conntrack=False):
    rules_in, rules_post = [], []
    for p, t in zip(packets, traces):
        key = ('ip id %d' % p['id']) if p['fam'] == 4 else ('ip6 flowlabel %d' % p['id'])
        rules_in.append('%s counter comment "p%d any"' % (key, p['id']))
        rules_post.append('%s counter comment "p%d any"' % (key, p['id']))
        exp = expected_fate(p, t)
        if exp['exact'] is None:
            continue
        fp = t['final_packet']
        pfx = 'ip' if p['fam'] == 4 else 'ip6'
        m = '%s meta mark 0x%x %s saddr %s %s daddr %s' % (key, fp['mark'], pfx, fp['src'], pfx,
                                                          fp['dst'])
        if p['proto'] in (6, 17) and not p.get('frag'):
            m += ' meta l4proto %d th sport %d th dport %d' % (p['proto'], fp['sport'], fp['dport'])
        rule = '%s counter comment "p%d exact"' % (m, p['id'])
        (rules_in if exp['exact'] == 'in' else rules_post).append(rule)
    # A guard before every iptables chain (priority -500): what the dut itself sends is dropped
    # (answers of its TCP/ICMP stack to a packet NAT made routable, MLD reports), except the
    # test's own packets, written by root's raw socket.
    lines = ['table inet cxguard {',
             ' chain out { type filter hook output priority -500; policy accept;',
             '  meta skuid 0 accept', '  drop', ' }']
    if conntrack:
        # A ct expression anywhere (this chain has no hook and is never called) turns
        # conntrack on in the namespace for IPv4 and IPv6. Without one, and without a rule
        # of the ruleset that needs conntrack (NAT targets, -m conntrack/state, CT), the
        # kernel tracks nothing and skips the nat chains, which `cxtables trace` does not
        # model (it assumes conntrack is on).
        lines += [' chain ctref {', '  ct state new', ' }']
    lines += ['}']
    lines += ['table inet cxobs {',
             ' chain in { type filter hook input priority 1000; policy accept;']
    lines += ['  ' + r for r in rules_in]
    lines += [' }', ' chain post { type filter hook postrouting priority 1000; policy accept;']
    lines += ['  ' + r for r in rules_post]
    lines += [' }', '}']
    return '\n'.join(lines) + '\n'


def expected_fate(p, t):
    """Where the observer should see the packet: in (delivered), post (left through
    POSTROUTING), and where the final state is checked."""
    v = t['verdict']
    looped = any(e['kind'] == 'route' and 'looped back' in e.get('text', '') for e in t['events'])
    accepted = v == 'ACCEPT'
    e = {'in': 0, 'post': 0, 'exact': None}
    if accepted and t['local']:
        e['in'] = 1
        e['exact'] = 'in'
    if (accepted and not t['local']) or looped:
        e['post'] = 1
        if accepted and not t['local']:
            e['exact'] = 'post'
    return e


def observed(text):
    data = json.loads(text)
    obs = collections.defaultdict(lambda: {'in': 0, 'post': 0, 'exact': 0})
    for item in data['nftables']:
        r = item.get('rule')
        if not r or 'comment' not in r:
            continue
        pid, what = r['comment'].split()
        n = 0
        for e in r['expr']:
            if 'counter' in e:
                n = e['counter']['packets']
        ident = int(pid[1:])
        if what == 'exact':
            obs[ident]['exact'] += n
        else:
            obs[ident]['in' if r['chain'] == 'in' else 'post'] += n
    return obs


# ---------------------------------------------------------------------------------------------
# Main loop
# ---------------------------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--peer', required=True)
    ap.add_argument('--bin', required=True, help='directory with cxtables')
    ap.add_argument('--ref', default='/usr/sbin')
    ap.add_argument('--cases', type=int, default=500)
    ap.add_argument('--per-ruleset', type=int, default=20)
    ap.add_argument('--seed', type=int, default=1)
    ap.add_argument('--time-limit', type=float, default=600)
    ap.add_argument('--show', type=int, default=5, help='disagreements to print in full')
    ap.add_argument('--keep', help='directory to keep failing rulesets and packets in')
    ap.add_argument('--sabotage', action='store_true',
                    help='negative control: hide 192.0.2.1 and 2001:db8:1::1 from the '
                         'evaluator\'s local addresses, so that its predictions must be wrong')
    ap.add_argument('--optimize', action='store_true',
                    help='compiled mode: after loading each ruleset as iptables-nft does, '
                         'compile it (cxtables optimize on); the kernel then runs the compiled '
                         'form and cxtables reads every original rule\'s counter from it')
    ap.add_argument('--sabotage-compiled', action='store_true',
                    help='negative control of --optimize: after compiling, delete one rule '
                         'from every compiled set and map (the listing is not compared)')
    ap.add_argument('--conntrack', action=argparse.BooleanOptionalAction, default=None,
                    help='keep conntrack on in the namespace whatever the ruleset uses (the '
                         'default with --gen compiled, whose rulesets often use no conntrack)')
    ap.add_argument('--fragments', action='store_true',
                    help='compiled generator: half of the IPv4 rulesets need no conntrack '
                         'and their forwarded and outgoing TCP/UDP packets are sometimes '
                         'non-first fragments (the kernel reads their data as ports; cxtables '
                         'trace does not model that yet, so expect disagreements)')
    ap.add_argument('--replay', metavar='BASE',
                    help='run one kept case again: BASE.rules (the ruleset) and BASE.packet '
                         '(one packet per line as trace words; a line "compiled with: ..." '
                         'gives the optimize commands, "conntrack: not forced" turns '
                         '--conntrack off), as --keep writes them')
    ap.add_argument('--gen', choices=('plain', 'compiled'),
                    help='ruleset generator: plain (the default without --optimize) or '
                         'compiled (the default with --optimize: chains made of runs of '
                         'key-shaped rules, packets aimed at their bounds)')
    args = ap.parse_args()
    if args.gen is None:
        args.gen = 'compiled' if args.optimize else 'plain'
    if args.conntrack is None:
        args.conntrack = args.gen == 'compiled'

    # It flushes and rewrites the ruleset of the namespace it runs in: never the machine's own.
    ns = subprocess.run(['ip', 'netns', 'identify', str(os.getpid())], capture_output=True,
                        text=True).stdout.strip()
    if not ns:
        print('trace_diff.py: run it inside the test namespace (ip netns exec DUT ...), '
              'not in the initial network namespace', file=sys.stderr)
        return 2
    rng = random.Random(args.seed)
    k = Kernel(args.peer, args.ref, args.bin if args.optimize else None)
    cxtables = os.path.join(args.bin, 'cxtables')
    stats = collections.Counter()
    reasons = collections.Counter()
    shown = 0
    start = time.time()
    tmp = tempfile.mkdtemp(prefix='cxtables-diff.')
    rs_index = 0
    common = ['--no-host', '--assume-match', 'limit']
    for fam in (4, 6):
        for dev, addrs in TOPO[fam]['local'].items():
            for a in addrs:
                if args.sabotage and a in ('192.0.2.1', '2001:db8:1::1'):
                    continue
                common += ['--local-addr', a]
                if dev != 'lo':
                    common += ['--iface-addr', '%s=%s' % (dev, a)]
        for prefix, dev in TOPO[fam]['routes']:
            common += ['--route', '%s=%s' % (prefix, dev)]
    replay = load_replay(args.replay) if args.replay else None
    while stats['cases'] < args.cases and time.time() - start < args.time_limit:
        rs_index += 1
        fam = 4 if rs_index % 2 else 6
        if replay:
            if rs_index > 1:
                break
            fam, text, cmds, packets, no_ct = replay
        else:
            if args.gen == 'compiled':
                gen = CompiledGen(rng, fam, args.fragments)
            else:
                gen = RulesetGen(rng, fam)
            text = gen.generate()
            cmds = getattr(gen, 'opt_cmds', None)
            no_ct = getattr(gen, 'no_conntrack', False)
        rs_file = os.path.join(tmp, 'ruleset')
        with open(rs_file, 'w') as f:
            f.write(text)
        run(['nft', 'flush', 'ruleset'])
        restore = os.path.join(args.ref, 'iptables-nft-restore' if fam == 4 else 'ip6tables-nft-restore')
        r = subprocess.run([restore, rs_file], capture_output=True, text=True)
        if r.returncode != 0:
            stats['rulesets_rejected'] += 1
            if stats['rulesets_rejected'] <= 3:
                print('# the reference refused a generated ruleset: %s' % r.stderr.strip())
            continue
        tables = [l[1:].strip() for l in text.splitlines() if l.startswith('*')]
        if cmds is None:
            cmds = optimize_cmds(fam, tables)
        plain_listing = listing(args.ref, fam) if args.optimize else None
        if args.optimize and not optimize(cxtables, fam, tables, cmds, stats):
            continue
        if args.optimize and args.sabotage_compiled:
            sabotage_compiled(fam, tables, random.Random(args.seed * 7919 + rs_index), stats)
        elif args.optimize:
            # Compiled or not, cxtables lists what the reference listed before.
            got = listing(args.bin, fam)
            if got != plain_listing:
                stats['listing_mismatch'] += 1
                stats['disagree'] += 1
                print('LISTING differs after %s (ruleset %d):' % (
                    '; '.join(' '.join(c) for c in cmds), rs_index))
                for l in difflib.unified_diff(plain_listing, got, 'reference before',
                                              'cxtables after', lineterm='', n=1):
                    print('  ' + l)
        stats['rulesets'] += 1
        if no_ct:
            stats['rulesets_without_conntrack'] += 1
        compiled = set()
        if args.optimize:
            compiled = lookup_hits(stats, fam, tables, args.bin, before=True)
        n = min(args.per_ruleset, args.cases - stats['cases'])
        if replay:
            packets = packets[:n]
        elif args.gen == 'compiled':
            packets = [gen_packet_aimed(rng, fam, i + 1, gen, compiled) for i in range(n)]
        else:
            packets = [gen_packet(rng, fam, i + 1) for i in range(n)]
        batch = os.path.join(tmp, 'packets')
        with open(batch, 'w') as f:
            for p in packets:
                f.write(' '.join(trace_words(p)) + '\n')
        out = run([cxtables, 'trace', '--ruleset', rs_file, '--batch', batch, '--json'] + common)
        traces = [json.loads(l)['trace'] for l in out.stdout.splitlines() if l.strip()]
        if len(traces) != len(packets):
            print('FAIL trace printed %d results for %d packets' % (len(traces), len(packets)))
            stats['disagree'] += len(packets)
            stats['cases'] += len(packets)
            continue
        observer = observer_text(packets, traces, args.conntrack and not no_ct)
        subprocess.run(['nft', '-f', '-'], input=observer, text=True,
                       check=True, capture_output=True)
        before = k.counters(fam)
        results = []
        for p, t in zip(packets, traces):
            k.flush_conntrack()
            k.send(p)
            after = k.counters(fam)
            delta = collections.Counter()
            for key in set(after) | set(before):
                d = after.get(key, 0) - before.get(key, 0)
                if d:
                    delta[key] = d
            before = after
            results.append(delta)
        obs = observed(run(['nft', '-j', 'list', 'table', 'inet', 'cxobs']).stdout)
        if args.optimize:
            lookup_hits(stats, fam, tables, args.bin)
        opt_note = '; '.join(' '.join(c) for c in cmds) if args.optimize else ''
        for p, t, delta in zip(packets, traces, results):
            stats['cases'] += 1
            stats['kind_' + p['kind']] += 1
            if p.get('frag'):
                stats['fragments'] += 1
            if t['verdict'] == 'UNDECIDABLE':
                stats['undecidable'] += 1
                reasons[t.get('reason', '?').split(':')[0]] += 1
                continue
            predicted = collections.Counter(tuple(h) for h in t['hits'])
            if compiled and any(h in compiled for h in predicted):
                stats['opt_cases_via_lookup'] += 1
            exp = expected_fate(p, t)
            o = obs[p['id']]
            problems = []
            if predicted != delta:
                problems.append('path: predicted %s, kernel %s' % (
                    sorted(predicted.items()), sorted(delta.items())))
            if o['in'] != exp['in'] or o['post'] != exp['post']:
                problems.append('fate: predicted in=%d post=%d, kernel in=%d post=%d' % (
                    exp['in'], exp['post'], o['in'], o['post']))
            if exp['exact'] is not None and o['exact'] != 1:
                problems.append('final packet: %s not seen by the kernel' % json.dumps(t['final_packet']))
            if problems:
                stats['disagree'] += 1
                stats['verdict_' + t['verdict'] + '_bad'] += 1
                if shown < args.show:
                    shown += 1
                    print('DISAGREE ruleset %d packet %d (%s): %s' % (rs_index, p['id'], p['kind'],
                                                                     ' '.join(trace_words(p))))
                    for pr in problems:
                        print('  ' + pr)
                    print('  trace verdict %s fate %s' % (t['verdict'], t['fate']))
                    if opt_note:
                        print('  compiled with: ' + opt_note)
                    print('  ruleset:\n' + ''.join('    ' + l + '\n' for l in text.splitlines()))
                if args.keep:
                    os.makedirs(args.keep, exist_ok=True)
                    base = os.path.join(args.keep, 'rs%d-p%d' % (rs_index, p['id']))
                    with open(base + '.rules', 'w') as f:
                        f.write(text)
                    with open(base + '.packet', 'w') as f:
                        f.write(' '.join(trace_words(p)) + '\n' + '\n'.join(problems) + '\n')
                        if opt_note:
                            f.write('compiled with: ' + opt_note + '\n')
                        if no_ct:
                            f.write('conntrack: not forced (the ruleset needs none)\n')
            else:
                stats['agree'] += 1
                stats['verdict_' + t['verdict']] += 1
    elapsed = time.time() - start
    print('# %s' % ', '.join('%s=%d' % kv for kv in sorted(stats.items())))
    if reasons:
        print('# undecidable: %s' % ', '.join('%s=%d' % kv for kv in sorted(reasons.items())))
    if args.optimize:
        # What the compiled mode exercised: rules held in lookups (of all rules of the
        # compiled tables), sets and maps, and packets matched by a lookup element.
        print('compiled rules %d of %d (%.1f%%) in %d lookups; sets %d; lookup hits %d '
              '(%d elements); cases through a compiled rule %d of %d (%.1f%%); rulesets %d' % (
                  stats['opt_compiled'], stats['opt_rules'],
                  100.0 * stats['opt_compiled'] / max(1, stats['opt_rules']),
                  stats['opt_lookups'], stats['opt_sets'], stats['opt_lookup_hits'],
                  stats['opt_elements_hit'], stats['opt_cases_via_lookup'], stats['cases'],
                  100.0 * stats['opt_cases_via_lookup'] / max(1, stats['cases']),
                  stats['optimized_rulesets']))
        print('# lookups nft lists: %d sets (%d verdict maps, %d with intervals, %d '
              'concatenated keys, %d of them with intervals); %d lookup rules with shared '
              'tests, %d prefiltered; %d tail guards' % (
                  stats['opt_sets'], stats['opt_sets_vmap'], stats['opt_sets_interval'],
                  stats['opt_sets_concat'], stats['opt_sets_pipapo'],
                  stats['opt_lookups_shared'], stats['opt_prefilters'], stats['opt_guards']))
        if stats['opt_nft_list_failed']:
            print('# nft could not list %d compiled tables' % stats['opt_nft_list_failed'])
    print('cases %d agree %d disagree %d undecidable %d rulesets %d seconds %.0f' % (
        stats['cases'], stats['agree'], stats['disagree'], stats['undecidable'],
        stats['rulesets'], elapsed))
    return 1 if stats['disagree'] else 0


if __name__ == '__main__':
    sys.exit(main())
