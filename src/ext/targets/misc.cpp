// Small xt compat targets:
//   AUDIT (rev 0, xt_audit_info: accept 0, drop 1, reject 2)
//   CLASSIFY (rev 0, priority = major << 16 | minor, both hex; -S "%04x:%04x")
//   CHECKSUM (rev 0, --checksum-fill = 1)   CONNSECMARK (rev 0, --save 1 / --restore 2)
//   SYNPROXY (rev 0, options bits mss 1, wscale 2, sack-perm 4, timestamp 8, ecn 16;
//            -L prints every piece followed by a space)
//   TEE (rev 1, xt_tee_tginfo: gateway address, --oif name)
//   IDLETIMER (rev 1, idletimer_tg_info_v1: --timeout, --label, --alarm)
//   TPROXY (rev 1, xt_tproxy_target_info_v1: mask then value, address, port in network
//          order; -S always prints --on-ip and --tproxy-mark V/M)
//   SNPT / DNPT (rev 0, ip6t_npt_tginfo; IPv6 only)
//   SECMARK (rev 1, mode 1 = SELinux context), LED (rev 0, id "netfilter-" + trigger id),
//   ULOG (rev 0, IPv4, gone from the kernel). (-j QUEUE is the core's VerdictKind::Queue.)
#include <arpa/inet.h>
#include <linux/netfilter/xt_AUDIT.h>
#include <linux/netfilter/xt_CHECKSUM.h>
#include <linux/netfilter/xt_CLASSIFY.h>
#include <linux/netfilter/xt_CONNSECMARK.h>
#include <linux/netfilter/xt_IDLETIMER.h>
#include <linux/netfilter/xt_LED.h>
#include <linux/netfilter/xt_SECMARK.h>
#include <linux/netfilter/xt_SYNPROXY.h>
#include <linux/netfilter/xt_TEE.h>
#include <linux/netfilter/xt_TPROXY.h>
#include <linux/netfilter_ipv6/ip6t_NPT.h>

#include <cstdio>
#include <cstring>

#include "common/parse.h"
#include "ext/extension.h"
#include "ext/util.h"

namespace cx::ext {
namespace {

std::string opt_of(std::span<const OptionSpec> opts, int id) {
  for (const auto& o : opts)
    if (o.id == id) return "--" + std::string(o.name);
  return "";
}

std::string cstr(const char* s, std::size_t n) { return std::string(s, strnlen(s, n)); }
void set_cstr(char* dst, std::size_t n, std::string_view v) {
  std::memset(dst, 0, n);
  std::memcpy(dst, v.data(), std::min(v.size(), n - 1));
}

// A target whose options never take "!" and may each appear once.
template <class Info>
class SimpleTarget : public Target {
 public:
  Info info{};
  unsigned seen = 0;
  Status check_once(int id, const OptionArg& arg, std::span<const OptionSpec> opts) {
    if (arg.invert) return cannot_invert(name(), opt_of(opts, id));
    if (seen & (1u << id)) return only_once(name(), opt_of(opts, id));
    seen |= 1u << id;
    return {};
  }
};

// --- AUDIT -----------------------------------------------------------------------------------
constexpr OptionSpec kAuditOptions[] = {{"type", ArgKind::Required, 1}};
constexpr const char* kAuditTypes[] = {"accept", "drop", "reject"};

class AuditTarget final : public SimpleTarget<xt_audit_info> {
 public:
  std::string_view name() const override { return "AUDIT"; }
  std::unique_ptr<Target> clone() const override { return std::make_unique<AuditTarget>(*this); }
  Status parse(int id, const OptionArg& arg, const RuleContext&) override {
    CX_TRY(check_once(id, arg, kAuditOptions));
    for (std::uint8_t i = 0; i < 3; ++i)
      if (arg.value == kAuditTypes[i]) {
        info.type = i;
        return {};
      }
    return parameter_error("Bad action type value \"" + std::string(arg.value) + "\"");
  }
  Status final_check(const RuleContext&) override {
    if (!seen) return must_be_specified("AUDIT", "--type");
    return {};
  }
  void save(std::string& out, const SaveContext&) const override {
    out += std::string(" --type ") + kAuditTypes[info.type % 3];
  }
  void list(std::string& out, bool, const SaveContext&) const override {
    out += std::string(" AUDIT ") + kAuditTypes[info.type % 3];
  }
  Status encode(std::vector<nft::Expr>& out, const RuleContext&) const override {
    out.push_back(nft::Expr::target("AUDIT", 0, xt_blob(info)));
    return {};
  }
};

// --- CLASSIFY --------------------------------------------------------------------------------
constexpr OptionSpec kClassifyOptions[] = {{"set-class", ArgKind::Required, 1}};

class ClassifyTarget final : public SimpleTarget<xt_classify_target_info> {
 public:
  std::string_view name() const override { return "CLASSIFY"; }
  std::unique_ptr<Target> clone() const override { return std::make_unique<ClassifyTarget>(*this); }
  Status parse(int id, const OptionArg& arg, const RuleContext&) override {
    CX_TRY(check_once(id, arg, kClassifyOptions));
    unsigned major = 0, minor = 0;
    std::string v(arg.value);
    char extra = 0;
    if (std::sscanf(v.c_str(), "%x:%x%c", &major, &minor, &extra) != 2 || major > 0xffff ||
        minor > 0xffff)
      return parameter_error("Bad class value \"" + v + "\"");
    info.priority = (major << 16) | minor;
    return {};
  }
  Status final_check(const RuleContext&) override {
    if (!seen) return must_be_specified("CLASSIFY", "--set-class");
    return {};
  }
  void save(std::string& out, const SaveContext&) const override {
    char b[32];
    std::snprintf(b, sizeof(b), " --set-class %04x:%04x", info.priority >> 16,
                  info.priority & 0xffff);
    out += b;
  }
  void list(std::string& out, bool, const SaveContext&) const override {
    char b[32];
    std::snprintf(b, sizeof(b), " CLASSIFY set %x:%x", info.priority >> 16,
                  info.priority & 0xffff);
    out += b;
  }
  Status encode(std::vector<nft::Expr>& out, const RuleContext&) const override {
    out.push_back(nft::Expr::target("CLASSIFY", 0, xt_blob(info)));
    return {};
  }
};

// --- CHECKSUM --------------------------------------------------------------------------------
constexpr OptionSpec kChecksumOptions[] = {{"checksum-fill", ArgKind::None, 1}};

class ChecksumTarget final : public SimpleTarget<xt_CHECKSUM_info> {
 public:
  std::string_view name() const override { return "CHECKSUM"; }
  std::unique_ptr<Target> clone() const override { return std::make_unique<ChecksumTarget>(*this); }
  Status parse(int id, const OptionArg& arg, const RuleContext&) override {
    CX_TRY(check_once(id, arg, kChecksumOptions));
    info.operation = XT_CHECKSUM_OP_FILL;
    return {};
  }
  Status final_check(const RuleContext&) override {
    if (!info.operation) return parameter_error("CHECKSUM target: Parameter --checksum-fill is required");
    return {};
  }
  void save(std::string& out, const SaveContext&) const override {
    if (info.operation & XT_CHECKSUM_OP_FILL) out += " --checksum-fill";
  }
  void list(std::string& out, bool, const SaveContext&) const override {
    out += " CHECKSUM";
    if (info.operation & XT_CHECKSUM_OP_FILL) out += " fill";
  }
  Status encode(std::vector<nft::Expr>& out, const RuleContext&) const override {
    out.push_back(nft::Expr::target("CHECKSUM", 0, xt_blob(info)));
    return {};
  }
};

// --- CONNSECMARK -----------------------------------------------------------------------------
constexpr OptionSpec kConnsecmarkOptions[] = {{"save", ArgKind::None, 1},
                                              {"restore", ArgKind::None, 2}};

class ConnsecmarkTarget final : public SimpleTarget<xt_connsecmark_target_info> {
 public:
  std::string_view name() const override { return "CONNSECMARK"; }
  std::unique_ptr<Target> clone() const override {
    return std::make_unique<ConnsecmarkTarget>(*this);
  }
  Status parse(int id, const OptionArg& arg, const RuleContext&) override {
    CX_TRY(check_once(id, arg, kConnsecmarkOptions));
    info.mode = id == 1 ? CONNSECMARK_SAVE : CONNSECMARK_RESTORE;
    return {};
  }
  Status final_check(const RuleContext&) override {
    if (seen == 6) return cannot_combine("CONNSECMARK", "--save", "--restore");
    if (!seen) return parameter_error("CONNSECMARK target: parameter required");
    return {};
  }
  void save(std::string& out, const SaveContext&) const override {
    out += info.mode == CONNSECMARK_SAVE ? " --save" : " --restore";
  }
  void list(std::string& out, bool, const SaveContext&) const override {
    out += info.mode == CONNSECMARK_SAVE ? " CONNSECMARK save" : " CONNSECMARK restore";
  }
  Status encode(std::vector<nft::Expr>& out, const RuleContext&) const override {
    out.push_back(nft::Expr::target("CONNSECMARK", 0, xt_blob(info)));
    return {};
  }
};

// --- SYNPROXY --------------------------------------------------------------------------------
enum { kSpSack = 1, kSpTs, kSpWscale, kSpMss, kSpEcn };
constexpr OptionSpec kSynproxyOptions[] = {
    {"sack-perm", ArgKind::None, kSpSack}, {"timestamp", ArgKind::None, kSpTs},
    {"wscale", ArgKind::Required, kSpWscale}, {"mss", ArgKind::Required, kSpMss},
    {"ecn", ArgKind::None, kSpEcn},
};

class SynproxyTarget final : public SimpleTarget<xt_synproxy_info> {
 public:
  std::string_view name() const override { return "SYNPROXY"; }
  std::unique_ptr<Target> clone() const override { return std::make_unique<SynproxyTarget>(*this); }
  Status parse(int id, const OptionArg& arg, const RuleContext&) override {
    CX_TRY(check_once(id, arg, kSynproxyOptions));
    switch (id) {
      case kSpSack: info.options |= XT_SYNPROXY_OPT_SACK_PERM; break;
      case kSpTs: info.options |= XT_SYNPROXY_OPT_TIMESTAMP; break;
      case kSpEcn: info.options |= XT_SYNPROXY_OPT_ECN; break;
      case kSpWscale: {
        auto v = parse_uint_opt(arg.value, 0, 255, "SYNPROXY", "--wscale");
        if (!v) return v.take_error();
        info.wscale = static_cast<std::uint8_t>(*v);
        info.options |= XT_SYNPROXY_OPT_WSCALE;
        break;
      }
      case kSpMss: {
        auto v = parse_uint_opt(arg.value, 0, 65535, "SYNPROXY", "--mss");
        if (!v) return v.take_error();
        info.mss = static_cast<std::uint16_t>(*v);
        info.options |= XT_SYNPROXY_OPT_MSS;
        break;
      }
    }
    return {};
  }
  void save(std::string& out, const SaveContext&) const override {
    if (info.options & XT_SYNPROXY_OPT_SACK_PERM) out += " --sack-perm";
    if (info.options & XT_SYNPROXY_OPT_TIMESTAMP) out += " --timestamp";
    if (info.options & XT_SYNPROXY_OPT_WSCALE) out += " --wscale " + std::to_string(info.wscale);
    if (info.options & XT_SYNPROXY_OPT_MSS) out += " --mss " + std::to_string(info.mss);
    if (info.options & XT_SYNPROXY_OPT_ECN) out += " --ecn";
  }
  void list(std::string& out, bool, const SaveContext&) const override {
    out += " SYNPROXY ";
    if (info.options & XT_SYNPROXY_OPT_SACK_PERM) out += "sack-perm ";
    if (info.options & XT_SYNPROXY_OPT_TIMESTAMP) out += "timestamp ";
    if (info.options & XT_SYNPROXY_OPT_WSCALE) out += "wscale " + std::to_string(info.wscale) + " ";
    if (info.options & XT_SYNPROXY_OPT_MSS) out += "mss " + std::to_string(info.mss) + " ";
    if (info.options & XT_SYNPROXY_OPT_ECN) out += "ecn ";
  }
  Status encode(std::vector<nft::Expr>& out, const RuleContext&) const override {
    out.push_back(nft::Expr::target("SYNPROXY", 0, xt_blob(info)));
    return {};
  }
};

// --- TEE -------------------------------------------------------------------------------------
constexpr OptionSpec kTeeOptions[] = {{"gateway", ArgKind::Required, 1},
                                      {"oif", ArgKind::Required, 2}};

class TeeTarget final : public SimpleTarget<xt_tee_tginfo> {
 public:
  std::string_view name() const override { return "TEE"; }
  std::unique_ptr<Target> clone() const override { return std::make_unique<TeeTarget>(*this); }
  Status parse(int id, const OptionArg& arg, const RuleContext& ctx) override {
    CX_TRY(check_once(id, arg, kTeeOptions));
    if (id == 1) {
      std::uint8_t a[16];
      CX_TRY(resolve_one(arg.value, ctx.family, a));
      std::memcpy(&info.gw, a, 16);
    } else {
      CX_TRY(check_interface(arg.value));
      set_cstr(info.oif, sizeof(info.oif), arg.value);
    }
    return {};
  }
  Status final_check(const RuleContext&) override {
    if (!(seen & 2u)) return must_be_specified("TEE", "--gateway");
    return {};
  }
  void save(std::string& out, const SaveContext& ctx) const override {
    out += " --gateway " + addr_text(reinterpret_cast<const std::uint8_t*>(&info.gw), ctx.family);
    if (info.oif[0]) out += " --oif " + cstr(info.oif, sizeof(info.oif));
  }
  void list(std::string& out, bool, const SaveContext& ctx) const override {
    out += " TEE gw:" + addr_text(reinterpret_cast<const std::uint8_t*>(&info.gw), ctx.family);
    if (info.oif[0]) out += " oif=" + cstr(info.oif, sizeof(info.oif));
  }
  Status encode(std::vector<nft::Expr>& out, const RuleContext&) const override {
    out.push_back(nft::Expr::target("TEE", 1, xt_blob(info)));
    return {};
  }
};

// --- IDLETIMER -------------------------------------------------------------------------------
constexpr OptionSpec kIdletimerOptions[] = {{"timeout", ArgKind::Required, 1},
                                            {"label", ArgKind::Required, 2},
                                            {"alarm", ArgKind::None, 3}};

class IdletimerTarget final : public SimpleTarget<idletimer_tg_info_v1> {
 public:
  std::string_view name() const override { return "IDLETIMER"; }
  std::unique_ptr<Target> clone() const override {
    return std::make_unique<IdletimerTarget>(*this);
  }
  Status parse(int id, const OptionArg& arg, const RuleContext&) override {
    CX_TRY(check_once(id, arg, kIdletimerOptions));
    if (id == 1) {
      auto v = parse_uint_opt(arg.value, 0, UINT32_MAX, "IDLETIMER", "--timeout");
      if (!v) return v.take_error();
      info.timeout = static_cast<std::uint32_t>(*v);
    } else if (id == 2) {
      set_cstr(info.label, sizeof(info.label), arg.value);
    } else {
      info.timer_type |= XT_IDLETIMER_ALARM;
    }
    return {};
  }
  Status final_check(const RuleContext&) override {
    if (!(seen & 2u)) return must_be_specified("IDLETIMER", "--timeout");
    if (!(seen & 4u)) return must_be_specified("IDLETIMER", "--label");
    return {};
  }
  void save(std::string& out, const SaveContext&) const override {
    out += " --timeout " + std::to_string(info.timeout) + " --label " +
           cstr(info.label, sizeof(info.label));
    if (info.timer_type & XT_IDLETIMER_ALARM) out += " --alarm";
  }
  void list(std::string& out, bool, const SaveContext&) const override {
    out += " timeout:" + std::to_string(info.timeout) + " label:" +
           cstr(info.label, sizeof(info.label));
    if (info.timer_type & XT_IDLETIMER_ALARM) out += " alarm";
  }
  Status encode(std::vector<nft::Expr>& out, const RuleContext&) const override {
    out.push_back(nft::Expr::target("IDLETIMER", 1, xt_blob(info)));
    return {};
  }
};

// --- TPROXY ----------------------------------------------------------------------------------
constexpr OptionSpec kTproxyOptions[] = {{"on-port", ArgKind::Required, 1},
                                         {"on-ip", ArgKind::Required, 2},
                                         {"tproxy-mark", ArgKind::Required, 3}};

class TproxyTarget final : public SimpleTarget<xt_tproxy_target_info_v1> {
 public:
  std::string_view name() const override { return "TPROXY"; }
  std::unique_ptr<Target> clone() const override { return std::make_unique<TproxyTarget>(*this); }
  Status parse(int id, const OptionArg& arg, const RuleContext& ctx) override {
    CX_TRY(check_once(id, arg, kTproxyOptions));
    if (id == 1) {
      auto p = parse_port(arg.value, "tcp");
      if (!p) return p.take_error();
      info.lport = htons(*p);
    } else if (id == 2) {
      std::uint8_t a[16];
      CX_TRY(resolve_one(arg.value, ctx.family, a));
      std::memcpy(&info.laddr, a, 16);
    } else {
      std::uint32_t v = 0, m = 0xffffffff;
      if (!parse_mark_mask(arg.value, v, m)) return bad_integer("TPROXY", "--tproxy-mark");
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
    out += " TPROXY redirect " + ip(ctx.family) + ":" + std::to_string(ntohs(info.lport)) + " mark " +
           hex(info.mark_value) + "/" + hex(info.mark_mask);
  }
  Status encode(std::vector<nft::Expr>& out, const RuleContext&) const override {
    out.push_back(nft::Expr::target("TPROXY", 1, xt_blob(info)));
    return {};
  }
};

// --- SNPT / DNPT -----------------------------------------------------------------------------
constexpr OptionSpec kNptOptions[] = {{"src-pfx", ArgKind::Required, 1},
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
    CX_TRY(check_once(id, arg, kNptOptions));
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
    out += std::string(" ") + std::string(name()) + " src-pfx " + pfx(info.src_pfx, info.src_pfx_len) +
           " dst-pfx " + pfx(info.dst_pfx, info.dst_pfx_len);
  }
  Status encode(std::vector<nft::Expr>& out, const RuleContext&) const override {
    out.push_back(nft::Expr::target(std::string(name()), 0, xt_blob(info)));
    return {};
  }
};

// --- SECMARK ---------------------------------------------------------------------------------
constexpr OptionSpec kSecmarkOptions[] = {{"selctx", ArgKind::Required, 1}};

class SecmarkTarget final : public SimpleTarget<xt_secmark_target_info_v1> {
 public:
  std::string_view name() const override { return "SECMARK"; }
  std::unique_ptr<Target> clone() const override { return std::make_unique<SecmarkTarget>(*this); }
  Status parse(int id, const OptionArg& arg, const RuleContext&) override {
    CX_TRY(check_once(id, arg, kSecmarkOptions));
    info.mode = SECMARK_MODE_SEL;
    set_cstr(info.secctx, sizeof(info.secctx), arg.value);
    return {};
  }
  Status final_check(const RuleContext&) override {
    if (!seen) return parameter_error("SECMARK target: Parameter --selctx is required");
    return {};
  }
  void save(std::string& out, const SaveContext&) const override {
    out += " --selctx " + cstr(info.secctx, sizeof(info.secctx));
  }
  void list(std::string& out, bool, const SaveContext&) const override {
    out += " SECMARK selctx " + cstr(info.secctx, sizeof(info.secctx));
  }
  Status encode(std::vector<nft::Expr>& out, const RuleContext&) const override {
    out.push_back(nft::Expr::target("SECMARK", 1, xt_blob(info)));
    return {};
  }
};

// --- LED -------------------------------------------------------------------------------------
constexpr OptionSpec kLedOptions[] = {{"led-trigger-id", ArgKind::Required, 1},
                                      {"led-delay", ArgKind::Required, 2},
                                      {"led-always-blink", ArgKind::None, 3}};

class LedTarget final : public SimpleTarget<xt_led_info> {
 public:
  std::string_view name() const override { return "LED"; }
  std::unique_ptr<Target> clone() const override { return std::make_unique<LedTarget>(*this); }
  Status parse(int id, const OptionArg& arg, const RuleContext&) override {
    CX_TRY(check_once(id, arg, kLedOptions));
    if (id == 1) {
      set_cstr(info.id, sizeof(info.id), "netfilter-" + std::string(arg.value));
    } else if (id == 2) {
      if (arg.value == "inf") {
        info.delay = UINT32_MAX;
      } else {
        auto v = parse_uint_opt(arg.value, 0, UINT32_MAX, "LED", "--led-delay");
        if (!v) return v.take_error();
        info.delay = static_cast<std::uint32_t>(*v);
      }
    } else {
      info.always_blink = 1;
    }
    return {};
  }
  Status final_check(const RuleContext&) override {
    if (!(seen & 2u)) return must_be_specified("LED", "--led-trigger-id");
    return {};
  }
  std::string id_text() const {
    std::string s = cstr(info.id, sizeof(info.id));
    return s.rfind("netfilter-", 0) == 0 ? s.substr(10) : s;
  }
  void save(std::string& out, const SaveContext&) const override {
    out += " --led-trigger-id \"" + id_text() + "\"";
    if (info.delay) out += " --led-delay " + std::to_string(info.delay);
    if (info.always_blink) out += " --led-always-blink";
  }
  void list(std::string& out, bool, const SaveContext&) const override {
    out += " led-trigger-id:\"" + id_text() + "\"";
    if (info.delay) out += " led-delay:" + std::to_string(info.delay) + "ms";
    if (info.always_blink) out += " led-always-blink";
  }
  Status encode(std::vector<nft::Expr>& out, const RuleContext&) const override {
    out.push_back(nft::Expr::target("LED", 0, xt_blob(info)));
    return {};
  }
};

// --- ULOG ------------------------------------------------------------------------------------
struct UlogInfo {  // ipt_ulog_info (no longer in the uapi headers)
  unsigned int nl_group;
  std::size_t copy_range;
  std::size_t qthreshold;
  char prefix[32];
};
enum { kUlogGroup = 1, kUlogPrefix, kUlogCprange, kUlogQthreshold };
constexpr OptionSpec kUlogOptions[] = {{"ulog-nlgroup", ArgKind::Required, kUlogGroup},
                                       {"ulog-prefix", ArgKind::Required, kUlogPrefix},
                                       {"ulog-cprange", ArgKind::Required, kUlogCprange},
                                       {"ulog-qthreshold", ArgKind::Required, kUlogQthreshold}};

class UlogTarget final : public SimpleTarget<UlogInfo> {
 public:
  UlogTarget() {
    info.nl_group = 1;
    info.qthreshold = 1;
  }
  std::string_view name() const override { return "ULOG"; }
  std::unique_ptr<Target> clone() const override { return std::make_unique<UlogTarget>(*this); }
  Status parse(int id, const OptionArg& arg, const RuleContext&) override {
    CX_TRY(check_once(id, arg, kUlogOptions));
    if (id == kUlogPrefix) {
      set_cstr(info.prefix, sizeof(info.prefix), arg.value);
      return {};
    }
    auto v = parse_uint_opt(arg.value, id == kUlogGroup ? 1 : 0, id == kUlogGroup ? 32 : UINT32_MAX,
                            "ULOG", opt_of(kUlogOptions, id));
    if (!v) return v.take_error();
    if (id == kUlogGroup) info.nl_group = 1u << (*v - 1);
    if (id == kUlogCprange) info.copy_range = *v;
    if (id == kUlogQthreshold) info.qthreshold = *v;
    return {};
  }
  void save(std::string& out, const SaveContext&) const override {
    if (info.prefix[0]) out += " --ulog-prefix " + quote_string(cstr(info.prefix, sizeof(info.prefix)));
    if (info.nl_group != 1) {
      int g = 1;
      while (g < 32 && !(info.nl_group & (1u << (g - 1)))) ++g;
      out += " --ulog-nlgroup " + std::to_string(g);
    }
    if (info.copy_range) out += " --ulog-cprange " + std::to_string(info.copy_range);
    if (info.qthreshold != 1) out += " --ulog-qthreshold " + std::to_string(info.qthreshold);
  }
  void list(std::string& out, bool, const SaveContext&) const override {
    out += " ULOG copy_range " + std::to_string(info.copy_range) + " nlgroup ";
    int g = 1;
    while (g < 32 && !(info.nl_group & (1u << (g - 1)))) ++g;
    out += std::to_string(g);
    if (info.prefix[0]) out += " prefix \"" + cstr(info.prefix, sizeof(info.prefix)) + "\"";
    out += " queue_threshold " + std::to_string(info.qthreshold);
  }
  Status encode(std::vector<nft::Expr>& out, const RuleContext&) const override {
    out.push_back(nft::Expr::target("ULOG", 0, xt_blob(info)));
    return {};
  }
};

template <class T>
std::unique_ptr<Target> create(Family) {
  return std::make_unique<T>();
}
std::unique_ptr<Target> create_dnpt(Family) {
  auto t = std::make_unique<NptTarget>();
  t->dnpt = true;
  return t;
}
template <class T, bool DNPT = false>
std::unique_ptr<Target> decode(const DecodeContext&, const nft::Bytes& blob) {
  auto t = std::make_unique<T>();
  if (!xt_read(blob, t->info)) return nullptr;
  if constexpr (requires { t->dnpt; }) t->dnpt = DNPT;
  return t;
}

}  // namespace

extern const TargetType kAuditTarget = {"AUDIT", kBoth, kAuditOptions, create<AuditTarget>,
                                        "AUDIT", 0, decode<AuditTarget>, nullptr};
extern const TargetType kClassifyTarget = {"CLASSIFY", kBoth, kClassifyOptions,
                                           create<ClassifyTarget>, "CLASSIFY", 0,
                                           decode<ClassifyTarget>, nullptr};
extern const TargetType kChecksumTarget = {"CHECKSUM", kBoth, kChecksumOptions,
                                           create<ChecksumTarget>, "CHECKSUM", 0,
                                           decode<ChecksumTarget>, nullptr};
extern const TargetType kConnsecmarkTarget = {"CONNSECMARK", kBoth, kConnsecmarkOptions,
                                              create<ConnsecmarkTarget>, "CONNSECMARK", 0,
                                              decode<ConnsecmarkTarget>, nullptr};
extern const TargetType kSynproxyTarget = {"SYNPROXY", kBoth, kSynproxyOptions,
                                           create<SynproxyTarget>, "SYNPROXY", 0,
                                           decode<SynproxyTarget>, nullptr};
extern const TargetType kTeeTarget = {"TEE", kBoth, kTeeOptions, create<TeeTarget>, "TEE", 1,
                                      decode<TeeTarget>, nullptr};
extern const TargetType kIdletimerTarget = {"IDLETIMER", kBoth, kIdletimerOptions,
                                            create<IdletimerTarget>, "IDLETIMER", 1,
                                            decode<IdletimerTarget>, nullptr};
extern const TargetType kTproxyTarget = {"TPROXY", kBoth, kTproxyOptions, create<TproxyTarget>,
                                         "TPROXY", 1, decode<TproxyTarget>, nullptr};
extern const TargetType kSnptTarget = {"SNPT", kV6, kNptOptions, create<NptTarget>, "SNPT", 0,
                                       decode<NptTarget, false>, nullptr};
extern const TargetType kDnptTarget = {"DNPT", kV6, kNptOptions, create_dnpt, "DNPT", 0,
                                       decode<NptTarget, true>, nullptr};
extern const TargetType kSecmarkTarget = {"SECMARK", kBoth, kSecmarkOptions,
                                          create<SecmarkTarget>, "SECMARK", 1,
                                          decode<SecmarkTarget>, nullptr};
extern const TargetType kLedTarget = {"LED", kBoth, kLedOptions, create<LedTarget>, "LED", 0,
                                      decode<LedTarget>, nullptr};
extern const TargetType kUlogTarget = {"ULOG", kV4, kUlogOptions, create<UlogTarget>, "ULOG", 0,
                                       decode<UlogTarget>, nullptr};

}  // namespace cx::ext
