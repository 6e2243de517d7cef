#include "cli/print.h"

#include <cstdio>

#include "common/parse.h"
#include "ext/extension.h"

namespace cx::cli {

namespace {

std::string target_name(const model::Rule& r) {
  switch (r.verdict) {
    case model::VerdictKind::Accept:
      return "ACCEPT";
    case model::VerdictKind::Drop:
      return "DROP";
    case model::VerdictKind::Return:
      return "RETURN";
    case model::VerdictKind::Jump:
    case model::VerdictKind::Goto:
      return r.jump_chain;
    case model::VerdictKind::Queue:
      return "QUEUE";
    case model::VerdictKind::Target:
      return r.target->list_name();
    case model::VerdictKind::None:
      return "";
  }
  return "";
}

void append_iface(std::string& out, const char* flag, const std::string& name, bool inv) {
  if (name.empty() || (name == "+" && !inv)) return;  // "-i +" matches any: not shown
  out += inv ? " ! " : " ";
  out += flag;
  out += " ";
  out += name;
}

}  // namespace

namespace {

// The save form of a rule after "-A CHAIN"; `counters` (-v -S) stand before the target.
std::string spec_text(const model::Rule& r, Family family, const model::Counters* counters) {
  std::string out;
  const int alen = addr_len(family);
  auto addr = [&](const char* flag, const std::optional<model::Address>& a, bool inv) {
    if (!a) return;
    bool any = true;
    for (int i = 0; i < alen; ++i) any &= a->mask[i] == 0;
    if (any && !inv) return;
    out += inv ? " ! " : " ";
    out += flag;
    out += " ";
    out += format_address_mask(*a, family);
  };
  addr("-s", r.ip.src, r.ip.inv_src);
  addr("-d", r.ip.dst, r.ip.inv_dst);
  append_iface(out, "-i", r.ip.iniface, r.ip.inv_in);
  append_iface(out, "-o", r.ip.outiface, r.ip.inv_out);
  if (r.ip.proto != 0 || r.ip.inv_proto) {
    out += r.ip.inv_proto ? " ! -p " : " -p ";
    out += protocol_name(r.ip.proto, family);
  }
  if (r.ip.frag) out += r.ip.inv_frag ? " ! -f" : " -f";
  ext::SaveContext sc{family, &r.ip};
  for (const auto& m : r.matches) {
    out += " -m ";
    out += m->name();
    m->save(out, sc);
  }
  if (counters)
    out += " -c " + std::to_string(counters->packets) + " " + std::to_string(counters->bytes);
  switch (r.verdict) {
    case model::VerdictKind::None:
      break;
    case model::VerdictKind::Goto:
      out += " -g " + r.jump_chain;
      break;
    case model::VerdictKind::Target:
      out += " -j ";
      out += r.target->name();
      r.target->save(out, sc);
      break;
    default:
      out += " -j " + target_name(r);
      break;
  }
  return out;
}

}  // namespace

std::string rule_spec(const model::Rule& r, Family family) { return spec_text(r, family, nullptr); }

std::string save_rule(const model::Rule& r, const std::string& chain, Family family,
                      bool counters) {
  return "-A " + chain + spec_text(r, family, counters ? &r.counters : nullptr);
}

namespace {

std::string num(std::uint64_t n, unsigned format, bool compact) {
  char buf[32];
  if (format & kFmtExact) {
    std::snprintf(buf, sizeof(buf), compact ? "%llu " : "%8llu ",
                  static_cast<unsigned long long>(n));
    return buf;
  }
  if (n <= 99999) {
    std::snprintf(buf, sizeof(buf), compact ? "%llu " : "%5llu ",
                  static_cast<unsigned long long>(n));
    return buf;
  }
  // Rounded to the nearest unit, as iptables shows them.
  const char* units = "KMGT";
  n = (n + 500) / 1000;
  int u = 0;
  while (n > 9999 && u < 3) {
    n = (n + 500) / 1000;
    ++u;
  }
  std::snprintf(buf, sizeof(buf), compact ? "%llu%c " : "%4llu%c ",
                static_cast<unsigned long long>(n), units[u]);
  return buf;
}

std::string pad(const std::string& s, std::size_t width) {
  if (s.size() >= width) return s;
  return s + std::string(width - s.size(), ' ');
}

}  // namespace

std::string list_chain(const model::Chain& c, Family family, unsigned format,
                       std::int64_t references, int only_rule) {
  std::string out;
  const bool verbose = format & kFmtVerbose;
  const bool numeric = format & kFmtNumeric;
  if (!only_rule) {
    out += "Chain " + c.name;
    if (c.builtin) {
      out += " (policy ";
      out += c.policy_accept ? "ACCEPT" : "DROP";
      if (verbose) {
        out += ' ';
        out += num(c.policy_counters.packets, format, true) + "packets, " +
               num(c.policy_counters.bytes, format, true) + "bytes";
      }
      out += ")\n";
    } else {
      out += references < 0 ? std::string(" (ERROR obtaining refs)\n")
                            : " (" + std::to_string(references) + " references)\n";
    }
    if (format & kFmtLineNumbers) out += "num  ";
    if (verbose) {
      if (format & kFmtExact)
        out += "    pkts      bytes ";
      else
        out += " pkts bytes ";
    }
    out += "target     prot opt ";
    if (verbose) out += "in     out     ";
    out += "source               destination         \n";
  }
  int n = 0;
  for (const model::Rule& r : c.rules) {
    ++n;
    if (only_rule && n != only_rule) continue;
    if (format & kFmtLineNumbers) {
      char buf[16];
      std::snprintf(buf, sizeof(buf), "%-4d ", n);
      out += buf;
    }
    if (verbose)
      out += num(r.counters.packets, format, false) + num(r.counters.bytes, format, false);
    out += pad(target_name(r), 9) + " ";
    out += r.ip.inv_proto ? "!" : " ";
    out += pad(numeric ? std::to_string(r.ip.proto) : protocol_name(r.ip.proto, family), 4) + " ";
    out += r.ip.frag ? (r.ip.inv_frag ? "!f " : "-f ") : "-- ";
    if (verbose) {
      auto iface = [numeric](const std::string& name, bool inv) {
        if (name.empty() || (name == "+" && !inv)) return std::string(numeric ? "*" : "any");
        return (inv ? "!" : "") + name;
      };
      out += ' ';
      out += pad(iface(r.ip.iniface, r.ip.inv_in), 6) + " ";
      out += pad(iface(r.ip.outiface, r.ip.inv_out), 6) + " ";
    }
    const model::Address* src = r.ip.src ? &*r.ip.src : nullptr;
    const model::Address* dst = r.ip.dst ? &*r.ip.dst : nullptr;
    out += r.ip.inv_src ? "!" : " ";
    out += pad(format_address_list(src, false, family, numeric), 19) + " ";
    out += r.ip.inv_dst ? "!" : " ";
    out += pad(format_address_list(dst, false, family, numeric), 19) + " ";
    if (r.verdict == model::VerdictKind::Goto) out += "[goto] ";
    ext::SaveContext sc{family, &r.ip};
    for (const auto& m : r.matches) m->list(out, numeric, sc);
    if (r.verdict == model::VerdictKind::Target) r.target->list(out, numeric, sc);
    out += "\n";
  }
  return out;
}

std::string verbose_rule(const model::Rule& r, Family family) {
  auto iface = [](const std::string& name, bool inv) {
    if (name.empty() || (name == "+" && !inv)) return std::string("*");
    return (inv ? "!" : "") + name;
  };
  std::string out = target_name(r) + " ";
  out += r.ip.inv_proto ? "!" : " ";
  // As iptables prints a rule it adds (numeric): its own names only, else the number.
  const auto pname = builtin_protocol_name(r.ip.proto);
  out += pname ? std::string(*pname) : std::to_string(r.ip.proto);
  out += " opt ";
  out += r.ip.frag ? (r.ip.inv_frag ? "!f" : "-f") : "--";
  out += " in " + iface(r.ip.iniface, r.ip.inv_in) + " out " + iface(r.ip.outiface, r.ip.inv_out) +
         " ";
  const model::Address* src = r.ip.src ? &*r.ip.src : nullptr;
  const model::Address* dst = r.ip.dst ? &*r.ip.dst : nullptr;
  out += r.ip.inv_src ? "!" : " ";
  out += format_address_list(src, false, family, true) + " ";
  out += r.ip.inv_dst ? "!" : " ";
  out += "-> " + format_address_list(dst, false, family, true) + "  ";
  ext::SaveContext sc{family, &r.ip};
  if (r.verdict == model::VerdictKind::Goto) out += "[goto] ";
  for (const auto& m : r.matches) m->list(out, true, sc);
  if (r.verdict == model::VerdictKind::Target) r.target->list(out, true, sc);
  return out + "\n";
}

}  // namespace cx::cli
