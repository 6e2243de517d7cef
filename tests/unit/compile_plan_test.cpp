// The compiled-chains planner (src/compile): targeted plans, then randomized chains whose plan
// must decide every probe packet exactly as the chain's rules do (same rules hit, same verdict,
// same deciding rule), and mutated plans that this comparison must catch.
#include <gtest/gtest.h>

#include <cstdio>
#include <random>

#include "cli/print.h"
#include "compile/check.h"
#include "compile/plan.h"
#include "compile/reorder.h"
#include "restore/parse_save.h"

namespace cx::compile {
namespace {

using model::VerdictKind;

// The FORWARD chain of a filter table holding `lines` (each "-s ... -j ...").
std::vector<model::Rule> chain(const std::vector<std::string>& lines, Family f = Family::V4) {
  std::string text =
      "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n"
      ":sub1 - [0:0]\n:sub2 - [0:0]\n";
  for (const std::string& l : lines) text += "-A FORWARD " + l + "\n";
  text += "COMMIT\n";
  auto t = restore::parse_save(text, f, f == Family::V4 ? "iptables" : "ip6tables");
  EXPECT_TRUE(t.ok()) << (t.ok() ? "" : t.error().message) << "\n" << text;
  if (!t.ok()) return {};
  return (*t)[0].find("FORWARD")->rules;
}

std::string chain_text(const std::vector<model::Rule>& rules, Family f) {
  std::string s;
  for (const model::Rule& r : rules) s += cli::save_rule(r, "FORWARD", f, false) + "\n";
  return s;
}

Plan plan_of(const std::vector<model::Rule>& rules, Options o = {}, Family f = Family::V4) {
  auto p = plan_chain(rules, f, o);
  EXPECT_TRUE(p.ok());
  if (!p.ok()) return {};
  Status s = check_plan(*p, rules, o);
  EXPECT_TRUE(s.ok()) << s.error().message << "\n" << chain_text(rules, f);
  return std::move(*p);
}

std::uint64_t mix(std::uint64_t h, std::uint64_t v) {
  h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
  return h * 0xff51afd7ed558ccdULL;
}

std::uint64_t probe_hash(const Probe& p) {
  std::uint64_t h = mix(p.proto, p.sport * 65536ULL + p.dport + (p.fragment ? 1ULL << 40 : 0));
  for (std::uint8_t b : p.src) h = mix(h, b);
  for (std::uint8_t b : p.dst) h = mix(h, b);
  for (char c : p.iniface + "|" + p.outiface) h = mix(h, static_cast<std::uint8_t>(c));
  return h;
}

// Rules decided by the extensions where they can; the others (limit, ...) and whether a
// jumped-to chain returns get a fixed pseudo-random answer per packet, the same in both walks.
Oracle oracle(const std::vector<model::Rule>& rules, Family f, std::uint64_t salt = 1) {
  Oracle o;
  o.matches = [&rules, f, salt](std::size_t i, const Probe& p) {
    if (auto m = rule_matches(rules[i], f, p)) return *m;
    return (mix(salt + i, probe_hash(p)) & 1) != 0;
  };
  o.returns = [salt](const std::string& c, const Probe& p) {
    return (mix(salt ^ std::hash<std::string>{}(c), probe_hash(p)) & 2) != 0;
  };
  return o;
}

eval::Addr addr(const char* s, Family f = Family::V4) { return *eval::parse_addr(s, f); }

Probe probe(const char* src, std::uint8_t proto = 6, std::uint16_t dport = 0,
            const char* in = "eth0") {
  Probe p;
  p.src = addr(src);
  p.dst = addr("198.51.100.1");
  p.proto = proto;
  p.sport = 40000;
  p.dport = dport;
  p.iniface = in;
  p.outiface = "eth9";
  return p;
}

std::string describe(const Decision& d) {
  std::string s = "hits:";
  for (std::size_t h : d.hits) s += " " + std::to_string(h);
  s += " verdict " + std::to_string(static_cast<int>(d.verdict.kind)) + d.verdict.chain + " " +
       d.verdict.target + " rule " + (d.rule ? std::to_string(*d.rule) : "-");
  return s;
}

// ---------------------------------------------------------------------------------------
// Targeted plans.

TEST(CompilePlan, FourHostsBecomeOneSet) {
  auto rules = chain({"-s 192.0.2.1/32 -j DROP", "-s 192.0.2.2/32 -j DROP",
                      "-s 192.0.2.3/32 -j DROP", "-s 192.0.2.4/32 -j DROP"});
  Plan p = plan_of(rules);
  ASSERT_EQ(p.segments.size(), 1u);
  const Segment& s = p.segments[0];
  EXPECT_EQ(s.kind, SegmentKind::Lookup);
  EXPECT_EQ(s.lookup, LookupKind::Set);
  EXPECT_EQ(s.verdict.kind, VerdictKind::Drop);
  EXPECT_EQ(s.shape.fields(), std::vector<Field>{Field::Src});
  ASSERT_EQ(s.elements.size(), 4u);
  EXPECT_EQ(s.elements[2].rule, 2u);
  EXPECT_EQ(s.elements[2].key[0].lo, (Bytes{192, 0, 2, 3}));
  EXPECT_TRUE(s.elements[2].key[0].exact());
}

TEST(CompilePlan, ShortRunsStayLinear) {
  auto rules =
      chain({"-s 192.0.2.1/32 -j DROP", "-s 192.0.2.2/32 -j DROP", "-s 192.0.2.3/32 -j DROP"});
  Plan p = plan_of(rules);
  ASSERT_EQ(p.segments.size(), 1u);
  EXPECT_EQ(p.segments[0].kind, SegmentKind::Linear);
  EXPECT_EQ(p.segments[0].rules, (std::vector<std::size_t>{0, 1, 2}));
  EXPECT_EQ(plan_of(rules, Options{3, 256}).segments[0].kind, SegmentKind::Lookup);
}

TEST(CompilePlan, OverlappingPrefixEndsTheRun) {
  // 192.0.2.5 is inside the /24: it must keep the /24's verdict (rule 0), so it starts a
  // new run instead of joining.
  auto rules = chain({"-s 192.0.2.0/24 -j ACCEPT", "-s 198.51.100.0/24 -j DROP",
                      "-s 192.0.2.5/32 -j DROP", "-s 203.0.113.0/24 -j DROP"});
  Plan p = plan_of(rules, Options{1, 256});
  ASSERT_EQ(p.segments.size(), 2u);
  EXPECT_EQ(p.segments[0].rules, (std::vector<std::size_t>{0, 1}));
  EXPECT_EQ(p.segments[0].lookup, LookupKind::VerdictMap);
  EXPECT_EQ(p.segments[1].rules, (std::vector<std::size_t>{2, 3}));
  Oracle o = oracle(rules, Family::V4);
  Decision d = decide_plan(p, rules, probe("192.0.2.5"), o);
  EXPECT_EQ(d.verdict.kind, VerdictKind::Accept);
  EXPECT_EQ(d.rule, 0u);
  EXPECT_EQ(d, decide_linear(rules, Family::V4, probe("192.0.2.5"), o));
}

TEST(CompilePlan, OverlappingPortRangeEndsTheRun) {
  auto rules =
      chain({"-p tcp -m tcp --dport 1000:2000 -j ACCEPT", "-p tcp -m tcp --dport 22 -j DROP",
             "-p tcp -m tcp --dport 1500 -j DROP", "-p tcp -m tcp --dport 80 -j DROP"});
  Plan p = plan_of(rules, Options{1, 256});
  ASSERT_EQ(p.segments.size(), 2u);
  EXPECT_EQ(p.segments[0].shape.fields(), (std::vector<Field>{Field::Proto, Field::Dport}));
  EXPECT_EQ(p.segments[1].rules.front(), 2u);
  Decision d = decide_plan(p, rules, probe("10.0.0.1", 6, 1500), oracle(rules, Family::V4));
  EXPECT_EQ(d.rule, 0u);
}

TEST(CompilePlan, JumpThatOverlapsALaterRuleEndsTheRun) {
  // After sub1 returns, the linear chain goes on to rule 1, which matches 10.0.0.5 again.
  auto rules = chain({"-s 10.0.0.0/24 -j sub1", "-s 10.0.0.5/32 -j DROP"});
  Plan p = plan_of(rules, Options{1, 256});
  ASSERT_EQ(p.segments.size(), 2u);
  Oracle o = oracle(rules, Family::V4);
  o.returns = [](const std::string&, const Probe&) { return true; };
  Decision d = decide_plan(p, rules, probe("10.0.0.5"), o);
  EXPECT_EQ(d.hits, (std::vector<std::size_t>{0, 1}));
  EXPECT_EQ(d.verdict.kind, VerdictKind::Drop);
}

TEST(CompilePlan, MixedVerdictsMakeAVerdictMap) {
  auto rules =
      chain({"-s 10.0.0.1/32 -j ACCEPT", "-s 10.0.0.2/32 -j DROP", "-s 10.0.0.3/32 -j RETURN",
             "-s 10.0.0.4/32 -j sub1", "-s 10.0.0.5/32 -g sub2"});
  Plan p = plan_of(rules);
  ASSERT_EQ(p.segments.size(), 1u);
  EXPECT_EQ(p.segments[0].lookup, LookupKind::VerdictMap);
  EXPECT_EQ(p.segments[0].elements[3].verdict.kind, VerdictKind::Jump);
  EXPECT_EQ(p.segments[0].elements[3].verdict.chain, "sub1");
  EXPECT_EQ(p.segments[0].elements[4].verdict.kind, VerdictKind::Goto);
}

TEST(CompilePlan, RejectOnlyInUniformRuns) {
  auto rules =
      chain({"-s 10.0.0.1/32 -j REJECT", "-s 10.0.0.2/32 -j REJECT", "-s 10.0.0.3/32 -j REJECT",
             "-s 10.0.0.4/32 -j REJECT", "-s 10.0.0.5/32 -j ACCEPT",
             "-s 10.0.0.6/32 -j REJECT --reject-with icmp-host-unreachable"});
  Plan p = plan_of(rules, Options{1, 256});
  ASSERT_EQ(p.segments.size(), 3u);
  EXPECT_EQ(p.segments[0].lookup, LookupKind::Set);
  EXPECT_EQ(p.segments[0].verdict.kind, VerdictKind::Target);
  EXPECT_EQ(p.segments[0].rules.size(), 4u);
  EXPECT_EQ(p.segments[1].rules, std::vector<std::size_t>{4});
  EXPECT_EQ(p.segments[2].rules, std::vector<std::size_t>{5});
}

TEST(CompilePlan, NonTerminalAndStatefulRulesStayInPlace) {
  auto rules = chain({"-s 10.0.0.1/32 -j DROP", "-s 10.0.0.2/32 -j DROP", "-s 10.0.0.3/32 -j LOG",
                      "-s 10.0.0.3/32 -j DROP", "-s 10.0.0.4/32 -m limit --limit 1/s -j DROP",
                      "-s 10.0.0.5/32"});
  Plan p = plan_of(rules, Options{2, 256});
  ASSERT_EQ(p.segments.size(), 2u);
  EXPECT_EQ(p.segments[0].kind, SegmentKind::Lookup);
  EXPECT_EQ(p.segments[1].kind, SegmentKind::Linear);
  EXPECT_EQ(p.segments[1].rules, (std::vector<std::size_t>{2, 3, 4, 5}));
}

TEST(CompilePlan, MultiportGivesOneElementPerItem) {
  auto rules = chain(
      {"-p tcp -m multiport --dports 22,80,8000:8080 -m comment --comment \"web a\" -j ACCEPT",
       "-p tcp -m multiport --dports 443,20:30 -j DROP"});
  // 22 is inside 20:30: the second rule starts a new run.
  Plan p = plan_of(rules, Options{1, 256});
  ASSERT_EQ(p.segments.size(), 2u);
  ASSERT_EQ(p.segments[0].elements.size(), 3u);
  for (const Element& e : p.segments[0].elements) EXPECT_EQ(e.rule, 0u);
  EXPECT_EQ(p.segments[0].comments, std::vector<std::string>{"web a"});
  EXPECT_EQ(p.segments[1].comments, std::vector<std::string>{""});
  EXPECT_EQ(p.segments[1].elements.size(), 2u);
}

TEST(CompilePlan, ItemsKeepTheirOrder) {
  auto rules = chain({"-p udp -m multiport --dports 80,22,1000:1010 -j ACCEPT"});
  Plan p = plan_of(rules, Options{1, 256});
  ASSERT_EQ(p.segments[0].elements.size(), 3u);
  EXPECT_EQ(p.segments[0].elements[0].key[1].lo, (Bytes{0, 80}));
  EXPECT_EQ(p.segments[0].elements[1].key[1].lo, (Bytes{0, 22}));
  EXPECT_EQ(p.segments[0].elements[2].key[1].hi, (Bytes{0x03, 0xf2}));
}

TEST(CompilePlan, OnlyRulesSpelledAlikeShareARun) {
  auto rules = chain({"-s 10.0.0.1/32 -j DROP", "-m iprange --src-range 10.0.0.2-10.0.0.3 -j DROP",
                      "-p tcp -m tcp --dport 22 -j DROP", "-p tcp -m multiport --dports 23 -j DROP",
                      "-p tcp -m tcp --dport 24 -m comment --comment x -j DROP",
                      "-p tcp -m comment --comment y -m tcp --dport 25 -j DROP",
                      "-p tcp -m comment --comment z -m tcp --dport 26 -j DROP"});
  Plan p = plan_of(rules, Options{1, 256});
  ASSERT_EQ(p.segments.size(), 6u);
  EXPECT_EQ(p.segments[5].rules, (std::vector<std::size_t>{5, 6}));
  EXPECT_EQ(p.segments[5].comments, (std::vector<std::string>{"y", "z"}));
}

TEST(CompilePlan, ConcatenatedServiceDispatch) {
  std::vector<std::string> lines;
  for (int i = 0; i < 50; ++i)
    lines.push_back("-d 10.96.0." + std::to_string(i) + "/32 -p tcp -m tcp --dport " +
                    std::to_string(80 + i % 3) + " -j " + (i % 2 ? "sub1" : "sub2"));
  auto rules = chain(lines);
  Plan p = plan_of(rules);
  ASSERT_EQ(p.segments.size(), 1u);
  EXPECT_EQ(p.segments[0].lookup, LookupKind::VerdictMap);
  EXPECT_EQ(p.segments[0].shape.fields(),
            (std::vector<Field>{Field::Proto, Field::Dst, Field::Dport}));
}

// fail2ban's shape at scale: one run, and no quadratic planning (a one-field run is probed
// in a sorted map, an all-exact concatenation in a set).
TEST(CompilePlan, LargeRunsPlanInOneSegment) {
  std::vector<std::string> bans, services;
  for (int i = 0; i < 20000; ++i) {
    std::string host = std::to_string(i / 256 % 256) + "." + std::to_string(i % 256);
    bans.push_back("-s 10." + host + ".1/32 -j REJECT --reject-with icmp-port-unreachable");
    services.push_back("-d 10.96." + host + "/32 -p tcp -m comment --comment \"svc " +
                       std::to_string(i) + "\" -m tcp --dport 443 -j sub1");
  }
  for (const auto& lines : {bans, services}) {
    auto rules = chain(lines);
    auto p = plan_chain(rules, Family::V4);
    ASSERT_TRUE(p.ok());
    ASSERT_EQ(p->segments.size(), 1u);
    EXPECT_EQ(p->segments[0].elements.size(), 20000u);
  }
}

TEST(CompilePlan, RangedConcatenationsEndAtTheirLimit) {
  // Prefixes in a concatenation (a pipapo set): 3000 rules make three runs at 1024 elements.
  std::vector<std::string> lines, exact;
  for (int i = 0; i < 3000; ++i) {
    const std::string port = std::to_string(1000 + i);
    lines.push_back("-s 10.0.0.0/24 -p tcp -m tcp --dport " + port + " -j DROP");
    exact.push_back("-s 10.0.0.1/32 -p tcp -m tcp --dport " + port + " -j DROP");
  }
  Plan p = plan_of(chain(lines));
  ASSERT_EQ(p.segments.size(), 3u);
  EXPECT_EQ(p.segments[0].elements.size(), 1024u);
  EXPECT_EQ(p.segments[2].elements.size(), 3000u - 2048u);
  // Exact keys (a hash set) have no such limit.
  EXPECT_EQ(plan_of(chain(exact)).segments.size(), 1u);
}

TEST(CompilePlan, InterfaceWildcardsAreIntervals) {
  auto rules = chain({"-i eth+ -j ACCEPT", "-i wlan0 -j DROP", "-i eth1 -j DROP"});
  Plan p = plan_of(rules, Options{1, 256});
  ASSERT_EQ(p.segments.size(), 2u);  // eth1 is inside eth+
  Oracle o = oracle(rules, Family::V4);
  for (const char* in : {"eth1", "eth", "ethernet0", "wlan0", "wlan01", "e"}) {
    Probe pr = probe("10.0.0.1", 6, 1, in);
    EXPECT_EQ(decide_plan(p, rules, pr, o), decide_linear(rules, Family::V4, pr, o)) << in;
  }
}

TEST(CompilePlan, IprangeRangesAreIntervals) {
  auto rules = chain({"-m iprange --src-range 10.0.0.1-10.0.0.9 -j DROP",
                      "-m iprange --src-range 10.0.1.0-10.0.1.255 -j DROP",
                      "-m iprange --src-range 10.0.0.10-10.0.0.10 -j DROP",
                      "-m iprange --src-range 10.0.0.8-10.0.0.15 -j DROP"});
  Plan p = plan_of(rules, Options{1, 256});
  ASSERT_EQ(p.segments.size(), 2u);  // 10.0.0.8-10.0.0.15 meets 10.0.0.1-10.0.0.9
  EXPECT_EQ(p.segments[0].rules.size(), 3u);
  EXPECT_EQ(p.segments[0].elements[1].key[0].hi, (Bytes{10, 0, 1, 255}));
}

TEST(CompilePlan, Ipv6Prefixes) {
  auto rules = chain({"-s 2001:db8::/64 -j ACCEPT", "-s 2001:db8:1::/64 -j DROP",
                      "-s 2001:db8::1/128 -j DROP", "-d 2001:db8::1/128 -j DROP"},
                     Family::V6);
  Plan p = plan_of(rules, Options{1, 256}, Family::V6);
  ASSERT_EQ(p.segments.size(), 3u);
  EXPECT_EQ(p.segments[0].elements[0].key[0].lo.size(), 16u);
}

TEST(CompilePlan, BadOptionsAreErrors) {
  auto rules = chain({"-s 10.0.0.1/32 -j DROP"});
  EXPECT_FALSE(plan_chain(rules, Family::V4, Options{0, 256}).ok());
  EXPECT_FALSE(plan_chain(rules, Family::V4, Options{1, 0}).ok());
  EXPECT_TRUE(plan_chain({}, Family::V4).ok());
}

TEST(CompileKey, WhatIsNotAKey) {
  for (const char* l : {"! -s 10.0.0.1/32 -j DROP",
                        "-s 10.0.0.0/255.0.255.0 -j DROP",
                        "-f -j DROP",
                        "-p tcp -m tcp ! --dport 22 -j DROP",
                        "-p tcp -m tcp --syn -j DROP",
                        "-p tcp -m tcp --dport 22 --tcp-flags SYN SYN -j DROP",
                        "-p tcp -m tcp -j DROP",
                        "-p tcp -m multiport --ports 22,80 -j DROP",
                        "-p tcp -m multiport ! --dports 22 -j DROP",
                        "-m iprange ! --src-range 10.0.0.1-10.0.0.2 -j DROP",
                        "-m mark --mark 1 -j DROP",
                        "-s 10.0.0.1/32 -m limit --limit 1/s -j DROP",
                        "! -i eth0 -j DROP",
                        "! -p tcp -j DROP",
                        "-m comment --comment x -j DROP",
                        "-j DROP",
                        "-p tcp -m tcp --dport 22 -m multiport --dports 80 -j DROP",
                        "-p udp -m multiport --dports 20:30,25 -j DROP",
                        "-s 10.0.0.1/32 -m comment --comment a -m comment --comment b -j DROP",
                        "-s 10.0.0.1/32 -j LOG",
                        "-s 10.0.0.1/32 -j NFLOG"}) {
    auto rules = chain({l});
    ASSERT_EQ(rules.size(), 1u) << l;
    std::string why;
    auto key = rule_key(rules[0], Family::V4, &why);
    // LOG / NFLOG rules are key-shaped, but their verdict goes on: the planner keeps them.
    if (std::string_view(l).find("LOG") == std::string_view::npos) {
      EXPECT_FALSE(key) << l;
      EXPECT_FALSE(why.empty()) << l;
    }
    Plan p = plan_of(rules, Options{1, 256});
    ASSERT_EQ(p.segments.size(), 1u);
    EXPECT_EQ(p.segments[0].kind, SegmentKind::Linear) << l;
  }
}

TEST(CompileKey, KeysOfEachField) {
  auto rules =
      chain({"-i eth+ -o wlan0 -s 10.0.0.0/8 -d 192.0.2.0/24 -p udp -m udp --sport "
             "53 --dport 1024:2048 -m comment --comment \"a \\\"b\\\"\" -j ACCEPT"});
  auto key = rule_key(rules[0], Family::V4);
  ASSERT_TRUE(key);
  EXPECT_EQ(key->shape.size(), 7u);
  auto v = [&](Field f) { return key->values[static_cast<std::size_t>(f)].at(0); };
  EXPECT_EQ(v(Field::Src).lo, (Bytes{10, 0, 0, 0}));
  EXPECT_EQ(v(Field::Src).hi, (Bytes{10, 255, 255, 255}));
  EXPECT_EQ(v(Field::Dport).lo, (Bytes{4, 0}));
  EXPECT_EQ(v(Field::Dport).hi, (Bytes{8, 0}));
  EXPECT_EQ(v(Field::Proto).lo, Bytes{17});
  EXPECT_EQ(v(Field::InIface).hi[3], 0xff);
  EXPECT_EQ(v(Field::OutIface).hi[5], 0);
  EXPECT_EQ(key->comment.substr(0, 2), "a ");
  EXPECT_EQ(key->spelling, "hdr:iifname,oifname,l4proto,saddr,daddr,|udp:--sport--dport|comment");
}

TEST(CompileKey, FragmentsNeverMatchPorts) {
  auto rules = chain({"-p tcp -m tcp --dport 22 -j DROP", "-p tcp -j ACCEPT"});
  Plan p = plan_of(rules, Options{1, 256});
  Probe pr = probe("10.0.0.1", 6, 22);
  pr.fragment = true;
  Oracle o = oracle(rules, Family::V4);
  Decision d = decide_plan(p, rules, pr, o);
  EXPECT_EQ(d.rule, 1u);
  EXPECT_EQ(d, decide_linear(rules, Family::V4, pr, o));
}

// ---------------------------------------------------------------------------------------
// Randomized chains.

class Gen {
 public:
  Gen(std::uint32_t seed, Family f) : rng_(seed), f_(f) {}

  std::vector<std::string> chain_lines();
  // Rules of two to four shapes taking turns (a firewall's user chain), odd rules between.
  std::vector<std::string> interleaved_lines();
  Probe probe(const std::vector<model::Rule>& rules);

 private:
  int pick(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
  bool chance(int percent) { return pick(0, 99) < percent; }
  template <class T>
  const T& one(const std::vector<T>& v) {
    return v[static_cast<std::size_t>(pick(0, static_cast<int>(v.size()) - 1))];
  }
  std::string host(int n) const {
    if (f_ == Family::V4) return "10.0.0." + std::to_string(n);
    char buf[8];
    std::snprintf(buf, sizeof buf, "%x", n);
    return std::string("2001:db8::") + buf;
  }
  std::string prefix();
  std::string port_range();
  std::string port_list();
  std::string ip_range();
  std::string key_part(int shape);
  std::string verdict(bool mappable_only);
  std::string odd_rule();
  Probe random_probe();
  Bytes near(const Interval& i);
  std::string iface_near(const Interval& i);
  void aim(Probe& p, Field f, const Interval& i);

  std::mt19937 rng_;
  Family f_;
};

std::string Gen::prefix() {
  int len = f_ == Family::V4 ? pick(26, 32) : pick(122, 128);
  int span = 1 << ((f_ == Family::V4 ? 32 : 128) - len);
  int base = pick(0, 63) / span * span;  // aligned, so the text is canonical
  return host(base) + "/" + std::to_string(len);
}

std::string Gen::port_range() {
  int lo = pick(1, 30);
  return chance(60) ? std::to_string(lo)
                    : std::to_string(lo) + ":" + std::to_string(lo + pick(1, 8));
}

std::string Gen::port_list() {
  std::string s;
  for (int n = pick(1, 4); n > 0; --n) s += (s.empty() ? "" : ",") + port_range();
  return s;
}

std::string Gen::ip_range() {
  int lo = pick(0, 60);
  return host(lo) + "-" + host(lo + pick(0, 6));
}

std::string Gen::key_part(int shape) {
  switch (shape) {
    case 0:
      return "-s " + prefix();
    case 1:
      return "-d " + prefix() + " -p tcp -m tcp --dport " + port_range();
    case 2:
      return "-i " + one<std::string>({"eth0", "eth1", "eth+", "wlan0", "+"}) + " -s " + prefix();
    case 3:
      return "-p udp -m multiport --dports " + port_list();
    case 4:
      return "-p tcp -s " + prefix() + " -m multiport --sports " + port_list();
    case 5:
      return "-m iprange --src-range " + ip_range();
    case 6:
      return "-p tcp -m tcp --sport " + port_range() + " --dport " + port_range();
    case 7:
      return "-o " + one<std::string>({"eth0", "eth1", "eth+", "wlan0"}) +
             " -p udp -m udp --dport " + port_range();
    case 8:
      return "-m iprange --dst-range " + ip_range() + " -p udp -m udp --dport " + port_range();
    default:
      return "-p " + one<std::string>({"tcp", "udp", "icmp"}) + " -d " + prefix();
  }
}

std::string Gen::verdict(bool mappable_only) {
  static const std::vector<std::string> kMappable = {"-j ACCEPT", "-j DROP", "-j RETURN", "-j sub1",
                                                     "-g sub2"};
  if (mappable_only || chance(80)) return one(kMappable);
  if (chance(50)) return "-j REJECT";
  return f_ == Family::V4 ? "-j REJECT --reject-with icmp-host-unreachable"
                          : "-j REJECT --reject-with icmp6-adm-prohibited";
}

// Rules that must stay Linear, some of them close to key-shaped ones.
std::string Gen::odd_rule() {
  switch (pick(0, 9)) {
    case 0:
      return "-s " + prefix() + " -j LOG --log-prefix odd";
    case 1:
      return "-p tcp -m tcp --dport " + port_range() + " -j NFLOG";
    case 2:
      return "-s " + prefix() + " -m limit --limit 5/sec -j ACCEPT";
    case 3:
      return "! -s " + prefix() + " -j DROP";
    case 4:
      return "-p tcp -m tcp ! --dport " + port_range() + " -j ACCEPT";
    case 5:
      return "-p udp -m multiport ! --dports " + port_list() + " -j DROP";
    case 6:
      return "-m iprange ! --src-range " + ip_range() + " -j RETURN";
    case 7:
      return "-s " + prefix();
    case 8:
      return "-p tcp -m multiport --ports " + port_list() + " -j sub1";
    default:
      return "-p tcp -m tcp --dport " + port_range() + " --tcp-flags SYN,ACK SYN -j DROP";
  }
}

std::vector<std::string> Gen::chain_lines() {
  std::vector<std::string> lines;
  const int target = pick(3, 40);
  while (static_cast<int>(lines.size()) < target) {
    if (chance(25)) {
      lines.push_back(odd_rule());
      continue;
    }
    const int shape = pick(0, 9);
    const bool uniform = chance(40);
    const std::string shared = verdict(false);
    for (int n = pick(1, 8); n > 0; --n) {
      std::string l = key_part(shape);
      if (chance(20)) l += " -m comment --comment \"c" + std::to_string(lines.size()) + "\"";
      lines.push_back(l + " " + (uniform ? shared : verdict(chance(70))));
    }
  }
  return lines;
}

std::vector<std::string> Gen::interleaved_lines() {
  std::vector<int> shapes;
  // Mostly shapes with a protocol, so that turns of other shapes often may be passed.
  for (int n = pick(2, 4); n > 0; --n)
    shapes.push_back(chance(75) ? one<int>({1, 3, 4, 6, 7, 8, 9}) : pick(0, 9));
  std::vector<std::string> verdicts;
  for (int n = pick(1, 3); n > 0; --n) verdicts.push_back(verdict(chance(70)));
  std::vector<std::string> lines;
  for (int target = pick(6, 40); static_cast<int>(lines.size()) < target;) {
    if (chance(12)) {
      lines.push_back(odd_rule());
      continue;
    }
    std::string l = key_part(one(shapes));
    if (chance(20)) l += " -m comment --comment \"c" + std::to_string(lines.size()) + "\"";
    lines.push_back(l + " " + one(verdicts));
  }
  return lines;
}

// Values from the small ranges the rules use; fragments now and then.
Probe Gen::random_probe() {
  Probe p;
  auto a = [&]() {
    std::string s =
        chance(90) ? host(pick(0, 70)) : (f_ == Family::V4 ? "192.0.2.1" : "2001:db9::1");
    return *eval::parse_addr(s, f_);
  };
  p.src = a();
  p.dst = a();
  p.proto = static_cast<std::uint8_t>(one<int>({6, 6, 17, 17, 1}));
  p.sport = static_cast<std::uint16_t>(pick(0, 40));
  p.dport = static_cast<std::uint16_t>(pick(0, 40));
  p.iniface = one<std::string>({"eth0", "eth1", "eth2", "wlan0", "lo", ""});
  p.outiface = one<std::string>({"eth0", "eth1", "eth7", "wlan0", "wlan1"});
  p.fragment = chance(8);
  return p;
}

// A big-endian value plus or minus one (wrapping).
Bytes step(Bytes b, int delta) {
  for (std::size_t k = b.size(); k-- > 0;) {
    b[k] = static_cast<std::uint8_t>(b[k] + delta);
    if (b[k] != (delta > 0 ? 0 : 0xff)) break;
  }
  return b;
}

// A bound of the interval or the value just outside it.
Bytes Gen::near(const Interval& i) {
  switch (pick(0, 3)) {
    case 0:
      return i.lo;
    case 1:
      return i.hi;
    case 2:
      return step(i.lo, -1);
    default:
      return step(i.hi, 1);
  }
}

std::string Gen::iface_near(const Interval& i) {
  std::string stem(i.lo.begin(), std::find(i.lo.begin(), i.lo.end(), 0));
  if (i.exact()) return chance(75) ? stem : stem + "0";
  switch (pick(0, 3)) {
    case 0:
      return stem;
    case 1:
      return stem + "0";
    case 2:
      return stem + "x1";
    default:
      return stem.empty() ? "" : stem.substr(0, stem.size() - 1);
  }
}

void Gen::aim(Probe& p, Field f, const Interval& i) {
  switch (f) {
    case Field::InIface:
      p.iniface = iface_near(i);
      return;
    case Field::OutIface:
      p.outiface = iface_near(i);
      return;
    case Field::Proto:
      p.proto = i.lo[0];
      return;
    case Field::Src:
    case Field::Dst: {
      Bytes b = near(i);
      std::copy(b.begin(), b.end(), (f == Field::Src ? p.src : p.dst).begin());
      return;
    }
    case Field::Sport:
    case Field::Dport: {
      Bytes b = near(i);
      (f == Field::Sport ? p.sport : p.dport) = static_cast<std::uint16_t>(b[0] << 8 | b[1]);
      return;
    }
  }
}

// Half at random, half aimed at one element of a key-shaped rule: each of its fields at a
// bound of the element's interval or just outside.
Probe Gen::probe(const std::vector<model::Rule>& rules) {
  Probe p = random_probe();
  if (rules.empty() || chance(50)) return p;
  auto key =
      rule_key(rules[static_cast<std::size_t>(pick(0, static_cast<int>(rules.size()) - 1))], f_);
  if (!key) return p;
  const std::vector<Key> elements = key->elements();
  const Key& e = one(elements);
  const std::vector<Field> fields = key->shape.fields();
  for (std::size_t k = 0; k < fields.size(); ++k) aim(p, fields[k], e[k]);
  return p;
}

struct Tally {
  std::size_t chains = 0, rules = 0, lookup_rules = 0, sets = 0, maps = 0, multi = 0, probes = 0,
              compiled_hits = 0, overlap_splits = 0;
};

// Whether segment k starts with a rule that meets the run before it.
bool split_by_overlap(const Plan& p, std::size_t k) {
  const Segment &prev = p.segments[k - 1], &s = p.segments[k];
  if (!(prev.shape == s.shape)) return false;
  for (const Element& e : s.elements)
    for (const Element& o : prev.elements)
      if (e.rule == s.rules[0] && keys_overlap(e.key, o.key)) return true;
  return false;
}

void tally(Tally& t, const Plan& p, std::size_t rules) {
  ++t.chains;
  t.rules += rules;
  t.lookup_rules += p.lookup_rules();
  for (std::size_t k = 0; k < p.segments.size(); ++k) {
    const Segment& s = p.segments[k];
    if (s.kind != SegmentKind::Lookup) continue;
    ++(s.lookup == LookupKind::Set ? t.sets : t.maps);
    if (s.elements.size() > s.rules.size()) ++t.multi;
    if (k > 0 && p.segments[k - 1].kind == SegmentKind::Lookup && split_by_overlap(p, k))
      ++t.overlap_splits;
  }
}

// Each rule of a Lookup segment matches a probe exactly when one of its elements holds it.
void expect_keys_exact(const Plan& p, const std::vector<model::Rule>& rules, const Probe& pr,
                       const std::string& where) {
  for (const Segment& s : p.segments) {
    if (s.kind != SegmentKind::Lookup) continue;
    std::vector<Bytes> values;
    bool ports = true;
    for (Field f : s.shape.fields()) {
      auto v = probe_value(pr, f, p.family);
      if (!v) ports = false;
      values.push_back(v ? *v : Bytes{});
    }
    for (std::size_t r : s.rules) {
      bool in_key = false;
      for (const Element& e : s.elements)
        if (e.rule == r && ports && key_contains(e.key, values)) in_key = true;
      auto m = rule_matches(rules[r], p.family, pr);
      ASSERT_TRUE(m.has_value()) << where;
      ASSERT_EQ(*m, in_key) << "rule " << r << "\n" << where;
    }
  }
}

// Plans `lines` and compares both walks on `probes` packets; returns the first difference.
void run_case(Gen& g, const std::vector<std::string>& lines, Family f, const Options& o,
              std::uint64_t salt, int probes, Tally& t) {
  auto rules = chain(lines, f);
  ASSERT_EQ(rules.size(), lines.size());
  Plan p = plan_of(rules, o, f);
  tally(t, p, rules.size());
  Oracle orc = oracle(rules, f, salt);
  std::vector<bool> compiled(rules.size());
  for (const Segment& s : p.segments)
    for (std::size_t r : s.rules) compiled[r] = s.kind == SegmentKind::Lookup;
  for (int k = 0; k < probes; ++k) {
    Probe pr = g.probe(rules);
    const std::string where = chain_text(rules, f) + eval::addr_to_string(pr.src, f) + " " +
                              eval::addr_to_string(pr.dst, f) + " proto " +
                              std::to_string(pr.proto) + " " + std::to_string(pr.sport) + ">" +
                              std::to_string(pr.dport) + " " + pr.iniface + ">" + pr.outiface +
                              (pr.fragment ? " frag" : "");
    Decision want = decide_linear(rules, f, pr, orc), got = decide_plan(p, rules, pr, orc);
    ASSERT_EQ(got, want) << "plan " << describe(got) << "\nlinear " << describe(want) << "\n"
                         << where;
    ++t.probes;
    if (got.rule && compiled[*got.rule]) ++t.compiled_hits;
    expect_keys_exact(p, rules, pr, where);
    if (testing::Test::HasFatalFailure()) return;
  }
}

void property(Family f, std::uint32_t seed0, int cases) {
  Tally t;
  for (int c = 0; c < cases; ++c) {
    Gen g(seed0 + static_cast<std::uint32_t>(c), f);
    const auto lines = g.chain_lines();
    for (std::size_t min_run : {1u, 2u, 4u}) {
      run_case(g, lines, f, Options{min_run, 256}, c * 7 + min_run, 150, t);
      if (testing::Test::HasFatalFailure()) return;
    }
  }
  // The generator must reach what it is meant to test, or the comparison proves little.
  EXPECT_GT(t.lookup_rules * 3, t.rules) << t.lookup_rules << " of " << t.rules;
  const auto n = static_cast<std::size_t>(cases);
  EXPECT_GT(t.sets, 2 * n);
  EXPECT_GT(t.maps, n);
  EXPECT_GT(t.multi, n / 2);
  EXPECT_GT(t.overlap_splits, n);
  EXPECT_GT(t.compiled_hits * 10, t.probes);
}

TEST(CompileProperty, PlanDecidesAsTheChainV4) { property(Family::V4, 1000, 250); }
TEST(CompileProperty, PlanDecidesAsTheChainV6) { property(Family::V6, 5000, 100); }

// ---------------------------------------------------------------------------------------
// The comparison must catch broken plans.

// Whether some probe of `g` tells the plan from the chain.
bool caught(Gen& g, const Plan& p, const std::vector<model::Rule>& rules, int probes) {
  Oracle orc = oracle(rules, p.family);
  for (int k = 0; k < probes; ++k) {
    Probe pr = g.probe(rules);
    if (!(decide_plan(p, rules, pr, orc) == decide_linear(rules, p.family, pr, orc))) return true;
  }
  return false;
}

TEST(CompileMutation, FlippedVerdictsAndLostElementsAreCaught) {
  int flipped = 0, flips_caught = 0, dropped = 0, drops_caught = 0;
  for (std::uint32_t c = 0; c < 200; ++c) {
    Gen g(9000 + c, Family::V4);
    auto rules = chain(g.chain_lines());
    Plan p = plan_of(rules, Options{1, 256});
    for (std::size_t k = 0; k < p.segments.size(); ++k) {
      if (p.segments[k].kind != SegmentKind::Lookup) continue;
      Plan flip = p, drop = p;
      Verdict& v = flip.segments[k].elements[0].verdict;
      v.kind = v.kind == VerdictKind::Drop ? VerdictKind::Accept : VerdictKind::Drop;
      v.chain.clear();
      ++flipped;
      flips_caught += caught(g, flip, rules, 400);
      drop.segments[k].elements.erase(drop.segments[k].elements.begin());
      ++dropped;
      drops_caught += caught(g, drop, rules, 400);
      break;
    }
  }
  // A mutation goes unseen only where earlier rules shadow the element for every probe.
  EXPECT_GT(flipped, 100);
  EXPECT_GT(flips_caught * 10, flipped * 8) << flips_caught << "/" << flipped;
  EXPECT_GT(drops_caught * 10, dropped * 8) << drops_caught << "/" << dropped;
}

TEST(CompileMutation, RunsMergedAcrossAnOverlapAreCaught) {
  // What a planner that ignored overlaps would make of this chain: one run. check_plan sees
  // the overlap; the walks see the jump that returns into the rest of the run.
  auto rules = chain({"-s 10.0.0.0/24 -j sub1", "-s 10.0.0.5/32 -j DROP"});
  Plan p = plan_of(rules, Options{1, 256});
  ASSERT_EQ(p.segments.size(), 2u);
  Plan merged = p;
  merged.segments[0].rules.push_back(1);
  merged.segments[0].comments.push_back("");
  merged.segments[0].elements.push_back(p.segments[1].elements[0]);
  merged.segments.pop_back();
  EXPECT_FALSE(check_plan(merged, rules, Options{1, 256}).ok());
  Oracle o = oracle(rules, Family::V4);
  o.returns = [](const std::string&, const Probe&) { return true; };
  EXPECT_NE(decide_plan(merged, rules, probe("10.0.0.5"), o),
            decide_linear(rules, Family::V4, probe("10.0.0.5"), o));
}

TEST(CompileMutation, ReorderedRunsAndWrongKeysAreCaught) {
  auto rules = chain({"-s 192.0.2.0/24 -j ACCEPT", "-s 192.0.2.5/32 -j DROP",
                      "-p tcp -m tcp --dport 1000:2000 -j ACCEPT"});
  Plan p = plan_of(rules, Options{1, 256});
  ASSERT_EQ(p.segments.size(), 3u);
  Plan swapped = p;
  std::swap(swapped.segments[0], swapped.segments[1]);
  EXPECT_FALSE(check_plan(swapped, rules, Options{1, 256}).ok());
  Oracle o = oracle(rules, Family::V4);
  EXPECT_NE(decide_plan(swapped, rules, probe("192.0.2.5"), o),
            decide_linear(rules, Family::V4, probe("192.0.2.5"), o));
  Plan narrow = p;
  narrow.segments[2].elements[0].key[1].hi = Bytes{0x07, 0xcf};  // 1999
  Probe pr = probe("10.0.0.1", 6, 2000);
  EXPECT_NE(decide_plan(narrow, rules, pr, o), decide_linear(rules, Family::V4, pr, o));
}

// ---------------------------------------------------------------------------------------
// Reordering (compile/reorder.h): the chain in its new order, planned, decides every probe
// as the chain in its own order.

std::vector<std::size_t> order_of(const std::vector<std::string>& lines, Options o = {1, 256}) {
  return regroup(chain(lines), Family::V4, o);
}

TEST(CompileReorder, InterleavedShapesComeTogether) {
  auto order = order_of({"-s 10.0.0.1/32 -p tcp -m tcp --dport 22 -j ACCEPT",
                         "-d 10.0.0.9/32 -p udp -m udp --dport 53 -j DROP",
                         "-s 10.0.0.2/32 -p tcp -m tcp --dport 22 -j ACCEPT",
                         "-d 10.0.0.8/32 -p udp -m udp --dport 53 -j DROP",
                         "-s 10.0.0.3/32 -p tcp -m tcp --dport 22 -j ACCEPT"});
  EXPECT_EQ(order, (std::vector<std::size_t>{0, 2, 4, 1, 3}));
}

TEST(CompileReorder, NothingPassesARuleItMayMeet) {
  // The DROP matches 10.0.0.2 port 22 too: the third rule stays after it.
  auto order = order_of({"-s 10.0.0.1/32 -p tcp -m tcp --dport 22 -j ACCEPT",
                         "-p tcp -m tcp --dport 22 -j DROP",
                         "-s 10.0.0.2/32 -p tcp -m tcp --dport 22 -j ACCEPT"});
  EXPECT_TRUE(is_identity(order));
  // Another port: nothing in common.
  order = order_of({"-s 10.0.0.1/32 -p tcp -m tcp --dport 22 -j ACCEPT",
                    "-p tcp -m tcp --dport 23 -m conntrack --ctstate NEW -j DROP",
                    "-s 10.0.0.2/32 -p tcp -m tcp --dport 22 -j ACCEPT"});
  EXPECT_EQ(order, (std::vector<std::size_t>{0, 2, 1}));
}

TEST(CompileReorder, StatefulRulesAndRulesWithoutKeysAreBarriers) {
  const std::string a = "-s 10.0.0.1/32 -p tcp -j ACCEPT", b = "-s 10.0.0.2/32 -p tcp -j ACCEPT";
  // A limit is charged whenever a packet reaches it: a udp packet still may not skip it...
  EXPECT_TRUE(is_identity(order_of({a, "-p udp -m limit --limit 5/sec -j ACCEPT", b})));
  EXPECT_TRUE(is_identity(order_of({a, "-p udp -m quota --quota 1000 -j ACCEPT", b})));
  // ...a length test may be skipped, and so may a LOG of other packets.
  EXPECT_EQ(order_of({a, "-p udp -m length --length 100 -j ACCEPT", b}),
            (std::vector<std::size_t>{0, 2, 1}));
  EXPECT_EQ(order_of({a, "-p udp -j LOG", b}), (std::vector<std::size_t>{0, 2, 1}));
  // A rule that tests no key field may meet anything; neither may an inverted test.
  EXPECT_TRUE(is_identity(order_of({a, "-j LOG", b})));
  EXPECT_TRUE(is_identity(order_of({a, "! -p udp -j LOG", b})));
}

struct ReorderTally {
  std::size_t rules = 0, moved = 0, lookup_rules = 0, lookup_rules_unmoved = 0, probes = 0;
};

void reorder_case(Gen& g, const std::vector<std::string>& lines, Family f, const Options& o,
                  std::uint64_t salt, int probes, ReorderTally& t) {
  auto rules = chain(lines, f);
  ASSERT_EQ(rules.size(), lines.size());
  const std::vector<std::size_t> order = regroup(rules, f, o);
  std::vector<std::size_t> sorted = order;
  std::sort(sorted.begin(), sorted.end());
  for (std::size_t k = 0; k < sorted.size(); ++k) ASSERT_EQ(sorted[k], k);
  auto moved = reordered(chain(lines, f), order);
  Plan p = plan_of(moved, o, f);
  if (o.min_run >= 4) {  // (with shorter runs every key-shaped rule is in a lookup anyway)
    t.rules += rules.size();
    t.lookup_rules += p.lookup_rules();
    t.lookup_rules_unmoved += plan_of(rules, o, f).lookup_rules();
    for (std::size_t k = 0; k < order.size(); ++k) t.moved += order[k] != k;
  }
  Oracle orc = oracle(rules, f, salt);
  Oracle morc{[&](std::size_t k, const Probe& pr) { return orc.matches(order[k], pr); },
              orc.returns};
  for (int k = 0; k < probes; ++k) {
    Probe pr = g.probe(rules);
    Decision want = decide_linear(rules, f, pr, orc), got = decide_plan(p, moved, pr, morc);
    for (auto& h : got.hits) h = order[h];
    if (got.rule) got.rule = order[*got.rule];
    ASSERT_EQ(got, want) << "plan " << describe(got) << "\nlinear " << describe(want) << "\n"
                         << chain_text(rules, f) << "order " << testing::PrintToString(order);
    ++t.probes;
  }
}

void reorder_property(Family f, std::uint32_t seed0, int cases) {
  ReorderTally t;
  for (int c = 0; c < cases; ++c) {
    Gen g(seed0 + static_cast<std::uint32_t>(c), f);
    const auto lines = g.interleaved_lines();
    for (std::size_t min_run : {1u, 4u}) {
      reorder_case(g, lines, f, Options{min_run, 256}, c * 5 + min_run, 150, t);
      if (testing::Test::HasFatalFailure()) return;
    }
  }
  // Rules must really move, and into lookups.
  EXPECT_GT(t.moved * 5, t.rules) << t.moved << " of " << t.rules;
  EXPECT_GT(t.lookup_rules, t.lookup_rules_unmoved * 2)
      << t.lookup_rules << " vs " << t.lookup_rules_unmoved;
}

TEST(CompileProperty, ReorderedChainDecidesAsTheChainV4) {
  reorder_property(Family::V4, 7000, 300);
}
TEST(CompileProperty, ReorderedChainDecidesAsTheChainV6) {
  reorder_property(Family::V6, 8000, 120);
}

TEST(CompileMutation, ReorderingPastOverlapsIsCaught) {
  // What a reordering that ignored footprints would do: every rule of a class up to the
  // class's first rule. The same comparison must see the difference in most chains where
  // that moves a rule past one it meets.
  int tried = 0, caught_ = 0;
  for (std::uint32_t c = 0; c < 300; ++c) {
    Gen g(11000 + c, Family::V4);
    const auto lines = g.interleaved_lines();
    auto rules = chain(lines);
    std::vector<std::size_t> order;
    std::vector<bool> used(rules.size());
    for (std::size_t i = 0; i < rules.size(); ++i) {
      if (used[i]) continue;
      for (std::size_t j = i; j < rules.size(); ++j)
        if (!used[j] && lines[j].substr(0, 12) == lines[i].substr(0, 12) &&
            (j == i || lines[j].back() == lines[i].back())) {
          used[j] = true;
          order.push_back(j);
        }
    }
    if (is_identity(order) || order == regroup(rules, Family::V4, Options{1, 256})) continue;
    ++tried;
    auto moved = reordered(chain(lines), order);
    Oracle orc = oracle(rules, Family::V4);
    Oracle morc{[&](std::size_t k, const Probe& pr) { return orc.matches(order[k], pr); },
                orc.returns};
    for (int k = 0; k < 400; ++k) {
      Probe pr = g.probe(rules);
      Decision want = decide_linear(rules, Family::V4, pr, orc);
      Decision got = decide_linear(moved, Family::V4, pr, morc);
      for (auto& h : got.hits) h = order[h];
      if (got.rule) got.rule = order[*got.rule];
      if (!(got == want)) {
        ++caught_;
        break;
      }
    }
  }
  EXPECT_GT(tried, 100);
  EXPECT_GT(caught_ * 10, tried * 5) << caught_ << "/" << tried;
}

}  // namespace
}  // namespace cx::compile
