#include "core/session.h"

#include <errno.h>

#include <algorithm>
#include <cstring>

#include "cli/print.h"
#include "codec/rule_codec.h"
#include "compile/edit.h"
#include "compile/expand.h"
#include "compile/guard.h"
#include "compile/userdata.h"
#include "core/tables.h"
#include "ext/extension.h"

namespace cx::core {

namespace {

using cli::Command;
using nft::Message;
using nft::MsgType;

Error plain(std::string msg) {
  return Error{ErrorKind::Other, std::move(msg), ErrorStyle::Plain, 0};
}
Error no_chain() { return plain("No chain/target/match by that name."); }
Error bad_rule() { return plain("Bad rule (does a matching rule exist in that chain?)."); }

constexpr int kErestart = 85;  // ERESTART: the batch's generation id is stale

// The chain object as iptables-nft keeps it in its cache: no handle, no counters.
nft::ChainObj cached_chain(const nft::ChainObj& c) {
  nft::ChainObj o = c;
  o.handle.reset();
  o.counters.reset();
  return o;
}

}  // namespace

Message rule_msg(MsgType type, std::uint16_t flags, nft::RuleObj rule, std::string op) {
  Message m;
  m.type = type;
  m.flags = flags;
  m.op_name = std::move(op);
  m.object_text = "rule in chain " + rule.chain;
  m.rule = std::move(rule);
  return m;
}

Message chain_msg(MsgType type, std::uint16_t flags, nft::ChainObj chain, std::string op) {
  Message m;
  m.type = type;
  m.flags = flags;
  m.op_name = std::move(op);
  m.object_text = "chain " + chain.name;
  m.chain = std::move(chain);
  return m;
}

std::optional<Message> chain_zero_rule_msg(const nft::RuleObj& kernel_rule) {
  nft::RuleObj o = kernel_rule;
  bool nonzero = false;
  for (auto& e : o.exprs)
    if (e.kind == nft::Expr::Kind::Counter && (e.packets || e.bytes)) {
      e.packets = e.bytes = 0;
      nonzero = true;
    }
  if (!nonzero) return std::nullopt;
  o.position.reset();
  o.compat_proto.reset();
  o.compat_flags.reset();
  // The first "meta l4proto" with a cmp of its register right after gives NFTA_RULE_COMPAT.
  for (std::size_t i = 0; i + 1 < o.exprs.size(); ++i) {
    const nft::Expr& m = o.exprs[i];
    const nft::Expr& c = o.exprs[i + 1];
    if (m.kind != nft::Expr::Kind::Meta || m.key != nft::kMetaL4proto) continue;
    if (c.kind != nft::Expr::Kind::Cmp || c.sreg != m.dreg) continue;
    o.compat_proto = c.data.empty() ? 0u : c.data[0];
    o.compat_flags = c.op == nft::kNeq ? 2u : 0u;
    break;
  }
  return rule_msg(MsgType::NewRule, nft::kNlmRequest | nft::kNlmReplace | nft::kNlmCreate,
                  std::move(o), "RULE_REPLACE");
}

Message zeroed_rule_msg(const nft::RuleObj& kernel_rule, Family family) {
  nft::RuleObj o = kernel_rule;
  o.position.reset();
  for (auto& e : o.exprs)
    if (e.kind == nft::Expr::Kind::Counter) e.packets = e.bytes = 0;
  // The kernel does not report NFTA_RULE_COMPAT; iptables-nft rebuilds the rule from what it
  // decoded, so the replacement carries the rule's -p (xt matches such as multiport check it).
  model::Rule decoded = codec::decode_rule(o.exprs, family);
  o.compat_proto = decoded.ip.proto;
  o.compat_flags = decoded.ip.inv_proto ? 2u : 0u;
  return rule_msg(MsgType::NewRule, nft::kNlmRequest | nft::kNlmReplace | nft::kNlmCreate,
                  std::move(o), "RULE_REPLACE");
}

bool same_expressions(const std::vector<nft::Expr>& a, const std::vector<nft::Expr>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].kind == nft::Expr::Kind::Counter && b[i].kind == nft::Expr::Kind::Counter) continue;
    if (a[i].kind == nft::Expr::Kind::Bitwise && b[i].kind == nft::Expr::Kind::Bitwise) {
      nft::Expr x = a[i], y = b[i];
      x.bitwise_op.reset();
      y.bitwise_op.reset();
      if (!(x == y)) return false;
      continue;
    }
    if (!(a[i] == b[i])) return false;
  }
  return true;
}

bool is_foreign_base_chain(const TableSpec& spec, const nft::ChainObj& c) {
  return c.hooknum && !is_iptables_base_chain(spec, c);
}

Error incompatible_error(const std::string& table, const std::string& chain) {
  return Error{ErrorKind::Other,
               (chain.empty() ? "" : "chain `" + chain + "' in ") + "table `" + table +
                   "' is incompatible, use 'nft' tool.",
               ErrorStyle::VersionedOnly, 0};
}

bool is_iptables_base_chain(const TableSpec& spec, const nft::ChainObj& c) {
  const BuiltinChain* bc = find_builtin(spec, c.name);
  return bc && c.hooknum && bc->hooknum == *c.hooknum && bc->priority == c.priority &&
         bc->type == c.type;
}

Message new_table_msg(const std::string& table) {
  Message m;
  m.type = MsgType::NewTable;
  m.flags = nft::kNlmRequest | nft::kNlmCreate;
  m.table = table;
  m.op_name = "TABLE_ADD";
  m.object_text = "table " + table;
  return m;
}

Message new_base_chain_msg(const std::string& table, const std::string& chain,
                           std::uint32_t policy) {
  const TableSpec* ts = find_table(table);
  const BuiltinChain* bc = ts ? find_builtin(*ts, chain) : nullptr;
  nft::ChainObj c;
  c.table = table;
  c.name = chain;
  if (bc) {
    c.hooknum = bc->hooknum;
    c.priority = bc->priority;
    c.type = std::string(bc->type);
  }
  c.policy = policy;
  return chain_msg(MsgType::NewChain, nft::kNlmRequest | nft::kNlmCreate, std::move(c),
                   "CHAIN_ADD");
}

const nft::ChainObj* TableState::find_chain(const std::string& n) const {
  auto it = by_name.find(n);
  return it == by_name.end() ? nullptr : &chains[it->second];
}

void TableState::index_chains() {
  by_name.clear();
  by_name.reserve(chains.size());
  for (std::size_t i = 0; i < chains.size(); ++i) by_name.emplace(chains[i].name, i);
}

Session::Session(Family family, std::string program)
    : family_(family), program_(std::move(program)) {}

Status Session::connect() { return nl_.open(); }

Status Session::refresh() {
  cache_.clear();
  auto g = nl_.genid();
  if (!g) return g.take_error();
  genid_ = *g;
  return {};
}

Result<TableState*> Session::state(const std::string& table) {
  auto it = cache_.find(table);
  if (it != cache_.end()) return &it->second;
  TableState ts;
  ts.name = table;
  auto tables = nl_.dump_tables(family_);
  if (!tables) return tables.take_error();
  for (const auto& t : *tables) ts.exists |= t.name == table;
  return &cache_.emplace(table, std::move(ts)).first->second;
}

Status Session::load_chains(TableState& ts) {
  if (ts.chains_complete) return {};
  ts.chains.clear();
  if (ts.exists) {
    auto chains = nl_.dump_chains(family_, ts.name);
    if (!chains) return chains.take_error();
    for (auto& c : *chains) ts.chains.push_back(std::move(c));
  }
  ts.index_chains();
  ts.chains_complete = true;
  return {};
}

Result<const nft::ChainObj*> Session::chain(TableState& ts, const std::string& name) {
  if (ts.chains_complete || !ts.exists) return ts.find_chain(name);
  if (auto it = ts.looked_up.find(name); it != ts.looked_up.end())
    return it->second ? ts.find_chain(name) : nullptr;
  auto c = nl_.get_chain(family_, ts.name, name);
  if (!c) return c.take_error();
  ts.looked_up[name] = c->has_value();
  if (!c->has_value()) return nullptr;
  ts.chains.push_back(std::move(**c));
  ts.by_name.emplace(name, ts.chains.size() - 1);
  return &ts.chains.back();
}

Status Session::load_rules(TableState& ts, const std::string& chain_name) {
  if (ts.all_rules_loaded || ts.rules.count(chain_name)) return {};
  auto kc = chain(ts, chain_name);
  if (!kc) return kc.take_error();
  const std::string& chain = chain_name;
  if (!ts.exists || !*kc) {
    ts.rules[chain];
    return {};
  }
  auto rules = nl_.dump_rules(family_, ts.name, chain);
  if (!rules) return rules.take_error();
  if (std::any_of(rules->begin(), rules->end(), compile::is_compiled_rule)) {
    compile::Expander ex(nl_, family_, ts.name);
    auto plain = compile::expand_chain(ex, std::move(*rules));
    if (!plain) return plain.take_error();
    ts.rules[chain] = std::move(*plain);
    return {};
  }
  ts.rules[chain] = std::move(*rules);
  return {};
}

Result<Session::RuleAt> Session::rule_at(TableState& ts, const std::string& chain_name,
                                         std::size_t index) {
  RuleAt out;
  if (ts.all_rules_loaded || ts.rules.count(chain_name)) {
    const auto& rules = ts.rules[chain_name];
    if (index < rules.size()) out.rule = rules[index];
    out.count = rules.size();
    return out;
  }
  auto kc = chain(ts, chain_name);
  if (!kc) return kc.take_error();
  if (!ts.exists || !*kc) return out;
  std::size_t seen = 0;
  CX_TRY(nl_.for_each_rule_until(
      family_, ts.name, chain_name,
      [&](nft::RuleObj&& r) {
        if (seen++ < index) return true;
        out.rule = std::move(r);
        return false;
      },
      [&] {
        seen = 0;
        out.rule.reset();
      }));
  out.count = seen;
  return out;
}

Status Session::load_all_rules(TableState& ts) {
  if (ts.all_rules_loaded) return {};
  CX_TRY(load_chains(ts));
  ts.rules.clear();
  // One dump per chain, as iptables-nft does: the kernel resumes a dump by walking the
  // rules it already sent, so one dump of a whole large table costs quadratic time.
  for (const auto& ch : ts.chains) {
    auto rules = nl_.dump_rules(family_, ts.name, ch.name);
    if (!rules) return rules.take_error();
    ts.rules[ch.name] = std::move(*rules);
  }
  ts.all_rules_loaded = true;
  return {};
}

Result<std::vector<std::string>> Session::existing_tables() {
  auto tables = nl_.dump_tables(family_);
  if (!tables) return tables.take_error();
  std::vector<std::string> out;
  for (std::string_view name : save_order())
    for (const auto& t : *tables)
      if (t.name == name) out.emplace_back(name);
  return out;
}

namespace {

// "(N references)" as iptables-nft computes it: the chain's use count (the kernel counts
// each rule in the chain and each jump to it) less its rules, read as a signed int; a chain
// the kernel did not report (made by a restore batch) has a use count of 0.
std::int64_t references(const model::Chain& c) {
  return static_cast<std::int32_t>(c.use - static_cast<std::uint32_t>(c.rules.size()));
}

unsigned list_format(const Command& cmd) {
  unsigned fmt = 0;
  if (cmd.numeric) fmt |= cli::kFmtNumeric;
  if (cmd.verbose) fmt |= cli::kFmtVerbose;
  if (cmd.exact) fmt |= cli::kFmtExact;
  if (cmd.line_numbers) fmt |= cli::kFmtLineNumbers;
  return fmt;
}

}  // namespace

Status check_listable(const model::Table& t, const std::string& chain, std::string& out) {
  bool incompatible = false;
  if (chain.empty()) {
    incompatible = t.incompatible();
  } else {
    const model::Chain* c = t.find(chain);
    incompatible = !c || c->incompatible;
  }
  if (incompatible) return incompatible_error(t.name, chain);
  // With a chain named, iptables-nft reads that chain and the table's built-in chain names
  // only: a foreign base chain under another name does not taint the listing.
  bool tainted = t.tainted();
  if (!chain.empty()) {
    const TableSpec* spec = find_table(t.name);
    tainted = std::any_of(
        t.foreign_base_chains.begin(), t.foreign_base_chains.end(),
        [&](const std::string& f) { return f == chain || (spec && find_builtin(*spec, f)); });
  }
  if (tainted)
    out += "# Table `" + t.name +
           "' contains incompatible base-chains, use 'nft' tool to list them.\n";
  return {};
}

Status list_table(const model::Table& table, const cli::Command& cmd, Family family,
                  std::string& out) {
  CX_TRY(check_listable(table, cmd.chain, out));
  const unsigned c = cmd.command;
  // A chain named: the first of that name (a built-in chain before a regular nft chain
  // named like it, as iptables-nft finds it).
  const model::Chain* named = cmd.chain.empty() ? nullptr : table.find(cmd.chain);
  // The rule iptables-nft would stop at (it reads and prints rule by rule): what precedes
  // it is printed, then the error.
  const model::Rule* unreadable = nullptr;
  for (const model::Chain& ch : table.chains) {
    if (unreadable || (!cmd.chain.empty() && &ch != named)) continue;
    for (std::size_t i = 0; i < ch.rules.size() && !unreadable; ++i)
      if (ch.rules[i].incompatible &&
          (!cmd.rulenum || i + 1 == static_cast<std::size_t>(cmd.rulenum)))
        unreadable = &ch.rules[i];
  }
  // Room for the whole listing at once (about 120 bytes a rule): growing a string of
  // megabytes by doubling copies it again and again.
  std::size_t rules = 0;
  for (const model::Chain& ch : table.chains)
    if (cmd.chain.empty() || &ch == named) rules += ch.rules.size() + 3;
  out.reserve(out.size() + rules * 120);
  bool first = true;
  for (const model::Chain& ch : table.chains) {
    if (!cmd.chain.empty() && &ch != named) continue;
    if (!(c & cli::kCmdListRules) && unreadable && !ch.rules.empty() &&
        unreadable >= ch.rules.data() && unreadable < ch.rules.data() + ch.rules.size()) {
      model::Chain head = ch;  // the chain up to the rule that cannot be read
      head.rules.resize(static_cast<std::size_t>(unreadable - ch.rules.data()));
      unsigned fmt = list_format(cmd);
      if (!first && !cmd.rulenum) out += "\n";
      out += cli::list_chain(head, family, fmt, references(ch), cmd.rulenum);
      return codec::lift_error(*unreadable, cmd.program);
    }
    if (c & cli::kCmdListRules) {
      if (!cmd.rulenum) {
        if (ch.builtin) {
          out += "-P " + ch.name + (ch.policy_accept ? " ACCEPT" : " DROP");
          if (cmd.verbose)
            out += " -c " + std::to_string(ch.policy_counters.packets) + " " +
                   std::to_string(ch.policy_counters.bytes);
          out += "\n";
        } else {
          out += "-N " + ch.name + "\n";
        }
      }
    } else {
      unsigned fmt = list_format(cmd);
      if (!first && !cmd.rulenum) out += "\n";
      out += cli::list_chain(ch, family, fmt, references(ch), cmd.rulenum);
    }
    first = false;
  }
  if (c & cli::kCmdListRules) {
    // Rules follow all the chain lines, chain by chain.
    for (const model::Chain& ch : table.chains) {
      if (!cmd.chain.empty() && &ch != named) continue;
      int n = 0;
      for (const model::Rule& r : ch.rules) {
        ++n;
        if (cmd.rulenum && n != cmd.rulenum) continue;
        if (&r == unreadable) return codec::lift_error(r, cmd.program);
        out += cli::save_rule(r, ch.name, family, cmd.verbose) + "\n";
      }
    }
  }
  return {};
}

namespace {

using Expanded = std::vector<std::pair<std::uint32_t, model::Rule>>;  // (order key, rule)

// A reordered chain (compile/reorder.h): its own rules (their order keys in `own_keys`) and
// the expanded ones, by order key.
std::vector<model::Rule> by_order_key(std::vector<model::Rule>& own,
                                      std::vector<Expanded>& expanded, std::size_t total,
                                      const std::vector<std::uint32_t>& own_keys) {
  Expanded keyed;
  keyed.reserve(total);
  for (std::size_t k = 0; k < own.size(); ++k)
    keyed.emplace_back(k < own_keys.size() ? own_keys[k] : 0, std::move(own[k]));
  for (auto& plain : expanded)
    for (auto& p : plain) keyed.push_back(std::move(p));
  return compile::in_key_order(std::move(keyed));
}

// Otherwise each lookup's rules at the place it stands at (counted in the chain's own rules),
// in one pass into a new vector: inserting each lookup's rules into the chain's vector moved
// every later rule once per lookup.
std::vector<model::Rule> in_place(std::vector<model::Rule>& own,
                                  const std::vector<std::pair<std::size_t, nft::RuleObj>>& compiled,
                                  std::vector<Expanded>& expanded, std::size_t total) {
  std::vector<model::Rule> rules;
  rules.reserve(total);
  std::size_t next = 0;  // the next lookup (in chain order, by the place it stands at)
  for (std::size_t k = 0; k <= own.size(); ++k) {
    for (; next < compiled.size() && compiled[next].first == k; ++next)
      for (auto& p : expanded[next]) rules.push_back(std::move(p.second));
    if (k < own.size()) rules.push_back(std::move(own[k]));
  }
  return rules;
}

// The chain's rules with the rules each compiled lookup rule stands for put in.
Status insert_expanded(compile::Expander& ex, model::Chain& mc,
                       const std::vector<std::pair<std::size_t, nft::RuleObj>>& compiled,
                       const std::vector<std::uint32_t>& own_keys) {
  std::vector<Expanded> expanded;
  expanded.reserve(compiled.size());
  std::size_t total = mc.rules.size();
  for (const auto& c : compiled) {
    auto plain = ex.expand_rules(c.second);
    if (!plain) return plain.take_error();
    total += plain->size();
    expanded.push_back(std::move(*plain));
  }
  const bool reordered = !own_keys.empty() ||
                         std::any_of(compiled.begin(), compiled.end(),
                                     [](const auto& c) { return compile::is_reordered(c.second); });
  mc.rules = reordered ? by_order_key(mc.rules, expanded, total, own_keys)
                       : in_place(mc.rules, compiled, expanded, total);
  return {};
}

}  // namespace

Result<model::Table> Session::read_table(const std::string& table, bool for_save) {
  auto tsr = state(table);
  if (!tsr) return tsr.take_error();
  TableState& ts = **tsr;
  CX_TRY(load_chains(ts));
  model::Table t;
  t.name = table;
  const TableSpec* spec = find_table(table);
  // A base chain iptables would not make: another name, hook, priority or type than the
  // table's built-in chain of that name (iptables-nft keeps such chains out of its cache).
  auto foreign = [&](const nft::ChainObj& kc) {
    return spec ? is_foreign_base_chain(*spec, kc) : kc.hooknum.has_value();
  };
  // Chain by chain: the kernel's expressions of one chain at a time are kept while they are
  // decoded, so memory follows the largest chain, not the whole table. (One dump of the whole
  // table is no faster: the kernel walks the table from its start again for every message
  // buffer of a dump, which is quadratic in the table's rules: 9 s for cp 100k.)
  struct ChainRules {
    std::vector<model::Rule> rules;
    bool incompatible = false;
    // A compiled chain's lookup rules, with the position they stand at: expanded once the
    // chain's dump is over (reading their sets needs the socket the dump is using).
    std::vector<std::pair<std::size_t, nft::RuleObj>> compiled;
    std::vector<std::uint32_t> own_keys;  // a reordered chain's own rules' order keys
  };
  auto add = [&](ChainRules& c, const nft::RuleObj& r) {
    if (compile::is_compiled_rule(r)) {
      c.compiled.emplace_back(c.rules.size(), r);
      return;
    }
    // A chain holding what iptables-nft does not list is not listed; its rules are not read.
    if (c.incompatible || !codec::listable(r.exprs)) {
      c.incompatible = true;
      c.rules.clear();
      return;
    }
    model::Rule rule = codec::decode_rule(r.exprs, family_, r.userdata);
    rule.handle = r.handle.value_or(0);
    if (auto key = compile::read_order_key(r)) {
      c.own_keys.resize(c.rules.size());
      c.own_keys.push_back(*key);
    }
    c.rules.push_back(std::move(rule));
  };
  Status status;
  compile::Expander expander(nl_, family_, table);
  expander.texts_only(for_save);
  auto fill_rules = [&](model::Chain& mc) {
    if (!status) return;
    ChainRules c;
    if (auto it = ts.rules.find(mc.name); it != ts.rules.end()) {
      for (const auto& r : it->second) add(c, r);
      ts.rules.erase(it);
    } else if (ts.exists && ts.find_chain(mc.name) && !foreign(*ts.find_chain(mc.name))) {
      status = nl_.for_each_rule(
          family_, ts.name, mc.name, [&](nft::RuleObj&& r) { add(c, r); },
          [&] { c = ChainRules{}; });
    }
    mc.rules = std::move(c.rules);
    mc.incompatible = c.incompatible;
    if (!mc.incompatible && !c.compiled.empty())
      status = insert_expanded(expander, mc, c.compiled, c.own_keys);
  };
  if (spec) {
    for (const auto& bc : spec->chains) {
      model::Chain mc;
      mc.name = std::string(bc.name);
      mc.builtin = true;
      const nft::ChainObj* kc = ts.find_chain(mc.name);
      // A foreign base chain, or a regular chain of that name (listed with the user chains):
      // the built-in chain is listed as if absent, as iptables-nft does.
      if (kc && !is_iptables_base_chain(*spec, *kc)) kc = nullptr;
      if (kc) {
        mc.policy_accept = kc->policy.value_or(1) == 1;
        if (kc->counters) mc.policy_counters = {kc->counters->first, kc->counters->second};
        mc.handle = kc->handle.value_or(0);
        mc.use = kc->use.value_or(0);
        fill_rules(mc);
      }
      t.chains.push_back(std::move(mc));
    }
  }
  std::vector<const nft::ChainObj*> users;
  for (const auto& kc : ts.chains) {
    if (!kc.hooknum)
      users.push_back(&kc);
    else if (foreign(kc))
      t.foreign_base_chains.push_back(kc.name);
  }
  std::sort(users.begin(), users.end(),
            [](const nft::ChainObj* a, const nft::ChainObj* b) { return a->name < b->name; });
  for (const nft::ChainObj* kc : users) {
    model::Chain mc;
    mc.name = kc->name;
    mc.handle = kc->handle.value_or(0);
    mc.use = kc->use.value_or(0);
    fill_rules(mc);
    t.chains.push_back(std::move(mc));
  }
  ts.all_rules_loaded = false;
  if (!status) return status.take_error();
  if (expander.used()) compile::recount_references(t);
  return t;
}

Status Session::commit(const std::vector<Message>& msgs, bool& restart) {
  nft::Batch batch(family_);
  for (const Message& m : msgs) batch.add(m);
  Status s = commit(batch, restart);
  if (!s && s.error().message.find("(No such file or directory)") != std::string::npos) {
    // iptables-nft probes each xt extension's revision first and warns about a missing one;
    // asking only once the kernel refused keeps the usual path free of the probe.
    std::vector<cli::XtUse> used;
    for (const Message& m : msgs)
      for (const auto& e : m.rule.exprs)
        if ((e.kind == nft::Expr::Kind::Match || e.kind == nft::Expr::Kind::Target) &&
            e.xt_name != "QUEUE")
          used.push_back({e.xt_name, e.xt_rev, e.kind == nft::Expr::Kind::Target});
    warn_missing_extensions(used);
  }
  return s;
}

std::optional<std::string> Session::missing_extension_warning(const cli::XtUse& u) {
  // Some extensions use another revision per family (SNAT: 0 for IPv4, 1 for IPv6); a kernel
  // without the module has none of them.
  for (std::uint32_t r = 0; r <= u.revision + 2; ++r)
    if (nl_.compat_revision_supported(u.kernel_name, r, u.target, family_)) return {};
  return "Warning: Extension " + u.kernel_name + " revision " + std::to_string(u.revision) +
         " not supported, missing kernel module?";
}

void Session::warn_missing_extensions(const std::vector<cli::XtUse>& used) {
  for (const cli::XtUse& u : used) {
    auto w = missing_extension_warning(u);
    if (w && std::find(warnings_.begin(), warnings_.end(), *w) == warnings_.end())
      warnings_.push_back(std::move(*w));
  }
}

Status Session::commit(const nft::Batch& batch, bool& restart) {
  restart = false;
  auto r = nl_.commit(batch, genid_);
  if (!r) return r.take_error();
  if (!*r) return {};
  const nft::CommitError& ce = **r;
  if (ce.err == kErestart) {
    restart = true;
    return {};
  }
  // No refusal could be read: iptables-nft's strerror (a restore adds the line it names).
  if (ce.all.empty() && ce.truncated)
    return Error{ErrorKind::Other, std::string(std::strerror(ENOSPC)) + ".", ErrorStyle::Plain, 0};
  if (ce.index >= batch.size())
    return Error{ErrorKind::Resource, std::strerror(ce.err), ErrorStyle::VersionedOnly, 0};
  auto failed = [&](std::size_t index, int err) {
    return std::string(batch.op_name(index)) + " failed (" + std::strerror(err) +
           "): " + std::string(batch.object_text(index));
  };
  // A command names the first refusal; a restore names each with its line, in batch order,
  // until one without a line ("iptables-restore v1.8.9 (nf_tables): \nline 3: ...").
  const int line = batch.line(ce.index);
  if (line <= 0)
    return Error{ErrorKind::Resource, " " + failed(ce.index, ce.err), ErrorStyle::VersionedOnly, 0};
  // They go into a buffer of 1024 bytes, as iptables-nft's: a piece that does not fit is cut
  // there, and the next one is written over it.
  char text[1024] = {};
  std::size_t used = 0;
  for (const auto& [index, err] : ce.all) {
    if (index >= batch.size()) continue;
    const int l = batch.line(index);
    const std::string piece = l > 0 ? "\nline " + std::to_string(l) + ": " + failed(index, err)
                                    : " " + failed(index, err);
    const std::size_t room = sizeof(text) - used;
    const int len = std::snprintf(text + used, room, "%s", piece.c_str());
    if (len > 0 && static_cast<std::size_t>(len) <= room) used += static_cast<std::size_t>(len);
    if (l <= 0) break;
  }
  return Error{ErrorKind::Resource, text, ErrorStyle::VersionedOnly, line};
}

Status Session::execute(const Command& cmd, std::string& out) {
  if (!find_table(cmd.table))
    return Error{ErrorKind::Version,
                 "table '" + cmd.table + "' does not exist\nPerhaps " + cmd.program +
                     " or your kernel needs to be upgraded.",
                 ErrorStyle::VersionedOnly, 0};
  for (int attempt = 0;; ++attempt) {
    CX_TRY(refresh());
    std::vector<Message> msgs;
    std::string listing;
    if (Status built = build(cmd, msgs, listing); !built) {
      out += listing;  // a listing that stopped at a rule it cannot read: what came before
      return built;
    }
    bool restart = false;
    Status committed = commit(msgs, restart);
    if (restart && attempt < 1000) continue;
    // iptables prints the listing of -L -Z even when zeroing fails. (Moved, not appended:
    // a listing of 50k rules is megabytes.)
    if (out.empty())
      out = std::move(listing);
    else
      out += listing;
    return committed;
  }
}

namespace {

// Rule equality for -C / -D: the same text in save form, as iptables compares parsed rules.
std::string rule_key(const model::Rule& r, Family f) { return cli::rule_spec(r, f); }

}  // namespace

Status Session::build(const Command& cmd, std::vector<Message>& msgs, std::string& out) {
  if (compile::is_write(cmd)) {
    auto tsr = state(cmd.table);
    if (!tsr) return tsr.take_error();
    if ((*tsr)->exists) {
      auto sets = nl_.dump_sets(family_, cmd.table);
      if (!sets) return sets.take_error();
      auto touched = compile::touched(cmd, compile::compiled_of(*sets));
      if (!touched.empty()) return build_compiled(cmd, *sets, touched, msgs, out);
    }
  }
  return build_plain(cmd, msgs, out);
}

Status Session::build_compiled(const Command& cmd, const std::vector<nft::SetObj>& sets,
                               const std::set<std::string>& touched, std::vector<Message>& msgs,
                               std::string& out) {
  auto tsr = state(cmd.table);
  if (!tsr) return tsr.take_error();
  TableState& ts = **tsr;
  // -A: the plain command's rules go after the compiled ones.
  if (cmd.command == cli::kCmdAppend && touched.size() == 1 && touched.count(cmd.chain) &&
      !cmd.verbose) {
    std::vector<Message> plain;
    CX_TRY(build_plain(cmd, plain, out));
    auto ordered = compile::order_appended(nl_, family_, cmd.table, cmd.chain, plain);
    if (!ordered) return ordered.take_error();
    if (*ordered) {
      for (auto& m : plain) msgs.push_back(std::move(m));
      return {};
    }
    out.clear();
  }
  if ((cmd.command == cli::kCmdInsert || cmd.command == cli::kCmdDelete) && cmd.rules.size() == 1) {
    ext::RuleContext ctx;
    ctx.family = family_;
    ctx.table = cmd.table;
    ctx.program = program_;
    ctx.ip = &cmd.rules.front().ip;
    if (auto encoded = codec::rule_object(cmd.rules.front(), ctx, cmd.chain)) {
      auto took = compile::element_edit(nl_, {cmd, family_, sets, *encoded}, msgs);
      if (!took) return took.take_error();
      if (*took) return {};
    }
  }
  // -Z and commands on every chain read all rules first (load_all_rules() would drop the
  // views below).
  if (cmd.chain.empty() || (cmd.command & cli::kCmdZero)) CX_TRY(load_all_rules(ts));
  compile::Recompile rc{cmd.table, family_, {}, sets, std::nullopt};
  if (cmd.command & cli::kCmdRenameChain) rc.rename = std::make_pair(cmd.chain, cmd.new_name);
  std::uint64_t next_handle = compile::kViewHandleBase;
  for (const auto& chain : touched) {
    auto view = compile::chain_view(nl_, family_, cmd.table, chain, next_handle);
    if (!view) return view.take_error();
    ts.rules[chain] = *view;
    rc.views[chain] = std::move(*view);
  }
  std::vector<Message> plain;
  CX_TRY(build_plain(cmd, plain, out));
  auto all = compile::recompile(rc, std::move(plain));
  if (!all) return all.take_error();
  for (auto& m : *all) msgs.push_back(std::move(m));
  return {};
}

Status Session::build_plain(const Command& cmd, std::vector<Message>& msgs, std::string& out) {
  const TableSpec& spec = *find_table(cmd.table);
  auto tsr = state(cmd.table);
  if (!tsr) return tsr.take_error();
  TableState& ts = **tsr;
  const unsigned c = cmd.command;
  // Commands over every chain read the whole chain list; the others look up what they name.
  if ((c & (cli::kCmdList | cli::kCmdListRules | cli::kCmdZero)) ||
      (cmd.chain.empty() && (c & (cli::kCmdFlush | cli::kCmdDeleteChain))))
    CX_TRY(load_chains(ts));
  const BuiltinChain* builtin = find_builtin(spec, cmd.chain);
  const nft::ChainObj* kchain = nullptr;
  if (!cmd.chain.empty()) {
    auto kc = chain(ts, cmd.chain);
    if (!kc) return kc.take_error();
    kchain = *kc;
    // A base chain iptables would not make (another hook, priority or type) is not in
    // iptables-nft's cache: the command does not see it.
    // (also one under another name, e.g. a built-in chain renamed with -E).
    if (kchain && is_foreign_base_chain(spec, *kchain)) kchain = nullptr;
  }
  // A regular chain named like a built-in one is a user chain to iptables-nft (-X, -E see it),
  // but the built-in chain is still missing for what needs it.
  const bool base_missing = builtin && (!kchain || !kchain->hooknum);
  ext::RuleContext ctx;
  ctx.family = family_;
  ctx.table = cmd.table;
  ctx.program = program_;

  // Creates what a rule in a base chain needs: the table and the chain, lazily.
  auto ensure_base_chain = [&]() {
    if (!ts.exists) msgs.push_back(new_table_msg(cmd.table));
    if (base_missing) msgs.push_back(new_base_chain_msg(cmd.table, cmd.chain, 1));
  };
  auto chain_usable = [&]() { return builtin || kchain; };
  auto jump_ok = [&](const model::Rule& r) -> Status {
    if (r.verdict != model::VerdictKind::Jump && r.verdict != model::VerdictKind::Goto) return {};
    if (find_builtin(spec, r.jump_chain)) return {};
    auto target = chain(ts, r.jump_chain);
    if (!target) return target.take_error();
    // A base chain of another name (a renamed INPUT) is not in iptables-nft's cache either.
    if (*target && !is_foreign_base_chain(spec, **target)) return {};
    return parameter_error("Chain '" + r.jump_chain + "' does not exist");
  };
  auto encode = [&](const model::Rule& r) -> Result<nft::RuleObj> {
    ctx.ip = &r.ip;
    return codec::rule_object(r, ctx, cmd.chain);
  };
  auto find_rule = [&](const model::Rule& want) -> const nft::RuleObj* {
    // First the expressions we would send, compared as bytes (cheap, no decoding); a rule
    // the kernel or another tool wrote differently is then found by its save form.
    ctx.ip = &want.ip;
    auto want_exprs = codec::encode_rule(want, ctx);
    if (want_exprs) {
      for (const auto& ro : ts.rules[cmd.chain])
        if (same_expressions(ro.exprs, *want_exprs)) return &ro;
    }
    std::string key = rule_key(want, family_);
    for (const auto& ro : ts.rules[cmd.chain]) {
      model::Rule have = codec::decode_rule(ro.exprs, family_, ro.userdata);
      if (!have.incompatible && rule_key(have, family_) == key) return &ro;
    }
    return nullptr;
  };

  // -v: the rule as sent, read back from its expressions; -C and -D say it once found.
  auto say = [&](const model::Rule& r) {
    ctx.ip = &r.ip;
    auto exprs = codec::encode_rule(r, ctx);
    out +=
        cli::verbose_rule(exprs ? codec::read_back(r, *exprs, family_) : model::Rule(r), family_);
  };
  if (cmd.verbose && (c & (cli::kCmdAppend | cli::kCmdInsert | cli::kCmdReplace)))
    for (const auto& r : cmd.rules) say(r);
  if (c &
      (cli::kCmdAppend | cli::kCmdInsert | cli::kCmdReplace | cli::kCmdCheck | cli::kCmdDelete)) {
    for (const auto& r : cmd.rules) CX_TRY(jump_ok(r));
  }

  if (c == cli::kCmdAppend) {
    if (!chain_usable()) return no_chain();
    ensure_base_chain();
    bool first_rule = true;
    for (const auto& r : cmd.rules) {
      auto o = encode(r);
      if (!o) return o.take_error();
      // iptables-nft re-adds the table for each rule until the table is in the kernel.
      if (!first_rule && !ts.exists) msgs.push_back(new_table_msg(cmd.table));
      first_rule = false;
      msgs.push_back(rule_msg(MsgType::NewRule,
                              nft::kNlmRequest | nft::kNlmCreate | nft::kNlmAppend, std::move(*o),
                              "RULE_APPEND"));
    }
    return {};
  }
  if (c == cli::kCmdInsert) {
    if (!chain_usable()) return no_chain();
    std::optional<std::uint64_t> position;
    bool append = false;
    const bool position_wanted = cmd.rulenum > 1;
    if (position_wanted) {
      // Only an insert below the head needs a rule (the one to insert before).
      auto at = rule_at(ts, cmd.chain, static_cast<std::size_t>(cmd.rulenum - 1));
      if (!at) return at.take_error();
      if (at->rule)
        position = at->rule->handle;
      else if (static_cast<std::size_t>(cmd.rulenum - 1) == at->count)
        append = true;
      else
        return plain("Index of insertion too big.");
    }
    ensure_base_chain();
    // Each next rule of a multi-address line goes before the rule now at N, the one just
    // added, which the batch names by its NFTA_RULE_ID: the rules end in reverse order.
    std::optional<std::size_t> previous;
    std::uint32_t next_id = 1;
    for (const auto& r : cmd.rules) {
      auto o = encode(r);
      if (!o) return o.take_error();
      if (previous && !ts.exists) msgs.push_back(new_table_msg(cmd.table));
      if (previous && position_wanted) {
        msgs[*previous].rule.id = next_id;
        o->position_id = next_id++;
        append = false;
      } else {
        o->position = position;
      }
      std::uint16_t flags = nft::kNlmRequest | nft::kNlmCreate | (append ? nft::kNlmAppend : 0);
      previous = msgs.size();
      msgs.push_back(
          rule_msg(MsgType::NewRule, flags, std::move(*o), append ? "RULE_APPEND" : "RULE_INSERT"));
    }
    return {};
  }
  if (c == cli::kCmdCheck || c == cli::kCmdDelete) {
    if (!kchain) return bad_rule();
    std::vector<std::uint64_t> taken;  // a second identical spec must find the next rule
    for (const auto& r : cmd.rules) {
      // Fast path: stream the chain and compare expressions as bytes, keeping only the match
      // (fail2ban deletes one ban from chains of many thousands).
      std::optional<nft::RuleObj> found;
      ctx.ip = &r.ip;
      auto want = codec::encode_rule(r, ctx);
      if (want && !ts.rules.count(cmd.chain)) {
        // The first match in chain order is the one: the rest of the chain is not read.
        CX_TRY(nl_.for_each_rule_until(
            family_, cmd.table, cmd.chain,
            [&](nft::RuleObj&& ro) {
              if (same_expressions(ro.exprs, *want) &&
                  std::find(taken.begin(), taken.end(), ro.handle.value_or(0)) == taken.end()) {
                found = std::move(ro);
                return false;
              }
              return true;
            },
            [&] { found.reset(); }, &*want));
      }
      if (!found) {
        // Slow path: every rule decoded and compared by its save form.
        CX_TRY(load_rules(ts, cmd.chain));
        auto& v = ts.rules[cmd.chain];
        std::erase_if(v, [&](const nft::RuleObj& ro) {
          return std::find(taken.begin(), taken.end(), ro.handle.value_or(0)) != taken.end();
        });
        if (const nft::RuleObj* f = find_rule(r)) found = *f;
      }
      if (!found) return bad_rule();
      if (cmd.verbose) say(r);
      taken.push_back(found->handle.value_or(0));
      if (c == cli::kCmdDelete)
        msgs.push_back(
            rule_msg(MsgType::DelRule, nft::kNlmRequest, std::move(*found), "RULE_DELETE"));
    }
    return {};
  }
  if (c == cli::kCmdDeleteNum || c == cli::kCmdReplace || c == cli::kCmdZeroNum) {
    // iptables-nft looks for the rule to zero in the chain's rule cache: no chain, no rule.
    if (!kchain) return c == cli::kCmdZeroNum ? bad_rule() : no_chain();
    auto at = rule_at(ts, cmd.chain, static_cast<std::size_t>(cmd.rulenum - 1));
    if (!at) return at.take_error();
    if (!at->rule) {
      if (c == cli::kCmdZeroNum) return {};  // iptables-nft quietly zeroes nothing
      return plain(c == cli::kCmdDeleteNum ? "Index of deletion too big."
                                           : "Index of replacement too big.");
    }
    const nft::RuleObj& found = *at->rule;
    auto replace_found = [&](nft::RuleObj o) {
      o.handle = found.handle;
      msgs.push_back(rule_msg(MsgType::NewRule,
                              nft::kNlmRequest | nft::kNlmReplace | nft::kNlmCreate, std::move(o),
                              "RULE_REPLACE"));
    };
    if (c == cli::kCmdDeleteNum) {
      msgs.push_back(rule_msg(MsgType::DelRule, nft::kNlmRequest, found, "RULE_DELETE"));
    } else if (c == cli::kCmdReplace) {
      auto o = encode(cmd.rules.front());
      if (!o) return o.take_error();
      replace_found(std::move(*o));
    } else {
      ensure_base_chain();  // iptables-nft re-adds the rule, making a missing base chain first
      // It rebuilds the rule from what it decoded: a part it does not read (the lone
      // interface load of `-o +`) is gone. A rule it cannot read is refused as the listing
      // refuses it (iptables-nft fails to parse it, or would rebuild a wider rule; sending
      // its expressions again fails where they hold an anonymous set, bound to the rule).
      model::Rule decoded = codec::decode_rule(found.exprs, family_, found.userdata);
      decoded.counters = {};
      if (decoded.incompatible) return codec::lift_error(decoded, cmd.program);
      auto rebuilt = encode(decoded);
      if (!rebuilt) return rebuilt.take_error();
      replace_found(std::move(*rebuilt));
    }
    return {};
  }
  if (c & (cli::kCmdList | cli::kCmdListRules)) {
    if (!cmd.chain.empty() && !builtin && !kchain) return incompatible_error(cmd.table, cmd.chain);
    auto table = read_table(cmd.table);
    if (!table) return table.take_error();
    CX_TRY(list_table(*table, cmd, family_, out));
    if (c & cli::kCmdZeroNum) {  // "-Z CHAIN N -L": the listing, then rule N zeroed
      // A base chain listed as faked (also where a regular chain has its name) has no rule
      // to zero.
      if (!kchain || base_missing) return {};
      cli::Command zero = cmd;
      zero.command = cli::kCmdZeroNum;
      return build_plain(zero, msgs, out);
    }
    if (!(c & cli::kCmdZero)) return {};
  }
  if (c & cli::kCmdZero) {
    // -L lists a base chain the kernel lacks as iptables-nft fakes it, and -Z then zeroes
    // (so makes) it; a plain -Z wants the chain to exist.
    if (!cmd.chain.empty() && !kchain && !(builtin && (c & cli::kCmdList))) return no_chain();
    CX_TRY(load_all_rules(ts));
    // The chains to zero: the one named, or every chain -L shows (base chains that are not in
    // the kernel yet included), or, for a plain -Z, the chains the kernel has.
    // A built-in name stands for the table's base chain of that name only (a foreign base
    // chain or a regular chain of that name is not it); a null chain is one -L fakes.
    auto base_of = [&](const std::string& name) -> const nft::ChainObj* {
      const nft::ChainObj* ch = ts.find_chain(name);
      return ch && is_iptables_base_chain(spec, *ch) ? ch : nullptr;
    };
    std::vector<std::pair<std::string, const nft::ChainObj*>> chains;
    if (!cmd.chain.empty()) {
      // A foreign base chain is null already; -L shows a built-in chain as faked where a
      // regular chain has its name, and that one is zeroed.
      chains.emplace_back(cmd.chain, (c & cli::kCmdList) && base_missing ? nullptr : kchain);
    } else {
      for (const auto& bc : spec.chains) {
        const std::string name(bc.name);
        const nft::ChainObj* ch = base_of(name);
        if ((c & cli::kCmdList) || ch) chains.emplace_back(name, ch);
      }
      std::vector<const nft::ChainObj*> users;
      for (const auto& ch : ts.chains)
        if (!ch.hooknum) users.push_back(&ch);
      std::sort(users.begin(), users.end(),
                [](const nft::ChainObj* a, const nft::ChainObj* b) { return a->name < b->name; });
      for (const nft::ChainObj* ch : users) chains.emplace_back(ch->name, ch);
    }
    for (const auto& [name, ch] : chains) {
      if (cmd.verbose) out += "Zeroing chain `" + name + "'\n";
      if (!ch) {
        Message m = new_base_chain_msg(cmd.table, name, 1);
        m.chain.counters = std::make_pair(0, 0);
        m.op_name = "CHAIN_ZERO";
        msgs.push_back(m);
        continue;
      }
      if (ch->hooknum) {
        nft::ChainObj z = cached_chain(*ch);
        z.counters = std::make_pair(0, 0);
        msgs.push_back(
            chain_msg(MsgType::NewChain, nft::kNlmRequest | nft::kNlmCreate, z, "CHAIN_ZERO"));
      }
      for (const auto& ro : ts.rules[name])
        if (auto m = chain_zero_rule_msg(ro)) msgs.push_back(std::move(*m));
    }
    return {};
  }
  if (c == cli::kCmdFlush) {
    if (cmd.chain.empty() && cmd.verbose) {
      // -v flushes chain by chain, saying so, every base chain made first where missing.
      for (const auto& bc : spec.chains) {
        const std::string name(bc.name);
        // Made unless the name is taken (a regular chain of that name counts; a foreign base
        // chain is not in iptables-nft's cache).
        const nft::ChainObj* have = ts.find_chain(name);
        if (have && !is_foreign_base_chain(spec, *have)) continue;
        if (!ts.exists && msgs.empty()) msgs.push_back(new_table_msg(cmd.table));
        msgs.push_back(new_base_chain_msg(cmd.table, name, 1));
      }
      std::vector<std::string> names;
      for (const auto& bc : spec.chains) {
        const nft::ChainObj* have = ts.find_chain(std::string(bc.name));
        if (!have || have->hooknum) names.emplace_back(bc.name);  // else a user chain
      }
      std::vector<std::string> users;
      for (const auto& ch : ts.chains)
        if (!ch.hooknum) users.push_back(ch.name);
      std::sort(users.begin(), users.end());
      names.insert(names.end(), users.begin(), users.end());
      for (const auto& name : names) {
        out += "Flushing chain `" + name + "'\n";
        nft::RuleObj o;
        o.table = cmd.table;
        o.chain = name;
        msgs.push_back(rule_msg(MsgType::DelRule, nft::kNlmRequest, o, "RULE_FLUSH"));
      }
      return {};
    }
    if (!cmd.chain.empty()) {
      // A base chain the kernel does not have yet is made first (with its table), as
      // iptables-nft makes it, and then flushed.
      if (!kchain && !builtin) return no_chain();
      ensure_base_chain();
      if (cmd.verbose) out += "Flushing chain `" + cmd.chain + "'\n";
      nft::RuleObj o;
      o.table = cmd.table;
      o.chain = cmd.chain;
      msgs.push_back(rule_msg(MsgType::DelRule, nft::kNlmRequest, o, "RULE_FLUSH"));
    } else if (ts.exists) {
      nft::RuleObj o;
      o.table = cmd.table;
      Message m = rule_msg(MsgType::DelRule, nft::kNlmRequest, o, "TABLE_FLUSH");
      m.object_text = "table " + cmd.table;
      msgs.push_back(m);
    }
    return {};
  }
  if (c == cli::kCmdNewChain) {
    if (kchain || builtin) return plain("Chain already exists.");
    if (!ts.exists) msgs.push_back(new_table_msg(cmd.table));
    nft::ChainObj ch;
    ch.table = cmd.table;
    ch.name = cmd.chain;
    msgs.push_back(
        chain_msg(MsgType::NewChain, nft::kNlmRequest | nft::kNlmExcl, ch, "CHAIN_USER_ADD"));
    return {};
  }
  if (c == cli::kCmdDeleteChain) {
    if (!cmd.chain.empty()) {
      if (!kchain) return no_chain();
      // A base chain goes only with policy ACCEPT (iptables-nft does not look at its rules:
      // the kernel refuses a chain that has some).
      if (kchain->hooknum && kchain->policy.value_or(1) != 1) return plain("Directory not empty.");
      if (cmd.verbose && !kchain->hooknum) out += "Deleting chain `" + cmd.chain + "'\n";
      msgs.push_back(chain_msg(MsgType::DelChain, nft::kNlmRequest | nft::kNlmNonrec,
                               cached_chain(*kchain), "CHAIN_DEL"));
      return {};
    }
    // Every chain: the base chains that are empty with policy ACCEPT go too, quietly.
    for (const auto& bc : spec.chains) {
      const nft::ChainObj* ch = ts.find_chain(std::string(bc.name));
      if (!ch || !is_iptables_base_chain(spec, *ch) || ch->policy.value_or(1) != 1) continue;
      CX_TRY(load_rules(ts, ch->name));
      if (!ts.rules[ch->name].empty()) continue;
      msgs.push_back(chain_msg(MsgType::DelChain, nft::kNlmRequest | nft::kNlmNonrec,
                               cached_chain(*ch), "CHAIN_DEL"));
    }
    std::vector<const nft::ChainObj*> users;
    for (const auto& ch : ts.chains)
      if (!ch.hooknum) users.push_back(&ch);
    std::sort(users.begin(), users.end(),
              [](const nft::ChainObj* a, const nft::ChainObj* b) { return a->name < b->name; });
    for (const nft::ChainObj* ch : users) {
      if (cmd.verbose) out += "Deleting chain `" + ch->name + "'\n";
      msgs.push_back(chain_msg(MsgType::DelChain, nft::kNlmRequest | nft::kNlmNonrec,
                               cached_chain(*ch), "CHAIN_DEL"));
    }
    return {};
  }
  if (c == cli::kCmdRenameChain) {
    // The new name is checked first; a base chain is renamed like any other. A base chain of
    // another name (a renamed INPUT) is not in iptables-nft's cache: its name is not taken.
    auto existing = chain(ts, cmd.new_name);
    if (!existing) return existing.take_error();
    if ((*existing && !is_foreign_base_chain(spec, **existing)) || find_builtin(spec, cmd.new_name))
      return plain("File exists.");
    if (!kchain) return no_chain();
    nft::ChainObj ch;
    ch.table = cmd.table;
    ch.name = cmd.new_name;
    ch.handle = kchain->handle;
    msgs.push_back(chain_msg(MsgType::NewChain, nft::kNlmRequest, ch, "CHAIN_RENAME"));
    return {};
  }
  if (c == cli::kCmdSetPolicy) {
    // The policy name is checked before the chain.
    if (cmd.new_name != "ACCEPT" && cmd.new_name != "DROP")
      return plain("Bad policy name. Run `dmesg' for more information.");
    if (!builtin) return plain("Bad built-in chain name.");
    ensure_base_chain();
    Message m = new_base_chain_msg(cmd.table, cmd.chain, cmd.new_name == "ACCEPT" ? 1 : 0);
    m.flags = nft::kNlmRequest;
    m.op_name = "CHAIN_UPDATE";
    // iptables-nft 1.8.9 accepts -c with -P but sends zero counters.
    m.chain.counters = std::make_pair(0, 0);
    msgs.push_back(m);
    return {};
  }
  return {};
}

}  // namespace cx::core
