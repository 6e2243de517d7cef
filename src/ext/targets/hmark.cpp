// -j HMARK (xt "HMARK" rev 0, struct xt_hmark_info).
// --hmark-tuple src,dst,sport,dport,spi,proto,ct (each word a case-insensitive prefix of the
// type) sets full masks (16 address bytes, 0xffff ports/proto, 0xffffffff spi) and counts as
// the matching option given, so a later --hmark-src-prefix after "src" is a repeat;
// --hmark-*-prefix / *-mask set them explicitly, --hmark-sport/dport/spi the values ORed in.
// After parsing: --hmark-mod, then --hmark-rnd are mandatory, port and spi masks exclude each
// other, and something must be hashed. -S prints prefixes, masks, "--hmark-rnd 0x%08x",
// --hmark-mod, --hmark-offset, --hmark-tuple ct.
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
  kHmSport,
  kHmDport,
  kHmSpi,
  kHmProtoMask,
  kHmRnd,
  kHmMod,
  kHmOffset,
  kHmCt,  // not an option: "ct" in --hmark-tuple
};
constexpr OptionSpec kOptions[] = {
    {"hmark-tuple", ArgKind::Required, kHmTuple},
    {"hmark-src-prefix", ArgKind::Required, kHmSrcPrefix},
    {"hmark-dst-prefix", ArgKind::Required, kHmDstPrefix},
    {"hmark-sport-mask", ArgKind::Required, kHmSportMask},
    {"hmark-dport-mask", ArgKind::Required, kHmDportMask},
    {"hmark-spi-mask", ArgKind::Required, kHmSpiMask},
    {"hmark-sport", ArgKind::Required, kHmSport},
    {"hmark-dport", ArgKind::Required, kHmDport},
    {"hmark-spi", ArgKind::Required, kHmSpi},
    {"hmark-proto-mask", ArgKind::Required, kHmProtoMask},
    {"hmark-rnd", ArgKind::Required, kHmRnd},
    {"hmark-mod", ArgKind::Required, kHmMod},
    {"hmark-offset", ArgKind::Required, kHmOffset},
};

// The types of --hmark-tuple in the order a shortened word is tried.
constexpr const char* kTupleTypes[] = {"ct", "src", "dst", "sport", "dport", "proto", "spi"};

constexpr std::uint32_t F(int bit) { return 1u << bit; }

class HmarkTarget final : public Target {
 public:
  xt_hmark_info info{};
  Family family = Family::V4;
  unsigned seen = 0;  // options given, by id, including those --hmark-tuple stands for
  std::string_view name() const override { return "HMARK"; }
  std::unique_ptr<Target> clone() const override { return std::make_unique<HmarkTarget>(*this); }

  // One word of --hmark-tuple; false when it names no type.
  bool tuple_word(std::string_view w) {
    switch (w.empty() ? -1 : prefix_lookup(w, kTupleTypes, std::size(kTupleTypes))) {
      case 0:
        info.flags |= F(XT_HMARK_CT);
        seen |= 1u << kHmCt;
        return true;
      case 1:
        std::memset(&info.src_mask, 0xff, 16);
        info.flags |= F(XT_HMARK_SADDR_MASK);
        seen |= 1u << kHmSrcPrefix;
        return true;
      case 2:
        std::memset(&info.dst_mask, 0xff, 16);
        info.flags |= F(XT_HMARK_DADDR_MASK);
        seen |= 1u << kHmDstPrefix;
        return true;
      case 3:
        info.port_mask.p16.src = 0xffff;
        info.flags |= F(XT_HMARK_SPORT_MASK);
        seen |= 1u << kHmSportMask;
        return true;
      case 4:
        info.port_mask.p16.dst = 0xffff;
        info.flags |= F(XT_HMARK_DPORT_MASK);
        seen |= 1u << kHmDportMask;
        return true;
      case 5:
        info.proto_mask = 0xffff;
        info.flags |= F(XT_HMARK_PROTO_MASK);
        seen |= 1u << kHmProtoMask;
        return true;
      case 6:
        info.port_mask.v32 = 0xffffffff;
        info.flags |= F(XT_HMARK_SPI_MASK);
        seen |= 1u << kHmSpiMask;
        return true;
      default:
        return false;
    }
  }
  Status parse_tuple(std::string_view list) {
    // A bad word is named with the rest of the list after it, as iptables names it.
    for (std::string_view rest = list;;) {
      const std::size_t comma = rest.find(',');
      if (comma == std::string_view::npos) {
        if (rest.empty())
          return parameter_error(
              "\"--hmark-tuple\" requires a list of types with no spaces, e.g. src,dst,sport,dport,proto");
        if (!tuple_word(rest)) return parameter_error("Bad type \"" + std::string(rest) + "\"");
        return {};
      }
      if (!tuple_word(rest.substr(0, comma)))
        return parameter_error("Bad type \"" + std::string(rest) + "\"");
      rest.remove_prefix(comma + 1);
    }
  }
  Status parse(int id, const OptionArg& arg, const RuleContext& ctx) override {
    family = ctx.family;
    const std::string opt = opt_of(kOptions, id);
    if (seen & (1u << id)) return only_once("HMARK", opt);
    if (arg.invert) return cannot_invert("HMARK", opt);
    seen |= 1u << id;
    auto num = [&](std::uint64_t max) -> Result<std::uint64_t> {
      return parse_uint_opt(arg.value, id == kHmMod ? 1 : 0, max, "HMARK", opt);  // mod >= 1
    };
    switch (id) {
      case kHmTuple:
        return parse_tuple(arg.value);
      case kHmSrcPrefix:
      case kHmDstPrefix: {
        auto len = parse_plen(arg.value, family, "HMARK", opt);
        if (!len) return len.take_error();
        plen_mask(*len, reinterpret_cast<std::uint8_t*>(id == kHmSrcPrefix ? &info.src_mask
                                                                           : &info.dst_mask));
        info.flags |= F(id == kHmSrcPrefix ? XT_HMARK_SADDR_MASK : XT_HMARK_DADDR_MASK);
        break;
      }
      case kHmSportMask:
      case kHmDportMask:
      case kHmSport:
      case kHmDport: {
        auto v = num(0xffff);
        if (!v) return v.take_error();
        // The kernel compares the masks with packet bytes: network order.
        const auto port = htons(static_cast<std::uint16_t>(*v));
        if (id == kHmSportMask) info.port_mask.p16.src = port, info.flags |= F(XT_HMARK_SPORT_MASK);
        if (id == kHmDportMask) info.port_mask.p16.dst = port, info.flags |= F(XT_HMARK_DPORT_MASK);
        if (id == kHmSport) info.port_set.p16.src = port, info.flags |= F(XT_HMARK_SPORT);
        if (id == kHmDport) info.port_set.p16.dst = port, info.flags |= F(XT_HMARK_DPORT);
        break;
      }
      case kHmSpiMask:
      case kHmSpi: {
        auto v = num(UINT32_MAX);
        if (!v) return v.take_error();
        const auto spi = htonl(static_cast<std::uint32_t>(*v));
        if (id == kHmSpiMask) info.port_mask.v32 = spi, info.flags |= F(XT_HMARK_SPI_MASK);
        if (id == kHmSpi) info.port_set.v32 = spi, info.flags |= F(XT_HMARK_SPI);
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
    auto given = [&](int id) { return (seen & (1u << id)) != 0; };
    if (!given(kHmMod)) return parameter_error("--hmark-mod is mandatory");
    if (!given(kHmRnd)) return parameter_error("--hmark-rnd is mandatory");
    if (given(kHmSpiMask) && (given(kHmSportMask) || given(kHmDportMask)))
      return parameter_error(
          "you cannot use --hmark-spi-mask and --hmark-?port-mask,at the same time");
    bool hashed = given(kHmCt);
    for (int id : {kHmSrcPrefix, kHmDstPrefix, kHmSportMask, kHmDportMask, kHmSpiMask, kHmSport,
                   kHmDport, kHmSpi, kHmProtoMask})
      hashed = hashed || given(id);
    if (!hashed) return parameter_error("you have to specify --hmark-tuple at least");
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
    if (info.flags & F(XT_HMARK_SPORT)) add("sport " + mask(ntohs(info.port_set.p16.src), 4));
    if (info.flags & F(XT_HMARK_DPORT)) add("dport " + mask(ntohs(info.port_set.p16.dst), 4));
    if (info.flags & F(XT_HMARK_SPI)) add("spi " + mask(ntohl(info.port_set.v32), 8));
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

constexpr std::string_view kHmarkTargetHelp = R"HELP(
HMARK target options, i.e. modify hash calculation by:
  --hmark-tuple [src|dst|sport|dport|spi|proto|ct][,...]
  --hmark-mod value		    nfmark modulus value
  --hmark-offset value		    Last action add value to nfmark

  --hmark-rnd			    Random see for hashing
 Alternatively, fine tuning of what will be included in hash calculation
  --hmark-src-prefix length	    Source address mask CIDR prefix
  --hmark-dst-prefix length	    Dest address mask CIDR prefix
  --hmark-sport-mask value	    Mask src port with value
  --hmark-dport-mask value	    Mask dst port with value
  --hmark-spi-mask value	    For esp and ah AND spi with value
  --hmark-sport value		    OR src port with value
  --hmark-dport value		    OR dst port with value
  --hmark-spi value		    For esp and ah OR spi with value
  --hmark-proto-mask value	    Mask Protocol with value
)HELP";

extern const TargetType kHmarkTarget = {"HMARK", kBoth,         kOptions, create,          "HMARK",
                                        0,       decode_compat, nullptr,  kHmarkTargetHelp};

}  // namespace cx::ext
