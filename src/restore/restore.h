// The iptables-save text format in both directions. Each COMMIT is one kernel transaction.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/result.h"
#include "core/session.h"

namespace cx::restore {

struct Options {
  bool counters = false, noflush = false, test = false, verbose = false;
  // --optimize: the tables' chains are compiled (docs/compiled-chains.md), with runs of at
  // least this many rules.
  std::optional<std::size_t> optimize;
  // When set: exactly these chains (per table) are compiled, whatever was compiled before
  // (cxtables apply puts a previous ruleset back as it was).
  const std::map<std::string, std::set<std::string>>* compile_exactly = nullptr;
  std::optional<std::string> table;    // -T: only this table (-T '' skips every table)
  std::string* verbose_out = nullptr;  // -v: what iptables-restore prints on stdout
  // Chain declarations take every name a chain can have in the kernel, also those only
  // `iptables -E` gives (a target's name, 29 characters or more): a JSON document's chains.
  bool any_chain_name = false;
};

// iptables-save output for one table (`table` non-empty) or all existing tables. When it
// stops at a rule it cannot read, `printed` (if given) receives what iptables-save prints on
// stdout before its error.
Result<std::string> save_text(core::Session& session, const std::string& table, bool counters,
                              const std::string& date, const std::string& program,
                              std::string* printed = nullptr);

// The lines of a restore's input, read as they are needed rather than held whole (a
// 50k-rule input is ~5 MB). A table is sent to the kernel at its COMMIT; when the ruleset
// changed meanwhile, its lines are read again from the table's first line: a file by seeking
// back, a pipe from the lines kept since that table began.
class LineReader {
 public:
  explicit LineReader(std::string text);  // the whole input, already in memory
  explicit LineReader(int fd);            // read from fd, which stays the caller's
  // The next line without its '\n'; false at the end of the input, and on a read error (which
  // ends the input early, as iptables-restore's fgets() does).
  bool next(std::string& line);
  // Whether the line next() returned last ended with '\n' (the last line of a file may not).
  bool newline() const { return newline_; }
  // The line next() returned last starts a table; rewind() reads it again.
  void mark();
  void rewind();

 private:
  bool fill();
  int fd_ = -1;
  bool seekable_ = false;
  std::string buf_;  // text not yet returned starts at pos_
  std::size_t pos_ = 0;
  std::uint64_t buf_offset_ = 0;  // input offset of buf_[0]
  std::uint64_t last_line_ = 0;   // input offset of the line next() returned last
  std::uint64_t mark_ = 0;
  bool eof_ = false;
  bool newline_ = false;
  // A pipe cannot seek: the lines since mark() are kept here, and replayed by rewind().
  std::string kept_;
  std::size_t kept_last_ = 0;  // where the line next() returned last starts in kept_
  std::string replay_;
  std::size_t replay_pos_ = 0;
};

// `program_name`: the restore program as invoked ("iptables-nft-restore"), for messages.
Status restore_text(core::Session& session, const std::string& input, const Options& opts,
                    const std::string& program_name, std::vector<std::string>& warnings);
Status restore_lines(core::Session& session, LineReader& input, const Options& opts,
                     const std::string& program_name, std::vector<std::string>& warnings);

// Splits a restore line into words as iptables-restore does (quotes, backslash escapes).
std::vector<std::string> split_words(const std::string& line);

// The limits of iptables-restore's tokenizer on a rule line: a word of 1024 bytes or more
// ("Parameter too long!"), more than 250 words, 248 with counters ("Parser cannot handle more
// arguments").
Status check_line_limits(const std::vector<std::string>& words, bool counters);

// A rule line's leading "[PACKETS:BYTES]", cut as iptables-restore cuts it (the numbers are
// read later, as -c's arguments): `found` false and `rest` the whole line when it does not
// start with '['; "Bad line N: need ]" / "need :" when it is malformed.
struct RuleCounters {
  bool found = false;
  std::string packets, bytes;
  std::string rest;
};
Result<RuleCounters> split_rule_counters(const std::string& line, int lineno);

}  // namespace cx::restore
