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

std::string anchor_name(const std::string& chain, std::size_t min_run) {
  return std::string(kSetPrefix) + chain + "_m" + std::to_string(min_run);
}

namespace {

bool all_digits(std::string_view s) {
  return !s.empty() && s.size() <= 9 &&
         std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// The chain, and the part after its last underscore, of a name made here.
std::optional<std::pair<std::string, std::string>> split_set_name(const std::string& set) {
  if (!set.starts_with(kSetPrefix)) return std::nullopt;
  const auto underscore = set.rfind('_');
  if (underscore <= kSetPrefix.size() || underscore + 1 >= set.size()) return std::nullopt;
  std::string tail = set.substr(underscore + 1);
  const std::string_view digits = tail.front() == 'm' ? std::string_view(tail).substr(1) : tail;
  if (!all_digits(digits)) return std::nullopt;
  return std::make_pair(set.substr(kSetPrefix.size(), underscore - kSetPrefix.size()),
                        std::move(tail));
}

void put_u32(nft::Bytes& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(v >> shift));
}

std::uint64_t get_be(const nft::Bytes& v, std::size_t at, std::size_t n) {
  std::uint64_t out = 0;
  for (std::size_t i = 0; i < n; ++i) out = (out << 8) | v[at + i];
  return out;
}

}  // namespace

std::optional<std::string> chain_of_set(const std::string& set) {
  auto parts = split_set_name(set);
  if (!parts) return std::nullopt;
  return parts->first;
}

std::optional<std::size_t> set_number(const std::string& set) {
  auto parts = split_set_name(set);
  if (!parts || parts->second.front() == 'm') return std::nullopt;
  return std::stoul(parts->second);
}

std::optional<std::size_t> anchor_min_run(const std::string& set) {
  auto parts = split_set_name(set);
  if (!parts || parts->second.front() != 'm') return std::nullopt;
  return std::stoul(parts->second.substr(1));
}

std::uint64_t run_signature(const std::string& spelling, const std::string& verdict) {
  std::uint64_t h = 1469598103934665603ull;  // FNV-1a
  auto mix = [&](std::string_view s) {
    for (unsigned char c : s) {
      h ^= c;
      h *= 1099511628211ull;
    }
  };
  mix(spelling);
  mix(std::string_view("\n", 1));
  mix(verdict);
  return h;
}

nft::Bytes lookup_rule_userdata(const RunInfo& run) {
  nft::Bytes out;
  put_tlv(out, kUdComment, text_value("cxtables compiled rules: list with cxtables"));
  put_tlv(out, kUdCompiled, {kFormatVersion});
  nft::Bytes info;
  put_u32(info, run.count);
  put_u32(info, run.lo);
  put_u32(info, run.hi);
  put_u32(info, static_cast<std::uint32_t>(run.signature >> 32));
  put_u32(info, static_cast<std::uint32_t>(run.signature));
  put_tlv(out, kUdRun, info);
  if (run.reordered) put_tlv(out, kUdReordered, {});
  return out;
}

std::optional<nft::Bytes> with_order_key(const std::optional<nft::Bytes>& userdata,
                                         std::uint32_t key) {
  nft::Bytes out = userdata.value_or(nft::Bytes{});
  nft::Bytes v;
  put_u32(v, key);
  put_tlv(out, kUdOrder, v);
  if (out.size() > kMaxUserdata) return std::nullopt;
  return out;
}

std::optional<std::uint32_t> read_order_key(const nft::RuleObj& rule) {
  if (!rule.userdata) return std::nullopt;
  std::optional<std::uint32_t> out;
  const bool ok = for_each_tlv(*rule.userdata, [&](std::uint8_t type, const nft::Bytes& v) {
    if (type == kUdOrder && v.size() == 4) out = static_cast<std::uint32_t>(get_be(v, 0, 4));
  });
  return ok ? out : std::nullopt;
}

void drop_order_key(nft::RuleObj& rule) {
  if (!rule.userdata || !read_order_key(rule)) return;
  nft::Bytes kept;
  for_each_tlv(*rule.userdata, [&](std::uint8_t type, const nft::Bytes& v) {
    if (type != kUdOrder) put_tlv(kept, type, v);
  });
  if (kept.empty())
    rule.userdata.reset();
  else
    rule.userdata = std::move(kept);
}

std::optional<RunInfo> read_run_info(const nft::RuleObj& rule) {
  if (!rule.userdata) return std::nullopt;
  std::optional<RunInfo> out;
  bool reordered = false;
  const bool ok = for_each_tlv(*rule.userdata, [&](std::uint8_t type, const nft::Bytes& v) {
    reordered |= type == kUdReordered;
    if (type != kUdRun || v.size() != 20) return;
    out = RunInfo{static_cast<std::uint32_t>(get_be(v, 0, 4)),
                  static_cast<std::uint32_t>(get_be(v, 4, 4)),
                  static_cast<std::uint32_t>(get_be(v, 8, 4)), get_be(v, 12, 8)};
  });
  if (!ok) return std::nullopt;
  if (out) out->reordered = reordered;
  return out;
}

std::uint64_t guard_signature() { return run_signature(std::string(kGuardSpelling), "return"); }

bool is_guard(const nft::RuleObj& rule) {
  if (!is_compiled_rule(rule)) return false;
  auto run = read_run_info(rule);
  return run && run->count == 0 && run->signature == guard_signature();
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

namespace {

const char* program_of(Family family) { return family == Family::V6 ? "ip6tables" : "iptables"; }

}  // namespace

Result<model::Rule> rule_model_from_text(const std::string& text, const std::string& table,
                                         const std::string& chain, Family family) {
  const std::string program = program_of(family);
  std::vector<std::string> args{program, "-t", table, "-A", chain};
  for (auto& w : restore::split_words(text)) args.push_back(std::move(w));
  auto cmd = cli::parse_command(args, family, program, true);
  if (!cmd) return cmd.take_error();
  if (cmd->rules.size() != 1)
    return other_error("compiled rule text gives " + std::to_string(cmd->rules.size()) +
                       " rules: " + text);
  return std::move(cmd->rules.front());
}

Result<nft::RuleObj> rule_from_text(const std::string& text, const std::string& table,
                                    const std::string& chain, Family family) {
  auto r = rule_model_from_text(text, table, chain, family);
  if (!r) return r.take_error();
  ext::RuleContext ctx;
  ctx.family = family;
  ctx.table = table;
  ctx.program = program_of(family);
  return codec::rule_object(*r, ctx, chain);
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
