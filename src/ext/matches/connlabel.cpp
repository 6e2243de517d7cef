// -m connlabel (xt "connlabel" rev 0, xt_connlabel_mtinfo): --label N|name, --set.
#include <linux/netfilter/xt_connlabel.h>

#include "common/parse.h"
#include "ext/extension.h"
#include "ext/util.h"

namespace cx::ext {
namespace {

enum { kClLabel = 1, kClSet };
constexpr OptionSpec kOptions[] = {{"label", ArgKind::Required, kClLabel},
                                   {"set", ArgKind::None, kClSet}};

class ConnlabelMatch final : public Match {
 public:
  xt_connlabel_mtinfo info{};
  bool given = false;
  std::string_view name() const override { return "connlabel"; }
  std::unique_ptr<Match> clone() const override { return std::make_unique<ConnlabelMatch>(*this); }
  Status parse(int id, const OptionArg& arg, const RuleContext&) override {
    if (id == kClSet) {
      if (arg.invert) return cannot_invert("connlabel", "--set");
      info.options |= XT_CONNLABEL_OP_SET;
      return {};
    }
    if (given) return only_once("connlabel", "--label");
    auto v = parse_unsigned(arg.value, XT_CONNLABEL_MAXBIT, 0);
    if (!v) return parameter_error("label '" + std::string(arg.value) + "' not found");
    info.bit = static_cast<std::uint16_t>(*v);
    if (arg.invert) info.options |= XT_CONNLABEL_OP_INVERT;
    given = true;
    return {};
  }
  Status final_check(const RuleContext&) override {
    if (!given) return must_be_specified("connlabel", "--label");
    return {};
  }
  void save(std::string& out, const SaveContext&) const override {
    out += (info.options & XT_CONNLABEL_OP_INVERT) ? " ! --label \"" : " --label \"";
    out += std::to_string(info.bit) + "\"";
    if (info.options & XT_CONNLABEL_OP_SET) out += " --set";
  }
  void list(std::string& out, bool, const SaveContext&) const override {
    out += (info.options & XT_CONNLABEL_OP_INVERT) ? " connlabel ! " : " connlabel ";
    out += std::to_string(info.bit);
    if (info.options & XT_CONNLABEL_OP_SET) out += " set";
  }
  Status encode(std::vector<nft::Expr>& out, const RuleContext&) const override {
    out.push_back(nft::Expr::match("connlabel", 0, xt_blob(info)));
    return {};
  }
};

std::unique_ptr<Match> create(Family) { return std::make_unique<ConnlabelMatch>(); }
std::unique_ptr<Match> decode_compat(const DecodeContext&, const nft::Bytes& blob) {
  auto m = std::make_unique<ConnlabelMatch>();
  if (!xt_read(blob, m->info)) return nullptr;
  m->given = true;
  return m;
}

}  // namespace

extern const MatchType kConnlabelMatch = {"connlabel", kBoth, kOptions,      create,
                                          "connlabel", 0,     decode_compat, nullptr};

}  // namespace cx::ext
