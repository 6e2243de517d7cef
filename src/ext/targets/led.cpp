// -j LED (xt "LED" rev 0, id "netfilter-" + trigger id)
#include <linux/netfilter/xt_LED.h>

#include "ext/extension.h"
#include "ext/util.h"

namespace cx::ext {
namespace {

constexpr OptionSpec kOptions[] = {{"led-trigger-id", ArgKind::Required, 1},
                                   {"led-delay", ArgKind::Required, 2},
                                   {"led-always-blink", ArgKind::None, 3}};

class LedTarget final : public SimpleTarget<xt_led_info> {
 public:
  std::string_view name() const override { return "LED"; }
  std::unique_ptr<Target> clone() const override { return std::make_unique<LedTarget>(*this); }
  Status parse(int id, const OptionArg& arg, const RuleContext&) override {
    CX_TRY(check_once(id, arg, kOptions));
    if (id == 1) {
      set_cstr(info.id, sizeof(info.id), "netfilter-" + std::string(arg.value));
    } else if (id == 2) {
      if (arg.value == "inf") {
        info.delay = UINT32_MAX;
      } else {
        auto v = parse_uint_opt(arg.value, 0, UINT32_MAX, "LED", "--led-delay");
        if (!v) return v.take_error();
        info.delay = static_cast<std::uint32_t>(*v);
      }
    } else {
      info.always_blink = 1;
    }
    return {};
  }
  Status final_check(const RuleContext&) override {
    if (!(seen & 2u)) return must_be_specified("LED", "--led-trigger-id");
    return {};
  }
  std::string id_text() const {
    std::string s = cstr(info.id, sizeof(info.id));
    return s.rfind("netfilter-", 0) == 0 ? s.substr(10) : s;
  }
  void save(std::string& out, const SaveContext&) const override {
    out += " --led-trigger-id \"" + id_text() + "\"";
    if (info.delay) out += " --led-delay " + std::to_string(info.delay);
    if (info.always_blink) out += " --led-always-blink";
  }
  void list(std::string& out, bool, const SaveContext&) const override {
    out += " led-trigger-id:\"" + id_text() + "\"";
    if (info.delay) out += " led-delay:" + std::to_string(info.delay) + "ms";
    if (info.always_blink) out += " led-always-blink";
  }
  Status encode(std::vector<nft::Expr>& out, const RuleContext&) const override {
    out.push_back(nft::Expr::target("LED", 0, xt_blob(info)));
    return {};
  }
};

std::unique_ptr<Target> create(Family) { return std::make_unique<LedTarget>(); }
std::unique_ptr<Target> decode_compat(const DecodeContext&, const nft::Bytes& blob) {
  auto t = std::make_unique<LedTarget>();
  if (!xt_read(blob, t->info)) return nullptr;
  return t;
}

}  // namespace

constexpr std::string_view kLedTargetHelp = R"HELP(
LED target options:
--led-trigger-id name           suffix for led trigger name
--led-delay ms                  leave the LED on for this number of
                                milliseconds after triggering.
--led-always-blink              blink on arriving packets, even if
                                the LED is already on.
)HELP";

extern const TargetType kLedTarget = {"LED", kBoth,         kOptions, create,        "LED",
                                      0,     decode_compat, nullptr,  kLedTargetHelp};

}  // namespace cx::ext
