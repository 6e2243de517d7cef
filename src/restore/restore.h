// The iptables-save text format in both directions. Each COMMIT is one kernel transaction.
#pragma once
#include <string>
#include <vector>

#include "common/result.h"
#include "core/session.h"

namespace cx::restore {

struct Options {
  bool counters = false, noflush = false, test = false, verbose = false;
  std::string table;  // -T: only this table
  std::string* verbose_out = nullptr;  // -v: what iptables-restore prints on stdout
};

// iptables-save output for one table (`table` non-empty) or all existing tables.
Result<std::string> save_text(core::Session& session, const std::string& table, bool counters,
                              const std::string& date, const std::string& program);

Status restore_text(core::Session& session, const std::string& input, const Options& opts,
                    const std::string& program, std::vector<std::string>& warnings);

// Splits a restore line into words as iptables-restore does (quotes, backslash escapes).
std::vector<std::string> split_words(const std::string& line);

// The limits of iptables-restore's tokenizer on a rule line: a word of 1024 bytes or more
// ("Parameter too long!"), more than 250 words, 248 with counters ("Parser cannot handle more
// arguments").
Status check_line_limits(const std::vector<std::string>& words, bool counters);

}  // namespace cx::restore
