// Golden and reference-observed checks for the NAT targets, MARK, CONNMARK, CT/NOTRACK,
// NFQUEUE and TCPMSS.
#include <gtest/gtest.h>

#include "golden_util.h"

namespace cx::test {
namespace {

void check_all(std::initializer_list<const char*> ok, std::initializer_list<const char*> err) {
  for (const char* id : ok) EXPECT_EQ(check_case(id), "") << id;
  for (const char* id : err) EXPECT_EQ(check_error_case(id), "") << id;
}

TEST(ExtNat, Golden) {
  check_all({"addrtype.12", "nat.1",  "nat.2",  "nat.3",  "nat.4",  "nat.5",  "nat.7",
             "nat.8",       "nat.9",  "nat.10", "nat.11", "nat.12", "nat.13", "nat.14",
             "nat.18",      "nat.19", "nat.20", "nat.21", "nat.22", "nat.23", "nat.24",
             "nat.25",      "nat.26", "nat.29", "nat.31", "nat.32", "nat.33", "nat.34",
             "nat.35",      "nat.37", "nat.38", "nat.39", "nat.40", "nat.48", "nat6.1",
             "nat6.2",      "nat6.3", "nat6.4", "nat6.5", "nat6.6", "nat6.7", "nat6.8",
             "nat6.9",      "nat6.11", "nat6.12"},
            {"nat.6", "nat.15", "nat.16", "nat.17", "nat.27", "nat.28", "nat.30", "nat.36",
             "nat6.10", "nat6.13"});
}
TEST(ExtNat, Reference) {
  EXPECT_EQ(list_of("iptables -t nat -A POSTROUTING -p tcp -j MASQUERADE --to-ports 1024-65535 "
                    "--random --random-fully",
                    false),
            " masq ports: 1024-65535 random random-fully");
  EXPECT_EQ(list_of("iptables -t nat -A POSTROUTING -p tcp -j SNAT --to-source "
                    "1.2.3.4-1.2.3.5:1000-2000 --random --persistent --random-fully",
                    false),
            " to:1.2.3.4-1.2.3.5:1000-2000 random random-fully persistent");
  EXPECT_EQ(saved_of("iptables -t nat -A PREROUTING -p tcp -j DNAT --to-destination "
                     "1.2.3.4:80-90/100"),
            " -j DNAT --to-destination 1.2.3.4:80-90/100");
  EXPECT_EQ(list_of("ip6tables -t nat -A PREROUTING -p tcp -j DNAT --to-destination "
                    "[fd00::2-fd00::5]:80-90",
                    false),
            " to:[fd00::2-fd00::5]:80-90");
  EXPECT_EQ(saved_of("ip6tables -t nat -A PREROUTING -p tcp -j DNAT --to-destination [fd00::2]"),
            " -j DNAT --to-destination fd00::2");
  EXPECT_EQ(saved_of("iptables -t nat -A PREROUTING -j NETMAP --to 10.2.0.5/255.255.0.0"),
            " -j NETMAP --to 10.2.0.0/16");
  EXPECT_EQ(saved_of("iptables -t nat -A PREROUTING -j NETMAP --to 10.2.0.5"),
            " -j NETMAP --to 10.2.0.5/32");
  EXPECT_EQ(saved_of("iptables -t nat -A PREROUTING -p icmp -j DNAT --to-destination 1.2.3.4:80"),
            " -j DNAT --to-destination 1.2.3.4:80");
  EXPECT_EQ(error_of("iptables -t nat -A PREROUTING -p udplite -j DNAT --to-destination "
                     "1.2.3.4:80"),
            "Need TCP, UDP, SCTP or DCCP with port specification");
  EXPECT_EQ(error_of("iptables -t nat -A POSTROUTING -p tcp -j SNAT --to-source 1.2.3.4:abc"),
            "Port `abc' not valid");
  EXPECT_EQ(error_of("iptables -t nat -A POSTROUTING -p tcp -j SNAT --to-source "
                     "1.2.3.4:2000-1000"),
            "Port range `1000' funky");
  EXPECT_EQ(error_of("iptables -t nat -A PREROUTING -p tcp -j DNAT --to-destination "
                     "1.2.3.4:80/100"),
            "Garbage after port value: `/100'");
  EXPECT_EQ(error_of("iptables -t nat -A PREROUTING -p tcp -j REDIRECT --to-ports 80:90"),
            "Invalid port:port syntax - use dash");
  EXPECT_EQ(list_of("iptables -t nat -A PREROUTING -p tcp -j REDIRECT --to-ports 80-90 --random",
                    false),
            " redir ports 80-90 random");
}

TEST(ExtMarkTarget, Golden) {
  check_all({"mangle.1", "mangle.2", "mangle.3", "mangle.4", "mangle.5", "mangle.6", "mangle.7",
             "mangle.10", "mangle.11", "target6.9", "target6.10"},
            {"mangle.8", "mangle.9"});
  EXPECT_EQ(list_of("iptables -t mangle -A PREROUTING -j MARK --or-mark 0x100", false),
            " MARK or 0x100");
  EXPECT_EQ(list_of("iptables -t mangle -A PREROUTING -j MARK --and-mark 0xff", false),
            " MARK and 0xff");
  EXPECT_EQ(list_of("iptables -t mangle -A PREROUTING -j MARK --xor-mark 0x2", false),
            " MARK xor 0x2");
  EXPECT_EQ(list_of("iptables -t mangle -A PREROUTING -j MARK --set-xmark 0x4/0x6", false),
            " MARK xset 0x4/0x6");
  EXPECT_EQ(error_of("iptables -t mangle -A PREROUTING -j MARK --set-xmark 1 --set-mark 2"),
            "MARK: option \"--set-xmark\" cannot be used together with \"--set-mark\".");
}

TEST(ExtConnmarkTarget, Golden) {
  check_all({"mangle.12", "mangle.13", "mangle.14", "mangle.15", "mangle.16", "mangle.17",
             "mangle.18", "mangle.19", "mangle.20", "target6.11", "target6.12"},
            {});
  EXPECT_EQ(list_of("iptables -t mangle -A PREROUTING -j CONNMARK --save-mark --nfmask 0xf "
                    "--ctmask 0xff0",
                    false),
            " CONNMARK save nfmask 0xf ctmask ~0xff0");
  EXPECT_EQ(list_of("iptables -t mangle -A PREROUTING -j CONNMARK --restore-mark --nfmask 0xf "
                    "--ctmask 0xff0",
                    false),
            " CONNMARK restore ctmask 0xff0 nfmask ~0xf");
  EXPECT_EQ(saved_of("iptables -t mangle -A PREROUTING -j CONNMARK --set-xmark 1/2 --mask 3"),
            " -j CONNMARK --set-xmark 0x1/0x3");
  EXPECT_EQ(saved_of("iptables -t mangle -A PREROUTING -j CONNMARK --save-mark "
                     "--left-shift-mark 3 --right-shift-mark 2"),
            " -j CONNMARK --save-mark --nfmask 0xffffffff --ctmask 0xffffffff "
            "--right-shift-mark 2");
  EXPECT_EQ(error_of("iptables -t mangle -A PREROUTING -j CONNMARK"),
            "CONNMARK target: No operation specified");
  EXPECT_EQ(error_of("iptables -t mangle -A PREROUTING -j CONNMARK --set-mark 1 --save-mark"),
            "CONNMARK: option \"--set-mark\" cannot be used together with \"--save-mark\".");
}

TEST(ExtCt, Golden) {
  check_all({"raw.1", "raw.2", "raw.3", "raw.4", "raw.5", "raw.6", "raw.7", "raw.8", "raw.9",
             "raw.10", "raw.11", "raw.12", "raw.13", "raw.14", "target6.26", "target6.27",
             "target6.28"},
            {});
  EXPECT_EQ(list_of("iptables -t raw -A PREROUTING -j NOTRACK", false), " NOTRACK");
  EXPECT_EQ(list_of("iptables -t raw -A PREROUTING -p tcp -j CT --helper ftp --zone 3 "
                    "--expevents new",
                    false),
            " CT helper ftp expevents new zone 3");
  EXPECT_EQ(saved_of("iptables -t raw -A PREROUTING -j CT --zone-orig mark"),
            " -j CT --zone-orig mark");
  EXPECT_EQ(error_of("iptables -t raw -A PREROUTING -j CT --ctevents foo"),
            "Unknown event type \"foo\"");
  EXPECT_EQ(error_of("iptables -t raw -A PREROUTING -j CT --zone 65536"),
            "Cannot parse 65536 as a zone ID");
}

TEST(ExtNfqueue, Golden) {
  check_all({"queue.1", "queue.2", "queue.3", "queue.4", "queue.5", "queue.6", "queue.7",
             "queue.8", "target6.3"},
            {"queue.9", "queue.10"});
  EXPECT_EQ(list_of("iptables -A INPUT -j NFQUEUE --queue-balance 0:3 --queue-bypass "
                    "--queue-cpu-fanout",
                    false),
            " NFQUEUE balance 0:3 bypass cpu-fanout");
  EXPECT_EQ(error_of("iptables -A INPUT -j NFQUEUE --queue-num 1 --queue-balance 0:3"),
            "NFQUEUE: option \"--queue-num\" cannot be used together with \"--queue-balance\".");
  EXPECT_EQ(error_of("iptables -A INPUT -j NFQUEUE --queue-balance 3"), "Bad range \"3\"");
}

TEST(ExtTcpmss, Golden) {
  check_all({"mangle.21", "mangle.22", "mangle.23", "mangle.24", "mangle.25", "target6.13",
             "target6.14"},
            {"mangle.26"});
  EXPECT_EQ(list_of("iptables -t mangle -A FORWARD -p tcp -j TCPMSS --set-mss 1400", false),
            " TCPMSS set 1400");
  EXPECT_EQ(error_of("ip6tables -t mangle -A FORWARD -p tcp -j TCPMSS --set-mss 70000"),
            "TCPMSS: bad value for option \"--set-mss\", or out of range (0-65495).");
}

}  // namespace
}  // namespace cx::test
