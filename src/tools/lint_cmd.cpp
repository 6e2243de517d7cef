// cxtables lint [-4|-6] [FILE] [--json]: rules that can never match, redundant rules,
// unreachable user chains and jump loops, in a save file or the kernel's ruleset.
// Exit status: 0 nothing found, 1 findings, 2 the ruleset could not be read.
#include <cstdio>

#include "eval/lint.h"
#include "eval/pipeline.h"
#include "tools/eval_support.h"
#include "tools/trace.h"

namespace cx::tools {

int run_lint(int argc, char** argv) {
  std::string file, netns;
  bool json = false, v6 = false, family_given = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "-h" || a == "--help") {
      std::puts(
          "usage: cxtables lint [-4|-6] [--json] [--netns NAME] [FILE]\n"
          "Reports shadowed, duplicate and redundant rules, rules that never match,\n"
          "unreachable user chains and jump loops of FILE (iptables-save format) or,\n"
          "without FILE, of the kernel's ruleset. Exit status 1 when it finds any.");
      return 0;
    }
    if (a == "-4" || a == "-6") {
      v6 = a == "-6";
      family_given = true;
    } else if (a == "--json") {
      json = true;
    } else if (a == "--netns" && i + 1 < argc) {
      netns = argv[++i];
    } else if (!a.empty() && a[0] != '-' && file.empty()) {
      file = a;
    } else {
      std::fprintf(stderr, "cxtables lint: unknown option \"%s\"\n", a.c_str());
      return 2;
    }
  }
  if (!netns.empty())
    if (auto s = enter_netns(netns); !s) {
      std::fprintf(stderr, "cxtables lint: %s\n", s.error().message.c_str());
      return 2;
    }
  Family family = v6 ? Family::V6 : Family::V4;
  Result<eval::Ruleset> rs = Error{};
  if (file.empty()) {
    rs = load_live_ruleset(family);
  } else {
    rs = load_file_ruleset(family, file);
    // A file of ip6tables-save output without -6: try IPv6 before giving up.
    if (!rs && !family_given) {
      auto rs6 = load_file_ruleset(Family::V6, file);
      if (rs6) rs = std::move(rs6);
    }
  }
  if (!rs) {
    std::fprintf(stderr, "cxtables lint: %s\n", rs.error().message.c_str());
    return 2;
  }
  std::vector<eval::Finding> findings = eval::lint(*rs);
  std::string out;
  if (json) {
    nlohmann::ordered_json list = nlohmann::ordered_json::array();
    for (const eval::Finding& f : findings)
      list.push_back({{"kind", eval::finding_kind_name(f.kind)},
                      {"table", f.table},
                      {"chain", f.chain},
                      {"rule", f.rule},
                      {"by_rule", f.by_rule},
                      {"text", f.text},
                      {"why", f.why}});
    out = eval::json_text(list) + "\n";
  } else if (findings.empty()) {
    out = "no findings\n";
  } else {
    out = eval::format_findings(findings);
    out += std::to_string(findings.size()) + " finding(s)\n";
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  return findings.empty() ? 0 : 1;
}

}  // namespace cx::tools
