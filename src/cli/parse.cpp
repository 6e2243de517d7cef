// iptables' option grammar, reproduced with getopt_long over a merged option table just as
// iptables builds it: the core options, then the options of every extension loaded so far.
#include "common/parse.h"

#include <getopt.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>

#include "cli/command.h"
#include "core/tables.h"
#include "ext/extension.h"

namespace cx::cli {

namespace {

// Options that each command accepts: iptables' commands_v_options, by column
// n s d p j v x i o 0 c f  (0 = --line-numbers, c = -c).
constexpr const char kOptionLetters[] = "nsdpjvxio0cf";
struct CommandOptions {
  unsigned cmd;
  char letter;
  const char* allowed;  // one char per option: 'x' illegal, '+' mandatory, ' ' optional
};
constexpr CommandOptions kCommandOptions[] = {
    //                     nsdpjvxio0cf
    {kCmdInsert, 'I', "x     x  x  "},    {kCmdDelete, 'D', "x     x  xx "},
    {kCmdDeleteNum, 'D', "xxxxx xxxxxx"}, {kCmdReplace, 'R', "x     x  x  "},
    {kCmdAppend, 'A', "x     x  x  "},    {kCmdList, 'L', " xxxx  xx xx"},
    {kCmdFlush, 'F', "xxxxx xxxxxx"},     {kCmdZero, 'Z', "xxxxx xxxxxx"},
    {kCmdNewChain, 'N', "xxxxx xxxxxx"},  {kCmdDeleteChain, 'X', "xxxxx xxxxxx"},
    {kCmdSetPolicy, 'P', "xxxxx xxxx x"}, {kCmdRenameChain, 'E', "xxxxx xxxxxx"},
    {kCmdListRules, 'S', "xxxxx xxxxxx"}, {kCmdZeroNum, 'Z', "xxxxx xxxxxx"},
    {kCmdCheck, 'C', "x     x  xx "},
};

enum OptBit : unsigned {
  kOptNumeric = 1u << 0,
  kOptSource = 1u << 1,
  kOptDest = 1u << 2,
  kOptProto = 1u << 3,
  kOptJump = 1u << 4,
  kOptVerbose = 1u << 5,
  kOptExact = 1u << 6,
  kOptIn = 1u << 7,
  kOptOut = 1u << 8,
  kOptLineNumbers = 1u << 9,
  kOptCounters = 1u << 10,
  kOptFragment = 1u << 11,
};

constexpr int kExtOptionBase = 0x1000;
constexpr int kExtOptionStride = 0x100;

struct LoadedExt {
  std::unique_ptr<ext::Match> match;
  std::unique_ptr<ext::Target> target;
  const ext::MatchType* match_type = nullptr;
  const ext::TargetType* target_type = nullptr;
  std::span<const ext::OptionSpec> options;
  bool clone = false;  // a match loaded again: it adds no option names of its own
};

Error conflict(unsigned newcmd, unsigned oldcmd) {
  auto letter = [](unsigned c) {
    for (const auto& co : kCommandOptions)
      if (co.cmd == c) return co.letter;
    return '?';
  };
  return parameter_error(std::string("Cannot use -") + letter(newcmd) + " with -" + letter(oldcmd));
}

Result<int> parse_rulenumber(const std::string& s) {
  auto v = parse_unsigned(s, 0x7fffffff, 10);
  if (!v || *v == 0) return parameter_error("Invalid rule number `" + s + "'");
  return static_cast<int>(*v);
}

bool is_option_like(const char* s) { return s[0] == '-' || s[0] == '!'; }

}  // namespace

Status check_chain_name(const std::string& name, bool is_new,
                        const std::set<std::string>* not_targets) {
  (void)is_new;
  const bool announced = not_targets && not_targets->count(name);
  if (name.size() >= 29)
    return parameter_error("chain name `" + name + "' too long (must be under 29 chars)");
  if (!name.empty() && (name[0] == '-' || name[0] == '!'))
    return parameter_error(std::string("chain name not allowed to start with `") + name[0] + "'");
  if (name == "ACCEPT" || name == "DROP" || name == "RETURN" || name == "QUEUE" ||
      (!announced && (ext::find_target(name, Family::V4) || ext::find_target(name, Family::V6))))
    return parameter_error("chain name may not clash with target name");
  for (char c : name)
    if (std::isspace(static_cast<unsigned char>(c)))
      return parameter_error("Invalid chain name `" + name + "'");
  return {};
}

namespace {

// The words of one command, read into `cmd`. iptables prints its warnings while it reads,
// so those in cmd.warnings so far are due even when an error ends the reading.
Status parse_into(Command& cmd, const std::vector<std::string>& args, Family family,
                  const std::string& program, bool restore_mode,
                  const std::set<std::string>* not_targets, bool translate) {
  auto is_announced = [&](const std::string& n) { return not_targets && not_targets->count(n); };
  cmd.family = family;
  cmd.program = program;

  // getopt wants char* argv; keep our own copies alive.
  std::vector<std::string> words = args;
  std::vector<char*> argv;
  for (auto& w : words) argv.push_back(w.data());
  argv.push_back(nullptr);
  int argc = static_cast<int>(words.size());

  static const option kCoreOptions[] = {
      {"append", 1, nullptr, 'A'},        {"delete", 1, nullptr, 'D'},
      {"check", 1, nullptr, 'C'},         {"insert", 1, nullptr, 'I'},
      {"replace", 1, nullptr, 'R'},       {"list", 2, nullptr, 'L'},
      {"list-rules", 2, nullptr, 'S'},    {"flush", 2, nullptr, 'F'},
      {"zero", 2, nullptr, 'Z'},          {"new-chain", 1, nullptr, 'N'},
      {"delete-chain", 2, nullptr, 'X'},  {"rename-chain", 1, nullptr, 'E'},
      {"policy", 1, nullptr, 'P'},        {"source", 1, nullptr, 's'},
      {"destination", 1, nullptr, 'd'},   {"src", 1, nullptr, 's'},
      {"dst", 1, nullptr, 'd'},           {"protocol", 1, nullptr, 'p'},
      {"in-interface", 1, nullptr, 'i'},  {"jump", 1, nullptr, 'j'},
      {"table", 1, nullptr, 't'},         {"match", 1, nullptr, 'm'},
      {"numeric", 0, nullptr, 'n'},       {"out-interface", 1, nullptr, 'o'},
      {"verbose", 0, nullptr, 'v'},       {"wait", 2, nullptr, 'w'},
      {"wait-interval", 2, nullptr, 'W'}, {"exact", 0, nullptr, 'x'},
      {"fragments", 0, nullptr, 'f'},     {"version", 0, nullptr, 'V'},
      {"help", 2, nullptr, 'h'},          {"line-numbers", 0, nullptr, '0'},
      {"modprobe", 1, nullptr, 'M'},      {"set-counters", 1, nullptr, 'c'},
      {"goto", 1, nullptr, 'g'},          {"ipv4", 0, nullptr, '4'},
      {"ipv6", 0, nullptr, '6'},
  };

  std::vector<LoadedExt> loaded;          // in load order; the target, if any, is one of them
  std::vector<std::string> option_names;  // storage for merged names
  std::vector<option> table;
  auto rebuild_table = [&]() {
    table.assign(std::begin(kCoreOptions), std::end(kCoreOptions));
    // As libxtables merges options: the most recently loaded extension wins an option name,
    // but a match loaded a second time is a clone that adds none (-m udp -m tcp -m udp
    // --dport: tcp's); the option then goes to the latest instance of its owner (see below).
    for (std::size_t i = loaded.size(); i-- > 0;) {
      if (loaded[i].clone) continue;
      for (const auto& o : loaded[i].options) {
        option opt{};
        opt.name = o.name.data();  // OptionSpec names are literals: NUL-terminated
        opt.has_arg = o.arg == ext::ArgKind::None ? 0 : o.arg == ext::ArgKind::Required ? 1 : 2;
        opt.val = kExtOptionBase + static_cast<int>(i) * kExtOptionStride + o.id;
        table.push_back(opt);
      }
    }
    table.push_back(option{nullptr, 0, nullptr, 0});
  };
  rebuild_table();

  model::Rule rule;
  std::vector<model::Address> srcs, dsts;
  std::string src_text, dst_text;
  unsigned options = 0;
  bool invert = false;
  std::string jumpto;
  bool is_goto = false;
  int target_index = -1;
  bool proto_match_loaded = false;
  std::string proto_text;
  ext::RuleContext ctx;
  ctx.family = family;
  ctx.ip = &rule.ip;
  ctx.program = cmd.program;
  ctx.warnings = &cmd.warnings;

  // As iptables' add_command: a command may join only the commands it allows (-L and -S
  // with -Z); the one named in the message is the highest other bit.
  auto add_command = [&](unsigned newcmd, bool inv, unsigned allowed = kCmdNone) -> Status {
    if (inv) return parameter_error("unexpected '!' flag");
    unsigned others = cmd.command & ~allowed;
    if (others) {
      while (others & (others - 1)) others &= others - 1;  // keep the highest bit
      return conflict(newcmd, others);
    }
    cmd.command |= newcmd;
    return {};
  };
  auto set_option = [&](unsigned bit, char letter, bool inv, bool invertible) -> Status {
    if (options & bit)
      return parameter_error(std::string("multiple -") + letter + " flags not allowed");
    options |= bit;
    if (inv && !invertible) return parameter_error(std::string("cannot have ! before -") + letter);
    return {};
  };
  auto note_xt = [&](std::string_view kernel_name, std::uint32_t revision, bool target) {
    if (kernel_name.empty()) return;
    XtUse u{std::string(kernel_name), revision, target};
    if (std::find(cmd.xt_loaded.begin(), cmd.xt_loaded.end(), u) == cmd.xt_loaded.end())
      cmd.xt_loaded.push_back(std::move(u));
  };
  auto load_match = [&](const ext::MatchType* type) {
    note_xt(type->kernel_name, type->revision, false);
    LoadedExt le;
    le.match = type->create(family);
    le.match_type = type;
    le.options = type->options;
    le.clone = std::any_of(loaded.begin(), loaded.end(),
                           [&](const LoadedExt& o) { return o.match_type == type; });
    loaded.push_back(std::move(le));
    rebuild_table();
  };

  bool table_set = false;
  int wait = 0;
  bool wait_interval_set = false;
  optind = 0;  // full getopt reset (glibc)
  opterr = 0;
  int c;
  while (
      (c = getopt_long(argc, argv.data(),
                       "-:A:C:D:R:I:L::S::M:F::Z::N:X::E:P:Vh::o:p:s:d:j:i:fbvw::W::nt:m:xc:g:46",
                       table.data(), nullptr)) != -1) {
    auto next_is_arg = [&]() { return optind < argc && !is_option_like(argv[optind]); };
    switch (c) {
      case 'A':
        CX_TRY(add_command(kCmdAppend, invert));
        cmd.chain = optarg;
        break;
      case 'C':
        CX_TRY(add_command(kCmdCheck, invert));
        cmd.chain = optarg;
        break;
      case 'D':
        CX_TRY(add_command(kCmdDelete, invert));
        cmd.chain = optarg;
        if (next_is_arg()) {
          auto n = parse_rulenumber(argv[optind++]);
          if (!n) return n.take_error();
          cmd.rulenum = *n;
          cmd.command = kCmdDeleteNum;
        }
        break;
      case 'R':
        CX_TRY(add_command(kCmdReplace, invert));
        cmd.chain = optarg;
        if (!next_is_arg()) return parameter_error("-R requires a rule number");
        {
          auto n = parse_rulenumber(argv[optind++]);
          if (!n) return n.take_error();
          cmd.rulenum = *n;
        }
        break;
      case 'I':
        CX_TRY(add_command(kCmdInsert, invert));
        cmd.chain = optarg;
        cmd.rulenum = 1;
        if (next_is_arg()) {
          auto n = parse_rulenumber(argv[optind++]);
          if (!n) return n.take_error();
          cmd.rulenum = *n;
        }
        break;
      case 'L':
      case 'S':
      case 'Z': {
        unsigned bit = c == 'L' ? kCmdList : c == 'S' ? kCmdListRules : kCmdZero;
        unsigned allowed = c == 'Z' ? kCmdList | kCmdListRules : kCmdZero | kCmdZeroNum;
        CX_TRY(add_command(bit, invert, allowed));
        if (optarg)
          cmd.chain = optarg;
        else if (next_is_arg())
          cmd.chain = argv[optind++];
        if (!cmd.chain.empty() && next_is_arg()) {
          auto n = parse_rulenumber(argv[optind++]);
          if (!n) return n.take_error();
          cmd.rulenum = *n;
          if (c == 'Z') cmd.command = kCmdZeroNum;  // and no longer a listing
        }
        break;
      }
      case 'F':
      case 'X':
        CX_TRY(add_command(c == 'F' ? kCmdFlush : kCmdDeleteChain, invert));
        if (optarg)
          cmd.chain = optarg;
        else if (next_is_arg())
          cmd.chain = argv[optind++];
        break;
      case 'N':
        // iptables loads a target of that name to refuse it (and warns if the kernel lacks
        // it), and checks the name before the command clash.
        if (const ext::TargetType* t = ext::find_target(optarg, family); t && !is_announced(optarg))
          note_xt(t->kernel_name, t->revision, true);
        CX_TRY(check_chain_name(optarg, true, not_targets));
        CX_TRY(add_command(kCmdNewChain, invert));
        cmd.chain = optarg;
        break;
      case 'E':
        CX_TRY(add_command(kCmdRenameChain, invert));
        cmd.chain = optarg;
        if (!next_is_arg()) return parameter_error("-E requires old-chain-name and new-chain-name");
        cmd.new_name = argv[optind++];
        break;
      case 'P':
        CX_TRY(add_command(kCmdSetPolicy, invert));
        cmd.chain = optarg;
        if (!next_is_arg()) return parameter_error("-P requires a chain and a policy");
        cmd.new_name = argv[optind++];
        break;
      case 'h':
        if (!optarg && next_is_arg()) optarg = argv[optind++];
        cmd.help = true;
        // iptables -h also prints the help of the extensions loaded so far, and of the
        // match named by -p.
        for (const auto& le : loaded) {
          if (le.match_type) cmd.help_matches.emplace_back(le.match_type->name);
          if (le.target_type) cmd.help_target = std::string(le.target_type->name);
        }
        // A verdict given with -j loads iptables' "standard" target, which has a help too.
        if (jumpto == "ACCEPT" || jumpto == "DROP" || jumpto == "RETURN" || jumpto == "QUEUE")
          cmd.help_target = "standard";
        // ... and the match named by -p only when no match was loaded at all.
        if ((options & kOptProto) && !proto_match_loaded && cmd.help_matches.empty()) {
          std::string pname = protocol_name(rule.ip.proto, family);
          if (family == Family::V6 && rule.ip.proto == 58) pname = "icmp6";
          if (ext::find_match(pname, family)) cmd.help_matches.push_back(pname);
        }
        // iptables prints the help and exits right here: what follows -h is not read.
        return {};
      case 'V':
        // iptables prints its version and exits right here, too.
        cmd.version = true;
        return {};
      case 'p': {
        CX_TRY(set_option(kOptProto, 'p', invert, true));
        auto p = parse_protocol(optarg);
        if (!p) return p.take_error();
        rule.ip.proto = *p;
        rule.ip.inv_proto = invert;
        proto_text = to_lower(optarg);
        if (rule.ip.proto == 0 && invert) return parameter_error("rule would never match protocol");
        if (family == Family::V6 && !invert &&
            (rule.ip.proto == 51 || rule.ip.proto == 0x2b || rule.ip.proto == 0x3c ||
             rule.ip.proto == 0x2c))
          cmd.warnings.push_back("Warning: never matched protocol: " + proto_text +
                                 ". use extension match instead.");
        break;
      }
      case 's':
      case 'd': {
        CX_TRY(set_option(c == 's' ? kOptSource : kOptDest, static_cast<char>(c), invert, true));
        // Parsed after the whole line, as iptables does: word errors come first.
        (c == 's' ? src_text : dst_text) = optarg;
        (c == 's' ? rule.ip.inv_src : rule.ip.inv_dst) = invert;
        break;
      }
      case 'i':
      case 'o': {
        if (optarg[0] == '\0') return parameter_error("Empty interface is likely to be undesired");
        CX_TRY(set_option(c == 'i' ? kOptIn : kOptOut, static_cast<char>(c), invert, true));
        CX_TRY(check_interface(optarg));
        if (std::strpbrk(optarg, "/ "))
          cmd.warnings.push_back(std::string("Warning: weird character in interface `") + optarg +
                                 "' ('/' and ' ' are not allowed by the kernel).");
        if (c == 'i') {
          rule.ip.iniface = optarg;
          rule.ip.inv_in = invert;
          rule.ip.has_iniface = true;
        } else {
          rule.ip.outiface = optarg;
          rule.ip.inv_out = invert;
          rule.ip.has_outiface = true;
        }
        break;
      }
      case 'f':
        if (family == Family::V6)
          return parameter_error("`-f' is not supported in IPv6, use -m frag instead");
        CX_TRY(set_option(kOptFragment, 'f', invert, true));
        rule.ip.frag = true;
        rule.ip.inv_frag = invert;
        break;
      case 'j':
      case 'g': {
        CX_TRY(set_option(kOptJump, 'j', invert, false));
        jumpto = optarg;
        is_goto = c == 'g';
        if (jumpto.empty()) return parameter_error("Invalid target name (too short)");
        if (jumpto.size() >= 29)
          return parameter_error("Invalid target name `" + jumpto + "' (28 chars max)");
        for (char ch : jumpto)
          if (std::isspace(static_cast<unsigned char>(ch)))
            return parameter_error("Invalid target name `" + jumpto + "'");
        if (!is_goto && !is_announced(jumpto)) {
          if (const ext::TargetType* t = ext::find_target(jumpto, family)) {
            note_xt(t->kernel_name, t->revision, true);
            LoadedExt le;
            le.target = t->create(family);
            le.target_type = t;
            le.options = t->options;
            target_index = static_cast<int>(loaded.size());
            loaded.push_back(std::move(le));
            rebuild_table();
          }
        }
        break;
      }
      case 'm': {
        if (invert) return parameter_error("unexpected ! flag before --match");
        // libxtables takes -m icmpv6 for icmp6 (also in its message, and for IPv4).
        const std::string name = std::string_view(optarg) == "icmpv6" ? "icmp6" : optarg;
        const ext::MatchType* t = ext::find_match(name, family);
        if (!t) return option_error("Couldn't load match `" + name + "':No such file or directory");
        load_match(t);
        if (proto_text == optarg) proto_match_loaded = true;
        break;
      }
      case 'n':
        CX_TRY(set_option(kOptNumeric, 'n', invert, false));
        cmd.numeric = true;
        break;
      case 'v':
        if (!(options & kOptVerbose)) options |= kOptVerbose;
        cmd.verbose = true;
        break;
      case 'x':
        CX_TRY(set_option(kOptExact, 'x', invert, false));
        cmd.exact = true;
        break;
      case '0':
        CX_TRY(set_option(kOptLineNumbers, '0', invert, false));
        cmd.line_numbers = true;
        break;
      case 't':
        if (invert) return parameter_error("unexpected ! flag before --table");
        // A restore line comes with "-t TABLE" already: a second one is refused.
        if (restore_mode && table_set)
          return option_error("The -t option cannot be used in " + program + ".");
        cmd.table = optarg;
        table_set = true;
        break;
      case 'w': {
        if (restore_mode) return parameter_error("You cannot use `-w' from iptables-restore");
        const char* arg = optarg ? optarg : next_is_arg() ? argv[optind++] : nullptr;
        wait = -1;
        if (arg && std::sscanf(arg, "%i", &wait) != 1)
          return parameter_error("wait seconds not numeric");
        break;
      }
      case 'W': {
        if (restore_mode) return parameter_error("You cannot use `-W' from iptables-restore");
        const char* arg = optarg ? optarg : next_is_arg() ? argv[optind++] : nullptr;
        if (!arg) return parameter_error("wait interval value required");
        unsigned usec = 0;
        if (std::sscanf(arg, "%u", &usec) != 1) return parameter_error("wait interval not numeric");
        if (usec > 999999)
          return parameter_error("too long usec wait " + std::to_string(usec) + " > 999999 usec");
        cmd.warnings.push_back("Ignoring deprecated --wait-interval option.");
        wait_interval_set = true;
        break;
      }
      case 'M':
        break;
      case 'c': {
        CX_TRY(set_option(kOptCounters, 'c', invert, false));
        // As xshared.c: "-c P,B" or "-c P B", each read with sscanf's %llu (a numeric prefix
        // is enough; "-1" wraps around).
        std::string pk = optarg;
        std::string by;
        if (auto comma = pk.find(',', 1); !pk.empty() && comma != std::string::npos)
          by = pk.substr(comma + 1);
        else if (next_is_arg())
          by = argv[optind++];
        else
          return parameter_error("-c requires packet and byte counter");
        unsigned long long p = 0, b = 0;
        if (std::sscanf(pk.c_str(), "%llu", &p) != 1)
          return parameter_error("-c packet counter not numeric");
        if (std::sscanf(by.c_str(), "%llu", &b) != 1)
          return parameter_error("-c byte counter not numeric");
        // ip6tables 1.8.9 parses -c but never copies the values into the rule it sends; its
        // restore turns "[p:b]" into -c, so those are lost too.
        if (family == Family::V4) {
          rule.counters = {p, b};
          rule.has_counters = true;
        }
        break;
      }
      case '4':
      case '6':
        if (family == (c == '4' ? Family::V4 : Family::V6)) break;
        // A restore line for the other family ends here: iptables-restore runs the command
        // parsed so far with no address pair, so rule commands do nothing.
        if (restore_mode) {
          cmd.other_family = true;
          return {};
        }
        return Error{ErrorKind::Parameter, "", ErrorStyle::Raw, 0};
      case 1:  // a word that is not an option
        if (std::strcmp(optarg, "!") == 0) {
          if (invert) return parameter_error("multiple consecutive ! not allowed");
          invert = true;
          optarg[0] = '\0';
          continue;
        }
        return Error{ErrorKind::Parameter, "Bad argument `" + std::string(optarg) + "'",
                     ErrorStyle::Raw, 0};
      case ':':
        return parameter_error("option \"" + std::string(argv[optind - 1]) +
                               "\" requires an argument");
      case '?':
      default: {
        if (c >= kExtOptionBase) {
          std::size_t idx = static_cast<std::size_t>((c - kExtOptionBase) / kExtOptionStride);
          int id = (c - kExtOptionBase) % kExtOptionStride;
          // Loading a match again completes the earlier instances: the latest one parses.
          if (loaded[idx].match_type)
            for (std::size_t j = loaded.size(); j-- > idx + 1;)
              if (loaded[j].match_type == loaded[idx].match_type) {
                idx = j;
                break;
              }
          LoadedExt& le = loaded[idx];
          ext::OptionArg oa;
          oa.value = optarg ? optarg : "";
          oa.text = optarg;
          oa.invert = invert;
          oa.argv = &words;
          std::size_t next = static_cast<std::size_t>(optind);
          oa.next = &next;
          oa.option_name = argv[optind - 1];
          Status s = le.match ? le.match->parse(id, oa, ctx) : le.target->parse(id, oa, ctx);
          if (!s) return s.take_error();
          optind = static_cast<int>(next);
          break;
        }
        // Unknown option: iptables loads the match named after -p and tries again.
        if (!proto_match_loaded && (options & kOptProto)) {
          // A name as given ("-p tcp") names the match itself; only a number needs the
          // protocol database (whose lookup costs more than the rest of a short command).
          const ext::MatchType* t = nullptr;
          if (!proto_text.empty() && !std::isdigit(static_cast<unsigned char>(proto_text[0])))
            t = ext::find_match(proto_text, family);
          if (!t) {
            std::string pname = protocol_name(rule.ip.proto, family);
            if (family == Family::V6 && rule.ip.proto == 58) pname = "icmp6";
            t = ext::find_match(pname, family);
          }
          if (!t && !proto_text.empty()) t = ext::find_match(proto_text, family);
          proto_match_loaded = true;
          if (t) {
            load_match(t);
            optind--;  // re-read the same option with the new table
            // glibc keeps state in __nextchar for clustered short options: reset it
            continue;
          }
        }
        // -b is in iptables' option letters but nothing handles it: it ends as an argument
        // that was never given.
        if (c == 'b') return parameter_error("Unknown arg \"(null)\"");
        return parameter_error("unknown option \"" + std::string(argv[optind - 1]) + "\"");
      }
    }
    invert = false;
  }

  // The checks after the words, in iptables' order.
  const bool set_policy = cmd.command & kCmdSetPolicy;
  if (cmd.table == "nat" && ((set_policy && cmd.new_name == "DROP") || jumpto == "DROP"))
    return Error{
        ErrorKind::Parameter,
        "\nThe \"nat\" table is not intended for filtering, the use of DROP is therefore inhibited.\n\n",
        ErrorStyle::Versioned, 0};
  if (!wait && wait_interval_set)
    return option_error("--wait-interval only makes sense with --wait");
  // Final checks of the extensions: the matches in load order, then the target.
  for (auto& le : loaded)
    if (le.match) CX_TRY(le.match->final_check(ctx));
  for (auto& le : loaded)
    if (le.target) CX_TRY(le.target->final_check(ctx));
  if (cmd.command == kCmdNone) return parameter_error("no command specified");
  if (invert) return parameter_error("nothing appropriate following !");

  // -s / -d: read whatever the command, "any" for a rule that gives none.
  const bool rule_cmd =
      cmd.command & (kCmdAppend | kCmdDelete | kCmdInsert | kCmdReplace | kCmdCheck);
  for (auto [text, out] : {std::pair{&src_text, &srcs}, std::pair{&dst_text, &dsts}}) {
    if (text->empty() && !(options & (out == &srcs ? kOptSource : kOptDest))) {
      if (rule_cmd) out->push_back({});
      continue;
    }
    auto a = parse_addresses(*text, family);
    if (!a) return a.take_error();
    *out = std::move(*a);
  }
  if ((srcs.size() > 1 || dsts.size() > 1) && (rule.ip.inv_src || rule.ip.inv_dst))
    return parameter_error("! not allowed with multiple source or destination IP addresses");
  if (cmd.command == kCmdReplace && (srcs.size() != 1 || dsts.size() != 1))
    return parameter_error("Replacement rule does not specify a unique address");

  // Which options go with which command: legal when any of the given commands allows it.
  for (int i = 0; kOptionLetters[i]; ++i) {
    if (!(options & (1u << i))) continue;
    int legal = 0;
    for (const auto& co : kCommandOptions) {
      if (!(cmd.command & co.cmd)) continue;
      if (co.allowed[i] != 'x')
        legal = 1;
      else if (legal == 0)
        legal = -1;
    }
    if (legal == -1) {
      return parameter_error(std::string("Illegal option `-") + kOptionLetters[i] +
                             "' with this command");
    }
  }
  if (cmd.chain.size() >= 29)
    return parameter_error("chain name `" + cmd.chain + "' too long (must be under 29 chars)");
  if (rule_cmd || cmd.command == kCmdDeleteNum) {
    // iptables rejects interface directions that a base chain can never see.
    if ((options & kOptOut) && (cmd.chain == "PREROUTING" || cmd.chain == "INPUT"))
      return option_error("Can't use -o with " + cmd.chain);
    if ((options & kOptIn) && (cmd.chain == "POSTROUTING" || cmd.chain == "OUTPUT"))
      return option_error("Can't use -i with " + cmd.chain);
  }
  if (rule_cmd) {
    if (jumpto.empty()) {
      rule.verdict = model::VerdictKind::None;
    } else if (is_goto) {
      rule.verdict = model::VerdictKind::Goto;
      rule.jump_chain = jumpto;
    } else if (jumpto == "ACCEPT") {
      rule.verdict = model::VerdictKind::Accept;
    } else if (jumpto == "DROP") {
      rule.verdict = model::VerdictKind::Drop;
    } else if (jumpto == "RETURN") {
      rule.verdict = model::VerdictKind::Return;
    } else if (jumpto == "QUEUE") {
      rule.verdict = model::VerdictKind::Queue;
    } else if (target_index >= 0) {
      rule.verdict = model::VerdictKind::Target;
      rule.target = std::move(loaded[static_cast<std::size_t>(target_index)].target);
    } else {
      rule.verdict = model::VerdictKind::Jump;
      rule.jump_chain = jumpto;
    }
    for (auto& le : loaded)
      if (le.match) rule.matches.push_back(std::move(le.match));
    // What iptables-nft checks while it builds the rule, once the table is known (an unknown
    // one is reported first, after parsing).
    if (!translate && core::find_table(cmd.table))
      for (const auto& m : rule.matches) CX_TRY(m->build_check(ctx));

    cmd.source_count = srcs.size();
    for (const auto& s : srcs) {
      for (const auto& d : dsts) {
        model::Rule r(rule);
        if (options & kOptSource) r.ip.src = s;
        if (options & kOptDest) r.ip.dst = d;
        cmd.rules.push_back(std::move(r));
      }
    }
  }
  if (rule.has_counters && cmd.command == kCmdSetPolicy) {
    cmd.rules.push_back(std::move(rule));  // carries the policy counters
  }
  for (const auto& w : words) cmd.words.emplace_back(w.c_str());
  return {};
}

}  // namespace

Result<Command> parse_command(const std::vector<std::string>& args, Family family,
                              const std::string& program, const ParseOptions& options) {
  Command cmd;
  Status s = parse_into(cmd, args, family, program, options.restore_mode, options.not_targets,
                        options.translate);
  if (!s) {
    if (options.warnings_on_error) *options.warnings_on_error = std::move(cmd.warnings);
    if (options.xt_on_error) *options.xt_on_error = std::move(cmd.xt_loaded);
    return s.take_error();
  }
  return cmd;
}

Result<Command> parse_command(const std::vector<std::string>& args, Family family,
                              const std::string& program, bool restore_mode,
                              std::vector<std::string>* warnings_on_error,
                              std::vector<XtUse>* xt_on_error,
                              const std::set<std::string>* not_targets) {
  return parse_command(
      args, family, program,
      ParseOptions{restore_mode, false, warnings_on_error, xt_on_error, not_targets});
}

}  // namespace cx::cli
