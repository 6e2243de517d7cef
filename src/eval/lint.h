// cxtables lint: what in a ruleset can never have an effect, found from the model alone.
//  * shadowed: a rule no packet can reach, because an earlier rule of the chain matches every
//    packet it matches and ends the chain (ACCEPT, DROP, REJECT, RETURN, goto, NAT, ...);
//  * duplicate: a rule identical to an earlier non-terminal rule of the chain;
//  * redundant: a rule whose verdict is what happens anyway (ACCEPT before an ACCEPT policy at
//    the end of a base chain, RETURN at the end of a user chain);
//  * never matches: a rule with a condition no packet meets (mark value outside its mask);
//  * unreachable: a user chain no jump or goto leads to from a built-in chain;
//  * loop: jumps and gotos that lead back to a chain (the kernel refuses such a ruleset).
// The superset test is syntactic and conservative: when in doubt, a rule is not reported.
#pragma once
#include <string>
#include <vector>

#include "eval/pipeline.h"

namespace cx::eval {

struct Finding {
  enum class Kind : std::uint8_t {
    Shadowed,
    Duplicate,
    Redundant,
    NeverMatches,
    Unreachable,
    Loop
  };
  Kind kind = Kind::Shadowed;
  std::string table, chain;
  int rule = 0;      // 1-based; 0 for chain findings
  int by_rule = 0;   // the earlier rule responsible (Shadowed, Duplicate)
  std::string text;  // -S text of the rule (or the chain name)
  std::string why;
};
std::string_view finding_kind_name(Finding::Kind k);

std::vector<Finding> lint(const Ruleset& ruleset);

// "filter INPUT rule 5: shadowed by rule 2 (...): why".
std::string format_findings(const std::vector<Finding>& findings);

}  // namespace cx::eval
