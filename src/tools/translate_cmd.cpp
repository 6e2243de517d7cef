// iptables-translate and iptables-restore-translate (and their ip6tables forms): print the
// nft commands for an iptables command or a restore file, as iptables-nft 1.8.9's do.
#include <fcntl.h>
#include <getopt.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

#include "cli/command.h"
#include "ext/util.h"
#include "restore/restore.h"
#include "tools/commands.h"
#include "tools/help.h"
#include "xlate/restore_translate.h"
#include "xlate/translate.h"

namespace cx::tools {

namespace {

void write_out(const std::string& s) { std::fwrite(s.data(), 1, s.size(), stdout); }

// -h: iptables' help under the tool's name, then the help of the target and of the matches
// the command named.
void print_help(const std::string& prog, const cli::Command& cmd) {
  write_out(help_text(prog, cmd.family));
  if (!cmd.help_target.empty()) {
    std::string_view h = ext::extension_help(cmd.help_target, true, cmd.family);
    std::fwrite(h.data(), 1, h.size(), stdout);
  }
  for (const auto& m : cmd.help_matches) {
    std::string_view h = ext::extension_help(m, false, cmd.family);
    std::fwrite(h.data(), 1, h.size(), stdout);
  }
}

std::string ctime_text() {
  time_t t = time(nullptr);
  char buf[64];
  ctime_r(&t, buf);
  return buf;  // with its '\n'
}

[[noreturn]] void usage_exit(const char* argv0) {
  std::fprintf(stderr,
               "%s 1.8.9 (c) 2014 by Pablo Neira Ayuso <pablo@netfilter.org>\n"
               "Usage: %s [-h] [-f <FILE>] [-V]\n"
               "\t[ --help ]\n"
               "\t[ --file=<FILE> ]\n"
               "\t[ --version ]\n",
               argv0, argv0);
  std::exit(1);
}

}  // namespace

int run_translate(const std::string& prog, Family family, int argc, char** argv) {
  std::vector<std::string> args(argv, argv + argc);
  cli::ParseOptions po;
  po.translate = true;
  std::vector<std::string> early_warnings;
  po.warnings_on_error = &early_warnings;
  auto cmd = cli::parse_command(args, family, prog, po);
  if (!cmd) {
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
    print_help(prog, *cmd);
    return 0;
  }
  std::string out;
  std::vector<std::string> warnings;
  auto ok = xlate::translate_command(*cmd, false, out, warnings);
  for (const auto& w : warnings) std::fprintf(stderr, "%s\n", w.c_str());
  if (!ok) {  // nothing of the refused command is printed
    print_error(prog, ok.error(), false);
    return ok.error().exit_code();
  }
  write_out(out);
  if (!*ok) {
    std::fflush(stdout);
    std::fputs("Translation not implemented\n", stderr);
    return 1;
  }
  return 0;
}

int run_restore_translate(const std::string& prog, Family family, int argc, char** argv) {
  static const option kOptions[] = {
      {"help", 0, nullptr, 'h'},
      {"file", 1, nullptr, 'f'},
      {"version", 0, nullptr, 'V'},
      {nullptr, 0, nullptr, 0},
  };
  const char* file = nullptr;
  optind = 0;
  opterr = 0;  // unknown options are passed over
  int c;
  while ((c = getopt_long(argc, argv, "hf:V", kOptions, nullptr)) != -1) {
    switch (c) {
      case 'h':
        usage_exit(argv[0]);
      case 'f':
        file = optarg;
        break;
      case 'V':
        std::printf("%s v1.8.9\n", argv[0]);
        return 0;
      default:
        break;
    }
  }
  if (!file) {
    std::fputs("ERROR: missing file name\n", stderr);
    usage_exit(argv[0]);
  }
  int fd = open(file, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    std::fprintf(stderr, "Cannot open file %s\n", file);
    return 1;
  }
  const std::string when = ctime_text();
  xlate::RestoreTranslateOutput output;
  output.out = std::string("# Translated by ") + argv[0] + " v1.8.9 on " + when;
  restore::LineReader input(fd);
  auto result = xlate::restore_translate(input, family, prog, output);
  close(fd);
  for (const auto& w : output.warnings) std::fprintf(stderr, "%s\n", w.c_str());
  write_out(output.out);
  if (!result) {
    std::fflush(stdout);
    print_error(prog, result.error(), true);
    return result.error().exit_code();
  }
  switch (result->end) {
    case xlate::RestoreTranslation::End::Help:
      print_help(prog, result->command);
      return 0;
    case xlate::RestoreTranslation::End::Version:
      std::printf("%s %s\n", prog.c_str(), kVersion);
      return 0;
    case xlate::RestoreTranslation::End::Completed:
      break;
  }
  std::printf("# Completed on %s", when.c_str());
  return 0;
}

}  // namespace cx::tools
