// More small xt compat matches:
//   -m connbytes (rev 0): --connbytes A[:B] (B defaults to 2^64-1; "!" stores from/to swapped),
//                 --connbytes-mode packets|bytes|avgpkt, --connbytes-dir original|reply|both.
//   -m cgroup (rev 2, xt_cgroup_info_v2): --cgroup CLASSID or --path PATH.
//   -m tcpmss (rev 0): --mss A[:B]. -m realm (rev 0): --realm V[/M] or a name from
//                 /etc/iproute2/rt_realms. -m cluster (rev 0): node mask, total, hash seed.
//   -m connlabel (rev 0): --label N|name, --set. -m socket (rev 3): --transparent,
//                 --nowildcard, --restore-skmark (-L prints them with their dashes).
//   -m policy (rev 0, xt_policy_info): --dir, --pol, --strict and per element (--next starts
//                 the next) --reqid --spi --proto --mode --tunnel-src --tunnel-dst.
//   -m osf (rev 0): --genre (kernel support is rare). -m ipvs (rev 0): --ipvs and friends.
#include <arpa/inet.h>
#include <linux/netfilter/nfnetlink_osf.h>
#include <linux/netfilter/xt_cgroup.h>
#include <linux/netfilter/xt_cluster.h>
#include <linux/netfilter/xt_connbytes.h>
#include <linux/netfilter/xt_connlabel.h>
#include <linux/netfilter/xt_ipvs.h>
#include <linux/netfilter/xt_policy.h>
#include <linux/netfilter/xt_realm.h>
#include <linux/netfilter/xt_socket.h>
#include <linux/netfilter/xt_tcpmss.h>
#include <netdb.h>

#include <cstdio>
#include <cstring>

#include "common/parse.h"
#include "ext/extension.h"
#include "ext/util.h"

namespace cx::ext {
namespace {

std::string opt_of(std::span<const OptionSpec> opts, int id) {
  for (const auto& o : opts)
    if (o.id == id) return "--" + std::string(o.name);
  return "";
}

// --- connbytes -------------------------------------------------------------------------------
enum { kCbBytes = 1, kCbDir, kCbMode };
constexpr OptionSpec kConnbytesOptions[] = {{"connbytes", ArgKind::Required, kCbBytes},
                                            {"connbytes-dir", ArgKind::Required, kCbDir},
                                            {"connbytes-mode", ArgKind::Required, kCbMode}};
constexpr const char* kCbModes[] = {"packets", "bytes", "avgpkt"};
constexpr const char* kCbDirs[] = {"original", "reply", "both"};

class ConnbytesMatch final : public Match {
 public:
  xt_connbytes_info info{};
  unsigned seen = 0;
  std::string_view name() const override { return "connbytes"; }
  std::unique_ptr<Match> clone() const override { return std::make_unique<ConnbytesMatch>(*this); }
  Status parse(int id, const OptionArg& arg, const RuleContext&) override {
    std::string opt = opt_of(kConnbytesOptions, id);
    if (arg.invert && id != kCbBytes) return cannot_invert("connbytes", opt);
    if (seen & (1u << id)) return only_once("connbytes", opt);
    seen |= 1u << id;
    if (id == kCbBytes) {
      auto r = parse_range_u(arg.value, UINT64_MAX, "connbytes", opt);
      if (!r) return r.take_error();
      info.count.from = r->first;
      info.count.to = arg.value.find(':') == std::string_view::npos ? UINT64_MAX : r->second;
      if (arg.invert) std::swap(info.count.from, info.count.to);
      return {};
    }
    const auto& table = id == kCbMode ? kCbModes : kCbDirs;
    for (std::uint8_t i = 0; i < 3; ++i)
      if (arg.value == table[i]) {
        (id == kCbMode ? info.what : info.direction) = i;
        return {};
      }
    return parameter_error(std::string(id == kCbMode ? "Unknown --connbytes-mode `"
                                                     : "Unknown --connbytes-dir `") +
                           std::string(arg.value) + "'");
  }
  Status final_check(const RuleContext&) override {
    for (int id : {kCbBytes, kCbDir, kCbMode})
      if (!(seen & (1u << id))) return must_be_specified("connbytes", opt_of(kConnbytesOptions, id));
    return {};
  }
  std::string range(bool& inv) const {
    std::uint64_t a = info.count.from, b = info.count.to;
    inv = a > b;
    if (inv) std::swap(a, b);
    if (b == UINT64_MAX) return std::to_string(a);
    return std::to_string(a) + ":" + std::to_string(b);
  }
  void save(std::string& out, const SaveContext&) const override {
    bool inv = false;
    std::string r = range(inv);
    out += std::string(inv ? " !" : "") + " --connbytes " + r;
    out += std::string(" --connbytes-mode ") + kCbModes[info.what % 3];
    out += std::string(" --connbytes-dir ") + kCbDirs[info.direction % 3];
  }
  void list(std::string& out, bool, const SaveContext&) const override {
    bool inv = false;
    std::string r = range(inv);
    out += std::string(inv ? " !" : "") + " connbytes " + r;
    out += std::string(" connbytes mode ") + kCbModes[info.what % 3];
    out += std::string(" connbytes direction ") + kCbDirs[info.direction % 3];
  }
  Status encode(std::vector<nft::Expr>& out, const RuleContext&) const override {
    out.push_back(nft::Expr::match("connbytes", 0, xt_blob(info)));
    return {};
  }
};

// --- cgroup ----------------------------------------------------------------------------------
enum { kCgClass = 1, kCgPath };
constexpr OptionSpec kCgroupOptions[] = {{"cgroup", ArgKind::Required, kCgClass},
                                         {"path", ArgKind::Required, kCgPath}};

class CgroupMatch final : public Match {
 public:
  xt_cgroup_info_v2 info{};
  std::string_view name() const override { return "cgroup"; }
  std::unique_ptr<Match> clone() const override { return std::make_unique<CgroupMatch>(*this); }
  Status parse(int id, const OptionArg& arg, const RuleContext&) override {
    if (id == kCgClass) {
      if (info.has_classid) return only_once("cgroup", "--cgroup");
      auto v = parse_uint_opt(arg.value, 0, UINT32_MAX, "cgroup", "--cgroup");
      if (!v) return v.take_error();
      info.has_classid = 1;
      info.invert_classid = arg.invert;
      info.classid = static_cast<std::uint32_t>(*v);
    } else {
      if (info.has_path) return only_once("cgroup", "--path");
      info.has_path = 1;
      info.invert_path = arg.invert;
      std::memset(info.path, 0, sizeof(info.path));
      std::memcpy(info.path, arg.value.data(), std::min(arg.value.size(), sizeof(info.path) - 1));
    }
    return {};
  }
  Status final_check(const RuleContext&) override {
    if (info.has_path && info.has_classid)
      return cannot_combine("cgroup", "--cgroup", "--path");
    if (!info.has_path && !info.has_classid)
      return parameter_error("cgroup: Either --path or --cgroup must be specified");
    return {};
  }
  std::string path() const { return std::string(info.path, strnlen(info.path, sizeof(info.path))); }
  void save(std::string& out, const SaveContext&) const override {
    if (info.has_path)
      out += std::string(info.invert_path ? " !" : "") + " --path " + quote_string(path());
    if (info.has_classid)
      out += std::string(info.invert_classid ? " !" : "") + " --cgroup " +
             std::to_string(info.classid);
  }
  void list(std::string& out, bool, const SaveContext&) const override {
    out += " cgroup";
    if (info.has_path) out += std::string(info.invert_path ? " ! " : " ") + path();
    if (info.has_classid)
      out += std::string(info.invert_classid ? " ! " : " ") + std::to_string(info.classid);
  }
  Status encode(std::vector<nft::Expr>& out, const RuleContext&) const override {
    out.push_back(nft::Expr::match("cgroup", 2, xt_blob(info)));
    return {};
  }
};

// --- tcpmss ----------------------------------------------------------------------------------
constexpr OptionSpec kTcpmssOptions[] = {{"mss", ArgKind::Required, 1}};

class TcpmssMatch final : public Match {
 public:
  xt_tcpmss_match_info info{};
  bool given = false;
  std::string_view name() const override { return "tcpmss"; }
  std::unique_ptr<Match> clone() const override { return std::make_unique<TcpmssMatch>(*this); }
  Status parse(int, const OptionArg& arg, const RuleContext&) override {
    if (given) return only_once("tcpmss", "--mss");
    auto r = parse_range_u(arg.value, UINT16_MAX, "tcpmss", "--mss");
    if (!r) return r.take_error();
    info.mss_min = static_cast<std::uint16_t>(r->first);
    info.mss_max = static_cast<std::uint16_t>(r->second);
    if (info.mss_min > info.mss_max) return parameter_error("tcpmss: invalid range given");
    info.invert = arg.invert;
    given = true;
    return {};
  }
  Status final_check(const RuleContext&) override {
    if (!given) return must_be_specified("tcpmss", "--mss");
    return {};
  }
  std::string text() const {
    if (info.mss_min == info.mss_max) return std::to_string(info.mss_min);
    return std::to_string(info.mss_min) + ":" + std::to_string(info.mss_max);
  }
  void save(std::string& out, const SaveContext&) const override {
    out += info.invert ? " ! --mss " : " --mss ";
    out += text();
  }
  void list(std::string& out, bool, const SaveContext&) const override {
    out += info.invert ? " tcpmss match !" : " tcpmss match ";
    out += text();
  }
  Status encode(std::vector<nft::Expr>& out, const RuleContext&) const override {
    out.push_back(nft::Expr::match("tcpmss", 0, xt_blob(info)));
    return {};
  }
};

// --- realm -----------------------------------------------------------------------------------
constexpr OptionSpec kRealmOptions[] = {{"realm", ArgKind::Required, 1}};

class RealmMatch final : public Match {
 public:
  xt_realm_info info{};
  bool given = false;
  std::string_view name() const override { return "realm"; }
  std::unique_ptr<Match> clone() const override { return std::make_unique<RealmMatch>(*this); }
  Status parse(int, const OptionArg& arg, const RuleContext&) override {
    if (given) return only_once("realm", "--realm");
    std::uint32_t v = 0, m = 0xffffffff;
    if (!parse_mark_mask(arg.value, v, m)) {
      auto n = lookup_iproute2_name("/etc/iproute2/rt_realms", arg.value);
      if (!n)
        return option_error("realm: could not map name " + std::string(arg.value) +
                            " to an integer value for option \"--realm\".");
      v = *n;
    }
    info.id = v;
    info.mask = m;
    info.invert = arg.invert;
    given = true;
    return {};
  }
  Status final_check(const RuleContext&) override {
    if (!given) return must_be_specified("realm", "--realm");
    return {};
  }
  std::string text() const {
    if (info.mask != 0xffffffff) return hex(info.id) + "/" + hex(info.mask);
    if (auto n = iproute2_name_of("/etc/iproute2/rt_realms", info.id)) return *n;
    return hex(info.id);
  }
  void save(std::string& out, const SaveContext&) const override {
    out += info.invert ? " ! --realm " : " --realm ";
    out += text();
  }
  void list(std::string& out, bool, const SaveContext&) const override {
    out += info.invert ? " ! realm " : " realm ";
    out += text();
  }
  Status encode(std::vector<nft::Expr>& out, const RuleContext&) const override {
    out.push_back(nft::Expr::match("realm", 0, xt_blob(info)));
    return {};
  }
};

// --- cluster ---------------------------------------------------------------------------------
enum { kClTotal = 1, kClNode, kClNodemask, kClSeed };
constexpr OptionSpec kClusterOptions[] = {
    {"cluster-total-nodes", ArgKind::Required, kClTotal},
    {"cluster-local-node", ArgKind::Required, kClNode},
    {"cluster-local-nodemask", ArgKind::Required, kClNodemask},
    {"cluster-hash-seed", ArgKind::Required, kClSeed},
};

std::string hex08(std::uint32_t v) {
  char b[16];
  std::snprintf(b, sizeof(b), "0x%08x", v);
  return b;
}

class ClusterMatch final : public Match {
 public:
  xt_cluster_match_info info{};
  unsigned seen = 0;
  std::string_view name() const override { return "cluster"; }
  std::unique_ptr<Match> clone() const override { return std::make_unique<ClusterMatch>(*this); }
  Status parse(int id, const OptionArg& arg, const RuleContext&) override {
    std::string opt = opt_of(kClusterOptions, id);
    if (arg.invert && id != kClNode && id != kClNodemask) return cannot_invert("cluster", opt);
    if (seen & (1u << id)) return only_once("cluster", opt);
    seen |= 1u << id;
    std::uint64_t max = id == kClTotal || id == kClNode ? XT_CLUSTER_NODES_MAX : UINT32_MAX;
    auto v = parse_uint_opt(arg.value, id == kClNode ? 1 : 0, max, "cluster", opt);
    if (!v) return v.take_error();
    auto u = static_cast<std::uint32_t>(*v);
    switch (id) {
      case kClTotal: info.total_nodes = u; break;
      case kClNode: info.node_mask = 1u << (u - 1); break;
      case kClNodemask: info.node_mask = u; break;
      case kClSeed: info.hash_seed = u; break;
    }
    if (arg.invert) info.flags |= XT_CLUSTER_F_INV;
    return {};
  }
  Status final_check(const RuleContext&) override {
    if ((seen & (1u << kClNode)) && (seen & (1u << kClNodemask)))
      return cannot_combine("cluster", "--cluster-local-node", "--cluster-local-nodemask");
    if (!(seen & (1u << kClTotal))) return must_be_specified("cluster", "--cluster-total-nodes");
    if (!(seen & (1u << kClSeed))) return must_be_specified("cluster", "--cluster-hash-seed");
    return {};
  }
  void save(std::string& out, const SaveContext&) const override {
    out += std::string((info.flags & XT_CLUSTER_F_INV) ? " !" : "") +
           " --cluster-local-nodemask " + hex08(info.node_mask);
    out += " --cluster-total-nodes " + std::to_string(info.total_nodes);
    out += " --cluster-hash-seed " + hex08(info.hash_seed);
  }
  void list(std::string& out, bool, const SaveContext&) const override {
    out += " cluster ";
    if (info.flags & XT_CLUSTER_F_INV) out += "!";
    out += "node_mask=" + hex08(info.node_mask) + " total_nodes=" +
           std::to_string(info.total_nodes) + " hash_seed=" + hex08(info.hash_seed);
  }
  Status encode(std::vector<nft::Expr>& out, const RuleContext&) const override {
    out.push_back(nft::Expr::match("cluster", 0, xt_blob(info)));
    return {};
  }
};

// --- connlabel -------------------------------------------------------------------------------
enum { kClLabel = 1, kClSet };
constexpr OptionSpec kConnlabelOptions[] = {{"label", ArgKind::Required, kClLabel},
                                            {"set", ArgKind::None, kClSet}};

class ConnlabelMatch final : public Match {
 public:
  xt_connlabel_mtinfo info{};
  bool given = false;
  std::string_view name() const override { return "connlabel"; }
  std::unique_ptr<Match> clone() const override { return std::make_unique<ConnlabelMatch>(*this); }
  Status parse(int id, const OptionArg& arg, const RuleContext&) override {
    if (id == kClSet) {
      if (arg.invert) return cannot_invert("connlabel", "--set");
      info.options |= XT_CONNLABEL_OP_SET;
      return {};
    }
    if (given) return only_once("connlabel", "--label");
    auto v = parse_unsigned(arg.value, XT_CONNLABEL_MAXBIT, 0);
    if (!v) return parameter_error("label '" + std::string(arg.value) + "' not found");
    info.bit = static_cast<std::uint16_t>(*v);
    if (arg.invert) info.options |= XT_CONNLABEL_OP_INVERT;
    given = true;
    return {};
  }
  Status final_check(const RuleContext&) override {
    if (!given) return must_be_specified("connlabel", "--label");
    return {};
  }
  void save(std::string& out, const SaveContext&) const override {
    out += (info.options & XT_CONNLABEL_OP_INVERT) ? " ! --label \"" : " --label \"";
    out += std::to_string(info.bit) + "\"";
    if (info.options & XT_CONNLABEL_OP_SET) out += " --set";
  }
  void list(std::string& out, bool, const SaveContext&) const override {
    out += (info.options & XT_CONNLABEL_OP_INVERT) ? " connlabel ! " : " connlabel ";
    out += std::to_string(info.bit);
    if (info.options & XT_CONNLABEL_OP_SET) out += " set";
  }
  Status encode(std::vector<nft::Expr>& out, const RuleContext&) const override {
    out.push_back(nft::Expr::match("connlabel", 0, xt_blob(info)));
    return {};
  }
};

// --- socket ----------------------------------------------------------------------------------
constexpr OptionSpec kSocketOptions[] = {{"transparent", ArgKind::None, 1},
                                         {"nowildcard", ArgKind::None, 2},
                                         {"restore-skmark", ArgKind::None, 3}};

class SocketMatch final : public Match {
 public:
  xt_socket_mtinfo3 info{};
  std::string_view name() const override { return "socket"; }
  std::unique_ptr<Match> clone() const override { return std::make_unique<SocketMatch>(*this); }
  Status parse(int id, const OptionArg& arg, const RuleContext&) override {
    std::string opt = opt_of(kSocketOptions, id);
    std::uint8_t bit = static_cast<std::uint8_t>(1u << (id - 1));
    if (arg.invert) return cannot_invert("socket", opt);
    if (info.flags & bit) return only_once("socket", opt);
    info.flags |= bit;
    return {};
  }
  void dump(std::string& out) const {
    if (info.flags & XT_SOCKET_TRANSPARENT) out += " --transparent";
    if (info.flags & XT_SOCKET_NOWILDCARD) out += " --nowildcard";
    if (info.flags & XT_SOCKET_RESTORESKMARK) out += " --restore-skmark";
  }
  void save(std::string& out, const SaveContext&) const override { dump(out); }
  void list(std::string& out, bool, const SaveContext&) const override {
    out += " socket";
    dump(out);
  }
  Status encode(std::vector<nft::Expr>& out, const RuleContext&) const override {
    out.push_back(nft::Expr::match("socket", 3, xt_blob(info)));
    return {};
  }
};

// --- policy ----------------------------------------------------------------------------------
enum { kPoDir = 1, kPoPol, kPoStrict, kPoReqid, kPoSpi, kPoSrc, kPoDst, kPoProto, kPoMode,
       kPoNext };
constexpr OptionSpec kPolicyOptions[] = {
    {"dir", ArgKind::Required, kPoDir},        {"pol", ArgKind::Required, kPoPol},
    {"strict", ArgKind::None, kPoStrict},      {"reqid", ArgKind::Required, kPoReqid},
    {"spi", ArgKind::Required, kPoSpi},        {"tunnel-src", ArgKind::Required, kPoSrc},
    {"tunnel-dst", ArgKind::Required, kPoDst}, {"proto", ArgKind::Required, kPoProto},
    {"mode", ArgKind::Required, kPoMode},      {"next", ArgKind::None, kPoNext},
};

class PolicyMatch final : public Match {
 public:
  xt_policy_info info{};
  Family family = Family::V4;
  int cur = 0;
  bool elem_used = false;
  std::string_view name() const override { return "policy"; }
  std::unique_ptr<Match> clone() const override { return std::make_unique<PolicyMatch>(*this); }

  Status parse_addr(std::string_view v, xt_policy_addr& addr, xt_policy_addr& mask) {
    auto a = parse_addresses(v, family);
    if (!a) return a.take_error();
    if (a->empty()) return parameter_error("bad address");
    std::size_t n = family == Family::V4 ? 4 : 16;
    std::memcpy(&addr, (*a)[0].addr.data(), n);
    std::memcpy(&mask, (*a)[0].mask.data(), n);
    return {};
  }

  Status parse(int id, const OptionArg& arg, const RuleContext& ctx) override {
    family = ctx.family;
    std::string opt = opt_of(kPolicyOptions, id);
    xt_policy_elem& e = info.pol[cur];
    bool elem_opt = id >= kPoReqid && id <= kPoMode;
    if (arg.invert && !elem_opt) return cannot_invert("policy", opt);
    switch (id) {
      case kPoDir:
        if (arg.value == "in")
          info.flags |= XT_POLICY_MATCH_IN;
        else if (arg.value == "out")
          info.flags |= XT_POLICY_MATCH_OUT;
        else
          return parameter_error("policy_match: unknown direction \"" + std::string(arg.value) +
                                 "\"");
        return {};
      case kPoPol:
        if (arg.value == "none")
          info.flags |= XT_POLICY_MATCH_NONE;
        else if (arg.value != "ipsec")
          return parameter_error("policy match: unknown policy \"" + std::string(arg.value) +
                                 "\"");
        return {};
      case kPoStrict: info.flags |= XT_POLICY_MATCH_STRICT; return {};
      case kPoNext:
        if (cur + 1 >= XT_POLICY_MAX_ELEM)
          return parameter_error("policy match: maximum policy depth reached");
        ++cur;
        return {};
      case kPoReqid: {
        auto v = parse_uint_opt(arg.value, 0, UINT32_MAX, "policy", opt);
        if (!v) return v.take_error();
        e.reqid = static_cast<std::uint32_t>(*v);
        e.match.reqid = 1;
        e.invert.reqid = arg.invert;
        break;
      }
      case kPoSpi: {
        auto v = parse_uint_opt(arg.value, 0, UINT32_MAX, "policy", opt);
        if (!v) return v.take_error();
        e.spi = htonl(static_cast<std::uint32_t>(*v));
        e.match.spi = 1;
        e.invert.spi = arg.invert;
        break;
      }
      case kPoSrc:
        CX_TRY(parse_addr(arg.value, e.saddr, e.smask));
        e.match.saddr = 1;
        e.invert.saddr = arg.invert;
        break;
      case kPoDst:
        CX_TRY(parse_addr(arg.value, e.daddr, e.dmask));
        e.match.daddr = 1;
        e.invert.daddr = arg.invert;
        break;
      case kPoProto: {
        auto p = parse_protocol(arg.value);
        if (!p) return p.take_error();
        e.proto = *p;
        e.match.proto = 1;
        e.invert.proto = arg.invert;
        break;
      }
      case kPoMode:
        if (arg.value == "transport")
          e.mode = XT_POLICY_MODE_TRANSPORT;
        else if (arg.value == "tunnel")
          e.mode = XT_POLICY_MODE_TUNNEL;
        else
          return parameter_error("policy match: value for --mode must be transport or tunnel");
        e.match.mode = 1;
        e.invert.mode = arg.invert;
        break;
    }
    elem_used = true;
    return {};
  }
  Status final_check(const RuleContext&) override {
    if (!(info.flags & (XT_POLICY_MATCH_IN | XT_POLICY_MATCH_OUT)))
      return parameter_error("policy match: neither --dir in nor --dir out specified");
    if ((info.flags & XT_POLICY_MATCH_IN) && (info.flags & XT_POLICY_MATCH_OUT))
      return parameter_error("policy match: both --dir in and --dir out specified");
    if ((info.flags & XT_POLICY_MATCH_NONE) && (info.flags & XT_POLICY_MATCH_STRICT))
      return parameter_error("policy match: policy none but --strict given");
    if ((info.flags & XT_POLICY_MATCH_NONE) && cur > 0)
      return parameter_error("policy match: policy none but policy given");
    info.len = (info.flags & XT_POLICY_MATCH_NONE) ? 0 : static_cast<std::uint16_t>(cur + 1);
    for (int i = 0; i < info.len; ++i) {
      const xt_policy_elem& e = info.pol[i];
      const bool any = e.match.reqid || e.match.spi || e.match.saddr || e.match.daddr ||
                       e.match.proto || e.match.mode;
      if ((info.flags & XT_POLICY_MATCH_STRICT) && !any)
        return parameter_error(
            "policy match: empty policy element " + std::to_string(i) +
            ". --strict is in effect, but at least one of reqid, spi, tunnel-src, tunnel-dst, proto or mode is required.");
      // Tunnel endpoints need "--mode tunnel" (or "! --mode transport").
      if ((e.match.saddr || e.match.daddr) &&
          (e.mode == XT_POLICY_MODE_TUNNEL) == static_cast<bool>(e.invert.mode))
        return parameter_error(
            "policy match: --tunnel-src/--tunnel-dst is only valid in tunnel mode");
    }
    if (cur > 0 && !(info.flags & XT_POLICY_MATCH_STRICT))
      return also_requires("policy", "--next", "--strict");
    return {};
  }
  std::string addr_of(const xt_policy_addr& a, const xt_policy_addr& m, Family f) const {
    const auto* ab = reinterpret_cast<const std::uint8_t*>(&a);
    const auto* mb = reinterpret_cast<const std::uint8_t*>(&m);
    return addr_text(ab, f) + mask_suffix(mb, f);
  }
  void dump(std::string& out, const char* p, bool list, Family f, bool numeric) const {
    out += std::string(" ") + p + "dir " + ((info.flags & XT_POLICY_MATCH_IN) ? "in" : "out");
    out += std::string(" ") + p + "pol " + ((info.flags & XT_POLICY_MATCH_NONE) ? "none" : "ipsec");
    if (info.flags & XT_POLICY_MATCH_STRICT) out += std::string(" ") + p + "strict";
    for (int i = 0; i < info.len && i < XT_POLICY_MAX_ELEM; ++i) {
      const xt_policy_elem& e = info.pol[i];
      if (list && info.len > 1) out += " [" + std::to_string(i) + "]";
      if (!list && i) out += " --next";
      auto field = [&](bool inv, const char* name, const std::string& v) {
        out += std::string(inv ? " !" : "") + " " + p + name + " " + v;
      };
      if (e.match.reqid) field(e.invert.reqid, "reqid", std::to_string(e.reqid));
      if (e.match.spi) field(e.invert.spi, "spi", hex(ntohl(e.spi)));
      if (e.match.proto) {
        const protoent* pe = numeric ? nullptr : getprotobynumber(e.proto);
        field(e.invert.proto, "proto", pe ? pe->p_name : std::to_string(e.proto));
      }
      if (e.match.mode)
        field(e.invert.mode, "mode", e.mode == XT_POLICY_MODE_TUNNEL ? "tunnel" : "transport");
      if (e.match.daddr) field(e.invert.daddr, "tunnel-dst", addr_of(e.daddr, e.dmask, f));
      if (e.match.saddr) field(e.invert.saddr, "tunnel-src", addr_of(e.saddr, e.smask, f));
    }
  }
  void save(std::string& out, const SaveContext& ctx) const override {
    dump(out, "--", false, ctx.family, false);
  }
  void list(std::string& out, bool numeric, const SaveContext& ctx) const override {
    out += " policy match";
    dump(out, "", true, ctx.family, numeric);
  }
  Status encode(std::vector<nft::Expr>& out, const RuleContext&) const override {
    out.push_back(nft::Expr::match("policy", 0, xt_blob(info)));
    return {};
  }
};

// --- osf -------------------------------------------------------------------------------------
constexpr OptionSpec kOsfOptions[] = {
    {"genre", ArgKind::Required, 1}, {"ttl", ArgKind::Required, 2}, {"log", ArgKind::Required, 3}};

class OsfMatch final : public Match {
 public:
  nf_osf_info info{};
  unsigned seen = 0;
  std::string_view name() const override { return "osf"; }
  std::unique_ptr<Match> clone() const override { return std::make_unique<OsfMatch>(*this); }
  Status parse(int id, const OptionArg& arg, const RuleContext&) override {
    const std::string opt = opt_of(kOsfOptions, id);
    if (arg.invert && id != 1) return cannot_invert("osf", opt);
    if (seen & (1u << id)) return only_once("osf", opt);
    seen |= 1u << id;
    if (id == 1) {
      std::memset(info.genre, 0, sizeof(info.genre));
      std::memcpy(info.genre, arg.value.data(), std::min(arg.value.size(), sizeof(info.genre) - 1));
      info.len = static_cast<std::uint32_t>(std::min(arg.value.size(), sizeof(info.genre) - 1));
      if (arg.invert) info.flags |= NF_OSF_INVERT;
      return {};
    }
    // --ttl (0: the packet's TTL must equal the fingerprint's, 1: be below it, 2: any) and
    // --log (0: every match, 1: the first, 2: every known one).
    auto v = parse_uint_opt(arg.value, 0, 2, "osf", opt);
    if (!v) return v.take_error();
    if (id == 2) {
      info.ttl = static_cast<std::uint32_t>(*v);
      info.flags |= NF_OSF_TTL;
    } else {
      info.loglevel = static_cast<std::uint32_t>(*v);
      info.flags |= NF_OSF_LOG;
    }
    return {};
  }
  Status final_check(const RuleContext&) override {
    if (!(seen & (1u << 1))) return must_be_specified("osf", "--genre");
    return {};
  }
  std::string genre() const { return std::string(info.genre, strnlen(info.genre, sizeof(info.genre))); }
  void save(std::string& out, const SaveContext&) const override {
    out += (info.flags & NF_OSF_INVERT) ? " ! --genre " : " --genre ";
    out += genre();
    if (info.flags & NF_OSF_TTL) out += " --ttl " + std::to_string(info.ttl);
    if (info.flags & NF_OSF_LOG) out += " --log " + std::to_string(info.loglevel);
  }
  void list(std::string& out, bool, const SaveContext&) const override {
    out += (info.flags & NF_OSF_INVERT) ? " OS fingerprint match ! " : " OS fingerprint match ";
    out += genre();
  }
  Status encode(std::vector<nft::Expr>& out, const RuleContext&) const override {
    out.push_back(nft::Expr::match("osf", 0, xt_blob(info)));
    return {};
  }
};

// --- ipvs ------------------------------------------------------------------------------------
constexpr OptionSpec kIpvsOptions[] = {{"ipvs", ArgKind::None, 1}};

class IpvsMatch final : public Match {
 public:
  xt_ipvs_mtinfo info{};
  std::string_view name() const override { return "ipvs"; }
  std::unique_ptr<Match> clone() const override { return std::make_unique<IpvsMatch>(*this); }
  Status parse(int, const OptionArg& arg, const RuleContext&) override {
    info.bitmask |= XT_IPVS_IPVS_PROPERTY;
    if (arg.invert) info.invert |= XT_IPVS_IPVS_PROPERTY;
    return {};
  }
  void save(std::string& out, const SaveContext&) const override {
    if (info.bitmask & XT_IPVS_IPVS_PROPERTY)
      out += (info.invert & XT_IPVS_IPVS_PROPERTY) ? " ! --ipvs" : " --ipvs";
  }
  void list(std::string& out, bool, const SaveContext&) const override {
    if (info.bitmask & XT_IPVS_IPVS_PROPERTY)
      out += (info.invert & XT_IPVS_IPVS_PROPERTY) ? " ! ipvs" : " ipvs";
  }
  Status encode(std::vector<nft::Expr>& out, const RuleContext&) const override {
    out.push_back(nft::Expr::match("ipvs", 0, xt_blob(info)));
    return {};
  }
};

template <class M>
std::unique_ptr<Match> create(Family) {
  return std::make_unique<M>();
}
template <class M>
std::unique_ptr<Match> decode(const DecodeContext& ctx, const nft::Bytes& blob) {
  auto m = std::make_unique<M>();
  if (!xt_read(blob, m->info)) return nullptr;
  if constexpr (requires { m->given; }) m->given = true;
  if constexpr (requires { m->family; }) m->family = ctx.family;
  return m;
}

}  // namespace

extern const MatchType kConnbytesMatch = {"connbytes", kBoth, kConnbytesOptions,
                                          create<ConnbytesMatch>, "connbytes", 0,
                                          decode<ConnbytesMatch>, nullptr};
extern const MatchType kCgroupMatch = {"cgroup", kBoth, kCgroupOptions, create<CgroupMatch>,
                                       "cgroup", 2, decode<CgroupMatch>, nullptr};
extern const MatchType kTcpmssMatch = {"tcpmss", kBoth, kTcpmssOptions, create<TcpmssMatch>,
                                       "tcpmss", 0, decode<TcpmssMatch>, nullptr};
extern const MatchType kRealmMatch = {"realm", kV4, kRealmOptions, create<RealmMatch>, "realm", 0,
                                      decode<RealmMatch>, nullptr};
extern const MatchType kClusterMatch = {"cluster", kBoth, kClusterOptions, create<ClusterMatch>,
                                        "cluster", 0, decode<ClusterMatch>, nullptr};
extern const MatchType kConnlabelMatch = {"connlabel", kBoth, kConnlabelOptions,
                                          create<ConnlabelMatch>, "connlabel", 0,
                                          decode<ConnlabelMatch>, nullptr};
extern const MatchType kSocketMatch = {"socket", kBoth, kSocketOptions, create<SocketMatch>,
                                       "socket", 3, decode<SocketMatch>, nullptr};
extern const MatchType kPolicyMatch = {"policy", kBoth, kPolicyOptions, create<PolicyMatch>,
                                       "policy", 0, decode<PolicyMatch>, nullptr};
extern const MatchType kOsfMatch = {"osf", kV4, kOsfOptions, create<OsfMatch>, "osf", 0,
                                    decode<OsfMatch>, nullptr};
extern const MatchType kIpvsMatch = {"ipvs", kBoth, kIpvsOptions, create<IpvsMatch>, "ipvs", 0,
                                     decode<IpvsMatch>, nullptr};

}  // namespace cx::ext
