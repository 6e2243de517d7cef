// -m u32 (xt "u32" rev 0, struct xt_u32). Tests joined by "&&"; each is
// LOCATION=VALUES where LOCATION is a number followed by "&N", "<<N", ">>N" or "@N" steps
// (stored as elements whose nextop is the operator before their number; the first has 0)
// and VALUES is a comma list of N or N:M. Numbers are base 0 and spaces are ignored.
// -S/-L print every number as 0x%x: --u32 "0x6&0xff=0x1".
#include <linux/netfilter/xt_u32.h>

#include <cstdio>
#include <cstdlib>

#include "ext/extension.h"
#include "ext/util.h"

namespace cx::ext {
namespace {

enum { kOptU32 = 1 };
constexpr OptionSpec kOptions[] = {{"u32", ArgKind::Required, kOptU32}};

std::string hx(std::uint32_t v) {
  char b[16];
  std::snprintf(b, sizeof(b), "0x%x", v);
  return b;
}

class U32Match final : public Match {
 public:
  xt_u32 info{};
  bool given = false;

  std::string_view name() const override { return "u32"; }
  std::unique_ptr<Match> clone() const override { return std::make_unique<U32Match>(*this); }

  Status parse(int, const OptionArg& arg, const RuleContext&) override {
    if (given) return only_once("u32", "--u32");
    std::string s(arg.value);
    std::size_t pos = 0;
    auto err = [&](const char* what) {
      return parameter_error("u32: at char " + std::to_string(pos) + ": " + what);
    };
    auto skip = [&]() {
      while (pos < s.size() && std::isspace(static_cast<unsigned char>(s[pos]))) ++pos;
    };
    auto number = [&](std::uint32_t& out) -> bool {
      skip();
      if (pos >= s.size() || !std::isdigit(static_cast<unsigned char>(s[pos]))) return false;
      const char* start = s.c_str() + pos;
      char* end = nullptr;
      errno = 0;
      unsigned long long v = std::strtoull(start, &end, 0);
      if (errno || v > UINT32_MAX) return false;
      out = static_cast<std::uint32_t>(v);
      pos += static_cast<std::size_t>(end - start);
      return true;
    };
    info = xt_u32{};
    for (;;) {
      if (info.ntests >= XT_U32_MAXSIZE) return err("too many \"&&\"s");
      xt_u32_test& t = info.tests[info.ntests];
      std::uint32_t n = 0;
      if (!number(n)) return err("not a number or out of range");
      t.location[0].number = n;
      t.nnums = 1;
      for (;;) {
        skip();
        if (pos >= s.size()) return err("missing \"=\"");
        std::uint8_t op;
        if (s[pos] == '=') {
          ++pos;
          break;
        } else if (s[pos] == '&') {
          op = XT_U32_AND;
          ++pos;
        } else if (s.compare(pos, 2, "<<") == 0) {
          op = XT_U32_LEFTSH;
          pos += 2;
        } else if (s.compare(pos, 2, ">>") == 0) {
          op = XT_U32_RIGHTSH;
          pos += 2;
        } else if (s[pos] == '@') {
          op = XT_U32_AT;
          ++pos;
        } else {
          return err("operator expected");
        }
        if (t.nnums > XT_U32_MAXSIZE) return err("too many operators");
        if (!number(n)) return err("not a number or out of range");
        t.location[t.nnums].number = n;
        t.location[t.nnums].nextop = op;
        ++t.nnums;
      }
      for (;;) {
        if (t.nvalues > XT_U32_MAXSIZE) return err("too many ranges");
        std::uint32_t lo = 0, hi = 0;
        if (!number(lo)) return err("not a number or out of range");
        hi = lo;
        skip();
        if (pos < s.size() && s[pos] == ':') {
          ++pos;
          if (!number(hi)) return err("not a number or out of range");
        }
        t.value[t.nvalues].min = lo;
        t.value[t.nvalues].max = hi;
        ++t.nvalues;
        skip();
        if (pos < s.size() && s[pos] == ',') {
          ++pos;
          continue;
        }
        break;
      }
      ++info.ntests;
      skip();
      if (pos >= s.size()) break;
      if (s.compare(pos, 2, "&&") != 0) return err("\"&&\" expected");
      pos += 2;
    }
    info.invert = arg.invert;
    given = true;
    return {};
  }
  Status final_check(const RuleContext&) override {
    if (!given) return must_be_specified("u32", "--u32");
    return {};
  }
  std::string text() const {
    static const char* const kOps[] = {"&", "<<", ">>", "@"};
    std::string s;
    for (int i = 0; i < info.ntests && i <= XT_U32_MAXSIZE; ++i) {
      const xt_u32_test& t = info.tests[i];
      if (i) s += "&&";
      for (int k = 0; k < t.nnums && k <= XT_U32_MAXSIZE; ++k) {
        if (k) s += kOps[t.location[k].nextop & 3];
        s += hx(t.location[k].number);
      }
      s += "=";
      for (int k = 0; k < t.nvalues && k <= XT_U32_MAXSIZE; ++k) {
        if (k) s += ",";
        s += hx(t.value[k].min);
        if (t.value[k].max != t.value[k].min) s += ":" + hx(t.value[k].max);
      }
    }
    return s;
  }
  void save(std::string& out, const SaveContext&) const override {
    out += info.invert ? " ! --u32 \"" : " --u32 \"";
    out += text() + "\"";
  }
  void list(std::string& out, bool, const SaveContext&) const override {
    out += info.invert ? " u32 ! \"" : " u32 \"";
    out += text() + "\"";
  }
  Status encode(std::vector<nft::Expr>& out, const RuleContext&) const override {
    out.push_back(nft::Expr::match("u32", 0, xt_blob(info)));
    return {};
  }
};

std::unique_ptr<Match> create(Family) { return std::make_unique<U32Match>(); }
std::unique_ptr<Match> decode_compat(const DecodeContext&, const nft::Bytes& blob) {
  auto m = std::make_unique<U32Match>();
  if (!xt_read(blob, m->info)) return nullptr;
  m->given = true;
  return m;
}

}  // namespace

constexpr std::string_view kU32MatchHelp = R"HELP(
u32 match options:
[!] --u32 tests
		tests := location "=" value | tests "&&" location "=" value
		value := range | value "," range
		range := number | number ":" number
		location := number | location operator number
		operator := "&" | "<<" | ">>" | "@"
)HELP";

extern const MatchType kU32Match = {"u32", kBoth,         kOptions, create,       "u32",
                                    0,     decode_compat, nullptr,  kU32MatchHelp};

}  // namespace cx::ext
