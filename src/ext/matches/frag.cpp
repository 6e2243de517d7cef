// -m frag (xt "frag" rev 0, struct ip6t_frag; IPv6 only). --fragid N[:M] (default range
// 0:0xffffffff), --fraglen N, --fragres, --fragfirst, --fragmore, --fraglast; the id and
// length tests can be inverted. -L "frag id:5" / "frag ids:!100:200 length:!8 reserved first more last"
// (note "frag " with a trailing space when nothing is set and "frag  last").
#include <linux/netfilter_ipv6/ip6t_frag.h>

#include "common/parse.h"
#include "ext/extension.h"
#include "ext/util.h"

namespace cx::ext {
namespace {

enum { kOptId = 1, kOptLen, kOptRes, kOptFirst, kOptMore, kOptLast };
constexpr OptionSpec kOptions[] = {
    {"fragid", ArgKind::Required, kOptId}, {"fraglen", ArgKind::Required, kOptLen},
    {"fragres", ArgKind::None, kOptRes},   {"fragfirst", ArgKind::None, kOptFirst},
    {"fragmore", ArgKind::None, kOptMore}, {"fraglast", ArgKind::None, kOptLast},
};

std::string opt_name(int id) {
  for (const auto& o : kOptions)
    if (o.id == id) return "--" + std::string(o.name);
  return "";
}

class FragMatch final : public Match {
 public:
  ip6t_frag info{};
  unsigned seen = 0;

  FragMatch() { info.ids[1] = UINT32_MAX; }
  std::string_view name() const override { return "frag"; }
  std::unique_ptr<Match> clone() const override { return std::make_unique<FragMatch>(*this); }

  Status parse(int id, const OptionArg& arg, const RuleContext&) override {
    bool invertible = id == kOptId || id == kOptLen;
    if (seen & (1u << id)) return only_once("frag", opt_name(id));
    if (arg.invert && !invertible) return cannot_invert("frag", opt_name(id));
    seen |= 1u << id;
    switch (id) {
      case kOptId: {
        auto r = parse_range_u(arg.value, UINT32_MAX, "frag", "--fragid");
        if (!r) return r.take_error();
        info.ids[0] = static_cast<std::uint32_t>(r->first);
        info.ids[1] = static_cast<std::uint32_t>(r->second);
        info.flags |= IP6T_FRAG_IDS;
        if (arg.invert) info.invflags |= IP6T_FRAG_INV_IDS;
        break;
      }
      case kOptLen: {
        auto v = parse_uint_opt(arg.value, 0, UINT32_MAX, "frag", "--fraglen");
        if (!v) return v.take_error();
        info.hdrlen = static_cast<std::uint32_t>(*v);
        info.flags |= IP6T_FRAG_LEN;
        if (arg.invert) info.invflags |= IP6T_FRAG_INV_LEN;
        break;
      }
      case kOptRes: info.flags |= IP6T_FRAG_RES; break;
      case kOptFirst: info.flags |= IP6T_FRAG_FST; break;
      case kOptMore: info.flags |= IP6T_FRAG_MF; break;
      case kOptLast: info.flags |= IP6T_FRAG_NMF; break;
    }
    return {};
  }
  Status final_check(const RuleContext&) override {
    if ((seen & (1u << kOptMore)) && (seen & (1u << kOptLast)))
      return cannot_combine("frag", "--fragmore", "--fraglast");
    return {};
  }
  std::string ids_text() const {
    if (info.ids[0] == info.ids[1]) return std::to_string(info.ids[0]);
    return std::to_string(info.ids[0]) + ":" + std::to_string(info.ids[1]);
  }
  void save(std::string& out, const SaveContext&) const override {
    if (info.flags & IP6T_FRAG_IDS)
      out += std::string((info.invflags & IP6T_FRAG_INV_IDS) ? " !" : "") + " --fragid " + ids_text();
    if (info.flags & IP6T_FRAG_LEN)
      out += std::string((info.invflags & IP6T_FRAG_INV_LEN) ? " !" : "") + " --fraglen " +
             std::to_string(info.hdrlen);
    if (info.flags & IP6T_FRAG_RES) out += " --fragres";
    if (info.flags & IP6T_FRAG_FST) out += " --fragfirst";
    if (info.flags & IP6T_FRAG_MF) out += " --fragmore";
    if (info.flags & IP6T_FRAG_NMF) out += " --fraglast";
  }
  void list(std::string& out, bool, const SaveContext&) const override {
    out += " frag ";
    if (info.flags & IP6T_FRAG_IDS)
      out += std::string(info.ids[0] == info.ids[1] ? "id:" : "ids:") +
             ((info.invflags & IP6T_FRAG_INV_IDS) ? "!" : "") + ids_text();
    if (info.flags & IP6T_FRAG_LEN)
      out += std::string(" length:") + ((info.invflags & IP6T_FRAG_INV_LEN) ? "!" : "") +
             std::to_string(info.hdrlen);
    if (info.flags & IP6T_FRAG_RES) out += " reserved";
    if (info.flags & IP6T_FRAG_FST) out += " first";
    if (info.flags & IP6T_FRAG_MF) out += " more";
    if (info.flags & IP6T_FRAG_NMF) out += " last";
  }
  // --fraglen has no translation and is left out.
  bool xlate(Xlate& xl, const XlateContext&) const override {
    if (info.ids[0] != 0 || info.ids[1] != UINT32_MAX) {
      xl.addf("frag id %s", (info.invflags & IP6T_FRAG_INV_IDS) ? "!= " : "");
      xl.add_range(info.ids[0], info.ids[1]);
    }
    if (info.flags & IP6T_FRAG_RES) xl.add("frag reserved 1");
    if (info.flags & IP6T_FRAG_FST) xl.add("frag frag-off 0");
    if (info.flags & IP6T_FRAG_MF) xl.add("frag more-fragments 1");
    if (info.flags & IP6T_FRAG_NMF) xl.add("frag more-fragments 0");
    return true;
  }
  Status encode(std::vector<nft::Expr>& out, const RuleContext&) const override {
    out.push_back(nft::Expr::match("frag", 0, xt_blob(info)));
    return {};
  }
};

std::unique_ptr<Match> create(Family) { return std::make_unique<FragMatch>(); }
std::unique_ptr<Match> decode_compat(const DecodeContext&, const nft::Bytes& blob) {
  auto m = std::make_unique<FragMatch>();
  if (!xt_read(blob, m->info)) return nullptr;
  return m;
}

}  // namespace

constexpr std::string_view kFragMatchHelp = R"HELP(
frag match options:
[!] --fragid id[:id]           match the id (range)
[!] --fraglen length           total length of this header
 --fragres                     check the reserved field too
 --fragfirst                   matches on the first fragment
 [--fragmore|--fraglast]       there are more fragments or this
                               is the last one
)HELP";

extern const MatchType kFragMatch = {"frag", kV6,           kOptions, create,        "frag",
                                     0,      decode_compat, nullptr,  kFragMatchHelp};

}  // namespace cx::ext
