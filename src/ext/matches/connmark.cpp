// -m connmark (xt "connmark" rev 1, struct xt_connmark_mtinfo1 {mark, mask, invert}); xt compat
// (unlike -m mark). -S "--mark 0xV[/0xM]", -L "connmark match ! 0xV[/0xM]" or, not inverted,
// "connmark match  0xV" (two spaces).
#include <linux/netfilter/xt_connmark.h>

#include "ext/extension.h"
#include "ext/util.h"

namespace cx::ext {
namespace {

enum { kOptMark = 1 };
constexpr OptionSpec kOptions[] = {{"mark", ArgKind::Required, kOptMark}};

class ConnmarkMatch final : public Match {
 public:
  xt_connmark_mtinfo1 info{};
  bool given = false;

  ConnmarkMatch() { info.mask = 0xffffffff; }
  std::string_view name() const override { return "connmark"; }
  std::unique_ptr<Match> clone() const override { return std::make_unique<ConnmarkMatch>(*this); }

  Status parse(int, const OptionArg& arg, const RuleContext&) override {
    if (given) return only_once("connmark", "--mark");
    CX_TRY(parse_mark_mask(arg.value, info.mark, info.mask, "connmark", "--mark"));
    info.invert = arg.invert;
    given = true;
    return {};
  }
  Status final_check(const RuleContext&) override {
    if (!given) return must_be_specified("connmark", "--mark");
    return {};
  }
  std::string value_text() const {
    std::string s = hex(info.mark);
    if (info.mask != 0xffffffff) s += "/" + hex(info.mask);
    return s;
  }
  void save(std::string& out, const SaveContext&) const override {
    out += info.invert ? " ! --mark " : " --mark ";
    out += value_text();
  }
  void list(std::string& out, bool, const SaveContext&) const override {
    out += info.invert ? " connmark match ! " : " connmark match  ";
    out += value_text();
  }
  bool xlate(Xlate& xl, const XlateContext&) const override {
    xl.add("ct mark");
    if (info.mask != 0xffffffff)
      xl.addf(" and 0x%x %s 0x%x", info.mask, info.invert ? "!=" : "==", info.mark);
    else
      xl.addf(" %s0x%x", info.invert ? "!= " : "", info.mark);
    return true;
  }
  Status encode(std::vector<nft::Expr>& out, const RuleContext&) const override {
    out.push_back(nft::Expr::match("connmark", 1, xt_blob(info)));
    return {};
  }
};

std::unique_ptr<Match> create(Family) { return std::make_unique<ConnmarkMatch>(); }
std::unique_ptr<Match> decode_compat(const DecodeContext&, const nft::Bytes& blob) {
  auto m = std::make_unique<ConnmarkMatch>();
  if (!xt_read(blob, m->info)) return nullptr;
  m->given = true;
  return m;
}

}  // namespace

constexpr std::string_view kConnmarkMatchHelp = R"HELP(
connmark match options:
[!] --mark value[/mask]    Match ctmark value with optional mask
)HELP";

extern const MatchType kConnmarkMatch = {
    "connmark", kBoth, kOptions, create, "connmark", 1, decode_compat, nullptr, kConnmarkMatchHelp};

}  // namespace cx::ext
