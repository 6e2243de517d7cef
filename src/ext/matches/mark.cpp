// -m mark (xt "mark" rev 1, struct xt_mark_mtinfo1). iptables-nft 1.8.9 always encodes it
// natively: meta load mark => reg 1, a bitwise AND when the mask is not 0xffffffff (also for
// mask 0), then cmp eq/neq with the value in host byte order. The value is not masked.
// -S prints "--mark 0xV[/0xM]"; -L prints "mark match [! ]0xV[/0xM]".
#include <linux/netfilter/xt_mark.h>

#include "eval/context.h"
#include "ext/extension.h"
#include "ext/util.h"

namespace cx::ext {
namespace {

enum { kOptMark = 1 };
constexpr OptionSpec kOptions[] = {{"mark", ArgKind::Required, kOptMark}};

std::uint32_t host_u32(const nft::Bytes& b) {
  std::uint32_t v = 0;
  __builtin_memcpy(&v, b.data(), 4);
  return v;
}

class MarkMatch final : public Match {
 public:
  std::uint32_t mark = 0, mask = 0xffffffff;
  bool invert = false, given = false;

  std::string_view name() const override { return "mark"; }
  eval::Outcome evaluate(const eval::Packet& p, eval::Context&) const override {
    // meta mark & mask == value (the value is not masked, so stray bits never match).
    return ((p.mark & mask) == mark) != invert ? eval::Outcome::Match : eval::Outcome::NoMatch;
  }
  std::unique_ptr<Match> clone() const override { return std::make_unique<MarkMatch>(*this); }

  Status parse(int, const OptionArg& arg, const RuleContext&) override {
    if (given) return only_once("mark", "--mark");
    CX_TRY(parse_mark_mask(arg.value, mark, mask, "mark", "--mark"));
    invert = arg.invert;
    given = true;
    return {};
  }
  Status final_check(const RuleContext&) override {
    if (!given) return must_be_specified("mark", "--mark");
    return {};
  }
  std::string value_text() const {
    std::string s = hex(mark);
    if (mask != 0xffffffff) s += "/" + hex(mask);
    return s;
  }
  void save(std::string& out, const SaveContext&) const override {
    out += invert ? " ! --mark " : " --mark ";
    out += value_text();
  }
  void list(std::string& out, bool, const SaveContext&) const override {
    out += invert ? " mark match ! " : " mark match ";
    out += value_text();
  }
  bool xlate(Xlate& xl, const XlateContext&) const override {
    xl.add("mark");
    if (mask != 0xffffffff)
      xl.addf(" and 0x%x %s 0x%x", mask, invert ? "!=" : "==", mark);
    else
      xl.addf(" %s0x%x", invert ? "!= " : "", mark);
    return true;
  }
  Status encode(std::vector<nft::Expr>& out, const RuleContext&) const override {
    out.push_back(nft::Expr::meta_load(nft::kMetaMark));
    if (mask != 0xffffffff) out.push_back(nft::Expr::bitwise(4, nft::host32(mask), nft::host32(0)));
    out.push_back(nft::Expr::cmp(invert ? nft::kNeq : nft::kEq, nft::host32(mark)));
    return {};
  }
};

std::unique_ptr<Match> create(Family) { return std::make_unique<MarkMatch>(); }

std::unique_ptr<Match> decode_compat(const DecodeContext&, const nft::Bytes& info) {
  xt_mark_mtinfo1 mi{};
  if (!xt_read(info, mi)) return nullptr;
  auto m = std::make_unique<MarkMatch>();
  m->mark = mi.mark;
  m->mask = mi.mask;
  m->invert = mi.invert;
  m->given = true;
  return m;
}

// Native: meta mark [& MASK] == / != VALUE.
bool decode_native(const LiftStep& s, LiftContext& ctx) {
  if (!s.reg || !s.reg->is_meta(nft::kMetaMark) || s.expr.kind != nft::Expr::Kind::Cmp)
    return false;
  const nft::Expr& e = s.expr;
  const RegValue& r = *s.reg;
  bool xor_set = false;
  for (auto b : r.xor_bits) xor_set |= b != 0;
  if (e.data.size() != 4 || (e.op != nft::kEq && e.op != nft::kNeq) ||
      (r.masked && (r.mask.size() != 4 || xor_set))) {
    ctx.refuse("unsupported mark comparison");
    return true;
  }
  auto m = std::make_unique<MarkMatch>();
  m->mark = host_u32(e.data);
  m->mask = r.masked ? host_u32(r.mask) : 0xffffffff;
  m->invert = e.op == nft::kNeq;
  m->given = true;
  ctx.add_match(std::move(m));
  return true;
}

}  // namespace

constexpr std::string_view kMarkMatchHelp = R"HELP(
mark match options:
[!] --mark value[/mask]    Match nfmark value with optional mask
)HELP";

extern const MatchType kMarkMatch = {"mark", kBoth,         kOptions,      create,        "mark",
                                     1,      decode_compat, decode_native, kMarkMatchHelp};

}  // namespace cx::ext
