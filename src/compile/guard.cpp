#include "compile/guard.h"

namespace cx::compile {

namespace {

constexpr unsigned kWrites =
    cli::kCmdAppend | cli::kCmdInsert | cli::kCmdDelete | cli::kCmdDeleteNum | cli::kCmdReplace |
    cli::kCmdFlush | cli::kCmdZero | cli::kCmdZeroNum | cli::kCmdDeleteChain | cli::kCmdRenameChain;

Error refused(Family family, const std::string& table) {
  const std::string off = family == Family::V6 ? "off -6 -t " : "off -t ";
  const std::string why = "' has compiled chains, which a restore changes only as a whole";
  return Error{ErrorKind::Other,
               "table `" + table + why + "; run `cxtables optimize " + off + table + "' first",
               ErrorStyle::Plain, 0};
}

}  // namespace

bool is_write(const cli::Command& cmd) { return cmd.command & kWrites; }

Status check_restore(Family family, const std::string& table,
                     const std::set<std::string>& compiled) {
  if (compiled.empty()) return {};
  return refused(family, table);
}

}  // namespace cx::compile
