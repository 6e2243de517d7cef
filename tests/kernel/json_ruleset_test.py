#!/usr/bin/env python3
"""json_ruleset_test.py: `cxtables save --json` / `cxtables restore --json` on every ruleset
of the golden corpus (../shared/golden/cases/*.cases).

For each case, in a network namespace of its own (unshare, gone when the case ends): the
case's commands run with our binaries; then, for IPv4 and IPv6,
  1. `cxtables save --json -c` must validate against docs/ruleset.schema.json;
  2. the ruleset is flushed (`nft flush ruleset`) and the document loaded again with
     `cxtables restore --json`;
  3. `cxtables save --json -c` must print the same document, and `iptables-save -c` the same
     text as before the round trip.
Then bad documents (JSON syntax, a wrong field, a rule that does not parse) must be refused
with the JSON path in the message, exit 2, and leave the kernel as it was.

    json_ruleset_test.py [--bin DIR] [--golden DIR] [-j N] [--only REGEX]
"""

import argparse
import importlib.machinery
import importlib.util
import json
import multiprocessing
import os
import re
import shlex
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "difffuzz"))
from difffuzz import in_netns  # noqa: E402  (a network namespace per case)
ENV = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL": "C"}
TOOLS = {"iptables", "ip6tables", "iptables-save", "ip6tables-save", "iptables-restore",
         "ip6tables-restore", "iptables-nft", "ip6tables-nft", "iptables-nft-save",
         "ip6tables-nft-save", "iptables-nft-restore", "ip6tables-nft-restore"}


def load_golden(golden_dir):
    loader = importlib.machinery.SourceFileLoader("golden_generate",
                                                  os.path.join(golden_dir, "generate"))
    spec = importlib.util.spec_from_loader("golden_generate", loader)
    mod = importlib.util.module_from_spec(spec)
    sys.modules["golden_generate"] = mod  # its Case tuples travel to the workers
    loader.exec_module(mod)
    return mod


def run(argv, stdin=None):
    p = subprocess.run(argv, input=(stdin or "").encode(), capture_output=True, env=ENV,
                       timeout=30)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def check_case(cfg, case):
    """Returns a list of problems (empty: the case passes)."""
    g, binp = cfg["golden"], cfg["bin"]
    problems = []
    for cmdstr in list(case.setup) + [case.cmd]:
        cmd, stdin = g.split_stdin(cmdstr)
        argv = shlex.split(cmd)
        if argv and argv[0] in TOOLS:
            argv[0] = os.path.join(binp, argv[0].replace("-nft", ""))
        run(argv, stdin)
    cx = os.path.join(binp, "cxtables")
    import jsonschema
    for fam in ("-4", "-6"):
        save = os.path.join(binp, "iptables-save" if fam == "-4" else "ip6tables-save")
        rc, before_text, err = run([save, "-c"])
        if rc != 0:
            continue  # a ruleset iptables-save cannot print (the corpus's error cases)
        rc, doc1, err = run([cx, "save", "--json", fam, "-c"])
        if rc != 0:
            problems.append("%s save --json: rc %d %s" % (fam, rc, err.strip()))
            continue
        try:
            jsonschema.validate(json.loads(doc1), cfg["schema"])
        except jsonschema.ValidationError as e:
            problems.append("%s schema: %s" % (fam, e.message))
            continue
        if any(t.get("incompatible") for t in json.loads(doc1)["tables"]):
            continue  # a table of native nft rules: not restorable, by design
        run(["nft", "flush", "ruleset"])
        rc, out, err = run([cx, "restore", "--json", fam], doc1)
        if rc != 0:
            problems.append("%s restore --json: rc %d %s" % (fam, rc, err.strip()))
            continue
        rc, doc2, err = run([cx, "save", "--json", fam, "-c"])
        if doc2 != doc1:
            problems.append("%s round trip: %s\n  became %s" % (fam, doc1.strip(), doc2.strip()))
        rc, after_text, err = run([save, "-c"])
        strip = lambda t: re.sub(r"^# (Generated|Completed).*\n", "", t, flags=re.M)  # noqa
        if strip(after_text) != strip(before_text):
            problems.append("%s iptables-save differs after the round trip" % fam)
    return problems


def check_bad_documents(cfg):
    """Each bad document: exit 2, the path in the message, the kernel unchanged."""
    binp = cfg["bin"]
    cx = os.path.join(binp, "cxtables")
    run([os.path.join(binp, "iptables"), "-A", "INPUT", "-s", "192.0.2.1", "-j", "DROP"])
    rc, before, _ = run([os.path.join(binp, "iptables-save")])
    good = {"family": "ipv4", "tables": [{"name": "filter", "chains": [
        {"name": "INPUT", "policy": "ACCEPT", "rules": [{"target": {"name": "ACCEPT"}}]}]}]}
    cases = [
        ("{", "invalid JSON"),
        (json.dumps({"tables": {}}), "$.tables: expected an array"),
        (json.dumps({"tables": [{"name": "bogus"}]}), "$.tables[0].name: no table `bogus'"),
        (json.dumps({"tables": [{"name": "filter", "chains": [{"name": "INPUT",
                                                                "policy": "MAYBE"}]}]}),
         "$.tables[0].chains[0].policy: expected \"ACCEPT\" or \"DROP\""),
        (json.dumps({"tables": [good["tables"][0], {"name": "nat", "chains": [
            {"name": "POSTROUTING", "rules": [{"matches": [{"name": "nosuchmatch"}]}]}]}]}),
         "$.tables[1].chains[0].rules[0]"),
        (json.dumps({"tables": [{"name": "filter", "chains": [{"name": "INPUT", "rules": [
            {"target": {"name": "ACCEPT"}, "goto": "X"}]}]}]}),
         "$.tables[0].chains[0].rules[0]: a rule has a target or a goto"),
    ]
    problems = []
    for doc, want in cases:
        rc, out, err = run([cx, "restore", "--json", "-4"], doc)
        if rc != 2 or want not in err:
            problems.append("bad document %s: rc %d, stderr %r (want %r)" % (doc[:60], rc, err, want))
        rc, now, _ = run([os.path.join(binp, "iptables-save")])
        strip = lambda t: re.sub(r"^# (Generated|Completed).*\n", "", t, flags=re.M)  # noqa
        if strip(now) != strip(before):
            problems.append("bad document %s changed the kernel" % doc[:60])
    return problems


CFG = {}  # set before the workers fork


def worker(case):
    try:
        return case.id, in_netns(check_case, CFG, case)
    except Exception as e:  # noqa: BLE001
        return case.id, ["error: %s" % e]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.path.join(ROOT, "build", "sbin"))
    ap.add_argument("--golden", default=os.path.join(ROOT, "..", "shared", "golden"))
    ap.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--only", help="regex on case ids")
    args = ap.parse_args()
    g = load_golden(args.golden)
    with open(os.path.join(ROOT, "docs", "ruleset.schema.json")) as f:
        schema = json.load(f)
    cfg = CFG
    cfg.update({"bin": os.path.abspath(args.bin), "golden": g, "schema": schema})
    cases = []
    for name in sorted(os.listdir(os.path.join(args.golden, "cases"))):
        if name.endswith(".cases"):
            cases += g.parse_cases(os.path.join(args.golden, "cases", name))
    if args.only:
        cases = [c for c in cases if re.search(args.only, c.id)]
    failed = 0
    with multiprocessing.Pool(args.jobs) as pool:
        for cid, problems in pool.imap(worker, cases):
            if problems:
                failed += 1
                print("FAIL %s" % cid)
                for p in problems:
                    print("    " + p)
    bad = in_netns(check_bad_documents, cfg)
    for p in bad:
        print("FAIL " + p)
    print("%d cases: %d passed, %d failed; bad documents: %d problems" %
          (len(cases), len(cases) - failed, failed, len(bad)))
    return 1 if failed or bad else 0


if __name__ == "__main__":
    sys.exit(main())
