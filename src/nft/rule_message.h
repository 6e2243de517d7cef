// Rule messages without libnftnl, for the expressions iptables-nft writes.
#pragma once
#include <optional>

#include "nft/netlink.h"

struct nlmsghdr;

namespace cx::nft {

// The rule in `msg` (whose length the caller has checked), exactly as libnftnl's parser and
// from_nftnl() would give it; nullopt when the message holds anything this reader leaves to
// libnftnl (another expression kind, an unusual attribute).
std::optional<RuleObj> read_rule_message(const nlmsghdr* msg);
// The same for a rule message as a batch carries it (restore reads its own batch back): the
// handle and position id only when present, the compat attributes and the rule id read.
std::optional<RuleObj> read_sent_rule_message(const nlmsghdr* msg);

// Appends the attributes of `rule` to the NEWRULE/DELRULE message `msg` (header written, room
// reserved) exactly as libnftnl's nftnl_rule_nlmsg_build_payload would; false, writing
// nothing, when the rule holds an expression of a kind this writer leaves to libnftnl.
bool write_rule_payload(nlmsghdr* msg, const RuleObj& rule);

}  // namespace cx::nft
