#include "core/tables.h"

namespace cx::core {

namespace {
constexpr BuiltinChain kFilter[] = {
    {"INPUT", 1, 0, "filter"}, {"FORWARD", 2, 0, "filter"}, {"OUTPUT", 3, 0, "filter"}};
constexpr BuiltinChain kNat[] = {{"PREROUTING", 0, -100, "nat"},
                                 {"INPUT", 1, 100, "nat"},
                                 {"OUTPUT", 3, -100, "nat"},
                                 {"POSTROUTING", 4, 100, "nat"}};
constexpr BuiltinChain kMangle[] = {{"PREROUTING", 0, -150, "filter"},
                                    {"INPUT", 1, -150, "filter"},
                                    {"FORWARD", 2, -150, "filter"},
                                    {"OUTPUT", 3, -150, "route"},
                                    {"POSTROUTING", 4, -150, "filter"}};
constexpr BuiltinChain kRaw[] = {{"PREROUTING", 0, -300, "filter"}, {"OUTPUT", 3, -300, "filter"}};
constexpr BuiltinChain kSecurity[] = {
    {"INPUT", 1, 150, "filter"}, {"FORWARD", 2, 150, "filter"}, {"OUTPUT", 3, 150, "filter"}};
constexpr TableSpec kTables[] = {{"filter", kFilter},
                                 {"nat", kNat},
                                 {"mangle", kMangle},
                                 {"raw", kRaw},
                                 {"security", kSecurity}};
constexpr std::string_view kSaveOrder[] = {"mangle", "security", "raw", "filter", "nat"};
}  // namespace

const TableSpec* find_table(std::string_view name) {
  for (const auto& t : kTables)
    if (t.name == name) return &t;
  return nullptr;
}

const BuiltinChain* find_builtin(const TableSpec& t, std::string_view chain) {
  for (const auto& c : t.chains)
    if (c.name == chain) return &c;
  return nullptr;
}

std::span<const std::string_view> save_order() { return kSaveOrder; }

}  // namespace cx::core
