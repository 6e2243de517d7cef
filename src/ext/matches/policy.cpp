// -m policy (xt "policy" rev 0, xt_policy_info): --dir, --pol, --strict and per element (--next
// starts the next) --reqid --spi --proto --mode --tunnel-src --tunnel-dst.
#include <arpa/inet.h>
#include <linux/netfilter/xt_policy.h>
#include <netdb.h>

#include <cstring>

#include "common/parse.h"
#include "ext/extension.h"
#include "ext/util.h"

namespace cx::ext {
namespace {

enum {
  kPoDir = 1,
  kPoPol,
  kPoStrict,
  kPoReqid,
  kPoSpi,
  kPoSrc,
  kPoDst,
  kPoProto,
  kPoMode,
  kPoNext
};
constexpr OptionSpec kOptions[] = {
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
    std::string opt = opt_of(kOptions, id);
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
          return parameter_error("policy match: unknown policy \"" + std::string(arg.value) + "\"");
        return {};
      case kPoStrict:
        info.flags |= XT_POLICY_MATCH_STRICT;
        return {};
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

std::unique_ptr<Match> create(Family) { return std::make_unique<PolicyMatch>(); }
std::unique_ptr<Match> decode_compat(const DecodeContext& ctx, const nft::Bytes& blob) {
  auto m = std::make_unique<PolicyMatch>();
  if (!xt_read(blob, m->info)) return nullptr;
  m->family = ctx.family;
  return m;
}

}  // namespace

extern const MatchType kPolicyMatch = {"policy", kBoth, kOptions,      create,
                                       "policy", 0,     decode_compat, nullptr};

}  // namespace cx::ext
