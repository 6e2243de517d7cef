// -m socket (xt "socket" rev 3, xt_socket_mtinfo3): --transparent, --nowildcard,
// --restore-skmark (-L prints them with their dashes).
#include <linux/netfilter/xt_socket.h>

#include "ext/extension.h"
#include "ext/util.h"

namespace cx::ext {
namespace {

constexpr OptionSpec kOptions[] = {{"transparent", ArgKind::None, 1},
                                   {"nowildcard", ArgKind::None, 2},
                                   {"restore-skmark", ArgKind::None, 3}};

class SocketMatch final : public Match {
 public:
  xt_socket_mtinfo3 info{};
  std::string_view name() const override { return "socket"; }
  std::unique_ptr<Match> clone() const override { return std::make_unique<SocketMatch>(*this); }
  Status parse(int id, const OptionArg& arg, const RuleContext&) override {
    std::string opt = opt_of(kOptions, id);
    std::uint8_t bit = static_cast<std::uint8_t>(1u << (id - 1));
    if (info.flags & bit) return only_once("socket", opt);
    if (arg.invert) return cannot_invert("socket", opt);
    info.flags |= bit;
    return {};
  }
  void dump(std::string& out) const {
    if (info.flags & XT_SOCKET_TRANSPARENT) out += " --transparent";
    if (info.flags & XT_SOCKET_NOWILDCARD) out += " --nowildcard";
    if (info.flags & XT_SOCKET_RESTORESKMARK) out += " --restore-skmark";
  }
  void save(std::string& out, const SaveContext&) const override { dump(out); }
  void list(std::string& out, bool, const SaveContext&) const override {
    out += " socket";
    dump(out);
  }
  Status encode(std::vector<nft::Expr>& out, const RuleContext&) const override {
    out.push_back(nft::Expr::match("socket", 3, xt_blob(info)));
    return {};
  }
};

std::unique_ptr<Match> create(Family) { return std::make_unique<SocketMatch>(); }
std::unique_ptr<Match> decode_compat(const DecodeContext&, const nft::Bytes& blob) {
  auto m = std::make_unique<SocketMatch>();
  if (!xt_read(blob, m->info)) return nullptr;
  return m;
}

}  // namespace

constexpr std::string_view kSocketMatchHelp = R"HELP(
socket match options:
  --nowildcard     Do not ignore LISTEN sockets bound on INADDR_ANY
  --transparent    Ignore non-transparent sockets
  --restore-skmark Set the packet mark to the socket mark if
                   the socket matches and transparent / 
                   nowildcard conditions are satisfied

)HELP";

extern const MatchType kSocketMatch = {"socket", kBoth,         kOptions, create,          "socket",
                                       3,        decode_compat, nullptr,  kSocketMatchHelp};

}  // namespace cx::ext
