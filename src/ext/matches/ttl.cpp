// -m ttl (xt "ttl" rev 0, struct ipt_ttl_info; IPv4 only) and -m hl (xt "hl" rev 0, struct
// ip6t_hl_info; IPv6 only): {mode, value} with modes eq/ne/lt/gt; "! --ttl-eq" is ne, only
// --*-eq (or its alias --ttl / --hl) can be inverted, the three options exclude each other.
// -S "--ttl-eq N" / "! --ttl-eq N" / "--ttl-lt N"; -L "TTL match TTL == N" (!=, <, >).
#include <linux/netfilter_ipv4/ipt_ttl.h>
#include <linux/netfilter_ipv6/ip6t_hl.h>

#include "ext/extension.h"
#include "ext/util.h"

namespace cx::ext {
namespace {

enum { kOptEq = 1, kOptLt, kOptGt };
// "--ttl N" / "--hl N" are --ttl-eq / --hl-eq under another name (invertible as well).
constexpr OptionSpec kTtlOptions[] = {{"ttl-eq", ArgKind::Required, kOptEq},
                                      {"ttl-lt", ArgKind::Required, kOptLt},
                                      {"ttl-gt", ArgKind::Required, kOptGt},
                                      {"ttl", ArgKind::Required, kOptEq}};
constexpr OptionSpec kHlOptions[] = {{"hl-eq", ArgKind::Required, kOptEq},
                                     {"hl-lt", ArgKind::Required, kOptLt},
                                     {"hl-gt", ArgKind::Required, kOptGt},
                                     {"hl", ArgKind::Required, kOptEq}};

// Same numbering in both headers: EQ 0, NE 1, LT 2, GT 3.
class TtlMatch final : public Match {
 public:
  bool hl = false;  // -m hl
  std::uint8_t mode = 0, value = 0;
  unsigned seen = 0;

  std::string_view name() const override { return hl ? "hl" : "ttl"; }
  std::unique_ptr<Match> clone() const override { return std::make_unique<TtlMatch>(*this); }
  std::string opt(int id) const {
    std::string p = hl ? "--hl-" : "--ttl-";
    return p + (id == kOptEq ? "eq" : id == kOptLt ? "lt" : "gt");
  }

  Status parse(int id, const OptionArg& arg, const RuleContext&) override {
    if (seen & (1u << id)) return only_once(name(), opt(id));
    if (arg.invert && id != kOptEq) return cannot_invert(name(), opt(id));
    seen |= 1u << id;
    auto v = parse_uint_opt(arg.value, 0, 255, name(), opt(id));
    if (!v) return v.take_error();
    value = static_cast<std::uint8_t>(*v);
    mode = id == kOptEq ? (arg.invert ? IPT_TTL_NE : IPT_TTL_EQ)
           : id == kOptLt ? IPT_TTL_LT
                          : IPT_TTL_GT;
    return {};
  }
  // libxtables: the extension's check first, then the exclusions in the reference's table
  // order (lt, gt, eq), each against the others in id order (eq, lt, gt).
  Status final_check(const RuleContext&) override {
    if (seen == 0)
      return parameter_error(
          hl ? "HL match: You must specify one of `--hl-eq', `--hl-lt', `--hl-gt'"
             : "TTL match: You must specify one of `--ttl-eq', `--ttl-lt', `--ttl-gt");
    for (int id : {kOptLt, kOptGt, kOptEq}) {
      if (!(seen & (1u << id))) continue;
      for (int other : {kOptEq, kOptLt, kOptGt})
        if (other != id && (seen & (1u << other)))
          return cannot_combine(name(), opt(id), opt(other));
    }
    return {};
  }
  void save(std::string& out, const SaveContext&) const override {
    switch (mode) {
      case IPT_TTL_EQ: out += " " + opt(kOptEq) + " "; break;
      case IPT_TTL_NE: out += " ! " + opt(kOptEq) + " "; break;
      case IPT_TTL_LT: out += " " + opt(kOptLt) + " "; break;
      case IPT_TTL_GT: out += " " + opt(kOptGt) + " "; break;
    }
    out += std::to_string(value);
  }
  void list(std::string& out, bool, const SaveContext&) const override {
    out += hl ? " HL match HL " : " TTL match TTL ";
    switch (mode) {
      case IPT_TTL_EQ: out += "== "; break;
      case IPT_TTL_NE: out += "!= "; break;
      case IPT_TTL_LT: out += "< "; break;
      case IPT_TTL_GT: out += "> "; break;
    }
    out += std::to_string(value);
  }
  bool xlate(Xlate& xl, const XlateContext&) const override {
    if (mode > IPT_TTL_GT) return false;
    if (hl) {
      static const char* const kOps[] = {"", "!= ", "lt ", "gt "};
      xl.addf("ip6 hoplimit %s%u", kOps[mode], value);
    } else {
      static const char* const kOps[] = {"", " !=", " lt", " gt"};
      xl.addf("ip ttl%s %u", kOps[mode], value);
    }
    return true;
  }
  Status encode(std::vector<nft::Expr>& out, const RuleContext&) const override {
    ipt_ttl_info i{};
    i.mode = mode;
    i.ttl = value;
    out.push_back(nft::Expr::match(hl ? "hl" : "ttl", 0, xt_blob(i)));
    return {};
  }
};

std::unique_ptr<Match> create_ttl(Family) { return std::make_unique<TtlMatch>(); }
std::unique_ptr<Match> create_hl(Family) {
  auto m = std::make_unique<TtlMatch>();
  m->hl = true;
  return m;
}
template <bool HL>
std::unique_ptr<Match> decode(const DecodeContext&, const nft::Bytes& blob) {
  ipt_ttl_info i{};
  if (!xt_read(blob, i)) return nullptr;
  auto m = std::make_unique<TtlMatch>();
  m->hl = HL;
  m->mode = i.mode;
  m->value = i.ttl;
  return m;
}

// Native: ip ttl (nh+8) / ip6 hoplimit (nh+7) compared with ==, !=, <, >, <=, >= (the last
// two as < N+1 and > N-1, impossible at 255 and 0), as iptables-nft 1.8.9 reads them.
bool decode_native(const LiftStep& s, LiftContext& ctx) {
  const bool v6 = ctx.family() == Family::V6;
  if (!s.reg || s.expr.kind != nft::Expr::Kind::Cmp ||
      !s.reg->is_payload(nft::kNetworkHeader, v6 ? 7 : 8))
    return false;
  const nft::Expr& e = s.expr;
  if (e.data.size() != 1 || s.reg->masked || s.reg->len != 1) {
    ctx.refuse("unsupported ttl field comparison");
    return true;
  }
  std::uint8_t v = e.data[0];
  std::uint8_t mode = 0;
  bool ok = true;
  switch (e.op) {
    case nft::kEq:
      mode = IPT_TTL_EQ;
      break;
    case nft::kNeq:
      mode = IPT_TTL_NE;
      break;
    case nft::kLt:
      mode = IPT_TTL_LT;
      break;
    case nft::kGt:
      mode = IPT_TTL_GT;
      break;
    case nft::kLte:
      mode = IPT_TTL_LT;
      ok = v != 255;
      ++v;
      break;
    case nft::kGte:
      mode = IPT_TTL_GT;
      ok = v != 0;
      --v;
      break;
    default:
      ok = false;
      break;
  }
  if (!ok) {
    ctx.fail("invalid ttl field match");
    return true;
  }
  auto m = std::make_unique<TtlMatch>();
  m->hl = v6;
  m->mode = mode;
  m->value = v;
  ctx.add_match(std::move(m));
  return true;
}

}  // namespace

constexpr std::string_view kTtlMatchHelp = R"HELP(
ttl match options:
[!] --ttl-eq value	Match time to live value
  --ttl-lt value	Match TTL < value
  --ttl-gt value	Match TTL > value
)HELP";

constexpr std::string_view kHlMatchHelp = R"HELP(
hl match options:
[!] --hl-eq value	Match hop limit value
  --hl-lt value	Match HL < value
  --hl-gt value	Match HL > value
)HELP";

extern const MatchType kTtlMatch = {"ttl", kV4,           kTtlOptions,   create_ttl,   "ttl",
                                    0,     decode<false>, decode_native, kTtlMatchHelp};
extern const MatchType kHlMatch = {"hl", kV6,          kHlOptions,    create_hl,   "hl",
                                   0,    decode<true>, decode_native, kHlMatchHelp};

}  // namespace cx::ext
