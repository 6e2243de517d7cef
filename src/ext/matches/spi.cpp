// The IPsec SPI matches, all xt rev 0 and compat: -m esp (struct xt_esp), -m ah (IPv4 struct
// ipt_ah; IPv6 struct ip6t_ah which adds --ahlen and --ahres) and -m ipcomp (struct
// xt_ipcomp with --compres). SPIs are N or N:M (default 0:0xffffffff, a reversed range is
// sent as is). -L "esp spi:N" / "spis:N:M" with "!" after the colon; nothing after the name
// for the default range; IPv6 ah prints "length:" straight after the spis (no space).
#include <linux/netfilter/xt_esp.h>
#include <linux/netfilter/xt_ipcomp.h>
#include <linux/netfilter_ipv4/ipt_ah.h>
#include <linux/netfilter_ipv6/ip6t_ah.h>

#include "ext/extension.h"
#include "ext/util.h"

namespace cx::ext {
namespace {

enum Kind { kEsp, kAh, kIpcomp };
enum { kOptSpi = 1, kOptLen, kOptRes };

constexpr OptionSpec kEspOptions[] = {{"espspi", ArgKind::Required, kOptSpi}};
constexpr OptionSpec kAh4Options[] = {{"ahspi", ArgKind::Required, kOptSpi}};
constexpr OptionSpec kAh6Options[] = {{"ahspi", ArgKind::Required, kOptSpi},
                                      {"ahlen", ArgKind::Required, kOptLen},
                                      {"ahres", ArgKind::None, kOptRes}};
constexpr OptionSpec kIpcompOptions[] = {{"ipcompspi", ArgKind::Required, kOptSpi},
                                         {"compres", ArgKind::None, kOptRes}};

class SpiMatch final : public Match {
 public:
  Kind kind = kEsp;
  Family family = Family::V4;
  std::uint32_t spis[2] = {0, UINT32_MAX};
  std::uint32_t hdrlen = 0;
  bool inv_spi = false, inv_len = false, res = false;
  std::uint8_t ah6_flags = 0;  // IP6T_AH_SPI/LEN/RES as given
  unsigned seen = 0;

  std::string_view name() const override {
    return kind == kEsp ? "esp" : kind == kAh ? "ah" : "ipcomp";
  }
  std::unique_ptr<Match> clone() const override { return std::make_unique<SpiMatch>(*this); }
  std::string opt(int id) const {
    if (id == kOptSpi) return std::string("--") + std::string(name()) + "spi";
    if (id == kOptLen) return "--ahlen";
    return kind == kAh ? "--ahres" : "--compres";
  }

  Status parse(int id, const OptionArg& arg, const RuleContext& ctx) override {
    family = ctx.family;
    bool invertible = id != kOptRes;
    if (seen & (1u << id)) return only_once(name(), opt(id));
    if (arg.invert && !invertible) return cannot_invert(name(), opt(id));
    seen |= 1u << id;
    if (id == kOptSpi) {
      auto r = parse_range_u(arg.value, UINT32_MAX, name(), opt(id));
      if (!r) return r.take_error();
      spis[0] = static_cast<std::uint32_t>(r->first);
      spis[1] = static_cast<std::uint32_t>(r->second);
      inv_spi = arg.invert;
      ah6_flags |= IP6T_AH_SPI;
    } else if (id == kOptLen) {
      auto v = parse_uint_opt(arg.value, 0, UINT32_MAX, name(), opt(id));
      if (!v) return v.take_error();
      hdrlen = static_cast<std::uint32_t>(*v);
      inv_len = arg.invert;
      ah6_flags |= IP6T_AH_LEN;
    } else {
      res = true;
      ah6_flags |= IP6T_AH_RES;
    }
    return {};
  }

  std::string spi_text(bool list) const {
    bool single = spis[0] == spis[1];
    std::string s;
    if (list) s = single ? "spi:" : "spis:";
    if (list && inv_spi) s += "!";
    s += single ? std::to_string(spis[0])
                : std::to_string(spis[0]) + ":" + std::to_string(spis[1]);
    return s;
  }
  bool spi_default() const { return spis[0] == 0 && spis[1] == UINT32_MAX && !inv_spi; }

  void save(std::string& out, const SaveContext&) const override {
    if (!spi_default()) out += std::string(inv_spi ? " !" : "") + " " + opt(kOptSpi) + " " + spi_text(false);
    if (kind == kAh && family == Family::V6) {
      if (hdrlen || inv_len) out += std::string(inv_len ? " !" : "") + " --ahlen " + std::to_string(hdrlen);
      if (res) out += " --ahres";
    }
    if (kind == kIpcomp && res) out += " --compres";
  }
  void list(std::string& out, bool, const SaveContext&) const override {
    out += kind == kIpcomp ? " comp" : kind == kEsp ? " esp" : " ah";
    if (!spi_default()) out += " " + spi_text(true);
    if (kind == kAh && family == Family::V6) {
      if (hdrlen || inv_len) out += std::string("length:") + (inv_len ? "!" : "") + std::to_string(hdrlen);
      if (res) out += " reserved";
    }
    if (kind == kIpcomp && res) out += " reserved";
  }
  bool xlate(Xlate& xl, const XlateContext& ctx) const override {
    const bool all = spis[0] == 0 && spis[1] == UINT32_MAX;
    if (kind == kIpcomp) {
      // The reserved bit is not translated (the kernel ignores it). libxt_ipcomp sets no
      // default range, so without --ipcompspi its SPIs are 0:0.
      xl.addf("comp cpi %s", inv_spi ? "!= " : "");
      if (!(seen & (1u << kOptSpi)))
        xl.add("0");
      else
        xl.add_range(spis[0], spis[1]);
      return true;
    }
    if (kind == kEsp) {
      if (!all) {
        xl.addf("esp spi%s", inv_spi ? " !=" : "");
        xl.add(" ");
        xl.add_range(spis[0], spis[1]);
      }
      return true;
    }
    if (!all) {
      xl.addf("ah spi%s ", inv_spi ? " !=" : "");
      xl.add_range(spis[0], spis[1]);
    }
    if (ctx.family == Family::V4) return true;
    // IPv6 ah: each further test after a space; "meta l4proto ah" for a bare -m ah.
    const char* space = all ? "" : " ";
    if (hdrlen != 0 || inv_len) {
      xl.addf("%sah hdrlength%s %u", space, inv_len ? " !=" : "", hdrlen);
      space = " ";
    }
    if (res) {
      xl.addf("%sah reserved %u", space, 1u);
      space = " ";
    }
    if (!*space) xl.add("meta l4proto ah");
    return true;
  }
  Status encode(std::vector<nft::Expr>& out, const RuleContext& ctx) const override {
    if (kind == kEsp) {
      xt_esp i{};
      i.spis[0] = spis[0];
      i.spis[1] = spis[1];
      i.invflags = inv_spi ? XT_ESP_INV_SPI : 0;
      out.push_back(nft::Expr::match("esp", 0, xt_blob(i)));
    } else if (kind == kIpcomp) {
      xt_ipcomp i{};
      i.spis[0] = spis[0];
      i.spis[1] = spis[1];
      i.invflags = inv_spi ? XT_IPCOMP_INV_SPI : 0;
      i.hdrres = res;
      out.push_back(nft::Expr::match("ipcomp", 0, xt_blob(i)));
    } else if (ctx.family == Family::V4) {
      ipt_ah i{};
      i.spis[0] = spis[0];
      i.spis[1] = spis[1];
      i.invflags = inv_spi ? IPT_AH_INV_SPI : 0;
      out.push_back(nft::Expr::match("ah", 0, xt_blob(i)));
    } else {
      ip6t_ah i{};
      i.spis[0] = spis[0];
      i.spis[1] = spis[1];
      i.hdrlen = hdrlen;
      i.hdrres = res;
      i.invflags = static_cast<std::uint8_t>((inv_spi ? IP6T_AH_INV_SPI : 0) |
                                             (inv_len ? IP6T_AH_INV_LEN : 0));
      out.push_back(nft::Expr::match("ah", 0, xt_blob(i)));
    }
    return {};
  }
};

template <Kind K>
std::unique_ptr<Match> create(Family f) {
  auto m = std::make_unique<SpiMatch>();
  m->kind = K;
  m->family = f;
  return m;
}

template <Kind K>
std::unique_ptr<Match> decode(const DecodeContext& ctx, const nft::Bytes& blob) {
  auto m = std::make_unique<SpiMatch>();
  m->kind = K;
  m->family = ctx.family;
  if (K == kEsp) {
    xt_esp i{};
    if (!xt_read(blob, i)) return nullptr;
    m->spis[0] = i.spis[0];
    m->spis[1] = i.spis[1];
    m->inv_spi = i.invflags & XT_ESP_INV_SPI;
  } else if (K == kIpcomp) {
    xt_ipcomp i{};
    if (!xt_read(blob, i)) return nullptr;
    m->spis[0] = i.spis[0];
    m->spis[1] = i.spis[1];
    m->inv_spi = i.invflags & XT_IPCOMP_INV_SPI;
    m->res = i.hdrres;
  } else if (ctx.family == Family::V4) {
    ipt_ah i{};
    if (!xt_read(blob, i)) return nullptr;
    m->spis[0] = i.spis[0];
    m->spis[1] = i.spis[1];
    m->inv_spi = i.invflags & IPT_AH_INV_SPI;
  } else {
    ip6t_ah i{};
    if (!xt_read(blob, i)) return nullptr;
    m->spis[0] = i.spis[0];
    m->spis[1] = i.spis[1];
    m->hdrlen = i.hdrlen;
    m->res = i.hdrres;
    m->inv_spi = i.invflags & IP6T_AH_INV_SPI;
    m->inv_len = i.invflags & IP6T_AH_INV_LEN;
  }
  return m;
}

}  // namespace

constexpr std::string_view kEspMatchHelp = R"HELP(
esp match options:
[!] --espspi spi[:spi]
				match spi (range)
)HELP";

constexpr std::string_view kAhMatchHelp = R"HELP(
ah match options:
[!] --ahspi spi[:spi]
				match spi (range)
)HELP";

constexpr std::string_view kAh6MatchHelp = R"HELP(
ah match options:
[!] --ahspi spi[:spi]          match spi (range)
[!] --ahlen length             total length of this header
 --ahres                       check the reserved field too
)HELP";

constexpr std::string_view kIpcompMatchHelp = R"HELP(
comp match options:
[!] --ipcompspi spi[:spi]
				match spi (range)
)HELP";

extern const MatchType kEspMatch = {"esp", kBoth,        kEspOptions, create<kEsp>, "esp",
                                    0,     decode<kEsp>, nullptr,     kEspMatchHelp};
extern const MatchType kAhMatch = {"ah", kV4,         kAh4Options, create<kAh>, "ah",
                                   0,    decode<kAh>, nullptr,     kAhMatchHelp};
extern const MatchType kAh6Match = {"ah", kV6,         kAh6Options, create<kAh>,  "ah",
                                    0,    decode<kAh>, nullptr,     kAh6MatchHelp};
extern const MatchType kIpcompMatch = {"ipcomp",        kBoth,    kIpcompOptions,
                                       create<kIpcomp>, "ipcomp", 0,
                                       decode<kIpcomp>, nullptr,  kIpcompMatchHelp};

}  // namespace cx::ext
