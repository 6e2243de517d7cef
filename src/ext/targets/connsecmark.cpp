// -j CONNSECMARK (xt "CONNSECMARK" rev 0, --save 1 / --restore 2)
#include <linux/netfilter/xt_CONNSECMARK.h>

#include "ext/extension.h"
#include "ext/util.h"

namespace cx::ext {
namespace {

constexpr OptionSpec kOptions[] = {{"save", ArgKind::None, 1}, {"restore", ArgKind::None, 2}};

class ConnsecmarkTarget final : public SimpleTarget<xt_connsecmark_target_info> {
 public:
  std::string_view name() const override { return "CONNSECMARK"; }
  std::unique_ptr<Target> clone() const override {
    return std::make_unique<ConnsecmarkTarget>(*this);
  }
  Status parse(int id, const OptionArg& arg, const RuleContext&) override {
    CX_TRY(check_once(id, arg, kOptions));
    info.mode = id == 1 ? CONNSECMARK_SAVE : CONNSECMARK_RESTORE;
    return {};
  }
  Status final_check(const RuleContext&) override {
    if (seen == 6) return cannot_combine("CONNSECMARK", "--save", "--restore");
    if (!seen) return parameter_error("CONNSECMARK target: parameter required");
    return {};
  }
  void save(std::string& out, const SaveContext&) const override {
    out += info.mode == CONNSECMARK_SAVE ? " --save" : " --restore";
  }
  void list(std::string& out, bool, const SaveContext&) const override {
    out += info.mode == CONNSECMARK_SAVE ? " CONNSECMARK save" : " CONNSECMARK restore";
  }
  Status encode(std::vector<nft::Expr>& out, const RuleContext&) const override {
    out.push_back(nft::Expr::target("CONNSECMARK", 0, xt_blob(info)));
    return {};
  }
};

std::unique_ptr<Target> create(Family) { return std::make_unique<ConnsecmarkTarget>(); }
std::unique_ptr<Target> decode_compat(const DecodeContext&, const nft::Bytes& blob) {
  auto t = std::make_unique<ConnsecmarkTarget>();
  if (!xt_read(blob, t->info)) return nullptr;
  return t;
}

}  // namespace

constexpr std::string_view kConnsecmarkTargetHelp = R"HELP(
CONNSECMARK target options:
  --save                   Copy security mark from packet to conntrack
  --restore                Copy security mark from connection to packet
)HELP";

extern const TargetType kConnsecmarkTarget = {"CONNSECMARK", kBoth,         kOptions,
                                              create,        "CONNSECMARK", 0,
                                              decode_compat, nullptr,       kConnsecmarkTargetHelp};

}  // namespace cx::ext
