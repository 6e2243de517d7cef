#include "eval/lint.h"

#include <algorithm>
#include <functional>
#include <map>
#include <set>

#include "cli/print.h"
#include "common/parse.h"
#include "core/tables.h"
#include "ext/extension.h"

namespace cx::eval {

std::string_view finding_kind_name(Finding::Kind k) {
  switch (k) {
    case Finding::Kind::Shadowed:
      return "shadowed";
    case Finding::Kind::Duplicate:
      return "duplicate";
    case Finding::Kind::Redundant:
      return "redundant";
    case Finding::Kind::NeverMatches:
      return "never-matches";
    case Finding::Kind::Unreachable:
      return "unreachable";
    case Finding::Kind::Loop:
      return "loop";
  }
  return "?";
}

namespace {

// ---- the superset test: does every packet that `spec` matches also match `gen`? ----------

bool all_zero(const std::array<std::uint8_t, 16>& m, int bytes) {
  for (int i = 0; i < bytes; ++i)
    if (m[static_cast<std::size_t>(i)]) return false;
  return true;
}

// b's addresses are a subset of a's.
bool addr_contains(const model::Address& a, const model::Address& b, int bytes) {
  for (int i = 0; i < bytes; ++i) {
    auto k = static_cast<std::size_t>(i);
    if ((a.mask[k] & b.mask[k]) != a.mask[k]) return false;
    if ((a.addr[k] & a.mask[k]) != (b.addr[k] & a.mask[k])) return false;
  }
  return true;
}

bool addr_disjoint(const model::Address& a, const model::Address& b, int bytes) {
  for (int i = 0; i < bytes; ++i) {
    auto k = static_cast<std::size_t>(i);
    std::uint8_t both = a.mask[k] & b.mask[k];
    if ((a.addr[k] & both) != (b.addr[k] & both)) return true;
  }
  return false;
}

bool addr_implied(const std::optional<model::Address>& g, bool g_inv,
                  const std::optional<model::Address>& s, bool s_inv, int bytes) {
  if (!g || (!g_inv && all_zero(g->mask, bytes))) return true;
  if (!s) return false;
  if (g_inv && !s_inv) return addr_disjoint(*g, *s, bytes);
  if (g_inv != s_inv) return false;
  return g_inv ? addr_contains(*s, *g, bytes) : addr_contains(*g, *s, bytes);
}

// The names `b` matches are a subset of those `a` matches ("eth+" covers "eth0", "eth1+").
bool iface_covers(const std::string& a, const std::string& b) {
  if (a == b) return true;
  if (a.empty() || a.back() != '+') return false;
  std::string_view prefix(a.data(), a.size() - 1);
  return std::string_view(b).substr(0, prefix.size()) == prefix;
}

bool iface_disjoint(const std::string& a, const std::string& b) {
  return !iface_covers(a, b) && !iface_covers(b, a) && !(a.back() == '+' && b.back() == '+');
}

bool iface_implied(bool g_has, const std::string& g, bool g_inv, bool s_has, const std::string& s,
                   bool s_inv) {
  if (!g_has || g.empty() || (g == "+" && !g_inv)) return true;
  if (!s_has || s.empty() || s == "+") return false;
  if (g_inv && !s_inv) return iface_disjoint(g, s);
  if (g_inv != s_inv) return false;
  return g_inv ? iface_covers(s, g) : iface_covers(g, s);
}

bool stateful(std::string_view name) {
  static constexpr std::string_view kNames[] = {"limit",     "recent", "statistic", "hashlimit",
                                                "connlimit", "quota",  "connbytes", "nfacct"};
  return std::find(std::begin(kNames), std::end(kNames), name) != std::end(kNames);
}

std::string match_text(const ext::Match& m, Family f, const model::IpHeader& ip) {
  std::string s;
  ext::SaveContext sc{f, &ip};
  m.save(s, sc);
  return s;
}

// tcp / udp options as the save text gives them.
struct PortOpts {
  struct Opt {
    bool given = false, inv = false;
    std::uint32_t lo = 0, hi = 0xffff;
  } sport, dport;
  std::string rest;  // flags, options: compared as text
  bool ok = true;
};

PortOpts port_opts(const std::string& text) {
  PortOpts o;
  std::vector<std::string> w;
  for (const std::string& x : split(text, ' '))
    if (!x.empty()) w.push_back(x);
  for (std::size_t i = 0; i < w.size(); ++i) {
    bool inv = false;
    if (w[i] == "!") {
      inv = true;
      if (++i >= w.size()) break;
    }
    if ((w[i] == "--sport" || w[i] == "--dport") && i + 1 < w.size()) {
      PortOpts::Opt& p = w[i] == "--sport" ? o.sport : o.dport;
      const std::string& v = w[++i];
      auto colon = v.find(':');
      auto lo = parse_unsigned(v.substr(0, colon), 65535, 10);
      auto hi = colon == std::string::npos ? lo : parse_unsigned(v.substr(colon + 1), 65535, 10);
      if (!lo || !hi) o.ok = false;
      p.given = true;
      p.inv = inv;
      p.lo = lo.value_or(0);
      p.hi = hi.value_or(0);
    } else {
      o.rest += (inv ? " ! " : " ") + w[i];
    }
  }
  return o;
}

bool port_implied(const PortOpts::Opt& g, const PortOpts::Opt& s) {
  if (!g.given) return true;
  if (!s.given) return !g.inv && g.lo == 0 && g.hi == 0xffff;
  if (g.inv && !s.inv) return s.hi < g.lo || s.lo > g.hi;
  if (g.inv != s.inv) return false;
  return g.inv ? (s.lo <= g.lo && s.hi >= g.hi) : (g.lo <= s.lo && g.hi >= s.hi);
}

bool match_implied(const ext::Match& gm, const model::Rule& s, Family f,
                   const model::IpHeader& gip) {
  std::string_view name = gm.name();
  if (name == "comment") return true;
  if (stateful(name)) return false;
  std::string gt = match_text(gm, f, gip);
  for (const auto& sm : s.matches)
    if (sm->name() == name && match_text(*sm, f, s.ip) == gt) return true;
  if (name == "tcp" || name == "udp") {
    PortOpts g = port_opts(gt);
    if (!g.ok) return false;
    // iptables-nft compares two inverted single ports as one word: leave those alone.
    if (g.sport.inv && g.dport.inv) return false;
    std::uint8_t proto = name == "tcp" ? 6 : 17;
    if (!g.sport.given && !g.dport.given && g.rest.empty())
      return s.ip.proto == proto && !s.ip.inv_proto;
    for (const auto& sm : s.matches) {
      if (sm->name() != name) continue;
      PortOpts so = port_opts(match_text(*sm, f, s.ip));
      if (!so.ok || so.rest != g.rest) continue;
      if (so.sport.inv && so.dport.inv) continue;
      if (port_implied(g.sport, so.sport) && port_implied(g.dport, so.dport)) return true;
    }
  }
  return false;
}

// Every packet `s` matches is matched by `g`.
bool covers(const model::Rule& g, const model::Rule& s, Family f) {
  if (g.incompatible || s.incompatible) return false;
  const int bytes = addr_len(f);
  if (!addr_implied(g.ip.src, g.ip.inv_src, s.ip.src, s.ip.inv_src, bytes)) return false;
  if (!addr_implied(g.ip.dst, g.ip.inv_dst, s.ip.dst, s.ip.inv_dst, bytes)) return false;
  if (!iface_implied(g.ip.has_iniface, g.ip.iniface, g.ip.inv_in, s.ip.has_iniface, s.ip.iniface,
                     s.ip.inv_in))
    return false;
  if (!iface_implied(g.ip.has_outiface, g.ip.outiface, g.ip.inv_out, s.ip.has_outiface,
                     s.ip.outiface, s.ip.inv_out))
    return false;
  if (g.ip.proto != 0 || g.ip.inv_proto) {
    bool same = s.ip.proto == g.ip.proto && s.ip.inv_proto == g.ip.inv_proto;
    bool other = g.ip.inv_proto && !s.ip.inv_proto && s.ip.proto != 0 && s.ip.proto != g.ip.proto;
    if (!same && !other) return false;
  }
  if (g.ip.frag && (s.ip.frag != g.ip.frag || s.ip.inv_frag != g.ip.inv_frag)) return false;
  for (const auto& m : g.matches)
    if (!match_implied(*m, s, f, g.ip)) return false;
  return true;
}

// Does a match of this rule make its verdict end the chain for every packet it matches?
bool ends_chain(const model::Rule& r) {
  switch (r.verdict) {
    case model::VerdictKind::Accept:
    case model::VerdictKind::Drop:
    case model::VerdictKind::Queue:
    case model::VerdictKind::Return:
    case model::VerdictKind::Goto:
      return true;
    case model::VerdictKind::Target: {
      static constexpr std::string_view kEnding[] = {"REJECT",   "DNAT",   "SNAT",   "MASQUERADE",
                                                     "REDIRECT", "NETMAP", "NFQUEUE"};
      std::string_view n = r.target->name();
      return std::find(std::begin(kEnding), std::end(kEnding), n) != std::end(kEnding);
    }
    default:
      return false;
  }
}

std::string verdict_text(const model::Rule& r) {
  switch (r.verdict) {
    case model::VerdictKind::Accept:
      return "ACCEPT";
    case model::VerdictKind::Drop:
      return "DROP";
    case model::VerdictKind::Queue:
      return "QUEUE";
    case model::VerdictKind::Return:
      return "RETURN";
    case model::VerdictKind::Goto:
      return "goto " + r.jump_chain;
    case model::VerdictKind::Jump:
      return "jump " + r.jump_chain;
    case model::VerdictKind::Target:
      return std::string(r.target->name());
    case model::VerdictKind::None:
      return "no verdict";
  }
  return "";
}

// -m mark --mark V/M with a bit of V outside M: meta mark & M never equals V.
bool mark_never_matches(const model::Rule& r, Family f, std::string& why) {
  for (const auto& m : r.matches) {
    if (m->name() != "mark") continue;
    std::string t = match_text(*m, f, r.ip);
    bool inv = t.find("! --mark") != std::string::npos;
    auto pos = t.find("--mark ");
    if (pos == std::string::npos || inv) continue;
    std::string v = t.substr(pos + 7);
    auto slash = v.find('/');
    if (slash == std::string::npos) continue;
    auto val = parse_unsigned(v.substr(0, slash), UINT32_MAX, 0);
    auto mask = parse_unsigned(v.substr(slash + 1), UINT32_MAX, 0);
    if (val && mask && (*val & ~*mask)) {
      why = "--mark " + v +
            ": bits of the value are outside the mask, so the masked mark never equals it";
      return true;
    }
  }
  return false;
}

}  // namespace

std::vector<Finding> lint(const Ruleset& rs) {
  std::vector<Finding> out;
  const Family f = rs.family;
  for (const model::Table& t : rs.tables) {
    const core::TableSpec* spec = core::find_table(t.name);
    // Rules.
    for (const model::Chain& c : t.chains) {
      const bool builtin = spec && core::find_builtin(*spec, c.name);
      std::set<std::size_t> reported;
      for (std::size_t j = 0; j < c.rules.size(); ++j) {
        const model::Rule& s = c.rules[j];
        Finding fd;
        fd.table = t.name;
        fd.chain = c.name;
        fd.rule = static_cast<int>(j) + 1;
        fd.text = cli::save_rule(s, c.name, f, false);
        std::string why;
        if (mark_never_matches(s, f, why)) {
          fd.kind = Finding::Kind::NeverMatches;
          fd.why = why;
          out.push_back(fd);
          reported.insert(j);
          continue;
        }
        for (std::size_t i = 0; i < j; ++i) {
          const model::Rule& g = c.rules[i];
          if (reported.count(i)) continue;
          bool same = cli::rule_spec(g, f) == cli::rule_spec(s, f);
          if (ends_chain(g) && covers(g, s, f)) {
            fd.kind = Finding::Kind::Shadowed;
            fd.by_rule = static_cast<int>(i) + 1;
            fd.why = "rule " + std::to_string(i + 1) + " (" + cli::save_rule(g, c.name, f, false) +
                     ") matches every packet this rule matches and ends the chain (" +
                     verdict_text(g) + "), so this rule never sees a packet";
            break;
          }
          if (same && !ends_chain(g) && g.verdict != model::VerdictKind::Jump) {
            fd.kind = Finding::Kind::Duplicate;
            fd.by_rule = static_cast<int>(i) + 1;
            fd.why = "the same rule as rule " + std::to_string(i + 1) +
                     ": every packet gets its effect twice";
            break;
          }
        }
        if (fd.by_rule) {
          out.push_back(fd);
          reported.insert(j);
          continue;
        }
        // At the end of the chain, a verdict that the chain gives anyway.
        if (j + 1 == c.rules.size()) {
          if (builtin && c.policy_accept && s.verdict == model::VerdictKind::Accept) {
            fd.kind = Finding::Kind::Redundant;
            fd.why = "the last rule accepts, and so does the chain's policy";
            out.push_back(fd);
          } else if (builtin && !c.policy_accept && s.verdict == model::VerdictKind::Drop) {
            fd.kind = Finding::Kind::Redundant;
            fd.why = "the last rule drops, and so does the chain's policy";
            out.push_back(fd);
          } else if (!builtin && s.verdict == model::VerdictKind::Return) {
            fd.kind = Finding::Kind::Redundant;
            fd.why = "the last rule returns, as the end of the chain does";
            out.push_back(fd);
          }
        }
      }
    }
    // Chains: reachability from the built-in chains and loops.
    std::map<std::string, std::vector<std::pair<std::string, int>>> edges;
    for (const model::Chain& c : t.chains)
      for (std::size_t i = 0; i < c.rules.size(); ++i) {
        const model::Rule& r = c.rules[i];
        if (r.verdict == model::VerdictKind::Jump || r.verdict == model::VerdictKind::Goto)
          edges[c.name].emplace_back(r.jump_chain, static_cast<int>(i) + 1);
      }
    std::set<std::string> reached;
    std::vector<std::string> todo;
    for (const model::Chain& c : t.chains)
      if (spec && core::find_builtin(*spec, c.name)) todo.push_back(c.name);
    while (!todo.empty()) {
      std::string n = todo.back();
      todo.pop_back();
      if (!reached.insert(n).second) continue;
      for (const auto& e : edges[n]) todo.push_back(e.first);
    }
    for (const model::Chain& c : t.chains) {
      if (reached.count(c.name) || (spec && core::find_builtin(*spec, c.name))) continue;
      Finding fd;
      fd.kind = Finding::Kind::Unreachable;
      fd.table = t.name;
      fd.chain = c.name;
      fd.text = "-N " + c.name;
      bool referenced = false;
      for (const auto& [from, list] : edges)
        for (const auto& e : list) referenced = referenced || e.first == c.name;
      fd.why = referenced ? "only chains that are never entered jump to it"
                          : "no rule jumps or goes to it";
      out.push_back(fd);
    }
    // Loops: depth-first search, each cycle reported once (at its first chain by name).
    std::map<std::string, int> state;  // 0 new, 1 on the stack, 2 done
    std::vector<std::pair<std::string, int>> path;
    std::set<std::string> loops_seen;
    std::function<void(const std::string&)> dfs = [&](const std::string& n) {
      state[n] = 1;
      for (const auto& e : edges[n]) {
        path.emplace_back(n, e.second);
        if (state[e.first] == 1) {
          auto it = std::find_if(path.begin(), path.end(),
                                 [&](const auto& p) { return p.first == e.first; });
          std::string text, key;
          std::vector<std::string> names;
          for (auto p = it; p != path.end(); ++p) {
            text += p->first + " (rule " + std::to_string(p->second) + ") -> ";
            names.push_back(p->first);
          }
          text += e.first;
          std::sort(names.begin(), names.end());
          for (const auto& x : names) key += x + ",";
          if (loops_seen.insert(key).second) {
            Finding fd;
            fd.kind = Finding::Kind::Loop;
            fd.table = t.name;
            fd.chain = e.first;
            fd.rule = it->second;
            fd.text = text;
            fd.why = "jumps lead back to chain " + e.first +
                     ": the kernel refuses to load a ruleset with a loop";
            out.push_back(fd);
          }
        } else if (state[e.first] == 0) {
          dfs(e.first);
        }
        path.pop_back();
      }
      state[n] = 2;
    };
    for (const model::Chain& c : t.chains)
      if (state[c.name] == 0) dfs(c.name);
  }
  return out;
}

std::string format_findings(const std::vector<Finding>& findings) {
  std::string out;
  for (const Finding& f : findings) {
    out += f.table + " " + f.chain;
    if (f.rule && f.kind != Finding::Kind::Loop) out += " rule " + std::to_string(f.rule);
    out += ": " + std::string(finding_kind_name(f.kind)) + "\n";
    out += "    " + f.text + "\n";
    out += "    " + f.why + "\n";
  }
  return out;
}

}  // namespace cx::eval
