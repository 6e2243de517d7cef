// -j CHECKSUM (xt "CHECKSUM" rev 0, --checksum-fill = 1)
#include <linux/netfilter/xt_CHECKSUM.h>

#include "ext/extension.h"
#include "ext/util.h"

namespace cx::ext {
namespace {

constexpr OptionSpec kOptions[] = {{"checksum-fill", ArgKind::None, 1}};

class ChecksumTarget final : public SimpleTarget<xt_CHECKSUM_info> {
 public:
  std::string_view name() const override { return "CHECKSUM"; }
  std::unique_ptr<Target> clone() const override { return std::make_unique<ChecksumTarget>(*this); }
  Status parse(int id, const OptionArg& arg, const RuleContext&) override {
    CX_TRY(check_once(id, arg, kOptions));
    info.operation = XT_CHECKSUM_OP_FILL;
    return {};
  }
  Status final_check(const RuleContext&) override {
    if (!info.operation) return must_be_specified("CHECKSUM", "--checksum-fill");
    return {};
  }
  void save(std::string& out, const SaveContext&) const override {
    if (info.operation & XT_CHECKSUM_OP_FILL) out += " --checksum-fill";
  }
  void list(std::string& out, bool, const SaveContext&) const override {
    out += " CHECKSUM";
    if (info.operation & XT_CHECKSUM_OP_FILL) out += " fill";
  }
  Status encode(std::vector<nft::Expr>& out, const RuleContext&) const override {
    out.push_back(nft::Expr::target("CHECKSUM", 0, xt_blob(info)));
    return {};
  }
};

std::unique_ptr<Target> create(Family) { return std::make_unique<ChecksumTarget>(); }
std::unique_ptr<Target> decode_compat(const DecodeContext&, const nft::Bytes& blob) {
  auto t = std::make_unique<ChecksumTarget>();
  if (!xt_read(blob, t->info)) return nullptr;
  return t;
}

}  // namespace

constexpr std::string_view kChecksumTargetHelp = R"HELP(
CHECKSUM target options
  --checksum-fill			Fill in packet checksum.
)HELP";

extern const TargetType kChecksumTarget = {"CHECKSUM",    kBoth,      kOptions,
                                           create,        "CHECKSUM", 0,
                                           decode_compat, nullptr,    kChecksumTargetHelp};

}  // namespace cx::ext
