// -m policy (xt "policy" rev 0, xt_policy_info): --dir, --pol, --strict (each once) and per
// element (--next starts the next; --next needs --strict) --reqid --spi --proto --mode
// --tunnel-src --tunnel-dst, each once per element ("policy match: double --X option", checked
// after the value is read). --spi is kept in host order and --tunnel-src/-dst as host[/len]
// without masking the address, as libxt_policy stores them.
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
  unsigned seen = 0;  // --dir, --pol, --strict given
  std::string_view name() const override { return "policy"; }
  std::unique_ptr<Match> clone() const override { return std::make_unique<PolicyMatch>(*this); }

  Status parse(int id, const OptionArg& arg, const RuleContext& ctx) override {
    family = ctx.family;
    const std::string opt = opt_of(kOptions, id);
    xt_policy_elem& e = info.pol[cur];
    const bool elem_opt = id >= kPoReqid && id <= kPoMode;
    if (id == kPoDir || id == kPoPol || id == kPoStrict) {
      if (seen & (1u << id)) return only_once("policy", opt);
      seen |= 1u << id;
    }
    if (arg.invert && !elem_opt) return cannot_invert("policy", opt);
    auto twice = [&] { return parameter_error("policy match: double " + opt + " option"); };
    switch (id) {
      case kPoDir:
        if (arg.value == "in")
          info.flags |= XT_POLICY_MATCH_IN;
        else if (arg.value == "out")
          info.flags |= XT_POLICY_MATCH_OUT;
        else
          return parameter_error("policy_match: invalid dir \"" + std::string(arg.value) + "\"");
        return {};
      case kPoPol:
        if (arg.value == "none")
          info.flags |= XT_POLICY_MATCH_NONE;
        else if (arg.value != "ipsec")
          return parameter_error("policy match: invalid policy \"" + std::string(arg.value) + "\"");
        return {};
      case kPoStrict:
        info.flags |= XT_POLICY_MATCH_STRICT;
        return {};
      case kPoNext:
        if (cur + 1 >= XT_POLICY_MAX_ELEM)
          return parameter_error("policy match: maximum policy depth reached");
        ++cur;
        return {};
      case kPoReqid:
      case kPoSpi: {
        auto v = parse_uint_opt(arg.value, 0, UINT32_MAX, "policy", opt);
        if (!v) return v.take_error();
        if (id == kPoReqid) {
          if (e.match.reqid) return twice();
          e.reqid = static_cast<std::uint32_t>(*v);
          e.match.reqid = 1;
          e.invert.reqid = arg.invert;
        } else {
          if (e.match.spi) return twice();
          e.spi = static_cast<std::uint32_t>(*v);
          e.match.spi = 1;
          e.invert.spi = arg.invert;
        }
        break;
      }
      case kPoSrc:
      case kPoDst: {
        std::uint8_t addr[16], mask[16];
        CX_TRY(parse_hostmask(arg.value, family, "policy", opt, addr, mask));
        if (id == kPoSrc) {
          if (e.match.saddr) return twice();
          std::memcpy(&e.saddr, addr, 16);
          std::memcpy(&e.smask, mask, 16);
          e.match.saddr = 1;
          e.invert.saddr = arg.invert;
        } else {
          if (e.match.daddr) return twice();
          std::memcpy(&e.daddr, addr, 16);
          std::memcpy(&e.dmask, mask, 16);
          e.match.daddr = 1;
          e.invert.daddr = arg.invert;
        }
        break;
      }
      case kPoProto: {
        auto p = parse_xt_protocol(arg.value);
        if (!p) return p.take_error();
        if (e.match.proto) return twice();
        if (*p != IPPROTO_AH && *p != IPPROTO_ESP && *p != IPPROTO_COMP)
          return parameter_error("policy match: protocol must be ah/esp/ipcomp");
        e.proto = *p;
        e.match.proto = 1;
        e.invert.proto = arg.invert;
        break;
      }
      case kPoMode:
        if (e.match.mode) return twice();
        if (arg.value == "transport")
          e.mode = XT_POLICY_MODE_TRANSPORT;
        else if (arg.value == "tunnel")
          e.mode = XT_POLICY_MODE_TUNNEL;
        else
          return parameter_error("policy match: invalid mode \"" + std::string(arg.value) + "\"");
        e.match.mode = 1;
        e.invert.mode = arg.invert;
        break;
    }
    return {};
  }
  Status final_check(const RuleContext&) override {
    if (!(info.flags & (XT_POLICY_MATCH_IN | XT_POLICY_MATCH_OUT)))
      return parameter_error("policy match: neither --dir in nor --dir out specified");
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
      if (e.match.spi) field(e.invert.spi, "spi", hex(e.spi));
      if (e.match.proto) {
        const protoent* pe = numeric ? nullptr : getprotobynumber(e.proto);
        field(e.invert.proto, "proto", pe ? pe->p_name : std::to_string(e.proto));
      }
      if (e.match.mode)
        field(e.invert.mode, "mode",
              e.mode == XT_POLICY_MODE_TUNNEL      ? "tunnel"
              : e.mode == XT_POLICY_MODE_TRANSPORT ? "transport"
                                                   : "???");
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
  // Only whether a policy exists: no element options, at most one element, no --dir out.
  bool xlate(Xlate& xl, const XlateContext&) const override {
    const unsigned allowed = XT_POLICY_MATCH_STRICT | XT_POLICY_MATCH_NONE | XT_POLICY_MATCH_IN;
    if ((info.flags & ~allowed) || info.len > 1) return false;
    static const xt_policy_elem empty{};
    if (std::memcmp(&info.pol[0], &empty, sizeof(empty)) != 0) return false;
    xl.add("meta secpath ");
    xl.add((info.flags & XT_POLICY_MATCH_NONE) ? "missing" : "exists");
    return true;
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

constexpr std::string_view kPolicyMatchHelp = R"HELP(
policy match options:
  --dir in|out			match policy applied during decapsulation/
				policy to be applied during encapsulation
  --pol none|ipsec		match policy
  --strict 			match entire policy instead of single element
				at any position
These options may be used repeatedly, to describe policy elements:
[!] --reqid reqid		match reqid
[!] --spi spi			match SPI
[!] --proto proto		match protocol (ah/esp/ipcomp)
[!] --mode mode 		match mode (transport/tunnel)
[!] --tunnel-src addr/mask	match tunnel source
[!] --tunnel-dst addr/mask	match tunnel destination
  --next 			begin next element in policy
)HELP";

extern const MatchType kPolicyMatch = {"policy", kBoth,         kOptions, create,          "policy",
                                       0,        decode_compat, nullptr,  kPolicyMatchHelp};

}  // namespace cx::ext
