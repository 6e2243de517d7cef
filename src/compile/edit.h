// Writes on compiled chains (docs/compiled-chains.md, "Writes"). A chain stays compiled
// across every command that changes it, in one transaction each:
//
// - the element path: a rule inserted at the head of a chain whose first rule is a lookup it
//   fits (same spelling, same verdict or a mappable one, one exact key not in the set yet), or
//   a rule deleted that a lookup holds, is one element add or delete and the lookup rule
//   replaced with its run's new count (fail2ban's ban and unban); nothing else is read;
// - the general path: the command runs against the chain's original rules (a view in which
//   every rule a lookup holds has a handle of its own, kViewHandleBase up), and the rule
//   messages it builds for the chain are applied to that list here; the chain is then
//   flushed, its old sets deleted and the new list compiled again under new set numbers.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "cli/command.h"
#include "common/result.h"
#include "model/family.h"
#include "nft/netlink.h"

namespace cx::compile {

inline constexpr std::uint64_t kViewHandleBase = 1ull << 62;

// The compiled chains `cmd` changes: its chain; every compiled chain for a command on all
// chains (-F, -Z, -X without a chain) and for -E (rules of any chain may name the old name).
std::set<std::string> touched(const cli::Command& cmd, const std::set<std::string>& compiled);

// The element path. True when it took the command (its messages in `msgs`); false when the
// general path must (nothing added to `msgs`).
struct ElementEdit {
  const cli::Command& cmd;
  Family family;
  const std::vector<nft::SetObj>& sets;  // the table's sets
  const nft::RuleObj& encoded;           // cmd.rules[0] as it would be sent
};
Result<bool> element_edit(nft::Netlink& nl, const ElementEdit& e, std::vector<nft::Message>& msgs);

// -A on a compiled chain with lookups: the rules go after all others, as the chain's own rules
// (`msgs`: what the plain command builds), compiled with the chain's next rebuild. In a
// reordered chain they get the next order keys. False (the general path recompiles the chain)
// for a chain without a lookup yet, or when a rule has no room for its key.
Result<bool> order_appended(nft::Netlink& nl, Family family, const std::string& table,
                            const std::string& chain, std::vector<nft::Message>& msgs);

// A chain's original rules in chain order: lookup rules expanded, each expanded rule given a
// view handle (kViewHandleBase + n), the chain's own rules with their kernel handles.
Result<std::vector<nft::RuleObj>> chain_view(nft::Netlink& nl, Family family,
                                             const std::string& table, const std::string& chain,
                                             std::uint64_t& next_view_handle);

// The general path: `msgs` as built against `views` become the batch: every message that is
// not a rule message of a viewed chain as it is, then per viewed chain (still there) its
// flush, the deletion of its old sets, and its new list compiled.
struct Recompile {
  std::string table;
  Family family = Family::V4;
  std::map<std::string, std::vector<nft::RuleObj>> views;
  const std::vector<nft::SetObj>& sets;  // the table's sets as the batch finds them
  std::optional<std::pair<std::string, std::string>> rename = {};  // -E OLD NEW
  // Minimum run per chain where no anchor says (else the default).
  std::map<std::string, std::size_t> min_run = {};
  // Chains that get an anchor even without a lookup (named to `optimize on`, or anchored
  // before a restore emptied the table); others get one once they have a lookup.
  std::set<std::string> anchor = {};
  // A restore: a chain that gets no lookup keeps the rule messages the batch has for it;
  // compile_views() then sends only its set changes and names it in `kept`.
  std::set<std::string>* kept = nullptr;
  std::uint32_t next_id = 1;  // NFTA_SET_ID of the next set of the batch
};
Result<std::vector<nft::Message>> recompile(const Recompile& in, std::vector<nft::Message> msgs);

// The parts of recompile() for a restore, whose batch is bytes (nft::Batch): a rule message
// applied to a chain's list as the kernel would apply it, and every view compiled.
Status apply_rule_message(std::vector<nft::RuleObj>& view, nft::Message&& m);
// Each view is emptied once compiled (a restore holds all of them at once).
Result<std::vector<nft::Message>> compile_views(Recompile& in);

}  // namespace cx::compile
