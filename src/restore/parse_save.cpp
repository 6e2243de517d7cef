#include "restore/parse_save.h"

#include "cli/command.h"
#include "common/parse.h"
#include "core/tables.h"
#include "restore/restore.h"

namespace cx::restore {

namespace {

Error line_error(std::string msg, int line) {
  return Error{ErrorKind::Other, std::move(msg), ErrorStyle::Plain, line};
}

Error at(Error e, int line) {
  e.line = line;
  return e;
}

model::Counters parse_counters(const std::string& w) {
  model::Counters c;
  if (w.size() < 3 || w.front() != '[' || w.back() != ']') return c;
  auto colon = w.find(':');
  if (colon == std::string::npos) return c;
  c.packets = parse_unsigned(w.substr(1, colon - 1), UINT64_MAX, 10).value_or(0);
  c.bytes = parse_unsigned(w.substr(colon + 1, w.size() - colon - 2), UINT64_MAX, 10).value_or(0);
  return c;
}

model::Chain* ensure_chain(model::Table& t, const std::string& name) {
  if (model::Chain* c = t.find(name)) return c;
  const core::TableSpec* spec = core::find_table(t.name);
  model::Chain c;
  c.name = name;
  c.builtin = spec && core::find_builtin(*spec, name);
  c.rules_loaded = true;
  t.chains.push_back(std::move(c));
  return &t.chains.back();
}

}  // namespace

Result<std::vector<model::Table>> parse_save(const std::string& text, Family family,
                                             const std::string& program) {
  std::vector<model::Table> tables;
  model::Table* cur = nullptr;
  int lineno = 0;
  std::size_t pos = 0;
  const std::string prog_restore = program + "-restore";
  while (pos < text.size()) {
    std::size_t nl = text.find('\n', pos);
    std::string line = text.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
    pos = nl == std::string::npos ? text.size() : nl + 1;
    ++lineno;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    std::size_t first = line.find_first_not_of(" \t");
    if (first == std::string::npos || line[first] == '#') continue;
    line = line.substr(first);
    if (line[0] == '*') {
      if (cur) return line_error("COMMIT expected at line " + std::to_string(lineno), lineno);
      std::string name = line.substr(1);
      while (!name.empty() && (name.back() == ' ' || name.back() == '\t')) name.pop_back();
      if (!core::find_table(name))
        return line_error("line " + std::to_string(lineno) + ": table name '" + name + "' invalid",
                          lineno);
      model::Table* found = nullptr;
      for (auto& t : tables)
        if (t.name == name) found = &t;
      if (!found) {
        tables.emplace_back();
        tables.back().name = name;
        found = &tables.back();
      } else {
        found->chains.clear();  // a table given twice: the later one replaces it
      }
      cur = found;
      continue;
    }
    if (line.rfind("COMMIT", 0) == 0) {
      if (!cur) return line_error("line " + std::to_string(lineno) + " failed", lineno);
      for (const auto& c : cur->chains)
        for (const auto& r : c.rules)
          if ((r.verdict == model::VerdictKind::Jump || r.verdict == model::VerdictKind::Goto) &&
              !cur->find(r.jump_chain))
            return at(parameter_error("Chain '" + r.jump_chain + "' does not exist"), lineno);
      cur = nullptr;
      continue;
    }
    if (!cur) return line_error("line " + std::to_string(lineno) + " failed", lineno);
    if (line[0] == ':') {
      auto words = split_words(line.substr(1));
      if (words.size() < 2) return line_error("line " + std::to_string(lineno) + " failed", lineno);
      model::Chain* c = ensure_chain(*cur, words[0]);
      if (c->builtin) {
        if (words[1] != "ACCEPT" && words[1] != "DROP")
          return line_error("line " + std::to_string(lineno) + " failed: Bad policy name.", lineno);
        c->policy_accept = words[1] == "ACCEPT";
      } else {
        CX_TRY(cli::check_chain_name(words[0], true).ok()
                   ? Status{}
                   : Status(at(cli::check_chain_name(words[0], true).error(), lineno)));
        c->rules.clear();
      }
      if (words.size() >= 3) c->policy_counters = parse_counters(words[2]);
      continue;
    }
    std::vector<std::string> words = split_words(line);
    model::Counters counters;
    bool has_counters = false;
    if (!words.empty() && words[0].size() > 2 && words[0].front() == '[') {
      counters = parse_counters(words[0]);
      has_counters = true;
      words.erase(words.begin());
    }
    std::vector<std::string> args{prog_restore, "-t", cur->name};
    args.insert(args.end(), words.begin(), words.end());
    auto cmd = cli::parse_command(args, family, prog_restore, true);
    if (!cmd) return at(cmd.take_error(), lineno);
    const unsigned c = cmd->command;
    if (c == cli::kCmdAppend || c == cli::kCmdInsert) {
      model::Chain* chain = cur->find(cmd->chain);
      if (!chain) {
        const core::TableSpec* spec = core::find_table(cur->name);
        if (!core::find_builtin(*spec, cmd->chain))
          return line_error("No chain/target/match by that name.", lineno);
        chain = ensure_chain(*cur, cmd->chain);
      }
      std::size_t where = chain->rules.size();
      if (c == cli::kCmdInsert) {
        std::size_t n = cmd->rulenum > 0 ? static_cast<std::size_t>(cmd->rulenum) : 1;
        if (n > chain->rules.size() + 1) return line_error("Index of insertion too big.", lineno);
        where = n - 1;
      }
      for (auto& r : cmd->rules) {
        if (has_counters) {
          r.counters = counters;
          r.has_counters = true;
        }
        // An -I line's rules each go before the one before: they end in reverse order.
        chain->rules.insert(chain->rules.begin() + static_cast<std::ptrdiff_t>(where),
                            std::move(r));
        if (c == cli::kCmdAppend) ++where;
      }
      continue;
    }
    if (c == cli::kCmdNewChain) {
      if (cur->find(cmd->chain)) return line_error("Chain already exists.", lineno);
      ensure_chain(*cur, cmd->chain);
      continue;
    }
    if (c == cli::kCmdSetPolicy) {
      model::Chain* chain = ensure_chain(*cur, cmd->chain);
      chain->policy_accept = cmd->new_name == "ACCEPT";
      continue;
    }
    if (c == cli::kCmdFlush) {
      for (auto& ch : cur->chains)
        if (cmd->chain.empty() || ch.name == cmd->chain) ch.rules.clear();
      continue;
    }
    if (c == cli::kCmdDeleteChain) {
      std::erase_if(cur->chains, [&](const model::Chain& ch) {
        return !ch.builtin && (cmd->chain.empty() || ch.name == cmd->chain);
      });
      continue;
    }
    return line_error("line " + std::to_string(lineno) + " failed", lineno);
  }
  if (cur) return line_error("COMMIT expected at line " + std::to_string(lineno + 1), lineno);
  return tables;
}

}  // namespace cx::restore
