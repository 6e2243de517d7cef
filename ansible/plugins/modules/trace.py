#!/usr/bin/python
# -*- coding: utf-8 -*-
"""cxtables.firewall.trace: what a host's live ruleset does to a described packet."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: trace
short_description: Ask a host what its ruleset does to a packet, without sending one
description:
  - Runs C(cxtables trace --json) on the managed host for the described packet and returns
    the verdict, the rule that decided it and every rule it crossed.
  - The host's own addresses, interfaces and routes decide whether the packet is for the host
    (INPUT), forwarded or sent by it, as the kernel would.
  - Matches whose answer the trace cannot know (C(limit), C(recent), C(statistic) ...) are
    followed both ways (C(cxtables trace --explore)); C(verdict) is the verdict when every
    way ends the same, else C(UNDECIDABLE), and C(outcomes) holds every way.
  - Nothing is sent and nothing changes, so the module never reports C(changed) and runs the
    same in check mode. Use it with C(ansible.builtin.assert) to check fleet-wide facts, such
    as "203.0.113.5 cannot reach tcp/22 on any host".
version_added: "1.0.0"
author: cxtables developers
extends_documentation_fragment:
  - cxtables.firewall.cxtables
options:
  src:
    description: The packet's source address.
    type: str
    required: true
  dst:
    description: The packet's destination address (often C({{ ansible_host }})).
    type: str
    required: true
  protocol:
    description: The protocol, by name or number (tcp, udp, icmp, ipv6-icmp, ...).
    type: str
  sport:
    description: The source port.
    type: int
  dport:
    description: The destination port.
    type: int
  in_interface:
    description:
      - The interface the packet comes in on. Default, for a packet that is not sent by the
        host itself, the interface of the host's route back to C(src) (C(ip route get)).
    type: str
  out_interface:
    description: The interface the packet leaves by.
    type: str
  tcp_flags:
    description:
      - C(syn) (a new connection, the default for tcp), C(ack), C(synack), C(fin), C(rst), or a
        comma-separated list of flag names.
    type: str
  icmp_type:
    description: The ICMP or ICMPv6 type, as C(TYPE[/CODE]) or a name.
    type: str
  ctstate:
    description: The conntrack state (NEW, ESTABLISHED, RELATED, INVALID, UNTRACKED).
    type: str
  mark:
    description: The packet mark.
    type: int
  direction:
    description:
      - Where the packet goes. Without it, C(local) if C(dst) is an address of the host,
        else C(forward).
    type: str
    choices: [local, forward, outgoing]
  family:
    description: The family; by default the family of C(src).
    type: str
    choices: [ipv4, ipv6]
  ruleset:
    description:
      - Trace against this iptables-save text instead of the host's live ruleset (for a
        ruleset before it is applied).
    type: str
  assume_match:
    description:
      - Matches to answer as matching where the trace cannot know (C(limit), or a rule
        C(table:CHAIN:N)).
    type: list
    elements: str
    default: []
  assume_nomatch:
    description: Matches to answer as not matching.
    type: list
    elements: str
    default: []
seealso:
  - module: cxtables.firewall.ruleset
"""

EXAMPLES = r"""
- name: Can 203.0.113.5 open tcp/22 on this host?
  cxtables.firewall.trace:
    src: 203.0.113.5
    dst: "{{ ansible_host }}"
    protocol: tcp
    dport: 22
  register: ssh_from_outside

- name: Nobody outside the management network reaches SSH anywhere
  ansible.builtin.assert:
    that: not ssh_from_outside.accepted
    fail_msg: "{{ inventory_hostname }}: {{ ssh_from_outside.decided_by_text }}"
"""

RETURN = r"""
verdict:
  description:
    - The final verdict (ACCEPT, DROP, REJECT, QUEUE ...), or UNDECIDABLE when the ways of
      undecidable matches end differently.
  returned: always
  type: str
  sample: DROP
accepted:
  description: True when the packet gets through (delivered, forwarded or sent) every way.
  returned: always
  type: bool
fate:
  description: What happens to the packet, in words.
  returned: always
  type: str
decided_by:
  description: Where the verdict was decided (hook, table, chain, rule number or policy).
  returned: always
  type: dict
decided_by_text:
  description: The rule that decided, as C(-A ...) text, or the chain's policy.
  returned: always
  type: str
trace:
  description: The first outcome's trace, as C(cxtables trace --json) prints it.
  returned: always
  type: dict
outcomes:
  description: Every possible outcome's trace (one when every match was decided).
  returned: always
  type: list
verdicts:
  description: The distinct verdicts of C(outcomes).
  returned: always
  type: list
  elements: str
"""

import os
import re

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.cxtables.firewall.plugins.module_utils.cxtables import (
    FAMILY_FLAG,
    find_cxtables,
    run,
)

_FLAGS = {"syn": "--syn", "ack": "--ack", "synack": "--synack", "fin": "--fin", "rst": "--rst"}


def trace_argv(module, exe):
    p = module.params
    family = p["family"] or ("ipv6" if ":" in p["src"] else "ipv4")
    argv = [exe, "trace", FAMILY_FLAG[family], "--json", "--src", p["src"], "--dst", p["dst"]]
    for key, opt in (("protocol", "-p"), ("sport", "--sport"), ("dport", "--dport"),
                     ("in_interface", "--in"), ("out_interface", "--out"),
                     ("icmp_type", "--icmp-type"), ("ctstate", "--ctstate"),
                     ("mark", "--mark")):
        if p[key] is not None:
            argv += [opt, str(p[key])]
    flags = p["tcp_flags"]
    if flags:
        argv += [_FLAGS[flags.lower()]] if flags.lower() in _FLAGS else ["--tcp-flags", flags]
    if p["direction"]:
        argv.append("--" + p["direction"])
    for key in p["assume_match"]:
        argv += ["--assume-match", key]
    for key in p["assume_nomatch"]:
        argv += ["--assume-nomatch", key]
    argv.append("--explore")
    if p["in_interface"] is None and p["direction"] != "outgoing":
        iface = route_back(module, p["src"])
        if iface:
            argv += ["--in", iface]
    if p["ruleset"] is not None:
        path = os.path.join(module.tmpdir, "ruleset")
        with open(path, "w") as f:
            f.write(p["ruleset"] if p["ruleset"].endswith("\n") else p["ruleset"] + "\n")
        argv += ["--ruleset", path]
    return argv


def route_back(module, src):
    """The interface of the host's route to src, unless src is the host's own address."""
    rc, out, _ = run(module, ["ip", "-o", "route", "get", src])
    if rc != 0 or out.startswith("local ") or " dev lo " in out:
        return None
    m = re.search(r" dev (\S+)", out)
    return m.group(1) if m else None


def decided_text(trace):
    by = trace.get("decided_by") or {}
    for event in trace.get("events", []):
        if (event.get("kind") == "rule" and event.get("chain") == by.get("chain")
                and event.get("rule") == by.get("rule") and event.get("table") == by.get("table")):
            return event.get("text", "")
    if by.get("chain"):
        return "%s %s policy" % (by.get("table"), by.get("chain"))
    return trace.get("fate", "")


def main():
    module = AnsibleModule(
        argument_spec=dict(
            src=dict(type="str", required=True),
            dst=dict(type="str", required=True),
            protocol=dict(type="str"),
            sport=dict(type="int"),
            dport=dict(type="int"),
            in_interface=dict(type="str"),
            out_interface=dict(type="str"),
            tcp_flags=dict(type="str"),
            icmp_type=dict(type="str"),
            ctstate=dict(type="str"),
            mark=dict(type="int"),
            direction=dict(type="str", choices=["local", "forward", "outgoing"]),
            family=dict(type="str", choices=["ipv4", "ipv6"]),
            ruleset=dict(type="str"),
            assume_match=dict(type="list", elements="str", default=[]),
            assume_nomatch=dict(type="list", elements="str", default=[]),
            executable=dict(type="path"),
        ),
        supports_check_mode=True,
    )
    exe = find_cxtables(module)
    rc, out, err = run(module, trace_argv(module, exe))
    try:
        answer = module.from_json(out.strip().splitlines()[0]) if out.strip() else None
    except ValueError:
        answer = None
    if answer is None:
        module.fail_json(msg="cxtables trace: %s" % (err or out).strip().replace(
            "cxtables trace: ", ""), rc=rc)
    outcomes = answer.get("outcomes") or [answer.get("trace") or {}]
    verdicts = sorted({t.get("verdict", "") for t in outcomes})
    trace = outcomes[0]
    module.exit_json(
        changed=False,
        packet=answer.get("packet"),
        verdict=verdicts[0] if len(verdicts) == 1 else "UNDECIDABLE",
        verdicts=verdicts,
        accepted=verdicts == ["ACCEPT"],
        fate=trace.get("fate", "") if len(verdicts) == 1 else "depends on " + ", ".join(verdicts),
        decided_by=trace.get("decided_by", {}),
        decided_by_text=decided_text(trace),
        trace=trace,
        outcomes=outcomes,
    )


if __name__ == "__main__":
    main()
