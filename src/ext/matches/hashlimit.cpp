// -m hashlimit (xt "hashlimit" rev 3, struct xt_hashlimit_mtinfo3). Rates use
// XT_HASHLIMIT_SCALE_v2 (1e6): avg = 1e6 * unit_seconds / N, units parsed like -m limit; byte
// rates "N[k|m]b/s" set XT_HASHLIMIT_BYTES with avg = UINT32_MAX / ((bytes >> 4) + 1).
// Defaults: burst 5 (packets) or 0 (bytes), gcinterval 1000, masks 32 / 128, and
// htable-expire = the rate's unit in ms (bytes: 15000, 60000 with a byte burst) unless given.
// --hashlimit-mode srcip,srcport,dstip,dstport (-L joins with '-'). -S always prints
// --hashlimit-burst for packet rates and --hashlimit-htable-expire only when it differs from
// what the printed unit implies. --hashlimit-rate-match stores avg = 1e6 / N (limitation: -L
// of such a rule is not reproduced exactly).
#include <linux/netfilter/xt_hashlimit.h>

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
  std::uint64_t r = bytes >> XT_HASHLIMIT_BYTE_SHIFT;
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

// "N[k|m]b" (also with "/s" for a rate); 0 when not of that form.
std::uint64_t parse_byte_amount(std::string_view s, bool rate) {
  std::string str(s);
  std::size_t b = str.find(rate ? "b/s" : "b");
  if (b == std::string::npos || b == 0) return 0;
  if (!rate && b + 1 != str.size()) return 0;
  std::uint64_t factor = 1;
  if (str[b - 1] == 'm')
    factor = 1024 * 1024;
  else if (str[b - 1] == 'k')
    factor = 1024;
  std::uint64_t n = std::strtoull(str.c_str(), nullptr, 10);
  return n * factor;
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

class HashlimitMatch final : public Match {
 public:
  xt_hashlimit_mtinfo3 info{};
  unsigned seen = 0;
  std::uint64_t rate_n = 0, rate_unit = 1;  // as parsed, for --hashlimit-rate-match
  std::uint64_t burst_bytes = 0;

  explicit HashlimitMatch(Family f = Family::V4) {
    info.cfg.burst = 5;
    info.cfg.gc_interval = 1000;
    info.cfg.srcmask = info.cfg.dstmask = f == Family::V4 ? 32 : 128;
  }
  std::string_view name() const override { return "hashlimit"; }
  std::unique_ptr<Match> clone() const override {
    return std::make_unique<HashlimitMatch>(*this);
  }

  Status parse_rate(std::string_view s) {
    if (std::uint64_t bytes = parse_byte_amount(s, true)) {
      std::uint64_t cost = bytes_to_cost(bytes);
      if (cost == 0) return parameter_error("Rate too high \"" + std::string(s) + "\"");
      info.cfg.avg = cost;
      info.cfg.mode |= XT_HASHLIMIT_BYTES;
      if (!(seen & (1u << kOptBurst))) info.cfg.burst = 0;
      return {};
    }
    auto bad = [&]() {
      return option_error("hashlimit: bad value for option \"--hashlimit-upto\", or out of range.");
    };
    std::uint64_t mult = 1;
    if (auto slash = s.find('/'); slash != std::string_view::npos) {
      std::string_view unit = s.substr(slash + 1);
      if (unit.empty()) return bad();
      if (prefix_ci(unit, "second"))
        mult = 1;
      else if (prefix_ci(unit, "minute"))
        mult = 60;
      else if (prefix_ci(unit, "hour"))
        mult = 3600;
      else if (prefix_ci(unit, "day"))
        mult = 86400;
      else
        return bad();
    }
    std::uint64_t r = std::strtoull(std::string(s).c_str(), nullptr, 10);
    if (r == 0) return bad();
    std::uint64_t avg = kScale * mult / r;
    if (avg == 0) return parameter_error("Rate too fast \"" + std::string(s) + "\"");
    info.cfg.avg = avg;
    rate_n = r;
    rate_unit = mult;
    return {};
  }

  Status parse(int id, const OptionArg& arg, const RuleContext&) override {
    std::string opt = opt_name(id);
    bool invertible = id == kOptUpto || id == kOptAbove;
    if (arg.invert && !invertible) return cannot_invert("hashlimit", opt);
    if (seen & (1u << id)) return only_once("hashlimit", opt);
    seen |= 1u << id;
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
        CX_TRY(parse_rate(arg.value));
        if ((id == kOptAbove) != arg.invert) info.cfg.mode |= XT_HASHLIMIT_INVERT;
        break;
      case kOptBurst:
        if (std::uint64_t b = parse_byte_amount(arg.value, false)) {
          burst_bytes = b;
        } else {
          std::uint32_t v = 0;
          CX_TRY(u32(v, 10000));
          info.cfg.burst = v;
        }
        break;
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
        std::memset(info.name, 0, sizeof(info.name));
        std::memcpy(info.name, arg.value.data(), std::min(arg.value.size(), sizeof(info.name) - 1));
        break;
      case kOptSize: CX_TRY(u32(info.cfg.size, UINT32_MAX)); break;
      case kOptMax: CX_TRY(u32(info.cfg.max, UINT32_MAX)); break;
      case kOptGc: CX_TRY(u32(info.cfg.gc_interval, UINT32_MAX)); break;
      case kOptExpire: CX_TRY(u32(info.cfg.expire, UINT32_MAX)); break;
      case kOptSrcmask:
      case kOptDstmask: {
        std::uint32_t v = 0;
        CX_TRY(u32(v, 128));
        (id == kOptSrcmask ? info.cfg.srcmask : info.cfg.dstmask) = static_cast<std::uint8_t>(v);
        break;
      }
      case kOptRateMatch: info.cfg.mode |= XT_HASHLIMIT_RATE_MATCH; break;
      case kOptRateInterval: CX_TRY(u32(info.cfg.interval, UINT32_MAX)); break;
    }
    return {};
  }

  std::uint64_t default_expire_ms() const {
    if (info.cfg.mode & XT_HASHLIMIT_BYTES) return info.cfg.burst ? 60000 : 15000;
    return kUnits[unit_index(info.cfg.avg)].seconds * 1000;
  }

  Status final_check(const RuleContext&) override {
    if (!(seen & ((1u << kOptUpto) | (1u << kOptAbove) | (1u << kOptLegacy))))
      return parameter_error("You have to specify --hashlimit");
    if (!(seen & (1u << kOptName))) return must_be_specified("hashlimit", "--hashlimit-name");
    std::uint64_t expire_s = rate_unit;
    if (info.cfg.mode & XT_HASHLIMIT_BYTES) {
      expire_s = 15;
      if (burst_bytes) {
        std::uint64_t rate = cost_to_bytes(info.cfg.avg);
        info.cfg.burst = rate ? burst_bytes / rate : 0;
        expire_s = 60;
      }
    } else if (info.cfg.mode & XT_HASHLIMIT_RATE_MATCH) {
      info.cfg.avg = rate_n ? kScale / rate_n : 0;
    }
    if (!(seen & (1u << kOptExpire))) info.cfg.expire = static_cast<std::uint32_t>(expire_s * 1000);
    return {};
  }

  std::string rate_text() const {
    if (info.cfg.mode & XT_HASHLIMIT_BYTES)
      return bytes_text(cost_to_bytes(info.cfg.avg), true, info.cfg.avg) + "/s";
    if (info.cfg.avg == 0) return "inf";
    std::size_t i = unit_index(info.cfg.avg);
    return std::to_string(kScale * kUnits[i].seconds / info.cfg.avg) + "/" + kUnits[i].name;
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
    out += rate_text();
    if (std::string b = burst_text(); !b.empty()) out += " --hashlimit-burst " + b;
    if (std::string m = mode_text(','); !m.empty()) out += " --hashlimit-mode " + m;
    out += " --hashlimit-name " + std::string(info.name, strnlen(info.name, sizeof(info.name)));
    if (info.cfg.size) out += " --hashlimit-htable-size " + std::to_string(info.cfg.size);
    if (info.cfg.max) out += " --hashlimit-htable-max " + std::to_string(info.cfg.max);
    if (info.cfg.gc_interval != 1000)
      out += " --hashlimit-htable-gcinterval " + std::to_string(info.cfg.gc_interval);
    if (info.cfg.expire != default_expire_ms())
      out += " --hashlimit-htable-expire " + std::to_string(info.cfg.expire);
    if (info.cfg.srcmask != full) out += " --hashlimit-srcmask " + std::to_string(info.cfg.srcmask);
    if (info.cfg.dstmask != full) out += " --hashlimit-dstmask " + std::to_string(info.cfg.dstmask);
    if (info.cfg.mode & XT_HASHLIMIT_RATE_MATCH) out += " --hashlimit-rate-match";
    if (info.cfg.interval) out += " --hashlimit-rate-interval " + std::to_string(info.cfg.interval);
  }
  void list(std::string& out, bool, const SaveContext& ctx) const override {
    std::uint8_t full = ctx.family == Family::V4 ? 32 : 128;
    out += (info.cfg.mode & XT_HASHLIMIT_INVERT) ? " limit: above " : " limit: up to ";
    out += rate_text();
    if (std::string b = burst_text(); !b.empty()) out += " burst " + b;
    if (std::string m = mode_text('-'); !m.empty()) out += " mode " + m;
    if (info.cfg.size) out += " htable-size " + std::to_string(info.cfg.size);
    if (info.cfg.max) out += " htable-max " + std::to_string(info.cfg.max);
    if (info.cfg.gc_interval != 1000)
      out += " htable-gcinterval " + std::to_string(info.cfg.gc_interval);
    if (info.cfg.expire != default_expire_ms())
      out += " htable-expire " + std::to_string(info.cfg.expire);
    if (info.cfg.srcmask != full) out += " srcmask " + std::to_string(info.cfg.srcmask);
    if (info.cfg.dstmask != full) out += " dstmask " + std::to_string(info.cfg.dstmask);
    if (info.cfg.mode & XT_HASHLIMIT_RATE_MATCH) out += " rate-match";
    if (info.cfg.interval) out += " rate-interval " + std::to_string(info.cfg.interval);
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

extern const MatchType kHashlimitMatch = {"hashlimit", kBoth, kOptions, create, "hashlimit", 3,
                                          decode_compat, nullptr};

}  // namespace cx::ext
