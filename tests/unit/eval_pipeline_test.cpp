// The evaluator (src/eval): packets walked through rulesets given in save format.
#include <gtest/gtest.h>

#include "eval/pcap.h"
#include "eval/pipeline.h"
#include "restore/parse_save.h"

namespace cx::eval {
namespace {

Ruleset rules(const std::string& text, Family f = Family::V4) {
  auto t = restore::parse_save(text, f, f == Family::V4 ? "iptables" : "ip6tables");
  EXPECT_TRUE(t.ok()) << (t.ok() ? "" : t.error().message);
  Ruleset rs;
  rs.family = f;
  if (t.ok()) rs.tables = std::move(*t);
  return rs;
}

Addr a4(const char* s) { return *parse_addr(s, Family::V4); }
Addr a6(const char* s) { return *parse_addr(s, Family::V6); }

Packet tcp_syn(const char* src, const char* dst, std::uint16_t dport, const char* in = "eth0") {
  Packet p;
  p.src = a4(src);
  p.dst = a4(dst);
  p.proto = kProtoTcp;
  p.sport = 40000;
  p.dport = dport;
  p.tcp_flags = kTcpSyn;
  p.iniface = std::string(in);
  return p;
}

Options local_host() {
  Options o;
  o.local_addrs = {a4("192.0.2.1"), a4("127.0.0.1")};
  o.routes = {{a4("198.51.100.0"), 24, "eth1"}};
  o.iface_addrs = {{"eth0", a4("192.0.2.1")}, {"eth1", a4("198.51.100.254")}};
  return o;
}

std::vector<Hit> hits(std::initializer_list<Hit> h) { return h; }

const char* kGuide =
    "*filter\n"
    ":INPUT DROP [0:0]\n"
    ":FORWARD ACCEPT [0:0]\n"
    ":OUTPUT ACCEPT [0:0]\n"
    "-A INPUT -i lo -j ACCEPT\n"
    "-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n"
    "-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT\n"
    "-A INPUT -p udp -m udp --dport 5353 -j ACCEPT\n"
    "COMMIT\n";

TEST(EvalPipeline, GuidePolicyAcceptsSshDropsOthers) {
  Ruleset rs = rules(kGuide);
  Trace t = walk(rs, tcp_syn("198.51.100.7", "192.0.2.1", 22), local_host());
  EXPECT_EQ(t.verdict, Verdict::Accept);
  EXPECT_TRUE(t.local);
  EXPECT_EQ(t.hits, hits({{"filter", "INPUT", 3}}));

  t = walk(rs, tcp_syn("198.51.100.7", "192.0.2.1", 8080), local_host());
  EXPECT_EQ(t.verdict, Verdict::Drop);
  EXPECT_EQ(t.table, "filter");
  EXPECT_EQ(t.chain, "INPUT");
  EXPECT_EQ(t.rule, 0);  // the policy
  EXPECT_EQ(t.hits, hits({{"filter", "INPUT", 0}}));

  Packet est = tcp_syn("198.51.100.7", "192.0.2.1", 8080);
  est.tcp_flags = kTcpAck;
  est.ct_state = CtState::Established;
  t = walk(rs, est, local_host());
  EXPECT_EQ(t.verdict, Verdict::Accept);
  EXPECT_EQ(t.hits, hits({{"filter", "INPUT", 2}}));

  // Forwarded: INPUT is not crossed.
  t = walk(rs, tcp_syn("203.0.113.9", "198.51.100.20", 8080), local_host());
  EXPECT_EQ(t.verdict, Verdict::Accept);
  EXPECT_FALSE(t.local);
  EXPECT_EQ(t.final_packet.outiface, std::optional<std::string>("eth1"));
  EXPECT_EQ(t.hits, hits({{"filter", "FORWARD", 0}}));
}

TEST(EvalPipeline, JumpGotoReturnAndPolicies) {
  Ruleset rs = rules(
      "*filter\n"
      ":INPUT DROP [0:0]\n"
      ":A - [0:0]\n"
      ":B - [0:0]\n"
      ":C - [0:0]\n"
      "-A INPUT -j A\n"
      "-A INPUT -p tcp -j ACCEPT\n"
      "-A A -g B\n"
      "-A A -j DROP\n"
      "-A B -p tcp -m tcp --dport 22 -j C\n"
      "-A B -j RETURN\n"
      "-A C -j RETURN\n"
      "COMMIT\n");
  // A -> goto B -> jump C -> RETURN to B -> RETURN goes back to INPUT (the caller of A),
  // not to A: rule 2 of A (DROP) is never reached.
  Trace t = walk(rs, tcp_syn("198.51.100.7", "192.0.2.1", 22), local_host());
  EXPECT_EQ(t.verdict, Verdict::Accept);
  EXPECT_EQ(t.hits, hits({{"filter", "INPUT", 1},
                          {"filter", "A", 1},
                          {"filter", "B", 1},
                          {"filter", "C", 1},
                          {"filter", "B", 2},
                          {"filter", "INPUT", 2}}));
  // RETURN in a base chain: the policy.
  Ruleset rs2 =
      rules("*filter\n:INPUT DROP [0:0]\n-A INPUT -j RETURN\n-A INPUT -j ACCEPT\nCOMMIT\n");
  t = walk(rs2, tcp_syn("198.51.100.7", "192.0.2.1", 22), local_host());
  EXPECT_EQ(t.verdict, Verdict::Drop);
  EXPECT_EQ(t.hits, hits({{"filter", "INPUT", 1}, {"filter", "INPUT", 0}}));
}

TEST(EvalPipeline, TablesInPriorityOrderAndAcceptEndsOnlyItsChain) {
  Ruleset rs = rules(
      "*mangle\n:INPUT ACCEPT [0:0]\n:PREROUTING ACCEPT [0:0]\n"
      "-A PREROUTING -j MARK --set-mark 0x7\n-A INPUT -j ACCEPT\nCOMMIT\n"
      "*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -m mark --mark 0x7 -j DROP\nCOMMIT\n"
      "*raw\n:PREROUTING ACCEPT [0:0]\n-A PREROUTING -m mark --mark 0x7 -j DROP\nCOMMIT\n");
  Trace t = walk(rs, tcp_syn("198.51.100.7", "192.0.2.1", 22), local_host());
  // raw (-300) sees mark 0, mangle (-150) sets 7; ACCEPT in mangle INPUT does not skip filter.
  EXPECT_EQ(t.verdict, Verdict::Drop);
  EXPECT_EQ(t.hits, hits({{"raw", "PREROUTING", 0},
                          {"mangle", "PREROUTING", 1},
                          {"mangle", "PREROUTING", 0},
                          {"mangle", "INPUT", 1},
                          {"filter", "INPUT", 1}}));
  EXPECT_EQ(t.final_packet.mark, 7u);
}

TEST(EvalPipeline, FreshConntrackStates) {
  Packet p;
  p.proto = kProtoTcp;
  p.tcp_flags = kTcpSyn;
  EXPECT_EQ(fresh_ct_state(p), CtState::New);
  p.tcp_flags = kTcpAck;
  EXPECT_EQ(fresh_ct_state(p), CtState::New);  // tcp_loose pick-up
  p.tcp_flags = kTcpSyn | kTcpAck;
  EXPECT_EQ(fresh_ct_state(p), CtState::Invalid);
  p.tcp_flags = kTcpRst;
  EXPECT_EQ(fresh_ct_state(p), CtState::Invalid);
  p.tcp_flags = kTcpFin | kTcpAck;
  EXPECT_EQ(fresh_ct_state(p), CtState::Invalid);
  p.tcp_flags = kTcpSyn | kTcpFin;
  EXPECT_EQ(fresh_ct_state(p), CtState::Invalid);
  p.tcp_flags = kTcpAck | kTcpPsh;
  EXPECT_EQ(fresh_ct_state(p), CtState::New);
  p.proto = kProtoUdp;
  EXPECT_EQ(fresh_ct_state(p), CtState::New);
  p.proto = kProtoIcmp;
  p.icmp_type = 8;
  EXPECT_EQ(fresh_ct_state(p), CtState::New);
  p.icmp_type = 0;
  EXPECT_EQ(fresh_ct_state(p), CtState::Invalid);
  p.family = Family::V6;
  p.proto = kProtoIcmp6;
  p.icmp_type = 135;
  EXPECT_EQ(fresh_ct_state(p), CtState::Untracked);
  p.icmp_type = 128;
  EXPECT_EQ(fresh_ct_state(p), CtState::New);
}

TEST(EvalPipeline, RawTableSeesNoConntrackYet) {
  Ruleset rs = rules(
      "*raw\n:PREROUTING ACCEPT [0:0]\n"
      "-A PREROUTING -m conntrack --ctstate INVALID -j MARK --set-mark 0x1\n"
      "-A PREROUTING -m conntrack --ctstate NEW -j MARK --set-mark 0x2\nCOMMIT\n"
      "*filter\n:INPUT ACCEPT [0:0]\n"
      "-A INPUT -m conntrack --ctstate NEW -j DROP\nCOMMIT\n");
  Trace t = walk(rs, tcp_syn("198.51.100.7", "192.0.2.1", 22), local_host());
  EXPECT_EQ(t.verdict, Verdict::Drop);
  EXPECT_EQ(t.hits,
            hits({{"raw", "PREROUTING", 1}, {"raw", "PREROUTING", 0}, {"filter", "INPUT", 1}}));
  // NOTRACK in raw: UNTRACKED from then on, and nat is not consulted.
  Ruleset rs2 = rules(
      "*raw\n:PREROUTING ACCEPT [0:0]\n-A PREROUTING -j CT --notrack\n"
      "-A PREROUTING -m state --state UNTRACKED -j MARK --set-mark 0x5\nCOMMIT\n"
      "*nat\n:PREROUTING ACCEPT [0:0]\n-A PREROUTING -j DNAT --to-destination 192.0.2.9\n"
      "COMMIT\n");
  t = walk(rs2, tcp_syn("198.51.100.7", "192.0.2.1", 22), local_host());
  EXPECT_EQ(t.verdict, Verdict::Accept);
  EXPECT_EQ(t.final_packet.mark, 5u);
  EXPECT_EQ(t.final_packet.dst, a4("192.0.2.1"));
}

TEST(EvalPipeline, RawSeesNoConntrackEvenForPacketsConntrackWillNotTrack) {
  // A neighbour solicitation becomes UNTRACKED only when conntrack (-200) sees it: in raw,
  // also after a non-terminal target, it is INVALID.
  Ruleset rs = rules(
      "*raw\n:PREROUTING ACCEPT [0:0]\n-A PREROUTING -j LOG\n"
      "-A PREROUTING -m conntrack --ctstate UNTRACKED -j DROP\nCOMMIT\n"
      "*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -m conntrack --ctstate UNTRACKED -j DROP\n"
      "COMMIT\n",
      Family::V6);
  Packet p;
  p.family = Family::V6;
  p.proto = kProtoIcmp6;
  p.icmp_type = 135;
  p.src = a6("2001:db8::2");
  p.dst = a6("2001:db8::1");
  p.iniface = std::string("eth0");
  Options o;
  o.local_addrs = {a6("2001:db8::1")};
  Trace t = walk(rs, p, o);
  EXPECT_EQ(t.verdict, Verdict::Drop);
  EXPECT_EQ(t.hits,
            hits({{"raw", "PREROUTING", 1}, {"raw", "PREROUTING", 0}, {"filter", "INPUT", 1}}));
}

TEST(EvalPipeline, NatOnlyForTheFirstPacketAndRoutingFollowsDnat) {
  Ruleset rs = rules(
      "*nat\n:PREROUTING ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n"
      "-A PREROUTING -p tcp -m tcp --dport 80 -j DNAT --to-destination 198.51.100.20:8080\n"
      "-A POSTROUTING -o eth1 -j MASQUERADE\nCOMMIT\n"
      "*filter\n:INPUT DROP [0:0]\n:FORWARD DROP [0:0]\n"
      "-A FORWARD -m conntrack --ctstate DNAT -p tcp -m tcp --dport 8080 -j ACCEPT\nCOMMIT\n");
  Trace t = walk(rs, tcp_syn("203.0.113.5", "192.0.2.1", 80), local_host());
  EXPECT_EQ(t.verdict, Verdict::Accept);
  EXPECT_FALSE(t.local);
  EXPECT_EQ(t.final_packet.dst, a4("198.51.100.20"));
  EXPECT_EQ(t.final_packet.dport, 8080);
  EXPECT_EQ(t.final_packet.src, a4("198.51.100.254"));  // MASQUERADE: eth1's address
  EXPECT_EQ(t.hits,
            hits({{"nat", "PREROUTING", 1}, {"filter", "FORWARD", 1}, {"nat", "POSTROUTING", 1}}));
  // An established packet does not cross nat: no DNAT, so it is for the host and dropped.
  Packet est = tcp_syn("203.0.113.5", "192.0.2.1", 80);
  est.tcp_flags = kTcpAck;
  est.ct_state = CtState::Established;
  t = walk(rs, est, local_host());
  EXPECT_EQ(t.verdict, Verdict::Drop);
  EXPECT_EQ(t.hits, hits({{"filter", "INPUT", 0}}));
}

TEST(EvalPipeline, UndecidableStopsAndAssumptionsAnswer) {
  Ruleset rs = rules(
      "*filter\n:INPUT DROP [0:0]\n"
      "-A INPUT -m limit --limit 1/min -j ACCEPT\nCOMMIT\n");
  Packet p = tcp_syn("198.51.100.7", "192.0.2.1", 22);
  Trace t = walk(rs, p, local_host());
  EXPECT_EQ(t.verdict, Verdict::Undecidable);
  EXPECT_EQ(t.rule, 1);
  EXPECT_EQ(t.undecided_key, "filter:INPUT:1#1");
  EXPECT_NE(t.reason.find("limit"), std::string::npos);
  Options o = local_host();
  o.assume["limit"] = true;
  EXPECT_EQ(walk(rs, p, o).verdict, Verdict::Accept);
  o.assume.clear();
  o.assume["filter:INPUT:1"] = false;
  EXPECT_EQ(walk(rs, p, o).verdict, Verdict::Drop);
  std::vector<Trace> all = explore(rs, p, local_host());
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].verdict, Verdict::Accept);
  EXPECT_EQ(all[1].verdict, Verdict::Drop);
}

TEST(EvalPipeline, UnknownInterfaceIsUndecidableNotGuessed) {
  Ruleset rs = rules(kGuide);
  Packet p = tcp_syn("198.51.100.7", "192.0.2.1", 22);
  p.iniface.reset();
  Trace t = walk(rs, p, local_host());
  EXPECT_EQ(t.verdict, Verdict::Undecidable);
  EXPECT_EQ(t.rule, 1);
  EXPECT_NE(t.reason.find("--in"), std::string::npos);
  // Wildcards.
  Ruleset rs2 = rules("*filter\n:INPUT DROP [0:0]\n-A INPUT -i eth+ -j ACCEPT\nCOMMIT\n");
  EXPECT_EQ(walk(rs2, tcp_syn("198.51.100.7", "192.0.2.1", 22, "eth7"), local_host()).verdict,
            Verdict::Accept);
  EXPECT_EQ(walk(rs2, tcp_syn("198.51.100.7", "192.0.2.1", 22, "wlan0"), local_host()).verdict,
            Verdict::Drop);
}

TEST(EvalPipeline, OutputChainsSeeTheFirstRouteAndPostroutingTheNewOne) {
  Ruleset rs = rules(
      "*nat\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n"
      "-A OUTPUT -j DNAT --to-destination 198.51.100.30\nCOMMIT\n"
      "*filter\n:OUTPUT ACCEPT [0:0]\n-A OUTPUT -o lo -j ACCEPT\nCOMMIT\n"
      "*mangle\n:POSTROUTING ACCEPT [0:0]\n-A POSTROUTING -o eth1 -j ACCEPT\nCOMMIT\n");
  Packet p = tcp_syn("192.0.2.1", "127.0.0.1", 22, "");
  p.iniface.reset();
  Options o = local_host();
  o.outgoing = true;
  Trace t = walk(rs, p, o);
  EXPECT_EQ(t.verdict, Verdict::Accept);
  EXPECT_EQ(t.hits, hits({{"nat", "OUTPUT", 1},
                          {"filter", "OUTPUT", 1},
                          {"mangle", "POSTROUTING", 1},
                          {"nat", "POSTROUTING", 0}}));
  EXPECT_EQ(t.final_packet.outiface, std::optional<std::string>("eth1"));
}

TEST(EvalPipeline, LoopbackLegSeesAConfirmedConnectionAndSkipsNat) {
  Ruleset rs = rules(
      "*raw\n:PREROUTING ACCEPT [0:0]\n"
      "-A PREROUTING -i lo -m conntrack --ctstate NEW --ctstatus CONFIRMED -j ACCEPT\nCOMMIT\n"
      "*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n"
      ":POSTROUTING ACCEPT [0:0]\nCOMMIT\n");
  Packet p = tcp_syn("192.0.2.1", "192.0.2.1", 22, "");
  Options o = local_host();
  o.outgoing = true;
  Trace t = walk(rs, p, o);
  EXPECT_EQ(t.verdict, Verdict::Accept);
  EXPECT_TRUE(t.local);
  EXPECT_EQ(t.hits,
            hits({{"nat", "OUTPUT", 0}, {"nat", "POSTROUTING", 0}, {"raw", "PREROUTING", 1}}));
}

TEST(EvalPipeline, MasqueradeOutLoPicksTheKernelsSourceAddress) {
  Ruleset rs = rules(
      "*nat\n:POSTROUTING ACCEPT [0:0]\n-A POSTROUTING -j MASQUERADE\nCOMMIT\n");
  Options o = local_host();
  o.outgoing = true;
  o.iface_addrs.insert(o.iface_addrs.begin(), {"lo", a4("127.0.0.1")});
  // IPv4: 127.0.0.1 has host scope; inet_select_addr takes the first other address.
  Trace t = walk(rs, tcp_syn("203.0.113.8", "192.0.2.1", 22, ""), o);
  EXPECT_EQ(t.verdict, Verdict::Accept);
  EXPECT_EQ(t.final_packet.src, a4("192.0.2.1"));
  // IPv6: source address selection prefers the destination itself.
  Ruleset rs6 = rules(
      "*nat\n:POSTROUTING ACCEPT [0:0]\n-A POSTROUTING -j MASQUERADE\nCOMMIT\n", Family::V6);
  Packet p;
  p.family = Family::V6;
  p.src = a6("2001:db8:f::8");
  p.dst = a6("2001:db8::1");
  Options o6;
  o6.outgoing = true;
  o6.local_addrs = {a6("2001:db8::1")};
  t = walk(rs6, p, o6);
  EXPECT_EQ(t.verdict, Verdict::Accept);
  EXPECT_EQ(t.final_packet.src, a6("2001:db8::1"));
}

TEST(EvalPipeline, InvertedPortPairQuirkOfIptablesNft) {
  // iptables-nft 1.8.9 compares both ports in one 4-byte word: "! --sport 53 ! --dport 80"
  // matches unless both are equal.
  Ruleset rs = rules(
      "*filter\n:INPUT ACCEPT [0:0]\n"
      "-A INPUT -p tcp -m tcp ! --sport 53 ! --dport 80 -j DROP\nCOMMIT\n");
  Packet p = tcp_syn("198.51.100.7", "192.0.2.1", 1024);
  p.sport = 53;
  EXPECT_EQ(walk(rs, p, local_host()).verdict, Verdict::Drop);
  p.dport = 80;
  EXPECT_EQ(walk(rs, p, local_host()).verdict, Verdict::Accept);
}

TEST(EvalPipeline, MatchesOfTheCoreExtensions) {
  Ruleset rs = rules(
      "*filter\n:INPUT DROP [0:0]\n"
      "-A INPUT -p icmp -m icmp --icmp-type 8 -j ACCEPT\n"
      "-A INPUT -p udp -m multiport --dports 53,1000:1010 -j ACCEPT\n"
      "-A INPUT -p tcp -m tcp --tcp-flags SYN,ACK ACK -j ACCEPT\n"
      "-A INPUT -s 203.0.113.0/24 -m comment --comment x -j ACCEPT\n"
      "-A INPUT ! -s 198.51.100.0/24 -m mark --mark 0x4/0x4 -j ACCEPT\n"
      "COMMIT\n");
  Packet icmp = tcp_syn("198.51.100.7", "192.0.2.1", 0);
  icmp.proto = kProtoIcmp;
  icmp.icmp_type = 8;
  EXPECT_EQ(walk(rs, icmp, local_host()).hits, hits({{"filter", "INPUT", 1}}));
  Packet udp = tcp_syn("198.51.100.7", "192.0.2.1", 1005);
  udp.proto = kProtoUdp;
  EXPECT_EQ(walk(rs, udp, local_host()).hits, hits({{"filter", "INPUT", 2}}));
  Packet ack = tcp_syn("198.51.100.7", "192.0.2.1", 7);
  ack.tcp_flags = kTcpAck | kTcpPsh;
  EXPECT_EQ(walk(rs, ack, local_host()).hits, hits({{"filter", "INPUT", 3}}));
  Packet other = tcp_syn("203.0.113.1", "192.0.2.1", 7);
  EXPECT_EQ(walk(rs, other, local_host()).hits, hits({{"filter", "INPUT", 4}}));
  Packet marked = tcp_syn("192.0.2.99", "192.0.2.1", 7);
  marked.mark = 0xc;
  EXPECT_EQ(walk(rs, marked, local_host()).hits, hits({{"filter", "INPUT", 5}}));
  marked.src = a4("198.51.100.3");
  EXPECT_EQ(walk(rs, marked, local_host()).verdict, Verdict::Drop);
}

TEST(EvalPipeline, Ipv6AndReject) {
  Ruleset rs = rules(
      "*filter\n:INPUT ACCEPT [0:0]\n"
      "-A INPUT -s 2001:db8:f::/64 -p tcp -j REJECT --reject-with tcp-reset\nCOMMIT\n",
      Family::V6);
  Packet p;
  p.family = Family::V6;
  p.src = a6("2001:db8:f::7");
  p.dst = a6("2001:db8::1");
  p.iniface = std::string("eth0");
  Options o;
  o.local_addrs = {a6("2001:db8::1")};
  Trace t = walk(rs, p, o);
  EXPECT_EQ(t.verdict, Verdict::Drop);
  EXPECT_EQ(t.rule, 1);
  bool noted = false;
  for (const Event& e : t.events) noted = noted || e.text.find("tcp-reset") != std::string::npos;
  EXPECT_TRUE(noted);
}

TEST(EvalPipeline, TraceTextAndJson) {
  Ruleset rs = rules(kGuide);
  Trace t = walk(rs, tcp_syn("198.51.100.7", "192.0.2.1", 22), local_host());
  std::string text = format_trace(t, Family::V4);
  EXPECT_NE(text.find("rule 3: -A INPUT -p tcp -m tcp --dport 22 -j ACCEPT  => ACCEPT"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("verdict: ACCEPT, delivered to a local socket"), std::string::npos);
  std::string json = json_text(trace_json(t, Family::V4));
  EXPECT_NE(json.find("\"hits\":[[\"filter\",\"INPUT\",3]]"), std::string::npos) << json;
}

TEST(EvalPcap, ReadsEthernetCaptures) {
  // A pcap file with one Ethernet frame: IPv4 TCP SYN 198.51.100.7:40000 -> 192.0.2.1:22.
  std::string f;
  auto u32 = [&](std::uint32_t v) { f.append(reinterpret_cast<const char*>(&v), 4); };
  auto u16 = [&](std::uint16_t v) { f.append(reinterpret_cast<const char*>(&v), 2); };
  u32(0xa1b2c3d4);
  u16(2);
  u16(4);
  u32(0);
  u32(0);
  u32(65535);
  u32(1);
  const unsigned char frame[] = {
      0,    1,    2, 3,  4, 5, 6, 7, 8,  9, 10, 11, 0x08, 0x00,  // Ethernet
      0x45, 0,    0, 40, 0, 1, 0, 0, 64, 6, 0,  0,  198,  51,   100,  7,    192, 0, 2, 1,  // IPv4
      0x9c, 0x40, 0, 22, 0, 0, 0, 1, 0,  0, 0,  0,  0x50, 0x02, 0xff, 0xff, 0,   0, 0, 0};
  u32(0);
  u32(0);
  u32(sizeof frame);
  u32(sizeof frame);
  f.append(reinterpret_cast<const char*>(frame), sizeof frame);
  auto pkts = parse_pcap(f);
  ASSERT_TRUE(pkts.ok());
  ASSERT_EQ(pkts->size(), 1u);
  const Packet& p = (*pkts)[0].packet;
  EXPECT_EQ(p.family, Family::V4);
  EXPECT_EQ(p.src, a4("198.51.100.7"));
  EXPECT_EQ(p.dst, a4("192.0.2.1"));
  EXPECT_EQ(p.sport, 40000);
  EXPECT_EQ(p.dport, 22);
  EXPECT_EQ(p.tcp_flags, kTcpSyn);
  EXPECT_EQ(p.ip_length(), 40u);
  EXPECT_FALSE(parse_pcap("not a capture file at all").ok());
}

TEST(EvalPcap, ReadsPcapngCaptures) {
  // What dumpcap and Wireshark write by default: a section header, an interface description
  // (Ethernet) and one enhanced packet block with an IPv6 UDP datagram.
  std::string f;
  auto u32 = [&](std::uint32_t v) { f.append(reinterpret_cast<const char*>(&v), 4); };
  auto u16 = [&](std::uint16_t v) { f.append(reinterpret_cast<const char*>(&v), 2); };
  u32(0x0A0D0D0A);  // section header block
  u32(28);
  u32(0x1A2B3C4D);
  u16(1);
  u16(0);
  u32(0xffffffff);
  u32(0xffffffff);
  u32(28);
  u32(1);  // interface description block: Ethernet
  u32(20);
  u16(1);
  u16(0);
  u32(0);
  u32(20);
  const unsigned char frame[] = {
      0,    1,    2,    3,    4, 5, 6,  7,  8, 9, 10, 11, 0x86, 0xdd,  // Ethernet, IPv6
      0x60, 0,    0,    0,    0, 8, 17, 64,  // IPv6: payload 8, UDP, hop limit 64
      0x20, 0x01, 0x0d, 0xb8, 0, 0, 0,  0,  0, 0, 0,  0,  0,    0,    0, 2,  // 2001:db8::2
      0x20, 0x01, 0x0d, 0xb8, 0, 0, 0,  0,  0, 0, 0,  0,  0,    0,    0, 1,  // 2001:db8::1
      0x13, 0x88, 0,    53,   0, 8, 0,  0};                                  // UDP 5000 -> 53
  const std::uint32_t padded = (sizeof frame + 3) & ~3u;
  u32(6);  // enhanced packet block
  u32(32 + padded);
  u32(0);
  u32(0);
  u32(0);
  u32(sizeof frame);
  u32(sizeof frame);
  f.append(reinterpret_cast<const char*>(frame), sizeof frame);
  f.append(padded - sizeof frame, '\0');
  u32(32 + padded);
  auto pkts = parse_pcap(f);
  ASSERT_TRUE(pkts.ok()) << pkts.error().message;
  ASSERT_EQ(pkts->size(), 1u);
  const Packet& p = (*pkts)[0].packet;
  EXPECT_EQ(p.family, Family::V6);
  EXPECT_EQ(p.proto, 17);
  EXPECT_EQ(p.sport, 5000);
  EXPECT_EQ(p.dport, 53);
}

TEST(EvalParseSave, ErrorsCarryLines) {
  auto t = restore::parse_save("*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -j NOPE\nCOMMIT\n",
                               Family::V4, "iptables");
  EXPECT_FALSE(t.ok());
  t = restore::parse_save("*filter\n:INPUT ACCEPT [0:0]\n", Family::V4, "iptables");
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.error().message.find("COMMIT expected"), std::string::npos);
  t = restore::parse_save("*filter\n:X - [0:0]\n-A X -j ACCEPT\n-I X -j DROP\nCOMMIT\n", Family::V4,
                          "iptables");
  ASSERT_TRUE(t.ok());
  ASSERT_EQ((*t)[0].chains.size(), 1u);
  EXPECT_EQ((*t)[0].chains[0].rules[0].verdict, model::VerdictKind::Drop);
}

// As iptables-nft: an -A line's rules keep their order, an -I line's end reversed, each put
// before the rule now at N.
TEST(EvalParseSave, MultiAddressOrder) {
  auto t = restore::parse_save(
      "*filter\n:X - [0:0]\n-A X -j DROP\n-A X -s 192.0.2.1,192.0.2.2 -j RETURN\n"
      "-I X 2 -s 192.0.2.3,192.0.2.4 -j RETURN\n-I X 6 -s 192.0.2.5,192.0.2.6 -j RETURN\n"
      "COMMIT\n",
      Family::V4, "iptables");
  ASSERT_TRUE(t.ok());
  const auto& rules = (*t)[0].chains[0].rules;
  std::vector<int> last_octet;
  for (const auto& r : rules) last_octet.push_back(r.ip.src ? r.ip.src->addr[3] : 0);
  EXPECT_EQ(last_octet, (std::vector<int>{0, 4, 3, 1, 2, 6, 5}));
}

}  // namespace
}  // namespace cx::eval
