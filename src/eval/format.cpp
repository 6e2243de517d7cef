// Text and JSON forms of a trace (printed by tools/).
#include <cstdio>

#include "common/parse.h"
#include "eval/pipeline.h"

namespace cx::eval {

namespace {

std::string hex32(std::uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%x", v);
  return buf;
}

std::string flags_text(std::uint8_t f) {
  static constexpr const char* kNames[] = {"FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR"};
  std::string s;
  for (int i = 0; i < 8; ++i)
    if (f & (1u << i)) {
      if (!s.empty()) s += ",";
      s += kNames[i];
    }
  return s.empty() ? "NONE" : s;
}

std::string endpoint(const Packet& p, const Addr& a, std::uint16_t port, Family f) {
  std::string s = addr_to_string(a, f);
  if (!p.has_ports() || p.fragment) return s;
  return (f == Family::V6 ? "[" + s + "]" : s) + ":" + std::to_string(port);
}

}  // namespace

std::string describe_packet(const Packet& p) {
  const Family f = p.family;
  std::string s = f == Family::V4 ? "IPv4 " : "IPv6 ";
  s += protocol_name(p.proto, f) + " ";
  s += endpoint(p, p.src, p.sport, f) + " -> " + endpoint(p, p.dst, p.dport, f);
  if (p.fragment) {
    s += " (non-first fragment)";
  } else if (p.proto == kProtoTcp) {
    s += " flags " + flags_text(p.tcp_flags);
  } else if (p.proto == kProtoIcmp || p.proto == kProtoIcmp6) {
    s += " type " + std::to_string(p.icmp_type) + " code " + std::to_string(p.icmp_code);
  }
  if (p.iniface) s += " in " + (p.iniface->empty() ? std::string("(none)") : *p.iniface);
  if (p.outiface && !p.outiface->empty()) s += " out " + *p.outiface;
  s += " mark " + hex32(p.mark);
  s += " ctstate ";
  s += p.ct_state ? ct_state_name(*p.ct_state) : ct_state_name(fresh_ct_state(p));
  s += " length " + std::to_string(p.ip_length());
  if (p.uid) s += " uid " + std::to_string(*p.uid);
  if (p.gid) s += " gid " + std::to_string(*p.gid);
  return s;
}

std::string format_trace(const Trace& t, Family) {
  std::string out;
  bool have_hook = false;
  Hook hook = Hook::Prerouting;
  for (const Event& e : t.events) {
    std::string ind(static_cast<std::size_t>(4 + 2 * e.depth), ' ');
    if ((e.kind == EventKind::Hook || e.kind == EventKind::Skip) &&
        (!have_hook || e.hook != hook)) {
      out += std::string(hook_name(e.hook)) + "\n";
      have_hook = true;
      hook = e.hook;
    }
    switch (e.kind) {
      case EventKind::Hook:
        out += "  " + e.table + " " + e.chain + " (priority " + e.detail + ")\n";
        break;
      case EventKind::Skip:
        out += "  " + e.table + " " + e.chain + ": not consulted, " + e.text + "\n";
        break;
      case EventKind::Chain:
        out += ind + "-> chain " + e.chain + " (" + e.text + ")\n";
        break;
      case EventKind::Rule:
        out += ind + "rule " + std::to_string(e.rule) + ": " + e.text + "  => " + e.detail + "\n";
        break;
      case EventKind::Assumed:
        out += ind + "rule " + std::to_string(e.rule) + ": (" + e.detail + ")\n";
        break;
      case EventKind::Undecidable:
        out += ind + "rule " + std::to_string(e.rule) + ": " + e.text + "\n" + ind +
               "  UNDECIDABLE: " + e.detail + "\n";
        break;
      case EventKind::Return:
        out += ind + "<- return to " + e.detail + " (" + e.text + ")\n";
        break;
      case EventKind::Policy:
        out += ind + "policy " + e.text + "\n";
        break;
      case EventKind::Effect:
        out += ind + "  " + e.text + "\n";
        break;
      case EventKind::Route:
        out += "routing: " + e.text + "\n";
        have_hook = false;
        break;
      case EventKind::Verdict:
        break;
    }
  }
  out += "verdict: " + std::string(verdict_name(t.verdict));
  if (!t.fate.empty() && t.verdict != Verdict::Undecidable && t.verdict != Verdict::Error)
    out += ", " + t.fate;
  if (t.verdict == Verdict::Drop || t.verdict == Verdict::Queue) {
    out += " by " + t.table + " " + t.chain;
    out += t.rule ? " rule " + std::to_string(t.rule) : std::string(" policy");
  }
  out += "\n";
  if (t.verdict == Verdict::Undecidable) {
    out += "  at " + t.table + " " + t.chain + " rule " + std::to_string(t.rule) + ": " + t.reason +
           "\n";
    std::string rule = t.table + ":" + t.chain + ":" + std::to_string(t.rule);
    out += "  answer with --assume-match " + rule + " or --assume-nomatch " + rule +
           " (or a match name, e.g. --assume-match limit), or --explore for every case\n";
  }
  if (t.verdict == Verdict::Error) out += "  " + t.reason + "\n";
  if (t.verdict == Verdict::Accept)
    out += "final packet: " + describe_packet(t.final_packet) + "\n";
  return out;
}

nlohmann::ordered_json packet_json(const Packet& p) {
  const Family f = p.family;
  nlohmann::ordered_json o;
  o["family"] = f == Family::V4 ? 4 : 6;
  o["src"] = addr_to_string(p.src, f);
  o["dst"] = addr_to_string(p.dst, f);
  o["proto"] = p.proto;
  if (p.has_ports()) {
    o["sport"] = p.sport;
    o["dport"] = p.dport;
  }
  if (p.proto == kProtoTcp) o["tcp_flags"] = flags_text(p.tcp_flags);
  if (p.proto == kProtoIcmp || p.proto == kProtoIcmp6) {
    o["icmp_type"] = p.icmp_type;
    o["icmp_code"] = p.icmp_code;
  }
  if (p.iniface) o["in"] = *p.iniface;
  if (p.outiface) o["out"] = *p.outiface;
  o["mark"] = p.mark;
  o["ctstate"] = ct_state_name(p.ct_state ? *p.ct_state : fresh_ct_state(p));
  o["length"] = p.ip_length();
  return o;
}

nlohmann::ordered_json trace_json(const Trace& t, Family) {
  nlohmann::ordered_json o;
  o["verdict"] = verdict_name(t.verdict);
  o["fate"] = t.fate;
  o["local"] = t.local;
  if (t.verdict != Verdict::Accept)
    o["decided_by"] = {
        {"hook", hook_name(t.hook)}, {"table", t.table}, {"chain", t.chain}, {"rule", t.rule}};
  if (!t.reason.empty()) o["reason"] = t.reason;
  if (!t.undecided_key.empty()) o["undecided"] = t.undecided_key;
  nlohmann::ordered_json events = nlohmann::ordered_json::array();
  for (const Event& e : t.events) {
    nlohmann::ordered_json ev;
    ev["kind"] = event_kind_name(e.kind);
    ev["hook"] = hook_name(e.hook);
    if (!e.table.empty()) ev["table"] = e.table;
    if (!e.chain.empty()) ev["chain"] = e.chain;
    if (e.rule) ev["rule"] = e.rule;
    ev["depth"] = e.depth;
    if (!e.text.empty()) ev["text"] = e.text;
    if (!e.detail.empty()) ev["detail"] = e.detail;
    events.push_back(std::move(ev));
  }
  o["events"] = std::move(events);
  nlohmann::ordered_json hits = nlohmann::ordered_json::array();
  for (const Hit& h : t.hits) hits.push_back({h.table, h.chain, h.rule});
  o["hits"] = std::move(hits);
  o["final_packet"] = packet_json(t.final_packet);
  return o;
}

std::string json_text(const nlohmann::ordered_json& j) {
  // Names and comments come from the ruleset: bytes that are not UTF-8 are replaced rather
  // than refused.
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

}  // namespace cx::eval
