// -j NFLOG (xt "NFLOG" rev 0, struct xt_nflog_info). iptables-nft 1.8.9 sends it natively as
// an nft `log` expression: PREFIX (only when given; up to 127 bytes, not the xt struct's 63),
// GROUP (always), SNAPLEN (when --nflog-size was given, also 0) and QTHRESHOLD (when not 0).
// --nflog-range only prints a warning and is dropped; it cannot be combined with --nflog-size.
// -S order: --nflog-prefix, --nflog-group (not 0), --nflog-size, --nflog-threshold (not 0).
#include <linux/netfilter/xt_NFLOG.h>

#include <cstring>

#include "eval/context.h"
#include "ext/extension.h"
#include "ext/util.h"

namespace cx::ext {
namespace {

enum { kOptGroup = 1, kOptPrefix, kOptRange, kOptThreshold, kOptSize };
constexpr OptionSpec kOptions[] = {
    {"nflog-group", ArgKind::Required, kOptGroup},
    {"nflog-prefix", ArgKind::Required, kOptPrefix},
    {"nflog-range", ArgKind::Required, kOptRange},
    {"nflog-threshold", ArgKind::Required, kOptThreshold},
    {"nflog-size", ArgKind::Required, kOptSize},
};
constexpr std::size_t kMaxPrefix = 127;  // NF_LOG_PREFIXLEN - 1

const char* opt_name(int id) {
  switch (id) {
    case kOptGroup: return "--nflog-group";
    case kOptPrefix: return "--nflog-prefix";
    case kOptRange: return "--nflog-range";
    case kOptThreshold: return "--nflog-threshold";
    default: return "--nflog-size";
  }
}

class NflogTarget final : public Target {
 public:
  std::string prefix;
  std::uint16_t group = 0, threshold = 0;
  std::optional<std::uint32_t> size;
  unsigned seen = 0;

  std::string_view name() const override { return "NFLOG"; }
  eval::TargetAction evaluate(eval::Packet&, eval::Context& ctx) const override {
    ctx.note("NFLOG: a copy to netlink group " + std::to_string(group));
    return eval::TargetAction::Continue;
  }
  std::unique_ptr<Target> clone() const override { return std::make_unique<NflogTarget>(*this); }

  Status parse(int id, const OptionArg& arg, const RuleContext&) override {
    if (seen & (1u << id)) return only_once("NFLOG", opt_name(id));
    if (arg.invert) return cannot_invert("NFLOG", opt_name(id));
    seen |= 1u << id;
    switch (id) {
      case kOptGroup: {
        auto v = parse_uint_opt(arg.value, 0, 65535, "NFLOG", "--nflog-group");
        if (!v) return v.take_error();
        group = static_cast<std::uint16_t>(*v);
        break;
      }
      case kOptPrefix:
        if (arg.value.empty())
          return option_error("Argument must have a minimum length of 1 characters");
        prefix = arg.value.substr(0, kMaxPrefix);
        break;
      case kOptRange: {
        auto v = parse_uint_opt(arg.value, 0, UINT32_MAX, "NFLOG", "--nflog-range");
        if (!v) return v.take_error();
        break;
      }
      case kOptThreshold: {
        auto v = parse_uint_opt(arg.value, 0, 65535, "NFLOG", "--nflog-threshold");
        if (!v) return v.take_error();
        threshold = static_cast<std::uint16_t>(*v);
        break;
      }
      case kOptSize: {
        auto v = parse_uint_opt(arg.value, 0, UINT32_MAX, "NFLOG", "--nflog-size");
        if (!v) return v.take_error();
        size = static_cast<std::uint32_t>(*v);
        break;
      }
    }
    return {};
  }
  Status final_check(const RuleContext& ctx) override {
    if ((seen & (1u << kOptRange)) && (seen & (1u << kOptSize)))
      return cannot_combine("NFLOG", "--nflog-range", "--nflog-size");
    // libxt_NFLOG warns in its final check, so an error met before it comes alone.
    if ((seen & (1u << kOptRange)) && ctx.warnings)
      ctx.warnings->push_back(
          "warn: --nflog-range has never worked and is no longer supported, please use --nflog-size instead");
    return {};
  }
  void dump(std::string& out, const char* pfx) const {
    if (!prefix.empty()) out += std::string(" ") + pfx + "nflog-prefix " + quote_string(prefix);
    if (group) out += std::string(" ") + pfx + "nflog-group " + std::to_string(group);
    if (size) out += std::string(" ") + pfx + "nflog-size " + std::to_string(*size);
    if (threshold) out += std::string(" ") + pfx + "nflog-threshold " + std::to_string(threshold);
  }
  void save(std::string& out, const SaveContext&) const override { dump(out, "--"); }
  void list(std::string& out, bool, const SaveContext&) const override { dump(out, ""); }
  // The translation reads the xt structure, whose prefix holds 63 bytes.
  bool xlate(Xlate& xl, const XlateContext&) const override {
    xl.add("log ");
    if (!prefix.empty())
      xl.addf("prefix \"%s\" ", prefix.substr(0, sizeof(xt_nflog_info::prefix) - 1).c_str());
    if (size) xl.addf("snaplen %u ", *size);
    if (threshold) xl.addf("queue-threshold %u ", unsigned{threshold});
    xl.addf("group %u ", unsigned{group});
    return true;
  }
  Status encode(std::vector<nft::Expr>& out, const RuleContext&) const override {
    nft::Expr e;
    e.kind = nft::Expr::Kind::Log;
    if (!prefix.empty()) e.log_prefix = prefix;
    e.log_group = group;
    if (size) e.log_snaplen = *size;
    if (threshold) e.log_qthreshold = threshold;
    out.push_back(std::move(e));
    return {};
  }
};

std::unique_ptr<Target> create(Family) { return std::make_unique<NflogTarget>(); }

std::unique_ptr<Target> decode_compat(const DecodeContext&, const nft::Bytes& blob) {
  xt_nflog_info i{};
  if (!xt_read(blob, i)) return nullptr;
  auto t = std::make_unique<NflogTarget>();
  t->prefix.assign(i.prefix, strnlen(i.prefix, sizeof(i.prefix)));
  t->group = i.group;
  t->threshold = i.threshold;
  if (i.flags & XT_NFLOG_F_COPY_LEN) t->size = i.len;
  return t;
}

// Native: nft's "log group N ..." (a log to a netlink group) is NFLOG; its level and flags
// do not apply to a group and are not shown.
bool decode_native(const LiftStep& s, LiftContext& ctx) {
  const nft::Expr& e = s.expr;
  if (e.kind != nft::Expr::Kind::Log || !e.log_group) return false;
  auto t = std::make_unique<NflogTarget>();
  t->prefix = e.log_prefix.value_or("").substr(0, 127);
  t->group = *e.log_group;
  t->threshold = e.log_qthreshold.value_or(0);
  t->size = e.log_snaplen;
  ctx.set_target(std::move(t));
  return true;
}

}  // namespace

constexpr std::string_view kNflogTargetHelp = R"HELP(
NFLOG target options:
 --nflog-group NUM		NETLINK group used for logging
 --nflog-range NUM		This option has no effect, use --nflog-size
 --nflog-size NUM		Number of bytes to copy
 --nflog-threshold NUM		Message threshold of in-kernel queue
 --nflog-prefix STRING		Prefix string for log messages
)HELP";

extern const TargetType kNflogTarget = {
    "NFLOG", kBoth, kOptions, create, "NFLOG", 0, decode_compat, decode_native, kNflogTargetHelp};

}  // namespace cx::ext
