// -m ipvs (xt "ipvs" rev 0, xt_ipvs_mtinfo): --ipvs.
#include <linux/netfilter/xt_ipvs.h>

#include "ext/extension.h"

namespace cx::ext {
namespace {

constexpr OptionSpec kOptions[] = {{"ipvs", ArgKind::None, 1}};

class IpvsMatch final : public Match {
 public:
  xt_ipvs_mtinfo info{};
  std::string_view name() const override { return "ipvs"; }
  std::unique_ptr<Match> clone() const override { return std::make_unique<IpvsMatch>(*this); }
  Status parse(int, const OptionArg& arg, const RuleContext&) override {
    info.bitmask |= XT_IPVS_IPVS_PROPERTY;
    if (arg.invert) info.invert |= XT_IPVS_IPVS_PROPERTY;
    return {};
  }
  void save(std::string& out, const SaveContext&) const override {
    if (info.bitmask & XT_IPVS_IPVS_PROPERTY)
      out += (info.invert & XT_IPVS_IPVS_PROPERTY) ? " ! --ipvs" : " --ipvs";
  }
  void list(std::string& out, bool, const SaveContext&) const override {
    if (info.bitmask & XT_IPVS_IPVS_PROPERTY)
      out += (info.invert & XT_IPVS_IPVS_PROPERTY) ? " ! ipvs" : " ipvs";
  }
  Status encode(std::vector<nft::Expr>& out, const RuleContext&) const override {
    out.push_back(nft::Expr::match("ipvs", 0, xt_blob(info)));
    return {};
  }
};

std::unique_ptr<Match> create(Family) { return std::make_unique<IpvsMatch>(); }
std::unique_ptr<Match> decode_compat(const DecodeContext&, const nft::Bytes& blob) {
  auto m = std::make_unique<IpvsMatch>();
  if (!xt_read(blob, m->info)) return nullptr;
  return m;
}

}  // namespace

extern const MatchType kIpvsMatch = {"ipvs", kBoth, kOptions,      create,
                                     "ipvs", 0,     decode_compat, nullptr};

}  // namespace cx::ext
