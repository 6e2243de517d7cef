#include "common/parse.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <map>

namespace cx {

std::vector<std::string> split(std::string_view s, char sep) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (;;) {
    std::size_t p = s.find(sep, start);
    out.emplace_back(s.substr(start, p == std::string_view::npos ? p : p - start));
    if (p == std::string_view::npos) break;
    start = p + 1;
  }
  return out;
}

std::string to_lower(std::string_view s) {
  std::string r(s);
  for (char& c : r) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return r;
}

std::optional<std::uint64_t> parse_unsigned(std::string_view s, std::uint64_t max, int base) {
  if (s.empty()) return std::nullopt;
  std::string str(s);
  if (str[0] == '-' || str[0] == '+' || std::isspace(static_cast<unsigned char>(str[0])))
    return std::nullopt;
  errno = 0;
  char* end = nullptr;
  unsigned long long v = std::strtoull(str.c_str(), &end, base);
  if (errno != 0 || end == str.c_str() || *end != '\0' || v > max) return std::nullopt;
  return v;
}

namespace {
// iptables' own protocol table, consulted before /etc/protocols.
struct ProtoName {
  const char* name;
  std::uint8_t num;
};
constexpr ProtoName kProtoNames[] = {
    {"tcp", 6},   {"sctp", 132},  {"udp", 17},    {"udplite", 136},
    {"icmp", 1},  {"ipv6-icmp", 58}, {"icmpv6", 58}, {"esp", 50},
    {"ah", 51},   {"mobility-header", 135}, {"ipv6-mh", 135}, {"mh", 135},
    {"all", 0},
};
}  // namespace

Result<std::uint8_t> parse_protocol(std::string_view s) {
  std::string lower = to_lower(s);
  if (auto n = parse_unsigned(lower, 255, 10)) return static_cast<std::uint8_t>(*n);
  if (!lower.empty() && std::isdigit(static_cast<unsigned char>(lower[0]))) {
    // a number out of range
  } else {
    for (const auto& p : kProtoNames)
      if (lower == p.name) return p.num;
    if (const protoent* pe = getprotobyname(lower.c_str()))
      return static_cast<std::uint8_t>(pe->p_proto);
  }
  return parameter_error("unknown protocol \"" + std::string(s) + "\" specified");
}

std::optional<std::string_view> builtin_protocol_name(std::uint8_t proto) {
  for (const auto& p : kProtoNames)
    if (p.num == proto) return p.name;
  return std::nullopt;
}

std::string protocol_name(std::uint8_t proto, Family) {
  // iptables' own names first (a save or listing of common protocols reads no file), then
  // /etc/protocols. Each lookup reads the file, and listings ask for every rule: remember.
  for (const auto& p : kProtoNames)
    if (p.num == proto) return p.name;
  static std::array<std::optional<std::string>, 256> known;
  std::optional<std::string>& slot = known[proto];
  if (slot) return *slot;
  if (const protoent* pe = getprotobynumber(proto)) return *(slot = pe->p_name);
  return *(slot = std::to_string(proto));
}

std::optional<std::uint16_t> service_port(std::string_view s, std::string_view proto) {
  std::string name(s), p(proto);
  if (const servent* se = getservbyname(name.c_str(), p.empty() ? nullptr : p.c_str()))
    return ntohs(static_cast<std::uint16_t>(se->s_port));
  return std::nullopt;
}

Result<std::uint16_t> parse_port(std::string_view s, std::string_view proto) {
  // xtables_parse_port: a number in any base strtoul reads ("0x16", "010"), then a service.
  if (auto n = parse_unsigned(s, 65535, 0)) return static_cast<std::uint16_t>(*n);
  if (auto p = service_port(s, proto)) return *p;
  return parameter_error("invalid port/service `" + std::string(s) + "' specified");
}

std::string port_service_name(std::uint16_t port, std::string_view proto) {
  // -L names the ports of every rule; getservbyport() reads the services database on each
  // call. Read it once instead, keeping the first name of each port, as getservbyport does.
  static const std::map<std::pair<std::uint16_t, std::string>, std::string> names = [] {
    std::map<std::pair<std::uint16_t, std::string>, std::string> m;
    setservent(1);
    while (const servent* se = getservent())
      m.emplace(std::make_pair(ntohs(static_cast<std::uint16_t>(se->s_port)),
                               std::string(se->s_proto)),
                se->s_name);
    endservent();
    return m;
  }();
  auto it = names.find(std::make_pair(port, std::string(proto)));
  return it != names.end() ? it->second : std::to_string(port);
}

namespace {

bool parse_v4_numeric(const std::string& s, std::uint8_t* out) {
  // iptables accepts 1 to 4 dotted parts, the missing ones being zero; each part is read as
  // strtoul(base 0) reads it: 010 is 8, 0x10 is 16.
  auto parts = split(s, '.');
  if (parts.empty() || parts.size() > 4) return false;
  std::uint8_t b[4] = {0, 0, 0, 0};
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const char* text = parts[i].c_str();
    char* end = nullptr;
    errno = 0;
    const unsigned long long v = std::strtoull(text, &end, 0);
    if (end == text || *end != '\0' || errno == ERANGE || v > 255) return false;
    b[i] = static_cast<std::uint8_t>(v);
  }
  std::memcpy(out, b, 4);
  return true;
}

bool resolve_host(const std::string& host, Family family, std::vector<model::Address>& out,
                  const std::uint8_t* mask) {
  addrinfo hints{};
  hints.ai_family = family == Family::V4 ? AF_INET : AF_INET6;
  hints.ai_socktype = SOCK_RAW;
  addrinfo* res = nullptr;
  if (getaddrinfo(host.c_str(), nullptr, &hints, &res) != 0) return false;
  for (addrinfo* p = res; p; p = p->ai_next) {
    model::Address a;
    if (family == Family::V4)
      std::memcpy(a.addr.data(), &reinterpret_cast<sockaddr_in*>(p->ai_addr)->sin_addr, 4);
    else
      std::memcpy(a.addr.data(), &reinterpret_cast<sockaddr_in6*>(p->ai_addr)->sin6_addr, 16);
    std::memcpy(a.mask.data(), mask, 16);
    bool dup = false;
    for (auto& o : out) dup |= o.addr == a.addr;
    if (!dup) out.push_back(a);
  }
  freeaddrinfo(res);
  return true;
}

}  // namespace

Result<std::vector<model::Address>> parse_addresses(std::string_view s, Family family) {
  // As xtables_ipparse_multiple: every item counts, duplicates included (each one becomes
  // a rule); the mask follows the last '/', and a zero mask ignores the name ("any/0").
  std::vector<model::Address> out;
  const int len = addr_len(family);
  for (std::string item : split(s, ',')) {
    item.erase(0, item.find_first_not_of(" \t\n\v\f\r"));
    if (item.size() > 255) return parameter_error("Hostname too long");
    std::string host = item, maskstr;
    const auto slash = item.rfind('/');
    if (slash != std::string::npos) {
      host = item.substr(0, slash);
      maskstr = item.substr(slash + 1);
    }
    std::uint8_t mask[16] = {};
    if (slash == std::string::npos) {
      std::memset(mask, 0xff, len);
    } else if (family == Family::V4 && maskstr.find('.') != std::string::npos) {
      if (!parse_v4_numeric(maskstr, mask) || split(maskstr, '.').size() != 4)
        return parameter_error("invalid mask `" + maskstr + "' specified");
    } else if (family == Family::V6 && inet_pton(AF_INET6, maskstr.c_str(), mask) == 1) {
      // an IPv6 mask written as an address
    } else {
      auto bits = parse_unsigned(maskstr, len * 8, 0);
      if (!bits) return parameter_error("invalid mask `" + maskstr + "' specified");
      for (unsigned i = 0; i < *bits; ++i) mask[i / 8] |= static_cast<std::uint8_t>(0x80 >> (i % 8));
    }
    if (std::all_of(mask, mask + len, [](std::uint8_t b) { return b == 0; }))
      host = family == Family::V4 ? "0.0.0.0" : "::";
    model::Address a;
    bool numeric = false;
    if (family == Family::V4) {
      numeric = parse_v4_numeric(host, a.addr.data());
    } else {
      numeric = inet_pton(AF_INET6, host.c_str(), a.addr.data()) == 1;
    }
    std::vector<model::Address> found;
    if (numeric) {
      std::memcpy(a.mask.data(), mask, 16);
      found.push_back(a);
    } else if (host.empty() || !resolve_host(host, family, found, mask)) {
      return parameter_error("host/network `" + host + "' not found");
    }
    for (auto& f : found) {
      for (int i = 0; i < len; ++i) f.addr[i] &= f.mask[i];
      out.push_back(f);
    }
  }
  return out;
}

std::string format_address(const std::uint8_t* addr, Family family) {
  char buf[INET6_ADDRSTRLEN];
  inet_ntop(family == Family::V4 ? AF_INET : AF_INET6, addr, buf, sizeof(buf));
  return buf;
}

std::string format_address_mask(const model::Address& a, Family family) {
  int bytes = addr_len(family);
  int plen = a.prefix_len(bytes);
  std::string s = format_address(a.addr.data(), family);
  if (plen >= 0) return s + "/" + std::to_string(plen);
  return s + "/" + format_address(a.mask.data(), family);
}

// -L without -n: the host's name, else (IPv4) the network's, else the number, as iptables
// asks the resolver (gethostbyaddr/getnetbyaddr; getnameinfo for IPv6).
std::string address_name(const std::uint8_t* addr, Family family) {
  if (family == Family::V4) {
    if (const hostent* h = gethostbyaddr(addr, 4, AF_INET)) return h->h_name;
    std::uint32_t a = 0;
    std::memcpy(&a, addr, 4);
    if (const netent* n = getnetbyaddr(ntohl(a), AF_INET)) return n->n_name;
  } else {
    sockaddr_in6 sin6{};
    sin6.sin6_family = AF_INET6;
    std::memcpy(&sin6.sin6_addr, addr, 16);
    char host[NI_MAXHOST];
    if (getnameinfo(reinterpret_cast<const sockaddr*>(&sin6), sizeof(sin6), host, sizeof(host),
                    nullptr, 0, NI_NAMEREQD) == 0)
      return host;
  }
  return format_address(addr, family);
}

std::string format_address_list(const model::Address* a, bool invert, Family family,
                                bool numeric) {
  std::string s = invert ? "!" : "";
  int bytes = addr_len(family);
  if (!a || a->prefix_len(bytes) == 0) {
    if (numeric) return s + (family == Family::V4 ? "0.0.0.0/0" : "::/0");
    return s + "anywhere";
  }
  s += numeric ? format_address(a->addr.data(), family) : address_name(a->addr.data(), family);
  int plen = a->prefix_len(bytes);
  if (plen == bytes * 8) return s;
  if (plen >= 0) return s + "/" + std::to_string(plen);
  return s + "/" + format_address(a->mask.data(), family);
}

Status check_interface(std::string_view s) {
  if (s.size() >= 16)
    return parameter_error("interface name `" + std::string(s) +
                           "' must be shorter than IFNAMSIZ (15)");
  return {};
}

}  // namespace cx
