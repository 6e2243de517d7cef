// The ruleset as JSON (cxtables save --json / restore --json), described by
// docs/ruleset.schema.json. Each rule carries its -S text ("spec") and the same as fields:
// the fixed part (source, destination, interfaces, protocol, fragment), the matches with their
// options and the target. Reading takes the fields (the spec is for people and tools that
// want the text).
#pragma once
#include <nlohmann/json.hpp>
#include <string>

#include "common/result.h"
#include "core/session.h"

namespace cx::restore {

// One table (`table` non-empty) or every table the kernel has, with counters when asked.
Result<nlohmann::ordered_json> ruleset_json(core::Session& session, const std::string& table,
                                            bool counters);

// The document as an iptables-restore input (with counters); errors name the JSON path of
// what is wrong ("$.tables[0].chains[2].rules[5].matches[0].name: ..."). `paths` receives,
// for each line of the text, the JSON path it came from (to name it in later errors).
Result<std::string> json_to_restore_text(const nlohmann::json& doc, Family family,
                                         std::vector<std::string>& paths);

}  // namespace cx::restore

namespace cx::restore {

// The text as JSON; a syntax error says where ("invalid JSON: ... at line 3, column 5").
Result<nlohmann::json> parse_json_document(const std::string& text);

}  // namespace cx::restore
