// -m osf (xt "osf" rev 0, nf_osf_info; IPv4): --genre, --ttl, --log (kernel support is rare).
#include <linux/netfilter/nfnetlink_osf.h>

#include <cstring>

#include "ext/extension.h"
#include "ext/util.h"

namespace cx::ext {
namespace {

constexpr OptionSpec kOptions[] = {
    {"genre", ArgKind::Required, 1}, {"ttl", ArgKind::Required, 2}, {"log", ArgKind::Required, 3}};

class OsfMatch final : public Match {
 public:
  nf_osf_info info{};
  unsigned seen = 0;
  std::string_view name() const override { return "osf"; }
  std::unique_ptr<Match> clone() const override { return std::make_unique<OsfMatch>(*this); }
  Status parse(int id, const OptionArg& arg, const RuleContext&) override {
    const std::string opt = opt_of(kOptions, id);
    if (seen & (1u << id)) return only_once("osf", opt);
    if (arg.invert && id != 1) return cannot_invert("osf", opt);
    seen |= 1u << id;
    if (id == 1) {
      std::memset(info.genre, 0, sizeof(info.genre));
      std::memcpy(info.genre, arg.value.data(), std::min(arg.value.size(), sizeof(info.genre) - 1));
      info.len = static_cast<std::uint32_t>(std::min(arg.value.size(), sizeof(info.genre) - 1));
      if (arg.invert) info.flags |= NF_OSF_INVERT;
      return {};
    }
    // --ttl (0: the packet's TTL must equal the fingerprint's, 1: be below it, 2: any) and
    // --log (0: every match, 1: the first, 2: every known one).
    auto v = parse_uint_opt(arg.value, 0, 2, "osf", opt);
    if (!v) return v.take_error();
    if (id == 2) {
      info.ttl = static_cast<std::uint32_t>(*v);
      info.flags |= NF_OSF_TTL;
    } else {
      info.loglevel = static_cast<std::uint32_t>(*v);
      info.flags |= NF_OSF_LOG;
    }
    return {};
  }
  Status final_check(const RuleContext&) override {
    if (!(seen & (1u << 1))) return must_be_specified("osf", "--genre");
    return {};
  }
  std::string genre() const {
    return std::string(info.genre, strnlen(info.genre, sizeof(info.genre)));
  }
  void save(std::string& out, const SaveContext&) const override {
    out += (info.flags & NF_OSF_INVERT) ? " ! --genre " : " --genre ";
    out += genre();
    if (info.flags & NF_OSF_TTL) out += " --ttl " + std::to_string(info.ttl);
    if (info.flags & NF_OSF_LOG) out += " --log " + std::to_string(info.loglevel);
  }
  void list(std::string& out, bool, const SaveContext&) const override {
    out += (info.flags & NF_OSF_INVERT) ? " OS fingerprint match ! " : " OS fingerprint match ";
    out += genre();
  }
  Status encode(std::vector<nft::Expr>& out, const RuleContext&) const override {
    out.push_back(nft::Expr::match("osf", 0, xt_blob(info)));
    return {};
  }
};

std::unique_ptr<Match> create(Family) { return std::make_unique<OsfMatch>(); }
std::unique_ptr<Match> decode_compat(const DecodeContext&, const nft::Bytes& blob) {
  auto m = std::make_unique<OsfMatch>();
  if (!xt_read(blob, m->info)) return nullptr;
  return m;
}

}  // namespace

constexpr std::string_view kOsfMatchHelp = R"HELP(
OS fingerprint match options:
[!] --genre string     Match a OS genre by passive fingerprinting.
--ttl level            Use some TTL check extensions to determine OS:
       0                       true ip and fingerprint TTL comparison. Works for LAN.
       1                       check if ip TTL is less than fingerprint one. Works for global addresses.
       2                       do not compare TTL at all. This allows NMAP detection, but can produce false results.
--log level            Log determined genres into dmesg even if they do not match desired one:
       0                       log all matched or unknown signatures.
       1                       log only first one.
       2                       log all known matched signatures.
)HELP";

extern const MatchType kOsfMatch = {"osf", kV4,           kOptions, create,       "osf",
                                    0,     decode_compat, nullptr,  kOsfMatchHelp};

}  // namespace cx::ext
