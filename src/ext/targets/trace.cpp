// -j TRACE (xt "TRACE" rev 0, no payload). iptables-nft 1.8.9 sends it natively:
// `immediate reg 9 <01>` (one byte) followed by `meta set nftrace with reg 9`.
// NFT_META_NFTRACE is 12 (nft/expr.h's kMetaNftrace = 17 is not the kernel's value).
#include "eval/context.h"
#include "ext/extension.h"

namespace cx::ext {
namespace {

constexpr std::uint32_t kMetaKeyNftrace = 12;  // enum nft_meta_keys NFT_META_NFTRACE
constexpr std::uint32_t kTraceReg = 9;         // NFT_REG32_01 as iptables-nft picks it

class TraceTarget final : public Target {
 public:
  std::string_view name() const override { return "TRACE"; }
  eval::TargetAction evaluate(eval::Packet&, eval::Context& ctx) const override {
    ctx.note("TRACE: nftrace set, the kernel reports the packet's path");
    return eval::TargetAction::Continue;
  }
  std::unique_ptr<Target> clone() const override { return std::make_unique<TraceTarget>(*this); }
  Status parse(int, const OptionArg&, const RuleContext&) override { return {}; }
  void save(std::string&, const SaveContext&) const override {}
  void list(std::string&, bool, const SaveContext&) const override {}
  bool xlate(Xlate& xl, const XlateContext&) const override {
    xl.add("nftrace set 1");
    return true;
  }
  Status encode(std::vector<nft::Expr>& out, const RuleContext&) const override {
    out.push_back(nft::Expr::data_imm(kTraceReg, nft::Bytes{1}));
    out.push_back(nft::Expr::meta_set_reg(kMetaKeyNftrace, kTraceReg));
    return {};
  }
};

std::unique_ptr<Target> create(Family) { return std::make_unique<TraceTarget>(); }

std::unique_ptr<Target> decode_compat(const DecodeContext&, const nft::Bytes&) {
  return std::make_unique<TraceTarget>();
}

// Native: meta nftrace set from a register holding a non-zero immediate.
bool decode_native(const LiftStep& s, LiftContext& ctx) {
  const nft::Expr& e = s.expr;
  if (e.kind != nft::Expr::Kind::Meta || !e.meta_set || e.key != kMetaKeyNftrace || !s.reg)
    return false;
  if (s.reg->source != RegValue::Source::Immediate) {
    ctx.fail("meta nftrace but reg not immediate");
  } else if (s.reg->imm.empty() || s.reg->imm[0] == 0) {
    ctx.fail("trace is cleared");
  } else {
    ctx.set_target(std::make_unique<TraceTarget>());
  }
  return true;
}

}  // namespace

constexpr std::string_view kTraceTargetHelp = R"HELP(
TRACE does not take any options
)HELP";

extern const TargetType kTraceTarget = {
    "TRACE", kBoth, {}, create, "TRACE", 0, decode_compat, decode_native, kTraceTargetHelp};

}  // namespace cx::ext
