#include "compile/guard.h"

namespace cx::compile {

namespace {

constexpr unsigned kWrites =
    cli::kCmdAppend | cli::kCmdInsert | cli::kCmdDelete | cli::kCmdDeleteNum | cli::kCmdReplace |
    cli::kCmdFlush | cli::kCmdZero | cli::kCmdZeroNum | cli::kCmdDeleteChain | cli::kCmdRenameChain;

Error refused(Family family, const std::string& table, const std::string& chain) {
  const std::string what = chain.empty() ? "table `" + table + "' has compiled chains"
                                         : "chain `" + chain + "' is compiled";
  const std::string off = family == Family::V6 ? "off -6 -t " : "off -t ";
  return Error{ErrorKind::Other,
               what + ": this command cannot change it yet; run `cxtables optimize " + off + table +
                   (chain.empty() ? "" : " " + chain) + "' first",
               ErrorStyle::Plain, 0};
}

}  // namespace

bool is_write(const cli::Command& cmd) { return cmd.command & kWrites; }

Status check_write(const cli::Command& cmd, Family family, const std::set<std::string>& compiled) {
  if (!is_write(cmd) || compiled.empty()) return {};
  if (cmd.command & cli::kCmdRenameChain) return refused(family, cmd.table, "");
  if (cmd.chain.empty()) return refused(family, cmd.table, "");
  if (compiled.count(cmd.chain)) return refused(family, cmd.table, cmd.chain);
  return {};
}

Status check_restore(Family family, const std::string& table,
                     const std::set<std::string>& compiled) {
  if (compiled.empty()) return {};
  return refused(family, table, "");
}

}  // namespace cx::compile
