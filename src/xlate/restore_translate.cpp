#include "xlate/restore_translate.h"

#include "core/tables.h"
#include "xlate/translate.h"

namespace cx::xlate {

namespace {

const char* family_word(Family f) { return f == Family::V6 ? "ip6" : "ip"; }

Error at_line(Error e, int line) {
  e.line = line;
  return e;
}

// strtok(" \t\n")'s words of `line` from `from` on.
std::vector<std::string> plain_words(const std::string& line, std::size_t from) {
  std::vector<std::string> words;
  std::size_t at = from;
  while (true) {
    std::size_t b = line.find_first_not_of(" \t\n", at);
    if (b == std::string::npos) break;
    std::size_t e = line.find_first_of(" \t\n", b);
    words.push_back(line.substr(b, e == std::string::npos ? std::string::npos : e - b));
    if (e == std::string::npos) break;
    at = e;
  }
  return words;
}

// The nft priority iptables-restore-translate gives a built-in chain (the security table
// gets 0: the reference compares the chain's name, not the table's, with "security").
int hook_priority(const std::string& table, const std::string& chain) {
  if (table == "nat") {
    if (chain == "PREROUTING" || chain == "OUTPUT") return -100;
    if (chain == "INPUT" || chain == "POSTROUTING") return 100;
    return 0;
  }
  if (table == "mangle") return -150;
  if (table == "raw") return -300;
  if (chain == "security") return 50;
  return 0;
}

std::string base_chain_text(Family f, const std::string& table, const std::string& chain,
                            const std::string& policy) {
  std::string type = "filter";
  if (table == "nat")
    type = "nat";
  else if (table == "mangle" && chain == "OUTPUT")
    type = "route";
  std::string s = std::string("add chain ") + family_word(f) + " " + table + " " + chain +
                  " { type " + type + " ";
  static const std::pair<const char*, const char*> kHooks[] = {
      {"PREROUTING", "prerouting"},   {"INPUT", "input"},
      {"FORWARD", "forward"},         {"OUTPUT", "output"},
      {"POSTROUTING", "postrouting"},
  };
  for (const auto& [name, hook] : kHooks)
    if (chain == name)
      s += std::string("hook ") + hook + " priority " +
           std::to_string(hook_priority(table, chain)) + "; ";
  if (policy == "ACCEPT")
    s += "policy accept; ";
  else if (policy == "DROP")
    s += "policy drop; ";
  return s + "}\n";
}

class Translator {
 public:
  Translator(restore::LineReader& input, Family family, const std::string& program,
             RestoreTranslateOutput& output)
      : input_(input),
        family_(family),
        prog_(program),
        out_(output.out),
        warnings_(output.warnings) {}

  Result<RestoreTranslation> run() {
    std::string line;
    RestoreTranslation result;
    while (input_.next(line)) {
      ++lineno_;
      CX_TRY(one_line(line, result));
      if (result.end != RestoreTranslation::End::Completed) break;
    }
    return result;
  }

 private:
  Error failed() const {
    return Error{ErrorKind::Other, "line " + std::to_string(lineno_) + " failed", ErrorStyle::Plain,
                 lineno_};
  }
  Error line_error(const std::string& what) const {
    return at_line(parameter_error(prog_ + ": line " + std::to_string(lineno_) + " " + what),
                   lineno_);
  }

  Status one_line(const std::string& line, RestoreTranslation& result) {
    if (line.empty() && input_.newline()) return {};
    if (!line.empty() && line[0] == '#') return {};
    if (!table_.empty() && line == "COMMIT") {
      table_.clear();
      return {};
    }
    // Without COMMIT required, a table line also ends the table before it.
    if (!line.empty() && line[0] == '*') return table_line(line);
    if (table_.empty()) return failed();
    if (line[0] == ':') return chain_line(line);
    return command_line(line, result);
  }

  Status table_line(const std::string& line) {
    auto words = plain_words(line, 1);
    if (words.empty()) return line_error("table name invalid");
    if (!core::find_table(words[0])) return line_error("table name '" + words[0] + "' invalid");
    table_ = words[0];
    out_ += std::string("add table ") + family_word(family_) + " " + table_ + "\n";
    return {};
  }

  Status chain_line(const std::string& line) {
    auto words = plain_words(line, 1);
    if (words.empty()) return line_error("chain name invalid");
    announced_.insert(words[0]);
    if (auto ok = cli::check_chain_name(words[0], true, &announced_); !ok)
      return at_line(ok.take_error(), lineno_);
    if (words.size() < 2) return line_error("policy invalid");
    if (core::find_builtin(*core::find_table(table_), words[0]))
      out_ += base_chain_text(family_, table_, words[0], words[1]);
    else
      out_ +=
          std::string("add chain ") + family_word(family_) + " " + table_ + " " + words[0] + "\n";
    return {};
  }

  Status command_line(const std::string& line, RestoreTranslation& result) {
    auto counters = restore::split_rule_counters(input_.newline() ? line + '\n' : line, lineno_);
    if (!counters) return at_line(counters.take_error(), lineno_);
    std::vector<std::string> words = restore::split_words(counters->rest);
    if (auto s = restore::check_line_limits(words, false); !s)
      return at_line(s.take_error(), lineno_);
    std::vector<std::string> args{prog_, "-t", table_};
    args.insert(args.end(), words.begin(), words.end());
    cli::ParseOptions po;
    po.restore_mode = true;
    po.translate = true;
    po.not_targets = &announced_;
    auto cmd = cli::parse_command(args, family_, prog_, po);
    if (!cmd) return at_line(cmd.take_error(), lineno_);
    if (cmd->help || cmd->version) {
      result.end = cmd->help ? RestoreTranslation::End::Help : RestoreTranslation::End::Version;
      result.command = std::move(*cmd);
      return {};
    }
    auto translated = translate_command(*cmd, true, out_, warnings_);
    if (!translated) {
      Error e = translated.take_error();
      e.message = "line " + std::to_string(lineno_) + ": " + e.message;
      return at_line(std::move(e), lineno_);
    }
    if (!*translated) return failed();
    return {};
  }

  restore::LineReader& input_;
  Family family_;
  const std::string& prog_;
  std::string& out_;
  std::vector<std::string>& warnings_;
  std::string table_;  // the table being read; empty outside one
  std::set<std::string> announced_;
  int lineno_ = 0;
};

}  // namespace

Result<RestoreTranslation> restore_translate(restore::LineReader& input, Family family,
                                             const std::string& program,
                                             RestoreTranslateOutput& output) {
  return Translator(input, family, program, output).run();
}

}  // namespace cx::xlate
