// -m rateest (xt "rateest" rev 0, struct xt_rateest_match_info): compares the rates of the
// estimators the RATEEST target keeps. --rateest NAME (alias --rateest1) alone compares with
// fixed rates (flag ABS, set when there is no --rateest2); --rateest1 A ... --rateest2 B
// compares two estimators (flag REL). --rateest-bps1/-pps1/-bps2/-pps2 (--rateest-bps and
// --rateest-pps are the "2" ones) take their value from the next word unless it starts with
// '-' or '!'; bps values are rates with tc's units ("8bit", "5kbit", "3MBps"; bare numbers are
// bytes/s) stored in bytes/s, pps values numbers. --rateest-delta compares differences;
// [!] --rateest-lt/-gt/-eq set the mode. The kernel, not the parser, refuses incomplete rules.
// -S prints the bps rates as "%.0fbit"/"Kbit"/"Mbit" of the bits (5kbit -> 5000bit); -L the
// same, or the raw bytes/s with -n.
#include <linux/netfilter/xt_rateest.h>
#include <strings.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "ext/extension.h"
#include "ext/util.h"

namespace cx::ext {
namespace {

// The ids double as the bits of "given once".
enum {
  kOptName1 = 1,
  kOptName2,
  kOptBps1,
  kOptPps1,
  kOptBps2,
  kOptPps2,
  kOptDelta,
  kOptLt,
  kOptGt,
  kOptEq,
};
constexpr OptionSpec kOptions[] = {
    {"rateest1", ArgKind::Required, kOptName1}, {"rateest", ArgKind::Required, kOptName1},
    {"rateest2", ArgKind::Required, kOptName2}, {"rateest-bps1", ArgKind::None, kOptBps1},
    {"rateest-pps1", ArgKind::None, kOptPps1},  {"rateest-bps2", ArgKind::None, kOptBps2},
    {"rateest-pps2", ArgKind::None, kOptPps2},  {"rateest-bps", ArgKind::None, kOptBps2},
    {"rateest-pps", ArgKind::None, kOptPps2},   {"rateest-delta", ArgKind::None, kOptDelta},
    {"rateest-lt", ArgKind::None, kOptLt},      {"rateest-gt", ArgKind::None, kOptGt},
    {"rateest-eq", ArgKind::None, kOptEq},
};

// tc's rate units (iproute2), bits per second each.
constexpr struct {
  const char* name;
  double scale;
} kSuffixes[] = {
    {"bit", 1.},
    {"Kibit", 1024.},
    {"kbit", 1000.},
    {"Mibit", 1024. * 1024.},
    {"mbit", 1000000.},
    {"Gibit", 1024. * 1024. * 1024.},
    {"gbit", 1000000000.},
    {"Tibit", 1024. * 1024. * 1024. * 1024.},
    {"tbit", 1000000000000.},
    {"Bps", 8.},
    {"KiBps", 8. * 1024.},
    {"KBps", 8000.},
    {"MiBps", 8. * 1024. * 1024.},
    {"MBps", 8000000.},
    {"GiBps", 8. * 1024. * 1024. * 1024.},
    {"GBps", 8000000000.},
    {"TiBps", 8. * 1024. * 1024. * 1024. * 1024.},
    {"TBps", 8000000000000.},
};

// A double stored into a __u32 the way the reference's C conversion does on x86-64: through
// a 64-bit truncation, keeping the low 32 bits (0 for what does not fit).
std::uint32_t to_u32(double v) {
  if (!std::isfinite(v) || v >= 9.2e18 || v <= -9.2e18) return 0;
  return static_cast<std::uint32_t>(static_cast<std::int64_t>(v));
}

// A rate in bytes/s: "N" is bytes/s already, "N<unit>" bits (or bytes) per second.
bool parse_rate(const std::string& s, std::uint32_t& rate) {
  char* end = nullptr;
  double v = std::strtod(s.c_str(), &end);
  if (end == s.c_str()) return false;
  if (*end == '\0') {
    rate = to_u32(v / 8.);
    return true;
  }
  for (const auto& u : kSuffixes)
    if (strcasecmp(u.name, end) == 0) {
      rate = to_u32(v * u.scale / 8.);
      return true;
    }
  return false;
}

// A packet count: xtables_strtoui up to UINT32_MAX.
bool parse_count(const std::string& s, std::uint32_t& out) {
  auto v = xtables_strtoui(s, UINT32_MAX);
  if (v) out = static_cast<std::uint32_t>(*v);
  return v.has_value();
}

std::string rate_text(std::uint32_t rate, bool numeric) {
  char b[64];
  double bits = static_cast<double>(rate) * 8;
  if (numeric)
    std::snprintf(b, sizeof(b), " %u", rate);
  else if (bits >= 1000.0 * 1000000.0)
    std::snprintf(b, sizeof(b), " %.0fMbit", bits / 1000000.0);
  else if (bits >= 1000.0 * 1000.0)
    std::snprintf(b, sizeof(b), " %.0fKbit", bits / 1000.0);
  else
    std::snprintf(b, sizeof(b), " %.0fbit", bits);
  return b;
}

class RateestMatch final : public Match {
 public:
  xt_rateest_match_info info{};
  unsigned seen = 0;

  std::string_view name() const override { return "rateest"; }
  std::unique_ptr<Match> clone() const override { return std::make_unique<RateestMatch>(*this); }

  // The optional value of --rateest-bps1 and friends: the next word, unless it looks like an
  // option or a '!'.
  static const std::string* optional_value(const OptionArg& arg) {
    if (!arg.argv || !arg.next || *arg.next >= arg.argv->size()) return nullptr;
    const std::string& w = (*arg.argv)[*arg.next];
    if (!w.empty() && (w[0] == '-' || w[0] == '!')) return nullptr;
    ++*arg.next;
    return &w;
  }

  Status parse(int id, const OptionArg& arg, const RuleContext&) override {
    auto twice = [&](const char* message) -> Status {
      if (seen & (1u << id)) return parameter_error(message);
      seen |= 1u << id;
      return {};
    };
    switch (id) {
      case kOptName1:
      case kOptName2: {
        if (arg.invert) return parameter_error("rateest: rateest can't be inverted");
        CX_TRY(twice(id == kOptName1 ? "rateest: can't specify --rateest1 twice"
                                     : "rateest: can't specify --rateest2 twice"));
        char* dst = id == kOptName1 ? info.name1 : info.name2;
        std::memset(dst, 0, IFNAMSIZ);
        std::memcpy(dst, arg.value.data(), std::min<std::size_t>(arg.value.size(), IFNAMSIZ - 1));
        if (id == kOptName2) info.flags |= XT_RATEEST_MATCH_REL;
        return {};
      }
      case kOptBps1:
      case kOptBps2: {
        if (arg.invert) return parameter_error("rateest: rateest-bps can't be inverted");
        CX_TRY(twice(id == kOptBps1 ? "rateest: can't specify --rateest-bps1 twice"
                                    : "rateest: can't specify --rateest-bps2 twice"));
        info.flags |= XT_RATEEST_MATCH_BPS;
        // Only the absolute comparison needs a rate: the word is optional.
        const std::string* v = optional_value(arg);
        if (v && !parse_rate(*v, id == kOptBps1 ? info.bps1 : info.bps2))
          return parameter_error("rateest: could not parse rate `" + *v + "'");
        return {};
      }
      case kOptPps1:
      case kOptPps2: {
        if (arg.invert) return parameter_error("rateest: rateest-pps can't be inverted");
        CX_TRY(twice(id == kOptPps1 ? "rateest: can't specify --rateest-pps1 twice"
                                    : "rateest: can't specify --rateest-pps2 twice"));
        info.flags |= XT_RATEEST_MATCH_PPS;
        const std::string* v = optional_value(arg);
        if (v && !parse_count(*v, id == kOptPps1 ? info.pps1 : info.pps2))
          return parameter_error("rateest: could not parse pps `" + *v + "'");
        return {};
      }
      case kOptDelta:
        if (arg.invert) return parameter_error("rateest: rateest-delta can't be inverted");
        CX_TRY(twice("rateest: can't specify --rateest-delta twice"));
        info.flags |= XT_RATEEST_MATCH_DELTA;
        return {};
      default:  // lt, gt, eq: each only once, the last one given wins
        CX_TRY(twice("rateest: can't specify lt/gt/eq twice"));
        info.mode = id == kOptLt   ? XT_RATEEST_MATCH_LT
                    : id == kOptGt ? XT_RATEEST_MATCH_GT
                                   : XT_RATEEST_MATCH_EQ;
        if (arg.invert) info.flags |= XT_RATEEST_MATCH_INVERT;
        return {};
    }
  }
  Status final_check(const RuleContext&) override {
    if (!(info.flags & XT_RATEEST_MATCH_REL)) info.flags |= XT_RATEEST_MATCH_ABS;
    return {};
  }

  bool has(unsigned flag) const { return info.flags & flag; }
  // " [!] PREFIXlt"; the reference exits on a mode it does not know, here it prints nothing.
  std::string mode_text(const char* prefix) const {
    std::string out = has(XT_RATEEST_MATCH_INVERT) ? " !" : "";
    switch (info.mode) {
      case XT_RATEEST_MATCH_EQ:
        return out + " " + prefix + "eq";
      case XT_RATEEST_MATCH_LT:
        return out + " " + prefix + "lt";
      case XT_RATEEST_MATCH_GT:
        return out + " " + prefix + "gt";
      default:
        return out;
    }
  }
  static std::string name_text(const char* n) { return std::string(n, strnlen(n, IFNAMSIZ)); }
  void save_rate(std::string& out, const char* what, std::uint32_t r1, std::uint32_t r2,
                 bool numeric) const {
    if (has(XT_RATEEST_MATCH_DELTA)) {
      out += std::string(" --rateest-") + what + "1" + rate_text(r1, numeric);
      out += mode_text("--rateest-");
      out += std::string(" --rateest-") + what + "2";
    } else {
      out += mode_text("--rateest-");
      out += std::string(" --rateest-") + what;
    }
    if (has(XT_RATEEST_MATCH_ABS | XT_RATEEST_MATCH_DELTA)) out += rate_text(r2, numeric);
  }
  void save(std::string& out, const SaveContext&) const override {
    if (has(XT_RATEEST_MATCH_DELTA)) out += " --rateest-delta";
    out += has(XT_RATEEST_MATCH_REL) ? " --rateest1 " : " --rateest ";
    out += name_text(info.name1);
    if (has(XT_RATEEST_MATCH_BPS)) save_rate(out, "bps", info.bps1, info.bps2, false);
    if (has(XT_RATEEST_MATCH_PPS)) save_rate(out, "pps", info.pps1, info.pps2, true);
    if (has(XT_RATEEST_MATCH_REL)) out += " --rateest2 " + name_text(info.name2);
  }
  void list(std::string& out, bool numeric, const SaveContext&) const override {
    const bool delta = has(XT_RATEEST_MATCH_DELTA);
    out += " rateest match " + name_text(info.name1);
    if (delta) out += " delta";
    // The reference prints an absolute bps rate before the mode but a pps count after it.
    if (has(XT_RATEEST_MATCH_BPS)) {
      out += " bps";
      if (delta) out += rate_text(info.bps1, numeric);
      if (has(XT_RATEEST_MATCH_ABS)) out += rate_text(info.bps2, numeric) + mode_text("");
    }
    if (has(XT_RATEEST_MATCH_PPS)) {
      out += " pps";
      if (delta) out += " " + std::to_string(info.pps1);
      if (has(XT_RATEEST_MATCH_ABS)) out += mode_text("") + " " + std::to_string(info.pps2);
    }
    if (has(XT_RATEEST_MATCH_REL)) {
      out += mode_text("") + " " + name_text(info.name2);
      if (has(XT_RATEEST_MATCH_BPS)) {
        out += " bps";
        if (delta) out += rate_text(info.bps2, numeric);
      }
      if (has(XT_RATEEST_MATCH_PPS)) {
        out += " pps";
        if (delta) out += " " + std::to_string(info.pps2);
      }
    }
  }
  Status encode(std::vector<nft::Expr>& out, const RuleContext&) const override {
    out.push_back(nft::Expr::match("rateest", 0, xt_blob(info)));
    return {};
  }
};

std::unique_ptr<Match> create(Family) { return std::make_unique<RateestMatch>(); }
std::unique_ptr<Match> decode(const DecodeContext&, const nft::Bytes& blob) {
  auto m = std::make_unique<RateestMatch>();
  if (!xt_read(blob, m->info)) return nullptr;
  // The kernel's estimator pointers are no part of the rule.
  m->info.est1 = nullptr;
  m->info.est2 = nullptr;
  return m;
}

}  // namespace

constexpr std::string_view kRateestMatchHelp = R"HELP(
rateest match options:
 --rateest1 name		Rate estimator name
 --rateest2 name		Rate estimator name
 --rateest-delta		Compare difference(s) to given rate(s)
 --rateest-bps1 [bps]		Compare bps
 --rateest-pps1 [pps]		Compare pps
 --rateest-bps2 [bps]		Compare bps
 --rateest-pps2 [pps]		Compare pps
 [!] --rateest-lt		Match if rate is less than given rate/estimator
 [!] --rateest-gt		Match if rate is greater than given rate/estimator
 [!] --rateest-eq		Match if rate is equal to given rate/estimator
)HELP";

extern const MatchType kRateestMatch = {"rateest", kBoth,  kOptions, create,           "rateest",
                                        0,         decode, nullptr,  kRateestMatchHelp};

}  // namespace cx::ext
