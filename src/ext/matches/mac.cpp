// -m mac (xt "mac" rev 0, struct xt_mac_info). Six ':'-separated hex bytes of one or two
// digits ("0:1:2:3:4:5" saves as 00:01:02:03:04:05); anything else is "Invalid MAC address
// specified.". -L: "MAC [! ]aa:bb:...".
#include <linux/netfilter/xt_mac.h>

#include <cstdio>

#include "common/parse.h"
#include <cstring>

#include "eval/context.h"
#include "ext/extension.h"
#include "ext/util.h"

namespace cx::ext {
namespace {

enum { kOptSource = 1 };
constexpr OptionSpec kOptions[] = {{"mac-source", ArgKind::Required, kOptSource}};

bool parse_mac(std::string_view s, unsigned char out[6]) {
  auto parts = split(s, ':');
  if (parts.size() != 6) return false;
  for (int i = 0; i < 6; ++i) {
    const std::string& p = parts[static_cast<std::size_t>(i)];
    if (p.empty() || p.size() > 2 || p.find_first_not_of("0123456789abcdefABCDEF") != std::string::npos)
      return false;
    out[i] = static_cast<unsigned char>(std::stoul(p, nullptr, 16));
  }
  return true;
}

class MacMatch final : public Match {
 public:
  xt_mac_info info{};
  bool given = false;

  std::string_view name() const override { return "mac"; }
  std::unique_ptr<Match> clone() const override { return std::make_unique<MacMatch>(*this); }
  eval::Outcome evaluate(const eval::Packet& p, eval::Context& ctx) const override {
    if (!p.src_mac) {
      ctx.set_reason(
          "--mac-source: the packet's source MAC address is not part of its description");
      return eval::Outcome::Undecidable;
    }
    bool eq = std::memcmp(p.src_mac->data(), info.srcaddr, 6) == 0;
    return eq != !!info.invert ? eval::Outcome::Match : eval::Outcome::NoMatch;
  }

  Status parse(int, const OptionArg& arg, const RuleContext&) override {
    if (given) return only_once("mac", "--mac-source");
    if (!parse_mac(arg.value, info.srcaddr)) return parameter_error("Invalid MAC address specified.");
    info.invert = arg.invert;
    given = true;
    return {};
  }
  Status final_check(const RuleContext&) override {
    if (!given) return must_be_specified("mac", "--mac-source");
    return {};
  }
  std::string mac_text() const {
    char buf[24];
    std::snprintf(buf, sizeof(buf), "%02x:%02x:%02x:%02x:%02x:%02x", info.srcaddr[0],
                  info.srcaddr[1], info.srcaddr[2], info.srcaddr[3], info.srcaddr[4],
                  info.srcaddr[5]);
    return buf;
  }
  void save(std::string& out, const SaveContext&) const override {
    out += info.invert ? " ! --mac-source " : " --mac-source ";
    out += mac_text();
  }
  void list(std::string& out, bool, const SaveContext&) const override {
    out += info.invert ? " MAC ! " : " MAC ";
    out += mac_text();
  }
  bool xlate(Xlate& xl, const XlateContext&) const override {
    xl.addf("ether saddr%s %s", info.invert ? " !=" : "", mac_text().c_str());
    return true;
  }
  Status encode(std::vector<nft::Expr>& out, const RuleContext&) const override {
    out.push_back(nft::Expr::match("mac", 0, xt_blob(info)));
    return {};
  }
};

std::unique_ptr<Match> create(Family) { return std::make_unique<MacMatch>(); }
std::unique_ptr<Match> decode_compat(const DecodeContext&, const nft::Bytes& blob) {
  auto m = std::make_unique<MacMatch>();
  if (!xt_read(blob, m->info)) return nullptr;
  m->given = true;
  return m;
}

}  // namespace

constexpr std::string_view kMacMatchHelp = R"HELP(
mac match options:
[!] --mac-source XX:XX:XX:XX:XX:XX
				Match source MAC address
)HELP";

extern const MatchType kMacMatch = {"mac", kBoth,         kOptions, create,       "mac",
                                    0,     decode_compat, nullptr,  kMacMatchHelp};

}  // namespace cx::ext
