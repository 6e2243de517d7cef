// iptables-save text to model::Table values without touching the kernel: for the evaluator
// (cxtables trace --ruleset, lint, apply). Accepts what iptables-save writes (*table, :chain,
// [p:b] counters, -A, COMMIT) plus -I, -N, -P, -F and -X as iptables-restore does.
#pragma once
#include <string>
#include <vector>

#include "common/result.h"
#include "model/rule.h"

namespace cx::restore {

// The tables of `text` in the order they appear; base chains that the text does not declare
// are absent (not hooked). Errors carry the line number.
Result<std::vector<model::Table>> parse_save(const std::string& text, Family family,
                                             const std::string& program);

}  // namespace cx::restore
