// -m icmp (xt "icmp" rev 0, struct ipt_icmp; IPv4 only) and -m icmp6 (xt "icmp6" rev 0,
// struct ip6t_icmp; IPv6 only). Both stay xt compat in iptables-nft 1.8.9 (only -p is native).
// --icmp-type / --icmpv6-type take a name (case-insensitive prefix; two prefix hits are
// "Ambiguous ICMP type `x': `a' or `b'?") or TYPE[/CODE] (base 0 numbers). A bare type means
// codes 0-255; IPv4 "any" is type 255. -S prints numbers ("3/3"), -L prints the table name
// when one fits the type/code range exactly, else "icmptype 3 code 8" (the missing space is
// iptables' own; "ipv6-icmptype" for icmp6).
#include <linux/netfilter_ipv4/ip_tables.h>
#include <linux/netfilter_ipv6/ip6_tables.h>

#include "common/parse.h"
#include "eval/context.h"
#include "ext/extension.h"
#include "ext/util.h"

namespace cx::ext {
namespace {

struct IcmpName {
  const char* name;
  std::uint8_t type, code_min, code_max;
};

constexpr IcmpName kIcmp4[] = {
    {"any", 0xff, 0, 0xff},
    {"echo-reply", 0, 0, 0xff},
    {"pong", 0, 0, 0xff},
    {"destination-unreachable", 3, 0, 0xff},
    {"network-unreachable", 3, 0, 0},
    {"host-unreachable", 3, 1, 1},
    {"protocol-unreachable", 3, 2, 2},
    {"port-unreachable", 3, 3, 3},
    {"fragmentation-needed", 3, 4, 4},
    {"source-route-failed", 3, 5, 5},
    {"network-unknown", 3, 6, 6},
    {"host-unknown", 3, 7, 7},
    {"network-prohibited", 3, 9, 9},
    {"host-prohibited", 3, 10, 10},
    {"TOS-network-unreachable", 3, 11, 11},
    {"TOS-host-unreachable", 3, 12, 12},
    {"communication-prohibited", 3, 13, 13},
    {"host-precedence-violation", 3, 14, 14},
    {"precedence-cutoff", 3, 15, 15},
    {"source-quench", 4, 0, 0xff},
    {"redirect", 5, 0, 0xff},
    {"network-redirect", 5, 0, 0},
    {"host-redirect", 5, 1, 1},
    {"TOS-network-redirect", 5, 2, 2},
    {"TOS-host-redirect", 5, 3, 3},
    {"echo-request", 8, 0, 0xff},
    {"ping", 8, 0, 0xff},
    {"router-advertisement", 9, 0, 0xff},
    {"router-solicitation", 10, 0, 0xff},
    {"time-exceeded", 11, 0, 0xff},
    {"ttl-exceeded", 11, 0, 0xff},
    {"ttl-zero-during-transit", 11, 0, 0},
    {"ttl-zero-during-reassembly", 11, 1, 1},
    {"parameter-problem", 12, 0, 0xff},
    {"ip-header-bad", 12, 0, 0},
    {"required-option-missing", 12, 1, 1},
    {"timestamp-request", 13, 0, 0xff},
    {"timestamp-reply", 14, 0, 0xff},
    {"address-mask-request", 17, 0, 0xff},
    {"address-mask-reply", 18, 0, 0xff},
};

constexpr IcmpName kIcmp6[] = {
    {"destination-unreachable", 1, 0, 0xff},
    {"no-route", 1, 0, 0},
    {"communication-prohibited", 1, 1, 1},
    {"beyond-scope", 1, 2, 2},
    {"address-unreachable", 1, 3, 3},
    {"port-unreachable", 1, 4, 4},
    {"failed-policy", 1, 5, 5},
    {"reject-route", 1, 6, 6},
    {"packet-too-big", 2, 0, 0xff},
    {"time-exceeded", 3, 0, 0xff},
    {"ttl-exceeded", 3, 0, 0xff},
    {"ttl-zero-during-transit", 3, 0, 0},
    {"ttl-zero-during-reassembly", 3, 1, 1},
    {"parameter-problem", 4, 0, 0xff},
    {"bad-header", 4, 0, 0},
    {"unknown-header-type", 4, 1, 1},
    {"unknown-option", 4, 2, 2},
    {"echo-request", 128, 0, 0xff},
    {"ping", 128, 0, 0xff},
    {"echo-reply", 129, 0, 0xff},
    {"pong", 129, 0, 0xff},
    {"router-solicitation", 133, 0, 0xff},
    {"router-advertisement", 134, 0, 0xff},
    {"neighbour-solicitation", 135, 0, 0xff},
    {"neighbor-solicitation", 135, 0, 0xff},
    {"neighbour-advertisement", 136, 0, 0xff},
    {"neighbor-advertisement", 136, 0, 0xff},
    {"redirect", 137, 0, 0xff},
};

struct Variant {
  bool v6;
  const char* ext;       // "icmp" / "icmp6"
  const char* opt;       // "--icmp-type" / "--icmpv6-type"
  const char* what;      // "ICMP" / "ICMPv6"
  const char* list_tag;  // " icmp" / " ipv6-icmp"
  std::span<const IcmpName> names;
};
const Variant kVarV4{false, "icmp", "--icmp-type", "ICMP", " icmp", kIcmp4};
const Variant kVarV6{true, "icmp6", "--icmpv6-type", "ICMPv6", " ipv6-icmp", kIcmp6};

bool is_prefix_ci(std::string_view word, std::string_view full) {
  if (word.size() > full.size()) return false;
  for (std::size_t i = 0; i < word.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(word[i])) !=
        std::tolower(static_cast<unsigned char>(full[i])))
      return false;
  return true;
}

class IcmpMatch final : public Match {
 public:
  const Variant* var = &kVarV4;
  std::uint8_t type = 0, code_min = 0, code_max = 0xff;
  bool invert = false, given = false;

  std::string_view name() const override { return var->ext; }
  eval::Outcome evaluate(const eval::Packet& p, eval::Context&) const override {
    std::uint8_t proto = var->v6 ? eval::kProtoIcmp6 : eval::kProtoIcmp;
    if (p.proto != proto || p.fragment) return eval::Outcome::NoMatch;
    // IPv4 type 255 ("any") matches every type; ICMPv6 has no wildcard.
    bool m = (!var->v6 && type == 0xff) ||
             (p.icmp_type == type && p.icmp_code >= code_min && p.icmp_code <= code_max);
    return m != invert ? eval::Outcome::Match : eval::Outcome::NoMatch;
  }
  std::unique_ptr<Match> clone() const override { return std::make_unique<IcmpMatch>(*this); }

  Status parse(int, const OptionArg& arg, const RuleContext&) override {
    if (given) return only_once(var->ext, var->opt);
    std::string_view s = arg.value;
    const IcmpName* match = nullptr;
    for (const auto& n : var->names) {
      if (!is_prefix_ci(s, n.name)) continue;
      if (match)
        return parameter_error(std::string("Ambiguous ") + var->what + " type `" +
                               std::string(s) + "': `" + match->name + "' or `" + n.name + "'?");
      match = &n;
    }
    if (match) {
      type = match->type;
      code_min = match->code_min;
      code_max = match->code_max;
    } else {
      auto slash = s.find('/');
      auto t = parse_unsigned(s.substr(0, slash), 255, 0);
      if (!t)
        return parameter_error(std::string("Unknown ") + var->what + " type `" + std::string(s) +
                               "'");
      type = static_cast<std::uint8_t>(*t);
      code_min = 0;
      code_max = 0xff;
      if (slash != std::string_view::npos) {
        auto c = parse_unsigned(s.substr(slash + 1), 255, 0);
        if (!c)
          return parameter_error(std::string("Unknown ") + var->what + " code `" +
                                 std::string(s) + "'");
        code_min = code_max = static_cast<std::uint8_t>(*c);
      }
    }
    invert = arg.invert;
    given = true;
    return {};
  }
  Status final_check(const RuleContext&) override {
    if (!given) return must_be_specified(var->ext, var->opt);
    return {};
  }
  void save(std::string& out, const SaveContext&) const override {
    if (invert) out += " !";
    out += " ";
    out += var->opt;
    if (!var->v6 && type == 0xff) {
      out += " any";
      return;
    }
    out += " " + std::to_string(type);
    if (code_min != 0 || code_max != 0xff) out += "/" + std::to_string(code_min);
  }
  void list(std::string& out, bool numeric, const SaveContext&) const override {
    out += var->list_tag;
    if (!numeric)
      for (const auto& n : var->names)
        if (n.type == type && n.code_min == code_min && n.code_max == code_max) {
          out += " ";
          out += invert ? "!" : "";
          out += n.name;
          return;
        }
    if (invert) out += " !";
    out += "type " + std::to_string(type);
    if (code_min == code_max)
      out += " code " + std::to_string(code_min);
    else if (code_min != 0 || code_max != 0xff)
      out += " codes " + std::to_string(code_min) + "-" + std::to_string(code_max);
  }
  // nft words of libipt_icmp / libip6t_icmp6: "icmp type [!= ]NAME" when the type and its
  // whole code range have a name in the table (neighbour discovery types by nft's own names);
  // a single code has no translation. IPv4 "any" stands for the protocol alone.
  bool xlate(Xlate& xl, const XlateContext&) const override {
    if (!var->v6 && type == 0xff) {
      xl.add("ip protocol icmp");
      return true;
    }
    xl.addf("%s type%s ", var->v6 ? "icmpv6" : "icmp", invert ? " !=" : "");
    if (code_min == code_max) return false;
    static constexpr const char* kNd[] = {"nd-router-solicit", "nd-router-advert",
                                          "nd-neighbor-solicit", "nd-neighbor-advert",
                                          "nd-redirect"};
    if (var->v6 && type >= 133 && type <= 137) {
      xl.add(kNd[type - 133]);
      return true;
    }
    for (const auto& n : var->names)
      if (n.type == type && n.code_min == code_min && n.code_max == code_max) {
        xl.add(n.name);
        return true;
      }
    return false;
  }
  Status encode(std::vector<nft::Expr>& out, const RuleContext&) const override {
    if (var->v6) {
      ip6t_icmp i{};
      i.type = type;
      i.code[0] = code_min;
      i.code[1] = code_max;
      i.invflags = invert ? IP6T_ICMP_INV : 0;
      out.push_back(nft::Expr::match("icmp6", 0, xt_blob(i)));
    } else {
      ipt_icmp i{};
      i.type = type;
      i.code[0] = code_min;
      i.code[1] = code_max;
      i.invflags = invert ? IPT_ICMP_INV : 0;
      out.push_back(nft::Expr::match("icmp", 0, xt_blob(i)));
    }
    return {};
  }
};

enum { kOptType = 1 };
constexpr OptionSpec kOptions4[] = {{"icmp-type", ArgKind::Required, kOptType}};
constexpr OptionSpec kOptions6[] = {{"icmpv6-type", ArgKind::Required, kOptType}};

std::unique_ptr<Match> create4(Family) { return std::make_unique<IcmpMatch>(); }
std::unique_ptr<Match> create6(Family) {
  auto m = std::make_unique<IcmpMatch>();
  m->var = &kVarV6;
  return m;
}

template <class T>
std::unique_ptr<Match> decode(const Variant* var, const nft::Bytes& blob) {
  T i{};
  if (!xt_read(blob, i)) return nullptr;
  auto m = std::make_unique<IcmpMatch>();
  m->var = var;
  m->type = i.type;
  m->code_min = i.code[0];
  m->code_max = i.code[1];
  m->invert = i.invflags & 1;
  m->given = true;
  return m;
}
std::unique_ptr<Match> decode4(const DecodeContext&, const nft::Bytes& b) {
  return decode<ipt_icmp>(&kVarV4, b);
}
std::unique_ptr<Match> decode6(const DecodeContext&, const nft::Bytes& b) {
  return decode<ip6t_icmp>(&kVarV6, b);
}

// Native: icmp/icmpv6 type (th+0, with the code when two bytes are compared) or code alone
// (th+1), in a rule whose protocol is icmp or icmpv6; a new match for each comparison, as
// iptables-nft 1.8.9 reads them. IPv4 "code alone" is "--icmp-type any"; IPv6 has no "any".
bool decode_native(const LiftStep& s, LiftContext& ctx) {
  const std::uint8_t proto = ctx.ip().proto;
  if ((proto != 1 && proto != 58) || !s.reg || s.expr.kind != nft::Expr::Kind::Cmp ||
      s.reg->source != RegValue::Source::Payload || s.reg->base != nft::kTransportHeader)
    return false;
  const nft::Expr& e = s.expr;
  auto m = std::make_unique<IcmpMatch>();
  if (ctx.family() == Family::V6) m->var = &kVarV6;
  m->type = 0xff;
  m->given = true;
  const nft::Bytes& d = e.data;
  if (d.empty()) {
    ctx.fail("unexpected RHS data length");
    return true;
  }
  if (s.reg->offset == 0) {
    m->type = d[0];
    if (d.size() == 2) m->code_min = m->code_max = d[1];
    if (d.size() > 2) ctx.fail("unexpected RHS data length");
  } else if (s.reg->offset == 1) {
    if (d.size() > 1) ctx.fail("unexpected RHS data length");
    m->code_min = m->code_max = d[0];
  } else {
    ctx.fail("unexpected payload offset");
    return true;
  }
  if (e.op != nft::kEq || s.reg->masked) {
    ctx.refuse("unsupported icmp comparison");  // iptables-nft would show "==" unmasked
    return true;
  }
  if (m->var->v6 && m->type == 0xff) {
    ctx.fail("icmp6 code with any type match not supported");
    return true;
  }
  ctx.add_match(std::move(m));
  return true;
}

}  // namespace

constexpr std::string_view kIcmpMatchHelp = R"HELP(
icmp match options:
[!] --icmp-type typename	match icmp type
[!] --icmp-type type[/code]	(or numeric type or type/code)
Valid ICMP Types:
any
echo-reply (pong)
destination-unreachable
   network-unreachable
   host-unreachable
   protocol-unreachable
   port-unreachable
   fragmentation-needed
   source-route-failed
   network-unknown
   host-unknown
   network-prohibited
   host-prohibited
   TOS-network-unreachable
   TOS-host-unreachable
   communication-prohibited
   host-precedence-violation
   precedence-cutoff
source-quench
redirect
   network-redirect
   host-redirect
   TOS-network-redirect
   TOS-host-redirect
echo-request (ping)
router-advertisement
router-solicitation
time-exceeded (ttl-exceeded)
   ttl-zero-during-transit
   ttl-zero-during-reassembly
parameter-problem
   ip-header-bad
   required-option-missing
timestamp-request
timestamp-reply
address-mask-request
address-mask-reply
)HELP";

constexpr std::string_view kIcmp6MatchHelp = R"HELP(
icmpv6 match options:
[!] --icmpv6-type typename	match icmpv6 type
				(or numeric type or type/code)
Valid ICMPv6 Types:
destination-unreachable
   no-route
   communication-prohibited
   beyond-scope
   address-unreachable
   port-unreachable
   failed-policy
   reject-route
packet-too-big
time-exceeded (ttl-exceeded)
   ttl-zero-during-transit
   ttl-zero-during-reassembly
parameter-problem
   bad-header
   unknown-header-type
   unknown-option
echo-request (ping)
echo-reply (pong)
router-solicitation
router-advertisement
neighbour-solicitation (neighbor-solicitation)
neighbour-advertisement (neighbor-advertisement)
redirect
)HELP";

extern const MatchType kIcmpMatch = {"icmp", kV4,     kOptions4,     create4,       "icmp",
                                     0,      decode4, decode_native, kIcmpMatchHelp};
extern const MatchType kIcmp6Match = {"icmp6", kV6,     kOptions6,     create6,        "icmp6",
                                      0,       decode6, decode_native, kIcmp6MatchHelp};

}  // namespace cx::ext
