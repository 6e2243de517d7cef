// -m helper (xt "helper" rev 0, struct xt_helper_info: int invert, name[30]); -L helper match [!
// ]"ftp"
#include <linux/netfilter/xt_helper.h>

#include <cstring>

#include "ext/extension.h"
#include "ext/util.h"

namespace cx::ext {
namespace {

constexpr OptionSpec kOptions[] = {{"helper", ArgKind::Required, 1}};

class HelperMatch final : public Match {
 public:
  xt_helper_info info{};
  bool given = false;
  std::string_view name() const override { return "helper"; }
  std::unique_ptr<Match> clone() const override { return std::make_unique<HelperMatch>(*this); }
  Status parse(int, const OptionArg& arg, const RuleContext&) override {
    if (given) return only_once("helper", "--helper");
    std::memset(info.name, 0, sizeof(info.name));
    std::memcpy(info.name, arg.value.data(), std::min(arg.value.size(), sizeof(info.name) - 1));
    info.invert = arg.invert;
    given = true;
    return {};
  }
  Status final_check(const RuleContext&) override {
    if (!given) return must_be_specified("helper", "--helper");
    return {};
  }
  std::string n() const { return std::string(info.name, strnlen(info.name, sizeof(info.name))); }
  void save(std::string& out, const SaveContext&) const override {
    out += info.invert ? " ! --helper " : " --helper ";
    out += quote_string(n());
  }
  void list(std::string& out, bool, const SaveContext&) const override {
    out += info.invert ? " helper match ! \"" : " helper match \"";
    out += n() + "\"";
  }
  bool xlate(Xlate& xl, const XlateContext&) const override {
    xl.addf("ct helper%s \"%s\"", info.invert ? " !=" : "", n().c_str());
    return true;
  }
  Status encode(std::vector<nft::Expr>& out, const RuleContext&) const override {
    out.push_back(nft::Expr::match("helper", 0, xt_blob(info)));
    return {};
  }
};

std::unique_ptr<Match> create(Family) { return std::make_unique<HelperMatch>(); }
std::unique_ptr<Match> decode_compat(const DecodeContext&, const nft::Bytes& blob) {
  auto m = std::make_unique<HelperMatch>();
  if (!xt_read(blob, m->info)) return nullptr;
  m->given = true;
  return m;
}

}  // namespace

constexpr std::string_view kHelperMatchHelp = R"HELP(
helper match options:
[!] --helper string        Match helper identified by string
)HELP";

extern const MatchType kHelperMatch = {"helper", kBoth,         kOptions, create,          "helper",
                                       0,        decode_compat, nullptr,  kHelperMatchHelp};

}  // namespace cx::ext
