// -j CLUSTERIP (xt "CLUSTERIP" rev 0, ipt_clusterip_tgt_info; IPv4; removed from current
// kernels).
#include <linux/netfilter_ipv4/ipt_CLUSTERIP.h>

#include <cstdio>
#include <cstdlib>

#include "common/parse.h"
#include "ext/extension.h"
#include "ext/util.h"

namespace cx::ext {
namespace {

enum { kCiNew = 1, kCiHashmode, kCiMac, kCiTotal, kCiLocal, kCiHashInit };
constexpr OptionSpec kOptions[] = {
    {"new", ArgKind::None, kCiNew},
    {"hashmode", ArgKind::Required, kCiHashmode},
    {"clustermac", ArgKind::Required, kCiMac},
    {"total-nodes", ArgKind::Required, kCiTotal},
    {"local-node", ArgKind::Required, kCiLocal},
    {"hash-init", ArgKind::Required, kCiHashInit},
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
      case kCiNew:
        info.flags |= CLUSTERIP_FLAG_NEW;
        break;
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
        if (parts.size() != 6)
          return parameter_error("Bad MAC address \"" + std::string(arg.value) + "\"");
        for (int i = 0; i < 6; ++i)
          info.clustermac[i] = static_cast<std::uint8_t>(
              std::strtoul(parts[static_cast<std::size_t>(i)].c_str(), nullptr, 16));
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

std::unique_ptr<Target> create(Family) { return std::make_unique<ClusteripTarget>(); }
std::unique_ptr<Target> decode_compat(const DecodeContext&, const nft::Bytes& blob) {
  auto t = std::make_unique<ClusteripTarget>();
  if (!xt_read(blob, t->info)) return nullptr;
  return t;
}

}  // namespace

extern const TargetType kClusteripTarget = {"CLUSTERIP", kV4, kOptions,      create,
                                            "CLUSTERIP", 0,   decode_compat, nullptr};

}  // namespace cx::ext
