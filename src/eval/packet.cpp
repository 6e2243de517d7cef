#include "eval/packet.h"

#include <arpa/inet.h>

#include <cstring>

#include "common/parse.h"

namespace cx::eval {

std::string_view ct_state_name(CtState s) {
  switch (s) {
    case CtState::New:
      return "NEW";
    case CtState::Established:
      return "ESTABLISHED";
    case CtState::Related:
      return "RELATED";
    case CtState::Invalid:
      return "INVALID";
    case CtState::Untracked:
      return "UNTRACKED";
  }
  return "?";
}

std::optional<CtState> parse_ct_state(std::string_view s) {
  std::string u = to_lower(s);
  if (u == "new") return CtState::New;
  if (u == "established") return CtState::Established;
  if (u == "related") return CtState::Related;
  if (u == "invalid") return CtState::Invalid;
  if (u == "untracked") return CtState::Untracked;
  return std::nullopt;
}

bool Packet::has_ports() const {
  return proto == kProtoTcp || proto == kProtoUdp || proto == 136 || proto == 132 || proto == 33;
}

std::uint32_t Packet::ip_length() const {
  if (length) return length;
  std::uint32_t n = family == Family::V4 ? 20 : 40;
  if (!fragment) {
    switch (proto) {
      case kProtoTcp:
        n += 20;
        break;
      case kProtoUdp:
        n += 8;
        break;
      case kProtoIcmp:
      case kProtoIcmp6:
        n += 8;
        break;
      default:
        break;
    }
  }
  return n + payload_len;
}

CtState fresh_ct_state(const Packet& p) {
  if (p.fragment) return CtState::New;  // reassembled before conntrack; assume a first packet
  switch (p.proto) {
    case kProtoTcp: {
      // nf_conntrack_proto_tcp: tcp_valid_flags (ECE, CWR, PSH ignored), then the NONE column
      // of the state table: SYN -> SYN_SENT, ACK -> ESTABLISHED by pick-up (tcp_loose=1),
      // everything else is invalid for a new connection.
      std::uint8_t f = p.tcp_flags & (kTcpFin | kTcpSyn | kTcpRst | kTcpAck | kTcpUrg);
      static constexpr std::uint8_t kValid[] = {
          kTcpSyn,           kTcpSyn | kTcpUrg, kTcpSyn | kTcpAck,           kTcpRst,
          kTcpRst | kTcpAck, kTcpFin | kTcpAck, kTcpFin | kTcpAck | kTcpUrg, kTcpAck,
          kTcpAck | kTcpUrg};
      bool valid = false;
      for (std::uint8_t v : kValid) valid = valid || f == v;
      if (!valid) return CtState::Invalid;
      if (f & kTcpRst) return CtState::Invalid;
      if (f & kTcpSyn) return (f & kTcpAck) ? CtState::Invalid : CtState::New;
      if (f & kTcpFin) return CtState::Invalid;
      return CtState::New;  // ACK: mid-stream pick-up
    }
    case kProtoIcmp:
      if (p.family != Family::V4) return CtState::New;
      // Queries start a connection; replies and errors need one.
      return (p.icmp_type == 8 || p.icmp_type == 13 || p.icmp_type == 15 || p.icmp_type == 17)
                 ? CtState::New
                 : CtState::Invalid;
    case kProtoIcmp6:
      if (p.family != Family::V6) return CtState::New;
      if (p.icmp_type == 128 || p.icmp_type == 139) return CtState::New;
      // MLD queries/reports, router and neighbour discovery: not tracked.
      if (p.icmp_type == 130 || p.icmp_type == 131 || p.icmp_type == 132 ||
          (p.icmp_type >= 133 && p.icmp_type <= 136) || p.icmp_type == 143)
        return CtState::Untracked;
      return CtState::Invalid;
    default:
      return CtState::New;
  }
}

Result<Addr> parse_addr(std::string_view s, Family family) {
  Addr a{};
  std::string str(s);
  int af = family == Family::V4 ? AF_INET : AF_INET6;
  if (inet_pton(af, str.c_str(), a.data()) != 1)
    return parameter_error("invalid " + std::string(family == Family::V4 ? "IPv4" : "IPv6") +
                           " address \"" + str + "\"");
  return a;
}

std::string addr_to_string(const Addr& a, Family family) {
  return format_address(a.data(), family);
}

Result<std::pair<Addr, int>> parse_prefix(std::string_view s, Family family) {
  int max = family == Family::V4 ? 32 : 128;
  int len = max;
  std::string_view host = s;
  if (auto slash = s.find('/'); slash != std::string_view::npos) {
    host = s.substr(0, slash);
    auto n = parse_unsigned(s.substr(slash + 1), static_cast<std::uint64_t>(max), 10);
    if (!n) return parameter_error("invalid prefix length in \"" + std::string(s) + "\"");
    len = static_cast<int>(*n);
  }
  auto a = parse_addr(host, family);
  if (!a) return a.take_error();
  return std::make_pair(*a, len);
}

bool in_prefix(const Addr& a, const Addr& net, int len, Family family) {
  int bytes = family == Family::V4 ? 4 : 16;
  for (int i = 0; i < bytes; ++i) {
    int bits = len - i * 8;
    if (bits <= 0) break;
    std::uint8_t m = bits >= 8 ? 0xff : static_cast<std::uint8_t>(0xff << (8 - bits));
    if ((a[i] & m) != (net[i] & m)) return false;
  }
  return true;
}

}  // namespace cx::eval
