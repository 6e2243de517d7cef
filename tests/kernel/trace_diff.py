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

Run inside the dut namespace: ip netns exec DUT python3 trace_diff.py --peer PEER ...
Prints a summary line "cases N agree A disagree D undecidable U" and exits 1 on any
disagreement.
"""

import argparse
import collections
import ctypes
import json
import os
import random
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
            lines = ['*' + table]
            for b in bases:
                pol = 'ACCEPT'
                if table != 'nat' and self.chance(0.2 if table == 'filter' else 0.05):
                    pol = 'DROP'
                lines.append(':%s %s [0:0]' % (b, pol))
            for u in users:
                lines.append(':%s - [0:0]' % u)

            def chain_rules(chain, hook, callees, n):
                for _ in range(n):
                    hook_in = hook in ('PREROUTING', 'INPUT', 'FORWARD') or chain in users
                    hook_out = hook in ('OUTPUT', 'POSTROUTING', 'FORWARD') or chain in users
                    m, proto = self.matches(hook_in, hook_out, hook)
                    t = self.target(table, hook, proto, callees)
                    # A drop without a condition ends most walks: give it one.
                    while not m and t.split()[1:2] in (['DROP'], ['REJECT']):
                        m, proto = self.matches(hook_in, hook_out, hook)
                        if 'tcp-reset' in t and proto != 'tcp':
                            t = '-j REJECT'
                    line = ' '.join(x for x in ['-A', chain, m, t] if x)
                    lines.append(line)

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
    l4 = l4_bytes(p, src_b, dst_b)
    if fam == 4:
        hdr = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(l4), p['id'], 0, 64, p['proto'], 0,
                          src_b, dst_b)
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
    if p['proto'] in (6, 17):
        w += ['--sport', str(p['sport']), '--dport', str(p['dport'])]
    if p['proto'] == 6:
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


def optimize(cxtables, fam, text, stats):
    """Compiles every table of the loaded ruleset; a refusal is a failure of the run."""
    for table in [l[1:].strip() for l in text.splitlines() if l.startswith('*')]:
        r = subprocess.run([cxtables, 'optimize', 'on', '-%d' % fam, '-t', table],
                           capture_output=True, text=True)
        if r.returncode != 0:
            stats['optimize_failed'] += 1
            stats['disagree'] += 1
            print('FAIL cxtables optimize on -%d -t %s: %s' % (fam, table, r.stderr.strip()))
            return False
    stats['optimized_rulesets'] += 1
    return True


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw)


# ---------------------------------------------------------------------------------------------
# Observer: an nft table (inet cxobs) with chains at priority 1000 after every iptables chain.
# ---------------------------------------------------------------------------------------------

def observer_text(packets, traces):
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
        if p['proto'] in (6, 17):
            m += ' meta l4proto %d th sport %d th dport %d' % (p['proto'], fp['sport'], fp['dport'])
        rule = '%s counter comment "p%d exact"' % (m, p['id'])
        (rules_in if exp['exact'] == 'in' else rules_post).append(rule)
    # A guard before every iptables chain (priority -500): what the dut itself sends is dropped
    # (answers of its TCP/ICMP stack to a packet NAT made routable, MLD reports), except the
    # test's own packets, written by root's raw socket.
    lines = ['table inet cxguard {',
             ' chain out { type filter hook output priority -500; policy accept;',
             '  meta skuid 0 accept', '  drop', ' }', '}']
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
    args = ap.parse_args()

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
    while stats['cases'] < args.cases and time.time() - start < args.time_limit:
        rs_index += 1
        fam = 4 if rs_index % 2 else 6
        text = RulesetGen(rng, fam).generate()
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
        if args.optimize and not optimize(cxtables, fam, text, stats):
            continue
        stats['rulesets'] += 1
        n = min(args.per_ruleset, args.cases - stats['cases'])
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
        subprocess.run(['nft', '-f', '-'], input=observer_text(packets, traces), text=True,
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
        for p, t, delta in zip(packets, traces, results):
            stats['cases'] += 1
            stats['kind_' + p['kind']] += 1
            if t['verdict'] == 'UNDECIDABLE':
                stats['undecidable'] += 1
                reasons[t.get('reason', '?').split(':')[0]] += 1
                continue
            predicted = collections.Counter(tuple(h) for h in t['hits'])
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
                    print('  ruleset:\n' + ''.join('    ' + l + '\n' for l in text.splitlines()))
                if args.keep:
                    os.makedirs(args.keep, exist_ok=True)
                    base = os.path.join(args.keep, 'rs%d-p%d' % (rs_index, p['id']))
                    with open(base + '.rules', 'w') as f:
                        f.write(text)
                    with open(base + '.packet', 'w') as f:
                        f.write(' '.join(trace_words(p)) + '\n' + '\n'.join(problems) + '\n')
            else:
                stats['agree'] += 1
                stats['verdict_' + t['verdict']] += 1
    elapsed = time.time() - start
    print('# %s' % ', '.join('%s=%d' % kv for kv in sorted(stats.items())))
    if reasons:
        print('# undecidable: %s' % ', '.join('%s=%d' % kv for kv in sorted(reasons.items())))
    print('cases %d agree %d disagree %d undecidable %d rulesets %d seconds %.0f' % (
        stats['cases'], stats['agree'], stats['disagree'], stats['undecidable'],
        stats['rulesets'], elapsed))
    return 1 if stats['disagree'] else 0


if __name__ == '__main__':
    sys.exit(main())
