// The contract every extension file fulfils: parse its options, print itself in save and
// list form, encode itself to kernel expressions, and decode itself from them.
// The list of all extensions is ext/registry.cpp (one line per extension).
#pragma once
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "eval/outcome.h"
#include "ext/xlate.h"
#include "model/family.h"
#include "model/rule.h"
#include "nft/expr.h"

namespace cx::ext {

enum class ArgKind { None, Required, Optional };

struct OptionSpec {
  std::string_view name;  // long option name without "--"
  ArgKind arg;
  int id;
};

// What an extension may look at while parsing or checking its options.
struct RuleContext {
  Family family = Family::V4;
  const model::IpHeader* ip = nullptr;
  std::string_view table;
  std::string_view program;                      // "iptables", "ip6tables": for messages
  std::vector<std::string>* warnings = nullptr;  // printed by tools/ on stderr
};

// One option occurrence. `argv`/`next` let an option take further words (--tcp-flags A B).
struct OptionArg {
  std::string_view value;
  bool invert = false;
  const std::vector<std::string>* argv = nullptr;
  std::size_t* next = nullptr;
  std::string_view option_name;  // as the user wrote it, for messages
  char* text = nullptr;          // the argument's own bytes in the command's words

  // A libxtables parser that writes '\0' into its argument leaves it cut there for whatever
  // reads the words afterwards (iptables-translate's "# ..." line): cut after n bytes.
  void cut_at(std::size_t n) const {
    if (text && n < value.size()) text[n] = '\0';
  }
};

struct SaveContext {
  Family family = Family::V4;
  const model::IpHeader* ip = nullptr;
};

// What a register holds while a dumped rule is lifted, as iptables-nft 1.8.9 tracks it: the
// last load into it (payload or meta), or an immediate value, and whether a bitwise (mask and
// xor) was applied on the way.
struct RegValue {
  enum class Source { None, Payload, Meta, Immediate };
  Source source = Source::None;
  std::uint32_t base = 0, offset = 0, len = 0;  // Payload
  std::uint32_t key = 0;                        // Meta
  nft::Bytes imm;                               // Immediate
  bool masked = false;
  nft::Bytes mask, xor_bits;
  bool is_payload(std::uint32_t b, std::uint32_t off) const {
    return source == Source::Payload && base == b && offset == off;
  }
  bool is_meta(std::uint32_t k) const { return source == Source::Meta && key == k; }
};

// One step of a lift offered to the extensions: a comparison (cmp or range) of a register, or
// a statement (limit, log, meta set). `reg` is the register compared or read, null for
// statements without one.
struct LiftStep {
  const nft::Expr& expr;
  const RegValue* reg = nullptr;
};

// The rule being lifted, for the extensions that take a step. Errors are iptables-nft's
// "Error: ..." texts; the lift goes on after one, as iptables-nft does, and fails at the end.
class LiftContext {
 public:
  LiftContext(Family family, model::Rule& rule) : family_(family), rule_(rule) {}
  Family family() const { return family_; }
  const model::IpHeader& ip() const { return rule_.ip; }
  model::IpHeader& ip() { return rule_.ip; }
  // The match of this name an earlier step of this rule lifted, to add to it (tcp --sport,
  // --dport and --tcp-flags from three comparisons), or null.
  Match* lifted(std::string_view name) const;
  void add_match(std::unique_ptr<Match> m);
  void set_target(std::unique_ptr<Target> t);
  // An error iptables-nft 1.8.9 reports here, with its text.
  void fail(std::string message) { errors_.push_back(std::move(message)); }
  // Where iptables-nft would go on and list the rule as something else than it is (a
  // comparison skipped, an operator or a mask ignored), we stop. These texts are ours; they
  // are shown only when iptables-nft itself would not fail the rule.
  void refuse(std::string message) { refusals_.push_back(std::move(message)); }
  // What failed the lift, as "Error: ..." lines would say; empty when it did not fail.
  const std::vector<std::string>& errors() const { return errors_.empty() ? refusals_ : errors_; }

 private:
  Family family_;
  model::Rule& rule_;
  std::vector<Match*> lifted_;
  std::vector<std::string> errors_, refusals_;
};

struct DecodeContext {
  Family family = Family::V4;
  const model::IpHeader* ip = nullptr;
};

class Extension {
 public:
  virtual ~Extension() = default;
  // Called for each of the extension's options, in command-line order.
  virtual Status parse(int option_id, const OptionArg& arg, const RuleContext& ctx) = 0;
  // Called once all options of the rule were parsed.
  virtual Status final_check(const RuleContext&) { return {}; }
  // Checks iptables-nft makes only while it builds the rule's expressions: after every
  // extension's final check, the rest of the command line and the table.
  virtual Status build_check(const RuleContext&) const { return {}; }
  // Save form of the options, each preceded by a space: " --dport 22".
  virtual void save(std::string& out, const SaveContext& ctx) const = 0;
  // -L form, e.g. "tcp dpt:22 " (each piece followed by a space, as iptables prints).
  virtual void list(std::string& out, bool numeric, const SaveContext& ctx) const = 0;
  virtual Status encode(std::vector<nft::Expr>& out, const RuleContext& ctx) const = 0;
  // nft syntax for iptables-translate, added to `xl` as iptables 1.8.9 words it; false when
  // the reference has no translation (the command is then printed as a "# ..." comment).
  virtual bool xlate(Xlate& /*xl*/, const XlateContext& /*ctx*/) const { return false; }
  // The name printed after -m / -j (differs from the kernel name for aliases: state).
  virtual std::string_view name() const = 0;
};

class Match : public Extension {
 public:
  virtual std::unique_ptr<Match> clone() const = 0;
  // Userspace evaluation (src/eval): Match or NoMatch from the packet description, or
  // Undecidable with the reason in ctx.set_reason(). Default: Undecidable.
  virtual eval::Outcome evaluate(const eval::Packet& pkt, eval::Context& ctx) const;
};

class Target : public Extension {
 public:
  virtual std::unique_ptr<Target> clone() const = 0;
  // Targets whose -L target column is not their name (none yet); default: name().
  virtual std::string list_name() const { return std::string(name()); }
  // Userspace evaluation (src/eval): what the target does to the packet (marks, NAT: change
  // `pkt`; notes for the trace: ctx.note()) and to the traversal. Default: Undecidable.
  virtual eval::TargetAction evaluate(eval::Packet& pkt, eval::Context& ctx) const;
};

enum FamilyMask : unsigned { kV4 = 1, kV6 = 2, kBoth = 3 };
inline bool has_family(unsigned mask, Family f) { return mask & (f == Family::V4 ? kV4 : kV6); }

struct MatchType {
  std::string_view name;  // -m NAME
  unsigned families;
  std::span<const OptionSpec> options;
  std::unique_ptr<Match> (*create)(Family);
  // Lift from an xt compat payload; nullptr when this type is never in the kernel as such.
  std::string_view kernel_name;  // xt name in the kernel ("conntrack" for state)
  std::uint32_t revision;
  std::unique_ptr<Match> (*decode_compat)(const DecodeContext&, const nft::Bytes& info);
  // Lift one step of native expressions into the rule (a new match, or more of one lifted
  // before); false when the step is not this extension's.
  bool (*decode_native)(const LiftStep&, LiftContext&);
  // What iptables 1.8.9 prints after its own help for -m NAME -h: "\nNAME match options:\n...".
  std::string_view help;
  // What ip6tables prints instead, where it differs; empty: `help` in both families.
  std::string_view help6 = {};
};

struct TargetType {
  std::string_view name;
  unsigned families;
  std::span<const OptionSpec> options;
  std::unique_ptr<Target> (*create)(Family);
  std::string_view kernel_name;
  std::uint32_t revision;
  std::unique_ptr<Target> (*decode_compat)(const DecodeContext&, const nft::Bytes& info);
  bool (*decode_native)(const LiftStep&, LiftContext&);
  // As for matches, for -j NAME -h: "\nNAME target options:\n...".
  std::string_view help;
  std::string_view help6 = {};
};

const MatchType* find_match(std::string_view name, Family family);
const TargetType* find_target(std::string_view name, Family family);
std::span<const MatchType* const> all_matches();
std::span<const TargetType* const> all_targets();
const MatchType* find_match_by_kernel_name(std::string_view kernel_name, Family family);
const TargetType* find_target_by_kernel_name(std::string_view kernel_name, Family family);

// Copies a trivially copyable xt structure into a payload the size the kernel expects
// (XT_ALIGN), zero padded, exactly as iptables sends it.
template <class T>
nft::Bytes xt_blob(const T& value) {
  std::size_t size = (sizeof(T) + 7) & ~std::size_t{7};
  nft::Bytes b(size, 0);
  __builtin_memcpy(b.data(), &value, sizeof(T));
  return b;
}
template <class T>
bool xt_read(const nft::Bytes& info, T& out) {
  if (info.size() < sizeof(T)) return false;
  __builtin_memcpy(&out, info.data(), sizeof(T));
  return true;
}

}  // namespace cx::ext
