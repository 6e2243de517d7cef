// nft::read_rule_message reads dumped rules without libnftnl. Whatever it accepts must be
// exactly what libnftnl's parser and from_nftnl give. The messages: every NEWRULE that
// iptables-nft sent in the golden corpus (its compat attribute left out, as a dump has none),
// then each of them damaged in many ways. The reader must also take nearly all of the
// undamaged ones: a reader that gave everything to libnftnl would pass the first check.
// nft::write_rule_payload must write those rules, with every combination of the optional
// rule attributes, byte for byte as libnftnl's builder does.
#include "nft/rule_message.h"

#include <gtest/gtest.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>

#include <cstring>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "golden_util.h"
#include "nft/netlink.h"

namespace cx::nft {
namespace {

using Message = std::vector<std::uint32_t>;  // 4-byte aligned, as in a receive buffer

std::vector<std::uint8_t> unhex(const std::string& hex) {
  std::vector<std::uint8_t> out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
    out.push_back(static_cast<std::uint8_t>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  return out;
}

// The NEWRULE messages of the golden corpus, without NFTA_RULE_COMPAT.
std::vector<Message> golden_rule_messages() {
  std::vector<Message> out;
  for (const char* file : {"ipv4", "ipv6", "ops"}) {
    std::ifstream in(test::golden_dir() + "/" + file + ".golden");
    std::string line;
    while (std::getline(in, line)) {
      if (line.rfind("txraw ", 0) != 0) continue;
      auto raw = unhex(line.substr(6));
      if (raw.size() < NLMSG_HDRLEN + sizeof(nfgenmsg)) continue;
      const auto* n = reinterpret_cast<const nlmsghdr*>(raw.data());
      if (n->nlmsg_type != ((NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_NEWRULE)) continue;
      if (n->nlmsg_len != raw.size()) continue;
      // Rebuilt attribute by attribute, leaving NFTA_RULE_COMPAT out.
      std::vector<std::uint8_t> msg(raw.begin(), raw.begin() + NLMSG_HDRLEN + sizeof(nfgenmsg));
      std::size_t off = msg.size();
      while (off + sizeof(nlattr) <= raw.size()) {
        const auto* a = reinterpret_cast<const nlattr*>(raw.data() + off);
        if (a->nla_len < sizeof(nlattr) || off + a->nla_len > raw.size()) break;
        const std::size_t step = NLMSG_ALIGN(a->nla_len);
        if ((a->nla_type & NLA_TYPE_MASK) != NFTA_RULE_COMPAT)
          msg.insert(msg.end(), raw.begin() + off, raw.begin() + std::min(off + step, raw.size()));
        off += step;
      }
      reinterpret_cast<nlmsghdr*>(msg.data())->nlmsg_len = static_cast<std::uint32_t>(msg.size());
      Message m((msg.size() + 3) / 4, 0);
      std::memcpy(m.data(), msg.data(), msg.size());
      out.push_back(std::move(m));
    }
  }
  return out;
}

const nlmsghdr* header(const Message& m) { return reinterpret_cast<const nlmsghdr*>(m.data()); }

std::string describe(const Message& m) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  const auto* b = reinterpret_cast<const std::uint8_t*>(m.data());
  for (std::size_t i = 0; i < header(m)->nlmsg_len && i < m.size() * 4; ++i) {
    out += digits[b[i] >> 4];
    out += digits[b[i] & 15];
  }
  return out;
}

// The check: when the reader takes a message, libnftnl's way gives the same rule.
bool agrees(const Message& m) {
  auto fast = read_rule_message(header(m));
  if (!fast) return false;
  auto slow = parse_rule_message_libnftnl(header(m));
  EXPECT_TRUE(slow.has_value()) << describe(m);
  if (slow) {
    EXPECT_TRUE(*fast == *slow);
  }
  return true;
}

TEST(RuleMessage, SameAsLibnftnlOnTheGoldenRules) {
  auto messages = golden_rule_messages();
  if (messages.empty()) GTEST_SKIP() << "no golden corpus at " << test::golden_dir();
  std::size_t taken = 0;
  for (const auto& m : messages) taken += agrees(m);
  // Rules with expressions iptables-nft does not write itself are libnftnl's (none in the
  // corpus today); everything else the reader must take.
  EXPECT_GE(taken * 100, messages.size() * 99) << taken << " of " << messages.size();
}

// Damaged messages: a byte changed, an attribute length cut, a truncated message. libnftnl
// ends the process (abi_breakage) on attributes of the wrong size, so a message is only given
// to it when the reader took it; the reader must never take one libnftnl would refuse.
TEST(RuleMessage, SameAsLibnftnlOnDamagedRules) {
  auto messages = golden_rule_messages();
  if (messages.empty()) GTEST_SKIP() << "no golden corpus at " << test::golden_dir();
  std::mt19937 rng(20261127);
  std::size_t taken = 0, tried = 0;
  for (int round = 0; round < 20; ++round) {
    for (const auto& original : messages) {
      Message m = original;
      auto* bytes = reinterpret_cast<std::uint8_t*>(m.data());
      const std::size_t len = header(m)->nlmsg_len;
      const std::size_t body = NLMSG_HDRLEN + sizeof(nfgenmsg);
      if (len <= body) continue;
      std::uniform_int_distribution<std::size_t> pos(body, len - 1);
      switch (rng() % 3) {
        case 0:
          bytes[pos(rng)] ^= static_cast<std::uint8_t>(1u << (rng() % 8));
          break;
        case 1:
          bytes[pos(rng)] = static_cast<std::uint8_t>(rng());
          break;
        case 2: {
          const std::size_t cut = pos(rng);
          reinterpret_cast<nlmsghdr*>(bytes)->nlmsg_len = static_cast<std::uint32_t>(cut);
          break;
        }
      }
      ++tried;
      taken += agrees(m);
    }
  }
  // Most damage lands in data the reader takes as it is (addresses, xt payloads).
  EXPECT_GT(taken, tried / 4) << taken << " of " << tried;
}

// The message `rule` makes, written by `write`.
template <class Write>
std::string built(const RuleObj& rule, Write write) {
  std::vector<std::uint32_t> buf(64 * 1024);
  nlmsghdr* n = mnl_nlmsg_put_header(buf.data());
  n->nlmsg_type = (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_NEWRULE;
  mnl_nlmsg_put_extra_header(n, sizeof(nfgenmsg));
  write(n, rule);
  return std::string(reinterpret_cast<const char*>(buf.data()), n->nlmsg_len);
}

TEST(RuleMessage, WrittenAsLibnftnlWritesIt) {
  auto messages = golden_rule_messages();
  if (messages.empty()) GTEST_SKIP() << "no golden corpus at " << test::golden_dir();
  std::size_t compared = 0;
  for (std::size_t i = 0; i < messages.size(); ++i) {
    auto rule = read_rule_message(header(messages[i]));
    if (!rule) continue;
    // Each optional rule attribute present in some rules and absent in others.
    if (i % 2) rule->handle.reset();
    if (i % 3 == 0) rule->position = 1000 + i;
    if (i % 5 == 0) rule->chain.clear();
    if (i % 4 != 3) rule->compat_proto = static_cast<std::uint32_t>(i % 256);
    if (i % 6 != 5) rule->compat_flags = static_cast<std::uint32_t>(i % 3);
    if (i % 7 == 0) rule->id = static_cast<std::uint32_t>(i);
    for (auto& e : rule->exprs) {
      // As a dump gives them back: bitwise with its operation, log with every field.
      if (e.kind == Expr::Kind::Bitwise && i % 2) e.bitwise_op = 0;
      if (e.kind == Expr::Kind::Log && i % 2) {
        e.log_group = 3;
        e.log_snaplen = 64;
        e.log_qthreshold = 2;
        e.log_level = 4;
        e.log_flags = 1;
      }
    }
    const std::string ours =
        built(*rule, [](nlmsghdr* n, const RuleObj& r) { EXPECT_TRUE(write_rule_payload(n, r)); });
    const std::string theirs =
        built(*rule, [](nlmsghdr* n, const RuleObj& r) { write_rule_payload_libnftnl(n, r); });
    ASSERT_EQ(ours, theirs) << "golden rule " << i;
    ++compared;
  }
  EXPECT_GE(compared * 100, messages.size() * 99);
}

TEST(RuleMessage, OtherExpressionsAreLeftToLibnftnl) {
  RuleObj rule;
  rule.table = "filter";
  rule.chain = "INPUT";
  Expr other;
  other.kind = Expr::Kind::Other;
  other.other_name = "lookup";
  rule.exprs = {Expr::payload(1, 12, 4), other};
  std::vector<std::uint32_t> buf(1024);
  nlmsghdr* n = mnl_nlmsg_put_header(buf.data());
  mnl_nlmsg_put_extra_header(n, sizeof(nfgenmsg));
  const auto before = n->nlmsg_len;
  EXPECT_FALSE(write_rule_payload(n, rule));
  EXPECT_EQ(n->nlmsg_len, before);  // nothing written
}

}  // namespace
}  // namespace cx::nft
