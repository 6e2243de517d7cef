// cxtables apply FILE [--timeout S] [--force]: a lockout-safe iptables-apply.
//  1. simulates the caller's SSH session (SSH_CONNECTION: client ip/port, server ip/port) with
//     the evaluator against FILE, both directions plus a new connection, and refuses with the
//     rule that would cut it unless --force;
//  2. saves the current ruleset, applies FILE (each table one transaction, as
//     iptables-restore does);
//  3. waits S seconds for a confirmation: "yes" typed on stdin, or `cxtables apply --confirm`
//     from another session; without one it restores the saved ruleset (tables FILE added are
//     removed).
// --check stops after step 1; --timeout 0 skips step 3; --background runs step 3 in a detached
// process so that the caller (a script, an Ansible task) gets its answer at once.
// Exit status: 0 applied and confirmed, 1 error, 2 usage, 3 refused (lockout), 4 rolled back.
#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <map>
#include <optional>
#include <set>

#include "common/parse.h"
#include "compile/expand.h"
#include "compile/plan.h"
#include "core/session.h"
#include "core/tables.h"
#include "restore/restore.h"
#include "tools/eval_support.h"
#include "tools/trace.h"

namespace cx::tools {

namespace {

constexpr int kExitRefused = 3, kExitRolledBack = 4;

constexpr const char* kUsage =
    "usage: cxtables apply [-4|-6] [--timeout S] [--background] [--force] [--optimize]\n"
    "                      [--netns NAME]\n"
    "                      [--ssh \"CLIENT CPORT SERVER SPORT\"] [--state-dir DIR] FILE\n"
    "       cxtables apply --check [-4|-6] [--netns NAME] [--ssh \"...\"] FILE\n"
    "       cxtables apply --confirm [--state-dir DIR]\n"
    "Applies FILE (iptables-save format) unless it would cut the SSH session this command\n"
    "runs in (SSH_CONNECTION, or --ssh \"CLIENT CPORT SERVER SPORT\"); then keeps it only if\n"
    "confirmed within S seconds (default 15; 0 keeps it at once): type \"yes\", or run\n"
    "`cxtables apply --confirm`. Otherwise the previous ruleset comes back. --background\n"
    "returns at once and leaves a process waiting for `cxtables apply --confirm`. --check\n"
    "only reads FILE and runs the lockout check (exit status 3 if it would cut the session).\n"
    "--state-dir DIR (default /run/cxtables, or $CXTABLES_STATE_DIR) holds the confirmation\n"
    "files. --optimize compiles the new ruleset's chains (see `cxtables optimize'); a\n"
    "rollback puts the previous ruleset back compiled as it was.\n";

std::string state_dir(const std::string& given) {
  if (!given.empty()) return given;
  if (const char* e = std::getenv("CXTABLES_STATE_DIR"); e && *e) return e;
  return "/run/cxtables";
}

struct SshSession {
  std::string client, server;
  std::uint16_t client_port = 0, server_port = 0;
  Family family = Family::V4;
};

std::optional<SshSession> parse_ssh(const std::string& text, std::string& err) {
  auto words = restore::split_words(text);
  if (words.size() != 4) {
    err = "SSH_CONNECTION should be \"CLIENT CPORT SERVER SPORT\", not \"" + text + "\"";
    return std::nullopt;
  }
  SshSession s;
  auto unmap = [](std::string a) {
    if (a.rfind("::ffff:", 0) == 0 && a.find('.') != std::string::npos) a = a.substr(7);
    return a;
  };
  s.client = unmap(words[0]);
  s.server = unmap(words[2]);
  s.family = s.client.find(':') != std::string::npos ? Family::V6 : Family::V4;
  auto cp = parse_port(words[1], "tcp");
  auto sp = parse_port(words[3], "tcp");
  if (!cp || !sp) {
    err = "bad port in SSH_CONNECTION \"" + text + "\"";
    return std::nullopt;
  }
  s.client_port = *cp;
  s.server_port = *sp;
  return s;
}

struct Probe {
  std::string what;
  eval::Packet packet;
  bool outgoing = false;
};

// The session's packets: the client's (established), the server's answers, a reconnection.
std::vector<Probe> ssh_probes(const SshSession& s, std::string& err) {
  auto c = eval::parse_addr(s.client, s.family), sv = eval::parse_addr(s.server, s.family);
  if (!c || !sv) {
    err = "bad address in SSH_CONNECTION";
    return {};
  }
  std::optional<std::string> in_iface;
  for (const auto& [name, a] : host_addresses(s.family))
    if (a == *sv) in_iface = name;
  eval::Packet base;
  base.family = s.family;
  base.proto = eval::kProtoTcp;
  base.ct_state = eval::CtState::Established;
  base.ct_dir_given = true;
  base.ct_status = 2 | 4 | 8;  // SEEN_REPLY, ASSURED, CONFIRMED
  base.tcp_flags = eval::kTcpAck | eval::kTcpPsh;
  base.payload_len = 64;
  std::vector<Probe> out;
  Probe in{"the session's packets from " + s.client + " to this host", base, false};
  in.packet.src = *c;
  in.packet.dst = *sv;
  in.packet.sport = s.client_port;
  in.packet.dport = s.server_port;
  in.packet.iniface = in_iface;
  out.push_back(in);
  Probe back{"this host's answers to " + s.client, base, true};
  back.packet.src = *sv;
  back.packet.dst = *c;
  back.packet.sport = s.server_port;
  back.packet.dport = s.client_port;
  back.packet.ct_reply = true;
  back.packet.outiface = kernel_route(*c, s.family);
  out.push_back(back);
  Probe fresh{"a new SSH connection from " + s.client, in.packet, false};
  fresh.packet.ct_state = eval::CtState::New;
  fresh.packet.ct_status = 0;
  fresh.packet.ct_dir_given = false;
  fresh.packet.tcp_flags = eval::kTcpSyn;
  fresh.packet.payload_len = 0;
  fresh.packet.sport =
      static_cast<std::uint16_t>(s.client_port == 65535 ? 65534 : s.client_port + 1);
  out.push_back(fresh);
  return out;
}

std::string now_text() {
  time_t t = time(nullptr);
  char buf[64];
  ctime_r(&t, buf);
  std::string s(buf);
  if (!s.empty() && s.back() == '\n') s.pop_back();
  return s;
}

// The table names a save text declares.
std::set<std::string> tables_of(const std::string& text) {
  std::set<std::string> out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t nl = text.find('\n', pos);
    std::string line = text.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
    pos = nl == std::string::npos ? text.size() : nl + 1;
    if (!line.empty() && line[0] == '*') {
      while (!line.empty() && (line.back() == ' ' || line.back() == '\r')) line.pop_back();
      out.insert(line.substr(1));
    }
  }
  return out;
}

// How a restore of apply compiles chains (docs/compiled-chains.md): the new ruleset as
// --optimize says (chains compiled before stay compiled); the previous one exactly as it was.
struct Compiling {
  std::optional<std::size_t> optimize;
  std::optional<std::map<std::string, std::set<std::string>>> exactly;
};

// The compiled chains of each table of the family.
Result<std::map<std::string, std::set<std::string>>> compiled_now(Family family) {
  core::Session session(family, family == Family::V4 ? "iptables" : "ip6tables");
  CX_TRY(session.connect());
  auto tables = session.existing_tables();
  if (!tables) return tables.take_error();
  std::map<std::string, std::set<std::string>> out;
  for (const auto& t : *tables) {
    auto chains = compile::compiled_chains(session.netlink(), family, t);
    if (!chains) return chains.take_error();
    if (!chains->empty()) out[t] = std::move(*chains);
  }
  return out;
}

Status restore_into_kernel(Family family, const std::string& text, const Compiling& how) {
  const char* prog = family == Family::V4 ? "iptables" : "ip6tables";
  core::Session session(family, prog);
  CX_TRY(session.connect());
  restore::Options opts;
  opts.optimize = how.optimize;
  if (how.exactly) opts.compile_exactly = &*how.exactly;
  std::vector<std::string> warnings;
  return restore::restore_text(session, text, opts, std::string(prog) + "-restore", warnings);
}

Result<std::string> save_kernel(Family family) {
  const char* prog = family == Family::V4 ? "iptables" : "ip6tables";
  core::Session session(family, prog);
  CX_TRY(session.connect());
  return restore::save_text(session, "", false, now_text(), std::string(prog) + "-save");
}

// Confirms every apply that waits (one per family: an IPv4 and an IPv6 apply may wait at once).
int confirm(const std::string& dir) {
  int waiting = 0;
  for (const char* fam : {"v4", "v6"}) {
    std::string pending = dir + "/apply.pending." + fam;
    if (access(pending.c_str(), F_OK) != 0) continue;
    ++waiting;
    std::string path = dir + "/apply.confirmed." + fam;
    std::ofstream f(path);
    if (!f) {
      std::fprintf(stderr, "cxtables apply: cannot write %s\n", path.c_str());
      return 1;
    }
    f << getpid() << "\n";
  }
  if (waiting == 0) {
    std::fprintf(stderr,
                 "cxtables apply: nothing waits for a confirmation (no %s/apply.pending.*)\n",
                 dir.c_str());
    return 1;
  }
  std::printf("confirmed\n");
  return 0;
}

// Waits until "yes" on stdin, the confirmation file, or the deadline. True when confirmed.
bool wait_for_confirmation(int seconds, const std::string& confirmed) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  bool stdin_open = true;
  std::string line;
  for (;;) {
    if (access(confirmed.c_str(), F_OK) == 0) return true;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                    deadline - std::chrono::steady_clock::now())
                    .count();
    if (left <= 0) return false;
    int wait_ms = static_cast<int>(std::min<long long>(left, 100));
    if (!stdin_open) {
      usleep(static_cast<useconds_t>(wait_ms) * 1000);
      continue;
    }
    pollfd p{0, POLLIN, 0};
    int r = poll(&p, 1, wait_ms);
    if (r > 0) {
      char buf[256];
      ssize_t n = read(0, buf, sizeof buf);
      if (n <= 0) {
        stdin_open = false;
        continue;
      }
      line.append(buf, static_cast<std::size_t>(n));
      std::size_t nl;
      while ((nl = line.find('\n')) != std::string::npos) {
        std::string w = line.substr(0, nl);
        line.erase(0, nl + 1);
        while (!w.empty() && (w.back() == '\r' || w.back() == ' ')) w.pop_back();
        if (w == "yes" || w == "y" || w == "YES" || w == "Yes") return true;
        std::printf("type \"yes\" to keep the new ruleset\n");
        std::fflush(stdout);
      }
    }
  }
}

struct ApplyArgs {
  std::string file, netns, dir_opt, ssh_text;
  int timeout = 15;
  bool optimize = false;  // compile the new ruleset's chains (iptables-restore --optimize)
  bool force = false, family_given = false, v6 = false, do_confirm = false, ssh_given = false;
  bool check_only = false, background = false;
};

// Reads the command line into `a`; -1 when it is fine, else the exit status.
int parse_apply_args(int argc, char** argv, ApplyArgs& a) {
  for (int i = 1; i < argc; ++i) {
    std::string w = argv[i];
    auto value = [&]() -> const char* { return i + 1 < argc ? argv[++i] : nullptr; };
    if (w == "-h" || w == "--help") {
      std::fputs(kUsage, stdout);
      return 0;
    } else if (w == "-4" || w == "-6") {
      a.v6 = w == "-6";
      a.family_given = true;
    } else if (w == "--force") {
      a.force = true;
    } else if (w == "--optimize") {
      a.optimize = true;
    } else if (w == "--confirm") {
      a.do_confirm = true;
    } else if (w == "--check") {
      a.check_only = true;
    } else if (w == "--background") {
      a.background = true;
    } else if (w == "--timeout" || w == "-t") {
      const char* v = value();
      std::optional<std::uint64_t> n;
      if (v) n = parse_unsigned(v, 86400, 10);
      if (!n) {
        std::fprintf(stderr, "cxtables apply: --timeout takes a number of seconds (0-86400)\n");
        return 2;
      }
      a.timeout = static_cast<int>(*n);
    } else if (w == "--netns" || w == "--state-dir" || w == "--ssh") {
      const char* v = value();
      if (!v) {
        std::fprintf(stderr, "cxtables apply: option %s needs a value\n", w.c_str());
        return 2;
      }
      (w == "--netns" ? a.netns : w == "--state-dir" ? a.dir_opt : a.ssh_text) = v;
      if (w == "--ssh") a.ssh_given = true;
    } else if (!w.empty() && w[0] != '-' && a.file.empty()) {
      a.file = w;
    } else {
      std::fprintf(stderr, "cxtables apply: unknown option \"%s\"\n%s", w.c_str(), kUsage);
      return 2;
    }
  }
  if (a.background && a.timeout == 0) {
    std::fprintf(stderr, "cxtables apply: --background needs a --timeout of at least 1 second\n");
    return 2;
  }
  if (a.background && a.check_only) {
    std::fprintf(stderr, "cxtables apply: --check and --background do not go together\n");
    return 2;
  }
  return -1;
}

// The lockout check: 0 when the session survives (or there is none, or --force), 1 on an
// error, kExitRefused when FILE would cut it.
int lockout_check(const ApplyArgs& a, const eval::Ruleset& rs, Family family) {
  std::string ssh_text = a.ssh_text;
  if (!a.ssh_given)
    if (const char* e = std::getenv("SSH_CONNECTION")) ssh_text = e;
  if (ssh_text.empty()) {
    std::printf("no SSH session (SSH_CONNECTION is not set): nothing to protect\n");
    return 0;
  }
  std::string err;
  auto ssh = parse_ssh(ssh_text, err);
  if (!ssh) {
    std::fprintf(stderr, "cxtables apply: %s\n", err.c_str());
    return 1;
  }
  if (ssh->family != family) {
    std::printf("the SSH session is %s: the %s ruleset does not carry it\n",
                ssh->family == Family::V4 ? "IPv4" : "IPv6",
                family == Family::V4 ? "IPv4" : "IPv6");
    return 0;
  }
  auto probes = ssh_probes(*ssh, err);
  if (probes.empty()) {
    std::fprintf(stderr, "cxtables apply: %s\n", err.c_str());
    return 1;
  }
  eval::Options opts;
  for (const auto& ia : host_addresses(family)) {
    opts.local_addrs.push_back(ia.second);
    opts.iface_addrs.push_back(ia);
  }
  opts.route_lookup = [](const eval::Addr& addr, Family f) { return kernel_route(addr, f); };
  bool cut = false;
  for (const Probe& pr : probes) {
    eval::Options o = opts;
    o.outgoing = pr.outgoing;
    std::vector<eval::Trace> outcomes = eval::explore(rs, pr.packet, o, 32);
    bool this_cut = false;
    for (const eval::Trace& t : outcomes) {
      if (t.verdict == eval::Verdict::Accept) continue;
      cut = this_cut = true;
      std::printf("LOCKOUT: %s would not get through:\n", pr.what.c_str());
      std::printf("packet: %s\n", eval::describe_packet(pr.packet).c_str());
      std::string trace = eval::format_trace(t, family);
      std::fwrite(trace.data(), 1, trace.size(), stdout);
      break;
    }
    if (!this_cut) std::printf("ok (accepted): %s\n", pr.what.c_str());
  }
  if (!cut) return 0;
  if (a.check_only) {
    std::printf("%s would cut the SSH session\n", a.file.c_str());
    return kExitRefused;
  }
  if (!a.force) {
    std::printf("refusing to apply %s (use --force to apply it anyway)\n", a.file.c_str());
    return kExitRefused;
  }
  std::printf("--force: applying anyway\n");
  return 0;
}

// Waits for the confirmation (in this process, or in a detached child with --background) and
// restores `rollback` without one.
int confirm_or_roll_back(const ApplyArgs& a, Family family, const std::string& rollback,
                         const Compiling& back, const std::string& backup,
                         const std::string& pending, const std::string& confirmed) {
  auto cleanup = [&]() {
    unlink(pending.c_str());
    unlink(confirmed.c_str());
  };
  std::printf("applied %s; the previous ruleset is in %s\n", a.file.c_str(), backup.c_str());
  if (a.timeout == 0) return 0;  // nothing waits: run_apply wrote no pending file
  if (a.background) {
    std::fflush(stdout);
    pid_t child = fork();
    if (child < 0) {
      std::fprintf(stderr, "cxtables apply: cannot start the waiting process: %s\n",
                   std::strerror(errno));
      cleanup();
      if (auto r = restore_into_kernel(family, rollback, back); !r)
        std::fprintf(stderr, "cxtables apply: restoring the previous ruleset failed too: %s\n",
                     r.error().message.c_str());
      return 1;
    }
    if (child > 0) {
      std::ofstream p(pending);
      p << child << "\n";
      std::printf(
          "run `cxtables apply --confirm` within %d seconds to keep it (process %d waits)\n",
          a.timeout, static_cast<int>(child));
      return 0;
    }
    // The child: no terminal, no pipes of the caller's (an SSH session or Ansible waits for
    // them to close), its own session.
    setsid();
    int null = open("/dev/null", O_RDWR);
    if (null >= 0) {
      dup2(null, 0);
      dup2(null, 1);
      dup2(null, 2);
      if (null > 2) close(null);
    }
  } else {
    std::printf("keep it? type \"yes\" (or run `cxtables apply --confirm`) within %d seconds\n",
                a.timeout);
    std::fflush(stdout);
  }
  bool ok = wait_for_confirmation(a.timeout, confirmed);
  cleanup();
  if (ok) {
    std::printf("confirmed: keeping the new ruleset\n");
    return 0;
  }
  if (auto r = restore_into_kernel(family, rollback, back); !r) {
    std::fprintf(stderr, "cxtables apply: no confirmation, and restoring %s failed: %s\n",
                 backup.c_str(), r.error().message.c_str());
    return 1;
  }
  std::printf("no confirmation within %d seconds: the previous ruleset is back\n", a.timeout);
  return kExitRolledBack;
}

}  // namespace

int run_apply(int argc, char** argv) {
  ApplyArgs a;
  if (int rc = parse_apply_args(argc, argv, a); rc >= 0) return rc;
  const std::string dir = state_dir(a.dir_opt);
  if (a.do_confirm) return confirm(dir);
  if (a.file.empty()) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  if (!a.netns.empty())
    if (auto s = enter_netns(a.netns); !s) {
      std::fprintf(stderr, "cxtables apply: %s\n", s.error().message.c_str());
      return 1;
    }
  auto text = read_text_file(a.file);
  if (!text) {
    std::fprintf(stderr, "cxtables apply: %s\n", text.error().message.c_str());
    return 1;
  }
  Family family = a.v6 ? Family::V6 : Family::V4;
  auto rs = ruleset_from_text(family, *text);
  if (!rs && !a.family_given) {
    auto rs6 = ruleset_from_text(Family::V6, *text);
    if (rs6) {
      family = Family::V6;
      rs = std::move(rs6);
    }
  }
  if (!rs) {
    const Error& e = rs.error();
    std::fprintf(stderr, "cxtables apply: %s%s: %s\n", a.file.c_str(),
                 e.line ? (":" + std::to_string(e.line)).c_str() : "", e.message.c_str());
    return 1;
  }

  // 1. The lockout check.
  if (int rc = lockout_check(a, *rs, family); rc != 0) return rc;
  if (a.check_only) {
    std::printf("%s keeps the SSH session\n", a.file.c_str());
    return 0;
  }

  // 2. Save, apply.
  auto before = save_kernel(family);
  if (!before) {
    std::fprintf(stderr, "cxtables apply: cannot save the current ruleset: %s\n",
                 before.error().message.c_str());
    return 1;
  }
  auto compiled_before = compiled_now(family);
  if (!compiled_before) {
    std::fprintf(stderr, "cxtables apply: cannot read the current ruleset: %s\n",
                 compiled_before.error().message.c_str());
    return 1;
  }
  const Compiling back{std::nullopt, std::move(*compiled_before)};
  std::string rollback = *before;
  std::set<std::string> had = tables_of(*before);
  for (const std::string& t : tables_of(*text))
    if (!had.count(t)) rollback += "*" + t + "\nCOMMIT\n";  // flushing removes the table
  mkdir(dir.c_str(), 0700);
  const std::string backup = dir + "/apply.previous." + (family == Family::V4 ? "v4" : "v6");
  {
    std::ofstream b(backup);
    b << rollback;
  }
  const std::string fam = family == Family::V4 ? "v4" : "v6";
  const std::string pending = dir + "/apply.pending." + fam,
                    confirmed = dir + "/apply.confirmed." + fam;
  // Only an apply that waits owns the confirmation files: --timeout 0 leaves another
  // process's waiting apply alone.
  const bool waits = a.timeout > 0;
  if (waits) {
    unlink(confirmed.c_str());
    std::ofstream p(pending);
    p << getpid() << "\n";
  }
  Compiling forward;
  if (a.optimize) forward.optimize = compile::Options{}.min_run;
  if (auto s = restore_into_kernel(family, *text, forward); !s) {
    if (waits) unlink(pending.c_str());
    std::fprintf(stderr, "cxtables apply: %s%s\n", s.error().message.c_str(),
                 s.error().line ? (" (line " + std::to_string(s.error().line) + ")").c_str() : "");
    // A table may have been committed before the failing one: put everything back.
    if (auto r = restore_into_kernel(family, rollback, back); !r)
      std::fprintf(stderr, "cxtables apply: restoring the previous ruleset failed too: %s\n",
                   r.error().message.c_str());
    return 1;
  }

  // 3. Confirmation or rollback.
  return confirm_or_roll_back(a, family, rollback, back, backup, pending, confirmed);
}

}  // namespace cx::tools
