// Runs every successful -A/-I case of the golden corpus whose extensions are all registered
// through the extensions alone (tests/unit/golden_util's stand-in parser) and checks:
// * their expressions appear, in order, in the case's `tx` batch;
// * what decoding those expressions saves appears in the case's -S line;
// * save() before and after the round trip agree (except where the kernel normalises);
// and, for cases where an extension rejects the command, that the message is the golden one.
#include <gtest/gtest.h>

#include <cstdlib>
#include <map>

#include "golden_util.h"

namespace cx::test {
namespace {

std::string strip_prog(const std::string& line) {
  auto p = line.find(" (nf_tables): ");
  return p == std::string::npos ? line : line.substr(p + 14);
}

bool is_rule_command(const GoldenCase& c) {
  auto w = shell_split(c.cmd);
  if (w.size() < 2 || (w[0] != "iptables" && w[0] != "ip6tables")) return false;
  for (const auto& x : w)
    if (x == "-A" || x == "-I" || x == "--append" || x == "--insert") return true;
  return false;
}

// Cases whose S line the kernel normalised away from what the command asked for.
bool kernel_normalised(const GoldenCase& c) {
  static const char* const kIds[] = {"limit.13"};
  for (const char* id : kIds)
    if (c.id == id) return true;
  return false;
}

TEST(ExtGoldenSweep, AllRuleCases) {
  int checked = 0, skipped = 0, errors_checked = 0;
  std::vector<std::string> failures;
  std::map<std::string, int> skip_reasons;
  for (const char* file : {"ipv4", "ipv6", "ops"}) {
    for (const auto& c : golden_cases(file)) {
      if (!is_rule_command(c)) continue;
      // ipset lookups need the case's sets, which only exist in its own namespace.
      bool ipset = false;
      for (const auto& st : c.setup) ipset = ipset || st.rfind("ipset", 0) == 0;
      if (ipset) continue;
      Driven d = drive_cmd(c.cmd);
      if (d.unsupported) {
        ++skipped;
        ++skip_reasons[d.unsupported_why];
        continue;
      }
      if (d.error) {
        ++errors_checked;
        std::string want = c.err.empty() ? "" : strip_prog(c.err[0]);
        if (c.rc != 2 || want != d.error->message)
          failures.push_back(c.id + ": extension error \"" + d.error->message +
                             "\" but golden rc " + std::to_string(c.rc) + " err \"" + want +
                             "\"");
        else if (c.err.size() > 1 &&
                 (c.err[1].empty()) != (d.error->style == ErrorStyle::VersionedBlank))
          failures.push_back(c.id + ": error style differs for \"" + want + "\"");
        continue;
      }
      if (c.rc != 0 && c.rc != 4) {  // a core error we do not model (or one we miss)
        if (std::getenv("CX_SWEEP_VERBOSE"))
          std::printf("  golden rc %d, extensions accepted: %s: %s\n", c.rc, c.id.c_str(),
                      c.err.empty() ? "" : c.err[0].c_str());
        continue;
      }
      if (c.tx.empty()) continue;
      ++checked;
      // The counter sits between the matches and the target: check each run on its own.
      auto golden = tx_exprs(c);
      bool bad = false;
      ext::RuleContext rctx;
      rctx.family = d.family;
      rctx.ip = &d.ip;
      rctx.table = d.table;
      std::vector<std::vector<nft::Expr>> runs;
      for (const auto& m : d.matches) {
        runs.emplace_back();
        (void)m->encode(runs.back(), rctx);
      }
      if (d.target) {
        runs.emplace_back();
        (void)d.target->encode(runs.back(), rctx);
      }
      for (const auto& run : runs) {
        std::vector<std::string> mine;
        for (const auto& e : run) mine.push_back(expr_text(e));
        if (!contains_run(golden, mine)) {
          std::string m;
          for (const auto& x : mine) m += "\n    " + x;
          failures.push_back(c.id + ": expressions not in tx:" + m);
          bad = true;
        }
      }
      if (bad) continue;
      if (c.rc != 0) continue;
      std::string direct = save_text(d);
      std::string decoded = decode_save_text(encode_all(d), d.family, d.ip);
      if (!decoded.empty() && decoded[0] == '!') {
        failures.push_back(c.id + ": decode: " + decoded);
        continue;
      }
      if (direct != decoded && !kernel_normalised(c))
        failures.push_back(c.id + ": save \"" + direct + "\" but after decode \"" + decoded +
                           "\"");
      if (kernel_normalised(c)) continue;
      std::string line = last_rule_line(c) + " ";
      // Each " -m X ..." / " -j X ..." piece must be in the -S line.
      std::size_t pos = 0;
      while (pos < decoded.size()) {
        std::size_t nxt = decoded.find(" -m ", pos + 1);
        std::size_t nj = decoded.find(" -j ", pos + 1);
        if (nj < nxt) nxt = nj;
        std::string piece = decoded.substr(pos, nxt == std::string::npos ? nxt : nxt - pos);
        if (line.find(piece + " ") == std::string::npos)
          failures.push_back(c.id + ": \"" + piece + "\" not in S \"" + line + "\"");
        pos = nxt == std::string::npos ? decoded.size() : nxt;
      }
    }
  }
  for (const auto& f : failures) ADD_FAILURE() << f;
  std::printf("[ sweep ] checked %d rule cases, %d extension errors, skipped %d\n", checked,
              errors_checked, skipped);
  if (std::getenv("CX_SWEEP_VERBOSE"))
    for (const auto& [why, n] : skip_reasons) std::printf("  skipped %3d: %s\n", n, why.c_str());
  EXPECT_GT(checked, 100);
}

}  // namespace
}  // namespace cx::test
