// The reordering stage of compiled chains (docs/compiled-chains.md, "Reordering"), before
// planning: rules of one shape that other rules separate are brought together, so that a
// chain of interleaved shapes (a firewall's user chain: ssh from these hosts, dns to those,
// ...) still gives long runs.
//
// A rule moves up to the group of earlier rules of its class (same shape, spelling, and a
// verdict they can share) only past rules no packet can match together with it: for every
// rule it passes there is a key field where the two accept no common value (another -p,
// disjoint addresses or ports). Such a pair decides every packet alike in either order: a
// packet matches at most one of them. Key fields are never changed by a rule that lets the
// walk go on, so a rule passed that marks, logs or jumps and returns decides the same packets
// after the move. Nothing passes a rule that changes state when it is merely reached (limit,
// quota, recent, ...: compile/key.h's Footprint::stateless), nor a rule that tests no key
// field. Rules of one group keep their order; so do all rules that do not move.
//
// Pure: no kernel.
#pragma once
#include <cstddef>
#include <vector>

#include "compile/plan.h"
#include "model/family.h"
#include "model/rule.h"

namespace cx::compile {

// The chain's rules in their new order: out[k] is the index of the rule at position k. The
// identity when nothing moves.
std::vector<std::size_t> regroup(const std::vector<model::Rule>& rules, Family family,
                                 const Options& options = {});
// The same with the rules' facts (plan.h) worked out already.
std::vector<std::size_t> regroup(const std::vector<model::Rule>& rules,
                                 const std::vector<RuleFacts>& facts, Family family);

bool is_identity(const std::vector<std::size_t>& order);

// v reordered: out[k] = v[order[k]].
template <class T>
std::vector<T> reordered(std::vector<T> v, const std::vector<std::size_t>& order) {
  std::vector<T> out;
  out.reserve(v.size());
  for (std::size_t i : order) out.push_back(std::move(v[i]));
  return out;
}

}  // namespace cx::compile
