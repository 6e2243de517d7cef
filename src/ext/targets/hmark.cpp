// -j HMARK (xt "HMARK" rev 0, struct xt_hmark_info).
// --hmark-tuple src,dst,sport,dport,spi,proto,ct sets full masks (16 address bytes,
// 0xffff ports/proto, 0xffffffff spi); --hmark-*-prefix / *-mask set them explicitly; --hmark-rnd
// and --hmark-mod are mandatory; port and spi masks exclude each other. -S prints prefixes,
// masks, "--hmark-rnd 0x%08x", --hmark-mod, --hmark-offset, --hmark-tuple ct.
#include <arpa/inet.h>
#include <linux/netfilter/xt_HMARK.h>

#include <cstdio>
#include <cstring>

#include "common/parse.h"
#include "ext/extension.h"
#include "ext/util.h"

namespace cx::ext {
namespace {

enum {
  kHmTuple = 1,
  kHmSrcPrefix,
  kHmDstPrefix,
  kHmSportMask,
  kHmDportMask,
  kHmSpiMask,
  kHmProtoMask,
  kHmRnd,
  kHmMod,
  kHmOffset
};
constexpr OptionSpec kOptions[] = {
    {"hmark-tuple", ArgKind::Required, kHmTuple},
    {"hmark-src-prefix", ArgKind::Required, kHmSrcPrefix},
    {"hmark-dst-prefix", ArgKind::Required, kHmDstPrefix},
    {"hmark-sport-mask", ArgKind::Required, kHmSportMask},
    {"hmark-dport-mask", ArgKind::Required, kHmDportMask},
    {"hmark-spi-mask", ArgKind::Required, kHmSpiMask},
    {"hmark-proto-mask", ArgKind::Required, kHmProtoMask},
    {"hmark-rnd", ArgKind::Required, kHmRnd},
    {"hmark-mod", ArgKind::Required, kHmMod},
    {"hmark-offset", ArgKind::Required, kHmOffset},
};

constexpr std::uint32_t F(int bit) { return 1u << bit; }

class HmarkTarget final : public Target {
 public:
  xt_hmark_info info{};
  Family family = Family::V4;
  std::string_view name() const override { return "HMARK"; }
  std::unique_ptr<Target> clone() const override { return std::make_unique<HmarkTarget>(*this); }

  static void prefix_mask(nf_inet_addr& m, unsigned n) {
    std::uint8_t b[16] = {};
    for (unsigned i = 0; i < n && i < 128; ++i)
      b[i / 8] |= static_cast<std::uint8_t>(0x80 >> (i % 8));
    std::memcpy(&m, b, 16);
  }
  Status parse(int id, const OptionArg& arg, const RuleContext& ctx) override {
    family = ctx.family;
    std::string opt;
    for (const auto& o : kOptions)
      if (o.id == id) opt = "--" + std::string(o.name);
    if (arg.invert) return cannot_invert("HMARK", opt);
    auto num = [&](std::uint64_t max) -> Result<std::uint64_t> {
      return parse_uint_opt(arg.value, id == kHmMod ? 1 : 0, max, "HMARK", opt);  // mod >= 1
    };
    switch (id) {
      case kHmTuple:
        // Each bad type is named with the rest of the list after it, as iptables names it.
        for (std::string_view rest = arg.value;;) {
          const std::size_t comma = rest.find(',');
          const std::string w(rest.substr(0, comma));
          if (comma == std::string_view::npos && w.empty())
            return parameter_error("\"--hmark-tuple\" requires a list of types with no spaces, e.g. src,dst,sport,dport,proto");
          if (w == "src") {
            std::memset(&info.src_mask, 0xff, 16);
            info.flags |= F(XT_HMARK_SADDR_MASK);
          } else if (w == "dst") {
            std::memset(&info.dst_mask, 0xff, 16);
            info.flags |= F(XT_HMARK_DADDR_MASK);
          } else if (w == "sport") {
            info.port_mask.p16.src = 0xffff;
            info.flags |= F(XT_HMARK_SPORT_MASK);
          } else if (w == "dport") {
            info.port_mask.p16.dst = 0xffff;
            info.flags |= F(XT_HMARK_DPORT_MASK);
          } else if (w == "spi") {
            info.port_mask.v32 = 0xffffffff;
            info.flags |= F(XT_HMARK_SPI_MASK);
          } else if (w == "proto") {
            info.proto_mask = 0xffff;
            info.flags |= F(XT_HMARK_PROTO_MASK);
          } else if (w == "ct") {
            info.flags |= F(XT_HMARK_CT);
          } else {
            return parameter_error("Bad type \"" + std::string(rest) + "\"");
          }
          if (comma == std::string_view::npos) break;
          rest.remove_prefix(comma + 1);
        }
        break;
      case kHmSrcPrefix:
      case kHmDstPrefix: {
        auto v = num(family == Family::V4 ? 32 : 128);
        if (!v) return v.take_error();
        prefix_mask(id == kHmSrcPrefix ? info.src_mask : info.dst_mask, static_cast<unsigned>(*v));
        info.flags |= F(id == kHmSrcPrefix ? XT_HMARK_SADDR_MASK : XT_HMARK_DADDR_MASK);
        break;
      }
      case kHmSportMask:
      case kHmDportMask: {
        auto v = num(0xffff);
        if (!v) return v.take_error();
        // The kernel compares the masks with packet bytes: network order.
        (id == kHmSportMask ? info.port_mask.p16.src : info.port_mask.p16.dst) =
            htons(static_cast<std::uint16_t>(*v));
        info.flags |= F(id == kHmSportMask ? XT_HMARK_SPORT_MASK : XT_HMARK_DPORT_MASK);
        break;
      }
      case kHmSpiMask: {
        auto v = num(UINT32_MAX);
        if (!v) return v.take_error();
        info.port_mask.v32 = htonl(static_cast<std::uint32_t>(*v));
        info.flags |= F(XT_HMARK_SPI_MASK);
        break;
      }
      case kHmProtoMask: {
        auto v = num(0xffff);
        if (!v) return v.take_error();
        info.proto_mask = static_cast<std::uint16_t>(*v);
        info.flags |= F(XT_HMARK_PROTO_MASK);
        break;
      }
      case kHmRnd:
      case kHmMod:
      case kHmOffset: {
        auto v = num(UINT32_MAX);
        if (!v) return v.take_error();
        auto u = static_cast<std::uint32_t>(*v);
        if (id == kHmRnd) info.hashrnd = u, info.flags |= F(XT_HMARK_RND);
        if (id == kHmMod) info.hmodulus = u, info.flags |= F(XT_HMARK_MODULUS);
        if (id == kHmOffset) info.hoffset = u, info.flags |= F(XT_HMARK_OFFSET);
        break;
      }
    }
    return {};
  }
  Status final_check(const RuleContext&) override {
    if (!(info.flags & F(XT_HMARK_MODULUS))) return parameter_error("--hmark-mod is mandatory");
    if (!(info.flags & F(XT_HMARK_RND))) return parameter_error("--hmark-rnd is mandatory");
    if ((info.flags & F(XT_HMARK_SPI_MASK)) &&
        (info.flags & (F(XT_HMARK_SPORT_MASK) | F(XT_HMARK_DPORT_MASK))))
      return parameter_error(
          "you cannot use --hmark-spi-mask and --hmark-?port-mask,at the same time");
    return {};
  }
  int prefix(const nf_inet_addr& m, Family f) const {
    int n = mask_prefix_len(reinterpret_cast<const std::uint8_t*>(&m), f == Family::V4 ? 4 : 16);
    return n < 0 ? 0 : n;
  }
  // Save pads the masks to their field width (0x%04x ports, 0x%08x spi, 0x%02x proto); -L
  // prints them as plain 0x%x.
  void pieces(std::string& out, const char* p, const char* sep_after, Family f) const {
    const bool save_form = *sep_after == '\0';
    auto add = [&](const std::string& s) {
      out += std::string(save_form ? " " : "") + p + s + sep_after;
    };
    auto mask = [&](std::uint32_t v, int width) {
      if (!save_form) return hex(v);
      char b[16];
      std::snprintf(b, sizeof(b), "0x%0*x", width, v);
      return std::string(b);
    };
    // ip6tables -L prints a full /128 prefix as nothing at all (the reference skips the '/'
    // of an empty mask suffix); -S and iptables print the number.
    auto plen = [&](const nf_inet_addr& m) {
      int n = prefix(m, f);
      return !save_form && f == Family::V6 && n == 128 ? std::string() : std::to_string(n);
    };
    if (info.flags & F(XT_HMARK_SADDR_MASK)) add("src-prefix " + plen(info.src_mask));
    if (info.flags & F(XT_HMARK_DADDR_MASK)) add("dst-prefix " + plen(info.dst_mask));
    if (info.flags & F(XT_HMARK_SPORT_MASK))
      add("sport-mask " + mask(ntohs(info.port_mask.p16.src), 4));
    if (info.flags & F(XT_HMARK_DPORT_MASK))
      add("dport-mask " + mask(ntohs(info.port_mask.p16.dst), 4));
    if (info.flags & F(XT_HMARK_SPI_MASK)) add("spi-mask " + mask(ntohl(info.port_mask.v32), 8));
    if (info.flags & F(XT_HMARK_PROTO_MASK)) add("proto-mask " + mask(info.proto_mask, 2));
  }
  void save(std::string& out, const SaveContext& ctx) const override {
    pieces(out, "--hmark-", "", ctx.family);
    if (info.flags & F(XT_HMARK_RND)) out += " --hmark-rnd " + hex08(info.hashrnd);
    if (info.flags & F(XT_HMARK_MODULUS)) out += " --hmark-mod " + std::to_string(info.hmodulus);
    if (info.flags & F(XT_HMARK_OFFSET)) out += " --hmark-offset " + std::to_string(info.hoffset);
    if (info.flags & F(XT_HMARK_CT)) out += " --hmark-tuple ct";
  }
  void list(std::string& out, bool, const SaveContext& ctx) const override {
    out += " HMARK ";
    if (info.flags & F(XT_HMARK_MODULUS)) out += "mod " + std::to_string(info.hmodulus) + " ";
    if (info.flags & F(XT_HMARK_OFFSET)) out += "+ " + hex(info.hoffset) + " ";
    if (info.flags & F(XT_HMARK_CT)) out += "ct, ";
    pieces(out, "", " ", ctx.family);
    if (info.flags & F(XT_HMARK_RND)) out += "rnd " + hex(info.hashrnd) + " ";
  }
  Status encode(std::vector<nft::Expr>& out, const RuleContext&) const override {
    out.push_back(nft::Expr::target("HMARK", 0, xt_blob(info)));
    return {};
  }
};

std::unique_ptr<Target> create(Family) { return std::make_unique<HmarkTarget>(); }
std::unique_ptr<Target> decode_compat(const DecodeContext&, const nft::Bytes& blob) {
  auto t = std::make_unique<HmarkTarget>();
  if (!xt_read(blob, t->info)) return nullptr;
  return t;
}

}  // namespace

extern const TargetType kHmarkTarget = {"HMARK", kBoth, kOptions,      create,
                                        "HMARK", 0,     decode_compat, nullptr};

}  // namespace cx::ext
