// -m ipvs (xt "ipvs" rev 0, struct xt_ipvs_mtinfo): --ipvs, --vproto, --vaddr, --vport,
// --vdir, --vmethod, --vportctl. Each option sets its bit (1 << option index) in `bitmask`
// and, when inverted, in `invert`; --vdir REPLY is the direction's invert bit (--vdir itself
// cannot be inverted). The final check asks for at least one option, refuses "! --ipvs" with
// any other option and lets every other option imply --ipvs.
// Quirks of 1.8.9: --vproto is printed as a number; --vaddr is XTTYPE_HOSTMASK (not masked,
// "/N" sets N leading bits, else all 16 bytes are ones); ports are network order; -S/-L print
// "ipvs" only when it is the sole option; -L prints "vaddr anywhere" for 0.0.0.0 unless -n.
#include <arpa/inet.h>
#include <linux/netfilter/xt_ipvs.h>
#include <netdb.h>

#include <cstring>

#include "common/parse.h"
#include "ext/extension.h"
#include "ext/util.h"

namespace cx::ext {
namespace {

// Option ids are the bit positions of the XT_IPVS_* flags.
enum { kOptIpvs = 0, kOptVproto, kOptVaddr, kOptVport, kOptVdir, kOptVmethod, kOptVportctl };
constexpr OptionSpec kOptions[] = {
    {"ipvs", ArgKind::None, kOptIpvs},
    {"vproto", ArgKind::Required, kOptVproto},
    {"vaddr", ArgKind::Required, kOptVaddr},
    {"vport", ArgKind::Required, kOptVport},
    {"vdir", ArgKind::Required, kOptVdir},
    {"vmethod", ArgKind::Required, kOptVmethod},
    {"vportctl", ArgKind::Required, kOptVportctl},
};

// IP_VS_CONN_F_* forwarding methods of linux/ip_vs.h.
constexpr std::uint8_t kMasq = 0x0000, kTunnel = 0x0002, kDroute = 0x0003;

bool iequals(std::string_view a, std::string_view b) { return to_lower(a) == to_lower(b); }

class IpvsMatch final : public Match {
 public:
  xt_ipvs_mtinfo info{};
  unsigned seen = 0;

  std::string_view name() const override { return "ipvs"; }
  std::unique_ptr<Match> clone() const override { return std::make_unique<IpvsMatch>(*this); }

  Status parse(int id, const OptionArg& arg, const RuleContext& ctx) override {
    const std::string opt = opt_of(kOptions, id);
    if (seen & (1u << id)) return only_once("ipvs", opt);
    if (arg.invert && id == kOptVdir) return cannot_invert("ipvs", opt);
    switch (id) {
      case kOptVproto: {
        auto p = parse_xt_protocol(arg.value);
        if (!p) return p.take_error();
        info.l4proto = *p;
        break;
      }
      case kOptVaddr: {
        std::uint8_t a[16], m[16];
        CX_TRY(parse_hostmask(arg.value, ctx.family, "ipvs", opt, a, m));
        std::memcpy(&info.vaddr, a, 16);
        std::memcpy(&info.vmask, m, 16);
        break;
      }
      case kOptVport:
      case kOptVportctl: {
        auto p = parse_xt_port(arg.value);
        if (!p) return p.take_error();
        (id == kOptVport ? info.vport : info.vportctl) = htons(*p);
        break;
      }
      case kOptVdir:
        if (iequals(arg.value, "ORIGINAL"))
          info.invert &= ~XT_IPVS_DIR;
        else if (iequals(arg.value, "REPLY"))
          info.invert |= XT_IPVS_DIR;
        else
          return bad_value("ipvs", "--vdir", arg.value);
        break;
      case kOptVmethod:
        if (iequals(arg.value, "GATE"))
          info.fwd_method = kDroute;
        else if (iequals(arg.value, "IPIP"))
          info.fwd_method = kTunnel;
        else if (iequals(arg.value, "MASQ"))
          info.fwd_method = kMasq;
        else
          return bad_value("ipvs", "--vmethod", arg.value);
        break;
    }
    seen |= 1u << id;
    info.bitmask |= static_cast<std::uint8_t>(1u << id);
    if (arg.invert) info.invert |= static_cast<std::uint8_t>(1u << id);
    return {};
  }

  Status final_check(const RuleContext&) override {
    if (seen == 0) return parameter_error("IPVS: At least one option is required");
    if (info.bitmask & XT_IPVS_ONCE_MASK) {
      if (info.invert & XT_IPVS_IPVS_PROPERTY)
        return parameter_error("! --ipvs cannot be together with other options");
      info.bitmask |= XT_IPVS_IPVS_PROPERTY;
    }
    return {};
  }

  std::string addr_of(bool numeric, Family f) const {
    const auto* a = reinterpret_cast<const std::uint8_t*>(&info.vaddr);
    const auto* m = reinterpret_cast<const std::uint8_t*>(&info.vmask);
    const int bytes = f == Family::V4 ? 4 : 16;
    bool zero = true;
    for (int i = 0; i < bytes; ++i) zero = zero && a[i] == 0;
    if (!numeric && zero) return "anywhere";
    return (numeric ? addr_text(a, f) : addr_anyname(a, f)) + mask_suffix(m, f);
  }

  // Shared by save ("--" prefix, numeric) and list.
  void dump(std::string& out, const char* prefix, bool numeric, Family f) const {
    auto head = [&](std::uint8_t flag, const char* name) {
      if (info.invert & flag) out += " !";
      out += " ";
      out += prefix;
      out += name;
    };
    if (info.bitmask == XT_IPVS_IPVS_PROPERTY) head(XT_IPVS_IPVS_PROPERTY, "ipvs");
    if (info.bitmask & XT_IPVS_PROTO) {
      head(XT_IPVS_PROTO, "vproto ");
      out += std::to_string(info.l4proto);
    }
    if (info.bitmask & XT_IPVS_VADDR) {
      head(XT_IPVS_VADDR, "vaddr ");
      out += addr_of(numeric, f);
    }
    if (info.bitmask & XT_IPVS_VPORT) {
      head(XT_IPVS_VPORT, "vport ");
      out += std::to_string(ntohs(info.vport));
    }
    if (info.bitmask & XT_IPVS_DIR) {
      out += " ";
      out += prefix;
      out += (info.invert & XT_IPVS_DIR) ? "vdir REPLY" : "vdir ORIGINAL";
    }
    if (info.bitmask & XT_IPVS_METHOD) {
      head(XT_IPVS_METHOD, "vmethod ");
      switch (info.fwd_method) {
        case kDroute:
          out += "GATE";
          break;
        case kTunnel:
          out += "IPIP";
          break;
        case kMasq:
          out += "MASQ";
          break;
        default:
          out += "UNKNOWN";
          break;
      }
    }
    if (info.bitmask & XT_IPVS_VPORTCTL) {
      head(XT_IPVS_VPORTCTL, "vportctl ");
      out += std::to_string(ntohs(info.vportctl));
    }
  }

  void save(std::string& out, const SaveContext& ctx) const override {
    dump(out, "--", true, ctx.family);
  }
  void list(std::string& out, bool numeric, const SaveContext& ctx) const override {
    dump(out, "", numeric, ctx.family);
  }
  Status encode(std::vector<nft::Expr>& out, const RuleContext&) const override {
    out.push_back(nft::Expr::match("ipvs", 0, xt_blob(info)));
    return {};
  }
};

std::unique_ptr<Match> create(Family) { return std::make_unique<IpvsMatch>(); }
std::unique_ptr<Match> decode_compat(const DecodeContext&, const nft::Bytes& blob) {
  auto m = std::make_unique<IpvsMatch>();
  if (!xt_read(blob, m->info)) return nullptr;
  return m;
}

}  // namespace

constexpr std::string_view kIpvsMatchHelp = R"HELP(
IPVS match options:
[!] --ipvs                      packet belongs to an IPVS connection

Any of the following options implies --ipvs (even negated)
[!] --vproto protocol           VIP protocol to match; by number or name,
                                e.g. "tcp"
[!] --vaddr address[/mask]      VIP address to match
[!] --vport port                VIP port to match; by number or name,
                                e.g. "http"
    --vdir {ORIGINAL|REPLY}     flow direction of packet
[!] --vmethod {GATE|IPIP|MASQ}  IPVS forwarding method used
[!] --vportctl port             VIP port of the controlling connection to
                                match, e.g. 21 for FTP
)HELP";

extern const MatchType kIpvsMatch = {"ipvs", kBoth,         kOptions, create,        "ipvs",
                                     0,      decode_compat, nullptr,  kIpvsMatchHelp};

}  // namespace cx::ext
