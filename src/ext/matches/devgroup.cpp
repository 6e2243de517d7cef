// -m devgroup (xt "devgroup" rev 0, struct xt_devgroup_info). Groups are numbers (base 0)
// with an optional "/mask", or names from /etc/iproute2/group. -S/-L print the name when the
// mask is full and one exists, else 0xV[/0xM].
#include <linux/netfilter/xt_devgroup.h>

#include "ext/extension.h"
#include "ext/util.h"

namespace cx::ext {
namespace {

enum { kOptSrc = 1, kOptDst };
constexpr OptionSpec kOptions[] = {{"src-group", ArgKind::Required, kOptSrc},
                                   {"dst-group", ArgKind::Required, kOptDst}};

class DevgroupMatch final : public Match {
 public:
  xt_devgroup_info info{};

  std::string_view name() const override { return "devgroup"; }
  std::unique_ptr<Match> clone() const override { return std::make_unique<DevgroupMatch>(*this); }

  Status parse(int id, const OptionArg& arg, const RuleContext&) override {
    const char* opt = id == kOptSrc ? "--src-group" : "--dst-group";
    std::uint32_t flag = id == kOptSrc ? XT_DEVGROUP_MATCH_SRC : XT_DEVGROUP_MATCH_DST;
    if (info.flags & flag) return only_once("devgroup", opt);
    std::uint32_t v = 0, m = 0xffffffff;
    if (!parse_mark_mask(arg.value, v, m)) {
      auto named = lookup_iproute2_name("/etc/iproute2/group", arg.value);
      if (!named)
        return option_error("devgroup: could not map name " + std::string(arg.value) +
                            " to an integer value for option \"" + opt + "\".");
      v = *named;
      m = 0xffffffff;
    }
    if (id == kOptSrc) {
      info.src_group = v;
      info.src_mask = m;
      if (arg.invert) info.flags |= XT_DEVGROUP_INVERT_SRC;
    } else {
      info.dst_group = v;
      info.dst_mask = m;
      if (arg.invert) info.flags |= XT_DEVGROUP_INVERT_DST;
    }
    info.flags |= flag;
    return {};
  }
  Status final_check(const RuleContext&) override {
    if (!(info.flags & (XT_DEVGROUP_MATCH_SRC | XT_DEVGROUP_MATCH_DST)))
      return parameter_error(
          "devgroup match: You must specify either '--src-group' or '--dst-group'");
    return {};
  }
  static std::string group_text(std::uint32_t v, std::uint32_t m) {
    if (m != 0xffffffff) return hex(v) + "/" + hex(m);
    if (auto n = iproute2_name_of("/etc/iproute2/group", v)) return *n;
    return hex(v);
  }
  void dump(std::string& out, const char* prefix) const {
    if (info.flags & XT_DEVGROUP_MATCH_SRC) {
      if (info.flags & XT_DEVGROUP_INVERT_SRC) out += " !";
      out += std::string(" ") + prefix + "src-group " + group_text(info.src_group, info.src_mask);
    }
    if (info.flags & XT_DEVGROUP_MATCH_DST) {
      if (info.flags & XT_DEVGROUP_INVERT_DST) out += " !";
      out += std::string(" ") + prefix + "dst-group " + group_text(info.dst_group, info.dst_mask);
    }
  }
  void save(std::string& out, const SaveContext&) const override { dump(out, "--"); }
  void list(std::string& out, bool, const SaveContext&) const override { dump(out, ""); }
  // Both groups compare with "!=" once the first is inverted, as libxt_devgroup words it.
  bool xlate(Xlate& xl, const XlateContext&) const override {
    bool inv = false;
    auto group = [&](const char* key, std::uint32_t v, std::uint32_t m) {
      xl.addf("%s ", key);
      if (m != 0xffffffff) {
        xl.addf("and 0x%x %s 0x%x", m, inv ? "!=" : "==", v);
        return;
      }
      if (inv) xl.add("!= ");
      if (auto n = iproute2_name_of("/etc/iproute2/group", v))
        xl.add(*n);
      else
        xl.addf("0x%x", v);
    };
    if (info.flags & XT_DEVGROUP_MATCH_SRC) {
      if (info.flags & XT_DEVGROUP_INVERT_SRC) inv = true;
      group("iifgroup", info.src_group, info.src_mask);
    }
    if (info.flags & XT_DEVGROUP_MATCH_DST) {
      if (info.flags & XT_DEVGROUP_INVERT_DST) inv = true;
      group("oifgroup", info.dst_group, info.dst_mask);
    }
    return true;
  }
  Status encode(std::vector<nft::Expr>& out, const RuleContext&) const override {
    out.push_back(nft::Expr::match("devgroup", 0, xt_blob(info)));
    return {};
  }
};

std::unique_ptr<Match> create(Family) { return std::make_unique<DevgroupMatch>(); }
std::unique_ptr<Match> decode_compat(const DecodeContext&, const nft::Bytes& blob) {
  auto m = std::make_unique<DevgroupMatch>();
  if (!xt_read(blob, m->info)) return nullptr;
  return m;
}

}  // namespace

constexpr std::string_view kDevgroupMatchHelp = R"HELP(
devgroup match options:
[!] --src-group value[/mask]	Match device group of incoming device
[!] --dst-group value[/mask]	Match device group of outgoing device
)HELP";

extern const MatchType kDevgroupMatch = {
    "devgroup", kBoth, kOptions, create, "devgroup", 0, decode_compat, nullptr, kDevgroupMatchHelp};

}  // namespace cx::ext
