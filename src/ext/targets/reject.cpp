// -j REJECT (xt "REJECT" rev 0): IPv4 struct ipt_reject_info, IPv6 struct ip6t_reject_info
// (both one u32 "with", numbered differently per family). --reject-with is matched as a
// case-insensitive prefix of each type's name or alias, first hit wins ("icmp-" is
// icmp-net-unreachable). Defaults: icmp-port-unreachable / icmp6-port-unreachable. -S always
// prints --reject-with with the canonical name. "tcp-reset" without -p tcp passes userspace
// and the kernel rejects it. "echo-reply" prints a note on stderr before the error.
#include <linux/netfilter_ipv4/ipt_REJECT.h>
#include <linux/netfilter_ipv6/ip6t_REJECT.h>

#include "eval/context.h"
#include "ext/extension.h"
#include "ext/util.h"

namespace cx::ext {
namespace {

enum { kOptWith = 1 };
constexpr OptionSpec kOptions[] = {{"reject-with", ArgKind::Required, kOptWith}};

struct RejectName {
  const char* name;
  const char* alias;
  std::uint32_t with;
  const char* xlate;  // nft's name of the type
};
constexpr RejectName kReject4[] = {
    {"icmp-net-unreachable", "net-unreach", IPT_ICMP_NET_UNREACHABLE, "net-unreachable"},
    {"icmp-host-unreachable", "host-unreach", IPT_ICMP_HOST_UNREACHABLE, "host-unreachable"},
    {"icmp-proto-unreachable", "proto-unreach", IPT_ICMP_PROT_UNREACHABLE, "prot-unreachable"},
    {"icmp-port-unreachable", "port-unreach", IPT_ICMP_PORT_UNREACHABLE, "port-unreachable"},
    {"icmp-net-prohibited", "net-prohib", IPT_ICMP_NET_PROHIBITED, "net-prohibited"},
    {"icmp-host-prohibited", "host-prohib", IPT_ICMP_HOST_PROHIBITED, "host-prohibited"},
    {"tcp-reset", "tcp-rst", IPT_TCP_RESET, "tcp reset"},
    {"icmp-admin-prohibited", "admin-prohib", IPT_ICMP_ADMIN_PROHIBITED, "admin-prohibited"},
};
constexpr RejectName kReject6[] = {
    {"icmp6-no-route", "no-route", IP6T_ICMP6_NO_ROUTE, "no-route"},
    {"icmp6-adm-prohibited", "adm-prohibited", IP6T_ICMP6_ADM_PROHIBITED, "admin-prohibited"},
    {"icmp6-addr-unreachable", "addr-unreach", IP6T_ICMP6_ADDR_UNREACH, "addr-unreachable"},
    {"icmp6-port-unreachable", "port-unreach", IP6T_ICMP6_PORT_UNREACH, "port-unreachable"},
    {"tcp-reset", "tcp-reset", IP6T_TCP_RESET, "tcp reset"},
    {"icmp6-policy-fail", "policy-fail", IP6T_ICMP6_POLICY_FAIL, "policy-fail"},
    {"icmp6-reject-route", "reject-route", IP6T_ICMP6_REJECT_ROUTE, "reject-route"},
};

bool prefix_of(std::string_view word, std::string_view full) {
  if (word.size() > full.size()) return false;
  for (std::size_t i = 0; i < word.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(word[i])) !=
        std::tolower(static_cast<unsigned char>(full[i])))
      return false;
  return true;
}

class RejectTarget final : public Target {
 public:
  Family family = Family::V4;
  std::uint32_t with = IPT_ICMP_PORT_UNREACHABLE;
  bool given = false;

  std::span<const RejectName> table() const {
    if (family == Family::V4) return kReject4;
    return kReject6;
  }
  std::string_view name() const override { return "REJECT"; }
  eval::TargetAction evaluate(eval::Packet&, eval::Context& ctx) const override {
    ctx.note("REJECT: the packet is dropped, the sender gets " + with_text());
    return eval::TargetAction::Drop;
  }
  std::unique_ptr<Target> clone() const override { return std::make_unique<RejectTarget>(*this); }

  Status parse(int, const OptionArg& arg, const RuleContext& ctx) override {
    if (given) return only_once("REJECT", "--reject-with");
    if (arg.invert) return cannot_invert("REJECT", "--reject-with");
    given = true;
    for (const auto& r : table())
      if (prefix_of(arg.value, r.name) || prefix_of(arg.value, r.alias)) {
        with = r.with;
        return {};
      }
    if ((prefix_of(arg.value, "echo-reply") || prefix_of(arg.value, "echoreply")) &&
        ctx.warnings)
      ctx.warnings->push_back("--reject-with echo-reply no longer supported");
    return parameter_error("unknown reject type \"" + std::string(arg.value) + "\"");
  }
  std::string with_text() const {
    for (const auto& r : table())
      if (r.with == with) return r.name;
    return "unknown";
  }
  void save(std::string& out, const SaveContext&) const override {
    out += " --reject-with " + with_text();
  }
  void list(std::string& out, bool, const SaveContext&) const override {
    out += " reject-with " + with_text();
  }
  // The default type is nft's default too; a TCP reset is not an ICMP type.
  bool xlate(Xlate& xl, const XlateContext&) const override {
    const bool v4 = family == Family::V4;
    if (with ==
        (v4 ? std::uint32_t{IPT_ICMP_PORT_UNREACHABLE} : std::uint32_t{IP6T_ICMP6_PORT_UNREACH})) {
      xl.add("reject");
      return true;
    }
    const char* type = nullptr;
    for (const auto& r : table())
      if (r.with == with) type = r.xlate;
    if (!type) return false;
    if (with == (v4 ? std::uint32_t{IPT_TCP_RESET} : std::uint32_t{IP6T_TCP_RESET}))
      xl.addf("reject with %s", type);
    else
      xl.addf("reject with %s type %s", v4 ? "icmp" : "icmpv6", type);
    return true;
  }
  Status encode(std::vector<nft::Expr>& out, const RuleContext&) const override {
    if (family == Family::V4) {
      ipt_reject_info i{};
      i.with = static_cast<ipt_reject_with>(with);
      out.push_back(nft::Expr::target("REJECT", 0, xt_blob(i)));
    } else {
      ip6t_reject_info i{};
      i.with = with;
      out.push_back(nft::Expr::target("REJECT", 0, xt_blob(i)));
    }
    return {};
  }
};

std::unique_ptr<Target> create(Family f) {
  auto t = std::make_unique<RejectTarget>();
  t->family = f;
  t->with = f == Family::V4 ? std::uint32_t{IPT_ICMP_PORT_UNREACHABLE}
                            : std::uint32_t{IP6T_ICMP6_PORT_UNREACH};
  return t;
}

std::unique_ptr<Target> decode_compat(const DecodeContext& ctx, const nft::Bytes& blob) {
  std::uint32_t with = 0;
  if (!xt_read(blob, with)) return nullptr;
  auto t = std::make_unique<RejectTarget>();
  t->family = ctx.family;
  t->with = with;
  t->given = true;
  return t;
}

}  // namespace

constexpr std::string_view kRejectTargetHelp = R"HELP(
REJECT target options:
--reject-with type              drop input packet and send back
                                a reply packet according to type:
Valid reject types:
    icmp-net-unreachable     	ICMP network unreachable
    net-unreach              	alias
    icmp-host-unreachable    	ICMP host unreachable
    host-unreach             	alias
    icmp-proto-unreachable   	ICMP protocol unreachable
    proto-unreach            	alias
    icmp-port-unreachable    	ICMP port unreachable (default)
    port-unreach             	alias
    icmp-net-prohibited      	ICMP network prohibited
    net-prohib               	alias
    icmp-host-prohibited     	ICMP host prohibited
    host-prohib              	alias
    tcp-reset                	TCP RST packet
    tcp-rst                  	alias
    icmp-admin-prohibited    	ICMP administratively prohibited (*)
    admin-prohib             	alias

(*) See man page or read the INCOMPATIBILITES file for compatibility issues.
)HELP";

constexpr std::string_view kRejectTargetHelp6 = R"HELP(
REJECT target options:
--reject-with type              drop input packet and send back
                                a reply packet according to type:
Valid reject types:
    icmp6-no-route           	ICMPv6 no route
    no-route                 	alias
    icmp6-adm-prohibited     	ICMPv6 administratively prohibited
    adm-prohibited           	alias
    icmp6-addr-unreachable   	ICMPv6 address unreachable
    addr-unreach             	alias
    icmp6-port-unreachable   	ICMPv6 port unreachable
    port-unreach             	alias
    tcp-reset                	TCP RST packet
    tcp-reset                	alias
    icmp6-policy-fail        	ICMPv6 policy fail
    policy-fail              	alias
    icmp6-reject-route       	ICMPv6 reject route
    reject-route             	alias

)HELP";

extern const TargetType kRejectTarget = {"REJECT",          kBoth,
                                         kOptions,          create,
                                         "REJECT",          0,
                                         decode_compat,     nullptr,
                                         kRejectTargetHelp, kRejectTargetHelp6};

}  // namespace cx::ext
