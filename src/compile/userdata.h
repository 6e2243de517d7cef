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

// Sets of compiled chains are named "__cx_CHAIN_N" (N from 0 per chain).
inline constexpr std::string_view kSetPrefix = "__cx_";
std::string set_name(const std::string& chain, std::size_t n);
// The chain a set of that name belongs to; nullopt for a name not made by set_name().
std::optional<std::string> chain_of_set(const std::string& set);

// TLV types: 0 is the comment nft (and iptables-nft) read; ours is above libnftnl's types.
inline constexpr std::uint8_t kUdComment = 0;
inline constexpr std::uint8_t kUdCompiled = 0xc7;
inline constexpr std::uint8_t kFormatVersion = 1;
inline constexpr std::size_t kMaxUserdata = 256;  // NFT_USERDATA_MAXLEN

// A lookup rule's userdata: a comment for readers of `nft list ruleset` and our marker.
nft::Bytes lookup_rule_userdata();
bool is_compiled_rule(const nft::RuleObj& rule);

// An element's userdata: the original rule's index in the chain, the item within the rule
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
Result<nft::RuleObj> rule_from_text(const std::string& text, const std::string& table,
                                    const std::string& chain, Family family);
// A rule as the kernel returned it, to be sent again as iptables-nft sends it: no handle or
// position, NFTA_RULE_COMPAT from its decoded -p.
nft::RuleObj resend(const nft::RuleObj& kernel_rule, Family family);

}  // namespace cx::compile
