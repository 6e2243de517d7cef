// -m srh (xt "srh" rev 1, ip6t_srh1; IPv6 only, xt compat): one field each for len/segs/last,
// so e.g. --srh-hdr-len-gt 3 --srh-hdr-len-lt 9 keeps 9 for both (as iptables does); sids are
// addr[/mask].
#include <linux/netfilter_ipv6/ip6t_srh.h>

#include <cstring>

#include "common/parse.h"
#include "ext/extension.h"
#include "ext/util.h"

namespace cx::ext {
namespace {

enum {
  kSrhNext = 1,
  kSrhLenEq,
  kSrhLenGt,
  kSrhLenLt,
  kSrhSegsEq,
  kSrhSegsGt,
  kSrhSegsLt,
  kSrhLastEq,
  kSrhLastGt,
  kSrhLastLt,
  kSrhTag,
  kSrhPsid,
  kSrhNsid,
  kSrhLsid,
};
constexpr OptionSpec kOptions[] = {
    {"srh-next-hdr", ArgKind::Required, kSrhNext},
    {"srh-hdr-len-eq", ArgKind::Required, kSrhLenEq},
    {"srh-hdr-len-gt", ArgKind::Required, kSrhLenGt},
    {"srh-hdr-len-lt", ArgKind::Required, kSrhLenLt},
    {"srh-segs-left-eq", ArgKind::Required, kSrhSegsEq},
    {"srh-segs-left-gt", ArgKind::Required, kSrhSegsGt},
    {"srh-segs-left-lt", ArgKind::Required, kSrhSegsLt},
    {"srh-last-entry-eq", ArgKind::Required, kSrhLastEq},
    {"srh-last-entry-gt", ArgKind::Required, kSrhLastGt},
    {"srh-last-entry-lt", ArgKind::Required, kSrhLastLt},
    {"srh-tag", ArgKind::Required, kSrhTag},
    {"srh-psid", ArgKind::Required, kSrhPsid},
    {"srh-nsid", ArgKind::Required, kSrhNsid},
    {"srh-lsid", ArgKind::Required, kSrhLsid},
};

class SrhMatch final : public Match {
 public:
  ip6t_srh1 info{};
  std::string_view name() const override { return "srh"; }
  std::unique_ptr<Match> clone() const override { return std::make_unique<SrhMatch>(*this); }
  static std::uint16_t bit(int id) { return static_cast<std::uint16_t>(1u << (id - 1)); }
  Status parse(int id, const OptionArg& arg, const RuleContext&) override {
    std::string opt = opt_of(kOptions, id);
    if (info.mt_flags & bit(id)) return only_once("srh", opt);
    if (id >= kSrhPsid) {
      std::string_view host = arg.value, plen;
      auto slash = arg.value.find('/');
      if (slash != std::string_view::npos) {
        host = arg.value.substr(0, slash);
        plen = arg.value.substr(slash + 1);
      }
      std::uint8_t a[16], m[16];
      CX_TRY(resolve_one(host, Family::V6, a));
      std::memset(m, 0xff, 16);
      if (slash != std::string_view::npos) {
        auto n = parse_unsigned(plen, 128, 10);
        if (!n) return parameter_error("invalid mask `" + std::string(plen) + "' specified");
        std::memset(m, 0, 16);
        for (unsigned i = 0; i < *n; ++i) m[i / 8] |= static_cast<std::uint8_t>(0x80 >> (i % 8));
      }
      in6_addr* addr = id == kSrhPsid   ? &info.psid_addr
                       : id == kSrhNsid ? &info.nsid_addr
                                        : &info.lsid_addr;
      in6_addr* msk = id == kSrhPsid   ? &info.psid_msk
                      : id == kSrhNsid ? &info.nsid_msk
                                       : &info.lsid_msk;
      std::memcpy(addr, a, 16);
      std::memcpy(msk, m, 16);
    } else {
      std::uint64_t max = id == kSrhTag ? 65535 : 255;
      auto v = parse_uint_opt(arg.value, 0, max, "srh", opt);
      if (!v) return v.take_error();
      auto u8 = static_cast<std::uint8_t>(*v);
      switch (id) {
        case kSrhNext:
          info.next_hdr = u8;
          break;
        case kSrhLenEq:
        case kSrhLenGt:
        case kSrhLenLt:
          info.hdr_len = u8;
          break;
        case kSrhSegsEq:
        case kSrhSegsGt:
        case kSrhSegsLt:
          info.segs_left = u8;
          break;
        case kSrhLastEq:
        case kSrhLastGt:
        case kSrhLastLt:
          info.last_entry = u8;
          break;
        case kSrhTag:
          info.tag = static_cast<std::uint16_t>(*v);
          break;
      }
    }
    info.mt_flags |= bit(id);
    if (arg.invert) info.mt_invflags |= bit(id);
    return {};
  }
  std::string value_of(int id) const {
    switch (id) {
      case kSrhNext:
        return std::to_string(info.next_hdr);
      case kSrhLenEq:
      case kSrhLenGt:
      case kSrhLenLt:
        return std::to_string(info.hdr_len);
      case kSrhSegsEq:
      case kSrhSegsGt:
      case kSrhSegsLt:
        return std::to_string(info.segs_left);
      case kSrhLastEq:
      case kSrhLastGt:
      case kSrhLastLt:
        return std::to_string(info.last_entry);
      case kSrhTag:
        return std::to_string(info.tag);
    }
    const in6_addr* addr = id == kSrhPsid   ? &info.psid_addr
                           : id == kSrhNsid ? &info.nsid_addr
                                            : &info.lsid_addr;
    const in6_addr* msk = id == kSrhPsid   ? &info.psid_msk
                          : id == kSrhNsid ? &info.nsid_msk
                                           : &info.lsid_msk;
    int n = mask_prefix_len(reinterpret_cast<const std::uint8_t*>(msk), 16);
    return addr_text(reinterpret_cast<const std::uint8_t*>(addr), Family::V6) + "/" +
           std::to_string(n < 0 ? 128 : n);
  }
  void save(std::string& out, const SaveContext&) const override {
    for (const auto& o : kOptions)
      if (info.mt_flags & bit(o.id))
        out += std::string((info.mt_invflags & bit(o.id)) ? " !" : "") + " --" +
               std::string(o.name) + " " + value_of(o.id);
  }
  void list(std::string& out, bool, const SaveContext&) const override {
    out += " srh";
    for (const auto& o : kOptions) {
      if (!(info.mt_flags & bit(o.id))) continue;
      bool inv = info.mt_invflags & bit(o.id);
      std::string label(o.name.substr(4));
      if (o.id >= kSrhPsid)
        out += " " + label + " " + (inv ? "!" : "") + " " + value_of(o.id);
      else
        out += " " + label + ":" + (inv ? "!" : "") + value_of(o.id);
    }
  }
  Status encode(std::vector<nft::Expr>& out, const RuleContext&) const override {
    out.push_back(nft::Expr::match("srh", 1, xt_blob(info)));
    return {};
  }
};

std::unique_ptr<Match> create(Family) { return std::make_unique<SrhMatch>(); }
std::unique_ptr<Match> decode_compat(const DecodeContext&, const nft::Bytes& blob) {
  auto m = std::make_unique<SrhMatch>();
  if (!xt_read(blob, m->info)) return nullptr;
  return m;
}

}  // namespace

constexpr std::string_view kSrhMatchHelp = R"HELP(
srh match options:
[!] --srh-next-hdr		next-hdr        Next Header value of SRH
[!] --srh-hdr-len-eq		hdr_len         Hdr Ext Len value of SRH
[!] --srh-hdr-len-gt		hdr_len         Hdr Ext Len value of SRH
[!] --srh-hdr-len-lt		hdr_len         Hdr Ext Len value of SRH
[!] --srh-segs-left-eq		segs_left       Segments Left value of SRH
[!] --srh-segs-left-gt		segs_left       Segments Left value of SRH
[!] --srh-segs-left-lt		segs_left       Segments Left value of SRH
[!] --srh-last-entry-eq 	last_entry      Last Entry value of SRH
[!] --srh-last-entry-gt 	last_entry      Last Entry value of SRH
[!] --srh-last-entry-lt 	last_entry      Last Entry value of SRH
[!] --srh-tag			tag             Tag value of SRH
[!] --srh-psid			addr[/mask]	SRH previous SID
[!] --srh-nsid			addr[/mask]	SRH next SID
[!] --srh-lsid			addr[/mask]	SRH Last SID
)HELP";

extern const MatchType kSrhMatch = {"srh", kV6,           kOptions, create,       "srh",
                                    1,     decode_compat, nullptr,  kSrhMatchHelp};

}  // namespace cx::ext
