// The encoder of compiled chains (src/compile/emit, userdata): the messages a plan becomes,
// checked without a kernel: set flags and keys, interval ends, element userdata and counters,
// the lookup rule with its marker, and the segments the encoder leaves Linear.
#include <gtest/gtest.h>

#include "compile/emit.h"
#include "compile/userdata.h"
#include "restore/parse_save.h"

namespace cx::compile {
namespace {

using nft::Expr;
using nft::Message;
using nft::MsgType;

struct Chain {
  std::vector<model::Rule> rules;
  std::vector<nft::RuleObj> kernel;  // as iptables -A would have sent each rule
};

Chain chain(const std::vector<std::string>& lines, Family f = Family::V4) {
  std::string text = "*filter\n:INPUT ACCEPT [0:0]\n:sub1 - [0:0]\n";
  for (const std::string& l : lines) text += "-A INPUT " + l + "\n";
  text += "COMMIT\n";
  Chain c;
  auto t = restore::parse_save(text, f, f == Family::V4 ? "iptables" : "ip6tables");
  EXPECT_TRUE(t.ok()) << (t.ok() ? "" : t.error().message);
  if (!t.ok()) return c;
  c.rules = (*t)[0].find("INPUT")->rules;
  for (const auto& r : c.rules) {
    auto k = rule_from_text(rule_text(r, f), "filter", "INPUT", f);
    EXPECT_TRUE(k.ok()) << rule_text(r, f);
    if (k.ok()) c.kernel.push_back(std::move(*k));
  }
  return c;
}

std::vector<Message> emit(const Chain& c, Family f = Family::V4) {
  const EmitInput in{"filter", "INPUT", f, c.rules, c.kernel};
  auto plan = plan_chain(c.rules, f);
  EXPECT_TRUE(plan.ok());
  if (!plan.ok()) return {};
  std::uint32_t id = 1;
  auto msgs = emit_chain(emittable(std::move(*plan), in), in, id);
  EXPECT_TRUE(msgs.ok()) << (msgs.ok() ? "" : msgs.error().message);
  return msgs.ok() ? std::move(*msgs) : std::vector<Message>{};
}

std::vector<MsgType> types(const std::vector<Message>& msgs) {
  std::vector<MsgType> out;
  for (const auto& m : msgs) out.push_back(m.type);
  return out;
}

TEST(CompileUserdata, ElementTagsReadBack) {
  auto ud = element_userdata(70000, 0, "-s 192.0.2.1/32 -j DROP");
  ASSERT_TRUE(ud);
  auto tag = read_element_userdata(*ud);
  ASSERT_TRUE(tag);
  EXPECT_EQ(tag->rule, 70000u);
  EXPECT_EQ(tag->item, 0u);
  EXPECT_EQ(tag->text, "-s 192.0.2.1/32 -j DROP");
  auto second = read_element_userdata(*element_userdata(3, 2, "ignored"));
  ASSERT_TRUE(second);
  EXPECT_EQ(second->item, 2u);
  EXPECT_EQ(second->text, "");
  EXPECT_FALSE(element_userdata(1, 0, std::string(255, 'x')));
  EXPECT_FALSE(read_element_userdata({0, 3, 'a', 'b', 0}));  // a comment alone: not ours
  EXPECT_FALSE(read_element_userdata({0xc7, 9, 1}));         // cut short
}

TEST(CompileUserdata, LookupRulesAndSetNames) {
  nft::RuleObj r;
  EXPECT_FALSE(is_compiled_rule(r));
  const RunInfo run{3, kOrderBase - 1, kOrderBase + 7, 0x0123456789abcdefull};
  r.userdata = lookup_rule_userdata(run);
  EXPECT_TRUE(is_compiled_rule(r));
  EXPECT_EQ(read_run_info(r), run);
  r.userdata = nft::Bytes{0, 4, 'a', 'b', 'c', 0};  // a comment as nft writes it
  EXPECT_FALSE(is_compiled_rule(r));
  EXPECT_EQ(set_name("INPUT", 3), "__cx_INPUT_3");
  EXPECT_EQ(chain_of_set("__cx_my_chain_12"), "my_chain");
  EXPECT_EQ(chain_of_set(set_name("a_1", 0)), "a_1");
  EXPECT_FALSE(chain_of_set("__cx_x"));
  EXPECT_FALSE(chain_of_set("__cx_x_y"));
  EXPECT_FALSE(chain_of_set("hosts_1"));
  EXPECT_EQ(anchor_name("f2b-sshd", 4), "__cx_f2b-sshd_m4");
  EXPECT_EQ(chain_of_set(anchor_name("a_1", 4)), "a_1");
  EXPECT_EQ(anchor_min_run("__cx_a_1_m12"), 12u);
  EXPECT_FALSE(anchor_min_run("__cx_a_12"));
  EXPECT_EQ(set_number("__cx_a_1_12"), 12u);
  EXPECT_FALSE(set_number("__cx_a_m12"));
  EXPECT_FALSE(chain_of_set("__cx_x_m"));
}

TEST(CompileEmit, HostsBecomeAHashSetWithOneLookupRule) {
  Chain c = chain({"-s 192.0.2.1/32 -j DROP", "-s 192.0.2.2/32 -j DROP", "-s 192.0.2.3/32 -j DROP",
                   "-s 192.0.2.4/32 -j DROP", "-j LOG"});
  auto msgs = emit(c);
  ASSERT_EQ(types(msgs),
            (std::vector<MsgType>{MsgType::DelRule, MsgType::NewSet, MsgType::NewSetElem,
                                  MsgType::NewRule, MsgType::NewRule}));
  const nft::SetObj& set = msgs[1].set;
  EXPECT_EQ(set.name, "__cx_INPUT_0");
  EXPECT_EQ(set.flags, 0u);
  EXPECT_EQ(set.key_len, 4u);
  EXPECT_TRUE(set.counter);
  const auto& elems = msgs[2].set.elems;
  ASSERT_EQ(elems.size(), 4u);
  EXPECT_EQ(elems[1].key, (nft::Bytes{192, 0, 2, 2}));
  EXPECT_EQ(read_element_userdata(*elems[1].userdata)->text, "-s 192.0.2.2/32 -j DROP");
  EXPECT_EQ(read_element_userdata(*elems[3].userdata)->rule, kOrderBase + 3);
  EXPECT_TRUE(elems[0].counter);
  const auto& exprs = msgs[3].rule.exprs;
  ASSERT_EQ(exprs.size(), 6u);
  EXPECT_EQ(exprs[0], Expr::payload(nft::kNetworkHeader, 12, 4, 1));
  EXPECT_EQ(exprs[1].other_name, "lookup");
  EXPECT_EQ(exprs[1].set_name, "__cx_INPUT_0");
  EXPECT_FALSE(exprs[1].lookup_dreg);
  const auto marker = marker_exprs();
  EXPECT_TRUE(std::equal(marker.begin(), marker.end(), exprs.begin() + 2));
  EXPECT_EQ(exprs[5], Expr::verdict_imm(nft::kVerdictDrop));
  EXPECT_TRUE(is_compiled_rule(msgs[3].rule));
  EXPECT_EQ(msgs[4].rule.exprs, c.kernel[4].exprs);  // LOG stays as it was
}

TEST(CompileEmit, PrefixesMakeAnIntervalSetWithEnds) {
  Chain c = chain({"-s 10.0.0.0/8 -j ACCEPT", "-s 192.0.2.7/32 -j ACCEPT",
                   "-s 198.51.100.0/24 -j ACCEPT", "-s 255.255.255.0/24 -j ACCEPT"});
  auto msgs = emit(c);
  ASSERT_EQ(msgs.size(), 4u);
  EXPECT_EQ(msgs[1].set.flags, 0x4u);
  const auto& e = msgs[2].set.elems;
  // Start and end (the value after the interval) for each, but none after the last address.
  ASSERT_EQ(e.size(), 7u);
  EXPECT_EQ(e[0].key, (nft::Bytes{10, 0, 0, 0}));
  EXPECT_EQ(e[1].key, (nft::Bytes{11, 0, 0, 0}));
  EXPECT_EQ(e[1].flags, 1u);
  EXPECT_FALSE(e[1].userdata);
  EXPECT_EQ(e[3].key, (nft::Bytes{192, 0, 2, 8}));
  EXPECT_EQ(e[6].key, (nft::Bytes{255, 255, 255, 0}));
  EXPECT_EQ(e[6].flags, 0u);
}

TEST(CompileEmit, PortDispatchIsAVerdictMapOnProtocolAndPort) {
  Chain c = chain({"-p tcp -m tcp --dport 22 -j ACCEPT", "-p tcp -m tcp --dport 80 -j sub1",
                   "-p tcp -m tcp --dport 25 -j DROP", "-p tcp -m tcp --dport 23 -j RETURN"});
  auto msgs = emit(c);
  ASSERT_EQ(msgs.size(), 4u);
  const nft::SetObj& map = msgs[1].set;
  EXPECT_EQ(map.flags, 0x8u);
  EXPECT_EQ(map.data_type, 0xffffff00u);
  EXPECT_EQ(map.key_len, 8u);
  const auto& e = msgs[2].set.elems;
  ASSERT_EQ(e.size(), 4u);
  EXPECT_EQ(e[1].key, (nft::Bytes{6, 0, 0, 0, 0, 80, 0, 0}));
  EXPECT_EQ(e[0].verdict, nft::kVerdictAccept);
  EXPECT_EQ(e[1].verdict, nft::kVerdictJump);
  EXPECT_EQ(e[1].chain, "sub1");
  EXPECT_EQ(e[2].verdict, nft::kVerdictDrop);
  EXPECT_EQ(e[3].verdict, nft::kVerdictReturn);
  // Every element is TCP: the protocol is compared before the key is hashed.
  const auto& exprs = msgs[3].rule.exprs;
  ASSERT_EQ(exprs.size(), 8u);
  EXPECT_EQ(exprs[0], Expr::meta_load(nft::kMetaL4proto, 1));
  EXPECT_EQ(exprs[1], Expr::cmp(nft::kEq, {6}, 1));
  EXPECT_EQ(proto_precheck(msgs[3].rule), 6);
  EXPECT_EQ(exprs[2], Expr::meta_load(nft::kMetaL4proto, 1));
  EXPECT_EQ(exprs[3], Expr::payload(nft::kTransportHeader, 2, 2, 9));
  EXPECT_EQ(exprs[4].lookup_dreg, 0u);
}

TEST(CompileEmit, AKeyOfOneFieldIsThatFieldsBytes) {
  // nft lists a set of inet_proto only with 1-byte keys (a 4-byte key aborts `nft list`).
  Chain protos =
      chain({"-p tcp -j ACCEPT", "-p udp -j DROP", "-p icmp -j ACCEPT", "-p gre -j DROP"});
  auto msgs = emit(protos);
  ASSERT_EQ(msgs.size(), 4u);
  EXPECT_EQ(msgs[1].set.key_len, 1u);
  EXPECT_EQ(msgs[2].set.elems[0].key, (nft::Bytes{6}));
  Chain iface =
      chain({"-i eth0 -j ACCEPT", "-i eth1 -j DROP", "-i eth2 -j ACCEPT", "-i eth3 -j DROP"});
  auto m2 = emit(iface);
  ASSERT_EQ(m2.size(), 4u);
  EXPECT_EQ(m2[1].set.key_len, 16u);
}

TEST(CompileEmit, MultiportItemsShareOneRule) {
  Chain c = chain({"-p udp -m multiport --dports 53,5353 -j ACCEPT",
                   "-p udp -m multiport --dports 123 -j DROP",
                   "-p udp -m multiport --dports 6000,6001,6002 -j ACCEPT",
                   "-p udp -m multiport --dports 7 -j DROP"});
  auto msgs = emit(c);
  ASSERT_EQ(msgs.size(), 4u);
  const auto& e = msgs[2].set.elems;
  ASSERT_EQ(e.size(), 7u);
  // -m multiport refuses non-first fragments: the lookup checks the fragment offset first.
  const auto& look = msgs[3].rule.exprs;
  ASSERT_GE(look.size(), 5u);
  EXPECT_EQ(look[1], Expr::cmp(nft::kEq, {17}, 1));  // every element is UDP
  EXPECT_EQ(look[2], Expr::payload(nft::kNetworkHeader, 6, 2, 1));
  auto tag = read_element_userdata(*e[4].userdata);
  EXPECT_EQ(tag->rule, kOrderBase + 2);
  EXPECT_EQ(tag->item, 1u);
  EXPECT_EQ(tag->text, "");
  EXPECT_EQ(read_element_userdata(*e[3].userdata)->text,
            "-p udp -m multiport --dports 6000,6001,6002 -j ACCEPT");
}

TEST(CompileEmit, WildcardsAreIntervalSets) {
  Chain c = chain({"-i eth+ -j DROP", "-i ppp+ -j DROP", "-i wg+ -j DROP", "-i tun0 -j DROP"});
  auto msgs = emit(c);
  ASSERT_EQ(msgs.size(), 4u);
  EXPECT_EQ(msgs[1].set.flags, 0x4u);  // interval
  EXPECT_EQ(msgs[1].set.key_len, 16u);
  EXPECT_TRUE(msgs[1].set.concat.empty());
  const auto& elems = msgs[2].set.elems;
  ASSERT_EQ(elems.size(), 8u);  // a start and an end each
  nft::Bytes eth(16, 0), eth_end(16, 0);
  std::copy_n("eth", 3, eth.begin());
  std::copy_n("eti", 3, eth_end.begin());  // "eth\xff..." + 1
  EXPECT_EQ(elems[0].key, eth);
  EXPECT_EQ(elems[1].key, eth_end);
  EXPECT_EQ(elems[1].flags, 1u);
}

TEST(CompileEmit, RangesInConcatenationsArePipapoSets) {
  Chain c = chain({"-p tcp -m tcp --dport 1:9 -j DROP", "-p tcp -m tcp --dport 10:19 -j DROP",
                   "-p tcp -m tcp --dport 20 -j DROP", "-p tcp -m tcp --dport 30 -j DROP"});
  auto msgs = emit(c);
  ASSERT_EQ(msgs.size(), 4u);
  EXPECT_EQ(msgs[1].set.flags, 0x84u);  // interval, concat
  EXPECT_EQ(msgs[1].set.concat, (std::vector<std::uint8_t>{1, 2}));
  const auto& elems = msgs[2].set.elems;
  ASSERT_EQ(elems.size(), 4u);  // one element per rule, both ends in it
  EXPECT_EQ(elems[0].key, (nft::Bytes{6, 0, 0, 0, 0, 1, 0, 0}));
  EXPECT_EQ(elems[0].key_end, (nft::Bytes{6, 0, 0, 0, 0, 9, 0, 0}));
  EXPECT_EQ(elems[3].key_end, elems[3].key);
  EXPECT_EQ(elems[0].flags, 0u);
}

TEST(CompileEmit, SharedTestsComeBeforeTheLookupWithoutTheProtocol) {
  // The protocol is the key here; the first rule's -p must not be tested with the shared
  // conntrack test, or the lookup would only ever see udp.
  Chain c = chain(
      {"-p udp -m conntrack --ctstate NEW -j DROP", "-p tcp -m conntrack --ctstate NEW -j DROP",
       "-p icmp -m conntrack --ctstate NEW -j DROP", "-p 47 -m conntrack --ctstate NEW -j DROP"});
  auto msgs = emit(c);
  ASSERT_EQ(msgs.size(), 4u);
  const auto& exprs = msgs[3].rule.exprs;
  EXPECT_EQ(std::count(exprs.begin(), exprs.end(), Expr::meta_load(nft::kMetaL4proto, 1)), 1);
  ASSERT_FALSE(exprs.empty());
  EXPECT_EQ(exprs[0].kind, Expr::Kind::Match);  // the shared test first
  EXPECT_EQ(exprs[0].xt_name, "conntrack");
}

TEST(CompileEmit, ShapesItCannotTakeStayLinear) {
  // IPv6 multiport: no fragment test before the lookup.
  Chain c =
      chain({"-p tcp -m multiport --dports 1,2 -j DROP", "-p tcp -m multiport --dports 3,4 -j DROP",
             "-p tcp -m multiport --dports 5,6 -j DROP", "-p tcp -m multiport --dports 7 -j DROP"},
            Family::V6);
  auto msgs = emit(c, Family::V6);
  ASSERT_EQ(msgs.size(), 5u);
  for (std::size_t i = 1; i < msgs.size(); ++i) {
    EXPECT_EQ(msgs[i].type, MsgType::NewRule);
    EXPECT_EQ(msgs[i].rule.exprs, c.kernel[i - 1].exprs);
  }
}

TEST(CompileEmit, ExactConcatenationsBecomeHashSets) {
  Chain c = chain({"-d 198.51.100.1/32 -p tcp -m tcp --dport 80 -j sub1",
                   "-d 198.51.100.1/32 -p tcp -m tcp --dport 443 -j sub1",
                   "-d 198.51.100.2/32 -p tcp -m tcp --dport 80 -j DROP",
                   "-d 198.51.100.3/32 -p tcp -m tcp --dport 53 -j ACCEPT"});
  auto msgs = emit(c);
  ASSERT_EQ(msgs.size(), 4u);
  EXPECT_EQ(msgs[1].set.key_len, 12u);
  EXPECT_EQ(msgs[1].set.flags, 0x8u);
  EXPECT_EQ(msgs[1].set.key_type, (12u << 12) | (7u << 6) | 13u);
  EXPECT_EQ(msgs[2].set.elems[1].key, (nft::Bytes{6, 0, 0, 0, 198, 51, 100, 1, 1, 187, 0, 0}));
  const auto& exprs = msgs[3].rule.exprs;
  ASSERT_GE(exprs.size(), 5u);
  EXPECT_EQ(exprs[2], Expr::meta_load(nft::kMetaL4proto, 1));
  EXPECT_EQ(exprs[3], Expr::payload(nft::kNetworkHeader, 16, 4, 9));
  EXPECT_EQ(exprs[4], Expr::payload(nft::kTransportHeader, 2, 2, 10));

  Chain ifs = chain({"-i eth0 -j DROP", "-i eth1 -j DROP", "-i eth2 -j DROP", "-i eth3 -j DROP"});
  auto m2 = emit(ifs);
  ASSERT_EQ(m2.size(), 4u);
  EXPECT_EQ(m2[1].set.key_len, 16u);
  nft::Bytes eth2(16, 0);
  eth2[0] = 'e', eth2[1] = 't', eth2[2] = 'h', eth2[3] = '2';
  EXPECT_EQ(m2[2].set.elems[2].key, eth2);
  EXPECT_EQ(m2[3].rule.exprs[0], Expr::meta_load(nft::kMetaIifname, 1));
}

TEST(CompileEmit, IPv6HostsAndTheirCounters) {
  Chain c = chain({"-s 2001:db8::1/128 -j DROP", "-s 2001:db8::2/128 -j DROP",
                   "-s 2001:db8::3/128 -j DROP", "-s 2001:db8::4/128 -j DROP"},
                  Family::V6);
  for (auto& e : c.kernel[2].exprs)
    if (e.kind == Expr::Kind::Counter) e.packets = 5, e.bytes = 300;
  auto msgs = emit(c, Family::V6);
  ASSERT_EQ(msgs.size(), 4u);
  EXPECT_EQ(msgs[1].set.key_len, 16u);
  EXPECT_EQ(msgs[3].rule.exprs[0], Expr::payload(nft::kNetworkHeader, 8, 16, 1));
  EXPECT_EQ(msgs[2].set.elems[2].counter, (std::pair<std::uint64_t, std::uint64_t>{5, 300}));
  EXPECT_EQ(msgs[2].set.elems[1].counter, (std::pair<std::uint64_t, std::uint64_t>{0, 0}));
}

TEST(CompileEmit, ATailOfRulesLeftAsRulesGetsAGuard) {
  // Four rules become a set; the LOG rules after them stay rules, each its own prefix. They
  // all test -p tcp and one --dport: a packet of no such port returns before them.
  Chain c = chain({"-s 192.0.2.1/32 -j DROP", "-s 192.0.2.2/32 -j DROP", "-s 192.0.2.3/32 -j DROP",
                   "-s 192.0.2.4/32 -j DROP",
                   "-i veth+ -p tcp -m tcp --dport 22 -j LOG --log-prefix \"a \"",
                   "-i veth+ -p tcp -m tcp --dport 23 -j LOG --log-prefix \"b \"",
                   "-i veth+ -p tcp -m multiport --dports 24,25 -j LOG --log-prefix \"c \"",
                   "-i veth+ -p tcp -m tcp --dport 22 -j LOG --log-prefix \"d \""});
  auto msgs = emit(c);
  ASSERT_EQ(msgs.size(), 4u + 3u + 4u);
  const nft::SetObj& guard = msgs[4].set;
  EXPECT_EQ(msgs[4].type, MsgType::NewSet);
  EXPECT_EQ(guard.key_len, 8u);  // meta l4proto . th dport
  const auto& keys = msgs[5].set.elems;
  ASSERT_EQ(keys.size(), 4u);  // 22, 23, 24, 25 once each
  EXPECT_EQ(keys[0].key, (nft::Bytes{6, 0, 0, 0, 0, 22, 0, 0}));
  EXPECT_FALSE(keys[0].userdata);
  const nft::RuleObj& rule = msgs[6].rule;
  EXPECT_TRUE(is_guard(rule));
  auto look = std::find_if(rule.exprs.begin(), rule.exprs.end(),
                           [](const Expr& e) { return e.other_name == "lookup"; });
  ASSERT_NE(look, rule.exprs.end());
  EXPECT_EQ(look->lookup_flags, 1u);  // NFT_LOOKUP_F_INV
  EXPECT_EQ(rule.exprs.back(), Expr::verdict_imm(nft::kVerdictReturn));
  for (std::size_t i = 7; i < msgs.size(); ++i)
    EXPECT_EQ(msgs[i].rule.exprs, c.kernel[i - 3].exprs);
}

TEST(CompileEmit, NoGuardPastAMatchThatCountsWhatReachesIt) {
  // The limit comes before the port test: it takes a token from every packet that reaches
  // it, so no packet may skip the rule.
  Chain c = chain({"-s 192.0.2.1/32 -j DROP", "-s 192.0.2.2/32 -j DROP", "-s 192.0.2.3/32 -j DROP",
                   "-s 192.0.2.4/32 -j DROP", "-p tcp -m tcp --dport 22 -j LOG",
                   "-p tcp -m limit --limit 1/s -m tcp --dport 23 -j LOG",
                   "-p tcp -m tcp --dport 24 -j LOG", "-p tcp -m tcp --dport 25 -j LOG"});
  auto msgs = emit(c);
  ASSERT_EQ(msgs.size(), 4u + 4u);
  for (const auto& m : msgs) EXPECT_FALSE(m.type == MsgType::NewRule && is_guard(m.rule));
  // Rules without a common field exactly given get none either.
  Chain d = chain({"-s 192.0.2.1/32 -j DROP", "-s 192.0.2.2/32 -j DROP", "-s 192.0.2.3/32 -j DROP",
                   "-s 192.0.2.4/32 -j DROP", "-p tcp -j LOG", "-p udp -j LOG", "-j LOG",
                   "-p tcp -j LOG"});
  EXPECT_EQ(emit(d).size(), 4u + 4u);
}

TEST(CompileEmit, AnIntervalConcatenationIsPrefilteredOnAnExactField) {
  // 16 hosts, each a port range: a pipapo set, and before it a hash set of the hosts.
  std::vector<std::string> lines;
  for (int i = 1; i <= 16; ++i)
    lines.push_back("-d 198.51.100." + std::to_string(i) +
                    "/32 -p tcp -m tcp --dport 1000:1010 -j ACCEPT");
  auto msgs = emit(chain(lines));
  ASSERT_GE(msgs.size(), 5u);
  EXPECT_EQ(msgs[1].set.flags, 0x84u);
  const Message& pre = msgs[msgs.size() - 3];
  EXPECT_EQ(pre.type, MsgType::NewSet);
  EXPECT_EQ(pre.set.key_len, 4u);
  EXPECT_EQ(msgs[msgs.size() - 2].set.elems.size(), 16u);
  const auto& exprs = msgs.back().rule.exprs;
  std::vector<std::string> looked;
  for (const auto& e : exprs)
    if (e.other_name == "lookup") looked.push_back(e.set_name);
  // The run's own set is the last lookup: that is the one listing and writes read.
  ASSERT_EQ(looked.size(), 2u);
  EXPECT_EQ(looked[0], pre.set.name);
  EXPECT_EQ(looked[1], msgs[1].set.name);
}

}  // namespace
}  // namespace cx::compile
