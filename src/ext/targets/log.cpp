// -j LOG (xt "LOG" rev 0, struct xt_log_info); xt compat in iptables-nft 1.8.9 (NFLOG is the
// native one). --log-prefix is cut to 29 bytes without a message and must not be empty;
// --log-level takes 0-7 (base 0) or emerg/panic, alert, crit, error, warning, notice, info,
// debug (exact, case-sensitive), while -L prints syslog's short names (err, warn).
// -S prints --log-level only when it is not 4 (warning).
#include <linux/netfilter/xt_LOG.h>

#include <cstring>

#include "eval/context.h"
#include "ext/extension.h"
#include "ext/util.h"

namespace cx::ext {
namespace {

enum { kOptLevel = 1, kOptPrefix, kOptTcpSeq, kOptTcpOpt, kOptIpOpt, kOptUid, kOptMacDecode };
constexpr OptionSpec kOptions[] = {
    {"log-level", ArgKind::Required, kOptLevel},
    {"log-prefix", ArgKind::Required, kOptPrefix},
    {"log-tcp-sequence", ArgKind::None, kOptTcpSeq},
    {"log-tcp-options", ArgKind::None, kOptTcpOpt},
    {"log-ip-options", ArgKind::None, kOptIpOpt},
    {"log-uid", ArgKind::None, kOptUid},
    {"log-macdecode", ArgKind::None, kOptMacDecode},
};

struct Flag {
  int id;
  std::uint8_t bit;
  const char* opt;
  const char* label;
};
constexpr Flag kFlags[] = {
    {kOptTcpSeq, XT_LOG_TCPSEQ, "--log-tcp-sequence", "tcp-sequence"},
    {kOptTcpOpt, XT_LOG_TCPOPT, "--log-tcp-options", "tcp-options"},
    {kOptIpOpt, XT_LOG_IPOPT, "--log-ip-options", "ip-options"},
    {kOptUid, XT_LOG_UID, "--log-uid", "uid"},
    {kOptMacDecode, XT_LOG_MACDECODE, "--log-macdecode", "macdecode"},
};

struct Level {
  const char* name;
  std::uint8_t level;
};
constexpr Level kParseLevels[] = {{"alert", 1}, {"crit", 2},   {"debug", 7},
                                  {"emerg", 0}, {"error", 3},  {"info", 6},
                                  {"notice", 5}, {"panic", 0}, {"warning", 4}};
constexpr const char* kPrintLevels[] = {"emerg", "alert", "crit", "err",
                                        "warn",  "notice", "info", "debug"};

class LogTarget final : public Target {
 public:
  xt_log_info info{};
  unsigned seen = 0;

  LogTarget() { info.level = 4; }
  std::string_view name() const override { return "LOG"; }
  eval::TargetAction evaluate(eval::Packet&, eval::Context& ctx) const override {
    std::string s = "LOG: a line in the kernel log";
    if (info.prefix[0]) s += " with prefix \"" + std::string(info.prefix) + "\"";
    ctx.note(std::move(s));
    return eval::TargetAction::Continue;
  }
  std::unique_ptr<Target> clone() const override { return std::make_unique<LogTarget>(*this); }

  Status parse(int id, const OptionArg& arg, const RuleContext&) override {
    const char* optname = "--log-level";
    if (id == kOptPrefix) optname = "--log-prefix";
    for (const auto& f : kFlags)
      if (f.id == id) optname = f.opt;
    if (seen & (1u << id)) return only_once("LOG", optname);
    if (arg.invert) return cannot_invert("LOG", optname);
    seen |= 1u << id;
    if (id == kOptLevel) {
      if (auto v = parse_uint(arg.value, 0, 7)) {
        info.level = static_cast<std::uint8_t>(*v);
        return {};
      }
      for (const auto& l : kParseLevels)
        if (arg.value == l.name) {
          info.level = l.level;
          return {};
        }
      return option_error("log level \"" + std::string(arg.value) + "\" unknown");
    }
    if (id == kOptPrefix) {
      if (arg.value.empty())
        return option_error("Argument must have a minimum length of 1 characters");
      if (arg.value.find('\n') != std::string_view::npos)
        return parameter_error("Newlines not allowed in --log-prefix");
      std::memset(info.prefix, 0, sizeof(info.prefix));
      std::memcpy(info.prefix, arg.value.data(),
                  std::min(arg.value.size(), sizeof(info.prefix) - 1));
      return {};
    }
    for (const auto& f : kFlags)
      if (f.id == id) info.logflags |= f.bit;
    return {};
  }

  std::string prefix() const { return std::string(info.prefix, strnlen(info.prefix, sizeof(info.prefix))); }

  void save(std::string& out, const SaveContext&) const override {
    if (info.prefix[0]) out += " --log-prefix " + quote_string(prefix());
    if (info.level != 4) out += " --log-level " + std::to_string(info.level);
    for (const auto& f : kFlags)
      if (info.logflags & f.bit) {
        out += " ";
        out += f.opt;
      }
  }
  void list(std::string& out, bool numeric, const SaveContext&) const override {
    out += " LOG";
    if (numeric) {
      out += " flags " + std::to_string(info.logflags) + " level " + std::to_string(info.level);
    } else {
      if (info.level < 8)
        out += std::string(" level ") + kPrintLevels[info.level];
      else
        out += " UNKNOWN level " + std::to_string(info.level);
      for (const auto& f : kFlags)
        if (info.logflags & f.bit) {
          out += " ";
          out += f.label;
        }
      if (info.logflags & ~XT_LOG_MASK) out += " unknown-flags";
    }
    if (info.prefix[0]) out += " prefix \"" + prefix() + "\"";
  }
  // Level 4 (warning) is nft's default and left out.
  bool xlate(Xlate& xl, const XlateContext&) const override {
    if (info.level >= 8) return false;
    xl.add("log");
    if (info.prefix[0]) xl.addf(" prefix \"%s\"", prefix().c_str());
    if (info.level != 4) xl.addf(" level %s", kPrintLevels[info.level]);
    if ((info.logflags & XT_LOG_MASK) == XT_LOG_MASK) {
      xl.add(" flags all");
      return true;
    }
    if (info.logflags & (XT_LOG_TCPSEQ | XT_LOG_TCPOPT)) {
      xl.add(" flags tcp");
      if (info.logflags & XT_LOG_TCPSEQ) xl.add(" sequence");
      if (info.logflags & XT_LOG_TCPOPT)
        xl.add((info.logflags & XT_LOG_TCPSEQ) ? ",options" : " options");
    }
    if (info.logflags & XT_LOG_IPOPT) xl.add(" flags ip options");
    if (info.logflags & XT_LOG_UID) xl.add(" flags skuid");
    if (info.logflags & XT_LOG_MACDECODE) xl.add(" flags ether");
    return true;
  }
  Status encode(std::vector<nft::Expr>& out, const RuleContext&) const override {
    out.push_back(nft::Expr::target("LOG", 0, xt_blob(info)));
    return {};
  }
};

std::unique_ptr<Target> create(Family) { return std::make_unique<LogTarget>(); }

std::unique_ptr<Target> decode_compat(const DecodeContext&, const nft::Bytes& blob) {
  auto t = std::make_unique<LogTarget>();
  if (!xt_read(blob, t->info)) return nullptr;
  return t;
}

}  // namespace

constexpr std::string_view kLogTargetHelp = R"HELP(
LOG target options:
 --log-level level		Level of logging (numeric or see syslog.conf)
 --log-prefix prefix		Prefix log messages with this prefix.
 --log-tcp-sequence		Log TCP sequence numbers.
 --log-tcp-options		Log TCP options.
 --log-ip-options		Log IP options.
 --log-uid			Log UID owning the local socket.
 --log-macdecode		Decode MAC addresses and protocol.
)HELP";

extern const TargetType kLogTarget = {"LOG", kBoth,         kOptions, create,        "LOG",
                                      0,     decode_compat, nullptr,  kLogTargetHelp};

}  // namespace cx::ext
