// -j TPROXY (xt "TPROXY" rev 1, xt_tproxy_target_info_v1: mask then value, address, port in
// network order; -S always prints --on-ip and --tproxy-mark V/M)
#include <arpa/inet.h>
#include <linux/netfilter/xt_TPROXY.h>

#include <cstring>

#include "common/parse.h"
#include "ext/extension.h"
#include "ext/util.h"

namespace cx::ext {
namespace {

constexpr OptionSpec kOptions[] = {{"on-port", ArgKind::Required, 1},
                                   {"on-ip", ArgKind::Required, 2},
                                   {"tproxy-mark", ArgKind::Required, 3}};

class TproxyTarget final : public SimpleTarget<xt_tproxy_target_info_v1> {
 public:
  std::string_view name() const override { return "TPROXY"; }
  std::unique_ptr<Target> clone() const override { return std::make_unique<TproxyTarget>(*this); }
  Status parse(int id, const OptionArg& arg, const RuleContext& ctx) override {
    CX_TRY(check_once(id, arg, kOptions));
    if (id == 1) {
      auto p = parse_xt_port(arg.value);  // XTTYPE_PORT
      if (!p) return p.take_error();
      info.lport = htons(*p);
    } else if (id == 2) {
      std::uint8_t a[16];
      CX_TRY(resolve_one(arg.value, ctx.family, a));
      std::memcpy(&info.laddr, a, 16);
    } else {
      std::uint32_t v = 0, m = 0xffffffff;
      CX_TRY(parse_mark_mask(arg.value, v, m, "TPROXY", "--tproxy-mark"));
      info.mark_value = v;
      info.mark_mask = m;
    }
    return {};
  }
  Status final_check(const RuleContext&) override {
    if (!(seen & 2u)) return must_be_specified("TPROXY", "--on-port");
    return {};
  }
  std::string ip(Family f) const {
    return addr_text(reinterpret_cast<const std::uint8_t*>(&info.laddr), f);
  }
  void save(std::string& out, const SaveContext& ctx) const override {
    out += " --on-port " + std::to_string(ntohs(info.lport)) + " --on-ip " + ip(ctx.family) +
           " --tproxy-mark " + hex(info.mark_value) + "/" + hex(info.mark_mask);
  }
  void list(std::string& out, bool, const SaveContext& ctx) const override {
    out += " TPROXY redirect " + ip(ctx.family) + ":" + std::to_string(ntohs(info.lport)) +
           " mark " + hex(info.mark_value) + "/" + hex(info.mark_mask);
  }
  Status encode(std::vector<nft::Expr>& out, const RuleContext&) const override {
    out.push_back(nft::Expr::target("TPROXY", 1, xt_blob(info)));
    return {};
  }
};

std::unique_ptr<Target> create(Family) { return std::make_unique<TproxyTarget>(); }
std::unique_ptr<Target> decode_compat(const DecodeContext&, const nft::Bytes& blob) {
  auto t = std::make_unique<TproxyTarget>();
  if (!xt_read(blob, t->info)) return nullptr;
  return t;
}

}  // namespace

constexpr std::string_view kTproxyTargetHelp = R"HELP(
TPROXY target options:
  --on-port port		    Redirect connection to port, or the original port if 0
  --on-ip ip			    Optionally redirect to the given IP
  --tproxy-mark value[/mask]	    Mark packets with the given value/mask

)HELP";

extern const TargetType kTproxyTarget = {
    "TPROXY", kBoth, kOptions, create, "TPROXY", 1, decode_compat, nullptr, kTproxyTargetHelp};

}  // namespace cx::ext
