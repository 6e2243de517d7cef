// -m rpfilter (xt "rpfilter" rev 0, struct xt_rpfilter_info: flags loose 1, validmark 2,
// accept-local 4, invert 8)
#include <linux/netfilter/xt_rpfilter.h>

#include "ext/extension.h"
#include "ext/util.h"

namespace cx::ext {
namespace {

enum { kOptLoose = 1, kOptValidmark, kOptAcceptLocal, kOptInvert };
constexpr OptionSpec kOptions[] = {{"loose", ArgKind::None, kOptLoose},
                                   {"validmark", ArgKind::None, kOptValidmark},
                                   {"accept-local", ArgKind::None, kOptAcceptLocal},
                                   {"invert", ArgKind::None, kOptInvert}};

class RpfilterMatch final : public Match {
 public:
  xt_rpfilter_info info{};
  std::string_view name() const override { return "rpfilter"; }
  std::unique_ptr<Match> clone() const override { return std::make_unique<RpfilterMatch>(*this); }
  Status parse(int id, const OptionArg& arg, const RuleContext&) override {
    static const char* const kNames[] = {"", "--loose", "--validmark", "--accept-local",
                                         "--invert"};
    std::uint8_t bit = static_cast<std::uint8_t>(1u << (id - 1));
    if (info.flags & bit) return only_once("rpfilter", kNames[id]);
    if (arg.invert) return cannot_invert("rpfilter", kNames[id]);
    info.flags |= bit;
    return {};
  }
  void dump(std::string& out, const char* p) const {
    if (info.flags & XT_RPFILTER_LOOSE) out += std::string(" ") + p + "loose";
    if (info.flags & XT_RPFILTER_VALID_MARK) out += std::string(" ") + p + "validmark";
    if (info.flags & XT_RPFILTER_ACCEPT_LOCAL) out += std::string(" ") + p + "accept-local";
    if (info.flags & XT_RPFILTER_INVERT) out += std::string(" ") + p + "invert";
  }
  void save(std::string& out, const SaveContext&) const override { dump(out, "--"); }
  void list(std::string& out, bool, const SaveContext&) const override {
    out += " rpfilter";
    dump(out, "");
  }
  // --accept-local translates only inverted.
  bool xlate(Xlate& xl, const XlateContext&) const override {
    const bool invert = info.flags & XT_RPFILTER_INVERT;
    if (info.flags & XT_RPFILTER_ACCEPT_LOCAL) {
      if (!invert) return false;
      xl.add("fib saddr type != local ");
    }
    xl.add("fib saddr ");
    if (info.flags & XT_RPFILTER_VALID_MARK) xl.add(". mark ");
    if (!(info.flags & XT_RPFILTER_LOOSE)) xl.add(". iif ");
    xl.addf("oif %s0", invert ? "" : "!= ");
    return true;
  }
  Status encode(std::vector<nft::Expr>& out, const RuleContext&) const override {
    out.push_back(nft::Expr::match("rpfilter", 0, xt_blob(info)));
    return {};
  }
};

std::unique_ptr<Match> create(Family) { return std::make_unique<RpfilterMatch>(); }
std::unique_ptr<Match> decode_compat(const DecodeContext&, const nft::Bytes& blob) {
  auto m = std::make_unique<RpfilterMatch>();
  if (!xt_read(blob, m->info)) return nullptr;
  return m;
}

}  // namespace

constexpr std::string_view kRpfilterMatchHelp = R"HELP(
rpfilter match options:
    --loose          permit reverse path via any interface
    --validmark      use skb nfmark when performing route lookup
    --accept-local   do not reject packets with a local source address
    --invert         match packets that failed the reverse path test
)HELP";

extern const MatchType kRpfilterMatch = {
    "rpfilter", kBoth, kOptions, create, "rpfilter", 0, decode_compat, nullptr, kRpfilterMatchHelp};

}  // namespace cx::ext
