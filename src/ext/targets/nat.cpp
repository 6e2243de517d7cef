// The NAT targets. Kernel structures and revisions as iptables-nft 1.8.9 sends them:
//   SNAT        v4: rev 0, nf_nat_ipv4_multi_range_compat   v6: rev 1, nf_nat_range
//   DNAT        v4 and v6: rev 2, nf_nat_range2 (adds the "/base" port offset)
//   MASQUERADE, REDIRECT, NETMAP   v4: rev 0, multi_range_compat   v6: rev 0, nf_nat_range
// Quirks: ports are allowed with -p tcp/udp/sctp/dccp/icmp, inverted or not (udplite is not);
// IPv6 ports need "[addr]:port" (a bare "fd00::2:8080" is an address, "10.0.0.2:80" is port
// 80 of a bad address); an address range may be reversed; -S prints v6 "[a]:p" only when
// there are ports. NETMAP masks the address and sends min = addr & mask, max = addr | ~mask.
#include <arpa/inet.h>
#include <linux/netfilter/nf_nat.h>

#include <cerrno>
#include <cinttypes>
#include <cstring>

#include "common/parse.h"
#include "eval/context.h"
#include "ext/extension.h"
#include "ext/util.h"

namespace cx::ext {
namespace {

enum class NatKind { Snat, Dnat, Masquerade, Redirect, Netmap };

enum { kOptTo = 1, kOptRandom, kOptRandomFully, kOptPersistent };
constexpr OptionSpec kSnatOptions[] = {{"to-source", ArgKind::Required, kOptTo},
                                       {"random", ArgKind::None, kOptRandom},
                                       {"random-fully", ArgKind::None, kOptRandomFully},
                                       {"persistent", ArgKind::None, kOptPersistent}};
constexpr OptionSpec kDnatOptions[] = {{"to-destination", ArgKind::Required, kOptTo},
                                       {"random", ArgKind::None, kOptRandom},
                                       {"persistent", ArgKind::None, kOptPersistent}};
constexpr OptionSpec kMasqOptions[] = {{"to-ports", ArgKind::Required, kOptTo},
                                       {"random", ArgKind::None, kOptRandom},
                                       {"random-fully", ArgKind::None, kOptRandomFully}};
constexpr OptionSpec kRedirectOptions[] = {{"to-ports", ArgKind::Required, kOptTo},
                                           {"random", ArgKind::None, kOptRandom}};
constexpr OptionSpec kNetmapOptions[] = {{"to", ArgKind::Required, kOptTo}};

struct Range {
  std::uint32_t flags = 0;
  std::uint8_t min_addr[16] = {}, max_addr[16] = {};
  std::uint16_t min_port = 0, max_port = 0, base_port = 0;  // host order
};

bool ports_allowed(const model::IpHeader* ip) {
  if (!ip) return false;
  switch (ip->proto) {
    case 6: case 17: case 132: case 33: case 1: return true;
  }
  return false;
}

// strtoul with base 0, as iptables reads NAT ports: leading blanks, 0x and octal are fine,
// the first character that is not part of the number ends it (`rest`). nullopt when no digit
// was read or the value is outside [min, 65535].
std::optional<std::uint16_t> leading_port(std::string_view s, unsigned min,
                                          std::string_view& rest) {
  const std::string str(s);
  char* stop = nullptr;
  errno = 0;
  const std::uintmax_t v = std::strtoumax(str.c_str(), &stop, 0);
  if (stop == str.c_str() || errno == ERANGE || v < min || v > 65535) return std::nullopt;
  rest = s.substr(static_cast<std::size_t>(stop - str.c_str()));
  return static_cast<std::uint16_t>(v);
}

Error port_not_valid(std::string_view s) {
  return parameter_error("Port `" + std::string(s) + "' not valid");
}

// "p", "p-q" and "p-q/base". Only the first port and the base may be service names, and a
// name takes the whole rest of its text ("ftp-data" is port 20, "ssh-20" is no port). Every
// NAT target reads a base; the ones whose kernel structure has no room for it keep only the
// flag (iptables-nft lists them as "/0"); REDIRECT's final check refuses it.
Status parse_ports(std::string_view s, Range& r, NatKind kind) {
  std::string_view rest;
  auto lo = leading_port(s, 0, rest);
  if (!lo) {
    lo = service_port(s, "");
    if (!lo || s.empty()) return port_not_valid(s);
    rest = {};
  }
  r.min_port = r.max_port = *lo;
  r.flags |= NF_NAT_RANGE_PROTO_SPECIFIED;
  if (rest.empty()) return {};
  if (rest[0] == ':') return parameter_error("Invalid port:port syntax - use dash");
  if (rest[0] != '-')
    return parameter_error("Garbage after port value: `" + std::string(rest) + "'");
  const std::string_view high_text = rest.substr(1);
  auto hi = leading_port(high_text, 0, rest);
  if (!hi) return port_not_valid(high_text);
  if (*hi < *lo) return parameter_error("Port range `" + std::string(high_text) + "' funky");
  r.max_port = *hi;
  if (rest.empty()) return {};
  if (rest[0] != '/')
    return parameter_error("Garbage after port range: `" + std::string(rest) + "'");
  const std::string_view base_text = rest.substr(1);
  auto base = leading_port(base_text, 1, rest);
  if (!base && !base_text.empty()) base = service_port(base_text, "");
  if (!base) return port_not_valid(base_text);
  r.flags |= NF_NAT_RANGE_PROTO_OFFSET;
  r.base_port = kind == NatKind::Dnat ? *base : 0;
  return {};
}

Status parse_ip(std::string_view s, Family f, std::uint8_t out[16]) {
  std::string str(s);
  std::memset(out, 0, 16);
  if (inet_pton(f == Family::V4 ? AF_INET : AF_INET6, str.c_str(), out) != 1)
    return parameter_error("Bad IP address \"" + str + "\"");
  return {};
}

// --to-source / --to-destination, read as libxt_NAT reads them in both families: with a '['
// anywhere, the address is what the brackets hold (IPv4 refuses them) and the ports follow
// the first colon after the ']'; without one, a single colon starts the ports (two or more
// make it all an address). A colon at the start or as the third character means "no
// address" ("ab:80" is port 80). Anything between ']' and the colon is ignored.
Status parse_to(std::string_view arg, Family f, const model::IpHeader* ip, Range& r, NatKind kind) {
  std::string_view addrs = arg;
  std::size_t colon = std::string_view::npos;
  if (auto open = arg.find('['); open == std::string_view::npos) {
    colon = arg.find(':');
    if (colon != std::string_view::npos && arg.find(':', colon + 1) != std::string_view::npos)
      colon = std::string_view::npos;
    addrs = arg.substr(0, colon);
  } else {
    auto close = arg.find(']', open + 1);
    if (close == std::string_view::npos || f == Family::V4)
      return parameter_error("Invalid address format");
    addrs = arg.substr(open + 1, close - open - 1);
    colon = arg.find(':', close + 1);
  }
  if (colon != std::string_view::npos) {
    if (!ports_allowed(ip))
      return parameter_error("Need TCP, UDP, SCTP or DCCP with port specification");
    CX_TRY(parse_ports(arg.substr(colon + 1), r, kind));
    if (colon == 0 || colon == 2) return {};
  }
  auto dash = addrs.find('-');
  CX_TRY(parse_ip(addrs.substr(0, dash), f, r.min_addr));
  if (dash != std::string_view::npos)
    CX_TRY(parse_ip(addrs.substr(dash + 1), f, r.max_addr));
  else
    std::memcpy(r.max_addr, r.min_addr, 16);
  r.flags |= NF_NAT_RANGE_MAP_IPS;
  return {};
}

class NatTarget final : public Target {
 public:
  NatKind kind = NatKind::Snat;
  Family family = Family::V4;
  Range range;
  unsigned seen = 0;

  std::string_view name() const override {
    switch (kind) {
      case NatKind::Snat: return "SNAT";
      case NatKind::Dnat: return "DNAT";
      case NatKind::Masquerade: return "MASQUERADE";
      case NatKind::Redirect: return "REDIRECT";
      case NatKind::Netmap: return "NETMAP";
    }
    return "";
  }
  std::unique_ptr<Target> clone() const override { return std::make_unique<NatTarget>(*this); }
  // nf_nat_setup_info / get_unique_tuple for the first packet of a connection, with the
  // tuple assumed free: addresses from the range (one address only: a range is chosen by
  // hash), ports kept when inside the range, else the first one (DNAT) or a random one.
  eval::TargetAction evaluate(eval::Packet& p, eval::Context& ctx) const override {
    const bool dst = ctx.hook == eval::Hook::Prerouting || ctx.hook == eval::Hook::Output;
    const int bytes = family == Family::V4 ? 4 : 16;
    eval::Addr& addr = dst ? p.dst : p.src;
    std::uint16_t& port = dst ? p.dport : p.sport;
    const bool map_ips = range.flags & NF_NAT_RANGE_MAP_IPS;
    auto text = [&](const std::uint8_t* a) {
      eval::Addr x{};
      std::memcpy(x.data(), a, 16);
      return eval::addr_to_string(x, family);
    };
    switch (kind) {
      case NatKind::Snat:
      case NatKind::Dnat:
        if (map_ips) {
          if (std::memcmp(range.min_addr, range.max_addr, static_cast<std::size_t>(bytes)) != 0) {
            ctx.set_reason("the kernel picks an address of " + text(range.min_addr) + "-" +
                           text(range.max_addr) + " by a hash of the connection");
            return eval::TargetAction::Undecidable;
          }
          std::memcpy(addr.data(), range.min_addr, static_cast<std::size_t>(bytes));
        }
        break;
      case NatKind::Masquerade: {
        std::optional<eval::Addr> a;
        // IPv6 source address selection prefers the destination itself when it is one of the
        // host's addresses (RFC 6724 rule 1): the case of a packet going out lo.
        if (family == Family::V6 && p.outiface && *p.outiface == "lo")
          a = p.dst;
        else if (p.outiface)
          a = ctx.address_of(*p.outiface);
        if (!a) {
          ctx.set_reason("the address of the out interface " + p.outiface.value_or("?") +
                         " is not known (give --iface-addr IFACE=ADDRESS)");
          return eval::TargetAction::Undecidable;
        }
        addr = *a;
        break;
      }
      case NatKind::Redirect: {
        if (ctx.hook == eval::Hook::Output) {
          addr = eval::Addr{};
          if (family == Family::V4) {
            addr[0] = 127;
            addr[3] = 1;
          } else {
            addr[15] = 1;
          }
          break;
        }
        std::optional<eval::Addr> a;
        if (p.iniface) a = ctx.address_of(*p.iniface);
        if (!a) {
          ctx.set_reason("the address of the in interface " + p.iniface.value_or("?") +
                         " is not known (give --iface-addr IFACE=ADDRESS)");
          return eval::TargetAction::Undecidable;
        }
        addr = *a;
        break;
      }
      case NatKind::Netmap:
        for (int i = 0; i < bytes; ++i) {
          std::uint8_t netmask = static_cast<std::uint8_t>(~(range.min_addr[i] ^ range.max_addr[i]));
          addr[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(
              (addr[static_cast<std::size_t>(i)] & ~netmask) | range.min_addr[i]);
        }
        break;
    }
    if ((range.flags & NF_NAT_RANGE_PROTO_SPECIFIED) && p.has_ports() && !p.fragment) {
      const bool offset = range.flags & NF_NAT_RANGE_PROTO_OFFSET;
      const bool random = range.flags & (NF_NAT_RANGE_PROTO_RANDOM | NF_NAT_RANGE_PROTO_RANDOM_FULLY);
      const unsigned size = static_cast<unsigned>(range.max_port - range.min_port) + 1;
      if (!offset && !random && port >= range.min_port && port <= range.max_port) {
        // in range: kept
      } else if (offset) {
        port = static_cast<std::uint16_t>(
            range.min_port + static_cast<std::uint16_t>(port - range.base_port) % size);
      } else if (dst && !random) {
        port = range.min_port;
      } else if (size == 1) {
        port = range.min_port;
      } else {
        ctx.set_reason("the kernel picks a free port of " + std::to_string(range.min_port) +
                       "-" + std::to_string(range.max_port) + " at random");
        return eval::TargetAction::Undecidable;
      }
    } else if ((range.flags & (NF_NAT_RANGE_PROTO_RANDOM | NF_NAT_RANGE_PROTO_RANDOM_FULLY)) &&
               !dst && p.has_ports()) {
      ctx.set_reason("--random: the kernel picks the source port at random");
      return eval::TargetAction::Undecidable;
    }
    return eval::TargetAction::Accept;
  }

  const char* to_name() const {
    switch (kind) {
      case NatKind::Snat: return "--to-source";
      case NatKind::Dnat: return "--to-destination";
      case NatKind::Netmap: return "--to";
      default: return "--to-ports";
    }
  }
  const char* opt_name(int id) const {
    switch (id) {
      case kOptTo: return to_name();
      case kOptRandom: return "--random";
      case kOptRandomFully: return "--random-fully";
      default: return "--persistent";
    }
  }

  Status parse_netmap(std::string_view arg) {
    const int bytes = family == Family::V4 ? 4 : 16;
    std::uint8_t addr[16], mask[16];
    CX_TRY(parse_hostmask(arg, family, "NETMAP", "--to", addr, mask));
    for (int i = 0; i < bytes; ++i) {
      range.min_addr[i] = addr[i] & mask[i];
      range.max_addr[i] = static_cast<std::uint8_t>(addr[i] | ~mask[i]);
    }
    range.flags |= NF_NAT_RANGE_MAP_IPS;
    return {};
  }

  Status parse(int id, const OptionArg& arg, const RuleContext& ctx) override {
    family = ctx.family;
    if (seen & (1u << id)) return only_once(name(), opt_name(id));
    if (arg.invert) return cannot_invert(name(), opt_name(id));
    seen |= 1u << id;
    switch (id) {
      case kOptTo:
        if (kind == NatKind::Netmap) return parse_netmap(arg.value);
        if (kind == NatKind::Masquerade || kind == NatKind::Redirect) {
          if (!ports_allowed(ctx.ip))
            return parameter_error("Need TCP, UDP, SCTP or DCCP with port specification");
          return parse_ports(arg.value, range, kind);
        }
        return parse_to(arg.value, family, ctx.ip, range, kind);
      case kOptRandom: range.flags |= NF_NAT_RANGE_PROTO_RANDOM; break;
      case kOptRandomFully: range.flags |= NF_NAT_RANGE_PROTO_RANDOM_FULLY; break;
      case kOptPersistent: range.flags |= NF_NAT_RANGE_PERSISTENT; break;
    }
    return {};
  }
  Status final_check(const RuleContext&) override {
    if ((kind == NatKind::Snat || kind == NatKind::Dnat || kind == NatKind::Netmap) &&
        !(seen & (1u << kOptTo)))
      return must_be_specified(name(), to_name());
    if (kind == NatKind::Redirect && (range.flags & NF_NAT_RANGE_PROTO_OFFSET))
      return parameter_error("Shifted portmap ranges not supported with this kernel");
    return {};
  }

  std::string ports_text() const {
    std::string s = std::to_string(range.min_port);
    if (range.max_port != range.min_port) s += "-" + std::to_string(range.max_port);
    if (range.flags & NF_NAT_RANGE_PROTO_OFFSET) s += "/" + std::to_string(range.base_port);
    return s;
  }
  std::string to_text(Family f) const {
    std::string a;
    if (range.flags & NF_NAT_RANGE_MAP_IPS) {
      a = addr_text(range.min_addr, f);
      if (std::memcmp(range.min_addr, range.max_addr, 16) != 0)
        a += "-" + addr_text(range.max_addr, f);
    }
    if (!(range.flags & NF_NAT_RANGE_PROTO_SPECIFIED)) return a;
    if (f == Family::V6) return "[" + a + "]:" + ports_text();
    return a + ":" + ports_text();
  }
  std::string netmap_text(Family f) const {
    int bytes = f == Family::V4 ? 4 : 16;
    std::uint8_t mask[16] = {};
    for (int i = 0; i < bytes; ++i)
      mask[i] = static_cast<std::uint8_t>(~(range.min_addr[i] ^ range.max_addr[i]));
    int n = mask_prefix_len(mask, bytes);
    return addr_text(range.min_addr, f) + "/" +
           (n >= 0 ? std::to_string(n) : addr_text(mask, f));
  }

  void dump(std::string& out, bool save, Family f) const {
    auto flag = [&](std::uint32_t bit, const char* text) {
      if (range.flags & bit) {
        out += save ? " --" : " ";
        out += text;
      }
    };
    switch (kind) {
      case NatKind::Snat:
      case NatKind::Dnat:
        out += save ? std::string(" ") + to_name() + " " : " to:";
        out += to_text(f);
        flag(NF_NAT_RANGE_PROTO_RANDOM, "random");
        flag(NF_NAT_RANGE_PROTO_RANDOM_FULLY, "random-fully");
        flag(NF_NAT_RANGE_PERSISTENT, "persistent");
        break;
      case NatKind::Masquerade:
        if (range.flags & NF_NAT_RANGE_PROTO_SPECIFIED)
          out += (save ? " --to-ports " : " masq ports: ") + ports_text();
        flag(NF_NAT_RANGE_PROTO_RANDOM, "random");
        flag(NF_NAT_RANGE_PROTO_RANDOM_FULLY, "random-fully");
        break;
      case NatKind::Redirect:
        if (range.flags & NF_NAT_RANGE_PROTO_SPECIFIED)
          out += (save ? " --to-ports " : " redir ports ") + ports_text();
        flag(NF_NAT_RANGE_PROTO_RANDOM, "random");
        break;
      case NatKind::Netmap:
        out += (save ? " --to " : " to:") + netmap_text(f);
        break;
    }
  }
  void save(std::string& out, const SaveContext& ctx) const override {
    dump(out, true, ctx.family);
  }
  void list(std::string& out, bool, const SaveContext& ctx) const override {
    dump(out, false, ctx.family);
  }

  // nft's snat/dnat/masquerade/redirect statement. nft has no shifted port ranges ("/base"),
  // and NETMAP has no translation at all. The range is the one -S prints, but an IPv6 address
  // is bracketed only when ports follow, and MASQUERADE/REDIRECT keep the colon (" to :80").
  bool xlate(Xlate& xl, const XlateContext& ctx) const override {
    // In NatKind's order; NETMAP has none.
    constexpr const char* kStatements[] = {"snat", "dnat", "masquerade", "redirect", nullptr};
    const char* stmt = kStatements[static_cast<int>(kind)];
    if (!stmt) return false;
    if (range.flags & NF_NAT_RANGE_PROTO_OFFSET) return false;
    std::string to;
    if (range.flags & NF_NAT_RANGE_MAP_IPS) {
      to = addr_text(range.min_addr, ctx.family);
      if (std::memcmp(range.min_addr, range.max_addr, 16) != 0)
        to += "-" + addr_text(range.max_addr, ctx.family);
      if (ctx.family == Family::V6 && (range.flags & NF_NAT_RANGE_PROTO_SPECIFIED))
        to = "[" + to + "]";
    }
    if (range.flags & NF_NAT_RANGE_PROTO_SPECIFIED) to += ":" + ports_text();
    xl.add(stmt);
    if (!to.empty()) xl.addf(" to %s", to.c_str());
    const char* sep = " ";
    auto flag = [&](std::uint32_t bit, const char* word) {
      if (!(range.flags & bit)) return;
      xl.addf("%s%s", sep, word);
      sep = ",";
    };
    flag(NF_NAT_RANGE_PROTO_RANDOM, "random");
    flag(NF_NAT_RANGE_PROTO_RANDOM_FULLY, "fully-random");
    flag(NF_NAT_RANGE_PERSISTENT, "persistent");
    return true;
  }
  Status encode(std::vector<nft::Expr>& out, const RuleContext& ctx) const override {
    std::string xt(name());
    auto ports = [&](auto& r) {
      r.min_proto.all = htons(range.min_port);
      r.max_proto.all = htons(range.max_port);
    };
    if (kind == NatKind::Dnat) {
      nf_nat_range2 r{};
      r.flags = range.flags;
      std::memcpy(&r.min_addr, range.min_addr, 16);
      std::memcpy(&r.max_addr, range.max_addr, 16);
      ports(r);
      r.base_proto.all = htons(range.base_port);
      out.push_back(nft::Expr::target(xt, 2, xt_blob(r)));
    } else if (ctx.family == Family::V4) {
      nf_nat_ipv4_multi_range_compat c{};
      c.rangesize = 1;
      c.range[0].flags = range.flags;
      std::memcpy(&c.range[0].min_ip, range.min_addr, 4);
      std::memcpy(&c.range[0].max_ip, range.max_addr, 4);
      c.range[0].min.all = htons(range.min_port);
      c.range[0].max.all = htons(range.max_port);
      out.push_back(nft::Expr::target(xt, 0, xt_blob(c)));
    } else {
      nf_nat_range r{};
      r.flags = range.flags;
      std::memcpy(&r.min_addr, range.min_addr, 16);
      std::memcpy(&r.max_addr, range.max_addr, 16);
      ports(r);
      out.push_back(nft::Expr::target(xt, kind == NatKind::Snat ? 1 : 0, xt_blob(r)));
    }
    return {};
  }
};

template <NatKind K>
std::unique_ptr<Target> create(Family f) {
  auto t = std::make_unique<NatTarget>();
  t->kind = K;
  t->family = f;
  return t;
}

template <NatKind K>
std::unique_ptr<Target> decode(const DecodeContext& ctx, const nft::Bytes& blob) {
  auto t = std::make_unique<NatTarget>();
  t->kind = K;
  t->family = ctx.family;
  Range& r = t->range;
  if (K == NatKind::Dnat) {
    nf_nat_range2 n{};
    if (!xt_read(blob, n)) return nullptr;
    r.flags = n.flags;
    std::memcpy(r.min_addr, &n.min_addr, 16);
    std::memcpy(r.max_addr, &n.max_addr, 16);
    r.min_port = ntohs(n.min_proto.all);
    r.max_port = ntohs(n.max_proto.all);
    r.base_port = ntohs(n.base_proto.all);
  } else if (ctx.family == Family::V4) {
    nf_nat_ipv4_multi_range_compat c{};
    if (!xt_read(blob, c)) return nullptr;
    r.flags = c.range[0].flags;
    std::memcpy(r.min_addr, &c.range[0].min_ip, 4);
    std::memcpy(r.max_addr, &c.range[0].max_ip, 4);
    r.min_port = ntohs(c.range[0].min.all);
    r.max_port = ntohs(c.range[0].max.all);
  } else {
    nf_nat_range n{};
    if (!xt_read(blob, n)) return nullptr;
    r.flags = n.flags;
    std::memcpy(r.min_addr, &n.min_addr, 16);
    std::memcpy(r.max_addr, &n.max_addr, 16);
    r.min_port = ntohs(n.min_proto.all);
    r.max_port = ntohs(n.max_proto.all);
  }
  return t;
}

}  // namespace

constexpr std::string_view kSnatTargetHelp = R"HELP(
SNAT target options:
 --to-source [<ipaddr>[-<ipaddr>]][:port[-port]]
				Address to map source to.
[--random] [--random-fully] [--persistent]
)HELP";

constexpr std::string_view kDnatTargetHelp = R"HELP(
DNAT target options:
 --to-destination [<ipaddr>[-<ipaddr>]][:port[-port[/port]]]
				Address to map destination to.
[--random] [--persistent]
)HELP";

constexpr std::string_view kMasqueradeTargetHelp = R"HELP(
MASQUERADE target options:
 --to-ports <port>[-<port>]
				Port (range) to map to.
 --random
				Randomize source port.
 --random-fully
				Fully randomize source port.
)HELP";

constexpr std::string_view kRedirectTargetHelp = R"HELP(
REDIRECT target options:
 --to-ports <port>[-<port>]
				Port (range) to map to.
 [--random]
)HELP";

constexpr std::string_view kNetmapTargetHelp = R"HELP(
NETMAP target options:
  --to address[/mask]
				Network address to map to.

)HELP";

// SNAT's revision differs per family (v4 0, v6 1): the kernel name lookup is by name only.
extern const TargetType kSnatTarget = {
    "SNAT",  kBoth,          kSnatOptions, create<NatKind::Snat>, "SNAT", 0, decode<NatKind::Snat>,
    nullptr, kSnatTargetHelp};
extern const TargetType kDnatTarget = {
    "DNAT",  kBoth,          kDnatOptions, create<NatKind::Dnat>, "DNAT", 2, decode<NatKind::Dnat>,
    nullptr, kDnatTargetHelp};
extern const TargetType kMasqueradeTarget = {"MASQUERADE",
                                             kBoth,
                                             kMasqOptions,
                                             create<NatKind::Masquerade>,
                                             "MASQUERADE",
                                             0,
                                             decode<NatKind::Masquerade>,
                                             nullptr,
                                             kMasqueradeTargetHelp};
extern const TargetType kRedirectTarget = {
    "REDIRECT",         kBoth, kRedirectOptions,          create<NatKind::Redirect>,
    "REDIRECT",         0,     decode<NatKind::Redirect>, nullptr,
    kRedirectTargetHelp};
extern const TargetType kNetmapTarget = {
    "NETMAP",         kBoth, kNetmapOptions,          create<NatKind::Netmap>,
    "NETMAP",         0,     decode<NatKind::Netmap>, nullptr,
    kNetmapTargetHelp};

}  // namespace cx::ext
