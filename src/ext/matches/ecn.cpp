// -m ecn (xt "ecn" rev 0, struct xt_ecn_info): --ecn-tcp-cwr / --ecn-tcp-ece (flags, each
// invertible) and --ecn-ip-ect 0-3. -S order ece, cwr, ip-ect; -L "ECN match [!]ECE [!]CWR
// [!]ECT=N".
#include <linux/netfilter/xt_ecn.h>

#include "ext/extension.h"
#include "ext/util.h"

namespace cx::ext {
namespace {

enum { kOptCwr = 1, kOptEce, kOptIpEct };
constexpr OptionSpec kOptions[] = {{"ecn-tcp-cwr", ArgKind::None, kOptCwr},
                                   {"ecn-tcp-ece", ArgKind::None, kOptEce},
                                   {"ecn-ip-ect", ArgKind::Required, kOptIpEct}};

class EcnMatch final : public Match {
 public:
  xt_ecn_info info{};

  std::string_view name() const override { return "ecn"; }
  std::unique_ptr<Match> clone() const override { return std::make_unique<EcnMatch>(*this); }

  Status parse(int id, const OptionArg& arg, const RuleContext&) override {
    std::uint8_t bit = id == kOptCwr ? XT_ECN_OP_MATCH_CWR
                       : id == kOptEce ? XT_ECN_OP_MATCH_ECE
                                       : XT_ECN_OP_MATCH_IP;
    const char* opt = id == kOptCwr ? "--ecn-tcp-cwr" : id == kOptEce ? "--ecn-tcp-ece" : "--ecn-ip-ect";
    if (info.operation & bit) return only_once("ecn", opt);
    if (id == kOptIpEct) {
      auto v = parse_uint_opt(arg.value, 0, 3, "ecn", opt);
      if (!v) return v.take_error();
      info.ip_ect = static_cast<std::uint8_t>(*v);
    }
    info.operation |= bit;
    if (arg.invert) info.invert |= bit;
    return {};
  }
  Status final_check(const RuleContext&) override {
    if (!info.operation) return parameter_error("ECN match: some option required");
    return {};
  }
  void save(std::string& out, const SaveContext&) const override {
    auto inv = [&](std::uint8_t b) { return (info.invert & b) ? " !" : ""; };
    if (info.operation & XT_ECN_OP_MATCH_ECE)
      out += std::string(inv(XT_ECN_OP_MATCH_ECE)) + " --ecn-tcp-ece";
    if (info.operation & XT_ECN_OP_MATCH_CWR)
      out += std::string(inv(XT_ECN_OP_MATCH_CWR)) + " --ecn-tcp-cwr";
    if (info.operation & XT_ECN_OP_MATCH_IP)
      out += std::string(inv(XT_ECN_OP_MATCH_IP)) + " --ecn-ip-ect " + std::to_string(info.ip_ect);
  }
  void list(std::string& out, bool, const SaveContext&) const override {
    auto inv = [&](std::uint8_t b) { return (info.invert & b) ? "!" : ""; };
    out += " ECN match";
    if (info.operation & XT_ECN_OP_MATCH_ECE) out += std::string(" ") + inv(XT_ECN_OP_MATCH_ECE) + "ECE";
    if (info.operation & XT_ECN_OP_MATCH_CWR) out += std::string(" ") + inv(XT_ECN_OP_MATCH_CWR) + "CWR";
    if (info.operation & XT_ECN_OP_MATCH_IP)
      out += std::string(" ") + inv(XT_ECN_OP_MATCH_IP) + "ECT=" + std::to_string(info.ip_ect);
  }
  // Any "!" inverts every comparison, as libxt_ecn translates it.
  bool xlate(Xlate& xl, const XlateContext&) const override {
    const char* neg = info.invert ? "!= " : "";
    if (info.operation & XT_ECN_OP_MATCH_ECE) xl.addf("tcp flags %secn", neg);
    if (info.operation & XT_ECN_OP_MATCH_CWR) xl.addf("tcp flags %scwr", neg);
    if (info.operation & XT_ECN_OP_MATCH_IP) {
      static const char* const kEct[] = {"not-ect", "ect1", "ect0", "ce"};
      if (info.ip_ect > 3) return false;
      xl.addf("ip ecn %s%s", neg, kEct[info.ip_ect]);
    }
    return true;
  }
  Status encode(std::vector<nft::Expr>& out, const RuleContext&) const override {
    out.push_back(nft::Expr::match("ecn", 0, xt_blob(info)));
    return {};
  }
};

std::unique_ptr<Match> create(Family) { return std::make_unique<EcnMatch>(); }
std::unique_ptr<Match> decode_compat(const DecodeContext&, const nft::Bytes& blob) {
  auto m = std::make_unique<EcnMatch>();
  if (!xt_read(blob, m->info)) return nullptr;
  return m;
}

}  // namespace

constexpr std::string_view kEcnMatchHelp = R"HELP(
ECN match options
[!] --ecn-tcp-cwr 		Match CWR bit of TCP header
[!] --ecn-tcp-ece		Match ECE bit of TCP header
[!] --ecn-ip-ect [0..3]	Match ECN codepoint in IPv4/IPv6 header
)HELP";

extern const MatchType kEcnMatch = {"ecn", kBoth,         kOptions, create,       "ecn",
                                    0,     decode_compat, nullptr,  kEcnMatchHelp};

}  // namespace cx::ext
