// -j TOS (xt "TOS" rev 1, struct xt_tos_target_info {tos_value, tos_mask}); the kernel sets
// tos = (tos & ~mask) ^ value. --set-tos V[/M] or a name (mask 0x3f), --and-tos X (0/~X),
// --or-tos X (X/X), --xor-tos X (X/0). -S "--set-tos 0xVV/0xMM"; -L with -n "TOS set V/M",
// else the symbol form (printed with one extra leading space: "  TOS setMinimize-Delay"),
// "TOS and/or/xor 0xXX" or "TOS set 0xVV/0xMM".
#include <linux/netfilter/xt_DSCP.h>

#include <cstdio>

#include "ext/extension.h"
#include "ext/util.h"

namespace cx::ext {
namespace {

enum { kOptSet = 1, kOptAnd, kOptOr, kOptXor };
constexpr OptionSpec kOptions[] = {
    {"set-tos", ArgKind::Required, kOptSet}, {"and-tos", ArgKind::Required, kOptAnd},
    {"or-tos", ArgKind::Required, kOptOr},   {"xor-tos", ArgKind::Required, kOptXor}};

const char* opt_name(int id) {
  switch (id) {
    case kOptSet: return "--set-tos";
    case kOptAnd: return "--and-tos";
    case kOptOr: return "--or-tos";
    default: return "--xor-tos";
  }
}

std::string hex2(unsigned v) {
  char b[8];
  std::snprintf(b, sizeof(b), "0x%02x", v);
  return b;
}

class TosTarget final : public Target {
 public:
  xt_tos_target_info info{};
  unsigned seen = 0;

  std::string_view name() const override { return "TOS"; }
  std::unique_ptr<Target> clone() const override { return std::make_unique<TosTarget>(*this); }

  Status parse(int id, const OptionArg& arg, const RuleContext&) override {
    if (seen & (1u << id)) return only_once("TOS", opt_name(id));
    if (arg.invert) return cannot_invert("TOS", opt_name(id));
    seen |= 1u << id;
    if (id == kOptSet) {
      auto r = parse_tos_value(arg.value);
      if (!r) return r.take_error();
      info.tos_value = r->first;
      info.tos_mask = r->second;
      return {};
    }
    auto v = parse_uint_opt(arg.value, 0, 255, "TOS", opt_name(id));
    if (!v) return v.take_error();
    auto bits = static_cast<std::uint8_t>(*v);
    switch (id) {
      case kOptAnd: info.tos_value = 0; info.tos_mask = static_cast<std::uint8_t>(~bits); break;
      case kOptOr: info.tos_value = bits; info.tos_mask = bits; break;
      case kOptXor: info.tos_value = bits; info.tos_mask = 0; break;
    }
    return {};
  }
  Status final_check(const RuleContext&) override {
    int ids[4], n = 0;
    for (int id = kOptSet; id <= kOptXor; ++id)
      if (seen & (1u << id)) ids[n++] = id;
    if (n > 1) return cannot_combine("TOS", opt_name(ids[0]), opt_name(ids[1]));
    if (n == 0) return parameter_error("TOS: An action is required");
    return {};
  }
  void save(std::string& out, const SaveContext&) const override {
    out += " --set-tos " + hex2(info.tos_value) + "/" + hex2(info.tos_mask);
  }
  void list(std::string& out, bool numeric, const SaveContext&) const override {
    const char* sym = info.tos_mask == 0x3f ? tos_symbol_name(info.tos_value) : nullptr;
    if (numeric)
      out += " TOS set " + hex2(info.tos_value) + "/" + hex2(info.tos_mask);
    else if (sym)
      out += std::string("  TOS set") + sym;
    else if (info.tos_value == 0)
      out += " TOS and " + hex2(static_cast<std::uint8_t>(~info.tos_mask));
    else if (info.tos_value == info.tos_mask)
      out += " TOS or " + hex2(info.tos_value);
    else if (info.tos_mask == 0)
      out += " TOS xor " + hex2(info.tos_value);
    else
      out += " TOS set " + hex2(info.tos_value) + "/" + hex2(info.tos_mask);
  }
  // iptables-nft sends revision 1 in both families, whose translation says "ip6" (also in
  // an IPv4 rule). The TOS byte's upper six bits are the DSCP.
  bool xlate(Xlate& xl, const XlateContext&) const override {
    const unsigned value = info.tos_value, mask = info.tos_mask;
    const unsigned inverse = static_cast<std::uint8_t>(~info.tos_mask);
    xl.add("ip6 dscp set ");
    if ((mask & 0x3f) == 0x3f)
      xl.addf("0x%02x", value >> 2);
    else if (value == 0)
      xl.addf("ip6 dscp and 0x%02x", inverse >> 2);
    else if (value == mask)
      xl.addf("ip6 dscp or 0x%02x", value >> 2);
    else if (mask == 0)
      xl.addf("ip6 dscp xor 0x%02x", value >> 2);
    else
      xl.addf("ip6 dscp and 0x%02x xor 0x%02x", inverse >> 2, value >> 2);
    return true;
  }
  Status encode(std::vector<nft::Expr>& out, const RuleContext&) const override {
    out.push_back(nft::Expr::target("TOS", 1, xt_blob(info)));
    return {};
  }
};

std::unique_ptr<Target> create(Family) { return std::make_unique<TosTarget>(); }
std::unique_ptr<Target> decode_compat(const DecodeContext&, const nft::Bytes& blob) {
  auto t = std::make_unique<TosTarget>();
  if (!xt_read(blob, t->info)) return nullptr;
  return t;
}

}  // namespace

constexpr std::string_view kTosTargetHelp = R"HELP(
TOS target vlibxtables.so.12 options:
  --set-tos value[/mask]  Set Type of Service/Priority field to value
                          (Zero out bits in mask and XOR value into TOS)
  --set-tos symbol        Set TOS field (IPv4 only) by symbol
                          (this zeroes the 4-bit Precedence part!)
                          Accepted symbolic names for value are:
                            (0x10) 16 Minimize-Delay
                            (0x08)  8 Maximize-Throughput
                            (0x04)  4 Maximize-Reliability
                            (0x02)  2 Minimize-Cost
                            (0x00)  0 Normal-Service

  --and-tos bits          Binary AND the TOS value with bits
  --or-tos  bits          Binary OR the TOS value with bits
  --xor-tos bits          Binary XOR the TOS value with bits
)HELP";

extern const TargetType kTosTarget = {"TOS", kBoth,         kOptions, create,        "TOS",
                                      1,     decode_compat, nullptr,  kTosTargetHelp};

}  // namespace cx::ext
