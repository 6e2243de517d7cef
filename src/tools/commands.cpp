#include "tools/commands.h"

#include <cstdio>
#include <cstring>

#include "tools/trace.h"

#ifndef CXTABLES_VERSION
#define CXTABLES_VERSION "unknown"
#endif

namespace cx::tools {

namespace {

constexpr const char* kCxUsage =
    "usage: cxtables COMMAND [OPTIONS...]\n"
    "       cxtables NAME [ARGS...]\n"
    "       NAME [ARGS...]        (cxtables run as one of its names, through a link)\n"
    "\n"
    "Commands of cxtables itself (each takes --help):\n"
    "  trace            follow a described packet through the ruleset, rule by rule\n"
    "  apply            load a ruleset file, with a lockout check and a confirmed rollback\n"
    "  lint             report shadowed, duplicate, redundant and unreachable rules\n"
    "  optimize         compile chains into kernel sets and verdict maps, and back\n"
    "  save --json      print the ruleset as one JSON document\n"
    "  restore --json   load a JSON document of `cxtables save --json`\n"
    "\n"
    "Names (drop-in replacements for iptables-nft " CX_IPTABLES_VERSION
    "; see iptables(8)):\n"
    "  iptables ip6tables iptables-save ip6tables-save iptables-restore ip6tables-restore\n"
    "  iptables-nft ip6tables-nft iptables-nft-save ip6tables-nft-save\n"
    "  iptables-nft-restore ip6tables-nft-restore\n"
    "  iptables-translate ip6tables-translate\n"
    "  iptables-restore-translate ip6tables-restore-translate\n"
    "  xtables-monitor\n"
    "\n"
    "Options:\n"
    "  -h, --help       print this text\n"
    "  -V, --version    print the version of cxtables and of the iptables it follows\n"
    "\n"
    "See cxtables(8), cxtables-trace(8), cxtables-apply(8), cxtables-lint(8),\n"
    "cxtables-optimize(8).\n";

}  // namespace

const char* cxtables_usage() { return kCxUsage; }

std::string cxtables_version_text() {
  return std::string("cxtables ") + CXTABLES_VERSION + ", following iptables " + kVersion + "\n";
}

bool is_cxtables_command(const char* name) {
  return std::strcmp(name, "trace") == 0 || std::strcmp(name, "lint") == 0 ||
         std::strcmp(name, "apply") == 0 || std::strcmp(name, "save") == 0 ||
         std::strcmp(name, "restore") == 0 || std::strcmp(name, "optimize") == 0;
}

int run_cxtables_command(int argc, char** argv) {
  if (std::strcmp(argv[0], "trace") == 0) return run_trace(argc, argv);
  if (std::strcmp(argv[0], "lint") == 0) return run_lint(argc, argv);
  if (std::strcmp(argv[0], "optimize") == 0) return run_optimize(argc, argv);
  if (std::strcmp(argv[0], "apply") == 0) return run_apply(argc, argv);
  if (std::strcmp(argv[0], "save") == 0) return run_save_json(argc, argv);
  if (std::strcmp(argv[0], "restore") == 0) return run_restore_json(argc, argv);
  std::fprintf(stderr, "cxtables: unknown command `%s'\n", argv[0]);
  return 2;
}

}  // namespace cx::tools
