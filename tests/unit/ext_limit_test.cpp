#include <gtest/gtest.h>

#include "golden_util.h"

namespace cx::test {
namespace {

TEST(ExtLimit, GoldenCases) {
  for (const char* id : {"limit.1", "limit.2", "limit.3", "limit.4", "limit.5", "limit.6",
                         "limit.7", "limit.8", "limit.9", "limit.10", "icmp.22", "log.31"})
    EXPECT_EQ(check_case(id), "") << id;
}

TEST(ExtLimit, BurstZeroIsSent) {
  // The kernel reports burst 0 back as 5, so -S shows no --limit-burst (limit.13).
  Driven d = drive_cmd(golden_case("limit.13")->cmd);
  ASSERT_FALSE(d.error);
  EXPECT_TRUE(contains_run(tx_exprs(*golden_case("limit.13")), encode_text(d)));
}

TEST(ExtLimit, RateUnits) {
  EXPECT_EQ(saved_of("iptables -A INPUT -m limit --limit 7/hour"), " -m limit --limit 7/hour");
  EXPECT_EQ(saved_of("iptables -A INPUT -m limit --limit 13/min"), " -m limit --limit 13/min");
  EXPECT_EQ(saved_of("iptables -A INPUT -m limit --limit 5x/d"), " -m limit --limit 5/day");
  EXPECT_EQ(saved_of("iptables -A INPUT -m limit --limit 5/SEC"), " -m limit --limit 5/sec");
  Driven d = drive_cmd("iptables -A INPUT -m limit --limit 13/min --limit-burst 10000");
  EXPECT_EQ(encode_text(d)[0], "limit RATE=13 UNIT=60 BURST=10000 TYPE=0 FLAGS=0");
}

TEST(ExtLimit, Errors) {
  EXPECT_EQ(error_of(golden_case("limit.11")->cmd), "bad rate \"1/week\"'");
  EXPECT_EQ(error_of(golden_case("limit.12")->cmd), "bad rate \"0/sec\"'");
  EXPECT_EQ(error_of(golden_case("limit.14")->cmd),
            "limit: option \"--limit\" cannot be inverted.");
  EXPECT_EQ(error_of("iptables -A INPUT -m limit --limit 5/"), "bad rate \"5/\"'");
  EXPECT_EQ(error_of("iptables -A INPUT -m limit --limit 20000/sec"),
            "Rate too fast \"20000/sec\"");
  EXPECT_EQ(error_of("iptables -A INPUT -m limit --limit-burst 10001"),
            "limit: bad value for option \"--limit-burst\", or out of range (0-10000).");
  EXPECT_EQ(error_of("iptables -A INPUT -m limit --limit 3/min --limit 4/min"),
            "limit: option \"--limit\" can only be used once.");
}

TEST(ExtLimit, List) {
  EXPECT_EQ(list_of("iptables -A INPUT -m limit --limit 2/min --limit-burst 7", true),
            " limit: avg 2/min burst 7");
  EXPECT_EQ(list_of("iptables -A INPUT -m limit", false), " limit: avg 3/hour burst 5");
}

}  // namespace
}  // namespace cx::test
