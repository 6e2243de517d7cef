// iptables-restore-translate: a restore file read line by line as iptables-restore reads it,
// each table, chain and rule printed as the nft command that makes it.
#pragma once
#include <string>

#include "cli/command.h"
#include "common/result.h"
#include "restore/restore.h"

namespace cx::xlate {

struct RestoreTranslation {
  // A rule line asked for -h or -V: iptables prints that and stops (exit 0, no "Completed").
  enum class End { Completed, Help, Version };
  End end = End::Completed;
  cli::Command command;  // the -h line, for the help of its extensions
};

// What the tool prints as the lines are read, also when an error ends the reading.
struct RestoreTranslateOutput {
  std::string out;                    // on stdout
  std::vector<std::string> warnings;  // on stderr, one line each
};

// Appends to `output` what is printed as the lines are read. `program` names the tool in messages
// ("iptables-translate-restore").
Result<RestoreTranslation> restore_translate(restore::LineReader& input, Family family,
                                             const std::string& program,
                                             RestoreTranslateOutput& output);

}  // namespace cx::xlate
