// The reverse check of a Plan (see check.h).
#include "compile/check.h"

#include <algorithm>

#include "eval/context.h"
#include "ext/extension.h"

namespace cx::compile {
namespace {

// As the evaluator (src/eval/pipeline.cpp) and the kernel compare -i / -o.
bool iface_ok(const std::string& have, const std::string& want, bool inv) {
  if (want.empty() || want == "+") return true;
  bool m = want.back() == '+' ? have.starts_with(std::string_view(want).substr(0, want.size() - 1))
                              : have == want;
  return m != inv;
}

bool addr_ok(const eval::Addr& a, const model::Address& r, bool inv, Family family) {
  bool m = true;
  for (int i = 0; i < addr_len(family); ++i)
    if ((a[i] & r.mask[i]) != (r.addr[i] & r.mask[i])) m = false;
  return m != inv;
}

bool header_ok(const model::IpHeader& ip, Family family, const Probe& p) {
  if (ip.has_iniface && !iface_ok(p.iniface, ip.iniface, ip.inv_in)) return false;
  if (ip.has_outiface && !iface_ok(p.outiface, ip.outiface, ip.inv_out)) return false;
  if (ip.src && !addr_ok(p.src, *ip.src, ip.inv_src, family)) return false;
  if (ip.dst && !addr_ok(p.dst, *ip.dst, ip.inv_dst, family)) return false;
  if ((ip.proto != 0 || ip.inv_proto) && (p.proto == ip.proto) == ip.inv_proto) return false;
  if (ip.frag && p.fragment == ip.inv_frag) return false;
  return true;
}

eval::Packet to_packet(const Probe& p, Family family) {
  eval::Packet pkt;
  pkt.family = family;
  pkt.iniface = p.iniface;
  pkt.outiface = p.outiface;
  pkt.src = p.src;
  pkt.dst = p.dst;
  pkt.proto = p.proto;
  pkt.sport = p.sport;
  pkt.dport = p.dport;
  pkt.fragment = p.fragment;
  return pkt;
}

// How a rule kept as a rule moves the walk, as its own target says (LOG goes on, REJECT
// drops), so that this walk does not take the planner's word (flow_of) for it; only where
// the target cannot tell from the packet (NAT without a connection) flow_of decides.
Flow rule_flow(const model::Rule& r, const Verdict& v, Family family, const Probe& p) {
  if (r.verdict != model::VerdictKind::Target || !r.target) return flow_of(v);
  eval::Packet pkt = to_packet(p, family);
  eval::Context ctx;
  ctx.family = family;
  switch (r.target->evaluate(pkt, ctx)) {
    case eval::TargetAction::Continue:
      return Flow::Continue;
    case eval::TargetAction::Undecidable:
      return flow_of(v);
    default:
      return Flow::End;
  }
}

// Records a matched rule and applies its verdict; true when the walk ends there.
bool apply(Decision& d, std::size_t rule, const Verdict& v, Flow flow, const Probe& p,
           const Oracle& o) {
  d.hits.push_back(rule);
  if (flow == Flow::Continue || (flow == Flow::Call && o.returns(v.chain, p))) return false;
  d.verdict = v;
  d.rule = rule;
  return true;
}

const Element* lookup(const Segment& s, Family family, const Probe& p) {
  std::vector<Bytes> values;
  for (Field f : s.shape.fields()) {
    auto v = probe_value(p, f, family);
    if (!v) return nullptr;
    values.push_back(std::move(*v));
  }
  for (const Element& e : s.elements)
    if (key_contains(e.key, values)) return &e;
  return nullptr;
}

Error bad(std::string what) { return other_error("compile plan: " + std::move(what)); }

Status check_element(const Segment& s, std::size_t k, const std::vector<model::Rule>& rules,
                     Family family) {
  const Element& e = s.elements[k];
  if (std::find(s.rules.begin(), s.rules.end(), e.rule) == s.rules.end())
    return bad("element of a rule outside its run");
  if (e.key.size() != s.shape.size()) return bad("element key does not fit the shape");
  if (!(e.verdict == verdict_of(rules[e.rule], family))) return bad("element verdict differs");
  if (s.lookup == LookupKind::Set && !(e.verdict == s.verdict)) return bad("set verdict mixed");
  if (s.lookup == LookupKind::VerdictMap && !is_mappable(e.verdict))
    return bad("verdict map holds a verdict it cannot");
  for (std::size_t j = 0; j < k; ++j)
    if (keys_overlap(s.elements[j].key, e.key)) return bad("overlapping elements");
  return {};
}

// Each rule of the run is key-shaped like the run and gave all its elements, in its order.
Status check_run_rules(const Segment& s, const std::vector<model::Rule>& rules, Family family) {
  if (s.comments.size() != s.rules.size()) return bad("comments not one per rule");
  for (std::size_t at = 0; at < s.rules.size(); ++at) {
    const std::size_t r = s.rules[at];
    auto key = rule_key(rules[r], family);
    if (!key || !(key->shape == s.shape) || key->spelling != s.spelling)
      return bad("rule of another shape in a run");
    if (key->comment != s.comments[at]) return bad("comment not kept");
    std::vector<Key> mine;
    for (const Element& e : s.elements)
      if (e.rule == r) mine.push_back(e.key);
    if (mine != key->elements()) return bad("rule without all its elements, in order");
  }
  return {};
}

Status check_lookup(const Segment& s, const std::vector<model::Rule>& rules, Family family,
                    const Options& options) {
  if (s.rules.size() < options.min_run) return bad("lookup run shorter than min_run");
  for (std::size_t k = 0; k < s.elements.size(); ++k) CX_TRY(check_element(s, k, rules, family));
  return check_run_rules(s, rules, family);
}

// Rule `i` kept as a rule: whether it matches (the oracle) and how its verdict moves the walk.
bool apply_rule(Decision& d, const std::vector<model::Rule>& rules, std::size_t i, Family family,
                const Probe& p, const Oracle& o) {
  if (!o.matches(i, p)) return false;
  const Verdict v = verdict_of(rules[i], family);
  return apply(d, i, v, rule_flow(rules[i], v, family, p), p, o);
}

}  // namespace

std::optional<Bytes> probe_value(const Probe& p, Field f, Family family) {
  auto name = [](const std::string& s) {
    Bytes b(field_width(Field::InIface, Family::V4), 0);
    std::copy_n(s.begin(), std::min(s.size(), b.size()), b.begin());
    return b;
  };
  auto port = [](std::uint16_t v) {
    return Bytes{static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v)};
  };
  const auto bytes = static_cast<std::ptrdiff_t>(addr_len(family));
  switch (f) {
    case Field::InIface:
      return name(p.iniface);
    case Field::OutIface:
      return name(p.outiface);
    case Field::Proto:
      return Bytes{p.proto};
    case Field::Src:
      return Bytes(p.src.begin(), p.src.begin() + bytes);
    case Field::Dst:
      return Bytes(p.dst.begin(), p.dst.begin() + bytes);
    case Field::Sport:
      return p.fragment ? std::nullopt : std::optional(port(p.sport));
    case Field::Dport:
      return p.fragment ? std::nullopt : std::optional(port(p.dport));
  }
  return std::nullopt;
}

std::optional<bool> rule_matches(const model::Rule& rule, Family family, const Probe& p) {
  if (rule.incompatible) return std::nullopt;
  if (!header_ok(rule.ip, family, p)) return false;
  const eval::Packet pkt = to_packet(p, family);
  eval::Context ctx;
  ctx.family = family;
  for (const auto& m : rule.matches) {
    eval::Outcome o = m->evaluate(pkt, ctx);
    if (o == eval::Outcome::Undecidable) return std::nullopt;
    if (o == eval::Outcome::NoMatch) return false;
  }
  return true;
}

Decision decide_linear(const std::vector<model::Rule>& rules, Family family, const Probe& p,
                       const Oracle& oracle) {
  Decision d;
  for (std::size_t i = 0; i < rules.size(); ++i)
    if (apply_rule(d, rules, i, family, p, oracle)) break;
  return d;
}

// Lookup segments answer from their elements, with the planner's flow for their verdicts.
Decision decide_plan(const Plan& plan, const std::vector<model::Rule>& rules, const Probe& p,
                     const Oracle& oracle) {
  Decision d;
  for (const Segment& s : plan.segments) {
    if (s.kind == SegmentKind::Lookup) {
      const Element* e = lookup(s, plan.family, p);
      // The lookup rule's shared tests come first: they decide as the rule's own do.
      if (e && !s.residual.empty() && !oracle.matches(e->rule, p)) e = nullptr;
      if (e && apply(d, e->rule, e->verdict, flow_of(e->verdict), p, oracle)) return d;
      continue;
    }
    for (std::size_t i : s.rules)
      if (apply_rule(d, rules, i, plan.family, p, oracle)) return d;
  }
  return d;
}

Status check_plan(const Plan& plan, const std::vector<model::Rule>& rules, const Options& options) {
  std::size_t next = 0;
  for (const Segment& s : plan.segments) {
    for (std::size_t r : s.rules)
      if (r != next++) return bad("rules not each once and in order");
    if (s.kind == SegmentKind::Linear && !s.elements.empty()) return bad("linear with elements");
    if (s.kind == SegmentKind::Lookup) CX_TRY(check_lookup(s, rules, plan.family, options));
  }
  if (next != rules.size()) return bad("rules missing from the plan");
  return {};
}

}  // namespace cx::compile
