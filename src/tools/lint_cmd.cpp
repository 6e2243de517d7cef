#include <cstdio>

#include "tools/trace.h"

namespace cx::tools {
int run_lint(int, char**) { std::fprintf(stderr, "cxtables lint: not yet\n"); return 1; }
int run_apply(int, char**) { std::fprintf(stderr, "cxtables apply: not yet\n"); return 1; }
}  // namespace cx::tools
