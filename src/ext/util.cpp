#include "ext/util.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>

#include <cctype>
#include <cstdio>

#include "common/parse.h"
#include "nft/expr.h"

namespace cx::ext {

std::string quote_string(std::string_view s) {
  auto plain = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '-';
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

std::optional<std::uint64_t> parse_uint(std::string_view s, std::uint64_t min,
                                        std::uint64_t max) {
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

Result<std::pair<std::uint64_t, std::uint64_t>> parse_range_u(std::string_view s,
                                                              std::uint64_t max,
                                                              std::string_view ext,
                                                              std::string_view opt) {
  auto bad = [&](std::string_view near) {
    return option_error(std::string(ext) + ": bad value for option \"" + std::string(opt) +
                        "\" near \"" + std::string(near) + "\", or out of range (0-" +
                        std::to_string(max) + ").");
  };
  auto colon = s.find(':');
  std::string_view a = s.substr(0, colon);
  std::uint64_t lo = 0, hi = max;
  if (!a.empty() || colon == std::string_view::npos) {
    auto v = parse_unsigned(a, max, 0);
    if (!v) return bad(a);
    lo = *v;
  }
  if (colon == std::string_view::npos) return std::make_pair(lo, lo);
  std::string_view b = s.substr(colon + 1);
  if (!b.empty()) {
    auto v = parse_unsigned(b, max, 0);
    if (!v) return bad(b);
    hi = *v;
  }
  return std::make_pair(lo, hi);
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

int mask_prefix_len(const std::uint8_t* mask, int bytes) {
  int n = 0;
  bool zero = false;
  for (int i = 0; i < bytes; ++i)
    for (int b = 7; b >= 0; --b) {
      bool one = mask[i] & (1u << b);
      if (one && zero) return -1;
      if (one) ++n; else zero = true;
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

std::string hex(std::uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "0x%x", v);
  return buf;
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
  else if (r.lo == 0 && !invert)
    out.push_back(nft::Expr::cmp(nft::kLte, nft::be16(r.hi)));
  else
    out.push_back(nft::Expr::range(op, nft::be16(r.lo), nft::be16(r.hi)));
}

void encode_ports(std::vector<nft::Expr>& out, const std::optional<PortRange>& sport,
                  bool inv_sport, const std::optional<PortRange>& dport, bool inv_dport) {
  if (sport && dport && sport->lo == sport->hi && dport->lo == dport->hi && !inv_sport &&
      !inv_dport) {
    out.push_back(nft::Expr::payload(nft::kTransportHeader, 0, 4));
    nft::Bytes both = nft::be16(sport->lo);
    nft::Bytes d = nft::be16(dport->lo);
    both.insert(both.end(), d.begin(), d.end());
    out.push_back(nft::Expr::cmp(nft::kEq, std::move(both)));
    return;
  }
  if (sport) encode_port_range(out, 0, *sport, inv_sport);
  if (dport) encode_port_range(out, 2, *dport, inv_dport);
}

bool decode_port_pair(const nft::Expr* load, const nft::Expr* test, PortRange& sport,
                      PortRange& dport) {
  if (!load || !test || load->kind != nft::Expr::Kind::Payload ||
      load->base != nft::kTransportHeader || load->offset != 0 || load->len != 4 ||
      test->kind != nft::Expr::Kind::Cmp || test->op != nft::kEq || test->data.size() != 4)
    return false;
  sport.lo = sport.hi = static_cast<std::uint16_t>((test->data[0] << 8) | test->data[1]);
  dport.lo = dport.hi = static_cast<std::uint16_t>((test->data[2] << 8) | test->data[3]);
  return true;
}

bool decode_port_range(const nft::Expr* load, const nft::Expr* test, std::uint32_t& offset,
                       PortRange& r, bool& invert) {
  if (load && test && load->kind == nft::Expr::Kind::Payload &&
      load->base == nft::kTransportHeader && test->kind == nft::Expr::Kind::Cmp &&
      test->data.size() == 2 && test->op == nft::kLte) {
    if (load->len != 2 || (load->offset != 0 && load->offset != 2)) return false;
    r.lo = 0;
    r.hi = static_cast<std::uint16_t>((test->data[0] << 8) | test->data[1]);
    invert = false;
    offset = load->offset;
    return true;
  }
  if (!load || !test || load->kind != nft::Expr::Kind::Payload ||
      load->base != nft::kTransportHeader || load->len != 2 ||
      (load->offset != 0 && load->offset != 2))
    return false;
  auto be = [](const nft::Bytes& b) {
    return static_cast<std::uint16_t>(b.size() >= 2 ? (b[0] << 8) | b[1] : 0);
  };
  if (test->kind == nft::Expr::Kind::Cmp && test->data.size() == 2 &&
      (test->op == nft::kEq || test->op == nft::kNeq)) {
    r.lo = r.hi = be(test->data);
    invert = test->op == nft::kNeq;
  } else if (test->kind == nft::Expr::Kind::Range && test->data.size() == 2) {
    r.lo = be(test->data);
    r.hi = be(test->to_data);
    invert = test->op == nft::kNeq;
  } else {
    return false;
  }
  offset = load->offset;
  return true;
}

}  // namespace cx::ext
