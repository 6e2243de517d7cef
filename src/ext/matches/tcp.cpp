// -m tcp (xt "tcp" rev 0, struct xt_tcp). iptables-nft 1.8.9 encodes ports and flags natively
// (payload th+0/+2 with cmp or range, th+13 with bitwise+cmp) but falls back to the xt match
// for --tcp-option and for a match whose options constrain nothing (none, or only 0:65535
// ranges and NONE NONE flags). A negated 0:65535 or a NONE mask is kept as written (never
// matches), where the reference leaves it out and so matches everything.
#include <linux/netfilter/xt_tcpudp.h>

#include <cstring>

#include "common/parse.h"
#include "eval/context.h"
#include "ext/extension.h"
#include "ext/util.h"

namespace cx::ext {
namespace {

enum { kOptSport = 1, kOptDport, kOptFlags, kOptSyn, kOptOption };
constexpr OptionSpec kOptions[] = {
    {"source-port", ArgKind::Required, kOptSport},
    {"sport", ArgKind::Required, kOptSport},
    {"destination-port", ArgKind::Required, kOptDport},
    {"dport", ArgKind::Required, kOptDport},
    {"syn", ArgKind::None, kOptSyn},
    {"tcp-flags", ArgKind::Required, kOptFlags},
    {"tcp-option", ArgKind::Required, kOptOption},
};

struct FlagName {
  const char* name;
  std::uint8_t bit;
};
constexpr FlagName kFlags[] = {{"FIN", 0x01}, {"SYN", 0x02}, {"RST", 0x04}, {"PSH", 0x08},
                               {"ACK", 0x10}, {"URG", 0x20}, {"ALL", 0x3f}, {"NONE", 0}};

Result<std::uint8_t> parse_flags(std::string_view s) {
  std::uint8_t v = 0;
  for (const std::string& f : split(s, ',')) {
    bool found = false;
    for (const auto& fn : kFlags)
      if (f == fn.name) {
        v |= fn.bit;
        found = true;
      }
    if (!found) return parameter_error("Unknown TCP flag `" + f + "'");
  }
  return v;
}

std::string flags_text(std::uint8_t v) {
  if (v == 0) return "NONE";
  std::string s;
  for (int i = 0; i < 6; ++i)
    if (v & kFlags[i].bit) {
      if (!s.empty()) s += ",";
      s += kFlags[i].name;
    }
  return s;
}

class TcpMatch final : public Match {
 public:
  std::optional<PortRange> sport, dport;
  bool inv_sport = false, inv_dport = false;
  std::optional<std::pair<std::uint8_t, std::uint8_t>> flags;  // mask, compare
  bool inv_flags = false;
  std::optional<std::uint8_t> option;
  bool inv_option = false;

  std::string_view name() const override { return "tcp"; }
  eval::Outcome evaluate(const eval::Packet& p, eval::Context& ctx) const override {
    // A non-first fragment has no TCP header: no match, inverted or not.
    if (p.proto != eval::kProtoTcp || p.fragment) return eval::Outcome::NoMatch;
    auto in = [](const std::optional<PortRange>& r, bool inv, std::uint16_t v) {
      return !r || ((v >= r->lo && v <= r->hi) != inv);
    };
    // iptables-nft 1.8.9 (add_nft_tcpudp) compares two inverted single ports as one 4-byte
    // value: "! --sport S ! --dport D" matches unless both are equal.
    if (!needs_compat() && sport && dport && sport->lo == sport->hi && dport->lo == dport->hi &&
        sport->lo && dport->lo && inv_sport && inv_dport) {
      if (p.sport == sport->lo && p.dport == dport->lo) return eval::Outcome::NoMatch;
    } else if (!in(sport, inv_sport, p.sport) || !in(dport, inv_dport, p.dport)) {
      return eval::Outcome::NoMatch;
    }
    if (flags && ((p.tcp_flags & flags->first) == flags->second) == inv_flags)
      return eval::Outcome::NoMatch;
    if (option) {
      ctx.set_reason("--tcp-option: the packet's TCP options are not part of its description");
      return eval::Outcome::Undecidable;
    }
    return eval::Outcome::Match;
  }
  std::unique_ptr<Match> clone() const override { return std::make_unique<TcpMatch>(*this); }

  Status parse(int id, const OptionArg& arg, const RuleContext&) override {
    switch (id) {
      case kOptSport:
      case kOptDport: {
        auto& slot = id == kOptSport ? sport : dport;
        if (slot)
          return parameter_error(id == kOptSport ? "Only one `--source-port' allowed"
                                                 : "Only one `--destination-port' allowed");
        auto r = parse_port_range(arg.value, "tcp");
        if (!r) return r.take_error();
        slot = *r;
        (id == kOptSport ? inv_sport : inv_dport) = arg.invert;
        return {};
      }
      case kOptSyn:
      case kOptFlags: {
        if (flags) return parameter_error("Only one of `--syn' or `--tcp-flags'  allowed");
        if (id == kOptSyn) {
          flags = std::make_pair(std::uint8_t{0x17}, std::uint8_t{0x02});
        } else {
          std::size_t& next = *arg.next;
          if (next >= arg.argv->size() || (*arg.argv)[next].empty() ||
              (*arg.argv)[next][0] == '-' || (*arg.argv)[next][0] == '!')
            return parameter_error("--tcp-flags requires two args.");
          auto mask = parse_flags(arg.value);
          if (!mask) return mask.take_error();
          auto cmp = parse_flags((*arg.argv)[next++]);
          if (!cmp) return cmp.take_error();
          flags = std::make_pair(*mask, *cmp);
        }
        inv_flags = arg.invert;
        return {};
      }
      case kOptOption: {
        if (option) return parameter_error("Only one `--tcp-option' allowed");
        auto v = parse_unsigned(arg.value, 255, 0);
        if (!v || *v == 0)
          return parameter_error("Bad TCP option \"" + std::string(arg.value) + "\"");
        option = static_cast<std::uint8_t>(*v);
        inv_option = arg.invert;
        return {};
      }
    }
    return {};
  }

  // iptables-nft checks -p only when it builds the native expressions: a compat tcp match
  // (no options, --tcp-option, 0:65535) without -p tcp passes and the kernel refuses it.
  Status build_check(const RuleContext& ctx) const override {
    if (!needs_compat() && ctx.ip && ctx.ip->proto != 6)
      return parameter_error("TCP match requires '-p tcp'");
    return {};
  }

  void save(std::string& out, const SaveContext&) const override {
    auto full = [](const PortRange& r) { return r.lo == 0 && r.hi == 0xffff; };
    if (sport && !(full(*sport) && !inv_sport)) {
      out += inv_sport ? " ! --sport " : " --sport ";
      out += format_port_range(*sport);
    }
    if (dport && !(full(*dport) && !inv_dport)) {
      out += inv_dport ? " ! --dport " : " --dport ";
      out += format_port_range(*dport);
    }
    if (option) {
      out += inv_option ? " ! --tcp-option " : " --tcp-option ";
      out += std::to_string(*option);
    }
    if (flags) {
      out += inv_flags ? " ! --tcp-flags " : " --tcp-flags ";
      out += flags_text(flags->first) + " " + flags_text(flags->second);
    }
  }

  void list(std::string& out, bool numeric, const SaveContext&) const override {
    auto full = [](const PortRange& r) { return r.lo == 0 && r.hi == 0xffff; };
    out += " tcp";
    if (sport && !(full(*sport) && !inv_sport))
      out += list_port_range("spt", *sport, inv_sport, numeric, "tcp");
    if (dport && !(full(*dport) && !inv_dport))
      out += list_port_range("dpt", *dport, inv_dport, numeric, "tcp");
    if (option) {
      out += " option=";
      out += inv_option ? "!" : "";
      out += std::to_string(*option);
    }
    if (flags) {
      out += " flags:";
      out += inv_flags ? "!" : "";
      if (numeric) {
        char buf[32];
        std::snprintf(buf, sizeof(buf), "0x%02X/0x%02X", flags->first, flags->second);
        out += buf;
      } else {
        out += flags_text(flags->first) + "/" + flags_text(flags->second);
      }
    }
  }

  // nft words of libxt_tcp: each port unless 0:65535 (a negated full range is dropped), the
  // option's presence, then the flags as "cmp / mask" in lower case ("0x0" for none).
  bool xlate(Xlate& xl, const XlateContext&) const override {
    auto port = [&xl](const char* dir, const std::optional<PortRange>& r, bool inv) {
      if (!r || (r->lo == 0 && r->hi == 0xffff)) return;
      if (r->lo != r->hi)
        xl.addf("tcp %s %s%u-%u", dir, inv ? "!= " : "", r->lo, r->hi);
      else
        xl.addf("tcp %s %s%u", dir, inv ? "!= " : "", r->lo);
    };
    port("sport", sport, inv_sport);
    port("dport", dport, inv_dport);
    if (option.value_or(0)) xl.addf("tcp option %u %s", *option, inv_option ? "missing" : "exists");
    if (flags && (flags->first || inv_flags)) {
      xl.addf("tcp flags %s", inv_flags ? "!= " : "");
      xlate_flags(xl, flags->second);
      xl.add(" / ");
      xlate_flags(xl, flags->first);
    }
    return true;
  }
  static void xlate_flags(Xlate& xl, std::uint8_t v) {
    static constexpr const char* kLower[] = {"fin", "syn", "rst", "psh", "ack", "urg"};
    if (v == 0) {
      xl.add("0x0");
      return;
    }
    bool first = true;
    for (int i = 0; i < 6; ++i)
      if (v & (1u << i)) {
        xl.addf("%s%s", first ? "" : ",", kLower[i]);
        first = false;
      }
  }

  // iptables-nft 1.8.9 sends the xt match for an option (or a negated one) and when nothing
  // constrains anything; otherwise native expressions, where a flags test that is always
  // true (mask and compare NONE, not negated) is left out.
  bool flags_unset() const { return !flags || (!flags->first && !flags->second && !inv_flags); }
  bool needs_compat() const {
    return option.value_or(0) || inv_option ||
           (port_unset(sport, inv_sport) && port_unset(dport, inv_dport) && flags_unset());
  }

  Status encode(std::vector<nft::Expr>& out, const RuleContext&) const override {
    if (needs_compat()) {
      xt_tcp info{};
      info.spts[0] = sport ? sport->lo : 0;
      info.spts[1] = sport ? sport->hi : 0xffff;
      info.dpts[0] = dport ? dport->lo : 0;
      info.dpts[1] = dport ? dport->hi : 0xffff;
      info.option = option.value_or(0);
      if (flags) {
        info.flg_mask = flags->first;
        info.flg_cmp = flags->second;
      }
      info.invflags = static_cast<std::uint8_t>(
          (inv_sport ? XT_TCP_INV_SRCPT : 0) | (inv_dport ? XT_TCP_INV_DSTPT : 0) |
          (inv_flags ? XT_TCP_INV_FLAGS : 0) | (inv_option ? XT_TCP_INV_OPTION : 0));
      out.push_back(nft::Expr::match("tcp", 0, xt_blob(info)));
      return {};
    }
    if (!flags_unset()) {
      out.push_back(nft::Expr::payload(nft::kTransportHeader, 13, 1));
      out.push_back(nft::Expr::bitwise(1, {flags->first}, {0}));
      out.push_back(nft::Expr::cmp(inv_flags ? nft::kNeq : nft::kEq, {flags->second}));
    }
    encode_ports(out, sport, inv_sport, dport, inv_dport);
    return {};
  }
};

std::unique_ptr<Match> create(Family) { return std::make_unique<TcpMatch>(); }

std::unique_ptr<Match> decode_compat(const DecodeContext&, const nft::Bytes& info) {
  xt_tcp t{};
  if (!xt_read(info, t)) return nullptr;
  auto m = std::make_unique<TcpMatch>();
  if (t.spts[0] != 0 || t.spts[1] != 0xffff || (t.invflags & XT_TCP_INV_SRCPT)) {
    m->sport = PortRange{t.spts[0], t.spts[1]};
    m->inv_sport = t.invflags & XT_TCP_INV_SRCPT;
  }
  if (t.dpts[0] != 0 || t.dpts[1] != 0xffff || (t.invflags & XT_TCP_INV_DSTPT)) {
    m->dport = PortRange{t.dpts[0], t.dpts[1]};
    m->inv_dport = t.invflags & XT_TCP_INV_DSTPT;
  }
  if (t.option) {
    m->option = t.option;
    m->inv_option = t.invflags & XT_TCP_INV_OPTION;
  }
  if (t.flg_mask || (t.invflags & XT_TCP_INV_FLAGS)) {
    m->flags = std::make_pair(t.flg_mask, t.flg_cmp);
    m->inv_flags = t.invflags & XT_TCP_INV_FLAGS;
  }
  return m;
}

// Native: ports (see lift_ports) and the flags byte, th+13 with an optional mask, into one
// tcp match per rule, as iptables-nft 1.8.9 reads them when the rule's protocol is tcp.
bool decode_native(const LiftStep& s, LiftContext& ctx) {
  if (ctx.ip().proto != 6 || !s.reg) return false;
  const bool flags_step = s.reg->is_payload(nft::kTransportHeader, 13) &&
                          s.expr.kind == nft::Expr::Kind::Cmp && s.reg->len == 1;
  if (!flags_step && !is_port_step(s)) return false;
  auto* m = static_cast<TcpMatch*>(ctx.lifted("tcp"));
  if (!m) {
    auto fresh = std::make_unique<TcpMatch>();
    m = fresh.get();
    ctx.add_match(std::move(fresh));
  }
  if (!flags_step) {
    lift_ports(s, ctx, {m->sport, m->inv_sport, m->dport, m->inv_dport});
    return true;
  }
  const nft::Expr& e = s.expr;
  const RegValue& r = *s.reg;
  if (e.data.size() != 1 || (e.op != nft::kEq && e.op != nft::kNeq) ||
      (r.masked && (r.mask.size() != 1 || (!r.xor_bits.empty() && r.xor_bits[0] != 0)))) {
    ctx.refuse("unsupported tcp flags comparison");
    return true;
  }
  m->flags = std::make_pair(r.masked ? r.mask[0] : std::uint8_t{0xff}, e.data[0]);
  if (e.op == nft::kNeq) m->inv_flags = true;
  return true;
}

}  // namespace

constexpr std::string_view kTcpMatchHelp = R"HELP(
tcp match options:
[!] --tcp-flags mask comp	match when TCP flags & mask == comp
				(Flags: SYN ACK FIN RST URG PSH ALL NONE)
[!] --syn			match when only SYN flag set
				(equivalent to --tcp-flags SYN,RST,ACK,FIN SYN)
[!] --source-port port[:port]
 --sport ...
				match source port(s)
[!] --destination-port port[:port]
 --dport ...
				match destination port(s)
[!] --tcp-option number        match if TCP option set
)HELP";

extern const MatchType kTcpMatch = {"tcp", kBoth,         kOptions,      create,       "tcp",
                                    0,     decode_compat, decode_native, kTcpMatchHelp};

}  // namespace cx::ext
