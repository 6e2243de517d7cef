// IPv6 extension header matches (all IPv6 only, xt compat):
//   -m ipv6header (rev 0, ip6t_ipv6header_info): --header names/numbers -> MASK_* bits,
//                 "!" sets invflags 0xff, --soft sets modeflag 0xff.
//   -m rt  (rev 0, ip6t_rt): --rt-type, --rt-segsleft N[:M] (default 0:0xffffffff),
//          --rt-len, --rt-0-res, --rt-0-addrs a,b,... (up to 16), --rt-0-not-strict.
//   -m mh  (rev 0, ip6t_mh): --mh-type name|N[:M] (default 0:255); -S numeric, -L names.
//   -m hbh / -m dst (rev 0, ip6t_opts): --X-len, --X-opts TYPE[:LEN],... stored as
//          TYPE << 8 | LEN (LEN 0xff when absent).
//   -m eui64 (rev 0, no options; 8 zero bytes).
//   -m srh (rev 1, ip6t_srh1): one field each for len/segs/last, so e.g. --srh-hdr-len-gt 3
//          --srh-hdr-len-lt 9 keeps 9 for both (as iptables does); sids are addr[/mask].
#include <arpa/inet.h>
#include <linux/netfilter_ipv6/ip6t_ipv6header.h>
#include <linux/netfilter_ipv6/ip6t_mh.h>
#include <linux/netfilter_ipv6/ip6t_opts.h>
#include <linux/netfilter_ipv6/ip6t_rt.h>
#include <linux/netfilter_ipv6/ip6t_srh.h>

#include <cstdio>
#include <cstring>

#include "common/parse.h"
#include "ext/extension.h"
#include "ext/util.h"

namespace cx::ext {
namespace {

// --- ipv6header ------------------------------------------------------------------------------
struct HeaderName {
  const char* name;
  std::uint8_t mask;
};
constexpr HeaderName kHeaderNames[] = {
    {"hop-by-hop", MASK_HOPOPTS}, {"ipv6-opts", MASK_DSTOPTS}, {"ipv6-route", MASK_ROUTING},
    {"ipv6-frag", MASK_FRAGMENT}, {"ah", MASK_AH},             {"esp", MASK_ESP},
    {"ipv6-nonxt", MASK_NONE},    {"protocol", MASK_PROTO},
    {"hop", MASK_HOPOPTS},        {"dst", MASK_DSTOPTS},       {"route", MASK_ROUTING},
    {"frag", MASK_FRAGMENT},      {"auth", MASK_AH},           {"none", MASK_NONE},
    {"prot", MASK_PROTO},         {"0", MASK_HOPOPTS},         {"60", MASK_DSTOPTS},
    {"43", MASK_ROUTING},         {"44", MASK_FRAGMENT},       {"51", MASK_AH},
    {"50", MASK_ESP},             {"59", MASK_NONE},           {"255", MASK_PROTO},
};

constexpr OptionSpec kIpv6headerOptions[] = {{"header", ArgKind::Required, 1},
                                             {"soft", ArgKind::None, 2}};

class Ipv6headerMatch final : public Match {
 public:
  ip6t_ipv6header_info info{};
  unsigned seen = 0;
  std::string_view name() const override { return "ipv6header"; }
  std::unique_ptr<Match> clone() const override { return std::make_unique<Ipv6headerMatch>(*this); }
  Status parse(int id, const OptionArg& arg, const RuleContext&) override {
    const char* opt = id == 1 ? "--header" : "--soft";
    if (arg.invert && id == 2) return cannot_invert("ipv6header", opt);
    if (seen & (1u << id)) return only_once("ipv6header", opt);
    seen |= 1u << id;
    if (id == 2) {
      info.modeflag = 0xff;
      return {};
    }
    for (const std::string& w : split(arg.value, ',')) {
      std::uint8_t m = 0;
      for (const auto& h : kHeaderNames)
        if (w == h.name) m = h.mask;
      if (!m) return parameter_error("unknown header `" + w + "' specified");
      info.matchflags |= m;
    }
    if (arg.invert) info.invflags = 0xff;
    return {};
  }
  Status final_check(const RuleContext&) override {
    if (!(seen & 2u)) return must_be_specified("ipv6header", "--header");
    return {};
  }
  std::string names() const {
    std::string s;
    for (int i = 0; i < 8; ++i)
      if (info.matchflags & kHeaderNames[i].mask) {
        if (!s.empty()) s += ",";
        s += kHeaderNames[i].name;
      }
    return s;
  }
  void save(std::string& out, const SaveContext&) const override {
    out += info.invflags ? " ! --header " : " --header ";
    out += names();
    if (info.modeflag) out += " --soft";
  }
  void list(std::string& out, bool numeric, const SaveContext&) const override {
    out += " ipv6header flags:";
    if (info.invflags) out += "!";
    if (numeric) {
      char b[8];
      std::snprintf(b, sizeof(b), "0x%02x", info.matchflags);
      out += b;
    } else {
      out += names();
    }
    if (info.modeflag) out += " soft";
  }
  Status encode(std::vector<nft::Expr>& out, const RuleContext&) const override {
    out.push_back(nft::Expr::match("ipv6header", 0, xt_blob(info)));
    return {};
  }
};

// --- rt --------------------------------------------------------------------------------------
enum { kRtType = 1, kRtSegsleft, kRtLen, kRtRes, kRtAddrs, kRtNotStrict };
constexpr OptionSpec kRtOptions[] = {
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
    std::string opt = opt_of(kRtOptions, id);
    bool invertible = id == kRtType || id == kRtSegsleft || id == kRtLen;
    if (arg.invert && !invertible) return cannot_invert("rt", opt);
    if (seen & (1u << id)) return only_once("rt", opt);
    seen |= 1u << id;
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
      case kRtRes: info.flags |= IP6T_RT_RES; break;
      case kRtAddrs: {
        auto list = split(arg.value, ',');
        if (list.size() > IP6T_RT_HOPS) return parameter_error("too many addresses specified");
        for (const auto& a : list) {
          std::uint8_t buf[16];
          if (inet_pton(AF_INET6, a.c_str(), buf) != 1)
            return parameter_error("bad address `" + a + "' specified");
          std::memcpy(&info.addrs[info.addrnr++], buf, 16);
        }
        info.flags |= IP6T_RT_FST;
        break;
      }
      case kRtNotStrict: info.flags |= IP6T_RT_FST_NSTRICT; break;
    }
    return {};
  }
  std::string segs() const {
    if (info.segsleft[0] == info.segsleft[1]) return std::to_string(info.segsleft[0]);
    return std::to_string(info.segsleft[0]) + ":" + std::to_string(info.segsleft[1]);
  }
  std::string addrs() const {
    std::string s;
    for (int i = 0; i < info.addrnr && i < IP6T_RT_HOPS; ++i) {
      if (i) s += ",";
      s += addr_text(reinterpret_cast<const std::uint8_t*>(&info.addrs[i]), Family::V6);
    }
    return s;
  }
  void save(std::string& out, const SaveContext&) const override {
    auto inv = [&](std::uint8_t b) { return (info.invflags & b) ? " !" : ""; };
    if (info.flags & IP6T_RT_TYP)
      out += std::string(inv(IP6T_RT_INV_TYP)) + " --rt-type " + std::to_string(info.rt_type);
    if (info.flags & IP6T_RT_SGS) out += std::string(inv(IP6T_RT_INV_SGS)) + " --rt-segsleft " + segs();
    if (info.flags & IP6T_RT_LEN)
      out += std::string(inv(IP6T_RT_INV_LEN)) + " --rt-len " + std::to_string(info.hdrlen);
    if (info.flags & IP6T_RT_RES) out += " --rt-0-res";
    if (info.flags & IP6T_RT_FST) out += " --rt-0-addrs " + addrs();
    if (info.flags & IP6T_RT_FST_NSTRICT) out += " --rt-0-not-strict";
  }
  void list(std::string& out, bool, const SaveContext&) const override {
    auto inv = [&](std::uint8_t b) { return (info.invflags & b) ? "!" : ""; };
    out += " rt";
    if (info.flags & IP6T_RT_TYP)
      out += std::string(" type:") + inv(IP6T_RT_INV_TYP) + std::to_string(info.rt_type);
    if (info.flags & IP6T_RT_SGS)
      out += std::string(info.segsleft[0] == info.segsleft[1] ? " segsleft:" : " segslefts:") +
             inv(IP6T_RT_INV_SGS) + segs();
    if (info.flags & IP6T_RT_LEN)
      out += std::string(" length:") + inv(IP6T_RT_INV_LEN) + std::to_string(info.hdrlen);
    if (info.flags & IP6T_RT_RES) out += " reserved";
    if (info.flags & IP6T_RT_FST) out += " 0-addrs " + addrs();
    if (info.flags & IP6T_RT_FST_NSTRICT) out += " 0-not-strict";
  }
  Status encode(std::vector<nft::Expr>& out, const RuleContext&) const override {
    out.push_back(nft::Expr::match("rt", 0, xt_blob(info)));
    return {};
  }
};

// --- mh --------------------------------------------------------------------------------------
struct MhName {
  const char* name;
  std::uint8_t type;
};
constexpr MhName kMhNames[] = {
    {"binding-refresh-request", 0}, {"brr", 0}, {"home-test-init", 1}, {"hoti", 1},
    {"careof-test-init", 2},        {"coti", 2}, {"home-test", 3},     {"hot", 3},
    {"careof-test", 4},             {"cot", 4},  {"binding-update", 5}, {"bu", 5},
    {"binding-acknowledgement", 6}, {"ba", 6},   {"binding-error", 7},  {"be", 7},
};
constexpr OptionSpec kMhOptions[] = {{"mh-type", ArgKind::Required, 1}};

Result<std::uint8_t> mh_type(std::string_view s, std::string_view whole) {
  if (auto n = parse_unsigned(s, 255, 0)) return static_cast<std::uint8_t>(*n);
  for (const auto& m : kMhNames)
    if (s == m.name) return m.type;
  return parameter_error("Invalid MH type `" + std::string(whole) + "'");
}

class MhMatch final : public Match {
 public:
  ip6t_mh info{};
  bool given = false;
  MhMatch() { info.types[1] = 0xff; }
  std::string_view name() const override { return "mh"; }
  std::unique_ptr<Match> clone() const override { return std::make_unique<MhMatch>(*this); }
  Status parse(int, const OptionArg& arg, const RuleContext&) override {
    if (given) return only_once("mh", "--mh-type");
    auto colon = arg.value.find(':');
    auto a = mh_type(arg.value.substr(0, colon), arg.value);
    if (!a) return a.take_error();
    info.types[0] = info.types[1] = *a;
    if (colon != std::string_view::npos) {
      auto b = mh_type(arg.value.substr(colon + 1), arg.value);
      if (!b) return b.take_error();
      info.types[1] = *b;
    }
    if (arg.invert) info.invflags |= IP6T_MH_INV_TYPE;
    given = true;
    return {};
  }
  static std::string type_name(std::uint8_t t, bool numeric) {
    if (!numeric)
      for (const auto& m : kMhNames)
        if (m.type == t) return m.name;
    return std::to_string(t);
  }
  bool all() const { return info.types[0] == 0 && info.types[1] == 0xff && !info.invflags; }
  std::string types(bool numeric) const {
    if (info.types[0] == info.types[1]) return type_name(info.types[0], numeric);
    return type_name(info.types[0], numeric) + ":" + type_name(info.types[1], numeric);
  }
  void save(std::string& out, const SaveContext&) const override {
    if (all()) return;
    out += (info.invflags & IP6T_MH_INV_TYPE) ? " ! --mh-type " : " --mh-type ";
    out += types(true);
  }
  void list(std::string& out, bool numeric, const SaveContext&) const override {
    out += " mh";
    if (all()) return;
    out += (info.invflags & IP6T_MH_INV_TYPE) ? " !" : " ";
    out += types(numeric);
  }
  Status encode(std::vector<nft::Expr>& out, const RuleContext&) const override {
    out.push_back(nft::Expr::match("mh", 0, xt_blob(info)));
    return {};
  }
};

// --- hbh / dst -------------------------------------------------------------------------------
enum { kOptsLen = 1, kOptsOpts };
constexpr OptionSpec kHbhOptions[] = {{"hbh-len", ArgKind::Required, kOptsLen},
                                      {"hbh-opts", ArgKind::Required, kOptsOpts}};
constexpr OptionSpec kDstOptions[] = {{"dst-len", ArgKind::Required, kOptsLen},
                                      {"dst-opts", ArgKind::Required, kOptsOpts}};

class OptsMatch final : public Match {
 public:
  bool dst = false;
  ip6t_opts info{};
  unsigned seen = 0;
  std::string_view name() const override { return dst ? "dst" : "hbh"; }
  std::unique_ptr<Match> clone() const override { return std::make_unique<OptsMatch>(*this); }
  std::string opt(int id) const {
    return std::string("--") + (dst ? "dst" : "hbh") + (id == kOptsLen ? "-len" : "-opts");
  }
  Status parse(int id, const OptionArg& arg, const RuleContext&) override {
    if (arg.invert && id == kOptsOpts) return cannot_invert(name(), opt(id));
    if (seen & (1u << id)) return only_once(name(), opt(id));
    seen |= 1u << id;
    if (id == kOptsLen) {
      auto v = parse_uint_opt(arg.value, 0, UINT32_MAX, name(), opt(id));
      if (!v) return v.take_error();
      info.hdrlen = static_cast<std::uint32_t>(*v);
      info.flags |= IP6T_OPTS_LEN;
      if (arg.invert) info.invflags |= IP6T_OPTS_INV_LEN;
      return {};
    }
    auto list = split(arg.value, ',');
    if (list.size() > IP6T_OPTS_OPTSNR) return parameter_error("too many options specified");
    for (const auto& item : list) {
      auto colon = item.find(':');
      auto t = parse_unsigned(std::string_view(item).substr(0, colon), 255, 0);
      if (!t) return parameter_error("bad option type `" + item + "'");
      std::uint16_t len = 0xff;
      if (colon != std::string::npos) {
        auto l = parse_unsigned(std::string_view(item).substr(colon + 1), 255, 0);
        if (!l) return parameter_error("bad option length `" + item + "'");
        len = static_cast<std::uint16_t>(*l);
      }
      info.opts[info.optsnr++] = static_cast<std::uint16_t>((*t << 8) | len);
    }
    info.flags |= IP6T_OPTS_OPTS;
    return {};
  }
  std::string opts_text() const {
    std::string s;
    for (int i = 0; i < info.optsnr && i < IP6T_OPTS_OPTSNR; ++i) {
      if (i) s += ",";
      s += std::to_string(info.opts[i] >> 8);
      if ((info.opts[i] & 0xff) != 0xff) s += ":" + std::to_string(info.opts[i] & 0xff);
    }
    return s;
  }
  void save(std::string& out, const SaveContext&) const override {
    if (info.flags & IP6T_OPTS_LEN)
      out += std::string((info.invflags & IP6T_OPTS_INV_LEN) ? " !" : "") + " " + opt(kOptsLen) +
             " " + std::to_string(info.hdrlen);
    if (info.flags & IP6T_OPTS_OPTS) out += " " + opt(kOptsOpts) + " " + opts_text();
  }
  void list(std::string& out, bool, const SaveContext&) const override {
    out += dst ? " dst" : " hbh";
    if (info.flags & IP6T_OPTS_LEN)
      out += std::string(" length:") + ((info.invflags & IP6T_OPTS_INV_LEN) ? "!" : "") +
             std::to_string(info.hdrlen);
    if (info.flags & IP6T_OPTS_OPTS) out += " opts " + opts_text();
  }
  Status encode(std::vector<nft::Expr>& out, const RuleContext&) const override {
    out.push_back(nft::Expr::match(dst ? "dst" : "hbh", 0, xt_blob(info)));
    return {};
  }
};

// --- eui64 -----------------------------------------------------------------------------------
class Eui64Match final : public Match {
 public:
  std::string_view name() const override { return "eui64"; }
  std::unique_ptr<Match> clone() const override { return std::make_unique<Eui64Match>(*this); }
  Status parse(int, const OptionArg&, const RuleContext&) override { return {}; }
  void save(std::string&, const SaveContext&) const override {}
  void list(std::string&, bool, const SaveContext&) const override {}
  Status encode(std::vector<nft::Expr>& out, const RuleContext&) const override {
    out.push_back(nft::Expr::match("eui64", 0, nft::Bytes(8, 0)));
    return {};
  }
};

// --- srh -------------------------------------------------------------------------------------
enum {
  kSrhNext = 1, kSrhLenEq, kSrhLenGt, kSrhLenLt, kSrhSegsEq, kSrhSegsGt, kSrhSegsLt, kSrhLastEq,
  kSrhLastGt, kSrhLastLt, kSrhTag, kSrhPsid, kSrhNsid, kSrhLsid,
};
constexpr OptionSpec kSrhOptions[] = {
    {"srh-next-hdr", ArgKind::Required, kSrhNext},
    {"srh-hdr-len-eq", ArgKind::Required, kSrhLenEq},
    {"srh-hdr-len-gt", ArgKind::Required, kSrhLenGt},
    {"srh-hdr-len-lt", ArgKind::Required, kSrhLenLt},
    {"srh-segs-left-eq", ArgKind::Required, kSrhSegsEq},
    {"srh-segs-left-gt", ArgKind::Required, kSrhSegsGt},
    {"srh-segs-left-lt", ArgKind::Required, kSrhSegsLt},
    {"srh-last-entry-eq", ArgKind::Required, kSrhLastEq},
    {"srh-last-entry-gt", ArgKind::Required, kSrhLastGt},
    {"srh-last-entry-lt", ArgKind::Required, kSrhLastLt},
    {"srh-tag", ArgKind::Required, kSrhTag},
    {"srh-psid", ArgKind::Required, kSrhPsid},
    {"srh-nsid", ArgKind::Required, kSrhNsid},
    {"srh-lsid", ArgKind::Required, kSrhLsid},
};

class SrhMatch final : public Match {
 public:
  ip6t_srh1 info{};
  std::string_view name() const override { return "srh"; }
  std::unique_ptr<Match> clone() const override { return std::make_unique<SrhMatch>(*this); }
  static std::uint16_t bit(int id) { return static_cast<std::uint16_t>(1u << (id - 1)); }
  Status parse(int id, const OptionArg& arg, const RuleContext&) override {
    std::string opt = opt_of(kSrhOptions, id);
    if (info.mt_flags & bit(id)) return only_once("srh", opt);
    if (id >= kSrhPsid) {
      std::string_view host = arg.value, plen;
      auto slash = arg.value.find('/');
      if (slash != std::string_view::npos) {
        host = arg.value.substr(0, slash);
        plen = arg.value.substr(slash + 1);
      }
      std::uint8_t a[16], m[16];
      CX_TRY(resolve_one(host, Family::V6, a));
      std::memset(m, 0xff, 16);
      if (slash != std::string_view::npos) {
        auto n = parse_unsigned(plen, 128, 10);
        if (!n) return parameter_error("invalid mask `" + std::string(plen) + "' specified");
        std::memset(m, 0, 16);
        for (unsigned i = 0; i < *n; ++i) m[i / 8] |= static_cast<std::uint8_t>(0x80 >> (i % 8));
      }
      in6_addr* addr = id == kSrhPsid ? &info.psid_addr : id == kSrhNsid ? &info.nsid_addr : &info.lsid_addr;
      in6_addr* msk = id == kSrhPsid ? &info.psid_msk : id == kSrhNsid ? &info.nsid_msk : &info.lsid_msk;
      std::memcpy(addr, a, 16);
      std::memcpy(msk, m, 16);
    } else {
      std::uint64_t max = id == kSrhTag ? 65535 : 255;
      auto v = parse_uint_opt(arg.value, 0, max, "srh", opt);
      if (!v) return v.take_error();
      auto u8 = static_cast<std::uint8_t>(*v);
      switch (id) {
        case kSrhNext: info.next_hdr = u8; break;
        case kSrhLenEq: case kSrhLenGt: case kSrhLenLt: info.hdr_len = u8; break;
        case kSrhSegsEq: case kSrhSegsGt: case kSrhSegsLt: info.segs_left = u8; break;
        case kSrhLastEq: case kSrhLastGt: case kSrhLastLt: info.last_entry = u8; break;
        case kSrhTag: info.tag = static_cast<std::uint16_t>(*v); break;
      }
    }
    info.mt_flags |= bit(id);
    if (arg.invert) info.mt_invflags |= bit(id);
    return {};
  }
  std::string value_of(int id) const {
    switch (id) {
      case kSrhNext: return std::to_string(info.next_hdr);
      case kSrhLenEq: case kSrhLenGt: case kSrhLenLt: return std::to_string(info.hdr_len);
      case kSrhSegsEq: case kSrhSegsGt: case kSrhSegsLt: return std::to_string(info.segs_left);
      case kSrhLastEq: case kSrhLastGt: case kSrhLastLt: return std::to_string(info.last_entry);
      case kSrhTag: return std::to_string(info.tag);
    }
    const in6_addr* addr = id == kSrhPsid ? &info.psid_addr : id == kSrhNsid ? &info.nsid_addr : &info.lsid_addr;
    const in6_addr* msk = id == kSrhPsid ? &info.psid_msk : id == kSrhNsid ? &info.nsid_msk : &info.lsid_msk;
    int n = mask_prefix_len(reinterpret_cast<const std::uint8_t*>(msk), 16);
    return addr_text(reinterpret_cast<const std::uint8_t*>(addr), Family::V6) + "/" +
           std::to_string(n < 0 ? 128 : n);
  }
  void save(std::string& out, const SaveContext&) const override {
    for (const auto& o : kSrhOptions)
      if (info.mt_flags & bit(o.id))
        out += std::string((info.mt_invflags & bit(o.id)) ? " !" : "") + " --" +
               std::string(o.name) + " " + value_of(o.id);
  }
  void list(std::string& out, bool, const SaveContext&) const override {
    out += " srh";
    for (const auto& o : kSrhOptions) {
      if (!(info.mt_flags & bit(o.id))) continue;
      bool inv = info.mt_invflags & bit(o.id);
      std::string label(o.name.substr(4));
      if (o.id >= kSrhPsid)
        out += " " + label + " " + (inv ? "!" : "") + " " + value_of(o.id);
      else
        out += " " + label + ":" + (inv ? "!" : "") + value_of(o.id);
    }
  }
  Status encode(std::vector<nft::Expr>& out, const RuleContext&) const override {
    out.push_back(nft::Expr::match("srh", 1, xt_blob(info)));
    return {};
  }
};

template <class M>
std::unique_ptr<Match> create(Family) {
  return std::make_unique<M>();
}
std::unique_ptr<Match> create_dst(Family) {
  auto m = std::make_unique<OptsMatch>();
  m->dst = true;
  return m;
}
template <class M, bool DST = false>
std::unique_ptr<Match> decode(const DecodeContext&, const nft::Bytes& blob) {
  auto m = std::make_unique<M>();
  if constexpr (requires { m->info; }) {
    if (!xt_read(blob, m->info)) return nullptr;
  }
  if constexpr (requires { m->given; }) m->given = true;
  if constexpr (requires { m->dst; }) m->dst = DST;
  return m;
}

}  // namespace

extern const MatchType kIpv6headerMatch = {"ipv6header", kV6, kIpv6headerOptions,
                                           create<Ipv6headerMatch>, "ipv6header", 0,
                                           decode<Ipv6headerMatch>, nullptr};
extern const MatchType kRtMatch = {"rt", kV6, kRtOptions, create<RtMatch>, "rt", 0,
                                   decode<RtMatch>, nullptr};
extern const MatchType kMhMatch = {"mh", kV6, kMhOptions, create<MhMatch>, "mh", 0,
                                   decode<MhMatch>, nullptr};
extern const MatchType kHbhMatch = {"hbh", kV6, kHbhOptions, create<OptsMatch>, "hbh", 0,
                                    decode<OptsMatch, false>, nullptr};
extern const MatchType kDstMatch = {"dst", kV6, kDstOptions, create_dst, "dst", 0,
                                    decode<OptsMatch, true>, nullptr};
extern const MatchType kEui64Match = {"eui64", kV6, {}, create<Eui64Match>, "eui64", 0,
                                      decode<Eui64Match>, nullptr};
extern const MatchType kSrhMatch = {"srh", kV6, kSrhOptions, create<SrhMatch>, "srh", 1,
                                    decode<SrhMatch>, nullptr};

}  // namespace cx::ext
