// -m dccp (xt "dccp" rev 0, struct xt_dccp_info). Ports a[:b] (unset ports stay 0:0, not
// 0:65535), --dccp-types NAME,... and --dccp-option N.
// -L "dccp ... REQUEST,RESPONSE option=5" ("! REQUEST" inverted).
#include <linux/netfilter/xt_dccp.h>

#include "common/parse.h"
#include "ext/extension.h"
#include "ext/util.h"

namespace cx::ext {
namespace {

enum { kOptSport = 1, kOptDport, kOptTypes, kOptOption };
constexpr OptionSpec kOptions[] = {
    {"source-port", ArgKind::Required, kOptSport},
    {"sport", ArgKind::Required, kOptSport},
    {"destination-port", ArgKind::Required, kOptDport},
    {"dport", ArgKind::Required, kOptDport},
    {"dccp-types", ArgKind::Required, kOptTypes},
    {"dccp-option", ArgKind::Required, kOptOption},
};
constexpr const char* kDccpTypes[] = {"REQUEST", "RESPONSE", "DATA",   "ACK",
                                      "DATAACK", "CLOSEREQ", "CLOSE",  "RESET",
                                      "SYNC",    "SYNCACK",  "INVALID"};
constexpr int kTypeInvalid = 10;
constexpr std::uint16_t kInvalidOthers = 0xf800;  // types 11 to 15

class DccpMatch final : public Match {
 public:
  xt_dccp_info info{};
  std::string_view name() const override { return "dccp"; }
  std::unique_ptr<Match> clone() const override { return std::make_unique<DccpMatch>(*this); }
  Status parse(int id, const OptionArg& arg, const RuleContext&) override {
    std::uint16_t f = id == kOptSport   ? XT_DCCP_SRC_PORTS
                      : id == kOptDport ? XT_DCCP_DEST_PORTS
                      : id == kOptTypes ? XT_DCCP_TYPE
                                        : XT_DCCP_OPTION;
    // Messages name the first option of the id (--source-port for --sport too).
    const std::string opt = opt_of(kOptions, id);
    if (info.flags & f) return only_once("dccp", opt);
    switch (id) {
      case kOptSport:
      case kOptDport: {
        auto r = parse_xt_portrc(arg.value, "dccp", opt);
        if (!r) return r.take_error();
        std::uint16_t* p = id == kOptSport ? info.spts : info.dpts;
        p[0] = r->first;
        p[1] = r->second;
        break;
      }
      case kOptTypes:
        // strtok: empty words are skipped; INVALID also covers the types 11 to 15.
        for (const std::string& w : split(arg.value, ',')) {
          if (w.empty()) continue;
          int t = -1;
          for (int i = 0; i < 11 && t < 0; ++i)
            if (to_lower(w) == to_lower(kDccpTypes[i])) t = i;
          if (t < 0) return parameter_error("Unknown DCCP type `" + w + "'");
          info.typemask = static_cast<std::uint16_t>(info.typemask | (1u << t));
        }
        if (info.typemask & (1u << kTypeInvalid))
          info.typemask = static_cast<std::uint16_t>(info.typemask | kInvalidOthers);
        break;
      case kOptOption: {
        auto v = parse_uint_opt(arg.value, 1, 255, "dccp", opt);
        if (!v) return v.take_error();
        info.option = static_cast<std::uint8_t>(*v);
        break;
      }
    }
    info.flags |= f;
    if (arg.invert) info.invflags |= f;
    return {};
  }
  // -L and -S: names stop at INVALID (which stands for 10 to 15), numbers list every bit.
  std::string types(bool numeric = false) const {
    std::string s;
    for (int i = 0; i < 16; ++i)
      if (info.typemask & (1u << i)) {
        if (!s.empty()) s += ",";
        if (numeric) {
          s += std::to_string(i);
          continue;
        }
        s += i < 11 ? kDccpTypes[i] : kDccpTypes[kTypeInvalid];
        if (i >= kTypeInvalid) break;
      }
    return s;
  }
  void save(std::string& out, const SaveContext&) const override {
    auto inv = [&](std::uint16_t f) { return (info.invflags & f) ? " !" : ""; };
    if (info.flags & XT_DCCP_SRC_PORTS)
      out += std::string(inv(XT_DCCP_SRC_PORTS)) + " --sport " + save_xt_ports(info.spts);
    if (info.flags & XT_DCCP_DEST_PORTS)
      out += std::string(inv(XT_DCCP_DEST_PORTS)) + " --dport " + save_xt_ports(info.dpts);
    if (info.flags & XT_DCCP_TYPE)
      out += std::string(inv(XT_DCCP_TYPE)) + " --dccp-types " + types();
    if (info.flags & XT_DCCP_OPTION)
      out += std::string(inv(XT_DCCP_OPTION)) + " --dccp-option " + std::to_string(info.option);
  }
  void list(std::string& out, bool numeric, const SaveContext&) const override {
    out += " dccp";
    if (info.flags & XT_DCCP_SRC_PORTS)
      out += list_xt_ports("spt", info.spts, info.invflags & XT_DCCP_SRC_PORTS, numeric, "dccp");
    if (info.flags & XT_DCCP_DEST_PORTS)
      out += list_xt_ports("dpt", info.dpts, info.invflags & XT_DCCP_DEST_PORTS, numeric, "dccp");
    if (info.flags & XT_DCCP_TYPE)
      out += std::string((info.invflags & XT_DCCP_TYPE) ? " ! " : " ") + types(numeric);
    if ((info.flags & XT_DCCP_OPTION) && (info.option || (info.invflags & XT_DCCP_OPTION)))
      out += std::string(" option=") + ((info.invflags & XT_DCCP_OPTION) ? "!" : "") +
             std::to_string(info.option);
  }
  // nft words of libxt_dccp: ports, then the types as one name or a "{ a, b }" set (11 to 15
  // fold into INVALID's "10-15"); nft has no dccp option, so --dccp-option has none.
  bool xlate(Xlate& xl, const XlateContext&) const override {
    static constexpr const char* kNftTypes[] = {"request", "response", "data",  "ack",
                                                "dataack", "closereq", "close", "reset",
                                                "sync",    "syncack",  "10-15"};
    auto ports = [&](const char* dir, std::uint16_t f, const std::uint16_t* p) {
      if (!(info.flags & f)) return;
      xl.addf("dccp %s%s %u", dir, (info.invflags & f) ? " !=" : "", p[0]);
      if (p[0] != p[1]) xl.addf("-%u", p[1]);
    };
    ports("sport", XT_DCCP_SRC_PORTS, info.spts);
    ports("dport", XT_DCCP_DEST_PORTS, info.dpts);
    if ((info.flags & XT_DCCP_TYPE) && info.typemask) {
      xl.addf("dccp type%s ", (info.invflags & XT_DCCP_TYPE) ? " !=" : "");
      unsigned t = info.typemask;
      if (t & kInvalidOthers) t = (t & ~unsigned{kInvalidOthers}) | (1u << kTypeInvalid);
      const bool set = (t & (t - 1)) != 0;
      if (set) xl.add("{");
      bool first = true;
      for (int i = 0; i <= kTypeInvalid; ++i) {
        if (!(t & (1u << i))) continue;
        if (!first) xl.add(", ");
        first = false;
        xl.add(kNftTypes[i]);
      }
      if (set) xl.add("}");
    }
    return !(info.flags & XT_DCCP_OPTION);
  }
  Status encode(std::vector<nft::Expr>& out, const RuleContext&) const override {
    out.push_back(nft::Expr::match("dccp", 0, xt_blob(info)));
    return {};
  }
};

std::unique_ptr<Match> create(Family) { return std::make_unique<DccpMatch>(); }
std::unique_ptr<Match> decode_compat(const DecodeContext&, const nft::Bytes& blob) {
  auto m = std::make_unique<DccpMatch>();
  if (!xt_read(blob, m->info)) return nullptr;
  return m;
}

}  // namespace

constexpr std::string_view kDccpMatchHelp = R"HELP(
dccp match options
[!] --source-port port[:port]                          match source port(s)
 --sport ...
[!] --destination-port port[:port]                     match destination port(s)
 --dport ...
[!] --dccp-types type[,...]                            match when packet is one of the given types
[!] --dccp-option option                               match if option (by number!) is set
)HELP";

extern const MatchType kDccpMatch = {"dccp", kBoth,         kOptions, create,        "dccp",
                                     0,      decode_compat, nullptr,  kDccpMatchHelp};

}  // namespace cx::ext
