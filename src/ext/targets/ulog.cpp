// -j ULOG (xt "ULOG" rev 0, IPv4, gone from the kernel).
#include <cstddef>

#include "ext/extension.h"
#include "ext/util.h"

namespace cx::ext {
namespace {

struct UlogInfo {  // ipt_ulog_info (no longer in the uapi headers)
  unsigned int nl_group;
  std::size_t copy_range;
  std::size_t qthreshold;
  char prefix[32];
};
enum { kUlogGroup = 1, kUlogPrefix, kUlogCprange, kUlogQthreshold };
constexpr OptionSpec kOptions[] = {{"ulog-nlgroup", ArgKind::Required, kUlogGroup},
                                   {"ulog-prefix", ArgKind::Required, kUlogPrefix},
                                   {"ulog-cprange", ArgKind::Required, kUlogCprange},
                                   {"ulog-qthreshold", ArgKind::Required, kUlogQthreshold}};

class UlogTarget final : public SimpleTarget<UlogInfo> {
 public:
  UlogTarget() {
    info.nl_group = 1;
    info.qthreshold = 1;
  }
  std::string_view name() const override { return "ULOG"; }
  std::unique_ptr<Target> clone() const override { return std::make_unique<UlogTarget>(*this); }
  Status parse(int id, const OptionArg& arg, const RuleContext&) override {
    CX_TRY(check_once(id, arg, kOptions));
    if (id == kUlogPrefix) {
      set_cstr(info.prefix, sizeof(info.prefix), arg.value);
      return {};
    }
    auto v = parse_uint_opt(arg.value, id == kUlogGroup ? 1 : 0, id == kUlogGroup ? 32 : UINT32_MAX,
                            "ULOG", opt_of(kOptions, id));
    if (!v) return v.take_error();
    if (id == kUlogGroup) info.nl_group = 1u << (*v - 1);
    if (id == kUlogCprange) info.copy_range = *v;
    if (id == kUlogQthreshold) info.qthreshold = *v;
    return {};
  }
  void save(std::string& out, const SaveContext&) const override {
    if (info.prefix[0])
      out += " --ulog-prefix " + quote_string(cstr(info.prefix, sizeof(info.prefix)));
    if (info.nl_group != 1) {
      int g = 1;
      while (g < 32 && !(info.nl_group & (1u << (g - 1)))) ++g;
      out += " --ulog-nlgroup " + std::to_string(g);
    }
    if (info.copy_range) out += " --ulog-cprange " + std::to_string(info.copy_range);
    if (info.qthreshold != 1) out += " --ulog-qthreshold " + std::to_string(info.qthreshold);
  }
  void list(std::string& out, bool, const SaveContext&) const override {
    out += " ULOG copy_range " + std::to_string(info.copy_range) + " nlgroup ";
    int g = 1;
    while (g < 32 && !(info.nl_group & (1u << (g - 1)))) ++g;
    out += std::to_string(g);
    if (info.prefix[0]) out += " prefix \"" + cstr(info.prefix, sizeof(info.prefix)) + "\"";
    out += " queue_threshold " + std::to_string(info.qthreshold);
  }
  Status encode(std::vector<nft::Expr>& out, const RuleContext&) const override {
    out.push_back(nft::Expr::target("ULOG", 0, xt_blob(info)));
    return {};
  }
};

std::unique_ptr<Target> create(Family) { return std::make_unique<UlogTarget>(); }
std::unique_ptr<Target> decode_compat(const DecodeContext&, const nft::Bytes& blob) {
  auto t = std::make_unique<UlogTarget>();
  if (!xt_read(blob, t->info)) return nullptr;
  return t;
}

}  // namespace

constexpr std::string_view kUlogTargetHelp = R"HELP(
ULOG target options:
 --ulog-nlgroup nlgroup		NETLINK group used for logging
 --ulog-cprange size		Bytes of each packet to be passed
 --ulog-qthreshold		Threshold of in-kernel queue
 --ulog-prefix prefix		Prefix log messages with this prefix.
)HELP";

extern const TargetType kUlogTarget = {"ULOG", kV4,           kOptions, create,         "ULOG",
                                       0,      decode_compat, nullptr,  kUlogTargetHelp};

}  // namespace cx::ext
