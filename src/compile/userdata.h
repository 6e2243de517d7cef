// What compiled chains keep in the kernel besides the sets themselves
// (docs/compiled-chains.md, "Listing"): the names of their sets, the userdata of lookup rules
// and set elements (TLVs as libnftnl's nftnl_udata writes them: type, length, value), and the
// rule text each rule is printed from again.
#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include "common/result.h"
#include "model/family.h"
#include "model/rule.h"
#include "nft/netlink.h"

namespace cx::compile {

// Sets of compiled chains are named "__cx_CHAIN_N" (N counts up per chain; a recompiled chain
// takes numbers after its old sets' so that one transaction can hold both). Each compiled
// chain also has an empty anchor set "__cx_CHAIN_mK" (K: the minimum run length it was
// compiled with): it keeps the chain compiled while no run is long enough to be a set.
inline constexpr std::string_view kSetPrefix = "__cx_";
std::string set_name(const std::string& chain, std::size_t n);
std::string anchor_name(const std::string& chain, std::size_t min_run);
// The chain a set of either kind belongs to; nullopt for a name not made here.
std::optional<std::string> chain_of_set(const std::string& set);
// N of a lookup set's name; nullopt for an anchor or a name not made here.
std::optional<std::size_t> set_number(const std::string& set);
// K of an anchor's name; nullopt for anything else.
std::optional<std::size_t> anchor_min_run(const std::string& set);

// TLV types: 0 is the comment nft (and iptables-nft) read; ours is above libnftnl's types.
inline constexpr std::uint8_t kUdComment = 0;
inline constexpr std::uint8_t kUdCompiled = 0xc7;
inline constexpr std::uint8_t kUdRun = 0xc8;
// A lookup rule of a chain whose rules were reordered (compile/reorder.h), and each of the
// chain's own rules there: its order key.
inline constexpr std::uint8_t kUdReordered = 0xc9;
inline constexpr std::uint8_t kUdOrder = 0xca;
inline constexpr std::uint8_t kFormatVersion = 1;
inline constexpr std::size_t kMaxUserdata = 256;  // NFT_USERDATA_MAXLEN

// Elements order the rules of a run by a 32-bit order key: a compiled run numbers its rules
// kOrderBase + chain index, an insert at the head of a run takes the run's lowest key - 1,
// so heads can be added without renumbering.
inline constexpr std::uint32_t kOrderBase = 1u << 31;

// What a lookup rule knows of its run without reading the set: how many rules it holds, the
// bounds of their order keys, and a hash of what every rule of it shares (spelling, and a Set
// run's verdict), so that a new rule can be told to fit without reading an element.
struct RunInfo {
  std::uint32_t count = 0;
  std::uint32_t lo = 0, hi = 0;
  std::uint64_t signature = 0;
  // The chain's rules are not in their original order: listing sorts them by order key, and
  // writes take the general path.
  bool reordered = false;
  bool operator==(const RunInfo&) const = default;
};
std::uint64_t run_signature(const std::string& spelling, const std::string& verdict);

// A lookup rule's userdata: a comment for readers of `nft list ruleset`, our marker and the
// run's RunInfo.
nft::Bytes lookup_rule_userdata(const RunInfo& run);
bool is_compiled_rule(const nft::RuleObj& rule);
std::optional<RunInfo> read_run_info(const nft::RuleObj& rule);

// A tail guard (docs/compiled-chains.md, "Tail guards"): the lookup rule in front of rules
// left as rules at a chain's end that sends every packet none of them can match on
// ("... != @set return"). It stands for no rule (its RunInfo: count 0, this signature).
inline constexpr std::string_view kGuardSpelling = "guard";
std::uint64_t guard_signature();
bool is_guard(const nft::RuleObj& rule);

// A rule of a reordered chain that stays a rule carries its order key in its userdata, after
// what iptables-nft put there (a comment): nullopt when that leaves no room.
std::optional<nft::Bytes> with_order_key(const std::optional<nft::Bytes>& userdata,
                                         std::uint32_t key);
std::optional<std::uint32_t> read_order_key(const nft::RuleObj& rule);
// The rule's userdata as iptables-nft wrote it: the order key taken out.
void drop_order_key(nft::RuleObj& rule);

// An element's userdata: the original rule's order key, the item within the rule
// (a multiport list gives several), and on item 0 the rule's text (after "-A CHAIN") as its
// comment. nullopt when it does not fit in 256 bytes.
std::optional<nft::Bytes> element_userdata(std::uint32_t rule, std::uint16_t item,
                                           const std::string& text);
struct ElementTag {
  std::uint32_t rule = 0;
  std::uint16_t item = 0;
  std::string text;  // item 0 only
};
std::optional<ElementTag> read_element_userdata(const nft::Bytes& userdata);

// " -s 192.0.2.1/32 -j DROP" without its leading space: the rule as iptables-save writes it.
std::string rule_text(const model::Rule& rule, Family family);
// That text read and encoded again exactly as `iptables -A CHAIN TEXT` sends it.
// The rule a text stands for, as `iptables -A` parses it (no expressions: for listing).
Result<model::Rule> rule_model_from_text(const std::string& text, const std::string& table,
                                         const std::string& chain, Family family);
Result<nft::RuleObj> rule_from_text(const std::string& text, const std::string& table,
                                    const std::string& chain, Family family);
// A rule as the kernel returned it, to be sent again as iptables-nft sends it: no handle or
// position, NFTA_RULE_COMPAT from its decoded -p.
nft::RuleObj resend(const nft::RuleObj& kernel_rule, Family family);

}  // namespace cx::compile
