#!/usr/bin/python
# -*- coding: utf-8 -*-
"""cxtables.firewall.ruleset: make a host's IPv4/IPv6 ruleset equal to iptables-save text."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: ruleset
short_description: Make a host's iptables ruleset equal to a file or template, safely
description:
  - Makes every table named in C(ipv4) and C(ipv6) (iptables-save format) equal to that text
    on the managed host, with cxtables. Each family is loaded in one restore, each table in one
    nf_tables transaction, so no packet ever sees half a ruleset.
  - Idempotent. The text is compared with the live ruleset as the kernel would hold it (the text
    is loaded into a throwaway network namespace and saved again), ignoring counters and
    comments, so C(-p tcp --dport 22) and C(-p tcp -m tcp --dport 22) are the same rule.
  - Lockout safe. Before anything changes, the new rules are simulated against the SSH
    connection this task runs over (the controller's address and port, from
    C(SSH_CONNECTION)), as C(cxtables apply) does. A ruleset that would drop that session or a
    new SSH connection from the controller is refused, naming the rule that cuts it, unless
    C(force).
  - With C(rollback_timeout), the host restores its previous ruleset by itself unless a later
    task confirms (C(confirm)) in time, over a new connection.
  - Tables that the text does not name are left as they are, as C(iptables-restore) does.
  - On any failure nothing is changed on the host.
version_added: "1.0.0"
author: cxtables developers
extends_documentation_fragment:
  - cxtables.firewall.cxtables
options:
  ipv4:
    description:
      - The IPv4 ruleset in iptables-save format, for example
        C({{ lookup('template', 'rules.v4.j2') }}).
    type: str
  ipv6:
    description:
      - The IPv6 ruleset in ip6tables-save format.
    type: str
  force:
    description:
      - Apply a ruleset even if it would cut the controller's SSH session.
    type: bool
    default: false
  lint:
    description:
      - What to do with the findings of C(cxtables lint) on the new rules (shadowed,
        duplicate, redundant and unreachable rules).
      - C(report) returns them in C(lint) and goes on, C(fail) fails the task before anything
        changes, C(ignore) does not run the lint.
    type: str
    choices: [ignore, report, fail]
    default: report
  backup:
    description:
      - Save the live ruleset of each changed family to C(backup_dir) before changing it.
    type: bool
    default: false
  backup_dir:
    description:
      - Where C(backup) writes C(rules.v4.TIMESTAMP) and C(rules.v6.TIMESTAMP).
    type: path
    default: /var/backups/cxtables
  persist:
    description:
      - Also write the ruleset to C(persist_dir)/rules.v4 and rules.v6, where
        netfilter-persistent loads it at boot.
    type: bool
    default: false
  persist_dir:
    description:
      - The folder of C(persist).
    type: path
    default: /etc/iptables
  rollback_timeout:
    description:
      - Seconds the host waits for a confirmation (a later task with C(confirm)) before it
        restores the previous ruleset by itself. C(0) keeps the new ruleset at once.
      - Confirm over a new connection (the C(reset_connection) meta task first), so that the
        confirmation proves the controller can still log in.
    type: int
    default: 0
  confirm:
    description:
      - Confirm the rulesets a previous task applied with C(rollback_timeout). Fails when none
        waits (for example because the timeout passed and the host rolled back).
    type: bool
    default: false
  ssh_connection:
    description:
      - The session to keep, as C(CLIENT CPORT SERVER SPORT). Defaults to C(SSH_CONNECTION),
        which sshd sets, from the task's environment or, when C(become) dropped it, from the
        nearest parent process that has it. Without one the lockout check has nothing to
        protect, and the task says so in a warning.
    type: str
  state_dir:
    description:
      - The state folder of C(cxtables apply) (default C(/run/cxtables)).
    type: path
notes:
  - Runs as root on the managed host (the kernel's packet filter needs CAP_NET_ADMIN).
  - Supports check mode and diff mode; the diff shows the rule lines that change.
seealso:
  - module: cxtables.firewall.trace
  - module: cxtables.firewall.facts
"""

EXAMPLES = r"""
- name: The single-host policy on every host
  cxtables.firewall.ruleset:
    ipv4: "{{ lookup('template', 'rules.v4.j2') }}"
    ipv6: "{{ lookup('template', 'rules.v6.j2') }}"
    backup: true
    persist: true

- name: Apply, keep only if the controller can still log in within 60 seconds
  cxtables.firewall.ruleset:
    ipv4: "{{ lookup('file', 'rules.v4') }}"
    rollback_timeout: 60
- name: Log in again
  ansible.builtin.meta: reset_connection
- name: Confirm
  cxtables.firewall.ruleset:
    confirm: true
"""

RETURN = r"""
changed_families:
  description: The families whose ruleset changed (or would change, in check mode).
  returned: always
  type: list
  elements: str
  sample: [ipv4]
rules:
  description: The number of rules of the tables the text names, per family.
  returned: always
  type: dict
  sample: {"ipv4": 6, "ipv6": 7}
lint:
  description: The findings of C(cxtables lint) per family (as C(cxtables lint --json)).
  returned: when C(lint) is not C(ignore)
  type: dict
lockout:
  description: The lockout check's report per family (every packet of the session it tried).
  returned: always
  type: dict
backup_file:
  description: The backups written, per family.
  returned: when C(backup) and something changed
  type: dict
  sample: {"ipv4": "/var/backups/cxtables/rules.v4.20261207-141500"}
waiting:
  description: True when the host waits for a confirmation (C(rollback_timeout)).
  returned: always
  type: bool
"""

import os
import re
import time

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.cxtables.firewall.plugins.module_utils.cxtables import (
    FAMILIES,
    FAMILY_FLAG,
    FAMILY_TITLE,
    RESTORE_NAME,
    SAVE_NAME,
    find_cxtables,
    normalise_save,
    rule_count,
    run,
    tables_text,
)


def apply_base(module, exe):
    argv = [exe, "apply"]
    if module.params["state_dir"]:
        argv += ["--state-dir", module.params["state_dir"]]
    return argv


def ssh_session(module):
    """The session to keep: the option, else SSH_CONNECTION of this process or, when become
    (sudo, su) dropped it from the environment, of the nearest parent process that has it."""
    if module.params["ssh_connection"]:
        return module.params["ssh_connection"]
    if os.environ.get("SSH_CONNECTION"):
        return os.environ["SSH_CONNECTION"]
    pid = os.getppid()
    for _ in range(16):
        if pid <= 1:
            break
        try:
            with open("/proc/%d/environ" % pid, "rb") as f:
                for item in f.read().split(b"\0"):
                    if item.startswith(b"SSH_CONNECTION="):
                        return item.split(b"=", 1)[1].decode()
            with open("/proc/%d/stat" % pid) as f:
                pid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            break
    return ""


def located(message, path, family):
    """cxtables' 'PATH:LINE: text' as 'the IPv4 ruleset, line LINE: text'."""
    message = message.strip()
    message = re.sub(r"^cxtables (apply|lint): ", "", message)
    m = re.match(re.escape(path) + r":(\d+): (.*)", message, re.S)
    if m:
        return "the %s ruleset, line %s: %s" % (FAMILY_TITLE[family], m.group(1), m.group(2))
    return "the %s ruleset: %s" % (FAMILY_TITLE[family], message.replace(path, "(text)"))


def restore_failure(message, family):
    """iptables-restore's 'iptables-restore: line N failed' style message, with the family."""
    message = message.strip()
    m = re.search(r"line (\d+)", message)
    where = ", line %s" % m.group(1) if m else ""
    return "the %s ruleset%s: %s" % (FAMILY_TITLE[family], where, message)


def cut_by(report):
    """The lines of a lockout report that say what cuts the session."""
    lines = []
    what, rule = None, None
    for line in report.splitlines():
        if line.startswith("LOCKOUT: "):
            what, rule = line[len("LOCKOUT: "):].rstrip(":"), None
            continue
        m = re.match(r"\s+rule (\d+): (.*?)(\s+=> .*)?$", line)
        if m:
            rule = m.group(2)
        if line.startswith("verdict: ") and what:
            reason = line.split(", ", 1)[1] if ", " in line else line
            lines.append("%s: %s%s" % (what, reason, " (%s)" % rule if rule else ""))
            what = None
    return lines


def ssh_args(ssh):
    return ["--ssh", ssh] if ssh else []


def check_family(module, exe, family, path, ssh):
    """Lockout check of one family's text; fails the task on a bad text or a refused lockout."""
    argv = apply_base(module, exe) + ["--check", FAMILY_FLAG[family]] + ssh_args(ssh)
    rc, out, err = run(module, argv + [path])
    if rc == 0:
        return out
    if rc == 3:
        if module.params["force"]:
            return out
        module.fail_json(
            msg="refusing the %s ruleset: it would cut the SSH session of this task (%s): %s"
            % (FAMILY_TITLE[family], ssh, "; ".join(cut_by(out))),
            lockout={family: out}, changed=False)
    module.fail_json(msg=located(err or out, path, family), changed=False)


def canonical(module, exe, family, path):
    """The text as the kernel holds it: loaded into a new network namespace and saved."""
    script = '"$0" %s "$1" && "$0" %s' % (RESTORE_NAME[family], SAVE_NAME[family])
    rc, out, err = run(module, ["unshare", "--net", "--", "sh", "-c", script, exe, path])
    if rc != 0:
        module.fail_json(msg=restore_failure(err or out, family), changed=False)
    return normalise_save(out)


def lint_family(module, exe, family, path):
    rc, out, err = run(module, [exe, "lint", FAMILY_FLAG[family], "--json", path])
    if rc not in (0, 1):
        module.fail_json(msg=located(err or out, path, family), changed=False)
    try:
        return module.from_json(out) if out.strip() else []
    except ValueError:
        module.fail_json(msg="cxtables lint printed no JSON: %s" % out[:200], changed=False)


def live(module, exe, family):
    rc, out, err = run(module, [exe, SAVE_NAME[family]])
    if rc != 0:
        module.fail_json(msg="%s failed: %s" % (SAVE_NAME[family], (err or out).strip()),
                         changed=False)
    return out


def rollback_text(before_text, names):
    """The live text before, plus an empty table for each table the new text adds (restoring
    an empty table removes what the new text put there)."""
    had = {name for name, _ in normalise_save(before_text)}
    extra = "".join("*%s\nCOMMIT\n" % n for n in names if n not in had)
    return before_text + extra


def write_file(module, path, text):
    tmp = path + ".tmp-cxtables"
    with open(tmp, "w") as f:
        f.write(text)
    os.chmod(tmp, 0o640)
    module.atomic_move(tmp, path)


def do_confirm(module, exe):
    if module.check_mode:
        module.exit_json(changed=False, msg="check mode: not confirmed")
    rc, out, err = run(module, apply_base(module, exe) + ["--confirm"])
    if rc != 0:
        module.fail_json(msg="nothing to confirm: %s (did the rollback timeout pass?)"
                         % (err or out).strip().replace("cxtables apply: ", ""))
    module.exit_json(changed=True, msg="confirmed: the new ruleset stays")


def plan(module, exe, texts, ssh):
    """Reads, checks and compares every family; fails before any change."""
    result = dict(lockout={}, rules={}, lint={}, diff=[], changed_families=[])
    families = {}
    for family in FAMILIES:
        if texts[family] is None:
            continue
        path = os.path.join(module.tmpdir, "rules." + family)
        with open(path, "w") as f:
            f.write(texts[family] if texts[family].endswith("\n") else texts[family] + "\n")
        result["lockout"][family] = check_family(module, exe, family, path, ssh)
        wanted = canonical(module, exe, family, path)
        names = [n for n, _ in wanted]
        if module.params["lint"] != "ignore":
            result["lint"][family] = lint_family(module, exe, family, path)
        before_text = live(module, exe, family)
        before = tables_text(normalise_save(before_text), names)
        after = tables_text(wanted)
        result["rules"][family] = rule_count(wanted)
        persist_path = os.path.join(module.params["persist_dir"], "rules." + family[-2:])
        persist_stale = module.params["persist"] and (
            not os.path.exists(persist_path) or open(persist_path).read() != after)
        families[family] = dict(path=path, before_text=before_text, names=names, after=after,
                                changed=before != after, persist_path=persist_path,
                                persist_stale=persist_stale)
        if before != after:
            result["changed_families"].append(family)
            result["diff"].append(dict(before=before, after=after,
                                       before_header="%s live" % SAVE_NAME[family],
                                       after_header="%s wanted" % SAVE_NAME[family]))
    return result, families


def lint_gate(module, result):
    findings = {f: items for f, items in result["lint"].items() if items}
    if module.params["lint"] == "fail" and findings:
        first = []
        for family, items in findings.items():
            for item in items[:3]:
                first.append("%s %s %s rule %s: %s" % (
                    FAMILY_TITLE[family], item.get("kind"), item.get("chain"), item.get("rule"),
                    item.get("text")))
        module.fail_json(msg="cxtables lint found %d problem(s): %s"
                         % (sum(len(v) for v in findings.values()), "; ".join(first)),
                         changed=False, **result)


def apply_families(module, exe, families, result, ssh):
    """Applies every changed family; on a failure puts back the families already applied."""
    timeout = module.params["rollback_timeout"]
    stamp = time.strftime("%Y%m%d-%H%M%S")
    done = []
    for family, fam in families.items():
        if not fam["changed"]:
            continue
        if module.params["backup"]:
            os.makedirs(module.params["backup_dir"], mode=0o700, exist_ok=True)
            path = os.path.join(module.params["backup_dir"], "rules.%s.%s" % (family[-2:], stamp))
            write_file(module, path, fam["before_text"])
            result.setdefault("backup_file", {})[family] = path
        argv = apply_base(module, exe) + [FAMILY_FLAG[family], "--timeout", str(timeout)]
        if timeout > 0:
            argv.append("--background")
        if module.params["force"]:
            argv.append("--force")
        rc, out, err = run(module, argv + ssh_args(ssh) + [fam["path"]])
        if rc != 0:
            undone = put_back(module, exe, families, done)
            module.fail_json(msg="%s%s" % (located(err or out, fam["path"], family), undone),
                             changed=False, **result)
        done.append(family)
    result["waiting"] = bool(done) and timeout > 0


def put_back(module, exe, families, done):
    problems = []
    for family in done:
        fam = families[family]
        path = fam["path"] + ".previous"
        with open(path, "w") as f:
            f.write(rollback_text(fam["before_text"], fam["names"]))
        argv = apply_base(module, exe) + [FAMILY_FLAG[family], "--timeout", "0", "--force", path]
        rc, out, err = run(module, argv)
        if rc != 0:
            problems.append("putting back the %s ruleset failed too: %s"
                            % (FAMILY_TITLE[family], (err or out).strip()))
    return "; " + "; ".join(problems) if problems else ""


def main():
    module = AnsibleModule(
        argument_spec=dict(
            ipv4=dict(type="str"),
            ipv6=dict(type="str"),
            force=dict(type="bool", default=False),
            lint=dict(type="str", choices=["ignore", "report", "fail"], default="report"),
            backup=dict(type="bool", default=False),
            backup_dir=dict(type="path", default="/var/backups/cxtables"),
            persist=dict(type="bool", default=False),
            persist_dir=dict(type="path", default="/etc/iptables"),
            rollback_timeout=dict(type="int", default=0),
            confirm=dict(type="bool", default=False),
            ssh_connection=dict(type="str"),
            state_dir=dict(type="path"),
            executable=dict(type="path"),
        ),
        required_one_of=[("ipv4", "ipv6", "confirm")],
        mutually_exclusive=[("confirm", "ipv4"), ("confirm", "ipv6")],
        supports_check_mode=True,
    )
    if not 0 <= module.params["rollback_timeout"] <= 86400:
        module.fail_json(msg="rollback_timeout must be 0 to 86400 seconds")
    exe = find_cxtables(module)
    if module.params["confirm"]:
        do_confirm(module, exe)

    texts = {f: module.params[f] for f in FAMILIES}
    ssh = ssh_session(module)
    if not ssh:
        module.warn("no SSH session (SSH_CONNECTION) found: the lockout check has nothing to "
                    "protect")
    result, families = plan(module, exe, texts, ssh)
    lint_gate(module, result)
    persist_changes = [f for f, fam in families.items() if fam["persist_stale"]]
    changed = bool(result["changed_families"]) or bool(persist_changes)
    result["waiting"] = False
    if changed and not module.check_mode:
        apply_families(module, exe, families, result, ssh)
        for family in persist_changes:
            os.makedirs(module.params["persist_dir"], mode=0o755, exist_ok=True)
            write_file(module, families[family]["persist_path"], families[family]["after"])
    if not module._diff:
        result.pop("diff")
    elif not result["diff"]:
        result["diff"] = dict(before="", after="")
    if result["changed_families"]:
        msg = "%s ruleset %s" % (" and ".join(FAMILY_TITLE[f] for f in result["changed_families"]),
                                 "would change" if module.check_mode else "applied")
        if result["waiting"]:
            msg += "; waiting %d seconds for a confirmation" % module.params["rollback_timeout"]
    else:
        msg = "ruleset unchanged"
    module.exit_json(changed=changed, msg=msg, **result)


if __name__ == "__main__":
    main()
