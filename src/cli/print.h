// Printing from the model only: -S / iptables-save lines and the -L table.
#pragma once
#include <string>

#include "model/rule.h"

namespace cx::cli {

// " -s 1.2.3.4/32 -p tcp -m tcp --dport 22 -j ACCEPT" (everything after "-A CHAIN").
std::string rule_spec(const model::Rule& rule, Family family);
// "-A CHAIN ..." with "-c P B" first when `counters` (iptables -S -v).
std::string save_rule(const model::Rule& rule, const std::string& chain, Family family,
                      bool counters);

// The line iptables -v prints for each rule it adds, inserts, deletes or checks.
std::string verbose_rule(const model::Rule& rule, Family family);

enum ListFormat : unsigned {
  kFmtNumeric = 1,
  kFmtVerbose = 2,
  kFmtExact = 4,
  kFmtLineNumbers = 8,
};
// `references` < 0 prints "(ERROR obtaining refs)".
std::string list_chain(const model::Chain& chain, Family family, unsigned format,
                       std::int64_t references, int only_rule = 0);

}  // namespace cx::cli
