// A packet as the evaluator sees it: the header fields rules can test, plus what the kernel
// knows about it (interfaces, mark, conntrack). Plain values; the pipeline walker (pipeline.h)
// updates a copy as the packet crosses the hooks (marks, NAT rewrites, out interface).
#pragma once
#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include "common/result.h"
#include "model/family.h"

namespace cx::eval {

using Addr = std::array<std::uint8_t, 16>;

// Conntrack's view of the packet (xt_conntrack's state bits).
enum class CtState : std::uint8_t { New, Established, Related, Invalid, Untracked };
std::string_view ct_state_name(CtState s);
std::optional<CtState> parse_ct_state(std::string_view s);

// Protocol numbers the evaluator knows the headers of.
inline constexpr std::uint8_t kProtoIcmp = 1, kProtoTcp = 6, kProtoUdp = 17, kProtoIcmp6 = 58;

// TCP flag bits as in the header's 13th byte.
inline constexpr std::uint8_t kTcpFin = 0x01, kTcpSyn = 0x02, kTcpRst = 0x04, kTcpPsh = 0x08,
                              kTcpAck = 0x10, kTcpUrg = 0x20;

enum class PktType : std::uint8_t { Host, Broadcast, Multicast, Other };

struct Packet {
  Family family = Family::V4;
  // Interfaces: the walker fills in/out per hook ("" where the kernel has no device, e.g.
  // the out interface in INPUT). An unset optional means "not known": matches on it are
  // undecidable.
  std::optional<std::string> iniface, outiface;
  Addr src{}, dst{};
  std::uint8_t proto = kProtoTcp;      // the transport protocol (IPv6: after extension headers)
  std::uint16_t sport = 0, dport = 0;  // TCP/UDP (and other port protocols)
  std::uint8_t tcp_flags = kTcpSyn;
  std::uint8_t icmp_type = 8, icmp_code = 0;  // ICMP / ICMPv6
  std::uint16_t icmp_id = 0;
  std::uint32_t mark = 0;
  std::uint8_t tos = 0;      // IPv4 TOS / IPv6 traffic class
  std::uint8_t ttl = 64;     // TTL / hop limit
  std::uint32_t length = 0;  // whole IP packet in bytes; 0: computed from the headers
  std::uint32_t payload_len = 0;
  bool fragment = false;  // a non-first fragment (no transport header)
  PktType pkttype = PktType::Host;
  std::optional<std::array<std::uint8_t, 6>> src_mac;

  // Conntrack. `ct_state` unset means: what conntrack gives the first packet of a
  // connection it has not seen (see fresh_ct_state()).
  std::optional<CtState> ct_state;
  bool ct_reply = false;                   // the packet goes in the reply direction
  bool ct_dir_given = false;               // --ctdir given (else: unknown unless NEW)
  std::optional<std::uint32_t> ct_status;  // IPS_* bits; unset: unknown unless NEW

  // The local socket for locally generated packets (owner match).
  std::optional<std::uint32_t> uid, gid;

  std::uint32_t ip_length() const;  // `length` or computed
  bool has_ports() const;           // TCP, UDP, UDP-Lite, SCTP, DCCP
};

// The state conntrack gives a packet whose tuple it has not seen: NEW for a TCP SYN (or, with
// the default nf_conntrack_tcp_loose=1, a plain ACK), UDP and other protocols, ICMP queries;
// INVALID for bad TCP flag combinations, SYN+ACK, FIN, RST and ICMP replies/errors with no
// connection; UNTRACKED for ICMPv6 neighbour discovery and MLD.
CtState fresh_ct_state(const Packet& p);

// "198.51.100.7" / "2001:db8::1" (no mask).
Result<Addr> parse_addr(std::string_view s, Family family);
std::string addr_to_string(const Addr& a, Family family);
// "198.51.100.0/24" -> address and prefix length (full length when no "/").
Result<std::pair<Addr, int>> parse_prefix(std::string_view s, Family family);
bool in_prefix(const Addr& a, const Addr& net, int len, Family family);

}  // namespace cx::eval
