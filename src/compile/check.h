// The reverse check of a Plan: for one packet, described by its key-field values, the walk
// through the plan and the walk through the chain's rules as they are. Both record every rule
// that matched (counters, LOG and other side effects happen exactly there) and the verdict that
// ended the walk; a correct plan gives equal Decisions for every packet.
//
// Rules the plan keeps Linear (and every rule of the linear walk) are asked of an Oracle, so
// that tests can decide stateful matches (limit, ...) the same way in both walks; Lookup
// segments answer from their elements only.
#pragma once
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "compile/plan.h"
#include "eval/packet.h"

namespace cx::compile {

struct Probe {
  std::string iniface, outiface;
  eval::Addr src{}, dst{};
  std::uint8_t proto = 6;
  std::uint16_t sport = 0, dport = 0;
  bool fragment = false;  // a non-first fragment: no ports
};

// The probe's value of a field, as the kernel would load it; nothing for ports of a fragment
// (the transport header is not there, the lookup does not match).
std::optional<Bytes> probe_value(const Probe& p, Field f, Family family);

// Whether the rule matches the probe, from the IP header and each match's own evaluation
// (src/ext); nothing when a match cannot decide from the description (limit, ...).
std::optional<bool> rule_matches(const model::Rule& rule, Family family, const Probe& p);

struct Oracle {
  // Whether rule `index` of the chain matches.
  std::function<bool(std::size_t index, const Probe&)> matches;
  // Whether a jump to `chain` comes back (the chain ends without a verdict or RETURNs).
  std::function<bool(const std::string& chain, const Probe&)> returns;
};

struct Decision {
  std::vector<std::size_t> hits;    // every rule that matched, in order
  Verdict verdict;                  // kind None: the walk fell off the end of the chain
  std::optional<std::size_t> rule;  // the rule whose verdict ended the walk
  bool operator==(const Decision&) const = default;
};

Decision decide_linear(const std::vector<model::Rule>& rules, Family family, const Probe& p,
                       const Oracle& oracle);
// `rules` gives the verdicts of the rules the plan keeps Linear; Lookup segments use their
// elements' verdicts.
Decision decide_plan(const Plan& plan, const std::vector<model::Rule>& rules, const Probe& p,
                     const Oracle& oracle);

// The plan's structural promises: every rule exactly once, in order; Lookup runs of one
// shape, at least `min_run` rules, elements disjoint and inside the run, Set runs of one
// verdict, VerdictMap runs of mappable verdicts only.
Status check_plan(const Plan& plan, const std::vector<model::Rule>& rules,
                  const Options& options = {});

}  // namespace cx::compile
