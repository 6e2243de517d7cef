// The planner (see plan.h): greedy runs of consecutive key-shaped rules with one shape,
// compatible verdicts and pairwise disjoint keys.
#include "compile/plan.h"

#include <iterator>
#include <map>
#include <set>

#include "ext/extension.h"

namespace cx::compile {
namespace {

// The run being built.
class Run {
 public:
  Run(std::size_t index, const RuleKey& key, const Verdict& v, std::size_t max_ranged)
      : segment_{SegmentKind::Lookup, {}, key.shape, key.spelling, LookupKind::Set, v, {}, {},
                 key.residual},
        index_(key.shape.size()),
        max_ranged_(max_ranged) {
    add(index, key, v);
  }
  // Whether the rule may join: same shape and spelling, a verdict the run can still hold, no
  // overlap.
  bool accepts(const RuleKey& key, const Verdict& v) const;
  void add(std::size_t index, const RuleKey& key, const Verdict& v);
  std::size_t size() const { return segment_.rules.size(); }
  Segment take();

 private:
  Segment segment_;
  OverlapIndex index_;
  bool uniform_ = true, mappable_ = true;
  std::size_t max_ranged_;
  bool ranged_ = false;  // a key of several fields holds a range
};

bool has_range(const RuleKey& key) {
  for (Field f : key.shape.fields())
    for (const Interval& i : key.values[static_cast<std::size_t>(f)])
      if (!i.exact()) return true;
  return false;
}

bool Run::accepts(const RuleKey& key, const Verdict& v) const {
  if (!(key.shape == segment_.shape) || key.spelling != segment_.spelling) return false;
  if (!(uniform_ && v == segment_.verdict) && !(mappable_ && is_mappable(v))) return false;
  if (segment_.shape.size() > 1 && (ranged_ || has_range(key)) &&
      segment_.elements.size() + key.element_count() > max_ranged_)
    return false;
  for (const Key& k : key.elements())
    if (index_.overlaps(k)) return false;
  return true;
}

void Run::add(std::size_t index, const RuleKey& key, const Verdict& v) {
  uniform_ = uniform_ && v == segment_.verdict;
  mappable_ = mappable_ && is_mappable(v);
  ranged_ = ranged_ || (segment_.shape.size() > 1 && has_range(key));
  segment_.rules.push_back(index);
  segment_.comments.push_back(key.comment);
  for (Key& k : key.elements()) {
    index_.insert(k);
    segment_.elements.push_back(Element{std::move(k), v, index});
  }
}

Segment Run::take() {
  segment_.lookup = uniform_ ? LookupKind::Set : LookupKind::VerdictMap;
  if (!uniform_) segment_.verdict = Verdict{};
  return std::move(segment_);
}

void append_linear(std::vector<Segment>& out, std::size_t index) {
  if (out.empty() || out.back().kind != SegmentKind::Linear) out.push_back(Segment{});
  out.back().rules.push_back(index);
}

void close_run(std::vector<Segment>& out, std::optional<Run>& run, const Options& options) {
  if (!run) return;
  if (run->size() >= options.min_run) {
    out.push_back(run->take());
  } else {
    for (std::size_t i : run->take().rules) append_linear(out, i);
  }
  run.reset();
}

}  // namespace

std::optional<RuleKey> compilable_key(const model::Rule& rule, const Verdict& v, Family family,
                                      const Options& options) {
  if (flow_of(v) == Flow::Continue) return std::nullopt;
  auto key = rule_key(rule, family);
  if (!key || key->element_count() > options.max_elements_per_rule) return std::nullopt;
  return key;
}

Verdict verdict_of(const model::Rule& rule, Family family) {
  Verdict v{rule.verdict, {}, {}};
  if (rule.verdict == model::VerdictKind::Jump || rule.verdict == model::VerdictKind::Goto)
    v.chain = rule.jump_chain;
  if (rule.verdict == model::VerdictKind::Target && rule.target) {
    v.target = std::string(rule.target->name());
    rule.target->save(v.target, ext::SaveContext{family, &rule.ip});
  }
  return v;
}

std::string verdict_key(const Verdict& v) {
  return std::to_string(static_cast<int>(v.kind)) + " " + v.chain + " " + v.target;
}

bool is_terminal_target(std::string_view name) {
  for (std::string_view t :
       {"REJECT", "DNAT", "SNAT", "MASQUERADE", "REDIRECT", "NETMAP", "NFQUEUE"})
    if (name == t) return true;
  return false;
}

Flow flow_of(const Verdict& v) {
  switch (v.kind) {
    case model::VerdictKind::None:
      return Flow::Continue;
    case model::VerdictKind::Jump:
      return Flow::Call;
    case model::VerdictKind::Target: {
      std::string_view name(v.target);
      name = name.substr(0, name.find(' '));
      return is_terminal_target(name) ? Flow::End : Flow::Continue;
    }
    default:
      return Flow::End;
  }
}

bool is_mappable(const Verdict& v) {
  using K = model::VerdictKind;
  return v.kind == K::Accept || v.kind == K::Drop || v.kind == K::Return || v.kind == K::Jump ||
         v.kind == K::Goto;
}

std::size_t Plan::lookup_rules() const {
  std::size_t n = 0;
  for (const Segment& s : segments)
    if (s.kind == SegmentKind::Lookup) n += s.rules.size();
  return n;
}

std::vector<RuleFacts> rule_facts(const std::vector<model::Rule>& rules, Family family,
                                  const Options& options) {
  std::vector<RuleFacts> out;
  out.reserve(rules.size());
  for (const auto& r : rules) {
    RuleFacts f{verdict_of(r, family), std::nullopt};
    f.key = compilable_key(r, f.verdict, family, options);
    out.push_back(std::move(f));
  }
  return out;
}

Result<Plan> plan_chain(const std::vector<model::Rule>& rules, Family family,
                        const Options& options) {
  return plan_chain(rule_facts(rules, family, options), family, options);
}

Result<Plan> plan_chain(const std::vector<RuleFacts>& facts, Family family,
                        const Options& options) {
  if (options.min_run == 0 || options.max_elements_per_rule == 0)
    return other_error("compile: min_run and max_elements_per_rule must be at least 1");
  Plan plan{family, {}};
  std::optional<Run> run;
  for (std::size_t i = 0; i < facts.size(); ++i) {
    const Verdict& v = facts[i].verdict;
    const auto& key = facts[i].key;
    if (key && run && run->accepts(*key, v)) {
      run->add(i, *key, v);
      continue;
    }
    close_run(plan.segments, run, options);
    if (key)
      run.emplace(i, *key, v, options.max_ranged_concat);
    else
      append_linear(plan.segments, i);
  }
  close_run(plan.segments, run, options);
  return plan;
}

}  // namespace cx::compile
