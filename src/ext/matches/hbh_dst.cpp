// -m hbh / -m dst (xt "hbh" / "dst" rev 0, ip6t_opts; IPv6 only, xt compat): --X-len,
// --X-opts TYPE[:LEN],... stored as TYPE << 8 | LEN (LEN 0xff when absent).
// Both in one file: the two extensions are one OptsMatch class, told apart by `dst` (the
// name, the option names and the xt match name follow it; the structure is the same).
#include <linux/netfilter_ipv6/ip6t_opts.h>

#include "common/parse.h"
#include "ext/extension.h"
#include "ext/util.h"

namespace cx::ext {
namespace {

enum { kOptsLen = 1, kOptsOpts };
constexpr OptionSpec kHbhOptions[] = {{"hbh-len", ArgKind::Required, kOptsLen},
                                      {"hbh-opts", ArgKind::Required, kOptsOpts}};
constexpr OptionSpec kDstOptions[] = {{"dst-len", ArgKind::Required, kOptsLen},
                                      {"dst-opts", ArgKind::Required, kOptsOpts}};

class OptsMatch final : public Match {
 public:
  bool dst = false;
  ip6t_opts info{};
  unsigned seen = 0;
  std::string_view name() const override { return dst ? "dst" : "hbh"; }
  std::unique_ptr<Match> clone() const override { return std::make_unique<OptsMatch>(*this); }
  std::string opt(int id) const {
    return std::string("--") + (dst ? "dst" : "hbh") + (id == kOptsLen ? "-len" : "-opts");
  }
  Status parse(int id, const OptionArg& arg, const RuleContext&) override {
    if (seen & (1u << id)) return only_once(name(), opt(id));
    if (arg.invert && id == kOptsOpts) return cannot_invert(name(), opt(id));
    seen |= 1u << id;
    if (id == kOptsLen) {
      auto v = parse_uint_opt(arg.value, 0, UINT32_MAX, name(), opt(id));
      if (!v) return v.take_error();
      info.hdrlen = static_cast<std::uint32_t>(*v);
      info.flags |= IP6T_OPTS_LEN;
      if (arg.invert) info.invflags |= IP6T_OPTS_INV_LEN;
      return {};
    }
    auto list = split(arg.value, ',');
    if (list.size() > IP6T_OPTS_OPTSNR) return parameter_error("too many options specified");
    for (const auto& item : list) {
      auto colon = item.find(':');
      auto t = parse_unsigned(std::string_view(item).substr(0, colon), 255, 0);
      if (!t) return parameter_error("bad option type `" + item + "'");
      std::uint16_t len = 0xff;
      if (colon != std::string::npos) {
        auto l = parse_unsigned(std::string_view(item).substr(colon + 1), 255, 0);
        if (!l) return parameter_error("bad option length `" + item + "'");
        len = static_cast<std::uint16_t>(*l);
      }
      info.opts[info.optsnr++] = static_cast<std::uint16_t>((*t << 8) | len);
    }
    info.flags |= IP6T_OPTS_OPTS;
    return {};
  }
  std::string opts_text() const {
    std::string s;
    for (int i = 0; i < info.optsnr && i < IP6T_OPTS_OPTSNR; ++i) {
      if (i) s += ",";
      s += std::to_string(info.opts[i] >> 8);
      if ((info.opts[i] & 0xff) != 0xff) s += ":" + std::to_string(info.opts[i] & 0xff);
    }
    return s;
  }
  void save(std::string& out, const SaveContext&) const override {
    if (info.flags & IP6T_OPTS_LEN)
      out += std::string((info.invflags & IP6T_OPTS_INV_LEN) ? " !" : "") + " " + opt(kOptsLen) +
             " " + std::to_string(info.hdrlen);
    if (info.flags & IP6T_OPTS_OPTS) out += " " + opt(kOptsOpts) + " " + opts_text();
  }
  void list(std::string& out, bool, const SaveContext&) const override {
    out += dst ? " dst" : " hbh";
    if (info.flags & IP6T_OPTS_LEN)
      out += std::string(" length:") + ((info.invflags & IP6T_OPTS_INV_LEN) ? "!" : "") +
             std::to_string(info.hdrlen);
    if (info.flags & IP6T_OPTS_OPTS) out += " opts " + opts_text();
  }
  // Only hbh's length has a translation (none for dst, none for the options).
  bool xlate(Xlate& xl, const XlateContext&) const override {
    if (dst || !(info.flags & IP6T_OPTS_LEN) || (info.flags & IP6T_OPTS_OPTS)) return false;
    xl.addf("hbh hdrlength %s%u", (info.invflags & IP6T_OPTS_INV_LEN) ? "!= " : "", info.hdrlen);
    return true;
  }
  Status encode(std::vector<nft::Expr>& out, const RuleContext&) const override {
    out.push_back(nft::Expr::match(dst ? "dst" : "hbh", 0, xt_blob(info)));
    return {};
  }
};

std::unique_ptr<Match> create_hbh(Family) { return std::make_unique<OptsMatch>(); }
std::unique_ptr<Match> create_dst(Family) {
  auto m = std::make_unique<OptsMatch>();
  m->dst = true;
  return m;
}
std::unique_ptr<Match> decode_opts(const nft::Bytes& blob, bool dst) {
  auto m = std::make_unique<OptsMatch>();
  if (!xt_read(blob, m->info)) return nullptr;
  m->dst = dst;
  return m;
}
std::unique_ptr<Match> decode_hbh(const DecodeContext&, const nft::Bytes& blob) {
  return decode_opts(blob, false);
}
std::unique_ptr<Match> decode_dst(const DecodeContext&, const nft::Bytes& blob) {
  return decode_opts(blob, true);
}

}  // namespace

constexpr std::string_view kHbhMatchHelp = R"HELP(
hbh match options:
[!] --hbh-len length            total length of this header
  --hbh-opts TYPE[:LEN][,TYPE[:LEN]...] 
                                Options and its length (list, max: 16)
)HELP";

constexpr std::string_view kDstMatchHelp = R"HELP(
dst match options:
[!] --dst-len length            total length of this header
  --dst-opts TYPE[:LEN][,TYPE[:LEN]...]
                                Options and its length (list, max: 16)
)HELP";

extern const MatchType kHbhMatch = {"hbh", kV6,        kHbhOptions, create_hbh,   "hbh",
                                    0,     decode_hbh, nullptr,     kHbhMatchHelp};
extern const MatchType kDstMatch = {"dst", kV6,        kDstOptions, create_dst,   "dst",
                                    0,     decode_dst, nullptr,     kDstMatchHelp};

}  // namespace cx::ext
