// cxtables' own commands beyond iptables (trace, apply, lint), the translate tools, and what
// the tools share.
#pragma once
#include <string>

#include "common/result.h"
#include "model/family.h"

namespace cx::tools {
bool is_cxtables_command(const char* name);
int run_cxtables_command(int argc, char** argv);  // argv[0] is the command name

// The iptables release the drop-in names follow, and how they print it.
#define CX_IPTABLES_VERSION "v1.8.9"
inline constexpr const char* kVersion = CX_IPTABLES_VERSION " (nf_tables)";
// `cxtables --help` and `cxtables --version`.
const char* cxtables_usage();
std::string cxtables_version_text();
// An error as iptables prints it on stderr, in the error's style; `restore_line` adds the
// "Error occurred at line: N" of a restore file.
void print_error(const std::string& prog, const Error& e, bool restore_line = false);

// iptables-translate / ip6tables-translate (`prog`), and the restore-translate tools, whose
// messages name themselves "iptables-translate-restore" (`prog`) but argv[0] in their header.
int run_translate(const std::string& prog, Family family, int argc, char** argv);
int run_restore_translate(const std::string& prog, Family family, int argc, char** argv);
// cxtables save --json / restore --json.
int run_save_json(int argc, char** argv);
int run_restore_json(int argc, char** argv);
// xtables-monitor: ruleset events and packet traces as the kernel announces them.
int run_monitor(int argc, char** argv);
}  // namespace cx::tools
