// -m statistic (xt "statistic" rev 0, struct xt_statistic_info). random: probability =
// lround(2^31 * p) for p in [0,1]; nth: every = N-1, packet = P (0 <= P <= N-1). Quirk: the
// union's third word (nth.count) is always set to its first (so a random rule carries the
// probability twice). -S prints the probability as %.11f of probability / 2^31.
#include <linux/netfilter/xt_statistic.h>

#include <cstdio>
#include <cstdlib>

#include "ext/extension.h"
#include "ext/util.h"

namespace cx::ext {
namespace {

enum { kOptMode = 1, kOptProbability, kOptEvery, kOptPacket };
constexpr OptionSpec kOptions[] = {
    {"mode", ArgKind::Required, kOptMode},
    {"probability", ArgKind::Required, kOptProbability},
    {"every", ArgKind::Required, kOptEvery},
    {"packet", ArgKind::Required, kOptPacket},
};

std::string opt_name(int id) {
  for (const auto& o : kOptions)
    if (o.id == id) return "--" + std::string(o.name);
  return "";
}

class StatisticMatch final : public Match {
 public:
  xt_statistic_info info{};
  unsigned seen = 0;

  std::string_view name() const override { return "statistic"; }
  std::unique_ptr<Match> clone() const override { return std::make_unique<StatisticMatch>(*this); }

  Status parse(int id, const OptionArg& arg, const RuleContext&) override {
    bool invertible = id == kOptProbability || id == kOptEvery;
    if (seen & (1u << id)) return only_once("statistic", opt_name(id));
    if (arg.invert && !invertible) return cannot_invert("statistic", opt_name(id));
    seen |= 1u << id;
    switch (id) {
      case kOptMode:
        if (arg.value == "random")
          info.mode = XT_STATISTIC_MODE_RANDOM;
        else if (arg.value == "nth")
          info.mode = XT_STATISTIC_MODE_NTH;
        else
          return parameter_error("Bad mode \"" + std::string(arg.value) + "\"");
        break;
      case kOptProbability: {
        std::string v(arg.value);
        char* end = nullptr;
        double p = std::strtod(v.c_str(), &end);
        if (v.empty() || *end != '\0' || !(p >= 0.0 && p <= 1.0))
          return option_error(
              "statistic: bad value for option \"--probability\", or out of range (0-1).");
        // lround(2^31 * p), rounding halves away from zero, without libm (one library less
        // for every process to load). The fraction of a double in [0, 2^31] is exact.
        const double scaled = 0x80000000 * p;
        auto rounded = static_cast<std::uint64_t>(scaled);
        if (scaled - static_cast<double>(rounded) >= 0.5) ++rounded;
        info.u.random.probability = static_cast<std::uint32_t>(rounded);
        if (arg.invert) info.flags |= XT_STATISTIC_INVERT;
        break;
      }
      case kOptEvery: {
        auto v = parse_uint_opt(arg.value, 1, UINT32_MAX, "statistic", "--every");
        if (!v) return v.take_error();
        info.u.nth.every = static_cast<std::uint32_t>(*v - 1);
        if (arg.invert) info.flags |= XT_STATISTIC_INVERT;
        break;
      }
      case kOptPacket: {
        auto v = parse_uint_opt(arg.value, 0, UINT32_MAX, "statistic", "--packet");
        if (!v) return v.take_error();
        info.u.nth.packet = static_cast<std::uint32_t>(*v);
        break;
      }
    }
    return {};
  }
  // The extension's own checks come first, then libxtables' (mandatory --mode, exclusions),
  // as iptables runs them: "--every 2" alone is a random-mode rule without a probability.
  Status final_check(const RuleContext&) override {
    const auto given = [&](int id) { return (seen & (1u << id)) != 0; };
    if (info.mode == XT_STATISTIC_MODE_RANDOM && !given(kOptProbability))
      return parameter_error("--probability must be specified when using random mode");
    if (info.mode == XT_STATISTIC_MODE_NTH && !given(kOptEvery) && !given(kOptPacket))
      return parameter_error("--every and --packet must be specified when using nth mode");
    if (info.u.nth.packet > info.u.nth.every)
      return parameter_error("the --packet p must be 0 <= p <= n-1");
    if (!given(kOptMode)) return must_be_specified("statistic", "--mode");
    if (given(kOptProbability) && given(kOptEvery))
      return cannot_combine("statistic", "--probability", "--every");
    if (given(kOptProbability) && given(kOptPacket))
      return cannot_combine("statistic", "--probability", "--packet");
    if (given(kOptEvery) && !given(kOptPacket))
      return also_requires("statistic", "--every", "--packet");
    info.u.nth.count = info.u.nth.every;
    return {};
  }
  void dump(std::string& out, const char* p) const {
    bool inv = info.flags & XT_STATISTIC_INVERT;
    if (info.mode == XT_STATISTIC_MODE_RANDOM) {
      char b[64];
      std::snprintf(b, sizeof(b), "%.11f", info.u.random.probability / 2147483648.0);
      out += std::string(" ") + p + "mode random" + (inv ? " !" : "") + " " + p + "probability " + b;
    } else {
      // "%u" of every + 1, which wraps as unsigned; -L leaves out a packet of 0.
      out += std::string(" ") + p + "mode nth" + (inv ? " !" : "") + " " + p + "every " +
             std::to_string(static_cast<std::uint32_t>(info.u.nth.every + 1u));
      if (info.u.nth.packet || *p)
        out += std::string(" ") + p + "packet " + std::to_string(info.u.nth.packet);
    }
  }
  void save(std::string& out, const SaveContext&) const override { dump(out, "--"); }
  void list(std::string& out, bool, const SaveContext&) const override {
    out += " statistic";
    dump(out, "");
  }
  bool xlate(Xlate& xl, const XlateContext&) const override {
    const bool inv = info.flags & XT_STATISTIC_INVERT;
    if (info.mode == XT_STATISTIC_MODE_RANDOM)
      xl.addf("meta random & %u %s %u", 2147483647u, inv ? ">=" : "<", info.u.random.probability);
    else if (info.mode == XT_STATISTIC_MODE_NTH)
      xl.addf("numgen inc mod %u %s%u", info.u.nth.every + 1, inv ? "!= " : "", info.u.nth.packet);
    else
      return false;
    return true;
  }
  Status encode(std::vector<nft::Expr>& out, const RuleContext&) const override {
    out.push_back(nft::Expr::match("statistic", 0, xt_blob(info)));
    return {};
  }
};

std::unique_ptr<Match> create(Family) { return std::make_unique<StatisticMatch>(); }
std::unique_ptr<Match> decode_compat(const DecodeContext&, const nft::Bytes& blob) {
  auto m = std::make_unique<StatisticMatch>();
  if (!xt_read(blob, m->info)) return nullptr;
  return m;
}

}  // namespace

constexpr std::string_view kStatisticMatchHelp = R"HELP(
statistic match options:
 --mode mode                    Match mode (random, nth)
 random mode:
[!] --probability p		 Probability
 nth mode:
[!] --every n			 Match every nth packet
 --packet p			 Initial counter value (0 <= p <= n-1, default 0)
)HELP";

extern const MatchType kStatisticMatch = {"statistic",   kBoth,       kOptions,
                                          create,        "statistic", 0,
                                          decode_compat, nullptr,     kStatisticMatchHelp};

}  // namespace cx::ext
