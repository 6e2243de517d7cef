// -j NFQUEUE (xt "NFQUEUE" rev 3, struct xt_NFQ_info_v3 {queuenum, queues_total, flags}).
// queues_total starts at 1; --queue-balance A:B needs A < B ("A should be less than B") and
// sets queuenum A, total B-A+1. -S always prints --queue-num N or --queue-balance A:B, then
// --queue-bypass and --queue-cpu-fanout; -L "NFQUEUE num N|balance A:B [bypass] [cpu-fanout]".
#include <linux/netfilter/xt_NFQUEUE.h>

#include "eval/context.h"
#include "ext/extension.h"
#include "ext/util.h"

namespace cx::ext {
namespace {

enum { kOptNum = 1, kOptBalance, kOptBypass, kOptFanout };
constexpr OptionSpec kOptions[] = {
    {"queue-num", ArgKind::Required, kOptNum},
    {"queue-balance", ArgKind::Required, kOptBalance},
    {"queue-bypass", ArgKind::None, kOptBypass},
    {"queue-cpu-fanout", ArgKind::None, kOptFanout},
};

std::string opt_name(int id) {
  for (const auto& o : kOptions)
    if (o.id == id) return "--" + std::string(o.name);
  return "";
}

class NfqueueTarget final : public Target {
 public:
  xt_NFQ_info_v3 info{};
  unsigned seen = 0;

  NfqueueTarget() { info.queues_total = 1; }
  std::string_view name() const override { return "NFQUEUE"; }
  std::unique_ptr<Target> clone() const override { return std::make_unique<NfqueueTarget>(*this); }
  eval::TargetAction evaluate(eval::Packet&, eval::Context& ctx) const override {
    std::string q = std::to_string(info.queuenum);
    if (info.queues_total > 1)
      q += "-" + std::to_string(info.queuenum + info.queues_total - 1);
    ctx.note("NFQUEUE: the packet goes to userspace queue " + q +
             ((info.flags & NFQ_FLAG_BYPASS) ? " (accepted if nothing listens)"
                                              : " (dropped if nothing listens)"));
    return eval::TargetAction::Queue;
  }

  Status parse(int id, const OptionArg& arg, const RuleContext&) override {
    if (seen & (1u << id)) return only_once("NFQUEUE", opt_name(id));
    if (arg.invert) return cannot_invert("NFQUEUE", opt_name(id));
    seen |= 1u << id;
    switch (id) {
      case kOptNum: {
        auto v = parse_uint_opt(arg.value, 0, 65535, "NFQUEUE", "--queue-num");
        if (!v) return v.take_error();
        info.queuenum = static_cast<std::uint16_t>(*v);
        break;
      }
      case kOptBalance: {
        auto r = parse_range_u(arg.value, 65535, "NFQUEUE", "--queue-balance");
        if (!r) return r.take_error();
        if (arg.value.find(':') == std::string_view::npos)
          return parameter_error("Bad range \"" + std::string(arg.value) + "\"");
        const auto a = r->first, b = r->second;
        if (a >= b)
          return parameter_error(std::to_string(a) + " should be less than " + std::to_string(b));
        info.queuenum = static_cast<std::uint16_t>(a);
        info.queues_total = static_cast<std::uint16_t>(b - a + 1);
        break;
      }
      case kOptBypass: info.flags |= NFQ_FLAG_BYPASS; break;
      case kOptFanout: info.flags |= NFQ_FLAG_CPU_FANOUT; break;
    }
    return {};
  }
  Status final_check(const RuleContext&) override {
    if ((seen & (1u << kOptNum)) && (seen & (1u << kOptBalance)))
      return cannot_combine("NFQUEUE", "--queue-num", "--queue-balance");
    if ((seen & (1u << kOptFanout)) && !(seen & (1u << kOptBalance)))
      return also_requires("NFQUEUE", "--queue-cpu-fanout", "--queue-balance");
    return {};
  }
  std::string last() const { return std::to_string(info.queuenum + info.queues_total - 1); }
  void save(std::string& out, const SaveContext&) const override {
    if (info.queues_total > 1)
      out += " --queue-balance " + std::to_string(info.queuenum) + ":" + last();
    else
      out += " --queue-num " + std::to_string(info.queuenum);
    if (info.flags & NFQ_FLAG_BYPASS) out += " --queue-bypass";
    if (info.flags & NFQ_FLAG_CPU_FANOUT) out += " --queue-cpu-fanout";
  }
  void list(std::string& out, bool, const SaveContext&) const override {
    if (info.queues_total > 1)
      out += " NFQUEUE balance " + std::to_string(info.queuenum) + ":" + last();
    else
      out += " NFQUEUE num " + std::to_string(info.queuenum);
    if (info.flags & NFQ_FLAG_BYPASS) out += " bypass";
    if (info.flags & NFQ_FLAG_CPU_FANOUT) out += " cpu-fanout";
  }
  bool xlate(Xlate& xl, const XlateContext&) const override {
    if (info.queues_total > 1)
      xl.addf("queue num %u-%u ", unsigned{info.queuenum},
              unsigned{info.queuenum} + info.queues_total - 1);
    else
      xl.addf("queue num %u ", unsigned{info.queuenum});
    if (info.flags & NFQ_FLAG_BYPASS) xl.add("bypass");
    if (info.flags & NFQ_FLAG_CPU_FANOUT)
      xl.add((info.flags & NFQ_FLAG_BYPASS) ? ",fanout " : "fanout ");
    return true;
  }
  Status encode(std::vector<nft::Expr>& out, const RuleContext&) const override {
    out.push_back(nft::Expr::target("NFQUEUE", 3, xt_blob(info)));
    return {};
  }
};

std::unique_ptr<Target> create(Family) { return std::make_unique<NfqueueTarget>(); }
std::unique_ptr<Target> decode_compat(const DecodeContext&, const nft::Bytes& blob) {
  auto t = std::make_unique<NfqueueTarget>();
  if (!xt_read(blob, t->info)) return nullptr;
  return t;
}

}  // namespace

constexpr std::string_view kNfqueueTargetHelp = R"HELP(
NFQUEUE target options
  --queue-num value            Send packet to QUEUE number <value>.
                               Valid queue numbers are 0-65535
  --queue-balance first:last   Balance flows between queues <value> to <value>.
  --queue-bypass               Bypass Queueing if no queue instance exists.
  --queue-cpu-fanout	Use current CPU (no hashing)
)HELP";

extern const TargetType kNfqueueTarget = {
    "NFQUEUE", kBoth, kOptions, create, "NFQUEUE", 3, decode_compat, nullptr, kNfqueueTargetHelp};

}  // namespace cx::ext
