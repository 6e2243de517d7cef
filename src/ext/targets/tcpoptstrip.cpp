// -j TCPOPTSTRIP (xt "TCPOPTSTRIP" rev 0, struct xt_tcpoptstrip_target_info: a 256-bit map of
// TCP option kinds to remove). --strip-options takes a comma separated list of kinds, each a
// number 2-255 or one of wscale (3), mss (2), sack-permitted (4), sack (5), timestamp (8),
// md5 (19); a kind given twice is an error. The kernel only accepts it with -p tcp in the
// mangle table. -S prints the kinds as numbers in ascending order ("--strip-options 2,3");
// -L prints "TCPOPTSTRIP options " with names where there are some (numbers with -n); both
// print nothing for an empty map.
#include <linux/netfilter/xt_TCPOPTSTRIP.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "common/parse.h"
#include "ext/extension.h"
#include "ext/util.h"

namespace cx::ext {
namespace {

constexpr OptionSpec kOptions[] = {{"strip-options", ArgKind::Required, 1}};

constexpr struct {
  const char* name;
  unsigned kind;
} kNames[] = {{"wscale", 3}, {"mss", 2},       {"sack-permitted", 4},
              {"sack", 5},   {"timestamp", 8}, {"md5", 19}};

// An option kind: xtables_strtoui up to `max`.
bool parse_kind(const std::string& s, unsigned max, unsigned& out) {
  auto v = xtables_strtoui(s, max);
  if (v) out = static_cast<unsigned>(*v);
  return v.has_value();
}

class TcpoptstripTarget final : public Target {
 public:
  xt_tcpoptstrip_target_info info{};
  bool given = false;

  std::string_view name() const override { return "TCPOPTSTRIP"; }
  std::unique_ptr<Target> clone() const override {
    return std::make_unique<TcpoptstripTarget>(*this);
  }
  bool test(unsigned kind) const { return info.strip_bmap[kind >> 5] & (1u << (kind & 31)); }

  Status parse(int, const OptionArg& arg, const RuleContext&) override {
    if (given) return only_once("TCPOPTSTRIP", "--strip-options");
    if (arg.invert) return cannot_invert("TCPOPTSTRIP", "--strip-options");
    given = true;
    for (const std::string& word : split(arg.value, ',')) {
      unsigned kind = 0;
      for (const auto& n : kNames)
        if (word == n.name) kind = n.kind;
      if (kind == 0 && !parse_kind(word, 255, kind))
        return parameter_error("Bad TCP option value \"" + word + "\"");
      if (kind < 2) return parameter_error("Option value may not be 0 or 1");
      if (test(kind)) return parameter_error("Option \"" + word + "\" already specified");
      info.strip_bmap[kind >> 5] |= 1u << (kind & 31);
    }
    // libxt_TCPOPTSTRIP ends each name in place: the argument is left as its first name.
    if (auto comma = arg.value.find(','); comma != std::string_view::npos) arg.cut_at(comma);
    return {};
  }
  bool empty() const {
    for (std::uint32_t w : info.strip_bmap)
      if (w) return false;
    return true;
  }
  std::string kinds(bool numeric) const {
    std::string out;
    for (unsigned kind = 0; kind < 256; ++kind) {
      if (!test(kind)) continue;
      if (!out.empty()) out += ',';
      const char* name = nullptr;
      if (!numeric)
        for (const auto& n : kNames)
          if (n.kind == kind) name = n.name;
      out += name ? std::string(name) : std::to_string(kind);
    }
    return out;
  }
  void save(std::string& out, const SaveContext&) const override {
    if (!empty()) out += " --strip-options " + kinds(true);
  }
  void list(std::string& out, bool numeric, const SaveContext&) const override {
    if (!empty()) out += " TCPOPTSTRIP options " + kinds(numeric);
  }
  Status encode(std::vector<nft::Expr>& out, const RuleContext&) const override {
    out.push_back(nft::Expr::target("TCPOPTSTRIP", 0, xt_blob(info)));
    return {};
  }
};

std::unique_ptr<Target> create(Family) { return std::make_unique<TcpoptstripTarget>(); }
std::unique_ptr<Target> decode(const DecodeContext&, const nft::Bytes& blob) {
  auto t = std::make_unique<TcpoptstripTarget>();
  if (!xt_read(blob, t->info)) return nullptr;
  t->given = true;
  return t;
}

}  // namespace

constexpr std::string_view kTcpoptstripTargetHelp = R"HELP(
TCPOPTSTRIP target options:
  --strip-options value     strip specified TCP options denoted by value
                            (separated by comma) from TCP header
  Instead of the numeric value, you can also use the following names:
    wscale            strip "Window scale" option
    mss               strip "Maximum Segment Size" option
    sack-permitted    strip "SACK permitted" option
    sack              strip "Selective ACK" option
    timestamp         strip "Timestamp" option
    md5               strip "MD5 signature" option
)HELP";

extern const TargetType kTcpoptstripTarget = {"TCPOPTSTRIP", kBoth,         kOptions,
                                              create,        "TCPOPTSTRIP", 0,
                                              decode,        nullptr,       kTcpoptstripTargetHelp};

}  // namespace cx::ext
