// -m iprange (xt "iprange" rev 1, struct xt_iprange_mtinfo). "A-B" or a single "A" (sent as
// A-A); each side must be an address of the rule's family (host names resolve), a bad one is
// "Bad value for "--src-range" option: "<that part>"". A reversed range passes with a
// warning on stderr. -L: "source IP range [! ]A-B destination IP range ...".
#include <linux/netfilter/xt_iprange.h>

#include <cstring>

#include "eval/context.h"
#include "ext/extension.h"
#include "ext/util.h"

namespace cx::ext {
namespace {

enum { kOptSrc = 1, kOptDst };
constexpr OptionSpec kOptions[] = {{"src-range", ArgKind::Required, kOptSrc},
                                   {"dst-range", ArgKind::Required, kOptDst}};

class IprangeMatch final : public Match {
 public:
  xt_iprange_mtinfo info{};

  std::string_view name() const override { return "iprange"; }
  std::unique_ptr<Match> clone() const override { return std::make_unique<IprangeMatch>(*this); }
  eval::Outcome evaluate(const eval::Packet& p, eval::Context&) const override {
    // iprange_mt4 / iprange_mt6: a big-endian comparison of the address with the bounds.
    const std::size_t n = p.family == Family::V4 ? 4 : 16;
    auto in = [&](const eval::Addr& a, const nf_inet_addr& lo, const nf_inet_addr& hi) {
      return std::memcmp(a.data(), &lo, n) >= 0 && std::memcmp(a.data(), &hi, n) <= 0;
    };
    if ((info.flags & IPRANGE_SRC) &&
        in(p.src, info.src_min, info.src_max) == !!(info.flags & IPRANGE_SRC_INV))
      return eval::Outcome::NoMatch;
    if ((info.flags & IPRANGE_DST) &&
        in(p.dst, info.dst_min, info.dst_max) == !!(info.flags & IPRANGE_DST_INV))
      return eval::Outcome::NoMatch;
    return eval::Outcome::Match;
  }

  Status parse(int id, const OptionArg& arg, const RuleContext& ctx) override {
    const char* opt = id == kOptSrc ? "--src-range" : "--dst-range";
    std::uint8_t flag = id == kOptSrc ? IPRANGE_SRC : IPRANGE_DST;
    if (info.flags & flag) return only_once("iprange", opt);
    std::string_view v = arg.value;
    auto dash = v.find('-');
    std::string_view a = v.substr(0, dash);
    std::string_view b = dash == std::string_view::npos ? a : v.substr(dash + 1);
    std::uint8_t lo[16], hi[16];
    if (!resolve_one(a, ctx.family, lo)) return bad_value("iprange", opt, a);
    if (b.empty() || !resolve_one(b, ctx.family, hi)) return bad_value("iprange", opt, b);
    auto& min = id == kOptSrc ? info.src_min : info.dst_min;
    auto& max = id == kOptSrc ? info.src_max : info.dst_max;
    std::memcpy(&min, lo, 16);
    std::memcpy(&max, hi, 16);
    info.flags |= flag;
    if (arg.invert) info.flags |= id == kOptSrc ? IPRANGE_SRC_INV : IPRANGE_DST_INV;
    int len = ctx.family == Family::V4 ? 4 : 16;
    if (std::memcmp(lo, hi, len) > 0 && ctx.warnings)
      ctx.warnings->push_back("xt_iprange: range " + addr_text(lo, ctx.family) + "-" +
                              addr_text(hi, ctx.family) + " is reversed and will never match");
    return {};
  }
  Status final_check(const RuleContext&) override {
    if (!(info.flags & (IPRANGE_SRC | IPRANGE_DST)))
      return parameter_error("iprange match: You must specify `--src-range' or `--dst-range'");
    return {};
  }
  std::string range_text(const nf_inet_addr& a, const nf_inet_addr& b, Family f) const {
    return addr_text(reinterpret_cast<const std::uint8_t*>(&a), f) + "-" +
           addr_text(reinterpret_cast<const std::uint8_t*>(&b), f);
  }
  void save(std::string& out, const SaveContext& ctx) const override {
    if (info.flags & IPRANGE_SRC) {
      out += (info.flags & IPRANGE_SRC_INV) ? " ! --src-range " : " --src-range ";
      out += range_text(info.src_min, info.src_max, ctx.family);
    }
    if (info.flags & IPRANGE_DST) {
      out += (info.flags & IPRANGE_DST_INV) ? " ! --dst-range " : " --dst-range ";
      out += range_text(info.dst_min, info.dst_max, ctx.family);
    }
  }
  void list(std::string& out, bool, const SaveContext& ctx) const override {
    if (info.flags & IPRANGE_SRC) {
      out += " source IP range ";
      if (info.flags & IPRANGE_SRC_INV) out += "! ";
      out += range_text(info.src_min, info.src_max, ctx.family);
    }
    if (info.flags & IPRANGE_DST) {
      out += " destination IP range ";
      if (info.flags & IPRANGE_DST_INV) out += "! ";
      out += range_text(info.dst_min, info.dst_max, ctx.family);
    }
  }
  // "ip saddr [!= ]A-B" / "ip6 daddr ..." for each range given.
  bool xlate(Xlate& xl, const XlateContext& ctx) const override {
    const char* fam = ctx.family == Family::V4 ? "ip" : "ip6";
    auto range = [&](const char* dir, std::uint8_t flag, std::uint8_t inv, const nf_inet_addr& a,
                     const nf_inet_addr& b) {
      if (!(info.flags & flag)) return;
      xl.addf("%s %s%s %s", fam, dir, (info.flags & inv) ? " !=" : "",
              addr_text(reinterpret_cast<const std::uint8_t*>(&a), ctx.family).c_str());
      xl.addf("-%s", addr_text(reinterpret_cast<const std::uint8_t*>(&b), ctx.family).c_str());
    };
    range("saddr", IPRANGE_SRC, IPRANGE_SRC_INV, info.src_min, info.src_max);
    range("daddr", IPRANGE_DST, IPRANGE_DST_INV, info.dst_min, info.dst_max);
    return true;
  }
  Status encode(std::vector<nft::Expr>& out, const RuleContext&) const override {
    out.push_back(nft::Expr::match("iprange", 1, xt_blob(info)));
    return {};
  }
};

std::unique_ptr<Match> create(Family) { return std::make_unique<IprangeMatch>(); }
std::unique_ptr<Match> decode_compat(const DecodeContext&, const nft::Bytes& blob) {
  auto m = std::make_unique<IprangeMatch>();
  if (!xt_read(blob, m->info)) return nullptr;
  return m;
}

}  // namespace

constexpr std::string_view kIprangeMatchHelp = R"HELP(
iprange match options:
[!] --src-range ip[-ip]    Match source IP in the specified range
[!] --dst-range ip[-ip]    Match destination IP in the specified range
)HELP";

extern const MatchType kIprangeMatch = {
    "iprange", kBoth, kOptions, create, "iprange", 1, decode_compat, nullptr, kIprangeMatchHelp};

}  // namespace cx::ext
