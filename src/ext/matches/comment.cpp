// -m comment (xt "comment" rev 0, struct xt_comment_info). Always xt compat in iptables-nft
// 1.8.9: it predates rule userdata comments. A comment longer than 255 bytes is cut without a
// message (comment.7); -S quotes it only when needed (xtables_save_string).
#include <linux/netfilter/xt_comment.h>

#include <cstring>

#include "eval/context.h"
#include "ext/extension.h"
#include "ext/util.h"

namespace cx::ext {
namespace {

enum { kOptComment = 1 };
constexpr OptionSpec kOptions[] = {{"comment", ArgKind::Required, kOptComment}};

class CommentMatch final : public Match {
 public:
  std::string comment;
  bool given = false;

  std::string_view name() const override { return "comment"; }
  eval::Outcome evaluate(const eval::Packet&, eval::Context&) const override {
    return eval::Outcome::Match;
  }
  std::unique_ptr<Match> clone() const override { return std::make_unique<CommentMatch>(*this); }

  Status parse(int, const OptionArg& arg, const RuleContext&) override {
    if (given) return only_once("comment", "--comment");
    if (arg.invert) return cannot_invert("comment", "--comment");
    comment = arg.value.substr(0, XT_MAX_COMMENT_LEN - 1);
    given = true;
    return {};
  }
  Status final_check(const RuleContext&) override {
    if (!given) return must_be_specified("comment", "--comment");
    return {};
  }
  void save(std::string& out, const SaveContext&) const override {
    out += " --comment ";
    out += quote_string(comment);
  }
  void list(std::string& out, bool, const SaveContext&) const override {
    out += " /* " + comment + " */";
  }
  // The comment goes after the verdict, in double quotes as given (nothing escaped); the
  // rule keeps 255 bytes of it, quotes included.
  bool xlate(Xlate& xl, const XlateContext&) const override {
    xl.set_comment("\"" + comment + "\"");
    return true;
  }
  Status encode(std::vector<nft::Expr>& out, const RuleContext&) const override {
    xt_comment_info info{};
    std::memcpy(info.comment, comment.data(), std::min(comment.size(), sizeof(info.comment) - 1));
    out.push_back(nft::Expr::match("comment", 0, xt_blob(info)));
    return {};
  }
};

std::unique_ptr<Match> create(Family) { return std::make_unique<CommentMatch>(); }
std::unique_ptr<Match> decode(const DecodeContext&, const nft::Bytes& info) {
  xt_comment_info ci{};
  if (!xt_read(info, ci)) return nullptr;
  auto m = std::make_unique<CommentMatch>();
  m->comment.assign(ci.comment, strnlen(ci.comment, sizeof(ci.comment)));
  m->given = true;
  return m;
}

}  // namespace

constexpr std::string_view kCommentMatchHelp = R"HELP(
comment match options:
--comment COMMENT             Attach a comment to a rule
)HELP";

extern const MatchType kCommentMatch = {"comment", kBoth,  kOptions, create,           "comment",
                                        0,         decode, nullptr,  kCommentMatchHelp};

}  // namespace cx::ext
