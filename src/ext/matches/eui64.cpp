// -m eui64 (xt "eui64" rev 0; IPv6 only, xt compat): no options; 8 zero bytes.
#include "ext/extension.h"

namespace cx::ext {
namespace {

class Eui64Match final : public Match {
 public:
  std::string_view name() const override { return "eui64"; }
  std::unique_ptr<Match> clone() const override { return std::make_unique<Eui64Match>(*this); }
  Status parse(int, const OptionArg&, const RuleContext&) override { return {}; }
  void save(std::string&, const SaveContext&) const override {}
  void list(std::string&, bool, const SaveContext&) const override {}
  Status encode(std::vector<nft::Expr>& out, const RuleContext&) const override {
    out.push_back(nft::Expr::match("eui64", 0, nft::Bytes(8, 0)));
    return {};
  }
};

std::unique_ptr<Match> create(Family) { return std::make_unique<Eui64Match>(); }
std::unique_ptr<Match> decode_compat(const DecodeContext&, const nft::Bytes&) {
  return std::make_unique<Eui64Match>();
}

}  // namespace

constexpr std::string_view kEui64MatchHelp = R"HELP(
eui64 does not take any options
)HELP";

extern const MatchType kEui64Match = {"eui64", kV6,           {},      create,         "eui64",
                                      0,       decode_compat, nullptr, kEui64MatchHelp};

}  // namespace cx::ext
