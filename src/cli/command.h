// argv -> Command: iptables' option grammar (getopt_long with the options of the loaded
// extensions merged in, `!` placement, abbreviations, implicit protocol matches).
#pragma once
#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "common/result.h"
#include "model/family.h"
#include "model/rule.h"

namespace cx::cli {

// One bit per command letter, as iptables keeps them (some may be combined: -L -Z).
enum CommandBit : unsigned {
  kCmdNone = 0,
  kCmdInsert = 1u << 0,
  kCmdDelete = 1u << 1,
  kCmdDeleteNum = 1u << 2,
  kCmdReplace = 1u << 3,
  kCmdAppend = 1u << 4,
  kCmdList = 1u << 5,
  kCmdFlush = 1u << 6,
  kCmdZero = 1u << 7,
  kCmdNewChain = 1u << 8,
  kCmdDeleteChain = 1u << 9,
  kCmdSetPolicy = 1u << 10,
  kCmdRenameChain = 1u << 11,
  kCmdListRules = 1u << 12,
  kCmdZeroNum = 1u << 13,
  kCmdCheck = 1u << 14,
};

// An xt extension the command line loaded: iptables asks the kernel for it as it loads it and
// warns when the kernel has no revision of it.
struct XtUse {
  std::string kernel_name;
  std::uint32_t revision = 0;
  bool target = false;
  bool operator==(const XtUse&) const = default;
};

struct Command {
  unsigned command = kCmdNone;
  Family family = Family::V4;
  std::string program = "iptables";
  std::string table = "filter";
  std::string chain;
  std::string new_name;  // -E new name, -P policy
  int rulenum = 0;       // 1-based; 0 when not given
  bool verbose = false, numeric = false, exact = false, line_numbers = false;
  bool help = false, version = false;
  // A restore line cut short by -4/-6 of the other family: `rules` is empty.
  bool other_family = false;
  // The rule(s) the command carries: one per source x destination address.
  std::vector<model::Rule> rules;
  std::vector<std::string> warnings;  // printed on stderr by tools/, before running
  // For -h: the extensions named with -m / -p / -j, whose help follows the main text.
  std::vector<std::string> help_matches;
  std::string help_target;
  std::vector<XtUse> xt_loaded;  // in load order, each once
  // For iptables-translate: how many source addresses `rules` is made of (rules run through
  // the sources first, then the destinations), and the words as iptables leaves them after
  // reading (argv[0] first; an inverting "!" becomes an empty word).
  std::size_t source_count = 1;
  std::vector<std::string> words;
};

// `restore_mode` is set when the words come from an iptables-restore line. On an error, the
// warnings iptables prints before it go to `warnings_on_error` when given, and the xt
// extensions loaded before it to `xt_on_error`. `not_targets` are names a restore file
// declared as chains (":NAME"): libxtables then no longer finds a target by that name, so
// "-j NAME" jumps to the chain and "-N NAME" does not clash.
Result<Command> parse_command(const std::vector<std::string>& args, Family family,
                              const std::string& program, bool restore_mode = false,
                              std::vector<std::string>* warnings_on_error = nullptr,
                              std::vector<XtUse>* xt_on_error = nullptr,
                              const std::set<std::string>* not_targets = nullptr);

struct ParseOptions {
  bool restore_mode = false;
  // iptables-translate: the checks iptables-nft makes only while it builds the kernel's
  // expressions (build_check) are not made.
  bool translate = false;
  std::vector<std::string>* warnings_on_error = nullptr;
  std::vector<XtUse>* xt_on_error = nullptr;
  const std::set<std::string>* not_targets = nullptr;
};
Result<Command> parse_command(const std::vector<std::string>& args, Family family,
                              const std::string& program, const ParseOptions& options);

// iptables' chain name rules for -N / -E (and restore's ":NAME" lines).
Status check_chain_name(const std::string& name, bool is_new,
                        const std::set<std::string>* not_targets = nullptr);

}  // namespace cx::cli
