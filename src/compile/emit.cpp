#include "compile/emit.h"

#include <algorithm>
#include <cstdint>
#include <set>

#include "compile/reorder.h"
#include "compile/userdata.h"
#include "core/session.h"

namespace cx::compile {

namespace {

constexpr std::uint32_t kDataVerdict = 0xffffff00;          // NFT_DATA_VERDICT
constexpr std::uint32_t kElemIntervalEnd = 0x1;             // NFT_SET_ELEM_INTERVAL_END
constexpr std::uint32_t kLookupInvert = 0x1;                // NFT_LOOKUP_F_INV
constexpr std::uint32_t kReg1 = 1, kReg32_00 = 8, kRegVerdict = 0;
constexpr std::size_t kElemsPerMessage = 256;
constexpr std::size_t kMaxKeyBytes = 64;  // NFT_DATA_VALUE_MAXLEN: 16 32-bit registers
constexpr std::size_t kMaxKeyFields = 5;  // nft's concatenated type holds 5 types of 6 bits
// nft's data types, for `nft list` only: ifname, ipv4_addr, ipv6_addr, inet_proto,
// inet_service.
constexpr std::uint32_t kTypeIfname = 41, kTypeIpv4 = 7, kTypeIpv6 = 8, kTypeProto = 12,
                        kTypeService = 13;

// Address: one -s or -d field, exact values or intervals (hash or interval set). Concat: any
// other shape whose values are all exact, each field in whole 32-bit registers (a hash set
// on the concatenation; a single field of another kind is a concatenation of one).
enum class KeyForm { Address, Concat };

KeyForm key_form(const Shape& shape) {
  const auto fields = shape.fields();
  if (fields.size() == 1 && (fields[0] == Field::Src || fields[0] == Field::Dst))
    return KeyForm::Address;
  return KeyForm::Concat;
}

std::size_t padded_width(Field f, Family family) { return (field_width(f, family) + 3) / 4 * 4; }

// A key of one field is that field's bytes (nft's sets of inet_proto hold 1 byte, of
// inet_service 2: nft cannot list a set whose keys are longer than its type); fields of a
// concatenation take whole registers each.
std::size_t key_bytes(const Shape& shape, Family family) {
  if (shape.size() == 1) return field_width(shape.fields()[0], family);
  std::size_t n = 0;
  for (Field f : shape.fields()) n += padded_width(f, family);
  return n;
}

std::uint32_t field_type(Field f, Family family) {
  switch (f) {
    case Field::InIface:
    case Field::OutIface:
      return kTypeIfname;
    case Field::Proto:
      return kTypeProto;
    case Field::Src:
    case Field::Dst:
      return family == Family::V4 ? kTypeIpv4 : kTypeIpv6;
    case Field::Sport:
    case Field::Dport:
      return kTypeService;
  }
  return 0;
}

bool all_exact(const Segment& seg) {
  return std::all_of(seg.elements.begin(), seg.elements.end(), [](const Element& e) {
    return std::all_of(e.key.begin(), e.key.end(), [](const Interval& i) { return i.exact(); });
  });
}

// Ranges, prefixes or wildcards: an interval set (for a concatenation the kernel's pipapo
// set type, Linux 5.6, whose elements hold both ends).
bool needs_interval(const Segment& seg) { return !all_exact(seg); }

// The expressions after the rule's counter: how iptables-nft encodes its verdict or target.
std::vector<nft::Expr> verdict_tail(const nft::RuleObj& rule) {
  auto last = std::find_if(rule.exprs.rbegin(), rule.exprs.rend(),
                           [](const nft::Expr& e) { return e.kind == nft::Expr::Kind::Counter; });
  if (last == rule.exprs.rend()) return {};
  return std::vector<nft::Expr>(last.base(), rule.exprs.end());
}

using Count = std::pair<std::uint64_t, std::uint64_t>;

Count counter_of(const nft::RuleObj& rule) {
  for (const auto& e : rule.exprs)
    if (e.kind == nft::Expr::Kind::Counter) return {e.packets, e.bytes};
  return {0, 0};
}

bool rule_reads_back(std::size_t i, const EmitInput& in) {
  const std::string text = rule_text(in.rules[i], in.family);
  if (!element_userdata(static_cast<std::uint32_t>(i), 0, text)) return false;
  auto again = rule_from_text(text, in.table, in.chain, in.family);
  return again && core::same_expressions(again->exprs, in.kernel[i].exprs);
}

bool spells_multiport(const Segment& seg);

// The expressions of the tests a run's rules share besides their keys (RuleKey::residual),
// as iptables-nft encodes them; nothing when there are none, nullopt when they do not encode.
std::optional<std::vector<nft::Expr>> residual_exprs(const Segment& seg, const EmitInput& in) {
  std::vector<nft::Expr> out;
  if (seg.residual.empty()) return out;
  auto r = rule_from_text(seg.residual.substr(1), in.table, in.chain, in.family);
  if (!r) return std::nullopt;
  for (auto& e : r->exprs)
    if (e.kind != nft::Expr::Kind::Counter) out.push_back(std::move(e));
  return out;
}

bool segment_emittable(const Segment& seg, const EmitInput& in) {
  if (!residual_exprs(seg, in)) return false;
  if (in.family == Family::V6 && spells_multiport(seg)) return false;
  if (key_form(seg.shape) == KeyForm::Concat &&
      (seg.shape.size() > kMaxKeyFields || key_bytes(seg.shape, in.family) > kMaxKeyBytes))
    return false;
  if (seg.lookup == LookupKind::Set && verdict_tail(in.kernel[seg.rules.front()]).empty())
    return false;
  return std::all_of(seg.rules.begin(), seg.rules.end(),
                     [&](std::size_t i) { return rule_reads_back(i, in); });
}

// Big-endian v + 1; false when v is all ones.
bool increment(nft::Bytes& v) {
  for (auto it = v.rbegin(); it != v.rend(); ++it)
    if (++*it != 0) return true;
  return false;
}

// A concatenation's fields each take whole 32-bit registers, zero padded.
nft::Bytes padded(const nft::Bytes& v) {
  nft::Bytes out = v;
  out.resize((v.size() + 3) / 4 * 4, 0);
  return out;
}

// The element's key from the low (or high) end of each field's interval.
nft::Bytes exact_key(const Element& e, KeyForm form, bool high = false) {
  if (form == KeyForm::Address || e.key.size() == 1) return high ? e.key[0].hi : e.key[0].lo;
  nft::Bytes out;
  for (const Interval& i : e.key) {
    const nft::Bytes v = padded(high ? i.hi : i.lo);
    out.insert(out.end(), v.begin(), v.end());
  }
  return out;
}

nft::Expr field_load(Field f, Family family, std::uint32_t reg) {
  const bool v4 = family == Family::V4;
  switch (f) {
    case Field::InIface:
      return nft::Expr::meta_load(nft::kMetaIifname, reg);
    case Field::OutIface:
      return nft::Expr::meta_load(nft::kMetaOifname, reg);
    case Field::Proto:
      return nft::Expr::meta_load(nft::kMetaL4proto, reg);
    case Field::Src:
      return nft::Expr::payload(nft::kNetworkHeader, v4 ? 12 : 8, v4 ? 4 : 16, reg);
    case Field::Dst:
      return nft::Expr::payload(nft::kNetworkHeader, v4 ? 16 : 24, v4 ? 4 : 16, reg);
    case Field::Sport:
      return nft::Expr::payload(nft::kTransportHeader, 0, 2, reg);
    case Field::Dport:
      return nft::Expr::payload(nft::kTransportHeader, 2, 2, reg);
  }
  return {};
}

// Each field into the registers after the one before (the first into reg 1, as nft writes).
std::vector<nft::Expr> key_loads(const Shape& shape, Family family) {
  std::vector<nft::Expr> out;
  std::size_t at = 0;
  for (Field f : shape.fields()) {
    const auto reg = at == 0 ? kReg1 : kReg32_00 + static_cast<std::uint32_t>(at / 4);
    out.push_back(field_load(f, family, reg));
    at += padded_width(f, family);
  }
  return out;
}

nft::SetObj set_object(const Segment& seg, const EmitInput& in, const std::string& name,
                       std::uint32_t id) {
  nft::SetObj s;
  s.table = in.table;
  s.name = name;
  s.id = id;
  s.counter = true;
  if (needs_interval(seg)) {
    s.flags |= kSetInterval;
    if (seg.shape.size() > 1) {
      s.flags |= kSetConcat;
      for (Field f : seg.shape.fields())
        s.concat.push_back(static_cast<std::uint8_t>(field_width(f, in.family)));
    }
  }
  if (seg.lookup == LookupKind::VerdictMap) {
    s.flags |= kSetMap;
    s.data_type = kDataVerdict;
  }
  s.key_len = static_cast<std::uint32_t>(key_bytes(seg.shape, in.family));
  for (Field f : seg.shape.fields()) s.key_type = (s.key_type << 6) | field_type(f, in.family);
  return s;
}

void set_verdict(nft::SetElemObj& e, const Verdict& v) {
  switch (v.kind) {
    case model::VerdictKind::Accept:
      e.verdict = nft::kVerdictAccept;
      break;
    case model::VerdictKind::Drop:
      e.verdict = nft::kVerdictDrop;
      break;
    case model::VerdictKind::Return:
      e.verdict = nft::kVerdictReturn;
      break;
    case model::VerdictKind::Jump:
    case model::VerdictKind::Goto:
      e.verdict = v.kind == model::VerdictKind::Jump ? nft::kVerdictJump : nft::kVerdictGoto;
      e.chain = v.chain;
      break;
    default:
      break;
  }
}

// -m multiport never matches a non-first fragment; a transport-header load of one reads the
// fragment's data (Linux 6.18), so an IPv4 multiport run first checks the fragment offset
// ("ip frag-off & 0x1fff == 0"). An IPv6 one stays Linear (segment_emittable()).
bool spells_multiport(const Segment& seg) {
  return seg.spelling.find("|multiport:") != std::string::npos;
}

std::vector<nft::Expr> first_fragment_only() {
  return {nft::Expr::payload(nft::kNetworkHeader, 6, 2, kReg1),
          nft::Expr::bitwise(2, {0x1f, 0xff}, {0, 0}, kReg1),
          nft::Expr::cmp(nft::kEq, {0, 0}, kReg1)};
}

// A pipapo set's lookup costs time in proportion to its elements (bitmaps of every rule
// scanned per field), a hash set's does not. When every element of an interval
// concatenation gives one field (other than the protocol) exactly, a hash set of that
// field's values goes first: a packet whose value is in none of the run's rules is done with
// one hash probe. Of several such fields, the one with the most values.
struct Prefilter {
  Field field;
  std::set<nft::Bytes> values;
};
constexpr std::size_t kMinPrefilterElements = 16;

std::optional<Prefilter> prefilter(const Segment& seg) {
  if (!needs_interval(seg) || seg.shape.size() < 2 || seg.elements.size() < kMinPrefilterElements)
    return std::nullopt;
  std::optional<Prefilter> best;
  const auto fields = seg.shape.fields();
  for (std::size_t at = 0; at < fields.size(); ++at) {
    if (fields[at] == Field::Proto) continue;
    Prefilter p{fields[at], {}};
    bool exact = true;
    for (const Element& e : seg.elements) {
      if (!e.key[at].exact()) {
        exact = false;
        break;
      }
      p.values.insert(e.key[at].lo);
    }
    if (exact && (!best || p.values.size() > best->values.size())) best = std::move(p);
  }
  return best;
}

// The prefilter's set, named and numbered.
struct PrefilterSet {
  Field field;
  nft::SetObj set;
};

nft::RuleObj lookup_rule(const Segment& seg, const EmitInput& in, const nft::SetObj& set,
                         const PrefilterSet* pre) {
  nft::RuleObj r;
  r.table = in.table;
  r.chain = in.chain;
  if (auto proto = common_proto(seg)) {
    r.exprs.push_back(nft::Expr::meta_load(nft::kMetaL4proto, kReg1));
    r.exprs.push_back(nft::Expr::cmp(nft::kEq, {*proto}, kReg1));
  }
  if (pre) {
    r.exprs.push_back(field_load(pre->field, in.family, kReg1));
    nft::Expr l = nft::Expr::lookup(pre->set.name, kReg1);
    l.set_id = pre->set.id;
    r.exprs.push_back(std::move(l));
  }
  if (spells_multiport(seg))
    for (auto& e : first_fragment_only()) r.exprs.push_back(std::move(e));
  if (auto shared = residual_exprs(seg, in))
    for (auto& e : *shared) r.exprs.push_back(std::move(e));
  for (auto& e : key_loads(seg.shape, in.family)) r.exprs.push_back(std::move(e));
  const bool map = seg.lookup == LookupKind::VerdictMap;
  nft::Expr lookup =
      nft::Expr::lookup(set.name, kReg1, map ? std::optional(kRegVerdict) : std::nullopt);
  lookup.set_id = set.id;
  r.exprs.push_back(std::move(lookup));
  for (auto& e : marker_exprs()) r.exprs.push_back(std::move(e));
  if (!map)
    for (auto& e : verdict_tail(in.kernel[seg.rules.front()])) r.exprs.push_back(std::move(e));
  RunInfo run;
  run.count = static_cast<std::uint32_t>(seg.rules.size());
  run.lo = run.hi = in.order_key(seg.rules.front());
  for (std::size_t i : seg.rules) {
    run.lo = std::min(run.lo, in.order_key(i));
    run.hi = std::max(run.hi, in.order_key(i));
  }
  run.reordered = in.order != nullptr;
  run.signature = segment_signature(seg.spelling, seg.lookup, seg.verdict);
  r.userdata = lookup_rule_userdata(run);
  // A target (REJECT --reject-with tcp-reset) is checked against the rule's -p.
  const nft::RuleObj first = resend(in.kernel[seg.rules.front()], in.family);
  r.compat_proto = first.compat_proto;
  r.compat_flags = first.compat_flags;
  return r;
}

nft::Message set_msg(nft::MsgType type, nft::SetObj set, std::string op) {
  nft::Message m;
  m.type = type;
  m.flags = nft::kNlmRequest | nft::kNlmCreate;
  m.op_name = std::move(op);
  m.object_text = "set " + set.name;
  m.set = std::move(set);
  return m;
}

// The set (without elements) and its elements, kElemsPerMessage a message.
void add_set(const nft::SetObj& set, const std::vector<nft::SetElemObj>& elems,
             std::vector<nft::Message>& msgs) {
  nft::SetObj bare = set;
  bare.elems.clear();
  msgs.push_back(set_msg(nft::MsgType::NewSet, bare, "SET_ADD"));
  for (std::size_t at = 0; at < elems.size(); at += kElemsPerMessage) {
    nft::SetObj part = bare;
    const auto end = std::min(elems.size(), at + kElemsPerMessage);
    part.elems.assign(elems.begin() + static_cast<std::ptrdiff_t>(at),
                      elems.begin() + static_cast<std::ptrdiff_t>(end));
    msgs.push_back(set_msg(nft::MsgType::NewSetElem, std::move(part), "SETELEM_ADD"));
  }
}

// Set names and ids as a chain's sets are made: "__cx_CHAIN_N" with N counting up.
struct SetNames {
  const std::string& chain;
  std::size_t next_number;
  std::uint32_t& next_id;
  std::pair<std::string, std::uint32_t> take() {
    return {set_name(chain, next_number++), next_id++};
  }
};

// A hash set of `shape` that holds `keys` and nothing else (no counter, no rule text: a
// prefilter's or a tail guard's), its messages added to `msgs`; the set (its name and id).
nft::SetObj add_key_set(const Shape& shape, const std::set<nft::Bytes>& keys, const EmitInput& in,
                        SetNames& names, std::vector<nft::Message>& msgs) {
  Segment shape_only;
  shape_only.shape = shape;
  auto [name, id] = names.take();
  nft::SetObj set = set_object(shape_only, in, name, id);
  set.counter = false;
  add_set(set, key_elements(keys), msgs);
  return set;
}

Status emit_lookup(const Segment& seg, const EmitInput& in, SetNames& names,
                   std::vector<nft::Message>& msgs) {
  auto [name, id] = names.take();
  nft::SetObj set = set_object(seg, in, name, id);
  auto elems = segment_elements(seg, in, needs_interval(seg));
  if (!elems) return elems.take_error();
  add_set(set, *elems, msgs);
  std::optional<PrefilterSet> pre;
  if (auto p = prefilter(seg)) {
    Shape one;
    one.add(p->field);
    pre = PrefilterSet{p->field, add_key_set(one, p->values, in, names, msgs)};
  }
  msgs.push_back(core::rule_msg(nft::MsgType::NewRule,
                                nft::kNlmRequest | nft::kNlmCreate | nft::kNlmAppend,
                                lookup_rule(seg, in, set, pre ? &*pre : nullptr), "RULE_APPEND"));
  return {};
}

}  // namespace

std::uint64_t segment_signature(const std::string& spelling, LookupKind kind,
                                const Verdict& verdict) {
  if (kind == LookupKind::VerdictMap) return run_signature(spelling, "vmap");
  return run_signature(spelling, verdict_key(verdict));
}

// Per plan element its start (with userdata, counter and verdict) and, in an interval set,
// the end just past it.
Result<std::vector<nft::SetElemObj>> segment_elements(const Segment& seg, const EmitInput& in,
                                                      bool interval) {
  std::vector<nft::SetElemObj> out;
  const KeyForm form = key_form(seg.shape);
  std::size_t last_rule = SIZE_MAX;
  std::uint16_t item = 0;
  for (const Element& pe : seg.elements) {
    item = pe.rule == last_rule ? static_cast<std::uint16_t>(item + 1) : 0;
    last_rule = pe.rule;
    const std::string text = item == 0 ? rule_text(in.rules[pe.rule], in.family) : "";
    const std::uint32_t key = in.order_key(pe.rule);
    auto ud = element_userdata(key, item, text);
    if (!ud)
      return other_error("rule " + std::to_string(key - in.order_base + 1) +
                         " too long to compile");
    nft::SetElemObj e;
    const bool both_ends = interval && pe.key.size() > 1;  // pipapo: one element, two keys
    e.key = interval && !both_ends ? pe.key[0].lo : exact_key(pe, form);
    if (both_ends) e.key_end = exact_key(pe, form, true);
    e.userdata = std::move(*ud);
    e.counter = item == 0 ? counter_of(in.kernel[pe.rule]) : Count{0, 0};
    if (seg.lookup == LookupKind::VerdictMap) set_verdict(e, pe.verdict);
    out.push_back(std::move(e));
    nft::Bytes end = pe.key[0].hi;
    if (interval && !both_ends && increment(end)) {
      nft::SetElemObj x;
      x.key = std::move(end);
      x.flags = kElemIntervalEnd;
      out.push_back(std::move(x));
    }
  }
  return out;
}

nft::Message del_set_msg(const std::string& table, const std::string& name) {
  nft::Message m;
  m.type = nft::MsgType::DelSet;
  m.flags = nft::kNlmRequest;
  m.op_name = "SET_DEL";
  m.object_text = "set " + name;
  m.set.table = table;
  m.set.name = name;
  return m;
}

nft::Message anchor_set_msg(const std::string& table, const std::string& chain, std::size_t min_run,
                            std::uint32_t id) {
  nft::SetObj s;
  s.table = table;
  s.name = anchor_name(chain, min_run);
  s.id = id;
  s.key_type = kTypeIpv4;
  s.key_len = 4;
  return set_msg(nft::MsgType::NewSet, std::move(s), "SET_ADD");
}

std::optional<std::uint8_t> common_proto(const Segment& seg) {
  if (!seg.shape.has(Field::Proto) || seg.elements.empty()) return std::nullopt;
  const auto fields = seg.shape.fields();
  const auto at = static_cast<std::size_t>(std::find(fields.begin(), fields.end(), Field::Proto) -
                                           fields.begin());
  const Interval& first = seg.elements.front().key[at];
  if (!first.exact() || first.lo.size() != 1) return std::nullopt;
  for (const Element& e : seg.elements)
    if (!(e.key[at] == first)) return std::nullopt;
  return first.lo[0];
}

std::vector<nft::SetElemObj> key_elements(const std::set<nft::Bytes>& keys) {
  std::vector<nft::SetElemObj> out;
  out.reserve(keys.size());
  for (const nft::Bytes& k : keys) {
    nft::SetElemObj e;
    e.key = k;
    out.push_back(std::move(e));
  }
  return out;
}

std::optional<std::uint8_t> proto_precheck(const nft::RuleObj& lookup_rule) {
  const auto& x = lookup_rule.exprs;
  if (x.size() < 2 || x[0].kind != nft::Expr::Kind::Meta || x[0].key != nft::kMetaL4proto ||
      x[1].kind != nft::Expr::Kind::Cmp || x[1].op != nft::kEq || x[1].data.size() != 1)
    return std::nullopt;
  return x[1].data[0];
}

std::vector<nft::Expr> marker_exprs() {
  return {nft::Expr::data_imm(kReg1, {0, 0, 0, 0}), nft::Expr::byteorder_hton(kReg1, kReg1, 2, 2),
          nft::Expr::cmp(nft::kEq, {0, 0}, kReg1)};
}

Plan emittable(Plan plan, const EmitInput& in) {
  for (Segment& seg : plan.segments) {
    if (seg.kind != SegmentKind::Lookup || segment_emittable(seg, in)) continue;
    seg.kind = SegmentKind::Linear;
    seg.elements.clear();
  }
  return plan;
}

namespace {

bool room_for_order_keys(const std::vector<nft::RuleObj>& kernel) {
  for (const auto& r : kernel)
    if (!with_order_key(r.userdata, 0)) return false;
  return true;
}

// v in its order again after reordered(v, order).
template <class T>
void put_back(std::vector<T>& v, const std::vector<std::size_t>& order) {
  std::vector<T> out(v.size());
  for (std::size_t k = 0; k < order.size(); ++k) out[order[k]] = std::move(v[k]);
  v = std::move(out);
}

}  // namespace

Result<Planned> plan_for_emit(std::vector<model::Rule>& rules, std::vector<nft::RuleObj>& kernel,
                              const EmitInput& in, const Options& options) {
  Planned out;
  std::vector<RuleFacts> facts = rule_facts(rules, in.family, options);
  out.order = regroup(rules, facts, in.family);
  if (!is_identity(out.order) && room_for_order_keys(kernel)) {
    rules = reordered(std::move(rules), out.order);
    kernel = reordered(std::move(kernel), out.order);
    auto moved_facts = reordered(facts, out.order);
    auto plan = plan_chain(moved_facts, in.family, options);
    if (!plan) return plan.take_error();
    EmitInput moved = in;
    moved.order = &out.order;
    out.plan = emittable(std::move(*plan), moved);
    if (out.plan.lookup_rules() > 0) return out;
    put_back(rules, out.order);
    put_back(kernel, out.order);
  }
  out.order.clear();
  auto plan = plan_chain(facts, in.family, options);
  if (!plan) return plan.take_error();
  out.plan = emittable(std::move(*plan), in);
  return out;
}

namespace {

// --- tail guards -------------------------------------------------------------------------
//
// The rules left as rules at the end of a chain with lookups (LOG rules, each with its own
// prefix, say) are walked by every packet that gets there. When all of them test the same
// key fields with exact values, one lookup of those fields tells the packets none of them can
// match, and "KEY != @set return" sends those on: past the chain's last rule, which is what
// walking them all would have done (in a base chain, to its policy either way). Sound only
// where skipping a rule that does not match changes nothing: no rule of the tail has a match
// that changes state when merely reached (a limit before the test that fails, say). The guard
// stands for no rule: listing, views and optimize off never see it.
constexpr std::size_t kMinGuarded = 4;  // fewer rules are cheaper walked than looked up
constexpr std::size_t kMaxGuardKeys = 65536;

struct TailGuard {
  Shape shape;
  std::set<nft::Bytes> keys;
};

// The guard keys a footprint accepts on `shape` (each field's values, exact; the product),
// nullopt when a field is missing or not exact, or when there are more than `room`.
std::optional<std::vector<nft::Bytes>> footprint_keys(const Footprint& p, const Shape& shape,
                                                      std::size_t room) {
  const bool concat = shape.size() > 1;
  std::vector<nft::Bytes> partial{{}};
  for (Field f : shape.fields()) {
    const auto& values = p.key.values[static_cast<std::size_t>(f)];
    if (values.empty()) return std::nullopt;
    std::vector<nft::Bytes> next;
    for (const nft::Bytes& head : partial)
      for (const Interval& v : values) {
        if (!v.exact()) return std::nullopt;
        nft::Bytes k = head;
        const nft::Bytes value = concat ? padded(v.lo) : v.lo;
        k.insert(k.end(), value.begin(), value.end());
        next.push_back(std::move(k));
      }
    partial = std::move(next);
    if (partial.size() > room) return std::nullopt;
  }
  return partial;
}

// The fields every rule of `tail` tests with exact values only, and every key they accept.
std::optional<TailGuard> tail_guard(const std::vector<std::size_t>& tail, const EmitInput& in) {
  if (tail.size() < kMinGuarded) return std::nullopt;
  std::vector<Footprint> prints;
  prints.reserve(tail.size());
  std::uint8_t common = 0xff;
  for (std::size_t i : tail) {
    prints.push_back(rule_footprint(in.rules[i], in.family));
    if (!prints.back().stateless) return std::nullopt;
    common &= prints.back().key.shape.bits;
  }
  TailGuard g;
  for (Field f : kFields) {
    if (!(common & (1u << static_cast<unsigned>(f)))) continue;
    const auto idx = static_cast<std::size_t>(f);
    const bool exact = std::all_of(prints.begin(), prints.end(), [&](const Footprint& p) {
      const auto& vs = p.key.values[idx];
      return !vs.empty() &&
             std::all_of(vs.begin(), vs.end(), [](const Interval& v) { return v.exact(); });
    });
    if (exact) g.shape.add(f);
  }
  if (g.shape.empty() || key_bytes(g.shape, in.family) > kMaxKeyBytes) return std::nullopt;
  for (const Footprint& p : prints) {
    auto keys = footprint_keys(p, g.shape, kMaxGuardKeys - g.keys.size());
    if (!keys) return std::nullopt;
    g.keys.insert(keys->begin(), keys->end());
  }
  return g;
}

Status emit_guard(const TailGuard& g, const EmitInput& in, SetNames& names,
                  std::vector<nft::Message>& msgs) {
  const nft::SetObj set = add_key_set(g.shape, g.keys, in, names, msgs);
  nft::RuleObj r;
  r.table = in.table;
  r.chain = in.chain;
  r.exprs = key_loads(g.shape, in.family);
  nft::Expr lookup = nft::Expr::lookup(set.name, kReg1);
  lookup.set_id = set.id;
  lookup.lookup_flags = kLookupInvert;
  r.exprs.push_back(std::move(lookup));
  for (auto& e : marker_exprs()) r.exprs.push_back(std::move(e));
  r.exprs.push_back(nft::Expr::verdict_imm(nft::kVerdictReturn));
  RunInfo run;
  run.signature = guard_signature();
  run.reordered = in.order != nullptr;
  r.userdata = lookup_rule_userdata(run);
  msgs.push_back(core::rule_msg(nft::MsgType::NewRule,
                                nft::kNlmRequest | nft::kNlmCreate | nft::kNlmAppend, std::move(r),
                                "RULE_APPEND"));
  return {};
}

// Where the chain's trailing rules begin (the first of the Linear segments that end the
// plan), when a lookup comes before them; plan.segments.size() for none.
std::size_t tail_start(const Plan& plan) {
  std::size_t at = plan.segments.size();
  while (at > 0 && plan.segments[at - 1].kind == SegmentKind::Linear) --at;
  return at == 0 ? plan.segments.size() : at;
}

}  // namespace

Result<std::vector<nft::Message>> emit_chain(const Plan& plan, const EmitInput& in,
                                             std::uint32_t& next_id) {
  std::vector<nft::Message> msgs;
  nft::RuleObj flush;
  flush.table = in.table;
  flush.chain = in.chain;
  msgs.push_back(core::rule_msg(nft::MsgType::DelRule, nft::kNlmRequest, flush, "RULE_FLUSH"));
  SetNames names{in.set_chain.empty() ? in.chain : in.set_chain, in.first_set, next_id};
  const std::size_t tail = tail_start(plan);
  std::optional<TailGuard> guard;
  if (tail < plan.segments.size()) {
    std::vector<std::size_t> rules;
    for (std::size_t s = tail; s < plan.segments.size(); ++s)
      rules.insert(rules.end(), plan.segments[s].rules.begin(), plan.segments[s].rules.end());
    guard = tail_guard(rules, in);
  }
  for (std::size_t s = 0; s < plan.segments.size(); ++s) {
    const Segment& seg = plan.segments[s];
    if (s == tail && guard) CX_TRY(emit_guard(*guard, in, names, msgs));
    if (seg.kind == SegmentKind::Lookup) {
      CX_TRY(emit_lookup(seg, in, names, msgs));
      continue;
    }
    for (std::size_t i : seg.rules) {
      nft::RuleObj r = resend(in.kernel[i], in.family);
      if (in.order) {
        auto ud = with_order_key(r.userdata, in.order_key(i));
        if (!ud)
          return other_error("rule " + std::to_string((*in.order)[i] + 1) +
                             " has no room for its order key");
        r.userdata = std::move(*ud);
      }
      msgs.push_back(core::rule_msg(nft::MsgType::NewRule,
                                    nft::kNlmRequest | nft::kNlmCreate | nft::kNlmAppend,
                                    std::move(r), "RULE_APPEND"));
    }
  }
  return msgs;
}

std::optional<std::vector<nft::Bytes>> guard_keys(const model::Rule& rule, const Shape& shape,
                                                  Family family) {
  const Footprint p = rule_footprint(rule, family);
  if (!p.stateless || shape.empty()) return std::nullopt;
  return footprint_keys(p, shape, kMaxGuardKeys);
}

std::optional<Shape> guard_shape(const nft::RuleObj& guard, Family family) {
  Shape shape;
  for (const nft::Expr& e : guard.exprs) {
    if (e.other_name == "lookup") return shape.empty() ? std::nullopt : std::optional(shape);
    bool known = false;
    for (Field f : kFields)
      if (!shape.has(f) && e == field_load(f, family, e.dreg)) {
        shape.add(f);
        known = true;
        break;
      }
    if (!known) return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace cx::compile
