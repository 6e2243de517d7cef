// -m addrtype (xt "addrtype" rev 1, struct xt_addrtype_info_v1). Type lists are comma
// separated, each name a case-insensitive prefix of UNSPEC..XRESOLVE (first hit wins).
// --limit-iface-in / --limit-iface-out exclude each other (reported after the check that a
// type is given).
// -S prints the types in bit order; -L prints "ADDRTYPE match src-type !A,B dst-type C limit-in".
#include <linux/netfilter/xt_addrtype.h>

#include "common/parse.h"
#include "ext/extension.h"
#include "ext/util.h"

namespace cx::ext {
namespace {

enum { kOptSrc = 1, kOptDst, kOptIn, kOptOut };
constexpr OptionSpec kOptions[] = {
    {"src-type", ArgKind::Required, kOptSrc},
    {"dst-type", ArgKind::Required, kOptDst},
    {"limit-iface-in", ArgKind::None, kOptIn},
    {"limit-iface-out", ArgKind::None, kOptOut},
};

constexpr const char* kTypes[] = {"UNSPEC",    "UNICAST",     "LOCAL",    "BROADCAST",
                                  "ANYCAST",   "MULTICAST",   "BLACKHOLE", "UNREACHABLE",
                                  "PROHIBIT",  "THROW",       "NAT",      "XRESOLVE"};

// A bad word is quoted with the rest of the list after it (`A,B') when a comma follows it,
// alone in double quotes when it is the last one.
Result<std::uint16_t> parse_types(std::string_view arg) {
  std::uint16_t mask = 0;
  for (;;) {
    const std::size_t comma = arg.find(',');
    const std::string word(arg.substr(0, comma));
    const int i = word.empty() ? -1 : prefix_lookup(word, kTypes, std::size(kTypes));
    if (i < 0 && comma != std::string_view::npos)
      return parameter_error("addrtype: bad type `" + std::string(arg) + "'");
    if (i < 0) return parameter_error("addrtype: bad type \"" + word + "\"");
    mask = static_cast<std::uint16_t>(mask | (1u << i));
    if (comma == std::string_view::npos) return mask;
    arg.remove_prefix(comma + 1);
  }
}

std::string types_text(std::uint16_t mask) {
  std::string s;
  for (std::size_t i = 0; i < std::size(kTypes); ++i)
    if (mask & (1u << i)) {
      if (!s.empty()) s += ",";
      s += kTypes[i];
    }
  return s;
}

const char* opt_name(int id) {
  switch (id) {
    case kOptSrc: return "--src-type";
    case kOptDst: return "--dst-type";
    case kOptIn: return "--limit-iface-in";
    default: return "--limit-iface-out";
  }
}

class AddrtypeMatch final : public Match {
 public:
  xt_addrtype_info_v1 info{};
  unsigned seen = 0;

  std::string_view name() const override { return "addrtype"; }
  std::unique_ptr<Match> clone() const override { return std::make_unique<AddrtypeMatch>(*this); }

  Status parse(int id, const OptionArg& arg, const RuleContext&) override {
    if (seen & (1u << id)) return only_once("addrtype", opt_name(id));
    if (arg.invert && (id == kOptIn || id == kOptOut))
      return cannot_invert("addrtype", opt_name(id));
    switch (id) {
      case kOptSrc: {
        auto m = parse_types(arg.value);
        if (!m) return m.take_error();
        info.source = *m;
        if (arg.invert) info.flags |= XT_ADDRTYPE_INVERT_SOURCE;
        break;
      }
      case kOptDst: {
        auto m = parse_types(arg.value);
        if (!m) return m.take_error();
        info.dest = *m;
        if (arg.invert) info.flags |= XT_ADDRTYPE_INVERT_DEST;
        break;
      }
      case kOptIn: info.flags |= XT_ADDRTYPE_LIMIT_IFACE_IN; break;
      case kOptOut: info.flags |= XT_ADDRTYPE_LIMIT_IFACE_OUT; break;
    }
    seen |= 1u << id;
    return {};
  }
  // libxtables: the extension's own check first, then the exclusion of the two options.
  Status final_check(const RuleContext&) override {
    if (!(seen & ((1u << kOptSrc) | (1u << kOptDst))))
      return parameter_error("addrtype: you must specify --src-type or --dst-type");
    if ((seen & (1u << kOptIn)) && (seen & (1u << kOptOut)))
      return cannot_combine("addrtype", "--limit-iface-in", "--limit-iface-out");
    return {};
  }
  void save(std::string& out, const SaveContext&) const override {
    if (info.source) {
      out += (info.flags & XT_ADDRTYPE_INVERT_SOURCE) ? " ! --src-type " : " --src-type ";
      out += types_text(info.source);
    }
    if (info.dest) {
      out += (info.flags & XT_ADDRTYPE_INVERT_DEST) ? " ! --dst-type " : " --dst-type ";
      out += types_text(info.dest);
    }
    if (info.flags & XT_ADDRTYPE_LIMIT_IFACE_IN) out += " --limit-iface-in";
    if (info.flags & XT_ADDRTYPE_LIMIT_IFACE_OUT) out += " --limit-iface-out";
  }
  void list(std::string& out, bool, const SaveContext&) const override {
    out += " ADDRTYPE match";
    if (info.source) {
      out += " src-type ";
      if (info.flags & XT_ADDRTYPE_INVERT_SOURCE) out += "!";
      out += types_text(info.source);
    }
    if (info.dest) {
      out += " dst-type ";
      if (info.flags & XT_ADDRTYPE_INVERT_DEST) out += "!";
      out += types_text(info.dest);
    }
    if (info.flags & XT_ADDRTYPE_LIMIT_IFACE_IN) out += " limit-in";
    if (info.flags & XT_ADDRTYPE_LIMIT_IFACE_OUT) out += " limit-out";
  }
  // "fib saddr [. iif] type [!= ]{ a, b }" as libxt_addrtype words it: the source types if
  // any, else the destination's (never both); either "!" inverts; nft has no name for THROW,
  // NAT and XRESOLVE, which are left out.
  bool xlate(Xlate& xl, const XlateContext&) const override {
    static constexpr const char* kNft[] = {"unspec",    "unicast",     "local",
                                           "broadcast", "anycast",     "multicast",
                                           "blackhole", "unreachable", "prohibit"};
    xl.add("fib ");
    const std::uint16_t val = info.source ? info.source : info.dest;
    xl.add(info.source ? "saddr " : "daddr ");
    if (info.flags & XT_ADDRTYPE_LIMIT_IFACE_IN)
      xl.add(". iif ");
    else if (info.flags & XT_ADDRTYPE_LIMIT_IFACE_OUT)
      xl.add(". oif ");
    xl.add("type ");
    if (info.flags & (XT_ADDRTYPE_INVERT_SOURCE | XT_ADDRTYPE_INVERT_DEST)) xl.add("!= ");
    const bool braces = (val & (val - 1)) != 0;
    if (braces) xl.add("{ ");
    const char* sep = "";
    for (std::size_t i = 0; i < std::size(kNft); ++i)
      if (val & (1u << i)) {
        xl.addf("%s%s", sep, kNft[i]);
        sep = ", ";
      }
    if (braces) xl.add(" }");
    return true;
  }
  Status encode(std::vector<nft::Expr>& out, const RuleContext&) const override {
    out.push_back(nft::Expr::match("addrtype", 1, xt_blob(info)));
    return {};
  }
};

std::unique_ptr<Match> create(Family) { return std::make_unique<AddrtypeMatch>(); }
std::unique_ptr<Match> decode_compat(const DecodeContext&, const nft::Bytes& blob) {
  auto m = std::make_unique<AddrtypeMatch>();
  if (!xt_read(blob, m->info)) return nullptr;
  return m;
}

}  // namespace

constexpr std::string_view kAddrtypeMatchHelp = R"HELP(
Address type match options:
 [!] --src-type type[,...]      Match source address type
 [!] --dst-type type[,...]      Match destination address type
     --limit-iface-in           Match only on the packet's incoming device
     --limit-iface-out          Match only on the packet's outgoing device

Valid types:           
                                UNSPEC
                                UNICAST
                                LOCAL
                                BROADCAST
                                ANYCAST
                                MULTICAST
                                BLACKHOLE
                                UNREACHABLE
                                PROHIBIT
                                THROW
                                NAT
                                XRESOLVE
)HELP";

extern const MatchType kAddrtypeMatch = {
    "addrtype", kBoth, kOptions, create, "addrtype", 1, decode_compat, nullptr, kAddrtypeMatchHelp};

}  // namespace cx::ext
