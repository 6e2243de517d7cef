// -j CT (xt "CT" rev 2, struct xt_ct_target_info_v1) and its alias -j NOTRACK (the same
// target with XT_CT_NOTRACK | XT_CT_NOTRACK_ALIAS); a blob with the alias bit decodes back to
// NOTRACK (-L still shows "CT" in the target column, list text "NOTRACK").
// --helper/--timeout are cut to 15/31 bytes and only checked by the kernel; --zone-orig /
// --zone-reply set the direction bits; "mark" as a zone sets XT_CT_ZONE_MARK.
// -S order: --notrack --helper --timeout --ctevents --expevents --zone[-orig|-reply].
#include <linux/netfilter/xt_CT.h>

#include <cstring>

#include "common/parse.h"
#include "eval/context.h"
#include "ext/extension.h"
#include "ext/util.h"

namespace cx::ext {
namespace {

enum { kOptNotrack = 1, kOptHelper, kOptTimeout, kOptCtEvents, kOptExpEvents, kOptZone,
       kOptZoneOrig, kOptZoneReply };
constexpr OptionSpec kOptions[] = {
    {"notrack", ArgKind::None, kOptNotrack},
    {"helper", ArgKind::Required, kOptHelper},
    {"timeout", ArgKind::Required, kOptTimeout},
    {"ctevents", ArgKind::Required, kOptCtEvents},
    {"expevents", ArgKind::Required, kOptExpEvents},
    {"zone", ArgKind::Required, kOptZone},
    {"zone-orig", ArgKind::Required, kOptZoneOrig},
    {"zone-reply", ArgKind::Required, kOptZoneReply},
};

constexpr const char* kCtEvents[] = {"new",      "related",   "destroy", "reply",
                                     "assured",  "protoinfo", "helper",  "mark",
                                     "natseqinfo", "secmark"};
constexpr const char* kExpEvents[] = {"new"};

template <std::size_t N>
Result<std::uint32_t> parse_events(std::string_view arg, const char* const (&names)[N]) {
  std::uint32_t mask = 0;
  for (const std::string& w : split(arg, ',')) {
    bool found = false;
    for (std::size_t i = 0; i < N; ++i)
      if (w == names[i]) {
        mask |= 1u << i;
        found = true;
      }
    if (!found) return parameter_error("Unknown event type \"" + w + "\"");
  }
  return mask;
}

template <std::size_t N>
std::string events_text(std::uint32_t mask, const char* const (&names)[N]) {
  std::string s;
  for (std::size_t i = 0; i < N; ++i)
    if (mask & (1u << i)) {
      if (!s.empty()) s += ",";
      s += names[i];
    }
  return s;
}

std::string opt_name(int id) {
  for (const auto& o : kOptions)
    if (o.id == id) return "--" + std::string(o.name);
  return "";
}

class CtTarget final : public Target {
 public:
  xt_ct_target_info_v1 info{};
  bool alias = false;  // -j NOTRACK
  unsigned seen = 0;

  std::string_view name() const override { return alias ? "NOTRACK" : "CT"; }
  std::unique_ptr<Target> clone() const override { return std::make_unique<CtTarget>(*this); }
  eval::TargetAction evaluate(eval::Packet&, eval::Context& ctx) const override {
    // xt_ct_target: a packet that has a conntrack entry already (back in over loopback) is
    // left alone.
    if (ctx.ct.kind != eval::CtView::Kind::None) {
      ctx.note(std::string(name()) + ": no effect, the packet has a conntrack entry already");
      return eval::TargetAction::Continue;
    }
    if (info.flags & XT_CT_NOTRACK) {
      ctx.untrack = true;
      ctx.note(std::string(name()) + ": the packet is not tracked by conntrack");
    } else {
      ctx.note("CT: conntrack settings for the connection (zone, helper, timeout, events)");
    }
    return eval::TargetAction::Continue;
  }

  Status parse(int id, const OptionArg& arg, const RuleContext&) override {
    if (seen & (1u << id)) return only_once("CT", opt_name(id));
    if (arg.invert) return cannot_invert("CT", opt_name(id));
    seen |= 1u << id;
    switch (id) {
      case kOptNotrack: info.flags |= XT_CT_NOTRACK; break;
      case kOptHelper:
        std::memset(info.helper, 0, sizeof(info.helper));
        std::memcpy(info.helper, arg.value.data(), std::min(arg.value.size(), sizeof(info.helper) - 1));
        break;
      case kOptTimeout:
        std::memset(info.timeout, 0, sizeof(info.timeout));
        std::memcpy(info.timeout, arg.value.data(),
                    std::min(arg.value.size(), sizeof(info.timeout) - 1));
        break;
      case kOptCtEvents: {
        auto m = parse_events(arg.value, kCtEvents);
        if (!m) return m.take_error();
        info.ct_events = *m;
        break;
      }
      case kOptExpEvents: {
        auto m = parse_events(arg.value, kExpEvents);
        if (!m) return m.take_error();
        info.exp_events = *m;
        break;
      }
      case kOptZone:
      case kOptZoneOrig:
      case kOptZoneReply: {
        if (id == kOptZoneOrig) info.flags |= XT_CT_ZONE_DIR_ORIG;
        if (id == kOptZoneReply) info.flags |= XT_CT_ZONE_DIR_REPL;
        if (arg.value == "mark") {
          info.flags |= XT_CT_ZONE_MARK;
          info.zone = 0;
        } else {
          auto z = parse_unsigned(arg.value, 65535, 0);
          if (!z) return parameter_error("Cannot parse " + std::string(arg.value) + " as a zone ID");
          info.zone = static_cast<std::uint16_t>(*z);
        }
        break;
      }
    }
    return {};
  }
  std::string zone_text(bool save) const {
    if (!info.zone && !(info.flags & XT_CT_ZONE_MARK)) return "";
    std::string s = save ? " --zone" : " zone";
    if ((info.flags & (XT_CT_ZONE_DIR_ORIG | XT_CT_ZONE_DIR_REPL)) == XT_CT_ZONE_DIR_ORIG)
      s += "-orig";
    else if ((info.flags & (XT_CT_ZONE_DIR_ORIG | XT_CT_ZONE_DIR_REPL)) == XT_CT_ZONE_DIR_REPL)
      s += "-reply";
    s += (info.flags & XT_CT_ZONE_MARK) ? " mark" : " " + std::to_string(info.zone);
    return s;
  }
  void dump(std::string& out, bool save) const {
    const char* p = save ? " --" : " ";
    if (info.flags & XT_CT_NOTRACK) out += std::string(p) + "notrack";
    if (info.helper[0])
      out += std::string(p) + "helper " + std::string(info.helper, strnlen(info.helper, sizeof(info.helper)));
    if (info.timeout[0])
      out += std::string(p) + "timeout " +
             std::string(info.timeout, strnlen(info.timeout, sizeof(info.timeout)));
    if (info.ct_events) out += std::string(p) + "ctevents " + events_text(info.ct_events, kCtEvents);
    if (info.exp_events)
      out += std::string(p) + "expevents " + events_text(info.exp_events, kExpEvents);
    out += zone_text(save);
  }
  void save(std::string& out, const SaveContext&) const override {
    if (alias) return;
    dump(out, true);
  }
  void list(std::string& out, bool, const SaveContext&) const override {
    if (alias) {
      out += " NOTRACK";
      return;
    }
    out += " CT";
    dump(out, false);
  }
  std::string list_name() const override { return "CT"; }
  // Only the untracking form has an nft statement.
  bool xlate(Xlate& xl, const XlateContext&) const override {
    if (!(info.flags & XT_CT_NOTRACK)) return false;
    xl.add("notrack");
    return true;
  }
  Status encode(std::vector<nft::Expr>& out, const RuleContext&) const override {
    out.push_back(nft::Expr::target("CT", 2, xt_blob(info)));
    return {};
  }
};

constexpr OptionSpec kNoOptions[] = {{"", ArgKind::None, 0}};

std::unique_ptr<Target> create(Family) { return std::make_unique<CtTarget>(); }
std::unique_ptr<Target> create_notrack(Family) {
  auto t = std::make_unique<CtTarget>();
  t->alias = true;
  t->info.flags = XT_CT_NOTRACK | XT_CT_NOTRACK_ALIAS;
  return t;
}
std::unique_ptr<Target> decode_compat(const DecodeContext&, const nft::Bytes& blob) {
  auto t = std::make_unique<CtTarget>();
  if (!xt_read(blob, t->info)) return nullptr;
  t->alias = t->info.flags & XT_CT_NOTRACK_ALIAS;
  return t;
}

}  // namespace

constexpr std::string_view kCtTargetHelp = R"HELP(
CT target options:
 --notrack			Don't track connection
 --helper name			Use conntrack helper 'name' for connection
 --timeout name 		Use timeout policy 'name' for connection
 --ctevents event[,event...]	Generate specified conntrack events for connection
 --expevents event[,event...]	Generate specified expectation events for connection
 --zone {ID|mark}		Assign/Lookup connection in zone ID/packet nfmark
 --zone-orig {ID|mark}		Same as 'zone' option, but only applies to ORIGINAL direction
 --zone-reply {ID|mark} 	Same as 'zone' option, but only applies to REPLY direction
)HELP";

constexpr std::string_view kNotrackTargetHelp = R"HELP(
NOTRACK does not take any options
)HELP";

extern const TargetType kCtTarget = {"CT", kBoth,         kOptions, create,       "CT",
                                     2,    decode_compat, nullptr,  kCtTargetHelp};
// Parsed only; kernel CT blobs (alias bit included) are lifted by kCtTarget.
extern const TargetType kNotrackTarget = {
    "NOTRACK",      kBoth,   std::span<const OptionSpec>(kNoOptions, 0),
    create_notrack, "CT",    2,
    nullptr,        nullptr, kNotrackTargetHelp};

}  // namespace cx::ext
