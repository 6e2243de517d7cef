#include "eval/pcap.h"

#include <dlfcn.h>
#include <pcap/pcap.h>

#include <cstdio>
#include <cstring>

namespace cx::eval {

namespace {

// libpcap is opened when a capture is read, not linked: Debian's libpcap pulls in D-Bus and
// systemd's libraries (nine shared objects), which every iptables command would otherwise
// load at start-up for nothing.
struct Libpcap {
  decltype(&::pcap_fopen_offline) fopen_offline = nullptr;
  decltype(&::pcap_datalink) datalink = nullptr;
  decltype(&::pcap_next_ex) next_ex = nullptr;
  decltype(&::pcap_geterr) geterr = nullptr;
  decltype(&::pcap_close) close = nullptr;
  decltype(&::pcap_datalink_val_to_name) datalink_val_to_name = nullptr;
  std::string error;
};

template <class F>
bool bind(void* lib, const char* name, F& f, std::string& error) {
  f = reinterpret_cast<F>(dlsym(lib, name));
  if (!f && error.empty()) error = std::string("libpcap lacks ") + name;
  return f != nullptr;
}

const Libpcap& libpcap() {
  static const Libpcap api = [] {
    Libpcap a;
    void* lib = dlopen("libpcap.so.0.8", RTLD_NOW | RTLD_LOCAL);
    if (!lib) lib = dlopen("libpcap.so.1", RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
      const char* why = dlerror();
      a.error = std::string("cannot load libpcap (") + (why ? why : "not found") + ")";
      return a;
    }
    bind(lib, "pcap_fopen_offline", a.fopen_offline, a.error);
    bind(lib, "pcap_datalink", a.datalink, a.error);
    bind(lib, "pcap_next_ex", a.next_ex, a.error);
    bind(lib, "pcap_geterr", a.geterr, a.error);
    bind(lib, "pcap_close", a.close, a.error);
    bind(lib, "pcap_datalink_val_to_name", a.datalink_val_to_name, a.error);
    return a;
  }();
  return api;
}

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
  // libpcap reads both formats (pcap and pcapng) from a stream; the capture is in memory.
  if (bytes.empty()) return other_error("not a capture file (empty)");
  FILE* in = fmemopen(const_cast<char*>(bytes.data()), bytes.size(), "rb");
  if (!in) return other_error("cannot read the capture");
  const Libpcap& pcap = libpcap();
  if (!pcap.error.empty()) {
    std::fclose(in);
    return other_error(pcap.error);
  }
  char errbuf[PCAP_ERRBUF_SIZE] = "";
  pcap_t* pc = pcap.fopen_offline(in, errbuf);  // owns `in` from here on
  if (!pc) {
    std::fclose(in);
    return other_error(std::string("not a pcap or pcapng file (") + errbuf + ")");
  }
  const int linktype = pcap.datalink(pc);
  std::vector<PcapPacket> out;
  std::size_t index = 0;
  while (true) {
    pcap_pkthdr* hdr = nullptr;
    const u_char* data = nullptr;
    const int rc = pcap.next_ex(pc, &hdr, &data);
    if (rc == PCAP_ERROR_BREAK) break;  // end of the file
    if (rc != 1) {
      std::string why = pcap.geterr(pc);
      pcap.close(pc);
      return other_error("capture record " + std::to_string(index + 1) + ": " + why);
    }
    const std::uint8_t* d = data;
    const std::size_t len = hdr->caplen;
    PcapPacket pp;
    pp.index = ++index;
    std::size_t off = 0;
    std::uint16_t ethertype = 0;
    bool have_type = true;
    switch (linktype) {
      case DLT_EN10MB:  // Ethernet, with VLAN tags skipped
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
      case DLT_LINUX_SLL:  // Linux cooked v1
        if (len < 16) {
          pp.skipped = "truncated SLL header";
          break;
        }
        ethertype = be16(d + 14);
        off = 16;
        break;
      case DLT_LINUX_SLL2:  // Linux cooked v2
        if (len < 20) {
          pp.skipped = "truncated SLL2 header";
          break;
        }
        ethertype = be16(d);
        off = 20;
        break;
      case DLT_NULL:  // BSD loopback: 4-byte family in host order
        off = 4;
        have_type = false;
        break;
      case DLT_RAW:
      case 14:  // DLT_RAW on some systems
      case DLT_IPV4:
      case DLT_IPV6:
        have_type = false;
        break;
      default:
        pcap.close(pc);
        return other_error(
            "capture link type " + std::to_string(linktype) + " (" +
            (pcap.datalink_val_to_name(linktype) ? pcap.datalink_val_to_name(linktype) : "?") +
            ") is not supported");
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
  pcap.close(pc);
  return out;
}

}  // namespace cx::eval
