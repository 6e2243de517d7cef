#include <gtest/gtest.h>

#include "golden_util.h"

namespace cx::test {
namespace {

TEST(ExtLog, GoldenCases) {
  for (int i = 1; i <= 20; ++i) {
    std::string id = "log." + std::to_string(i);
    EXPECT_EQ(check_case(id), "") << id;
  }
  EXPECT_EQ(check_case("log.23"), "");
}

TEST(ExtLog, Errors) {
  EXPECT_EQ(error_of(golden_case("log.21")->cmd), "log level \"8\" unknown");
  EXPECT_EQ(error_of(golden_case("log.22")->cmd), "log level \"loud\" unknown");
  EXPECT_EQ(error_of("iptables -A INPUT -j LOG --log-level warn"), "log level \"warn\" unknown");
  EXPECT_EQ(error_of("iptables -A INPUT -j LOG --log-level 1 --log-level 2"),
            "LOG: option \"--log-level\" can only be used once.");
  EXPECT_EQ(error_of("iptables -A INPUT -j LOG ! --log-uid"),
            "LOG: option \"--log-uid\" cannot be inverted.");
  EXPECT_EQ(error_of("iptables -A INPUT -j LOG --log-prefix ''"),
            "Argument must have a minimum length of 1 characters");
  EXPECT_EQ(saved_of("iptables -A INPUT -j LOG --log-level panic"), " -j LOG --log-level 0");
  EXPECT_EQ(saved_of("iptables -A INPUT -j LOG --log-level 0x7"), " -j LOG --log-level 7");
}

TEST(ExtLog, List) {
  const char* all = "iptables -A INPUT -j LOG --log-prefix a --log-tcp-sequence "
                    "--log-tcp-options --log-ip-options --log-uid --log-macdecode";
  EXPECT_EQ(list_of(all, false),
            " LOG level warn tcp-sequence tcp-options ip-options uid macdecode prefix \"a\"");
  EXPECT_EQ(list_of(all, true), " LOG flags 47 level 4 prefix \"a\"");
  EXPECT_EQ(list_of("iptables -A INPUT -j LOG --log-level 3", false), " LOG level err");
  EXPECT_EQ(list_of("iptables -A INPUT -j LOG --log-prefix \"drop: \" --log-level 7 --log-uid",
                    true),
            " LOG flags 8 level 7 prefix \"drop: \"");
}

TEST(ExtNflog, GoldenCases) {
  for (const char* id : {"log.24", "log.25", "log.26", "log.27", "log.28", "log.29", "log.31",
                         "target6.2"})
    EXPECT_EQ(check_case(id), "") << id;
}

TEST(ExtNflog, Behaviour) {
  Driven d = drive_cmd(golden_case("log.27")->cmd);
  ASSERT_EQ(d.warnings.size(), 1u);
  EXPECT_EQ(d.warnings[0],
            "warn: --nflog-range has never worked and is no longer supported, please use "
            "--nflog-size instead");
  EXPECT_EQ(error_of(golden_case("log.30")->cmd),
            "NFLOG: bad value for option \"--nflog-group\", or out of range (0-65535).");
  EXPECT_EQ(error_of("iptables -A INPUT -j NFLOG --nflog-size 10 --nflog-range 3"),
            "NFLOG: option \"--nflog-range\" cannot be used together with \"--nflog-size\".");
  EXPECT_EQ(saved_of("iptables -A INPUT -j NFLOG --nflog-threshold 1 --nflog-size 0"),
            " -j NFLOG --nflog-size 0 --nflog-threshold 1");
  std::string longp(140, 'x');
  EXPECT_EQ(saved_of("iptables -A INPUT -j NFLOG --nflog-prefix " + longp),
            " -j NFLOG --nflog-prefix " + std::string(127, 'x'));
  EXPECT_EQ(list_of("iptables -A INPUT -j NFLOG --nflog-group 5 --nflog-prefix nf", true),
            " nflog-prefix nf nflog-group 5");
  EXPECT_EQ(list_of("iptables -A INPUT -j NFLOG --nflog-prefix \"a b\" --nflog-size 10 "
                    "--nflog-threshold 3",
                    false),
            " nflog-prefix \"a b\" nflog-size 10 nflog-threshold 3");
}

TEST(ExtReject, GoldenCases) {
  for (int i = 1; i <= 24; ++i) {
    if (i == 18 || i == 19) continue;
    std::string id = "reject." + std::to_string(i);
    EXPECT_EQ(check_case(id), "") << id;
  }
  for (int i = 1; i <= 18; ++i) {
    if (i >= 15 && i <= 17) continue;
    std::string id = "reject6." + std::to_string(i);
    EXPECT_EQ(check_case(id), "") << id;
  }
}

TEST(ExtReject, Errors) {
  EXPECT_EQ(error_of(golden_case("reject.18")->cmd), "unknown reject type \"icmp6-no-route\"");
  EXPECT_EQ(error_of(golden_case("reject.19")->cmd), "unknown reject type \"bogus\"");
  EXPECT_EQ(error_of(golden_case("reject6.15")->cmd),
            "unknown reject type \"icmp-host-prohibited\"");
  EXPECT_EQ(error_of("ip6tables -A INPUT -p tcp -j REJECT --reject-with tcp-rst"),
            "unknown reject type \"tcp-rst\"");
  EXPECT_EQ(error_of("iptables -A INPUT -j REJECT ! --reject-with tcp-reset"),
            "REJECT: option \"--reject-with\" cannot be inverted.");
  EXPECT_EQ(saved_of("iptables -A INPUT -j REJECT --reject-with icmp-"),
            " -j REJECT --reject-with icmp-net-unreachable");
  EXPECT_EQ(saved_of("iptables -A INPUT -j REJECT --reject-with ICMP-HOST-PROH"),
            " -j REJECT --reject-with icmp-host-prohibited");
  EXPECT_EQ(saved_of("iptables -A INPUT -j REJECT"),
            " -j REJECT --reject-with icmp-port-unreachable");
  EXPECT_EQ(list_of("ip6tables -A INPUT -j REJECT --reject-with icmp6", false),
            " reject-with icmp6-no-route");
}

TEST(ExtTrace, GoldenCases) {
  for (const char* id : {"verdict.20", "verdict.21", "verdict.22", "target6.4", "target6.5"})
    EXPECT_EQ(check_case(id), "") << id;
  EXPECT_EQ(list_of("iptables -A INPUT -j TRACE", false), "");
}

}  // namespace
}  // namespace cx::test
