#include "xlate/translate.h"

#include <netdb.h>

#include <cstdio>

#include "ext/extension.h"
#include "ext/util.h"

namespace cx::xlate {

namespace {

const char* family_word(Family f) { return f == Family::V6 ? "ip6" : "ip"; }

// iifname/oifname: iptables' "+" suffix is nft's "*"; a "*" at the end is escaped; a lone
// "+" matches every name (nothing printed) or, inverted, none (a name the kernel refuses).
void xlate_interface(ext::Xlate& xl, const char* meta, const std::string& name, bool invert) {
  const std::size_t n = name.size();
  if (n < 1 || n >= 16) return;
  std::string text;
  if (n == 1 && name[0] == '+') {
    if (!invert) return;
    text = "INVAL/D";
    invert = false;
  } else {
    for (std::size_t i = 0; i < n; ++i) {
      if (name[i] == '*' && i == n - 1) text += '\\';
      text += name[i];
    }
    if (text.back() == '+') text.back() = '*';
  }
  xl.addf("%s %s\"%s\" ", meta, invert ? "!= " : "", text.c_str());
}

void xlate_address(ext::Xlate& xl, const char* selector, const std::optional<model::Address>& a,
                   bool invert, Family f) {
  const int bytes = f == Family::V4 ? 4 : 16;
  model::Address none;
  const model::Address& addr = a ? *a : none;
  bool unspecified = true;
  for (int i = 0; i < bytes; ++i)
    if (addr.addr[static_cast<std::size_t>(i)] || addr.mask[static_cast<std::size_t>(i)])
      unspecified = false;
  if (!invert && unspecified) return;
  const std::string text = ext::addr_text(addr.addr.data(), f);
  const int len = ext::mask_prefix_len(addr.mask.data(), bytes);
  const char* op = invert ? "!= " : "";
  if (len < 0)
    xl.addf("%s & %s %s %s ", selector, ext::addr_text(addr.mask.data(), f).c_str(),
            invert ? "!=" : "==", text.c_str());
  else if (len == bytes * 8)
    xl.addf("%s %s%s ", selector, op, text.c_str());
  else
    xl.addf("%s %s%s/%d ", selector, op, text.c_str(), len);
}

bool has_match(const model::Rule& rule, std::string_view name) {
  for (const auto& m : rule.matches)
    if (m->name() == name) return true;
  return false;
}

// The verdict at the end of the rule; false when the target has no translation.
bool xlate_verdict(ext::Xlate& xl, const model::Rule& rule, const ext::XlateContext& ctx) {
  switch (rule.verdict) {
    case model::VerdictKind::None:
      return true;
    case model::VerdictKind::Accept:
      xl.add(" accept");
      return true;
    case model::VerdictKind::Drop:
      xl.add(" drop");
      return true;
    case model::VerdictKind::Return:
      xl.add(" return");
      return true;
    case model::VerdictKind::Jump:
      xl.addf(" jump %s", rule.jump_chain.c_str());
      return true;
    case model::VerdictKind::Goto:
      xl.addf(" goto %s", rule.jump_chain.c_str());
      return true;
    case model::VerdictKind::Queue:  // iptables' standard target, which has no translation
      return false;
    case model::VerdictKind::Target:
      return rule.target && rule.target->xlate(xl, ctx);
  }
  return false;
}

// The rule's text after "add rule FAMILY TABLE CHAIN"; false when something in it has no
// translation.
bool xlate_rule(ext::Xlate& xl, const model::Rule& rule, const ext::XlateContext& ctx) {
  const model::IpHeader& ip = rule.ip;
  const Family f = ctx.family;
  xlate_interface(xl, "iifname", ip.iniface, ip.inv_in);
  xlate_interface(xl, "oifname", ip.outiface, ip.inv_out);
  if (f == Family::V4 && ip.frag)
    xl.addf("ip frag-off & 0x1fff %s%x ", ip.inv_frag ? "" : "!= ", 0);
  if (ip.proto != 0) {
    // Named as /etc/protocols names it; left out when a match of that name follows (its
    // own words imply the protocol).
    const protoent* pe = getprotobynumber(ip.proto);
    if (!pe || !has_match(rule, pe->p_name)) {
      std::string name = pe ? pe->p_name : std::to_string(ip.proto);
      xl.addf("%s %s%s ", f == Family::V4 ? "ip protocol" : "meta l4proto",
              ip.inv_proto ? "!= " : "", name.c_str());
    }
  }
  xlate_address(xl, f == Family::V4 ? "ip saddr" : "ip6 saddr", ip.src, ip.inv_src, f);
  xlate_address(xl, f == Family::V4 ? "ip daddr" : "ip6 daddr", ip.dst, ip.inv_dst, f);
  for (const auto& m : rule.matches)
    if (!m->xlate(xl, ctx)) return false;
  xl.add("counter");
  bool ok = xlate_verdict(xl, rule, ctx);
  if (!xl.comment().empty()) xl.addf(" comment %s", xl.comment().c_str());
  return ok;
}

// One rule as "add rule ..." (or "insert rule ..."), preceded by the set it declares, if any.
Result<bool> print_rule(const cli::Command& cmd, const model::Rule& rule, bool restore, bool append,
                        std::string& out, std::vector<std::string>& warnings) {
  ext::Xlate xl(cmd.family);
  ext::XlateContext ctx;
  ctx.family = cmd.family;
  ctx.ip = &rule.ip;
  ctx.numeric = cmd.numeric;
  const bool ok = xlate_rule(xl, rule, ctx);
  warnings.insert(warnings.end(), xl.warnings().begin(), xl.warnings().end());
  if (!xl.refusal().empty()) return other_error(xl.refusal());
  if (!ok) return false;
  const char* tick = restore ? "" : "'";
  const char* fam = family_word(cmd.family);
  if (!xl.set().empty()) {
    out += tick;
    out += "add set ";
    out += fam;
    out += " " + cmd.table + " " + xl.set() + tick + "\n";
    if (!restore) out += "nft ";
  }
  out += tick;
  out += append ? "add" : "insert";
  out += " rule ";
  out += fam;
  out += " " + cmd.table + " " + cmd.chain + " " + xl.rule() + tick + "\n";
  return true;
}

// -A / -I: one rule per source x destination address. As in iptables, only the last rule's
// result counts, and an untranslatable one is printed back as a comment.
Result<bool> translate_rules(const cli::Command& cmd, bool restore, bool append, std::string& out,
                             std::vector<std::string>& warnings) {
  bool ok = true;
  const std::size_t nsrc = cmd.source_count ? cmd.source_count : 1;
  const std::size_t ndst = cmd.rules.size() / nsrc;
  for (std::size_t i = 0; i < nsrc; ++i) {
    for (std::size_t j = 0; j < ndst; ++j) {
      auto printed = print_rule(cmd, cmd.rules[i * ndst + j], restore, append, out, warnings);
      if (!printed) return printed.take_error();
      ok = *printed;
    }
    if (!restore && i + 1 < nsrc) out += "nft ";
  }
  if (!ok) {
    out += "# ";
    for (std::size_t i = 1; i < cmd.words.size(); ++i) out += cmd.words[i] + " ";
    out += "\n";
  }
  return true;
}

}  // namespace

Result<bool> translate_command(const cli::Command& cmd, bool restore, std::string& out,
                               std::vector<std::string>& warnings) {
  using namespace cli;
  const char* fam = family_word(cmd.family);
  if (!restore && cmd.command != kCmdNone) out += "nft ";
  switch (cmd.command) {
    case kCmdAppend:
      return translate_rules(cmd, restore, true, out, warnings);
    case kCmdInsert:
      return translate_rules(cmd, restore, false, out, warnings);
    case kCmdFlush:
      if (!cmd.chain.empty())
        out += std::string("flush chain ") + fam + " " + cmd.table + " " + cmd.chain + "\n";
      else
        out += std::string("flush table ") + fam + " " + cmd.table + "\n";
      return true;
    case kCmdList:
    case kCmdList | kCmdZero:
    case kCmdList | kCmdZeroNum:
      out += std::string("list table ") + fam + " " + cmd.table + "\n";
      return true;
    case kCmdNewChain:
      out += std::string("add chain ") + fam + " " + cmd.table + " " + cmd.chain + "\n";
      return true;
    case kCmdDeleteChain:
      out += std::string("delete chain ") + fam + " " + cmd.table + " " +
             (cmd.chain.empty() ? "(null)" : cmd.chain) + "\n";
      return true;
    case kCmdNone:
      return true;
    default:  // -D -C -R -Z -S -E -P: the reference has no translation
      return false;
  }
}

}  // namespace cx::xlate
