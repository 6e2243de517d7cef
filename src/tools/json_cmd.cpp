// cxtables save --json and cxtables restore --json: the ruleset as data (see
// docs/ruleset.schema.json and src/restore/json_ruleset.h).
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/session.h"
#include "eval/pipeline.h"
#include "restore/json_ruleset.h"
#include "restore/restore.h"
#include "tools/commands.h"
#include "tools/eval_support.h"

namespace cx::tools {

namespace {

int usage(const char* cmd, int rc) {
  std::FILE* out = rc ? stderr : stdout;
  if (std::strcmp(cmd, "save") == 0)
    std::fputs(
        "usage: cxtables save --json [-4|-6] [-t TABLE] [-c]\n"
        "Prints the ruleset (one table with -t) as one JSON document; -c adds counters.\n",
        out);
  else
    std::fputs(
        "usage: cxtables restore --json [-4|-6] [FILE]\n"
        "Loads a document of `cxtables save --json` (from FILE or stdin). Every table in it\n"
        "replaces the kernel's table of that name, with its counters; nothing is changed when\n"
        "the document has an error.\n",
        out);
  return rc;
}

struct JsonOptions {
  bool json = false, family_given = false;
  Family family = Family::V4;
};

// Reads the options both commands take (--json, -4/-6, -h); `other(i)` takes argv[i] (and may
// consume more words) or returns false for a word it does not know. Returns the exit status
// when the command ends here (help, a usage error).
std::optional<int> read_options(const char* cmd, int argc, char** argv, JsonOptions& o,
                                const std::function<bool(int&)>& other) {
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--json") {
      o.json = true;
    } else if (a == "-4" || a == "-6") {
      o.family = a == "-6" ? Family::V6 : Family::V4;
      o.family_given = true;
    } else if (a == "-h" || a == "--help") {
      return usage(cmd, 0);
    } else if (!other(i)) {
      return usage(cmd, 2);
    }
  }
  if (!o.json) return usage(cmd, 2);  // the text form is iptables-save's / -restore's
  return std::nullopt;
}

}  // namespace

int run_save_json(int argc, char** argv) {
  JsonOptions o;
  bool counters = false;
  std::string table;
  auto end = read_options("save", argc, argv, o, [&](int& i) {
    const std::string a = argv[i];
    if (a == "-c" || a == "--counters") {
      counters = true;
    } else if ((a == "-t" || a == "--table") && i + 1 < argc) {
      table = argv[++i];
    } else {
      return false;
    }
    return true;
  });
  if (end) return *end;
  const Family family = o.family;
  core::Session session(family, family == Family::V6 ? "ip6tables" : "iptables");
  if (auto s = session.connect(); !s) {
    print_error("cxtables save", s.error());
    return s.error().exit_code();
  }
  auto doc = restore::ruleset_json(session, table, counters);
  if (!doc) {
    print_error("cxtables save", doc.error());
    return doc.error().exit_code();
  }
  std::string out = eval::json_text(*doc) + "\n";
  std::fwrite(out.data(), 1, out.size(), stdout);
  return 0;
}

int run_restore_json(int argc, char** argv) {
  JsonOptions o;
  std::string file;
  auto end = read_options("restore", argc, argv, o, [&](int& i) {
    const std::string a = argv[i];
    if (a.empty() || a[0] == '-' || !file.empty()) return false;
    file = a;
    return true;
  });
  if (end) return *end;
  Family family = o.family;
  const bool family_given = o.family_given;
  auto text = file.empty() ? read_text_file("/dev/stdin") : read_text_file(file);
  if (!text) {
    std::fprintf(stderr, "cxtables restore: %s\n", text.error().message.c_str());
    return 1;
  }
  auto fail = [](const Error& e, const std::string& where) {
    std::fprintf(stderr, "cxtables restore: %s%s\n", where.empty() ? "" : (where + ": ").c_str(),
                 e.message.c_str());
    return e.exit_code();
  };
  auto doc = restore::parse_json_document(*text);
  if (!doc) return fail(doc.error(), "");
  if (!family_given && doc->is_object() && doc->contains("family") && (*doc)["family"] == "ipv6")
    family = Family::V6;
  std::vector<std::string> paths;
  auto input = restore::json_to_restore_text(*doc, family, paths);
  if (!input) return fail(input.error(), "");
  core::Session session(family, family == Family::V6 ? "ip6tables" : "iptables");
  if (auto s = session.connect(); !s) return fail(s.error(), "");
  // Everything is read (and each table checked) before the first table is committed.
  auto where = [&](const Error& e) {
    return e.line > 0 && static_cast<std::size_t>(e.line) <= paths.size()
               ? paths[static_cast<std::size_t>(e.line) - 1]
               : std::string();
  };
  std::vector<std::string> warnings;
  restore::Options test;
  test.counters = true;
  test.test = true;
  test.any_chain_name = true;
  const std::string prog = family == Family::V6 ? "ip6tables-restore" : "iptables-restore";
  if (auto s = restore::restore_text(session, *input, test, prog, warnings); !s)
    return fail(s.error(), where(s.error()));
  restore::Options real;
  real.counters = true;
  real.any_chain_name = true;
  if (auto s = restore::restore_text(session, *input, real, prog, warnings); !s)
    return fail(s.error(), where(s.error()));
  for (const auto& w : warnings) std::fprintf(stderr, "%s\n", w.c_str());
  return 0;
}

}  // namespace cx::tools
