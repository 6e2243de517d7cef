// -m recent (xt "recent" rev 1, struct xt_recent_mtinfo_v1). Quirks of 1.8.9:
// * the name buffer starts as "DEFAULT" and --name is copied over it with its NUL, so
//   "--name SSH" sends "SSH\0ULT" (the kernel reads up to the NUL);
// * the mask starts as all 16 bytes 0xff; --mask sets the family's bytes and clears the rest;
// * -S always prints --name, --mask and --rsource/--rdest;
// * after parsing, a missing action is reported first, then the exclusions in option table
//   order: the actions exclude each other, --reap requires --seconds, --rttl excludes
//   --set/--remove.
#include <linux/netfilter/xt_recent.h>

#include <cstring>

#include "ext/extension.h"
#include "ext/util.h"

namespace cx::ext {
namespace {

enum {
  kOptName = 1, kOptSet, kOptRcheck, kOptUpdate, kOptRemove, kOptSeconds, kOptReap, kOptHitcount,
  kOptRttl, kOptRsource, kOptRdest, kOptMask,
};
constexpr OptionSpec kOptions[] = {
    {"name", ArgKind::Required, kOptName},       {"set", ArgKind::None, kOptSet},
    {"rcheck", ArgKind::None, kOptRcheck},       {"update", ArgKind::None, kOptUpdate},
    {"remove", ArgKind::None, kOptRemove},       {"seconds", ArgKind::Required, kOptSeconds},
    {"reap", ArgKind::None, kOptReap},           {"hitcount", ArgKind::Required, kOptHitcount},
    {"rttl", ArgKind::None, kOptRttl},           {"rsource", ArgKind::None, kOptRsource},
    {"rdest", ArgKind::None, kOptRdest},         {"mask", ArgKind::Required, kOptMask},
};

const char* opt_name(int id) {
  for (const auto& o : kOptions)
    if (o.id == id) return o.name.data();
  return "";
}

class RecentMatch final : public Match {
 public:
  xt_recent_mtinfo_v1 info{};
  Family family = Family::V4;
  unsigned seen = 0;

  RecentMatch() {
    std::memcpy(info.name, "DEFAULT", 8);
    std::memset(&info.mask, 0xff, sizeof(info.mask));
    info.side = XT_RECENT_SOURCE;
  }
  std::string_view name() const override { return "recent"; }
  std::unique_ptr<Match> clone() const override { return std::make_unique<RecentMatch>(*this); }

  Status parse(int id, const OptionArg& arg, const RuleContext& ctx) override {
    family = ctx.family;
    std::string dashed = std::string("--") + opt_name(id);
    bool invertible = id == kOptSet || id == kOptRcheck || id == kOptUpdate || id == kOptRemove;
    if (seen & (1u << id)) return only_once("recent", dashed);
    if (arg.invert && !invertible) return cannot_invert("recent", dashed);
    seen |= 1u << id;
    switch (id) {
      case kOptName: {
        std::size_t n = std::min(arg.value.size(), std::size_t{XT_RECENT_NAME_LEN - 1});
        std::memcpy(info.name, arg.value.data(), n);
        info.name[n] = '\0';
        break;
      }
      case kOptSet: info.check_set |= XT_RECENT_SET; break;
      case kOptRcheck: info.check_set |= XT_RECENT_CHECK; break;
      case kOptUpdate: info.check_set |= XT_RECENT_UPDATE; break;
      case kOptRemove: info.check_set |= XT_RECENT_REMOVE; break;
      case kOptReap: info.check_set |= XT_RECENT_REAP; break;
      case kOptRttl: info.check_set |= XT_RECENT_TTL; break;
      case kOptSeconds:
      case kOptHitcount: {
        // libxt_recent: --seconds has a minimum of 1, --hitcount none.
        auto v = parse_uint_opt(arg.value, id == kOptSeconds ? 1 : 0, UINT32_MAX, "recent", dashed);
        if (!v) return v.take_error();
        (id == kOptSeconds ? info.seconds : info.hit_count) = static_cast<std::uint32_t>(*v);
        break;
      }
      case kOptRsource: info.side = XT_RECENT_SOURCE; break;
      case kOptRdest: info.side = XT_RECENT_DEST; break;
      case kOptMask: {
        std::uint8_t a[16];
        CX_TRY(resolve_one(arg.value, family, a));
        std::memset(&info.mask, 0, sizeof(info.mask));
        std::memcpy(&info.mask, a, family == Family::V4 ? 4 : 16);
        break;
      }
    }
    if (invertible && arg.invert) info.invert = 1;
    return {};
  }

  Status final_check(const RuleContext&) override {
    // libxt_recent's own check comes first, then the exclusions in option table order.
    if (!(info.check_set & (XT_RECENT_SET | XT_RECENT_CHECK | XT_RECENT_UPDATE | XT_RECENT_REMOVE)))
      return parameter_error(
          "recent: you must specify one of `--set', `--rcheck' `--update' or `--remove'");
    const int actions[] = {kOptSet, kOptRcheck, kOptUpdate, kOptRemove};
    for (int a : actions)
      for (int b : actions)
        if (a < b && (seen & (1u << a)) && (seen & (1u << b)))
          return cannot_combine("recent", std::string("--") + opt_name(a),
                                std::string("--") + opt_name(b));
    if ((seen & (1u << kOptReap)) && !(seen & (1u << kOptSeconds)))
      return also_requires("recent", "--reap", "--seconds");
    if (seen & (1u << kOptRttl))
      for (int b : {kOptSet, kOptRemove})
        if (seen & (1u << b))
          return cannot_combine("recent", "--rttl", std::string("--") + opt_name(b));
    return {};
  }

  std::string name_text() const {
    return std::string(info.name, strnlen(info.name, sizeof(info.name)));
  }
  std::string mask_text(Family f) const {
    return addr_text(reinterpret_cast<const std::uint8_t*>(&info.mask), f);
  }

  void save(std::string& out, const SaveContext& ctx) const override {
    if (info.invert) out += " !";
    if (info.check_set & XT_RECENT_SET) out += " --set";
    if (info.check_set & XT_RECENT_CHECK) out += " --rcheck";
    if (info.check_set & XT_RECENT_UPDATE) out += " --update";
    if (info.check_set & XT_RECENT_REMOVE) out += " --remove";
    if (info.seconds) out += " --seconds " + std::to_string(info.seconds);
    if (info.check_set & XT_RECENT_REAP) out += " --reap";
    if (info.hit_count) out += " --hitcount " + std::to_string(info.hit_count);
    if (info.check_set & XT_RECENT_TTL) out += " --rttl";
    out += " --name " + name_text();
    out += " --mask " + mask_text(ctx.family);
    out += info.side == XT_RECENT_DEST ? " --rdest" : " --rsource";
  }
  void list(std::string& out, bool, const SaveContext& ctx) const override {
    if (info.invert) out += " !";
    out += " recent:";
    if (info.check_set & XT_RECENT_SET) out += " SET";
    if (info.check_set & XT_RECENT_CHECK) out += " CHECK";
    if (info.check_set & XT_RECENT_UPDATE) out += " UPDATE";
    if (info.check_set & XT_RECENT_REMOVE) out += " REMOVE";
    if (info.seconds) out += " seconds: " + std::to_string(info.seconds);
    if (info.check_set & XT_RECENT_REAP) out += " reap";
    if (info.hit_count) out += " hit_count: " + std::to_string(info.hit_count);
    if (info.check_set & XT_RECENT_TTL) out += " TTL-Match";
    out += " name: " + name_text();
    out += info.side == XT_RECENT_DEST ? " side: dest" : " side: source";
    out += " mask: " + mask_text(ctx.family);
  }
  Status encode(std::vector<nft::Expr>& out, const RuleContext&) const override {
    out.push_back(nft::Expr::match("recent", 1, xt_blob(info)));
    return {};
  }
};

std::unique_ptr<Match> create(Family f) {
  auto m = std::make_unique<RecentMatch>();
  m->family = f;
  return m;
}
std::unique_ptr<Match> decode_compat(const DecodeContext& ctx, const nft::Bytes& blob) {
  auto m = std::make_unique<RecentMatch>();
  if (!xt_read(blob, m->info)) return nullptr;
  m->family = ctx.family;
  return m;
}

}  // namespace

constexpr std::string_view kRecentMatchHelp = R"HELP(
recent match options:
[!] --set                       Add source address to list, always matches.
[!] --rcheck                    Match if source address in list.
[!] --update                    Match if source address in list, also update last-seen time.
[!] --remove                    Match if source address in list, also removes that address from list.
    --seconds seconds           For check and update commands above.
                                Specifies that the match will only occur if source address last seen within
                                the last 'seconds' seconds.
    --reap                      Purge entries older then 'seconds'.
                                Can only be used in conjunction with the seconds option.
    --hitcount hits             For check and update commands above.
                                Specifies that the match will only occur if source address seen hits times.
                                May be used in conjunction with the seconds option.
    --rttl                      For check and update commands above.
                                Specifies that the match will only occur if the source address and the TTL
                                match between this packet and the one which was set.
                                Useful if you have problems with people spoofing their source address in order
                                to DoS you via this module.
    --name name                 Name of the recent list to be used.  DEFAULT used if none given.
    --rsource                   Match/Save the source address of each packet in the recent list table (default).
    --rdest                     Match/Save the destination address of each packet in the recent list table.
    --mask netmask              Netmask that will be applied to this recent list.
xt_recent by: Stephen Frost <sfrost@snowman.net>.
)HELP";

extern const MatchType kRecentMatch = {"recent", kBoth,         kOptions, create,          "recent",
                                       1,        decode_compat, nullptr,  kRecentMatchHelp};

}  // namespace cx::ext
