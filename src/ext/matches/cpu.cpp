// -m cpu (xt "cpu" rev 0, struct xt_cpu_info: cpu, invert); -L "cpu [! ]N"
#include <linux/netfilter/xt_cpu.h>

#include "ext/extension.h"
#include "ext/util.h"

namespace cx::ext {
namespace {

constexpr OptionSpec kOptions[] = {{"cpu", ArgKind::Required, 1}};

class CpuMatch final : public Match {
 public:
  xt_cpu_info info{};
  bool given = false;
  std::string_view name() const override { return "cpu"; }
  std::unique_ptr<Match> clone() const override { return std::make_unique<CpuMatch>(*this); }
  Status parse(int, const OptionArg& arg, const RuleContext&) override {
    if (given) return only_once("cpu", "--cpu");
    auto v = parse_uint_opt(arg.value, 0, UINT32_MAX, "cpu", "--cpu");
    if (!v) return v.take_error();
    info.cpu = static_cast<std::uint32_t>(*v);
    info.invert = arg.invert;
    given = true;
    return {};
  }
  Status final_check(const RuleContext&) override {
    if (!given) return must_be_specified("cpu", "--cpu");
    return {};
  }
  void save(std::string& out, const SaveContext&) const override {
    out += info.invert ? " ! --cpu " : " --cpu ";
    out += std::to_string(info.cpu);
  }
  void list(std::string& out, bool, const SaveContext&) const override {
    out += info.invert ? " cpu ! " : " cpu ";
    out += std::to_string(info.cpu);
  }
  bool xlate(Xlate& xl, const XlateContext&) const override {
    xl.addf("cpu%s %u", info.invert ? " !=" : "", info.cpu);
    return true;
  }
  Status encode(std::vector<nft::Expr>& out, const RuleContext&) const override {
    out.push_back(nft::Expr::match("cpu", 0, xt_blob(info)));
    return {};
  }
};

std::unique_ptr<Match> create(Family) { return std::make_unique<CpuMatch>(); }
std::unique_ptr<Match> decode_compat(const DecodeContext&, const nft::Bytes& blob) {
  auto m = std::make_unique<CpuMatch>();
  if (!xt_read(blob, m->info)) return nullptr;
  m->given = true;
  return m;
}

}  // namespace

constexpr std::string_view kCpuMatchHelp = R"HELP(
cpu match options:
[!] --cpu number   Match CPU number
)HELP";

extern const MatchType kCpuMatch = {"cpu", kBoth,         kOptions, create,       "cpu",
                                    0,     decode_compat, nullptr,  kCpuMatchHelp};

}  // namespace cx::ext
