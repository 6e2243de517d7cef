// Tables, chains and rules as values. Everything the user types and everything the kernel
// holds becomes these; all printing is done from them.
#pragma once
#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "model/family.h"

namespace cx::ext {
class Match;
class Target;
}  // namespace cx::ext

namespace cx::model {

struct Address {
  std::array<std::uint8_t, 16> addr{};
  std::array<std::uint8_t, 16> mask{};
  bool operator==(const Address&) const = default;
  int prefix_len(int bytes) const;  // -1 if the mask is not contiguous
};

// The fixed part of a rule: -s -d -i -o -p -f.
struct IpHeader {
  std::optional<Address> src, dst;
  bool inv_src = false, inv_dst = false;
  std::string iniface, outiface;
  bool inv_in = false, inv_out = false;
  bool has_iniface = false, has_outiface = false;  // "-i +" is set but prints nothing
  std::uint8_t proto = 0;
  bool inv_proto = false;
  bool frag = false, inv_frag = false;
  bool operator==(const IpHeader&) const = default;
};

struct Counters {
  std::uint64_t packets = 0, bytes = 0;
  bool operator==(const Counters&) const = default;
};

enum class VerdictKind { None, Accept, Drop, Return, Jump, Goto, Queue, Target };

struct Rule {
  IpHeader ip;
  std::vector<std::unique_ptr<ext::Match>> matches;
  VerdictKind verdict = VerdictKind::None;
  std::string jump_chain;                 // Jump / Goto
  std::unique_ptr<ext::Target> target;    // Target
  Counters counters;
  bool has_counters = false;              // -c given
  std::uint64_t handle = 0;
  // Set when the kernel holds something we cannot lift into this model; `decode_errors` then
  // says what, as iptables-nft's "Error: ..." lines would (without the "Error: ").
  bool incompatible = false;
  std::vector<std::string> decode_errors;
  // A compiled rule read for iptables-save only (core::Session::read_table with `for_save`):
  // its save text after "-A CHAIN", which is printed as it is; only the counters and the
  // handle are filled besides.
  std::optional<std::string> saved_text;

  Rule();
  ~Rule();
  Rule(Rule&&) noexcept;
  Rule& operator=(Rule&&) noexcept;
  Rule(const Rule&);
  Rule& operator=(const Rule&);
};

struct Chain {
  std::string name;
  bool builtin = false;       // a base chain (has a hook)
  bool policy_accept = true;  // base chains only
  Counters policy_counters;
  std::uint64_t handle = 0;
  std::uint32_t use = 0;
  std::uint32_t hooknum = 0;
  std::int32_t priority = 0;
  std::string type;
  // Holds an expression iptables-nft does not list at all (ct, reject, nat, quota, ...): the
  // table (or the chain, when named) is "incompatible, use 'nft' tool"; its rules are not read.
  bool incompatible = false;
  std::vector<Rule> rules;
  bool rules_loaded = false;
};

struct Table {
  std::string name;
  std::vector<Chain> chains;  // kernel order (base chains created lazily)
  // Base chains the kernel holds that iptables would not make (other names, hooks,
  // priorities): not listed, and said so in a header line.
  std::vector<std::string> foreign_base_chains;
  bool tainted() const { return !foreign_base_chains.empty(); }
  bool incompatible() const;
  // The first rule that could not be lifted exactly, or null.
  const Rule* first_unreadable() const;
  Chain* find(std::string_view name);
  const Chain* find(std::string_view name) const;
};

}  // namespace cx::model
