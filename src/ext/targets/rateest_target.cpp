// -j RATEEST (xt "RATEEST" rev 0, struct xt_rateest_target_info).
// Times are read as iptables reads them, into whole microseconds (a number without a unit is
// microseconds). interval = the smallest 2^k quarter-seconds (k = 0..5) not below the value,
// stored as k - 2; ewma_log = one less than the first e whose weight 1 - 2^-e makes
// interval / -log(weight) exceed the ewmalog time. Printed back as %.1fs, %.1fms or %uus.
#include <linux/netfilter/xt_RATEEST.h>
#include <strings.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>

#include "ext/extension.h"
#include "ext/util.h"

namespace cx::ext {
namespace {

constexpr std::uint32_t kUsPerSec = 1000000;

enum { kReName = 1, kReInterval, kReEwmalog };
constexpr OptionSpec kOptions[] = {{"rateest-name", ArgKind::Required, kReName},
                                   {"rateest-interval", ArgKind::Required, kReInterval},
                                   {"rateest-ewmalog", ArgKind::Required, kReEwmalog}};

// strtod and a unit (s/sec/secs, ms/msec/msecs, us/usec/usecs, any case), stored in an
// unsigned int as C converts a double (the low 32 bits of its integer part).
std::optional<std::uint32_t> parse_time(const std::string& str) {
  char* end = nullptr;
  double t = std::strtod(str.c_str(), &end);
  if (end == str.c_str()) return std::nullopt;
  auto unit = [&](const char* a, const char* b, const char* c) {
    return strcasecmp(end, a) == 0 || strcasecmp(end, b) == 0 || strcasecmp(end, c) == 0;
  };
  if (*end) {
    if (unit("s", "sec", "secs"))
      t *= kUsPerSec;
    else if (unit("ms", "msec", "msecs"))
      t *= kUsPerSec / 1000;
    else if (!unit("us", "usec", "usecs"))
      return std::nullopt;
  }
  if (!(std::fabs(t) < 9.2e18)) return 0u;
  return static_cast<std::uint32_t>(static_cast<std::int64_t>(t));
}

// -log(1 - 2^-e) for e = 1..30, from 2*atanh(y) = 2*(y + y^3/3 + ...) with y = x / (2 - x):
// the binary carries no libm.
double neg_log_weight(int e) {
  const long double x = 1.0L / static_cast<long double>(1ULL << e);
  const long double y = x / (2 - x), y2 = y * y;
  long double term = y, sum = 0;
  for (int k = 1; k < 80; k += 2, term *= y2) sum += term / k;
  return static_cast<double>(2 * sum);
}

std::string time_text(std::uint32_t us) {
  char b[64];
  const double t = us;
  if (t >= kUsPerSec)
    std::snprintf(b, sizeof(b), "%.1fs", t / kUsPerSec);
  else if (t >= kUsPerSec / 1000)
    std::snprintf(b, sizeof(b), "%.1fms", t / (kUsPerSec / 1000));
  else
    std::snprintf(b, sizeof(b), "%uus", us);
  return b;
}

class RateestTarget final : public Target {
 public:
  xt_rateest_target_info info{};
  std::uint32_t interval_us = 0, ewma_us = 0;
  unsigned seen = 0;
  std::string_view name() const override { return "RATEEST"; }
  std::unique_ptr<Target> clone() const override { return std::make_unique<RateestTarget>(*this); }
  Status parse(int id, const OptionArg& arg, const RuleContext&) override {
    const char* opt = id == kReName       ? "--rateest-name"
                      : id == kReInterval ? "--rateest-interval"
                                          : "--rateest-ewmalog";
    if (seen & (1u << id)) return only_once("RATEEST", opt);
    if (arg.invert) return cannot_invert("RATEEST", opt);
    seen |= 1u << id;
    if (id == kReName) {
      std::memset(info.name, 0, sizeof(info.name));
      std::memcpy(info.name, arg.value.data(), std::min(arg.value.size(), sizeof(info.name) - 1));
      return {};
    }
    auto t = parse_time(std::string(arg.value));
    if (!t)
      return parameter_error(std::string(id == kReInterval ? "RATEEST: bad interval value \""
                                                           : "RATEEST: bad ewmalog value \"") +
                             std::string(arg.value) + "\"");
    (id == kReInterval ? interval_us : ewma_us) = *t;
    return {};
  }
  // The extension's own check (on whatever was given), then the three mandatory options.
  Status final_check(const RuleContext&) override {
    int k = 0;
    while (k <= 5 && interval_us > (1u << k) * (kUsPerSec / 4)) ++k;
    if (k > 5) return parameter_error("RATEEST: interval value is too large");
    info.interval = static_cast<std::int8_t>(k - 2);
    // iptables' weight for e = 31 is 1 + 2^-31 (an int shift overflows): it never ends the
    // search, so the search runs to e = 32.
    int e = 1;
    while (e <= 30 && !(interval_us / neg_log_weight(e) > ewma_us)) ++e;
    if (e > 30) e = 32;
    info.ewma_log = static_cast<std::uint8_t>(e - 1);
    if (info.ewma_log == 0 || info.ewma_log >= 31)
      return parameter_error("RATEEST: ewmalog value is out of range");
    if (!(seen & (1u << kReName))) return must_be_specified("RATEEST", "--rateest-name");
    if (!(seen & (1u << kReInterval))) return must_be_specified("RATEEST", "--rateest-interval");
    if (!(seen & (1u << kReEwmalog))) return must_be_specified("RATEEST", "--rateest-ewmalog");
    return {};
  }
  std::string n() const { return std::string(info.name, strnlen(info.name, sizeof(info.name))); }
  void dump(std::string& out, const char* p) const {
    out += std::string(" ") + p + "name " + n();
    // Unsigned int arithmetic as iptables prints it (the product wraps).
    const int shift = info.interval + 2;
    const auto interval = static_cast<std::uint32_t>(
        shift >= 0 && shift < 32 ? (std::uint64_t{kUsPerSec} << shift) / 4 : 0);
    const auto ewma = static_cast<std::uint32_t>(
        interval * (info.ewma_log < 32 ? (std::uint64_t{1} << info.ewma_log) : 0));
    out += std::string(" ") + p + "interval " + time_text(interval);
    out += std::string(" ") + p + "ewmalog " + time_text(ewma);
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

constexpr std::string_view kRateestTargetHelp = R"HELP(
RATEEST target options:
  --rateest-name name		Rate estimator name
  --rateest-interval sec	Rate measurement interval in seconds
  --rateest-ewmalog value	Rate measurement averaging time constant
)HELP";

extern const TargetType kRateestTarget = {
    "RATEEST", kBoth, kOptions, create, "RATEEST", 0, decode_compat, nullptr, kRateestTargetHelp};

}  // namespace cx::ext
