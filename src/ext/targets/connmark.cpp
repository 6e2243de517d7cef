// -j CONNMARK (xt "CONNMARK" rev 2, struct xt_connmark_tginfo2). Modes: set (--set-xmark,
// --set-mark V/(M|V), --and-mark 0/~X, --or-mark X/X, --xor-mark X/0), --save-mark,
// --restore-mark; ctmask and nfmask start as 0xffffffff, --mask sets both (in any mode),
// --ctmask/--nfmask one each; --left-/--right-shift-mark (0-32, last one wins).
// -S prints --set-xmark V/M or "--save-mark/--restore-mark --nfmask N --ctmask C", then the
// shift; -L prints "CONNMARK set/or/and/xor/xset ...", "CONNMARK save mask 0xff", "CONNMARK
// restore ctmask C nfmask ~N", "CONNMARK save nfmask N ctmask ~C".
#include <linux/netfilter/xt_connmark.h>

#include "ext/extension.h"
#include "ext/util.h"

namespace cx::ext {
namespace {

enum {
  kOptSetMark = 1, kOptSaveMark, kOptRestoreMark, kOptAndMark, kOptOrMark, kOptXorMark,
  kOptSetXmark, kOptMask, kOptCtmask, kOptNfmask, kOptLeftShift, kOptRightShift,
};
constexpr OptionSpec kOptions[] = {
    {"set-mark", ArgKind::Required, kOptSetMark},
    {"save-mark", ArgKind::None, kOptSaveMark},
    {"restore-mark", ArgKind::None, kOptRestoreMark},
    {"and-mark", ArgKind::Required, kOptAndMark},
    {"or-mark", ArgKind::Required, kOptOrMark},
    {"xor-mark", ArgKind::Required, kOptXorMark},
    {"set-xmark", ArgKind::Required, kOptSetXmark},
    {"mask", ArgKind::Required, kOptMask},
    {"ctmask", ArgKind::Required, kOptCtmask},
    {"nfmask", ArgKind::Required, kOptNfmask},
    {"left-shift-mark", ArgKind::Required, kOptLeftShift},
    {"right-shift-mark", ArgKind::Required, kOptRightShift},
};

std::string opt_name(int id) {
  for (const auto& o : kOptions)
    if (o.id == id) return "--" + std::string(o.name);
  return "";
}

class ConnmarkTarget final : public Target {
 public:
  xt_connmark_tginfo2 info{};
  unsigned seen = 0;

  ConnmarkTarget() { info.ctmask = info.nfmask = 0xffffffff; }
  std::string_view name() const override { return "CONNMARK"; }
  std::unique_ptr<Target> clone() const override {
    return std::make_unique<ConnmarkTarget>(*this);
  }

  Status parse(int id, const OptionArg& arg, const RuleContext&) override {
    if (seen & (1u << id)) return only_once("CONNMARK", opt_name(id));
    if (arg.invert) return cannot_invert("CONNMARK", opt_name(id));
    seen |= 1u << id;
    std::uint32_t v = 0, m = 0xffffffff;
    auto u32 = [&]() -> Status {
      auto x = parse_uint(arg.value, 0, UINT32_MAX);
      if (!x) return out_of_range("CONNMARK", opt_name(id), 0, UINT32_MAX);
      v = static_cast<std::uint32_t>(*x);
      return {};
    };
    switch (id) {
      case kOptSetXmark:
      case kOptSetMark:
        CX_TRY(parse_mark_mask(arg.value, v, m, "CONNMARK", opt_name(id)));
        info.mode = XT_CONNMARK_SET;
        info.ctmark = v;
        info.ctmask = id == kOptSetMark ? (m | v) : m;
        break;
      case kOptAndMark: CX_TRY(u32()); info.mode = XT_CONNMARK_SET; info.ctmark = 0; info.ctmask = ~v; break;
      case kOptOrMark: CX_TRY(u32()); info.mode = XT_CONNMARK_SET; info.ctmark = v; info.ctmask = v; break;
      case kOptXorMark: CX_TRY(u32()); info.mode = XT_CONNMARK_SET; info.ctmark = v; info.ctmask = 0; break;
      case kOptSaveMark: info.mode = XT_CONNMARK_SAVE; break;
      case kOptRestoreMark: info.mode = XT_CONNMARK_RESTORE; break;
      case kOptMask: CX_TRY(u32()); info.ctmask = info.nfmask = v; break;
      case kOptCtmask: CX_TRY(u32()); info.ctmask = v; break;
      case kOptNfmask: CX_TRY(u32()); info.nfmask = v; break;
      case kOptLeftShift:
      case kOptRightShift: {
        auto x = parse_uint_opt(arg.value, 0, 32, "CONNMARK", opt_name(id));
        if (!x) return x.take_error();
        info.shift_bits = static_cast<std::uint8_t>(*x);
        info.shift_dir = id == kOptLeftShift ? D_SHIFT_LEFT : D_SHIFT_RIGHT;
        break;
      }
    }
    return {};
  }
  Status final_check(const RuleContext&) override {
    const int modes[] = {kOptSetMark, kOptSaveMark, kOptRestoreMark, kOptAndMark,
                         kOptOrMark,  kOptXorMark,  kOptSetXmark};
    int given[7], n = 0;
    for (int id : modes)
      if (seen & (1u << id)) given[n++] = id;
    if (n > 1) return cannot_combine("CONNMARK", opt_name(given[0]), opt_name(given[1]));
    if (n == 0) return parameter_error("CONNMARK target: No operation specified");
    return {};
  }
  void shift_text(std::string& out, bool save) const {
    if (!info.shift_bits) return;
    out += save ? " --" : " ";
    out += info.shift_dir == D_SHIFT_RIGHT ? "right-shift-mark " : "left-shift-mark ";
    out += std::to_string(info.shift_bits);
  }
  void save(std::string& out, const SaveContext&) const override {
    switch (info.mode) {
      case XT_CONNMARK_SET:
        out += " --set-xmark " + hex(info.ctmark) + "/" + hex(info.ctmask);
        break;
      case XT_CONNMARK_SAVE:
      case XT_CONNMARK_RESTORE:
        out += info.mode == XT_CONNMARK_SAVE ? " --save-mark" : " --restore-mark";
        out += " --nfmask " + hex(info.nfmask) + " --ctmask " + hex(info.ctmask);
        break;
    }
    shift_text(out, true);
  }
  void list(std::string& out, bool, const SaveContext&) const override {
    switch (info.mode) {
      case XT_CONNMARK_SET:
        // In libxt_CONNMARK's order: "--set-xmark 0" is "and 0x0", not "set 0x0".
        if (info.ctmark == 0)
          out += " CONNMARK and " + hex(~info.ctmask);
        else if (info.ctmark == info.ctmask)
          out += " CONNMARK or " + hex(info.ctmark);
        else if (info.ctmask == 0)
          out += " CONNMARK xor " + hex(info.ctmark);
        else if (info.ctmask == 0xffffffff)
          out += " CONNMARK set " + hex(info.ctmark);
        else
          out += " CONNMARK xset " + hex(info.ctmark) + "/" + hex(info.ctmask);
        break;
      case XT_CONNMARK_SAVE:
        out += " CONNMARK save";
        if (info.nfmask == info.ctmask) {
          if (info.nfmask != 0xffffffff) out += " mask " + hex(info.nfmask);
        } else {
          out += " nfmask " + hex(info.nfmask) + " ctmask ~" + hex(info.ctmask);
        }
        break;
      case XT_CONNMARK_RESTORE:
        out += " CONNMARK restore";
        if (info.nfmask == info.ctmask) {
          if (info.nfmask != 0xffffffff) out += " mask " + hex(info.nfmask);
        } else {
          out += " ctmask " + hex(info.ctmask) + " nfmask ~" + hex(info.nfmask);
        }
        break;
    }
    shift_text(out, false);
  }
  // A shift wraps the value in "( ... ) << N"; save and restore with different masks have no
  // nft form.
  bool xlate(Xlate& xl, const XlateContext&) const override {
    const char* open = info.shift_bits ? "( " : "";
    const bool full = info.nfmask == 0xffffffffu && info.ctmask == 0xffffffffu;
    switch (info.mode) {
      case XT_CONNMARK_SET:
        xl.addf("ct mark set %s", open);
        if (info.ctmask == 0xffffffffu)
          xl.addf("0x%x ", info.ctmark);
        else if (info.ctmark == 0)
          xl.addf("ct mark and 0x%x", ~info.ctmask);
        else if (info.ctmark == info.ctmask)
          xl.addf("ct mark or 0x%x", info.ctmark);
        else if (info.ctmask == 0)
          xl.addf("ct mark xor 0x%x", info.ctmark);
        else
          xl.addf("ct mark xor 0x%x and 0x%x", info.ctmark, ~info.ctmask);
        break;
      case XT_CONNMARK_SAVE:
      case XT_CONNMARK_RESTORE:
        xl.addf(info.mode == XT_CONNMARK_SAVE ? "ct mark set %smark" : "meta mark set %sct mark",
                open);
        if (!full) {
          if (info.nfmask != info.ctmask) return false;
          xl.addf(" and 0x%x", info.nfmask);
        }
        break;
    }
    if (info.mode <= XT_CONNMARK_RESTORE && info.shift_bits)
      xl.addf(" ) %s %u", info.shift_dir ? ">>" : "<<", unsigned{info.shift_bits});
    return true;
  }
  Status encode(std::vector<nft::Expr>& out, const RuleContext&) const override {
    out.push_back(nft::Expr::target("CONNMARK", 2, xt_blob(info)));
    return {};
  }
};

std::unique_ptr<Target> create(Family) { return std::make_unique<ConnmarkTarget>(); }
std::unique_ptr<Target> decode_compat(const DecodeContext&, const nft::Bytes& blob) {
  auto t = std::make_unique<ConnmarkTarget>();
  if (!xt_read(blob, t->info)) return nullptr;
  return t;
}

}  // namespace

constexpr std::string_view kConnmarkTargetHelp = R"HELP(
CONNMARK target options:
  --set-xmark value[/ctmask]    Zero mask bits and XOR ctmark with value
  --save-mark [--ctmask mask] [--nfmask mask]
                                Copy ctmark to nfmark using masks
  --restore-mark [--ctmask mask] [--nfmask mask]
                                Copy nfmark to ctmark using masks
  --set-mark value[/mask]       Set conntrack mark value
  --save-mark [--mask mask]     Save the packet nfmark in the connection
  --restore-mark [--mask mask]  Restore saved nfmark value
  --and-mark value              Binary AND the ctmark with bits
  --or-mark value               Binary OR  the ctmark with bits
  --xor-mark value              Binary XOR the ctmark with bits
  --left-shift-mark value       Left shift the ctmark with bits
  --right-shift-mark value      Right shift the ctmark with bits
)HELP";

extern const TargetType kConnmarkTarget = {"CONNMARK",    kBoth,      kOptions,
                                           create,        "CONNMARK", 2,
                                           decode_compat, nullptr,    kConnmarkTargetHelp};

}  // namespace cx::ext
