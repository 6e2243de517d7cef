#include "compile/edit.h"

#include <algorithm>

#include "cli/print.h"
#include "codec/rule_codec.h"
#include "compile/emit.h"
#include "compile/expand.h"
#include "compile/key.h"
#include "compile/plan.h"
#include "compile/userdata.h"
#include "core/session.h"

namespace cx::compile {

namespace {

using nft::Message;
using nft::MsgType;

const nft::SetObj* lookup_set(const nft::RuleObj& rule, const std::vector<nft::SetObj>& sets) {
  if (const nft::Expr* l = lookup_of(rule))
    for (const auto& s : sets)
      if (s.name == l->set_name) return &s;
  return nullptr;
}

bool is_call(model::VerdictKind k) {
  return k == model::VerdictKind::Jump || k == model::VerdictKind::Goto;
}

// What the command's rule would be as one element of a run.
struct Candidate {
  Segment seg;  // a Lookup segment of the one rule, kind set per run
  std::string text;
  std::uint64_t set_signature = 0, map_signature = 0;
  bool mappable = false;
};

std::optional<Candidate> candidate(const ElementEdit& e) {
  if (e.cmd.rules.size() != 1 || e.cmd.verbose) return std::nullopt;
  const model::Rule& rule = e.cmd.rules.front();
  auto rk = rule_key(rule, e.family);
  if (!rk || rk->comment.size() > kMaxCommentBytes) return std::nullopt;
  auto keys = rk->elements();
  if (keys.size() != 1) return std::nullopt;
  for (const auto& iv : keys.front())
    if (!iv.exact()) return std::nullopt;
  Candidate c;
  const Verdict v = verdict_of(rule, e.family);
  if (is_call(v.kind) || flow_of(v) != Flow::End) return std::nullopt;
  c.text = rule_text(rule, e.family);
  if (!element_userdata(0, 0, c.text)) return std::nullopt;
  auto again = rule_from_text(c.text, e.cmd.table, e.cmd.chain, e.family);
  if (!again || !core::same_expressions(again->exprs, e.encoded.exprs)) return std::nullopt;
  c.seg.kind = SegmentKind::Lookup;
  c.seg.rules = {0};
  c.seg.shape = rk->shape;
  c.seg.spelling = rk->spelling;
  c.seg.verdict = v;
  c.seg.elements = {Element{keys.front(), v, 0}};
  c.set_signature = segment_signature(rk->spelling, LookupKind::Set, v);
  c.map_signature = segment_signature(rk->spelling, LookupKind::VerdictMap, v);
  c.mappable = is_mappable(v);
  return c;
}

// Whether a run (its lookup rule's info and set) can hold the candidate.
bool fits(const Candidate& c, const RunInfo& run, const nft::SetObj& set) {
  if (set.flags & kSetMap) return c.mappable && run.signature == c.map_signature;
  return run.signature == c.set_signature;
}

// Whether the lookup rule's protocol test (proto_precheck) lets the candidate's packets by.
bool passes_precheck(const Candidate& c, const nft::RuleObj& lookup) {
  const auto proto = proto_precheck(lookup);
  return !proto || common_proto(c.seg) == proto;
}

// The candidate's elements for `set`, its order key `order`.
Result<std::vector<nft::SetElemObj>> elements_for(Candidate c, const ElementEdit& e,
                                                  const nft::SetObj& set, std::uint32_t order) {
  c.seg.lookup = (set.flags & kSetMap) ? LookupKind::VerdictMap : LookupKind::Set;
  const std::vector<model::Rule> rules{e.cmd.rules.front()};
  const std::vector<nft::RuleObj> kernel{e.encoded};
  EmitInput in{e.cmd.table, e.cmd.chain, e.family, rules, kernel};
  in.order_base = order;
  return segment_elements(c.seg, in, set.flags & kSetInterval);
}

Message elem_msg(MsgType type, const nft::SetObj& set, std::vector<nft::SetElemObj> elems) {
  Message m;
  m.type = type;
  m.flags = nft::kNlmRequest |
            (type == MsgType::NewSetElem ? nft::kNlmCreate | nft::kNlmExcl : std::uint16_t{0});
  m.op_name = type == MsgType::NewSetElem ? "SETELEM_ADD" : "SETELEM_DEL";
  m.object_text = "set " + set.name;
  m.set.table = set.table;
  m.set.name = set.name;
  m.set.elems = std::move(elems);
  return m;
}

// The lookup rule again with its run's new info (one rule of a short chain replaced).
Message relookup(const nft::RuleObj& lookup, const RunInfo& run, const nft::RuleObj& encoded) {
  nft::RuleObj r = lookup;
  r.position.reset();
  r.id.reset();
  r.position_id.reset();
  r.userdata = lookup_rule_userdata(run);
  r.compat_proto = encoded.compat_proto;
  r.compat_flags = encoded.compat_flags;
  return core::rule_msg(MsgType::NewRule, nft::kNlmRequest | nft::kNlmReplace | nft::kNlmCreate,
                        std::move(r), "RULE_REPLACE");
}

Result<bool> head_insert(nft::Netlink& nl, const ElementEdit& e, const Candidate& c,
                         const std::vector<nft::RuleObj>& kernel, std::vector<Message>& msgs) {
  if (kernel.empty() || !is_compiled_rule(kernel.front())) return false;
  const nft::RuleObj& first = kernel.front();
  auto run = read_run_info(first);
  const nft::SetObj* set = lookup_set(first, e.sets);
  // An interval concatenation (pipapo) is not asked whether a range holds the new key: the
  // general path puts the rule in.
  if (!run || !set || run->lo == 0 || run->reordered || (set->flags & kSetConcat) ||
      !fits(c, *run, *set) || !passes_precheck(c, first))
    return false;
  auto elems = elements_for(c, e, *set, run->lo - 1);
  if (!elems) return false;
  // A key the set has (or, in an interval set, a range around it) overlaps: the general
  // path then ends the run before the new rule.
  auto have = nl.get_set_elem(e.family, e.cmd.table, set->name, elems->front().key);
  if (!have) return have.take_error();
  if (*have) return false;
  RunInfo next = *run;
  ++next.count;
  --next.lo;
  msgs.push_back(elem_msg(MsgType::NewSetElem, *set, std::move(*elems)));
  msgs.push_back(relookup(first, next, e.encoded));
  return true;
}

// -D CHAIN RULE: the first rule equal to it in the chain's order, one of the chain's own rules
// (deleted) or one a lookup holds (its element deleted, the lookup rule's count lowered). In a
// reordered chain that is the equal rule with the lowest order key, else the first one met in
// the kernel's order. Without a candidate the rule cannot be in a lookup (see element_edit).
Result<bool> delete_rule(nft::Netlink& nl, const ElementEdit& e, const Candidate* c,
                         const std::vector<nft::RuleObj>& kernel, std::vector<Message>& msgs) {
  const bool reordered = std::any_of(kernel.begin(), kernel.end(), is_reordered);
  const std::string spec = cli::rule_spec(e.cmd.rules.front(), e.family);
  struct Found {
    std::uint32_t key = 0;
    std::vector<Message> msgs;
  };
  std::optional<Found> best;
  for (const auto& kr : kernel) {
    Found f;
    if (!is_compiled_rule(kr)) {
      bool same = core::same_expressions(kr.exprs, e.encoded.exprs);
      if (!same) {
        model::Rule have = codec::decode_rule(kr.exprs, e.family, kr.userdata);
        same = !have.incompatible && cli::rule_spec(have, e.family) == spec;
      }
      if (!same) continue;
      f.key = read_order_key(kr).value_or(0);
      f.msgs.push_back(core::rule_msg(MsgType::DelRule, nft::kNlmRequest, kr, "RULE_DELETE"));
    } else {
      if (!c) continue;
      auto run = read_run_info(kr);
      const nft::SetObj* set = lookup_set(kr, e.sets);
      if (!run || !set) return false;
      if (!fits(*c, *run, *set)) continue;
      auto elems = elements_for(*c, e, *set, 0);
      if (!elems) return false;
      auto have = nl.get_set_elem(e.family, e.cmd.table, set->name, elems->front().key);
      if (!have) return have.take_error();
      if (!*have || !(*have)->userdata) continue;
      auto tag = read_element_userdata(*(*have)->userdata);
      if (!tag || tag->item != 0 || tag->text != c->text) continue;
      for (auto& x : *elems) {
        x.userdata.reset();
        x.counter.reset();
        x.verdict.reset();
        x.chain.clear();
      }
      RunInfo next = *run;
      if (next.count > 0) --next.count;
      f.key = tag->rule;
      f.msgs.push_back(elem_msg(MsgType::DelSetElem, *set, std::move(*elems)));
      f.msgs.push_back(relookup(kr, next, e.encoded));
    }
    if (!reordered) {
      best = std::move(f);
      break;
    }
    if (!best || f.key < best->key) best = std::move(f);
  }
  if (!best) return false;
  for (auto& m : best->msgs) msgs.push_back(std::move(m));
  return true;
}

// --- the general path --------------------------------------------------------------------

using View = std::vector<nft::RuleObj>;

View::iterator by_handle(View& v, const std::optional<std::uint64_t>& h) {
  return std::find_if(v.begin(), v.end(), [&](const nft::RuleObj& r) { return r.handle == h; });
}

// A rule message of the iptables command applied to the chain's list as the kernel would.
View::iterator by_id(View& v, const std::optional<std::uint32_t>& id) {
  return std::find_if(v.begin(), v.end(), [&](const nft::RuleObj& r) { return id && r.id == id; });
}

Status apply_to_view(View& v, Message&& m) {
  if (m.type == MsgType::DelRule) {
    if (!m.rule.handle && !m.rule.id) {
      v.clear();
      return {};
    }
    auto it = m.rule.handle ? by_handle(v, m.rule.handle) : by_id(v, m.rule.id);
    if (it == v.end()) return other_error("compiled chain " + m.rule.chain + ": no such rule");
    v.erase(it);
    return {};
  }
  if (m.flags & nft::kNlmReplace) {
    auto it = by_handle(v, m.rule.handle);
    if (it == v.end()) return other_error("compiled chain " + m.rule.chain + ": no such rule");
    *it = std::move(m.rule);
    return {};
  }
  const bool append = m.flags & nft::kNlmAppend;
  View::iterator at = append ? v.end() : v.begin();
  if (m.rule.position_id) {
    at = by_id(v, m.rule.position_id);
  } else if (m.rule.position) {
    at = by_handle(v, m.rule.position);
    if (at != v.end() && append) ++at;
  }
  nft::RuleObj r = std::move(m.rule);
  r.position.reset();
  r.position_id.reset();
  r.exprs.shrink_to_fit();  // a restore holds a whole chain of these
  v.insert(at, std::move(r));
  return {};
}

// What a table's sets say of each chain: its anchor's minimum run, its lookup sets, the next
// free set number. Built once per batch (a table may have thousands of chains).
struct ChainSets {
  std::optional<std::size_t> anchored;  // the anchor's minimum run
  std::vector<std::string> names;       // every set of the chain, the anchor included
  std::size_t next_number = 0;
};
using SetIndex = std::map<std::string, ChainSets>;

SetIndex index_sets(const std::vector<nft::SetObj>& sets) {
  SetIndex out;
  for (const auto& s : sets) {
    auto chain = chain_of_set(s.name);
    if (!chain) continue;
    ChainSets& c = out[*chain];
    c.names.push_back(s.name);
    if (auto k = anchor_min_run(s.name)) c.anchored = std::max<std::size_t>(*k, 1);
    if (auto n = set_number(s.name)) c.next_number = std::max(c.next_number, *n + 1);
  }
  return out;
}

// A rule of the list as the plan sees it: a jump to a renamed chain names the new name (its
// text, which listing prints, says so) while the kernel object still names the old one (the
// rename comes last in the batch: a chain is known by its new name only after the commit).
std::pair<model::Rule, nft::RuleObj> final_rule(const Recompile& in, nft::RuleObj ro) {
  model::Rule m = codec::decode_rule(ro.exprs, in.family, ro.userdata);
  ro.handle.reset();
  ro.id.reset();
  if (in.rename && is_call(m.verdict) && m.jump_chain == in.rename->first)
    m.jump_chain = in.rename->second;
  return {std::move(m), std::move(ro)};
}

Result<std::vector<Message>> compile_view(const Recompile& in, const SetIndex& index,
                                          const std::string& chain, View& view,
                                          std::uint32_t& next_id) {
  const std::string name = in.rename && chain == in.rename->first ? in.rename->second : chain;
  static const ChainSets kNone;
  const auto found = index.find(chain);
  const ChainSets& have = found == index.end() ? kNone : found->second;
  std::vector<model::Rule> rules;
  std::vector<nft::RuleObj> kernel;
  rules.reserve(view.size());
  kernel.reserve(view.size());
  for (auto& ro : view) {  // the view is used up
    auto r = final_rule(in, std::move(ro));
    rules.push_back(std::move(r.first));
    kernel.push_back(std::move(r.second));
  }
  View().swap(view);
  Options opt;
  if (have.anchored)
    opt.min_run = *have.anchored;
  else if (auto it = in.min_run.find(chain); it != in.min_run.end())
    opt.min_run = it->second;
  EmitInput ein{in.table, chain, in.family, rules, kernel};
  ein.set_chain = name;
  ein.first_set = have.next_number;
  if (name != chain)
    if (auto other = index.find(name); other != index.end())
      ein.first_set = std::max(ein.first_set, other->second.next_number);
  auto planned = plan_for_emit(rules, kernel, ein, opt);
  if (!planned) return planned.take_error();
  if (!planned->order.empty()) ein.order = &planned->order;
  const Plan& ready = planned->plan;
  Result<std::vector<Message>> out = std::vector<Message>{};
  if (ready.lookup_rules() > 0 || !in.kept) out = emit_chain(ready, ein, next_id);
  if (!out) return out.take_error();
  // After the flush (out[0]): the old sets go (a renamed chain's anchor too), and a chain
  // gets an anchor that has none and is to stay compiled: it has lookups, or is named so.
  std::vector<Message> old;
  for (const auto& set : have.names)
    if (set_number(set) || name != chain) old.push_back(del_set_msg(in.table, set));
  const bool lookups = ready.lookup_rules() > 0;
  const bool anchor = have.anchored ? name != chain : lookups || in.anchor.count(chain);
  if (anchor) old.push_back(anchor_set_msg(in.table, name, opt.min_run, next_id++));
  if (!lookups && in.kept) {
    in.kept->insert(chain);
    return old;
  }
  out->insert(out->begin() + 1, old.begin(), old.end());
  return out;
}

}  // namespace

std::set<std::string> touched(const cli::Command& cmd, const std::set<std::string>& compiled) {
  if (compiled.empty()) return {};
  if ((cmd.command & cli::kCmdRenameChain) || cmd.chain.empty()) return compiled;
  if (compiled.count(cmd.chain)) return {cmd.chain};
  return {};
}

Result<bool> element_edit(nft::Netlink& nl, const ElementEdit& e, std::vector<Message>& msgs) {
  const bool head = e.cmd.command == cli::kCmdInsert && e.cmd.rulenum <= 1;
  if (!head && e.cmd.command != cli::kCmdDelete) return false;
  if (e.cmd.rules.size() != 1 || e.cmd.verbose) return false;
  auto c = candidate(e);
  // A -D of a rule no lookup can hold (a LOG, a rule with other tests) looks at the chain's
  // own rules only; one that could be in a lookup but is no candidate takes the general path.
  if (!c && (head || compilable_key(e.cmd.rules.front(), verdict_of(e.cmd.rules.front(), e.family),
                                    e.family, Options{})))
    return false;
  auto kernel = nl.dump_rules(e.family, e.cmd.table, e.cmd.chain);
  if (!kernel) return kernel.take_error();
  return head ? head_insert(nl, e, *c, *kernel, msgs)
              : delete_rule(nl, e, c ? &*c : nullptr, *kernel, msgs);
}

// For rules appended after a tail guard: the element add that lets their packets by, or, for a
// rule the guard cannot take (no exact value on one of its fields, a match that changes state
// when reached), the guard's deletion and its set's.
std::vector<Message> extend_guard(const nft::RuleObj& guard, Family family,
                                  const std::string& table, const std::string& chain,
                                  const std::vector<Message>& msgs) {
  const nft::Expr* l = lookup_of(guard);
  auto shape = guard_shape(guard, family);
  std::set<nft::Bytes> keys;
  bool fits = l && shape;
  for (const auto& m : msgs) {
    if (!fits || m.type != MsgType::NewRule || m.rule.chain != chain) continue;
    const model::Rule r = codec::decode_rule(m.rule.exprs, family, m.rule.userdata);
    auto more = r.incompatible ? std::nullopt : guard_keys(r, *shape, family);
    fits = more.has_value();
    if (more) keys.insert(more->begin(), more->end());
  }
  std::vector<Message> out;
  if (!fits) {
    out.push_back(core::rule_msg(MsgType::DelRule, nft::kNlmRequest, guard, "RULE_DELETE"));
    if (l) out.push_back(del_set_msg(table, l->set_name));
    return out;
  }
  if (keys.empty()) return out;
  nft::SetObj set;
  set.table = table;
  set.name = l->set_name;
  out.push_back(elem_msg(MsgType::NewSetElem, set, key_elements(keys)));
  out.back().flags = nft::kNlmRequest | nft::kNlmCreate;  // a key the set has is no error
  return out;
}

Result<bool> order_appended(nft::Netlink& nl, Family family, const std::string& table,
                            const std::string& chain, std::vector<Message>& msgs) {
  auto kernel = nl.dump_rules(family, table, chain);
  if (!kernel) return kernel.take_error();
  // A chain with no lookup yet (an anchored one) is compiled again: the new rules may make a run.
  if (std::none_of(kernel->begin(), kernel->end(), is_compiled_rule)) return false;
  // A tail guard must let by the packets the new rules match: their keys go into its set, or
  // it goes (same batch; the chain's next rebuild makes it again).
  std::vector<Message> guards;
  for (const auto& kr : *kernel)
    if (is_guard(kr))
      for (auto& m : extend_guard(kr, family, table, chain, msgs)) guards.push_back(std::move(m));
  msgs.insert(msgs.begin(), std::make_move_iterator(guards.begin()),
              std::make_move_iterator(guards.end()));
  if (std::none_of(kernel->begin(), kernel->end(), is_reordered)) return true;
  std::uint32_t last = kOrderBase;
  for (const auto& kr : *kernel) {
    if (auto key = read_order_key(kr)) last = std::max(last, *key);
    if (auto run = is_compiled_rule(kr) ? read_run_info(kr) : std::nullopt)
      last = std::max(last, run->hi);
  }
  for (auto& m : msgs) {
    if (m.type != MsgType::NewRule || m.rule.chain != chain) continue;
    if (last == UINT32_MAX) return false;
    auto ud = with_order_key(m.rule.userdata, ++last);
    if (!ud) return false;
    m.rule.userdata = std::move(*ud);
  }
  return true;
}

Result<std::vector<nft::RuleObj>> chain_view(nft::Netlink& nl, Family family,
                                             const std::string& table, const std::string& chain,
                                             std::uint64_t& next_view_handle) {
  auto kernel = nl.dump_rules(family, table, chain);
  if (!kernel) return kernel.take_error();
  Expander ex(nl, family, table);
  ex.number_handles(&next_view_handle);
  return expand_chain(ex, std::move(*kernel));
}

Result<std::vector<Message>> recompile(const Recompile& in, std::vector<Message> msgs) {
  std::map<std::string, View> views = in.views;
  std::set<std::string> deleted;
  std::vector<Message> out;
  std::optional<Message> rename;  // last: see final_rule()
  for (auto& m : msgs) {
    if (in.rename && m.type == MsgType::NewChain && m.chain.handle) {
      rename = std::move(m);
      continue;
    }
    const bool rule_msg = m.type == MsgType::NewRule || m.type == MsgType::DelRule;
    if (rule_msg && views.count(m.rule.chain)) {
      CX_TRY(apply_to_view(views[m.rule.chain], std::move(m)));
      continue;
    }
    const bool table_flush = m.type == MsgType::DelRule && m.rule.chain.empty();
    const bool chain_del = m.type == MsgType::DelChain && views.count(m.chain.name);
    const std::string gone = chain_del ? m.chain.name : "";
    out.push_back(std::move(m));
    if (table_flush)
      for (auto& [name, v] : views) v.clear();
    if (!chain_del) continue;
    deleted.insert(gone);
    for (const auto& set : in.sets)
      if (chain_of_set(set.name) == gone) out.push_back(del_set_msg(in.table, set.name));
  }
  for (const auto& name : deleted) views.erase(name);
  Recompile rest{in.table, in.family, std::move(views), in.sets, in.rename, in.min_run, in.anchor};
  rest.next_id = in.next_id;
  auto compiled = compile_views(rest);
  if (!compiled) return compiled.take_error();
  for (auto& m : *compiled) out.push_back(std::move(m));
  if (rename) out.push_back(std::move(*rename));
  return out;
}

Status apply_rule_message(std::vector<nft::RuleObj>& view, nft::Message&& m) {
  return apply_to_view(view, std::move(m));
}

Result<std::vector<Message>> compile_views(Recompile& in) {
  std::vector<Message> out;
  const SetIndex index = index_sets(in.sets);
  for (auto& [chain, view] : in.views) {
    auto chain_msgs = compile_view(in, index, chain, view, in.next_id);
    View().swap(view);
    if (!chain_msgs) return chain_msgs.take_error();
    for (auto& m : *chain_msgs) out.push_back(std::move(m));
  }
  return out;
}

}  // namespace cx::compile
