// cxtables trace / lint / apply entry points (argv[0] is the command name).
#pragma once

namespace cx::tools {
int run_trace(int argc, char** argv);
int run_lint(int argc, char** argv);
int run_apply(int argc, char** argv);
int run_optimize(int argc, char** argv);  // optimize_cmd.cpp
}  // namespace cx::tools
