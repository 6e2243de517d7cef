// libFuzzer target: the iptables-restore text format without a kernel.
//
// restore::restore_text needs a live netlink session, so this walks the input line by line the
// way it does (src/restore/restore.cpp): "*table", ":chain policy [p:b]", "COMMIT", and rule
// lines with an optional "[p:b]" prefix, split with restore::split_words and parsed with
// cli::parse_command in restore mode; every parsed rule is printed, encoded and decoded.
// Like iptables-restore, the walk stops at the first error. An input starting with "#6" is
// read as ip6tables-restore input.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "cli/command.h"
#include "common/parse.h"
#include "core/tables.h"
#include "fuzz_common.h"
#include "restore/restore.h"

namespace {

// "[p:b]" as restore.cpp reads it.
void parse_counters(const std::string& word) {
  auto colon = word.find(':');
  (void)cx::parse_unsigned(word.substr(1, colon - 1), UINT64_MAX, 10);
  (void)cx::parse_unsigned(word.substr(colon + 1, word.size() - colon - 2), UINT64_MAX, 10);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 65536) return 0;
  const std::string input(reinterpret_cast<const char*>(data), size);
  const cx::Family family = input.rfind("#6", 0) == 0 ? cx::Family::V6 : cx::Family::V4;
  const std::string prog = std::string(cx::fuzz::program_of(family)) + "-restore";
  std::string table;  // empty: outside "*table ... COMMIT"
  std::size_t pos = 0;
  while (pos < input.size()) {
    std::size_t nl = input.find('\n', pos);
    std::string line = input.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
    pos = nl == std::string::npos ? input.size() : nl + 1;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    std::size_t first = line.find_first_not_of(" \t");
    if (first == std::string::npos || line[first] == '#') continue;
    line = line.substr(first);
    if (line[0] == '*' && table.empty()) {  // inside a table it is a rule line
      std::string name = line.substr(1);
      while (!name.empty() && (name.back() == ' ' || name.back() == '\t')) name.pop_back();
      if (!cx::core::find_table(name)) return 0;
      table = name;
      continue;
    }
    if (line.rfind("COMMIT", 0) == 0) {
      if (table.empty()) return 0;
      table.clear();
      continue;
    }
    if (table.empty()) return 0;
    if (line[0] == ':') {
      auto words = cx::restore::split_words(line.substr(1));
      if (words.size() < 2) return 0;
      if (words.size() >= 3 && words[2].size() > 2 && words[2].front() == '[')
        parse_counters(words[2]);
      const cx::core::TableSpec* spec = cx::core::find_table(table);
      if (cx::core::find_builtin(*spec, words[0])) {
        if (words[1] != "ACCEPT" && words[1] != "DROP") return 0;
      } else if (!cx::cli::check_chain_name(words[0], true)) {
        return 0;
      }
      continue;
    }
    std::vector<std::string> words = cx::restore::split_words(line);
    if (!words.empty() && words[0].size() > 2 && words[0].front() == '[') {
      parse_counters(words[0]);
      words.erase(words.begin());
    }
    if (!cx::restore::check_line_limits(words, false)) return 0;
    std::vector<std::string> args{prog, "-t", table};
    args.insert(args.end(), words.begin(), words.end());
    auto cmd = cx::cli::parse_command(args, family, prog, true);
    if (!cmd) return 0;
    for (const auto& rule : cmd->rules) cx::fuzz::exercise_rule(rule, family, table, true);
  }
  return 0;
}
