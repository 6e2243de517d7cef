#include "compile/expand.h"

#include <algorithm>

#include "compile/userdata.h"

namespace cx::compile {

const nft::Expr* lookup_of(const nft::RuleObj& rule) {
  for (auto e = rule.exprs.rbegin(); e != rule.exprs.rend(); ++e)
    if (e->kind == nft::Expr::Kind::Other && e->other_name == "lookup") return &*e;
  return nullptr;
}

namespace {

void set_counter(nft::RuleObj& rule, std::uint64_t packets, std::uint64_t bytes) {
  for (auto& e : rule.exprs)
    if (e.kind == nft::Expr::Kind::Counter) {
      e.packets = packets;
      e.bytes = bytes;
    }
}

}  // namespace

Result<std::map<std::uint32_t, Expander::Original>> Expander::originals(
    const nft::RuleObj& lookup) {
  used_ = true;
  if (is_guard(lookup)) return std::map<std::uint32_t, Original>{};  // stands for no rule
  const nft::Expr* l = lookup_of(lookup);
  if (!l) return other_error("compiled rule in chain " + lookup.chain + " has no lookup");
  auto elems = nl_.dump_set_elems(family_, table_, l->set_name);
  if (!elems) return elems.take_error();
  std::map<std::uint32_t, Original> out;  // by order key: chain order
  for (const auto& e : *elems) {
    if (!e.userdata) continue;  // the end of an interval
    auto tag = read_element_userdata(*e.userdata);
    if (!tag) return other_error("set " + l->set_name + " has an element cxtables did not write");
    Original& o = out[tag->rule];
    if (tag->item == 0) o.text = std::move(tag->text);
    if (e.counter) {
      o.packets += e.counter->first;
      o.bytes += e.counter->second;
    }
  }
  for (const auto& [index, o] : out)
    if (o.text.empty())
      return other_error("set " + l->set_name + " lacks the text of rule " +
                         std::to_string(index + 1));
  return out;
}

Result<std::vector<nft::RuleObj>> Expander::expand(const nft::RuleObj& lookup,
                                                   std::vector<std::uint32_t>* keys) {
  auto originals_ = originals(lookup);
  if (!originals_) return originals_.take_error();
  std::vector<nft::RuleObj> out;
  for (const auto& [index, o] : *originals_) {
    auto r = rule_from_text(o.text, lookup.table, lookup.chain, family_);
    if (!r) return r.take_error();
    set_counter(*r, o.packets, o.bytes);
    r->handle = next_handle_ ? (*next_handle_)++ : lookup.handle;
    out.push_back(std::move(*r));
    if (keys) keys->push_back(index);
  }
  return out;
}

Result<std::vector<std::pair<std::uint32_t, model::Rule>>> Expander::expand_rules(
    const nft::RuleObj& lookup) {
  auto originals_ = originals(lookup);
  if (!originals_) return originals_.take_error();
  std::vector<std::pair<std::uint32_t, model::Rule>> out;
  out.reserve(originals_->size());
  for (auto& [index, o] : *originals_) {
    Result<model::Rule> r = model::Rule{};
    if (texts_only_)
      r->saved_text = o.text;
    else
      r = rule_model_from_text(o.text, lookup.table, lookup.chain, family_);
    if (!r) return r.take_error();
    r->counters = {o.packets, o.bytes};
    r->handle = next_handle_ ? (*next_handle_)++ : lookup.handle.value_or(0);
    o.text = {};
    out.emplace_back(index, std::move(*r));
  }
  return out;
}

bool is_reordered(const nft::RuleObj& kernel_rule) {
  if (read_order_key(kernel_rule)) return true;
  auto run = is_compiled_rule(kernel_rule) ? read_run_info(kernel_rule) : std::nullopt;
  return run && run->reordered;
}

namespace {

// A reordered chain: every rule of it by order key (the chain's own rules without theirs).
Result<std::vector<nft::RuleObj>> expand_sorted(Expander& ex, std::vector<nft::RuleObj> rules) {
  std::vector<std::pair<std::uint32_t, nft::RuleObj>> keyed;
  for (auto& r : rules) {
    if (!is_compiled_rule(r)) {
      const std::uint32_t key = read_order_key(r).value_or(0);
      drop_order_key(r);
      keyed.emplace_back(key, std::move(r));
      continue;
    }
    std::vector<std::uint32_t> keys;
    auto plain = ex.expand(r, &keys);
    if (!plain) return plain.take_error();
    for (std::size_t k = 0; k < plain->size(); ++k)
      keyed.emplace_back(keys[k], std::move((*plain)[k]));
  }
  return in_key_order(std::move(keyed));
}

}  // namespace

Result<std::vector<nft::RuleObj>> expand_chain(Expander& ex, std::vector<nft::RuleObj> rules) {
  if (std::any_of(rules.begin(), rules.end(), is_reordered))
    return expand_sorted(ex, std::move(rules));
  std::vector<nft::RuleObj> out;
  out.reserve(rules.size());
  for (auto& r : rules) {
    if (!is_compiled_rule(r)) {
      out.push_back(std::move(r));
      continue;
    }
    auto plain = ex.expand(r);
    if (!plain) return plain.take_error();
    for (auto& p : *plain) out.push_back(std::move(p));
  }
  return out;
}

std::set<std::string> compiled_of(const std::vector<nft::SetObj>& sets) {
  std::set<std::string> out;
  for (const auto& s : sets)
    if (auto chain = chain_of_set(s.name)) out.insert(*chain);
  return out;
}

Result<std::set<std::string>> compiled_chains(nft::Netlink& nl, Family family,
                                              const std::string& table) {
  auto sets = nl.dump_sets(family, table);
  if (!sets) return sets.take_error();
  return compiled_of(*sets);
}

void recount_references(model::Table& table) {
  std::map<std::string, std::uint32_t> refs;
  for (const auto& c : table.chains)
    for (const auto& r : c.rules)
      if (r.verdict == model::VerdictKind::Jump || r.verdict == model::VerdictKind::Goto)
        ++refs[r.jump_chain];
  for (auto& c : table.chains)
    if (c.use != 0 || !c.builtin) c.use = static_cast<std::uint32_t>(c.rules.size()) + refs[c.name];
}

}  // namespace cx::compile
