#include "codec/rule_codec.h"

#include <net/if.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <optional>

namespace cx::codec {

namespace {

using nft::Expr;

void encode_iface(std::vector<Expr>& out, std::uint32_t key, const std::string& name, bool inv) {
  out.push_back(Expr::meta_load(key));
  if (name == "+") {
    // "-i +" matches any interface: iptables-nft emits the load alone. "! -i +" (no
    // interface) it writes as a comparison with a name no interface has.
    static constexpr char kNoName[] = "INVAL/D";
    if (inv) out.push_back(Expr::cmp(nft::kEq, nft::Bytes(kNoName, kNoName + sizeof kNoName)));
    return;
  }
  nft::Bytes data;
  if (!name.empty() && name.back() == '+') {
    data.assign(name.begin(), name.end() - 1);
  } else {
    data.assign(name.begin(), name.end());
    data.push_back(0);
  }
  out.push_back(Expr::cmp(inv ? nft::kNeq : nft::kEq, std::move(data)));
}

void encode_addr(std::vector<Expr>& out, std::uint32_t offset, const model::Address& a, int len,
                 bool inv) {
  // A whole-byte prefix loads just those bytes; any other mask loads the address and masks it.
  int i = 0;
  while (i < len && a.mask[i] == 0xff) ++i;
  bool bitwise = false;
  for (int j = i; j < len; ++j) bitwise |= a.mask[j] != 0;
  int load_len = bitwise ? len : i;
  out.push_back(Expr::payload(nft::kNetworkHeader, offset, static_cast<std::uint32_t>(load_len)));
  if (bitwise)
    out.push_back(Expr::bitwise(static_cast<std::uint32_t>(load_len),
                                nft::Bytes(a.mask.begin(), a.mask.begin() + load_len),
                                nft::Bytes(static_cast<std::size_t>(load_len), 0)));
  out.push_back(Expr::cmp(inv ? nft::kNeq : nft::kEq,
                          nft::Bytes(a.addr.begin(), a.addr.begin() + load_len)));
}

}  // namespace

Result<std::vector<Expr>> encode_rule(const model::Rule& rule, const ext::RuleContext& ctx) {
  std::vector<Expr> out;
  const model::IpHeader& ip = rule.ip;
  const bool v4 = ctx.family == Family::V4;
  const int alen = addr_len(ctx.family);
  if (ip.has_iniface) encode_iface(out, nft::kMetaIifname, ip.iniface, ip.inv_in);
  if (ip.has_outiface) encode_iface(out, nft::kMetaOifname, ip.outiface, ip.inv_out);
  if (ip.proto != 0 || ip.inv_proto) {
    out.push_back(Expr::meta_load(nft::kMetaL4proto));
    out.push_back(Expr::cmp(ip.inv_proto ? nft::kNeq : nft::kEq, {ip.proto}));
  }
  auto is_any = [&](const model::Address& a) {
    for (int i = 0; i < alen; ++i)
      if (a.addr[i] || a.mask[i]) return false;
    return true;
  };
  if (ip.src && (!is_any(*ip.src) || ip.inv_src))
    encode_addr(out, v4 ? 12 : 8, *ip.src, alen, ip.inv_src);
  if (ip.dst && (!is_any(*ip.dst) || ip.inv_dst))
    encode_addr(out, v4 ? 16 : 24, *ip.dst, alen, ip.inv_dst);
  if (ip.frag && v4) {
    out.push_back(Expr::payload(nft::kNetworkHeader, 6, 2));
    out.push_back(Expr::bitwise(2, nft::be16(0x1fff), {0, 0}));
    out.push_back(Expr::cmp(ip.inv_frag ? nft::kEq : nft::kNeq, {0, 0}));
  }
  for (const auto& m : rule.matches) CX_TRY(m->encode(out, ctx));
  out.push_back(Expr::counter(rule.counters.packets, rule.counters.bytes));
  switch (rule.verdict) {
    case model::VerdictKind::None: break;
    case model::VerdictKind::Accept: out.push_back(Expr::verdict_imm(nft::kVerdictAccept)); break;
    case model::VerdictKind::Drop: out.push_back(Expr::verdict_imm(nft::kVerdictDrop)); break;
    case model::VerdictKind::Return: out.push_back(Expr::verdict_imm(nft::kVerdictReturn)); break;
    case model::VerdictKind::Jump:
      out.push_back(Expr::verdict_imm(nft::kVerdictJump, rule.jump_chain));
      break;
    case model::VerdictKind::Goto:
      out.push_back(Expr::verdict_imm(nft::kVerdictGoto, rule.jump_chain));
      break;
    case model::VerdictKind::Queue:
      // The old ip_queue target: an xt target with an empty (8 zero bytes) payload, which
      // this kernel no longer has.
      out.push_back(Expr::target("QUEUE", 0, nft::Bytes(8, 0)));
      break;
    case model::VerdictKind::Target: CX_TRY(rule.target->encode(out, ctx)); break;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Lifting dumped rules. iptables-nft 1.8.9 reads a rule expression by expression, keeping what
// each register holds; a cmp or range then becomes part of the rule according to what its
// register was loaded from. We do the same, so that rules other tools wrote (nft, firewalld)
// list as iptables-nft lists them. Where iptables-nft would print a rule that means something
// else than the kernel's (a set lookup or an unknown transport field skipped, an operator or a
// mask ignored), the lift fails instead: a listing never shows a wider or different rule.

}  // namespace cx::codec

namespace cx::ext {

Match* LiftContext::lifted(std::string_view name) const {
  for (Match* m : lifted_)
    if (m->name() == name) return m;
  return nullptr;
}

void LiftContext::add_match(std::unique_ptr<Match> m) {
  lifted_.push_back(m.get());
  rule_.matches.push_back(std::move(m));
}

void LiftContext::set_target(std::unique_ptr<Target> t) {
  rule_.verdict = model::VerdictKind::Target;
  rule_.target = std::move(t);
}

}  // namespace cx::ext

namespace cx::codec {

namespace {

using ext::RegValue;

constexpr std::size_t kIfNameSize = 16;  // IFNAMSIZ
constexpr std::size_t kRegSlots = 17;    // iptables-nft's view: verdict + 16 32-bit registers

// iptables-nft's register slots: the four 16-byte registers at 1, 5, 9, 13, the 32-bit
// registers (8..23) at 0..15, the verdict register at 0.
std::optional<std::size_t> reg_slot(std::uint32_t reg) {
  if (reg == 0) return 0;
  if (reg >= 1 && reg <= 4) return 1 + (reg - 1) * 4;
  if (reg >= 8 && reg <= 23) return reg - 8;
  return std::nullopt;
}

class Lifter {
 public:
  Lifter(Family family, model::Rule& rule) : family_(family), rule_(rule), ctx_(family, rule) {}

  void step(const Expr& e);
  void finish(const std::optional<nft::Bytes>& userdata);

 private:
  RegValue* reg(std::uint32_t number) {
    auto slot = reg_slot(number);
    if (!slot) {
      ctx_.fail("Unknown register requested");
      return nullptr;
    }
    return &regs_[*slot];
  }
  RegValue* dreg(std::uint32_t number) {
    RegValue* r = reg(number);
    if (r) *r = RegValue{};
    return r;
  }
  void bitwise(const Expr& e);
  void cmp(const Expr& e);
  void range(const Expr& e);
  void immediate(const Expr& e);
  void meta_set(const Expr& e);
  bool offer_matches(const ext::LiftStep& s);
  bool offer_targets(const ext::LiftStep& s);
  void cmp_meta(const Expr& e, const RegValue& r);
  void cmp_network(const Expr& e, const RegValue& r);
  void cmp_transport(const Expr& e, const RegValue& r);
  void compat(const Expr& e);

  Family family_;
  model::Rule& rule_;
  ext::LiftContext ctx_;
  std::array<RegValue, kRegSlots> regs_{};
};

bool eq_or_neq(const Expr& e) { return e.op == nft::kEq || e.op == nft::kNeq; }

bool offered(const ext::LiftStep& s, ext::LiftContext& ctx, auto types) {
  for (const auto* t : types)
    if (t->decode_native && ext::has_family(t->families, ctx.family()) && t->decode_native(s, ctx))
      return true;
  return false;
}

bool Lifter::offer_matches(const ext::LiftStep& s) { return offered(s, ctx_, ext::all_matches()); }
bool Lifter::offer_targets(const ext::LiftStep& s) { return offered(s, ctx_, ext::all_targets()); }

void Lifter::bitwise(const Expr& e) {
  RegValue* src = reg(e.sreg);
  if (!src) return;
  RegValue* dst = src;
  if (e.dreg != e.sreg) {
    dst = reg(e.dreg);
    if (!dst) return;
    *dst = *src;
  }
  if (e.xor_bits.size() > 16) return ctx_.fail("bitwise xor too large");
  if (e.mask.size() > 16) return ctx_.fail("bitwise mask too large");
  // A shift, or a second bitwise over the first: iptables-nft reads them as one mask.
  if ((e.bitwise_op && *e.bitwise_op != 0) || dst->masked)
    return ctx_.refuse("bitwise operation not supported");
  dst->masked = true;
  dst->mask = e.mask;
  dst->xor_bits = e.xor_bits;
}

void Lifter::step(const Expr& e) {
  switch (e.kind) {
    case Expr::Kind::Counter:
      rule_.counters = {e.packets, e.bytes};
      return;
    case Expr::Kind::Payload:
      if (RegValue* r = dreg(e.dreg)) {
        r->source = RegValue::Source::Payload;
        r->base = e.base;
        r->offset = e.offset;
        r->len = e.len;
      }
      return;
    case Expr::Kind::Meta:
      if (e.meta_set) return meta_set(e);
      if (RegValue* r = dreg(e.dreg)) {
        r->source = RegValue::Source::Meta;
        r->key = e.key;
      }
      return;
    case Expr::Kind::Bitwise:
      return bitwise(e);
    case Expr::Kind::Cmp:
      return cmp(e);
    case Expr::Kind::Range:
      return range(e);
    case Expr::Kind::Immediate:
      return immediate(e);
    case Expr::Kind::Match:
    case Expr::Kind::Target:
      return compat(e);
    case Expr::Kind::Limit:
      if (!offer_matches({e})) ctx_.fail("limit match extension not found");
      return;
    case Expr::Kind::Log:
      if (!offer_targets({e})) ctx_.fail("NFLOG target extension not found");
      return;
    case Expr::Kind::Other:
      // iptables-nft skips a set lookup and lists the rule without it; we refuse.
      if (e.other_name == "lookup") return ctx_.refuse("set lookup not supported");
      return ctx_.refuse("expression " + e.other_name + " not supported");
  }
}

void Lifter::meta_set(const Expr& e) {
  RegValue* src = reg(e.sreg);
  if (!src) return;
  if (!offer_targets({e, src})) ctx_.fail("meta sreg key not supported");
}

void Lifter::immediate(const Expr& e) {
  if (e.imm_data) {
    if (e.imm_data->size() > 16) return ctx_.fail("oversized immediate data");
    if (RegValue* r = dreg(e.dreg)) {
      r->source = RegValue::Source::Immediate;
      r->imm = *e.imm_data;
    }
    return;
  }
  switch (e.verdict) {
    case nft::kVerdictAccept:
      rule_.verdict = model::VerdictKind::Accept;
      break;
    case nft::kVerdictDrop:
      rule_.verdict = model::VerdictKind::Drop;
      break;
    case nft::kVerdictReturn:
      rule_.verdict = model::VerdictKind::Return;
      break;
    case nft::kVerdictJump:
    case nft::kVerdictGoto:
      rule_.verdict =
          e.verdict == nft::kVerdictJump ? model::VerdictKind::Jump : model::VerdictKind::Goto;
      rule_.jump_chain = e.chain;
      break;
    default:
      break;  // continue: no target, as iptables-nft shows it
  }
}

void Lifter::compat(const Expr& e) {
  ext::DecodeContext dctx{family_, &rule_.ip};
  if (e.kind == Expr::Kind::Match) {
    const ext::MatchType* t = ext::find_match_by_kernel_name(e.xt_name, family_);
    auto m = t ? t->decode_compat(dctx, e.info) : nullptr;
    if (!m) return ctx_.fail("match extension not found");
    rule_.matches.push_back(std::move(m));  // not one a later native step adds to
    return;
  }
  // libxtables finds its "standard" target for these names: iptables-nft sends -j QUEUE
  // so (a target the kernel lacks), and lists such a rule, still in its batch, as
  // "-j standard".
  if (e.xt_name == "QUEUE" || e.xt_name == "ACCEPT" || e.xt_name == "DROP" ||
      e.xt_name == "RETURN" || e.xt_name.empty()) {
    rule_.verdict = model::VerdictKind::Jump;
    rule_.jump_chain = "standard";
    return;
  }
  const ext::TargetType* t = ext::find_target_by_kernel_name(e.xt_name, family_);
  auto tg = t ? t->decode_compat(dctx, e.info) : nullptr;
  if (!tg) return ctx_.fail("target extension not found");
  ctx_.set_target(std::move(tg));
}

void Lifter::cmp(const Expr& e) {
  RegValue* r = reg(e.sreg);
  if (!r) return;
  switch (r->source) {
    case RegValue::Source::None:
      return ctx_.fail("cmp sreg undef");
    case RegValue::Source::Immediate:
      return ctx_.fail("cmp sreg has unknown type");
    case RegValue::Source::Meta:
      return cmp_meta(e, *r);
    case RegValue::Source::Payload:
      break;
  }
  switch (r->base) {
    case nft::kNetworkHeader:
      return cmp_network(e, *r);
    case nft::kTransportHeader:
      return cmp_transport(e, *r);
    default:
      // iptables-nft ignores the comparison (and lists the rule without it); we refuse.
      return ctx_.refuse("payload base not supported");
  }
}

// An interface name as iptables-nft reads it from a cmp: a NUL ends an exact name, its
// absence means a prefix ("eth" -> "eth+").
std::string iface_name(const nft::Bytes& data) {
  std::string name(data.begin(), data.end());
  if (!data.empty() && data.back() == 0) return name.substr(0, name.find('\0'));
  name = name.substr(0, name.find('\0'));
  if (data.size() < kIfNameSize) name += '+';
  return name;
}

bool set_iface(model::IpHeader& ip, bool in, std::string name, bool inv) {
  // iptables-nft writes "! -i +" as a comparison with the impossible name "INVAL/D".
  if (!inv && name == "INVAL/D") {
    inv = true;
    name = "+";
  }
  if ((in ? ip.has_iniface : ip.has_outiface) &&
      ((in ? ip.iniface : ip.outiface) != name || (in ? ip.inv_in : ip.inv_out) != inv))
    return false;  // a second, different one: iptables-nft keeps the last only
  (in ? ip.iniface : ip.outiface) = std::move(name);
  (in ? ip.inv_in : ip.inv_out) = inv;
  (in ? ip.has_iniface : ip.has_outiface) = true;
  return true;
}

// The protocol from meta l4proto or the header's protocol field; false for a second,
// different one (iptables-nft keeps the last only).
bool set_proto(model::IpHeader& ip, std::uint8_t proto, bool inv) {
  if ((ip.proto || ip.inv_proto) && (ip.proto != proto || ip.inv_proto != inv)) return false;
  ip.proto = proto;
  ip.inv_proto = inv;
  return true;
}

void Lifter::cmp_meta(const Expr& e, const RegValue& r) {
  model::IpHeader& ip = rule_.ip;
  const bool neq = e.op == nft::kNeq;
  switch (r.key) {
    case nft::kMetaL4proto:
      if (!eq_or_neq(e) || r.masked || e.data.size() != 1)
        return ctx_.refuse("unsupported layer 4 protocol comparison");
      if (!set_proto(ip, e.data[0], neq)) ctx_.refuse("repeated protocol comparison not supported");
      return;
    case nft::kMetaIif:
    case nft::kMetaOif: {
      char name[IF_NAMESIZE] = {};
      std::uint32_t index = 0;
      if (!eq_or_neq(e) || r.masked || e.data.size() != 4)
        return ctx_.refuse("unsupported interface comparison");
      std::memcpy(&index, e.data.data(), 4);
      // iptables-nft looks the index up here and now; an unknown one would list as any.
      if (!if_indextoname(index, name)) return ctx_.refuse("unknown interface index");
      if (!set_iface(ip, r.key == nft::kMetaIif, name, neq))
        ctx_.refuse("repeated interface comparison not supported");
      return;
    }
    case nft::kMetaIifname:
    case nft::kMetaOifname:
    case nft::kMetaBriIifname:
    case nft::kMetaBriOifname:
      if (!eq_or_neq(e) || r.masked) return ctx_.refuse("unsupported interface comparison");
      if (e.data.empty()) return;
      if (!set_iface(ip, r.key == nft::kMetaIifname || r.key == nft::kMetaBriIifname,
                     iface_name(e.data), neq))
        ctx_.refuse("repeated interface comparison not supported");
      return;
    default:
      break;
  }
  if (!offer_matches({e, &r}))
    ctx_.fail(family_ == Family::V4 ? "unknown ipv4 meta key" : "unknown ipv6 meta key");
}

void Lifter::cmp_network(const Expr& e, const RegValue& r) {
  model::IpHeader& ip = rule_.ip;
  const bool v4 = family_ == Family::V4;
  const std::size_t alen = static_cast<std::size_t>(addr_len(family_));
  const std::uint32_t src_off = v4 ? 12 : 8, dst_off = v4 ? 16 : 24, proto_off = v4 ? 9 : 6;
  if (r.offset == src_off || r.offset == dst_off) {
    if (!eq_or_neq(e) || e.data.size() > alen || r.len > alen ||
        (r.masked && std::any_of(r.xor_bits.begin(), r.xor_bits.end(), [](auto b) { return b; })))
      return ctx_.refuse("unsupported address comparison");
    model::Address a;
    std::copy(e.data.begin(), e.data.end(), a.addr.begin());
    if (r.masked)
      std::copy_n(r.mask.begin(), std::min(r.mask.size(), alen), a.mask.begin());
    else
      std::fill_n(a.mask.begin(), std::min<std::size_t>(r.len, alen), 0xff);
    bool src = r.offset == src_off;
    // A second, different comparison of the same field: iptables-nft keeps the last only.
    const auto& have = src ? ip.src : ip.dst;
    if (have && (*have != a || (src ? ip.inv_src : ip.inv_dst) != (e.op == nft::kNeq)))
      return ctx_.refuse("repeated address comparison not supported");
    (src ? ip.src : ip.dst) = a;
    (src ? ip.inv_src : ip.inv_dst) = e.op == nft::kNeq;
    return;
  }
  if (r.offset == proto_off && r.len == 1) {
    // (For IPv6, iptables-nft 1.8.9 also adds "-m hl --hl-eq PROTO" here: a switch falls
    // through. We list the protocol alone.)
    if (!eq_or_neq(e) || r.masked || e.data.size() != 1)
      return ctx_.refuse("unsupported protocol comparison");
    if (!set_proto(ip, e.data[0], e.op == nft::kNeq))
      ctx_.refuse("repeated protocol comparison not supported");
    return;
  }
  if (v4 && r.offset == 6) {
    // -f: the fragment offset, masked with 0x1fff, compared with 0.
    if (!eq_or_neq(e) || !r.masked || r.mask != nft::be16(0x1fff) || e.data != nft::Bytes{0, 0})
      return ctx_.refuse("unsupported fragment offset comparison");
    ip.frag = true;
    ip.inv_frag = e.op == nft::kEq;
    return;
  }
  if (!offer_matches({e, &r})) ctx_.fail("unknown payload offset");
}

void Lifter::cmp_transport(const Expr& e, const RegValue& r) {
  switch (rule_.ip.proto) {
    case 6:   // tcp
    case 17:  // udp
    case 1:   // icmp
    case 58:  // icmpv6
      break;
    default:
      return ctx_.fail("unsupported layer 4 protocol value");
  }
  // iptables-nft ignores a comparison of a field it does not know; we refuse.
  if (!offer_matches({e, &r})) ctx_.refuse("transport header field not supported");
}

void Lifter::range(const Expr& e) {
  RegValue* r = reg(e.sreg);
  if (!r) return;
  switch (r->source) {
    case RegValue::Source::None:
      return ctx_.fail("range sreg undef");
    case RegValue::Source::Payload:
      break;
    default:
      return ctx_.fail("range sreg type unsupported");
  }
  if (r->base != nft::kTransportHeader) return ctx_.fail("range with unknown payload base");
  if (!offer_matches({e, r})) ctx_.refuse("transport header range not supported");
}

void Lifter::finish(const std::optional<nft::Bytes>& userdata) {
  // A comment nft keeps in the rule's user data: type 0 (comment), length, text with its NUL.
  if (userdata) {
    const nft::Bytes& u = *userdata;
    std::optional<std::string> comment;
    for (std::size_t i = 0; i + 2 <= u.size();) {
      std::size_t len = u[i + 1];
      if (i + 2 + len > u.size()) {
        comment.reset();  // malformed: iptables-nft takes no comment from it
        break;
      }
      if (u[i] == 0) {
        if (len == 0 || u[i + 2 + len - 1] != 0) {
          comment.reset();
          break;
        }
        comment.emplace(reinterpret_cast<const char*>(&u[i + 2]));
      }
      i += 2 + len;
    }
    const ext::MatchType* t = ext::find_match_by_kernel_name("comment", family_);
    if (comment && t) {
      nft::Bytes info(256, 0);
      std::copy_n(comment->begin(), std::min<std::size_t>(comment->size(), 255), info.begin());
      ext::DecodeContext dctx{family_, &rule_.ip};
      if (auto m = t->decode_compat(dctx, info)) rule_.matches.push_back(std::move(m));
    }
  }
  if (!ctx_.errors().empty()) {
    rule_.incompatible = true;
    rule_.decode_errors = ctx_.errors();
  }
}

}  // namespace

model::Rule decode_rule(const std::vector<Expr>& exprs, Family family,
                        const std::optional<nft::Bytes>& userdata, const model::IpHeader& ip) {
  model::Rule rule;
  rule.ip = ip;
  Lifter lifter(family, rule);
  for (const Expr& e : exprs) lifter.step(e);
  lifter.finish(userdata);
  return rule;
}

bool listable(const Expr& e) {
  switch (e.kind) {
    case Expr::Kind::Limit:
      return e.limit_type == 0 && e.limit_flags == 0;  // packets, not over
    case Expr::Kind::Log:
      return e.log_group.has_value();  // NFLOG only
    case Expr::Kind::Other:
      // A kind iptables-nft reads although we do not (a payload write, a lookup).
      return e.other_name == "lookup" || e.other_name == "payload" || e.other_name == "meta" ||
             e.other_name == "immediate" || e.other_name == "cmp" || e.other_name == "bitwise";
    default:
      return true;
  }
}

bool listable(const std::vector<Expr>& exprs) {
  return std::all_of(exprs.begin(), exprs.end(), [](const Expr& e) { return listable(e); });
}

Error lift_error(const model::Rule& rule, const std::string& program) {
  std::string text;
  for (const auto& e : rule.decode_errors) text += "Error: " + e + "\n";
  text += program + " v1.8.9 (nf_tables): Parsing nftables rule failed\nPerhaps " + program +
          " or your kernel needs to be upgraded.";
  return Error{ErrorKind::Version, std::move(text), ErrorStyle::Bare, 0};
}

}  // namespace cx::codec

namespace cx::codec {

Result<nft::RuleObj> rule_object(const model::Rule& rule, ext::RuleContext ctx,
                                 const std::string& chain) {
  ctx.ip = &rule.ip;
  auto exprs = encode_rule(rule, ctx);
  if (!exprs) return exprs.take_error();
  nft::RuleObj o;
  o.table = std::string(ctx.table);
  o.chain = chain;
  o.exprs = std::move(*exprs);
  o.compat_proto = rule.ip.proto;
  o.compat_flags = rule.ip.inv_proto ? 2u : 0u;
  return o;
}

model::Rule read_back(const model::Rule& sent, const std::vector<nft::Expr>& exprs, Family family) {
  model::Rule back = decode_rule(exprs, family);
  if (back.incompatible) return model::Rule(sent);
  return back;
}

}  // namespace cx::codec
