#include "model/rule.h"

#include "ext/extension.h"

namespace cx::model {

int Address::prefix_len(int bytes) const {
  int len = 0;
  bool zero_seen = false;
  for (int i = 0; i < bytes; ++i) {
    for (int bit = 7; bit >= 0; --bit) {
      bool set = (mask[i] >> bit) & 1;
      if (set) {
        if (zero_seen) return -1;
        ++len;
      } else {
        zero_seen = true;
      }
    }
  }
  return len;
}

Rule::Rule() = default;
Rule::~Rule() = default;
Rule::Rule(Rule&&) noexcept = default;
Rule& Rule::operator=(Rule&&) noexcept = default;
Rule::Rule(const Rule& o)
    : ip(o.ip),
      verdict(o.verdict),
      jump_chain(o.jump_chain),
      counters(o.counters),
      has_counters(o.has_counters),
      handle(o.handle),
      incompatible(o.incompatible),
      decode_errors(o.decode_errors),
      saved_text(o.saved_text) {
  for (const auto& m : o.matches) matches.push_back(m->clone());
  if (o.target) target = o.target->clone();
}
Rule& Rule::operator=(const Rule& o) {
  if (this != &o) *this = Rule(o);
  return *this;
}

bool Table::incompatible() const {
  for (const auto& c : chains)
    if (c.incompatible) return true;
  return false;
}

const Rule* Table::first_unreadable() const {
  for (const auto& c : chains)
    for (const auto& r : c.rules)
      if (r.incompatible) return &r;
  return nullptr;
}

Chain* Table::find(std::string_view n) {
  for (auto& c : chains)
    if (c.name == n) return &c;
  return nullptr;
}
const Chain* Table::find(std::string_view n) const {
  for (const auto& c : chains)
    if (c.name == n) return &c;
  return nullptr;
}

}  // namespace cx::model
