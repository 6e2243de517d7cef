// -m physdev (xt "physdev" rev 0, struct xt_physdev_info). Interface names get a mask like
// -i/-o: strlen+1 bytes of 0xff, or strlen-1 bytes for a trailing '+'. Every option can be
// inverted. -S and -L share the order --physdev-is-in, --physdev-in, --physdev-is-out,
// --physdev-out, --physdev-is-bridged; -L prefixes "PHYSDEV match" and keeps the dashes.
#include <linux/netfilter/xt_physdev.h>

#include <cstring>

#include "common/parse.h"
#include "ext/extension.h"
#include "ext/util.h"

namespace cx::ext {
namespace {

enum { kOptIn = 1, kOptOut, kOptIsIn, kOptIsOut, kOptIsBridged };
constexpr OptionSpec kOptions[] = {
    {"physdev-in", ArgKind::Required, kOptIn},
    {"physdev-out", ArgKind::Required, kOptOut},
    {"physdev-is-in", ArgKind::None, kOptIsIn},
    {"physdev-is-out", ArgKind::None, kOptIsOut},
    {"physdev-is-bridged", ArgKind::None, kOptIsBridged},
};

std::uint8_t bit_of(int id) {
  switch (id) {
    case kOptIn: return XT_PHYSDEV_OP_IN;
    case kOptOut: return XT_PHYSDEV_OP_OUT;
    case kOptIsIn: return XT_PHYSDEV_OP_ISIN;
    case kOptIsOut: return XT_PHYSDEV_OP_ISOUT;
    default: return XT_PHYSDEV_OP_BRIDGED;
  }
}

std::string opt_name(int id) {
  for (const auto& o : kOptions)
    if (o.id == id) return "--" + std::string(o.name);
  return "";
}

void set_iface(std::string_view name, char* dev, char* mask) {
  std::memset(dev, 0, IFNAMSIZ);
  std::memset(mask, 0, IFNAMSIZ);
  std::memcpy(dev, name.data(), std::min<std::size_t>(name.size(), IFNAMSIZ - 1));
  if (!name.empty() && name.back() == '+')
    std::memset(mask, 0xff, name.size() - 1);
  else
    std::memset(mask, 0xff, std::min<std::size_t>(name.size() + 1, IFNAMSIZ));
}

class PhysdevMatch final : public Match {
 public:
  xt_physdev_info info{};

  std::string_view name() const override { return "physdev"; }
  std::unique_ptr<Match> clone() const override { return std::make_unique<PhysdevMatch>(*this); }

  Status parse(int id, const OptionArg& arg, const RuleContext&) override {
    std::uint8_t bit = bit_of(id);
    if (info.bitmask & bit) return only_once("physdev", opt_name(id));
    if (id == kOptIn || id == kOptOut) {
      CX_TRY(check_interface(arg.value));
      if (id == kOptIn)
        set_iface(arg.value, info.physindev, info.in_mask);
      else
        set_iface(arg.value, info.physoutdev, info.out_mask);
    }
    info.bitmask |= bit;
    if (arg.invert) info.invert |= bit;
    return {};
  }
  Status final_check(const RuleContext&) override {
    if (!info.bitmask) return parameter_error("PHYSDEV: no physdev option specified");
    return {};
  }
  void dump(std::string& out) const {
    auto one = [&](int id, const char* dev) {
      std::uint8_t bit = bit_of(id);
      if (!(info.bitmask & bit)) return;
      if (info.invert & bit) out += " !";
      out += " " + opt_name(id);
      if (dev) out += " " + std::string(dev, strnlen(dev, IFNAMSIZ));
    };
    one(kOptIsIn, nullptr);
    one(kOptIn, info.physindev);
    one(kOptIsOut, nullptr);
    one(kOptOut, info.physoutdev);
    one(kOptIsBridged, nullptr);
  }
  void save(std::string& out, const SaveContext&) const override { dump(out); }
  void list(std::string& out, bool, const SaveContext&) const override {
    out += " PHYSDEV match";
    dump(out);
  }
  Status encode(std::vector<nft::Expr>& out, const RuleContext&) const override {
    out.push_back(nft::Expr::match("physdev", 0, xt_blob(info)));
    return {};
  }
};

std::unique_ptr<Match> create(Family) { return std::make_unique<PhysdevMatch>(); }
std::unique_ptr<Match> decode_compat(const DecodeContext&, const nft::Bytes& blob) {
  auto m = std::make_unique<PhysdevMatch>();
  if (!xt_read(blob, m->info)) return nullptr;
  return m;
}

}  // namespace

constexpr std::string_view kPhysdevMatchHelp = R"HELP(
physdev match options:
 [!] --physdev-in inputname[+]		bridge port name ([+] for wildcard)
 [!] --physdev-out outputname[+]	bridge port name ([+] for wildcard)
 [!] --physdev-is-in			arrived on a bridge device
 [!] --physdev-is-out			will leave on a bridge device
 [!] --physdev-is-bridged		it's a bridged packet
)HELP";

extern const MatchType kPhysdevMatch = {
    "physdev", kBoth, kOptions, create, "physdev", 0, decode_compat, nullptr, kPhysdevMatchHelp};

}  // namespace cx::ext
