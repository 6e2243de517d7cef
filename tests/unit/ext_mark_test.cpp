#include <gtest/gtest.h>

#include "golden_util.h"

namespace cx::test {
namespace {

TEST(ExtMark, GoldenCases) {
  for (const char* id : {"mark.1", "mark.2", "mark.3", "mark.4", "mark.5", "mark.6"})
    EXPECT_EQ(check_case(id), "") << id;
}

TEST(ExtMark, NativeExpressions) {
  Driven d = drive_cmd("iptables -A INPUT -m mark --mark 0x10/0xf0 -j ACCEPT");
  ASSERT_FALSE(d.error);
  auto t = encode_text(d);
  ASSERT_EQ(t.size(), 3u);
  EXPECT_EQ(t[0], "meta KEY=3 DREG=1");
  EXPECT_EQ(t[1], "bitwise SREG=1 DREG=1 LEN=4 MASK={VALUE=f0000000} XOR={VALUE=00000000}");
  EXPECT_EQ(t[2], "cmp SREG=1 OP=0 DATA={VALUE=10000000}");
  // Mask 0 still gets its bitwise; the value is not masked.
  EXPECT_EQ(saved_of("iptables -A INPUT -m mark --mark 1/0"), " -m mark --mark 0x1/0x0");
  EXPECT_EQ(saved_of("iptables -A INPUT -m mark --mark 0x11/0xf0"), " -m mark --mark 0x11/0xf0");
}

TEST(ExtMark, Errors) {
  EXPECT_EQ(error_of(golden_case("mark.7")->cmd),
            "mark: bad integer value for option \"--mark\", or out of range.");
  EXPECT_EQ(error_of(golden_case("mark.8")->cmd),
            "mark: bad integer value for option \"--mark\", or out of range.");
  EXPECT_EQ(error_of("iptables -A INPUT -m mark -j ACCEPT"),
            "mark: option \"--mark\" must be specified");
  EXPECT_EQ(error_of("iptables -A INPUT -m mark --mark 1 --mark 2 -j ACCEPT"),
            "mark: option \"--mark\" can only be used once.");
}

TEST(ExtMark, List) {
  EXPECT_EQ(list_of("iptables -A INPUT -m mark --mark 0x1/0xff", true), " mark match 0x1/0xff");
  // As iptables-nft 1.8.9 -L shows it: a space after the "!".
  EXPECT_EQ(list_of("iptables -A INPUT -m mark ! --mark 0x1/0xf", false), " mark match ! 0x1/0xf");
}

TEST(ExtMark, DecodeLeavesOtherMeta) {
  std::vector<nft::Expr> v = {nft::Expr::meta_load(nft::kMetaL4proto),
                              nft::Expr::cmp(nft::kEq, {6})};
  // -p tcp, part of the rule's fixed part: no mark match comes of it.
  EXPECT_EQ(decode_save_text(v, Family::V4, model::IpHeader{}), "");
}

}  // namespace
}  // namespace cx::test
