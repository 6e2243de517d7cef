// -j CLASSIFY (xt "CLASSIFY" rev 0, priority = major << 16 | minor, both hex; -S "%04x:%04x")
#include <linux/netfilter/xt_CLASSIFY.h>

#include <cstdio>

#include "ext/extension.h"
#include "ext/util.h"

namespace cx::ext {
namespace {

constexpr OptionSpec kOptions[] = {{"set-class", ArgKind::Required, 1}};

class ClassifyTarget final : public SimpleTarget<xt_classify_target_info> {
 public:
  std::string_view name() const override { return "CLASSIFY"; }
  std::unique_ptr<Target> clone() const override { return std::make_unique<ClassifyTarget>(*this); }
  Status parse(int id, const OptionArg& arg, const RuleContext&) override {
    CX_TRY(check_once(id, arg, kOptions));
    unsigned major = 0, minor = 0;
    std::string v(arg.value);
    char extra = 0;
    if (std::sscanf(v.c_str(), "%x:%x%c", &major, &minor, &extra) != 2 || major > 0xffff ||
        minor > 0xffff)
      return parameter_error("Bad class value \"" + v + "\"");
    info.priority = (major << 16) | minor;
    return {};
  }
  Status final_check(const RuleContext&) override {
    if (!seen) return must_be_specified("CLASSIFY", "--set-class");
    return {};
  }
  void save(std::string& out, const SaveContext&) const override {
    char b[32];
    std::snprintf(b, sizeof(b), " --set-class %04x:%04x", info.priority >> 16,
                  info.priority & 0xffff);
    out += b;
  }
  void list(std::string& out, bool, const SaveContext&) const override {
    char b[32];
    std::snprintf(b, sizeof(b), " CLASSIFY set %x:%x", info.priority >> 16, info.priority & 0xffff);
    out += b;
  }
  bool xlate(Xlate& xl, const XlateContext&) const override {
    xl.add("meta priority set ");
    if (info.priority == 0xffffffffu)
      xl.add("root");
    else if (info.priority == 0)
      xl.add("none");
    else
      xl.addf("%x:%x", info.priority >> 16, info.priority & 0xffff);
    return true;
  }
  Status encode(std::vector<nft::Expr>& out, const RuleContext&) const override {
    out.push_back(nft::Expr::target("CLASSIFY", 0, xt_blob(info)));
    return {};
  }
};

std::unique_ptr<Target> create(Family) { return std::make_unique<ClassifyTarget>(); }
std::unique_ptr<Target> decode_compat(const DecodeContext&, const nft::Bytes& blob) {
  auto t = std::make_unique<ClassifyTarget>();
  if (!xt_read(blob, t->info)) return nullptr;
  return t;
}

}  // namespace

constexpr std::string_view kClassifyTargetHelp = R"HELP(
CLASSIFY target options:
--set-class MAJOR:MINOR    Set skb->priority value (always hexadecimal!)
)HELP";

extern const TargetType kClassifyTarget = {"CLASSIFY",    kBoth,      kOptions,
                                           create,        "CLASSIFY", 0,
                                           decode_compat, nullptr,    kClassifyTargetHelp};

}  // namespace cx::ext
