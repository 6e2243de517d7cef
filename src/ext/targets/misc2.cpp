// -j HMARK (xt "HMARK" rev 0, struct xt_hmark_info) and -j RATEEST (xt "RATEEST" rev 0,
// struct xt_rateest_target_info).
// HMARK: --hmark-tuple src,dst,sport,dport,spi,proto,ct sets full masks (16 address bytes,
// 0xffff ports/proto, 0xffffffff spi); --hmark-*-prefix / *-mask set them explicitly; --hmark-rnd
// and --hmark-mod are mandatory; port and spi masks exclude each other. -S prints prefixes,
// masks, "--hmark-rnd 0x%08x", --hmark-mod, --hmark-offset, --hmark-tuple ct.
// RATEEST: interval = smallest power of two seconds >= the value (2^-2 .. 2^3), ewmalog =
// smallest e with 2^(interval+e) >= the value; times print as "%.1fms" below 1s else "%.1fs".
#include <arpa/inet.h>
#include <linux/netfilter/xt_HMARK.h>
#include <linux/netfilter/xt_RATEEST.h>
#include <linux/netfilter_ipv4/ipt_CLUSTERIP.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "common/parse.h"
#include "ext/extension.h"
#include "ext/util.h"

namespace cx::ext {
namespace {

std::string hex08(std::uint32_t v) {
  char b[16];
  std::snprintf(b, sizeof(b), "0x%08x", v);
  return b;
}

// --- HMARK -----------------------------------------------------------------------------------
enum { kHmTuple = 1, kHmSrcPrefix, kHmDstPrefix, kHmSportMask, kHmDportMask, kHmSpiMask,
       kHmProtoMask, kHmRnd, kHmMod, kHmOffset };
constexpr OptionSpec kHmarkOptions[] = {
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
    for (unsigned i = 0; i < n && i < 128; ++i) b[i / 8] |= static_cast<std::uint8_t>(0x80 >> (i % 8));
    std::memcpy(&m, b, 16);
  }
  Status parse(int id, const OptionArg& arg, const RuleContext& ctx) override {
    family = ctx.family;
    std::string opt;
    for (const auto& o : kHmarkOptions)
      if (o.id == id) opt = "--" + std::string(o.name);
    if (arg.invert) return cannot_invert("HMARK", opt);
    auto num = [&](std::uint64_t max) -> Result<std::uint64_t> {
      return parse_uint_opt(arg.value, 0, max, "HMARK", opt);
    };
    switch (id) {
      case kHmTuple:
        for (const std::string& w : split(arg.value, ',')) {
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
            return parameter_error("Bad value for option --hmark-tuple " + w);
          }
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

// --- RATEEST ---------------------------------------------------------------------------------
enum { kReName = 1, kReInterval, kReEwmalog };
constexpr OptionSpec kRateestOptions[] = {{"rateest-name", ArgKind::Required, kReName},
                                          {"rateest-interval", ArgKind::Required, kReInterval},
                                          {"rateest-ewmalog", ArgKind::Required, kReEwmalog}};

Result<double> parse_seconds(std::string_view s, const char* opt) {
  std::string str(s);
  char* end = nullptr;
  double v = std::strtod(str.c_str(), &end);
  std::string unit = end ? end : "";
  if (end == str.c_str() || v < 0) return parameter_error(std::string("RATEEST: bad ") + opt);
  if (unit == "s" || unit.empty()) return v;
  if (unit == "ms") return v / 1000;
  if (unit == "us") return v / 1000000;
  return parameter_error(std::string("RATEEST: bad unit for ") + opt);
}

std::string time_text(double secs) {
  char b[64];
  if (secs < 1.0)
    std::snprintf(b, sizeof(b), "%.1fms", secs * 1000);
  else
    std::snprintf(b, sizeof(b), "%.1fs", secs);
  return b;
}

class RateestTarget final : public Target {
 public:
  xt_rateest_target_info info{};
  double interval_s = 0, ewma_s = 0;
  unsigned seen = 0;
  std::string_view name() const override { return "RATEEST"; }
  std::unique_ptr<Target> clone() const override { return std::make_unique<RateestTarget>(*this); }
  Status parse(int id, const OptionArg& arg, const RuleContext&) override {
    const char* opt = id == kReName ? "--rateest-name" : id == kReInterval ? "--rateest-interval"
                                                                           : "--rateest-ewmalog";
    if (arg.invert) return cannot_invert("RATEEST", opt);
    if (seen & (1u << id)) return only_once("RATEEST", opt);
    seen |= 1u << id;
    if (id == kReName) {
      std::memset(info.name, 0, sizeof(info.name));
      std::memcpy(info.name, arg.value.data(), std::min(arg.value.size(), sizeof(info.name) - 1));
      return {};
    }
    auto t = parse_seconds(arg.value, opt);
    if (!t) return t.take_error();
    (id == kReInterval ? interval_s : ewma_s) = *t;
    return {};
  }
  Status final_check(const RuleContext&) override {
    if (seen != ((1u << kReName) | (1u << kReInterval) | (1u << kReEwmalog)))
      return parameter_error("RATEEST: you need to specify all options");
    int i = -2;
    while (i < 3 && std::ldexp(1.0, i) < interval_s) ++i;
    info.interval = static_cast<std::int8_t>(i);
    int e = 1;
    while (e < 31 && std::ldexp(1.0, i + e) < ewma_s) ++e;
    info.ewma_log = static_cast<std::uint8_t>(e);
    return {};
  }
  std::string n() const { return std::string(info.name, strnlen(info.name, sizeof(info.name))); }
  void dump(std::string& out, const char* p) const {
    out += std::string(" ") + p + "name " + n();
    out += std::string(" ") + p + "interval " + time_text(std::ldexp(1.0, info.interval));
    out += std::string(" ") + p + "ewmalog " + time_text(std::ldexp(1.0, info.interval + info.ewma_log));
  }
  void save(std::string& out, const SaveContext&) const override { dump(out, "--rateest-"); }
  void list(std::string& out, bool, const SaveContext&) const override { dump(out, ""); }
  Status encode(std::vector<nft::Expr>& out, const RuleContext&) const override {
    out.push_back(nft::Expr::target("RATEEST", 0, xt_blob(info)));
    return {};
  }
};

// --- CLUSTERIP (IPv4; removed from current kernels) -------------------------------------------
enum { kCiNew = 1, kCiHashmode, kCiMac, kCiTotal, kCiLocal, kCiHashInit };
constexpr OptionSpec kClusteripOptions[] = {
    {"new", ArgKind::None, kCiNew},           {"hashmode", ArgKind::Required, kCiHashmode},
    {"clustermac", ArgKind::Required, kCiMac}, {"total-nodes", ArgKind::Required, kCiTotal},
    {"local-node", ArgKind::Required, kCiLocal}, {"hash-init", ArgKind::Required, kCiHashInit},
};
constexpr const char* kHashmodes[] = {"sourceip", "sourceip-sourceport",
                                      "sourceip-sourceport-destport"};

class ClusteripTarget final : public Target {
 public:
  ipt_clusterip_tgt_info info{};
  std::string_view name() const override { return "CLUSTERIP"; }
  std::unique_ptr<Target> clone() const override {
    return std::make_unique<ClusteripTarget>(*this);
  }
  Status parse(int id, const OptionArg& arg, const RuleContext&) override {
    switch (id) {
      case kCiNew: info.flags |= CLUSTERIP_FLAG_NEW; break;
      case kCiHashmode: {
        bool found = false;
        for (std::uint32_t i = 0; i < 3; ++i)
          if (arg.value == kHashmodes[i]) {
            info.hash_mode = i;
            found = true;
          }
        if (!found) return parameter_error("Unknown hashmode \"" + std::string(arg.value) + "\"");
        break;
      }
      case kCiMac: {
        auto parts = split(arg.value, ':');
        if (parts.size() != 6) return parameter_error("Bad MAC address \"" + std::string(arg.value) + "\"");
        for (int i = 0; i < 6; ++i)
          info.clustermac[i] = static_cast<std::uint8_t>(std::strtoul(parts[static_cast<std::size_t>(i)].c_str(), nullptr, 16));
        break;
      }
      case kCiTotal:
      case kCiLocal:
      case kCiHashInit: {
        auto v = parse_uint(arg.value, 0, id == kCiHashInit ? UINT32_MAX : CLUSTERIP_MAX_NODES);
        if (!v) return parameter_error("Unable to parse \"" + std::string(arg.value) + "\"");
        if (id == kCiTotal) info.num_total_nodes = static_cast<std::uint16_t>(*v);
        if (id == kCiLocal) {
          info.num_local_nodes = 1;
          info.local_nodes[0] = static_cast<std::uint16_t>(*v);
        }
        if (id == kCiHashInit) info.hash_initval = static_cast<std::uint32_t>(*v);
        break;
      }
    }
    return {};
  }
  void save(std::string& out, const SaveContext&) const override {
    if (!(info.flags & CLUSTERIP_FLAG_NEW)) return;
    char mac[24];
    std::snprintf(mac, sizeof(mac), "%02X:%02X:%02X:%02X:%02X:%02X", info.clustermac[0],
                  info.clustermac[1], info.clustermac[2], info.clustermac[3], info.clustermac[4],
                  info.clustermac[5]);
    out += std::string(" --new --hashmode ") + kHashmodes[info.hash_mode % 3] + " --clustermac " +
           mac + " --total-nodes " + std::to_string(info.num_total_nodes) + " --local-node " +
           std::to_string(info.local_nodes[0]) + " --hash-init " +
           std::to_string(info.hash_initval);
  }
  void list(std::string& out, bool, const SaveContext&) const override {
    if (!(info.flags & CLUSTERIP_FLAG_NEW)) {
      out += " CLUSTERIP";
      return;
    }
    std::string s;
    save(s, SaveContext{});
    out += " CLUSTERIP" + s;
  }
  Status encode(std::vector<nft::Expr>& out, const RuleContext&) const override {
    out.push_back(nft::Expr::target("CLUSTERIP", 0, xt_blob(info)));
    return {};
  }
};

template <class T>
std::unique_ptr<Target> create(Family) {
  return std::make_unique<T>();
}
template <class T>
std::unique_ptr<Target> decode(const DecodeContext&, const nft::Bytes& blob) {
  auto t = std::make_unique<T>();
  if (!xt_read(blob, t->info)) return nullptr;
  return t;
}

}  // namespace

extern const TargetType kHmarkTarget = {"HMARK", kBoth, kHmarkOptions, create<HmarkTarget>,
                                        "HMARK", 0, decode<HmarkTarget>, nullptr};
extern const TargetType kClusteripTarget = {"CLUSTERIP", kV4, kClusteripOptions,
                                            create<ClusteripTarget>, "CLUSTERIP", 0,
                                            decode<ClusteripTarget>, nullptr};
extern const TargetType kRateestTarget = {"RATEEST", kBoth, kRateestOptions,
                                          create<RateestTarget>, "RATEEST", 0,
                                          decode<RateestTarget>, nullptr};

}  // namespace cx::ext
