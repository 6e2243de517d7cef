#!/usr/bin/env bash
# make-seeds.sh OUTDIR: seed corpora and dictionaries for the targets in tests/fuzz, generated
# from the reference corpus (../shared/golden) and iptables' extension test vectors
# (../shared/peer/iptables-1.8.9/extensions/*.t). Nothing generated here is committed.
#
#   OUTDIR/argv/      command lines: golden `cmd`/`setup` lines, .t rules as "iptables -A ..."
#   OUTDIR/restore/   restore files: golden `stdin` blocks and `save` outputs, one per .t file
#   OUTDIR/decode/    golden `tx` expression lists and xt payloads in fuzz_decode's format
#   OUTDIR/netlink/   golden `txraw` NEWRULE messages, as a rule dump returns them
#   OUTDIR/argv.dict, OUTDIR/restore.dict   option names and words from the same sources
#
# Environment: CX_GOLDEN_DIR, CX_PEER_EXT_DIR override the two source folders.
set -euo pipefail
out=${1:?usage: make-seeds.sh OUTDIR}
root=$(cd "$(dirname "$0")/../.." && pwd)
golden=${CX_GOLDEN_DIR:-$root/../shared/golden}
peer=${CX_PEER_EXT_DIR:-$root/../shared/peer/iptables-1.8.9/extensions}
[ -d "$golden" ] || { echo "make-seeds.sh: no golden corpus at $golden" >&2; exit 1; }
mkdir -p "$out"
python3 - "$out" "$golden" "$peer" <<'PY'
import glob, hashlib, os, re, shlex, struct, sys

out, golden, peer = sys.argv[1:4]
dirs = {k: os.path.join(out, k) for k in ("argv", "restore", "decode", "netlink")}
for d in dirs.values():
    os.makedirs(d, exist_ok=True)
counts = {k: 0 for k in dirs}
dicts = {"argv": set(), "restore": set()}

def seed(kind, data):
    if isinstance(data, str):
        data = data.encode("latin-1", "replace")
    name = hashlib.sha1(data).hexdigest()[:16]
    path = os.path.join(dirs[kind], name)
    if not os.path.exists(path):
        with open(path, "wb") as f:
            f.write(data)
        counts[kind] += 1

def words_of(line):
    try:
        return shlex.split(line)
    except ValueError:
        return line.split()

def add_dict_words(kinds, line):
    for w in words_of(line):
        if 1 < len(w) <= 40 and (w.startswith("-") or w.isupper() or w.isalpha()):
            for k in kinds:
                dicts[k].add(w)

# --- golden cases -------------------------------------------------------------------------
def cases(path):
    case = None
    with open(path, encoding="latin-1") as f:
        for raw in f:
            line = raw.rstrip("\n")
            if line.startswith("case "):
                case = {"id": line[5:], "lines": []}
            elif line == "end" and case is not None:
                yield case
                case = None
            elif case is not None:
                key, _, value = line.partition(" ")
                case["lines"].append((key, value))

U32, U64 = "<I", "<Q"

def b8(data):
    data = data[:255]
    return bytes([len(data)]) + data

def hexval(s):
    m = re.search(r"VALUE=([0-9a-f]*)", s)
    return bytes.fromhex(m.group(1)) if m else b""

def attrs(text):
    # KEY=value pairs of one tx expression line; values may be quoted or {...} nested.
    res, i = {}, 0
    while i < len(text):
        m = re.match(r"\s*([A-Z_]+)=", text[i:])
        if not m:
            break
        key = m.group(1)
        i += m.end()
        if text[i] == '"':
            j = text.index('"', i + 1)
            res[key] = text[i + 1:j]
            i = j + 1
        elif text[i] == "{":
            depth, j = 0, i
            while True:
                depth += {"{": 1, "}": -1}.get(text[j], 0)
                if depth == 0:
                    break
                j += 1
            res[key] = text[i:j + 1]
            i = j + 1
        else:
            j = i
            while j < len(text) and text[j] != " ":
                j += 1
            res[key] = text[i:j]
            i = j
    return res

def num(a, k, default=0):
    try:
        return int(a.get(k, default))
    except ValueError:
        return default

def encode_expr(name, a):
    """One golden tx expression in fuzz_decode's record format; None if not representable."""
    if name == "payload":
        return bytes([0, num(a, "DREG"), num(a, "BASE")]) + struct.pack("<II", num(a, "OFFSET"), num(a, "LEN"))
    if name == "meta":
        is_set = "SREG" in a
        return bytes([1, 1 if is_set else 0]) + struct.pack(U32, num(a, "KEY")) + bytes([num(a, "SREG" if is_set else "DREG")])
    if name == "cmp":
        return bytes([2, num(a, "SREG")]) + struct.pack(U32, num(a, "OP")) + b8(hexval(a.get("DATA", "")))
    if name == "bitwise":
        op = num(a, "OP", 255) if "OP" in a else 255
        return (bytes([3, num(a, "SREG"), num(a, "DREG")]) + struct.pack(U32, num(a, "LEN")) +
                bytes([op & 0xff]) + b8(hexval(a.get("MASK", ""))) + b8(hexval(a.get("XOR", ""))))
    if name == "range":
        return (bytes([4, num(a, "SREG")]) + struct.pack(U32, num(a, "OP")) +
                b8(hexval(a.get("FROM_DATA", ""))) + b8(hexval(a.get("TO_DATA", ""))))
    if name == "counter":
        return bytes([5]) + struct.pack("<QQ", num(a, "PACKETS"), num(a, "BYTES"))
    if name == "immediate":
        data = a.get("DATA", "")
        m = re.search(r"CODE=(-?\d+)", data)
        if m:
            c = re.search(r'CHAIN="([^"]*)"', data)
            chain = c.group(1).encode() if c else b""
            return bytes([6, num(a, "DREG"), 0]) + struct.pack("<i", int(m.group(1))) + b8(chain)
        return bytes([6, num(a, "DREG"), 1]) + b8(hexval(data))
    if name == "limit":
        return (bytes([7]) + struct.pack("<QQIII", num(a, "RATE"), num(a, "UNIT"), num(a, "BURST"),
                                           num(a, "TYPE"), num(a, "FLAGS")))
    if name == "log":
        has, rest = 0, b""
        if "PREFIX" in a:
            has |= 1; rest += b8(a["PREFIX"].encode())
        if "GROUP" in a:
            has |= 2; rest += struct.pack("<H", num(a, "GROUP"))
        if "SNAPLEN" in a:
            has |= 4; rest += struct.pack(U32, num(a, "SNAPLEN"))
        if "QTHRESHOLD" in a:
            has |= 8; rest += struct.pack("<H", num(a, "QTHRESHOLD"))
        if "LEVEL" in a:
            has |= 16; rest += struct.pack(U32, num(a, "LEVEL"))
        if "FLAGS" in a:
            has |= 32; rest += struct.pack(U32, num(a, "FLAGS"))
        return bytes([8, has]) + rest
    if name in ("match", "target"):
        info = bytes.fromhex(a.get("INFO", ""))[:65535]
        return (bytes([9 if name == "match" else 10]) + b8(a.get("NAME", "").encode()) +
                bytes([num(a, "REV") & 0xff]) + struct.pack("<H", len(info)) + info)
    return bytes([11]) + b8(name.encode())

def flush_rule(family, exprs):
    if exprs:
        seed("decode", bytes([1 if family == "ip6" else 0]) + b"".join(exprs))

for path in sorted(glob.glob(os.path.join(golden, "*.golden"))):
    for case in cases(path):
        stdin, save, family, exprs, cmd, raws = [], [], "ip", None, "", []
        for key, value in case["lines"]:
            if key in ("cmd", "setup"):
                words = words_of(value)
                if key == "cmd":
                    cmd = value
                if words and words[0] in ("iptables", "ip6tables", "iptables-nft", "ip6tables-nft"):
                    seed("argv", value)
                    add_dict_words(("argv", "restore"), value)
            elif key == "stdin":
                stdin.append(value)
            elif key == "save":
                save.append(value)
            elif key == "tx":
                m = re.match(r"NEWRULE (ip6?) ", value)
                if m:
                    family = m.group(1)
                if value.startswith("  "):
                    parts = value.strip().split(" ", 1)
                    a = attrs(parts[1] if len(parts) > 1 else "")
                    rec = encode_expr(parts[0], a)
                    if exprs is not None:
                        exprs.append(rec)
                    if parts[0] in ("match", "target"):
                        info = bytes.fromhex(a.get("INFO", ""))
                        name = a.get("NAME", "").encode()
                        mode = 4 if parts[0] == "match" else 6
                        seed("decode", bytes([mode | (1 if family == "ip6" else 0)]) + b8(name) + bytes([0]) + info)
                        seed("decode", bytes([mode | (1 if family == "ip6" else 0)]) + b8(name) + bytes([6]) + info)
                else:
                    if exprs is not None:
                        flush_rule(family, exprs)
                    exprs = [] if value.startswith("NEWRULE") else None
            elif key == "txraw":
                raw = bytes.fromhex(value)
                # nlmsg_type NFNL_SUBSYS_NFTABLES << 8 | NFT_MSG_NEWRULE (6)
                if len(raw) >= 20 and struct.unpack_from("<H", raw, 4)[0] == 0x0a06:
                    seed("netlink", raw)
                    raws.append(raw + bytes(-len(raw) % 4))
        if exprs is not None:
            flush_rule(family, exprs)
        if len(raws) > 1:  # several rules in one input, as one dump buffer holds them
            seed("netlink", b"".join(raws))
        prefix = "#6\n" if cmd.startswith("ip6tables") else ""
        if stdin:
            seed("restore", prefix + "\n".join(stdin))
            for line in stdin:
                add_dict_words(("restore",), line)
        if save:
            seed("restore", prefix + "\n".join(save) + "\n")

# --- iptables' extension test vectors --------------------------------------------------------
for path in sorted(glob.glob(os.path.join(peer, "*.t"))):
    base = os.path.basename(path)
    if base.startswith(("libebt_", "libarpt_")):
        continue
    progs = ["ip6tables"] if base.startswith("libip6t_") else ["iptables"]
    if base.startswith("libxt_") or base == "iptables.t":
        progs = ["iptables", "ip6tables"]
    table, chains, rules = "filter", ["INPUT"], []
    with open(path, encoding="latin-1") as f:
        for raw in f:
            line = raw.rstrip("\n")
            if line.startswith("*"):
                table = line[1:].strip()
            elif line.startswith(":"):
                chains = [c for c in line[1:].split(",") if c] or ["INPUT"]
            elif line and not line.startswith("#"):
                rule = line.split(";")[0]
                rules.append((table, chains[0], rule))
    for prog in progs:
        restore = {}
        for table, chain, rule in rules:
            t = "" if table == "filter" else "-t %s " % table
            seed("argv", "%s %s-A %s %s" % (prog, t, chain, rule))
            add_dict_words(("argv", "restore"), rule)
            restore.setdefault(table, []).append("-A %s %s" % (chain, rule))
        text = "#6\n" if prog == "ip6tables" else ""
        for table, lines in restore.items():
            text += "*%s\n%s\nCOMMIT\n" % (table, "\n".join(lines))
        if restore:
            seed("restore", text)

def dict_entry(w):
    return '"' + "".join(c if c.isprintable() and c not in '"\\' else "\\x%02x" % ord(c) for c in w) + '"'

for k, words in dicts.items():
    extra = {"!", "*filter", "*nat", "*mangle", "*raw", "*security", "COMMIT", ":INPUT", "[0:0]",
             "-A", "-I", "-D", "-N", "-X", "-P", "-F", "-Z", "-E", "-R", "-C", "-S", "-L", "-t",
             "-j", "-m", "-p", "-s", "-d", "-i", "-o", "-g", "-f", "-c", "-v", "-n", "-x", "0x", "/",
             ",", ":", "\\\"", "'", "tcp", "udp", "icmp", "::"}
    with open(os.path.join(out, k + ".dict"), "w") as f:
        for w in sorted(words | extra):
            f.write(dict_entry(w) + "\n")
print(" ".join("%s=%d" % (k, v) for k, v in counts.items()))
PY
