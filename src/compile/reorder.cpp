// Bringing rules of one class together (see reorder.h).
#include "compile/reorder.h"

#include <algorithm>
#include <iterator>
#include <map>
#include <optional>
#include <string>

namespace cx::compile {
namespace {

constexpr std::size_t kMaxOpenGroups = 16;
constexpr std::size_t kMaxSpans = 64;

// A field's value as a number (every field is at most 16 big-endian bytes).
using Value = unsigned __int128;
Value value_of(const Bytes& b) {
  Value v = 0;
  for (std::uint8_t x : b) v = (v << 8) | x;
  return v;
}

// The footprints of the rules placed so far, each with its position (the anchor it stands
// at), by -p (-1: none). Within a part, per field: merged spans of the values footprints
// give, each with the last position that gave one of them, and the last position of a
// footprint that does not test the field. A key meets no footprint placed after position `a`
// when, within each part it could meet, some field that every such footprint tests has no
// span after `a` in common with the key.
class Placed {
 public:
  void add(const RuleKey& fp, std::size_t pos) {
    Part& part = parts_[proto_of(fp)];
    for (Field f : kFields) {
      const auto k = static_cast<std::size_t>(f);
      if (!fp.shape.has(f)) {
        part.loose[k] = std::max(part.loose[k], static_cast<long>(pos));
        continue;
      }
      for (const Interval& i : fp.values[k]) put(part.spans[k], i, pos);
    }
  }
  bool may_meet(const RuleKey& key, std::size_t after) const {
    const int proto = proto_of(key);
    for (const auto& [p, part] : parts_)
      if ((proto < 0 || p < 0 || p == proto) && part_may_meet(part, key, after)) return true;
    return false;
  }
  void clear() { parts_.clear(); }

 private:
  using Spans = std::map<Value, std::pair<Value, std::size_t>>;  // lo -> (hi, last position)
  struct Part {
    std::array<Spans, kFieldCount> spans;
    std::array<long, kFieldCount> loose{-1, -1, -1, -1, -1, -1, -1};
  };
  static int proto_of(const RuleKey& k) {
    return k.shape.has(Field::Proto) ? k.values[static_cast<std::size_t>(Field::Proto)][0].lo[0]
                                     : -1;
  }
  static void put(Spans& spans, const Interval& i, std::size_t pos) {
    Value lo = value_of(i.lo), hi = value_of(i.hi);
    auto it = spans.upper_bound(hi);
    while (it != spans.begin()) {
      auto p = std::prev(it);
      if (p->second.first < lo) break;
      lo = std::min(lo, p->first);
      hi = std::max(hi, p->second.first);
      pos = std::max(pos, p->second.second);
      it = spans.erase(p);
    }
    spans.emplace(lo, std::make_pair(hi, pos));
  }
  // Whether a span meeting `i` was given after `after`; past kMaxSpans spans that meet it,
  // yes (a rule then stays where it is).
  static bool meets(const Spans& spans, const Interval& i, std::size_t after) {
    const Value lo = value_of(i.lo);
    auto it = spans.upper_bound(value_of(i.hi));
    for (std::size_t seen = 0; it != spans.begin(); ++seen) {
      --it;
      if (it->second.first < lo) return false;  // spans are disjoint: none further meets
      if (it->second.second > after || seen >= kMaxSpans) return true;
    }
    return false;
  }
  static bool part_may_meet(const Part& part, const RuleKey& key, std::size_t after) {
    for (Field f : key.shape.fields()) {
      const auto k = static_cast<std::size_t>(f);
      if (part.loose[k] > static_cast<long>(after)) continue;
      const auto& values = key.values[k];
      if (std::none_of(values.begin(), values.end(),
                       [&](const Interval& i) { return meets(part.spans[k], i, after); }))
        return false;
    }
    return true;
  }

  std::map<int, Part> parts_;
};

// Rules of one class that stand together at the position of the first of them (its anchor).
struct Group {
  std::size_t anchor;
  std::string klass;
  OverlapIndex own;  // the members' elements
};

// Rules of one class can share a lookup: same shape and spelling, and one verdict or
// verdicts a verdict map holds.
std::string class_of(const RuleKey& key, const Verdict& v) {
  std::string out = key.spelling;
  out += '\n';
  out += static_cast<char>(key.shape.bits);
  out += '\n';
  return out + (is_mappable(v) ? "map" : verdict_key(v));
}

bool may_join(const Group& g, const Placed& placed, const RuleKey& key,
              const std::vector<Key>& elements) {
  for (const Key& e : elements)
    if (g.own.overlaps(e)) return false;
  return !placed.may_meet(key, g.anchor);
}

}  // namespace

bool is_identity(const std::vector<std::size_t>& order) {
  for (std::size_t k = 0; k < order.size(); ++k)
    if (order[k] != k) return false;
  return true;
}

std::vector<std::size_t> regroup(const std::vector<model::Rule>& rules, Family family,
                                 const Options& options) {
  return regroup(rules, rule_facts(rules, family, options), family);
}

std::vector<std::size_t> regroup(const std::vector<model::Rule>& rules,
                                 const std::vector<RuleFacts>& facts, Family family) {
  std::vector<std::vector<std::size_t>> slots(rules.size());  // by anchor
  std::vector<Group> open;                                    // by anchor
  Placed placed;
  for (std::size_t i = 0; i < rules.size(); ++i) {
    const auto& key = facts[i].key;
    const Verdict& v = facts[i].verdict;
    // A key-shaped rule's footprint is its key.
    Footprint other;
    if (!key) other = rule_footprint(rules[i], family);
    const RuleKey& fp = key ? *key : other.key;
    if (!(key || other.stateless) || fp.shape.empty()) {  // nothing passes it
      open.clear();
      placed.clear();
      slots[i].push_back(i);
      continue;
    }
    const std::string klass = key ? class_of(*key, v) : std::string();
    auto g = key ? std::find_if(open.begin(), open.end(),
                                [&](const Group& x) { return x.klass == klass; })
                 : open.end();
    const std::vector<Key> elements = key ? key->elements() : std::vector<Key>{};
    if (g != open.end() && may_join(*g, placed, fp, elements)) {
      slots[g->anchor].push_back(i);
      for (const Key& e : elements) g->own.insert(e);
      placed.add(fp, g->anchor);
      continue;
    }
    slots[i].push_back(i);
    placed.add(fp, i);
    if (!key) continue;
    if (g != open.end()) open.erase(g);
    if (open.size() >= kMaxOpenGroups) open.erase(open.begin());
    open.push_back(Group{i, klass, OverlapIndex(key->shape.size())});
    for (const Key& e : elements) open.back().own.insert(e);
  }
  std::vector<std::size_t> out;
  out.reserve(rules.size());
  for (auto& slot : slots) out.insert(out.end(), slot.begin(), slot.end());
  return out;
}

}  // namespace cx::compile
