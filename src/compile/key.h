// The key fields a rule can be compiled on, and the key a rule gives: for each field it
// constrains, the set of values it accepts as disjoint intervals of big-endian bytes (so an
// address prefix, an iprange range, a port range, an exact interface name and an interface
// wildcard "eth+" are all intervals, and comparing bytes compares values).
//
// A rule is key-shaped when it tests nothing but these fields (plus -m comment) and none of
// them inverted; everything else about it then lies in its verdict. The fields are read from
// the model: -s -d -i -o -p from the IP header, ports and ranges from the save form of the
// tcp, udp, multiport and iprange matches (their only public view).
#pragma once
#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "model/family.h"
#include "model/rule.h"

namespace cx::compile {

// In the order of a concatenated key.
enum class Field : std::uint8_t { InIface, OutIface, Proto, Src, Dst, Sport, Dport };
inline constexpr std::size_t kFieldCount = 7;
inline constexpr std::array<Field, kFieldCount> kFields = {
    Field::InIface, Field::OutIface, Field::Proto, Field::Src,
    Field::Dst,     Field::Sport,    Field::Dport};

std::string_view field_name(Field f);
// Bytes of the field's value: 16 for interface names (IFNAMSIZ, zero padded), 1 for the
// protocol, 4 or 16 for addresses, 2 for ports.
std::size_t field_width(Field f, Family family);

// The fields a rule constrains, a bit per Field.
struct Shape {
  std::uint8_t bits = 0;
  bool has(Field f) const { return bits & (1u << static_cast<unsigned>(f)); }
  void add(Field f) { bits |= static_cast<std::uint8_t>(1u << static_cast<unsigned>(f)); }
  bool empty() const { return bits == 0; }
  std::size_t size() const { return static_cast<std::size_t>(__builtin_popcount(bits)); }
  std::vector<Field> fields() const;  // in kFields order
  bool operator==(const Shape&) const = default;
};

using Bytes = std::vector<std::uint8_t>;

// Longest -m comment a compiled rule keeps: its element's userdata (256 bytes) also holds the
// rule's position and spelling. Longer comments keep the rule as it is.
inline constexpr std::size_t kMaxCommentBytes = 200;

// Closed interval [lo, hi] of same-width big-endian values; lo == hi is a single value.
struct Interval {
  Bytes lo, hi;
  bool exact() const { return lo == hi; }
  bool contains(const Bytes& v) const { return lo <= v && v <= hi; }
  bool overlaps(const Interval& o) const { return lo <= o.hi && o.lo <= hi; }
  bool operator==(const Interval&) const = default;
};

// One element's key: an interval per field of the shape, in kFields order.
using Key = std::vector<Interval>;
bool key_contains(const Key& key, const std::vector<Bytes>& values);
bool keys_overlap(const Key& a, const Key& b);

// What a key-shaped rule gives.
struct RuleKey {
  Shape shape;
  // Per field (indexed by Field), the accepted values: disjoint, in the order the rule gives
  // them (a multiport list); empty when the field is not in the shape.
  std::array<std::vector<Interval>, kFieldCount> values;
  // How the rule spells its key, apart from the values: which header fields, which matches in
  // which order with which options ("hdr:s,p|tcp:--dport|comment"). Rules of one run spell
  // alike, so that one template and each element's values rebuild every rule's text.
  std::string spelling;
  std::string comment;  // the -m comment text, if any
  // The rule's other tests, when each only reads and all of them are whole matches the run's
  // rules share ("-p 6 -m conntrack --ctstate NEW"): the lookup rule tests them before its
  // lookup. Part of `spelling`. Empty for none.
  std::string residual;
  // The elements the rule becomes: the product of its fields' values.
  std::vector<Key> elements() const;
  std::size_t element_count() const;
};

// The rule's key, or nothing (with the reason in `why`) when the rule tests anything else,
// inverts a test, or constrains no key field at all.
std::optional<RuleKey> rule_key(const model::Rule& rule, Family family, std::string* why = nullptr);

// Answers "does this key meet one already in the run?". The run's keys are pairwise disjoint,
// which makes a one-field run a set of disjoint sorted intervals (one map probe). Keys of
// several fields are bucketed by their values on the fields that every key seen so far gives
// exactly (the protocol and port of a service, say): only keys of the same bucket can meet
// an exact query. Without such a field, at most kMaxScan keys are scanned; a larger index
// answers "meets" (a run then ends early, which costs speed, never meaning).
class OverlapIndex {
 public:
  explicit OverlapIndex(std::size_t fields) : fields_(fields) {}
  bool overlaps(const Key& key) const;
  void insert(const Key& key);

 private:
  static constexpr std::size_t kMaxScan = 1024;
  Bytes bucket_of(const Key& key) const;
  void narrow(const Key& key) const;  // drops the fields `key` does not give exactly

  std::size_t fields_;
  std::map<Bytes, Bytes> single_;             // one field: lo -> hi
  std::vector<Key> keys_;                     // several fields
  mutable std::uint32_t exact_fields_ = ~0u;  // positions every key gave exactly
  mutable std::map<Bytes, std::vector<std::size_t>> buckets_;
};

// What any rule says of its key fields, for telling rules apart (compile/reorder.h): the
// values of the fields it tests plainly (not inverted; -p with its tcp/udp ports, multiport
// --sports/--dports, iprange), whatever else it tests. Every packet the rule matches has
// values inside these (a field not in the shape: any value). Only `shape` and `values` are
// filled. `stateless`: every match of the rule only reads (a limit, quota, recent, nfacct
// ... changes state when reached, even when a later test fails).
struct Footprint {
  RuleKey key;
  bool stateless = true;
};
Footprint rule_footprint(const model::Rule& rule, Family family);

}  // namespace cx::compile
