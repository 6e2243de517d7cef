// The planning stage of compiled chains (docs/compiled-chains.md): one chain's rules become
// an ordered list of segments, each either Linear (rules kept as they are, in place) or
// Lookup (a run of consecutive rules of one shape that becomes one set or verdict-map lookup).
//
// Overlaps are never resolved inside a run: a rule whose key space meets that of an earlier
// rule of the current run ends the run. All elements of a Lookup segment are therefore
// pairwise disjoint, so at most one rule of a run can match a packet, and the lookup gives
// every packet the verdict of the first rule that matched it; a jump that returns goes on
// after the run exactly where the linear chain would have found no further match.
//
// Pure: no kernel, no printing. Nothing is wired into the tools yet.
#pragma once
#include <cstddef>
#include <string>
#include <vector>

#include "common/result.h"
#include "compile/key.h"
#include "model/family.h"
#include "model/rule.h"

namespace cx::compile {

// What a rule does when it matches, comparable across rules: the kind, the chain of a
// jump/goto, and for a target its name and save form (" --reject-with ...").
struct Verdict {
  model::VerdictKind kind = model::VerdictKind::None;
  std::string chain;
  std::string target;
  bool operator==(const Verdict&) const = default;
};
Verdict verdict_of(const model::Rule& rule, Family family);
// The verdict as text that tells verdicts apart (for hashes and map keys).
std::string verdict_key(const Verdict& v);

// How a verdict moves the walk through the chain.
enum class Flow {
  Continue,  // no verdict, or a target that goes on (LOG, MARK, ...)
  Call,      // jump: the chain is entered and may return
  End,       // ACCEPT, DROP, RETURN, goto, QUEUE, terminal targets
};
Flow flow_of(const Verdict& v);
// A verdict a verdict map can hold: accept, drop, return, jump, goto.
bool is_mappable(const Verdict& v);
// Targets that never go on with the chain (REJECT, DNAT, ...).
bool is_terminal_target(std::string_view name);

struct Element {
  Key key;  // an interval per field of the segment's shape
  Verdict verdict;
  std::size_t rule = 0;  // index of the original rule in the chain
  bool operator==(const Element&) const = default;
};

enum class SegmentKind { Linear, Lookup };
enum class LookupKind {
  Set,         // every rule has the same verdict: "KEY @set VERDICT"
  VerdictMap,  // verdicts differ (all mappable): "KEY vmap @map"
};

struct Segment {
  SegmentKind kind = SegmentKind::Linear;
  std::vector<std::size_t> rules;  // chain indices, consecutive, in order
  // Lookup only.
  Shape shape;
  std::string spelling;  // RuleKey::spelling, shared by the run's rules
  LookupKind lookup = LookupKind::Set;
  Verdict verdict;                    // Set: the shared verdict
  std::vector<Element> elements;      // disjoint keys, in rule order
  std::vector<std::string> comments;  // per entry of `rules` ("" for none)
  std::string residual;               // RuleKey::residual, shared by the run's rules
};

struct Plan {
  Family family = Family::V4;
  std::vector<Segment> segments;
  std::size_t lookup_rules() const;  // rules that went into Lookup segments
};

struct Options {
  std::size_t min_run = 4;                  // shorter runs stay Linear
  std::size_t max_elements_per_rule = 256;  // a larger product of lists stays Linear
  // A run whose concatenated keys hold ranges becomes a pipapo set, each insert into which
  // costs the kernel time in proportion to the set's size: such a run ends at this many
  // elements and the next one starts (a lookup more per packet that reaches it).
  std::size_t max_ranged_concat = 1024;
};

// The rule's key when it may be part of a run at all (a verdict that ends or calls, a
// key-shaped rule of at most max_elements_per_rule elements).
std::optional<RuleKey> compilable_key(const model::Rule& rule, const Verdict& v, Family family,
                                      const Options& options);

// What the planning stages ask of each rule, worked out once: its verdict and, when it may
// be part of a run, its key (compilable_key).
struct RuleFacts {
  Verdict verdict;
  std::optional<RuleKey> key;
};
std::vector<RuleFacts> rule_facts(const std::vector<model::Rule>& rules, Family family,
                                  const Options& options);

Result<Plan> plan_chain(const std::vector<model::Rule>& rules, Family family,
                        const Options& options = {});
// The same with the rules' facts given (facts[i] for rules[i]).
Result<Plan> plan_chain(const std::vector<RuleFacts>& facts, Family family, const Options& options);

}  // namespace cx::compile
