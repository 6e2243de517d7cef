#!/usr/bin/python
# -*- coding: utf-8 -*-
"""cxtables.firewall.facts: the host's ruleset as structured data."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: facts
short_description: The host's iptables ruleset as facts, per table, chain and rule
description:
  - Reads the live IPv4 and IPv6 rulesets with C(cxtables save --json) and returns them as
    the fact C(cxtables), one entry per family, each with its tables, chains (policy and
    policy counters) and rules (the rule as C(-A) text, its counters, and its parts).
  - Changes nothing.
version_added: "1.0.0"
author: cxtables developers
extends_documentation_fragment:
  - cxtables.firewall.cxtables
options:
  families:
    description: The families to read.
    type: list
    elements: str
    choices: [ipv4, ipv6]
    default: [ipv4, ipv6]
  table:
    description: Only this table (filter, nat, mangle, raw, security).
    type: str
  counters:
    description: Include packet and byte counters.
    type: bool
    default: true
seealso:
  - module: cxtables.firewall.ruleset
"""

EXAMPLES = r"""
- name: Read the rulesets
  cxtables.firewall.facts:

- name: Hosts whose INPUT policy is not DROP
  ansible.builtin.debug:
    msg: "{{ inventory_hostname }}: INPUT policy {{ input.policy }}"
  vars:
    filter: "{{ ansible_facts.cxtables.ipv4.tables | selectattr('name', 'equalto', 'filter') | first }}"
    input: "{{ filter.chains | selectattr('name', 'equalto', 'INPUT') | first }}"
  when: input.policy != 'DROP'
"""

RETURN = r"""
ansible_facts:
  description: The facts.
  returned: always
  type: complex
  contains:
    cxtables:
      description:
        - One key per family (C(ipv4), C(ipv6)), each as C(cxtables save --json) prints it
          (see C(docs/ruleset.schema.json) of cxtables), plus C(rules), the number of rules.
      type: dict
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.cxtables.firewall.plugins.module_utils.cxtables import (
    FAMILY_FLAG,
    find_cxtables,
    run,
)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            families=dict(type="list", elements="str", choices=["ipv4", "ipv6"],
                          default=["ipv4", "ipv6"]),
            table=dict(type="str"),
            counters=dict(type="bool", default=True),
            executable=dict(type="path"),
        ),
        supports_check_mode=True,
    )
    exe = find_cxtables(module)
    facts = {}
    for family in module.params["families"]:
        argv = [exe, "save", "--json", FAMILY_FLAG[family]]
        if module.params["table"]:
            argv += ["-t", module.params["table"]]
        if module.params["counters"]:
            argv.append("-c")
        rc, out, err = run(module, argv)
        if rc != 0:
            module.fail_json(msg="cxtables save --json %s: %s"
                             % (FAMILY_FLAG[family], (err or out).strip()))
        try:
            data = module.from_json(out)
        except ValueError:
            module.fail_json(msg="cxtables save --json printed no JSON: %s" % out[:200])
        data["rules"] = sum(len(c.get("rules", [])) for t in data.get("tables", [])
                            for c in t.get("chains", []))
        facts[family] = data
    module.exit_json(changed=False, ansible_facts=dict(cxtables=facts))


if __name__ == "__main__":
    main()
