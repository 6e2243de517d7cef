// -m udp (xt "udp" rev 0, struct xt_udp). Ports are native (payload th+0/+2, cmp or range);
// a match whose ports constrain nothing (none, or only 0:65535) stays xt compat, as in
// iptables-nft 1.8.9.
// Numeric ports wrap at 16 bits (libxt_udp's parser does: --dport 70000 is port 4464).
#include <linux/netfilter/xt_tcpudp.h>

#include "common/parse.h"
#include "eval/context.h"
#include "ext/extension.h"
#include "ext/util.h"

namespace cx::ext {
namespace {

enum { kOptSport = 1, kOptDport };
constexpr OptionSpec kOptions[] = {
    {"source-port", ArgKind::Required, kOptSport},
    {"sport", ArgKind::Required, kOptSport},
    {"destination-port", ArgKind::Required, kOptDport},
    {"dport", ArgKind::Required, kOptDport},
};

// XTTYPE_PORTRC, with no check that min <= max.
Result<PortRange> parse_udp_range(std::string_view s, std::string_view opt) {
  auto r = parse_xt_portrc(s, "udp", opt);
  if (!r) return r.take_error();
  return PortRange{r->first, r->second};
}

class UdpMatch final : public Match {
 public:
  std::optional<PortRange> sport, dport;
  bool inv_sport = false, inv_dport = false;

  std::string_view name() const override { return "udp"; }
  eval::Outcome evaluate(const eval::Packet& p, eval::Context&) const override {
    if (p.proto != eval::kProtoUdp || p.fragment) return eval::Outcome::NoMatch;
    auto in = [](const std::optional<PortRange>& r, bool inv, std::uint16_t v) {
      return !r || ((v >= r->lo && v <= r->hi) != inv);
    };
    bool compat = needs_compat();
    // iptables-nft 1.8.9 (add_nft_tcpudp) compares two inverted single ports as one 4-byte
    // value: "! --sport S ! --dport D" matches unless both are equal.
    if (!compat && sport && dport && sport->lo == sport->hi && dport->lo == dport->hi &&
        sport->lo && dport->lo && inv_sport && inv_dport)
      return p.sport == sport->lo && p.dport == dport->lo ? eval::Outcome::NoMatch
                                                          : eval::Outcome::Match;
    return in(sport, inv_sport, p.sport) && in(dport, inv_dport, p.dport) ? eval::Outcome::Match
                                                                          : eval::Outcome::NoMatch;
  }
  std::unique_ptr<Match> clone() const override { return std::make_unique<UdpMatch>(*this); }

  Status parse(int id, const OptionArg& arg, const RuleContext&) override {
    auto& slot = id == kOptSport ? sport : dport;
    const char* opt = id == kOptSport ? "--source-port" : "--destination-port";
    if (slot) return only_once("udp", opt);
    auto r = parse_udp_range(arg.value, opt);
    if (!r) return r.take_error();
    slot = *r;
    (id == kOptSport ? inv_sport : inv_dport) = arg.invert;
    return {};
  }

  // Checked only for the native encoding, as in iptables-nft (see tcp.cpp).
  Status build_check(const RuleContext& ctx) const override {
    if (!needs_compat() && ctx.ip && ctx.ip->proto != 17)
      return parameter_error("UDP match requires '-p udp'");
    return {};
  }

  // nft words of libxt_udp; both ports take their "!=" from the source port's flag, as the
  // reference does.
  bool xlate(Xlate& xl, const XlateContext&) const override {
    auto port = [&](const char* dir, const std::optional<PortRange>& r) {
      if (!r || (r->lo == 0 && r->hi == 0xffff)) return;
      if (r->lo != r->hi)
        xl.addf("udp %s %s%u-%u", dir, inv_sport ? "!= " : "", r->lo, r->hi);
      else
        xl.addf("udp %s %s%u", dir, inv_sport ? "!= " : "", r->lo);
    };
    port("sport", sport);
    port("dport", dport);
    return true;
  }

  // iptables-nft 1.8.9 sends the xt match only when no port constrains anything.
  bool needs_compat() const { return port_unset(sport, inv_sport) && port_unset(dport, inv_dport); }

  static bool full(const std::optional<PortRange>& r, bool inv) {
    return r && r->lo == 0 && r->hi == 0xffff && !inv;
  }

  void save(std::string& out, const SaveContext&) const override {
    if (sport && !full(sport, inv_sport)) {
      out += inv_sport ? " ! --sport " : " --sport ";
      out += format_port_range(*sport);
    }
    if (dport && !full(dport, inv_dport)) {
      out += inv_dport ? " ! --dport " : " --dport ";
      out += format_port_range(*dport);
    }
  }

  void list(std::string& out, bool numeric, const SaveContext&) const override {
    out += " udp";
    if (sport && !full(sport, inv_sport))
      out += list_port_range("spt", *sport, inv_sport, numeric, "udp");
    if (dport && !full(dport, inv_dport))
      out += list_port_range("dpt", *dport, inv_dport, numeric, "udp");
  }

  Status encode(std::vector<nft::Expr>& out, const RuleContext&) const override {
    if (needs_compat()) {
      xt_udp info{};
      info.spts[0] = sport ? sport->lo : 0;
      info.spts[1] = sport ? sport->hi : 0xffff;
      info.dpts[0] = dport ? dport->lo : 0;
      info.dpts[1] = dport ? dport->hi : 0xffff;
      info.invflags = static_cast<std::uint8_t>((inv_sport ? XT_UDP_INV_SRCPT : 0) |
                                                (inv_dport ? XT_UDP_INV_DSTPT : 0));
      out.push_back(nft::Expr::match("udp", 0, xt_blob(info)));
      return {};
    }
    encode_ports(out, sport, inv_sport, dport, inv_dport);
    return {};
  }
};

std::unique_ptr<Match> create(Family) { return std::make_unique<UdpMatch>(); }

std::unique_ptr<Match> decode_compat(const DecodeContext&, const nft::Bytes& info) {
  xt_udp u{};
  if (!xt_read(info, u)) return nullptr;
  auto m = std::make_unique<UdpMatch>();
  if (u.spts[0] != 0 || u.spts[1] != 0xffff || (u.invflags & XT_UDP_INV_SRCPT)) {
    m->sport = PortRange{u.spts[0], u.spts[1]};
    m->inv_sport = u.invflags & XT_UDP_INV_SRCPT;
  }
  if (u.dpts[0] != 0 || u.dpts[1] != 0xffff || (u.invflags & XT_UDP_INV_DSTPT)) {
    m->dport = PortRange{u.dpts[0], u.dpts[1]};
    m->inv_dport = u.invflags & XT_UDP_INV_DSTPT;
  }
  return m;
}

// Native: ports (see lift_ports) into one udp match per rule, as iptables-nft 1.8.9 reads
// them when the rule's protocol is udp.
bool decode_native(const LiftStep& s, LiftContext& ctx) {
  if (ctx.ip().proto != 17 || !is_port_step(s)) return false;
  auto* m = static_cast<UdpMatch*>(ctx.lifted("udp"));
  if (!m) {
    auto fresh = std::make_unique<UdpMatch>();
    m = fresh.get();
    ctx.add_match(std::move(fresh));
  }
  lift_ports(s, ctx, {m->sport, m->inv_sport, m->dport, m->inv_dport});
  return true;
}

}  // namespace

constexpr std::string_view kUdpMatchHelp = R"HELP(
udp match options:
[!] --source-port port[:port]
 --sport ...
				match source port(s)
[!] --destination-port port[:port]
 --dport ...
				match destination port(s)
)HELP";

extern const MatchType kUdpMatch = {"udp", kBoth,         kOptions,      create,       "udp",
                                    0,     decode_compat, decode_native, kUdpMatchHelp};

}  // namespace cx::ext
