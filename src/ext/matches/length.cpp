// -m length (xt "length" rev 0, struct xt_length_info). XTTYPE_UINT16RC: "N", "A:B", "A:",
// ":B" (base 0); a reversed range is sent as is. -S prints "N" when min == max.
// -L: "length [!]A:B".
#include <linux/netfilter/xt_length.h>

#include "eval/context.h"
#include "ext/extension.h"
#include "ext/util.h"

namespace cx::ext {
namespace {

enum { kOptLength = 1 };
constexpr OptionSpec kOptions[] = {{"length", ArgKind::Required, kOptLength}};

class LengthMatch final : public Match {
 public:
  xt_length_info info{};
  bool given = false;

  std::string_view name() const override { return "length"; }
  std::unique_ptr<Match> clone() const override { return std::make_unique<LengthMatch>(*this); }
  eval::Outcome evaluate(const eval::Packet& p, eval::Context&) const override {
    // IPv4: the total length; IPv6: the payload length plus the 40-byte header.
    std::uint32_t len = p.ip_length();
    return (len >= info.min && len <= info.max) != !!info.invert ? eval::Outcome::Match
                                                                 : eval::Outcome::NoMatch;
  }

  Status parse(int, const OptionArg& arg, const RuleContext&) override {
    if (given) return only_once("length", "--length");
    auto r = parse_range_u(arg.value, 0xffff, "length", "--length");
    if (!r) return r.take_error();
    info.min = static_cast<std::uint16_t>(r->first);
    info.max = static_cast<std::uint16_t>(r->second);
    info.invert = arg.invert;
    given = true;
    return {};
  }
  Status final_check(const RuleContext&) override {
    if (!given) return must_be_specified("length", "--length");
    return {};
  }
  std::string text() const {
    if (info.min == info.max) return std::to_string(info.min);
    return std::to_string(info.min) + ":" + std::to_string(info.max);
  }
  void save(std::string& out, const SaveContext&) const override {
    out += info.invert ? " ! --length " : " --length ";
    out += text();
  }
  void list(std::string& out, bool, const SaveContext&) const override {
    out += info.invert ? " length !" : " length ";
    out += text();
  }
  // "meta length [!= ]N" or "A-B" (a reversed range as given).
  bool xlate(Xlate& xl, const XlateContext&) const override {
    xl.addf("meta length %s", info.invert ? "!= " : "");
    xl.add_range(info.min, info.max);
    return true;
  }
  Status encode(std::vector<nft::Expr>& out, const RuleContext&) const override {
    out.push_back(nft::Expr::match("length", 0, xt_blob(info)));
    return {};
  }
};

std::unique_ptr<Match> create(Family) { return std::make_unique<LengthMatch>(); }
std::unique_ptr<Match> decode_compat(const DecodeContext&, const nft::Bytes& blob) {
  auto m = std::make_unique<LengthMatch>();
  if (!xt_read(blob, m->info)) return nullptr;
  m->given = true;
  return m;
}

}  // namespace

constexpr std::string_view kLengthMatchHelp = R"HELP(
length match options:
[!] --length length[:length]    Match packet length against value or range
                                of values (inclusive)
)HELP";

extern const MatchType kLengthMatch = {"length", kBoth,         kOptions, create,          "length",
                                       0,        decode_compat, nullptr,  kLengthMatchHelp};

}  // namespace cx::ext
