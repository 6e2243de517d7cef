// Golden and reference-observed checks for the xt compat matches addrtype, recent, owner,
// iprange, mac, pkttype, length and connmark.
#include <gtest/gtest.h>

#include "golden_util.h"

namespace cx::test {
namespace {

void check_all(std::initializer_list<const char*> ok, std::initializer_list<const char*> err) {
  for (const char* id : ok) EXPECT_EQ(check_case(id), "") << id;
  for (const char* id : err) EXPECT_EQ(check_error_case(id), "") << id;
}

TEST(ExtAddrtype, Golden) {
  check_all({"host.29", "host.35", "addrtype.1", "addrtype.2", "addrtype.3", "addrtype.4",
             "addrtype.5", "addrtype.6", "addrtype.7", "addrtype.8", "addrtype.9", "addrtype.10",
             "addrtype.11", "addrtype.12", "nat.46", "host6.25", "match6.4", "match6.5",
             "match6.6"},
            {"addrtype.13"});
}
TEST(ExtAddrtype, Reference) {
  EXPECT_EQ(list_of("iptables -A INPUT -m addrtype ! --src-type LOCAL,UNICAST ! --dst-type "
                    "BLACKHOLE --limit-iface-in",
                    false),
            " ADDRTYPE match src-type !UNICAST,LOCAL dst-type !BLACKHOLE limit-in");
  EXPECT_EQ(saved_of("iptables -A INPUT -m addrtype --dst-type LOC"),
            " -m addrtype --dst-type LOCAL");
  EXPECT_EQ(error_of("iptables -A INPUT -m addrtype --limit-iface-in"),
            "addrtype: you must specify --src-type or --dst-type");
  EXPECT_EQ(error_of("iptables -A INPUT -m addrtype --dst-type LOCAL --limit-iface-in "
                     "--limit-iface-out"),
            "addrtype: option \"--limit-iface-in\" cannot be used together with "
            "\"--limit-iface-out\".");
}

TEST(ExtRecent, Golden) {
  check_all({"host.39", "host.40", "recent.1", "recent.2", "recent.3", "recent.4", "recent.5",
             "recent.6", "recent.7", "recent.8", "recent.9", "recent.10", "recent.11",
             "recent.12", "recent.13", "match6.16", "match6.17"},
            {"recent.14", "recent.15", "recent.16"});
}
TEST(ExtRecent, Reference) {
  EXPECT_EQ(list_of("iptables -A INPUT -m recent ! --update --seconds 60 --reap --hitcount 4 "
                    "--rttl --name SSH --rdest --mask 255.0.0.0",
                    false),
            " ! recent: UPDATE seconds: 60 reap hit_count: 4 TTL-Match name: SSH side: dest "
            "mask: 255.0.0.0");
  EXPECT_EQ(error_of("iptables -A INPUT -m recent --set --rttl"),
            "recent: option \"--rttl\" cannot be used together with \"--set\".");
  EXPECT_EQ(saved_of("iptables -A INPUT -m recent --set --rsource --rdest"),
            " -m recent --set --name DEFAULT --mask 255.255.255.255 --rdest");
  EXPECT_EQ(saved_of("iptables -A INPUT -m recent --set --mask 255.0.255.0"),
            " -m recent --set --name DEFAULT --mask 255.0.255.0 --rsource");
}

TEST(ExtOwner, Golden) {
  check_all({"egress.6", "egress.7", "egress.8", "egress.9", "egress.10", "egress.11",
             "egress.12", "egress.14", "match6.18"},
            {"egress.13"});
}
TEST(ExtOwner, Reference) {
  const char* cmd =
      "iptables -A OUTPUT -m owner ! --uid-owner 0-10 ! --gid-owner 0 ! --socket-exists "
      "--suppl-groups";
  EXPECT_EQ(list_of(cmd, true),
            " ! owner socket exists ! owner UID match 0-10 ! owner GID match 0 incl. suppl. "
            "groups");
  EXPECT_EQ(saved_of(cmd),
            " -m owner ! --socket-exists ! --uid-owner 0-10 ! --gid-owner 0 --suppl-groups");
  EXPECT_EQ(error_of("iptables -A OUTPUT -m owner --suppl-groups"),
            "owner: Bad value for \"--suppl-groups\" option: \"you need to use --gid-owner "
            "first\"");
  EXPECT_EQ(error_of("iptables -A OUTPUT -m owner"),
            "owner: At least one of --uid-owner, --gid-owner or --socket-exists is required");
  EXPECT_EQ(error_of("iptables -A OUTPUT -m owner --uid-owner 4294967295"),
            "owner: Bad value for \"--uid-owner\" option: \"4294967295\"");
  EXPECT_EQ(saved_of("iptables -A OUTPUT -m owner --uid-owner 0x10"),
            " -m owner --uid-owner 16");
}

TEST(ExtIprange, Golden) {
  check_all({"iprange.1", "iprange.2", "iprange.3", "iprange.4", "iprange.5", "iprange.7",
             "match6.1", "match6.2"},
            {"iprange.6", "match6.3"});
  Driven d = drive_cmd(golden_case("iprange.7")->cmd);
  ASSERT_EQ(d.warnings.size(), 1u);
  EXPECT_EQ(d.warnings[0], golden_case("iprange.7")->err[0]);
}
TEST(ExtIprange, Reference) {
  EXPECT_EQ(list_of("iptables -A INPUT -m iprange ! --src-range 10.0.0.1-10.0.0.9 ! --dst-range "
                    "10.0.1.1-10.0.1.9",
                    false),
            " source IP range ! 10.0.0.1-10.0.0.9 destination IP range ! 10.0.1.1-10.0.1.9");
  EXPECT_EQ(error_of("iptables -A INPUT -m iprange"),
            "iprange match: You must specify `--src-range' or `--dst-range'");
  EXPECT_EQ(error_of("iptables -A INPUT -m iprange --src-range 10.0.0.1-"),
            "iprange: Bad value for \"--src-range\" option: \"\"");
}

TEST(ExtMac, Golden) {
  check_all({"l2.1", "l2.2", "l2.3", "l2.5", "match6.19"}, {"l2.4"});
  EXPECT_EQ(saved_of("iptables -A INPUT -m mac --mac-source 0:1:2:3:4:5"),
            " -m mac --mac-source 00:01:02:03:04:05");
  EXPECT_EQ(list_of("iptables -A INPUT -m mac ! --mac-source 00:11:22:33:44:55", false),
            " MAC ! 00:11:22:33:44:55");
  EXPECT_EQ(error_of("iptables -A INPUT -m mac --mac-source 001:11:22:33:44:55"),
            "Invalid MAC address specified.");
}

TEST(ExtPkttype, Golden) {
  check_all({"host.33", "l2.6", "l2.7", "l2.8", "l2.9", "l2.10", "match6.20"}, {});
  EXPECT_EQ(saved_of("iptables -A INPUT -m pkttype --pkt-type Host"),
            " -m pkttype --pkt-type unicast");
  EXPECT_EQ(list_of("iptables -A INPUT -m pkttype ! --pkt-type multicast", false),
            " PKTTYPE != multicast");
  EXPECT_EQ(error_of("iptables -A INPUT -m pkttype --pkt-type outgoing"),
            "Bad packet type 'outgoing'");
}

TEST(ExtLength, Golden) {
  check_all({"length.1", "length.2", "length.3", "length.4", "length.5", "match6.21"},
            {"length.6"});
  EXPECT_EQ(saved_of("iptables -A INPUT -m length --length :64"), " -m length --length 0:64");
  EXPECT_EQ(list_of("iptables -A INPUT -m length ! --length 64", false), " length !64");
  EXPECT_EQ(list_of("iptables -A INPUT -m length --length 64:", false), " length 64:65535");
}

TEST(ExtConnmark, Golden) {
  check_all({"mark.9", "mark.10", "mark.11", "mangle.20", "match6.9"}, {});
  EXPECT_EQ(list_of("iptables -A INPUT -m connmark ! --mark 0x1/0xf", false),
            " connmark match ! 0x1/0xf");
}

}  // namespace
}  // namespace cx::test
