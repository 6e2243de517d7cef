// -m tcpmss (xt "tcpmss" rev 0, xt_tcpmss_match_info): --mss A[:B].
#include <linux/netfilter/xt_tcpmss.h>

#include "ext/extension.h"
#include "ext/util.h"

namespace cx::ext {
namespace {

constexpr OptionSpec kOptions[] = {{"mss", ArgKind::Required, 1}};

class TcpmssMatch final : public Match {
 public:
  xt_tcpmss_match_info info{};
  bool given = false;
  std::string_view name() const override { return "tcpmss"; }
  std::unique_ptr<Match> clone() const override { return std::make_unique<TcpmssMatch>(*this); }
  Status parse(int, const OptionArg& arg, const RuleContext&) override {
    if (given) return only_once("tcpmss", "--mss");
    auto r = parse_range_u(arg.value, UINT16_MAX, "tcpmss", "--mss");
    if (!r) return r.take_error();
    info.mss_min = static_cast<std::uint16_t>(r->first);
    info.mss_max = static_cast<std::uint16_t>(r->second);
    if (info.mss_min > info.mss_max) return parameter_error("tcpmss: invalid range given");
    info.invert = arg.invert;
    given = true;
    return {};
  }
  Status final_check(const RuleContext&) override {
    if (!given) return must_be_specified("tcpmss", "--mss");
    return {};
  }
  std::string text() const {
    if (info.mss_min == info.mss_max) return std::to_string(info.mss_min);
    return std::to_string(info.mss_min) + ":" + std::to_string(info.mss_max);
  }
  void save(std::string& out, const SaveContext&) const override {
    out += info.invert ? " ! --mss " : " --mss ";
    out += text();
  }
  void list(std::string& out, bool, const SaveContext&) const override {
    out += info.invert ? " tcpmss match !" : " tcpmss match ";
    out += text();
  }
  bool xlate(Xlate& xl, const XlateContext&) const override {
    xl.addf("tcp option maxseg size %s", info.invert ? "!= " : "");
    xl.add_range(info.mss_min, info.mss_max);
    return true;
  }
  Status encode(std::vector<nft::Expr>& out, const RuleContext&) const override {
    out.push_back(nft::Expr::match("tcpmss", 0, xt_blob(info)));
    return {};
  }
};

std::unique_ptr<Match> create(Family) { return std::make_unique<TcpmssMatch>(); }
std::unique_ptr<Match> decode_compat(const DecodeContext&, const nft::Bytes& blob) {
  auto m = std::make_unique<TcpmssMatch>();
  if (!xt_read(blob, m->info)) return nullptr;
  m->given = true;
  return m;
}

}  // namespace

constexpr std::string_view kTcpmssMatchHelp = R"HELP(
tcpmss match options:
[!] --mss value[:value]	Match TCP MSS range.
				(only valid for TCP SYN or SYN/ACK packets)
)HELP";

extern const MatchType kTcpmssMatch = {"tcpmss", kBoth,         kOptions, create,          "tcpmss",
                                       0,        decode_compat, nullptr,  kTcpmssMatchHelp};

}  // namespace cx::ext
