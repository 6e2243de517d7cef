#include "tools/eval_support.h"

#include <fcntl.h>
#include <ifaddrs.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "common/parse.h"
#include "core/session.h"
#include "restore/parse_save.h"

namespace cx::tools {

Result<std::string> read_text_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return other_error("cannot open " + path + ": " + std::strerror(errno));
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

namespace {

const char* program_of(Family f) { return f == Family::V4 ? "iptables" : "ip6tables"; }

// Base chains the kernel does not hold (read_table lists them anyway) are not hooked.
void drop_absent_base_chains(model::Table& t) {
  std::erase_if(t.chains, [](const model::Chain& c) {
    return c.builtin && c.handle == 0 && c.rules.empty();
  });
}

}  // namespace

Result<eval::Ruleset> load_live_ruleset(Family family) {
  core::Session session(family, program_of(family));
  CX_TRY(session.connect());
  CX_TRY(session.refresh());
  auto names = session.existing_tables();
  if (!names) return names.take_error();
  eval::Ruleset rs;
  rs.family = family;
  for (const std::string& n : *names) {
    auto t = session.read_table(n);
    if (!t) return t.take_error();
    drop_absent_base_chains(*t);
    rs.tables.push_back(std::move(*t));
  }
  return rs;
}

Result<eval::Ruleset> ruleset_from_text(Family family, const std::string& text) {
  auto tables = restore::parse_save(text, family, program_of(family));
  if (!tables) return tables.take_error();
  eval::Ruleset rs;
  rs.family = family;
  rs.tables = std::move(*tables);
  return rs;
}

Result<eval::Ruleset> load_file_ruleset(Family family, const std::string& path) {
  auto text = read_text_file(path);
  if (!text) return text.take_error();
  auto rs = ruleset_from_text(family, *text);
  if (!rs) {
    Error e = rs.take_error();
    if (e.line) e.message = path + ":" + std::to_string(e.line) + ": " + e.message;
    return e;
  }
  return rs;
}

Status enter_netns(const std::string& name) {
  std::string path = name.find('/') == std::string::npos ? "/run/netns/" + name : name;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return other_error("cannot open network namespace " + path + ": " + std::strerror(errno));
  int rc = ::setns(fd, CLONE_NEWNET);
  int err = errno;
  ::close(fd);
  if (rc != 0)
    return other_error("cannot enter network namespace " + path + ": " + std::strerror(err));
  return {};
}

std::vector<std::pair<std::string, eval::Addr>> host_addresses(Family family) {
  std::vector<std::pair<std::string, eval::Addr>> out;
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return out;
  for (ifaddrs* i = list; i; i = i->ifa_next) {
    if (!i->ifa_addr) continue;
    eval::Addr a{};
    if (family == Family::V4 && i->ifa_addr->sa_family == AF_INET) {
      std::memcpy(a.data(), &reinterpret_cast<sockaddr_in*>(i->ifa_addr)->sin_addr, 4);
    } else if (family == Family::V6 && i->ifa_addr->sa_family == AF_INET6) {
      std::memcpy(a.data(), &reinterpret_cast<sockaddr_in6*>(i->ifa_addr)->sin6_addr, 16);
    } else {
      continue;
    }
    out.emplace_back(i->ifa_name, a);
  }
  freeifaddrs(list);
  return out;
}

std::optional<std::string> kernel_route(const eval::Addr& dst, Family family) {
  int fd = ::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (fd < 0) return std::nullopt;
  struct {
    nlmsghdr nh;
    rtmsg rt;
    char attrs[64];
  } req{};
  const int alen = addr_len(family);
  req.nh.nlmsg_type = RTM_GETROUTE;
  req.nh.nlmsg_flags = NLM_F_REQUEST;
  req.nh.nlmsg_seq = 1;
  req.rt.rtm_family = family == Family::V4 ? AF_INET : AF_INET6;
  req.rt.rtm_dst_len = static_cast<unsigned char>(alen * 8);
  auto* rta = reinterpret_cast<rtattr*>(req.attrs);
  rta->rta_type = RTA_DST;
  rta->rta_len = static_cast<unsigned short>(RTA_LENGTH(alen));
  std::memcpy(RTA_DATA(rta), dst.data(), static_cast<std::size_t>(alen));
  req.nh.nlmsg_len = static_cast<__u32>(NLMSG_LENGTH(sizeof(rtmsg)) + RTA_ALIGN(rta->rta_len));
  std::optional<std::string> result;
  if (::send(fd, &req, req.nh.nlmsg_len, 0) >= 0) {
    char buf[8192];
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n > 0) {
      auto* nh = reinterpret_cast<nlmsghdr*>(buf);
      if (NLMSG_OK(nh, static_cast<unsigned>(n)) && nh->nlmsg_type == RTM_NEWROUTE) {
        auto* rt = static_cast<rtmsg*>(NLMSG_DATA(nh));
        int len = static_cast<int>(nh->nlmsg_len) - static_cast<int>(NLMSG_LENGTH(sizeof(*rt)));
        for (rtattr* a = RTM_RTA(rt); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
          if (a->rta_type != RTA_OIF) continue;
          int ifindex = 0;
          std::memcpy(&ifindex, RTA_DATA(a), sizeof ifindex);
          char name[IF_NAMESIZE] = {};
          if (if_indextoname(static_cast<unsigned>(ifindex), name)) result = std::string(name);
        }
      }
    }
  }
  ::close(fd);
  return result;
}

namespace {

Result<std::uint8_t> tcp_flags_of(std::string_view s) {
  static constexpr std::pair<const char*, std::uint8_t> kNames[] = {
      {"FIN", 0x01}, {"SYN", 0x02}, {"RST", 0x04}, {"PSH", 0x08}, {"ACK", 0x10},
      {"URG", 0x20}, {"ECE", 0x40}, {"CWR", 0x80}, {"NONE", 0}};
  std::uint8_t v = 0;
  for (const std::string& w : split(s, ',')) {
    bool found = false;
    for (const auto& [n, bit] : kNames)
      if (to_lower(w) == to_lower(n)) {
        v |= bit;
        found = true;
      }
    if (!found) return parameter_error("unknown TCP flag \"" + w + "\"");
  }
  return v;
}

Result<std::uint64_t> number(std::string_view opt, std::string_view v, std::uint64_t max) {
  auto n = parse_unsigned(v, max);
  if (!n) return parameter_error("bad value \"" + std::string(v) + "\" for " + std::string(opt));
  return *n;
}

}  // namespace

Result<bool> parse_packet_option(const std::vector<std::string>& args, std::size_t& i,
                                 PacketArgs& pa) {
  const std::string& a = args[i];
  eval::Packet& p = pa.packet;
  auto value = [&]() -> Result<std::string> {
    if (i + 1 >= args.size()) return parameter_error("option " + a + " needs a value");
    return args[++i];
  };
#define CX_VALUE(var)                        \
  auto var##_r = value();                    \
  if (!var##_r) return var##_r.take_error(); \
  const std::string& var = *var##_r
  if (a == "-4" || a == "--ipv4" || a == "-6" || a == "--ipv6") {
    p.family = (a == "-4" || a == "--ipv4") ? Family::V4 : Family::V6;
    pa.family_given = true;
    return true;
  }
  if (a == "--in" || a == "-i") {
    CX_VALUE(v);
    p.iniface = v;
    return true;
  }
  if (a == "--out" || a == "-o") {
    CX_VALUE(v);
    p.outiface = v;
    return true;
  }
  if (a == "--src" || a == "-s" || a == "--dst" || a == "-d") {
    CX_VALUE(v);
    bool src = a == "--src" || a == "-s";
    if (!pa.family_given) p.family = v.find(':') != std::string::npos ? Family::V6 : Family::V4;
    auto addr = eval::parse_addr(v, p.family);
    if (!addr) return addr.take_error();
    (src ? p.src : p.dst) = *addr;
    (src ? pa.src_given : pa.dst_given) = true;
    return true;
  }
  if (a == "-p" || a == "--proto" || a == "--protocol") {
    CX_VALUE(v);
    auto pr = parse_protocol(v == "icmpv6" || v == "icmp6" ? "ipv6-icmp" : v);
    if (!pr) return pr.take_error();
    p.proto = *pr;
    return true;
  }
  if (a == "--sport" || a == "--dport") {
    CX_VALUE(v);
    auto n = parse_port(v, p.proto == eval::kProtoUdp ? "udp" : "tcp");
    if (!n) return n.take_error();
    (a == "--sport" ? p.sport : p.dport) = *n;
    (a == "--sport" ? pa.sport_given : pa.dport_given) = true;
    return true;
  }
  if (a == "--syn" || a == "--ack" || a == "--synack" || a == "--rst" || a == "--fin") {
    p.tcp_flags = a == "--syn"      ? eval::kTcpSyn
                  : a == "--ack"    ? eval::kTcpAck
                  : a == "--synack" ? (eval::kTcpSyn | eval::kTcpAck)
                  : a == "--rst"    ? eval::kTcpRst
                                    : (eval::kTcpFin | eval::kTcpAck);
    pa.flags_given = true;
    return true;
  }
  if (a == "--tcp-flags" || a == "--flags") {
    CX_VALUE(v);
    auto f = tcp_flags_of(v);
    if (!f) return f.take_error();
    p.tcp_flags = *f;
    pa.flags_given = true;
    return true;
  }
  if (a == "--icmp-type" || a == "--icmpv6-type") {
    CX_VALUE(v);
    std::string t = v, c;
    if (auto slash = v.find('/'); slash != std::string::npos) {
      t = v.substr(0, slash);
      c = v.substr(slash + 1);
    }
    static constexpr std::pair<const char*, int> kNames[] = {{"echo-request", -1},
                                                             {"echo-reply", -2},
                                                             {"destination-unreachable", -3},
                                                             {"port-unreachable", -4},
                                                             {"time-exceeded", -5},
                                                             {"neighbour-solicitation", 135},
                                                             {"neighbor-solicitation", 135},
                                                             {"neighbour-advertisement", 136},
                                                             {"neighbor-advertisement", 136},
                                                             {"router-solicitation", 133},
                                                             {"router-advertisement", 134}};
    bool v6 = p.family == Family::V6 || a == "--icmpv6-type";
    int type = -100;
    for (const auto& [n, code] : kNames)
      if (t == n) type = code;
    if (type == -1) type = v6 ? 128 : 8;
    if (type == -2) type = v6 ? 129 : 0;
    if (type == -3) type = v6 ? 1 : 3;
    if (type == -4) {
      type = v6 ? 1 : 3;
      if (c.empty()) c = v6 ? "4" : "3";
    }
    if (type == -5) type = v6 ? 3 : 11;
    if (type == -100) {
      auto n = number(a, t, 255);
      if (!n) return n.take_error();
      type = static_cast<int>(*n);
    }
    p.icmp_type = static_cast<std::uint8_t>(type);
    p.icmp_code = 0;
    if (!c.empty()) {
      auto n = number(a, c, 255);
      if (!n) return n.take_error();
      p.icmp_code = static_cast<std::uint8_t>(*n);
    }
    pa.icmp_given = true;
    return true;
  }
  if (a == "--icmp-id") {
    CX_VALUE(v);
    auto n = number(a, v, 65535);
    if (!n) return n.take_error();
    p.icmp_id = static_cast<std::uint16_t>(*n);
    return true;
  }
  if (a == "--mark") {
    CX_VALUE(v);
    auto n = number(a, v, UINT32_MAX);
    if (!n) return n.take_error();
    p.mark = static_cast<std::uint32_t>(*n);
    return true;
  }
  if (a == "--ctstate" || a == "--state") {
    CX_VALUE(v);
    auto s = eval::parse_ct_state(v);
    if (!s) return parameter_error("unknown conntrack state \"" + v + "\"");
    p.ct_state = *s;
    return true;
  }
  if (a == "--ctdir") {
    CX_VALUE(v);
    if (to_lower(v) != "original" && to_lower(v) != "reply")
      return parameter_error("--ctdir takes ORIGINAL or REPLY");
    p.ct_reply = to_lower(v) == "reply";
    p.ct_dir_given = true;
    return true;
  }
  if (a == "--ctstatus") {
    CX_VALUE(v);
    std::uint32_t st = 0;
    for (const std::string& w : split(v, ',')) {
      std::string u = to_lower(w);
      if (u == "expected")
        st |= 1;
      else if (u == "seen_reply")
        st |= 2;
      else if (u == "assured")
        st |= 4;
      else if (u == "confirmed")
        st |= 8;
      else if (u != "none")
        return parameter_error("unknown conntrack status \"" + w + "\"");
    }
    p.ct_status = st;
    return true;
  }
  if (a == "--length" || a == "--len") {
    CX_VALUE(v);
    auto n = number(a, v, 65535);
    if (!n) return n.take_error();
    p.length = static_cast<std::uint32_t>(*n);
    return true;
  }
  if (a == "--payload") {
    CX_VALUE(v);
    auto n = number(a, v, 65535);
    if (!n) return n.take_error();
    p.payload_len = static_cast<std::uint32_t>(*n);
    return true;
  }
  if (a == "--tos" || a == "--ttl") {
    CX_VALUE(v);
    auto n = number(a, v, 255);
    if (!n) return n.take_error();
    (a == "--tos" ? p.tos : p.ttl) = static_cast<std::uint8_t>(*n);
    return true;
  }
  if (a == "--fragment") {
    p.fragment = true;
    return true;
  }
  if (a == "--uid" || a == "--gid") {
    CX_VALUE(v);
    auto n = number(a, v, UINT32_MAX);
    if (!n) return n.take_error();
    (a == "--uid" ? p.uid : p.gid) = static_cast<std::uint32_t>(*n);
    return true;
  }
  if (a == "--local") {
    pa.path = eval::Options::Path::Local;
    return true;
  }
  if (a == "--forward") {
    pa.path = eval::Options::Path::Forward;
    return true;
  }
  if (a == "--outgoing") {
    pa.outgoing = true;
    return true;
  }
  if (a == "--assume-match" || a == "--assume-nomatch") {
    CX_VALUE(v);
    pa.assume[v] = a == "--assume-match";
    return true;
  }
#undef CX_VALUE
  return false;
}

Status finish_packet(PacketArgs& pa) {
  eval::Packet& p = pa.packet;
  const Family f = p.family;
  auto set = [&](eval::Addr& a, const char* v4, const char* v6) {
    auto r = eval::parse_addr(f == Family::V4 ? v4 : v6, f);
    if (r) a = *r;
  };
  if (!pa.src_given) set(p.src, "198.51.100.1", "2001:db8:ffff::1");
  if (!pa.dst_given) set(p.dst, "192.0.2.1", "2001:db8::1");
  if (p.proto == eval::kProtoIcmp && f == Family::V6) p.proto = eval::kProtoIcmp6;
  if (p.proto == eval::kProtoIcmp6 && f == Family::V4) p.proto = eval::kProtoIcmp;
  if (!pa.icmp_given) p.icmp_type = f == Family::V4 ? 8 : 128;
  if (!pa.sport_given) p.sport = 40000;
  if (!pa.dport_given) p.dport = 80;
  return {};
}

}  // namespace cx::tools
