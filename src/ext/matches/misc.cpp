// Small xt rev 0 matches with one or two options:
//   -m helper   (struct xt_helper_info: int invert, name[30]); -L helper match [! ]"ftp"
//   -m rpfilter (struct xt_rpfilter_info: flags loose 1, validmark 2, accept-local 4, invert 8)
//   -m quota    (struct xt_quota_info: flags (invert 1), quota u64 at offset 8); -L "quota: N bytes"
//   -m cpu      (struct xt_cpu_info: cpu, invert); -L "cpu [! ]N"
#include <linux/netfilter/xt_cpu.h>
#include <linux/netfilter/xt_helper.h>
#include <linux/netfilter/xt_quota.h>
#include <linux/netfilter/xt_rpfilter.h>

#include <cstring>

#include "ext/extension.h"
#include "ext/util.h"

namespace cx::ext {
namespace {

// --- helper ----------------------------------------------------------------------------------
constexpr OptionSpec kHelperOptions[] = {{"helper", ArgKind::Required, 1}};

class HelperMatch final : public Match {
 public:
  xt_helper_info info{};
  bool given = false;
  std::string_view name() const override { return "helper"; }
  std::unique_ptr<Match> clone() const override { return std::make_unique<HelperMatch>(*this); }
  Status parse(int, const OptionArg& arg, const RuleContext&) override {
    if (given) return only_once("helper", "--helper");
    std::memset(info.name, 0, sizeof(info.name));
    std::memcpy(info.name, arg.value.data(), std::min(arg.value.size(), sizeof(info.name) - 1));
    info.invert = arg.invert;
    given = true;
    return {};
  }
  Status final_check(const RuleContext&) override {
    if (!given) return must_be_specified("helper", "--helper");
    return {};
  }
  std::string n() const { return std::string(info.name, strnlen(info.name, sizeof(info.name))); }
  void save(std::string& out, const SaveContext&) const override {
    out += info.invert ? " ! --helper " : " --helper ";
    out += quote_string(n());
  }
  void list(std::string& out, bool, const SaveContext&) const override {
    out += info.invert ? " helper match ! \"" : " helper match \"";
    out += n() + "\"";
  }
  Status encode(std::vector<nft::Expr>& out, const RuleContext&) const override {
    out.push_back(nft::Expr::match("helper", 0, xt_blob(info)));
    return {};
  }
};

// --- rpfilter --------------------------------------------------------------------------------
enum { kOptLoose = 1, kOptValidmark, kOptAcceptLocal, kOptInvert };
constexpr OptionSpec kRpfilterOptions[] = {{"loose", ArgKind::None, kOptLoose},
                                           {"validmark", ArgKind::None, kOptValidmark},
                                           {"accept-local", ArgKind::None, kOptAcceptLocal},
                                           {"invert", ArgKind::None, kOptInvert}};

class RpfilterMatch final : public Match {
 public:
  xt_rpfilter_info info{};
  std::string_view name() const override { return "rpfilter"; }
  std::unique_ptr<Match> clone() const override { return std::make_unique<RpfilterMatch>(*this); }
  Status parse(int id, const OptionArg& arg, const RuleContext&) override {
    static const char* const kNames[] = {"", "--loose", "--validmark", "--accept-local",
                                         "--invert"};
    std::uint8_t bit = static_cast<std::uint8_t>(1u << (id - 1));
    if (arg.invert) return cannot_invert("rpfilter", kNames[id]);
    if (info.flags & bit) return only_once("rpfilter", kNames[id]);
    info.flags |= bit;
    return {};
  }
  void dump(std::string& out, const char* p) const {
    if (info.flags & XT_RPFILTER_LOOSE) out += std::string(" ") + p + "loose";
    if (info.flags & XT_RPFILTER_VALID_MARK) out += std::string(" ") + p + "validmark";
    if (info.flags & XT_RPFILTER_ACCEPT_LOCAL) out += std::string(" ") + p + "accept-local";
    if (info.flags & XT_RPFILTER_INVERT) out += std::string(" ") + p + "invert";
  }
  void save(std::string& out, const SaveContext&) const override { dump(out, "--"); }
  void list(std::string& out, bool, const SaveContext&) const override {
    out += " rpfilter";
    dump(out, "");
  }
  Status encode(std::vector<nft::Expr>& out, const RuleContext&) const override {
    out.push_back(nft::Expr::match("rpfilter", 0, xt_blob(info)));
    return {};
  }
};

// --- quota -----------------------------------------------------------------------------------
constexpr OptionSpec kQuotaOptions[] = {{"quota", ArgKind::Required, 1}};

class QuotaMatch final : public Match {
 public:
  xt_quota_info info{};
  bool given = false;
  std::string_view name() const override { return "quota"; }
  std::unique_ptr<Match> clone() const override { return std::make_unique<QuotaMatch>(*this); }
  Status parse(int, const OptionArg& arg, const RuleContext&) override {
    if (given) return only_once("quota", "--quota");
    auto v = parse_uint_opt(arg.value, 0, UINT64_MAX, "quota", "--quota");
    if (!v) return v.take_error();
    info.quota = *v;
    if (arg.invert) info.flags |= XT_QUOTA_INVERT;
    given = true;
    return {};
  }
  Status final_check(const RuleContext&) override {
    if (!given) return must_be_specified("quota", "--quota");
    return {};
  }
  void save(std::string& out, const SaveContext&) const override {
    out += (info.flags & XT_QUOTA_INVERT) ? " ! --quota " : " --quota ";
    out += std::to_string(info.quota);
  }
  void list(std::string& out, bool, const SaveContext&) const override {
    out += " quota: " + std::to_string(info.quota) + " bytes";
  }
  Status encode(std::vector<nft::Expr>& out, const RuleContext&) const override {
    out.push_back(nft::Expr::match("quota", 0, xt_blob(info)));
    return {};
  }
};

// --- cpu -------------------------------------------------------------------------------------
constexpr OptionSpec kCpuOptions[] = {{"cpu", ArgKind::Required, 1}};

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
  Status encode(std::vector<nft::Expr>& out, const RuleContext&) const override {
    out.push_back(nft::Expr::match("cpu", 0, xt_blob(info)));
    return {};
  }
};

template <class M>
std::unique_ptr<Match> create(Family) {
  return std::make_unique<M>();
}
template <class M>
std::unique_ptr<Match> decode(const DecodeContext&, const nft::Bytes& blob) {
  auto m = std::make_unique<M>();
  if (!xt_read(blob, m->info)) return nullptr;
  if constexpr (requires { m->given; }) m->given = true;
  return m;
}

}  // namespace

extern const MatchType kHelperMatch = {"helper", kBoth, kHelperOptions, create<HelperMatch>,
                                       "helper", 0, decode<HelperMatch>, nullptr};
extern const MatchType kRpfilterMatch = {"rpfilter", kBoth, kRpfilterOptions,
                                         create<RpfilterMatch>, "rpfilter", 0,
                                         decode<RpfilterMatch>, nullptr};
extern const MatchType kQuotaMatch = {"quota", kBoth, kQuotaOptions, create<QuotaMatch>, "quota",
                                      0, decode<QuotaMatch>, nullptr};
extern const MatchType kCpuMatch = {"cpu", kBoth, kCpuOptions, create<CpuMatch>, "cpu", 0,
                                    decode<CpuMatch>, nullptr};

}  // namespace cx::ext
