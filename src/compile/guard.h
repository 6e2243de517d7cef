// What compiled chains cannot take (docs/compiled-chains.md, "Writes"): a restore that would
// edit a compiled chain rule by rule (--noflush without the chain's line emptying it first,
// -v) is refused before anything is sent, with the way back (`cxtables optimize off`). Every
// other write goes through compile/edit.h.
#pragma once
#include <set>
#include <string>

#include "cli/command.h"
#include "common/result.h"
#include "model/family.h"

namespace cx::compile {

// Whether the command may change some chain's rules or names (and so must be checked).
bool is_write(const cli::Command& cmd);
// The same for a restore into a table with compiled chains that keeps the table
// (--noflush, or -v, which flushes chain by chain).
Status check_restore(Family family, const std::string& table,
                     const std::set<std::string>& compiled);

}  // namespace cx::compile
