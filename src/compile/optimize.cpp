#include "compile/optimize.h"

#include <algorithm>
#include <set>

#include "codec/rule_codec.h"
#include "compile/edit.h"
#include "compile/emit.h"
#include "compile/expand.h"
#include "compile/userdata.h"
#include "core/tables.h"

namespace cx::compile {

namespace {

constexpr const char* kLeftAsIs = "holds rules iptables cannot list: left as is";

// What one attempt found in the kernel: the table's chains (named or all) and its sets.
struct TableView {
  std::vector<std::string> chains;
  std::set<std::string> compiled;
  std::vector<std::string> sets;
};

Result<TableView> view_table(core::Session& s, const OptimizeRequest& req) {
  CX_TRY(s.refresh());
  auto ts = s.state(req.table);
  if (!ts) return ts.take_error();
  if (!(*ts)->exists) return other_error("table `" + req.table + "' does not exist");
  CX_TRY(s.load_chains(**ts));
  TableView v;
  const core::TableSpec* spec = core::find_table(req.table);
  for (const auto& c : (*ts)->chains) {
    if (spec && core::is_foreign_base_chain(*spec, c)) continue;
    if (req.chains.empty() ||
        std::find(req.chains.begin(), req.chains.end(), c.name) != req.chains.end())
      v.chains.push_back(c.name);
  }
  for (const auto& want : req.chains)
    if (std::find(v.chains.begin(), v.chains.end(), want) == v.chains.end())
      return other_error("chain `" + want + "' does not exist in table `" + req.table + "'");
  auto sets = s.netlink().dump_sets(s.family(), req.table);
  if (!sets) return sets.take_error();
  for (const auto& set : *sets)
    if (auto chain = chain_of_set(set.name)) {
      v.compiled.insert(*chain);
      v.sets.push_back(set.name);
    }
  return v;
}

// Sends `msgs` as one batch, reading the table again when another writer came first.
template <class Build>
Result<std::vector<ChainReport>> with_retry(core::Session& s, const OptimizeRequest& req,
                                            Build build) {
  for (int attempt = 0;; ++attempt) {
    auto v = view_table(s, req);
    if (!v) return v.take_error();
    std::vector<nft::Message> msgs;
    auto reports = build(*v, msgs);
    if (!reports) return reports.take_error();
    if (msgs.empty()) return reports;
    bool restart = false;
    Status st = s.commit(msgs, restart);
    if (restart && attempt < 100) continue;
    if (!st) return st.take_error();
    return reports;
  }
}

ChainReport report_of(const std::string& chain, const Plan& plan) {
  ChainReport r;
  r.chain = chain;
  for (const auto& seg : plan.segments) {
    r.rules += seg.rules.size();
    if (seg.kind != SegmentKind::Lookup) continue;
    r.compiled += seg.rules.size();
    ++r.lookups;
  }
  return r;
}

Result<ChainReport> compile_chain(core::Session& s, const OptimizeRequest& req,
                                  const std::string& chain, std::uint32_t& next_id,
                                  std::vector<nft::Message>& msgs) {
  auto kernel = s.netlink().dump_rules(s.family(), req.table, chain);
  if (!kernel) return kernel.take_error();
  std::vector<model::Rule> rules;
  for (const auto& k : *kernel) {
    rules.push_back(codec::decode_rule(k.exprs, s.family(), k.userdata));
    if (rules.back().incompatible || !codec::listable(k.exprs)) {
      ChainReport r{chain, kernel->size(), 0, 0, kLeftAsIs};
      return r;
    }
  }
  EmitInput in{req.table, chain, s.family(), rules, *kernel};
  auto planned = plan_for_emit(rules, *kernel, in, req.options);
  if (!planned) return planned.take_error();
  if (!planned->order.empty()) in.order = &planned->order;
  const Plan& ready = planned->plan;
  ChainReport r = report_of(chain, ready);
  if (r.lookups == 0) {
    r.note = "no run long enough yet";
    return r;
  }
  auto chain_msgs = emit_chain(ready, in, next_id);
  if (!chain_msgs) return chain_msgs.take_error();
  for (auto& m : *chain_msgs) msgs.push_back(std::move(m));
  return r;
}

// The chain's rules as iptables-nft would hold them: lookup rules expanded, the others as
// the kernel has them; ready to be sent (no handles). With how many rules the kernel holds,
// how many of them are lookups.
struct PlainChain {
  std::vector<nft::RuleObj> rules;
  std::size_t kernel_rules = 0, lookups = 0;
};

Result<PlainChain> plain_rules(core::Session& s, const std::string& table,
                               const std::string& chain) {
  auto kernel = s.netlink().dump_rules(s.family(), table, chain);
  if (!kernel) return kernel.take_error();
  PlainChain out;
  out.kernel_rules = kernel->size();
  out.lookups =
      static_cast<std::size_t>(std::count_if(kernel->begin(), kernel->end(), is_compiled_rule));
  // A tail guard is a kernel rule that stands for none of the chain's rules.
  const auto guards =
      static_cast<std::size_t>(std::count_if(kernel->begin(), kernel->end(), is_guard));
  out.kernel_rules -= guards;
  out.lookups -= guards;
  Expander ex(s.netlink(), s.family(), table);
  std::uint64_t expanded = kViewHandleBase;  // tells expanded rules from the kernel's own
  ex.number_handles(&expanded);
  auto rules = expand_chain(ex, std::move(*kernel));
  if (!rules) return rules.take_error();
  for (auto& r : *rules) {
    if (r.handle && *r.handle >= kViewHandleBase)
      r.handle.reset();
    else
      r = resend(r, s.family());
  }
  out.rules = std::move(*rules);
  return out;
}

// A chain as it is: its rules as iptables lists them, how many a lookup holds, in how many.
Result<ChainReport> status_of(core::Session& s, const std::string& table,
                              const std::string& chain) {
  auto plain = plain_rules(s, table, chain);
  if (!plain) return plain.take_error();
  const std::size_t n = plain->rules.size();
  return ChainReport{chain, n, n - (plain->kernel_rules - plain->lookups), plain->lookups, ""};
}

}  // namespace

Result<std::vector<ChainReport>> optimize_on(core::Session& session, const OptimizeRequest& req) {
  return with_retry(
      session, req,
      [&](const TableView& v, std::vector<nft::Message>& msgs) -> Result<std::vector<ChainReport>> {
        std::vector<ChainReport> out;
        std::uint32_t next_id = 1;
        for (const auto& chain : v.chains) {
          if (v.compiled.count(chain)) {
            auto r = status_of(session, req.table, chain);
            if (!r) return r.take_error();
            r->note = "already compiled";
            out.push_back(std::move(*r));
            continue;
          }
          auto r = compile_chain(session, req, chain, next_id, msgs);
          if (!r) return r.take_error();
          // A chain with lookups is compiled; one named on the command line is marked
          // compiled even without (an anchor), so that its runs become sets as later
          // commands make them long enough (a fail2ban jail chain).
          if (r->note != kLeftAsIs && (r->lookups > 0 || !req.chains.empty()))
            msgs.push_back(anchor_set_msg(req.table, chain, req.options.min_run, next_id++));
          out.push_back(std::move(*r));
        }
        return out;
      });
}

Result<std::vector<ChainReport>> optimize_off(core::Session& session, const OptimizeRequest& req) {
  return with_retry(
      session, req,
      [&](const TableView& v, std::vector<nft::Message>& msgs) -> Result<std::vector<ChainReport>> {
        std::vector<ChainReport> out;
        for (const auto& chain : v.chains) {
          if (!v.compiled.count(chain)) continue;
          auto plain = plain_rules(session, req.table, chain);
          if (!plain) return plain.take_error();
          auto& rules = plain->rules;
          nft::RuleObj flush;
          flush.table = req.table;
          flush.chain = chain;
          msgs.push_back(
              core::rule_msg(nft::MsgType::DelRule, nft::kNlmRequest, flush, "RULE_FLUSH"));
          for (const auto& name : v.sets)
            if (chain_of_set(name) == chain) msgs.push_back(del_set_msg(req.table, name));
          for (auto& r : rules)
            msgs.push_back(core::rule_msg(nft::MsgType::NewRule,
                                          nft::kNlmRequest | nft::kNlmCreate | nft::kNlmAppend,
                                          std::move(r), "RULE_APPEND"));
          out.push_back({chain, rules.size(), 0, 0, "decompiled"});
        }
        return out;
      });
}

Result<std::vector<ChainReport>> optimize_status(core::Session& session,
                                                 const OptimizeRequest& req) {
  auto v = view_table(session, req);
  if (!v) return v.take_error();
  std::vector<ChainReport> out;
  for (const auto& chain : v->chains) {
    auto r = status_of(session, req.table, chain);
    if (!r) return r.take_error();
    if (v->compiled.count(chain) && r->lookups == 0) r->note = "compiled, no run long enough yet";
    out.push_back(std::move(*r));
  }
  return out;
}

}  // namespace cx::compile
