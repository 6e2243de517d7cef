// -j DSCP (xt "DSCP" rev 0, struct xt_DSCP_info {dscp}). --set-dscp 0-63 or
// --set-dscp-class NAME; -S "--set-dscp 0x2e", -L "DSCP set 0x2e".
#include <linux/netfilter/xt_DSCP.h>

#include <cstdio>

#include "ext/extension.h"
#include "ext/util.h"

namespace cx::ext {
namespace {

enum { kOptSet = 1, kOptClass };
constexpr OptionSpec kOptions[] = {{"set-dscp", ArgKind::Required, kOptSet},
                                   {"set-dscp-class", ArgKind::Required, kOptClass}};

std::string hex2(unsigned v) {
  char b[8];
  std::snprintf(b, sizeof(b), "0x%02x", v);
  return b;
}

class DscpTarget final : public Target {
 public:
  xt_DSCP_info info{};
  unsigned seen = 0;

  std::string_view name() const override { return "DSCP"; }
  std::unique_ptr<Target> clone() const override { return std::make_unique<DscpTarget>(*this); }

  Status parse(int id, const OptionArg& arg, const RuleContext&) override {
    const char* opt = id == kOptSet ? "--set-dscp" : "--set-dscp-class";
    if (seen & (1u << id)) return only_once("DSCP", opt);
    if (arg.invert) return cannot_invert("DSCP", opt);
    seen |= 1u << id;
    if (id == kOptSet) {
      auto v = parse_uint_opt(arg.value, 0, XT_DSCP_MAX, "DSCP", "--set-dscp");
      if (!v) return v.take_error();
      info.dscp = static_cast<std::uint8_t>(*v);
    } else {
      auto v = dscp_class_value(arg.value);
      if (!v) return parameter_error("Invalid DSCP value `" + std::string(arg.value) + "'");
      info.dscp = *v;
    }
    return {};
  }
  Status final_check(const RuleContext&) override {
    if ((seen & (1u << kOptSet)) && (seen & (1u << kOptClass)))
      return cannot_combine("DSCP", "--set-dscp", "--set-dscp-class");
    if (!seen) return parameter_error("DSCP target: Parameter --set-dscp is required");
    return {};
  }
  void save(std::string& out, const SaveContext&) const override {
    out += " --set-dscp " + hex2(info.dscp);
  }
  void list(std::string& out, bool, const SaveContext&) const override {
    out += " DSCP set " + hex2(info.dscp);
  }
  bool xlate(Xlate& xl, const XlateContext& ctx) const override {
    xl.addf("%s dscp set 0x%02x", ctx.family == Family::V4 ? "ip" : "ip6", info.dscp);
    return true;
  }
  Status encode(std::vector<nft::Expr>& out, const RuleContext&) const override {
    out.push_back(nft::Expr::target("DSCP", 0, xt_blob(info)));
    return {};
  }
};

std::unique_ptr<Target> create(Family) { return std::make_unique<DscpTarget>(); }
std::unique_ptr<Target> decode_compat(const DecodeContext&, const nft::Bytes& blob) {
  auto t = std::make_unique<DscpTarget>();
  if (!xt_read(blob, t->info)) return nullptr;
  return t;
}

}  // namespace

constexpr std::string_view kDscpTargetHelp = R"HELP(
DSCP target options
  --set-dscp value		Set DSCP field in packet header to value
  		                This value can be in decimal (ex: 32)
               		or in hex (ex: 0x20)
  --set-dscp-class class	Set the DSCP field in packet header to the
				value represented by the DiffServ class value.
				This class may be EF,BE or any of the CSxx
				or AFxx classes.

				These two options are mutually exclusive !
)HELP";

extern const TargetType kDscpTarget = {"DSCP", kBoth,         kOptions, create,         "DSCP",
                                       0,      decode_compat, nullptr,  kDscpTargetHelp};

}  // namespace cx::ext
