// -j TCPMSS (xt "TCPMSS" rev 0, struct xt_tcpmss_info {mss}); --clamp-mss-to-pmtu is mss
// 0xffff and wins over --set-mss (0-65515 for IPv4, 0-65495 for IPv6). One of them is needed.
// -L: "TCPMSS clamp to PMTU" / "TCPMSS set N".
#include <linux/netfilter/xt_TCPMSS.h>

#include "ext/extension.h"
#include "ext/util.h"

namespace cx::ext {
namespace {

enum { kOptSet = 1, kOptClamp };
constexpr OptionSpec kOptions[] = {{"set-mss", ArgKind::Required, kOptSet},
                                   {"clamp-mss-to-pmtu", ArgKind::None, kOptClamp}};

class TcpmssTarget final : public Target {
 public:
  xt_tcpmss_info info{};
  unsigned seen = 0;

  std::string_view name() const override { return "TCPMSS"; }
  std::unique_ptr<Target> clone() const override { return std::make_unique<TcpmssTarget>(*this); }

  Status parse(int id, const OptionArg& arg, const RuleContext& ctx) override {
    const char* opt = id == kOptSet ? "--set-mss" : "--clamp-mss-to-pmtu";
    if (seen & (1u << id)) return only_once("TCPMSS", opt);
    if (arg.invert) return cannot_invert("TCPMSS", opt);
    seen |= 1u << id;
    if (id == kOptSet) {
      auto v = parse_uint_opt(arg.value, 0, ctx.family == Family::V4 ? 65515 : 65495, "TCPMSS",
                              opt);
      if (!v) return v.take_error();
      if (!(seen & (1u << kOptClamp))) info.mss = static_cast<std::uint16_t>(*v);
    } else {
      info.mss = XT_TCPMSS_CLAMP_PMTU;
    }
    return {};
  }
  Status final_check(const RuleContext&) override {
    if (!seen) return parameter_error("TCPMSS target: At least one parameter is required");
    return {};
  }
  void save(std::string& out, const SaveContext&) const override {
    if (info.mss == XT_TCPMSS_CLAMP_PMTU)
      out += " --clamp-mss-to-pmtu";
    else
      out += " --set-mss " + std::to_string(info.mss);
  }
  void list(std::string& out, bool, const SaveContext&) const override {
    if (info.mss == XT_TCPMSS_CLAMP_PMTU)
      out += " TCPMSS clamp to PMTU";
    else
      out += " TCPMSS set " + std::to_string(info.mss);
  }
  bool xlate(Xlate& xl, const XlateContext&) const override {
    if (info.mss == XT_TCPMSS_CLAMP_PMTU)
      xl.add("tcp option maxseg size set rt mtu");
    else
      xl.addf("tcp option maxseg size set %d", info.mss);
    return true;
  }
  Status encode(std::vector<nft::Expr>& out, const RuleContext&) const override {
    out.push_back(nft::Expr::target("TCPMSS", 0, xt_blob(info)));
    return {};
  }
};

std::unique_ptr<Target> create(Family) { return std::make_unique<TcpmssTarget>(); }
std::unique_ptr<Target> decode_compat(const DecodeContext&, const nft::Bytes& blob) {
  auto t = std::make_unique<TcpmssTarget>();
  if (!xt_read(blob, t->info)) return nullptr;
  return t;
}

}  // namespace

constexpr std::string_view kTcpmssTargetHelp = R"HELP(
TCPMSS target mutually-exclusive options:
  --set-mss value               explicitly set MSS option to specified value
  --clamp-mss-to-pmtu           automatically clamp MSS value to (path_MTU - 20)
)HELP";

constexpr std::string_view kTcpmssTargetHelp6 = R"HELP(
TCPMSS target mutually-exclusive options:
  --set-mss value               explicitly set MSS option to specified value
  --clamp-mss-to-pmtu           automatically clamp MSS value to (path_MTU - 40)
)HELP";

extern const TargetType kTcpmssTarget = {"TCPMSS",          kBoth,
                                         kOptions,          create,
                                         "TCPMSS",          0,
                                         decode_compat,     nullptr,
                                         kTcpmssTargetHelp, kTcpmssTargetHelp6};

}  // namespace cx::ext
