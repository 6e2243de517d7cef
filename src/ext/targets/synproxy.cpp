// -j SYNPROXY (xt "SYNPROXY" rev 0, options bits mss 1, wscale 2, sack-perm 4, timestamp 8,
// ecn 16; -L prints every piece followed by a space)
#include <linux/netfilter/xt_SYNPROXY.h>

#include "ext/extension.h"
#include "ext/util.h"

namespace cx::ext {
namespace {

enum { kSpSack = 1, kSpTs, kSpWscale, kSpMss, kSpEcn };
constexpr OptionSpec kOptions[] = {
    {"sack-perm", ArgKind::None, kSpSack},    {"timestamp", ArgKind::None, kSpTs},
    {"wscale", ArgKind::Required, kSpWscale}, {"mss", ArgKind::Required, kSpMss},
    {"ecn", ArgKind::None, kSpEcn},
};

class SynproxyTarget final : public SimpleTarget<xt_synproxy_info> {
 public:
  std::string_view name() const override { return "SYNPROXY"; }
  std::unique_ptr<Target> clone() const override { return std::make_unique<SynproxyTarget>(*this); }
  Status parse(int id, const OptionArg& arg, const RuleContext&) override {
    CX_TRY(check_once(id, arg, kOptions));
    switch (id) {
      case kSpSack:
        info.options |= XT_SYNPROXY_OPT_SACK_PERM;
        break;
      case kSpTs:
        info.options |= XT_SYNPROXY_OPT_TIMESTAMP;
        break;
      case kSpEcn:
        info.options |= XT_SYNPROXY_OPT_ECN;
        break;
      case kSpWscale: {
        auto v = parse_uint_opt(arg.value, 0, 255, "SYNPROXY", "--wscale");
        if (!v) return v.take_error();
        info.wscale = static_cast<std::uint8_t>(*v);
        info.options |= XT_SYNPROXY_OPT_WSCALE;
        break;
      }
      case kSpMss: {
        auto v = parse_uint_opt(arg.value, 0, 65535, "SYNPROXY", "--mss");
        if (!v) return v.take_error();
        info.mss = static_cast<std::uint16_t>(*v);
        info.options |= XT_SYNPROXY_OPT_MSS;
        break;
      }
    }
    return {};
  }
  void save(std::string& out, const SaveContext&) const override {
    if (info.options & XT_SYNPROXY_OPT_SACK_PERM) out += " --sack-perm";
    if (info.options & XT_SYNPROXY_OPT_TIMESTAMP) out += " --timestamp";
    if (info.options & XT_SYNPROXY_OPT_WSCALE) out += " --wscale " + std::to_string(info.wscale);
    if (info.options & XT_SYNPROXY_OPT_MSS) out += " --mss " + std::to_string(info.mss);
    if (info.options & XT_SYNPROXY_OPT_ECN) out += " --ecn";
  }
  void list(std::string& out, bool, const SaveContext&) const override {
    out += " SYNPROXY ";
    if (info.options & XT_SYNPROXY_OPT_SACK_PERM) out += "sack-perm ";
    if (info.options & XT_SYNPROXY_OPT_TIMESTAMP) out += "timestamp ";
    if (info.options & XT_SYNPROXY_OPT_WSCALE) out += "wscale " + std::to_string(info.wscale) + " ";
    if (info.options & XT_SYNPROXY_OPT_MSS) out += "mss " + std::to_string(info.mss) + " ";
    if (info.options & XT_SYNPROXY_OPT_ECN) out += "ecn ";
  }
  bool xlate(Xlate& xl, const XlateContext&) const override {
    xl.add("synproxy ");
    if (info.options & XT_SYNPROXY_OPT_SACK_PERM) xl.add("sack-perm ");
    if (info.options & XT_SYNPROXY_OPT_TIMESTAMP) xl.add("timestamp ");
    if (info.options & XT_SYNPROXY_OPT_WSCALE) xl.addf("wscale %u ", unsigned{info.wscale});
    if (info.options & XT_SYNPROXY_OPT_MSS) xl.addf("mss %u ", unsigned{info.mss});
    if (info.options & XT_SYNPROXY_OPT_ECN) xl.add("ecn ");
    return true;
  }
  Status encode(std::vector<nft::Expr>& out, const RuleContext&) const override {
    out.push_back(nft::Expr::target("SYNPROXY", 0, xt_blob(info)));
    return {};
  }
};

std::unique_ptr<Target> create(Family) { return std::make_unique<SynproxyTarget>(); }
std::unique_ptr<Target> decode_compat(const DecodeContext&, const nft::Bytes& blob) {
  auto t = std::make_unique<SynproxyTarget>();
  if (!xt_read(blob, t->info)) return nullptr;
  return t;
}

}  // namespace

constexpr std::string_view kSynproxyTargetHelp = R"HELP(
SYNPROXY target options:
  --sack-perm                        Set SACK_PERM
  --timestamp                        Set TIMESTAMP
  --wscale value                     Set window scaling factor
  --mss value                        Set MSS value
  --ecn                              Set ECN
)HELP";

extern const TargetType kSynproxyTarget = {"SYNPROXY",    kBoth,      kOptions,
                                           create,        "SYNPROXY", 0,
                                           decode_compat, nullptr,    kSynproxyTargetHelp};

}  // namespace cx::ext
