// cxtables trace: what the ruleset does to a packet described on the command line (or to the
// packets of a pcap file, or to one packet per line of a batch file), without sending it.
#include "tools/trace.h"

#include <cstdio>
#include <map>

#include "common/parse.h"
#include "eval/pcap.h"
#include "restore/restore.h"
#include "tools/eval_support.h"

namespace cx::tools {

namespace {

constexpr const char* kUsage =
    "usage: cxtables trace [-4|-6] [packet options] [where options] [ruleset options]\n"
    "packet:  --in IF --out IF --src A --dst A -p PROTO --sport N --dport N\n"
    "         --syn|--ack|--synack|--fin|--rst|--tcp-flags F,F --icmp-type T[/C]\n"
    "         --mark N --ctstate S --ctdir D --ctstatus S --length N --payload N --fragment\n"
    "         --tos N --ttl N --uid N --gid N\n"
    "where:   --local | --forward | --outgoing   (default: local if --dst is an address\n"
    "         of this host) --local-addr A... --route PREFIX=IF... --iface-addr IF=A...\n"
    "         --no-host (do not use this host's addresses and routes)\n"
    "ruleset: the kernel's (default), --ruleset FILE (iptables-save format), --netns NAME\n"
    "answers: --assume-match KEY --assume-nomatch KEY (KEY: a match name such as limit,\n"
    "         a rule table:CHAIN:N, or table:CHAIN:N#M), --explore [--max-paths N]\n"
    "input:   --pcap FILE (every IP packet of the capture), --batch FILE (one set of packet\n"
    "         options per line)\n"
    "output:  --json (one JSON object per packet)\n";

struct TraceArgs {
  PacketArgs packet;
  std::vector<std::string> packet_words;  // to re-apply to batch lines / pcap packets
  std::string ruleset_file, netns, batch_file, pcap_file;
  std::vector<eval::Addr> local_addrs;
  std::vector<std::string> local_words, route_words, iface_addr_words;
  bool no_host = false, json = false, explore = false;
  int max_paths = 64;
};

int fail(const std::string& msg, int code = 1) {
  std::fprintf(stderr, "cxtables trace: %s\n", msg.c_str());
  return code;
}

struct Env {
  const TraceArgs& args;
  std::map<Family, eval::Ruleset> rulesets;
  Result<const eval::Ruleset*> ruleset(Family f) {
    auto it = rulesets.find(f);
    if (it != rulesets.end()) return &it->second;
    auto rs =
        args.ruleset_file.empty() ? load_live_ruleset(f) : load_file_ruleset(f, args.ruleset_file);
    if (!rs) return rs.take_error();
    return &rulesets.emplace(f, std::move(*rs)).first->second;
  }
};

// The walk options for one packet: where-options of the command line, the host's addresses
// and routes unless --no-host.
Result<eval::Options> walk_options(const TraceArgs& ta, const PacketArgs& pa) {
  eval::Options o;
  const Family f = pa.packet.family;
  o.path = pa.path;
  o.outgoing = pa.outgoing;
  o.assume = ta.packet.assume;
  for (const auto& [k, v] : pa.assume) o.assume[k] = v;
  for (const std::string& w : ta.local_words) {
    if ((w.find(':') != std::string::npos) != (f == Family::V6)) continue;
    auto a = eval::parse_addr(w, f);
    if (!a) return a.take_error();
    o.local_addrs.push_back(*a);
  }
  for (const std::string& w : ta.route_words) {
    auto eq = w.find_first_of("=,");
    if (eq == std::string::npos) return parameter_error("--route takes PREFIX=IFACE");
    std::string prefix = w.substr(0, eq);
    if ((prefix.find(':') != std::string::npos) != (f == Family::V6)) continue;
    auto p = eval::parse_prefix(prefix, f);
    if (!p) return p.take_error();
    o.routes.push_back({p->first, p->second, w.substr(eq + 1)});
  }
  for (const std::string& w : ta.iface_addr_words) {
    auto eq = w.find_first_of("=,");
    if (eq == std::string::npos) return parameter_error("--iface-addr takes IFACE=ADDRESS");
    std::string addr = w.substr(eq + 1);
    if ((addr.find(':') != std::string::npos) != (f == Family::V6)) continue;
    auto a = eval::parse_addr(addr, f);
    if (!a) return a.take_error();
    o.iface_addrs.emplace_back(w.substr(0, eq), *a);
  }
  if (!ta.no_host) {
    auto host = host_addresses(f);
    if (ta.local_words.empty())
      for (const auto& [name, a] : host) o.local_addrs.push_back(a);
    for (const auto& ia : host) o.iface_addrs.push_back(ia);
    o.route_lookup = [](const eval::Addr& a, Family fam) { return kernel_route(a, fam); };
  }
  return o;
}

std::string assumptions_text(const eval::Trace& t) {
  std::string s;
  for (const eval::Event& e : t.events)
    if (e.kind == eval::EventKind::Assumed) {
      if (!s.empty()) s += "; ";
      s += e.table + ":" + e.chain + ":" + std::to_string(e.rule) + " " + e.text;
    }
  return s.empty() ? "nothing" : s;
}

// Traces one packet and prints the result. Returns an exit status.
int trace_one(Env& env, const TraceArgs& ta, PacketArgs pa, const std::string& label) {
  auto rs = env.ruleset(pa.packet.family);
  if (!rs) return fail(rs.error().message);
  auto opts = walk_options(ta, pa);
  if (!opts) return fail(opts.error().message, 2);
  const Family f = pa.packet.family;
  std::vector<eval::Trace> traces;
  if (ta.explore)
    traces = eval::explore(**rs, pa.packet, *opts, ta.max_paths);
  else
    traces.push_back(eval::walk(**rs, pa.packet, *opts));
  std::string out;
  if (ta.json) {
    nlohmann::ordered_json j;
    if (!label.empty()) j["label"] = label;
    j["packet"] = eval::packet_json(pa.packet);
    if (ta.explore) {
      nlohmann::ordered_json outcomes = nlohmann::ordered_json::array();
      for (const auto& t : traces) outcomes.push_back(eval::trace_json(t, f));
      j["outcomes"] = std::move(outcomes);
    } else {
      j["trace"] = eval::trace_json(traces[0], f);
    }
    out = eval::json_text(j) + "\n";
  } else {
    if (!label.empty()) out += "== " + label + "\n";
    out += "packet: " + eval::describe_packet(pa.packet) + "\n";
    if (ta.explore) {
      out += std::to_string(traces.size()) + " possible outcome(s)\n";
      for (std::size_t i = 0; i < traces.size(); ++i) {
        out += "--- outcome " + std::to_string(i + 1) + " (assuming " +
               assumptions_text(traces[i]) + ")\n";
        out += eval::format_trace(traces[i], f);
      }
    } else {
      out += eval::format_trace(traces[0], f);
    }
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  return 0;
}

Result<PacketArgs> packet_from_words(const std::vector<std::string>& words, PacketArgs base) {
  for (std::size_t i = 0; i < words.size(); ++i) {
    auto r = parse_packet_option(words, i, base);
    if (!r) return r.take_error();
    if (!*r) return parameter_error("unknown packet option \"" + words[i] + "\"");
  }
  CX_TRY(finish_packet(base));
  return base;
}

}  // namespace

int run_trace(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  TraceArgs ta;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    std::size_t start = i;
    auto r = parse_packet_option(args, i, ta.packet);
    if (!r) return fail(r.error().message, 2);
    if (*r) {
      for (std::size_t k = start; k <= i; ++k) ta.packet_words.push_back(args[k]);
      continue;
    }
    auto value = [&]() -> const std::string* {
      if (i + 1 >= args.size()) return nullptr;
      return &args[++i];
    };
    if (a == "-h" || a == "--help") {
      std::fputs(kUsage, stdout);
      return 0;
    }
    if (a == "--json") {
      ta.json = true;
      continue;
    }
    if (a == "--explore") {
      ta.explore = true;
      continue;
    }
    if (a == "--no-host") {
      ta.no_host = true;
      continue;
    }
    const std::string* v = nullptr;
    if (a == "--ruleset" || a == "--netns" || a == "--batch" || a == "--pcap" ||
        a == "--local-addr" || a == "--route" || a == "--iface-addr" || a == "--max-paths") {
      v = value();
      if (!v) return fail("option " + a + " needs a value", 2);
    } else {
      return fail("unknown option \"" + a + "\"\n" + kUsage, 2);
    }
    if (a == "--ruleset")
      ta.ruleset_file = *v;
    else if (a == "--netns")
      ta.netns = *v;
    else if (a == "--batch")
      ta.batch_file = *v;
    else if (a == "--pcap")
      ta.pcap_file = *v;
    else if (a == "--local-addr")
      ta.local_words.push_back(*v);
    else if (a == "--route")
      ta.route_words.push_back(*v);
    else if (a == "--iface-addr")
      ta.iface_addr_words.push_back(*v);
    else if (a == "--max-paths") {
      auto n = parse_unsigned(*v, 4096);
      if (!n || *n < 1) return fail("bad value for --max-paths", 2);
      ta.max_paths = static_cast<int>(*n);
    }
  }
  if (!ta.netns.empty())
    if (auto s = enter_netns(ta.netns); !s) return fail(s.error().message);
  Env env{ta, {}};
  int rc = 0;
  if (!ta.batch_file.empty()) {
    auto text = read_text_file(ta.batch_file);
    if (!text) return fail(text.error().message);
    std::size_t pos = 0, lineno = 0;
    while (pos < text->size()) {
      std::size_t nl = text->find('\n', pos);
      std::string line = text->substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
      pos = nl == std::string::npos ? text->size() : nl + 1;
      ++lineno;
      auto words = restore::split_words(line);
      if (words.empty() || words[0][0] == '#') continue;
      std::vector<std::string> all = ta.packet_words;
      all.insert(all.end(), words.begin(), words.end());
      auto pa = packet_from_words(all, PacketArgs{});
      if (!pa)
        return fail(ta.batch_file + ":" + std::to_string(lineno) + ": " + pa.error().message, 2);
      rc |= trace_one(env, ta, *pa, ta.json ? "" : "line " + std::to_string(lineno));
    }
    return rc;
  }
  if (!ta.pcap_file.empty()) {
    auto bytes = read_text_file(ta.pcap_file);
    if (!bytes) return fail(bytes.error().message);
    auto pkts = eval::parse_pcap(*bytes);
    if (!pkts) return fail(pkts.error().message);
    for (const eval::PcapPacket& pp : *pkts) {
      if (!pp.skipped.empty()) {
        if (!ta.json) std::printf("== packet %zu: skipped, %s\n", pp.index, pp.skipped.c_str());
        continue;
      }
      PacketArgs pa = ta.packet;
      eval::Packet p = pp.packet;
      // Interfaces, mark, conntrack state and uid come from the command line.
      p.iniface = pa.packet.iniface;
      p.outiface = pa.packet.outiface;
      p.mark = pa.packet.mark;
      p.ct_state = pa.packet.ct_state;
      p.ct_reply = pa.packet.ct_reply;
      p.ct_dir_given = pa.packet.ct_dir_given;
      p.ct_status = pa.packet.ct_status;
      p.uid = pa.packet.uid;
      p.gid = pa.packet.gid;
      pa.packet = p;
      rc |= trace_one(env, ta, pa, "packet " + std::to_string(pp.index));
    }
    return rc;
  }
  PacketArgs pa = ta.packet;
  if (auto s = finish_packet(pa); !s) return fail(s.error().message, 2);
  return trace_one(env, ta, pa, "");
}

}  // namespace cx::tools
