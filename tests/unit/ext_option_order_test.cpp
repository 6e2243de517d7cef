// Option checks of HMARK, policy, CLUSTERIP, recent, connlabel, connbytes, NFQUEUE and length
// as the reference reports them: repeats, the order of the final checks, range wording.
#include <gtest/gtest.h>

#include "golden_util.h"

namespace cx::test {
namespace {

TEST(ExtOptionOrder, RangeErrorsNameTheRestOfTheArgument) {
  EXPECT_EQ(error_of("iptables -A INPUT -m length --length -1:65535"),
            "length: bad value for option \"--length\" near \"-1:65535\", or out of range "
            "(0-65535).");
  EXPECT_EQ(error_of("iptables -A INPUT -m length --length 5x:7"),
            "length: Argument to \"--length\" has unexpected characters near \"x:7\".");
  EXPECT_EQ(error_of("iptables -A INPUT -m length --length 1:2:3"),
            "length: Too many components for option \"--length\" (max: 2)");
  EXPECT_EQ(error_of("iptables -A INPUT -j NFQUEUE --queue-balance 0:65536"),
            "NFQUEUE: bad value for option \"--queue-balance\" near \"65536\", or out of range "
            "(0-65535).");
  EXPECT_EQ(error_of("iptables -A INPUT -m connbytes --connbytes 10:5 --connbytes-dir both "
                     "--connbytes-mode bytes"),
            "10 should be less than 5");
}

TEST(ExtOptionOrder, Hmark) {
  // --hmark-tuple counts as the options it stands for.
  EXPECT_EQ(error_of("iptables -A INPUT -j HMARK --hmark-tuple src --hmark-src-prefix 24 "
                     "--hmark-rnd 1 --hmark-mod 2"),
            "HMARK: option \"--hmark-src-prefix\" can only be used once.");
  EXPECT_EQ(error_of("iptables -A INPUT -j HMARK --hmark-rnd 1 --hmark-mod 2"),
            "you have to specify --hmark-tuple at least");
  EXPECT_EQ(saved_of("iptables -A INPUT -j HMARK --hmark-tuple S,d,sp --hmark-sport 80 "
                     "--hmark-rnd 1 --hmark-mod 2"),
            " -j HMARK --hmark-src-prefix 32 --hmark-dst-prefix 32 --hmark-sport-mask 0xffff "
            "--hmark-sport 0x0050 --hmark-rnd 0x00000001 --hmark-mod 2");
}

TEST(ExtOptionOrder, Policy) {
  EXPECT_EQ(error_of("iptables -A INPUT -m policy --dir in --dir in --pol ipsec"),
            "policy: option \"--dir\" can only be used once.");
  EXPECT_EQ(error_of("iptables -A INPUT -m policy --dir in --pol ipsec --proto esp --proto ah"),
            "policy match: double --proto option");
  EXPECT_EQ(error_of("iptables -A INPUT -m policy --dir in --pol ipsec --proto udp"),
            "policy match: protocol must be ah/esp/ipcomp");
  EXPECT_EQ(error_of("ip6tables -A INPUT -m policy --dir in --pol ipsec --mode tunnel "
                     "--tunnel-src 10.0.0.0/8"),
            "getaddrinfo: Address family for hostname not supported");
}

TEST(ExtOptionOrder, ClusteripRecentConnlabel) {
  EXPECT_EQ(error_of("iptables -A INPUT -j CLUSTERIP --new --new"),
            "CLUSTERIP: option \"--new\" can only be used once.");
  EXPECT_EQ(error_of("iptables -A INPUT -j CLUSTERIP --hash-init 1"),
            "CLUSTERIP target: Invalid parameter combination");
  EXPECT_EQ(error_of("iptables -A INPUT -m recent --rsource --rsource --set"),
            "recent: option \"--rsource\" can only be used once.");
  // The missing action is reported before the exclusions.
  EXPECT_EQ(error_of("iptables -A INPUT -m recent --reap"),
            "recent: you must specify one of `--set', `--rcheck' `--update' or `--remove'");
  EXPECT_EQ(error_of("iptables -A INPUT -m connlabel --label 1 --set --set"),
            "connlabel: option \"--set\" can only be used once.");
  EXPECT_EQ(saved_of("iptables -A INPUT -m connlabel --label 2048"),
            " -m connlabel --label \"2048\"");
}

}  // namespace
}  // namespace cx::test
