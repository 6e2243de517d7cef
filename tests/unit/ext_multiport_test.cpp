#include <gtest/gtest.h>

#include "golden_util.h"

namespace cx::test {
namespace {

TEST(ExtMultiport, GoldenCases) {
  for (const char* id : {"multiport.1", "multiport.2", "multiport.3", "multiport.4",
                         "multiport.5", "multiport.6", "multiport.7", "multiport.8",
                         "multiport.9", "multiport.10", "multiport.11", "multiport.17",
                         "proto6.22", "proto6.23", "proto6.24"})
    EXPECT_EQ(check_case(id), "") << id;
}

TEST(ExtMultiport, Slots) {
  // Seven ranges and one port fill the 15 slots exactly.
  EXPECT_EQ(saved_of("iptables -A INPUT -p tcp -m multiport --dports "
                     "1:2,3:4,5:6,7:8,9:10,11:12,13:14,15"),
            " -m multiport --dports 1:2,3:4,5:6,7:8,9:10,11:12,13:14,15");
  EXPECT_EQ(error_of("iptables -A INPUT -p tcp -m multiport --dports "
                     "1,2,3,4,5,6,7,8,9,10,11,12,13,14,15:16"),
            "too many ports specified");
  EXPECT_EQ(saved_of("iptables -A INPUT -p tcp -m multiport --dports 0x16"),
            " -m multiport --dports 22");
}

TEST(ExtMultiport, Errors) {
  for (const char* id : {"multiport.12", "multiport.13", "multiport.14", "multiport.15",
                         "multiport.16", "multiport.18", "multiport.19"}) {
    const GoldenCase* c = golden_case(id);
    ASSERT_NE(c, nullptr);
    std::string want = c->err[0].substr(c->err[0].find("): ") + 3);
    EXPECT_EQ(error_of(c->cmd), want) << id;
  }
  EXPECT_EQ(error_of("iptables -A INPUT -p tcp -m multiport --ports 80:80"),
            "invalid portrange specified");
  EXPECT_EQ(error_of("iptables -A INPUT -p tcp -m multiport --dports 22,"),
            "invalid port/service `' specified");
  EXPECT_EQ(error_of("iptables -A INPUT ! -p tcp -m multiport --dports 22"),
            "multiport only works with TCP, UDP, UDPLITE, SCTP and DCCP");
  EXPECT_EQ(error_of("iptables -A INPUT -p tcp -m multiport --ports 80 --dports 8080"),
            "multiport: option \"--destination-ports\" cannot be used together with "
            "\"--ports\".");
  EXPECT_EQ(error_of("iptables -A INPUT -p tcp -m multiport --dports 22 --dports 23"),
            "multiport: option \"--destination-ports\" can only be used once.");
}

TEST(ExtMultiport, List) {
  EXPECT_EQ(list_of("iptables -A INPUT -p tcp -m multiport --dports 80,443", true),
            " multiport dports 80,443");
  EXPECT_EQ(list_of("iptables -A INPUT -p tcp -m multiport --dports 80,443", false),
            " multiport dports http,https");
  EXPECT_EQ(list_of("iptables -A INPUT -p tcp -m multiport ! --sports 22,80:90", false),
            " multiport sports  !ssh,http:90");
}

}  // namespace
}  // namespace cx::test
