#include <gtest/gtest.h>

#include "common/parse.h"
#include "restore/restore.h"

namespace cx {
namespace {

TEST(ParseAddresses, MasksHostBitsAndKeepsPrefix) {
  auto a = parse_addresses("10.1.2.3/8", Family::V4);
  ASSERT_TRUE(a.ok());
  ASSERT_EQ(a->size(), 1u);
  EXPECT_EQ(format_address_mask((*a)[0], Family::V4), "10.0.0.0/8");
}

TEST(ParseAddresses, DottedNonContiguousMask) {
  auto a = parse_addresses("10.0.0.0/255.0.255.0", Family::V4);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(format_address_mask((*a)[0], Family::V4), "10.0.0.0/255.0.255.0");
}

TEST(ParseAddresses, RejectsBadMask) {
  auto a = parse_addresses("10.0.0.0/33", Family::V4);
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.error().message, "invalid mask `33' specified");
}

TEST(ParseAddresses, CommaListAndV6) {
  auto a = parse_addresses("2001:db8::1,2001:db8::/32", Family::V6);
  ASSERT_TRUE(a.ok());
  ASSERT_EQ(a->size(), 2u);
  EXPECT_EQ(format_address_mask((*a)[0], Family::V6), "2001:db8::1/128");
  EXPECT_EQ(format_address_mask((*a)[1], Family::V6), "2001:db8::/32");
}

TEST(ParseProtocol, NamesNumbersAndErrors) {
  EXPECT_EQ(*parse_protocol("TCP"), 6);
  EXPECT_EQ(*parse_protocol("47"), 47);
  EXPECT_EQ(*parse_protocol("all"), 0);
  EXPECT_FALSE(parse_protocol("256").ok());
  EXPECT_EQ(parse_protocol("nosuchproto").error().message,
            "unknown protocol \"nosuchproto\" specified");
}

TEST(SplitWords, QuotesAndEscapes) {
  auto w = restore::split_words("-A INPUT -m comment --comment \"a \\\"b\\\" c\" -j ACCEPT");
  ASSERT_EQ(w.size(), 8u);
  EXPECT_EQ(w[5], "a \"b\" c");
}

}  // namespace
}  // namespace cx
