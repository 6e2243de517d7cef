#include "compile/userdata.h"

#include <algorithm>

#include "cli/command.h"
#include "cli/print.h"
#include "codec/rule_codec.h"
#include "restore/restore.h"

namespace cx::compile {

namespace {

void put_tlv(nft::Bytes& out, std::uint8_t type, const nft::Bytes& value) {
  out.push_back(type);
  out.push_back(static_cast<std::uint8_t>(value.size()));
  out.insert(out.end(), value.begin(), value.end());
}

nft::Bytes text_value(const std::string& text) {
  nft::Bytes v(text.begin(), text.end());
  v.push_back(0);
  return v;
}

// Calls each(type, value) for every well-formed TLV; false when the data is not TLVs.
template <class F>
bool for_each_tlv(const nft::Bytes& data, F each) {
  std::size_t at = 0;
  while (at + 2 <= data.size()) {
    const std::size_t len = data[at + 1];
    if (at + 2 + len > data.size()) return false;
    each(data[at], nft::Bytes(data.begin() + static_cast<std::ptrdiff_t>(at + 2),
                              data.begin() + static_cast<std::ptrdiff_t>(at + 2 + len)));
    at += 2 + len;
  }
  return at == data.size();
}

}  // namespace

std::string set_name(const std::string& chain, std::size_t n) {
  return std::string(kSetPrefix) + chain + "_" + std::to_string(n);
}

std::optional<std::string> chain_of_set(const std::string& set) {
  if (!set.starts_with(kSetPrefix)) return std::nullopt;
  const auto underscore = set.rfind('_');
  if (underscore <= kSetPrefix.size() || underscore + 1 >= set.size()) return std::nullopt;
  const std::string n = set.substr(underscore + 1);
  if (!std::all_of(n.begin(), n.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return std::nullopt;
  return set.substr(kSetPrefix.size(), underscore - kSetPrefix.size());
}

nft::Bytes lookup_rule_userdata() {
  nft::Bytes out;
  put_tlv(out, kUdComment, text_value("cxtables compiled rules: list with cxtables"));
  put_tlv(out, kUdCompiled, {kFormatVersion});
  return out;
}

bool is_compiled_rule(const nft::RuleObj& rule) {
  if (!rule.userdata) return false;
  bool found = false;
  const bool ok = for_each_tlv(*rule.userdata, [&](std::uint8_t type, const nft::Bytes& v) {
    found |= type == kUdCompiled && v.size() == 1 && v[0] == kFormatVersion;
  });
  return ok && found;
}

std::optional<nft::Bytes> element_userdata(std::uint32_t rule, std::uint16_t item,
                                           const std::string& text) {
  nft::Bytes out;
  if (item == 0) {
    if (text.size() + 1 > 255) return std::nullopt;
    put_tlv(out, kUdComment, text_value(text));
  }
  put_tlv(
      out, kUdCompiled,
      {kFormatVersion, static_cast<std::uint8_t>(rule >> 24), static_cast<std::uint8_t>(rule >> 16),
       static_cast<std::uint8_t>(rule >> 8), static_cast<std::uint8_t>(rule),
       static_cast<std::uint8_t>(item >> 8), static_cast<std::uint8_t>(item)});
  if (out.size() > kMaxUserdata) return std::nullopt;
  return out;
}

std::optional<ElementTag> read_element_userdata(const nft::Bytes& userdata) {
  ElementTag tag;
  bool found = false;
  const bool ok = for_each_tlv(userdata, [&](std::uint8_t type, const nft::Bytes& v) {
    if (type == kUdComment && !v.empty() && v.back() == 0) tag.text.assign(v.begin(), v.end() - 1);
    if (type != kUdCompiled || v.size() != 7 || v[0] != kFormatVersion) return;
    tag.rule = (std::uint32_t{v[1]} << 24) | (std::uint32_t{v[2]} << 16) |
               (std::uint32_t{v[3]} << 8) | v[4];
    tag.item = static_cast<std::uint16_t>((v[5] << 8) | v[6]);
    found = true;
  });
  if (!ok || !found) return std::nullopt;
  return tag;
}

std::string rule_text(const model::Rule& rule, Family family) {
  std::string s = cli::rule_spec(rule, family);
  if (!s.empty() && s.front() == ' ') s.erase(0, 1);
  return s;
}

Result<nft::RuleObj> rule_from_text(const std::string& text, const std::string& table,
                                    const std::string& chain, Family family) {
  const std::string program = family == Family::V6 ? "ip6tables" : "iptables";
  std::vector<std::string> args{program, "-t", table, "-A", chain};
  for (auto& w : restore::split_words(text)) args.push_back(std::move(w));
  auto cmd = cli::parse_command(args, family, program, true);
  if (!cmd) return cmd.take_error();
  if (cmd->rules.size() != 1)
    return other_error("compiled rule text gives " + std::to_string(cmd->rules.size()) +
                       " rules: " + text);
  const model::Rule& r = cmd->rules.front();
  ext::RuleContext ctx;
  ctx.family = family;
  ctx.table = table;
  ctx.program = program;
  return codec::rule_object(r, ctx, chain);
}

nft::RuleObj resend(const nft::RuleObj& kernel_rule, Family family) {
  nft::RuleObj o = kernel_rule;
  o.handle.reset();
  o.position.reset();
  o.id.reset();
  o.position_id.reset();
  model::Rule decoded = codec::decode_rule(o.exprs, family, o.userdata);
  o.compat_proto = decoded.ip.proto;
  o.compat_flags = decoded.ip.inv_proto ? 2u : 0u;
  return o;
}

}  // namespace cx::compile
