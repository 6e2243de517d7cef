// -j ECN (xt "ECN" rev 0, struct ipt_ECN_info; IPv4 only): operation bits SET_IP 0x01,
// SET_ECE 0x10, SET_CWR 0x20; the TCP values are bit 0 (ece) and bit 1 (cwr) of the proto
// byte. --ecn-tcp-remove is ECE|CWR with both 0, and -S prints it for that state.
// -L "ECN TCP remove" or "ECN ECE=x CWR=y ECT codepoint=z".
#include <linux/netfilter_ipv4/ipt_ECN.h>

#include "ext/extension.h"
#include "ext/util.h"

namespace cx::ext {
namespace {

enum { kOptRemove = 1, kOptCwr, kOptEce, kOptIpEct };
constexpr OptionSpec kOptions[] = {{"ecn-tcp-remove", ArgKind::None, kOptRemove},
                                   {"ecn-tcp-cwr", ArgKind::Required, kOptCwr},
                                   {"ecn-tcp-ece", ArgKind::Required, kOptEce},
                                   {"ecn-ip-ect", ArgKind::Required, kOptIpEct}};

struct EcnBytes {
  std::uint8_t operation, ip_ect, tcp;
};

class EcnTarget final : public Target {
 public:
  EcnBytes info{};
  unsigned seen = 0;

  std::string_view name() const override { return "ECN"; }
  std::unique_ptr<Target> clone() const override { return std::make_unique<EcnTarget>(*this); }

  Status parse(int id, const OptionArg& arg, const RuleContext&) override {
    const char* opt = id == kOptRemove ? "--ecn-tcp-remove"
                      : id == kOptCwr  ? "--ecn-tcp-cwr"
                      : id == kOptEce  ? "--ecn-tcp-ece"
                                       : "--ecn-ip-ect";
    if (seen & (1u << id)) return only_once("ECN", opt);
    if (arg.invert) return cannot_invert("ECN", opt);
    seen |= 1u << id;
    switch (id) {
      case kOptRemove:
        info.operation |= IPT_ECN_OP_SET_ECE | IPT_ECN_OP_SET_CWR;
        info.tcp = 0;
        break;
      case kOptCwr:
      case kOptEce: {
        auto v = parse_uint_opt(arg.value, 0, 1, "ECN", opt);
        if (!v) return v.take_error();
        std::uint8_t bit = id == kOptEce ? 1 : 2;
        info.operation |= id == kOptEce ? IPT_ECN_OP_SET_ECE : IPT_ECN_OP_SET_CWR;
        info.tcp = static_cast<std::uint8_t>(*v ? (info.tcp | bit) : (info.tcp & ~bit));
        break;
      }
      case kOptIpEct: {
        auto v = parse_uint_opt(arg.value, 0, 3, "ECN", opt);
        if (!v) return v.take_error();
        info.operation |= IPT_ECN_OP_SET_IP;
        info.ip_ect = static_cast<std::uint8_t>(*v);
        break;
      }
    }
    return {};
  }
  Status final_check(const RuleContext&) override {
    if (!info.operation) return parameter_error("ECN target: An operation is required");
    return {};
  }
  bool is_remove() const {
    return (info.operation & (IPT_ECN_OP_SET_ECE | IPT_ECN_OP_SET_CWR)) ==
               (IPT_ECN_OP_SET_ECE | IPT_ECN_OP_SET_CWR) &&
           (info.tcp & 3) == 0;
  }
  void save(std::string& out, const SaveContext&) const override {
    if (is_remove()) {
      out += " --ecn-tcp-remove";
    } else {
      if (info.operation & IPT_ECN_OP_SET_ECE)
        out += " --ecn-tcp-ece " + std::to_string(info.tcp & 1);
      if (info.operation & IPT_ECN_OP_SET_CWR)
        out += " --ecn-tcp-cwr " + std::to_string((info.tcp >> 1) & 1);
    }
    if (info.operation & IPT_ECN_OP_SET_IP) out += " --ecn-ip-ect " + std::to_string(info.ip_ect);
  }
  void list(std::string& out, bool, const SaveContext&) const override {
    out += " ECN";
    if (is_remove()) {
      out += " TCP remove";
    } else {
      if (info.operation & IPT_ECN_OP_SET_ECE) out += " ECE=" + std::to_string(info.tcp & 1);
      if (info.operation & IPT_ECN_OP_SET_CWR)
        out += " CWR=" + std::to_string((info.tcp >> 1) & 1);
    }
    if (info.operation & IPT_ECN_OP_SET_IP)
      out += " ECT codepoint=" + std::to_string(info.ip_ect);
  }
  Status encode(std::vector<nft::Expr>& out, const RuleContext&) const override {
    out.push_back(nft::Expr::target("ECN", 0, xt_blob(info)));
    return {};
  }
};

std::unique_ptr<Target> create(Family) { return std::make_unique<EcnTarget>(); }
std::unique_ptr<Target> decode_compat(const DecodeContext&, const nft::Bytes& blob) {
  auto t = std::make_unique<EcnTarget>();
  if (!xt_read(blob, t->info)) return nullptr;
  return t;
}

}  // namespace

constexpr std::string_view kEcnTargetHelp = R"HELP(
ECN target options
  --ecn-tcp-remove		Remove all ECN bits from TCP header
)HELP";

extern const TargetType kEcnTarget = {"ECN", kV4,           kOptions, create,        "ECN",
                                      0,     decode_compat, nullptr,  kEcnTargetHelp};

}  // namespace cx::ext
