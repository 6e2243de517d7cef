// Test helpers for the extension tests: the golden corpus (/work/shared/golden, or
// $CX_GOLDEN_DIR) as data, a formatter that prints nft::Expr the way the corpus' `tx` lines
// do, and a small stand-in for the command line parser that loads extensions and feeds them
// their options, so an extension can be checked against a golden case on its own.
#pragma once
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "ext/extension.h"
#include "model/family.h"
#include "model/rule.h"
#include "nft/expr.h"

namespace cx::test {

struct GoldenCase {
  std::string file;  // "ipv4", "ipv6", "ops"
  std::string id;
  std::vector<std::string> setup;
  std::string cmd;
  std::string family, table;
  int rc = -1;
  std::vector<std::string> err, out, S, tx;
};

std::string golden_dir();
// All cases of one file ("ipv4"); empty when the file is missing.
const std::vector<GoldenCase>& golden_cases(const std::string& file);
// The case with this id in any file, or nullptr.
const GoldenCase* golden_case(const std::string& id);
// The `tx   ` expression lines of the case (without the "tx   " prefix).
std::vector<std::string> tx_exprs(const GoldenCase& c);
// The last "-A ..." line of S (without "S ").
std::string last_rule_line(const GoldenCase& c);

// shlex-style split (quotes and backslashes), as the corpus' generator splits commands.
std::vector<std::string> shell_split(const std::string& s);

// One expression in the corpus' tx syntax, e.g. `match NAME="mark" REV=1 INFO=...`.
std::string expr_text(const nft::Expr& e);
std::string hex_bytes(const nft::Bytes& b);

// The result of feeding an iptables command line (after the program name) to the extensions.
struct Driven {
  Family family = Family::V4;
  model::IpHeader ip;
  std::string table = "filter";
  std::vector<std::unique_ptr<ext::Match>> matches;
  std::unique_ptr<ext::Target> target;  // only for a -j that is a registered target
  std::string jump;                     // the -j/-g word
  std::vector<std::string> warnings;
  std::optional<Error> error;           // first error from an extension
  bool unsupported = false;             // an unknown -m/-j or a core option we do not model
  std::string unsupported_why;
};
Driven drive(const std::vector<std::string>& args, Family family);
// drive() on a corpus command line ("iptables -A INPUT ..."); the family from the program.
Driven drive_cmd(const std::string& cmd);

// Expressions of all matches then the target, and their tx text.
std::vector<nft::Expr> encode_all(const Driven& d);
std::vector<std::string> encode_text(const Driven& d);
// " -m NAME<save>" for each match and " -j NAME<save>" for the target.
std::string save_text(const Driven& d);
// " <list>" pieces as -L prints them after the destination column.
std::string list_text(const Driven& d, bool numeric);

// Lifts expressions back: compat by kernel name, native with each type's decode_native.
// Returns the save text (" -m NAME..." / " -j NAME...") of what it decoded, or an error text
// starting with "!" when something was not recognised.
std::string decode_save_text(const std::vector<nft::Expr>& exprs, Family family,
                             const model::IpHeader& ip);

// All checks for one golden rule case: the extensions parse it, their expressions appear in
// its tx batch (matches and target each as a contiguous run), decoding them saves the same
// text as before, and that text appears in the case's -S line (each " -m X ..." piece).
std::string check_case(const GoldenCase& c);  // "" when fine, else what went wrong
std::string check_case(const std::string& id);
// For a golden case that fails with rc 2: "" when the extensions reject its command with
// the golden message (and the golden framing: empty line or "Try" line), else the mismatch.
std::string check_error_case(const std::string& id);
// The error an extension gives for a command line, "" when it is accepted.
std::string error_of(const std::string& cmd);
// List text (matches + target) for a command line, numeric or not.
std::string list_of(const std::string& cmd, bool numeric);
// Save text after encode + decode, for a command line.
std::string saved_of(const std::string& cmd);

// True when `needle` occurs in `hay` as a contiguous run.
bool contains_run(const std::vector<std::string>& hay, const std::vector<std::string>& needle);

}  // namespace cx::test
