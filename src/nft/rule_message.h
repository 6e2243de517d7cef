// A rule message of a dump read without libnftnl, for the expressions iptables-nft writes.
#pragma once
#include <optional>

#include "nft/netlink.h"

struct nlmsghdr;

namespace cx::nft {

// The rule in `msg` (whose length the caller has checked), exactly as libnftnl's parser and
// from_nftnl() would give it; nullopt when the message holds anything this reader leaves to
// libnftnl (another expression kind, an unusual attribute).
std::optional<RuleObj> read_rule_message(const nlmsghdr* msg);

}  // namespace cx::nft
