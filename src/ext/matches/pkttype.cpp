// -m pkttype (xt "pkttype" rev 0, struct xt_pkttype_info). Names are case-insensitive:
// unicast/host (0), broadcast (1), multicast (2), otherhost (3). -L: "PKTTYPE = x" /
// "PKTTYPE != x".
#include <linux/netfilter/xt_pkttype.h>

#include <strings.h>

#include "eval/context.h"
#include "ext/extension.h"
#include "ext/util.h"

namespace cx::ext {
namespace {

enum { kOptType = 1 };
constexpr OptionSpec kOptions[] = {{"pkt-type", ArgKind::Required, kOptType}};

struct Name {
  const char* name;
  int type;
};
constexpr Name kNames[] = {{"unicast", 0}, {"broadcast", 1}, {"multicast", 2},
                           {"otherhost", 3}, {"host", 0}};

class PkttypeMatch final : public Match {
 public:
  xt_pkttype_info info{};
  bool given = false;

  std::string_view name() const override { return "pkttype"; }
  std::unique_ptr<Match> clone() const override { return std::make_unique<PkttypeMatch>(*this); }
  eval::Outcome evaluate(const eval::Packet& p, eval::Context&) const override {
    // skb->pkt_type: PACKET_HOST 0, BROADCAST 1, MULTICAST 2, OTHERHOST 3.
    int type = p.pkttype == eval::PktType::Host        ? 0
               : p.pkttype == eval::PktType::Broadcast ? 1
               : p.pkttype == eval::PktType::Multicast ? 2
                                                       : 3;
    return (type == info.pkttype) != !!info.invert ? eval::Outcome::Match
                                                   : eval::Outcome::NoMatch;
  }

  Status parse(int, const OptionArg& arg, const RuleContext&) override {
    if (given) return only_once("pkttype", "--pkt-type");
    std::string v(arg.value);
    for (const auto& n : kNames)
      if (strcasecmp(v.c_str(), n.name) == 0) {
        info.pkttype = n.type;
        info.invert = arg.invert;
        given = true;
        return {};
      }
    return parameter_error("Bad packet type '" + v + "'");
  }
  Status final_check(const RuleContext&) override {
    if (!given) return must_be_specified("pkttype", "--pkt-type");
    return {};
  }
  std::string type_text() const {
    for (const auto& n : kNames)
      if (n.type == info.pkttype) return n.name;
    return std::to_string(info.pkttype);
  }
  void save(std::string& out, const SaveContext&) const override {
    out += info.invert ? " ! --pkt-type " : " --pkt-type ";
    out += type_text();
  }
  void list(std::string& out, bool, const SaveContext&) const override {
    out += info.invert ? " PKTTYPE != " : " PKTTYPE = ";
    out += type_text();
  }
  // Host, broadcast and multicast by name; other types as numbers.
  bool xlate(Xlate& xl, const XlateContext&) const override {
    xl.addf("pkttype%s ", info.invert ? " !=" : "");
    if (info.pkttype >= 0 && info.pkttype <= 2)
      xl.add(kNames[info.pkttype].name);
    else
      xl.addf("%d", info.pkttype);
    return true;
  }
  Status encode(std::vector<nft::Expr>& out, const RuleContext&) const override {
    out.push_back(nft::Expr::match("pkttype", 0, xt_blob(info)));
    return {};
  }
};

std::unique_ptr<Match> create(Family) { return std::make_unique<PkttypeMatch>(); }
std::unique_ptr<Match> decode_compat(const DecodeContext&, const nft::Bytes& blob) {
  auto m = std::make_unique<PkttypeMatch>();
  if (!xt_read(blob, m->info)) return nullptr;
  m->given = true;
  return m;
}

// Native: meta pkttype == / != TYPE.
bool decode_native(const LiftStep& s, LiftContext& ctx) {
  if (!s.reg || !s.reg->is_meta(nft::kMetaPkttype) || s.expr.kind != nft::Expr::Kind::Cmp)
    return false;
  const nft::Expr& e = s.expr;
  if (e.data.size() != 1 || (e.op != nft::kEq && e.op != nft::kNeq) || s.reg->masked) {
    ctx.refuse("unsupported pkttype comparison");
    return true;
  }
  auto m = std::make_unique<PkttypeMatch>();
  m->info.pkttype = e.data[0];
  m->info.invert = e.op == nft::kNeq;
  m->given = true;
  ctx.add_match(std::move(m));
  return true;
}

}  // namespace

constexpr std::string_view kPkttypeMatchHelp = R"HELP(
pkttype match options:
[!] --pkt-type packettype    match packet type
Valid packet types:
	unicast       		to us
	broadcast     		to all
	multicast     		to group
	otherhost     		to someone else

)HELP";

extern const MatchType kPkttypeMatch = {"pkttype",     kBoth,         kOptions,
                                        create,        "pkttype",     0,
                                        decode_compat, decode_native, kPkttypeMatchHelp};

}  // namespace cx::ext
