// Runs commands against the kernel: reads what it needs into a cache, builds one batch,
// commits it as one transaction, and starts over when the ruleset generation moved.
#pragma once
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "cli/command.h"
#include "common/result.h"
#include "core/tables.h"
#include "model/rule.h"
#include "nft/netlink.h"

namespace cx::core {

struct TableState {
  std::string name;
  bool exists = false;
  // Chains are looked up one by one (a GETCHAIN each) until a command needs them all; then
  // the whole list is dumped once. A deque keeps pointers stable while lookups add to it.
  bool chains_complete = false;
  std::deque<nft::ChainObj> chains;
  std::unordered_map<std::string, std::size_t> by_name;    // index into chains
  std::unordered_map<std::string, bool> looked_up;         // single lookups, found or not
  std::map<std::string, std::vector<nft::RuleObj>> rules;  // loaded per chain
  bool all_rules_loaded = false;
  // Only what has been loaded: see Session::chain() and Session::load_chains().
  const nft::ChainObj* find_chain(const std::string& n) const;
  void index_chains();
};

// iptables-nft's checks before it lists a table (or, named, one chain of it): an error when it
// holds what iptables-nft does not list, else the header line about foreign base chains (on
// `out`) when there are any.
Status check_listable(const model::Table& t, const std::string& chain, std::string& out);
// -L / -S of a table (cmd.chain, cmd.rulenum and the format options as given), as
// iptables-nft prints it: the listing so far, then the error at a rule it cannot read.
Status list_table(const model::Table& table, const cli::Command& cmd, Family family,
                  std::string& out);

class Session {
 public:
  explicit Session(Family family, std::string program);
  Status connect();

  // Runs one iptables command; listings are appended to `out`.
  Status execute(const cli::Command& cmd, std::string& out);

  // The model of one table as iptables shows it: base chains (also the ones not yet in the
  // kernel), then user chains by name, each with its rules decoded.
  // `for_save`: compiled rules come with their save text only (model::Rule::saved_text).
  Result<model::Table> read_table(const std::string& table, bool for_save = false);
  // Tables that exist in the kernel, in the order iptables-save prints them.
  Result<std::vector<std::string>> existing_tables();

  nft::Netlink& netlink() { return nl_; }
  // Printed by tools/ before an error: what iptables-nft says about missing kernel support.
  const std::vector<std::string>& warnings() const { return warnings_; }
  // Whether the kernel has xt extension `kernel_name` at `revision` (iptables asks this when
  // it loads an extension, also for -h). Needs connect().
  bool extension_supported(const std::string& kernel_name, std::uint32_t revision, bool target) {
    return nl_.compat_revision_supported(kernel_name, revision, target, family_);
  }
  // A command that fails says which of the xt extensions it loaded the kernel lacks, as
  // iptables-nft does when it loads them (the probe costs a request each, so only on failure).
  // Each warning once. Needs connect().
  void warn_missing_extensions(const std::vector<cli::XtUse>& used);
  // That warning for one extension, or nothing when the kernel has it.
  std::optional<std::string> missing_extension_warning(const cli::XtUse& u);
  Family family() const { return family_; }
  std::uint32_t genid() const { return genid_; }
  Status refresh();  // new generation id, empty cache
  Result<TableState*> state(const std::string& table);
  // The kernel's chain of that name, or nullptr; a single lookup unless all are loaded.
  Result<const nft::ChainObj*> chain(TableState& ts, const std::string& name);
  Status load_chains(TableState& ts);
  Status load_rules(TableState& ts, const std::string& chain);
  // The rule at `index` (from 0) of `chain`, or, when the chain is shorter, how many rules it
  // has. The dump stops at that rule: a rule near the head of a long chain costs one reply.
  struct RuleAt {
    std::optional<nft::RuleObj> rule;
    std::size_t count = 0;  // when `rule` is empty: the chain's length
  };
  Result<RuleAt> rule_at(TableState& ts, const std::string& chain, std::size_t index);
  Status load_all_rules(TableState& ts);
  // Commits `msgs` as one batch; kernel errors become iptables' messages.
  // Returns true in `restart` when the generation changed under us.
  Status commit(const std::vector<nft::Message>& msgs, bool& restart);
  Status commit(const nft::Batch& batch, bool& restart);

 private:
  Status build(const cli::Command& cmd, std::vector<nft::Message>& msgs, std::string& out);
  // The command as iptables-nft runs it on the rules as they are in the kernel (a compiled
  // chain: as build_compiled shows them).
  Status build_plain(const cli::Command& cmd, std::vector<nft::Message>& msgs, std::string& out);
  // A write on compiled chains (`touched`, of the table's `sets`): compile/edit.h.
  Status build_compiled(const cli::Command& cmd, const std::vector<nft::SetObj>& sets,
                        const std::set<std::string>& touched, std::vector<nft::Message>& msgs,
                        std::string& out);
  Family family_;
  std::string program_;
  nft::Netlink nl_;
  std::uint32_t genid_ = 0;
  std::map<std::string, TableState> cache_;
  std::vector<std::string> warnings_;
};

// A base chain iptables-nft keeps in its cache: the table's built-in chain of that name with
// its hook, priority and type. Other base chains ("foreign") are absent to every command.
bool is_iptables_base_chain(const TableSpec& spec, const nft::ChainObj& chain);
// A base chain that is not one of those (another name, hook, priority or type).
bool is_foreign_base_chain(const TableSpec& spec, const nft::ChainObj& chain);
// "chain `C' in table `T' is incompatible, use 'nft' tool." ("table `T' ..." without a chain).
Error incompatible_error(const std::string& table, const std::string& chain);

// -D / -C: the expressions a rule would be sent as equal those of a rule in the kernel,
// counter values aside (the kernel's counters move) and bitwise's operation as libnftnl
// reports it. The cheap first test before rules are compared by their save form.
bool same_expressions(const std::vector<nft::Expr>& a, const std::vector<nft::Expr>& b);

// Messages shared by the commands and restore.
nft::Message rule_msg(nft::MsgType type, std::uint16_t flags, nft::RuleObj rule, std::string op);
nft::Message chain_msg(nft::MsgType type, std::uint16_t flags, nft::ChainObj chain, std::string op);
// -Z CHAIN N: the kernel's rule replaced by itself with zero counters, NFTA_RULE_COMPAT from
// the rule as decoded (iptables-nft rebuilds it).
nft::Message zeroed_rule_msg(const nft::RuleObj& kernel_rule, Family family);
// -Z [CHAIN]: as iptables-nft zeroes a chain: nothing for a rule whose counters are zero,
// else the rule with zero counters and NFTA_RULE_COMPAT only where a protocol test gives it.
std::optional<nft::Message> chain_zero_rule_msg(const nft::RuleObj& kernel_rule);
nft::Message new_table_msg(const std::string& table);
nft::Message new_base_chain_msg(const std::string& table, const std::string& chain,
                                std::uint32_t policy);

}  // namespace cx::core
