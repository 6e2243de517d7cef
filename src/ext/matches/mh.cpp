// -m mh (xt "mh" rev 0, ip6t_mh; IPv6 only, xt compat): --mh-type name|N[:M] (default
// 0:255); -S numeric, -L names.
#include <linux/netfilter_ipv6/ip6t_mh.h>

#include "common/parse.h"
#include "ext/extension.h"
#include "ext/util.h"

namespace cx::ext {
namespace {

struct MhName {
  const char* name;
  std::uint8_t type;
};
constexpr MhName kMhNames[] = {
    {"binding-refresh-request", 0},
    {"brr", 0},
    {"home-test-init", 1},
    {"hoti", 1},
    {"careof-test-init", 2},
    {"coti", 2},
    {"home-test", 3},
    {"hot", 3},
    {"careof-test", 4},
    {"cot", 4},
    {"binding-update", 5},
    {"bu", 5},
    {"binding-acknowledgement", 6},
    {"ba", 6},
    {"binding-error", 7},
    {"be", 7},
};
constexpr OptionSpec kOptions[] = {{"mh-type", ArgKind::Required, 1}};

Result<std::uint8_t> mh_type(std::string_view s, std::string_view whole) {
  if (auto n = parse_unsigned(s, 255, 0)) return static_cast<std::uint8_t>(*n);
  for (const auto& m : kMhNames)
    if (s == m.name) return m.type;
  return parameter_error("Invalid MH type `" + std::string(whole) + "'");
}

class MhMatch final : public Match {
 public:
  ip6t_mh info{};
  bool given = false;
  MhMatch() { info.types[1] = 0xff; }
  std::string_view name() const override { return "mh"; }
  std::unique_ptr<Match> clone() const override { return std::make_unique<MhMatch>(*this); }
  Status parse(int, const OptionArg& arg, const RuleContext&) override {
    if (given) return only_once("mh", "--mh-type");
    auto colon = arg.value.find(':');
    auto a = mh_type(arg.value.substr(0, colon), arg.value);
    if (!a) return a.take_error();
    info.types[0] = info.types[1] = *a;
    if (colon != std::string_view::npos) {
      auto b = mh_type(arg.value.substr(colon + 1), arg.value);
      if (!b) return b.take_error();
      info.types[1] = *b;
    }
    if (arg.invert) info.invflags |= IP6T_MH_INV_TYPE;
    given = true;
    return {};
  }
  static std::string type_name(std::uint8_t t, bool numeric) {
    if (!numeric)
      for (const auto& m : kMhNames)
        if (m.type == t) return m.name;
    return std::to_string(t);
  }
  bool all() const { return info.types[0] == 0 && info.types[1] == 0xff && !info.invflags; }
  std::string types(bool numeric) const {
    if (info.types[0] == info.types[1]) return type_name(info.types[0], numeric);
    return type_name(info.types[0], numeric) + ":" + type_name(info.types[1], numeric);
  }
  void save(std::string& out, const SaveContext&) const override {
    if (all()) return;
    out += (info.invflags & IP6T_MH_INV_TYPE) ? " ! --mh-type " : " --mh-type ";
    out += types(true);
  }
  void list(std::string& out, bool numeric, const SaveContext&) const override {
    out += " mh";
    if (all()) return;
    out += (info.invflags & IP6T_MH_INV_TYPE) ? " !" : " ";
    out += types(numeric);
  }
  // Nothing for the full range, even inverted.
  bool xlate(Xlate& xl, const XlateContext&) const override {
    if (info.types[0] == 0 && info.types[1] == 0xff) return true;
    const char* neg = (info.invflags & IP6T_MH_INV_TYPE) ? "!= " : "";
    if (info.types[0] != info.types[1])
      xl.addf("mh type %s%u-%u", neg, info.types[0], info.types[1]);
    else
      xl.addf("mh type %s%u", neg, info.types[0]);
    return true;
  }
  Status encode(std::vector<nft::Expr>& out, const RuleContext&) const override {
    out.push_back(nft::Expr::match("mh", 0, xt_blob(info)));
    return {};
  }
};

std::unique_ptr<Match> create(Family) { return std::make_unique<MhMatch>(); }
std::unique_ptr<Match> decode_compat(const DecodeContext&, const nft::Bytes& blob) {
  auto m = std::make_unique<MhMatch>();
  if (!xt_read(blob, m->info)) return nullptr;
  m->given = true;
  return m;
}

}  // namespace

constexpr std::string_view kMhMatchHelp = R"HELP(
mh match options:
[!] --mh-type type[:type]	match mh type
Valid MH types:
binding-refresh-request (brr)
home-test-init (hoti)
careof-test-init (coti)
home-test (hot)
careof-test (cot)
binding-update (bu)
binding-acknowledgement (ba)
binding-error (be)
)HELP";

extern const MatchType kMhMatch = {"mh", kV6,           kOptions, create,      "mh",
                                   0,    decode_compat, nullptr,  kMhMatchHelp};

}  // namespace cx::ext
