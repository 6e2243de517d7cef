#include "tools/commands.h"

#include <cstdio>
#include <cstring>

namespace cx::tools {

bool is_cxtables_command(const char*) { return false; }

int run_cxtables_command(int, char** argv) {
  std::fprintf(stderr, "cxtables: unknown command `%s'\n", argv[0]);
  return 2;
}

}  // namespace cx::tools
