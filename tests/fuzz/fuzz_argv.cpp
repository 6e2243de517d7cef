// libFuzzer target: the iptables argv grammar (cx::cli::parse_command).
//
// Input: a command line. Words are separated by NUL bytes when the input holds any (so every
// byte string is reachable as a word), otherwise split as iptables-restore splits a line
// (quotes, backslash-escaped quotes). The first word is the program name; "ip6tables..."
// selects IPv6. A command that parses is printed, encoded and decoded (fuzz_common.h).
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "cli/command.h"
#include "fuzz_common.h"
#include "restore/restore.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 8192) return 0;
  std::string text(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> args;
  if (text.find('\0') != std::string::npos) {
    std::size_t start = 0;
    for (;;) {
      std::size_t nul = text.find('\0', start);
      args.push_back(text.substr(start, nul == std::string::npos ? nul : nul - start));
      if (nul == std::string::npos) break;
      start = nul + 1;
    }
  } else {
    args = cx::restore::split_words(text);
  }
  if (args.empty()) return 0;
  const cx::Family family = args[0].rfind("ip6tables", 0) == 0 ? cx::Family::V6 : cx::Family::V4;
  const std::string program(cx::fuzz::program_of(family));
  auto cmd = cx::cli::parse_command(args, family, program);
  if (!cmd) return 0;
  for (const auto& rule : cmd->rules) cx::fuzz::exercise_rule(rule, family, cmd->table, true);
  return 0;
}
