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

std::unique_ptr<Target> decode_native(ExprCursor& cur, const DecodeContext&) {
  const nft::Expr* imm = cur.peek(0);
  const nft::Expr* set = cur.peek(1);
  if (!imm || !set || imm->kind != nft::Expr::Kind::Immediate || !imm->imm_data ||
      imm->imm_data->size() != 1 || (*imm->imm_data)[0] != 1 ||
      set->kind != nft::Expr::Kind::Meta || !set->meta_set || set->key != kMetaKeyNftrace ||
      set->sreg != imm->dreg)
    return nullptr;
  cur.advance(2);
  return std::make_unique<TraceTarget>();
}

}  // namespace

extern const TargetType kTraceTarget = {"TRACE", kBoth, {}, create, "TRACE", 0, decode_compat,
                                        decode_native};

}  // namespace cx::ext
