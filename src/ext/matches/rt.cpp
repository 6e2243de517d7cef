// -m rt (xt "rt" rev 0, ip6t_rt; IPv6 only, xt compat): --rt-type, --rt-segsleft N[:M]
// (default 0:0xffffffff), --rt-len, --rt-0-res, --rt-0-addrs a,b,... (up to 16),
// --rt-0-not-strict. --rt-0-res and --rt-0-addrs need "--rt-type 0" before them,
// --rt-0-not-strict needs --rt-0-addrs before it.
#include <arpa/inet.h>
#include <linux/netfilter_ipv6/ip6t_rt.h>

#include <cstdio>
#include <cstring>

#include "common/parse.h"
#include "ext/extension.h"
#include "ext/util.h"

namespace cx::ext {
namespace {

enum { kRtType = 1, kRtSegsleft, kRtLen, kRtRes, kRtAddrs, kRtNotStrict };
constexpr OptionSpec kOptions[] = {
    {"rt-type", ArgKind::Required, kRtType},     {"rt-segsleft", ArgKind::Required, kRtSegsleft},
    {"rt-len", ArgKind::Required, kRtLen},       {"rt-0-res", ArgKind::None, kRtRes},
    {"rt-0-addrs", ArgKind::Required, kRtAddrs}, {"rt-0-not-strict", ArgKind::None, kRtNotStrict},
};

class RtMatch final : public Match {
 public:
  ip6t_rt info{};
  unsigned seen = 0;
  RtMatch() { info.segsleft[1] = UINT32_MAX; }
  std::string_view name() const override { return "rt"; }
  std::unique_ptr<Match> clone() const override { return std::make_unique<RtMatch>(*this); }
  Status parse(int id, const OptionArg& arg, const RuleContext&) override {
    std::string opt = opt_of(kOptions, id);
    bool invertible = id == kRtType || id == kRtSegsleft || id == kRtLen;
    if (seen & (1u << id)) return only_once("rt", opt);
    if (arg.invert && !invertible) return cannot_invert("rt", opt);
    // --rt-0-res and --rt-0-addrs need an earlier "--rt-type 0" (not inverted).
    const bool type0 =
        (seen & (1u << kRtType)) && info.rt_type == 0 && !(info.invflags & IP6T_RT_INV_TYP);
    switch (id) {
      case kRtType:
      case kRtLen: {
        auto v = parse_uint_opt(arg.value, 0, UINT32_MAX, "rt", opt);
        if (!v) return v.take_error();
        (id == kRtType ? info.rt_type : info.hdrlen) = static_cast<std::uint32_t>(*v);
        info.flags |= id == kRtType ? IP6T_RT_TYP : IP6T_RT_LEN;
        if (arg.invert) info.invflags |= id == kRtType ? IP6T_RT_INV_TYP : IP6T_RT_INV_LEN;
        break;
      }
      case kRtSegsleft: {
        auto r = parse_range_u(arg.value, UINT32_MAX, "rt", opt);
        if (!r) return r.take_error();
        info.segsleft[0] = static_cast<std::uint32_t>(r->first);
        info.segsleft[1] = static_cast<std::uint32_t>(r->second);
        info.flags |= IP6T_RT_SGS;
        if (arg.invert) info.invflags |= IP6T_RT_INV_SGS;
        break;
      }
      case kRtRes:
        if (!type0) return parameter_error("`--rt-type 0' required before `--rt-0-res'");
        info.flags |= IP6T_RT_RES;
        break;
      case kRtAddrs: {
        if (!type0) return parameter_error("`--rt-type 0' required before `--rt-0-addrs'");
        // Each address is read before the count is checked: a bad one is reported first.
        auto list = split(arg.value, ',');
        std::uint8_t n = 0;
        for (const auto& a : list) {
          if (n == IP6T_RT_HOPS) return parameter_error("too many addresses specified");
          std::uint8_t buf[16];
          if (inet_pton(AF_INET6, a.c_str(), buf) != 1) return parameter_error("bad address: " + a);
          std::memcpy(&info.addrs[n++], buf, 16);
        }
        info.addrnr = n;
        info.flags |= IP6T_RT_FST;
        break;
      }
      case kRtNotStrict:
        if (!(seen & (1u << kRtAddrs)))
          return parameter_error("`--rt-0-addr ...' required before `--rt-0-not-strict'");
        info.flags |= IP6T_RT_FST_NSTRICT;
        break;
    }
    seen |= 1u << id;
    return {};
  }
  std::string segs() const {
    if (info.segsleft[0] == info.segsleft[1]) return std::to_string(info.segsleft[0]);
    return std::to_string(info.segsleft[0]) + ":" + std::to_string(info.segsleft[1]);
  }
  // " a,b,c" for the addrnr addresses, whatever the flags say.
  std::string addrs() const {
    std::string s;
    for (int i = 0; i < info.addrnr && i < IP6T_RT_HOPS; ++i) {
      s += i ? "," : " ";
      s += addr_text(reinterpret_cast<const std::uint8_t*>(&info.addrs[i]), Family::V6);
    }
    return s;
  }
  // Segments left are printed when they differ from 0:4294967295 (-L: or are inverted),
  // whether or not the flag is set.
  bool segs_default() const { return info.segsleft[0] == 0 && info.segsleft[1] == UINT32_MAX; }
  void save(std::string& out, const SaveContext&) const override {
    auto inv = [&](std::uint8_t b) { return (info.invflags & b) ? " !" : ""; };
    if (info.flags & IP6T_RT_TYP)
      out += std::string(inv(IP6T_RT_INV_TYP)) + " --rt-type " + std::to_string(info.rt_type);
    if (!segs_default()) out += std::string(inv(IP6T_RT_INV_SGS)) + " --rt-segsleft " + segs();
    if (info.flags & IP6T_RT_LEN)
      out += std::string(inv(IP6T_RT_INV_LEN)) + " --rt-len " + std::to_string(info.hdrlen);
    if (info.flags & IP6T_RT_RES) out += " --rt-0-res";
    if (info.flags & IP6T_RT_FST) out += " --rt-0-addrs";
    out += addrs();
    if (info.flags & IP6T_RT_FST_NSTRICT) out += " --rt-0-not-strict";
  }
  void list(std::string& out, bool, const SaveContext&) const override {
    auto inv = [&](std::uint8_t b) { return (info.invflags & b) ? "!" : ""; };
    out += " rt";
    // The type is printed signed (%d).
    if (info.flags & IP6T_RT_TYP)
      out += std::string(" type:") + inv(IP6T_RT_INV_TYP) +
             std::to_string(static_cast<std::int32_t>(info.rt_type));
    if (!segs_default() || (info.invflags & IP6T_RT_INV_SGS))
      out += std::string(info.segsleft[0] == info.segsleft[1] ? " segsleft:" : " segslefts:") +
             inv(IP6T_RT_INV_SGS) + segs();
    if (info.flags & IP6T_RT_LEN)
      out += std::string(" length:") + inv(IP6T_RT_INV_LEN) + std::to_string(info.hdrlen);
    if (info.flags & IP6T_RT_RES) out += " reserved";
    if (info.flags & IP6T_RT_FST) out += " 0-addrs";
    out += addrs();
    if (info.flags & IP6T_RT_FST_NSTRICT) out += " 0-not-strict";
    if (info.invflags & ~IP6T_RT_INV_MASK) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "%X", info.invflags & ~IP6T_RT_INV_MASK);
      out += std::string(" Unknown invflags: 0x") + buf;
    }
  }
  // The type-0 options (--rt-0-*) have no translation.
  bool xlate(Xlate& xl, const XlateContext&) const override {
    if (info.flags & IP6T_RT_TYP)
      xl.addf("rt type%s %u", (info.invflags & IP6T_RT_INV_TYP) ? " !=" : "", info.rt_type);
    if (info.segsleft[0] != 0 || info.segsleft[1] != UINT32_MAX) {
      xl.addf("rt seg-left%s ", (info.invflags & IP6T_RT_INV_SGS) ? " !=" : "");
      xl.add_range(info.segsleft[0], info.segsleft[1]);
    }
    if (info.flags & IP6T_RT_LEN)
      xl.addf("rt hdrlength%s %u", (info.invflags & IP6T_RT_INV_LEN) ? " !=" : "", info.hdrlen);
    return !(info.flags & (IP6T_RT_RES | IP6T_RT_FST | IP6T_RT_FST_NSTRICT));
  }
  Status encode(std::vector<nft::Expr>& out, const RuleContext&) const override {
    out.push_back(nft::Expr::match("rt", 0, xt_blob(info)));
    return {};
  }
};

std::unique_ptr<Match> create(Family) { return std::make_unique<RtMatch>(); }
std::unique_ptr<Match> decode_compat(const DecodeContext&, const nft::Bytes& blob) {
  auto m = std::make_unique<RtMatch>();
  if (!xt_read(blob, m->info)) return nullptr;
  return m;
}

}  // namespace

constexpr std::string_view kRtMatchHelp = R"HELP(
rt match options:
[!] --rt-type type             match the type
[!] --rt-segsleft num[:num]    match the Segments Left field (range)
[!] --rt-len length            total length of this header
 --rt-0-res                    check the reserved field too (type 0)
 --rt-0-addrs ADDR[,ADDR...]   Type=0 addresses (list, max: 16)
 --rt-0-not-strict             List of Type=0 addresses not a strict list
)HELP";

extern const MatchType kRtMatch = {"rt", kV6,           kOptions, create,      "rt",
                                   0,    decode_compat, nullptr,  kRtMatchHelp};

}  // namespace cx::ext
