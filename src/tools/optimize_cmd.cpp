// cxtables optimize on|off|status [-4|-6] [-t TABLE] [--min-run N] [CHAIN...]: compiled chains
// (docs/compiled-chains.md). on: runs of rules become sets and verdict maps in one
// transaction; off: the chains go back to the rules iptables-nft writes; status: per chain,
// how many rules are held in how many lookups. Exit status 0, 1 on a kernel or input error,
// 2 on a usage error.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "compile/optimize.h"
#include "tools/commands.h"
#include "tools/trace.h"

namespace cx::tools {

namespace {

constexpr const char* kUsage =
    "usage: cxtables optimize on|off|status [-4|-6] [-t TABLE] [--min-run N] [CHAIN...]\n"
    "on:     compile runs of similar rules of the chains (all chains of the table when none\n"
    "        is named) into kernel sets and verdict maps, in one transaction. iptables and\n"
    "        iptables-save of cxtables list the rules as before, and every command keeps\n"
    "        the chains compiled; iptables-nft refuses the table.\n"
    "off:    turn compiled chains back into the rules iptables-nft writes.\n"
    "status: per chain, its rules and how many of them are held in how many lookups.\n";

int usage_error(const std::string& what) {
  std::fprintf(stderr, "cxtables optimize: %s\n%s", what.c_str(), kUsage);
  return 2;
}

void print_reports(const std::string& mode, const std::vector<compile::ChainReport>& reports) {
  for (const auto& r : reports) {
    if (mode == "off") {
      std::printf("%s: decompiled, %zu rules\n", r.chain.c_str(), r.rules);
      continue;
    }
    std::printf("%s: %zu rules, %zu compiled into %zu lookups%s%s\n", r.chain.c_str(), r.rules,
                r.compiled, r.lookups, r.note.empty() ? "" : "; ", r.note.c_str());
  }
}

}  // namespace

int run_optimize(int argc, char** argv) {
  if (argc < 2) return usage_error("on, off or status expected");
  const std::string mode = argv[1];
  if (mode == "-h" || mode == "--help") {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (mode != "on" && mode != "off" && mode != "status")
    return usage_error("unknown mode `" + mode + "'");
  compile::OptimizeRequest req;
  Family family = Family::V4;
  for (int i = 2; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "-4" || a == "-6") {
      family = a == "-6" ? Family::V6 : Family::V4;
    } else if ((a == "-t" || a == "--table") && i + 1 < argc) {
      req.table = argv[++i];
    } else if (a == "--min-run" && i + 1 < argc) {
      const long n = std::strtol(argv[++i], nullptr, 10);
      if (n < 1) return usage_error("--min-run wants a number of 1 or more");
      req.options.min_run = static_cast<std::size_t>(n);
    } else if (!a.empty() && a[0] != '-') {
      req.chains.push_back(a);
    } else {
      return usage_error("unknown option `" + a + "'");
    }
  }
  core::Session session(family, family == Family::V6 ? "ip6tables" : "iptables");
  if (Status s = session.connect(); !s) {
    std::fprintf(stderr, "cxtables optimize: %s\n", s.error().message.c_str());
    return 1;
  }
  auto reports = mode == "on"    ? compile::optimize_on(session, req)
                 : mode == "off" ? compile::optimize_off(session, req)
                                 : compile::optimize_status(session, req);
  if (!reports) {
    std::fprintf(stderr, "cxtables optimize: %s\n", reports.error().message.c_str());
    return 1;
  }
  print_reports(mode, *reports);
  return 0;
}

}  // namespace cx::tools
