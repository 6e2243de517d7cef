// The encoding stage of compiled chains (docs/compiled-chains.md): a chain's Plan becomes the
// messages of one transaction. Each Lookup segment becomes a named set or verdict map
// ("__cx_CHAIN_N") with a counter per element and one lookup rule carrying the marker that
// makes iptables-nft refuse the table; Linear segments are the kernel's own rules sent again.
//
// This slice encodes single -s or -d keys (addresses and prefixes: hash or interval sets) and
// concatenations of exact values of any other shape (interfaces, protocol, addresses, single
// ports, multiport lists of single ports; at most 5 fields, 64 bytes) as hash sets, e.g.
// "meta l4proto . ip daddr . th dport"; other Lookup segments (ranges in a concatenation,
// interface wildcards) are kept Linear by emittable().
#pragma once
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/result.h"
#include "compile/plan.h"
#include "compile/userdata.h"
#include "nft/netlink.h"

namespace cx::compile {

// NFT_SET_INTERVAL, NFT_SET_MAP, NFT_SET_CONCAT: what the sets made here are.
inline constexpr std::uint32_t kSetInterval = 0x4, kSetMap = 0x8, kSetConcat = 0x80;

struct EmitInput {
  std::string table, chain;
  Family family = Family::V4;
  const std::vector<model::Rule>& rules;    // decoded, in chain order
  const std::vector<nft::RuleObj>& kernel;  // the same rules as the kernel holds them
  std::size_t first_set = 0;                // N of the first set's name (set_name())
  std::string set_chain = {};               // the chain the sets are named for; empty: chain
  std::uint32_t order_base = kOrderBase;    // order key of rules[0] (userdata.h)
  // Reordered rules (compile/reorder.h): the original index of each of `rules`. The rules
  // that stay rules then carry their order keys, and lookup rules say so.
  const std::vector<std::size_t>* order = nullptr;
  std::uint32_t order_key(std::size_t i) const {
    return order_base + static_cast<std::uint32_t>(order ? (*order)[i] : i);
  }
};

// What the rules of a run share, as RunInfo::signature: the spelling, and a Set run's verdict.
std::uint64_t segment_signature(const std::string& spelling, LookupKind kind,
                                const Verdict& verdict);

// The set elements one segment's rules become (order keys from in.order_base), for a set
// with or without the interval flag.
Result<std::vector<nft::SetElemObj>> segment_elements(const Segment& seg, const EmitInput& in,
                                                      bool interval);

// The plan with every Lookup segment this encoder cannot take (another shape, port ranges,
// a rule whose text does not read back to its own expressions, userdata over 256 bytes) made
// Linear.
Plan emittable(Plan plan, const EmitInput& in);

// The chain planned and made emittable, its rules reordered first (compile/reorder.h) when
// that gives it a lookup and each rule left a rule has room for its order key: `rules` and
// `kernel` (the vectors `in` refers to) are then in the new order, and `order` says where
// each came from (emit with in.order = &order). `order` is empty when nothing moved.
struct Planned {
  Plan plan;
  std::vector<std::size_t> order;
};
Result<Planned> plan_for_emit(std::vector<model::Rule>& rules, std::vector<nft::RuleObj>& kernel,
                              const EmitInput& in, const Options& options);

// The messages that replace the chain's rules by the plan: flush the chain, make each set
// with its elements, append the rules in order. `next_id` numbers the batch's sets.
Result<std::vector<nft::Message>> emit_chain(const Plan& plan, const EmitInput& in,
                                             std::uint32_t& next_id);

// The empty set that marks `chain` compiled with runs of at least `min_run` rules
// (anchor_name()).
nft::Message anchor_set_msg(const std::string& table, const std::string& chain, std::size_t min_run,
                            std::uint32_t id);

// The deletion of set `name` of `table`.
nft::Message del_set_msg(const std::string& table, const std::string& name);

// A run whose elements all name one protocol tests it first ("meta l4proto 6"), a compare
// where the lookup would hash the whole key: a packet of another protocol (a UDP flow past
// a run of TCP rules) is done with the rule at once. The protocol such a lookup rule tests,
// nullopt when it tests none (an element of another protocol cannot go into its set).
std::optional<std::uint8_t> proto_precheck(const nft::RuleObj& lookup_rule);
// The protocol every element of a run names, if one (what its lookup rule then tests first).
std::optional<std::uint8_t> common_proto(const Segment& seg);

// A tail guard's key fields (read from its loads), and the keys of them a rule needs in the
// guard's set: nullopt when the rule changes state when reached or does not give each field
// exactly (docs/compiled-chains.md, "Tail guards").
std::optional<Shape> guard_shape(const nft::RuleObj& guard, Family family);
std::optional<std::vector<nft::Bytes>> guard_keys(const model::Rule& rule, const Shape& shape,
                                                  Family family);

// Set elements of exactly these keys (a tail guard's, a prefilter's).
std::vector<nft::SetElemObj> key_elements(const std::set<nft::Bytes>& keys);

// The marker after every lookup: "immediate reg 1 <- 0; byteorder reg 1 <- hton(reg 1, 2, 2);
// cmp eq reg 1 0x0000". byteorder is not an expression iptables-nft 1.8.9 lists.
std::vector<nft::Expr> marker_exprs();

}  // namespace cx::compile
