// -m connbytes (xt "connbytes" rev 0): --connbytes A[:B] (B defaults to 2^64-1; "!" stores
// from/to swapped), --connbytes-mode packets|bytes|avgpkt, --connbytes-dir original|reply|both.
#include <linux/netfilter/xt_connbytes.h>

#include "ext/extension.h"
#include "ext/util.h"

namespace cx::ext {
namespace {

enum { kCbBytes = 1, kCbDir, kCbMode };
constexpr OptionSpec kOptions[] = {{"connbytes", ArgKind::Required, kCbBytes},
                                   {"connbytes-dir", ArgKind::Required, kCbDir},
                                   {"connbytes-mode", ArgKind::Required, kCbMode}};
constexpr const char* kCbModes[] = {"packets", "bytes", "avgpkt"};
constexpr const char* kCbDirs[] = {"original", "reply", "both"};

class ConnbytesMatch final : public Match {
 public:
  xt_connbytes_info info{};
  unsigned seen = 0;
  std::string_view name() const override { return "connbytes"; }
  std::unique_ptr<Match> clone() const override { return std::make_unique<ConnbytesMatch>(*this); }
  Status parse(int id, const OptionArg& arg, const RuleContext&) override {
    std::string opt = opt_of(kOptions, id);
    if (seen & (1u << id)) return only_once("connbytes", opt);
    if (arg.invert && id != kCbBytes) return cannot_invert("connbytes", opt);
    seen |= 1u << id;
    if (id == kCbBytes) {
      auto r = parse_range_u(arg.value, UINT64_MAX, "connbytes", opt);
      if (!r) return r.take_error();
      info.count.from = r->first;
      info.count.to = arg.value.find(':') == std::string_view::npos ? UINT64_MAX : r->second;
      if (info.count.to < info.count.from)
        return parameter_error(std::to_string(info.count.from) + " should be less than " +
                               std::to_string(info.count.to));
      if (arg.invert) std::swap(info.count.from, info.count.to);
      return {};
    }
    const auto& table = id == kCbMode ? kCbModes : kCbDirs;
    for (std::uint8_t i = 0; i < 3; ++i)
      if (arg.value == table[i]) {
        (id == kCbMode ? info.what : info.direction) = i;
        return {};
      }
    return parameter_error(
        std::string(id == kCbMode ? "Unknown --connbytes-mode `" : "Unknown --connbytes-dir `") +
        std::string(arg.value) + "'");
  }
  Status final_check(const RuleContext&) override {
    for (int id : {kCbBytes, kCbDir, kCbMode})
      if (!(seen & (1u << id))) return must_be_specified("connbytes", opt_of(kOptions, id));
    return {};
  }
  std::string range(bool& inv) const {
    std::uint64_t a = info.count.from, b = info.count.to;
    inv = a > b;
    if (inv) std::swap(a, b);
    if (b == UINT64_MAX) return std::to_string(a);
    return std::to_string(a) + ":" + std::to_string(b);
  }
  void save(std::string& out, const SaveContext&) const override {
    bool inv = false;
    std::string r = range(inv);
    out += std::string(inv ? " !" : "") + " --connbytes " + r;
    out += std::string(" --connbytes-mode ") + kCbModes[info.what % 3];
    out += std::string(" --connbytes-dir ") + kCbDirs[info.direction % 3];
  }
  void list(std::string& out, bool, const SaveContext&) const override {
    bool inv = false;
    std::string r = range(inv);
    out += std::string(inv ? " !" : "") + " connbytes " + r;
    out += std::string(" connbytes mode ") + kCbModes[info.what % 3];
    out += std::string(" connbytes direction ") + kCbDirs[info.direction % 3];
  }
  bool xlate(Xlate& xl, const XlateContext&) const override {
    if (info.direction > XT_CONNBYTES_DIR_BOTH || info.what > XT_CONNBYTES_AVGPKT) return false;
    xl.add("ct ");
    if (info.direction == XT_CONNBYTES_DIR_ORIGINAL) xl.add("original ");
    if (info.direction == XT_CONNBYTES_DIR_REPLY) xl.add("reply ");
    xl.add(info.what == XT_CONNBYTES_PKTS    ? "packets "
           : info.what == XT_CONNBYTES_BYTES ? "bytes "
                                             : "avgpkt ");
    unsigned long long a = info.count.from, b = info.count.to;
    const bool inv = a > b;
    if (inv) std::swap(a, b);
    if (a == b)
      xl.addf("%llu", a);
    else if (b == UINT64_MAX)
      xl.addf("%s %llu", inv ? "lt" : "ge", a);
    else
      xl.addf("%s%llu-%llu", inv ? "!= " : "", a, b);
    return true;
  }
  Status encode(std::vector<nft::Expr>& out, const RuleContext&) const override {
    out.push_back(nft::Expr::match("connbytes", 0, xt_blob(info)));
    return {};
  }
};

std::unique_ptr<Match> create(Family) { return std::make_unique<ConnbytesMatch>(); }
std::unique_ptr<Match> decode_compat(const DecodeContext&, const nft::Bytes& blob) {
  auto m = std::make_unique<ConnbytesMatch>();
  if (!xt_read(blob, m->info)) return nullptr;
  return m;
}

}  // namespace

constexpr std::string_view kConnbytesMatchHelp = R"HELP(
connbytes match options:
 [!] --connbytes from:[to]
     --connbytes-dir [original, reply, both]
     --connbytes-mode [packets, bytes, avgpkt]
)HELP";

extern const MatchType kConnbytesMatch = {"connbytes",   kBoth,       kOptions,
                                          create,        "connbytes", 0,
                                          decode_compat, nullptr,     kConnbytesMatchHelp};

}  // namespace cx::ext
