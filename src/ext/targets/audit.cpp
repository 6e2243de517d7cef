// -j AUDIT (xt "AUDIT" rev 0, xt_audit_info: --type accept 0, drop 1, reject 2)
#include <linux/netfilter/xt_AUDIT.h>

#include "ext/extension.h"
#include "ext/util.h"

namespace cx::ext {
namespace {

constexpr OptionSpec kOptions[] = {{"type", ArgKind::Required, 1}};
constexpr const char* kAuditTypes[] = {"accept", "drop", "reject"};

class AuditTarget final : public SimpleTarget<xt_audit_info> {
 public:
  std::string_view name() const override { return "AUDIT"; }
  std::unique_ptr<Target> clone() const override { return std::make_unique<AuditTarget>(*this); }
  Status parse(int id, const OptionArg& arg, const RuleContext&) override {
    CX_TRY(check_once(id, arg, kOptions));
    for (std::uint8_t i = 0; i < 3; ++i)
      if (arg.value == kAuditTypes[i]) {
        info.type = i;
        return {};
      }
    return parameter_error("Bad action type value \"" + std::string(arg.value) + "\"");
  }
  Status final_check(const RuleContext&) override {
    if (!seen) return must_be_specified("AUDIT", "--type");
    return {};
  }
  void save(std::string& out, const SaveContext&) const override {
    out += std::string(" --type ") + kAuditTypes[info.type % 3];
  }
  void list(std::string& out, bool, const SaveContext&) const override {
    out += std::string(" AUDIT ") + kAuditTypes[info.type % 3];
  }
  // nft has no audit types: every --type is the same log statement.
  bool xlate(Xlate& xl, const XlateContext&) const override {
    xl.add("log level audit");
    return true;
  }
  Status encode(std::vector<nft::Expr>& out, const RuleContext&) const override {
    out.push_back(nft::Expr::target("AUDIT", 0, xt_blob(info)));
    return {};
  }
};

std::unique_ptr<Target> create(Family) { return std::make_unique<AuditTarget>(); }
std::unique_ptr<Target> decode_compat(const DecodeContext&, const nft::Bytes& blob) {
  auto t = std::make_unique<AuditTarget>();
  if (!xt_read(blob, t->info)) return nullptr;
  return t;
}

}  // namespace

constexpr std::string_view kAuditTargetHelp = R"HELP(
AUDIT target options
  --type TYPE		Action type to be recorded.
)HELP";

extern const TargetType kAuditTarget = {"AUDIT", kBoth,         kOptions, create,          "AUDIT",
                                        0,       decode_compat, nullptr,  kAuditTargetHelp};

}  // namespace cx::ext
