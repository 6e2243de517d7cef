// -j TTL (xt "TTL" rev 0, struct ipt_TTL_info; IPv4 only) and -j HL (xt "HL" rev 0, struct
// ip6t_HL_info; IPv6 only): {mode, value}, modes set 0 / inc 1 / dec 2. --*-set takes 0-255,
// --*-dec and --*-inc 1-255; one action is required and they exclude each other.
// -L "TTL set to N" / "TTL increment by N" / "TTL decrement by N" (HL likewise).
#include <linux/netfilter_ipv4/ipt_TTL.h>
#include <linux/netfilter_ipv6/ip6t_HL.h>

#include "ext/extension.h"
#include "ext/util.h"

namespace cx::ext {
namespace {

enum { kOptSet = 1, kOptDec, kOptInc };
constexpr OptionSpec kTtlOptions[] = {{"ttl-set", ArgKind::Required, kOptSet},
                                      {"ttl-dec", ArgKind::Required, kOptDec},
                                      {"ttl-inc", ArgKind::Required, kOptInc}};
constexpr OptionSpec kHlOptions[] = {{"hl-set", ArgKind::Required, kOptSet},
                                     {"hl-dec", ArgKind::Required, kOptDec},
                                     {"hl-inc", ArgKind::Required, kOptInc}};

class TtlTarget final : public Target {
 public:
  bool hl = false;
  std::uint8_t mode = 0, value = 0;
  unsigned seen = 0;

  std::string_view name() const override { return hl ? "HL" : "TTL"; }
  std::unique_ptr<Target> clone() const override { return std::make_unique<TtlTarget>(*this); }
  std::string opt(int id) const {
    std::string p = hl ? "--hl-" : "--ttl-";
    return p + (id == kOptSet ? "set" : id == kOptDec ? "dec" : "inc");
  }

  Status parse(int id, const OptionArg& arg, const RuleContext&) override {
    if (seen & (1u << id)) return only_once(name(), opt(id));
    if (arg.invert) return cannot_invert(name(), opt(id));
    seen |= 1u << id;
    auto v = parse_uint_opt(arg.value, id == kOptSet ? 0 : 1, 255, name(), opt(id));
    if (!v) return v.take_error();
    value = static_cast<std::uint8_t>(*v);
    mode = id == kOptSet ? IPT_TTL_SET : id == kOptInc ? IPT_TTL_INC : IPT_TTL_DEC;
    return {};
  }
  Status final_check(const RuleContext&) override {
    int ids[3], n = 0;
    for (int id = kOptSet; id <= kOptInc; ++id)
      if (seen & (1u << id)) ids[n++] = id;
    if (n > 1) return cannot_combine(name(), opt(ids[0]), opt(ids[1]));
    if (n == 0) return parameter_error(std::string(name()) + ": You must specify an action");
    return {};
  }
  void save(std::string& out, const SaveContext&) const override {
    int id = mode == IPT_TTL_SET ? kOptSet : mode == IPT_TTL_INC ? kOptInc : kOptDec;
    out += " " + opt(id) + " " + std::to_string(value);
  }
  void list(std::string& out, bool, const SaveContext&) const override {
    out += " ";
    out += name();
    switch (mode) {
      case IPT_TTL_SET: out += " set to "; break;
      case IPT_TTL_INC: out += " increment by "; break;
      case IPT_TTL_DEC: out += " decrement by "; break;
    }
    out += std::to_string(value);
  }
  Status encode(std::vector<nft::Expr>& out, const RuleContext&) const override {
    ipt_TTL_info i{};
    i.mode = mode;
    i.ttl = value;
    out.push_back(nft::Expr::target(std::string(name()), 0, xt_blob(i)));
    return {};
  }
};

std::unique_ptr<Target> create_ttl(Family) { return std::make_unique<TtlTarget>(); }
std::unique_ptr<Target> create_hl(Family) {
  auto t = std::make_unique<TtlTarget>();
  t->hl = true;
  return t;
}
template <bool HL>
std::unique_ptr<Target> decode(const DecodeContext&, const nft::Bytes& blob) {
  ipt_TTL_info i{};
  if (!xt_read(blob, i)) return nullptr;
  auto t = std::make_unique<TtlTarget>();
  t->hl = HL;
  t->mode = i.mode;
  t->value = i.ttl;
  return t;
}

}  // namespace

constexpr std::string_view kTtlTargetHelp = R"HELP(
TTL target options
  --ttl-set value		Set TTL to <value 0-255>
  --ttl-dec value		Decrement TTL by <value 1-255>
  --ttl-inc value		Increment TTL by <value 1-255>
)HELP";

constexpr std::string_view kHlTargetHelp = R"HELP(
HL target options
  --hl-set value		Set HL to <value 0-255>
  --hl-dec value		Decrement HL by <value 1-255>
  --hl-inc value		Increment HL by <value 1-255>
)HELP";

extern const TargetType kTtlTarget = {"TTL", kV4,           kTtlOptions, create_ttl,    "TTL",
                                      0,     decode<false>, nullptr,     kTtlTargetHelp};
extern const TargetType kHlTarget = {"HL", kV6,          kHlOptions, create_hl,    "HL",
                                     0,    decode<true>, nullptr,    kHlTargetHelp};

}  // namespace cx::ext
