#include "golden_util.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>

#include "codec/rule_codec.h"
#include "common/parse.h"

namespace cx::test {

std::string golden_dir() {
  if (const char* d = std::getenv("CX_GOLDEN_DIR")) return d;
  return "/work/shared/golden";
}

namespace {

std::vector<GoldenCase> load(const std::string& file) {
  std::vector<GoldenCase> cases;
  std::ifstream in(golden_dir() + "/" + file + ".golden");
  std::string line;
  GoldenCase cur;
  bool open = false;
  while (std::getline(in, line)) {
    if (line.rfind("case ", 0) == 0) {
      cur = GoldenCase{};
      cur.file = file;
      cur.id = line.substr(5);
      open = true;
      continue;
    }
    if (!open) continue;
    if (line == "end") {
      cases.push_back(std::move(cur));
      open = false;
      continue;
    }
    auto sp = line.find(' ');
    std::string key = line.substr(0, sp);
    std::string value = sp == std::string::npos ? "" : line.substr(sp + 1);
    if (key == "setup") cur.setup.push_back(value);
    else if (key == "cmd") cur.cmd = value;
    else if (key == "family") cur.family = value;
    else if (key == "table") cur.table = value;
    else if (key == "rc") cur.rc = std::atoi(value.c_str());
    else if (key == "err") cur.err.push_back(value);
    else if (key == "out") cur.out.push_back(value);
    else if (key == "S") cur.S.push_back(value);
    else if (key == "tx") cur.tx.push_back(value);
  }
  return cases;
}

}  // namespace

const std::vector<GoldenCase>& golden_cases(const std::string& file) {
  static std::map<std::string, std::vector<GoldenCase>> cache;
  auto it = cache.find(file);
  if (it == cache.end()) it = cache.emplace(file, load(file)).first;
  return it->second;
}

const GoldenCase* golden_case(const std::string& id) {
  for (const char* f : {"ipv4", "ipv6", "ops"})
    for (const auto& c : golden_cases(f))
      if (c.id == id) return &c;
  return nullptr;
}

std::vector<std::string> tx_exprs(const GoldenCase& c) {
  std::vector<std::string> out;
  for (const auto& t : c.tx)
    if (t.rfind("  ", 0) == 0) out.push_back(t.substr(2));
  return out;
}

std::string last_rule_line(const GoldenCase& c) {
  std::string last;
  for (const auto& s : c.S)
    if (s.rfind("-A ", 0) == 0) last = s;
  return last;
}

std::vector<std::string> shell_split(const std::string& s) {
  std::vector<std::string> out;
  std::string cur;
  bool have = false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '\'') {
      have = true;
      for (++i; i < s.size() && s[i] != '\''; ++i) cur += s[i];
    } else if (c == '"') {
      have = true;
      for (++i; i < s.size() && s[i] != '"'; ++i) {
        if (s[i] == '\\' && i + 1 < s.size() &&
            (s[i + 1] == '"' || s[i + 1] == '\\' || s[i + 1] == '$' || s[i + 1] == '`'))
          ++i;
        cur += s[i];
      }
    } else if (c == '\\' && i + 1 < s.size()) {
      have = true;
      cur += s[++i];
    } else if (c == ' ' || c == '\t') {
      if (have) out.push_back(cur);
      cur.clear();
      have = false;
    } else {
      have = true;
      cur += c;
    }
  }
  if (have) out.push_back(cur);
  return out;
}

std::string hex_bytes(const nft::Bytes& b) {
  std::string s;
  char buf[3];
  for (auto v : b) {
    std::snprintf(buf, sizeof(buf), "%02x", v);
    s += buf;
  }
  return s;
}

std::string expr_text(const nft::Expr& e) {
  using K = nft::Expr::Kind;
  auto u = [](std::uint64_t v) { return std::to_string(v); };
  auto val = [](const nft::Bytes& b) { return "{VALUE=" + hex_bytes(b) + "}"; };
  switch (e.kind) {
    case K::Match:
    case K::Target:
      return std::string(e.kind == K::Match ? "match" : "target") + " NAME=\"" + e.xt_name +
             "\" REV=" + u(e.xt_rev) + " INFO=" + hex_bytes(e.info);
    case K::Limit:
      return "limit RATE=" + u(e.rate) + " UNIT=" + u(e.unit) + " BURST=" + u(e.burst) +
             " TYPE=" + u(e.limit_type) + " FLAGS=" + u(e.limit_flags);
    case K::Log: {
      std::string s = "log";
      if (e.log_prefix) s += " PREFIX=\"" + *e.log_prefix + "\"";
      if (e.log_group) s += " GROUP=" + u(*e.log_group);
      if (e.log_snaplen) s += " SNAPLEN=" + u(*e.log_snaplen);
      if (e.log_qthreshold) s += " QTHRESHOLD=" + u(*e.log_qthreshold);
      if (e.log_level) s += " LEVEL=" + u(*e.log_level);
      if (e.log_flags) s += " FLAGS=" + u(*e.log_flags);
      return s;
    }
    case K::Meta:
      if (e.meta_set) return "meta KEY=" + u(e.key) + " SREG=" + u(e.sreg);
      return "meta KEY=" + u(e.key) + " DREG=" + u(e.dreg);
    case K::Cmp:
      return "cmp SREG=" + u(e.sreg) + " OP=" + u(e.op) + " DATA=" + val(e.data);
    case K::Bitwise: {
      std::string s = "bitwise SREG=" + u(e.sreg) + " DREG=" + u(e.dreg);
      if (e.bitwise_op) s += " OP=" + u(*e.bitwise_op);
      return s + " LEN=" + u(e.len) + " MASK=" + val(e.mask) + " XOR=" + val(e.xor_bits);
    }
    case K::Payload:
      return "payload DREG=" + u(e.dreg) + " BASE=" + u(e.base) + " OFFSET=" + u(e.offset) +
             " LEN=" + u(e.len);
    case K::Range:
      return "range SREG=" + u(e.sreg) + " OP=" + u(e.op) + " FROM_DATA=" + val(e.data) +
             " TO_DATA=" + val(e.to_data);
    case K::Immediate:
      if (e.imm_data) return "immediate DREG=" + u(e.dreg) + " DATA=" + val(*e.imm_data);
      return "immediate DREG=" + u(e.dreg) + " DATA={VERDICT={CODE=" +
             std::to_string(e.verdict) + (e.chain.empty() ? "" : " CHAIN=\"" + e.chain + "\"") +
             "}}";
    case K::Counter:
      return "counter BYTES=" + u(e.bytes) + " PACKETS=" + u(e.packets);
    case K::Other:
      return e.other_name;
  }
  return "?";
}

namespace {

// Target extensions iptables 1.8.9 knows (anything else after -j is a chain).
bool is_target_extension_name(const std::string& n) {
  static const char* const kNames[] = {
      "AUDIT",  "CHECKSUM", "CLASSIFY", "CLUSTERIP", "CONNMARK", "CONNSECMARK", "CT",
      "DNAT",   "DNPT",     "DSCP",     "ECN",       "HL",       "HMARK",       "IDLETIMER",
      "LED",    "LOG",      "MARK",     "MASQUERADE", "NETMAP",  "NFLOG",       "NFQUEUE",
      "NOTRACK", "QUEUE",   "RATEEST",  "REDIRECT",  "REJECT",   "SECMARK",     "SET",
      "SNAT",   "SNPT",     "SYNPROXY", "TCPMSS",    "TCPOPTSTRIP", "TEE",      "TOS",
      "TPROXY", "TRACE",    "TTL",      "ULOG"};
  for (const char* k : kNames)
    if (n == k) return true;
  return false;
}

struct Loaded {
  std::string name;
  bool is_target = false;
  std::span<const ext::OptionSpec> options;
  std::size_t index = 0;  // into matches, or the target
};

}  // namespace

Driven drive(const std::vector<std::string>& args, Family family) {
  Driven d;
  d.family = family;
  std::vector<Loaded> loaded;
  std::vector<std::string> words = args;
  ext::RuleContext ctx;
  ctx.family = family;
  ctx.ip = &d.ip;
  ctx.program = family == Family::V4 ? "iptables" : "ip6tables";
  ctx.warnings = &d.warnings;
  bool invert = false, have_proto = false, proto_loaded = false;
  auto unsupported = [&](std::string why) {
    d.unsupported = true;
    d.unsupported_why = std::move(why);
    return std::move(d);
  };
  auto fail = [&](Error e) {
    d.error = std::move(e);
    return std::move(d);
  };
  auto load_match = [&](const ext::MatchType* t) {
    loaded.push_back({std::string(t->name), false, t->options, d.matches.size()});
    d.matches.push_back(t->create(family));
  };
  std::size_t i = 0;
  while (i < words.size()) {
    std::string w = words[i++];
    auto next = [&]() -> std::string { return i < words.size() ? words[i++] : std::string(); };
    if (w == "!") {
      invert = true;
      continue;
    }
    if (w == "-A" || w == "--append" || w == "-D" || w == "--delete" || w == "-C" ||
        w == "--check") {
      next();
    } else if (w == "-I" || w == "--insert" || w == "-R" || w == "--replace") {
      next();
      if (i < words.size() && std::isdigit(static_cast<unsigned char>(words[i][0]))) ++i;
    } else if (w == "-t" || w == "--table") {
      d.table = next();
    } else if (w == "-p" || w == "--protocol") {
      auto p = parse_protocol(next());
      if (!p) return fail(p.take_error());
      d.ip.proto = *p;
      d.ip.inv_proto = invert;
      have_proto = true;
    } else if (w == "-s" || w == "--source" || w == "-d" || w == "--destination") {
      next();
    } else if (w == "-i" || w == "--in-interface" || w == "-o" || w == "--out-interface") {
      next();
    } else if (w == "-f" || w == "--fragment" || w == "-v" || w == "-n" || w == "-4" ||
               w == "-6") {
    } else if (w == "-c" || w == "--set-counters") {
      next();
      next();
    } else if (w == "-w" || w == "--wait") {
      if (i < words.size() && std::isdigit(static_cast<unsigned char>(words[i][0]))) ++i;
    } else if (w == "-m" || w == "--match") {
      std::string name = next();
      const ext::MatchType* t = ext::find_match(name, family);
      if (!t) return unsupported("match " + name);
      load_match(t);
      if (have_proto && name == protocol_name(d.ip.proto, family)) proto_loaded = true;
    } else if (w == "-j" || w == "--jump" || w == "-g" || w == "--goto") {
      d.jump = next();
      if (w == "-j" || w == "--jump") {
        if (const ext::TargetType* t = ext::find_target(d.jump, family)) {
          loaded.push_back({d.jump, true, t->options, 0});
          d.target = t->create(family);
        } else if (is_target_extension_name(d.jump)) {
          return unsupported("target " + d.jump);
        }
      }
    } else if (w.rfind("--", 0) == 0) {
      std::string opt = w.substr(2), value;
      bool has_eq = false;
      if (auto eq = opt.find('='); eq != std::string::npos) {
        value = opt.substr(eq + 1);
        opt = opt.substr(0, eq);
        has_eq = true;
      }
      // Exact name first, then a unique prefix, newest extension first as getopt would see
      // them merged (names rarely clash).
      const Loaded* owner = nullptr;
      const ext::OptionSpec* spec = nullptr;
      for (int pass = 0; pass < 2 && !spec; ++pass)
        for (const auto& l : loaded)
          for (const auto& o : l.options)
            if (pass == 0 ? o.name == opt : (o.name.rfind(opt, 0) == 0 && !spec)) {
              owner = &l;
              spec = &o;
            }
      if (!spec) {
        if (have_proto && !proto_loaded && !d.ip.inv_proto) {
          proto_loaded = true;
          std::string pname = protocol_name(d.ip.proto, family);
          if (family == Family::V6 && d.ip.proto == 58) pname = "icmp6";
          if (const ext::MatchType* t = ext::find_match(pname, family)) {
            load_match(t);
            --i;
            continue;
          }
        }
        return unsupported("option " + w);
      }
      if (spec->arg == ext::ArgKind::Required && !has_eq) value = next();
      ext::OptionArg oa;
      oa.value = value;
      oa.invert = invert;
      oa.argv = &words;
      std::size_t n = i;
      oa.next = &n;
      oa.option_name = w;
      ext::Extension* e = owner->is_target ? static_cast<ext::Extension*>(d.target.get())
                                           : d.matches[owner->index].get();
      Status s = e->parse(spec->id, oa, ctx);
      if (!s) return fail(s.take_error());
      i = n;
    } else {
      return unsupported("word " + w);
    }
    invert = false;
  }
  for (const auto& l : loaded) {
    ext::Extension* e = l.is_target ? static_cast<ext::Extension*>(d.target.get())
                                    : d.matches[l.index].get();
    Status s = e->final_check(ctx);
    if (!s) return fail(s.take_error());
  }
  return d;
}

Driven drive_cmd(const std::string& cmd) {
  auto words = shell_split(cmd);
  Family f = Family::V4;
  if (!words.empty()) {
    if (words[0].find("ip6tables") != std::string::npos) f = Family::V6;
    words.erase(words.begin());
  }
  return drive(words, f);
}

std::vector<nft::Expr> encode_all(const Driven& d) {
  std::vector<nft::Expr> out;
  ext::RuleContext ctx;
  ctx.family = d.family;
  ctx.ip = &d.ip;
  ctx.table = d.table;
  for (const auto& m : d.matches) (void)m->encode(out, ctx);
  if (d.target) (void)d.target->encode(out, ctx);
  return out;
}

std::vector<std::string> encode_text(const Driven& d) {
  std::vector<std::string> out;
  for (const auto& e : encode_all(d)) out.push_back(expr_text(e));
  return out;
}

std::string save_text(const Driven& d) {
  ext::SaveContext ctx;
  ctx.family = d.family;
  ctx.ip = &d.ip;
  std::string s;
  for (const auto& m : d.matches) {
    s += " -m " + std::string(m->name());
    m->save(s, ctx);
  }
  if (d.target) {
    s += " -j " + std::string(d.target->name());
    d.target->save(s, ctx);
  }
  return s;
}

std::string list_text(const Driven& d, bool numeric) {
  ext::SaveContext ctx;
  ctx.family = d.family;
  ctx.ip = &d.ip;
  std::string s;
  for (const auto& m : d.matches) m->list(s, numeric, ctx);
  if (d.target) d.target->list(s, numeric, ctx);
  return s;
}

std::string decode_save_text(const std::vector<nft::Expr>& exprs, Family family,
                             const model::IpHeader& ip) {
  model::Rule r = codec::decode_rule(exprs, family, std::nullopt, ip);
  if (r.incompatible) {
    std::string why = "!";
    for (const auto& e : r.decode_errors) why += e + "; ";
    return why;
  }
  ext::SaveContext sctx;
  sctx.family = family;
  sctx.ip = &r.ip;
  std::string s;
  for (const auto& m : r.matches) {
    s += " -m " + std::string(m->name());
    m->save(s, sctx);
  }
  if (r.target) {
    s += " -j " + std::string(r.target->name());
    r.target->save(s, sctx);
  }
  return s;
}

std::string check_case(const GoldenCase& c) {
  Driven d = drive_cmd(c.cmd);
  if (d.unsupported) return c.id + ": unsupported " + d.unsupported_why;
  if (d.error) return c.id + ": error " + d.error->message;
  auto golden = tx_exprs(c);
  ext::RuleContext rctx;
  rctx.family = d.family;
  rctx.ip = &d.ip;
  rctx.table = d.table;
  std::vector<ext::Extension*> exts;
  for (const auto& m : d.matches) exts.push_back(m.get());
  if (d.target) exts.push_back(d.target.get());
  for (ext::Extension* x : exts) {
    std::vector<nft::Expr> run;
    Status st = x->encode(run, rctx);
    if (!st) return c.id + ": encode error " + st.error().message;
    std::vector<std::string> mine;
    for (const auto& e : run) mine.push_back(expr_text(e));
    if (!contains_run(golden, mine)) {
      std::string m;
      for (const auto& t : mine) m += "\n    " + t;
      return c.id + ": not in tx:" + m;
    }
  }
  if (c.rc != 0) return "";
  std::string direct = save_text(d);
  std::string decoded = decode_save_text(encode_all(d), d.family, d.ip);
  if (direct != decoded) return c.id + ": save \"" + direct + "\" decoded \"" + decoded + "\"";
  std::string line = last_rule_line(c) + " ";
  std::size_t pos = 0;
  while (pos < decoded.size()) {
    std::size_t nxt = std::min(decoded.find(" -m ", pos + 1), decoded.find(" -j ", pos + 1));
    std::string piece = decoded.substr(pos, nxt == std::string::npos ? nxt : nxt - pos);
    if (line.find(piece + " ") == std::string::npos)
      return c.id + ": \"" + piece + "\" not in S \"" + line + "\"";
    pos = nxt == std::string::npos ? decoded.size() : nxt;
  }
  return "";
}

std::string check_case(const std::string& id) {
  const GoldenCase* c = golden_case(id);
  if (!c) return id + ": no such golden case";
  return check_case(*c);
}

std::string check_error_case(const std::string& id) {
  const GoldenCase* c = golden_case(id);
  if (!c) return id + ": no such golden case";
  if (c->rc != 2 || c->err.empty()) return id + ": not an rc 2 case";
  Driven d = drive_cmd(c->cmd);
  if (d.unsupported) return id + ": unsupported " + d.unsupported_why;
  if (!d.error) return id + ": accepted";
  std::string want = c->err[0];
  auto p = want.find(" (nf_tables): ");
  if (p != std::string::npos) want = want.substr(p + 14);
  if (d.error->message != want) return id + ": \"" + d.error->message + "\" != \"" + want + "\"";
  bool blank = c->err.size() > 1 && c->err[1].empty();
  if (blank != (d.error->style == ErrorStyle::VersionedBlank)) return id + ": framing differs";
  return "";
}

std::string error_of(const std::string& cmd) {
  Driven d = drive_cmd(cmd);
  if (d.unsupported) return "unsupported " + d.unsupported_why;
  return d.error ? d.error->message : "";
}

std::string list_of(const std::string& cmd, bool numeric) {
  Driven d = drive_cmd(cmd);
  if (d.unsupported) return "unsupported " + d.unsupported_why;
  if (d.error) return "error " + d.error->message;
  return list_text(d, numeric);
}

std::string saved_of(const std::string& cmd) {
  Driven d = drive_cmd(cmd);
  if (d.unsupported) return "unsupported " + d.unsupported_why;
  if (d.error) return "error " + d.error->message;
  return decode_save_text(encode_all(d), d.family, d.ip);
}

bool contains_run(const std::vector<std::string>& hay, const std::vector<std::string>& needle) {
  if (needle.empty()) return true;
  for (std::size_t i = 0; i + needle.size() <= hay.size(); ++i) {
    bool ok = true;
    for (std::size_t k = 0; k < needle.size() && ok; ++k) ok = hay[i + k] == needle[k];
    if (ok) return true;
  }
  return false;
}

}  // namespace cx::test
