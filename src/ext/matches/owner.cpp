// -m owner (xt "owner" rev 1, struct xt_owner_match_info). --uid-owner/--gid-owner take a
// user/group name or a number or range "a-b" (base 0, up to 4294967294; a reversed range is
// sent as is); --suppl-groups needs --gid-owner first and cannot be inverted.
// -S order: --socket-exists, --uid-owner, --gid-owner, --suppl-groups; -L prints names for
// single ids unless -n ("owner UID match root").
#include <grp.h>
#include <linux/netfilter/xt_owner.h>
#include <pwd.h>

#include "common/parse.h"
#include "eval/context.h"
#include "ext/extension.h"
#include "ext/util.h"

namespace cx::ext {
namespace {

enum { kOptUid = 1, kOptGid, kOptSocket, kOptSuppl };
constexpr OptionSpec kOptions[] = {
    {"uid-owner", ArgKind::Required, kOptUid},
    {"gid-owner", ArgKind::Required, kOptGid},
    {"socket-exists", ArgKind::None, kOptSocket},
    {"suppl-groups", ArgKind::None, kOptSuppl},
};

const char* opt_name(int id) {
  switch (id) {
    case kOptUid: return "--uid-owner";
    case kOptGid: return "--gid-owner";
    case kOptSocket: return "--socket-exists";
    default: return "--suppl-groups";
  }
}

// "N" or "N-M"; false when not numeric or out of range.
bool parse_id_range(std::string_view s, std::uint32_t& lo, std::uint32_t& hi) {
  auto dash = s.find('-');
  auto a = parse_unsigned(s.substr(0, dash), UINT32_MAX - 1, 0);
  if (!a) return false;
  lo = hi = static_cast<std::uint32_t>(*a);
  if (dash != std::string_view::npos) {
    auto b = parse_unsigned(s.substr(dash + 1), UINT32_MAX - 1, 0);
    if (!b) return false;
    hi = static_cast<std::uint32_t>(*b);
  }
  return true;
}

class OwnerMatch final : public Match {
 public:
  xt_owner_match_info info{};

  std::string_view name() const override { return "owner"; }
  std::unique_ptr<Match> clone() const override { return std::make_unique<OwnerMatch>(*this); }
  // owner_mt(): without a local socket (forwarded packets) only fully inverted options match;
  // with one, the socket's uid / gid from the packet description (--uid, --gid).
  eval::Outcome evaluate(const eval::Packet& p, eval::Context& ctx) const override {
    auto result = [](bool m) { return m ? eval::Outcome::Match : eval::Outcome::NoMatch; };
    if (!ctx.has_socket) return result((info.match ^ info.invert) == 0);
    if (info.match & info.invert & XT_OWNER_SOCKET) return eval::Outcome::NoMatch;
    if (info.match & XT_OWNER_UID) {
      if (!p.uid) {
        ctx.set_reason("--uid-owner: the sending socket's user is not known (give --uid)");
        return eval::Outcome::Undecidable;
      }
      bool in = *p.uid >= info.uid_min && *p.uid <= info.uid_max;
      if (in == !!(info.invert & XT_OWNER_UID)) return eval::Outcome::NoMatch;
    }
    if (info.match & XT_OWNER_GID) {
      if (!p.gid) {
        ctx.set_reason("--gid-owner: the sending socket's group is not known (give --gid)");
        return eval::Outcome::Undecidable;
      }
      bool in = *p.gid >= info.gid_min && *p.gid <= info.gid_max;
      if (!in && (info.match & XT_OWNER_SUPPL_GROUPS)) {
        ctx.set_reason("--suppl-groups: the sending process's supplementary groups are not known");
        return eval::Outcome::Undecidable;
      }
      if (in == !!(info.invert & XT_OWNER_GID)) return eval::Outcome::NoMatch;
    }
    return eval::Outcome::Match;
  }

  static std::uint8_t bit(int id) {
    switch (id) {
      case kOptUid: return XT_OWNER_UID;
      case kOptGid: return XT_OWNER_GID;
      case kOptSocket: return XT_OWNER_SOCKET;
      default: return XT_OWNER_SUPPL_GROUPS;
    }
  }

  Status parse(int id, const OptionArg& arg, const RuleContext&) override {
    if (info.match & bit(id)) return only_once("owner", opt_name(id));
    if (id == kOptSuppl && arg.invert) return cannot_invert("owner", opt_name(id));
    std::string v(arg.value);
    if (id == kOptUid) {
      if (const passwd* pw = getpwnam(v.c_str())) {
        info.uid_min = info.uid_max = pw->pw_uid;
      } else if (!parse_id_range(v, info.uid_min, info.uid_max)) {
        return bad_value("owner", opt_name(id), v);
      }
    } else if (id == kOptGid) {
      if (const group* gr = getgrnam(v.c_str())) {
        info.gid_min = info.gid_max = gr->gr_gid;
      } else if (!parse_id_range(v, info.gid_min, info.gid_max)) {
        return bad_value("owner", opt_name(id), v);
      }
    } else if (id == kOptSuppl) {
      if (!(info.match & XT_OWNER_GID))
        return bad_value("owner", opt_name(id), "you need to use --gid-owner first");
    }
    info.match |= bit(id);
    if (arg.invert) info.invert |= bit(id);
    return {};
  }
  Status final_check(const RuleContext&) override {
    if (!(info.match & (XT_OWNER_UID | XT_OWNER_GID | XT_OWNER_SOCKET)))
      return parameter_error(
          "owner: At least one of --uid-owner, --gid-owner or --socket-exists is required");
    return {};
  }

  static std::string range_text(std::uint32_t lo, std::uint32_t hi) {
    return lo == hi ? std::to_string(lo) : std::to_string(lo) + "-" + std::to_string(hi);
  }

  void save(std::string& out, const SaveContext&) const override {
    auto inv = [&](std::uint8_t b) { return (info.invert & b) ? " !" : ""; };
    if (info.match & XT_OWNER_SOCKET) out += std::string(inv(XT_OWNER_SOCKET)) + " --socket-exists";
    if (info.match & XT_OWNER_UID)
      out += std::string(inv(XT_OWNER_UID)) + " --uid-owner " + range_text(info.uid_min, info.uid_max);
    if (info.match & XT_OWNER_GID)
      out += std::string(inv(XT_OWNER_GID)) + " --gid-owner " + range_text(info.gid_min, info.gid_max);
    if (info.match & XT_OWNER_SUPPL_GROUPS) out += " --suppl-groups";
  }
  void list(std::string& out, bool numeric, const SaveContext&) const override {
    auto inv = [&](std::uint8_t b) { return (info.invert & b) ? " !" : ""; };
    if (info.match & XT_OWNER_SOCKET) out += std::string(inv(XT_OWNER_SOCKET)) + " owner socket exists";
    if (info.match & XT_OWNER_UID) {
      out += std::string(inv(XT_OWNER_UID)) + " owner UID match ";
      const passwd* pw = nullptr;
      if (!numeric && info.uid_min == info.uid_max) pw = getpwuid(info.uid_min);
      out += pw ? std::string(pw->pw_name) : range_text(info.uid_min, info.uid_max);
    }
    if (info.match & XT_OWNER_GID) {
      out += std::string(inv(XT_OWNER_GID)) + " owner GID match ";
      const group* gr = nullptr;
      if (!numeric && info.gid_min == info.gid_max) gr = getgrgid(info.gid_min);
      out += gr ? std::string(gr->gr_name) : range_text(info.gid_min, info.gid_max);
    }
    if (info.match & XT_OWNER_SUPPL_GROUPS) out += " incl. suppl. groups";
  }
  // "skuid [!= ]N[-M]" or "skgid ...": only a lone --uid-owner or --gid-owner translates (any
  // "!" of the match makes it "!=").
  bool xlate(Xlate& xl, const XlateContext&) const override {
    std::uint32_t lo, hi;
    if (info.match == XT_OWNER_UID) {
      xl.addf("skuid%s ", info.invert ? " !=" : "");
      lo = info.uid_min;
      hi = info.uid_max;
    } else if (info.match == XT_OWNER_GID) {
      xl.addf("skgid%s ", info.invert ? " !=" : "");
      lo = info.gid_min;
      hi = info.gid_max;
    } else {
      return false;
    }
    xl.add_range(lo, hi);
    return true;
  }
  Status encode(std::vector<nft::Expr>& out, const RuleContext&) const override {
    out.push_back(nft::Expr::match("owner", 1, xt_blob(info)));
    return {};
  }
};

std::unique_ptr<Match> create(Family) { return std::make_unique<OwnerMatch>(); }
std::unique_ptr<Match> decode_compat(const DecodeContext&, const nft::Bytes& blob) {
  auto m = std::make_unique<OwnerMatch>();
  if (!xt_read(blob, m->info)) return nullptr;
  return m;
}

}  // namespace

constexpr std::string_view kOwnerMatchHelp = R"HELP(
owner match options:
[!] --uid-owner userid[-userid]      Match local UID
[!] --gid-owner groupid[-groupid]    Match local GID
[!] --socket-exists                  Match if socket exists
    --suppl-groups                   Also match supplementary groups set with --gid-owner
)HELP";

extern const MatchType kOwnerMatch = {"owner", kBoth,         kOptions, create,         "owner",
                                      1,       decode_compat, nullptr,  kOwnerMatchHelp};

}  // namespace cx::ext
