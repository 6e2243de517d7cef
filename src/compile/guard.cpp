#include "compile/guard.h"

namespace cx::compile {

namespace {

constexpr unsigned kWrites =
    cli::kCmdAppend | cli::kCmdInsert | cli::kCmdDelete | cli::kCmdDeleteNum | cli::kCmdReplace |
    cli::kCmdFlush | cli::kCmdZero | cli::kCmdZeroNum | cli::kCmdDeleteChain | cli::kCmdRenameChain;

Error refused(const std::string& table, const std::string& chain) {
  const std::string what = chain.empty() ? "table `" + table + "' has compiled chains"
                                         : "chain `" + chain + "' is compiled";
  return Error{ErrorKind::Other,
               what + ": this command cannot change it yet; run `cxtables optimize off -t " +
                   table + (chain.empty() ? "" : " " + chain) + "' first",
               ErrorStyle::Plain, 0};
}

}  // namespace

bool is_write(const cli::Command& cmd) { return cmd.command & kWrites; }

Status check_write(const cli::Command& cmd, const std::set<std::string>& compiled) {
  if (!is_write(cmd) || compiled.empty()) return {};
  if (cmd.command & cli::kCmdRenameChain) return refused(cmd.table, "");
  if (cmd.chain.empty()) return refused(cmd.table, "");
  if (compiled.count(cmd.chain)) return refused(cmd.table, cmd.chain);
  return {};
}

Status check_restore(const std::string& table, const std::set<std::string>& compiled) {
  if (compiled.empty()) return {};
  return refused(table, "");
}

}  // namespace cx::compile
