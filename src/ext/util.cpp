#include "ext/util.h"

#include <arpa/inet.h>
#include <linux/netfilter/ipset/ip_set.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "common/parse.h"
#include "nft/expr.h"

namespace cx::ext {

std::string quote_string(std::string_view s) {
  auto plain = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
  };
  bool bare = !s.empty();
  for (char c : s) bare = bare && plain(c);
  if (bare) return std::string(s);
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\' || c == '\'') out += '\\';
    out += c;
  }
  out += '"';
  return out;
}

std::optional<std::uint64_t> xtables_strtoui(const std::string& s, std::uint64_t max) {
  const char* p = s.c_str();
  while (*p == ' ' || (*p >= '\t' && *p <= '\r')) ++p;
  if (*p == '-') return std::nullopt;
  char* end = nullptr;
  errno = 0;
  const unsigned long long v = std::strtoull(s.c_str(), &end, 0);
  if (end == s.c_str() || *end != '\0' || errno == ERANGE || v > max) return std::nullopt;
  return v;
}

std::optional<std::uint64_t> parse_uint(std::string_view s, std::uint64_t min, std::uint64_t max) {
  auto v = parse_unsigned(s, max, 0);
  if (!v || *v < min) return std::nullopt;
  return v;
}

Result<std::uint64_t> parse_uint_opt(std::string_view s, std::uint64_t min, std::uint64_t max,
                                     std::string_view ext, std::string_view opt) {
  auto v = parse_uint(s, min, max);
  if (!v) return out_of_range(ext, opt, min, max);
  return *v;
}

Result<std::pair<std::uint64_t, std::uint64_t>> parse_range_u(std::string_view s, std::uint64_t max,
                                                              std::string_view ext,
                                                              std::string_view opt) {
  // Read left to right as libxtables does: an error names the text from the failing part to
  // the end of the argument.
  const std::string str(s);
  std::uint64_t vals[2] = {0, 0};
  std::size_t count = 0;
  for (std::size_t pos = 0;;) {
    if (count == 2)
      return option_error(std::string(ext) + ": Too many components for option \"" +
                          std::string(opt) + "\" (max: 2)");
    const char* part = str.c_str() + pos;
    const char* end = part;
    if (*part == '\0' || *part == ':') {
      vals[count] = count == 1 ? max : 0;
    } else {
      const char* p = part;
      while (*p == ' ' || (*p >= '\t' && *p <= '\r')) ++p;
      char* stop = nullptr;
      errno = 0;
      const unsigned long long v = *p == '-' ? 0 : std::strtoull(part, &stop, 0);
      if (*p == '-' || stop == part || errno == ERANGE || v > max)
        return option_error(std::string(ext) + ": bad value for option \"" + std::string(opt) +
                            "\" near \"" + part + "\", or out of range (0-" + std::to_string(max) +
                            ").");
      end = stop;
      if (*end != '\0' && *end != ':')
        return option_error(std::string(ext) + ": Argument to \"" + std::string(opt) +
                            "\" has unexpected characters near \"" + end + "\".");
      vals[count] = v;
    }
    ++count;
    if (*end == '\0') break;
    pos = static_cast<std::size_t>(end - str.c_str()) + 1;
  }
  return std::make_pair(vals[0], count == 2 ? vals[1] : vals[0]);
}

int prefix_lookup(std::string_view word, const char* const* names, std::size_t count) {
  for (std::size_t i = 0; i < count; ++i) {
    std::string_view n = names[i];
    if (word.size() > n.size()) continue;
    bool eq = true;
    for (std::size_t k = 0; k < word.size() && eq; ++k)
      eq = std::tolower(static_cast<unsigned char>(word[k])) ==
           std::tolower(static_cast<unsigned char>(n[k]));
    if (eq) return static_cast<int>(i);
  }
  return -1;
}

std::string addr_text(const std::uint8_t* a, Family f) {
  char buf[INET6_ADDRSTRLEN];
  inet_ntop(f == Family::V4 ? AF_INET : AF_INET6, a, buf, sizeof(buf));
  return buf;
}

std::string addr_anyname(const std::uint8_t* a, Family f) {
  if (f == Family::V4) {
    if (const hostent* h = gethostbyaddr(a, 4, AF_INET)) return h->h_name;
    std::uint32_t net = 0;
    __builtin_memcpy(&net, a, 4);
    if (const netent* n = getnetbyaddr(ntohl(net), AF_INET)) return n->n_name;
    return addr_text(a, f);
  }
  sockaddr_in6 sa{};
  sa.sin6_family = AF_INET6;
  __builtin_memcpy(&sa.sin6_addr, a, 16);
  char host[NI_MAXHOST];
  if (getnameinfo(reinterpret_cast<sockaddr*>(&sa), sizeof(sa), host, sizeof(host), nullptr, 0,
                  NI_NAMEREQD) == 0)
    return host;
  return addr_text(a, f);
}

Status resolve_one(std::string_view host, Family f, std::uint8_t out[16]) {
  std::string h(host);
  __builtin_memset(out, 0, 16);
  if (inet_pton(f == Family::V4 ? AF_INET : AF_INET6, h.c_str(), out) == 1) return {};
  addrinfo hints{};
  hints.ai_family = f == Family::V4 ? AF_INET : AF_INET6;
  hints.ai_socktype = SOCK_RAW;
  addrinfo* res = nullptr;
  int rc = getaddrinfo(h.c_str(), nullptr, &hints, &res);
  if (rc != 0) return option_error(std::string("getaddrinfo: ") + gai_strerror(rc));
  if (f == Family::V4)
    __builtin_memcpy(out, &reinterpret_cast<sockaddr_in*>(res->ai_addr)->sin_addr, 4);
  else
    __builtin_memcpy(out, &reinterpret_cast<sockaddr_in6*>(res->ai_addr)->sin6_addr, 16);
  freeaddrinfo(res);
  return {};
}

Status parse_hostmask(std::string_view arg, Family f, std::string_view ext, std::string_view opt,
                      std::uint8_t addr[16], std::uint8_t mask[16]) {
  std::string_view host = arg, plen;
  const auto slash = arg.find('/');
  if (slash != std::string_view::npos) {
    host = arg.substr(0, slash);
    plen = arg.substr(slash + 1);
  }
  CX_TRY(resolve_one(host, f, addr));
  std::memset(mask, 0xff, 16);
  if (slash == std::string_view::npos) return {};
  auto len = parse_plen(plen, f, ext, opt);
  if (!len) return len.take_error();
  plen_mask(*len, mask);
  return {};
}

Result<std::uint8_t> parse_plen(std::string_view s, Family family, std::string_view ext,
                                std::string_view opt) {
  const unsigned max = family == Family::V4 ? 32 : 128;
  const std::string str(s);
  if (auto n = parse_uint(str, 0, max)) return static_cast<std::uint8_t>(*n);
  addrinfo hints{};
  hints.ai_family = family == Family::V4 ? AF_INET : AF_INET6;
  hints.ai_flags = AI_NUMERICHOST;
  addrinfo* res = nullptr;
  if (getaddrinfo(str.c_str(), nullptr, &hints, &res) != 0 || !res)
    return option_error(std::string(ext) + ": bad value for option \"" + std::string(opt) +
                        "\", neither a valid network mask nor valid CIDR (0-" +
                        std::to_string(max) + ").");
  std::uint8_t mask[16] = {};
  if (family == Family::V4)
    std::memcpy(mask, &reinterpret_cast<const sockaddr_in*>(res->ai_addr)->sin_addr, 4);
  else
    std::memcpy(mask, &reinterpret_cast<const sockaddr_in6*>(res->ai_addr)->sin6_addr, 16);
  freeaddrinfo(res);
  int n = mask_prefix_len(mask, static_cast<int>(max / 8));
  return static_cast<std::uint8_t>(n < 0 ? 0xff : n);
}

void plen_mask(std::uint8_t len, std::uint8_t mask[16]) {
  std::memset(mask, 0xff, 16);
  if (len > 128) return;
  std::memset(mask, 0, 16);
  for (unsigned i = 0; i < len; ++i) mask[i / 8] |= static_cast<std::uint8_t>(0x80 >> (i % 8));
}

namespace {
bool equal_ci(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  return true;
}
struct NamedByte {
  const char* name;
  std::uint8_t value;
};
constexpr NamedByte kDscpClasses[] = {
    {"CS0", 0x00},  {"CS1", 0x08},  {"CS2", 0x10},  {"CS3", 0x18},  {"CS4", 0x20},  {"CS5", 0x28},
    {"CS6", 0x30},  {"CS7", 0x38},  {"BE", 0x00},   {"AF11", 0x0a}, {"AF12", 0x0c}, {"AF13", 0x0e},
    {"AF21", 0x12}, {"AF22", 0x14}, {"AF23", 0x16}, {"AF31", 0x1a}, {"AF32", 0x1c}, {"AF33", 0x1e},
    {"AF41", 0x22}, {"AF42", 0x24}, {"AF43", 0x26}, {"EF", 0x2e}};
constexpr NamedByte kTosSymbols[] = {{"Minimize-Cost", 0x02},
                                     {"Maximize-Reliability", 0x04},
                                     {"Maximize-Throughput", 0x08},
                                     {"Minimize-Delay", 0x10},
                                     {"Normal-Service", 0x00}};
}  // namespace

std::optional<std::uint8_t> dscp_class_value(std::string_view name) {
  for (const auto& c : kDscpClasses)
    if (equal_ci(name, c.name)) return c.value;
  return std::nullopt;
}

std::optional<std::uint8_t> tos_symbol_value(std::string_view name) {
  for (const auto& t : kTosSymbols)
    if (equal_ci(name, t.name)) return t.value;
  return std::nullopt;
}

const char* tos_symbol_name(std::uint8_t value) {
  for (const auto& t : kTosSymbols)
    if (t.value == value) return t.name;
  return nullptr;
}

Result<std::pair<std::uint8_t, std::uint8_t>> parse_tos_value(std::string_view s) {
  auto slash = s.find('/');
  if (auto v = parse_unsigned(s.substr(0, slash), 255, 0)) {
    std::uint8_t mask = 0xff;
    if (slash != std::string_view::npos) {
      auto m = parse_unsigned(s.substr(slash + 1), 255, 0);
      if (!m) return parameter_error("Symbolic name \"" + std::string(s) + "\" is unknown");
      mask = static_cast<std::uint8_t>(*m);
    }
    return std::make_pair(static_cast<std::uint8_t>(*v), mask);
  }
  if (auto t = tos_symbol_value(s)) return std::make_pair(*t, std::uint8_t{0x3f});
  return parameter_error("Symbolic name \"" + std::string(s) + "\" is unknown");
}

namespace {
std::vector<std::pair<std::uint32_t, std::string>> read_iproute2(const char* file) {
  std::vector<std::pair<std::uint32_t, std::string>> out;
  FILE* f = std::fopen(file, "r");
  if (!f) return out;
  char line[512];
  while (std::fgets(line, sizeof(line), f)) {
    char* p = line;
    while (*p == ' ' || *p == '\t') ++p;
    if (*p == '#' || *p == '\n' || *p == '\0') continue;
    char name[256];
    long v = 0;
    if (std::sscanf(p, "%li %255s", &v, name) != 2) continue;
    if (name[0] == '#') continue;
    out.emplace_back(static_cast<std::uint32_t>(v), name);
  }
  std::fclose(f);
  return out;
}
}  // namespace

std::optional<std::uint32_t> lookup_iproute2_name(const char* file, std::string_view name) {
  for (const auto& [v, n] : read_iproute2(file))
    if (n == name) return v;
  return std::nullopt;
}

std::optional<std::string> iproute2_name_of(const char* file, std::uint32_t value) {
  for (const auto& [v, n] : read_iproute2(file))
    if (v == value) return n;
  return std::nullopt;
}

namespace {
int ipset_socket(unsigned& version) {
  int fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
  if (fd < 0) return -1;
  ip_set_req_version req{};
  req.op = IP_SET_OP_VERSION;
  socklen_t size = sizeof(req);
  if (getsockopt(fd, SOL_IP, SO_IP_SET, &req, &size) != 0) {
    close(fd);
    return -1;
  }
  version = req.version;
  return fd;
}
}  // namespace

std::optional<IpsetInfo> ipset_by_name(std::string_view name) {
  unsigned version = 0;
  int fd = ipset_socket(version);
  if (fd < 0) return std::nullopt;
  ip_set_req_get_set_family req{};
  req.op = IP_SET_OP_GET_FNAME;
  req.version = version;
  std::memcpy(req.set.name, name.data(), std::min<std::size_t>(name.size(), IPSET_MAXNAMELEN - 1));
  socklen_t size = sizeof(req);
  int rc = getsockopt(fd, SOL_IP, SO_IP_SET, &req, &size);
  close(fd);
  if (rc != 0 || req.set.index == IPSET_INVALID_ID) return std::nullopt;
  return IpsetInfo{req.set.index, req.family};
}

std::optional<std::string> ipset_name(std::uint16_t index) {
  unsigned version = 0;
  int fd = ipset_socket(version);
  if (fd < 0) return std::nullopt;
  ip_set_req_get_set req{};
  req.op = IP_SET_OP_GET_BYINDEX;
  req.version = version;
  req.set.index = index;
  socklen_t size = sizeof(req);
  int rc = getsockopt(fd, SOL_IP, SO_IP_SET, &req, &size);
  close(fd);
  if (rc != 0 || req.set.name[0] == '\0') return std::nullopt;
  return std::string(req.set.name, strnlen(req.set.name, IPSET_MAXNAMELEN));
}

int mask_prefix_len(const std::uint8_t* mask, int bytes) {
  int n = 0;
  bool zero = false;
  for (int i = 0; i < bytes; ++i)
    for (int b = 7; b >= 0; --b) {
      bool one = mask[i] & (1u << b);
      if (one && zero) return -1;
      if (one)
        ++n;
      else
        zero = true;
    }
  return n;
}

std::string mask_suffix(const std::uint8_t* mask, Family f) {
  int bytes = f == Family::V4 ? 4 : 16;
  int n = mask_prefix_len(mask, bytes);
  if (n == bytes * 8) return "";
  if (n < 0) return "/" + addr_text(mask, f);
  return "/" + std::to_string(n);
}

bool parse_mark_mask(std::string_view s, std::uint32_t& value, std::uint32_t& mask) {
  std::string_view v = s, m;
  if (auto slash = s.find('/'); slash != std::string_view::npos) {
    v = s.substr(0, slash);
    m = s.substr(slash + 1);
  }
  auto pv = parse_unsigned(v, UINT32_MAX);
  if (!pv) return false;
  value = static_cast<std::uint32_t>(*pv);
  mask = UINT32_MAX;
  if (s.find('/') != std::string_view::npos) {
    auto pm = parse_unsigned(m, UINT32_MAX);
    if (!pm) return false;
    mask = static_cast<std::uint32_t>(*pm);
  }
  return true;
}

Status parse_mark_mask(std::string_view s, std::uint32_t& value, std::uint32_t& mask,
                       std::string_view ext, std::string_view opt) {
  // xtables_strtoui with an end pointer: a number at the start, the rest left to the caller.
  const std::string str(s);
  auto number = [&](const char* from, const char*& end) -> std::optional<std::uint32_t> {
    errno = 0;
    char* e = nullptr;
    unsigned long long v = std::strtoull(from, &e, 0);
    if (e == from || errno == ERANGE || v > UINT32_MAX) return std::nullopt;
    end = e;
    return static_cast<std::uint32_t>(v);
  };
  auto garbage = [&] {
    return option_error(std::string(ext) + ": trailing garbage after value for option \"" +
                        std::string(opt) + "\".");
  };
  const char* end = nullptr;
  auto v = number(str.c_str(), end);
  if (!v) return bad_integer(ext, opt);
  value = *v;
  mask = UINT32_MAX;
  if (*end == '\0') return {};
  if (*end != '/') return garbage();
  auto m = number(end + 1, end);
  if (!m) return bad_integer(ext, opt);
  mask = *m;
  if (*end != '\0') return garbage();
  return {};
}

std::string hex(std::uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "0x%x", v);
  return buf;
}

std::string hex08(std::uint32_t v) {
  char b[16];
  std::snprintf(b, sizeof(b), "0x%08x", v);
  return b;
}

std::string cstr(const char* s, std::size_t n) { return std::string(s, strnlen(s, n)); }
void set_cstr(char* dst, std::size_t n, std::string_view v) {
  std::memset(dst, 0, n);
  std::memcpy(dst, v.data(), std::min(v.size(), n - 1));
}

std::string opt_of(std::span<const OptionSpec> opts, int id) {
  for (const auto& o : opts)
    if (o.id == id) return "--" + std::string(o.name);
  return "";
}

}  // namespace cx::ext

namespace cx::ext {

Result<PortRange> parse_port_range(std::string_view s, std::string_view proto) {
  PortRange r;
  auto colon = s.find(':');
  if (colon == std::string_view::npos) {
    auto p = parse_port(s, proto);
    if (!p) return p.take_error();
    r.lo = r.hi = *p;
    return r;
  }
  std::string_view a = s.substr(0, colon), b = s.substr(colon + 1);
  if (!a.empty()) {
    auto p = parse_port(a, proto);
    if (!p) return p.take_error();
    r.lo = *p;
  } else {
    r.lo = 0;
  }
  if (!b.empty()) {
    auto p = parse_port(b, proto);
    if (!p) return p.take_error();
    r.hi = *p;
  } else {
    r.hi = 0xffff;
  }
  if (r.lo > r.hi) return parameter_error("invalid portrange (min > max)");
  return r;
}

std::string format_port_range(const PortRange& r) {
  if (r.lo == r.hi) return std::to_string(r.lo);
  return std::to_string(r.lo) + ":" + std::to_string(r.hi);
}

std::string list_port_range(const char* label, const PortRange& r, bool invert, bool numeric,
                            std::string_view proto) {
  auto name = [&](std::uint16_t p) {
    return numeric ? std::to_string(p) : port_service_name(p, proto);
  };
  std::string out = " ";
  out += label;
  if (r.lo == r.hi) {
    out += ":";
    out += invert ? "!" : "";
    out += name(r.lo);
  } else {
    out += "s:";
    out += invert ? "!" : "";
    out += name(r.lo) + ":" + name(r.hi);
  }
  return out;
}

void encode_port_range(std::vector<nft::Expr>& out, std::uint32_t offset, const PortRange& r,
                       bool invert) {
  out.push_back(nft::Expr::payload(nft::kTransportHeader, offset, 2));
  std::uint32_t op = invert ? nft::kNeq : nft::kEq;
  if (r.lo == r.hi)
    out.push_back(nft::Expr::cmp(op, nft::be16(r.lo)));
  else if (r.lo == 0 && r.hi < 0xffff)  // ":N" is "<= N", and "! :N" is "> N"
    out.push_back(nft::Expr::cmp(invert ? nft::kGt : nft::kLte, nft::be16(r.hi)));
  else
    out.push_back(nft::Expr::range(op, nft::be16(r.lo), nft::be16(r.hi)));
}

void encode_ports(std::vector<nft::Expr>& out, const std::optional<PortRange>& sport,
                  bool inv_sport, const std::optional<PortRange>& dport, bool inv_dport) {
  // iptables-nft 1.8.9 also merges two inverted single ports into one "!=" of both, which
  // matches unless both ports are equal; reproduced because the kernel must get the same.
  if (sport && dport && sport->lo == sport->hi && dport->lo == dport->hi && sport->lo != 0 &&
      dport->lo != 0 && inv_sport == inv_dport) {
    out.push_back(nft::Expr::payload(nft::kTransportHeader, 0, 4));
    nft::Bytes both = nft::be16(sport->lo);
    nft::Bytes d = nft::be16(dport->lo);
    both.insert(both.end(), d.begin(), d.end());
    out.push_back(nft::Expr::cmp(inv_sport ? nft::kNeq : nft::kEq, std::move(both)));
    return;
  }
  if (!port_unset(sport, inv_sport)) encode_port_range(out, 0, *sport, inv_sport);
  if (!port_unset(dport, inv_dport)) encode_port_range(out, 2, *dport, inv_dport);
}

bool is_port_step(const LiftStep& s) {
  if (!s.reg || s.reg->source != RegValue::Source::Payload || s.reg->base != nft::kTransportHeader)
    return false;
  return (s.reg->offset == 0 && (s.reg->len == 2 || s.reg->len == 4)) ||
         (s.reg->offset == 2 && s.reg->len == 2);
}

namespace {
std::uint16_t be16_at(const nft::Bytes& b, std::size_t at) {
  return static_cast<std::uint16_t>((b[at] << 8) | b[at + 1]);
}
}  // namespace

void lift_ports(const LiftStep& s, LiftContext& ctx, const PortSlots& slots) {
  const nft::Expr& e = s.expr;
  const RegValue& r = *s.reg;
  if (r.masked) return ctx.refuse("masked port comparison not supported");
  auto slot = [](std::optional<PortRange>& p) -> PortRange& {
    if (!p) p = PortRange{};
    return *p;
  };
  const bool is_range = e.kind == nft::Expr::Kind::Range;
  if (is_range) {
    if (r.len != 2 || e.data.size() != 2 || e.to_data.size() != 2 ||
        (e.op != nft::kEq && e.op != nft::kNeq))
      return ctx.refuse("transport header range not supported");
    bool src = r.offset == 0;
    slot(src ? slots.sport : slots.dport) = {be16_at(e.data, 0), be16_at(e.to_data, 0)};
    if (e.op == nft::kNeq) (src ? slots.inv_sport : slots.inv_dport) = true;
    return;
  }
  if (e.data.size() != r.len) return ctx.refuse("unsupported port comparison");
  auto one = [&](std::optional<PortRange>& p, bool& inv, std::uint16_t port) {
    PortRange& pr = slot(p);
    switch (e.op) {
      case nft::kNeq:
        inv = true;
        [[fallthrough]];
      case nft::kEq:
        pr.lo = pr.hi = port;
        break;
      case nft::kLt:
        pr.hi = static_cast<std::uint16_t>(std::max(port - 1, 1));
        break;
      case nft::kLte:
        pr.hi = port;
        break;
      case nft::kGt:
        pr.lo = static_cast<std::uint16_t>(std::min(port + 1, 0xffff));
        break;
      case nft::kGte:
        pr.lo = port;
        break;
      default:
        ctx.refuse("unsupported port comparison");
        break;
    }
  };
  if (r.len == 4) {
    // Two ports in one comparison: iptables-nft writes "--sport S --dport D" (and both
    // inverted) so; an order between the two would mean something else.
    if (e.op != nft::kEq && e.op != nft::kNeq) return ctx.refuse("unsupported port comparison");
    one(slots.sport, slots.inv_sport, be16_at(e.data, 0));
    one(slots.dport, slots.inv_dport, be16_at(e.data, 2));
    return;
  }
  if (r.offset == 0)
    one(slots.sport, slots.inv_sport, be16_at(e.data, 0));
  else
    one(slots.dport, slots.inv_dport, be16_at(e.data, 0));
}

Result<std::uint16_t> parse_xt_port(std::string_view s) {
  if (auto n = parse_unsigned(s, UINT64_MAX, 10)) return static_cast<std::uint16_t>(*n);
  for (const char* proto : {"tcp", "udp", "dccp", "sctp"})
    if (auto p = service_port(s, proto)) return *p;
  return option_error("Port \"" + std::string(s) + "\" does not resolve to anything.");
}

Result<std::pair<std::uint16_t, std::uint16_t>> parse_xt_portrc(std::string_view s,
                                                                std::string_view ext,
                                                                std::string_view opt) {
  std::uint16_t v[2] = {0, 0xffff};
  std::size_t n = 0;
  for (std::size_t start = 0;; ++n) {
    const std::size_t colon = s.find(':', start);
    const std::string_view part = s.substr(start, colon == std::string_view::npos ? s.npos
                                                                                 : colon - start);
    if (n == 2)
      return option_error(std::string(ext) + ": Too many components for option \"" +
                          std::string(opt) + "\" (max: 2)");
    if (!part.empty()) {
      auto p = parse_xt_port(part);
      if (!p) return p.take_error();
      v[n] = *p;
    }
    if (colon == std::string_view::npos) break;
    start = colon + 1;
  }
  if (n == 0) v[1] = v[0];  // one part: a single port
  return std::make_pair(v[0], v[1]);
}

Result<std::pair<std::uint16_t, std::uint16_t>> parse_xt_ports(std::string_view s,
                                                               const char* proto) {
  auto colon = s.find(':');
  auto one = [&](std::string_view p, std::uint16_t dflt) -> Result<std::uint16_t> {
    if (p.empty()) return dflt;
    return parse_port(p, proto);
  };
  auto a = one(s.substr(0, colon), 0);
  if (!a) return a.take_error();
  if (colon == std::string_view::npos) return std::make_pair(*a, *a);
  auto b = one(s.substr(colon + 1), 0xffff);
  if (!b) return b.take_error();
  return std::make_pair(*a, *b);
}

std::string list_xt_ports(const char* label, const std::uint16_t* p, bool inv, bool numeric,
                          const char* proto) {
  if (p[0] == 0 && p[1] == 0xffff && !inv) return "";
  auto port = [&](std::uint16_t v) {
    return numeric ? std::to_string(v) : port_service_name(v, proto);
  };
  std::string s = std::string(" ") + label + (p[0] == p[1] ? ":" : "s:") + (inv ? "!" : "");
  s += port(p[0]);
  if (p[0] != p[1]) s += ":" + port(p[1]);
  return s;
}
Result<std::uint8_t> parse_xt_protocol(std::string_view s) {
  const std::string str(s);
  if (auto n = xtables_strtoui(str, 255)) return static_cast<std::uint8_t>(*n);
  if (str == to_lower(str)) return parse_protocol(str);
  if (const protoent* pe = getprotobyname(str.c_str()))
    return static_cast<std::uint8_t>(pe->p_proto);
  return parameter_error("unknown protocol \"" + str + "\" specified");
}
std::string save_xt_ports(const std::uint16_t* p) {
  if (p[0] == p[1]) return std::to_string(p[0]);
  return std::to_string(p[0]) + ":" + std::to_string(p[1]);
}

}  // namespace cx::ext
