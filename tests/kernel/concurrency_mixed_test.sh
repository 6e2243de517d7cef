#!/bin/bash
# concurrency_mixed_test.sh: 8 processes issuing mixed -A/-I/-D/-N/-X/-F for a bounded time
# on shared chains, plus an iptables-restore --noflush loop, all at once in one namespace.
#
# Usage: [BIN=DIR] [CONC_SECS=30] [WRITERS=8] [CMD_TIMEOUT=60] [CONC_SEED=N]
#        tests/kernel/concurrency_mixed_test.sh
#
# iptables-nft takes no lock: every command builds a batch against the generation it read,
# and the kernel refuses a batch built on an outdated generation, after which the command
# must re-read and retry. The workload is designed so that the outcome is checkable:
#   - writer w owns the tcp/udp ports [10000 + 5000 w, 15000 + 5000 w) and the chains
#     W<w>_<n>. It appends (-A) and inserts at the head (-I) rules with its own ports into the
#     shared chains INPUT, S1 and S2, deletes them again by specification (-D), creates (-N),
#     fills (-A), jumps to (-A ... -j W<w>_<n>), flushes (-F) and deletes (-X) its own chains,
#     and on purpose sends commands that must fail (-N of an existing chain, -D of a missing
#     rule, -X of a chain in use);
#   - the restorer owns chain R and the ports from 50000: each round, one
#     `iptables-restore --noflush` declares R (which flushes it), fills it, appends one rule
#     to S2 and deletes an earlier one of its own; every fifth round carries a bad last line
#     and must change nothing.
# Every command is logged with its exit status. Other processes never touch what a process
# owns, so each process's own log tells what its commands did and how each must end:
#   - no command hung (CMD_TIMEOUT) or crashed (killed by a signal, exit >= 128);
#   - every command ended as its owner predicted (success, or the failure it provoked);
#   - replaying each process's successful commands gives, per process, exactly its rules in
#     each shared chain (same order, nothing doubled or lost), its chains and their contents;
#     nothing else is in the ruleset;
#   - the reference iptables-nft lists the same ruleset.
# Ends with "N passed, N failed".

HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"
need_env
mktmp
T=$CXT_TMP

CONC_SECS=${CONC_SECS:-30}
WRITERS=${WRITERS:-8}
CMD_TIMEOUT=${CMD_TIMEOUT:-60}
CONC_SEED=${CONC_SEED:-$$}
if [ "$WRITERS" -lt 1 ] || [ "$WRITERS" -gt 8 ]; then
    fail "WRITERS must be 1..8 (each writer owns a port range below 50000)"
    summary
    exit 1
fi
command -v python3 >/dev/null 2>&1 || { fail "precondition: missing python3"; summary; exit 1; }

NS=$(ns_name mixed)
ns_add "$NS" || { fail "create namespace"; summary; exit 1; }

cat >"$T/conc.py" <<'PY'
"""Writers, restorer and checker of concurrency_mixed_test.sh (see there)."""
import json, os, random, re, subprocess, sys, time

SHARED = ["INPUT", "S1", "S2"]
PORTS_PER_WRITER = 5000
RESTORER_S2_BASE, RESTORER_R_BASE = 50000, 60000


def run(args, timeout, stdin=None):
    t0 = time.time()
    try:
        p = subprocess.run(args, input=stdin, capture_output=True, text=True, timeout=timeout)
        rc, err = p.returncode, p.stderr.strip().splitlines()[:1]
    except subprocess.TimeoutExpired:
        rc, err = "timeout", ["timed out"]
    return {"args": args, "rc": rc, "err": err[0] if err else "", "t0": t0, "t1": time.time()}


class WriterModel:
    """What one writer owns, updated from its successful commands only."""

    def __init__(self):
        self.shared = {c: [] for c in SHARED}   # chain -> [rule key], in chain order
        self.private = {}                       # chain -> [rule key]
        self.refs = {}                          # chain -> number of own jump rules to it

    def apply(self, op):
        kind, chain, key = op["kind"], op.get("chain"), op.get("key")
        if kind in ("A", "I", "J"):
            lst = self.shared[chain] if chain in self.shared else self.private[chain]
            if kind == "I":
                lst.insert(0, key)
            else:
                lst.append(key)
            if kind == "J":
                self.refs[key[2]] = self.refs.get(key[2], 0) + 1
        elif kind == "D":
            lst = self.shared[chain] if chain in self.shared else self.private[chain]
            lst.remove(key)
            if key[2] in self.refs:
                self.refs[key[2]] -= 1
        elif kind == "N":
            self.private[chain] = []
            self.refs.setdefault(chain, 0)
        elif kind == "X":
            del self.private[chain]
            self.refs.pop(chain, None)
        elif kind == "F":
            self.private[chain] = []

    def predict(self, op):
        """True if the command must succeed, False if it must fail."""
        kind, chain, key = op["kind"], op.get("chain"), op.get("key")
        if kind == "D":
            lst = self.shared.get(chain, self.private.get(chain, []))
            return key in lst
        if kind == "N":
            return chain not in self.private
        if kind == "X":
            return chain in self.private and not self.private[chain] and not self.refs.get(chain)
        return True


def rule_args(key):
    proto, port, target = key
    return ["-p", proto, "--dport", str(port), "-j", target]


def writer(w, secs, timeout, seed, log):
    rnd = random.Random(seed * 100 + w)
    m = WriterModel()
    base = 10000 + PORTS_PER_WRITER * w
    nxt = [0]
    nchains = [0]

    def port():
        nxt[0] += 1
        return base + nxt[0] if nxt[0] < PORTS_PER_WRITER else None

    end = time.time() + secs
    with open(log, "w") as f:
        while time.time() < end:
            r = rnd.random()
            own_shared = [(c, k) for c in SHARED for k in m.shared[c]]
            op = None
            if r < 0.22 or (r < 0.45 and not own_shared):
                p = port()
                if p:
                    op = {"kind": "A", "chain": rnd.choice(SHARED), "key": ("tcp", p, "ACCEPT")}
            elif r < 0.35:
                p = port()
                if p:
                    op = {"kind": "I", "chain": rnd.choice(SHARED), "key": ("tcp", p, "ACCEPT")}
            elif r < 0.45:
                if rnd.random() < 0.1:  # a rule that was never there: must fail
                    op = {"kind": "D", "chain": rnd.choice(SHARED),
                          "key": ("tcp", base + PORTS_PER_WRITER - 1, "ACCEPT")}
                else:
                    c, k = rnd.choice(own_shared)
                    op = {"kind": "D", "chain": c, "key": k}
            elif r < 0.55:
                if m.private and rnd.random() < 0.1:  # an existing chain: must fail
                    op = {"kind": "N", "chain": rnd.choice(sorted(m.private))}
                else:
                    nchains[0] += 1
                    op = {"kind": "N", "chain": "W%d_%d" % (w, nchains[0])}
            elif r < 0.67 and m.private:
                p = port()
                if p:
                    op = {"kind": "A", "chain": rnd.choice(sorted(m.private)),
                          "key": ("tcp", p, "ACCEPT")}
            elif r < 0.75 and m.private:
                p = port()
                if p:
                    op = {"kind": "J", "chain": rnd.choice(SHARED),
                          "key": ("udp", p, rnd.choice(sorted(m.private)))}
            elif r < 0.80 and m.private:
                op = {"kind": "F", "chain": rnd.choice(sorted(m.private))}
            elif r < 0.92 and m.private:
                op = {"kind": "X", "chain": rnd.choice(sorted(m.private))}
            elif m.private:
                jumps = [(c, k) for c in SHARED for k in m.shared[c] if k[0] == "udp"]
                priv = [(c, k) for c in m.private for k in m.private[c]]
                if jumps or priv:
                    c, k = rnd.choice(jumps or priv)
                    op = {"kind": "D", "chain": c, "key": k}
            if op is None:
                continue
            kind = op["kind"]
            letter = {"J": "A"}.get(kind, kind)
            args = ["iptables", "-" + letter, op["chain"]]
            if "key" in op:
                args += rule_args(op["key"])
            op["expect"] = m.predict(op)
            res = run(args, timeout)
            op.update(res)
            op["who"] = "w%d" % w
            f.write(json.dumps(op) + "\n")
            f.flush()
            if res["rc"] == 0:
                m.apply(op)


def restore_text(i, delete_port, bad):
    lines = ["*filter", ":R - [0:0]"]
    lines += ["-A R -p tcp --dport %d -j ACCEPT" % (RESTORER_R_BASE + (3 * i + j) % 5000)
              for j in range(3)]
    lines.append("-A S2 -p tcp --dport %d -j ACCEPT" % (RESTORER_S2_BASE + i))
    if delete_port is not None:
        lines.append("-D S2 -p tcp --dport %d -j ACCEPT" % delete_port)
    if bad:
        lines.append("-A S2 -p tcp --dport 99999 -j ACCEPT")
    lines.append("COMMIT")
    return "\n".join(lines) + "\n"


def restorer(secs, timeout, seed, log):
    rnd = random.Random(seed)
    s2 = []  # own ports in S2, in order
    end = time.time() + secs
    i = 0
    with open(log, "w") as f:
        while time.time() < end and i < 9000:
            i += 1
            bad = i % 5 == 0
            delete = s2[0] if len(s2) > 3 and rnd.random() < 0.5 else None
            text = restore_text(i, delete, bad)
            res = run(["iptables-restore", "--noflush"], timeout, stdin=text)
            op = {"kind": "restore", "round": i, "delete": delete, "bad": bad, "expect": not bad}
            op.update(res)
            op["who"] = "restorer"
            f.write(json.dumps(op) + "\n")
            f.flush()
            if res["rc"] == 0:
                s2.append(RESTORER_S2_BASE + i)
                if delete is not None:
                    s2.remove(delete)


def parse_listing(text):
    """iptables -S output -> ({chain: [rule key]}, set of user chains, [unparsed lines])."""
    chains, users, odd = {}, set(), []
    for line in text.splitlines():
        if line.startswith("-P "):
            continue
        m = re.match(r"^-N (\S+)$", line)
        if m:
            users.add(m.group(1))
            chains.setdefault(m.group(1), [])
            continue
        m = re.match(r"^-A (\S+) -p (tcp|udp) -m (?:tcp|udp) --dport (\d+) -j (\S+)$", line)
        if m:
            chains.setdefault(m.group(1), []).append((m.group(2), int(m.group(3)), m.group(4)))
        else:
            odd.append(line)
    return chains, users, odd


def check(logdir, writers, listing_file):
    ok = True
    problems = []

    def bad(msg):
        nonlocal ok
        ok = False
        problems.append(msg)

    ops = []
    for name in sorted(os.listdir(logdir)):
        if name.endswith(".log"):
            with open(os.path.join(logdir, name)) as f:
                ops += [json.loads(line) for line in f if line.strip()]
    n = len(ops)
    hung = [o for o in ops if o["rc"] == "timeout"]
    crashed = [o for o in ops if o["rc"] != "timeout" and (o["rc"] < 0 or o["rc"] >= 128)]
    wrong = [o for o in ops if o["rc"] not in ("timeout",) and (o["rc"] == 0) != o["expect"]]
    by_kind = {}
    for o in ops:
        k = o["kind"] + ("" if o["rc"] == 0 else "-failed")
        by_kind[k] = by_kind.get(k, 0) + 1
    print("STAT commands=%d %s" % (n, " ".join("%s=%d" % kv for kv in sorted(by_kind.items()))))
    rcs = {}
    for o in ops:
        rcs[str(o["rc"])] = rcs.get(str(o["rc"]), 0) + 1
    print("STAT exit-statuses " + " ".join("%s:%d" % kv for kv in sorted(rcs.items())))
    print("CHECK %s %d commands, none hung" % ("PASS" if not hung else "FAIL", n))
    for o in hung[:5]:
        print("    hung: %s" % " ".join(o["args"]))
    print("CHECK %s none crashed (signal or exit >= 128)" % ("PASS" if not crashed else "FAIL"))
    for o in crashed[:5]:
        print("    crashed (%s): %s" % (o["rc"], " ".join(o["args"])))
    print("CHECK %s every command ended as its owner predicted (%d mismatches)"
          % ("PASS" if not wrong else "FAIL", len(wrong)))
    for o in wrong[:10]:
        print("    %s expected %s, exit %s: %s: %s" % (o["who"], "success" if o["expect"] else
              "failure", o["rc"], " ".join(o["args"]), o["err"]))

    # Expected state from the successful commands, per owner.
    models = {}
    for o in ops:
        if o["who"] != "restorer" and o["rc"] == 0:
            o["key"] = tuple(o["key"]) if o.get("key") else None
            models.setdefault(o["who"], WriterModel()).apply(o)
    exp_r, exp_s2 = None, []
    for o in sorted((o for o in ops if o["who"] == "restorer"), key=lambda o: o["round"]):
        if o["rc"] == 0:
            i = o["round"]
            exp_r = [("tcp", RESTORER_R_BASE + (3 * i + j) % 5000, "ACCEPT") for j in range(3)]
            exp_s2.append(("tcp", RESTORER_S2_BASE + i, "ACCEPT"))
            if o["delete"] is not None:
                exp_s2.remove(("tcp", o["delete"], "ACCEPT"))

    with open(listing_file) as f:
        chains, users, odd = parse_listing(f.read())
    state_ok = True
    if odd:
        state_ok = False
        print("    lines not made by the workload: %s" % odd[:5])

    def owner_of(port):
        if RESTORER_S2_BASE <= port < RESTORER_S2_BASE + 9000 + 1:
            return "restorer"
        if RESTORER_R_BASE <= port:
            return "restorer"
        w = (port - 10000) // PORTS_PER_WRITER
        return "w%d" % w if 0 <= w < writers else "nobody"

    for c in SHARED:
        have = chains.get(c, [])
        owners = {owner_of(k[1]) for k in have} | set(models) | {"restorer"}
        for who in sorted(owners):
            mine = [k for k in have if owner_of(k[1]) == who]
            if who == "restorer":
                want = exp_s2 if c == "S2" else []
            elif who in models:
                want = models[who].shared[c]
            else:
                want = []
            if mine != want:
                state_ok = False
                print("    chain %s, rules of %s: want %d %s, have %d %s" % (
                    c, who, len(want), want[:4], len(mine), mine[:4]))
    want_users = {"S1", "S2"} | ({"R"} if exp_r is not None else set())
    for who, m in models.items():
        want_users |= set(m.private)
    if users != want_users:
        state_ok = False
        print("    user chains: missing %s, unexpected %s" % (
            sorted(want_users - users)[:10], sorted(users - want_users)[:10]))
    for who, m in models.items():
        for c, want in m.private.items():
            if chains.get(c, []) != want:
                state_ok = False
                print("    chain %s of %s: want %s, have %s" % (c, who, want[:4], chains.get(c, [])[:4]))
    if exp_r is not None and chains.get("R", []) != exp_r:
        state_ok = False
        print("    chain R: want %s, have %s" % (exp_r, chains.get("R", [])))
    total = sum(len(v) for v in chains.values())
    print("STAT final ruleset: %d rules, %d user chains" % (total, len(users)))
    print("CHECK %s the final ruleset is what the successful commands imply"
          % ("PASS" if state_ok else "FAIL"))
    return 0 if ok and state_ok else 1


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "writer":
        writer(int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5]), sys.argv[6])
    elif mode == "restorer":
        restorer(float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), sys.argv[5])
    else:
        sys.exit(check(sys.argv[2], int(sys.argv[3]), sys.argv[4]))
PY

section "$WRITERS writers and one restorer for $CONC_SECS s (seed $CONC_SEED)"
check "iptables -N S1" in_ns "$NS" iptables -N S1
check "iptables -N S2" in_ns "$NS" iptables -N S2
mkdir -p "$T/logs"
limit=$((CONC_SECS + CMD_TIMEOUT + 60))
pids=()
for w in $(seq 0 $((WRITERS - 1))); do
    in_ns "$NS" timeout "$limit" python3 "$T/conc.py" writer "$w" "$CONC_SECS" "$CMD_TIMEOUT" \
        "$CONC_SEED" "$T/logs/w$w.log" 2>"$T/w$w.err" &
    pids+=($!)
done
in_ns "$NS" timeout "$limit" python3 "$T/conc.py" restorer "$CONC_SECS" "$CMD_TIMEOUT" \
    "$CONC_SEED" "$T/logs/restorer.log" 2>"$T/restorer.err" &
pids+=($!)
start=$(date +%s)
stuck=0
for p in "${pids[@]}"; do
    wait "$p"
    rc=$?
    [ "$rc" -eq 0 ] || { stuck=$((stuck + 1)); info "a workload process exited $rc"; }
done
info "workload finished after $(( $(date +%s) - start )) s"
check_eq "every workload process ended by itself within ${limit}s" 0 "$stuck"
for f in "$T"/w*.err "$T"/restorer.err; do
    [ -s "$f" ] && { info "$(basename "$f"):"; head -n 5 "$f" | sed 's/^/    /'; }
done

in_ns "$NS" iptables -S >"$T/listing" 2>&1
check "iptables -S works after the workload" test -s "$T/listing"
python3 "$T/conc.py" check "$T/logs" "$WRITERS" "$T/listing" >"$T/check.out" 2>&1
check_rc=$?
while IFS= read -r line; do
    case "$line" in
        "CHECK PASS "*) pass "${line#CHECK PASS }" ;;
        "CHECK FAIL "*) fail "${line#CHECK FAIL }" ;;
        "STAT "*) info "${line#STAT }" ;;
        *) echo "$line" ;;
    esac
done <"$T/check.out"
check_eq "checker exit status" 0 "$check_rc"
check_eq "reference iptables-nft -S lists the same ruleset" "$(cat "$T/listing")" \
    "$(in_ns "$NS" "$REF/iptables-nft" -S 2>&1)"

ns_del "$NS"
summary
