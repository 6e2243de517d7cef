// -m tos (xt "tos" rev 1, struct xt_tos_match_info {tos_mask, tos_value, invert}). --tos V[/M]
// (mask 0xff by default) or a symbolic name (mask 0x3f); anything else is
// "Symbolic name "x" is unknown". -S "--tos 0xVV/0xMM"; -L "tos match[!] Minimize-Delay" when
// the mask is 0x3f and the value has a name (not with -n), else "tos match[!]0xVV/0xMM".
#include <linux/netfilter/xt_dscp.h>

#include <cstdio>

#include "common/parse.h"
#include "ext/extension.h"
#include "ext/util.h"

namespace cx::ext {
namespace {

enum { kOptTos = 1 };
constexpr OptionSpec kOptions[] = {{"tos", ArgKind::Required, kOptTos}};

class TosMatch final : public Match {
 public:
  xt_tos_match_info info{};
  bool given = false;

  std::string_view name() const override { return "tos"; }
  std::unique_ptr<Match> clone() const override { return std::make_unique<TosMatch>(*this); }

  Status parse(int, const OptionArg& arg, const RuleContext&) override {
    if (given) return only_once("tos", "--tos");
    auto r = parse_tos_value(arg.value);
    if (!r) return r.take_error();
    info.tos_value = r->first;
    info.tos_mask = r->second;
    info.invert = arg.invert;
    given = true;
    return {};
  }
  Status final_check(const RuleContext&) override {
    if (!given) return must_be_specified("tos", "--tos");
    return {};
  }
  std::string vm() const {
    char b[24];
    std::snprintf(b, sizeof(b), "0x%02x/0x%02x", info.tos_value, info.tos_mask);
    return b;
  }
  void save(std::string& out, const SaveContext&) const override {
    out += info.invert ? " ! --tos " : " --tos ";
    out += vm();
  }
  void list(std::string& out, bool numeric, const SaveContext&) const override {
    out += info.invert ? " tos match!" : " tos match";
    const char* sym = info.tos_mask == 0x3f ? tos_symbol_name(info.tos_value) : nullptr;
    if (!numeric && sym)
      out += std::string(" ") + sym;
    else
      out += vm();
  }
  Status encode(std::vector<nft::Expr>& out, const RuleContext&) const override {
    out.push_back(nft::Expr::match("tos", 1, xt_blob(info)));
    return {};
  }
};

std::unique_ptr<Match> create(Family) { return std::make_unique<TosMatch>(); }
std::unique_ptr<Match> decode_compat(const DecodeContext&, const nft::Bytes& blob) {
  auto m = std::make_unique<TosMatch>();
  if (!xt_read(blob, m->info)) return nullptr;
  m->given = true;
  return m;
}

}  // namespace

constexpr std::string_view kTosMatchHelp = R"HELP(
tos match options:
[!] --tos value[/mask]    Match Type of Service/Priority field value
[!] --tos symbol          Match TOS field (IPv4 only) by symbol
                          Accepted symbolic names for value are:
                          (0x10) 16 Minimize-Delay
                          (0x08)  8 Maximize-Throughput
                          (0x04)  4 Maximize-Reliability
                          (0x02)  2 Minimize-Cost
                          (0x00)  0 Normal-Service

)HELP";

extern const MatchType kTosMatch = {"tos", kBoth,         kOptions, create,       "tos",
                                    1,     decode_compat, nullptr,  kTosMatchHelp};

}  // namespace cx::ext
