// -m quota (xt "quota" rev 0, struct xt_quota_info: flags (invert 1), quota u64 at offset 8);
// -L "quota: N bytes"
#include <linux/netfilter/xt_quota.h>

#include "ext/extension.h"
#include "ext/util.h"

namespace cx::ext {
namespace {

constexpr OptionSpec kOptions[] = {{"quota", ArgKind::Required, 1}};

class QuotaMatch final : public Match {
 public:
  xt_quota_info info{};
  bool given = false;
  std::string_view name() const override { return "quota"; }
  std::unique_ptr<Match> clone() const override { return std::make_unique<QuotaMatch>(*this); }
  Status parse(int, const OptionArg& arg, const RuleContext&) override {
    if (given) return only_once("quota", "--quota");
    auto v = parse_uint_opt(arg.value, 0, UINT64_MAX, "quota", "--quota");
    if (!v) return v.take_error();
    info.quota = *v;
    if (arg.invert) info.flags |= XT_QUOTA_INVERT;
    given = true;
    return {};
  }
  Status final_check(const RuleContext&) override {
    if (!given) return must_be_specified("quota", "--quota");
    return {};
  }
  void save(std::string& out, const SaveContext&) const override {
    out += (info.flags & XT_QUOTA_INVERT) ? " ! --quota " : " --quota ";
    out += std::to_string(info.quota);
  }
  void list(std::string& out, bool, const SaveContext&) const override {
    out += " quota: " + std::to_string(info.quota) + " bytes";
  }
  bool xlate(Xlate& xl, const XlateContext&) const override {
    xl.addf("quota %s%llu bytes", (info.flags & XT_QUOTA_INVERT) ? "over " : "",
            static_cast<unsigned long long>(info.quota));
    return true;
  }
  Status encode(std::vector<nft::Expr>& out, const RuleContext&) const override {
    out.push_back(nft::Expr::match("quota", 0, xt_blob(info)));
    return {};
  }
};

std::unique_ptr<Match> create(Family) { return std::make_unique<QuotaMatch>(); }
std::unique_ptr<Match> decode_compat(const DecodeContext&, const nft::Bytes& blob) {
  auto m = std::make_unique<QuotaMatch>();
  if (!xt_read(blob, m->info)) return nullptr;
  m->given = true;
  return m;
}

}  // namespace

constexpr std::string_view kQuotaMatchHelp = R"HELP(
quota match options:
[!] --quota quota		quota (bytes)
)HELP";

extern const MatchType kQuotaMatch = {"quota", kBoth,         kOptions, create,         "quota",
                                      0,       decode_compat, nullptr,  kQuotaMatchHelp};

}  // namespace cx::ext
