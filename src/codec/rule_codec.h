// Rule <-> kernel expressions. Encoding follows iptables-nft 1.8.9's order: the fixed part
// (-i -o -p -s -d -f), the matches in command-line order, the counter, the verdict.
#pragma once
#include <vector>

#include "common/result.h"
#include "ext/extension.h"
#include "model/rule.h"
#include "nft/expr.h"

namespace cx::codec {

Result<std::vector<nft::Expr>> encode_rule(const model::Rule& rule, const ext::RuleContext& ctx);

// Lifts kernel expressions into a rule. Expressions nothing understands mark the rule
// incompatible (listed as iptables-nft lists them, never dropped silently).
model::Rule decode_rule(const std::vector<nft::Expr>& exprs, Family family);

}  // namespace cx::codec
