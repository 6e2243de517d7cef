// One table of an iptables-restore input, from its "*table" line to its COMMIT: the commands
// of its lines become one batch, checked against the table as the kernel has it plus what the
// batch did so far, as iptables-nft-restore checks them against its cache at COMMIT.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "cli/command.h"
#include "common/result.h"
#include "compile/edit.h"
#include "core/session.h"
#include "core/tables.h"
#include "nft/netlink.h"
#include "restore/restore.h"

namespace cx::restore {

class TableRestore {
 public:
  TableRestore(core::Session& session, const Options& opts, std::string program, std::string table,
               int start_line);
  int start_line() const { return start_line_; }
  const std::string& name() const { return name_; }

  // "*table": reads the table's chains and empties it unless --noflush.
  Status begin();
  // ":chain policy [p:b]", the words after the colon.
  Status chain_line(const std::vector<std::string>& words, int line);
  // A rule line, parsed ("[p:b]" counters were passed to the parser as --set-counters).
  Status command(cli::Command& cmd, int line);
  // COMMIT: the first error of a command of the table, else the batch goes to the kernel
  // (unless --test or another table was chosen with -T). `restart` when the ruleset changed
  // meanwhile and the table is to be read again.
  Status commit(int line, bool& restart);

 private:
  // One rule of a chain as the batch leaves it: in the kernel (a handle), or added by the
  // batch (its message, and an NFTA_RULE_ID once another message names it).
  struct Entry {
    nft::RuleObj rule;
    std::size_t message = kNoMessage;
    std::uint32_t id = 0;
  };
  static constexpr std::size_t kNoMessage = static_cast<std::size_t>(-1);
  // The rules of one chain. Until a command needs their order, rules added at the head and
  // at the tail are kept apart and the kernel's are not read; then `rules` is the chain.
  struct ChainView {
    bool loaded = false;
    std::vector<Entry> rules;
    std::vector<Entry> head, tail;  // head: the latest insert last
    std::size_t flushed_at = 0;     // batch messages before this index no longer count
  };

  void ensure_table(int line);
  void ensure_base(const std::string& chain, int line);
  bool is_builtin(const std::string& chain) const;
  void add(nft::Message m, int line);
  void print_verbose(const std::string& text);
  // A command's failure: kept until COMMIT, where iptables-nft-restore finds it.
  Status defer(Error e);
  Status failed(int line, const std::string& message);

  Status flush_table_verbose();
  Status flush_chain(const std::string& chain, int line);
  Status add_rules(cli::Command& cmd, int line);
  Status insert_at(cli::Command& cmd, int line);
  Status put_rules(cli::Command& cmd, int line, ChainView* view, std::size_t at);
  Status delete_or_check(const cli::Command& cmd, int line);
  Status by_number(const cli::Command& cmd, int line);
  Status zero(const cli::Command& cmd, int line);
  Status list(const cli::Command& cmd, int line);
  Status flush_or_delete_all(const cli::Command& cmd, int line);
  Status chain_command(const cli::Command& cmd, int line);

  // The order of a chain's rules is needed from here on: the rules the batch added so far
  // are read back from it once, and every later change is followed.
  void start_tracking();
  // A chain with no rules from here on (new, flushed): what the batch added before is gone.
  ChainView emptied_view() const {
    ChainView v;
    v.loaded = true;
    v.flushed_at = msgs_.size();
    return v;
  }
  Result<ChainView*> loaded_view(const std::string& chain);
  // The kernel's chain of that name as iptables-nft's cache has it: null when the table was
  // emptied, or for a base chain iptables would not make.
  const nft::ChainObj* kernel_chain(const std::string& name) const;
  void track_added(const std::string& chain, Entry e, bool at_head);
  // Puts a rule the batch adds at the head or the tail of a chain's view.
  static void place(ChainView& v, Entry e, bool at_head);
  // Remembers the first jump to a chain that does not exist at this point of the table.
  void note_jump(const model::Rule& r);
  Result<nft::RuleObj> encode(const model::Rule& r, const std::string& chain);
  std::string spec_of(const nft::RuleObj& r) const;
  void delete_entry(ChainView& v, std::size_t index, int line);
  std::vector<std::string> chains_in_order() const;
  // chains_ and order_ together.
  bool add_chain(const std::string& name);
  void drop_chain(const std::string& name);
  void clear_chains();
  // Where iptables-nft sorts its chain cache by name (once: chains made later go last).
  void sort_chains_once();

  core::Session& session_;
  const Options& opts_;
  std::string program_;
  std::string name_;
  int start_line_;
  const core::TableSpec* spec_;
  nft::Batch msgs_;
  core::TableState* state_ = nullptr;
  bool table_in_kernel_ = false;  // exists and was not flushed away
  std::set<std::string> chains_;  // chains that exist in the kernel or the batch
  std::vector<std::string> order_;  // the same, in the order of iptables-nft's chain cache
  bool sorted_ = false;
  std::set<std::string> bases_;   // of those, the built-in base chains
  std::map<std::string, std::uint32_t> base_policy_;  // base chains in the kernel
  // The first jump to a chain that did not exist at that point of the table (declared
  // later, or deleted before): iptables-nft-restore finds it at COMMIT.
  std::optional<std::string> missing_jump_;
  std::optional<Error> deferred_;
  std::string verbose_;  // what -v and -L/-S print, once COMMIT is reached
  bool tracking_ = false;
  std::map<std::string, ChainView> views_;
  std::uint32_t next_rule_id_ = 1;
  int last_command_line_ = 0;  // what iptables-nft-restore names when a commit fails as a whole
  // Compiled chains (docs/compiled-chains.md): the table's sets at "*table", the chains they
  // compile, and the user chains this input made or emptied by their chain line.
  std::vector<nft::SetObj> kernel_sets_;
  std::set<std::string> compiled_;
  std::set<std::string> reset_;
  bool fresh_ = false;  // the table is new or emptied: every chain starts with no rules
  // The chains COMMIT compiles: every chain of a fresh table (--optimize) or the compiled
  // ones; with --noflush only chains this input made or emptied.
  std::set<std::string> chains_to_compile() const;
  Result<nft::Batch> compiled_batch(int line) const;
  Result<nft::Batch> compile_in_groups(compile::Recompile& rc,
                                       std::map<std::string, std::size_t>& counts,
                                       std::set<std::string>& kept, std::set<std::string>& rebuilt,
                                       int line) const;
};

}  // namespace cx::restore
