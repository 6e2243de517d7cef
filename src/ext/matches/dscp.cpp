// -m dscp (xt "dscp" rev 0, struct xt_dscp_info {dscp, invert}). --dscp 0-63 (base 0) or
// --dscp-class NAME (CS0-7, BE, AFxy, EF; case-insensitive); the two exclude each other.
// -S "--dscp 0x2e"; -L "DSCP match [!]0x2e".
#include <linux/netfilter/xt_dscp.h>

#include <cstdio>

#include "ext/extension.h"
#include "ext/util.h"

namespace cx::ext {
namespace {

enum { kOptDscp = 1, kOptClass };
constexpr OptionSpec kOptions[] = {{"dscp", ArgKind::Required, kOptDscp},
                                   {"dscp-class", ArgKind::Required, kOptClass}};

std::string hex2(unsigned v) {
  char b[8];
  std::snprintf(b, sizeof(b), "0x%02x", v);
  return b;
}

class DscpMatch final : public Match {
 public:
  xt_dscp_info info{};
  unsigned seen = 0;

  std::string_view name() const override { return "dscp"; }
  std::unique_ptr<Match> clone() const override { return std::make_unique<DscpMatch>(*this); }

  Status parse(int id, const OptionArg& arg, const RuleContext&) override {
    const char* opt = id == kOptDscp ? "--dscp" : "--dscp-class";
    if (seen & (1u << id)) return only_once("dscp", opt);
    seen |= 1u << id;
    if (id == kOptDscp) {
      auto v = parse_uint_opt(arg.value, 0, XT_DSCP_MAX, "dscp", "--dscp");
      if (!v) return v.take_error();
      info.dscp = static_cast<std::uint8_t>(*v);
    } else {
      auto v = dscp_class_value(arg.value);
      if (!v) return parameter_error("Invalid DSCP value `" + std::string(arg.value) + "'");
      info.dscp = *v;
    }
    info.invert = arg.invert;
    return {};
  }
  Status final_check(const RuleContext&) override {
    if ((seen & (1u << kOptDscp)) && (seen & (1u << kOptClass)))
      return cannot_combine("dscp", "--dscp", "--dscp-class");
    if (!seen) return parameter_error("DSCP match: Parameter --dscp is required");
    return {};
  }
  void save(std::string& out, const SaveContext&) const override {
    out += info.invert ? " ! --dscp " : " --dscp ";
    out += hex2(info.dscp);
  }
  void list(std::string& out, bool, const SaveContext&) const override {
    out += info.invert ? " DSCP match !" : " DSCP match ";
    out += hex2(info.dscp);
  }
  bool xlate(Xlate& xl, const XlateContext& ctx) const override {
    xl.add(ctx.family == Family::V6 ? "ip6 " : "ip ");
    xl.addf("dscp %s0x%02x", info.invert ? "!= " : "", info.dscp);
    return true;
  }
  Status encode(std::vector<nft::Expr>& out, const RuleContext&) const override {
    out.push_back(nft::Expr::match("dscp", 0, xt_blob(info)));
    return {};
  }
};

std::unique_ptr<Match> create(Family) { return std::make_unique<DscpMatch>(); }
std::unique_ptr<Match> decode_compat(const DecodeContext&, const nft::Bytes& blob) {
  auto m = std::make_unique<DscpMatch>();
  if (!xt_read(blob, m->info)) return nullptr;
  return m;
}

}  // namespace

constexpr std::string_view kDscpMatchHelp = R"HELP(
dscp match options
[!] --dscp value		Match DSCP codepoint with numerical value
  		                This value can be in decimal (ex: 32)
               		or in hex (ex: 0x20)
[!] --dscp-class name		Match the DiffServ class. This value may
				be any of the BE,EF, AFxx or CSx classes

				These two options are mutually exclusive !
)HELP";

extern const MatchType kDscpMatch = {"dscp", kBoth,         kOptions, create,        "dscp",
                                     0,      decode_compat, nullptr,  kDscpMatchHelp};

}  // namespace cx::ext
