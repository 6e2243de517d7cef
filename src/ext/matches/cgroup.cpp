// -m cgroup (xt "cgroup" rev 2, xt_cgroup_info_v2): --cgroup CLASSID or --path PATH.
#include <linux/netfilter/xt_cgroup.h>

#include <cstring>

#include "ext/extension.h"
#include "ext/util.h"

namespace cx::ext {
namespace {

enum { kCgClass = 1, kCgPath };
constexpr OptionSpec kOptions[] = {{"cgroup", ArgKind::Required, kCgClass},
                                   {"path", ArgKind::Required, kCgPath}};

class CgroupMatch final : public Match {
 public:
  xt_cgroup_info_v2 info{};
  std::string_view name() const override { return "cgroup"; }
  std::unique_ptr<Match> clone() const override { return std::make_unique<CgroupMatch>(*this); }
  Status parse(int id, const OptionArg& arg, const RuleContext&) override {
    if (id == kCgClass) {
      if (info.has_classid) return only_once("cgroup", "--cgroup");
      auto v = parse_uint_opt(arg.value, 0, UINT32_MAX, "cgroup", "--cgroup");
      if (!v) return v.take_error();
      info.has_classid = 1;
      info.invert_classid = arg.invert;
      info.classid = static_cast<std::uint32_t>(*v);
    } else {
      if (info.has_path) return only_once("cgroup", "--path");
      info.has_path = 1;
      info.invert_path = arg.invert;
      std::memset(info.path, 0, sizeof(info.path));
      std::memcpy(info.path, arg.value.data(), std::min(arg.value.size(), sizeof(info.path) - 1));
    }
    return {};
  }
  std::string path() const { return std::string(info.path, strnlen(info.path, sizeof(info.path))); }
  void save(std::string& out, const SaveContext&) const override {
    if (info.has_path)
      out += std::string(info.invert_path ? " !" : "") + " --path " + quote_string(path());
    if (info.has_classid)
      out += std::string(info.invert_classid ? " !" : "") + " --cgroup " +
             std::to_string(info.classid);
  }
  void list(std::string& out, bool, const SaveContext&) const override {
    out += " cgroup";
    if (info.has_path) out += std::string(info.invert_path ? " ! " : " ") + path();
    if (info.has_classid)
      out += std::string(info.invert_classid ? " ! " : " ") + std::to_string(info.classid);
  }
  bool xlate(Xlate& xl, const XlateContext&) const override {
    if (info.has_path) return false;
    if (info.has_classid)
      xl.addf("meta cgroup %s%u", info.invert_classid ? "!= " : "", info.classid);
    return true;
  }
  Status encode(std::vector<nft::Expr>& out, const RuleContext&) const override {
    out.push_back(nft::Expr::match("cgroup", 2, xt_blob(info)));
    return {};
  }
};

std::unique_ptr<Match> create(Family) { return std::make_unique<CgroupMatch>(); }
std::unique_ptr<Match> decode_compat(const DecodeContext&, const nft::Bytes& blob) {
  auto m = std::make_unique<CgroupMatch>();
  if (!xt_read(blob, m->info)) return nullptr;
  return m;
}

}  // namespace

constexpr std::string_view kCgroupMatchHelp = R"HELP(
cgroup match options:
[!] --path path                 Recursively match path relative to cgroup2 root
[!] --cgroup classid            Match cgroup classid, can't be used with --path
)HELP";

extern const MatchType kCgroupMatch = {"cgroup", kBoth,         kOptions, create,          "cgroup",
                                       2,        decode_compat, nullptr,  kCgroupMatchHelp};

}  // namespace cx::ext
