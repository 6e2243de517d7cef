// -j IDLETIMER (xt "IDLETIMER" rev 1, idletimer_tg_info_v1: --timeout, --label, --alarm)
#include <linux/netfilter/xt_IDLETIMER.h>

#include "ext/extension.h"
#include "ext/util.h"

namespace cx::ext {
namespace {

constexpr OptionSpec kOptions[] = {{"timeout", ArgKind::Required, 1},
                                   {"label", ArgKind::Required, 2},
                                   {"alarm", ArgKind::None, 3}};

class IdletimerTarget final : public SimpleTarget<idletimer_tg_info_v1> {
 public:
  std::string_view name() const override { return "IDLETIMER"; }
  std::unique_ptr<Target> clone() const override {
    return std::make_unique<IdletimerTarget>(*this);
  }
  Status parse(int id, const OptionArg& arg, const RuleContext&) override {
    CX_TRY(check_once(id, arg, kOptions));
    if (id == 1) {
      auto v = parse_uint_opt(arg.value, 0, UINT32_MAX, "IDLETIMER", "--timeout");
      if (!v) return v.take_error();
      info.timeout = static_cast<std::uint32_t>(*v);
    } else if (id == 2) {
      set_cstr(info.label, sizeof(info.label), arg.value);
    } else {
      info.timer_type |= XT_IDLETIMER_ALARM;
    }
    return {};
  }
  Status final_check(const RuleContext&) override {
    if (!(seen & 2u)) return must_be_specified("IDLETIMER", "--timeout");
    if (!(seen & 4u)) return must_be_specified("IDLETIMER", "--label");
    return {};
  }
  void save(std::string& out, const SaveContext&) const override {
    out += " --timeout " + std::to_string(info.timeout) + " --label " +
           cstr(info.label, sizeof(info.label));
    if (info.timer_type & XT_IDLETIMER_ALARM) out += " --alarm";
  }
  void list(std::string& out, bool, const SaveContext&) const override {
    out += " timeout:" + std::to_string(info.timeout) +
           " label:" + cstr(info.label, sizeof(info.label));
    if (info.timer_type & XT_IDLETIMER_ALARM) out += " alarm";
  }
  Status encode(std::vector<nft::Expr>& out, const RuleContext&) const override {
    out.push_back(nft::Expr::target("IDLETIMER", 1, xt_blob(info)));
    return {};
  }
};

std::unique_ptr<Target> create(Family) { return std::make_unique<IdletimerTarget>(); }
std::unique_ptr<Target> decode_compat(const DecodeContext&, const nft::Bytes& blob) {
  auto t = std::make_unique<IdletimerTarget>();
  if (!xt_read(blob, t->info)) return nullptr;
  return t;
}

}  // namespace

constexpr std::string_view kIdletimerTargetHelp = R"HELP(
IDLETIMER target options:
 --timeout time	Timeout until the notification is sent (in seconds)
 --label string	Unique rule identifier
 --alarm	Use alarm instead of default timer

)HELP";

extern const TargetType kIdletimerTarget = {"IDLETIMER",   kBoth,       kOptions,
                                            create,        "IDLETIMER", 1,
                                            decode_compat, nullptr,     kIdletimerTargetHelp};

}  // namespace cx::ext
