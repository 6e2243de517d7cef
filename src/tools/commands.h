// cxtables' own commands beyond iptables: trace, apply, lint.
#pragma once

namespace cx::tools {
bool is_cxtables_command(const char* name);
int run_cxtables_command(int argc, char** argv);  // argv[0] is the command name
}  // namespace cx::tools
