# -*- coding: utf-8 -*-
"""What the cxtables modules share: finding the program, running it, reading save text."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re

FAMILIES = ("ipv4", "ipv6")
FAMILY_FLAG = {"ipv4": "-4", "ipv6": "-6"}
SAVE_NAME = {"ipv4": "iptables-save", "ipv6": "ip6tables-save"}
RESTORE_NAME = {"ipv4": "iptables-restore", "ipv6": "ip6tables-restore"}
FAMILY_TITLE = {"ipv4": "IPv4", "ipv6": "IPv6"}

_SEARCH = ["/usr/sbin", "/usr/local/sbin", "/sbin", "/usr/bin", "/usr/local/bin"]


def find_cxtables(module):
    """The cxtables program of the managed host, or fail the task saying where we looked."""
    given = module.params.get("executable")
    if given:
        if os.path.isfile(given) and os.access(given, os.X_OK):
            return given
        module.fail_json(msg="cxtables is not installed on this host: %s is not an executable "
                             "file" % given)
    found = module.get_bin_path("cxtables", required=False, opt_dirs=_SEARCH)
    if not found:
        module.fail_json(msg="cxtables is not installed on this host (looked for 'cxtables' in "
                             "PATH and in %s); install the cxtables package or set "
                             "'executable'" % ", ".join(_SEARCH))
    return found


def run(module, argv, data=None, check_rc=False):
    """Runs argv with LC_ALL=C; returns (rc, stdout, stderr)."""
    return module.run_command(argv, data=data, check_rc=check_rc, binary_data=False,
                              environ_update={"LC_ALL": "C", "LANG": "C"})


def normalise_save(text):
    """Save text reduced to what a ruleset is: no comments, no counters, no blank lines.

    Returns an ordered dict-like list of (table, [lines]) with the table's own lines between
    its '*table' and 'COMMIT' lines (chain declarations as ':NAME POLICY')."""
    tables = []
    current = None
    for raw in text.splitlines():
        line = raw.rstrip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("*"):
            current = (line[1:].strip(), [])
            tables.append(current)
            continue
        if current is None:
            continue
        if line == "COMMIT":
            current = None
            continue
        if line.startswith(":"):
            line = re.sub(r"\s*\[\d+:\d+\]$", "", line)
        elif line.startswith("["):
            line = re.sub(r"^\[\d+:\d+\]\s*", "", line)
        current[1].append(line)
    return tables


def tables_text(tables, names=None):
    """Save text of `tables` (from normalise_save), only those in `names` when given."""
    out = []
    for name, lines in tables:
        if names is not None and name not in names:
            continue
        out.append("*" + name)
        out.extend(lines)
        out.append("COMMIT")
    return "\n".join(out) + ("\n" if out else "")


def rule_count(tables):
    return sum(1 for _, lines in tables for line in lines if line.startswith("-A "))
