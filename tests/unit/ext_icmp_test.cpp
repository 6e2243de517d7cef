#include <gtest/gtest.h>

#include "golden_util.h"

namespace cx::test {
namespace {

TEST(ExtIcmp, GoldenCases) {
  for (int i = 1; i <= 22; ++i) {
    std::string id = "icmp." + std::to_string(i);
    EXPECT_EQ(check_case(id), "") << id;
  }
}

TEST(ExtIcmp6, GoldenCases) {
  for (int i = 1; i <= 16; ++i) {
    std::string id = "icmpv6." + std::to_string(i);
    EXPECT_EQ(check_case(id), "") << id;
  }
}

TEST(ExtIcmp, Errors) {
  EXPECT_EQ(error_of(golden_case("icmp.23")->cmd), "Unknown ICMP type `bogus'");
  EXPECT_EQ(error_of(golden_case("icmp.24")->cmd), "Unknown ICMP type `256'");
  EXPECT_EQ(error_of(golden_case("icmpv6.19")->cmd), "Unknown ICMPv6 type `bogus'");
  EXPECT_EQ(error_of("iptables -A INPUT -p icmp --icmp-type 3/300"), "Unknown ICMP code `3/300'");
  EXPECT_EQ(error_of("iptables -A INPUT -p icmp --icmp-type 256/3"), "Unknown ICMP type `256/3'");
  EXPECT_EQ(error_of("iptables -A INPUT -p icmp --icmp-type 8/"), "Unknown ICMP code `8/'");
  EXPECT_EQ(error_of("iptables -A INPUT -p icmp --icmp-type echo"),
            "Ambiguous ICMP type `echo': `echo-reply' or `echo-request'?");
  EXPECT_EQ(error_of("iptables -A INPUT -p icmp --icmp-type p"),
            "Ambiguous ICMP type `p': `pong' or `protocol-unreachable'?");
  EXPECT_EQ(error_of("ip6tables -A INPUT -p icmpv6 --icmpv6-type r"),
            "Ambiguous ICMPv6 type `r': `reject-route' or `router-solicitation'?");
  EXPECT_EQ(error_of("iptables -A INPUT -p icmp -m icmp"),
            "icmp: option \"--icmp-type\" must be specified");
  EXPECT_EQ(error_of("iptables -A INPUT -p icmp --icmp-type 8 --icmp-type 0"),
            "icmp: option \"--icmp-type\" can only be used once.");
}

TEST(ExtIcmp, Names) {
  EXPECT_EQ(saved_of("iptables -A INPUT -p icmp --icmp-type PING"), " -m icmp --icmp-type 8");
  EXPECT_EQ(saved_of("iptables -A INPUT -p icmp --icmp-type 0x8"), " -m icmp --icmp-type 8");
  EXPECT_EQ(saved_of("ip6tables -A INPUT -p icmpv6 --icmpv6-type neighbor-solicitation"),
            " -m icmp6 --icmpv6-type 135");
}

TEST(ExtIcmp, List) {
  EXPECT_EQ(list_of("iptables -A INPUT -p icmp --icmp-type echo-request", true), " icmptype 8");
  EXPECT_EQ(list_of("iptables -A INPUT -p icmp --icmp-type echo-request", false),
            " icmp echo-request");
  EXPECT_EQ(list_of("iptables -A INPUT -p icmp ! --icmp-type 3/3", false),
            " icmp !port-unreachable");
  EXPECT_EQ(list_of("iptables -A INPUT -p icmp ! --icmp-type 3/3", true), " icmp !type 3 code 3");
  EXPECT_EQ(list_of("iptables -A INPUT -p icmp --icmp-type 3/8", false), " icmptype 3 code 8");
  EXPECT_EQ(list_of("iptables -A INPUT -p icmp --icmp-type any", false), " icmp any");
  EXPECT_EQ(list_of("ip6tables -A INPUT -p icmpv6 ! --icmpv6-type 1/4", false),
            " ipv6-icmp !port-unreachable");
  EXPECT_EQ(list_of("ip6tables -A INPUT -p icmpv6 ! --icmpv6-type 1/4", true),
            " ipv6-icmp !type 1 code 4");
  EXPECT_EQ(list_of("ip6tables -A INPUT -p icmpv6 --icmpv6-type 200", false),
            " ipv6-icmptype 200");
}

}  // namespace
}  // namespace cx::test
