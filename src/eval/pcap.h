// Packets of a capture file (pcap or pcapng, read with libpcap) as packet descriptions.
// Link types: Ethernet, raw IP (also IPv4/IPv6-only), Linux cooked v1 and v2, BSD loopback.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "common/result.h"
#include "eval/packet.h"

namespace cx::eval {

struct PcapPacket {
  std::size_t index = 0;  // 1-based record number
  Packet packet;
  std::string skipped;  // non-empty: why the record is not an IP packet we can read
};

Result<std::vector<PcapPacket>> parse_pcap(const std::string& bytes);

// An IPv4 or IPv6 packet starting at its IP header; the reason in `why` when not.
std::optional<Packet> parse_ip_packet(const std::uint8_t* data, std::size_t len, std::string& why);

}  // namespace cx::eval
