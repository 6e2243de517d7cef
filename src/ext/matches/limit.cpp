// -m limit (xt "limit" rev 0, struct xt_rateinfo). iptables-nft 1.8.9 encodes it natively as an
// nft `limit` expression: type packets (0), flags 0, burst as given (0 too; the kernel then
// reports 5), and rate/unit derived from xt's avg = XT_LIMIT_SCALE * seconds / N by choosing
// the largest of day/hour/min/sec that still divides cleanly (the same walk libxt_limit's
// printer does). Decoding goes back to avg = XT_LIMIT_SCALE * unit / rate.
// Quirks: --limit N with no unit is N/sec; the unit is a case-insensitive prefix of
// second/minute/hour/day; the number is atoi()-like ("5x/d" is 5/day); the "bad rate" message
// ends in a stray quote. -S always prints --limit, --limit-burst only when not 5.
#include <linux/netfilter/xt_limit.h>

#include <cstdlib>

#include "eval/context.h"
#include "ext/extension.h"
#include "ext/util.h"

namespace cx::ext {
namespace {

enum { kOptLimit = 1, kOptBurst };
constexpr OptionSpec kOptions[] = {{"limit", ArgKind::Required, kOptLimit},
                                   {"limit-burst", ArgKind::Required, kOptBurst}};

constexpr std::uint32_t kDefaultBurst = 5;  // libxt_limit's XT_LIMIT_BURST

struct Rate {
  const char* name;
  std::uint32_t mult;
};
constexpr Rate kRates[] = {{"day", XT_LIMIT_SCALE * 24 * 60 * 60},
                           {"hour", XT_LIMIT_SCALE * 60 * 60},
                           {"min", XT_LIMIT_SCALE * 60},
                           {"sec", XT_LIMIT_SCALE}};

// Index into kRates of the unit the avg is expressed in.
std::size_t rate_index(std::uint32_t avg) {
  std::size_t i = 1;
  for (; i < std::size(kRates); ++i)
    if (avg > kRates[i].mult || kRates[i].mult / avg < kRates[i].mult % avg) break;
  return i - 1;
}

std::string rate_text(std::uint32_t avg) {
  if (avg == 0) return "inf";
  std::size_t i = rate_index(avg);
  return std::to_string(kRates[i].mult / avg) + "/" + kRates[i].name;
}

bool prefix_ci(std::string_view word, std::string_view full) {
  if (word.size() > full.size()) return false;
  for (std::size_t i = 0; i < word.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(word[i])) != full[i]) return false;
  return true;
}

Result<std::uint32_t> parse_rate(std::string_view s) {
  auto bad = [&]() { return parameter_error("bad rate \"" + std::string(s) + "\"'"); };
  std::uint32_t mult = 1;
  if (auto slash = s.find('/'); slash != std::string_view::npos) {
    std::string_view unit = s.substr(slash + 1);
    if (unit.empty()) return bad();
    if (prefix_ci(unit, "second"))
      mult = 1;
    else if (prefix_ci(unit, "minute"))
      mult = 60;
    else if (prefix_ci(unit, "hour"))
      mult = 60 * 60;
    else if (prefix_ci(unit, "day"))
      mult = 24 * 60 * 60;
    else
      return bad();
  }
  std::string str(s);
  long r = std::atoi(str.c_str());
  if (r == 0) return bad();
  std::uint32_t avg = static_cast<std::uint32_t>(
      static_cast<std::uint64_t>(XT_LIMIT_SCALE) * mult / static_cast<std::uint32_t>(r));
  if (avg == 0) return parameter_error("Rate too fast \"" + std::string(s) + "\"");
  return avg;
}

class LimitMatch final : public Match {
 public:
  std::uint32_t avg = XT_LIMIT_SCALE * 3600 / 3;  // 3/hour
  std::uint32_t burst = kDefaultBurst;
  bool seen_limit = false, seen_burst = false;

  std::string_view name() const override { return "limit"; }
  eval::Outcome evaluate(const eval::Packet&, eval::Context& ctx) const override {
    ctx.set_reason("whether the packet is within the rate depends on the packets before it");
    return eval::Outcome::Undecidable;
  }
  std::unique_ptr<Match> clone() const override { return std::make_unique<LimitMatch>(*this); }

  Status parse(int id, const OptionArg& arg, const RuleContext&) override {
    if (id == kOptLimit) {
      if (seen_limit) return only_once("limit", "--limit");
      if (arg.invert) return cannot_invert("limit", "--limit");
      auto r = parse_rate(arg.value);
      if (!r) return r.take_error();
      avg = *r;
      seen_limit = true;
    } else {
      if (seen_burst) return only_once("limit", "--limit-burst");
      if (arg.invert) return cannot_invert("limit", "--limit-burst");
      auto v = parse_uint_opt(arg.value, 0, 10000, "limit", "--limit-burst");
      if (!v) return v.take_error();
      burst = static_cast<std::uint32_t>(*v);
      seen_burst = true;
    }
    return {};
  }
  void save(std::string& out, const SaveContext&) const override {
    out += " --limit " + rate_text(avg);
    if (burst != kDefaultBurst) out += " --limit-burst " + std::to_string(burst);
  }
  void list(std::string& out, bool, const SaveContext&) const override {
    out += " limit: avg " + rate_text(avg) + " burst " + std::to_string(burst);
  }
  // "limit rate 3/hour burst 5 packets", the unit spelt out (second, minute, ...); a burst
  // of 0 is not printed.
  bool xlate(Xlate& xl, const XlateContext&) const override {
    static constexpr const char* kNftUnits[] = {"day", "hour", "minute", "second"};
    xl.add("limit rate");
    if (avg == 0) {
      xl.add(" inf");
    } else {
      const std::size_t i = rate_index(avg);
      xl.addf(" %u/%s", kRates[i].mult / avg, kNftUnits[i]);
    }
    if (burst != 0) xl.addf(" burst %u packets", burst);
    return true;
  }
  Status encode(std::vector<nft::Expr>& out, const RuleContext&) const override {
    // avg 0 only comes from a kernel rule faster than xt can express (listed as "inf"); the
    // parser never makes one. Dividing by it would crash.
    if (avg == 0) return parameter_error("Rate too fast \"inf\"");
    std::size_t i = rate_index(avg);
    nft::Expr e;
    e.kind = nft::Expr::Kind::Limit;
    e.rate = kRates[i].mult / avg;
    e.unit = kRates[i].mult / XT_LIMIT_SCALE;
    e.burst = burst;
    e.limit_type = 0;  // NFT_LIMIT_PKTS
    e.limit_flags = 0;
    out.push_back(std::move(e));
    return {};
  }
};

std::unique_ptr<Match> create(Family) { return std::make_unique<LimitMatch>(); }

std::unique_ptr<Match> decode_compat(const DecodeContext&, const nft::Bytes& info) {
  xt_rateinfo r{};
  if (!xt_read(info, r)) return nullptr;
  auto m = std::make_unique<LimitMatch>();
  m->avg = r.avg;
  m->burst = r.burst;
  return m;
}

// Native: a packet limit (nft's "limit rate N/unit burst B packets").
bool decode_native(const LiftStep& s, LiftContext& ctx) {
  const nft::Expr& e = s.expr;
  if (e.kind != nft::Expr::Kind::Limit || e.limit_type != 0 || e.limit_flags != 0) return false;
  if (e.rate == 0) {
    ctx.refuse("limit rate 0 not supported");  // iptables-nft divides by it
    return true;
  }
  auto m = std::make_unique<LimitMatch>();
  m->avg = static_cast<std::uint32_t>(static_cast<std::uint64_t>(XT_LIMIT_SCALE) * e.unit / e.rate);
  m->burst = e.burst;
  ctx.add_match(std::move(m));
  return true;
}

}  // namespace

constexpr std::string_view kLimitMatchHelp = R"HELP(
limit match options:
--limit avg			max average match rate: default 3/hour
                                [Packets per second unless followed by 
                                /sec /minute /hour /day postfixes]
--limit-burst number		number to match in a burst, default 5
)HELP";

extern const MatchType kLimitMatch = {
    "limit", kBoth, kOptions, create, "limit", 0, decode_compat, decode_native, kLimitMatchHelp};

}  // namespace cx::ext
