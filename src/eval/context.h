// What a match or target may look at besides the packet while it is evaluated: where the
// packet is (hook, table, chain), conntrack's view of it, and where to put the reason when it
// cannot decide. Targets also record their effects here (marks set, NAT, log lines).
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "eval/outcome.h"
#include "eval/packet.h"

namespace cx::eval {

enum class Hook : std::uint8_t { Prerouting, Input, Forward, Output, Postrouting };
std::string_view hook_name(Hook h);

struct CtTuple {
  Addr src{}, dst{};
  std::uint16_t sport = 0, dport = 0;
  std::uint8_t proto = 0;
};

// Conntrack as xt_conntrack sees it at this point of the pipeline.
struct CtView {
  // None: no conntrack entry (raw table before conntrack, INVALID packets): xt_conntrack
  // sees INVALID. Untracked: NOTRACK / ICMPv6 ND. Tracked: an entry exists.
  enum class Kind : std::uint8_t { None, Untracked, Tracked } kind = Kind::Tracked;
  CtState state = CtState::New;
  bool dir_known = true;  // the packet's direction is known
  bool reply = false;
  std::optional<std::uint32_t> status;  // IPS_* bits when known
  bool snat = false, dnat = false;       // IPS_SRC_NAT / IPS_DST_NAT
  std::optional<CtTuple> orig, repl;     // known for a connection the trace starts
};

class Context {
 public:
  Family family = Family::V4;
  Hook hook = Hook::Prerouting;
  std::string_view table, chain;
  int rule = 0;  // 1-based position of the rule in its chain
  CtView ct;
  // Set by NOTRACK / CT --notrack: from here on the packet is untracked.
  bool untrack = false;
  // Addresses of the host's interfaces (MASQUERADE, REDIRECT): by interface name.
  std::optional<Addr> (*iface_address)(const void* self, std::string_view iface,
                                       Family family) = nullptr;
  const void* iface_address_self = nullptr;

  // For Outcome::Undecidable / TargetAction::Undecidable: why, in a few words.
  void set_reason(std::string r) { reason_ = std::move(r); }
  const std::string& reason() const { return reason_; }
  void clear_reason() { reason_.clear(); }

  // Effects of targets, shown in the trace ("MARK set 0x1", "LOG prefix \"x\"").
  void note(std::string s) { notes_.push_back(std::move(s)); }
  std::vector<std::string> take_notes() { return std::exchange(notes_, {}); }

  std::optional<Addr> address_of(std::string_view iface) const {
    if (!iface_address) return std::nullopt;
    return iface_address(iface_address_self, iface, family);
  }

 private:
  std::string reason_;
  std::vector<std::string> notes_;
};

}  // namespace cx::eval
