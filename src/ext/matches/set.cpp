// -m set (xt "set" rev 4, struct xt_set_info_match_v4) and -j SET (xt "SET" rev 3, struct
// xt_set_info_target_v3). Sets are looked up in the kernel by name (getsockopt SO_IP_SET), so
// the blob carries the set *index*, and -S/-L look the name up again. The direction list
// "src,dst,..." sets dim = count and bit (1 << position) for each "src" (positions from 1);
// the match's invert is bit 0 of those flags. Counter tests are {u64 value, u8 op} with
// op 1 eq, 2 ne ("! --packets-eq"), 3 lt, 4 gt. SET's unused sets have index 0xffff and the
// timeout defaults to UINT32_MAX.
#include <linux/netfilter.h>
#include <linux/netfilter/xt_set.h>

#include <cstring>

#include "common/parse.h"
#include "ext/extension.h"
#include "ext/util.h"

namespace cx::ext {
namespace {

// --- shared --------------------------------------------------------------------------------

// "NAME DIRS" as the option value and the next word.
Status parse_set_arg(const OptionArg& arg, const RuleContext& ctx, const char* opt,
                     xt_set_info& out) {
  std::size_t& next = *arg.next;
  if (next >= arg.argv->size() || (*arg.argv)[next].empty() || (*arg.argv)[next][0] == '-' ||
      (*arg.argv)[next][0] == '!')
    return parameter_error(std::string(opt) + " requires two args.");
  std::string dirs = (*arg.argv)[next++];
  if (arg.value.size() > IPSET_MAXNAMELEN - 1)  // before the kernel is asked for the set
    return parameter_error("setname `" + std::string(arg.value) + "' too long, max " +
                           std::to_string(IPSET_MAXNAMELEN - 1) + " characters.");
  auto info = ipset_by_name(arg.value);
  if (!info) return option_error("Set " + std::string(arg.value) + " doesn't exist.");
  std::uint32_t want = ctx.family == Family::V4 ? NFPROTO_IPV4 : NFPROTO_IPV6;
  if (info->family != NFPROTO_UNSPEC && info->family != want)
    return option_error("The protocol family of set " + std::string(arg.value) + " is " +
                        (info->family == NFPROTO_IPV4 ? "IPv4" : "IPv6") +
                        ", which is not applicable.");
  out.index = info->index;
  out.dim = 0;
  out.flags = 0;
  for (const std::string& d : split(dirs, ',')) {
    if (out.dim >= IPSET_DIM_MAX)
      return parameter_error("Can't be more src/dst options than " +
                             std::to_string(IPSET_DIM_MAX) + ".");
    ++out.dim;
    if (d == "src")
      out.flags |= static_cast<std::uint8_t>(1u << out.dim);
    else if (d != "dst")
      return parameter_error(
          "You must spefify (the comma separated list of) 'src' or 'dst'.");
  }
  return {};
}

std::string set_text(const xt_set_info& s) {
  std::string name = ipset_name(s.index).value_or("");
  std::string out = name + " ";
  // dim comes from the kernel's copy; it never exceeds IPSET_DIM_MAX there (the shift below
  // would be undefined from 32 on), so a damaged value is cut at that bound.
  for (int i = 1; i <= s.dim && i <= IPSET_DIM_MAX; ++i) {
    if (i > 1) out += ",";
    out += (s.flags & (1u << i)) ? "src" : "dst";
  }
  return out;
}

// --- match ---------------------------------------------------------------------------------

enum {
  kOptMatchSet = 1, kOptReturnNomatch, kOptUpdateCounters, kOptUpdateSubcounters,
  kOptPacketsEq, kOptPacketsLt, kOptPacketsGt, kOptBytesEq, kOptBytesLt, kOptBytesGt,
};
constexpr OptionSpec kMatchOptions[] = {
    {"match-set", ArgKind::Required, kOptMatchSet},
    {"set", ArgKind::Required, kOptMatchSet},
    {"return-nomatch", ArgKind::None, kOptReturnNomatch},
    {"update-counters", ArgKind::None, kOptUpdateCounters},
    {"update-subcounters", ArgKind::None, kOptUpdateSubcounters},
    {"packets-eq", ArgKind::Required, kOptPacketsEq},
    {"packets-lt", ArgKind::Required, kOptPacketsLt},
    {"packets-gt", ArgKind::Required, kOptPacketsGt},
    {"bytes-eq", ArgKind::Required, kOptBytesEq},
    {"bytes-lt", ArgKind::Required, kOptBytesLt},
    {"bytes-gt", ArgKind::Required, kOptBytesGt},
};

class SetMatch final : public Match {
 public:
  xt_set_info_match_v4 info{};
  bool given = false;

  std::string_view name() const override { return "set"; }
  std::unique_ptr<Match> clone() const override { return std::make_unique<SetMatch>(*this); }

  Status parse(int id, const OptionArg& arg, const RuleContext& ctx) override {
    switch (id) {
      case kOptMatchSet:
        if (given) return only_once("set", "--match-set");
        CX_TRY(parse_set_arg(arg, ctx, "--match-set", info.match_set));
        if (arg.invert) info.match_set.flags |= IPSET_INV_MATCH;
        given = true;
        break;
      case kOptReturnNomatch:
        if (arg.invert) return cannot_invert("set", "--return-nomatch");
        info.flags |= IPSET_FLAG_RETURN_NOMATCH;
        break;
      case kOptUpdateCounters:
        if (arg.invert) info.flags |= IPSET_FLAG_SKIP_COUNTER_UPDATE;
        break;
      case kOptUpdateSubcounters:
        if (arg.invert) info.flags |= IPSET_FLAG_SKIP_SUBCOUNTER_UPDATE;
        break;
      default: {
        bool packets = id <= kOptPacketsGt;
        auto& c = packets ? info.packets : info.bytes;
        if (c.op != IPSET_COUNTER_NONE)
          return parameter_error(packets ? "only one of the --packets-[eq|lt|gt] is allowed"
                                         : "only one of the --bytes-[eq|lt|gt] is allowed");
        int kind = packets ? id - kOptPacketsEq : id - kOptBytesEq;  // 0 eq, 1 lt, 2 gt
        auto v = parse_unsigned(arg.value, UINT64_MAX, 0);
        if (!v)
          return out_of_range("set", std::string("--") + (packets ? "packets-" : "bytes-") +
                                         (kind == 0 ? "eq" : kind == 1 ? "lt" : "gt"),
                              0, UINT64_MAX);
        c.value = *v;
        c.op = kind == 0 ? (arg.invert ? IPSET_COUNTER_NE : IPSET_COUNTER_EQ)
               : kind == 1 ? IPSET_COUNTER_LT
                           : IPSET_COUNTER_GT;
        break;
      }
    }
    return {};
  }
  Status final_check(const RuleContext&) override {
    if (!given) return parameter_error("You must specify `--match-set' with proper arguments");
    return {};
  }
  static std::string counter_text(const ip_set_counter_match& c, const char* what,
                                  const char* prefix) {
    std::string w = std::string(prefix) + what;
    switch (c.op) {
      case IPSET_COUNTER_EQ: return " " + w + "-eq " + std::to_string(c.value);
      case IPSET_COUNTER_NE: return " ! " + w + "-eq " + std::to_string(c.value);
      case IPSET_COUNTER_LT: return " " + w + "-lt " + std::to_string(c.value);
      case IPSET_COUNTER_GT: return " " + w + "-gt " + std::to_string(c.value);
    }
    return "";
  }
  void dump(std::string& out, const char* p) const {
    if (info.match_set.flags & IPSET_INV_MATCH) out += " !";
    out += std::string(" ") + p + "match-set " + set_text(info.match_set);
    if (info.flags & IPSET_FLAG_RETURN_NOMATCH) out += std::string(" ") + p + "return-nomatch";
    if (info.flags & IPSET_FLAG_SKIP_COUNTER_UPDATE) out += std::string(" ! ") + p + "update-counters";
    if (info.flags & IPSET_FLAG_SKIP_SUBCOUNTER_UPDATE)
      out += std::string(" ! ") + p + "update-subcounters";
    out += counter_text(info.packets, "packets", p);
    out += counter_text(info.bytes, "bytes", p);
  }
  void save(std::string& out, const SaveContext&) const override { dump(out, "--"); }
  void list(std::string& out, bool, const SaveContext&) const override { dump(out, ""); }
  Status encode(std::vector<nft::Expr>& out, const RuleContext&) const override {
    out.push_back(nft::Expr::match("set", 4, xt_blob(info)));
    return {};
  }
};

std::unique_ptr<Match> create_match(Family) { return std::make_unique<SetMatch>(); }
std::unique_ptr<Match> decode_match(const DecodeContext&, const nft::Bytes& blob) {
  auto m = std::make_unique<SetMatch>();
  if (!xt_read(blob, m->info)) return nullptr;
  m->given = true;
  return m;
}

// --- target --------------------------------------------------------------------------------

enum { kOptAddSet = 1, kOptDelSet, kOptMapSet, kOptExist, kOptTimeout, kOptMapMark, kOptMapPrio,
       kOptMapQueue };
constexpr OptionSpec kTargetOptions[] = {
    {"add-set", ArgKind::Required, kOptAddSet}, {"del-set", ArgKind::Required, kOptDelSet},
    {"map-set", ArgKind::Required, kOptMapSet}, {"exist", ArgKind::None, kOptExist},
    {"timeout", ArgKind::Required, kOptTimeout}, {"map-mark", ArgKind::None, kOptMapMark},
    {"map-prio", ArgKind::None, kOptMapPrio},   {"map-queue", ArgKind::None, kOptMapQueue},
};

class SetTarget final : public Target {
 public:
  xt_set_info_target_v3 info{};

  SetTarget() {
    info.add_set.index = info.del_set.index = info.map_set.index = IPSET_INVALID_ID;
    info.timeout = UINT32_MAX;
  }
  std::string_view name() const override { return "SET"; }
  std::unique_ptr<Target> clone() const override { return std::make_unique<SetTarget>(*this); }

  unsigned seen = 0;  // bit per option id given

  Status parse(int id, const OptionArg& arg, const RuleContext& ctx) override {
    seen |= 1u << id;
    switch (id) {
      case kOptAddSet: return parse_set_arg(arg, ctx, "--add-set", info.add_set);
      case kOptDelSet: return parse_set_arg(arg, ctx, "--del-set", info.del_set);
      case kOptMapSet: return parse_set_arg(arg, ctx, "--map-set", info.map_set);
      case kOptExist: info.flags |= IPSET_FLAG_EXIST; break;
      case kOptTimeout: {
        auto v = xtables_strtoui(std::string(arg.value), UINT32_MAX - 1);
        if (!v)
          return parameter_error("Invalid value for option --timeout or out of range 0-" +
                                 std::to_string(UINT32_MAX - 1));
        info.timeout = static_cast<std::uint32_t>(*v);
        break;
      }
      case kOptMapMark: info.flags |= IPSET_FLAG_MAP_SKBMARK; break;
      case kOptMapPrio: info.flags |= IPSET_FLAG_MAP_SKBPRIO; break;
      case kOptMapQueue: info.flags |= IPSET_FLAG_MAP_SKBQUEUE; break;
    }
    return {};
  }
  Status final_check(const RuleContext&) override {
    if (info.add_set.index == IPSET_INVALID_ID && info.del_set.index == IPSET_INVALID_ID &&
        info.map_set.index == IPSET_INVALID_ID)
      return parameter_error(
          "You must specify either `--add-set' or `--del-set' or `--map-set'");
    auto given = [this](int id) { return (seen & (1u << id)) != 0; };
    if (!given(kOptAddSet)) {
      if (given(kOptExist))
        return parameter_error("Flag `--exist' can be used with `--add-set' only");
      if (given(kOptTimeout))
        return parameter_error("Option `--timeout' can be used with `--add-set' only");
    }
    if (!given(kOptMapSet)) {
      if (given(kOptMapMark))
        return parameter_error("Flag `--map-mark' can be used with `--map-set' only");
      if (given(kOptMapPrio))
        return parameter_error("Flag `--map-prio' can be used with `--map-set' only");
      if (given(kOptMapQueue))
        return parameter_error("Flag `--map-queue' can be used with `--map-set' only");
    } else if (!given(kOptMapMark) && !given(kOptMapPrio) && !given(kOptMapQueue)) {
      return parameter_error(
          "You must specify flags `--map-mark' or '--map-prio` or `--map-queue'");
    }
    return {};
  }
  void dump(std::string& out, const char* p) const {
    if (info.add_set.index != IPSET_INVALID_ID) {
      out += std::string(" ") + p + "add-set " + set_text(info.add_set);
      if (info.flags & IPSET_FLAG_EXIST) out += std::string(" ") + p + "exist";
      if (info.timeout != UINT32_MAX)
        out += std::string(" ") + p + "timeout " + std::to_string(info.timeout);
    }
    if (info.del_set.index != IPSET_INVALID_ID)
      out += std::string(" ") + p + "del-set " + set_text(info.del_set);
    if (info.map_set.index != IPSET_INVALID_ID) {
      out += std::string(" ") + p + "map-set " + set_text(info.map_set);
      if (info.flags & IPSET_FLAG_MAP_SKBMARK) out += std::string(" ") + p + "map-mark";
      if (info.flags & IPSET_FLAG_MAP_SKBPRIO) out += std::string(" ") + p + "map-prio";
      if (info.flags & IPSET_FLAG_MAP_SKBQUEUE) out += std::string(" ") + p + "map-queue";
    }
  }
  void save(std::string& out, const SaveContext&) const override { dump(out, "--"); }
  void list(std::string& out, bool, const SaveContext&) const override { dump(out, ""); }
  Status encode(std::vector<nft::Expr>& out, const RuleContext&) const override {
    out.push_back(nft::Expr::target("SET", 3, xt_blob(info)));
    return {};
  }
};

std::unique_ptr<Target> create_target(Family) { return std::make_unique<SetTarget>(); }
std::unique_ptr<Target> decode_target(const DecodeContext&, const nft::Bytes& blob) {
  auto t = std::make_unique<SetTarget>();
  if (!xt_read(blob, t->info)) return nullptr;
  return t;
}

}  // namespace

constexpr std::string_view kSetMatchHelp = R"HELP(
set match options:
 [!] --match-set name flags [--return-nomatch]
   [! --update-counters] [! --update-subcounters]
   [[!] --packets-eq value | --packets-lt value | --packets-gt value
   [[!] --bytes-eq value | --bytes-lt value | --bytes-gt value
		 'name' is the set name from to match,
		 'flags' are the comma separated list of
		 'src' and 'dst' specifications.
)HELP";

constexpr std::string_view kSetTargetHelp = R"HELP(
SET target options:
 --add-set name flags [--exist] [--timeout n]
 --del-set name flags
 --map-set name flags [--map-mark] [--map-prio] [--map-queue]
		add/del src/dst IP/port from/to named sets,
		where flags are the comma separated list of
		'src' and 'dst' specifications.
)HELP";

extern const MatchType kSetMatch = {"set", kBoth,        kMatchOptions, create_match, "set",
                                    4,     decode_match, nullptr,       kSetMatchHelp};
extern const TargetType kSetTarget = {"SET", kBoth,         kTargetOptions, create_target, "SET",
                                      3,     decode_target, nullptr,        kSetTargetHelp};

}  // namespace cx::ext
