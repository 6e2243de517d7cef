#include <gtest/gtest.h>

#include "golden_util.h"

namespace cx::test {
namespace {

TEST(ExtConntrack, GoldenCases) {
  for (int i = 1; i <= 27; ++i) {
    std::string id = "conntrack." + std::to_string(i);
    EXPECT_EQ(check_case(id), "") << id;
  }
  for (const char* id : {"host.30", "egress.3"}) EXPECT_EQ(check_case(id), "") << id;
}

TEST(ExtState, GoldenCases) {
  for (const char* id : {"conntrack.31", "conntrack.32", "conntrack.33", "conntrack.34",
                         "conntrack.35"})
    EXPECT_EQ(check_case(id), "") << id;
  // The alias bit decides which match a conntrack blob lifts to.
  EXPECT_EQ(saved_of("iptables -A INPUT -m state --state est,rel"),
            " -m state --state RELATED,ESTABLISHED");
}

TEST(ExtConntrack, AddressesAndPorts) {
  // Addresses are not masked; "/32" is 4 bytes of mask, no prefix 16 bytes.
  Driven d = drive_cmd(
      "iptables -A INPUT -m conntrack --ctorigsrc 10.1.2.3/8 --ctorigdst 10.0.0.1/32");
  ASSERT_FALSE(d.error);
  EXPECT_EQ(encode_text(d)[0],
            "match NAME=\"conntrack\" REV=3 INFO="
            "0a010203000000000000000000000000ff0000000000000000000000000000000a00000100000000"
            "0000000000000000ffffffff00000000000000000000000000000000000000000000000000000000"
            "00000000000000000000000000000000000000000000000000000000000000000000000000000000"
            "00000000000000000000000000000000000000000000000000000c00000000000000000000000000"
            "0000000000000000");
  EXPECT_EQ(saved_of("iptables -A INPUT -m conntrack --ctorigsrc 10.0.0.0/255.0.255.0"),
            " -m conntrack --ctorigsrc 10.0.0.0");
  EXPECT_EQ(saved_of("iptables -A INPUT -m conntrack --ctorigdstport 80:70"),
            " -m conntrack --ctorigdstport 80:70");
  EXPECT_EQ(saved_of("iptables -A INPUT -m conntrack --ctorigsrcport 70000"),
            " -m conntrack --ctorigsrcport 4464");
  EXPECT_EQ(saved_of("iptables -A INPUT -m conntrack --ctorigsrcport :80"),
            " -m conntrack --ctorigsrcport 0:80");
  EXPECT_EQ(saved_of("iptables -A INPUT -m conntrack --ctexpire 5:"),
            " -m conntrack --ctexpire 5:4294967295");
  EXPECT_EQ(saved_of("ip6tables -A INPUT -m conntrack --ctorigsrc 2001:db8::/32 --ctorigdst ::1 "
                     "--ctreplsrc ::/0"),
            " -m conntrack --ctorigsrc 2001:db8::/32 --ctorigdst ::1 --ctreplsrc ::/0");
  EXPECT_EQ(saved_of("iptables -A INPUT -m conntrack --ctproto all"),
            " -m conntrack --ctproto 0");
  EXPECT_EQ(saved_of("iptables -A INPUT -m conntrack --ctstatus expected,confirmed"),
            " -m conntrack --ctstatus EXPECTED,CONFIRMED");
}

TEST(ExtConntrack, Errors) {
  EXPECT_EQ(error_of(golden_case("conntrack.28")->cmd), "Bad ctstate \"BOGUS\"");
  EXPECT_EQ(error_of(golden_case("conntrack.29")->cmd), "Bad ctstatus \"BOGUS\"");
  EXPECT_EQ(error_of(golden_case("conntrack.30")->cmd),
            "conntrack: At least one option is required");
  EXPECT_EQ(error_of(golden_case("conntrack.36")->cmd), "Bad state \"SNAT\"");
  EXPECT_EQ(error_of(golden_case("conntrack.37")->cmd), "Bad state \"FOO\"");
  EXPECT_EQ(error_of("iptables -A INPUT -m conntrack --ctstate NEW,FOO,BAR"),
            "Bad ctstate \"FOO,BAR\"");
  EXPECT_EQ(error_of("iptables -A INPUT -m conntrack --ctstate ,"), "Bad ctstate \",\"");
  EXPECT_EQ(error_of("iptables -A INPUT -m conntrack ! --ctdir REPLY"),
            "conntrack: option \"--ctdir\" cannot be inverted.");
  EXPECT_EQ(error_of("iptables -A INPUT -m conntrack --ctdir foo"),
            "conntrack: Bad value for \"--ctdir\" option: \"foo\"");
  EXPECT_EQ(error_of("iptables -A INPUT -m conntrack --ctstate NEW --ctstate NEW"),
            "conntrack: option \"--ctstate\" can only be used once.");
  EXPECT_EQ(error_of("iptables -A INPUT -m conntrack --ctexpire abc"),
            "conntrack: bad value for option \"--ctexpire\" near \"abc\", or out of range "
            "(0-4294967295).");
  EXPECT_EQ(error_of("iptables -A INPUT -m conntrack --ctorigsrcport foo"),
            "Port \"foo\" does not resolve to anything.");
  EXPECT_EQ(error_of("iptables -A INPUT -m conntrack --ctproto foo"),
            "unknown protocol \"foo\" specified");
  EXPECT_EQ(error_of("iptables -A INPUT -m state"), "state: option \"--state\" must be specified");
  EXPECT_EQ(error_of("iptables -A INPUT -m state --state NEW --state NEW"),
            "state: option \"--state\" can only be used once.");
}

TEST(ExtConntrack, List) {
  EXPECT_EQ(list_of("iptables -A INPUT -m conntrack --ctstate RELATED,ESTABLISHED", true),
            " ctstate RELATED,ESTABLISHED");
  EXPECT_EQ(list_of("iptables -A INPUT -m state --state NEW", false), " state NEW");
  EXPECT_EQ(list_of("iptables -A INPUT -m state ! --state NEW", false), " ! state NEW");
  EXPECT_EQ(list_of("iptables -A INPUT -m conntrack --ctorigsrc 10.0.0.1 --ctstatus ASSURED "
                    "--ctexpire 5 --ctdir REPLY",
                    true),
            " ctorigsrc 10.0.0.1 ctstatus ASSURED ctexpire 5 ctdir REPLY");
  EXPECT_EQ(list_of("iptables -A INPUT -m conntrack ! --ctorigsrc 10.0.0.0/8 ! --ctproto 6 ! "
                    "--ctorigsrcport 10:20 ! --ctstatus NONE ! --ctexpire 5 ! --ctstate NEW",
                    true),
            " ! ctstate NEW ! ctproto 6 ! ctorigsrc 10.0.0.0/8 ! ctorigsrcport 10:20 ! ctstatus "
            "NONE ! ctexpire 5");
  EXPECT_EQ(list_of("iptables -A INPUT -m conntrack --ctrepldst 0/0", false),
            " ctrepldst anywhere");
}

}  // namespace
}  // namespace cx::test
