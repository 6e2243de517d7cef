// The reading stage of compiled chains (docs/compiled-chains.md, "Listing"): a lookup rule of
// a compiled chain becomes again the rules it was compiled from, each exactly as iptables-nft
// would hold it (its text encoded as `iptables -A` encodes it), with the counters of its
// elements summed. Everything after this stage sees plain rules only.
#pragma once
#include <algorithm>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "common/result.h"
#include "model/rule.h"
#include "nft/netlink.h"

namespace cx::compile {

class Expander {
 public:
  Expander(nft::Netlink& nl, Family family, std::string table)
      : nl_(nl), family_(family), table_(std::move(table)) {}
  // The rules `lookup` (a rule with is_compiled_rule()) stands for, in their original order;
  // with their order keys in `keys` when asked.
  Result<std::vector<nft::RuleObj>> expand(const nft::RuleObj& lookup,
                                           std::vector<std::uint32_t>* keys = nullptr);
  // The same as model rules with their order keys, parsed from their texts (what listing
  // needs: no expressions are built).
  Result<std::vector<std::pair<std::uint32_t, model::Rule>>> expand_rules(
      const nft::RuleObj& lookup);
  bool used() const { return used_; }
  Family family() const { return family_; }
  // Expanded rules get handles of their own, `*next` up (compile/edit.h's views), instead of
  // their lookup rule's handle.
  void number_handles(std::uint64_t* next) { next_handle_ = next; }
  // expand_rules() gives rules with only their save text (model::Rule::saved_text).
  void texts_only(bool on) { texts_only_ = on; }

 private:
  nft::Netlink& nl_;
  Family family_;
  std::string table_;
  // The texts and summed counters of `lookup`'s rules, by order key.
  struct Original {
    std::string text;
    std::uint64_t packets = 0, bytes = 0;
  };
  Result<std::map<std::uint32_t, Original>> originals(const nft::RuleObj& lookup);

  bool used_ = false;
  bool texts_only_ = false;
  std::uint64_t* next_handle_ = nullptr;
};

// Whether a compiled chain's kernel rules are in another order than its rules (a lookup rule
// or one of the chain's own rules says so, compile/userdata.h): listing then sorts the rules
// by their order keys.
bool is_reordered(const nft::RuleObj& kernel_rule);

// A lookup rule's own set lookup: the last one (a prefilter's comes first, emit.cpp).
const nft::Expr* lookup_of(const nft::RuleObj& rule);

// The rules of `keyed` (order key, rule) in order-key order; rules of equal keys keep their
// order. A reordered chain's rules are put back in chain order with this.
// (The order is found on indices and each rule moved once: a rule is large, and sorting the
// pairs themselves moved each rule some twenty times, a fifth of a 50k-rule save.)
template <class Rule>
std::vector<Rule> in_key_order(std::vector<std::pair<std::uint32_t, Rule>> keyed) {
  std::vector<std::uint32_t> order(keyed.size());
  for (std::uint32_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&keyed](std::uint32_t a, std::uint32_t b) {
    return keyed[a].first < keyed[b].first;
  });
  std::vector<Rule> out;
  out.reserve(keyed.size());
  for (std::uint32_t i : order) out.push_back(std::move(keyed[i].second));
  return out;
}

// A rule's sets of a compiled chain: the kernel's rules read through an Expander when `rules`
// holds a compiled one; the rules as they are otherwise.
Result<std::vector<nft::RuleObj>> expand_chain(Expander& ex, std::vector<nft::RuleObj> rules);

// The chains of `sets` (a table's sets) that are compiled (from the set names).
std::set<std::string> compiled_of(const std::vector<nft::SetObj>& sets);
// The chains of `table` that have compiled sets, one dump of its sets.
Result<std::set<std::string>> compiled_chains(nft::Netlink& nl, Family family,
                                              const std::string& table);

// Reference counts as the plain table would have them: a chain's kernel use count counts
// its kernel rules and every rule and map element that jumps to it, so after expansion it is
// recomputed as the chain's rules plus the jumps and gotos of all rules to it.
void recount_references(model::Table& table);

}  // namespace cx::compile
