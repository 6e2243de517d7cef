// -m hashlimit (xt "hashlimit" rev 3, struct xt_hashlimit_mtinfo3). Rates use
// XT_HASHLIMIT_SCALE_v2 (1e6): avg = 1e6 * unit_seconds / N, units parsed like -m limit; byte
// rates "N[k|m]b/s" set XT_HASHLIMIT_BYTES with avg = UINT32_MAX / ((bytes >> 5) + 1).
// Defaults: burst 5 (packets) or 0 (bytes), gcinterval 1000, masks 32 / 128, and
// htable-expire = the rate's unit in ms (bytes: 15000, 60000 with a byte burst) unless given.
// A bytes burst is stored as a count of rate quanta, rounded up (at least one quantum).
// --hashlimit-mode srcip,srcport,dstip,dstport (-L joins with '-'). -S always prints
// --hashlimit-burst for packet rates and --hashlimit-htable-expire only when it differs from
// what the printed unit implies. --hashlimit-rate-match divides a packet avg by the unit's
// seconds and defaults the interval to them (1 for bytes); -L prints avg * interval as the
// rate, and both forms print the interval only when it is not 1.
#include <linux/netfilter/xt_hashlimit.h>
#include <netdb.h>
#include <netinet/in.h>

#include <cctype>
#include <cerrno>
#include <cinttypes>
#include <cstdlib>
#include <cstring>

#include "common/parse.h"
#include "ext/extension.h"
#include "ext/util.h"

namespace cx::ext {
namespace {

enum {
  kOptUpto = 1, kOptAbove, kOptLegacy, kOptBurst, kOptMode, kOptName, kOptSize, kOptMax,
  kOptGc, kOptExpire, kOptSrcmask, kOptDstmask, kOptRateMatch, kOptRateInterval,
};
constexpr OptionSpec kOptions[] = {
    {"hashlimit", ArgKind::Required, kOptLegacy},
    {"hashlimit-upto", ArgKind::Required, kOptUpto},
    {"hashlimit-above", ArgKind::Required, kOptAbove},
    {"hashlimit-burst", ArgKind::Required, kOptBurst},
    {"hashlimit-mode", ArgKind::Required, kOptMode},
    {"hashlimit-name", ArgKind::Required, kOptName},
    {"hashlimit-htable-size", ArgKind::Required, kOptSize},
    {"hashlimit-htable-max", ArgKind::Required, kOptMax},
    {"hashlimit-htable-gcinterval", ArgKind::Required, kOptGc},
    {"hashlimit-htable-expire", ArgKind::Required, kOptExpire},
    {"hashlimit-srcmask", ArgKind::Required, kOptSrcmask},
    {"hashlimit-dstmask", ArgKind::Required, kOptDstmask},
    {"hashlimit-rate-match", ArgKind::None, kOptRateMatch},
    {"hashlimit-rate-interval", ArgKind::Required, kOptRateInterval},
};

constexpr std::uint64_t kScale = XT_HASHLIMIT_SCALE_v2;
// Default expiry of a bytes rate in seconds, without and with a burst.
constexpr std::uint64_t XT_HASHLIMIT_BYTE_EXPIRE = 15;
constexpr std::uint64_t XT_HASHLIMIT_BYTE_EXPIRE_BURST = 60;

struct Unit {
  const char* name;
  std::uint64_t seconds;
};
constexpr Unit kUnits[] = {{"day", 86400}, {"hour", 3600}, {"min", 60}, {"sec", 1}};

std::size_t unit_index(std::uint64_t avg) {
  // avg 0 (a damaged or hand-made kernel rule) is the limit of ever faster rates: per second.
  if (avg == 0) return std::size(kUnits) - 1;
  std::size_t i = 1;
  for (; i < std::size(kUnits); ++i) {
    std::uint64_t mult = kScale * kUnits[i].seconds;
    if (avg > mult || mult / avg < mult % avg) break;
  }
  return i - 1;
}

struct ByteUnit {
  const char* name;
  std::uint64_t thresh;
};
constexpr ByteUnit kByteUnits[] = {{"mb", 1024 * 1024}, {"kb", 1024}, {"b", 1}};

std::uint64_t bytes_to_cost(std::uint64_t bytes) {
  // 32 bits, as libxt_hashlimit computes it: huge rates wrap the same way.
  // r + 1 in 64 bits: a kernel payload can make r UINT32_MAX, and 32-bit r + 1 would be 0.
  const std::uint64_t r = static_cast<std::uint32_t>(bytes >> XT_HASHLIMIT_BYTE_SHIFT);
  return UINT32_MAX / (r + 1);
}
std::uint64_t cost_to_bytes(std::uint64_t cost) {
  std::uint64_t r = cost ? UINT32_MAX / cost : UINT32_MAX;
  return (r - 1) << XT_HASHLIMIT_BYTE_SHIFT;
}
std::string bytes_text(std::uint64_t r, bool exact_cost, std::uint64_t avg) {
  for (const auto& u : kByteUnits)
    if (r >= u.thresh && (!exact_cost || bytes_to_cost(r & ~(u.thresh - 1)) == avg))
      return std::to_string(r / u.thresh) + u.name;
  return std::to_string(r) + "b";
}

bool prefix_ci(std::string_view word, std::string_view full) {
  if (word.size() > full.size()) return false;
  for (std::size_t i = 0; i < word.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(word[i])) != full[i]) return false;
  return true;
}

constexpr struct {
  const char* name;
  std::uint32_t bit;
} kModes[] = {{"srcip", XT_HASHLIMIT_HASH_SIP},
              {"srcport", XT_HASHLIMIT_HASH_SPT},
              {"dstip", XT_HASHLIMIT_HASH_DIP},
              {"dstport", XT_HASHLIMIT_HASH_DPT}};

std::string opt_name(int id) {
  for (const auto& o : kOptions)
    if (o.id == id) return "--" + std::string(o.name);
  return "";
}

// libxtables' xtables_strtoul with an end pointer: strtoumax base 0, no leading '-', value in
// [min, max], trailing characters left to the caller.
bool strtoul_prefix(const std::string& s, std::uint64_t min, std::uint64_t max, std::uint64_t& v,
                    const char*& end) {
  const char* p = s.c_str();
  while (std::isspace(static_cast<unsigned char>(*p))) ++p;
  if (*p == '-') return false;
  char* stop = nullptr;
  errno = 0;
  std::uintmax_t r = std::strtoumax(s.c_str(), &stop, 0);
  if (stop == s.c_str() || errno == ERANGE || r < min || r > max) return false;
  v = r;
  end = stop;
  return true;
}

std::uint64_t size_factor(char c) { return c == 'm' ? 1024 * 1024 : c == 'k' ? 1024 : 1; }

constexpr std::uint64_t kBurstMax = 1000000;

Error burst_error() {
  return parameter_error(
      "bad value for option \"--hashlimit-burst\", or out of range (1-1000000).");
}

class HashlimitMatch final : public Match {
 public:
  xt_hashlimit_mtinfo3 info{};
  unsigned seen = 0;
  // Seconds per rate unit (1 for bytes rates are 15): the default expiry and, for
  // --hashlimit-rate-match, what the packet rate is divided by.
  std::uint64_t mult = 1;

  explicit HashlimitMatch(Family f = Family::V4) {
    info.cfg.burst = 5;
    info.cfg.gc_interval = 1000;
    info.cfg.srcmask = info.cfg.dstmask = f == Family::V4 ? 32 : 128;
  }
  std::string_view name() const override { return "hashlimit"; }
  std::unique_ptr<Match> clone() const override {
    return std::make_unique<HashlimitMatch>(*this);
  }

  // "N[k|m]b/s" anywhere in the word: a bytes rate. false when the word is not of that form.
  Result<bool> parse_bytes(std::string_view s) {
    std::string str(s);
    std::size_t b = str.find("b/s");
    if (b == std::string::npos || b == 0) return false;
    auto r = static_cast<std::uint64_t>(std::atoll(str.c_str()));
    if (r == 0) return false;
    std::uint64_t cost = bytes_to_cost(r * size_factor(str[b - 1]));
    if (cost == 0) return parameter_error("Rate too high \"" + str + "\"");
    mult = XT_HASHLIMIT_BYTE_EXPIRE;
    info.cfg.avg = cost;
    return true;
  }

  Status parse_rate(std::string_view s, const char* opt) {
    auto is_bytes = parse_bytes(s);
    if (!is_bytes) return is_bytes.take_error();
    if (*is_bytes) {
      info.cfg.mode |= XT_HASHLIMIT_BYTES;
      return {};
    }
    mult = 1;
    if (auto slash = s.find('/'); slash != std::string_view::npos) {
      std::string_view unit = s.substr(slash + 1);
      if (unit.empty()) return bad_value("hashlimit", opt, s);
      if (prefix_ci(unit, "second"))
        mult = 1;
      else if (prefix_ci(unit, "minute"))
        mult = 60;
      else if (prefix_ci(unit, "hour"))
        mult = 3600;
      else if (prefix_ci(unit, "day"))
        mult = 86400;
      else
        return bad_value("hashlimit", opt, s);
    }
    auto r = static_cast<std::uint64_t>(std::atoll(std::string(s).c_str()));
    if (r == 0) return bad_value("hashlimit", opt, s);
    std::uint64_t avg = kScale * mult / r;
    if (avg == 0) return parameter_error("Rate too fast \"" + std::string(s) + "\"");
    info.cfg.avg = avg;
    return {};
  }

  // A count, or an amount of bytes with a k/m suffix (its meaning depends on the rate).
  Result<std::uint64_t> parse_burst(std::string_view s) {
    std::string str(s);
    std::uint64_t v = 0;
    const char* end = nullptr;
    if (!strtoul_prefix(str, 1, UINT64_MAX, v, end) || (*end == '\0' && v > kBurstMax))
      return burst_error();
    return v * size_factor(*end);
  }

  Status parse(int id, const OptionArg& arg, const RuleContext& ctx) override {
    // --hashlimit is the old name of --hashlimit-upto: one option for "only once".
    const int slot = id == kOptLegacy ? kOptUpto : id;
    std::string opt = opt_name(slot);
    bool invertible = id == kOptUpto || id == kOptAbove || id == kOptLegacy;
    if (seen & (1u << slot)) return only_once("hashlimit", opt);
    if (arg.invert && !invertible) return cannot_invert("hashlimit", opt);
    if ((slot == kOptUpto && (seen & (1u << kOptAbove))) ||
        (slot == kOptAbove && (seen & (1u << kOptUpto))))
      return cannot_combine("hashlimit", "--hashlimit-upto", "--hashlimit-above");
    seen |= 1u << slot;
    auto u32 = [&](std::uint32_t& dst, std::uint64_t max) -> Status {
      auto v = parse_uint_opt(arg.value, 0, max, "hashlimit", opt);
      if (!v) return v.take_error();
      dst = static_cast<std::uint32_t>(*v);
      return {};
    };
    switch (id) {
      case kOptUpto:
      case kOptLegacy:
      case kOptAbove:
        if ((id == kOptAbove) != arg.invert) info.cfg.mode |= XT_HASHLIMIT_INVERT;
        CX_TRY(parse_rate(arg.value, opt.c_str()));
        break;
      case kOptBurst: {
        auto b = parse_burst(arg.value);
        if (!b) return b.take_error();
        info.cfg.burst = *b;
        break;
      }
      case kOptMode:
        for (const std::string& w : split(arg.value, ',')) {
          bool found = false;
          for (const auto& m : kModes)
            if (w == m.name) {
              info.cfg.mode |= m.bit;
              found = true;
            }
          if (!found) return bad_value("hashlimit", "--hashlimit-mode", arg.value);
        }
        break;
      case kOptName:
        if (arg.value.empty())
          return option_error("Argument must have a minimum length of 1 characters");
        std::memset(info.name, 0, sizeof(info.name));
        std::memcpy(info.name, arg.value.data(), std::min(arg.value.size(), sizeof(info.name) - 1));
        break;
      case kOptSize: CX_TRY(u32(info.cfg.size, UINT32_MAX)); break;
      case kOptMax: CX_TRY(u32(info.cfg.max, UINT32_MAX)); break;
      case kOptGc: CX_TRY(u32(info.cfg.gc_interval, UINT32_MAX)); break;
      case kOptExpire: CX_TRY(u32(info.cfg.expire, UINT32_MAX)); break;
      case kOptSrcmask:
      case kOptDstmask: {
        auto v = parse_plen(arg.value, ctx.family, "hashlimit", opt);
        if (!v) return v.take_error();
        (id == kOptSrcmask ? info.cfg.srcmask : info.cfg.dstmask) = *v;
        break;
      }
      case kOptRateMatch: info.cfg.mode |= XT_HASHLIMIT_RATE_MATCH; break;
      case kOptRateInterval: {
        int v = std::atoi(std::string(arg.value).c_str());
        if (v <= 0) return bad_value("hashlimit", opt, arg.value);
        info.cfg.interval = static_cast<std::uint32_t>(v);
        break;
      }
    }
    return {};
  }

  // The expiry implied by the printed rate (iptables prints --hashlimit-htable-expire only
  // when it differs); `period` is the packet rate as printed.
  std::uint64_t default_expire_ms(std::uint64_t period) const {
    if (info.cfg.mode & XT_HASHLIMIT_BYTES)
      return (info.cfg.burst ? XT_HASHLIMIT_BYTE_EXPIRE_BURST : XT_HASHLIMIT_BYTE_EXPIRE) * 1000;
    return kUnits[unit_index(period)].seconds * 1000;
  }

  Status final_check(const RuleContext&) override {
    if (!(seen & ((1u << kOptUpto) | (1u << kOptAbove))))
      return parameter_error("You have to specify --hashlimit");
    const bool own_expire = seen & (1u << kOptExpire);
    if (!own_expire) info.cfg.expire = static_cast<std::uint32_t>(mult * 1000);
    if (info.cfg.mode & XT_HASHLIMIT_BYTES) {
      // A bytes burst becomes a number of rate quanta, rounded up.
      std::uint64_t burst = 0;
      if (seen & (1u << kOptBurst)) {
        std::uint64_t quantum = cost_to_bytes(info.cfg.avg);
        // iptables divides by this quantum and dies of SIGFPE when a rate of a few bytes per
        // second rounds it to 0 ("--hashlimit-upto 1b/s --hashlimit-burst 2mb"); refuse it.
        if (quantum == 0) return parameter_error("hashlimit: rate too low for a burst in bytes");
        if (info.cfg.burst < quantum)
          return parameter_error("burst cannot be smaller than " + std::to_string(quantum) + "b");
        burst = info.cfg.burst / quantum + (info.cfg.burst % quantum ? 1 : 0);
        if (!own_expire) info.cfg.expire = XT_HASHLIMIT_BYTE_EXPIRE_BURST * 1000;
      }
      info.cfg.burst = burst;
    } else if (info.cfg.burst > kBurstMax) {
      return burst_error();
    }
    if (seen & (1u << kOptRateMatch)) {
      if (!(info.cfg.mode & XT_HASHLIMIT_BYTES)) info.cfg.avg /= mult;
      if (info.cfg.interval == 0)
        info.cfg.interval =
            (info.cfg.mode & XT_HASHLIMIT_BYTES) ? 1 : static_cast<std::uint32_t>(mult);
    }
    if (!(seen & (1u << kOptName))) return must_be_specified("hashlimit", "--hashlimit-name");
    return {};
  }

  std::string rate_text(std::uint64_t period) const {
    if (info.cfg.mode & XT_HASHLIMIT_BYTES)
      return bytes_text(cost_to_bytes(info.cfg.avg), true, info.cfg.avg) + "/s";
    if (period == 0) return "inf";
    std::size_t i = unit_index(period);
    return std::to_string(kScale * kUnits[i].seconds / period) + "/" + kUnits[i].name;
  }
  // -L shows the rate of a --hashlimit-rate-match rule over its interval (avg * interval);
  // -S shows avg itself.
  std::uint64_t list_period() const {
    return info.cfg.interval ? info.cfg.avg * info.cfg.interval : info.cfg.avg;
  }
  bool shows_interval() const {
    return (info.cfg.mode & XT_HASHLIMIT_RATE_MATCH) && info.cfg.interval != 1;
  }
  std::string burst_text() const {
    if (info.cfg.mode & XT_HASHLIMIT_BYTES) {
      if (!info.cfg.burst) return "";
      return bytes_text(cost_to_bytes(info.cfg.avg) * info.cfg.burst, false, 0);
    }
    return std::to_string(info.cfg.burst);
  }
  std::string mode_text(char sep) const {
    std::string s;
    for (const auto& m : kModes)
      if (info.cfg.mode & m.bit) {
        if (!s.empty()) s += sep;
        s += m.name;
      }
    return s;
  }

  void save(std::string& out, const SaveContext& ctx) const override {
    std::uint8_t full = ctx.family == Family::V4 ? 32 : 128;
    out += (info.cfg.mode & XT_HASHLIMIT_INVERT) ? " --hashlimit-above " : " --hashlimit-upto ";
    out += rate_text(info.cfg.avg);
    if (std::string b = burst_text(); !b.empty()) out += " --hashlimit-burst " + b;
    if (std::string m = mode_text(','); !m.empty()) out += " --hashlimit-mode " + m;
    out += " --hashlimit-name " + std::string(info.name, strnlen(info.name, sizeof(info.name)));
    if (info.cfg.size) out += " --hashlimit-htable-size " + std::to_string(info.cfg.size);
    if (info.cfg.max) out += " --hashlimit-htable-max " + std::to_string(info.cfg.max);
    if (info.cfg.gc_interval != 1000)
      out += " --hashlimit-htable-gcinterval " + std::to_string(info.cfg.gc_interval);
    if (info.cfg.expire != default_expire_ms(info.cfg.avg))
      out += " --hashlimit-htable-expire " + std::to_string(info.cfg.expire);
    if (info.cfg.srcmask != full) out += " --hashlimit-srcmask " + std::to_string(info.cfg.srcmask);
    if (info.cfg.dstmask != full) out += " --hashlimit-dstmask " + std::to_string(info.cfg.dstmask);
    if (info.cfg.mode & XT_HASHLIMIT_RATE_MATCH) out += " --hashlimit-rate-match";
    if (shows_interval()) out += " --hashlimit-rate-interval " + std::to_string(info.cfg.interval);
  }
  void list(std::string& out, bool, const SaveContext& ctx) const override {
    std::uint8_t full = ctx.family == Family::V4 ? 32 : 128;
    out += (info.cfg.mode & XT_HASHLIMIT_INVERT) ? " limit: above " : " limit: up to ";
    out += rate_text(list_period());
    if (std::string b = burst_text(); !b.empty()) out += " burst " + b;
    if (std::string m = mode_text('-'); !m.empty()) out += " mode " + m;
    if (info.cfg.size) out += " htable-size " + std::to_string(info.cfg.size);
    if (info.cfg.max) out += " htable-max " + std::to_string(info.cfg.max);
    if (info.cfg.gc_interval != 1000)
      out += " htable-gcinterval " + std::to_string(info.cfg.gc_interval);
    if (info.cfg.expire != default_expire_ms(list_period()))
      out += " htable-expire " + std::to_string(info.cfg.expire);
    if (info.cfg.srcmask != full) out += " srcmask " + std::to_string(info.cfg.srcmask);
    if (info.cfg.dstmask != full) out += " dstmask " + std::to_string(info.cfg.dstmask);
    if (info.cfg.mode & XT_HASHLIMIT_RATE_MATCH) out += " rate-match";
    if (shows_interval()) out += " rate-interval " + std::to_string(info.cfg.interval);
  }
  // " and 255.255.255.0" / " and ffff:...:0000": the mask of a hashed address as nft words it.
  static void xlate_subnet(Xlate& xl, unsigned bits, Family f) {
    const bool v4 = f == Family::V4;
    const unsigned blocks = v4 ? 4 : 8, width = v4 ? 8 : 16;
    xl.add(" and ");
    for (unsigned b = 0; b < blocks; ++b) {
      unsigned v = 0;
      for (unsigned i = 0; i < width; ++i) {
        v <<= 1;
        if (bits > 0) {
          v |= 1;
          --bits;
        }
      }
      xl.addf_nospc(v4 ? "%u" : "%04x", v);
      if (b + 1 < blocks) xl.add(v4 ? "." : ":");
    }
  }

  // nft words of libxt_hashlimit (rev 3): "meter NAME { KEYS [timeout Ns] limit rate [over]
  // RATE [burst ...]}"; no translation without --hashlimit-mode. The reference walks the mode
  // word up to --hashlimit-rate-match's bit, which names nothing: "(null)" in its key (the
  // IPv6 tool crashes there; this one refuses the rule).
  bool xlate(Xlate& xl, const XlateContext& ctx) const override {
    const Family f = ctx.family;
    const auto& cfg = info.cfg;
    xl.addf("meter %s {", std::string(info.name, strnlen(info.name, sizeof(info.name))).c_str());
    const unsigned full = f == Family::V4 ? 32 : 128;
    bool keyed = false;
    std::uint32_t mode = cfg.mode & ~std::uint32_t{XT_HASHLIMIT_INVERT | XT_HASHLIMIT_BYTES};
    for (std::uint32_t bit = 1; mode; bit <<= 1) {
      if (!(mode & bit)) continue;
      xl.add(keyed ? " . " : " ");
      keyed = true;
      switch (bit) {
        case XT_HASHLIMIT_HASH_DIP:
          xl.add(f == Family::V4 ? "ip daddr" : "ip6 daddr");
          if (cfg.dstmask != full) xlate_subnet(xl, cfg.dstmask, f);
          break;
        case XT_HASHLIMIT_HASH_SIP:
          xl.add(f == Family::V4 ? "ip saddr" : "ip6 saddr");
          if (cfg.srcmask != full) xlate_subnet(xl, cfg.srcmask, f);
          break;
        case XT_HASHLIMIT_HASH_DPT:
          xl.add("tcp dport");
          break;
        case XT_HASHLIMIT_HASH_SPT:
          xl.add("tcp sport");
          break;
        default:
          if (f == Family::V6) {
            xl.refuse("hashlimit: --hashlimit-rate-match has no nft translation as a meter key");
            return false;
          }
          xl.add("(null)");
          break;
      }
      mode &= ~bit;
    }
    if (cfg.expire != 1000) xl.addf(" timeout %us", cfg.expire / 1000);
    xl.add(" limit rate");
    if (cfg.mode & XT_HASHLIMIT_INVERT) xl.add(" over");
    if (cfg.mode & XT_HASHLIMIT_BYTES) {
      std::uint64_t r = cost_to_bytes(cfg.avg);
      static constexpr ByteUnit kNft[] = {{"m", 1024 * 1024}, {"k", 1024}, {"", 1}};
      std::size_t i = 0;
      for (; i + 1 < std::size(kNft); ++i)
        if (r >= kNft[i].thresh && bytes_to_cost(r & ~(kNft[i].thresh - 1)) == cfg.avg) break;
      xl.addf(" %" PRIu64 " %sbytes/second", r / kNft[i].thresh, kNft[i].name);
      r *= cfg.burst;
      for (i = 0; i + 1 < std::size(kNft); ++i)
        if (r >= kNft[i].thresh) break;
      if (cfg.burst > 0) xl.addf(" burst %" PRIu64 " %sbytes", r / kNft[i].thresh, kNft[i].name);
    } else {
      static constexpr const char* kNftUnits[] = {"day", "hour", "minute", "second"};
      if (cfg.avg == 0) return false;  // the reference divides by it
      const std::size_t i = unit_index(cfg.avg);
      xl.addf(" %" PRIu64 "/%s ", std::uint64_t{kScale * kUnits[i].seconds / cfg.avg},
              kNftUnits[i]);
      if (cfg.burst != 5) xl.addf("burst %" PRIu64 " packets", std::uint64_t{cfg.burst});
    }
    xl.add("}");
    return keyed;
  }

  Status encode(std::vector<nft::Expr>& out, const RuleContext&) const override {
    out.push_back(nft::Expr::match("hashlimit", 3, xt_blob(info)));
    return {};
  }
};

std::unique_ptr<Match> create(Family f) { return std::make_unique<HashlimitMatch>(f); }
std::unique_ptr<Match> decode_compat(const DecodeContext& ctx, const nft::Bytes& blob) {
  auto m = std::make_unique<HashlimitMatch>(ctx.family);
  if (!xt_read(blob, m->info)) return nullptr;
  return m;
}

}  // namespace

constexpr std::string_view kHashlimitMatchHelp = R"HELP(
hashlimit match options:
  --hashlimit-upto <avg>           max average match rate
                                   [Packets per second unless followed by 
                                   /sec /minute /hour /day postfixes]
  --hashlimit-above <avg>          min average match rate
  --hashlimit-mode <mode>          mode is a comma-separated list of
                                   dstip,srcip,dstport,srcport (or none)
  --hashlimit-srcmask <length>     source address grouping prefix length
  --hashlimit-dstmask <length>     destination address grouping prefix length
  --hashlimit-name <name>          name for /proc/net/ipt_hashlimit
  --hashlimit-burst <num>	    number to match in a burst, default 5
  --hashlimit-htable-size <num>    number of hashtable buckets
  --hashlimit-htable-max <num>     number of hashtable entries
  --hashlimit-htable-gcinterval    interval between garbage collection runs
  --hashlimit-htable-expire        after which time are idle entries expired?
  --hashlimit-rate-match           rate match the flow without rate-limiting it
  --hashlimit-rate-interval        interval in seconds for hashlimit-rate-match

)HELP";

extern const MatchType kHashlimitMatch = {"hashlimit",   kBoth,       kOptions,
                                          create,        "hashlimit", 3,
                                          decode_compat, nullptr,     kHashlimitMatchHelp};

}  // namespace cx::ext
