// -m sctp (xt "sctp" rev 0, struct xt_sctp_info, mirrored here because the uapi header does
// not compile as C++) and -m dccp (xt "dccp" rev 0, struct xt_dccp_info). Ports a[:b]
// (unset ports stay 0:0, not 0:65535); sctp --chunk-types any|all|only NAME[:FLAGS],... where
// FLAGS letters are uppercase to require a bit and lowercase to require it clear (DATA: I U B
// E, ABORT/SHUTDOWN_COMPLETE: T); unused flag slots carry chunk type 0xff; dccp --dccp-types NAME,... and --dccp-option N.
// -L "sctp spts:!10:20 dpt:5000 any DATA,INIT", "dccp ... REQUEST,RESPONSE option=5".
#include <linux/netfilter/xt_dccp.h>

#include <cctype>

#include "common/parse.h"
#include "ext/extension.h"
#include "ext/util.h"

namespace cx::ext {
namespace {

struct SctpFlagInfo {
  std::uint8_t chunktype, flag, flag_mask;
};
struct SctpInfo {  // struct xt_sctp_info
  std::uint16_t dpts[2];
  std::uint16_t spts[2];
  std::uint32_t chunkmap[256 / sizeof(std::uint32_t)];
  std::uint32_t chunk_match_type;
  SctpFlagInfo flag_info[4];
  int flag_count;
  std::uint32_t flags;
  std::uint32_t invflags;
};
constexpr std::uint32_t kSrcPorts = 0x01, kDestPorts = 0x02, kChunkTypes = 0x04;
constexpr std::uint32_t kMatchAny = 0x01, kMatchAll = 0x02, kMatchOnly = 0x04;

struct Chunk {
  const char* name;
  std::uint8_t type;
  const char* flags;  // letters, most significant bit first
};
constexpr Chunk kChunks[] = {
    {"DATA", 0, "IUBE"},        {"INIT", 1, ""},          {"INIT_ACK", 2, ""},
    {"SACK", 3, ""},            {"HEARTBEAT", 4, ""},     {"HEARTBEAT_ACK", 5, ""},
    {"ABORT", 6, "T"},          {"SHUTDOWN", 7, ""},      {"SHUTDOWN_ACK", 8, ""},
    {"ERROR", 9, ""},           {"COOKIE_ECHO", 10, ""},  {"COOKIE_ACK", 11, ""},
    {"ECN_ECNE", 12, ""},       {"ECN_CWR", 13, ""},      {"SHUTDOWN_COMPLETE", 14, "T"},
    {"I_DATA", 64, "IUBE"},     {"RE_CONFIG", 130, ""},   {"PAD", 132, ""},
    {"ASCONF", 193, ""},        {"ASCONF_ACK", 128, ""},  {"FORWARD_TSN", 192, ""},
    {"I_FORWARD_TSN", 194, ""},
};

Result<std::pair<std::uint16_t, std::uint16_t>> parse_ports(std::string_view s,
                                                            const char* proto) {
  auto colon = s.find(':');
  auto one = [&](std::string_view p, std::uint16_t dflt) -> Result<std::uint16_t> {
    if (p.empty()) return dflt;
    return parse_port(p, proto);
  };
  auto a = one(s.substr(0, colon), 0);
  if (!a) return a.take_error();
  if (colon == std::string_view::npos) return std::make_pair(*a, *a);
  auto b = one(s.substr(colon + 1), 0xffff);
  if (!b) return b.take_error();
  return std::make_pair(*a, *b);
}

std::string ports_list(const char* label, const std::uint16_t* p, bool inv) {
  std::string s = " ";
  s += label;
  if (p[0] == p[1]) {
    s += std::string(":") + (inv ? "!" : "") + std::to_string(p[0]);
  } else {
    s += std::string("s:") + (inv ? "!" : "") + std::to_string(p[0]) + ":" + std::to_string(p[1]);
  }
  return s;
}
std::string ports_save(const std::uint16_t* p) {
  if (p[0] == p[1]) return std::to_string(p[0]);
  return std::to_string(p[0]) + ":" + std::to_string(p[1]);
}

// --- sctp ------------------------------------------------------------------------------------
enum { kOptSport = 1, kOptDport, kOptChunks };
constexpr OptionSpec kSctpOptions[] = {
    {"source-port", ArgKind::Required, kOptSport}, {"sport", ArgKind::Required, kOptSport},
    {"destination-port", ArgKind::Required, kOptDport}, {"dport", ArgKind::Required, kOptDport},
    {"chunk-types", ArgKind::Required, kOptChunks},
};

class SctpMatch final : public Match {
 public:
  SctpInfo info{};
  SctpMatch() {
    for (auto& f : info.flag_info) f.chunktype = 0xff;  // unused slots, as iptables sends them
  }
  std::string_view name() const override { return "sctp"; }
  std::unique_ptr<Match> clone() const override { return std::make_unique<SctpMatch>(*this); }

  Status parse(int id, const OptionArg& arg, const RuleContext&) override {
    if (id == kOptSport || id == kOptDport) {
      std::uint32_t f = id == kOptSport ? kSrcPorts : kDestPorts;
      if (info.flags & f)
        return parameter_error(id == kOptSport ? "Only one `--source-port' allowed"
                                               : "Only one `--destination-port' allowed");
      auto r = parse_ports(arg.value, "sctp");
      if (!r) return r.take_error();
      std::uint16_t* p = id == kOptSport ? info.spts : info.dpts;
      p[0] = r->first;
      p[1] = r->second;
      info.flags |= f;
      if (arg.invert) info.invflags |= f;
      return {};
    }
    if (info.flags & kChunkTypes) return parameter_error("Only one `--chunk-types' allowed");
    std::size_t& next = *arg.next;
    if (next >= arg.argv->size() || (*arg.argv)[next].empty() || (*arg.argv)[next][0] == '-' ||
        (*arg.argv)[next][0] == '!')
      return parameter_error("--chunk-types requires two args");
    std::string list = (*arg.argv)[next++];
    std::string mt = to_lower(arg.value);
    if (mt == "any")
      info.chunk_match_type = kMatchAny;
    else if (mt == "all")
      info.chunk_match_type = kMatchAll;
    else if (mt == "only")
      info.chunk_match_type = kMatchOnly;
    else
      return parameter_error("Match type has to be one of \"ALL\", \"ANY\" or \"ONLY\"");
    for (const std::string& item : split(list, ',')) {
      auto colon = item.find(':');
      std::string name = item.substr(0, colon);
      if (name == "ALL") {
        for (auto& w : info.chunkmap) w = 0xffffffff;
        continue;
      }
      if (name == "NONE") continue;
      const Chunk* c = nullptr;
      for (const auto& k : kChunks)
        if (name == k.name) c = &k;
      if (!c) return parameter_error("Unknown sctp chunk `" + name + "'");
      info.chunkmap[c->type / 32] |= 1u << (c->type % 32);
      if (colon != std::string::npos) {
        if (info.flag_count >= 4) return parameter_error("Number of chunk types with flags exceeds currently allowed limit.Increasing this limit involves changing IPT_NUM_SCTP_FLAGS and recompiling both the kernel space and user space modules");
        SctpFlagInfo& fi = info.flag_info[info.flag_count++];
        fi.chunktype = c->type;
        std::string letters = c->flags;
        for (char ch : item.substr(colon + 1)) {
          auto pos = letters.find(static_cast<char>(std::toupper(static_cast<unsigned char>(ch))));
          if (pos == std::string::npos)
            return parameter_error(std::string("Invalid flags for chunk type ") + c->name);
          std::uint8_t bit = static_cast<std::uint8_t>(1u << (letters.size() - 1 - pos));
          fi.flag_mask |= bit;
          if (std::isupper(static_cast<unsigned char>(ch))) fi.flag |= bit;
        }
      }
    }
    info.flags |= kChunkTypes;
    if (arg.invert) info.invflags |= kChunkTypes;
    return {};
  }
  std::string chunks_text() const {
    std::string s;
    bool all = true;
    for (auto w : info.chunkmap) all = all && w == 0xffffffff;
    if (all) return "ALL";
    // Named chunks in type order.
    for (int t = 0; t < 256; ++t) {
      if (!(info.chunkmap[t / 32] & (1u << (t % 32)))) continue;
      const Chunk* c = nullptr;
      for (const auto& k : kChunks)
        if (k.type == t) c = &k;
      if (!s.empty()) s += ",";
      s += c ? c->name : std::to_string(t);
      for (int f = 0; f < info.flag_count && f < 4; ++f) {
        const SctpFlagInfo& fi = info.flag_info[f];
        if (fi.chunktype != t || !c) continue;
        s += ":";
        std::string letters = c->flags;
        for (std::size_t i = 0; i < letters.size(); ++i) {
          std::uint8_t bit = static_cast<std::uint8_t>(1u << (letters.size() - 1 - i));
          if (!(fi.flag_mask & bit)) continue;
          s += (fi.flag & bit) ? letters[i] : static_cast<char>(std::tolower(letters[i]));
        }
      }
    }
    return s.empty() ? "NONE" : s;
  }
  const char* match_type() const {
    return info.chunk_match_type == kMatchAll ? "all" : info.chunk_match_type == kMatchOnly ? "only" : "any";
  }
  void save(std::string& out, const SaveContext&) const override {
    if (info.flags & kSrcPorts)
      out += std::string((info.invflags & kSrcPorts) ? " !" : "") + " --sport " + ports_save(info.spts);
    if (info.flags & kDestPorts)
      out += std::string((info.invflags & kDestPorts) ? " !" : "") + " --dport " + ports_save(info.dpts);
    if (info.flags & kChunkTypes)
      out += std::string((info.invflags & kChunkTypes) ? " !" : "") + " --chunk-types " +
             match_type() + " " + chunks_text();
  }
  void list(std::string& out, bool, const SaveContext&) const override {
    out += " sctp";
    if (info.flags & kSrcPorts) out += ports_list("spt", info.spts, info.invflags & kSrcPorts);
    if (info.flags & kDestPorts) out += ports_list("dpt", info.dpts, info.invflags & kDestPorts);
    if (info.flags & kChunkTypes)
      out += std::string((info.invflags & kChunkTypes) ? " !" : "") + " " + match_type() + " " +
             chunks_text();
  }
  Status encode(std::vector<nft::Expr>& out, const RuleContext&) const override {
    out.push_back(nft::Expr::match("sctp", 0, xt_blob(info)));
    return {};
  }
};

// --- dccp ------------------------------------------------------------------------------------
enum { kOptTypes = 3, kOptOption };
constexpr OptionSpec kDccpOptions[] = {
    {"source-port", ArgKind::Required, kOptSport}, {"sport", ArgKind::Required, kOptSport},
    {"destination-port", ArgKind::Required, kOptDport}, {"dport", ArgKind::Required, kOptDport},
    {"dccp-types", ArgKind::Required, kOptTypes}, {"dccp-option", ArgKind::Required, kOptOption},
};
constexpr const char* kDccpTypes[] = {"REQUEST", "RESPONSE", "DATA",  "ACK",     "DATAACK",
                                      "CLOSEREQ", "CLOSE",   "RESET", "SYNC",    "SYNCACK",
                                      "INVALID"};

class DccpMatch final : public Match {
 public:
  xt_dccp_info info{};
  std::string_view name() const override { return "dccp"; }
  std::unique_ptr<Match> clone() const override { return std::make_unique<DccpMatch>(*this); }
  Status parse(int id, const OptionArg& arg, const RuleContext&) override {
    std::uint16_t f = id == kOptSport ? XT_DCCP_SRC_PORTS
                      : id == kOptDport ? XT_DCCP_DEST_PORTS
                      : id == kOptTypes ? XT_DCCP_TYPE
                                        : XT_DCCP_OPTION;
    const char* opt = id == kOptSport ? "--sport" : id == kOptDport ? "--dport"
                      : id == kOptTypes ? "--dccp-types" : "--dccp-option";
    if (info.flags & f) return only_once("dccp", opt);
    switch (id) {
      case kOptSport:
      case kOptDport: {
        auto r = parse_ports(arg.value, "dccp");
        if (!r) return r.take_error();
        std::uint16_t* p = id == kOptSport ? info.spts : info.dpts;
        p[0] = r->first;
        p[1] = r->second;
        break;
      }
      case kOptTypes:
        for (const std::string& w : split(arg.value, ',')) {
          int t = -1;
          for (int i = 0; i < 11; ++i)
            if (w == kDccpTypes[i]) t = i;
          if (t < 0) return parameter_error("Unknown DCCP type `" + w + "'");
          info.typemask = static_cast<std::uint16_t>(info.typemask | (1u << t));
        }
        break;
      case kOptOption: {
        auto v = parse_uint_opt(arg.value, 0, 255, "dccp", opt);
        if (!v) return v.take_error();
        info.option = static_cast<std::uint8_t>(*v);
        break;
      }
    }
    info.flags |= f;
    if (arg.invert) info.invflags |= f;
    return {};
  }
  std::string types(bool numeric = false) const {
    std::string s;
    for (int i = 0; i < 11; ++i)
      if (info.typemask & (1u << i)) {
        if (!s.empty()) s += ",";
        s += numeric ? std::to_string(i) : kDccpTypes[i];
      }
    return s;
  }
  void save(std::string& out, const SaveContext&) const override {
    auto inv = [&](std::uint16_t f) { return (info.invflags & f) ? " !" : ""; };
    if (info.flags & XT_DCCP_SRC_PORTS)
      out += std::string(inv(XT_DCCP_SRC_PORTS)) + " --sport " + ports_save(info.spts);
    if (info.flags & XT_DCCP_DEST_PORTS)
      out += std::string(inv(XT_DCCP_DEST_PORTS)) + " --dport " + ports_save(info.dpts);
    if (info.flags & XT_DCCP_TYPE) out += std::string(inv(XT_DCCP_TYPE)) + " --dccp-types " + types();
    if (info.flags & XT_DCCP_OPTION)
      out += std::string(inv(XT_DCCP_OPTION)) + " --dccp-option " + std::to_string(info.option);
  }
  void list(std::string& out, bool numeric, const SaveContext&) const override {
    out += " dccp";
    if (info.flags & XT_DCCP_SRC_PORTS)
      out += ports_list("spt", info.spts, info.invflags & XT_DCCP_SRC_PORTS);
    if (info.flags & XT_DCCP_DEST_PORTS)
      out += ports_list("dpt", info.dpts, info.invflags & XT_DCCP_DEST_PORTS);
    if (info.flags & XT_DCCP_TYPE)
      out += std::string((info.invflags & XT_DCCP_TYPE) ? " !" : " ") + types(numeric);
    if (info.flags & XT_DCCP_OPTION)
      out += std::string(" option=") + ((info.invflags & XT_DCCP_OPTION) ? "!" : "") +
             std::to_string(info.option);
  }
  Status encode(std::vector<nft::Expr>& out, const RuleContext&) const override {
    out.push_back(nft::Expr::match("dccp", 0, xt_blob(info)));
    return {};
  }
};

template <class M>
std::unique_ptr<Match> create(Family) {
  return std::make_unique<M>();
}
template <class M>
std::unique_ptr<Match> decode(const DecodeContext&, const nft::Bytes& blob) {
  auto m = std::make_unique<M>();
  if (!xt_read(blob, m->info)) return nullptr;
  return m;
}

}  // namespace

extern const MatchType kSctpMatch = {"sctp", kBoth, kSctpOptions, create<SctpMatch>, "sctp", 0,
                                     decode<SctpMatch>, nullptr};
extern const MatchType kDccpMatch = {"dccp", kBoth, kDccpOptions, create<DccpMatch>, "dccp", 0,
                                     decode<DccpMatch>, nullptr};

}  // namespace cx::ext
