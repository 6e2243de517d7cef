#!/usr/bin/env python3
"""Option-variant sweep of upstream's extension vectors against the reference.

Every rule of the upstream .t files (libxt_*, libipt_*, libip6t_*) is run as
"iptables -t TABLE -A CHAIN RULE", then once with each option (and its arguments, and a
"!" before it) dropped and once with each option given twice. That reaches the checks a
vector file leaves out: mandatory options, "can only be used once", the order of an
extension's final check against libxtables' own, messages and exit codes of each.

The whole list runs once with the reference iptables-nft 1.8.9 and once with ours, each in
a network namespace of its own (both at the same time); every command's output and exit
code must be equal, and so must the ruleset both leave (nft --debug=netlink list ruleset).

    vector_variants.py [--cand DIR] [--vectors DIR] [-k REGEX] [--show]

Exit 0 when nothing differs, 1 otherwise (each difference printed).
"""
import argparse
import difflib
import glob
import os
import shlex
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
PROGS = ["iptables", "ip6tables"]


def option_spans(tokens):
    """[start, end) of each option with its arguments, a '!' before it included."""
    def is_opt(t):
        return t.startswith("-") and not t[1:2].isdigit()
    spans, i = [], 0
    while i < len(tokens):
        if is_opt(tokens[i]):
            s = i - 1 if i > 0 and tokens[i - 1] == "!" else i
            j = i + 1
            while j < len(tokens) and not is_opt(tokens[j]) and tokens[j] != "!":
                j += 1
            spans.append((s, j))
            i = j
        else:
            i += 1
    return spans


def commands(vectors):
    seen, out = set(), []
    for path in sorted(glob.glob(os.path.join(vectors, "lib*.t"))):
        base = os.path.basename(path)
        if base.startswith("libxt_"):
            fams = ["iptables", "ip6tables"]
        elif base.startswith("libipt_"):
            fams = ["iptables"]
        elif base.startswith("libip6t_"):
            fams = ["ip6tables"]
        else:
            continue
        table, chain = "filter", "INPUT"
        with open(path) as f:
            for line in f:
                line = line.rstrip("\n")
                if not line or line.startswith("#"):
                    continue
                if line.startswith(":"):
                    chain = line[1:].split(",")[0]
                    continue
                if line.startswith("*"):
                    table = line[1:]
                    continue
                try:
                    toks = shlex.split(line.split(";")[0])
                except ValueError:
                    continue
                variants = [toks]
                for s, e in option_spans(toks):
                    variants.append(toks[:s] + toks[e:])
                    variants.append(toks[:e] + toks[s:e] + toks[e:])
                for v in variants:
                    for fam in fams:
                        key = (fam, table, chain, tuple(v))
                        if key not in seen:
                            seen.add(key)
                            out.append("%s -t %s -A %s %s" % (fam, table, chain,
                                                              " ".join(shlex.quote(x) for x in v)))
    return out


def script(cmds, bindir):
    lines = ["exec 2>&1"]
    for c in cmds:
        lines.append("echo %s" % shlex.quote("== " + c))
        lines.append("%s/%s; echo rc=$?" % (bindir, c))
    # nft's warnings go to stderr, which would interleave with the listing at random.
    lines.append("err=$(mktemp)")
    lines.append("echo '== ruleset'")
    lines.append("nft --debug=netlink list ruleset 2>\"$err\" | sed -E 's/ ?(# )?handle [0-9]+//'")
    lines.append("echo '== nft stderr'")
    lines.append("sort \"$err\"; rm -f \"$err\"")
    return "\n".join(lines) + "\n"


def run_side(name, text, tmp):
    ns = "cxvv%d%s" % (os.getpid(), name)
    path = os.path.join(tmp, name + ".sh")
    with open(path, "w") as f:
        f.write(text)
    subprocess.run(["ip", "netns", "add", ns], check=True)
    out = open(os.path.join(tmp, name + ".out"), "w")
    p = subprocess.Popen(["ip", "netns", "exec", ns, "bash", path], stdout=out,
                         stderr=subprocess.STDOUT)
    return ns, p, out


def blocks(path):
    res, cur = {}, None
    order = []
    with open(path, errors="replace") as f:
        for line in f:
            if line.startswith("== "):
                cur = line[3:].rstrip("\n")
                res[cur] = []
                order.append(cur)
            elif cur is not None:
                res[cur].append(line.rstrip("\n"))
    return order, res


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cand", default=os.path.join(ROOT, "build", "sbin"))
    ap.add_argument("--vectors",
                    default=os.path.join(ROOT, "..", "shared", "peer", "iptables-1.8.9",
                                         "extensions"))
    ap.add_argument("-k", metavar="REGEX", help="only the commands that match (Python re)")
    ap.add_argument("--show", action="store_true", help="print the commands, run nothing")
    args = ap.parse_args(argv)
    cmds = commands(args.vectors)
    if args.k:
        import re
        cmds = [c for c in cmds if re.search(args.k, c)]
    if args.show:
        print("\n".join(cmds))
        return 0
    tmp = tempfile.mkdtemp(prefix="cxvv.")
    refdir = os.path.join(tmp, "ref")
    os.mkdir(refdir)
    for p in PROGS:
        os.symlink("/usr/sbin/xtables-nft-multi", os.path.join(refdir, p))
    sides = []
    try:
        sides.append(run_side("ref", script(cmds, refdir), tmp))
        sides.append(run_side("cand", script(cmds, os.path.abspath(args.cand)), tmp))
        for ns, p, out in sides:
            p.wait(timeout=1200)
            out.close()
    finally:
        for ns, p, out in sides:
            if p.poll() is None:
                p.kill()
            subprocess.run(["ip", "netns", "del", ns])
    order, ref = blocks(os.path.join(tmp, "ref.out"))
    _, cand = blocks(os.path.join(tmp, "cand.out"))
    differ = 0
    for k in order:
        if ref[k] != cand.get(k):
            differ += 1
            print("### " + k)
            if k in ("ruleset", "nft stderr"):
                sys.stdout.writelines(difflib.unified_diff(
                    [x + "\n" for x in ref[k]], [x + "\n" for x in cand.get(k, [])],
                    "reference", "cxtables", n=8))
                continue
            print("  reference: " + " | ".join(ref[k]))
            print("  cxtables:  " + " | ".join(cand.get(k) or ["(missing)"]))
    subprocess.run(["rm", "-rf", tmp])
    print("%d commands, %d differ (ruleset included)" % (len(cmds), differ))
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
