// Writes on compiled chains (docs/compiled-chains.md): this slice does not edit sets, so a
// command that would change a compiled chain, or rename a chain that compiled elements name,
// is refused before anything is sent, with the way back (`cxtables optimize off`).
#pragma once
#include <set>
#include <string>

#include "cli/command.h"
#include "common/result.h"
#include "model/family.h"

namespace cx::compile {

// Whether the command may change some chain's rules or names (and so must be checked).
bool is_write(const cli::Command& cmd);
// An error when `cmd` would change a chain of `compiled` (or all chains, or rename one).
Status check_write(const cli::Command& cmd, Family family, const std::set<std::string>& compiled);
// The same for a restore into a table with compiled chains that keeps the table
// (--noflush, or -v, which flushes chain by chain).
Status check_restore(Family family, const std::string& table,
                     const std::set<std::string>& compiled);

}  // namespace cx::compile
