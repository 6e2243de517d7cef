// Rule <-> kernel expressions. Encoding follows iptables-nft 1.8.9's order: the fixed part
// (-i -o -p -s -d -f), the matches in command-line order, the counter, the verdict.
#pragma once
#include <optional>
#include <vector>

#include "common/result.h"
#include "ext/extension.h"
#include "model/rule.h"
#include "nft/expr.h"
#include "nft/netlink.h"

namespace cx::codec {

Result<std::vector<nft::Expr>> encode_rule(const model::Rule& rule, const ext::RuleContext& ctx);
// The kernel rule object of `rule` in CHAIN of ctx.table: its expressions, and the protocol
// iptables-nft sends with them as NFTA_RULE_COMPAT.
Result<nft::RuleObj> rule_object(const model::Rule& rule, ext::RuleContext ctx,
                                 const std::string& chain);

// Lifts kernel expressions (and the comment nft keeps in a rule's user data) into a rule, as
// iptables-nft 1.8.9 reads them. What cannot be lifted exactly marks the rule incompatible,
// with iptables-nft's messages in decode_errors; nothing is dropped silently. `ip`: a fixed
// part to start from (tests lift extension expressions alone).
model::Rule decode_rule(const std::vector<nft::Expr>& exprs, Family family,
                        const std::optional<nft::Bytes>& userdata = std::nullopt,
                        const model::IpHeader& ip = {});

// The rule as iptables-nft prints it for -v: read back from the expressions it sends (two
// -m udp of one rule print as one), or `sent` itself where they do not read back.
model::Rule read_back(const model::Rule& sent, const std::vector<nft::Expr>& exprs, Family family);

// Whether iptables-nft lists a table holding this expression at all: any other expression
// kind (ct, reject, nat, quota, ...), a byte or inverted limit, a log without a group make
// the table (or chain) "incompatible, use 'nft' tool".
bool listable(const nft::Expr& e);
// The error iptables-nft ends a listing with at a rule it cannot read: its "Error: ..." lines,
// then "PROGRAM v1.8.9 (nf_tables): Parsing nftables rule failed" (exit 3).
Error lift_error(const model::Rule& rule, const std::string& program);
bool listable(const std::vector<nft::Expr>& exprs);

}  // namespace cx::codec
