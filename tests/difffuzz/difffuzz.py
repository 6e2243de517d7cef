#!/usr/bin/env python3
"""Differential fuzzer: cxtables against the reference iptables-nft 1.8.9.

Every seed gives a short random sequence of commands (generator.py): iptables/ip6tables
rule and chain commands, iptables-restore files, iptables-save, native nft commands.
The sequence runs twice, each time in a network namespace of its own that exists only
for that run: once with the reference programs (--ref DIR), once with ours (--cand DIR).
Every step's exit code, stdout and stderr must be equal, and so must the final state:
`nft --debug=netlink list ruleset` and the reference iptables-save -c / ip6tables-save -c
of each namespace (rule handles and save timestamps masked).

    difffuzz.py --seed 1 --count 500 -j 2 [--ref DIR] [--cand DIR] [--out DIR]
                [--known FILE] [--known-log FILE] [--no-reduce] [--time-limit SECONDS]
                [--progress N]
    difffuzz.py --show SEED          print the sequence of one seed, run nothing

A failing sequence is printed (seed, commands as a shell script, the first difference as
a diff), reduced to a smaller sequence that still shows the same difference, and written
to --out as a reproducer. Differences that match an entry of --known (known.ini) count as
"known", not failed. The last line is "N passed, N failed, N known".

Needs root (unshare(CLONE_NEWNET)); never touches the namespace it was started in.
"""

import argparse
import configparser
import ctypes
import difflib
import json
import multiprocessing
import os
import re
import shlex
import subprocess
import sys
import tempfile
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import generator  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
CLONE_NEWNET = 0x40000000
PROGS = ["iptables", "ip6tables", "iptables-save", "ip6tables-save", "iptables-restore",
         "ip6tables-restore"]
ENV = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL": "C"}
CMD_TIMEOUT = 10


# ---------------------------------------------------------------------------
# Running a sequence in a namespace of its own
# ---------------------------------------------------------------------------

def run_cmd(argv, stdin):
    """Runs argv with argv[0] reduced to the program's name, as if found in PATH: messages
    that quote argv[0] (getopt's) must not tell the reference's folder from ours."""
    try:
        p = subprocess.run([os.path.basename(argv[0])] + argv[1:], executable=argv[0],
                           input=(stdin or "").encode(), capture_output=True,
                           env=ENV, timeout=CMD_TIMEOUT)
        rc = p.returncode
        out, err = p.stdout, p.stderr
    except subprocess.TimeoutExpired as e:
        rc, out, err = "timeout", e.stdout or b"", e.stderr or b""
    except OSError as e:
        rc, out, err = "oserror", b"", str(e).encode()
    dec = lambda b: b.decode("utf-8", "backslashreplace")  # noqa: E731
    return {"rc": rc, "stdout": dec(out), "stderr": dec(err)}


def prog_path(cfg, prog):
    return cfg["nft"] if prog == "nft" else os.path.join(cfg["bindir"], prog)


def run_steps(cfg, steps):
    """Runs in the forked child, inside the new namespace."""
    results = [run_cmd([prog_path(cfg, s["prog"])] + s["args"], s["stdin"]) for s in steps]
    final = {
        "nft": run_cmd([cfg["nft"], "--debug=netlink", "list", "ruleset"], None),
        "save4": run_cmd([os.path.join(cfg["refdir"], "iptables-save"), "-c"], None),
        "save6": run_cmd([os.path.join(cfg["refdir"], "ip6tables-save"), "-c"], None),
    }
    return {"steps": results, "final": final}


def in_netns(fn, *args):
    """Forks; the child enters a new network namespace, runs fn(*args) and reports its
    result as JSON through a pipe. The namespace goes away when the child exits."""
    rfd, wfd = os.pipe()
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            os.close(rfd)
            libc = ctypes.CDLL(None, use_errno=True)
            if libc.unshare(CLONE_NEWNET) != 0:
                raise OSError(ctypes.get_errno(), "unshare(CLONE_NEWNET)")
            data = json.dumps(fn(*args)).encode()
            with os.fdopen(wfd, "wb") as f:
                f.write(data)
        except BaseException:
            traceback.print_exc()
            code = 1
        os._exit(code)
    os.close(wfd)
    with os.fdopen(rfd, "rb") as f:
        data = f.read()
    _, status = os.waitpid(pid, 0)
    if status != 0 or not data:
        raise RuntimeError("namespace runner failed (status %d)" % status)
    return json.loads(data)


def run_in_netns(cfg, steps):
    """Runs the steps in a network namespace of their own (see in_netns)."""
    return in_netns(run_steps, cfg, steps)


# ---------------------------------------------------------------------------
# Comparing
# ---------------------------------------------------------------------------

DATE_RE = re.compile(r"^(# (?:Generated by .*?|Completed)) on .*$", re.M)
RULE_HDR_RE = re.compile(r"^((?:ip|ip6|inet|arp|bridge|netdev) \S+ \S+)(?: \d+)+$", re.M)
HANDLE_RE = re.compile(r"# handle \d+")


def normalize(text):
    """Masks what is nondeterministic: save timestamps and nf_tables handles."""
    text = DATE_RE.sub(r"\1 on DATE", text)
    text = RULE_HDR_RE.sub(r"\1 HANDLE", text)
    return HANDLE_RE.sub("# handle H", text)


def first_difference(ref, cand):
    """(index or "final", field, ref text, cand text), or None when all is equal."""
    for i, (a, b) in enumerate(zip(ref["steps"], cand["steps"])):
        for field in ("rc", "stdout", "stderr"):
            x, y = a[field], b[field]
            if field != "rc":
                x, y = normalize(x), normalize(y)
            if x != y:
                return (i, field, str(x), str(y))
    for name in ("nft", "save4", "save6"):
        for field in ("stdout", "stderr", "rc"):
            x = normalize(str(ref["final"][name][field]))
            y = normalize(str(cand["final"][name][field]))
            if x != y:
                return ("final", name + "." + field, x, y)
    return None


def compare(cfg, steps):
    ref = run_in_netns(dict(cfg, bindir=cfg["ref"]), steps)
    cand = run_in_netns(dict(cfg, bindir=cfg["cand"]), steps)
    return first_difference(ref, cand), ref, cand


# ---------------------------------------------------------------------------
# Known differences
# ---------------------------------------------------------------------------

def load_known(path):
    """known.ini: one section per explained difference. Keys (all optional but reason):
    step  regex searched in the differing step's command line (shell form)
    field regex matched against the field: rc, stdout, stderr, final.nft.stdout, ...
    ref   regex searched in the reference's text of that field, then (for a step) in its
          exit code, stdout and stderr
    cand  the same in ours
    any   regex searched in the whole script of the sequence
    reason  why; "open: ..." for a bug of ours not fixed yet"""
    if not path or not os.path.exists(path):
        return []
    cp = configparser.RawConfigParser()
    cp.read(path)
    known = []
    for sec in cp.sections():
        e = dict(cp.items(sec))
        if "reason" not in e:
            raise SystemExit("%s: [%s] has no reason" % (path, sec))
        e["name"] = sec
        known.append(e)
    return known


def match_known(known, steps, diff, ref=None, cand=None):
    idx, field, a, b = diff
    cmd = "final" if idx == "final" else step_shell(steps[idx])
    fieldname = field if idx != "final" else "final." + field
    if idx != "final" and ref and cand:
        # the field's text and then the whole output of that step: "ref"/"cand" patterns
        # can name an error message when only the exit code differs
        a = "\n".join([a, str(ref["steps"][idx]["rc"]), ref["steps"][idx]["stdout"],
                       ref["steps"][idx]["stderr"]])
        b = "\n".join([b, str(cand["steps"][idx]["rc"]), cand["steps"][idx]["stdout"],
                       cand["steps"][idx]["stderr"]])
    for e in known:
        if "step" in e and not re.search(e["step"], cmd):
            continue
        if "field" in e and not re.fullmatch(e["field"], fieldname):
            continue
        if "ref" in e and not re.search(e["ref"], a, re.M):
            continue
        if "cand" in e and not re.search(e["cand"], b, re.M):
            continue
        if "any" in e and not re.search(e["any"], script(steps)):
            continue
        return e
    return None


# ---------------------------------------------------------------------------
# Printing
# ---------------------------------------------------------------------------

def step_shell(step):
    line = shlex.join([step["prog"]] + step["args"])
    if step["stdin"] is None:
        return line
    body = step["stdin"]
    note = "" if body.endswith("\n") or body == "" else "  # (input has no final newline)"
    if not body.endswith("\n"):
        body += "\n"
    return "%s <<'EOF'%s\n%sEOF" % (line, note, body)


def script(steps):
    return "\n".join(step_shell(s) for s in steps) + "\n"


def describe(steps, diff, ref=None, cand=None, limit=60):
    """The first difference as a unified diff; for an exit code, the step's output too."""
    idx, field, a, b = diff
    where = "final state (%s)" % field if idx == "final" else \
        "step %d (%s): %s" % (idx + 1, field, step_shell(steps[idx]).split("\n")[0])
    lines = list(difflib.unified_diff(a.splitlines(), b.splitlines(), "reference",
                                      "cxtables", lineterm="", n=2))
    if len(lines) > limit:
        lines = lines[:limit] + ["... (%d more diff lines)" % (len(lines) - limit)]
    text = "first difference at %s\n%s" % (where, "\n".join(lines))
    if field == "rc" and ref and cand:
        for name, res in (("reference", ref), ("cxtables", cand)):
            r = res["steps"][idx]
            text += "\n%s: exit %s, stdout %r, stderr %r" % (name, r["rc"], r["stdout"][:300],
                                                            r["stderr"][:300])
    return text


# ---------------------------------------------------------------------------
# Reducing
# ---------------------------------------------------------------------------

def same_failure(cfg, steps, kind):
    """True when steps still fail the way `kind` says: at their last step, in the same
    field (kind = ("step", field)), or only in the final state (kind = ("final", field))."""
    diff, _, _ = compare(cfg, steps)
    if diff is None:
        return False
    idx, field = diff[0], diff[1]
    if kind[0] == "final":
        return idx == "final" and field == kind[1]
    return idx == len(steps) - 1 and field == kind[1]


def reduce_list(items, still_fails, keep_last=False):
    """Drops one item at a time while still_fails(new list) holds."""
    i = 0
    while i < len(items) - (1 if keep_last else 0):
        trial = items[:i] + items[i + 1:]
        if trial and still_fails(trial):
            items = trial
        else:
            i += 1
    return items


def reduce_sequence(cfg, steps, diff, budget=150):
    """A smaller sequence with the same first difference; at most `budget` trial runs."""
    idx, field = diff[0], diff[1]
    calls = [0]

    if idx == "final":
        kind = ("final", field)
    else:
        kind = ("step", field)
        steps = steps[:idx + 1]

    def fails(trial):
        if calls[0] >= budget:
            return False
        calls[0] += 1
        return same_failure(cfg, trial, kind)

    steps = reduce_list(steps, fails, keep_last=(kind[0] == "step"))
    # then the lines of restore input and the words of each command
    for i in range(len(steps)):
        s = steps[i]
        if s["stdin"]:
            # line by line; a final newline stays where it was
            nl = "\n" if s["stdin"].endswith("\n") else ""
            lines = s["stdin"][:len(s["stdin"]) - len(nl)].split("\n")

            def join(ls):
                return "\n".join(ls) + nl if ls else ""

            def fails_lines(ls, i=i):
                return fails(steps[:i] + [dict(steps[i], stdin=join(ls))] + steps[i + 1:])
            steps[i] = dict(s, stdin=join(reduce_list(lines, fails_lines)))
        s = steps[i]

        def fails_args(args, i=i):
            return fails(steps[:i] + [dict(steps[i], args=args)] + steps[i + 1:])
        if s["args"]:
            steps[i] = dict(s, args=reduce_list(s["args"], fails_args) if len(s["args"]) > 1
                            else s["args"])
    return steps


# ---------------------------------------------------------------------------
# Driver
# ---------------------------------------------------------------------------

def check_seed(cfg, seed):
    """Worker: runs one seed. Returns a dict for the report."""
    steps = generator.generate(seed)
    try:
        diff, ref, cand = compare(cfg, steps)
    except Exception as e:  # a runner failure counts as a failure, with its reason
        return {"seed": seed, "status": "failed", "steps": steps, "text": "error: %s" % e}
    if diff is None:
        return {"seed": seed, "status": "passed"}
    k = match_known(cfg["known"], steps, diff, ref, cand)
    if k:
        return {"seed": seed, "status": "known", "known": k["name"]}
    res = {"seed": seed, "status": "failed", "steps": steps,
           "text": describe(steps, diff, ref, cand)}
    if cfg["reduce"]:
        small = reduce_sequence(cfg, steps, diff)
        sdiff, ref, cand = compare(cfg, small)
        if sdiff is not None:
            res["reduced"] = small
            res["reduced_text"] = describe(small, sdiff, ref, cand)
            diff = sdiff
            res["reduced_known"] = (match_known(cfg["known"], small, sdiff, ref, cand)
                                    or {}).get("name")
    res["outputs"] = {"ref": ref, "cand": cand}
    return res


def write_reproducer(outdir, res):
    os.makedirs(outdir, exist_ok=True)
    steps = res.get("reduced", res["steps"])
    path = os.path.join(outdir, "seed-%d.sh" % res["seed"])
    with open(path, "w") as f:
        f.write("#!/bin/sh\n# difffuzz seed %d%s; run inside a fresh namespace: "
                "unshare -n sh %s\n" % (res["seed"], " (reduced)" if "reduced" in res else "",
                                        os.path.basename(path)))
        f.write(script(steps))
        f.write("nft --debug=netlink list ruleset\n")
        f.write("\n: <<'DIFF'\n%s\nDIFF\n" % res.get("reduced_text", res["text"]))
    with open(os.path.join(outdir, "seed-%d.json" % res["seed"]), "w") as f:
        json.dump({k: res[k] for k in res if k != "status"}, f, indent=1)


def print_failure(res):
    print("=" * 72)
    print("FAIL seed %d" % res["seed"])
    print(script(res["steps"]).rstrip())
    print(res["text"])
    if "reduced" in res:
        print("-- reduced:" + (" (matches known [%s])" % res["reduced_known"]
                               if res.get("reduced_known") else ""))
        print(script(res["reduced"]).rstrip())
        print(res["reduced_text"])
    sys.stdout.flush()


def make_refdir():
    """A folder of links named like ours to the reference multi-call binary, so that
    its messages name the same program."""
    d = tempfile.mkdtemp(prefix="difffuzz-ref-")
    for p in PROGS:
        os.symlink("/usr/sbin/xtables-nft-multi", os.path.join(d, p))
    return d


def worker_init(cfg):
    global WORKER_CFG
    WORKER_CFG = cfg


def worker(seed):
    return check_seed(WORKER_CFG, seed)


def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seed", type=int, default=1, help="first seed (default 1)")
    ap.add_argument("--count", type=int, default=100, help="number of seeds (default 100)")
    ap.add_argument("--seed-list", metavar="FILE",
                    help="run the seeds listed in FILE (one per line, '#' starts a comment) "
                    "instead of --seed/--count")
    ap.add_argument("--ref", help="folder with the reference programs under our names "
                    "(default: links to /usr/sbin/xtables-nft-multi in a temporary folder)")
    ap.add_argument("--cand", default=os.path.join(REPO, "build", "sbin"),
                    help="folder with ours (default: build/sbin)")
    ap.add_argument("--nft", default="/usr/sbin/nft")
    ap.add_argument("-j", "--jobs", type=int, default=1)
    ap.add_argument("--out", help="write reproducers (seed-N.sh, seed-N.json) here")
    ap.add_argument("--known", default=os.path.join(HERE, "known.ini"))
    ap.add_argument("--known-log", metavar="FILE",
                    help="write 'SEED ENTRY' for each seed a known entry explains")
    ap.add_argument("--no-reduce", dest="reduce", action="store_false")
    ap.add_argument("--time-limit", type=float, default=0,
                    help="stop starting new seeds after this many seconds (0: none)")
    ap.add_argument("--show", type=int, metavar="SEED", help="print one sequence, run nothing")
    ap.add_argument("-q", "--quiet", action="store_true", help="print only failures")
    ap.add_argument("--progress", type=int, default=0, metavar="N",
                    help="print the counts every N seeds (long runs: the last seed done "
                    "tells where to resume)")
    return ap.parse_args(argv)


def main(argv):
    args = parse_args(argv)
    if args.show is not None:
        print(script(generator.generate(args.show)), end="")
        return 0
    if os.geteuid() != 0:
        print("difffuzz: needs root (network namespaces)", file=sys.stderr)
        return 2
    refdir = args.ref or make_refdir()
    cfg = {"ref": refdir, "cand": os.path.abspath(args.cand), "refdir": refdir,
           "nft": args.nft, "known": load_known(args.known), "reduce": args.reduce}
    for d in (cfg["ref"], cfg["cand"]):
        for p in PROGS:
            if not os.access(os.path.join(d, p), os.X_OK):
                print("difffuzz: %s/%s missing" % (d, p), file=sys.stderr)
                return 2
    seeds = range(args.seed, args.seed + args.count)
    if args.seed_list:
        with open(args.seed_list) as f:
            seeds = [int(w) for line in f for w in line.split("#", 1)[0].split()]
    counts = {"passed": 0, "failed": 0, "known": 0}
    known_hits = {}
    known_log = open(args.known_log, "w") if args.known_log else None
    start = time.monotonic()
    done = 0
    with multiprocessing.Pool(max(1, args.jobs), worker_init, (cfg,)) as pool:
        for res in pool.imap(worker, seeds):
            done += 1
            counts[res["status"]] += 1
            if res["status"] == "known":
                known_hits[res["known"]] = known_hits.get(res["known"], 0) + 1
                if known_log:
                    known_log.write("%d %s\n" % (res["seed"], res["known"]))
                    known_log.flush()
            elif res["status"] == "failed":
                print_failure(res)
                if args.out:
                    write_reproducer(args.out, res)
            if args.progress and done % args.progress == 0:
                print("difffuzz: %d seeds done, up to seed %d: %d passed, %d failed, %d known, "
                      "%.0f s" % (done, res["seed"], counts["passed"], counts["failed"],
                                  counts["known"], time.monotonic() - start), flush=True)
            if args.time_limit and time.monotonic() - start > args.time_limit:
                print("difffuzz: time limit reached after %d seeds" % done)
                pool.terminate()
                break
    elapsed = time.monotonic() - start
    if not args.quiet:
        for name, n in sorted(known_hits.items()):
            print("known [%s]: %d" % (name, n))
        print("%d seeds in %.1f s: %.1f sequences/s with -j %d" %
              (done, elapsed, done / elapsed if elapsed else 0, args.jobs))
    if not args.ref:
        for p in PROGS:
            os.unlink(os.path.join(refdir, p))
        os.rmdir(refdir)
    print("%d passed, %d failed, %d known" % (counts["passed"], counts["failed"],
                                              counts["known"]))
    return 1 if counts["failed"] else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
