// -m conntrack and its alias -m state: both are xt "conntrack" rev 3
// (struct xt_conntrack_mtinfo3). "state" sets XT_CONNTRACK_STATE | XT_CONNTRACK_STATE_ALIAS,
// and a blob with the alias bit decodes back to a `state` match.
// Quirks observed on 1.8.9:
// * addresses (XTTYPE_HOSTMASK) are not masked; without "/N" (or with a mask that is not a
//   plain prefix length in range, e.g. "/255.0.255.0" or "/33") the mask is all 16 bytes
//   0xff, while "/N" sets only the N leading bits (so "/32" sets 4 bytes);
// * ports are host order, decimal or service names, wrap at 16 bits ("70000" is 4464), a
//   single port sets *_port_high = *_port too; ":80" is 0:80 and "80:" is 80:65535;
// * state/status names are case-insensitive prefixes ("est" is ESTABLISHED); a bad one is
//   reported with the rest of the list ("Bad ctstate "FOO,BAR"");
// * --ctproto is printed numerically, --ctdir REPLY is stored as the direction invert bit.
#include <linux/netfilter/xt_conntrack.h>

#include <cstring>

#include "common/parse.h"
#include "eval/context.h"
#include "ext/extension.h"
#include "ext/util.h"

namespace cx::ext {
namespace {

using Info = xt_conntrack_mtinfo3;

enum {
  kOptState = 1, kOptProto, kOptOrigSrc, kOptOrigDst, kOptReplSrc, kOptReplDst, kOptStatus,
  kOptExpire, kOptOrigSrcPort, kOptOrigDstPort, kOptReplSrcPort, kOptReplDstPort, kOptDir,
};
constexpr OptionSpec kOptions[] = {
    {"ctstate", ArgKind::Required, kOptState},
    {"ctproto", ArgKind::Required, kOptProto},
    {"ctorigsrc", ArgKind::Required, kOptOrigSrc},
    {"ctorigdst", ArgKind::Required, kOptOrigDst},
    {"ctreplsrc", ArgKind::Required, kOptReplSrc},
    {"ctrepldst", ArgKind::Required, kOptReplDst},
    {"ctstatus", ArgKind::Required, kOptStatus},
    {"ctexpire", ArgKind::Required, kOptExpire},
    {"ctorigsrcport", ArgKind::Required, kOptOrigSrcPort},
    {"ctorigdstport", ArgKind::Required, kOptOrigDstPort},
    {"ctreplsrcport", ArgKind::Required, kOptReplSrcPort},
    {"ctrepldstport", ArgKind::Required, kOptReplDstPort},
    {"ctdir", ArgKind::Required, kOptDir},
};
constexpr OptionSpec kStateOptions[] = {{"state", ArgKind::Required, kOptState}};

// Option id -> match flag bit and canonical name.
struct OptInfo {
  std::uint16_t flag;
  const char* name;
};
OptInfo opt_info(int id) {
  switch (id) {
    case kOptState: return {XT_CONNTRACK_STATE, "--ctstate"};
    case kOptProto: return {XT_CONNTRACK_PROTO, "--ctproto"};
    case kOptOrigSrc: return {XT_CONNTRACK_ORIGSRC, "--ctorigsrc"};
    case kOptOrigDst: return {XT_CONNTRACK_ORIGDST, "--ctorigdst"};
    case kOptReplSrc: return {XT_CONNTRACK_REPLSRC, "--ctreplsrc"};
    case kOptReplDst: return {XT_CONNTRACK_REPLDST, "--ctrepldst"};
    case kOptStatus: return {XT_CONNTRACK_STATUS, "--ctstatus"};
    case kOptExpire: return {XT_CONNTRACK_EXPIRES, "--ctexpire"};
    case kOptOrigSrcPort: return {XT_CONNTRACK_ORIGSRC_PORT, "--ctorigsrcport"};
    case kOptOrigDstPort: return {XT_CONNTRACK_ORIGDST_PORT, "--ctorigdstport"};
    case kOptReplSrcPort: return {XT_CONNTRACK_REPLSRC_PORT, "--ctreplsrcport"};
    case kOptReplDstPort: return {XT_CONNTRACK_REPLDST_PORT, "--ctrepldstport"};
    case kOptDir: return {XT_CONNTRACK_DIRECTION, "--ctdir"};
  }
  return {0, ""};
}

constexpr std::uint16_t kInvalid = XT_CONNTRACK_STATE_INVALID;
constexpr std::uint16_t kEstablished = 1 << 1, kRelated = 1 << 2, kNew = 1 << 3;
constexpr std::uint16_t kSnat = XT_CONNTRACK_STATE_SNAT, kDnat = XT_CONNTRACK_STATE_DNAT;
constexpr std::uint16_t kUntracked = XT_CONNTRACK_STATE_UNTRACKED;

struct Named {
  const char* name;
  std::uint16_t bit;
};
// Parse order (first prefix match wins) of --ctstate and --state.
constexpr Named kCtStates[] = {{"INVALID", kInvalid},         {"NEW", kNew},
                               {"RELATED", kRelated},         {"ESTABLISHED", kEstablished},
                               {"UNTRACKED", kUntracked},     {"SNAT", kSnat},
                               {"DNAT", kDnat}};
constexpr Named kStates[] = {{"INVALID", kInvalid}, {"ESTABLISHED", kEstablished},
                             {"NEW", kNew},         {"RELATED", kRelated},
                             {"UNTRACKED", kUntracked}};
// Print order.
constexpr Named kStatePrint[] = {{"INVALID", kInvalid},     {"NEW", kNew},
                                 {"RELATED", kRelated},     {"ESTABLISHED", kEstablished},
                                 {"UNTRACKED", kUntracked}, {"SNAT", kSnat},
                                 {"DNAT", kDnat}};
constexpr Named kStatus[] = {{"NONE", 0},
                             {"EXPECTED", 1 << 0},
                             {"SEEN_REPLY", 1 << 1},
                             {"ASSURED", 1 << 2},
                             {"CONFIRMED", 1 << 3}};

template <std::size_t N>
int lookup(std::string_view word, const Named (&table)[N]) {
  const char* names[N];
  for (std::size_t i = 0; i < N; ++i) names[i] = table[i].name;
  return prefix_lookup(word, names, N);
}

// A comma separated list; on error the message quotes the list from the bad word on.
template <std::size_t N>
Result<std::uint16_t> parse_list(std::string_view arg, const Named (&table)[N],
                                 const char* what) {
  std::uint16_t mask = 0;
  std::size_t pos = 0;
  for (;;) {
    std::size_t comma = arg.find(',', pos);
    std::string_view word = arg.substr(pos, comma == std::string_view::npos ? comma : comma - pos);
    int i = word.empty() ? -1 : lookup(word, table);
    if (i < 0)
      return parameter_error(std::string("Bad ") + what + " \"" + std::string(arg.substr(pos)) +
                             "\"");
    mask = static_cast<std::uint16_t>(mask | table[i].bit);
    if (comma == std::string_view::npos) break;
    pos = comma + 1;
  }
  return mask;
}

std::string states_text(std::uint16_t mask) {
  std::string s;
  for (const auto& n : kStatePrint)
    if (mask & n.bit) {
      if (!s.empty()) s += ",";
      s += n.name;
    }
  return s;
}

std::string status_text(std::uint16_t mask) {
  if (mask == 0) return "NONE";
  std::string s;
  for (const auto& n : kStatus)
    if (n.bit && (mask & n.bit)) {
      if (!s.empty()) s += ",";
      s += n.name;
    }
  return s;
}

// XTTYPE_PORTRC element: a service name or a decimal number truncated to 16 bits.
Result<std::uint16_t> parse_ct_port(std::string_view s) {
  if (!s.empty() && s.find_first_not_of("0123456789") == std::string_view::npos) {
    if (auto v = parse_unsigned(s, UINT64_MAX, 10)) return static_cast<std::uint16_t>(*v);
  }
  for (const char* proto : {"tcp", "udp", "dccp", "sctp"})
    if (auto p = service_port(s, proto)) return *p;
  return option_error("Port \"" + std::string(s) + "\" does not resolve to anything.");
}

class ConntrackMatch final : public Match {
 public:
  Info info{};
  Family family = Family::V4;
  bool alias = false;  // -m state

  std::string_view name() const override { return alias ? "state" : "conntrack"; }
  // conntrack_mt() of xt_conntrack.c, step by step, on the conntrack view of the walk.
  eval::Outcome evaluate(const eval::Packet& p, eval::Context& ctx) const override {
    using K = eval::CtView::Kind;
    const eval::CtView& ct = ctx.ct;
    const unsigned flags = info.match_flags, inv = info.invert_flags;
    constexpr auto kNo = eval::Outcome::NoMatch, kYes = eval::Outcome::Match;
    auto unknown = [&](const char* opt, const char* what) {
      ctx.set_reason(std::string(opt) + ": " + what);
      return eval::Outcome::Undecidable;
    };
    if (flags & XT_CONNTRACK_STATE) {
      unsigned bit = kInvalid;
      if (ct.kind == K::Untracked) {
        bit = kUntracked;
      } else if (ct.kind == K::Tracked) {
        bit = ct.state == eval::CtState::Established ? kEstablished
              : ct.state == eval::CtState::Related   ? kRelated
                                                     : kNew;
        if (ct.snat) bit |= kSnat;
        if (ct.dnat) bit |= kDnat;
      }
      if (!!(info.state_mask & bit) ^ !(inv & XT_CONNTRACK_STATE)) return kNo;
    }
    if (ct.kind != K::Tracked) return (flags & XT_CONNTRACK_STATE) ? kYes : kNo;
    if (flags & XT_CONNTRACK_DIRECTION) {
      if (!ct.dir_known)
        return unknown("--ctdir",
                       "the packet's direction in its connection is not known (give --ctdir)");
      if (!ct.reply ^ !(inv & XT_CONNTRACK_DIRECTION)) return kNo;
    }
    const unsigned tuple_flags = XT_CONNTRACK_ORIGSRC | XT_CONNTRACK_ORIGDST |
                                 XT_CONNTRACK_REPLSRC | XT_CONNTRACK_REPLDST |
                                 XT_CONNTRACK_ORIGSRC_PORT | XT_CONNTRACK_ORIGDST_PORT |
                                 XT_CONNTRACK_REPLSRC_PORT | XT_CONNTRACK_REPLDST_PORT;
    if ((flags & tuple_flags) && (!ct.orig || !ct.repl))
      return unknown("--ctorig/--ctrepl",
                     "the connection's tuples are known only for its first packet");
    const int bytes = p.family == Family::V4 ? 4 : 16;
    auto addr_eq = [&](const eval::Addr& a, const nf_inet_addr& want, const nf_inet_addr& mask) {
      const auto* w = reinterpret_cast<const std::uint8_t*>(&want);
      const auto* m = reinterpret_cast<const std::uint8_t*>(&mask);
      for (int i = 0; i < bytes; ++i)
        if ((a[i] ^ w[i]) & m[i]) return false;
      return true;
    };
    struct AddrOpt {
      unsigned flag;
      const eval::Addr* have;
      const nf_inet_addr& want;
      const nf_inet_addr& mask;
    };
    if (flags & tuple_flags) {
      const AddrOpt addrs[] = {
          {XT_CONNTRACK_ORIGSRC, &ct.orig->src, info.origsrc_addr, info.origsrc_mask},
          {XT_CONNTRACK_ORIGDST, &ct.orig->dst, info.origdst_addr, info.origdst_mask},
          {XT_CONNTRACK_REPLSRC, &ct.repl->src, info.replsrc_addr, info.replsrc_mask},
          {XT_CONNTRACK_REPLDST, &ct.repl->dst, info.repldst_addr, info.repldst_mask}};
      for (const AddrOpt& a : addrs)
        if ((flags & a.flag) && (addr_eq(*a.have, a.want, a.mask) ^ !(inv & a.flag))) return kNo;
    }
    if (flags & XT_CONNTRACK_PROTO) {
      if (ct.state == eval::CtState::Related && !ct.orig)
        return unknown("--ctproto", "the protocol of the related connection is not known");
      std::uint8_t proto = ct.orig ? ct.orig->proto : p.proto;
      if ((proto == info.l4proto) ^ !(inv & XT_CONNTRACK_PROTO)) return kNo;
    }
    const unsigned port_flags = XT_CONNTRACK_ORIGSRC_PORT | XT_CONNTRACK_ORIGDST_PORT |
                                XT_CONNTRACK_REPLSRC_PORT | XT_CONNTRACK_REPLDST_PORT;
    if (flags & port_flags) {
      if (!p.has_ports())
        return unknown("--ctorig*port/--ctrepl*port",
                       "cxtables models no ports in the tuple of this protocol");
      struct PortOpt {
        unsigned flag;
        std::uint16_t have, lo, hi;
      };
      const PortOpt ports[] = {
          {XT_CONNTRACK_ORIGSRC_PORT, ct.orig->sport, info.origsrc_port, info.origsrc_port_high},
          {XT_CONNTRACK_ORIGDST_PORT, ct.orig->dport, info.origdst_port, info.origdst_port_high},
          {XT_CONNTRACK_REPLSRC_PORT, ct.repl->sport, info.replsrc_port, info.replsrc_port_high},
          {XT_CONNTRACK_REPLDST_PORT, ct.repl->dport, info.repldst_port,
           info.repldst_port_high}};
      for (const PortOpt& o : ports)
        if ((flags & o.flag) && ((o.have >= o.lo && o.have <= o.hi) == !!(inv & o.flag)))
          return kNo;
    }
    if (flags & XT_CONNTRACK_STATUS) {
      if (!ct.status)
        return unknown("--ctstatus", "the connection's status is not known (give --ctstatus)");
      if (!!(info.status_mask & *ct.status) ^ !(inv & XT_CONNTRACK_STATUS)) return kNo;
    }
    if (flags & XT_CONNTRACK_EXPIRES)
      return unknown("--ctexpire", "the connection's remaining lifetime is not known");
    return kYes;
  }
  std::unique_ptr<Match> clone() const override {
    return std::make_unique<ConntrackMatch>(*this);
  }
  const char* ext() const { return alias ? "state" : "conntrack"; }

  Status parse_addr(std::string_view arg, std::string_view opt, nf_inet_addr& addr,
                    nf_inet_addr& mask) {
    std::uint8_t a[16], m[16];
    CX_TRY(parse_hostmask(arg, family, ext(), opt, a, m));
    std::memcpy(&addr, a, 16);
    std::memcpy(&mask, m, 16);
    return {};
  }

  Status parse_ports(std::string_view arg, std::uint16_t& lo, std::uint16_t& hi) {
    auto colon = arg.find(':');
    if (colon == std::string_view::npos) {
      auto p = parse_ct_port(arg);
      if (!p) return p.take_error();
      lo = hi = *p;
      return {};
    }
    std::string_view a = arg.substr(0, colon), b = arg.substr(colon + 1);
    lo = 0;
    hi = 0xffff;
    if (!a.empty()) {
      auto p = parse_ct_port(a);
      if (!p) return p.take_error();
      lo = *p;
    }
    if (!b.empty()) {
      auto p = parse_ct_port(b);
      if (!p) return p.take_error();
      hi = *p;
    }
    return {};
  }

  Status parse_expire(std::string_view arg) {
    auto r = parse_range_u(arg, UINT32_MAX, "conntrack", "--ctexpire");
    if (!r) return r.take_error();
    info.expires_min = static_cast<std::uint32_t>(r->first);
    info.expires_max = static_cast<std::uint32_t>(r->second);
    return {};
  }

  Status parse(int id, const OptionArg& arg, const RuleContext& ctx) override {
    family = ctx.family;
    OptInfo oi = opt_info(id);
    const char* optname = alias ? "--state" : oi.name;
    if (info.match_flags & oi.flag) return only_once(ext(), optname);
    if (id == kOptDir && arg.invert) return cannot_invert(ext(), optname);
    switch (id) {
      case kOptState: {
        auto r = alias ? parse_list(arg.value, kStates, "state")
                       : parse_list(arg.value, kCtStates, "ctstate");
        if (!r) return r.take_error();
        info.state_mask = *r;
        if (alias) info.match_flags |= XT_CONNTRACK_STATE_ALIAS;
        break;
      }
      case kOptProto: {
        auto p = parse_xt_protocol(arg.value);
        if (!p) return p.take_error();
        info.l4proto = *p;
        break;
      }
      case kOptOrigSrc: CX_TRY(parse_addr(arg.value, optname, info.origsrc_addr, info.origsrc_mask)); break;
      case kOptOrigDst: CX_TRY(parse_addr(arg.value, optname, info.origdst_addr, info.origdst_mask)); break;
      case kOptReplSrc: CX_TRY(parse_addr(arg.value, optname, info.replsrc_addr, info.replsrc_mask)); break;
      case kOptReplDst: CX_TRY(parse_addr(arg.value, optname, info.repldst_addr, info.repldst_mask)); break;
      case kOptStatus: {
        auto r = parse_list(arg.value, kStatus, "ctstatus");
        if (!r) return r.take_error();
        info.status_mask = *r;
        break;
      }
      case kOptExpire: CX_TRY(parse_expire(arg.value)); break;
      case kOptOrigSrcPort:
        CX_TRY(parse_ports(arg.value, info.origsrc_port, info.origsrc_port_high));
        break;
      case kOptOrigDstPort:
        CX_TRY(parse_ports(arg.value, info.origdst_port, info.origdst_port_high));
        break;
      case kOptReplSrcPort:
        CX_TRY(parse_ports(arg.value, info.replsrc_port, info.replsrc_port_high));
        break;
      case kOptReplDstPort:
        CX_TRY(parse_ports(arg.value, info.repldst_port, info.repldst_port_high));
        break;
      case kOptDir:
        if (arg.value == "ORIGINAL") {
        } else if (arg.value == "REPLY") {
          info.invert_flags |= XT_CONNTRACK_DIRECTION;
        } else {
          return bad_value("conntrack", "--ctdir", arg.value);
        }
        break;
    }
    info.match_flags |= oi.flag;
    if (arg.invert) info.invert_flags |= oi.flag;
    return {};
  }

  Status final_check(const RuleContext&) override {
    if (alias) {
      if (!(info.match_flags & XT_CONNTRACK_STATE)) return must_be_specified("state", "--state");
    } else if (info.match_flags == 0) {
      return parameter_error("conntrack: At least one option is required");
    }
    return {};
  }

  std::string addr_text_of(const nf_inet_addr& a, const nf_inet_addr& m, bool numeric,
                           Family f) const {
    const auto* ab = reinterpret_cast<const std::uint8_t*>(&a);
    const auto* mb = reinterpret_cast<const std::uint8_t*>(&m);
    int bytes = f == Family::V4 ? 4 : 16;
    bool zero = true;
    for (int i = 0; i < bytes; ++i) zero = zero && ab[i] == 0;
    if (!numeric && zero) return "anywhere";
    return (numeric ? ext::addr_text(ab, f) : addr_anyname(ab, f)) + mask_suffix(mb, f);
  }

  static std::string ports_text(std::uint16_t lo, std::uint16_t hi) {
    if (lo == hi) return std::to_string(lo);
    return std::to_string(lo) + ":" + std::to_string(hi);
  }

  // Shared by save ("--" prefix, numeric) and list.
  void dump(std::string& out, const char* prefix, bool numeric, Family f) const {
    auto head = [&](std::uint16_t flag, const char* name) {
      if (info.invert_flags & flag) out += " !";
      out += " ";
      out += prefix;
      out += name;
    };
    const auto mf = info.match_flags;
    if (mf & XT_CONNTRACK_STATE) {
      head(XT_CONNTRACK_STATE, (mf & XT_CONNTRACK_STATE_ALIAS) ? "state" : "ctstate");
      out += " " + states_text(info.state_mask);
    }
    if (mf & XT_CONNTRACK_PROTO) {
      head(XT_CONNTRACK_PROTO, "ctproto");
      out += " " + std::to_string(info.l4proto);
    }
    struct A {
      std::uint16_t flag;
      const char* name;
      const nf_inet_addr& a;
      const nf_inet_addr& m;
    };
    const A addrs[] = {{XT_CONNTRACK_ORIGSRC, "ctorigsrc", info.origsrc_addr, info.origsrc_mask},
                       {XT_CONNTRACK_ORIGDST, "ctorigdst", info.origdst_addr, info.origdst_mask},
                       {XT_CONNTRACK_REPLSRC, "ctreplsrc", info.replsrc_addr, info.replsrc_mask},
                       {XT_CONNTRACK_REPLDST, "ctrepldst", info.repldst_addr, info.repldst_mask}};
    for (const auto& a : addrs)
      if (mf & a.flag) {
        head(a.flag, a.name);
        out += " " + addr_text_of(a.a, a.m, numeric, f);
      }
    struct P {
      std::uint16_t flag;
      const char* name;
      std::uint16_t lo, hi;
    };
    const P ports[] = {
        {XT_CONNTRACK_ORIGSRC_PORT, "ctorigsrcport", info.origsrc_port, info.origsrc_port_high},
        {XT_CONNTRACK_ORIGDST_PORT, "ctorigdstport", info.origdst_port, info.origdst_port_high},
        {XT_CONNTRACK_REPLSRC_PORT, "ctreplsrcport", info.replsrc_port, info.replsrc_port_high},
        {XT_CONNTRACK_REPLDST_PORT, "ctrepldstport", info.repldst_port, info.repldst_port_high}};
    for (const auto& p : ports)
      if (mf & p.flag) {
        head(p.flag, p.name);
        out += " " + ports_text(p.lo, p.hi);
      }
    if (mf & XT_CONNTRACK_STATUS) {
      head(XT_CONNTRACK_STATUS, "ctstatus");
      out += " " + status_text(info.status_mask);
    }
    if (mf & XT_CONNTRACK_EXPIRES) {
      head(XT_CONNTRACK_EXPIRES, "ctexpire");
      out += " " + (info.expires_min == info.expires_max
                        ? std::to_string(info.expires_min)
                        : std::to_string(info.expires_min) + ":" +
                              std::to_string(info.expires_max));
    }
    if (mf & XT_CONNTRACK_DIRECTION) {
      out += " ";
      out += prefix;
      out += (info.invert_flags & XT_CONNTRACK_DIRECTION) ? "ctdir REPLY" : "ctdir ORIGINAL";
    }
  }

  void save(std::string& out, const SaveContext& ctx) const override {
    dump(out, "--", true, ctx.family);
  }
  void list(std::string& out, bool numeric, const SaveContext& ctx) const override {
    dump(out, "", numeric, ctx.family);
  }
  // "ct state [! ]new,established" (nft's order), as libxt_conntrack words the states.
  static void xlate_states(Xlate& xl, unsigned mask, bool inv) {
    static constexpr Named kNft[] = {{"invalid", kInvalid},
                                     {"new", kNew},
                                     {"related", kRelated},
                                     {"established", kEstablished},
                                     {"untracked", kUntracked}};
    if (inv) xl.add("! ");
    const char* sep = "";
    for (const Named& n : kNft)
      if (mask & n.bit) {
        xl.addf("%s%s", sep, n.name);
        sep = ",";
      }
  }

  // nft words of libxt_conntrack (rev 3) and of its state alias. Each option after the first
  // starts with its own blank; --ctproto takes "original"/"reply" from --ctdir, and
  // SNAT/DNAT in --ctstate become a "ct status" test that --ctstatus's "!" inverts.
  bool xlate(Xlate& xl, const XlateContext& ctx) const override {
    const unsigned mf = info.match_flags, inv = info.invert_flags;
    if (alias) {
      xl.add("ct state ");
      xlate_states(xl, info.state_mask, inv & XT_CONNTRACK_STATE);
      return true;
    }
    auto op = [inv](unsigned flag) { return (inv & flag) ? "!= " : ""; };
    const char* dir = (inv & XT_CONNTRACK_DIRECTION) ? "reply" : "original";
    const char* space = "";
    if (mf & XT_CONNTRACK_DIRECTION) {
      xl.addf("ct direction %s", dir);
      space = " ";
    }
    if (mf & XT_CONNTRACK_PROTO) {
      xl.addf("%sct %s protocol %s%u", space, dir, op(XT_CONNTRACK_PROTO), info.l4proto);
      space = " ";
    }
    if (mf & XT_CONNTRACK_STATE) {
      if (info.state_mask & (kSnat | kDnat)) {
        xl.addf("%sct status %s%s", space, (inv & XT_CONNTRACK_STATUS) ? "!=" : "",
                (info.state_mask & kSnat) ? "snat" : "dnat");
      } else {
        xl.addf("%sct state ", space);
        xlate_states(xl, info.state_mask, inv & XT_CONNTRACK_STATE);
      }
      space = " ";
    }
    if (mf & XT_CONNTRACK_STATUS) {
      xl.addf("%sct status ", space);
      if (inv & XT_CONNTRACK_STATUS) xl.add("! ");
      const char* sep = "";
      for (const Named& n : {Named{"expected", 1 << 0}, Named{"seen-reply", 1 << 1},
                             Named{"assured", 1 << 2}, Named{"confirmed", 1 << 3}})
        if (info.status_mask & n.bit) {
          xl.addf("%s%s", sep, n.name);
          sep = ",";
        }
      space = " ";
    }
    if (mf & XT_CONNTRACK_EXPIRES) {
      xl.addf("%sct expiration %s", space, op(XT_CONNTRACK_EXPIRES));
      xl.add_range(info.expires_min, info.expires_max);
      space = " ";
    }
    struct A {
      std::uint16_t flag;
      const char* what;
      const nf_inet_addr& a;
      const nf_inet_addr& m;
    };
    const A addrs[] = {
        {XT_CONNTRACK_ORIGSRC, "original saddr", info.origsrc_addr, info.origsrc_mask},
        {XT_CONNTRACK_ORIGDST, "original daddr", info.origdst_addr, info.origdst_mask},
        {XT_CONNTRACK_REPLSRC, "reply saddr", info.replsrc_addr, info.replsrc_mask},
        {XT_CONNTRACK_REPLDST, "reply daddr", info.repldst_addr, info.repldst_mask}};
    for (const A& a : addrs)
      if (mf & a.flag) {
        xl.addf("%sct %s %s", space, a.what, op(a.flag));
        const auto* ab = reinterpret_cast<const std::uint8_t*>(&a.a);
        const auto* mb = reinterpret_cast<const std::uint8_t*>(&a.m);
        xl.addf("%s%s", ext::addr_text(ab, ctx.family).c_str(),
                mask_suffix(mb, ctx.family).c_str());
        space = " ";
      }
    struct P {
      std::uint16_t flag;
      const char* what;
      std::uint16_t lo, hi;
    };
    const P ports[] = {
        {XT_CONNTRACK_ORIGSRC_PORT, "original proto-src", info.origsrc_port,
         info.origsrc_port_high},
        {XT_CONNTRACK_ORIGDST_PORT, "original proto-dst", info.origdst_port,
         info.origdst_port_high},
        {XT_CONNTRACK_REPLSRC_PORT, "reply proto-src", info.replsrc_port, info.replsrc_port_high},
        {XT_CONNTRACK_REPLDST_PORT, "reply proto-dst", info.repldst_port, info.repldst_port_high}};
    for (const P& p : ports)
      if (mf & p.flag) {
        xl.addf("%sct %s %s", space, p.what, op(p.flag));
        xl.add_range(p.lo, p.hi);
        space = " ";
      }
    return true;
  }

  Status encode(std::vector<nft::Expr>& out, const RuleContext&) const override {
    out.push_back(nft::Expr::match("conntrack", 3, xt_blob(info)));
    return {};
  }
};

std::unique_ptr<Match> create(Family f) {
  auto m = std::make_unique<ConntrackMatch>();
  m->family = f;
  return m;
}
std::unique_ptr<Match> create_state(Family f) {
  auto m = std::make_unique<ConntrackMatch>();
  m->family = f;
  m->alias = true;
  return m;
}

std::unique_ptr<Match> decode_compat(const DecodeContext& ctx, const nft::Bytes& blob) {
  auto m = std::make_unique<ConntrackMatch>();
  if (!xt_read(blob, m->info)) return nullptr;
  m->family = ctx.family;
  m->alias = m->info.match_flags & XT_CONNTRACK_STATE_ALIAS;
  return m;
}

}  // namespace

constexpr std::string_view kConntrackMatchHelp = R"HELP(
conntrack match options:
[!] --ctstate {INVALID|ESTABLISHED|NEW|RELATED|UNTRACKED|SNAT|DNAT}[,...]
                               State(s) to match
[!] --ctproto proto            Protocol to match; by number or name, e.g. "tcp"
[!] --ctorigsrc address[/mask]
[!] --ctorigdst address[/mask]
[!] --ctreplsrc address[/mask]
[!] --ctrepldst address[/mask]
                               Original/Reply source/destination address
[!] --ctorigsrcport port
[!] --ctorigdstport port
[!] --ctreplsrcport port
[!] --ctrepldstport port
                               TCP/UDP/SCTP orig./reply source/destination port
[!] --ctstatus {NONE|EXPECTED|SEEN_REPLY|ASSURED|CONFIRMED}[,...]
                               Status(es) to match
[!] --ctexpire time[:time]     Match remaining lifetime in seconds against
                               value or range of values (inclusive)
    --ctdir {ORIGINAL|REPLY}   Flow direction of packet
)HELP";

constexpr std::string_view kStateMatchHelp = R"HELP(
state match options:
 [!] --state [INVALID|ESTABLISHED|NEW|RELATED|UNTRACKED][,...]
				State(s) to match
)HELP";

extern const MatchType kConntrackMatch = {"conntrack",   kBoth,       kOptions,
                                          create,        "conntrack", 3,
                                          decode_compat, nullptr,     kConntrackMatchHelp};
// Never found by kernel name (kConntrackMatch decodes both); only parsed.
extern const MatchType kStateMatch = {"state", kBoth,   kStateOptions, create_state,   "conntrack",
                                      3,       nullptr, nullptr,       kStateMatchHelp};

}  // namespace cx::ext
