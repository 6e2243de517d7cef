// -m ipv6header (xt "ipv6header" rev 0, ip6t_ipv6header_info; IPv6 only, xt compat): --header
// names/numbers -> MASK_* bits, "!" sets invflags 0xff, --soft sets modeflag 0xff.
#include <linux/netfilter_ipv6/ip6t_ipv6header.h>

#include <cstdio>

#include "common/parse.h"
#include "ext/extension.h"
#include "ext/util.h"

namespace cx::ext {
namespace {

struct HeaderName {
  const char* name;
  std::uint8_t mask;
};
constexpr HeaderName kHeaderNames[] = {
    {"hop-by-hop", MASK_HOPOPTS},
    {"ipv6-opts", MASK_DSTOPTS},
    {"ipv6-route", MASK_ROUTING},
    {"ipv6-frag", MASK_FRAGMENT},
    {"ah", MASK_AH},
    {"esp", MASK_ESP},
    {"ipv6-nonxt", MASK_NONE},
    {"protocol", MASK_PROTO},
    {"hop", MASK_HOPOPTS},
    {"dst", MASK_DSTOPTS},
    {"route", MASK_ROUTING},
    {"frag", MASK_FRAGMENT},
    {"auth", MASK_AH},
    {"none", MASK_NONE},
    {"prot", MASK_PROTO},
    {"0", MASK_HOPOPTS},
    {"60", MASK_DSTOPTS},
    {"43", MASK_ROUTING},
    {"44", MASK_FRAGMENT},
    {"51", MASK_AH},
    {"50", MASK_ESP},
    {"59", MASK_NONE},
    {"255", MASK_PROTO},
};

constexpr OptionSpec kOptions[] = {{"header", ArgKind::Required, 1}, {"soft", ArgKind::None, 2}};

class Ipv6headerMatch final : public Match {
 public:
  ip6t_ipv6header_info info{};
  unsigned seen = 0;
  std::string_view name() const override { return "ipv6header"; }
  std::unique_ptr<Match> clone() const override { return std::make_unique<Ipv6headerMatch>(*this); }
  Status parse(int id, const OptionArg& arg, const RuleContext&) override {
    const char* opt = id == 1 ? "--header" : "--soft";
    if (seen & (1u << id)) return only_once("ipv6header", opt);
    if (arg.invert && id == 2) return cannot_invert("ipv6header", opt);
    seen |= 1u << id;
    if (id == 2) {
      info.modeflag = 0xff;
      return {};
    }
    for (const std::string& w : split(arg.value, ',')) {
      std::uint8_t m = 0;
      for (const auto& h : kHeaderNames)
        if (w == h.name) m = h.mask;
      if (!m) return parameter_error("unknown header `" + w + "' specified");
      info.matchflags |= m;
    }
    if (arg.invert) info.invflags = 0xff;
    return {};
  }
  Status final_check(const RuleContext&) override {
    if (!(seen & 2u)) return must_be_specified("ipv6header", "--header");
    return {};
  }
  std::string names() const {
    std::string s;
    for (int i = 0; i < 8; ++i)
      if (info.matchflags & kHeaderNames[i].mask) {
        if (!s.empty()) s += ",";
        s += kHeaderNames[i].name;
      }
    return s;
  }
  void save(std::string& out, const SaveContext&) const override {
    out += info.invflags ? " ! --header " : " --header ";
    out += names();
    if (info.modeflag) out += " --soft";
  }
  void list(std::string& out, bool numeric, const SaveContext&) const override {
    out += " ipv6header flags:";
    if (info.invflags) out += "!";
    if (numeric) {
      char b[8];
      std::snprintf(b, sizeof(b), "0x%02X", info.matchflags);
      out += b;
    } else {
      out += names();
    }
    if (info.modeflag) out += " soft";
  }
  Status encode(std::vector<nft::Expr>& out, const RuleContext&) const override {
    out.push_back(nft::Expr::match("ipv6header", 0, xt_blob(info)));
    return {};
  }
};

std::unique_ptr<Match> create(Family) { return std::make_unique<Ipv6headerMatch>(); }
std::unique_ptr<Match> decode_compat(const DecodeContext&, const nft::Bytes& blob) {
  auto m = std::make_unique<Ipv6headerMatch>();
  if (!xt_read(blob, m->info)) return nullptr;
  return m;
}

}  // namespace

constexpr std::string_view kIpv6headerMatchHelp = R"HELP(
ipv6header match options:
[!] --header headers     Type of header to match, by name
                         names: hop,dst,route,frag,auth,esp,none,prot
                    long names: hop-by-hop,ipv6-opts,ipv6-route,
                                ipv6-frag,ah,esp,ipv6-nonxt,protocol
                       numbers: 0,60,43,44,51,50,59
--soft                    The header CONTAINS the specified extensions
)HELP";

extern const MatchType kIpv6headerMatch = {"ipv6header",  kV6,          kOptions,
                                           create,        "ipv6header", 0,
                                           decode_compat, nullptr,      kIpv6headerMatchHelp};

}  // namespace cx::ext
