// -j SECMARK (xt "SECMARK" rev 1, mode 1 = SELinux context)
#include <linux/netfilter/xt_SECMARK.h>

#include "ext/extension.h"
#include "ext/util.h"

namespace cx::ext {
namespace {

constexpr OptionSpec kOptions[] = {{"selctx", ArgKind::Required, 1}};

class SecmarkTarget final : public SimpleTarget<xt_secmark_target_info_v1> {
 public:
  std::string_view name() const override { return "SECMARK"; }
  std::unique_ptr<Target> clone() const override { return std::make_unique<SecmarkTarget>(*this); }
  Status parse(int id, const OptionArg& arg, const RuleContext&) override {
    CX_TRY(check_once(id, arg, kOptions));
    info.mode = SECMARK_MODE_SEL;
    set_cstr(info.secctx, sizeof(info.secctx), arg.value);
    return {};
  }
  Status final_check(const RuleContext&) override {
    if (!seen) return must_be_specified("SECMARK", "--selctx");
    return {};
  }
  void save(std::string& out, const SaveContext&) const override {
    out += " --selctx " + cstr(info.secctx, sizeof(info.secctx));
  }
  void list(std::string& out, bool, const SaveContext&) const override {
    out += " SECMARK selctx " + cstr(info.secctx, sizeof(info.secctx));
  }
  Status encode(std::vector<nft::Expr>& out, const RuleContext&) const override {
    out.push_back(nft::Expr::target("SECMARK", 1, xt_blob(info)));
    return {};
  }
};

std::unique_ptr<Target> create(Family) { return std::make_unique<SecmarkTarget>(); }
std::unique_ptr<Target> decode_compat(const DecodeContext&, const nft::Bytes& blob) {
  auto t = std::make_unique<SecmarkTarget>();
  if (!xt_read(blob, t->info)) return nullptr;
  return t;
}

}  // namespace

constexpr std::string_view kSecmarkTargetHelp = R"HELP(
SECMARK target options:
  --selctx value                     Set the SELinux security context
)HELP";

extern const TargetType kSecmarkTarget = {
    "SECMARK", kBoth, kOptions, create, "SECMARK", 1, decode_compat, nullptr, kSecmarkTargetHelp};

}  // namespace cx::ext
