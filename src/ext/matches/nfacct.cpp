// -m nfacct (xt "nfacct" rev 1, struct xt_nfacct_match_info_v1): counts the packet in the
// extended accounting object --nfacct-name NAME (created beforehand with `nfacct add NAME`;
// the kernel refuses the rule with ENOENT otherwise). Not invertible; a name longer than the
// structure holds is cut, as libxtables copies it. -S prints " --nfacct-name  NAME" and -L
// " nfacct-name  NAME", both with the reference's two spaces.
#include <linux/netfilter/xt_nfacct.h>

#include <cstring>
#include <string>

#include "ext/extension.h"
#include "ext/util.h"

namespace cx::ext {
namespace {

constexpr OptionSpec kOptions[] = {{"nfacct-name", ArgKind::Required, 1}};

class NfacctMatch final : public Match {
 public:
  xt_nfacct_match_info_v1 info{};
  bool given = false;

  std::string_view name() const override { return "nfacct"; }
  std::unique_ptr<Match> clone() const override { return std::make_unique<NfacctMatch>(*this); }
  Status parse(int, const OptionArg& arg, const RuleContext&) override {
    if (given) return only_once("nfacct", "--nfacct-name");
    if (arg.invert) return cannot_invert("nfacct", "--nfacct-name");
    given = true;
    std::memset(info.name, 0, sizeof(info.name));
    std::memcpy(info.name, arg.value.data(), std::min(arg.value.size(), sizeof(info.name) - 1));
    return {};
  }
  Status final_check(const RuleContext&) override {
    if (!given) return must_be_specified("nfacct", "--nfacct-name");
    return {};
  }
  std::string account() const {
    return std::string(info.name, strnlen(info.name, sizeof(info.name)));
  }
  void save(std::string& out, const SaveContext&) const override {
    out += " --nfacct-name  " + account();
  }
  void list(std::string& out, bool, const SaveContext&) const override {
    out += " nfacct-name  " + account();
  }
  Status encode(std::vector<nft::Expr>& out, const RuleContext&) const override {
    out.push_back(nft::Expr::match("nfacct", 1, xt_blob(info)));
    return {};
  }
};

std::unique_ptr<Match> create(Family) { return std::make_unique<NfacctMatch>(); }
std::unique_ptr<Match> decode(const DecodeContext&, const nft::Bytes& blob) {
  auto m = std::make_unique<NfacctMatch>();
  if (!xt_read(blob, m->info)) return nullptr;
  m->info.nfacct = nullptr;  // the kernel's own pointer, no part of the rule
  m->given = true;
  return m;
}

}  // namespace

constexpr std::string_view kNfacctMatchHelp = R"HELP(
nfacct match options:
 --nfacct-name STRING		Name of accouting area
)HELP";

extern const MatchType kNfacctMatch = {"nfacct", kBoth,  kOptions, create,          "nfacct",
                                       1,        decode, nullptr,  kNfacctMatchHelp};

}  // namespace cx::ext
