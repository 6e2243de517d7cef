// nft::Batch keeps messages in chunks; giving a rule an NFTA_RULE_ID later must grow exactly
// that message by one attribute and leave every other byte where a single buffer would have
// it, also when the message sits at the end of a full chunk (its followers then move).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter/nf_tables.h>

#include <string>
#include <vector>

#include "nft/netlink.h"
#include "nft/rule_message.h"

namespace cx::nft {
namespace {

Message rule_message(int i) {
  Message m;
  m.type = MsgType::NewRule;
  m.flags = kNlmRequest | kNlmCreate | kNlmAppend;
  m.rule.table = "filter";
  m.rule.chain = "INPUT";
  m.rule.exprs.push_back(Expr::meta_load(NFT_META_MARK));
  m.op_name = "RULE_APPEND";
  m.object_text = "rule in chain INPUT";
  m.line = i;
  return m;
}

// Splits the bytes into messages.
std::vector<std::string> messages(const std::string& bytes) {
  std::vector<std::string> out;
  std::size_t off = 0;
  while (off + sizeof(nlmsghdr) <= bytes.size()) {
    const auto* n = reinterpret_cast<const nlmsghdr*>(bytes.data() + off);
    out.emplace_back(bytes.data() + off, n->nlmsg_len);
    off += NLMSG_ALIGN(n->nlmsg_len);
  }
  EXPECT_EQ(off, bytes.size());
  return out;
}

void tagged_once(Batch& b, std::size_t index, std::vector<bool>& done) {
  if (done[index]) return;
  done[index] = true;
  b.set_rule_id(index, static_cast<std::uint32_t>(index + 1));
}

TEST(NftBatch, RuleIdGrowsOnlyItsMessageAcrossChunks) {
  Batch plain(Family::V4);
  Batch tagged(Family::V4);
  constexpr int kCount = 30000;  // several 1 MiB chunks
  std::vector<bool> tagged_ids(kCount, false);
  for (int i = 0; i < kCount; ++i) {
    plain.add(rule_message(i));
    tagged.add(rule_message(i));
  }
  // Every message tagged, in a scattered order: each chunk overflows many times over, so both
  // the move within a chunk and the split into a new chunk are exercised.
  for (std::size_t step : {7u, 3u, 1u})
    for (std::size_t p = step - 1; p < kCount; p += step)
      if (p % 7 == step - 1 || step == 1) tagged_once(tagged, p, tagged_ids);
  auto a = messages(plain.bytes());
  auto b = messages(tagged.bytes());
  ASSERT_EQ(a.size(), static_cast<std::size_t>(kCount));
  ASSERT_EQ(b.size(), a.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    ASSERT_EQ(b[i].size(), a[i].size() + 8) << "message " << i;
    // Same bytes but the length, plus NFTA_RULE_ID at the end.
    const auto* n = reinterpret_cast<const nlmsghdr*>(b[i].data());
    const auto* attr = reinterpret_cast<const nlattr*>(b[i].data() + a[i].size());
    EXPECT_EQ(n->nlmsg_len, a[i].size() + 8);
    EXPECT_EQ(mnl_attr_get_type(attr), NFTA_RULE_ID);
    EXPECT_EQ(ntohl(mnl_attr_get_u32(attr)), i + 1);
    // Type and flags as before; the sequence numbers differ between two batches.
    EXPECT_EQ(b[i].substr(4, 4), a[i].substr(4, 4));
    EXPECT_EQ(b[i].substr(sizeof(nlmsghdr), a[i].size() - sizeof(nlmsghdr)),
              a[i].substr(sizeof(nlmsghdr)));
  }
}

}  // namespace
}  // namespace cx::nft

namespace cx::nft {
namespace {

// A ban as fail2ban adds it: saddr == ADDR, counter, REJECT.
std::vector<Expr> ban(std::uint8_t last_octet) {
  return {Expr::payload(NFT_PAYLOAD_NETWORK_HEADER, 12, 4),
          Expr::cmp(kEq, Bytes{192, 0, 2, last_octet}), Expr::counter(),
          Expr::target("REJECT", 0, Bytes(8, 0))};
}

// The bytes of one NEWRULE holding `exprs`, laid out as the kernel dumps it.
std::string rule_bytes(const std::vector<Expr>& exprs) {
  Batch b(Family::V4);
  Message m;
  m.type = MsgType::NewRule;
  m.flags = kNlmRequest;
  m.rule.table = "filter";
  m.rule.chain = "f2b-sshd";
  m.rule.exprs = exprs;
  b.add(m);
  return b.bytes();
}

TEST(NftMayHold, SkipsOnlyRulesThatCannotMatch) {
  const std::string msg = rule_bytes(ban(7));
  const auto* n = reinterpret_cast<const nlmsghdr*>(msg.data());
  EXPECT_TRUE(may_hold(n, ban(7)));
  auto counted = ban(7);
  counted[2] = Expr::counter(5, 500);  // counters never decide
  EXPECT_TRUE(may_hold(n, counted));
  EXPECT_FALSE(may_hold(n, ban(8)));  // another address
  auto longer = ban(7);
  longer.insert(longer.begin() + 2, Expr::meta_load(NFT_META_L4PROTO));
  EXPECT_FALSE(may_hold(n, longer));  // another expression count
  auto other = ban(7);
  other[3] = Expr::verdict_imm(kVerdictDrop);
  EXPECT_FALSE(may_hold(n, other));  // another expression
  auto shorter = ban(7);
  shorter.pop_back();
  EXPECT_FALSE(may_hold(n, shorter));
  // What it cannot see (an xt payload) it leaves to the parser.
  auto target = ban(7);
  target[3] = Expr::target("REJECT", 0, Bytes(8, 1));
  EXPECT_TRUE(may_hold(n, target));
}

}  // namespace
}  // namespace cx::nft

namespace cx::nft {
namespace {

// Tagging in message order fills each chunk's slack first, so the message that meets a full
// chunk is often the last one in it: it moves to a chunk of its own with its attribute.
TEST(NftBatch, RuleIdInOrderSplitsAtTheMessageItself) {
  Batch plain(Family::V4);
  Batch tagged(Family::V4);
  constexpr int kCount = 20000;
  for (int i = 0; i < kCount; ++i) {
    plain.add(rule_message(i));
    tagged.add(rule_message(i));
  }
  for (int i = 0; i < kCount; ++i) tagged.set_rule_id(i, static_cast<std::uint32_t>(i + 1));
  auto a = messages(plain.bytes());
  auto b = messages(tagged.bytes());
  ASSERT_EQ(b.size(), a.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    ASSERT_EQ(b[i].size(), a[i].size() + 8) << "message " << i;
    EXPECT_EQ(b[i].substr(sizeof(nlmsghdr), a[i].size() - sizeof(nlmsghdr)),
              a[i].substr(sizeof(nlmsghdr)));
  }
  // Every message still knows its line and texts after the moves.
  for (int i = 0; i < kCount; i += 997) {
    EXPECT_EQ(tagged.line(i), i);
    EXPECT_EQ(tagged.op_name(i), "RULE_APPEND");
    EXPECT_EQ(tagged.object_text(i), "rule in chain INPUT");
    EXPECT_EQ(reinterpret_cast<const nlmsghdr*>(b[static_cast<std::size_t>(i)].data())->nlmsg_flags,
              kNlmRequest | kNlmCreate | kNlmAppend);
  }
}

// Error messages name each message's operation and object: texts are kept once, however
// many messages share them, and none is confused with another.
TEST(NftBatch, ErrorTextsPerMessage) {
  Batch b(Family::V4);
  constexpr int kChains = 300;
  for (int c = 0; c < kChains; ++c) {
    Message chain;
    chain.type = MsgType::NewChain;
    chain.chain.table = "filter";
    chain.chain.name = "C" + std::to_string(c);
    chain.op_name = "CHAIN_USER_ADD";
    chain.object_text = "chain C" + std::to_string(c);
    chain.line = 2 * c;
    b.add(chain);
    Message rule = rule_message(2 * c + 1);
    rule.rule.chain = chain.chain.name;
    rule.op_name = c % 2 ? "RULE_INSERT" : "RULE_APPEND";
    // Mostly the text that names the rule's chain (kept as its form, written out from the
    // message); now and then another one (kept as it is).
    rule.object_text = c % 7 ? "rule in chain C" + std::to_string(c) : std::string("table filter");
    b.add(rule);
  }
  ASSERT_EQ(b.size(), 2u * kChains);
  for (int c = 0; c < kChains; ++c) {
    EXPECT_EQ(b.op_name(2 * c), "CHAIN_USER_ADD");
    EXPECT_EQ(b.object_text(2 * c), "chain C" + std::to_string(c));
    EXPECT_EQ(b.line(2 * c), 2 * c);
    EXPECT_EQ(b.op_name(2 * c + 1), c % 2 ? "RULE_INSERT" : "RULE_APPEND");
    EXPECT_EQ(b.object_text(2 * c + 1),
              c % 7 ? "rule in chain C" + std::to_string(c) : std::string("table filter"));
    EXPECT_EQ(b.line(2 * c + 1), 2 * c + 1);
  }
}

// A restore reads the rules it added back from the batch when a -D asks for them: the rule
// read back must give the same DELRULE bytes as the rule it was built from.
TEST(NftBatch, AddedRulesReadBack) {
  Batch b(Family::V4);
  Message table;
  table.type = MsgType::NewTable;
  table.table = "filter";
  std::vector<RuleObj> sent;
  for (int i = 0; i < 50; ++i) {
    b.add(table);
    Message m = rule_message(i);
    m.rule.exprs = ban(static_cast<std::uint8_t>(i));
    m.rule.compat_proto = i % 3 ? std::optional<std::uint32_t>(6) : std::nullopt;
    m.rule.compat_flags = i % 5 ? 0u : 2u;
    if (i % 2) m.flags = kNlmRequest | kNlmCreate;  // an insert
    if (i == 7) m.rule.position = 42;
    sent.push_back(m.rule);
    b.add(m);
  }
  std::vector<std::size_t> indices;
  std::vector<RuleObj> read;
  std::vector<std::uint16_t> flags;
  b.for_each_added_rule([&](std::size_t i, RuleObj&& r, std::uint16_t f) {
    indices.push_back(i);
    read.push_back(std::move(r));
    flags.push_back(f);
  });
  ASSERT_EQ(read.size(), sent.size());
  auto del_bytes = [](const RuleObj& r) {
    Batch d(Family::V4);
    Message m;
    m.type = MsgType::DelRule;
    m.rule = r;
    m.rule.id = 9;
    d.add(m);
    return d.bytes().substr(sizeof(nlmsghdr));  // the sequence number differs
  };
  for (std::size_t i = 0; i < read.size(); ++i) {
    EXPECT_EQ(indices[i], 2 * i + 1);
    EXPECT_EQ(static_cast<bool>(flags[i] & kNlmAppend), i % 2 == 0);
    EXPECT_FALSE(read[i].handle.has_value());
    EXPECT_EQ(read[i].position, sent[i].position);
    EXPECT_EQ(del_bytes(read[i]), del_bytes(sent[i])) << "rule " << i;
  }
}

}  // namespace
}  // namespace cx::nft

namespace cx::nft {
namespace {

// A restore reads its own batch back (batch_rule_message) with this project's reader, not
// libnftnl's: every field a batch's rule message carries comes back as it was sent.
TEST(NftBatch, RuleMessagesReadBackAsSent) {
  Batch b(Family::V4);
  std::vector<Message> sent;
  for (int i = 0; i < 12; ++i) {
    Message m = rule_message(i);
    m.rule.exprs = ban(static_cast<std::uint8_t>(i));
    if (i % 3) m.rule.compat_proto = 6;
    if (i % 3) m.rule.compat_flags = i % 2 ? 2u : 0u;
    if (i % 4 == 1) m.rule.position = 40 + i;
    if (i % 4 == 2) m.rule.position_id = 7;
    if (i % 5 == 0) m.rule.id = 100 + i;
    if (i == 11) {
      m.type = MsgType::DelRule;
      m.flags = kNlmRequest;
      m.rule.exprs.clear();
      m.rule.handle = 77;
    }
    sent.push_back(m);
    b.add(m);
  }
  const std::vector<std::string> raw = messages(b.bytes());
  ASSERT_EQ(raw.size(), sent.size());
  for (std::size_t i = 0; i < raw.size(); ++i) {
    const auto* n = reinterpret_cast<const nlmsghdr*>(raw[i].data());
    EXPECT_TRUE(read_sent_rule_message(n).has_value()) << "rule " << i;
    auto m = batch_rule_message(n);
    ASSERT_TRUE(m) << "rule " << i;
    const RuleObj& want = sent[i].rule;
    EXPECT_EQ(m->type, sent[i].type);
    EXPECT_EQ(m->flags, sent[i].flags);
    EXPECT_EQ(m->rule.table, want.table);
    EXPECT_EQ(m->rule.chain, want.chain);
    EXPECT_EQ(m->rule.exprs, want.exprs) << "rule " << i;
    EXPECT_EQ(m->rule.exprs.capacity(), m->rule.exprs.size());
    EXPECT_EQ(m->rule.handle, want.handle);
    EXPECT_EQ(m->rule.position, want.position);
    EXPECT_EQ(m->rule.position_id, want.position_id);
    EXPECT_EQ(m->rule.id, want.id);
    EXPECT_EQ(m->rule.compat_proto, want.compat_proto) << "rule " << i;
    EXPECT_EQ(m->rule.compat_flags, want.compat_proto ? want.compat_flags : std::nullopt);
  }
}

// libnftnl writes NFTA_RULE_ID before NFTA_RULE_POSITION_ID: a later ID goes before a
// message's last POSITION_ID, and only before a real one (not before bytes of an expression
// that happen to look like it).
TEST(NftBatch, RuleIdGoesBeforePositionId) {
  for (bool with_position_id : {true, false}) {
    Message m = rule_message(1);
    // A target whose data ends in what an NFTA_RULE_POSITION_ID attribute would look like.
    Bytes blob = {0, 0, 0, 0, 8, 0, 10, 0, 0, 0, 0, 5};
    m.rule.exprs.push_back(Expr::target("MARK", 2, blob));
    if (with_position_id) m.rule.position_id = 3;
    Batch later(Family::V4);
    later.add(m);
    later.set_rule_id(0, 9);
    m.rule.id = 9;
    Batch direct(Family::V4);
    direct.add(m);
    auto unsequenced = [](std::string bytes) {
      bytes.replace(offsetof(nlmsghdr, nlmsg_seq), sizeof(std::uint32_t), 4, '\0');
      return bytes;
    };
    EXPECT_EQ(unsequenced(later.bytes()), unsequenced(direct.bytes())) << with_position_id;
  }
}

}  // namespace
}  // namespace cx::nft
