// -m multiport (xt "multiport" rev 1, struct xt_multiport_v1); always xt compat in 1.8.9, even
// for a single port. A range takes two slots (pflags[i] = 1 on its first); at most 15 slots.
// Quirks: the -p check runs while parsing each port option (so -p must come first); ports
// are numbers (base 0: "0x16" works) or service names of the -p protocol; a range needs
// lo < hi ("80:80" is "invalid portrange specified"); -L prints "multiport dports  !a,b"
// (two spaces before the '!').
#include <linux/netfilter/xt_multiport.h>

#include "common/parse.h"
#include "eval/context.h"
#include "ext/extension.h"
#include "ext/util.h"

namespace cx::ext {
namespace {

enum { kOptSource = 1, kOptDest, kOptEither };
constexpr OptionSpec kOptions[] = {
    {"source-ports", ArgKind::Required, kOptSource},
    {"sports", ArgKind::Required, kOptSource},
    {"destination-ports", ArgKind::Required, kOptDest},
    {"dports", ArgKind::Required, kOptDest},
    {"ports", ArgKind::Required, kOptEither},
};

const char* proto_text(std::uint8_t p) {
  switch (p) {
    case 6: return "tcp";
    case 17: return "udp";
    case 136: return "udplite";
    case 132: return "sctp";
    case 33: return "dccp";
  }
  return nullptr;
}

Result<const char*> check_proto(const model::IpHeader* ip) {
  std::uint8_t proto = ip ? ip->proto : 0;
  if (ip && ip->inv_proto)
    return parameter_error("multiport only works with TCP, UDP, UDPLITE, SCTP and DCCP");
  if (const char* n = proto_text(proto)) return n;
  if (proto == 0)
    return parameter_error(
        "multiport needs `-p tcp', `-p udp', `-p udplite', `-p sctp' or `-p dccp'");
  return parameter_error("multiport only works with TCP, UDP, UDPLITE, SCTP and DCCP");
}

Result<std::uint16_t> parse_mport(std::string_view s, const char* proto) {
  if (auto n = parse_unsigned(s, 65535, 0)) return static_cast<std::uint16_t>(*n);
  if (!s.empty())
    if (auto p = service_port(s, proto)) return *p;
  return parameter_error("invalid port/service `" + std::string(s) + "' specified");
}

class MultiportMatch final : public Match {
 public:
  xt_multiport_v1 info{};
  unsigned seen = 0;  // bit per option id given

  std::string_view name() const override { return "multiport"; }
  eval::Outcome evaluate(const eval::Packet& p, eval::Context&) const override {
    // multiport_mt / ports_match_v1: first hit wins, "true ^ invert"; none: invert.
    if (p.fragment || !p.has_ports()) return eval::Outcome::NoMatch;
    auto result = [&](bool m) { return m ? eval::Outcome::Match : eval::Outcome::NoMatch; };
    for (unsigned i = 0; i < info.count && i < XT_MULTI_PORTS; ++i) {
      std::uint16_t s = info.ports[i], e = s;
      if (info.pflags[i] && i + 1 < XT_MULTI_PORTS) e = info.ports[++i];
      bool src = p.sport >= s && p.sport <= e, dst = p.dport >= s && p.dport <= e;
      bool hit = info.flags == XT_MULTIPORT_SOURCE        ? src
                 : info.flags == XT_MULTIPORT_DESTINATION ? dst
                 : info.flags == XT_MULTIPORT_EITHER      ? (src || dst)
                                                          : false;
      if (hit) return result(!info.invert);
    }
    return result(info.invert);
  }
  std::unique_ptr<Match> clone() const override {
    return std::make_unique<MultiportMatch>(*this);
  }

  static const char* opt_name(int id) {
    return id == kOptSource ? "--source-ports" : id == kOptDest ? "--destination-ports" : "--ports";
  }

  Status parse(int id, const OptionArg& arg, const RuleContext& ctx) override {
    if (seen & (1u << id)) return only_once("multiport", opt_name(id));
    auto proto = check_proto(ctx.ip);
    if (!proto) return proto.take_error();
    xt_multiport_v1 mi{};
    unsigned i = 0;
    for (const std::string& item : split(arg.value, ',')) {
      if (i >= XT_MULTI_PORTS) return parameter_error("too many ports specified");
      auto colon = item.find(':');
      if (colon == std::string::npos) {
        auto p = parse_mport(item, *proto);
        if (!p) return p.take_error();
        mi.ports[i++] = *p;
        continue;
      }
      if (i + 1 >= XT_MULTI_PORTS) return parameter_error("too many ports specified");
      auto lo = parse_mport(std::string_view(item).substr(0, colon), *proto);
      if (!lo) return lo.take_error();
      auto hi = parse_mport(std::string_view(item).substr(colon + 1), *proto);
      if (!hi) return hi.take_error();
      if (*lo >= *hi) return parameter_error("invalid portrange specified");
      mi.pflags[i] = 1;
      mi.ports[i++] = *lo;
      mi.ports[i++] = *hi;
    }
    mi.count = static_cast<std::uint8_t>(i);
    mi.flags = id == kOptSource ? XT_MULTIPORT_SOURCE
               : id == kOptDest ? XT_MULTIPORT_DESTINATION
                                : XT_MULTIPORT_EITHER;
    mi.invert = arg.invert;
    info = mi;
    seen |= 1u << id;
    return {};
  }

  Status final_check(const RuleContext&) override {
    if (!seen) return parameter_error("multiport expection an option");
    // Two different port options: reported at the end, the pair in option table order.
    int ids[3], n = 0;
    for (int id : {kOptSource, kOptDest, kOptEither})
      if (seen & (1u << id)) ids[n++] = id;
    if (n > 1) return cannot_combine("multiport", opt_name(ids[0]), opt_name(ids[1]));
    return {};
  }

  std::string ports_text(bool numeric, const char* proto) const {
    std::string s;
    auto port = [&](std::uint16_t p) {
      return numeric || !proto ? std::to_string(p) : port_service_name(p, proto);
    };
    for (unsigned i = 0; i < info.count && i < XT_MULTI_PORTS; ++i) {
      if (i) s += ",";
      s += port(info.ports[i]);
      if (info.pflags[i] && i + 1 < XT_MULTI_PORTS) {
        s += ":";
        s += port(info.ports[++i]);
      }
    }
    return s;
  }

  void save(std::string& out, const SaveContext&) const override {
    if (info.invert) out += " !";
    switch (info.flags) {
      case XT_MULTIPORT_SOURCE: out += " --sports "; break;
      case XT_MULTIPORT_DESTINATION: out += " --dports "; break;
      case XT_MULTIPORT_EITHER: out += " --ports "; break;
    }
    out += ports_text(true, nullptr);
  }
  void list(std::string& out, bool numeric, const SaveContext& ctx) const override {
    out += " multiport ";
    switch (info.flags) {
      case XT_MULTIPORT_SOURCE: out += "sports "; break;
      case XT_MULTIPORT_DESTINATION: out += "dports "; break;
      case XT_MULTIPORT_EITHER: out += "ports "; break;
      default: out += "ERROR "; break;
    }
    if (info.invert) out += " !";
    out += ports_text(numeric, ctx.ip ? proto_text(ctx.ip->proto) : nullptr);
  }
  // nft words of libxt_multiport (rev 1): "tcp dport { 80, 443 }", a lone range bare,
  // --ports as a concatenation of both ports against 0-65535 (its "!" is not kept).
  bool xlate(Xlate& xl, const XlateContext& ctx) const override {
    const char* proto = proto_text(ctx.ip ? ctx.ip->proto : 0);
    if (!proto) proto = "(null)";
    xl.add(proto);
    const unsigned count = info.count < XT_MULTI_PORTS ? info.count : XT_MULTI_PORTS;
    switch (info.flags) {
      case XT_MULTIPORT_SOURCE:
        xl.add(" sport ");
        break;
      case XT_MULTIPORT_DESTINATION:
        xl.add(" dport ");
        break;
      case XT_MULTIPORT_EITHER:
        xl.addf(" sport . %s dport { ", proto);
        for (unsigned i = 0; i < count; ++i) {
          if (i) xl.add(", ");
          xl.addf("0-65535 . %u, %u . 0-65535", info.ports[i], info.ports[i]);
        }
        xl.add(" }");
        return true;
    }
    if (info.invert) xl.add("!= ");
    const bool braces = count > 2 || (count > 1 && !info.pflags[0]);
    if (braces) xl.add("{ ");
    for (unsigned i = 0; i < count; ++i) {
      xl.addf("%s%u", i ? ", " : "", info.ports[i]);
      if (info.pflags[i] && i + 1 < XT_MULTI_PORTS) xl.addf("-%u", info.ports[++i]);
    }
    if (braces) xl.add("}");
    return true;
  }
  Status encode(std::vector<nft::Expr>& out, const RuleContext&) const override {
    out.push_back(nft::Expr::match("multiport", 1, xt_blob(info)));
    return {};
  }
};

std::unique_ptr<Match> create(Family) { return std::make_unique<MultiportMatch>(); }

std::unique_ptr<Match> decode_compat(const DecodeContext&, const nft::Bytes& blob) {
  auto m = std::make_unique<MultiportMatch>();
  if (!xt_read(blob, m->info)) return nullptr;
  m->seen = 1u << kOptDest;
  return m;
}

}  // namespace

constexpr std::string_view kMultiportMatchHelp = R"HELP(
multiport match options:
[!] --source-ports port[,port:port,port...]
 --sports ...
				match source port(s)
[!] --destination-ports port[,port:port,port...]
 --dports ...
				match destination port(s)
[!] --ports port[,port:port,port]
				match both source and destination port(s)
)HELP";

extern const MatchType kMultiportMatch = {"multiport",   kBoth,       kOptions,
                                          create,        "multiport", 1,
                                          decode_compat, nullptr,     kMultiportMatchHelp};

}  // namespace cx::ext
