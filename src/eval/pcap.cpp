#include "eval/pcap.h"

#include <cstring>

namespace cx::eval {

namespace {

std::uint16_t be16(const std::uint8_t* p) { return static_cast<std::uint16_t>(p[0] << 8 | p[1]); }

}  // namespace

std::optional<Packet> parse_ip_packet(const std::uint8_t* d, std::size_t len, std::string& why) {
  if (len < 1) {
    why = "empty packet";
    return std::nullopt;
  }
  Packet p;
  std::size_t l4 = 0;
  std::uint8_t proto = 0;
  int version = d[0] >> 4;
  if (version == 4) {
    std::size_t ihl = static_cast<std::size_t>(d[0] & 0x0f) * 4;
    if (len < 20 || ihl < 20 || len < ihl) {
      why = "truncated IPv4 header";
      return std::nullopt;
    }
    p.family = Family::V4;
    p.tos = d[1];
    p.length = be16(d + 2);
    std::uint16_t frag = be16(d + 6);
    p.fragment = (frag & 0x1fff) != 0;
    p.ttl = d[8];
    proto = d[9];
    std::memcpy(p.src.data(), d + 12, 4);
    std::memcpy(p.dst.data(), d + 16, 4);
    l4 = ihl;
  } else if (version == 6) {
    if (len < 40) {
      why = "truncated IPv6 header";
      return std::nullopt;
    }
    p.family = Family::V6;
    p.tos = static_cast<std::uint8_t>((d[0] & 0x0f) << 4 | d[1] >> 4);
    p.length = 40u + be16(d + 4);
    p.ttl = d[7];
    std::memcpy(p.src.data(), d + 8, 16);
    std::memcpy(p.dst.data(), d + 24, 16);
    proto = d[6];
    l4 = 40;
    // Extension headers: hop-by-hop, routing, destination options, fragment.
    for (int n = 0; n < 8; ++n) {
      if (proto == 0 || proto == 43 || proto == 60) {
        if (len < l4 + 8) break;
        std::uint8_t next = d[l4];
        l4 += (static_cast<std::size_t>(d[l4 + 1]) + 1) * 8;
        proto = next;
      } else if (proto == 44) {
        if (len < l4 + 8) break;
        std::uint8_t next = d[l4];
        p.fragment = (be16(d + l4 + 2) & 0xfff8) != 0;
        l4 += 8;
        proto = next;
      } else {
        break;
      }
    }
  } else {
    why = "not an IP packet (version " + std::to_string(version) + ")";
    return std::nullopt;
  }
  p.proto = proto;
  p.tcp_flags = 0;
  p.icmp_type = p.icmp_code = 0;
  if (p.fragment) return p;
  const std::uint8_t* h = d + l4;
  std::size_t avail = len > l4 ? len - l4 : 0;
  if (p.has_ports() && avail >= 4) {
    p.sport = be16(h);
    p.dport = be16(h + 2);
  }
  if (proto == kProtoTcp && avail >= 14) p.tcp_flags = h[13];
  if ((proto == kProtoIcmp || proto == kProtoIcmp6) && avail >= 2) {
    p.icmp_type = h[0];
    p.icmp_code = h[1];
    if (avail >= 6) p.icmp_id = be16(h + 4);
  }
  return p;
}

Result<std::vector<PcapPacket>> parse_pcap(const std::string& bytes) {
  const auto* b = reinterpret_cast<const std::uint8_t*>(bytes.data());
  if (bytes.size() < 24) return other_error("not a pcap file (too short)");
  std::uint32_t magic;
  std::memcpy(&magic, b, 4);
  bool swap = false;
  if (magic == 0xa1b2c3d4 || magic == 0xa1b23c4d) {
    swap = false;
  } else if (magic == 0xd4c3b2a1 || magic == 0x4d3cb2a1) {
    swap = true;
  } else {
    return other_error(
        "not a pcap file (pcapng is not supported; convert it with editcap -F pcap)");
  }
  auto u32 = [&](const std::uint8_t* p) {
    std::uint32_t v;
    std::memcpy(&v, p, 4);
    return swap ? __builtin_bswap32(v) : v;
  };
  std::uint32_t linktype = u32(b + 20) & 0x0fffffff;
  std::vector<PcapPacket> out;
  std::size_t pos = 24;
  std::size_t index = 0;
  while (pos + 16 <= bytes.size()) {
    std::uint32_t caplen = u32(b + pos + 8);
    pos += 16;
    if (caplen > bytes.size() - pos)
      return other_error("truncated pcap record " + std::to_string(index + 1));
    const std::uint8_t* d = b + pos;
    std::size_t len = caplen;
    pos += caplen;
    PcapPacket pp;
    pp.index = ++index;
    std::size_t off = 0;
    std::uint16_t ethertype = 0;
    bool have_type = true;
    switch (linktype) {
      case 1:  // Ethernet, with VLAN tags skipped
        if (len < 14) {
          pp.skipped = "truncated Ethernet header";
          break;
        }
        ethertype = be16(d + 12);
        off = 14;
        while ((ethertype == 0x8100 || ethertype == 0x88a8) && len >= off + 4) {
          ethertype = be16(d + off + 2);
          off += 4;
        }
        if (len >= 12) {
          std::array<std::uint8_t, 6> mac;
          std::memcpy(mac.data(), d + 6, 6);
          pp.packet.src_mac = mac;
        }
        break;
      case 113:  // Linux cooked v1
        if (len < 16) {
          pp.skipped = "truncated SLL header";
          break;
        }
        ethertype = be16(d + 14);
        off = 16;
        break;
      case 276:  // Linux cooked v2
        if (len < 20) {
          pp.skipped = "truncated SLL2 header";
          break;
        }
        ethertype = be16(d);
        off = 20;
        break;
      case 0:  // BSD loopback: 4-byte family in host order
        off = 4;
        have_type = false;
        break;
      case 101:
      case 12:
      case 14:
      case 228:
      case 229:
        have_type = false;
        break;
      default:
        return other_error("pcap link type " + std::to_string(linktype) + " is not supported");
    }
    if (pp.skipped.empty()) {
      if (have_type && ethertype != 0x0800 && ethertype != 0x86dd) {
        pp.skipped = "not IP (ethertype " + std::to_string(ethertype) + ")";
      } else if (off > len) {
        pp.skipped = "truncated";
      } else {
        auto mac = pp.packet.src_mac;
        auto p = parse_ip_packet(d + off, len - off, pp.skipped);
        if (p) {
          pp.packet = *p;
          pp.packet.src_mac = mac;
        }
      }
    }
    out.push_back(std::move(pp));
  }
  return out;
}

}  // namespace cx::eval
