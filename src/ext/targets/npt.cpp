// -j SNPT / -j DNPT (xt "SNPT" / "DNPT" rev 0, ip6t_npt_tginfo; IPv6 only): one NptTarget
// for both, told apart by `dnpt`.
#include <arpa/inet.h>
#include <linux/netfilter_ipv6/ip6t_NPT.h>

#include <cstring>

#include "common/parse.h"
#include "ext/extension.h"
#include "ext/util.h"

namespace cx::ext {
namespace {

constexpr OptionSpec kOptions[] = {{"src-pfx", ArgKind::Required, 1},
                                   {"dst-pfx", ArgKind::Required, 2}};

class NptTarget final : public SimpleTarget<ip6t_npt_tginfo> {
 public:
  bool dnpt = false;
  std::string_view name() const override { return dnpt ? "DNPT" : "SNPT"; }
  std::unique_ptr<Target> clone() const override { return std::make_unique<NptTarget>(*this); }
  // ADDR[/LEN or /MASK], the address kept as given (the kernel refuses host bits beyond the
  // prefix); a mask that is not a run of leading ones becomes length 255, which the kernel
  // refuses too, as with iptables.
  Status parse(int id, const OptionArg& arg, const RuleContext&) override {
    CX_TRY(check_once(id, arg, kOptions));
    const std::string_view opt = id == 1 ? "--src-pfx" : "--dst-pfx";
    const auto slash = arg.value.find('/');
    auto a = parse_addresses(arg.value.substr(0, slash), Family::V6);
    if (!a) return a.take_error();
    if (a->size() != 1) return parameter_error("Bad prefix \"" + std::string(arg.value) + "\"");
    unsigned len = 128;
    if (slash != std::string_view::npos) {
      const std::string mask(arg.value.substr(slash + 1));
      in6_addr m{};
      if (mask.find(':') != std::string::npos && inet_pton(AF_INET6, mask.c_str(), &m) == 1) {
        const int bits = mask_prefix_len(m.s6_addr, 16);
        len = bits < 0 ? 255 : static_cast<unsigned>(bits);
      } else if (auto n = parse_uint(mask, 0, 128)) {
        len = static_cast<unsigned>(*n);
      } else {
        return option_error(std::string(name()) + ": bad value for option \"" + std::string(opt) +
                            "\", neither a valid network mask nor valid CIDR (0-128).");
      }
    }
    auto& pfx = id == 1 ? info.src_pfx : info.dst_pfx;
    std::memcpy(&pfx, (*a)[0].addr.data(), 16);
    (id == 1 ? info.src_pfx_len : info.dst_pfx_len) = static_cast<std::uint8_t>(len);
    return {};
  }
  Status final_check(const RuleContext&) override {
    if (!(seen & (1u << 1))) return must_be_specified(name(), "--src-pfx");
    if (!(seen & (1u << 2))) return must_be_specified(name(), "--dst-pfx");
    return {};
  }
  std::string pfx(const nf_inet_addr& a, std::uint8_t len) const {
    return addr_text(reinterpret_cast<const std::uint8_t*>(&a), Family::V6) + "/" +
           std::to_string(len);
  }
  void save(std::string& out, const SaveContext&) const override {
    // iptables leaves out a zero-length prefix here (but not in -L).
    if (info.src_pfx_len) out += " --src-pfx " + pfx(info.src_pfx, info.src_pfx_len);
    if (info.dst_pfx_len) out += " --dst-pfx " + pfx(info.dst_pfx, info.dst_pfx_len);
  }
  void list(std::string& out, bool, const SaveContext&) const override {
    out += std::string(" ") + std::string(name()) + " src-pfx " +
           pfx(info.src_pfx, info.src_pfx_len) + " dst-pfx " + pfx(info.dst_pfx, info.dst_pfx_len);
  }
  Status encode(std::vector<nft::Expr>& out, const RuleContext&) const override {
    out.push_back(nft::Expr::target(std::string(name()), 0, xt_blob(info)));
    return {};
  }
};

std::unique_ptr<Target> create_snpt(Family) { return std::make_unique<NptTarget>(); }
std::unique_ptr<Target> create_dnpt(Family) {
  auto t = std::make_unique<NptTarget>();
  t->dnpt = true;
  return t;
}
std::unique_ptr<Target> decode_npt(const nft::Bytes& blob, bool dnpt) {
  auto t = std::make_unique<NptTarget>();
  if (!xt_read(blob, t->info)) return nullptr;
  t->dnpt = dnpt;
  return t;
}
std::unique_ptr<Target> decode_snpt(const DecodeContext&, const nft::Bytes& blob) {
  return decode_npt(blob, false);
}
std::unique_ptr<Target> decode_dnpt(const DecodeContext&, const nft::Bytes& blob) {
  return decode_npt(blob, true);
}

}  // namespace

constexpr std::string_view kSnptTargetHelp = R"HELP(
SNPT target options:
 --src-pfx prefix/length
 --dst-pfx prefix/length

)HELP";

constexpr std::string_view kDnptTargetHelp = R"HELP(
DNPT target options:
 --src-pfx prefix/length
 --dst-pfx prefix/length

)HELP";

extern const TargetType kSnptTarget = {"SNPT", kV6,         kOptions, create_snpt,    "SNPT",
                                       0,      decode_snpt, nullptr,  kSnptTargetHelp};
extern const TargetType kDnptTarget = {"DNPT", kV6,         kOptions, create_dnpt,    "DNPT",
                                       0,      decode_dnpt, nullptr,  kDnptTargetHelp};

}  // namespace cx::ext
