// -m realm (xt "realm" rev 0, xt_realm_info; IPv4): --realm V[/M] or a name from
// /etc/iproute2/rt_realms.
#include <linux/netfilter/xt_realm.h>

#include "ext/extension.h"
#include "ext/util.h"

namespace cx::ext {
namespace {

constexpr OptionSpec kOptions[] = {{"realm", ArgKind::Required, 1}};

class RealmMatch final : public Match {
 public:
  xt_realm_info info{};
  bool given = false;
  std::string_view name() const override { return "realm"; }
  std::unique_ptr<Match> clone() const override { return std::make_unique<RealmMatch>(*this); }
  Status parse(int, const OptionArg& arg, const RuleContext&) override {
    if (given) return only_once("realm", "--realm");
    std::uint32_t v = 0, m = 0xffffffff;
    if (!parse_mark_mask(arg.value, v, m)) {
      auto n = lookup_iproute2_name("/etc/iproute2/rt_realms", arg.value);
      if (!n)
        return option_error("realm: could not map name " + std::string(arg.value) +
                            " to an integer value for option \"--realm\".");
      v = *n;
    }
    info.id = v;
    info.mask = m;
    info.invert = arg.invert;
    given = true;
    return {};
  }
  Status final_check(const RuleContext&) override {
    if (!given) return must_be_specified("realm", "--realm");
    return {};
  }
  std::string text() const {
    if (info.mask != 0xffffffff) return hex(info.id) + "/" + hex(info.mask);
    if (auto n = iproute2_name_of("/etc/iproute2/rt_realms", info.id)) return *n;
    return hex(info.id);
  }
  void save(std::string& out, const SaveContext&) const override {
    out += info.invert ? " ! --realm " : " --realm ";
    out += text();
  }
  void list(std::string& out, bool, const SaveContext&) const override {
    out += info.invert ? " ! realm " : " realm ";
    out += text();
  }
  bool xlate(Xlate& xl, const XlateContext&) const override {
    xl.add("rtclassid");
    if (info.mask != 0xffffffff) {
      xl.addf(" and 0x%x %s 0x%x", info.mask, info.invert ? "!=" : "==", info.id);
      return true;
    }
    const char* neg = info.invert ? "!= " : "";
    if (auto n = iproute2_name_of("/etc/iproute2/rt_realms", info.id))
      xl.addf(" %s%s", neg, n->c_str());
    else
      xl.addf(" %s0x%x", neg, info.id);
    return true;
  }
  Status encode(std::vector<nft::Expr>& out, const RuleContext&) const override {
    out.push_back(nft::Expr::match("realm", 0, xt_blob(info)));
    return {};
  }
};

std::unique_ptr<Match> create(Family) { return std::make_unique<RealmMatch>(); }
std::unique_ptr<Match> decode_compat(const DecodeContext&, const nft::Bytes& blob) {
  auto m = std::make_unique<RealmMatch>();
  if (!xt_read(blob, m->info)) return nullptr;
  m->given = true;
  return m;
}

}  // namespace

constexpr std::string_view kRealmMatchHelp = R"HELP(
realm match options:
[!] --realm value[/mask]
				Match realm
)HELP";

extern const MatchType kRealmMatch = {"realm", kV4,           kOptions, create,         "realm",
                                      0,       decode_compat, nullptr,  kRealmMatchHelp};

}  // namespace cx::ext
