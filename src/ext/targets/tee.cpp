// -j TEE (xt "TEE" rev 1, xt_tee_tginfo: gateway address, --oif name)
#include <linux/netfilter/xt_TEE.h>

#include <cstring>

#include "common/parse.h"
#include "ext/extension.h"
#include "ext/util.h"

namespace cx::ext {
namespace {

constexpr OptionSpec kOptions[] = {{"gateway", ArgKind::Required, 1},
                                   {"oif", ArgKind::Required, 2}};

class TeeTarget final : public SimpleTarget<xt_tee_tginfo> {
 public:
  std::string_view name() const override { return "TEE"; }
  std::unique_ptr<Target> clone() const override { return std::make_unique<TeeTarget>(*this); }
  Status parse(int id, const OptionArg& arg, const RuleContext& ctx) override {
    CX_TRY(check_once(id, arg, kOptions));
    if (id == 1) {
      std::uint8_t a[16];
      CX_TRY(resolve_one(arg.value, ctx.family, a));
      std::memcpy(&info.gw, a, 16);
    } else {
      CX_TRY(check_interface(arg.value));
      set_cstr(info.oif, sizeof(info.oif), arg.value);
    }
    return {};
  }
  Status final_check(const RuleContext&) override {
    if (!(seen & 2u)) return must_be_specified("TEE", "--gateway");
    return {};
  }
  void save(std::string& out, const SaveContext& ctx) const override {
    out += " --gateway " + addr_text(reinterpret_cast<const std::uint8_t*>(&info.gw), ctx.family);
    if (info.oif[0]) out += " --oif " + cstr(info.oif, sizeof(info.oif));
  }
  // Without -n the gateway is named by a reverse lookup, as -L names addresses.
  void list(std::string& out, bool numeric, const SaveContext& ctx) const override {
    const auto* gw = reinterpret_cast<const std::uint8_t*>(&info.gw);
    out += " TEE gw:" + (numeric ? addr_text(gw, ctx.family) : addr_anyname(gw, ctx.family));
    if (info.oif[0]) out += " oif=" + cstr(info.oif, sizeof(info.oif));
  }
  bool xlate(Xlate& xl, const XlateContext& ctx) const override {
    const auto* gw = reinterpret_cast<const std::uint8_t*>(&info.gw);
    const std::string text = ctx.numeric ? addr_text(gw, ctx.family) : addr_anyname(gw, ctx.family);
    xl.addf("dup to %s", text.c_str());
    if (info.oif[0]) xl.addf(" device %s", cstr(info.oif, sizeof(info.oif)).c_str());
    return true;
  }
  Status encode(std::vector<nft::Expr>& out, const RuleContext&) const override {
    out.push_back(nft::Expr::target("TEE", 1, xt_blob(info)));
    return {};
  }
};

std::unique_ptr<Target> create(Family) { return std::make_unique<TeeTarget>(); }
std::unique_ptr<Target> decode_compat(const DecodeContext&, const nft::Bytes& blob) {
  auto t = std::make_unique<TeeTarget>();
  if (!xt_read(blob, t->info)) return nullptr;
  return t;
}

}  // namespace

constexpr std::string_view kTeeTargetHelp = R"HELP(
TEE target options:
  --gateway IPADDR    Route packet via the gateway given by address
  --oif NAME          Include oif in route calculation

)HELP";

extern const TargetType kTeeTarget = {"TEE", kBoth,         kOptions, create,        "TEE",
                                      1,     decode_compat, nullptr,  kTeeTargetHelp};

}  // namespace cx::ext
