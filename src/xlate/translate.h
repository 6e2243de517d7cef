// iptables-translate: a parsed command printed as the nft command that does the same, word
// for word as iptables-nft 1.8.9's translator prints it. Each extension translates itself
// (Extension::xlate); this file does the rest of the rule and the commands around rules.
#pragma once
#include <string>

#include "cli/command.h"

namespace cx::xlate {

// Appends the translation of `cmd` to `out`. `restore`: a line of a restore file (no "nft "
// prefix, no quotes around rules). `words` are the command's words as the parser left them
// (an inverting "!" emptied), argv[0] first: an untranslatable rule is printed from them as
// a "# ..." comment. False where the reference fails the command ("Translation not
// implemented" on the command line, "line N failed" in a restore file); `out` then holds what
// it printed before failing.
// Warnings the reference prints on stderr meanwhile go to `warnings`. An error: a rule the
// reference's translator crashes on, refused with a message instead.
Result<bool> translate_command(const cli::Command& cmd, bool restore, std::string& out,
                               std::vector<std::string>& warnings);

}  // namespace cx::xlate
