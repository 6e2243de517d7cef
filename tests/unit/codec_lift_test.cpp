// Lifting dumped rules as iptables-nft 1.8.9 reads them: registers as nft writes them (32-bit
// numbers), masks, operators, iptables-nft's own errors, and our refusals where it would list
// a rule as something else.
#include <gtest/gtest.h>

#include "cli/print.h"
#include "codec/rule_codec.h"

namespace cx::test {
namespace {

using nft::Expr;

std::string spec(const std::vector<Expr>& v, Family f = Family::V4,
                 const std::optional<nft::Bytes>& udata = std::nullopt) {
  model::Rule r = codec::decode_rule(v, f, udata);
  if (r.incompatible) {
    std::string s = "!";
    for (const auto& e : r.decode_errors) s += " " + e + ";";
    return s;
  }
  return cli::rule_spec(r, f);
}

constexpr std::uint32_t kReg32_00 = 8, kReg32_01 = 9;

TEST(CodecLift, NftRegistersAndPrefixes) {
  // ip saddr 192.0.2.0/24 (nft: 3-byte load into reg 32_00) tcp dport 22 accept
  std::vector<Expr> v = {Expr::payload(nft::kNetworkHeader, 12, 3, kReg32_00),
                         Expr::cmp(nft::kEq, {192, 0, 2}, kReg32_00),
                         Expr::meta_load(nft::kMetaL4proto, kReg32_00),
                         Expr::cmp(nft::kEq, {6}, kReg32_00),
                         Expr::payload(nft::kTransportHeader, 2, 2, kReg32_00),
                         Expr::cmp(nft::kEq, nft::be16(22), kReg32_00),
                         Expr::verdict_imm(nft::kVerdictAccept)};
  EXPECT_EQ(spec(v), " -s 192.0.2.0/24 -p tcp -m tcp --dport 22 -j ACCEPT");
}

TEST(CodecLift, BitwiseIntoAnotherRegister) {
  std::vector<Expr> v = {Expr::meta_load(nft::kMetaMark, kReg32_00),
                         Expr::bitwise(4, nft::host32(0xff), nft::host32(0), kReg32_00),
                         Expr::cmp(nft::kNeq, nft::host32(0x10), kReg32_00)};
  v[1].dreg = kReg32_01;  // masked into a second register, compared there
  v[2].sreg = kReg32_01;
  EXPECT_EQ(spec(v), " -m mark ! --mark 0x10/0xff");
}

TEST(CodecLift, PortOperatorsMoveOneEnd) {
  auto ports = [](std::uint32_t op, std::uint16_t port) {
    return std::vector<Expr>{Expr::meta_load(nft::kMetaL4proto), Expr::cmp(nft::kEq, {17}),
                             Expr::payload(nft::kTransportHeader, 2, 2),
                             Expr::cmp(op, nft::be16(port))};
  };
  EXPECT_EQ(spec(ports(nft::kLt, 1024)), " -p udp -m udp --dport 0:1023");
  EXPECT_EQ(spec(ports(nft::kGte, 1024)), " -p udp -m udp --dport 1024:65535");
  EXPECT_EQ(spec(ports(nft::kNeq, 53)), " -p udp -m udp ! --dport 53");
}

TEST(CodecLift, ReferenceErrorsWinOverRefusals) {
  // A set lookup (we refuse) and then an unknown meta key (iptables-nft fails): its error.
  Expr lookup;
  lookup.kind = Expr::Kind::Other;
  lookup.other_name = "lookup";
  std::vector<Expr> v = {Expr::payload(nft::kNetworkHeader, 12, 4), lookup, Expr::meta_load(10),
                         Expr::cmp(nft::kEq, nft::host32(0))};
  EXPECT_EQ(spec(v), "! unknown ipv4 meta key;");
  v.resize(2);
  EXPECT_EQ(spec(v), "! set lookup not supported;");
}

TEST(CodecLift, RepeatedFieldRefusedUnlessEqual) {
  std::vector<Expr> v = {
      Expr::payload(nft::kNetworkHeader, 12, 4), Expr::cmp(nft::kEq, {192, 0, 2, 1}),
      Expr::payload(nft::kNetworkHeader, 12, 4), Expr::cmp(nft::kEq, {192, 0, 2, 1})};
  EXPECT_EQ(spec(v), " -s 192.0.2.1/32");
  v[3].data = {192, 0, 2, 2};
  EXPECT_EQ(spec(v), "! repeated address comparison not supported;");
}

TEST(CodecLift, TtlLimitsAndIcmp) {
  std::vector<Expr> v = {Expr::payload(nft::kNetworkHeader, 8, 1), Expr::cmp(nft::kGte, {0})};
  EXPECT_EQ(spec(v), "! invalid ttl field match;");
  v[1] = Expr::cmp(nft::kLte, {5});
  EXPECT_EQ(spec(v), " -m ttl --ttl-lt 6");
  std::vector<Expr> icmp = {Expr::meta_load(nft::kMetaL4proto), Expr::cmp(nft::kEq, {1}),
                            Expr::payload(nft::kTransportHeader, 1, 1), Expr::cmp(nft::kEq, {3})};
  EXPECT_EQ(spec(icmp), " -p icmp -m icmp --icmp-type any");
}

TEST(CodecLift, CommentFromUserData) {
  nft::Bytes u = {0, 4, 'a', ' ', 'b', 0};
  EXPECT_EQ(spec({Expr::verdict_imm(nft::kVerdictDrop)}, Family::V4, u),
            " -m comment --comment \"a b\" -j DROP");
  nft::Bytes bad = {0, 3, 'a', 'b', 'c'};  // not NUL-terminated: no comment
  EXPECT_EQ(spec({}, Family::V4, bad), "");
}

TEST(CodecLift, NoInterfaceRoundTrips) {
  model::Rule r;
  r.ip.has_outiface = true;
  r.ip.outiface = "+";
  r.ip.inv_out = true;
  ext::RuleContext ctx;
  auto exprs = codec::encode_rule(r, ctx);
  ASSERT_TRUE(exprs);
  EXPECT_EQ(spec(*exprs), " ! -o +");
}

TEST(CodecLift, Listable) {
  Expr ct;
  ct.kind = Expr::Kind::Other;
  ct.other_name = "ct";
  EXPECT_FALSE(codec::listable(ct));
  Expr lim;
  lim.kind = Expr::Kind::Limit;
  lim.limit_type = 1;  // bytes
  EXPECT_FALSE(codec::listable(lim));
  Expr log;
  log.kind = Expr::Kind::Log;
  EXPECT_FALSE(codec::listable(log));
  log.log_group = 1;
  EXPECT_TRUE(codec::listable(log));
}

}  // namespace
}  // namespace cx::test
