// Writes on compiled chains (src/compile/edit), checked without a kernel: rule messages applied
// to a chain's list as the kernel applies them, which chains a command touches, and what a
// recompile sends (old sets deleted, new numbers, anchors, the rename last, a restore's kept
// chains).
#include <gtest/gtest.h>

#include <algorithm>

#include "codec/rule_codec.h"
#include "compile/edit.h"
#include "compile/userdata.h"
#include "core/session.h"

namespace cx::compile {
namespace {

using nft::Message;
using nft::MsgType;

nft::RuleObj rule(const std::string& text, std::optional<std::uint64_t> handle = std::nullopt,
                  const std::string& chain = "BANS") {
  auto r = rule_from_text(text, "filter", chain, Family::V4);
  EXPECT_TRUE(r.ok()) << text;
  nft::RuleObj o = r.ok() ? *r : nft::RuleObj{};
  o.handle = handle;
  return o;
}

Message new_rule(nft::RuleObj r, std::uint16_t flags) {
  return core::rule_msg(MsgType::NewRule, nft::kNlmRequest | nft::kNlmCreate | flags, std::move(r),
                        "RULE_APPEND");
}

Message del_rule(nft::RuleObj r) {
  return core::rule_msg(MsgType::DelRule, nft::kNlmRequest, std::move(r), "RULE_DELETE");
}

std::vector<std::string> texts(const std::vector<nft::RuleObj>& view) {
  std::vector<std::string> out;
  for (const auto& r : view) {
    auto m = codec::decode_rule(r.exprs, Family::V4, r.userdata);
    out.push_back(rule_text(m, Family::V4));
  }
  return out;
}

TEST(CompileEdit, RuleMessagesApplyAsTheKernelAppliesThem) {
  std::vector<nft::RuleObj> v{rule("-s 192.0.2.1/32 -j DROP", 10),
                              rule("-s 192.0.2.2/32 -j DROP", 11)};
  ASSERT_TRUE(apply_rule_message(v, new_rule(rule("-s 192.0.2.3/32 -j DROP"), nft::kNlmAppend)));
  ASSERT_TRUE(apply_rule_message(v, new_rule(rule("-s 192.0.2.4/32 -j DROP"), 0)));  // the head
  nft::RuleObj before = rule("-s 192.0.2.5/32 -j DROP");
  before.position = 11;
  before.id = 7;
  ASSERT_TRUE(apply_rule_message(v, new_rule(before, 0)));
  nft::RuleObj after = rule("-s 192.0.2.6/32 -j DROP");
  after.position = 10;
  ASSERT_TRUE(apply_rule_message(v, new_rule(after, nft::kNlmAppend)));
  nft::RuleObj by_id = rule("-s 192.0.2.7/32 -j DROP");
  by_id.position_id = 7;
  ASSERT_TRUE(apply_rule_message(v, new_rule(by_id, 0)));
  EXPECT_EQ(texts(v),
            (std::vector<std::string>{"-s 192.0.2.4/32 -j DROP", "-s 192.0.2.1/32 -j DROP",
                                      "-s 192.0.2.6/32 -j DROP", "-s 192.0.2.7/32 -j DROP",
                                      "-s 192.0.2.5/32 -j DROP", "-s 192.0.2.2/32 -j DROP",
                                      "-s 192.0.2.3/32 -j DROP"}));
  nft::RuleObj replacement = rule("-s 198.51.100.1/32 -j ACCEPT", 10);
  ASSERT_TRUE(
      apply_rule_message(v, new_rule(replacement, static_cast<std::uint16_t>(nft::kNlmReplace))));
  EXPECT_EQ(texts(v)[1], "-s 198.51.100.1/32 -j ACCEPT");
  ASSERT_TRUE(apply_rule_message(v, del_rule(rule("-j DROP", 11))));  // by handle
  nft::RuleObj gone;
  gone.chain = "BANS";
  gone.id = 7;
  ASSERT_TRUE(apply_rule_message(v, del_rule(gone)));  // by the batch's rule id
  EXPECT_EQ(v.size(), 5u);
  EXPECT_FALSE(apply_rule_message(v, del_rule(rule("-j DROP", 99))));  // no such rule
  nft::RuleObj flush;
  flush.chain = "BANS";
  ASSERT_TRUE(apply_rule_message(v, del_rule(flush)));
  EXPECT_TRUE(v.empty());
}

TEST(CompileEdit, TouchedChains) {
  const std::set<std::string> compiled{"BANS", "WEB"};
  cli::Command cmd;
  cmd.command = cli::kCmdAppend;
  cmd.chain = "INPUT";
  EXPECT_TRUE(touched(cmd, compiled).empty());
  cmd.chain = "BANS";
  EXPECT_EQ(touched(cmd, compiled), std::set<std::string>{"BANS"});
  cmd.command = cli::kCmdFlush;
  cmd.chain.clear();
  EXPECT_EQ(touched(cmd, compiled), compiled);
  cmd.command = cli::kCmdRenameChain;
  cmd.chain = "INPUT";  // rules of compiled chains may jump to it
  EXPECT_EQ(touched(cmd, compiled), compiled);
  EXPECT_TRUE(touched(cmd, {}).empty());
}

nft::SetObj set_named(const std::string& name) {
  nft::SetObj s;
  s.table = "filter";
  s.name = name;
  return s;
}

std::vector<std::string> names(const std::vector<Message>& msgs, MsgType type) {
  std::vector<std::string> out;
  for (const auto& m : msgs)
    if (m.type == type) out.push_back(m.set.name);
  return out;
}

std::vector<nft::RuleObj> bans(std::size_t n) {
  std::vector<nft::RuleObj> v;
  for (std::size_t i = 1; i <= n; ++i)
    v.push_back(rule("-s 192.0.2." + std::to_string(i) + "/32 -j DROP", kViewHandleBase + i));
  v.push_back(rule("-j RETURN", 5));
  return v;
}

TEST(CompileEdit, RecompileTakesNewSetNumbersAndDeletesTheOldSets) {
  const std::vector<nft::SetObj> sets{set_named("__cx_BANS_0"), set_named("__cx_BANS_m4"),
                                      set_named("__cx_OTHER_3")};
  Recompile rc{"filter", Family::V4, {{"BANS", bans(5)}}, sets};
  auto out = recompile(rc, {new_rule(rule("-s 192.0.2.99/32 -j DROP"), 0)});
  ASSERT_TRUE(out.ok()) << out.error().message;
  ASSERT_FALSE(out->empty());
  EXPECT_EQ(out->front().type, MsgType::DelRule);  // the chain's flush
  EXPECT_EQ(names(*out, MsgType::DelSet), std::vector<std::string>{"__cx_BANS_0"});
  EXPECT_EQ(names(*out, MsgType::NewSet), std::vector<std::string>{"__cx_BANS_1"});
  const auto elems = std::count_if(out->begin(), out->end(),
                                   [](const Message& m) { return m.type == MsgType::NewSetElem; });
  EXPECT_EQ(elems, 1);
  // The new ban went first: its element's order key is the lowest.
  for (const auto& m : *out)
    if (m.type == MsgType::NewSetElem) {
      auto first = read_element_userdata(*m.set.elems.front().userdata);
      ASSERT_TRUE(first);
      EXPECT_EQ(first->text, "-s 192.0.2.99/32 -j DROP");
    }
}

TEST(CompileEdit, AnchorsForChainsWithLookupsOrNamed) {
  const std::vector<nft::SetObj> none;
  Recompile rc{"filter", Family::V4, {{"BANS", bans(5)}, {"SHORT", bans(1)}}, none};
  auto out = compile_views(rc);
  ASSERT_TRUE(out.ok());
  auto made = names(*out, MsgType::NewSet);
  std::sort(made.begin(), made.end());
  EXPECT_EQ(made, (std::vector<std::string>{"__cx_BANS_0", "__cx_BANS_m4"}));
  Recompile named{"filter", Family::V4, {{"SHORT", bans(1)}}, none};
  named.anchor = {"SHORT"};
  named.min_run = {{"SHORT", 2}};
  out = compile_views(named);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(names(*out, MsgType::NewSet), std::vector<std::string>{"__cx_SHORT_m2"});
}

TEST(CompileEdit, ARestoreKeepsTheMessagesOfChainsWithoutLookups) {
  const std::vector<nft::SetObj> none;
  std::set<std::string> kept;
  Recompile rc{"filter", Family::V4, {{"BANS", bans(5)}, {"SHORT", bans(2)}}, none};
  rc.kept = &kept;
  auto out = compile_views(rc);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(kept, std::set<std::string>{"SHORT"});
  for (const auto& m : *out) EXPECT_NE(m.rule.chain, "SHORT");
  EXPECT_TRUE(rc.views["BANS"].empty());  // freed once compiled
}

TEST(CompileEdit, ARenameComesLastAndRenamesTheSets) {
  const std::vector<nft::SetObj> sets{set_named("__cx_BANS_0"), set_named("__cx_BANS_m4")};
  Recompile rc{"filter", Family::V4, {{"BANS", bans(5)}}, sets};
  rc.rename = std::make_pair(std::string("BANS"), std::string("BLOCK"));
  nft::ChainObj c;
  c.table = "filter";
  c.name = "BLOCK";
  c.handle = 3;
  auto out =
      recompile(rc, {core::chain_msg(MsgType::NewChain, nft::kNlmRequest, c, "CHAIN_RENAME")});
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->back().type, MsgType::NewChain);
  auto deleted = names(*out, MsgType::DelSet);
  std::sort(deleted.begin(), deleted.end());
  EXPECT_EQ(deleted, (std::vector<std::string>{"__cx_BANS_0", "__cx_BANS_m4"}));
  auto made = names(*out, MsgType::NewSet);
  std::sort(made.begin(), made.end());
  EXPECT_EQ(made, (std::vector<std::string>{"__cx_BLOCK_1", "__cx_BLOCK_m4"}));  // numbers go on
  // The rules still go to the old name: the kernel knows the new one after the commit.
  EXPECT_EQ(out->front().rule.chain, "BANS");
}

}  // namespace
}  // namespace cx::compile
