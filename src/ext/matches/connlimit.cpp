// -m connlimit (xt "connlimit" rev 1, struct xt_connlimit_info). --connlimit-upto N sets
// XT_CONNLIMIT_INVERT, --connlimit-above N does not; --connlimit-mask is a prefix length or a
// dotted/colon mask (the default mask is all 16 bytes 0xff, "/32" only 4);
// --connlimit-daddr sets XT_CONNLIMIT_DADDR. -S always prints the mask length and
// --connlimit-saddr/--connlimit-daddr; -L "#conn src/32 > 5" ("<=" for upto).
#include <arpa/inet.h>
#include <linux/netfilter/xt_connlimit.h>

#include <cstring>

#include "common/parse.h"
#include "ext/extension.h"
#include "ext/util.h"

namespace cx::ext {
namespace {

enum { kOptUpto = 1, kOptAbove, kOptMask, kOptSaddr, kOptDaddr };
constexpr OptionSpec kOptions[] = {
    {"connlimit-upto", ArgKind::Required, kOptUpto},
    {"connlimit-above", ArgKind::Required, kOptAbove},
    {"connlimit-mask", ArgKind::Required, kOptMask},
    {"connlimit-saddr", ArgKind::None, kOptSaddr},
    {"connlimit-daddr", ArgKind::None, kOptDaddr},
};

std::string opt_name(int id) {
  for (const auto& o : kOptions)
    if (o.id == id) return "--" + std::string(o.name);
  return "";
}

class ConnlimitMatch final : public Match {
 public:
  xt_connlimit_info info{};
  unsigned seen = 0;

  ConnlimitMatch() { std::memset(&info.mask, 0xff, sizeof(info.mask)); }
  std::string_view name() const override { return "connlimit"; }
  std::unique_ptr<Match> clone() const override { return std::make_unique<ConnlimitMatch>(*this); }

  Status parse(int id, const OptionArg& arg, const RuleContext& ctx) override {
    bool invertible = id == kOptUpto || id == kOptAbove;
    if (seen & (1u << id)) return only_once("connlimit", opt_name(id));
    if (arg.invert && !invertible) return cannot_invert("connlimit", opt_name(id));
    seen |= 1u << id;
    switch (id) {
      case kOptUpto:
      case kOptAbove: {
        auto v = parse_uint_opt(arg.value, 0, UINT32_MAX, "connlimit", opt_name(id));
        if (!v) return v.take_error();
        info.limit = static_cast<unsigned>(*v);
        if ((id == kOptUpto) != arg.invert)
          info.flags |= XT_CONNLIMIT_INVERT;
        else
          info.flags &= ~static_cast<std::uint32_t>(XT_CONNLIMIT_INVERT);
        break;
      }
      case kOptMask: {
        // XTTYPE_PLENMASK: a mask that is not a prefix ("64" is 0.0.0.64) gives all ones.
        auto len = parse_plen(arg.value, ctx.family, "connlimit", "--connlimit-mask");
        if (!len) return len.take_error();
        std::uint8_t m[16];
        plen_mask(*len, m);
        std::memcpy(&info.mask, m, 16);
        break;
      }
      case kOptSaddr: info.flags &= ~static_cast<std::uint32_t>(XT_CONNLIMIT_DADDR); break;
      case kOptDaddr: info.flags |= XT_CONNLIMIT_DADDR; break;
    }
    return {};
  }
  // libxtables: the extension's own check first, then the exclusions in option table order.
  Status final_check(const RuleContext&) override {
    if (!(seen & ((1u << kOptUpto) | (1u << kOptAbove))))
      return parameter_error("You must specify \"--connlimit-above\" or \"--connlimit-upto\".");
    if ((seen & (1u << kOptUpto)) && (seen & (1u << kOptAbove)))
      return cannot_combine("connlimit", "--connlimit-upto", "--connlimit-above");
    if ((seen & (1u << kOptSaddr)) && (seen & (1u << kOptDaddr)))
      return cannot_combine("connlimit", "--connlimit-saddr", "--connlimit-daddr");
    return {};
  }
  int prefix(Family f) const {
    int bytes = f == Family::V4 ? 4 : 16;
    int n = mask_prefix_len(reinterpret_cast<const std::uint8_t*>(&info.mask), bytes);
    return n < 0 ? bytes * 8 : n;
  }
  void save(std::string& out, const SaveContext& ctx) const override {
    out += (info.flags & XT_CONNLIMIT_INVERT) ? " --connlimit-upto " : " --connlimit-above ";
    out += std::to_string(info.limit);
    out += " --connlimit-mask " + std::to_string(prefix(ctx.family));
    out += (info.flags & XT_CONNLIMIT_DADDR) ? " --connlimit-daddr" : " --connlimit-saddr";
  }
  void list(std::string& out, bool, const SaveContext& ctx) const override {
    out += (info.flags & XT_CONNLIMIT_DADDR) ? " #conn dst/" : " #conn src/";
    out += std::to_string(prefix(ctx.family));
    out += (info.flags & XT_CONNLIMIT_INVERT) ? " <= " : " > ";
    out += std::to_string(info.limit);
  }
  // "add @connlimitN { ip saddr [and MASK ]ct count [over ]L }" with the dynamic set it
  // declares (typed ipv4_addr in both families, as the reference has it). N counts the
  // translations this process made, as the reference's static counter does.
  bool xlate(Xlate& xl, const XlateContext& ctx) const override {
    static std::uint32_t next_id = 0;
    const bool v4 = ctx.family == Family::V4;
    // The reference's length of a mask: the bits below the highest zero bit of each 32-bit
    // word are counted as zeros.
    unsigned zeros = 0;
    for (int w = 0; w < (v4 ? 1 : 4); ++w)
      for (std::uint32_t inv = ~ntohl(info.v6_mask[w]); inv; inv >>= 1) ++zeros;
    std::string netmask;
    if (zeros != 0)
      netmask =
          "and " + addr_text(reinterpret_cast<const std::uint8_t*>(&info.mask), ctx.family) + " ";
    const std::uint32_t id = next_id++;
    xl.set_addf("connlimit%u { type ipv4_addr; flags dynamic; }", id);
    xl.addf("add @connlimit%u { %s %s %sct count %s%u }", id, v4 ? "ip" : "ip6",
            (info.flags & XT_CONNLIMIT_DADDR) ? "daddr" : "saddr", netmask.c_str(),
            (info.flags & XT_CONNLIMIT_INVERT) ? "" : "over ", info.limit);
    return true;
  }
  Status encode(std::vector<nft::Expr>& out, const RuleContext&) const override {
    out.push_back(nft::Expr::match("connlimit", 1, xt_blob(info)));
    return {};
  }
};

std::unique_ptr<Match> create(Family) { return std::make_unique<ConnlimitMatch>(); }
std::unique_ptr<Match> decode_compat(const DecodeContext&, const nft::Bytes& blob) {
  auto m = std::make_unique<ConnlimitMatch>();
  if (!xt_read(blob, m->info)) return nullptr;
  return m;
}

}  // namespace

constexpr std::string_view kConnlimitMatchHelp = R"HELP(
connlimit match options:
  --connlimit-upto n     match if the number of existing connections is 0..n
  --connlimit-above n    match if the number of existing connections is >n
  --connlimit-mask n     group hosts using prefix length (default: max len)
  --connlimit-saddr      select source address for grouping
  --connlimit-daddr      select destination addresses for grouping
)HELP";

extern const MatchType kConnlimitMatch = {"connlimit",   kBoth,       kOptions,
                                          create,        "connlimit", 1,
                                          decode_compat, nullptr,     kConnlimitMatchHelp};

}  // namespace cx::ext
