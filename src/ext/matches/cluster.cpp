// -m cluster (xt "cluster" rev 0, xt_cluster_match_info): node mask, total, hash seed.
#include <linux/netfilter/xt_cluster.h>

#include "ext/extension.h"
#include "ext/util.h"

namespace cx::ext {
namespace {

enum { kClTotal = 1, kClNode, kClNodemask, kClSeed };
constexpr OptionSpec kOptions[] = {
    {"cluster-total-nodes", ArgKind::Required, kClTotal},
    {"cluster-local-node", ArgKind::Required, kClNode},
    {"cluster-local-nodemask", ArgKind::Required, kClNodemask},
    {"cluster-hash-seed", ArgKind::Required, kClSeed},
};

class ClusterMatch final : public Match {
 public:
  xt_cluster_match_info info{};
  unsigned seen = 0;
  std::string_view name() const override { return "cluster"; }
  std::unique_ptr<Match> clone() const override { return std::make_unique<ClusterMatch>(*this); }
  Status parse(int id, const OptionArg& arg, const RuleContext&) override {
    std::string opt = opt_of(kOptions, id);
    if (seen & (1u << id)) return only_once("cluster", opt);
    if (arg.invert && id != kClNode && id != kClNodemask) return cannot_invert("cluster", opt);
    seen |= 1u << id;
    // Node counts and masks are 1..32, the seed any 32-bit value.
    const bool seed = id == kClSeed;
    auto v = parse_uint_opt(arg.value, seed ? 0 : 1, seed ? UINT32_MAX : XT_CLUSTER_NODES_MAX,
                            "cluster", opt);
    if (!v) return v.take_error();
    auto u = static_cast<std::uint32_t>(*v);
    switch (id) {
      case kClTotal:
        info.total_nodes = u;
        break;
      case kClNode:
        info.node_mask = 1u << (u - 1);
        break;
      case kClNodemask:
        info.node_mask = u;
        break;
      case kClSeed:
        info.hash_seed = u;
        break;
    }
    if (arg.invert) info.flags |= XT_CLUSTER_F_INV;
    return {};
  }
  // The extension's own check first, then libxtables' in option-table order: total (needed),
  // node against nodemask, seed (needed).
  Status final_check(const RuleContext&) override {
    auto has = [&](int id) { return (seen & (1u << id)) != 0; };
    const bool too_big = info.node_mask >= (1ULL << info.total_nodes);
    if (has(kClTotal) && has(kClNode) && has(kClSeed)) {
      if (too_big)
        return parameter_error(
            "cluster match: `--cluster-local-node' must be <= `--cluster-total-nodes'");
    } else if (has(kClTotal) && has(kClNodemask) && has(kClSeed)) {
      if (too_big)
        return parameter_error(
            "cluster match: `--cluster-local-nodemask' too big for `--cluster-total-nodes'");
    } else if (!has(kClNode) && !has(kClNodemask)) {
      return parameter_error(
          "cluster match: `--cluster-local-node' or`--cluster-local-nodemask' is missing");
    }
    if (!has(kClTotal)) return must_be_specified("cluster", "--cluster-total-nodes");
    if (has(kClNode) && has(kClNodemask))
      return cannot_combine("cluster", "--cluster-local-node", "--cluster-local-nodemask");
    if (!has(kClSeed)) return must_be_specified("cluster", "--cluster-hash-seed");
    return {};
  }
  void save(std::string& out, const SaveContext&) const override {
    out += std::string((info.flags & XT_CLUSTER_F_INV) ? " !" : "") + " --cluster-local-nodemask " +
           hex08(info.node_mask);
    out += " --cluster-total-nodes " + std::to_string(info.total_nodes);
    out += " --cluster-hash-seed " + hex08(info.hash_seed);
  }
  void list(std::string& out, bool, const SaveContext&) const override {
    out += " cluster ";
    if (info.flags & XT_CLUSTER_F_INV) out += "!";
    out += "node_mask=" + hex08(info.node_mask) +
           " total_nodes=" + std::to_string(info.total_nodes) +
           " hash_seed=" + hex08(info.hash_seed);
  }
  // The mask of a single node is its number (its bit's position plus one), except that masks 1
  // and 2 are printed as they are; several nodes become a set. The "!" is not translated.
  bool xlate(Xlate& xl, const XlateContext&) const override {
    const char* hash = "jhash ct original saddr mod";
    const char* pkttype = "meta pkttype set host";
    const std::uint32_t mask = info.node_mask;
    if ((mask & (mask - 1)) == 0) {
      unsigned node = mask;
      if (mask > 2) {
        node = 0;
        for (std::uint32_t m = mask; m != 0; m >>= 1) ++node;
      }
      xl.addf("%s %u seed 0x%08x eq %u %s", hash, info.total_nodes, info.hash_seed, node, pkttype);
      return true;
    }
    xl.addf("%s %u seed 0x%08x ", hash, info.total_nodes, info.hash_seed);
    bool first = true;
    for (unsigned node = 0; node < 32; ++node) {
      if (!(mask & (1u << node))) continue;
      xl.add(first ? "{ " : ", ");
      xl.addf("%u", node);
      first = false;
    }
    if (!first) xl.add(" }");
    xl.addf(" %s", pkttype);
    return true;
  }
  Status encode(std::vector<nft::Expr>& out, const RuleContext&) const override {
    out.push_back(nft::Expr::match("cluster", 0, xt_blob(info)));
    return {};
  }
};

std::unique_ptr<Match> create(Family) { return std::make_unique<ClusterMatch>(); }
std::unique_ptr<Match> decode_compat(const DecodeContext&, const nft::Bytes& blob) {
  auto m = std::make_unique<ClusterMatch>();
  if (!xt_read(blob, m->info)) return nullptr;
  return m;
}

}  // namespace

constexpr std::string_view kClusterMatchHelp = R"HELP(
cluster match options:
  --cluster-total-nodes <num>		Set number of total nodes in cluster
  [!] --cluster-local-node <num>	Set the local node number
  [!] --cluster-local-nodemask <num>	Set the local node mask
  --cluster-hash-seed <num>		Set seed value of the Jenkins hash
)HELP";

extern const MatchType kClusterMatch = {
    "cluster", kBoth, kOptions, create, "cluster", 0, decode_compat, nullptr, kClusterMatchHelp};

}  // namespace cx::ext
