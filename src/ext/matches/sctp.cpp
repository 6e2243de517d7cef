// -m sctp (xt "sctp" rev 0, struct xt_sctp_info, mirrored here because the uapi header does
// not compile as C++). Ports a[:b] (unset ports stay 0:0, not 0:65535); --chunk-types
// any|all|only NAME[:FLAGS],... where FLAGS letters are uppercase to require a bit and
// lowercase to require it clear (DATA: I U B E, ABORT/SHUTDOWN_COMPLETE: T); unused flag slots
// carry chunk type 0xff. -L "sctp spts:!10:20 dpt:5000 any DATA,INIT".
#include <cctype>
#include <cstdio>
#include <cstring>

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
  const char* nft;    // nft's name of the chunk
};
constexpr Chunk kChunks[] = {
    {"DATA", 0, "IUBE", "data"},
    {"INIT", 1, "", "init"},
    {"INIT_ACK", 2, "", "init-ack"},
    {"SACK", 3, "", "sack"},
    {"HEARTBEAT", 4, "", "heartbeat"},
    {"HEARTBEAT_ACK", 5, "", "heartbeat-ack"},
    {"ABORT", 6, "T", "abort"},
    {"SHUTDOWN", 7, "", "shutdown"},
    {"SHUTDOWN_ACK", 8, "", "shutdown-ack"},
    {"ERROR", 9, "", "error"},
    {"COOKIE_ECHO", 10, "", "cookie-echo"},
    {"COOKIE_ACK", 11, "", "cookie-ack"},
    {"ECN_ECNE", 12, "", "ecne"},
    {"ECN_CWR", 13, "", "cwr"},
    {"SHUTDOWN_COMPLETE", 14, "T", "shutdown-complete"},
    {"I_DATA", 64, "IUBE", "i-data"},
    {"RE_CONFIG", 130, "", "re-config"},
    {"PAD", 132, "", "pad"},
    {"ASCONF", 193, "", "asconf"},
    {"ASCONF_ACK", 128, "", "asconf-ack"},
    {"FORWARD_TSN", 192, "", "forward-tsn"},
    {"I_FORWARD_TSN", 194, "", "i-forward-tsn"},
};

enum { kOptSport = 1, kOptDport, kOptChunks };
constexpr OptionSpec kOptions[] = {
    {"source-port", ArgKind::Required, kOptSport},      {"sport", ArgKind::Required, kOptSport},
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
      auto r = parse_xt_ports(arg.value, "sctp");
      if (!r) return r.take_error();
      if (r->first > r->second) return parameter_error("invalid portrange (min > max)");
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
    CX_TRY(parse_chunks(list));
    info.flags |= kChunkTypes;
    if (arg.invert) info.invflags |= kChunkTypes;
    return {};
  }
  // The chunk list as libxt_sctp reads it: "ALL" or "NONE" alone (any case), else names (any
  // case) separated by commas, empty ones skipped, each with optional ":FLAGS". A flag letter
  // is looked up in the chunk's 8-character flag pattern ("----IUBE"), so "-" is bit 7; all
  // flags of one chunk go into one slot, at most four slots. Errors name the chunk by its
  // index in the table.
  Status parse_chunks(const std::string& list) {
    std::memset(info.chunkmap, 0, sizeof(info.chunkmap));
    if (to_lower(list) == "all") {
      for (auto& w : info.chunkmap) w = 0xffffffff;
      return {};
    }
    if (to_lower(list) == "none") return {};
    for (const std::string& item : split(list, ',')) {
      if (item.empty()) continue;
      const auto colon = item.find(':');
      const std::string name = item.substr(0, colon);
      std::size_t idx = std::size(kChunks);
      for (std::size_t i = 0; i < std::size(kChunks) && idx == std::size(kChunks); ++i)
        if (to_lower(name) == to_lower(kChunks[i].name)) idx = i;
      if (idx == std::size(kChunks)) return parameter_error("Unknown sctp chunk `" + name + "'");
      const Chunk& c = kChunks[idx];
      info.chunkmap[c.type / 32] |= 1u << (c.type % 32);
      if (colon == std::string::npos) continue;
      const std::string pattern = std::string(8 - std::strlen(c.flags), '-') + c.flags;
      for (char ch : item.substr(colon + 1)) {
        const auto pos =
            pattern.find(static_cast<char>(std::toupper(static_cast<unsigned char>(ch))));
        if (pos == std::string::npos)
          return parameter_error("Invalid flags for chunk type " + std::to_string(idx));
        const auto bit = static_cast<std::uint8_t>(1u << (7 - pos));
        SctpFlagInfo* fi = nullptr;
        for (int i = 0; i < info.flag_count && !fi; ++i)
          if (info.flag_info[i].chunktype == c.type) fi = &info.flag_info[i];
        if (!fi) {
          if (info.flag_count == 4)
            return parameter_error(
                "Number of chunk types with flags exceeds currently allowed limit. Increasing "
                "this limit involves changing IPT_NUM_SCTP_FLAGS and recompiling both the "
                "kernel space and user space modules");
          fi = &info.flag_info[info.flag_count++];
          *fi = SctpFlagInfo{c.type, 0, 0};
        }
        fi->flag_mask |= bit;
        if (std::isupper(static_cast<unsigned char>(ch))) fi->flag |= bit;
      }
    }
    return {};
  }

  // With -n, chunk types as numbers ("0x0001"); otherwise by name (nothing for a type that
  // has none), as libxt_sctp prints them.
  std::string chunks_text(bool numeric = false) const {
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
      if (numeric) {
        char hexbuf[8];
        std::snprintf(hexbuf, sizeof(hexbuf), "0x%04X", static_cast<unsigned>(t));
        s += hexbuf;
      } else if (c) {
        s += c->name;
      }
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
      out += std::string((info.invflags & kSrcPorts) ? " !" : "") + " --sport " +
             save_xt_ports(info.spts);
    if (info.flags & kDestPorts)
      out += std::string((info.invflags & kDestPorts) ? " !" : "") + " --dport " +
             save_xt_ports(info.dpts);
    if (info.flags & kChunkTypes)
      out += std::string((info.invflags & kChunkTypes) ? " !" : "") + " --chunk-types " +
             match_type() + " " + chunks_text();
  }
  void list(std::string& out, bool numeric, const SaveContext&) const override {
    out += " sctp";
    if (info.flags & kSrcPorts)
      out += list_xt_ports("spt", info.spts, info.invflags & kSrcPorts, numeric, "sctp");
    if (info.flags & kDestPorts)
      out += list_xt_ports("dpt", info.dpts, info.invflags & kDestPorts, numeric, "sctp");
    if (info.flags & kChunkTypes)
      out += std::string((info.invflags & kChunkTypes) ? " !" : "") + " " + match_type() + " " +
             chunks_text(numeric);
  }
  // nft words of libxt_sctp: ports ("sctp sport != 10-20"), then with ALL or ONLY one
  // "sctp chunk NAME ..." per known chunk type in table order; nothing to say for ANY or for
  // a match without options.
  bool xlate(Xlate& xl, const XlateContext&) const override {
    if (!info.flags) return false;
    auto ports = [&](const char* dir, std::uint32_t f, const std::uint16_t* p) {
      if (!(info.flags & f)) return;
      const char* op = (info.invflags & f) ? " !=" : "";
      if (p[0] != p[1])
        xl.addf("sctp %s%s %u-%u", dir, op, p[0], p[1]);
      else
        xl.addf("sctp %s%s %u", dir, op, p[0]);
    };
    ports("sport", kSrcPorts, info.spts);
    ports("dport", kDestPorts, info.dpts);
    if (!(info.flags & kChunkTypes)) return true;
    if (info.chunk_match_type == kMatchAny) return false;
    const bool inv = info.invflags & kChunkTypes;
    for (const Chunk& c : kChunks) {
      if (!(info.chunkmap[c.type / 32] & (1u << (c.type % 32)))) {
        if (info.chunk_match_type == kMatchOnly)
          xl.addf("sctp chunk %s %s", c.nft, inv ? "exists" : "missing");
        continue;
      }
      // iptables keeps a flag entry under the chunk's index in its name table and looks it
      // up by chunk type: the two agree up to SHUTDOWN_COMPLETE only.
      const SctpFlagInfo* fi = nullptr;
      for (int i = 0; i < info.flag_count && i < 4 && !fi; ++i) {
        const std::uint8_t t = info.flag_info[i].chunktype;
        if (t == c.type && t <= 14) fi = &info.flag_info[i];
      }
      if (!fi)
        xl.addf("sctp chunk %s %s", c.nft, inv ? "missing" : "exists");
      else
        xl.addf("sctp chunk %s flags & 0x%x %s 0x%x", c.nft, fi->flag_mask,
                inv ? "!=" : "==", fi->flag);
    }
    return true;
  }
  Status encode(std::vector<nft::Expr>& out, const RuleContext&) const override {
    out.push_back(nft::Expr::match("sctp", 0, xt_blob(info)));
    return {};
  }
};

std::unique_ptr<Match> create(Family) { return std::make_unique<SctpMatch>(); }
std::unique_ptr<Match> decode_compat(const DecodeContext&, const nft::Bytes& blob) {
  auto m = std::make_unique<SctpMatch>();
  if (!xt_read(blob, m->info)) return nullptr;
  return m;
}

}  // namespace

constexpr std::string_view kSctpMatchHelp = R"HELP(
sctp match options
[!] --source-port port[:port]                          match source port(s)
 --sport ...
[!] --destination-port port[:port]                     match destination port(s)
 --dport ...
[!] --chunk-types (all|any|none) (chunktype[:flags])+	match if all, any or none of
						        chunktypes are present
chunktypes - DATA INIT INIT_ACK SACK HEARTBEAT HEARTBEAT_ACK ABORT SHUTDOWN SHUTDOWN_ACK ERROR COOKIE_ECHO COOKIE_ACK ECN_ECNE ECN_CWR SHUTDOWN_COMPLETE ASCONF ASCONF_ACK FORWARD_TSN ALL NONE
)HELP";

extern const MatchType kSctpMatch = {"sctp", kBoth,         kOptions, create,        "sctp",
                                     0,      decode_compat, nullptr,  kSctpMatchHelp};

}  // namespace cx::ext
