// -m connlabel (xt "connlabel" rev 0, xt_connlabel_mtinfo): --label N|name, --set.
// A number is read with strtoul base 0 and kept as libxt_connlabel keeps it (an int, then the
// 16-bit field), so "2048" passes here and the kernel refuses it. Anything else is looked up
// in /etc/xtables/connlabel.conf ("BIT NAME" lines, as libnetfilter_conntrack reads them);
// without the file a warning precedes "label 'x' not found or invalid value". -S and -L
// print a label's name when the file has one for its bit.
#include <linux/netfilter/xt_connlabel.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <optional>

#include "ext/extension.h"
#include "ext/util.h"

namespace cx::ext {
namespace {

enum { kClLabel = 1, kClSet };
constexpr OptionSpec kOptions[] = {{"label", ArgKind::Required, kClLabel},
                                   {"set", ArgKind::None, kClSet}};
constexpr const char* kLabelFile = "/etc/xtables/connlabel.conf";
constexpr unsigned kMaxLabelBits = 1024;

// The label file read as libnetfilter_conntrack reads it: lines not starting with '#', a
// number below 1024 (strtoul base 0) and a name of letters, digits, blanks and '-' with the
// surrounding blanks dropped; the first name of each bit and of each name counts.
struct LabelMap {
  std::map<std::string, unsigned> by_name;
  std::map<unsigned, std::string> by_bit;
};
// nullopt when the file cannot be read (errno says why) or names no label (errno 0).
std::optional<LabelMap> read_label_map() {
  std::FILE* fp = std::fopen(kLabelFile, "re");
  if (!fp) return std::nullopt;
  LabelMap m;
  char line[1024];
  auto blank = [](char c) { return c == ' ' || c == '\f' || c == '\r' || c == '\t' || c == '\v'; };
  while (std::fgets(line, sizeof(line), fp)) {
    if (line[0] == '#') continue;
    char* end = nullptr;
    const unsigned long bit = std::strtoul(line, &end, 0);
    if ((bit == 0 && end == line) || bit >= kMaxLabelBits || m.by_bit.count(bit)) continue;
    std::string_view name(end);
    if (auto nl = name.find('\n'); nl != std::string_view::npos) name = name.substr(0, nl);
    while (!name.empty() && blank(name.front())) name.remove_prefix(1);
    while (name.size() > 1 && blank(name.back())) name.remove_suffix(1);
    if (name.empty()) continue;
    bool sane = true;
    for (char c : name)
      sane = sane && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == ' ' || c == '-');
    if (!sane || m.by_name.count(std::string(name))) continue;
    m.by_name.emplace(std::string(name), static_cast<unsigned>(bit));
    m.by_bit.emplace(static_cast<unsigned>(bit), std::string(name));
  }
  std::fclose(fp);
  if (m.by_name.empty()) {
    errno = 0;
    return std::nullopt;
  }
  return m;
}

// The name of a bit for -S/-L, when the file has one.
std::optional<std::string> label_name(unsigned bit) {
  auto m = read_label_map();
  if (!m) return std::nullopt;
  auto it = m->by_bit.find(bit);
  if (it == m->by_bit.end()) return std::nullopt;
  return it->second;
}

class ConnlabelMatch final : public Match {
 public:
  xt_connlabel_mtinfo info{};
  bool given = false;
  std::string_view name() const override { return "connlabel"; }
  std::unique_ptr<Match> clone() const override { return std::make_unique<ConnlabelMatch>(*this); }
  unsigned seen = 0;
  Status parse(int id, const OptionArg& arg, const RuleContext& ctx) override {
    const std::string opt = opt_of(kOptions, id);
    if (seen & (1u << id)) return only_once("connlabel", opt);
    if (arg.invert && id != kClLabel) return cannot_invert("connlabel", opt);
    seen |= 1u << id;
    if (id == kClSet) {
      info.options |= XT_CONNLABEL_OP_SET;
      return {};
    }
    if (arg.value.empty())
      return option_error("Argument must have a minimum length of 1 characters");
    // A number as libxt_connlabel reads it: the whole word, kept in an int (a negative one
    // is looked up as a name).
    const std::string word(arg.value);
    char* end = nullptr;
    int bit = static_cast<int>(std::strtoul(word.c_str(), &end, 0));
    if (*end != '\0') bit = -1;
    if (bit < 0) {
      errno = 0;
      if (auto m = read_label_map()) {
        auto it = m->by_name.find(word);
        if (it != m->by_name.end()) bit = static_cast<int>(it->second);
      } else if (errno != 0) {
        if (ctx.warnings)
          ctx.warnings->push_back(std::string("Warning: cannot open ") + kLabelFile + ": " +
                                  std::strerror(errno));
      } else {
        return Error{ErrorKind::Resource,
                     std::string("cannot parse ") + kLabelFile + ": no labels found",
                     ErrorStyle::VersionedOnly, 0};
      }
    }
    if (bit < 0) return parameter_error("label '" + word + "' not found or invalid value");
    info.bit = static_cast<std::uint16_t>(bit);
    if (arg.invert) info.options |= XT_CONNLABEL_OP_INVERT;
    given = true;
    return {};
  }
  Status final_check(const RuleContext&) override {
    if (!given) return must_be_specified("connlabel", "--label");
    return {};
  }
  void save(std::string& out, const SaveContext&) const override {
    out += (info.options & XT_CONNLABEL_OP_INVERT) ? " ! --label \"" : " --label \"";
    out += label_name(info.bit).value_or(std::to_string(info.bit)) + "\"";
    if (info.options & XT_CONNLABEL_OP_SET) out += " --set";
  }
  void list(std::string& out, bool numeric, const SaveContext&) const override {
    out += (info.options & XT_CONNLABEL_OP_INVERT) ? " connlabel ! " : " connlabel ";
    auto name = numeric ? std::nullopt : label_name(info.bit);
    out += name ? "'" + *name + "'" : std::to_string(info.bit);
    if (info.options & XT_CONNLABEL_OP_SET) out += " set";
  }
  // Looking the name up warns when the label file cannot be read, as
  // libxt_connlabel does each time it tries.
  bool xlate(Xlate& xl, const XlateContext&) const override {
    std::string label = std::to_string(info.bit);
    errno = 0;
    if (auto m = read_label_map()) {
      if (auto it = m->by_bit.find(info.bit); it != m->by_bit.end()) label = it->second;
    } else if (errno != 0) {
      xl.warn(std::string("Warning: cannot open ") + kLabelFile + ": " + std::strerror(errno));
    }
    if (info.options & XT_CONNLABEL_OP_SET) xl.addf("ct label set %s ", label.c_str());
    xl.add("ct label ");
    if (info.options & XT_CONNLABEL_OP_INVERT) xl.addf("and %s != ", label.c_str());
    xl.add(label);
    return true;
  }
  Status encode(std::vector<nft::Expr>& out, const RuleContext&) const override {
    out.push_back(nft::Expr::match("connlabel", 0, xt_blob(info)));
    return {};
  }
};

std::unique_ptr<Match> create(Family) { return std::make_unique<ConnlabelMatch>(); }
std::unique_ptr<Match> decode_compat(const DecodeContext&, const nft::Bytes& blob) {
  auto m = std::make_unique<ConnlabelMatch>();
  if (!xt_read(blob, m->info)) return nullptr;
  m->given = true;
  return m;
}

}  // namespace

constexpr std::string_view kConnlabelMatchHelp = R"HELP(
connlabel match options:
[!] --label name     Match if label has been set on connection
    --set            Set label on connection
)HELP";

extern const MatchType kConnlabelMatch = {"connlabel",   kBoth,       kOptions,
                                          create,        "connlabel", 0,
                                          decode_compat, nullptr,     kConnlabelMatchHelp};

}  // namespace cx::ext
