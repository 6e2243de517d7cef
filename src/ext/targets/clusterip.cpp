// -j CLUSTERIP (xt "CLUSTERIP" rev 0, ipt_clusterip_tgt_info; IPv4; removed from current
// kernels). Each option at most once; --total-nodes and --local-node up to 16; the cluster MAC
// must be multicast. After parsing, options given must include all but --hash-init, else
// "Invalid parameter combination" (the table's "also" constraints name no option, so they
// never fire). -L prints "hashmode=... clustermac=... total_nodes=N local_node=N hash_init=N".
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

// XTTYPE_ETHERMAC: six hex fields (strtoul base 16, at most two characters each) joined by ':'.
bool parse_ethermac(const std::string& s, std::uint8_t out[6]) {
  const char* p = s.c_str();
  for (int i = 0; i < 6; ++i) {
    char* end = nullptr;
    out[i] = static_cast<std::uint8_t>(std::strtoul(p, &end, 16));
    if (*end != (i < 5 ? ':' : '\0') || end - p > 2) return false;
    p = end + 1;
  }
  return true;
}

class ClusteripTarget final : public Target {
 public:
  ipt_clusterip_tgt_info info{};
  unsigned seen = 0;
  std::string_view name() const override { return "CLUSTERIP"; }
  std::unique_ptr<Target> clone() const override {
    return std::make_unique<ClusteripTarget>(*this);
  }
  Status parse(int id, const OptionArg& arg, const RuleContext&) override {
    const std::string opt = opt_of(kOptions, id);
    if (seen & (1u << id)) return only_once("CLUSTERIP", opt);
    if (arg.invert) return cannot_invert("CLUSTERIP", opt);
    seen |= 1u << id;
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
      case kCiMac:
        if (!parse_ethermac(std::string(arg.value), info.clustermac))
          return parameter_error("Invalid MAC address specified.");
        if (!(info.clustermac[0] & 0x01))
          return parameter_error("MAC has to be a multicast ethernet address");
        break;
      case kCiTotal:
      case kCiLocal: {
        auto v = parse_uint_opt(arg.value, 0, CLUSTERIP_MAX_NODES, "CLUSTERIP", opt);
        if (!v) return v.take_error();
        if (id == kCiTotal) info.num_total_nodes = static_cast<std::uint16_t>(*v);
        if (id == kCiLocal) {
          info.num_local_nodes = 1;
          info.local_nodes[0] = static_cast<std::uint16_t>(*v);
        }
        break;
      }
      case kCiHashInit: {
        auto v = parse_uint_opt(arg.value, 0, UINT32_MAX, "CLUSTERIP", opt);
        if (!v) return v.take_error();
        info.hash_initval = static_cast<std::uint32_t>(*v);
        break;
      }
    }
    return {};
  }
  Status final_check(const RuleContext&) override {
    const unsigned full =
        (1u << kCiNew) | (1u << kCiHashmode) | (1u << kCiMac) | (1u << kCiTotal) | (1u << kCiLocal);
    if (seen != 0 && (seen & full) != full)
      return parameter_error("CLUSTERIP target: Invalid parameter combination");
    return {};
  }
  const char* hashmode_text() const {
    return info.hash_mode < 3 ? kHashmodes[info.hash_mode] : "unknown-error";
  }
  std::string mac_text() const {
    char mac[24];
    std::snprintf(mac, sizeof(mac), "%02X:%02X:%02X:%02X:%02X:%02X", info.clustermac[0],
                  info.clustermac[1], info.clustermac[2], info.clustermac[3], info.clustermac[4],
                  info.clustermac[5]);
    return mac;
  }
  void save(std::string& out, const SaveContext&) const override {
    if (!(info.flags & CLUSTERIP_FLAG_NEW)) return;
    out += std::string(" --new --hashmode ") + hashmode_text() + " --clustermac " + mac_text() +
           " --total-nodes " + std::to_string(info.num_total_nodes) + " --local-node " +
           std::to_string(info.local_nodes[0]) + " --hash-init " +
           std::to_string(info.hash_initval);
  }
  void list(std::string& out, bool, const SaveContext&) const override {
    out += " CLUSTERIP";
    if (!(info.flags & CLUSTERIP_FLAG_NEW)) return;
    out += std::string(" hashmode=") + hashmode_text() + " clustermac=" + mac_text() +
           " total_nodes=" + std::to_string(info.num_total_nodes) +
           " local_node=" + std::to_string(info.local_nodes[0]) +
           " hash_init=" + std::to_string(info.hash_initval);
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

constexpr std::string_view kClusteripTargetHelp = R"HELP(
CLUSTERIP target options:
  --new			 Create a new ClusterIP
  --hashmode <mode>		 Specify hashing mode
					sourceip
					sourceip-sourceport
					sourceip-sourceport-destport
  --clustermac <mac>		 Set clusterIP MAC address
  --total-nodes <num>		 Set number of total nodes in cluster
  --local-node <num>		 Set the local node number
  --hash-init <num>		 Set init value of the Jenkins hash
)HELP";

extern const TargetType kClusteripTarget = {"CLUSTERIP",   kV4,         kOptions,
                                            create,        "CLUSTERIP", 0,
                                            decode_compat, nullptr,     kClusteripTargetHelp};

}  // namespace cx::ext
