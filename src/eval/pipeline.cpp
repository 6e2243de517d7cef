#include "eval/pipeline.h"

#include <algorithm>

#include "cli/print.h"
#include "core/tables.h"
#include "ext/extension.h"

namespace cx::eval {

std::string_view hook_name(Hook h) {
  switch (h) {
    case Hook::Prerouting:
      return "PREROUTING";
    case Hook::Input:
      return "INPUT";
    case Hook::Forward:
      return "FORWARD";
    case Hook::Output:
      return "OUTPUT";
    case Hook::Postrouting:
      return "POSTROUTING";
  }
  return "?";
}

std::string_view event_kind_name(EventKind k) {
  switch (k) {
    case EventKind::Hook:
      return "hook";
    case EventKind::Skip:
      return "skip";
    case EventKind::Chain:
      return "chain";
    case EventKind::Rule:
      return "rule";
    case EventKind::Assumed:
      return "assumed";
    case EventKind::Undecidable:
      return "undecidable";
    case EventKind::Return:
      return "return";
    case EventKind::Policy:
      return "policy";
    case EventKind::Effect:
      return "effect";
    case EventKind::Route:
      return "route";
    case EventKind::Verdict:
      return "verdict";
  }
  return "?";
}

std::string_view verdict_name(Verdict v) {
  switch (v) {
    case Verdict::Accept:
      return "ACCEPT";
    case Verdict::Drop:
      return "DROP";
    case Verdict::Queue:
      return "QUEUE";
    case Verdict::Undecidable:
      return "UNDECIDABLE";
    case Verdict::Error:
      return "ERROR";
  }
  return "?";
}

const model::Table* Ruleset::table(std::string_view name) const {
  for (const auto& t : tables)
    if (t.name == name) return &t;
  return nullptr;
}

namespace {

struct BaseChain {
  const model::Table* table;
  const model::Chain* chain;
  int priority;
};

// The base chains hooked at `hook`, in the order the kernel runs them.
std::vector<BaseChain> hook_chains(const Ruleset& rs, Hook hook) {
  std::vector<BaseChain> out;
  for (const auto& t : rs.tables) {
    const core::TableSpec* spec = core::find_table(t.name);
    if (!spec) continue;
    const core::BuiltinChain* bc = core::find_builtin(*spec, hook_name(hook));
    if (!bc) continue;
    const model::Chain* c = t.find(hook_name(hook));
    if (!c) continue;
    out.push_back({&t, c, bc->priority});
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const BaseChain& a, const BaseChain& b) { return a.priority < b.priority; });
  return out;
}

bool addr_match(const Addr& a, const model::Address& r, int bytes) {
  for (int i = 0; i < bytes; ++i)
    if ((a[i] & r.mask[i]) != (r.addr[i] & r.mask[i])) return false;
  return true;
}

Outcome iface_match(const std::optional<std::string>& have, const std::string& want, bool inv,
                    const char* which, std::string& why) {
  if (want.empty() || want == "+") return Outcome::Match;
  if (!have) {
    why = std::string("the packet's ") + which + " interface is not known (give --" +
          (which[0] == 'i' ? "in" : "out") + ")";
    return Outcome::Undecidable;
  }
  bool m;
  if (want.back() == '+') {
    std::string_view prefix(want.data(), want.size() - 1);
    m = std::string_view(*have).substr(0, prefix.size()) == prefix;
  } else {
    m = *have == want;
  }
  return m != inv ? Outcome::Match : Outcome::NoMatch;
}

std::string rule_key(std::string_view table, std::string_view chain, int rule) {
  return std::string(table) + ":" + std::string(chain) + ":" + std::to_string(rule);
}

enum class Flow : std::uint8_t { Accept, Drop, Queue, Stop };

class Walker {
 public:
  Walker(const Ruleset& rs, const Options& o, Trace& t) : rs_(rs), opts_(o), t_(t) {}

  void run(const Packet& in);

 private:
  const Ruleset& rs_;
  const Options& opts_;
  Trace& t_;
  Packet pkt_;
  CtView ct_;
  bool nat_dst_done_ = false, nat_src_done_ = false;
  bool loopback_leg_ = false;
  bool notracked_ = false;  // NOTRACK / CT --notrack ran
  bool out_forced_ = false;
  int steps_ = 0;

  void event(EventKind k, Hook h, std::string_view table, std::string_view chain, int rule,
             int depth, std::string text, std::string detail = {}) {
    Event e;
    e.kind = k;
    e.hook = h;
    e.table = std::string(table);
    e.chain = std::string(chain);
    e.rule = rule;
    e.depth = depth;
    e.text = std::move(text);
    e.detail = std::move(detail);
    t_.events.push_back(std::move(e));
  }
  void stop(Verdict v, Hook h, std::string_view table, std::string_view chain, int rule,
            std::string reason = {}) {
    t_.verdict = v;
    t_.hook = h;
    t_.table = std::string(table);
    t_.chain = std::string(chain);
    t_.rule = rule;
    if (!reason.empty()) t_.reason = std::move(reason);
  }

  std::optional<bool> assumption(const std::string& point, const std::string& rule,
                                 std::string_view name) const {
    for (const std::string& k : {point, rule, std::string(name)}) {
      auto it = opts_.assume.find(k);
      if (it != opts_.assume.end()) return it->second;
    }
    return std::nullopt;
  }

  Flow run_hook(Hook h);
  Flow run_base(const BaseChain& bc, Hook h);
  Outcome match_rule(const model::Rule& r, Context& ctx, int depth);
  std::optional<std::string> route_out(const Addr& dst) const;
  bool is_local(const Addr& dst) const;
  void nat_changed(const Packet& before, Hook h, const Context& ctx, int depth);
};

bool Walker::is_local(const Addr& dst) const {
  int bytes = addr_len(pkt_.family);
  for (const Addr& a : opts_.local_addrs)
    if (std::equal(a.begin(), a.begin() + bytes, dst.begin())) return true;
  return false;
}

std::optional<std::string> Walker::route_out(const Addr& dst) const {
  if (is_local(dst)) return std::string("lo");
  const Route* best = nullptr;
  for (const Route& r : opts_.routes)
    if (in_prefix(dst, r.net, r.len, pkt_.family) && (!best || r.len > best->len)) best = &r;
  if (best) return best->iface;
  if (opts_.route_lookup) return opts_.route_lookup(dst, pkt_.family);
  return std::nullopt;
}

Outcome Walker::match_rule(const model::Rule& r, Context& ctx, int depth) {
  const std::string rkey = rule_key(ctx.table, ctx.chain, ctx.rule);
  const int bytes = addr_len(pkt_.family);
  // Answers an undecidable part (#index) of the rule from the assumptions, or stops.
  auto undecided = [&](int index, std::string_view name, const std::string& why) -> Outcome {
    std::string point = rkey + "#" + std::to_string(index);
    if (auto a = assumption(point, rkey, name)) {
      event(EventKind::Assumed, ctx.hook, ctx.table, ctx.chain, ctx.rule, depth,
            std::string(name) + (*a ? " matches" : " does not match"),
            std::string(name) + ": " + why + "; assumed to " + (*a ? "match" : "not match"));
      return *a ? Outcome::Match : Outcome::NoMatch;
    }
    event(EventKind::Undecidable, ctx.hook, ctx.table, ctx.chain, ctx.rule, depth,
          cli::save_rule(r, std::string(ctx.chain), pkt_.family, false),
          std::string(name) + ": " + why);
    t_.undecided_key = point;
    stop(Verdict::Undecidable, ctx.hook, ctx.table, ctx.chain, ctx.rule,
         std::string(name) + ": " + why);
    return Outcome::Undecidable;
  };
  if (r.incompatible)
    return undecided(0, "rule", "the kernel holds expressions cxtables cannot read");
  std::string why;
  // The fixed part: -i -o -s -d -p -f.
  if (r.ip.has_iniface) {
    Outcome o = iface_match(pkt_.iniface, r.ip.iniface, r.ip.inv_in, "input", why);
    if (o == Outcome::Undecidable) o = undecided(0, "-i", why);
    if (o != Outcome::Match) return o;
  }
  if (r.ip.has_outiface) {
    Outcome o = iface_match(pkt_.outiface, r.ip.outiface, r.ip.inv_out, "output", why);
    if (o == Outcome::Undecidable) o = undecided(0, "-o", why);
    if (o != Outcome::Match) return o;
  }
  if (r.ip.src && addr_match(pkt_.src, *r.ip.src, bytes) == r.ip.inv_src) return Outcome::NoMatch;
  if (r.ip.dst && addr_match(pkt_.dst, *r.ip.dst, bytes) == r.ip.inv_dst) return Outcome::NoMatch;
  if ((r.ip.proto != 0 || r.ip.inv_proto) && (pkt_.proto == r.ip.proto) == r.ip.inv_proto)
    return Outcome::NoMatch;
  if (r.ip.frag && pkt_.fragment == r.ip.inv_frag) return Outcome::NoMatch;
  int index = 0;
  for (const auto& m : r.matches) {
    ++index;
    ctx.clear_reason();
    Outcome o = m->evaluate(pkt_, ctx);
    if (o == Outcome::Undecidable) {
      std::string reason =
          ctx.reason().empty() ? "cannot be decided from a packet description" : ctx.reason();
      o = undecided(index, m->name(), reason);
    }
    if (o != Outcome::Match) return o;
  }
  return Outcome::Match;
}

void Walker::nat_changed(const Packet& before, Hook h, const Context& ctx, int depth) {
  const Family f = pkt_.family;
  bool src = before.src != pkt_.src || before.sport != pkt_.sport;
  bool dst = before.dst != pkt_.dst || before.dport != pkt_.dport;
  if (!src && !dst) return;
  auto ep = [&](const Addr& a, std::uint16_t port, bool ports) {
    std::string s = addr_to_string(a, f);
    if (ports) s = (f == Family::V6 ? "[" + s + "]" : s) + ":" + std::to_string(port);
    return s;
  };
  bool ports = pkt_.has_ports();
  std::string text;
  if (dst) {
    text = "destination " + ep(before.dst, before.dport, ports) + " -> " +
           ep(pkt_.dst, pkt_.dport, ports);
    ct_.dnat = true;
  }
  if (src) {
    if (!text.empty()) text += ", ";
    text +=
        "source " + ep(before.src, before.sport, ports) + " -> " + ep(pkt_.src, pkt_.sport, ports);
    ct_.snat = true;
  }
  if (ct_.repl) {
    // The reply goes from the new destination back to the new source.
    ct_.repl->src = pkt_.dst;
    ct_.repl->sport = pkt_.dport;
    ct_.repl->dst = pkt_.src;
    ct_.repl->dport = pkt_.sport;
  }
  event(EventKind::Effect, h, ctx.table, ctx.chain, ctx.rule, depth, "NAT: " + text, "nat");
}

Flow Walker::run_base(const BaseChain& bc, Hook h) {
  const model::Table& table = *bc.table;
  Context ctx;
  ctx.family = pkt_.family;
  ctx.hook = h;
  ctx.table = table.name;
  ctx.ct = ct_;
  // Before conntrack (raw, priority -300) a packet has no entry yet, except on its way back
  // in over loopback.
  if ((h == Hook::Prerouting || h == Hook::Output) && bc.priority < -200 && !loopback_leg_ &&
      !notracked_)
    ctx.ct.kind = CtView::Kind::None;
  // The source address the kernel picks on an interface (inet_select_addr): its first address;
  // for IPv4 on lo, where 127.0.0.1 has host scope, the first address of another interface.
  ctx.iface_address = [](const void* self, std::string_view iface,
                         Family fam) -> std::optional<Addr> {
    const auto* o = static_cast<const Options*>(self);
    const bool lo4 = iface == "lo" && fam == Family::V4;
    for (const auto& [name, a] : o->iface_addrs)
      if (name == iface && !(lo4 && a[0] == 127)) return a;
    if (lo4)
      for (const auto& [name, a] : o->iface_addrs)
        if (name != "lo" && a[0] != 127) return a;
    return std::nullopt;
  };
  ctx.iface_address_self = &opts_;
  ctx.has_socket = opts_.outgoing && !loopback_leg_;

  struct Frame {
    const model::Chain* chain;
    std::size_t next;
  };
  std::vector<Frame> stack;
  const model::Chain* cur = bc.chain;
  std::size_t idx = 0;
  event(EventKind::Hook, h, table.name, cur->name, 0, 0, "", std::to_string(bc.priority));
  for (;;) {
    if (++steps_ > opts_.max_steps) {
      stop(Verdict::Error, h, table.name, cur->name, 0, "too many rules evaluated (a loop?)");
      return Flow::Stop;
    }
    int depth = static_cast<int>(stack.size());
    if (idx >= cur->rules.size()) {
      if (stack.empty()) {
        const model::Chain& base = *bc.chain;
        event(EventKind::Policy, h, table.name, base.name, 0, 0,
              base.policy_accept ? "ACCEPT" : "DROP");
        t_.hits.push_back({table.name, base.name, 0});
        if (!base.policy_accept) {
          stop(Verdict::Drop, h, table.name, base.name, 0);
          return Flow::Drop;
        }
        return Flow::Accept;
      }
      event(EventKind::Return, h, table.name, cur->name, 0, depth, "end of chain",
            stack.back().chain->name);
      cur = stack.back().chain;
      idx = stack.back().next;
      stack.pop_back();
      continue;
    }
    const model::Rule& r = cur->rules[idx];
    const int num = static_cast<int>(idx) + 1;
    ++idx;
    ctx.chain = cur->name;
    ctx.rule = num;
    Outcome o = match_rule(r, ctx, depth);
    if (o == Outcome::Undecidable) return Flow::Stop;
    if (o == Outcome::NoMatch) continue;
    t_.hits.push_back({table.name, cur->name, num});
    std::string spec = cli::save_rule(r, cur->name, pkt_.family, false);
    switch (r.verdict) {
      case model::VerdictKind::None:
        event(EventKind::Rule, h, table.name, cur->name, num, depth, spec, "continue");
        break;
      case model::VerdictKind::Accept:
        event(EventKind::Rule, h, table.name, cur->name, num, depth, spec, "ACCEPT");
        return Flow::Accept;
      case model::VerdictKind::Drop:
        event(EventKind::Rule, h, table.name, cur->name, num, depth, spec, "DROP");
        stop(Verdict::Drop, h, table.name, cur->name, num);
        return Flow::Drop;
      case model::VerdictKind::Queue:
        event(EventKind::Rule, h, table.name, cur->name, num, depth, spec, "QUEUE");
        stop(Verdict::Queue, h, table.name, cur->name, num);
        return Flow::Queue;
      case model::VerdictKind::Return:
        event(EventKind::Rule, h, table.name, cur->name, num, depth, spec, "RETURN");
        if (stack.empty()) {
          cur = bc.chain;  // RETURN with nothing to return to: the base chain's policy
          idx = cur->rules.size();
        } else {
          event(EventKind::Return, h, table.name, cur->name, 0, depth, "RETURN",
                stack.back().chain->name);
          cur = stack.back().chain;
          idx = stack.back().next;
          stack.pop_back();
        }
        break;
      case model::VerdictKind::Jump:
      case model::VerdictKind::Goto: {
        bool jump = r.verdict == model::VerdictKind::Jump;
        event(EventKind::Rule, h, table.name, cur->name, num, depth, spec,
              (jump ? "jump " : "goto ") + r.jump_chain);
        const model::Chain* next = table.find(r.jump_chain);
        if (!next) {
          stop(Verdict::Error, h, table.name, cur->name, num,
               "chain `" + r.jump_chain + "' does not exist");
          return Flow::Stop;
        }
        if (jump) {
          if (static_cast<int>(stack.size()) >= opts_.max_depth) {
            stop(Verdict::Error, h, table.name, cur->name, num,
                 "more than " + std::to_string(opts_.max_depth) +
                     " nested jumps (the kernel refuses such a ruleset)");
            return Flow::Stop;
          }
          stack.push_back({cur, idx});
        }
        cur = next;
        idx = 0;
        event(EventKind::Chain, h, table.name, cur->name, 0, static_cast<int>(stack.size()),
              jump ? "jump" : "goto");
        break;
      }
      case model::VerdictKind::Target: {
        Packet before = pkt_;
        ctx.clear_reason();
        TargetAction a = r.target->evaluate(pkt_, ctx);
        std::string what = std::string(r.target->name());
        switch (a) {
          case TargetAction::Continue:
            what += " (continue)";
            break;
          case TargetAction::Accept:
            what += " (ACCEPT)";
            break;
          case TargetAction::Drop:
            what += " (DROP)";
            break;
          case TargetAction::Queue:
            what += " (QUEUE)";
            break;
          case TargetAction::Return:
            what += " (RETURN)";
            break;
          case TargetAction::Undecidable:
            break;
        }
        if (a == TargetAction::Undecidable) {
          std::string why = ctx.reason().empty() ? "cannot be evaluated" : ctx.reason();
          event(EventKind::Undecidable, h, table.name, cur->name, num, depth, spec,
                std::string(r.target->name()) + ": " + why);
          t_.undecided_key = rule_key(table.name, cur->name, num) + "#target";
          stop(Verdict::Undecidable, h, table.name, cur->name, num,
               std::string(r.target->name()) + ": " + why);
          return Flow::Stop;
        }
        event(EventKind::Rule, h, table.name, cur->name, num, depth, spec, what);
        for (std::string& n : ctx.take_notes())
          event(EventKind::Effect, h, table.name, cur->name, num, depth, std::move(n),
                std::string(r.target->name()));
        nat_changed(before, h, ctx, depth);
        if (ctx.untrack) {
          ctx.untrack = false;
          notracked_ = true;
          ct_.kind = CtView::Kind::Untracked;
          ct_.state = CtState::Untracked;
          pkt_.ct_state = CtState::Untracked;
        }
        ctx.ct = ct_;
        if ((h == Hook::Prerouting || h == Hook::Output) && bc.priority < -200 && !loopback_leg_ &&
            !notracked_)
          ctx.ct.kind = CtView::Kind::None;
        if (a == TargetAction::Accept) return Flow::Accept;
        if (a == TargetAction::Drop) {
          stop(Verdict::Drop, h, table.name, cur->name, num);
          return Flow::Drop;
        }
        if (a == TargetAction::Queue) {
          stop(Verdict::Queue, h, table.name, cur->name, num);
          return Flow::Queue;
        }
        if (a == TargetAction::Return) {
          if (stack.empty()) {
            cur = bc.chain;
            idx = cur->rules.size();
          } else {
            cur = stack.back().chain;
            idx = stack.back().next;
            stack.pop_back();
          }
        }
        break;
      }
    }
  }
}

Flow Walker::run_hook(Hook h) {
  for (const BaseChain& bc : hook_chains(rs_, h)) {
    if (bc.table->name == "nat") {
      bool dst_manip = h == Hook::Prerouting || h == Hook::Output;
      std::string why;
      if (ct_.kind != CtView::Kind::Tracked)
        why = "the packet has no conntrack entry (" +
              std::string(ct_state_name(pkt_.ct_state.value_or(CtState::Invalid))) + ")";
      else if (ct_.state != CtState::New)
        why = "only the first packet of a connection crosses the nat table";
      else if (dst_manip ? nat_dst_done_ : nat_src_done_)
        why = "the connection's NAT is already set up";
      if (!why.empty()) {
        event(EventKind::Skip, h, "nat", bc.chain->name, 0, 0, why);
        continue;
      }
    }
    Flow f = run_base(bc, h);
    if (bc.table->name == "nat") {
      if (h == Hook::Prerouting || h == Hook::Output)
        nat_dst_done_ = true;
      else
        nat_src_done_ = true;
    }
    if (f != Flow::Accept) return f;
  }
  return Flow::Accept;
}

void Walker::run(const Packet& in) {
  pkt_ = in;
  const Family f = pkt_.family;
  // Conntrack's view once it has seen the packet.
  CtState st = pkt_.ct_state.value_or(fresh_ct_state(pkt_));
  pkt_.ct_state = st;
  ct_.state = st;
  ct_.kind = st == CtState::Invalid     ? CtView::Kind::None
             : st == CtState::Untracked ? CtView::Kind::Untracked
                                        : CtView::Kind::Tracked;
  if (st == CtState::New) {
    ct_.dir_known = true;
    ct_.reply = false;
    ct_.status = pkt_.ct_status.value_or(0);
    CtTuple o{pkt_.src, pkt_.dst, pkt_.sport, pkt_.dport, pkt_.proto};
    if (!pkt_.has_ports()) o.sport = o.dport = 0;
    ct_.orig = o;
    ct_.repl = CtTuple{o.dst, o.src, o.dport, o.sport, o.proto};
  } else {
    ct_.dir_known = pkt_.ct_dir_given;
    ct_.reply = pkt_.ct_reply;
    ct_.status = pkt_.ct_status;
  }
  auto finish = [&](const std::string& fate) {
    t_.verdict = Verdict::Accept;
    t_.fate = fate;
  };
  auto stopped = [&](Flow fl) {
    if (fl == Flow::Drop) t_.fate = "dropped";
    if (fl == Flow::Queue) t_.fate = "queued to userspace";
    if (fl == Flow::Stop && t_.verdict == Verdict::Undecidable) t_.fate = "undecidable";
    if (fl == Flow::Stop && t_.verdict == Verdict::Error) t_.fate = "error";
    t_.final_packet = pkt_;
  };
  auto local_in = [&](bool over_lo) {
    t_.local = true;
    pkt_.outiface = std::string();
    Flow fl = run_hook(Hook::Input);
    if (fl != Flow::Accept) return stopped(fl);
    finish(over_lo ? "delivered to a local socket (over lo)" : "delivered to a local socket");
    t_.final_packet = pkt_;
  };
  if (!opts_.outgoing) {
    // Received: PREROUTING, then the routing decision.
    pkt_.outiface = std::string();
    Flow fl = run_hook(Hook::Prerouting);
    if (fl != Flow::Accept) return stopped(fl);
    bool local = opts_.path == Options::Path::Local ||
                 (opts_.path == Options::Path::Auto && is_local(pkt_.dst));
    if (local) {
      event(EventKind::Route, Hook::Prerouting, "", "", 0, 0,
            "local: " + addr_to_string(pkt_.dst, f) + " is an address of this host");
      return local_in(false);
    }
    if (in.outiface) {
      pkt_.outiface = in.outiface;
    } else if (auto o = route_out(pkt_.dst)) {
      pkt_.outiface = *o;
    } else {
      pkt_.outiface.reset();
    }
    event(EventKind::Route, Hook::Prerouting, "", "", 0, 0,
          "forward: " + addr_to_string(pkt_.dst, f) + " is not an address of this host, out " +
              pkt_.outiface.value_or("(unknown interface)"));
    fl = run_hook(Hook::Forward);
    if (fl != Flow::Accept) return stopped(fl);
    fl = run_hook(Hook::Postrouting);
    if (fl != Flow::Accept) return stopped(fl);
    finish("forwarded out " + pkt_.outiface.value_or("(unknown interface)"));
    t_.final_packet = pkt_;
    return;
  }
  // Generated by the host: OUTPUT, POSTROUTING, and back in over lo when it is for us.
  pkt_.iniface = std::string();
  out_forced_ = in.outiface.has_value();
  if (!out_forced_) {
    if (auto o = route_out(pkt_.dst)) pkt_.outiface = *o;
  }
  event(EventKind::Route, Hook::Output, "", "", 0, 0,
        "generated by this host, out " + pkt_.outiface.value_or("(unknown interface)"));
  const Addr dst_before = pkt_.dst;
  Flow fl = run_hook(Hook::Output);
  if (fl != Flow::Accept) return stopped(fl);
  // mangle OUTPUT (a route chain) and nat OUTPUT route the packet again when they change it;
  // the OUTPUT chains themselves all see the first route's out interface (the hook state),
  // the new one shows from POSTROUTING on.
  if (!out_forced_ && pkt_.dst != dst_before) {
    if (auto o = route_out(pkt_.dst)) {
      if (!pkt_.outiface || *pkt_.outiface != *o)
        event(EventKind::Route, Hook::Output, "", "", 0, 0, "routed again after OUTPUT: out " + *o);
      pkt_.outiface = *o;
    }
  }
  fl = run_hook(Hook::Postrouting);
  if (fl != Flow::Accept) return stopped(fl);
  bool to_self = (pkt_.outiface && *pkt_.outiface == "lo") ||
                 (opts_.path == Options::Path::Local) ||
                 (opts_.path == Options::Path::Auto && is_local(pkt_.dst));
  if (!to_self) {
    finish("sent out " + pkt_.outiface.value_or("(unknown interface)"));
    t_.final_packet = pkt_;
    return;
  }
  loopback_leg_ = true;
  // Conntrack confirmed the connection when the packet left POSTROUTING.
  if (ct_.kind == CtView::Kind::Tracked && ct_.status) *ct_.status |= 8;  // IPS_CONFIRMED
  pkt_.iniface = std::string("lo");
  pkt_.outiface = std::string();
  event(EventKind::Route, Hook::Prerouting, "", "", 0, 0, "looped back in over lo");
  fl = run_hook(Hook::Prerouting);
  if (fl != Flow::Accept) return stopped(fl);
  local_in(true);
}

}  // namespace

Trace walk(const Ruleset& ruleset, const Packet& packet, const Options& options) {
  Trace t;
  Walker w(ruleset, options, t);
  w.run(packet);
  t.events.push_back(Event{EventKind::Verdict, t.hook, t.table, t.chain, t.rule, 0, t.fate,
                           std::string(verdict_name(t.verdict))});
  return t;
}

std::vector<Trace> explore(const Ruleset& ruleset, const Packet& packet, const Options& options,
                           int max_paths) {
  std::vector<Trace> done;
  std::vector<Options> todo{options};
  int walks = 0;
  while (!todo.empty()) {
    Options o = std::move(todo.back());
    todo.pop_back();
    Trace t = walk(ruleset, packet, o);
    ++walks;
    bool can_split = t.verdict == Verdict::Undecidable && !t.undecided_key.empty() &&
                     t.undecided_key.find("#target") == std::string::npos &&
                     walks + static_cast<int>(todo.size()) + 2 <= max_paths;
    if (!can_split) {
      done.push_back(std::move(t));
      continue;
    }
    Options yes = o, no = o;
    yes.assume[t.undecided_key] = true;
    no.assume[t.undecided_key] = false;
    todo.push_back(std::move(no));
    todo.push_back(std::move(yes));
  }
  return done;
}

}  // namespace cx::eval
