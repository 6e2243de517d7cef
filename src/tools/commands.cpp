#include "tools/commands.h"

#include <cstdio>
#include <cstring>

#include "tools/trace.h"

namespace cx::tools {

bool is_cxtables_command(const char* name) {
  return std::strcmp(name, "trace") == 0 || std::strcmp(name, "lint") == 0 ||
         std::strcmp(name, "apply") == 0 || std::strcmp(name, "save") == 0 ||
         std::strcmp(name, "restore") == 0;
}

int run_cxtables_command(int argc, char** argv) {
  if (std::strcmp(argv[0], "trace") == 0) return run_trace(argc, argv);
  if (std::strcmp(argv[0], "lint") == 0) return run_lint(argc, argv);
  if (std::strcmp(argv[0], "apply") == 0) return run_apply(argc, argv);
  if (std::strcmp(argv[0], "save") == 0) return run_save_json(argc, argv);
  if (std::strcmp(argv[0], "restore") == 0) return run_restore_json(argc, argv);
  std::fprintf(stderr, "cxtables: unknown command `%s'\n", argv[0]);
  return 2;
}

}  // namespace cx::tools
