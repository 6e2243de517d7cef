#!/usr/bin/env python3
"""Control-plane benchmark: cxtables (build/sbin) against the reference iptables-nft, in one run.

  bench/cpbench.py [-n 1000,10000,50000,100000] [-r 5] [--ours DIR] [--ref DIR] [--csv FILE]

For every N and repetition the two implementations run alternately (A B A B ...), each in a
fresh network namespace, on the rulesets of ../shared/bench/gen-ruleset.py (`cp N`, and
`cp-sync N` for the kube-proxy-style partial sync). Steps:

  version   iptables -V                             (process start-up)
  restore   iptables-restore of the N-rule ruleset into an empty namespace
  save      iptables-save                           (checked to print N rules)
  list      iptables -L -n -v
  listnames iptables -L -v                          (names resolved, as users type it)
  append    iptables -A BENCH-USER <probe>          (the biggest chain, ~0.4 N rules)
  delete    iptables -D BENCH-USER <probe>          (delete by rule spec)
  sync      iptables-restore --noflush <cp-sync N>  (rewrites ~N/5 rules of one table)

Each step is one process timed with wait4(): wall time, CPU time (user + sys), system time and
peak RSS. The summary prints medians per step and N, and the ratio reference/ours (> 1: we are
faster); the last table shows system time, the kernel's share, and the ratio we would reach
with no userspace work at all (reference CPU / our system time).
Benchmarks report; nothing here passes or fails on a time.
"""
import argparse
import csv
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PROBE = ["-s", "203.0.113.250/32", "-p", "tcp", "-m", "tcp", "--dport", "4242",
         "-m", "comment", "--comment", "cxtables-bench-probe", "-j", "ACCEPT"]
STEPS = ["version", "restore", "save", "list", "listnames", "append", "delete", "sync"]


class Impl:
    def __init__(self, label, directory, suffix):
        self.label = label
        self.ipt = os.path.join(directory, "iptables" + suffix)
        self.save = os.path.join(directory, "iptables" + suffix + "-save")
        self.restore = os.path.join(directory, "iptables" + suffix + "-restore")
        for path in (self.ipt, self.save, self.restore):
            if not os.access(path, os.X_OK):
                sys.exit("cpbench: %s is not executable" % path)


RUNONE = None  # compiled bench/runone.c


def timed(ns, argv, stdin_path=None, stdout_path=os.devnull):
    """Runs argv in netns `ns`; returns (wall s, cpu s, maxrss KB, exit code, sys s)."""
    result = stdout_path + ".time" if stdout_path != os.devnull else RUNONE + ".time"
    with open(stdin_path or os.devnull, "rb") as fin, open(stdout_path, "wb") as fout:
        subprocess.run([RUNONE, result, ns] + argv, stdin=fin, stdout=fout,
                       stderr=subprocess.DEVNULL, check=True)
    with open(result) as f:
        wall, cpu, rss, rc, sys_s = f.read().split()
    return float(wall), float(cpu), int(rss), int(rc), float(sys_s)


def run_once(impl, n, rules, sync, tmp, ns):
    subprocess.run(["ip", "netns", "del", ns], stderr=subprocess.DEVNULL)
    subprocess.run(["ip", "netns", "add", ns], check=True)
    results = {}
    try:
        saved = os.path.join(tmp, "saved")
        results["version"] = timed(ns, [impl.ipt, "-V"])
        results["restore"] = timed(ns, [impl.restore, "-w"], stdin_path=rules)
        results["save"] = timed(ns, [impl.save], stdout_path=saved)
        with open(saved) as f:
            got = sum(1 for line in f if line.startswith("-A"))
        if got != n:
            print("# %s N=%d: save printed %d rules" % (impl.label, n, got), file=sys.stderr)
        results["list"] = timed(ns, [impl.ipt, "-w", "-L", "-n", "-v"])
        results["listnames"] = timed(ns, [impl.ipt, "-w", "-L", "-v"])
        results["append"] = timed(ns, [impl.ipt, "-w", "-A", "BENCH-USER"] + PROBE)
        results["delete"] = timed(ns, [impl.ipt, "-w", "-D", "BENCH-USER"] + PROBE)
        results["sync"] = timed(ns, [impl.restore, "-w", "--noflush"], stdin_path=sync)
    finally:
        subprocess.run(["ip", "netns", "del", ns], stderr=subprocess.DEVNULL)
    return results


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-n", default="1000,10000,50000,100000", help="rule counts, comma separated")
    ap.add_argument("-r", type=int, default=5, help="repetitions (medians over them)")
    ap.add_argument("--ours", default=os.path.join(ROOT, "build", "sbin"))
    ap.add_argument("--ref", default="/usr/sbin", help="directory of iptables-nft*")
    ap.add_argument("--shared", default=os.environ.get("CX_SHARED", os.path.join(ROOT, "..", "shared")))
    ap.add_argument("--csv", help="also write every measurement here")
    args = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("cpbench: needs root (network namespaces)")
    sizes = [int(x) for x in args.n.replace(" ", ",").split(",") if x]
    impls = [Impl("iptables-nft", args.ref, "-nft"), Impl("cxtables", args.ours, "")]
    gen = os.path.join(args.shared, "bench", "gen-ruleset.py")
    data = {}  # (label, n, step) -> [(wall, cpu, rss)]
    rows = []
    global RUNONE
    with tempfile.TemporaryDirectory(prefix="cxbench.") as tmp:
        RUNONE = os.path.join(tmp, "runone")
        subprocess.run(["cc", "-O2", "-o", RUNONE, os.path.join(HERE, "runone.c")], check=True)
        files = {}
        for n in sizes:
            rules, sync = os.path.join(tmp, "cp-%d" % n), os.path.join(tmp, "sync-%d" % n)
            with open(rules, "w") as f:
                subprocess.run([sys.executable, gen, "cp", str(n)], stdout=f, check=True)
            with open(sync, "w") as f:
                subprocess.run([sys.executable, gen, "cp-sync", str(n)], stdout=f, check=True)
            files[n] = (rules, sync)
        ns = "cxbench%d" % os.getpid()
        print("# kernel %s, %d CPUs, load %s" % (os.uname().release, os.cpu_count(),
                                                  open("/proc/loadavg").read().split()[:3]))
        for rep in range(1, args.r + 1):
            for n in sizes:
                for impl in impls:
                    res = run_once(impl, n, files[n][0], files[n][1], tmp, ns)
                    for step, (wall, cpu, rss, rc, sys_s) in res.items():
                        if rc != 0:
                            print("# %s N=%d %s exited %d" % (impl.label, n, step, rc),
                                  file=sys.stderr)
                        data.setdefault((impl.label, n, step), []).append((wall, cpu, rss, sys_s))
                        rows.append([impl.label, n, rep, step, "%.6f" % wall, "%.6f" % cpu, rss, rc,
                                     "%.6f" % sys_s])
                print("# rep %d N=%d done" % (rep, n), file=sys.stderr)
    if args.csv:
        with open(args.csv, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["impl", "n", "rep", "step", "wall_s", "cpu_s", "maxrss_kb", "rc", "sys_s"])
            w.writerows(rows)

    ref, ours = impls[0].label, impls[1].label
    for title, k, fmt in (("CPU time (user+sys), s", 1, "%10.4f"), ("wall time, s", 0, "%10.4f"),
                          ("peak RSS, MB", 2, "%10.1f")):
        print("\n%s, median of %d; ratio = %s / %s (> 1: cxtables is better)" % (
            title, args.r, ref, ours))
        print("%-10s %8s %12s %12s %8s" % ("step", "N", ref, ours, "ratio"))
        for step in STEPS:
            for n in sizes:
                a = statistics.median(x[k] for x in data[(ref, n, step)])
                b = statistics.median(x[k] for x in data[(ours, n, step)])
                if k == 2:
                    a, b = a / 1024.0, b / 1024.0
                print("%-10s %8d %12s %12s %8.2f" % (step, n, fmt % a, fmt % b, a / b if b else 0))
    # Both tools send the kernel the same bytes and read the same dumps, so the kernel's work
    # for a command is about the same for both: our system time bounds the ratio we could
    # reach with no userspace work at all.
    print("\nsystem (kernel) time, s, median of %d; ceiling = %s CPU / %s system time" % (
        args.r, ref, ours))
    print("%-10s %8s %12s %12s %8s %8s" % ("step", "N", ref, ours, "ratio", "ceiling"))
    for step in STEPS:
        for n in sizes:
            a = statistics.median(x[3] for x in data[(ref, n, step)])
            b = statistics.median(x[3] for x in data[(ours, n, step)])
            cpu_ref = statistics.median(x[1] for x in data[(ref, n, step)])
            print("%-10s %8d %12.4f %12.4f %8.2f %8.2f" % (step, n, a, b, a / b if b else 0,
                                                          cpu_ref / b if b else 0))


if __name__ == "__main__":
    main()
