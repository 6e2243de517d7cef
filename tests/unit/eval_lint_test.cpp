// cxtables lint (src/eval/lint.cpp): each kind of finding, and what must not be reported.
#include <gtest/gtest.h>

#include "eval/lint.h"
#include "restore/parse_save.h"

namespace cx::eval {
namespace {

std::vector<Finding> lint_text(const std::string& body, Family f = Family::V4) {
  std::string text = "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n" +
                     body + "COMMIT\n";
  auto t = restore::parse_save(text, f, f == Family::V4 ? "iptables" : "ip6tables");
  EXPECT_TRUE(t.ok()) << (t.ok() ? "" : t.error().message);
  Ruleset rs;
  rs.family = f;
  if (t.ok()) rs.tables = std::move(*t);
  return lint(rs);
}

// "KIND CHAIN RULE BY" per finding, for compact expectations.
std::vector<std::string> summary(const std::vector<Finding>& fs) {
  std::vector<std::string> out;
  for (const Finding& f : fs)
    out.push_back(std::string(finding_kind_name(f.kind)) + " " + f.chain + " " +
                  std::to_string(f.rule) + " " + std::to_string(f.by_rule));
  return out;
}

using V = std::vector<std::string>;

TEST(EvalLint, ShadowedByABroaderTerminalRule) {
  EXPECT_EQ(summary(lint_text("-A INPUT -p tcp -j DROP\n"
                              "-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT\n"
                              "-A INPUT -s 198.51.100.0/24 -j LOG\n")),
            V({"shadowed INPUT 2 1"}));
  // Addresses: a /24 covers a /32 inside it, not one outside; an inverted address covers
  // a disjoint one.
  EXPECT_EQ(summary(lint_text("-A INPUT -s 198.51.100.0/24 -j ACCEPT\n"
                              "-A INPUT -s 198.51.100.7/32 -p udp -j DROP\n"
                              "-A INPUT -s 203.0.113.7/32 -j DROP\n")),
            V({"shadowed INPUT 2 1"}));
  EXPECT_EQ(summary(lint_text("-A INPUT ! -s 198.51.100.0/24 -j DROP\n"
                              "-A INPUT -s 203.0.113.0/24 -j ACCEPT\n"
                              "-A INPUT -s 198.51.100.9/32 -j LOG\n")),
            V({"shadowed INPUT 2 1"}));
  // Interfaces with wildcards, ports by range, protocols by inversion.
  EXPECT_EQ(summary(lint_text("-A INPUT -i eth+ -j ACCEPT\n"
                              "-A INPUT -i eth0 -p tcp -j DROP\n"
                              "-A INPUT -i wlan0 -j DROP\n")),
            V({"shadowed INPUT 2 1"}));
  EXPECT_EQ(summary(lint_text("-A INPUT -p udp -m udp --dport 1000:2000 -j ACCEPT\n"
                              "-A INPUT -p udp -m udp --dport 1500 -j DROP\n"
                              "-A INPUT -p udp -m udp --dport 2500 -j DROP\n")),
            V({"shadowed INPUT 2 1"}));
  EXPECT_EQ(summary(lint_text("-A INPUT ! -p tcp -j RETURN\n"
                              "-A INPUT -p udp -j DROP\n")),
            V({"shadowed INPUT 2 1"}));
  // Comments do not narrow a rule; an unconditional rule shadows everything after it.
  EXPECT_EQ(summary(lint_text("-A INPUT -m comment --comment all -j DROP\n"
                              "-A INPUT -p tcp -j ACCEPT\n"
                              "-A INPUT -j LOG\n")),
            V({"shadowed INPUT 2 1", "shadowed INPUT 3 1"}));
}

TEST(EvalLint, NotShadowed) {
  // Narrower first, stateful matches, non-terminal targets, a jump (it may come back).
  EXPECT_TRUE(lint_text("-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT\n"
                        "-A INPUT -p tcp -j DROP\n")
                  .empty());
  EXPECT_TRUE(lint_text("-A INPUT -m limit --limit 1/sec -j DROP\n"
                        "-A INPUT -p tcp -j DROP\n")
                  .empty());
  EXPECT_TRUE(lint_text("-A INPUT -j LOG\n-A INPUT -p tcp -j DROP\n").empty());
  EXPECT_TRUE(
      lint_text(":X - [0:0]\n-A INPUT -j X\n-A INPUT -p tcp -j DROP\n-A X -j LOG\n").empty());
  // iptables-nft's inverted port pair is one compare: never claimed to cover anything.
  EXPECT_TRUE(lint_text("-A INPUT -p tcp -m tcp ! --sport 53 ! --dport 80 -j DROP\n"
                        "-A INPUT -p tcp -m tcp --sport 1 --dport 2 -j DROP\n")
                  .empty());
  // Different inversions of a port.
  EXPECT_TRUE(lint_text("-A INPUT -p tcp -m tcp ! --dport 22 -j DROP\n"
                        "-A INPUT -p tcp -m tcp --dport 22 -j DROP\n")
                  .empty());
}

TEST(EvalLint, DuplicatesRedundantAndNeverMatching) {
  EXPECT_EQ(summary(lint_text("-A INPUT -j LOG --log-prefix x\n"
                              "-A INPUT -j LOG --log-prefix x\n"
                              "-A INPUT -j LOG --log-prefix y\n")),
            V({"duplicate INPUT 2 1"}));
  EXPECT_EQ(summary(lint_text("-A INPUT -p tcp -j DROP\n-A INPUT -s 203.0.113.1/32 -j ACCEPT\n")),
            V({"redundant INPUT 2 0"}));
  EXPECT_EQ(summary(lint_text("-A INPUT -m mark --mark 0x3/0x1 -j DROP\n"
                              "-A INPUT -m mark --mark 0x1/0x1 -j DROP\n")),
            V({"never-matches INPUT 1 0"}));
  EXPECT_EQ(summary(lint_text(":X - [0:0]\n-A INPUT -j X\n-A X -p tcp -j LOG\n-A X -j RETURN\n")),
            V({"redundant X 2 0"}));
}

TEST(EvalLint, ChainsUnreachableAndLoops) {
  EXPECT_EQ(summary(lint_text(":A - [0:0]\n:B - [0:0]\n:C - [0:0]\n"
                              "-A INPUT -p tcp -j A\n-A B -j C\n-A A -p tcp -j LOG\n")),
            V({"unreachable B 0 0", "unreachable C 0 0"}));
  auto fs = lint_text(
      ":A - [0:0]\n:B - [0:0]\n-A INPUT -p tcp -j A\n"
      "-A A -p tcp -j B\n-A B -p udp -g A\n");
  ASSERT_EQ(summary(fs), V({"loop A 1 0"}));
  EXPECT_EQ(fs[0].text, "A (rule 1) -> B (rule 1) -> A");
  std::string text = format_findings(fs);
  EXPECT_NE(text.find("the kernel refuses"), std::string::npos) << text;
}

TEST(EvalLint, Ipv6) {
  EXPECT_EQ(summary(lint_text("-A INPUT -s 2001:db8::/32 -j DROP\n"
                              "-A INPUT -s 2001:db8:1::7/128 -p tcp -j ACCEPT\n"
                              "-A INPUT -s 2001:db9::/32 -j ACCEPT\n",
                              Family::V6)),
            V({"shadowed INPUT 2 1", "redundant INPUT 3 0"}));
}

}  // namespace
}  // namespace cx::eval
