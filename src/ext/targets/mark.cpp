// -j MARK (xt "MARK" rev 2, struct xt_mark_tginfo2 {mark, mask}); the kernel computes
// (nfmark & ~mask) ^ mark. --set-xmark V[/M] (M defaults to 0xffffffff), --set-mark V[/M]
// is V/(M|V), --and-mark X is 0/~X, --or-mark X is X/X, --xor-mark X is X/0. The five
// exclude each other (reported after parsing). -S always prints --set-xmark V/M; -L names
// the operation back: "MARK set 0x1", "MARK or/and/xor 0x..", "MARK xset V/M".
#include <linux/netfilter/xt_mark.h>

#include "eval/context.h"
#include "ext/extension.h"
#include "ext/util.h"

namespace cx::ext {
namespace {

enum { kOptSetXmark = 1, kOptSetMark, kOptAndMark, kOptOrMark, kOptXorMark };
constexpr OptionSpec kOptions[] = {
    {"set-xmark", ArgKind::Required, kOptSetXmark}, {"set-mark", ArgKind::Required, kOptSetMark},
    {"and-mark", ArgKind::Required, kOptAndMark},   {"or-mark", ArgKind::Required, kOptOrMark},
    {"xor-mark", ArgKind::Required, kOptXorMark},
};

const char* opt_name(int id) {
  switch (id) {
    case kOptSetXmark: return "--set-xmark";
    case kOptSetMark: return "--set-mark";
    case kOptAndMark: return "--and-mark";
    case kOptOrMark: return "--or-mark";
    default: return "--xor-mark";
  }
}

class MarkTarget final : public Target {
 public:
  xt_mark_tginfo2 info{};
  unsigned seen = 0;

  std::string_view name() const override { return "MARK"; }
  std::unique_ptr<Target> clone() const override { return std::make_unique<MarkTarget>(*this); }
  eval::TargetAction evaluate(eval::Packet& p, eval::Context& ctx) const override {
    std::uint32_t before = p.mark;
    p.mark = (p.mark & ~info.mask) ^ info.mark;
    ctx.note("MARK: mark " + hex(before) + " -> " + hex(p.mark));
    return eval::TargetAction::Continue;
  }

  Status parse(int id, const OptionArg& arg, const RuleContext&) override {
    if (seen & (1u << id)) return only_once("MARK", opt_name(id));
    if (arg.invert) return cannot_invert("MARK", opt_name(id));
    seen |= 1u << id;
    std::uint32_t v = 0, m = 0xffffffff;
    if (id == kOptSetXmark || id == kOptSetMark) {
      CX_TRY(parse_mark_mask(arg.value, v, m, "MARK", opt_name(id)));
    } else {
      auto x = parse_uint(arg.value, 0, UINT32_MAX);
      if (!x) return out_of_range("MARK", opt_name(id), 0, UINT32_MAX);
      v = static_cast<std::uint32_t>(*x);
    }
    switch (id) {
      case kOptSetXmark: info.mark = v; info.mask = m; break;
      case kOptSetMark: info.mark = v; info.mask = m | v; break;
      case kOptAndMark: info.mark = 0; info.mask = ~v; break;
      case kOptOrMark: info.mark = v; info.mask = v; break;
      case kOptXorMark: info.mark = v; info.mask = 0; break;
    }
    return {};
  }
  Status final_check(const RuleContext&) override {
    int ids[5], n = 0;
    for (int id = kOptSetXmark; id <= kOptXorMark; ++id)
      if (seen & (1u << id)) ids[n++] = id;
    if (n == 0)
      return parameter_error(
          "MARK: One of the --set-xmark, --{and,or,xor,set}-mark options is required");
    if (n > 1) return cannot_combine("MARK", opt_name(ids[0]), opt_name(ids[1]));
    return {};
  }
  void save(std::string& out, const SaveContext&) const override {
    out += " --set-xmark " + hex(info.mark) + "/" + hex(info.mask);
  }
  void list(std::string& out, bool, const SaveContext&) const override {
    // libxt_MARK's order: a zero mark is an "and" (also "--set-mark 0").
    if (info.mark == 0)
      out += " MARK and " + hex(~info.mask);
    else if (info.mark == info.mask)
      out += " MARK or " + hex(info.mark);
    else if (info.mask == 0)
      out += " MARK xor " + hex(info.mark);
    else if (info.mask == 0xffffffff)
      out += " MARK set " + hex(info.mark);
    else
      out += " MARK xset " + hex(info.mark) + "/" + hex(info.mask);
  }
  // The kernel's (mark & ~mask) ^ value, named by the same cases as -L.
  bool xlate(Xlate& xl, const XlateContext&) const override {
    xl.add("meta mark set ");
    if (info.mask == 0xffffffffu)
      xl.addf("0x%x ", info.mark);
    else if (info.mark == 0)
      xl.addf("mark and 0x%x ", ~info.mask);
    else if (info.mark == info.mask)
      xl.addf("mark or 0x%x ", info.mark);
    else if (info.mask == 0)
      xl.addf("mark xor 0x%x ", info.mark);
    else
      xl.addf("mark and 0x%x xor 0x%x ", ~info.mask, info.mark);
    return true;
  }
  Status encode(std::vector<nft::Expr>& out, const RuleContext&) const override {
    out.push_back(nft::Expr::target("MARK", 2, xt_blob(info)));
    return {};
  }
};

std::unique_ptr<Target> create(Family) { return std::make_unique<MarkTarget>(); }
std::unique_ptr<Target> decode_compat(const DecodeContext&, const nft::Bytes& blob) {
  auto t = std::make_unique<MarkTarget>();
  if (!xt_read(blob, t->info)) return nullptr;
  return t;
}

}  // namespace

constexpr std::string_view kMarkTargetHelp = R"HELP(
MARK target options:
  --set-xmark value[/mask]  Clear bits in mask and XOR value into nfmark
  --set-mark value[/mask]   Clear bits in mask and OR value into nfmark
  --and-mark bits           Binary AND the nfmark with bits
  --or-mark bits            Binary OR the nfmark with bits
  --xor-mark bits           Binary XOR the nfmark with bits
)HELP";

extern const TargetType kMarkTarget = {"MARK", kBoth,         kOptions, create,         "MARK",
                                       2,      decode_compat, nullptr,  kMarkTargetHelp};

}  // namespace cx::ext
