// `cxtables optimize on|off|status`: compiling a table's chains in the kernel and back
// (docs/compiled-chains.md). Each of on and off is one transaction for all chains it
// changes; nothing here prints.
#pragma once
#include <string>
#include <vector>

#include "common/result.h"
#include "compile/plan.h"
#include "core/session.h"

namespace cx::compile {

struct OptimizeRequest {
  std::string table = "filter";
  std::vector<std::string> chains;  // empty: every chain of the table
  Options options;
};

struct ChainReport {
  std::string chain;
  std::size_t rules = 0;     // rules as iptables lists them
  std::size_t compiled = 0;  // of those, held in sets
  std::size_t lookups = 0;   // lookup rules (sets / verdict maps)
  std::string note;          // why a chain was left as it is
};

Result<std::vector<ChainReport>> optimize_on(core::Session& session, const OptimizeRequest& req);
Result<std::vector<ChainReport>> optimize_off(core::Session& session, const OptimizeRequest& req);
Result<std::vector<ChainReport>> optimize_status(core::Session& session,
                                                 const OptimizeRequest& req);

}  // namespace cx::compile
