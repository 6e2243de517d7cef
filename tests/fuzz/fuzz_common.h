// Shared by the libFuzzer targets in this folder: everything a parsed or decoded rule goes
// through after parsing (printing in every form, encoding, decoding the encoding again), so
// that a value the parser or decoder lets through is also exercised where it is used.
#pragma once
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "cli/print.h"
#include "codec/rule_codec.h"
#include "ext/extension.h"
#include "model/rule.h"

namespace cx::fuzz {

// CX_FUZZ_ROUNDTRIP=1 turns "encode, decode, print gives another text" into a crash, for
// hunting lossy encodings; off by default (the targets look for memory and UB errors).
inline bool strict_roundtrip() {
  static const bool on = std::getenv("CX_FUZZ_ROUNDTRIP") != nullptr;
  return on;
}

inline std::string_view program_of(Family family) {
  return family == Family::V4 ? "iptables" : "ip6tables";
}

// Prints `rule` in save, spec, verbose and -L forms.
inline void print_rule(const model::Rule& rule, Family family) {
  (void)cli::save_rule(rule, "FUZZ", family, true);
  (void)cli::verbose_rule(rule, family);
  model::Chain chain;
  chain.name = "FUZZ";
  chain.rules.push_back(rule);
  constexpr unsigned kFormats[] = {
      0, cli::kFmtNumeric, cli::kFmtVerbose | cli::kFmtExact,
      cli::kFmtNumeric | cli::kFmtVerbose | cli::kFmtExact | cli::kFmtLineNumbers};
  for (unsigned f : kFormats) (void)cli::list_chain(chain, family, f, 1);
}

// Prints `rule`, encodes it, decodes the encoding and prints that. With `from_user` (the rule
// came from the parser, not from kernel bytes) and CX_FUZZ_ROUNDTRIP set, a changed save
// form aborts.
inline void exercise_rule(const model::Rule& rule, Family family, std::string_view table,
                          bool from_user) {
  print_rule(rule, family);
  std::vector<std::string> warnings;
  ext::RuleContext ctx;
  ctx.family = family;
  ctx.ip = &rule.ip;
  ctx.table = table;
  ctx.program = program_of(family);
  ctx.warnings = &warnings;
  auto exprs = codec::encode_rule(rule, ctx);
  if (!exprs) return;
  model::Rule back = codec::decode_rule(*exprs, family);
  print_rule(back, family);
  if (from_user && strict_roundtrip()) {
    std::string a = cli::rule_spec(rule, family);
    std::string b = cli::rule_spec(back, family);
    if (a != b || back.incompatible) {
      std::fprintf(stderr, "round trip changed the rule:\n  parsed:  %s\n  decoded: %s%s\n",
                   a.c_str(), b.c_str(), back.incompatible ? " (incompatible)" : "");
      std::abort();
    }
  }
}

}  // namespace cx::fuzz
