// -j RATEEST (xt "RATEEST" rev 0, struct xt_rateest_target_info).
// interval = smallest power of two seconds >= the value (2^-2 .. 2^3), ewmalog =
// smallest e with 2^(interval+e) >= the value; times print as "%.1fms" below 1s else "%.1fs".
#include <linux/netfilter/xt_RATEEST.h>

#include <bit>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "ext/extension.h"
#include "ext/util.h"

namespace cx::ext {
namespace {

// 2^k for the exponents a RATEEST payload can hold (int8 + uint8, within [-1022, 1023]),
// from the bits of the double: std::ldexp would keep libm loaded in every process.
double pow2(int k) { return std::bit_cast<double>(static_cast<std::uint64_t>(k + 1023) << 52); }

enum { kReName = 1, kReInterval, kReEwmalog };
constexpr OptionSpec kOptions[] = {{"rateest-name", ArgKind::Required, kReName},
                                   {"rateest-interval", ArgKind::Required, kReInterval},
                                   {"rateest-ewmalog", ArgKind::Required, kReEwmalog}};

Result<double> parse_seconds(std::string_view s, const char* opt) {
  std::string str(s);
  char* end = nullptr;
  double v = std::strtod(str.c_str(), &end);
  std::string unit = end ? end : "";
  if (end == str.c_str() || v < 0) return parameter_error(std::string("RATEEST: bad ") + opt);
  if (unit == "s" || unit.empty()) return v;
  if (unit == "ms") return v / 1000;
  if (unit == "us") return v / 1000000;
  return parameter_error(std::string("RATEEST: bad unit for ") + opt);
}

std::string time_text(double secs) {
  char b[64];
  if (secs < 1.0)
    std::snprintf(b, sizeof(b), "%.1fms", secs * 1000);
  else
    std::snprintf(b, sizeof(b), "%.1fs", secs);
  return b;
}

class RateestTarget final : public Target {
 public:
  xt_rateest_target_info info{};
  double interval_s = 0, ewma_s = 0;
  unsigned seen = 0;
  std::string_view name() const override { return "RATEEST"; }
  std::unique_ptr<Target> clone() const override { return std::make_unique<RateestTarget>(*this); }
  Status parse(int id, const OptionArg& arg, const RuleContext&) override {
    const char* opt = id == kReName       ? "--rateest-name"
                      : id == kReInterval ? "--rateest-interval"
                                          : "--rateest-ewmalog";
    if (arg.invert) return cannot_invert("RATEEST", opt);
    if (seen & (1u << id)) return only_once("RATEEST", opt);
    seen |= 1u << id;
    if (id == kReName) {
      std::memset(info.name, 0, sizeof(info.name));
      std::memcpy(info.name, arg.value.data(), std::min(arg.value.size(), sizeof(info.name) - 1));
      return {};
    }
    auto t = parse_seconds(arg.value, opt);
    if (!t) return t.take_error();
    (id == kReInterval ? interval_s : ewma_s) = *t;
    return {};
  }
  Status final_check(const RuleContext&) override {
    if (seen != ((1u << kReName) | (1u << kReInterval) | (1u << kReEwmalog)))
      return parameter_error("RATEEST: you need to specify all options");
    int i = -2;
    while (i < 3 && pow2(i) < interval_s) ++i;
    info.interval = static_cast<std::int8_t>(i);
    int e = 1;
    while (e < 31 && pow2(i + e) < ewma_s) ++e;
    info.ewma_log = static_cast<std::uint8_t>(e);
    return {};
  }
  std::string n() const { return std::string(info.name, strnlen(info.name, sizeof(info.name))); }
  void dump(std::string& out, const char* p) const {
    out += std::string(" ") + p + "name " + n();
    out += std::string(" ") + p + "interval " + time_text(pow2(info.interval));
    out += std::string(" ") + p + "ewmalog " +
           time_text(pow2(info.interval + info.ewma_log));
  }
  void save(std::string& out, const SaveContext&) const override { dump(out, "--rateest-"); }
  void list(std::string& out, bool, const SaveContext&) const override { dump(out, ""); }
  Status encode(std::vector<nft::Expr>& out, const RuleContext&) const override {
    out.push_back(nft::Expr::target("RATEEST", 0, xt_blob(info)));
    return {};
  }
};

std::unique_ptr<Target> create(Family) { return std::make_unique<RateestTarget>(); }
std::unique_ptr<Target> decode_compat(const DecodeContext&, const nft::Bytes& blob) {
  auto t = std::make_unique<RateestTarget>();
  if (!xt_read(blob, t->info)) return nullptr;
  return t;
}

}  // namespace

extern const TargetType kRateestTarget = {"RATEEST", kBoth, kOptions,      create,
                                          "RATEEST", 0,     decode_compat, nullptr};

}  // namespace cx::ext
