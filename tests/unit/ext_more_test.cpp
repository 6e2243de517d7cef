// Golden and reference-observed checks for the remaining xt compat matches and targets.
#include <gtest/gtest.h>

#include "ext/util.h"
#include "golden_util.h"

namespace cx::test {
namespace {

void check_all(std::initializer_list<const char*> ok, std::initializer_list<const char*> err) {
  for (const char* id : ok) EXPECT_EQ(check_case(id), "") << id;
  for (const char* id : err) EXPECT_EQ(check_error_case(id), "") << id;
}

TEST(ExtDscpTos, Golden) {
  check_all({"length.12", "length.13", "length.14", "length.15", "length.16", "length.17",
             "match6.23", "length.7", "length.8", "length.9", "length.10", "match6.22",
             "mangle.27", "mangle.28", "mangle.29", "mangle.30", "target6.15", "mangle.32",
             "mangle.33", "mangle.34", "target6.16"},
            {"length.18", "length.19", "length.11", "mangle.31"});
  EXPECT_EQ(list_of("iptables -A INPUT -m dscp ! --dscp 0x2e", false), " DSCP match !0x2e");
  EXPECT_EQ(list_of("iptables -A INPUT -m tos ! --tos 0x10/0x3f", false),
            " tos match! Minimize-Delay");
  EXPECT_EQ(list_of("iptables -A INPUT -m tos --tos 0x10", true), " tos match0x10/0xff");
  EXPECT_EQ(list_of("iptables -t mangle -A POSTROUTING -j TOS --set-tos 0x10/0x3f", false),
            "  TOS setMinimize-Delay");
  EXPECT_EQ(list_of("iptables -t mangle -A POSTROUTING -j TOS --and-tos 0x0f", false),
            " TOS and 0x0f");
  EXPECT_EQ(error_of("iptables -A INPUT -m dscp --dscp-class EF --dscp 3"),
            "dscp: option \"--dscp\" cannot be used together with \"--dscp-class\".");
  EXPECT_EQ(error_of("iptables -t mangle -A POSTROUTING -j TOS"), "TOS: An action is required");
}

TEST(ExtTtlHlEcn, Golden) {
  check_all({"length.20", "length.21", "length.22", "length.23", "host6.12", "ext6.28",
             "ext6.29", "ext6.30", "ext6.31", "length.25", "length.26", "length.27",
             "mangle.35", "mangle.36", "mangle.37", "mangle.40", "target6.17", "target6.18",
             "target6.19", "mangle.41"},
            {"length.24", "mangle.38", "mangle.39", "target6.20"});
  EXPECT_EQ(list_of("iptables -A INPUT -m ttl ! --ttl-eq 5", false), " TTL match TTL != 5");
  EXPECT_EQ(list_of("ip6tables -A INPUT -m hl --hl-gt 5", false), " HL match HL > 5");
  EXPECT_EQ(list_of("iptables -A INPUT -p tcp -m ecn ! --ecn-tcp-cwr ! --ecn-tcp-ece ! "
                    "--ecn-ip-ect 2",
                    false),
            " ECN match !ECE !CWR !ECT=2");
  EXPECT_EQ(saved_of("iptables -t mangle -A POSTROUTING -p tcp -j ECN --ecn-tcp-cwr 0 "
                     "--ecn-tcp-ece 0"),
            " -j ECN --ecn-tcp-remove");
  EXPECT_EQ(list_of("iptables -t mangle -A PREROUTING -j TTL --ttl-inc 3", false),
            " TTL increment by 3");
  EXPECT_EQ(error_of("iptables -A INPUT -m ttl"),
            "TTL match: You must specify one of `--ttl-eq', `--ttl-lt', `--ttl-gt");
}

TEST(ExtPhysdevDevgroup, Golden) {
  check_all({"l2.11", "l2.12", "l2.13", "l2.14", "l2.15", "l2.16", "l2.17", "match6.27", "l2.19",
             "l2.20", "l2.21", "match6.32"},
            {"l2.18", "l2.22"});
  EXPECT_EQ(list_of("iptables -A FORWARD -m physdev ! --physdev-in eth0 ! --physdev-out veth+ ! "
                    "--physdev-is-in ! --physdev-is-out ! --physdev-is-bridged",
                    false),
            " PHYSDEV match ! --physdev-is-in ! --physdev-in eth0 ! --physdev-is-out ! "
            "--physdev-out veth+ ! --physdev-is-bridged");
}

TEST(ExtHashlimit, Golden) {
  check_all({"limit.15", "limit.16", "limit.17", "limit.18", "limit.19", "limit.20", "limit.21",
             "match6.15"},
            {"limit.22", "limit.23"});
  const char* cmd =
      "iptables -A INPUT -m hashlimit --hashlimit-upto 50/min --hashlimit-burst 20 "
      "--hashlimit-mode srcip,srcport,dstip,dstport --hashlimit-name http --hashlimit-srcmask 24 "
      "--hashlimit-dstmask 16 --hashlimit-htable-size 10 --hashlimit-htable-max 20 "
      "--hashlimit-htable-gcinterval 500 --hashlimit-htable-expire 7";
  EXPECT_EQ(list_of(cmd, false),
            " limit: up to 50/min burst 20 mode srcip-srcport-dstip-dstport htable-size 10 "
            "htable-max 20 htable-gcinterval 500 htable-expire 7 srcmask 24 dstmask 16");
  EXPECT_EQ(saved_of("iptables -A INPUT -m hashlimit --hashlimit-upto 512kb/s --hashlimit-burst "
                     "1mb --hashlimit-name a"),
            " -m hashlimit --hashlimit-upto 512kb/s --hashlimit-burst 1mb --hashlimit-name a");
  EXPECT_EQ(error_of("iptables -A INPUT -m hashlimit --hashlimit-name a"),
            "You have to specify --hashlimit");
}

TEST(ExtTimeString, Golden) {
  check_all({"time.1", "time.2", "time.3", "time.4", "time.5", "time.6", "time.7", "time.8",
             "time.9", "match6.25", "string.1", "string.2", "string.3", "string.4", "string.5",
             "string.6", "string.7", "string.9", "match6.24"},
            {"time.10", "time.11", "string.8", "string.10"});
  EXPECT_EQ(list_of("iptables -A INPUT -m time --timestart 22:00 --timestop 06:00:05 --weekdays "
                    "Mon,Fr --monthdays 2,30 --datestart 2024-02-03T04:05:06 --datestop "
                    "2025-01-01 --contiguous --kerneltz",
                    false),
            " TIME from 22:00:00 to 06:00:05 on Mon,Fri on 2nd,30th starting from 2024-02-03 "
            "04:05:06 until date 2025-01-01 00:00:00 contiguous");
  EXPECT_EQ(error_of("iptables -A INPUT -m time --weekdays Monday,tu"),
            "tu is not a valid day specifier");
  EXPECT_EQ(saved_of("iptables -A INPUT -m time --datestart 2024-01-01T10"),
            " -m time --datestart 2024-01-01T10:00:00 --datestop 2038-01-19T03:14:07");
  EXPECT_EQ(list_of("iptables -A INPUT -m string --algo bm --string 'a\"b\\c' --from 3 --to 50 "
                    "--icase",
                    false),
            " STRING match  \"a\\\"b\\\\c\" ALGO name bm FROM 3 TO 50 ICASE");
  EXPECT_EQ(error_of("iptables -A INPUT -m string --algo bm --hex-string '|4|'"),
            "Invalid hex block");
}

TEST(ExtConnlimitFragU32Statistic, Golden) {
  check_all({"misc_match.4", "misc_match.5", "misc_match.6", "misc_match.7", "misc_match.8",
             "match6.29", "ext6.1", "ext6.2", "ext6.3", "ext6.4", "ext6.5", "ext6.6", "ext6.7",
             "ext6.8", "u32.1", "u32.2", "u32.3", "u32.4", "u32.5", "match6.26", "misc_match.10",
             "misc_match.11", "misc_match.13", "match6.31"},
            {"misc_match.9", "match6.30", "u32.6", "misc_match.12", "misc_match.14",
             "misc_match.15"});
  EXPECT_EQ(list_of("iptables -A INPUT -m connlimit --connlimit-upto 5 --connlimit-mask 24 "
                    "--connlimit-daddr",
                    false),
            " #conn dst/24 <= 5");
  EXPECT_EQ(list_of("ip6tables -A INPUT -m frag --fraglast", false), " frag  last");
  EXPECT_EQ(list_of("iptables -A INPUT -m u32 ! --u32 \"6&0xFF=1,3:5&&0>>22&0x3C@4<<2=0x29\"",
                    false),
            " u32 ! \"0x6&0xff=0x1,0x3:0x5&&0x0>>0x16&0x3c@0x4<<0x2=0x29\"");
  EXPECT_EQ(list_of("iptables -A INPUT -m statistic --mode nth ! --every 3 --packet 1", false),
            " statistic mode nth ! every 3 packet 1");
}

TEST(ExtSmallMatches, Golden) {
  check_all({"misc_match.16", "misc_match.17", "misc_match.18", "misc_match.19", "misc_match.20",
             "misc_match.21", "misc_match.39", "ext6.13", "ext6.14", "ext6.15", "misc_match.1",
             "misc_match.2", "misc_match.3", "misc_match.22", "misc_match.23", "misc_match.30",
             "misc_match.31", "misc_match.32", "match6.28", "match6.35", "match6.36",
             "match6.38"},
            {});
  EXPECT_EQ(list_of("ip6tables -A INPUT -m ah ! --ahspi 500:600 ! --ahlen 8 --ahres", false),
            " ah spis:!500:600length:!8 reserved");
  EXPECT_EQ(list_of("iptables -A INPUT -p esp -m esp --espspi 100", false), " esp spi:100");
  EXPECT_EQ(list_of("iptables -A INPUT -m helper ! --helper ftp", false),
            " helper match ! \"ftp\"");
  EXPECT_EQ(list_of("iptables -A INPUT -m quota ! --quota 100", false), " quota: 100 bytes");
}

TEST(ExtIp6Ext, Golden) {
  check_all({"host6.24", "ext6.9", "ext6.10", "ext6.11", "ext6.16", "ext6.17", "ext6.18",
             "ext6.19", "ext6.20", "ext6.21", "ext6.22", "ext6.23", "ext6.24", "ext6.25",
             "ext6.26", "ext6.27"},
            {"ext6.12"});
  EXPECT_EQ(list_of("ip6tables -A INPUT -m rt ! --rt-type 2 ! --rt-segsleft 1:3 ! --rt-len 24",
                    false),
            " rt type:!2 segslefts:!1:3 length:!24");
  EXPECT_EQ(list_of("ip6tables -A INPUT -p mh -m mh --mh-type 5:6", false),
            " mh binding-update:binding-acknowledgement");
  EXPECT_EQ(list_of("ip6tables -A INPUT -m hbh ! --hbh-len 8 --hbh-opts 1:4,5", false),
            " hbh length:!8 opts 1:4,5");
  EXPECT_EQ(list_of("ip6tables -A INPUT -m srh ! --srh-next-hdr 17 --srh-psid 2001:db8::/64",
                    false),
            " srh next-hdr:!17 psid  2001:db8::/64");
}

TEST(ExtMoreMatches, Golden) {
  check_all({"tcp.41", "tcp.42", "misc_match.24", "misc_match.25", "misc_match.26",
             "misc_match.27", "misc_match.28", "misc_match.29", "misc_match.33", "misc_match.34",
             "misc_match.35", "misc_match.36", "misc_match.37", "misc_match.38", "misc_match.44",
             "match6.33", "match6.34", "match6.37", "udp.13", "misc_match.41"},
            {});
  EXPECT_EQ(saved_of("iptables -A INPUT -m connbytes ! --connbytes 10:20 --connbytes-dir both "
                     "--connbytes-mode bytes"),
            " -m connbytes ! --connbytes 10:20 --connbytes-mode bytes --connbytes-dir both");
  EXPECT_EQ(list_of("iptables -A INPUT -m policy --dir in --pol ipsec ! --spi 5 --mode transport",
                    false),
            " policy match dir in pol ipsec ! spi 0x5 mode transport");
  EXPECT_EQ(list_of("iptables -A INPUT -p sctp -m sctp ! --sport 10:20 --dport 5000 "
                    "--chunk-types any INIT,DATA",
                    false),
            " sctp spts:!10:20 dpt:5000 any DATA,INIT");
  EXPECT_EQ(saved_of("iptables -A INPUT -p sctp -m sctp --chunk-types only DATA:Be"),
            " -m sctp --chunk-types only DATA:Be");
}

TEST(ExtMoreTargets, Golden) {
  check_all({"log.32", "mangle.42", "mangle.43", "mangle.44", "mangle.45",
             "mangle.46", "mangle.47", "mangle.48", "mangle.49", "mangle.50", "mangle.51",
             "mangle.52", "mangle.54", "mangle.55", "target6.8", "target6.22", "target6.23",
             "target6.24", "target6.25"},
            {});
  EXPECT_EQ(list_of("iptables -A INPUT -p tcp -j SYNPROXY --sack-perm --timestamp --wscale 7 "
                    "--mss 1460 --ecn",
                    false),
            " SYNPROXY sack-perm timestamp wscale 7 mss 1460 ecn ");
  EXPECT_EQ(list_of("iptables -t mangle -A PREROUTING -p tcp -j TPROXY --on-port 3129 --on-ip "
                    "127.0.0.1 --tproxy-mark 0x1/0x1",
                    false),
            " TPROXY redirect 127.0.0.1:3129 mark 0x1/0x1");
  EXPECT_EQ(saved_of("iptables -t mangle -A PREROUTING -j RATEEST --rateest-name r1 "
                     "--rateest-interval 3s --rateest-ewmalog 8s"),
            " -j RATEEST --rateest-name r1 --rateest-interval 4.0s --rateest-ewmalog 8.0s");
  EXPECT_EQ(list_of("iptables -t mangle -A PREROUTING -j HMARK --hmark-tuple "
                    "src,dst,sport,dport,proto --hmark-mod 10 --hmark-offset 100 --hmark-rnd "
                    "0xdeadbeef",
                    false),
            " HMARK mod 10 + 0x64 src-prefix 32 dst-prefix 32 sport-mask 0xffff dport-mask "
            "0xffff proto-mask 0xffff rnd 0xdeadbeef ");
}

TEST(ExtSet, ErrorsWithoutSets) {
  // The sets of the golden cases only exist in their namespaces; the parse errors do not need
  // them.
  EXPECT_EQ(error_of("iptables -A INPUT -m set"),
            "You must specify `--match-set' with proper arguments");
  EXPECT_EQ(error_of("iptables -A INPUT -j SET"),
            "You must specify either `--add-set' or `--del-set' or `--map-set'");
  EXPECT_EQ(error_of("iptables -A INPUT -m set --match-set blocklist"),
            "--match-set requires two args.");
  EXPECT_EQ(error_of("iptables -A INPUT -m set --match-set cx-no-such-set src"),
            "Set cx-no-such-set doesn't exist.");
}

}  // namespace
}  // namespace cx::test

namespace cx::test {
namespace {

// The help blocks equal what follows iptables' own help in the golden -h cases.
TEST(ExtHelp, MatchesGoldenHelpCases) {
  struct Case {
    const char* id;
    const char* name;
    bool target;
  };
  for (const Case& c : {Case{"misc.2", "tcp", false}, Case{"misc.3", "LOG", true},
                        Case{"misc.4", "icmp", false}}) {
    const GoldenCase* g = golden_case(c.id);
    ASSERT_NE(g, nullptr);
    std::string want;
    bool on = false;
    for (const auto& l : g->out) {
      if (!on && l.find(" options:") != std::string::npos) on = true;
      if (on) want += l + "\n";
    }
    EXPECT_EQ(std::string(ext::extension_help(c.name, c.target, Family::V4)), "\n" + want)
        << c.id;
  }
  EXPECT_EQ(ext::extension_help("nosuch", false, Family::V4), "");
}

}  // namespace
}  // namespace cx::test

namespace cx::test {
namespace {

// Port ranges as iptables-nft 1.8.9 encodes them (expr_gen_range_cmp16): a range from 0 is a
// comparison, "<= N" or, inverted, "> N"; a long-run difffuzz finding.
TEST(ExtPorts, RangeFromZeroIsAComparison) {
  std::vector<nft::Expr> v;
  ext::encode_port_range(v, 2, ext::PortRange{0, 1024}, true);
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v[1], nft::Expr::cmp(nft::kGt, nft::be16(1024)));
  v.clear();
  ext::encode_port_range(v, 2, ext::PortRange{0, 1024}, false);
  EXPECT_EQ(v[1], nft::Expr::cmp(nft::kLte, nft::be16(1024)));
  v.clear();
  ext::encode_port_range(v, 0, ext::PortRange{1024, 65535}, true);
  EXPECT_EQ(v[1], nft::Expr::range(nft::kNeq, nft::be16(1024), nft::be16(65535)));
}

// The reference's blobs were read from the batch iptables-nft 1.8.9 sends (the kernel here
// has no xt_ipvs, so rules cannot be listed back): vaddr, vmask, vport, l4proto,
// fwd_method, vportctl, invert, bitmask.
TEST(ExtIpvs, Reference) {
  auto blob = [](const std::string& cmd) {
    auto v = encode_text(drive_cmd(cmd));
    return v.size() == 1 ? v[0] : "";
  };
  auto info = [](const char* hex) { return std::string("match NAME=\"ipvs\" REV=0 INFO=") + hex; };
  EXPECT_EQ(
      blob("iptables -A INPUT -m ipvs ! --ipvs"),
      info("00000000000000000000000000000000000000000000000000000000000000000000000000000101"));
  EXPECT_EQ(
      blob("iptables -A INPUT -m ipvs ! --vproto TCP"),
      info("00000000000000000000000000000000000000000000000000000000000000000000060000000203"));
  EXPECT_EQ(
      blob("iptables -A INPUT -m ipvs ! --vaddr 1.2.3.4/255.255.255.0"),
      info("01020304000000000000000000000000ffffff000000000000000000000000000000000000000405"));
  EXPECT_EQ(
      blob("iptables -A INPUT -m ipvs --vaddr 1.2.3.4/255.0.255.0"),
      info("01020304000000000000000000000000ffffffffffffffffffffffffffffffff0000000000000005"));
  EXPECT_EQ(
      blob("iptables -A INPUT -m ipvs ! --vport ssh"),
      info("00000000000000000000000000000000000000000000000000000000000000000016000000000809"));
  EXPECT_EQ(
      blob("iptables -A INPUT -m ipvs --vdir REPLY"),
      info("00000000000000000000000000000000000000000000000000000000000000000000000000001011"));
  EXPECT_EQ(
      blob("iptables -A INPUT -m ipvs ! --vmethod IPIP"),
      info("00000000000000000000000000000000000000000000000000000000000000000000000200002021"));
  EXPECT_EQ(
      blob("iptables -A INPUT -m ipvs ! --vportctl 21"),
      info("00000000000000000000000000000000000000000000000000000000000000000000000000154041"));
  EXPECT_EQ(
      blob("ip6tables -A INPUT -m ipvs --vaddr 2001:db8::1/ffff:ffff::"),
      info("20010db8000000000000000000000001ffffffff0000000000000000000000000000000000000005"));
  const char* all =
      "iptables -A INPUT -m ipvs --vproto 6 --vaddr 1.2.3.4/16 --vport 22 --vdir ORIGINAL "
      "--vmethod GATE";
  EXPECT_EQ(
      blob(all),
      info("01020304000000000000000000000000ffff0000000000000000000000000000001606030000003f"));
  // -S as libxt_ipvs.t expects it.
  EXPECT_EQ(saved_of(all),
            " -m ipvs --vproto 6 --vaddr 1.2.3.4/16 --vport 22 --vdir ORIGINAL --vmethod GATE");
  EXPECT_EQ(saved_of("iptables -A INPUT -m ipvs ! --ipvs"), " -m ipvs ! --ipvs");
  EXPECT_EQ(saved_of("iptables -A INPUT -m ipvs --vproto tcp"), " -m ipvs --vproto 6");
  EXPECT_EQ(saved_of("iptables -A INPUT -m ipvs --vaddr 1.2.3.4"), " -m ipvs --vaddr 1.2.3.4");
  EXPECT_EQ(saved_of("iptables -A INPUT -m ipvs ! --vport http"), " -m ipvs ! --vport 80");
  EXPECT_EQ(saved_of("iptables -A INPUT -m ipvs --vdir REPLY"), " -m ipvs --vdir REPLY");
  EXPECT_EQ(saved_of("iptables -A INPUT -m ipvs ! --vmethod IPIP --vportctl 21"),
            " -m ipvs ! --vmethod IPIP --vportctl 21");
  EXPECT_EQ(list_of("iptables -A INPUT -m ipvs ! --vaddr 0.0.0.0/8 --vmethod MASQ", false),
            " ! vaddr anywhere vmethod MASQ");
  EXPECT_EQ(list_of("iptables -A INPUT -m ipvs ! --vaddr 0.0.0.0/8 --vmethod MASQ", true),
            " ! vaddr 0.0.0.0/8 vmethod MASQ");
  EXPECT_EQ(list_of("iptables -A INPUT -m ipvs --ipvs", true), " ipvs");
  EXPECT_EQ(error_of("iptables -A INPUT -m ipvs"), "IPVS: At least one option is required");
  EXPECT_EQ(error_of("iptables -A INPUT -m ipvs ! --ipvs --vport 5"),
            "! --ipvs cannot be together with other options");
  EXPECT_EQ(error_of("iptables -A INPUT -m ipvs ! --vdir REPLY"),
            "ipvs: option \"--vdir\" cannot be inverted.");
  EXPECT_EQ(error_of("iptables -A INPUT -m ipvs --vmethod foo"),
            "ipvs: Bad value for \"--vmethod\" option: \"foo\"");
  EXPECT_EQ(error_of("iptables -A INPUT -m ipvs --vproto Tcp"),
            "unknown protocol \"Tcp\" specified");
  EXPECT_EQ(error_of("iptables -A INPUT -m ipvs --vport 1 --vport 1"),
            "ipvs: option \"--vport\" can only be used once.");
}

// libxtables' order: a repeated option before "!", the extension's final check before the
// exclusions, the exclusions in the reference's option table order.
TEST(ExtOptionOrder, Reference) {
  EXPECT_EQ(error_of("iptables -A INPUT -p dccp -m dccp --sport 1 --sport 1"),
            "dccp: option \"--source-port\" can only be used once.");
  EXPECT_EQ(error_of("iptables -A INPUT -p dccp -m dccp --dccp-option 0"),
            "dccp: bad value for option \"--dccp-option\", or out of range (1-255).");
  EXPECT_EQ(list_of("iptables -A INPUT -p dccp -m dccp ! --dccp-types ack,INVALID --sport 0:65535",
                    false),
            " dccp ! ACK,INVALID");
  EXPECT_EQ(error_of("iptables -A INPUT -m connlimit --connlimit-saddr --connlimit-daddr"),
            "You must specify \"--connlimit-above\" or \"--connlimit-upto\".");
  EXPECT_EQ(error_of("iptables -A INPUT -m addrtype --limit-iface-in --limit-iface-out"),
            "addrtype: you must specify --src-type or --dst-type");
  EXPECT_EQ(error_of("iptables -A INPUT -m addrtype --src-type FOO,LOCAL"),
            "addrtype: bad type `FOO,LOCAL'");
  EXPECT_EQ(error_of("ip6tables -A INPUT -m rt --rt-segsleft 1:23 --rt-0-res"),
            "`--rt-type 0' required before `--rt-0-res'");
  EXPECT_EQ(error_of("ip6tables -A INPUT -m hl --hl-gt 42 --hl-eq 42"),
            "hl: option \"--hl-gt\" cannot be used together with \"--hl-eq\".");
  EXPECT_EQ(saved_of("ip6tables -A INPUT -m hl ! --hl 5"), " -m hl ! --hl-eq 5");
}

}  // namespace
}  // namespace cx::test
