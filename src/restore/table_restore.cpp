#include "restore/table_restore.h"

#include <algorithm>
#include <cstdio>

#include "cli/print.h"
#include "codec/rule_codec.h"
#include "common/parse.h"
#include "compile/edit.h"
#include "compile/expand.h"
#include "compile/guard.h"
#include "compile/plan.h"
#include "compile/userdata.h"

namespace cx::restore {

namespace {

constexpr const char* kNoChain = "No chain/target/match by that name.";
constexpr const char* kBadRule = "Bad rule (does a matching rule exist in that chain?).";

nft::Message rule_flush_msg(const std::string& table, const std::string& chain) {
  nft::Message m;
  m.type = nft::MsgType::DelRule;
  m.flags = nft::kNlmRequest;
  m.rule.table = table;
  m.rule.chain = chain;
  m.op_name = "RULE_FLUSH";
  m.object_text = "rule in chain " + chain;
  return m;
}

nft::Message chain_del_msg(nft::ChainObj chain) {
  return core::chain_msg(nft::MsgType::DelChain, nft::kNlmRequest | nft::kNlmNonrec,
                         std::move(chain), "CHAIN_DEL");
}

nft::Message new_user_chain_msg(const std::string& table, const std::string& chain) {
  nft::ChainObj c;
  c.table = table;
  c.name = chain;
  return core::chain_msg(nft::MsgType::NewChain, nft::kNlmRequest | nft::kNlmExcl, std::move(c),
                         "CHAIN_USER_ADD");
}

Error at_line(Error e, int line) {
  e.line = line;
  return e;
}

// "[packets:bytes]" as iptables-restore reads it (sscanf "[%llu:%llu]"): the closing bracket
// is not checked.
bool parse_counter_pair(const std::string& w, std::uint64_t& packets, std::uint64_t& bytes) {
  unsigned long long p = 0, b = 0;
  if (std::sscanf(w.c_str(), "[%llu:%llu]", &p, &b) != 2) return false;
  packets = p;
  bytes = b;
  return true;
}

bool is_jump(const model::Rule& r) {
  return r.verdict == model::VerdictKind::Jump || r.verdict == model::VerdictKind::Goto;
}

}  // namespace

TableRestore::TableRestore(core::Session& session, const Options& opts, std::string program,
                           std::string table, int start_line)
    : session_(session),
      opts_(opts),
      program_(std::move(program)),
      name_(std::move(table)),
      start_line_(start_line),
      spec_(core::find_table(name_)),
      msgs_(session.family()) {}

bool TableRestore::is_builtin(const std::string& chain) const {
  return core::find_builtin(*spec_, chain) != nullptr;
}

void TableRestore::add(nft::Message m, int line) {
  m.line = line;
  msgs_.add(m);
}

void TableRestore::print_verbose(const std::string& text) { verbose_ += text; }

Status TableRestore::defer(Error e) {
  if (!deferred_ && !missing_jump_) deferred_ = std::move(e);
  return {};
}

Status TableRestore::failed(int line, const std::string& message) {
  return defer(
      Error{ErrorKind::Other,
            "line " + std::to_string(line) + " failed" + (message.empty() ? "" : ": " + message),
            ErrorStyle::Plain, line});
}

void TableRestore::ensure_table(int line) {
  if (!table_in_kernel_) add(core::new_table_msg(name_), line);
}

// As iptables-nft's builtin init for one chain: made unless the table has that built-in base
// chain (a regular chain of the name does not count; the kernel then refuses the CHAIN_ADD).
void TableRestore::ensure_base(const std::string& chain, int line) {
  if (!is_builtin(chain) || bases_.count(chain)) return;
  add(core::new_base_chain_msg(name_, chain, 1), line);
  bases_.insert(chain);
  if (add_chain(chain)) views_[chain].loaded = true;  // new: no rules in the kernel
}

Status TableRestore::begin() {
  auto st = session_.state(name_);
  if (!st) return st.take_error();
  state_ = *st;
  CX_TRY(session_.load_chains(*state_));
  table_in_kernel_ = state_->exists;
  for (const auto& c : state_->chains) {
    if (core::is_foreign_base_chain(*spec_, c)) continue;  // unseen, as in iptables-nft
    add_chain(c.name);
    if (c.hooknum) {
      base_policy_[c.name] = c.policy.value_or(1);
      bases_.insert(c.name);
    }
  }
  if (state_->exists) {
    auto sets = session_.netlink().dump_sets(session_.family(), name_);
    if (!sets) return sets.take_error();
    kernel_sets_ = std::move(*sets);
    compiled_ = compile::compiled_of(kernel_sets_);
    // -v flushes chain by chain, each as a command on its own.
    if (opts_.verbose && !opts_.noflush)
      CX_TRY(compile::check_restore(session_.family(), name_, compiled_));
  }
  fresh_ = !state_->exists;
  if (opts_.noflush) return {};
  if (opts_.verbose) return flush_table_verbose();
  fresh_ = true;
  if (state_->exists) {
    nft::Message del;
    del.type = nft::MsgType::DelTable;
    del.flags = nft::kNlmRequest;
    del.table = name_;
    del.op_name = "TABLE_FLUSH";
    del.object_text = "table " + name_;
    add(del, start_line_);
  }
  table_in_kernel_ = false;
  clear_chains();
  bases_.clear();
  base_policy_.clear();
  return {};
}

// The base chains in hook order, then the user chains in the order of iptables-nft's chain
// cache: the kernel's order (or by name, once a listing or a verbose flush, zero or delete of
// every chain sorted it), then the chains made since, in the order they were made.
std::vector<std::string> TableRestore::chains_in_order() const {
  std::vector<std::string> out;
  for (const auto& bc : spec_->chains)
    if (bases_.count(std::string(bc.name))) out.emplace_back(bc.name);
  for (const auto& c : order_)
    if (!bases_.count(c)) out.push_back(c);
  return out;
}

bool TableRestore::add_chain(const std::string& name) {
  if (!chains_.insert(name).second) return false;
  order_.push_back(name);
  return true;
}

void TableRestore::drop_chain(const std::string& name) {
  if (chains_.erase(name)) order_.erase(std::find(order_.begin(), order_.end(), name));
}

void TableRestore::clear_chains() {
  chains_.clear();
  order_.clear();
  sorted_ = false;  // iptables-nft drops the table's chains from its cache
}

void TableRestore::sort_chains_once() {
  if (sorted_) return;
  std::sort(order_.begin(), order_.end());
  sorted_ = true;
}

// -v without --noflush empties the table chain by chain, saying so: every base chain is
// created where missing, every chain flushed, the user chains deleted and the base chains
// whose policy is ACCEPT too (they are empty now).
Status TableRestore::flush_table_verbose() {
  const bool existed = state_->exists;
  if (!existed) add(core::new_table_msg(name_), start_line_);
  for (const auto& bc : spec_->chains) {
    std::string n(bc.name);
    if (chains_.count(n)) continue;
    add(core::new_base_chain_msg(name_, n, 1), start_line_);
    add_chain(n);
    bases_.insert(n);
    base_policy_[n] = 1;
  }
  sort_chains_once();
  std::vector<std::string> order = chains_in_order();
  for (const auto& c : order) {
    print_verbose("Flushing chain `" + c + "'\n");
    add(rule_flush_msg(name_, c), start_line_);
  }
  for (const auto& c : order) {
    if (bases_.count(c)) {
      // A DROP policy keeps the chain in the kernel, but iptables-nft drops it from its cache
      // all the same: a later line on it makes it again (CHAIN_ADD, policy ACCEPT).
      if (base_policy_[c] == 1)
        add(chain_del_msg(core::new_base_chain_msg(name_, c, 1).chain), start_line_);
      drop_chain(c);
      bases_.erase(c);
      base_policy_.erase(c);
      continue;
    }
    print_verbose("Deleting chain `" + c + "'\n");
    nft::ChainObj o;
    o.table = name_;
    o.name = c;
    add(chain_del_msg(std::move(o)), start_line_);
    drop_chain(c);
  }
  for (const auto& c : chains_) views_[c].loaded = true;  // emptied
  // A table that was not there is created again by the commands that need it.
  table_in_kernel_ = existed;
  return {};
}

Status TableRestore::chain_line(const std::vector<std::string>& words, int line) {
  const std::string& chain = words[0];
  const std::string& policy = words[1];
  const bool stopped = deferred_ || missing_jump_;
  if (!is_builtin(chain)) {
    if (stopped) return {};
    reset_.insert(chain);
    if (chains_.count(chain)) return flush_chain(chain, line);  // --noflush: emptied, kept
    ensure_table(line);
    add(new_user_chain_msg(name_, chain), line);
    add_chain(chain);
    views_[chain] = emptied_view();
    return {};
  }
  // Counters are read with the line; the policy is checked when the table is committed.
  std::uint64_t pk = 0, by = 0;
  if (opts_.counters && (words.size() < 3 || !parse_counter_pair(words[2], pk, by)))
    return at_line(parameter_error("invalid policy counters for chain '" + chain + "'"), line);
  if (stopped) return {};
  std::optional<std::uint32_t> verdict;
  if (policy == "ACCEPT")
    verdict = 1;
  else if (policy == "DROP")
    verdict = 0;
  else if (policy != "-")
    return failed(line, "Bad policy name.");
  ensure_table(line);
  ensure_base(chain, line);
  nft::Message m = core::new_base_chain_msg(name_, chain, verdict.value_or(1));
  if (!verdict) m.chain.policy.reset();  // "-": the chain keeps its policy
  m.chain.counters = std::make_pair(pk, by);
  m.op_name = "CHAIN_UPDATE";
  add(m, line);
  if (verdict) base_policy_[chain] = *verdict;
  return {};
}

Status TableRestore::flush_chain(const std::string& chain, int line) {
  add(rule_flush_msg(name_, chain), line);
  views_[chain] = emptied_view();
  return {};
}

Result<nft::RuleObj> TableRestore::encode(const model::Rule& rule, const std::string& chain) {
  ext::RuleContext ctx;
  ctx.family = session_.family();
  ctx.table = name_;
  ctx.program = program_;
  return codec::rule_object(rule, ctx, chain);
}

std::string TableRestore::spec_of(const nft::RuleObj& r) const {
  return cli::rule_spec(codec::decode_rule(r.exprs, session_.family()), session_.family());
}

void TableRestore::start_tracking() {
  if (tracking_) return;
  tracking_ = true;
  msgs_.for_each_added_rule([&](std::size_t i, nft::RuleObj&& rule, std::uint16_t flags) {
    ChainView& v = views_[rule.chain];
    if (i < v.flushed_at) return;  // flushed or deleted since
    place(v, Entry{std::move(rule), i, 0}, !(flags & nft::kNlmAppend));
  });
}

void TableRestore::track_added(const std::string& chain, Entry e, bool at_head) {
  if (tracking_) place(views_[chain], std::move(e), at_head);
}

void TableRestore::place(ChainView& v, Entry e, bool at_head) {
  if (!v.loaded)
    (at_head ? v.head : v.tail).push_back(std::move(e));
  else if (at_head)
    v.rules.insert(v.rules.begin(), std::move(e));
  else
    v.rules.push_back(std::move(e));
}

void TableRestore::note_jump(const model::Rule& r) {
  if (is_jump(r) && !core::find_builtin(*spec_, r.jump_chain) && !chains_.count(r.jump_chain))
    missing_jump_ = missing_jump_.value_or(r.jump_chain);
}

const nft::ChainObj* TableRestore::kernel_chain(const std::string& name) const {
  if (!table_in_kernel_) return nullptr;
  const nft::ChainObj* k = state_->find_chain(name);
  // A base chain iptables would not make is not in iptables-nft's cache.
  return k && !core::is_foreign_base_chain(*spec_, *k) ? k : nullptr;
}

Result<TableRestore::ChainView*> TableRestore::loaded_view(const std::string& chain) {
  start_tracking();
  ChainView& v = views_[chain];
  if (v.loaded) return &v;
  std::vector<Entry> rules;
  for (auto it = v.head.rbegin(); it != v.head.rend(); ++it) rules.push_back(std::move(*it));
  if (kernel_chain(chain)) {
    CX_TRY(session_.load_rules(*state_, chain));
    for (const auto& ro : state_->rules[chain]) rules.push_back(Entry{ro, kNoMessage, 0});
  }
  for (auto& e : v.tail) rules.push_back(std::move(e));
  v.rules = std::move(rules);
  v.head.clear();
  v.tail.clear();
  v.loaded = true;
  return &v;
}

void TableRestore::delete_entry(ChainView& v, std::size_t index, int line) {
  Entry& e = v.rules[index];
  nft::Message m;
  m.type = nft::MsgType::DelRule;
  m.flags = nft::kNlmRequest;
  m.rule = e.rule;
  if (e.message != kNoMessage) {
    // A rule of this batch has no handle yet: the deletion names it by NFTA_RULE_ID.
    if (!e.id) {
      e.id = next_rule_id_++;
      msgs_.set_rule_id(e.message, e.id);
    }
    m.rule.id = e.id;
  }
  m.op_name = "RULE_DELETE";
  m.object_text = "rule in chain " + e.rule.chain;
  add(m, line);
  v.rules.erase(v.rules.begin() + static_cast<std::ptrdiff_t>(index));
}

Status TableRestore::command(cli::Command& cmd, int line) {
  if (deferred_ || missing_jump_) return {};  // iptables-restore stops at the first failure
  last_command_line_ = line;
  const unsigned c = cmd.command;
  if (cmd.other_family && (c & (cli::kCmdAppend | cli::kCmdInsert | cli::kCmdDelete |
                                cli::kCmdCheck | cli::kCmdReplace)))
    return {};
  if (c == cli::kCmdNone) return {};
  // --noflush: a compiled chain is changed by a restore only as a whole (its chain line
  // empties it first); a command on its rules as they are is refused.
  if (opts_.noflush && !compiled_.empty() && compile::is_write(cmd)) {
    const bool all = cmd.chain.empty() || (c & cli::kCmdRenameChain);
    if (all || (compiled_.count(cmd.chain) && !reset_.count(cmd.chain))) {
      Status refused = compile::check_restore(session_.family(), name_, compiled_);
      return at_line(refused.take_error(), line);
    }
  }
  // At COMMIT iptables-restore checks a rule's jump target before anything else about it
  // (and before -v says what it adds).
  if (c &
      (cli::kCmdAppend | cli::kCmdInsert | cli::kCmdDelete | cli::kCmdCheck | cli::kCmdReplace)) {
    for (const auto& r : cmd.rules) note_jump(r);
    if (missing_jump_) return {};
  }
  if (c == cli::kCmdAppend || (c == cli::kCmdInsert && cmd.rulenum <= 1))
    return add_rules(cmd, line);
  if (c == cli::kCmdInsert) return insert_at(cmd, line);
  if (c == cli::kCmdDelete || c == cli::kCmdCheck) return delete_or_check(cmd, line);
  if (c == cli::kCmdDeleteNum || c == cli::kCmdReplace) return by_number(cmd, line);
  if (c & (cli::kCmdList | cli::kCmdListRules)) return list(cmd, line);
  if (c == cli::kCmdZero || c == cli::kCmdZeroNum) return zero(cmd, line);
  if ((c == cli::kCmdFlush || c == cli::kCmdDeleteChain) && cmd.chain.empty())
    return flush_or_delete_all(cmd, line);
  return chain_command(cmd, line);
}

Status TableRestore::add_rules(cli::Command& cmd, int line) {
  if (!is_builtin(cmd.chain) && !chains_.count(cmd.chain)) {
    // iptables-nft-restore says what it appends (not what it inserts), then finds the chain
    // missing.
    if (cmd.verbose && cmd.command == cli::kCmdAppend && !cmd.rules.empty())
      print_verbose(cli::verbose_rule(cmd.rules.front(), session_.family()));
    return failed(line, kNoChain);
  }
  return put_rules(cmd, line, nullptr, 0);
}

// -I CHAIN N with N > 1: before the rule now at N. One past the end appends the first rule of
// the line; each next one then goes before the rule now at N, as iptables-nft inserts them.
Status TableRestore::insert_at(cli::Command& cmd, int line) {
  if (!is_builtin(cmd.chain) && !chains_.count(cmd.chain)) return failed(line, kNoChain);
  auto vr = loaded_view(cmd.chain);
  if (!vr) return vr.take_error();
  ChainView& v = **vr;
  const std::size_t at = static_cast<std::size_t>(cmd.rulenum - 1);
  if (at >= v.rules.size() && !(at == v.rules.size() && at > 0))
    return failed(line, "Index of insertion too big.");
  return put_rules(cmd, line, &v, at);
}

// The rules of an -A or -I line. With `view`, each goes before the rule at `at`, named by its
// handle or, for a rule of this batch, its NFTA_RULE_ID; with no rule at `at`, it is appended.
Status TableRestore::put_rules(cli::Command& cmd, int line, ChainView* view, std::size_t at) {
  ensure_table(line);
  ensure_base(cmd.chain, line);
  bool first_rule = true;
  for (auto& r : cmd.rules) {
    // Each rule of a multi-address line is preceded by the table, as for the first.
    if (!first_rule) ensure_table(line);
    first_rule = false;
    auto o = encode(r, cmd.chain);
    if (!o) return o.take_error();
    if (cmd.verbose)
      print_verbose(
          cli::verbose_rule(codec::read_back(r, o->exprs, session_.family()), session_.family()));
    const bool append = cmd.command == cli::kCmdAppend || (view && at == view->rules.size());
    if (view && !append) {
      Entry& ref = view->rules[at];
      if (ref.message == kNoMessage) {
        o->position = ref.rule.handle;
      } else {
        if (!ref.id) {
          ref.id = next_rule_id_++;
          msgs_.set_rule_id(ref.message, ref.id);
        }
        o->position_id = ref.id;
      }
    }
    nft::Message m = core::rule_msg(nft::MsgType::NewRule,
                                    static_cast<std::uint16_t>(nft::kNlmRequest | nft::kNlmCreate |
                                                               (append ? nft::kNlmAppend : 0)),
                                    std::move(*o), append ? "RULE_APPEND" : "RULE_INSERT");
    Entry e{tracking_ ? m.rule : nft::RuleObj{}, msgs_.size(), 0};
    add(std::move(m), line);
    if (view)
      view->rules.insert(view->rules.begin() + static_cast<std::ptrdiff_t>(at), std::move(e));
    else
      track_added(cmd.chain, std::move(e), !append);
  }
  return {};
}

Status TableRestore::delete_or_check(const cli::Command& cmd, int line) {
  if (!is_builtin(cmd.chain) && !chains_.count(cmd.chain)) return failed(line, kBadRule);
  auto vr = loaded_view(cmd.chain);
  if (!vr) return vr.take_error();
  ChainView& v = **vr;
  for (const auto& r : cmd.rules) {
    // As the commands do: the expressions it would be sent as first (no decoding), then the
    // save form, for a rule another tool wrote differently.
    std::size_t i = 0;
    auto want = encode(r, cmd.chain);
    if (want)
      while (i < v.rules.size() && !core::same_expressions(v.rules[i].rule.exprs, want->exprs)) ++i;
    if (!want || i == v.rules.size()) {
      const std::string key = cli::rule_spec(r, session_.family());
      i = 0;
      while (i < v.rules.size() && spec_of(v.rules[i].rule) != key) ++i;
    }
    if (i == v.rules.size()) return failed(line, kBadRule);
    if (cmd.verbose)
      print_verbose(cli::verbose_rule(
          want ? codec::read_back(r, want->exprs, session_.family()) : model::Rule(r),
          session_.family()));
    if (cmd.command == cli::kCmdDelete) delete_entry(v, i, line);
  }
  return {};
}

Status TableRestore::by_number(const cli::Command& cmd, int line) {
  // A built-in chain the table lacks is missing here too (unless a listing faked it).
  if (!chains_.count(cmd.chain)) return failed(line, kNoChain);
  auto vr = loaded_view(cmd.chain);
  if (!vr) return vr.take_error();
  ChainView& v = **vr;
  const std::size_t at = static_cast<std::size_t>(cmd.rulenum - 1);
  const bool del = cmd.command == cli::kCmdDeleteNum;
  if (at >= v.rules.size())
    return failed(line, del ? "Index of deletion too big." : "Index of replacement too big.");
  if (del) {
    delete_entry(v, at, line);
    return {};
  }
  const model::Rule& r = cmd.rules.front();
  auto o = encode(r, cmd.chain);
  if (!o) return o.take_error();
  if (cmd.verbose)
    print_verbose(
        cli::verbose_rule(codec::read_back(r, o->exprs, session_.family()), session_.family()));
  ensure_base(cmd.chain, line);  // where a regular chain has the name: refused by the kernel
  o->handle = v.rules[at].rule.handle;
  nft::Message m =
      core::rule_msg(nft::MsgType::NewRule, nft::kNlmRequest | nft::kNlmReplace | nft::kNlmCreate,
                     *o, "RULE_REPLACE");
  v.rules[at] = Entry{std::move(*o), msgs_.size(), 0};
  add(std::move(m), line);
  return {};
}

// -Z [CHAIN [N]]: base chains get their counters zeroed, the kernel's rules are replaced by
// themselves with zeroed counters.
Status TableRestore::zero(const cli::Command& cmd, int line) {
  if (!cmd.chain.empty() && !chains_.count(cmd.chain)) {
    // A rule of a chain that is not there: iptables-nft-restore fails without a reason.
    return failed(line, cmd.command == cli::kCmdZeroNum ? "" : kNoChain);
  }
  if (cmd.chain.empty() && cmd.verbose) sort_chains_once();
  std::vector<std::string> names =
      cmd.chain.empty() ? chains_in_order() : std::vector<std::string>{cmd.chain};
  for (const auto& name : names) {
    if (cmd.verbose && cmd.command == cli::kCmdZero)
      print_verbose("Zeroing chain `" + name + "'\n");
    if (bases_.count(name) && cmd.command == cli::kCmdZero) {
      nft::Message m = core::new_base_chain_msg(name_, name, 1);
      const nft::ChainObj* k = kernel_chain(name);
      if (k) {
        m.chain = *k;  // the chain as the kernel has it, as iptables-nft's cache keeps it
        m.chain.handle.reset();
      }
      m.chain.counters = std::make_pair(0, 0);
      m.op_name = "CHAIN_ZERO";
      add(m, line);
    }
    auto vr = loaded_view(name);
    if (!vr) return vr.take_error();
    std::size_t n = 0;
    for (const Entry& e : (*vr)->rules) {
      ++n;
      if (cmd.command == cli::kCmdZeroNum && n != static_cast<std::size_t>(cmd.rulenum)) continue;
      if (e.message != kNoMessage) continue;  // added by this batch with its own counters
      if (cmd.command == cli::kCmdZeroNum) {
        ensure_base(name, line);  // iptables-nft adds the rule again, making the chain first
        add(core::zeroed_rule_msg(e.rule, session_.family()), line);
      } else if (auto m = core::chain_zero_rule_msg(e.rule))
        add(std::move(*m), line);
    }
  }
  return {};
}

// -L / -S: the table as the batch leaves it so far, printed at COMMIT with what -v prints.
// As in iptables-nft-restore's cache, policy lines of the input do not show: a base chain has
// the kernel's policy and counters under --noflush, else ACCEPT and zero.
Status TableRestore::list(const cli::Command& cmd, int line) {
  if (!cmd.chain.empty() && !is_builtin(cmd.chain) && !chains_.count(cmd.chain))
    return defer(core::incompatible_error(name_, cmd.chain));
  model::Table t;
  t.name = name_;
  // A built-in name stands for the base chain only where the table has it (else a faked one
  // is listed); a regular chain of that name is listed with the user chains.
  auto list_chain = [&](const std::string& name, bool builtin) -> Status {
    model::Chain ch;
    ch.name = name;
    ch.builtin = builtin;
    const bool have = builtin ? bases_.count(name) > 0 : chains_.count(name) > 0;
    const nft::ChainObj* k = have ? kernel_chain(name) : nullptr;
    if (opts_.noflush && k) {
      ch.policy_accept = k->policy.value_or(1) == 1;
      if (k->counters) ch.policy_counters = {k->counters->first, k->counters->second};
      ch.use = k->use.value_or(0);
    }
    if (have) {
      auto v = loaded_view(name);
      if (!v) return v.take_error();
      for (const Entry& e : (*v)->rules)
        ch.rules.push_back(codec::decode_rule(e.rule.exprs, session_.family()));
    }
    t.chains.push_back(std::move(ch));
    return {};
  };
  if (cmd.chain.empty()) sort_chains_once();
  for (const auto& bc : spec_->chains) CX_TRY(list_chain(std::string(bc.name), true));
  for (const auto& c : order_)
    if (!bases_.count(c)) CX_TRY(list_chain(c, false));
  if (opts_.noflush && table_in_kernel_)
    for (const auto& c : state_->chains)
      if (core::is_foreign_base_chain(*spec_, c)) t.foreign_base_chains.push_back(c.name);
  std::string out;
  Status listed = core::list_table(t, cmd, session_.family(), out);
  print_verbose(out);
  // The base chains the listing faked (all, or the one named) stay in iptables-nft's cache as
  // if they existed: later lines of the table do not make them (and the kernel may refuse).
  for (const auto& bc : spec_->chains) {
    const std::string n(bc.name);
    if (bases_.count(n) || (!cmd.chain.empty() && cmd.chain != n)) continue;
    bases_.insert(n);
    if (add_chain(n)) views_[n] = emptied_view();
  }
  if (!listed) return defer(listed.take_error());
  if (cmd.command & (cli::kCmdZero | cli::kCmdZeroNum)) {
    cli::Command z = cmd;
    z.command &= cli::kCmdZero | cli::kCmdZeroNum;
    // The base chains the listing faked are in bases_ now: -Z zeroes (so makes) them too.
    return zero(z, line);
  }
  return {};
}

Status TableRestore::flush_or_delete_all(const cli::Command& cmd, int line) {
  if (cmd.command == cli::kCmdFlush) {
    if (cmd.verbose) {
      // iptables-nft makes every built-in chain first, then flushes each chain.
      ensure_table(line);
      for (const auto& bc : spec_->chains) ensure_base(std::string(bc.name), line);
      sort_chains_once();
      for (const auto& c : chains_in_order()) {
        print_verbose("Flushing chain `" + c + "'\n");
        CX_TRY(flush_chain(c, line));
      }
      return {};
    }
    if (state_->exists && table_in_kernel_) {
      nft::Message m;
      m.type = nft::MsgType::DelRule;
      m.flags = nft::kNlmRequest;
      m.rule.table = name_;
      m.op_name = "TABLE_FLUSH";
      m.object_text = "table " + name_;
      add(m, line);
    }
    for (const auto& c : chains_) views_[c] = emptied_view();
    return {};
  }
  // The built-in chains first: each one whose policy is ACCEPT and that has no rules is
  // deleted (silently), as iptables-nft deletes unused base chains.
  for (const auto& bc : spec_->chains) {
    const std::string n(bc.name);
    if (!bases_.count(n)) continue;
    if (auto p = base_policy_.find(n); p != base_policy_.end() && p->second != 1) continue;
    auto v = loaded_view(n);
    if (!v) return v.take_error();
    if (!(*v)->rules.empty()) continue;
    add(chain_del_msg(core::new_base_chain_msg(name_, n, 1).chain), line);
    drop_chain(n);
    bases_.erase(n);
    base_policy_.erase(n);
    views_.erase(n);
  }
  // Then every user chain of iptables-nft's cache: the kernel's and those made before.
  if (cmd.verbose) sort_chains_once();
  for (const auto& name : std::vector<std::string>(order_)) {
    if (bases_.count(name)) continue;
    if (cmd.verbose) print_verbose("Deleting chain `" + name + "'\n");
    nft::ChainObj o;
    o.table = name_;
    o.name = name;
    if (const nft::ChainObj* k = kernel_chain(name)) o.use = k->use;
    add(chain_del_msg(std::move(o)), line);
    drop_chain(name);
    views_.erase(name);
  }
  return {};
}

Status TableRestore::chain_command(const cli::Command& cmd, int line) {
  const unsigned c = cmd.command;
  const bool builtin = !cmd.chain.empty() && is_builtin(cmd.chain);
  const bool have = chains_.count(cmd.chain) > 0;
  if (c == cli::kCmdNewChain) {
    if (have || builtin) return failed(line, "Chain already exists.");
    ensure_table(line);
    add(new_user_chain_msg(name_, cmd.chain), line);
    add_chain(cmd.chain);
    views_[cmd.chain] = emptied_view();
    return {};
  }
  if (c == cli::kCmdFlush) {
    if (!have && !builtin) return failed(line, kNoChain);
    if (cmd.verbose) print_verbose("Flushing chain `" + cmd.chain + "'\n");
    if (!have) {
      // "-F INPUT" with no INPUT in the kernel: the table and that base chain are made
      // (empty, so there is nothing to flush).
      ensure_table(line);
      ensure_base(cmd.chain, line);
      return {};
    }
    return flush_chain(cmd.chain, line);
  }
  if (c == cli::kCmdDeleteChain) {
    if (!have) return failed(line, kNoChain);
    if (cmd.verbose) print_verbose("Deleting chain `" + cmd.chain + "'\n");
    nft::ChainObj o;
    o.table = name_;
    o.name = cmd.chain;
    add(chain_del_msg(std::move(o)), line);
    drop_chain(cmd.chain);
    views_.erase(cmd.chain);
    return {};
  }
  if (c == cli::kCmdRenameChain) {
    if (chains_.count(cmd.new_name) || is_builtin(cmd.new_name))
      return failed(line, "File exists.");
    if (!have) return failed(line, kNoChain);
    // Named by its handle; a chain of this batch has none yet, and the kernel refuses that.
    const nft::ChainObj* k = kernel_chain(cmd.chain);
    nft::ChainObj c;
    c.table = name_;
    c.name = cmd.new_name;
    c.handle = k ? k->handle.value_or(0) : 0;
    add(core::chain_msg(nft::MsgType::NewChain, nft::kNlmRequest, std::move(c), "CHAIN_RENAME"),
        line);
    return {};
  }
  if (c == cli::kCmdSetPolicy) {
    if (!builtin) return failed(line, "Bad built-in chain name.");
    ensure_table(line);
    ensure_base(cmd.chain, line);
    nft::Message m = core::new_base_chain_msg(name_, cmd.chain, cmd.new_name == "ACCEPT");
    m.chain.counters = std::make_pair(0, 0);
    add(m, line);
    base_policy_[cmd.chain] = cmd.new_name == "ACCEPT";
    return {};
  }
  return failed(line, kNoChain);
}

Status TableRestore::commit(int line, bool& restart) {
  restart = false;
  // --test: iptables-nft-restore drops the table's commands unrun, so it neither checks
  // them against the ruleset nor says what they would do.
  if (opts_.test) return session_.netlink().send_test_batch();
  // Otherwise it runs them at COMMIT, and -v speaks as they run.
  if (opts_.verbose_out) *opts_.verbose_out += verbose_;
  verbose_.clear();
  if (missing_jump_)
    return Error{ErrorKind::Parameter, "Chain '" + *missing_jump_ + "' does not exist",
                 ErrorStyle::Versioned, line};
  if (deferred_) return *deferred_;
  if (opts_.table && *opts_.table != name_) return {};
  std::optional<nft::Batch> compiled;
  if (!chains_to_compile().empty()) {
    auto b = compiled_batch(line);
    if (!b) return b.take_error();
    compiled = std::move(*b);
  }
  // The kernel refused messages: each is named with its line, on a line of its own
  // ("iptables-restore v1.8.9 (nf_tables): \nline 12: CHAIN_DEL failed (...)").
  if (Status committed = session_.commit(compiled ? *compiled : msgs_, restart); !committed) {
    Error e = committed.take_error();
    // Not a refusal of one message (a reply too long to read): "line N failed: ..." with the
    // line of the table's last command.
    if (e.kind != ErrorKind::Resource)
      e.message = "line " + std::to_string(last_command_line_) + " failed: " + e.message;
    return e;
  }
  return {};
}

std::set<std::string> TableRestore::chains_to_compile() const {
  std::set<std::string> out;
  if (opts_.compile_exactly) {
    auto it = opts_.compile_exactly->find(name_);
    if (it == opts_.compile_exactly->end()) return out;
    for (const auto& chain : chains_)
      if ((fresh_ || reset_.count(chain)) && it->second.count(chain)) out.insert(chain);
    return out;
  }
  if (!opts_.optimize && compiled_.empty()) return out;
  for (const auto& chain : chains_) {
    const bool whole = fresh_ || reset_.count(chain);
    if (whole && (opts_.optimize || compiled_.count(chain))) out.insert(chain);
  }
  return out;
}

// The rule messages of the chains of `rc` applied to their lists and compiled, a group of
// chains of at most kGroupRules rules at a time (one pass over the batch each: only one
// group's lists are held at once). `rebuilt`: the chains read; `kept`: those of them that got
// no lookup (their messages stay).
Result<nft::Batch> TableRestore::compile_in_groups(compile::Recompile& rc,
                                                   std::map<std::string, std::size_t>& counts,
                                                   std::set<std::string>& kept,
                                                   std::set<std::string>& rebuilt, int line) const {
  constexpr std::size_t kGroupRules = 16384;
  nft::Batch tail(session_.family());
  std::map<std::string, std::vector<nft::RuleObj>> pending = std::move(rc.views);
  while (!pending.empty()) {
    rc.views.clear();
    std::size_t rules = 0;
    for (auto it = pending.begin();
         it != pending.end() && (rc.views.empty() || rules + counts[it->first] <= kGroupRules);) {
      rules += counts[it->first];
      rebuilt.insert(it->first);
      rc.views.insert(pending.extract(it++));
    }
    Status failure;
    msgs_.for_each_message([&](const nlmsghdr* n) {
      auto chain = nft::batch_rule_chain(n);
      if (!chain) return;
      if (chain->empty()) {  // a flush of the table
        for (auto& [name, view] : rc.views) view.clear();
        return;
      }
      auto it = rc.views.find(*chain);
      if (it == rc.views.end()) return;
      auto m = nft::batch_rule_message(n);
      if (!m) return;
      if (Status st = compile::apply_rule_message(it->second, std::move(*m)); !st && failure)
        failure = std::move(st);
    });
    CX_TRY(failure);
    rc.kept = &kept;
    auto group = compile::compile_views(rc);
    if (!group) return group.take_error();
    for (auto& m : *group) {
      m.line = line;
      tail.add(m);
    }
  }
  return tail;
}

// The batch with the rule messages of every chain to compile taken out, applied to its list
// (which starts empty: the chain is new or was emptied), and the lists compiled at the end.
Result<nft::Batch> TableRestore::compiled_batch(int line) const {
  static const std::vector<nft::SetObj> none;
  compile::Recompile rc{
      name_, session_.family(), {}, fresh_ && state_->exists ? none : kernel_sets_};
  for (const auto& chain : chains_to_compile()) {
    rc.views[chain];
    if (opts_.optimize) rc.min_run[chain] = *opts_.optimize;
  }
  for (const auto& set : kernel_sets_)  // an anchored chain stays so, with its minimum run
    if (auto chain = compile::chain_of_set(set.name); chain && rc.views.count(*chain))
      if (auto k = compile::anchor_min_run(set.name)) {
        rc.min_run[*chain] = *k;
        rc.anchor.insert(*chain);
      }
  // A chain with fewer rule messages than its minimum run cannot get a lookup: unless it had
  // sets before or is to be anchored, it keeps its messages and is not read back at all.
  std::map<std::string, std::size_t> counts;
  msgs_.for_each_message([&](const nlmsghdr* n) {
    if (auto chain = nft::batch_rule_chain(n); chain && !chain->empty()) ++counts[*chain];
  });
  for (auto it = rc.views.begin(); it != rc.views.end();) {
    const auto k = rc.min_run.find(it->first);
    const std::size_t min = k == rc.min_run.end() ? compile::Options{}.min_run : k->second;
    const bool needed = compiled_.count(it->first) || rc.anchor.count(it->first);
    it = !needed && counts[it->first] < min ? rc.views.erase(it) : std::next(it);
  }
  std::set<std::string> kept, rebuilt;
  auto tail = compile_in_groups(rc, counts, kept, rebuilt, line);
  if (!tail) return tail.take_error();
  for (const auto& chain : kept) rebuilt.erase(chain);
  nft::Batch out = msgs_.rebuilt([&](const nlmsghdr* n) {
    auto chain = nft::batch_rule_chain(n);
    return !chain || !rebuilt.count(*chain);
  });
  out.append(*tail);
  return out;
}

}  // namespace cx::restore
