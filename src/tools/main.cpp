// The one program behind every name: iptables, ip6tables, *-save, *-restore, and the -nft
// names. The only place that prints errors or exits.
#include <fcntl.h>
#include <getopt.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "cli/command.h"
#include "compile/plan.h"
#include "core/session.h"
#include "ext/extension.h"
#include "ext/util.h"
#include "restore/restore.h"
#include "tools/commands.h"
#include "tools/help.h"

namespace cx::tools {

void print_error(const std::string& prog, const Error& e, bool restore_line) {
  std::string msg;
  auto try_line = "Try `" + prog + " -h' or '" + prog + " --help' for more information.\n";
  switch (e.style) {
    case ErrorStyle::Versioned:
      msg = prog + " " + kVersion + ": " + e.message + "\n";
      if (restore_line && e.line) msg += "Error occurred at line: " + std::to_string(e.line) + "\n";
      msg += try_line;
      break;
    case ErrorStyle::VersionedBlank:
      msg = prog + " " + kVersion + ": " + e.message + "\n\n";
      if (restore_line && e.line) msg += "Error occurred at line: " + std::to_string(e.line) + "\n";
      msg += try_line;
      break;
    case ErrorStyle::VersionedOnly:
      msg = prog + " " + kVersion + ": " + e.message + "\n";
      break;
    case ErrorStyle::Plain:
      msg = prog + ": " + e.message + "\n";
      break;
    case ErrorStyle::Bare:
      msg = e.message + "\n";
      break;
    case ErrorStyle::Raw:
      if (!e.message.empty()) msg = e.message + "\n";
      if (restore_line && e.line) msg += "Error occurred at line: " + std::to_string(e.line) + "\n";
      msg += try_line;
      break;
  }
  std::fputs(msg.c_str(), stderr);
}

}  // namespace cx::tools

namespace {

using cx::Error;
using cx::ErrorStyle;
using cx::Family;
using cx::tools::kVersion;
using cx::tools::print_error;

int run_iptables(const std::string& prog, Family family, int argc, char** argv) {
  std::vector<std::string> args(argv, argv + argc);
  std::vector<std::string> early_warnings;
  std::vector<cx::cli::XtUse> loaded;
  auto cmd = cx::cli::parse_command(args, family, prog, false, &early_warnings, &loaded);
  if (!cmd) {
    // iptables warned about a missing kernel extension as it loaded it, before the error.
    if (!loaded.empty()) {
      cx::core::Session probe(family, prog);
      if (probe.connect()) {
        probe.warn_missing_extensions(loaded);
        for (const auto& w : probe.warnings()) std::fprintf(stderr, "%s\n", w.c_str());
      }
    }
    for (const auto& w : early_warnings) std::fprintf(stderr, "%s\n", w.c_str());
    print_error(prog, cmd.error());
    return cmd.error().exit_code();
  }
  for (const auto& w : cmd->warnings) std::fprintf(stderr, "%s\n", w.c_str());
  if (cmd->version) {
    std::printf("%s %s\n", prog.c_str(), kVersion);
    return 0;
  }
  if (cmd->help) {
    // iptables loads each extension it is asked about, probing the kernel for it, and warns
    // about one the kernel lacks (as root; without a netlink socket it stays silent).
    cx::core::Session probe(family, prog);
    if (probe.connect()) {
      auto warn_missing = [&](std::string_view kernel_name, std::uint32_t revision, bool target) {
        if (kernel_name.empty()) return;
        if (auto w = probe.missing_extension_warning({std::string(kernel_name), revision, target}))
          std::fprintf(stderr, "%s\n", w->c_str());
      };
      for (const auto& m : cmd->help_matches)
        if (const auto* t = cx::ext::find_match(m, family))
          warn_missing(t->kernel_name, t->revision, false);
      if (const auto* t = cx::ext::find_target(cmd->help_target, family))
        warn_missing(t->kernel_name, t->revision, true);
    }
    std::fputs(cx::tools::help_text(prog, family).c_str(), stdout);
    // The target's help comes before the matches', as iptables prints them.
    if (!cmd->help_target.empty()) {
      std::string_view h = cx::ext::extension_help(cmd->help_target, true, family);
      std::fwrite(h.data(), 1, h.size(), stdout);
    }
    for (const auto& m : cmd->help_matches) {
      std::string_view h = cx::ext::extension_help(m, false, family);
      std::fwrite(h.data(), 1, h.size(), stdout);
    }
    return 0;
  }
  cx::core::Session session(family, prog);
  if (auto s = session.connect(); !s) {
    print_error(prog, s.error());
    return s.error().exit_code();
  }
  std::string out;
  cx::Status s = session.execute(*cmd, out);
  std::fwrite(out.data(), 1, out.size(), stdout);
  if (!s) session.warn_missing_extensions(cmd->xt_loaded);
  for (const auto& w : session.warnings()) std::fprintf(stderr, "%s\n", w.c_str());
  if (!s) {
    print_error(prog, s.error());
    return s.error().exit_code();
  }
  return 0;
}

std::string now_text() {
  time_t t = time(nullptr);
  char buf[64];
  ctime_r(&t, buf);
  std::string s(buf);
  if (!s.empty() && s.back() == '\n') s.pop_back();
  return s;
}

// iptables-save's and iptables-restore's own options, read with getopt_long as they read them
// (abbreviations, glibc's messages naming argv[0]). Both name themselves by argv[0]'s basename
// ("iptables-nft-save v1.8.9 ...").
struct SaveArgs {
  bool counters = false;
  std::string table;
  bool table_set = false;  // also -t '' (a table of no name, which does not exist)
};

// Returns the exit code when the options end the program (-V, errors), or -1 to go on.
int parse_save_args(const std::string& prog, int argc, char** argv, SaveArgs& out) {
  static const option kOptions[] = {
      {"counters", 0, nullptr, 'c'}, {"version", 0, nullptr, 'V'},  {"dump", 0, nullptr, 'd'},
      {"table", 1, nullptr, 't'},    {"modprobe", 1, nullptr, 'M'}, {"file", 1, nullptr, 'f'},
      {nullptr, 0, nullptr, 0},
  };
  optind = 0;
  opterr = 1;
  int c;
  while ((c = getopt_long(argc, argv, "bcdt:M:f:V", kOptions, nullptr)) != -1) {
    switch (c) {
      case 'b':
        std::fputs("-b/--binary option is not implemented\n", stderr);
        break;
      case 'c':
        out.counters = true;
        break;
      case 't':
        out.table = optarg;
        out.table_set = true;
        break;
      case 'M':
      case 'd':
        break;
      case 'f': {
        int fd = open(optarg, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
        if (fd < 0) {
          std::fprintf(stderr, "Failed to open file, error: %s\n", std::strerror(errno));
          return 1;
        }
        if (dup2(fd, STDOUT_FILENO) < 0) {
          std::fprintf(stderr, "Failed to redirect stdout, error: %s\n", std::strerror(errno));
          return 1;
        }
        close(fd);
        break;
      }
      case 'V':
        std::printf("%s %s\n", prog.c_str(), kVersion);
        return 0;
      default:
        std::fprintf(stderr, "Look at manual page `%s.8' for more information.\n", prog.c_str());
        return 1;
    }
  }
  if (optind < argc) {
    std::fputs("Unknown arguments found on commandline\n", stderr);
    return 1;
  }
  return -1;
}

int run_save(const std::string& prog, const std::string& base, Family family, int argc,
             char** argv) {
  SaveArgs args;
  if (int rc = parse_save_args(prog, argc, argv, args); rc >= 0) return rc;
  if (args.table_set && args.table.empty()) {
    std::fputs("Table `' does not exist\n", stderr);
    return 1;
  }
  cx::core::Session session(family, base);
  if (auto s = session.connect(); !s) {
    print_error(prog, s.error());
    return s.error().exit_code();
  }
  std::string printed;
  auto text =
      cx::restore::save_text(session, args.table, args.counters, now_text(), prog, &printed);
  if (!text) {
    std::fwrite(printed.data(), 1, printed.size(), stdout);
    print_error(prog, text.error());
    return text.error().exit_code();
  }
  std::fwrite(text->data(), 1, text->size(), stdout);
  return 0;
}

// iptables-restore -w/-W take an optional value, also as the next word.
bool next_word_is_value(int argc, char** argv) {
  return optind < argc && argv[optind][0] != '-' && argv[optind][0] != '!';
}

constexpr int kOptimizeOption = 0x100;  // a long option only

int parse_restore_args(const std::string& prog, int argc, char** argv, cx::restore::Options& opts,
                       std::string& file) {
  static const option kOptions[] = {
      {"counters", 0, nullptr, 'c'},
      {"verbose", 0, nullptr, 'v'},
      {"version", 0, nullptr, 'V'},
      {"test", 0, nullptr, 't'},
      {"help", 0, nullptr, 'h'},
      {"noflush", 0, nullptr, 'n'},
      {"modprobe", 1, nullptr, 'M'},
      {"table", 1, nullptr, 'T'},
      {"ipv4", 0, nullptr, '4'},
      {"ipv6", 0, nullptr, '6'},
      {"wait", 2, nullptr, 'w'},
      {"wait-interval", 2, nullptr, 'W'},
      {"optimize", 0, nullptr, kOptimizeOption},
      {nullptr, 0, nullptr, 0},
  };
  optind = 0;
  opterr = 1;
  int c;
  while ((c = getopt_long(argc, argv, "bcvVthnM:T:wW", kOptions, nullptr)) != -1) {
    switch (c) {
      case 'b':
        std::fputs("-b/--binary option is not implemented\n", stderr);
        break;
      case 'c':
        opts.counters = true;
        break;
      case 'v':
        opts.verbose = true;
        break;
      case 'V':
        std::printf("%s %s\n", prog.c_str(), kVersion);
        return 0;
      case 't':
        opts.test = true;
        break;
      case 'h':
        std::printf(
            "Usage: %s [-c] [-v] [-V] [-t] [-h] [-n] [-T table] [-M command] [-4] [-6] [file]\n"
            "\t   [ --counters ]\n\t   [ --verbose ]\n\t   [ --version]\n\t   [ --test ]\n"
            "\t   [ --help ]\n\t   [ --noflush ]\n\t   [ --table=<TABLE> ]\n"
            "\t   [ --modprobe=<command> ]\n\t   [ --ipv4 ]\n\t   [ --ipv6 ]\n",
            prog.c_str());
        return 0;
      case 'n':
        opts.noflush = true;
        break;
      case kOptimizeOption:  // ours: compile the tables' chains (cxtables optimize)
        opts.optimize = cx::compile::Options{}.min_run;
        break;
      case 'M':
        break;
      case 'T':
        opts.table = optarg;
        break;
      case 'w':
      case 'W':
        if (!optarg && next_word_is_value(argc, argv)) ++optind;
        break;
      default:  // also --ipv4/--ipv6, which iptables-restore lists but does not handle
        std::fprintf(stderr, "Try `%s -h' for more information.\n", prog.c_str());
        return 1;
    }
  }
  if (optind == argc - 1) {
    file = argv[optind];
  } else if (optind < argc) {
    std::fputs("Unknown arguments found on commandline\n", stderr);
    return 1;
  }
  return -1;
}

int run_restore(const std::string& prog, const std::string& base, Family family, int argc,
                char** argv) {
  cx::restore::Options opts;
  std::string file;
  if (int rc = parse_restore_args(prog, argc, argv, opts, file); rc >= 0) return rc;
  int in = STDIN_FILENO;
  if (!file.empty()) {
    in = open(file.c_str(), O_RDONLY | O_CLOEXEC);
    if (in < 0) {
      std::fprintf(stderr, "Can't open %s: %s\n", file.c_str(), std::strerror(errno));
      return 1;
    }
  }
  cx::restore::LineReader input(in);

  cx::core::Session session(family, base);
  if (auto s = session.connect(); !s) {
    print_error(prog, s.error());
    return s.error().exit_code();
  }
  std::vector<std::string> warnings;
  std::string verbose;
  opts.verbose_out = &verbose;
  cx::Status s = cx::restore::restore_lines(session, input, opts, prog, warnings);
  if (in != STDIN_FILENO) close(in);
  std::fwrite(verbose.data(), 1, verbose.size(), stdout);
  for (const auto& w : warnings) std::fprintf(stderr, "%s\n", w.c_str());
  if (!s) {
    print_error(prog, s.error(), true);
    return s.error().exit_code();
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string name = argv[0];
  if (auto slash = name.rfind('/'); slash != std::string::npos) name = name.substr(slash + 1);
  // "iptables-nft-save" behaves as "iptables-save", and so on.
  std::string plain = name;
  if (auto pos = plain.find("-nft"); pos != std::string::npos) plain.erase(pos, 4);
  if (plain == "cxtables") {
    // "cxtables trace|apply|lint ..." are our own tools; "cxtables iptables ..." dispatches
    // like the link would.
    if (argc > 1 && cx::tools::is_cxtables_command(argv[1]))
      return cx::tools::run_cxtables_command(argc - 1, argv + 1);
    if (argc > 1) {
      std::string a = argv[1];
      if (a == "-h" || a == "--help") {
        std::fputs(cx::tools::cxtables_usage(), stdout);
        return 0;
      }
      if (a == "-V" || a == "--version") {
        std::fputs(cx::tools::cxtables_version_text().c_str(), stdout);
        return 0;
      }
      if (!a.empty() && a[0] == '-') {
        std::fprintf(stderr, "cxtables: unknown option `%s'\n%s", a.c_str(),
                     cx::tools::cxtables_usage());
        return 2;
      }
      return main(argc - 1, argv + 1);
    }
    std::fputs(cx::tools::cxtables_usage(), stderr);
    return 2;
  }
  if (plain == "xtables-monitor") return cx::tools::run_monitor(argc, argv);
  Family family = plain.rfind("ip6tables", 0) == 0 ? Family::V6 : Family::V4;
  std::string base = family == Family::V6 ? "ip6tables" : "iptables";
  if (plain == base) return run_iptables(base, family, argc, argv);
  if (plain == base + "-save") return run_save(name, base, family, argc, argv);
  if (plain == base + "-restore") return run_restore(name, base, family, argc, argv);
  if (plain == base + "-translate")
    return cx::tools::run_translate(base + "-translate", family, argc, argv);
  if (plain == base + "-restore-translate")
    return cx::tools::run_restore_translate(base + "-translate-restore", family, argc, argv);
  std::fprintf(stderr, "cxtables: unknown program name `%s'\n", name.c_str());
  return 1;
}
