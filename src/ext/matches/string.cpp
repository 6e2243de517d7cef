// -m string (xt "string" rev 1, struct xt_string_info). --algo is mandatory (kernel checks the
// name), --string / --hex-string ("foo|00 01|bar": hex pairs between pipes, spaces ignored)
// up to 128 bytes, --from/--to 0-65535 (to defaults to 65535), --icase.
// -S prints --string "..." (", \ escaped) when every byte is printable, else
// --hex-string "|hex|"; -L "STRING match [!] "..." ALGO name X [FROM n] [TO n] [ICASE]".
#include <linux/netfilter/xt_string.h>

#include <cctype>
#include <cstdio>
#include <cstring>

#include "ext/extension.h"
#include "ext/util.h"

namespace cx::ext {
namespace {

enum { kOptFrom = 1, kOptTo, kOptAlgo, kOptString, kOptHexString, kOptIcase };
constexpr OptionSpec kOptions[] = {
    {"from", ArgKind::Required, kOptFrom},         {"to", ArgKind::Required, kOptTo},
    {"algo", ArgKind::Required, kOptAlgo},         {"string", ArgKind::Required, kOptString},
    {"hex-string", ArgKind::Required, kOptHexString}, {"icase", ArgKind::None, kOptIcase},
};

std::string opt_name(int id) {
  for (const auto& o : kOptions)
    if (o.id == id) return "--" + std::string(o.name);
  return "";
}

// libxt_string's reader, step by step: a '|' toggles hex mode and the character after it is
// read in the same step (so "||" outside hex is a literal '|'); '\\' quotes one character
// outside hex; spaces after an opening '|' and after each hex pair are skipped.
Result<std::string> parse_hex(std::string_view s) {
  const std::size_t n = s.size();
  if (n == 0) return parameter_error("STRING must contain at least one char");
  std::string out;
  bool hex = false, literal = false;
  std::size_t i = 0;
  while (i < n) {
    if (out.size() >= XT_STRING_MAX_PATTERN_SIZE)
      return parameter_error("STRING too long \"" + std::string(s) + "\"");
    if (s[i] == '\\' && !hex) {
      literal = true;
    } else if (s[i] == '\\') {
      return parameter_error("Cannot include literals in hex data");
    } else if (s[i] == '|') {
      if (hex) {
        hex = false;
      } else {
        hex = true;
        while (i + 1 < n && s[i + 1] == ' ') ++i;
      }
      if (i + 1 >= n) break;
      ++i;
    }
    if (literal) {
      if (i + 1 >= n) return parameter_error("Bad literal placement at end of string");
      out += s[i + 1];
      i += 2;
      literal = false;
    } else if (hex) {
      if (i + 1 >= n) return parameter_error("Odd number of hex digits");
      if (i + 2 >= n) return parameter_error("Invalid hex block");
      for (std::size_t k = i; k < i + 2; ++k)
        if (!std::isxdigit(static_cast<unsigned char>(s[k])))
          return parameter_error(std::string("Invalid hex char '") + s[k] + "'");
      out += static_cast<char>(std::stoi(std::string(s.substr(i, 2)), nullptr, 16));
      i += s[i + 2] == ' ' ? 3 : 2;
    } else {
      out += s[i++];
    }
  }
  return out;
}

class StringMatch final : public Match {
 public:
  xt_string_info info{};
  unsigned seen = 0;

  StringMatch() { info.to_offset = UINT16_MAX; }
  std::string_view name() const override { return "string"; }
  std::unique_ptr<Match> clone() const override { return std::make_unique<StringMatch>(*this); }

  Status set_pattern(const std::string& p) {
    if (p.size() > XT_STRING_MAX_PATTERN_SIZE)
      return parameter_error("STRING too long \"" + p + "\"");
    std::memset(info.pattern, 0, sizeof(info.pattern));
    std::memcpy(info.pattern, p.data(), p.size());
    info.patlen = static_cast<std::uint8_t>(p.size());
    return {};
  }

  Status parse(int id, const OptionArg& arg, const RuleContext&) override {
    bool invertible = id == kOptString || id == kOptHexString;
    if (seen & (1u << id)) return only_once("string", opt_name(id));
    if (arg.invert && !invertible) return cannot_invert("string", opt_name(id));
    seen |= 1u << id;
    switch (id) {
      case kOptFrom:
      case kOptTo: {
        auto v = parse_uint_opt(arg.value, 0, UINT16_MAX, "string", opt_name(id));
        if (!v) return v.take_error();
        (id == kOptFrom ? info.from_offset : info.to_offset) = static_cast<std::uint16_t>(*v);
        break;
      }
      case kOptAlgo:
        std::memset(info.algo, 0, sizeof(info.algo));
        std::memcpy(info.algo, arg.value.data(), std::min(arg.value.size(), sizeof(info.algo) - 1));
        break;
      case kOptString:
        CX_TRY(set_pattern(std::string(arg.value)));
        break;
      case kOptHexString: {
        auto h = parse_hex(arg.value);
        if (!h) return h.take_error();
        CX_TRY(set_pattern(*h));
        break;
      }
      case kOptIcase: info.u.v1.flags |= XT_STRING_FLAG_IGNORECASE; break;
    }
    if (invertible && arg.invert) info.u.v1.flags |= XT_STRING_FLAG_INVERT;
    return {};
  }
  Status final_check(const RuleContext&) override {
    if (!(seen & ((1u << kOptString) | (1u << kOptHexString))))
      return parameter_error("STRING match: You must specify `--string' or `--hex-string'");
    if (!(seen & (1u << kOptAlgo))) return must_be_specified("string", "--algo");
    return {};
  }
  bool printable() const {
    for (int i = 0; i < info.patlen; ++i)
      if (!std::isprint(static_cast<unsigned char>(info.pattern[i]))) return false;
    return true;
  }
  std::string pattern_text() const {
    std::string s = "\"";
    if (printable()) {
      for (int i = 0; i < info.patlen; ++i) {
        char c = info.pattern[i];
        if (c == '"' || c == '\\') s += '\\';
        s += c;
      }
    } else {
      s += "|";
      char b[4];
      for (int i = 0; i < info.patlen; ++i) {
        std::snprintf(b, sizeof(b), "%02x", static_cast<unsigned char>(info.pattern[i]));
        s += b;
      }
      s += "|";
    }
    return s + "\"";
  }
  std::string algo() const { return std::string(info.algo, strnlen(info.algo, sizeof(info.algo))); }
  void save(std::string& out, const SaveContext&) const override {
    if (info.u.v1.flags & XT_STRING_FLAG_INVERT) out += " !";
    out += printable() ? " --string " : " --hex-string ";
    out += pattern_text();
    out += " --algo " + algo();
    if (info.from_offset) out += " --from " + std::to_string(info.from_offset);
    if (info.to_offset != UINT16_MAX) out += " --to " + std::to_string(info.to_offset);
    if (info.u.v1.flags & XT_STRING_FLAG_IGNORECASE) out += " --icase";
  }
  void list(std::string& out, bool, const SaveContext&) const override {
    out += " STRING match ";
    if (info.u.v1.flags & XT_STRING_FLAG_INVERT) out += "!";
    out += " " + pattern_text();
    out += " ALGO name " + algo();
    if (info.from_offset) out += " FROM " + std::to_string(info.from_offset);
    if (info.to_offset != UINT16_MAX) out += " TO " + std::to_string(info.to_offset);
    if (info.u.v1.flags & XT_STRING_FLAG_IGNORECASE) out += " ICASE";
  }
  Status encode(std::vector<nft::Expr>& out, const RuleContext&) const override {
    out.push_back(nft::Expr::match("string", 1, xt_blob(info)));
    return {};
  }
};

std::unique_ptr<Match> create(Family) { return std::make_unique<StringMatch>(); }
std::unique_ptr<Match> decode_compat(const DecodeContext&, const nft::Bytes& blob) {
  auto m = std::make_unique<StringMatch>();
  if (!xt_read(blob, m->info)) return nullptr;
  // The kernel refuses patlen > XT_STRING_MAX_PATTERN_SIZE; a larger one is not a string match
  // we can print (the pattern buffer holds 128 bytes).
  if (m->info.patlen > sizeof(m->info.pattern)) return nullptr;
  m->seen = (1u << kOptAlgo) | (1u << kOptString);
  return m;
}

}  // namespace

constexpr std::string_view kStringMatchHelp = R"HELP(
string match options:
--from                       Offset to start searching from
--to                         Offset to stop searching
--algo                       Algorithm
--icase                      Ignore case (default: 0)
[!] --string string          Match a string in a packet
[!] --hex-string string      Match a hex string in a packet
)HELP";

extern const MatchType kStringMatch = {"string", kBoth,         kOptions, create,          "string",
                                       1,        decode_compat, nullptr,  kStringMatchHelp};

}  // namespace cx::ext
