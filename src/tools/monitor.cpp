// xtables-monitor: prints the ruleset changes the kernel announces (--event) and the packets
// it traces through rules marked by -j TRACE (--trace), line for line as iptables-nft 1.8.9's
// xtables-monitor prints them. Tables, base chains and traces are read with libnftnl and
// printed as libnftnl prints them; rules are lifted into the model and printed in save form.
#include <arpa/inet.h>
#include <getopt.h>
#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/table.h>
#include <libnftnl/trace.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netinet/ether.h>
#include <netinet/ip.h>
#include <netinet/ip6.h>
#include <netinet/tcp.h>

#include <cinttypes>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "cli/print.h"
#include "codec/rule_codec.h"
#include "nft/netlink.h"
#include "tools/commands.h"

namespace cx::tools {

namespace {

struct MonitorOptions {
  bool counters = false, trace = false, events = false;
  std::uint32_t nfproto = 0;  // 0: every family
};

std::string fmt(const char* f, ...) __attribute__((format(printf, 1, 2)));
std::string fmt(const char* f, ...) {
  char buf[512];
  va_list ap;
  va_start(ap, f);
  std::vsnprintf(buf, sizeof buf, f, ap);
  va_end(ap);
  return buf;
}

// "-4 -t filter -A INPUT ..." (no newline), the way a rule event or a traced rule is shown;
// false when the rule cannot be read (its error is printed and the monitor stops, as
// iptables-nft's does).
bool print_rule(const nft::RuleObj& obj, std::uint32_t family, bool deleted,
                const MonitorOptions& opt, int& exit_code) {
  if (family != NFPROTO_IPV4 && family != NFPROTO_IPV6) {
    std::fputs(family == NFPROTO_ARP ? "-0 \n" : "\n", stdout);
    return true;
  }
  const Family f = family == NFPROTO_IPV4 ? Family::V4 : Family::V6;
  std::printf("-%c -t %s ", f == Family::V4 ? '4' : '6', obj.table.c_str());
  model::Rule rule = codec::decode_rule(obj.exprs, f, obj.userdata);
  if (rule.incompatible) {
    std::fflush(stdout);
    Error e = codec::lift_error(rule, "xtables-monitor");
    print_error("xtables-monitor", e);
    exit_code = e.exit_code();
    return false;
  }
  std::string line = cli::save_rule(rule, obj.chain, f, false);
  if (deleted) line.replace(0, 2, "-D");
  if (opt.counters)
    line = fmt("[%" PRIu64 ":%" PRIu64 "] ", rule.counters.packets, rule.counters.bytes) + line;
  std::printf("%s\n", line.c_str());
  return true;
}

void print_table(const nlmsghdr* nlh, std::uint32_t type, const MonitorOptions& opt) {
  nftnl_table* t = nftnl_table_alloc();
  if (!t) return;
  if (nftnl_table_nlmsg_parse(nlh, t) >= 0 &&
      (!opt.nfproto || opt.nfproto == nftnl_table_get_u32(t, NFTNL_TABLE_FAMILY))) {
    char buf[4096];
    nftnl_table_snprintf(buf, sizeof buf, t, NFTNL_OUTPUT_DEFAULT, 0);
    std::printf(" EVENT: nft: %s table: %s\n", type == NFT_MSG_NEWTABLE ? "NEW" : "DEL", buf);
  }
  nftnl_table_free(t);
}

// A user chain as "-4 -t TABLE -N|-X NAME"; a base chain (one with a priority) and chains of
// other families as libnftnl prints them.
void print_chain(const nlmsghdr* nlh, std::uint32_t type, const MonitorOptions& opt) {
  nftnl_chain* c = nftnl_chain_alloc();
  if (!c) return;
  if (nftnl_chain_nlmsg_parse(nlh, c) >= 0) {
    const std::uint32_t family = nftnl_chain_get_u32(c, NFTNL_CHAIN_FAMILY);
    if (!opt.nfproto || opt.nfproto == family) {
      const bool base = nftnl_chain_is_set(c, NFTNL_CHAIN_PRIO);
      std::fputs(" EVENT: ", stdout);
      if (!base && (family == NFPROTO_IPV4 || family == NFPROTO_IPV6)) {
        std::printf("-%d -t %s -%c %s\n", family == NFPROTO_IPV4 ? 4 : 6,
                    nftnl_chain_get_str(c, NFTNL_CHAIN_TABLE), type == NFT_MSG_NEWCHAIN ? 'N' : 'X',
                    nftnl_chain_get_str(c, NFTNL_CHAIN_NAME));
      } else {
        char buf[4096];
        nftnl_chain_snprintf(buf, sizeof buf, c, NFTNL_OUTPUT_DEFAULT, 0);
        std::printf("# nft: %s\n", buf);
      }
    }
  }
  nftnl_chain_free(c);
}

void print_newgen(const nlmsghdr* nlh) {
  std::uint32_t genid = 0, pid = 0;
  const char* name = nullptr;
  const char* end = static_cast<const char*>(mnl_nlmsg_get_payload_tail(nlh));
  for (auto* attr = static_cast<const nlattr*>(mnl_nlmsg_get_payload_offset(nlh, sizeof(nfgenmsg)));
       mnl_attr_ok(attr, static_cast<int>(end - reinterpret_cast<const char*>(attr)));
       attr = mnl_attr_next(attr)) {
    switch (mnl_attr_get_type(attr)) {
      case NFTA_GEN_ID:
        if (mnl_attr_validate(attr, MNL_TYPE_U32) >= 0) genid = ntohl(mnl_attr_get_u32(attr));
        break;
      case NFTA_GEN_PROC_PID:
        if (mnl_attr_validate(attr, MNL_TYPE_U32) >= 0) pid = ntohl(mnl_attr_get_u32(attr));
        break;
      case NFTA_GEN_PROC_NAME:
        if (mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) >= 0) name = mnl_attr_get_str(attr);
        break;
    }
  }
  if (name) std::printf("NEWGEN: GENID=%u PID=%u NAME=%s\n", genid, pid, name);
}

std::string verdict_text(const nftnl_trace* t, std::uint32_t verdict) {
  auto target = [&]() -> std::string {
    if (!nftnl_trace_is_set(t, NFTNL_TRACE_JUMP_TARGET)) return {};
    return std::string(":") + nftnl_trace_get_str(t, NFTNL_TRACE_JUMP_TARGET);
  };
  switch (static_cast<std::int32_t>(verdict)) {
    case NF_ACCEPT:
      return "ACCEPT";
    case NF_DROP:
      return "DROP";
    case NF_QUEUE:
      return "QUEUE";
    case NF_STOLEN:
      return "STOLEN";
    case NFT_BREAK:
      return "BREAK";
    case NFT_CONTINUE:
      return "CONTINUE";
    case NFT_GOTO:
      return "GOTO" + target();
    case NFT_JUMP:
      return "JUMP" + target();
  }
  return fmt("0x%x", verdict);
}

// Bytes printed as iptables-nft prints them: from a plain char, so those above 0x7f come out
// sign-extended ("ffffff80").
std::string hex_bytes(const char* data, std::uint32_t len, bool upper) {
  std::string s;
  for (std::uint32_t i = 0; i < len; ++i) s += fmt(upper ? "%02X" : "%02x", data[i]);
  return s;
}

void print_link_layer(const nftnl_trace* t) {
  std::uint32_t len = 0;
  const char* ll = static_cast<const char*>(nftnl_trace_get_data(t, NFTNL_TRACE_LL_HEADER, &len));
  const std::uint16_t type = nftnl_trace_get_u16(t, NFTNL_TRACE_IIFTYPE);
  switch (type) {
    case ARPHRD_ETHER: {
      if (len < sizeof(ethhdr)) break;
      ethhdr eh;
      std::memcpy(&eh, ll, sizeof eh);
      std::printf("MACSRC=%s ", ether_ntoa(reinterpret_cast<const ether_addr*>(eh.h_source)));
      std::printf("MACDST=%s ", ether_ntoa(reinterpret_cast<const ether_addr*>(eh.h_dest)));
      std::printf("MACPROTO=%04x ", ntohs(eh.h_proto));
      break;
    }
    case ARPHRD_LOOPBACK:
      std::fputs("LOOPBACK ", stdout);
      break;
    default:
      std::printf("LL=0x%x %s ", type, hex_bytes(ll, len, false).c_str());
  }
}

// The network header; returns the transport protocol it names.
std::uint8_t print_network_layer(const nftnl_trace* t, std::uint32_t nfproto) {
  std::uint32_t len = 0;
  const char* nh =
      static_cast<const char*>(nftnl_trace_get_data(t, NFTNL_TRACE_NETWORK_HEADER, &len));
  char addr[INET6_ADDRSTRLEN];
  if (nfproto == NFPROTO_IPV4) {
    if (len < sizeof(iphdr)) return 0;
    iphdr ip;
    std::memcpy(&ip, nh, sizeof ip);
    std::printf("SRC=%s ", inet_ntop(AF_INET, &ip.saddr, addr, sizeof addr));
    std::printf("DST=%s ", inet_ntop(AF_INET, &ip.daddr, addr, sizeof addr));
    std::printf("LEN=%d TOS=0x%x TTL=%d ID=%d ", ntohs(ip.tot_len), ip.tos, ip.ttl, ntohs(ip.id));
    const std::uint16_t frag = ntohs(ip.frag_off);
    if (frag & 0x8000) std::fputs("CE ", stdout);
    if (frag & IP_DF) std::fputs("DF ", stdout);
    if (frag & IP_MF) std::fputs("MF ", stdout);
    if (frag & 0x1fff) std::printf("FRAG:%u ", frag & 0x1fff);
    if (ip.ihl * 4u > sizeof ip) {
      const std::uint32_t optsize = ip.ihl * 4u - sizeof ip;
      std::printf("OPT (%s) ", hex_bytes(nh + sizeof ip, optsize, true).c_str());
    }
    return ip.protocol;
  }
  if (nfproto == NFPROTO_IPV6) {
    if (len < sizeof(ip6_hdr)) return 0;
    ip6_hdr ip6;
    std::memcpy(&ip6, nh, sizeof ip6);
    std::uint32_t first = 0;
    std::memcpy(&first, nh, 4);
    first = ntohl(first);
    std::printf("SRC=%s ", inet_ntop(AF_INET6, &ip6.ip6_src, addr, sizeof addr));
    std::printf("DST=%s ", inet_ntop(AF_INET6, &ip6.ip6_dst, addr, sizeof addr));
    std::printf("LEN=%zu TC=%u HOPLIMIT=%u FLOWLBL=%u ", ntohs(ip6.ip6_plen) + sizeof(iphdr),
                (first & 0x0ff00000) >> 20, ip6.ip6_hops, first & 0x000fffff);
    return ip6.ip6_nxt;
  }
  std::printf("NH=%s ", hex_bytes(nh, len, false).c_str());
  return 0;
}

void print_transport_layer(const nftnl_trace* t, std::uint8_t l4proto) {
  std::uint32_t len = 0;
  const char* th =
      static_cast<const char*>(nftnl_trace_get_data(t, NFTNL_TRACE_TRANSPORT_HEADER, &len));
  std::uint16_t ports[2];
  switch (l4proto) {
    case IPPROTO_DCCP:
    case IPPROTO_SCTP:
    case IPPROTO_UDPLITE:
    case IPPROTO_UDP:
      if (len < 4) break;
      std::memcpy(ports, th, 4);
      std::printf("SPORT=%d DPORT=%d ", ntohs(ports[0]), ntohs(ports[1]));
      break;
    case IPPROTO_TCP: {
      if (len < sizeof(tcphdr)) break;
      tcphdr tcp;
      std::memcpy(&tcp, th, sizeof tcp);
      std::printf("SPORT=%d DPORT=%d ", ntohs(tcp.source), ntohs(tcp.dest));
      if (tcp.syn) std::fputs("SYN ", stdout);
      if (tcp.ack) std::fputs("ACK ", stdout);
      if (tcp.fin) std::fputs("FIN ", stdout);
      if (tcp.rst) std::fputs("RST ", stdout);
      if (tcp.psh) std::fputs("PSH ", stdout);
      if (tcp.urg) std::fputs("URG ", stdout);
      break;
    }
  }
}

void print_packet(const nftnl_trace* t) {
  const std::uint32_t family = nftnl_trace_get_u32(t, NFTNL_TRACE_FAMILY);
  std::printf("PACKET: %d %08x ", family, nftnl_trace_get_u32(t, NFTNL_TRACE_ID));
  char name[IF_NAMESIZE];
  if (nftnl_trace_is_set(t, NFTNL_TRACE_IIF))
    std::printf("IN=%s ", if_indextoname(nftnl_trace_get_u32(t, NFTNL_TRACE_IIF), name));
  if (nftnl_trace_is_set(t, NFTNL_TRACE_OIF))
    std::printf("OUT=%s ", if_indextoname(nftnl_trace_get_u32(t, NFTNL_TRACE_OIF), name));
  std::uint32_t nfproto = family;
  if (nftnl_trace_is_set(t, NFTNL_TRACE_NFPROTO)) {
    nfproto = nftnl_trace_get_u32(t, NFTNL_TRACE_NFPROTO);
    if (nfproto != family) std::printf("NFPROTO=%d ", nfproto);
  }
  if (nftnl_trace_is_set(t, NFTNL_TRACE_LL_HEADER)) print_link_layer(t);
  std::uint8_t l4proto = 0;
  if (nftnl_trace_is_set(t, NFTNL_TRACE_NETWORK_HEADER)) l4proto = print_network_layer(t, nfproto);
  if (nftnl_trace_is_set(t, NFTNL_TRACE_TRANSPORT_HEADER)) print_transport_layer(t, l4proto);
  if (std::uint32_t mark = nftnl_trace_get_u32(t, NFTNL_TRACE_MARK))
    std::printf("MARK=0x%x ", mark);
  std::fputs("\n", stdout);
}

void print_trace_header(const nftnl_trace* t) {
  std::printf(" TRACE: %d %08x %s:%s", nftnl_trace_get_u32(t, NFTNL_TRACE_FAMILY),
              nftnl_trace_get_u32(t, NFTNL_TRACE_ID), nftnl_trace_get_str(t, NFTNL_TRACE_TABLE),
              nftnl_trace_get_str(t, NFTNL_TRACE_CHAIN));
}

// The traced rule, asked from the kernel by its handle.
bool print_traced_rule(const nftnl_trace* t, const MonitorOptions& opt, int& exit_code) {
  const std::uint32_t family = nftnl_trace_get_u32(t, NFTNL_TRACE_FAMILY);
  const std::uint64_t handle = nftnl_trace_get_u64(t, NFTNL_TRACE_RULE_HANDLE);
  if (family != NFPROTO_IPV4 && family != NFPROTO_IPV6)
    return print_rule(nft::RuleObj{}, family, false, opt, exit_code);
  nft::Netlink nl;
  if (!nl.open()) return true;
  const Family f = family == NFPROTO_IPV4 ? Family::V4 : Family::V6;
  auto rules = nl.dump_rules(f, nftnl_trace_get_str(t, NFTNL_TRACE_TABLE),
                             nftnl_trace_get_str(t, NFTNL_TRACE_CHAIN));
  if (!rules) return true;
  for (const auto& r : *rules)
    if (r.handle == handle) return print_rule(r, family, false, opt, exit_code);
  return true;
}

bool print_trace(const nlmsghdr* nlh, const MonitorOptions& opt, int& exit_code) {
  nftnl_trace* t = nftnl_trace_alloc();
  if (!t) return true;
  bool go_on = true;
  if (nftnl_trace_nlmsg_parse(nlh, t) >= 0 &&
      (!opt.nfproto || opt.nfproto == nftnl_trace_get_u32(t, NFTNL_TRACE_FAMILY))) {
    switch (nftnl_trace_get_u32(t, NFTNL_TRACE_TYPE)) {
      case NFT_TRACETYPE_RULE:
        if (nftnl_trace_is_set(t, NFTNL_TRACE_LL_HEADER) ||
            nftnl_trace_is_set(t, NFTNL_TRACE_NETWORK_HEADER))
          print_packet(t);
        if (nftnl_trace_is_set(t, NFTNL_TRACE_RULE_HANDLE)) {
          print_trace_header(t);
          std::printf(":rule:0x%" PRIx64 ":%s  ", nftnl_trace_get_u64(t, NFTNL_TRACE_RULE_HANDLE),
                      verdict_text(t, nftnl_trace_get_u32(t, NFTNL_TRACE_VERDICT)).c_str());
          go_on = print_traced_rule(t, opt, exit_code);
        }
        break;
      case NFT_TRACETYPE_POLICY:
        print_trace_header(t);
        std::printf(":policy:%s \n",
                    verdict_text(t, nftnl_trace_get_u32(t, NFTNL_TRACE_POLICY)).c_str());
        break;
      case NFT_TRACETYPE_RETURN:
        print_trace_header(t);
        std::printf(":return:%s\n", nftnl_trace_is_set(t, NFTNL_TRACE_JUMP_TARGET)
                                        ? nftnl_trace_get_str(t, NFTNL_TRACE_JUMP_TARGET)
                                        : "");
        break;
    }
  }
  nftnl_trace_free(t);
  return go_on;
}

struct CallbackData {
  const MonitorOptions* opt;
  int exit_code = 0;
};

int on_message(const nlmsghdr* nlh, void* data) {
  auto* cb = static_cast<CallbackData*>(data);
  const MonitorOptions& opt = *cb->opt;
  const std::uint32_t type = nlh->nlmsg_type & 0xff;
  bool go_on = true;
  switch (type) {
    case NFT_MSG_NEWTABLE:
    case NFT_MSG_DELTABLE:
      print_table(nlh, type, opt);
      break;
    case NFT_MSG_NEWCHAIN:
    case NFT_MSG_DELCHAIN:
      print_chain(nlh, type, opt);
      break;
    case NFT_MSG_NEWRULE:
    case NFT_MSG_DELRULE: {
      const auto* g = static_cast<const nfgenmsg*>(mnl_nlmsg_get_payload(nlh));
      if (opt.nfproto && opt.nfproto != g->nfgen_family) break;
      auto obj = nft::parse_rule_message(nlh, nlh->nlmsg_len);
      if (!obj) break;
      std::fputs(" EVENT: ", stdout);
      go_on = print_rule(*obj, g->nfgen_family, type == NFT_MSG_DELRULE, opt, cb->exit_code);
      break;
    }
    case NFT_MSG_NEWGEN:
      print_newgen(nlh);
      break;
    case NFT_MSG_TRACE:
      go_on = print_trace(nlh, opt, cb->exit_code);
      break;
  }
  std::fflush(stdout);
  return go_on ? MNL_CB_OK : MNL_CB_STOP;
}

[[noreturn]] void usage_exit() {
  std::printf(
      "xtables-monitor 1.8.9 (nf_tables)\n"
      "Usage: xtables-monitor [ -t | -e ]\n"
      "        --trace    -t    trace ruleset traversal of packets tagged via -j TRACE rule\n"
      "        --event    -e    show events that modify the ruleset\n"
      "Optional arguments:\n"
      "        --ipv4     -4    only monitor IPv4\n"
      "        --ipv6     -6    only monitor IPv6\n"
      "\t--counters -c    show counters in rules\n");
  std::exit(1);
}

}  // namespace

int run_monitor(int argc, char** argv) {
  static const option kOptions[] = {
      {"counters", 0, nullptr, 'c'}, {"trace", 0, nullptr, 't'}, {"event", 0, nullptr, 'e'},
      {"ipv4", 0, nullptr, '4'},     {"ipv6", 0, nullptr, '6'},  {"version", 0, nullptr, 'V'},
      {"help", 0, nullptr, 'h'},     {nullptr, 0, nullptr, 0},
  };
  MonitorOptions opt;
  optind = 0;
  opterr = 0;
  int c;
  while ((c = getopt_long(argc, argv, "ceht46V", kOptions, nullptr)) != -1) {
    switch (c) {
      case 'c':
        opt.counters = true;
        break;
      case 't':
        opt.trace = true;
        break;
      case 'e':
        opt.events = true;
        break;
      case 'h':
        usage_exit();
      case '4':
        opt.nfproto = NFPROTO_IPV4;
        break;
      case '6':
        opt.nfproto = NFPROTO_IPV6;
        break;
      case 'V':
        std::printf("xtables-monitor 1.8.9\n");
        return 0;
      default:
        std::fputs("xtables-monitor 1.8.9: Bad argument.\n", stderr);
        std::fputs("Try `xtables-monitor -h' for more information.\n", stderr);
        return 2;
    }
  }
  unsigned groups = 0;
  if (opt.trace) groups |= 1u << (NFNLGRP_NFTRACE - 1);
  if (opt.events) groups |= 1u << (NFNLGRP_NFTABLES - 1);
  if (!groups) usage_exit();
  mnl_socket* nl = mnl_socket_open(NETLINK_NETFILTER);
  if (!nl) {
    std::perror("cannot open nfnetlink socket");
    return 1;
  }
  if (mnl_socket_bind(nl, groups, MNL_SOCKET_AUTOPID) < 0) {
    std::perror("cannot bind to nfnetlink socket");
    mnl_socket_close(nl);
    return 1;
  }
  CallbackData cb{&opt};
  std::vector<char> buf(MNL_SOCKET_BUFFER_SIZE);
  ssize_t n;
  while ((n = mnl_socket_recvfrom(nl, buf.data(), buf.size())) > 0) {
    if (mnl_cb_run(buf.data(), static_cast<std::size_t>(n), 0, 0, on_message, &cb) <= 0) break;
  }
  mnl_socket_close(nl);
  if (cb.exit_code) return cb.exit_code;
  if (n == -1) {
    std::perror("cannot receive from nfnetlink socket");
    return 1;
  }
  return 0;
}

}  // namespace cx::tools
