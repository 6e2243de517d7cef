// Rule messages without libnftnl, both ways, for the expressions iptables-nft writes.
//
// Reading: a rule message of a dump straight from its attributes. Going through libnftnl costs an
// allocation per expression and attribute and was a third of `iptables-save` at 50k rules; this
// reads each attribute once into nft::Expr. It gives exactly what libnftnl followed by from_nftnl()
// gives, and on anything it does not know or that libnftnl would treat specially (an expression
// kind it does not read here, an attribute of the wrong size, a string without its NUL) it says so,
// and the caller goes the libnftnl way.
//
// Writing: the attributes of a NEWRULE/DELRULE in the order and form libnftnl 1.2.4's
// nftnl_rule_nlmsg_build_payload gives them (checked byte for byte against it by
// tests/unit/rule_message_test.cpp); building libnftnl objects to serialise them was a tenth
// of a 50k-rule restore.
#include "nft/rule_message.h"

#include <arpa/inet.h>
#include <endian.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nf_tables_compat.h>
#include <linux/netfilter/nfnetlink.h>

#include <array>
#include <cstring>
#include <string_view>

namespace cx::nft {

namespace {

constexpr std::size_t kMaxType = 16;  // above every attribute type read here
// libnftnl keeps names of matches and targets in a buffer of XT_EXTENSION_MAXNAMELEN (29).
constexpr std::size_t kXtNameMax = 28;
// struct nft_data: a value register holds at most 64 bytes (libnftnl refuses more).
constexpr std::size_t kDataValueMax = 64;

// The children of a nested attribute (or of a message's payload) by type, the last of each
// type winning, as mnl_attr_parse_nested fills libnftnl's tables. Types above kMaxType are
// ignored, as libnftnl ignores types above its maximum.
struct Attrs {
  std::array<const nlattr*, kMaxType + 1> by_type{};

  const nlattr* operator[](std::uint16_t type) const { return by_type[type]; }

  static Attrs of_range(const void* begin, const void* end) {
    Attrs out;
    auto* a = static_cast<const nlattr*>(begin);
    for (; mnl_attr_ok(
             a, static_cast<int>(static_cast<const char*>(end) - reinterpret_cast<const char*>(a)));
         a = mnl_attr_next(a)) {
      const std::uint16_t type = mnl_attr_get_type(a);
      if (type <= kMaxType) out.by_type[type] = a;
    }
    return out;
  }
  static Attrs of(const nlattr* nest) {
    const char* payload = static_cast<const char*>(mnl_attr_get_payload(nest));
    return of_range(payload, payload + mnl_attr_get_payload_len(nest));
  }
};

// Sizes as libmnl's mnl_attr_validate checks them for libnftnl's parsers.
bool sized(const nlattr* a, std::size_t len) { return !a || mnl_attr_get_payload_len(a) == len; }
bool nested_ok(const nlattr* a) {
  return !a || mnl_attr_get_payload_len(a) == 0 || mnl_attr_get_payload_len(a) >= MNL_ATTR_HDRLEN;
}
// A string attribute libnftnl would strdup(): not empty, and here also NUL-terminated (one
// that is not is left to libnftnl and its guards).
bool string_ok(const nlattr* a) {
  if (!a) return true;
  const auto len = mnl_attr_get_payload_len(a);
  return len > 0 && static_cast<const char*>(mnl_attr_get_payload(a))[len - 1] == '\0';
}

std::uint32_t u32(const nlattr* a) { return a ? ntohl(mnl_attr_get_u32(a)) : 0; }
std::uint16_t u16(const nlattr* a) { return a ? ntohs(mnl_attr_get_u16(a)) : 0; }
std::uint64_t u64(const nlattr* a) { return a ? be64toh(mnl_attr_get_u64(a)) : 0; }
std::string str(const nlattr* a) { return a ? std::string(mnl_attr_get_str(a)) : std::string(); }
Bytes bytes(const nlattr* a) {
  if (!a) return {};
  const auto* p = static_cast<const std::uint8_t*>(mnl_attr_get_payload(a));
  return Bytes(p, p + mnl_attr_get_payload_len(a));
}

bool all_u32(const Attrs& t, std::initializer_list<std::uint16_t> types) {
  for (std::uint16_t type : types)
    if (!sized(t[type], 4)) return false;
  return true;
}

// A struct nft_data holding a value (NFTA_DATA_VALUE), as libnftnl's nftnl_parse_data reads
// it; false when it holds anything else.
bool value_data(const nlattr* a, Bytes& out) {
  if (!a) return true;
  if (!nested_ok(a)) return false;
  Attrs d = Attrs::of(a);
  if (d[NFTA_DATA_VERDICT]) return false;
  const nlattr* v = d[NFTA_DATA_VALUE];
  if (!v) return true;
  const auto len = mnl_attr_get_payload_len(v);
  if (len == 0 || len > kDataValueMax) return false;  // libnftnl refuses both
  out = bytes(v);
  return true;
}

// One expression: true with `e` filled when it is one of the kinds iptables-nft writes and
// well formed.
bool read_expression(const nlattr* elem, Expr& e) {
  if (mnl_attr_get_type(elem) != NFTA_LIST_ELEM || !nested_ok(elem)) return false;
  Attrs top = Attrs::of(elem);
  const nlattr* name_attr = top[NFTA_EXPR_NAME];
  const nlattr* data = top[NFTA_EXPR_DATA];
  if (!name_attr || !string_ok(name_attr) || !nested_ok(data)) return false;
  const std::string_view name = mnl_attr_get_str(name_attr);
  Attrs t = data ? Attrs::of(data) : Attrs{};
  if (name == "payload") {
    if (!all_u32(t, {NFTA_PAYLOAD_DREG, NFTA_PAYLOAD_BASE, NFTA_PAYLOAD_OFFSET, NFTA_PAYLOAD_LEN,
                     NFTA_PAYLOAD_SREG, NFTA_PAYLOAD_CSUM_TYPE, NFTA_PAYLOAD_CSUM_OFFSET,
                     NFTA_PAYLOAD_CSUM_FLAGS}))
      return false;
    if (t[NFTA_PAYLOAD_SREG]) return false;  // a payload write: libnftnl's way, as Other
    e.kind = Expr::Kind::Payload;
    e.dreg = u32(t[NFTA_PAYLOAD_DREG]);
    e.base = u32(t[NFTA_PAYLOAD_BASE]);
    e.offset = u32(t[NFTA_PAYLOAD_OFFSET]);
    e.len = u32(t[NFTA_PAYLOAD_LEN]);
  } else if (name == "meta") {
    if (!all_u32(t, {NFTA_META_DREG, NFTA_META_KEY, NFTA_META_SREG})) return false;
    e.kind = Expr::Kind::Meta;
    e.key = u32(t[NFTA_META_KEY]);
    if (t[NFTA_META_SREG]) {
      e.meta_set = true;
      e.sreg = u32(t[NFTA_META_SREG]);
    } else {
      e.dreg = u32(t[NFTA_META_DREG]);
    }
  } else if (name == "cmp") {
    if (!all_u32(t, {NFTA_CMP_SREG, NFTA_CMP_OP})) return false;
    e.kind = Expr::Kind::Cmp;
    e.sreg = u32(t[NFTA_CMP_SREG]);
    e.op = u32(t[NFTA_CMP_OP]);
    if (!value_data(t[NFTA_CMP_DATA], e.data)) return false;
  } else if (name == "bitwise") {
    if (!all_u32(t, {NFTA_BITWISE_SREG, NFTA_BITWISE_DREG, NFTA_BITWISE_LEN, NFTA_BITWISE_OP}) ||
        t[NFTA_BITWISE_DATA])
      return false;
    e.kind = Expr::Kind::Bitwise;
    e.sreg = u32(t[NFTA_BITWISE_SREG]);
    e.dreg = u32(t[NFTA_BITWISE_DREG]);
    e.len = u32(t[NFTA_BITWISE_LEN]);
    if (t[NFTA_BITWISE_OP]) e.bitwise_op = u32(t[NFTA_BITWISE_OP]);
    if (!value_data(t[NFTA_BITWISE_MASK], e.mask) || !value_data(t[NFTA_BITWISE_XOR], e.xor_bits))
      return false;
  } else if (name == "range") {
    if (!all_u32(t, {NFTA_RANGE_SREG, NFTA_RANGE_OP})) return false;
    e.kind = Expr::Kind::Range;
    e.sreg = u32(t[NFTA_RANGE_SREG]);
    e.op = u32(t[NFTA_RANGE_OP]);
    if (!value_data(t[NFTA_RANGE_FROM_DATA], e.data) ||
        !value_data(t[NFTA_RANGE_TO_DATA], e.to_data))
      return false;
  } else if (name == "counter") {
    if (!sized(t[NFTA_COUNTER_BYTES], 8) || !sized(t[NFTA_COUNTER_PACKETS], 8)) return false;
    e.kind = Expr::Kind::Counter;
    e.bytes = u64(t[NFTA_COUNTER_BYTES]);
    e.packets = u64(t[NFTA_COUNTER_PACKETS]);
  } else if (name == "immediate") {
    if (!sized(t[NFTA_IMMEDIATE_DREG], 4)) return false;
    e.kind = Expr::Kind::Immediate;
    e.dreg = u32(t[NFTA_IMMEDIATE_DREG]);
    const nlattr* d = t[NFTA_IMMEDIATE_DATA];
    if (!nested_ok(d)) return false;
    Attrs dt = d ? Attrs::of(d) : Attrs{};
    if (dt[NFTA_DATA_VERDICT]) {
      if (dt[NFTA_DATA_VALUE] || !nested_ok(dt[NFTA_DATA_VERDICT])) return false;
      Attrs v = Attrs::of(dt[NFTA_DATA_VERDICT]);
      const nlattr* code = v[NFTA_VERDICT_CODE];
      const nlattr* chain = v[NFTA_VERDICT_CHAIN];
      if (!code || !sized(code, 4) || !string_ok(chain)) return false;
      e.verdict = static_cast<std::int32_t>(u32(code));
      switch (e.verdict) {
        case NF_DROP:
        case NF_ACCEPT:
        case NFT_CONTINUE:
        case NFT_RETURN:
        case NFT_JUMP:
        case NFT_GOTO:
          break;
        default:
          return false;  // the codes iptables-nft writes; libnftnl judges the others
      }
      if (e.verdict == NFT_JUMP || e.verdict == NFT_GOTO) {
        if (!chain) return false;
        e.chain = str(chain);
      }
    } else {
      // No data at all, or a value: libnftnl reports the (empty) value.
      Bytes value;
      if (!value_data(d, value)) return false;
      e.imm_data = std::move(value);
    }
  } else if (name == "limit") {
    if (!sized(t[NFTA_LIMIT_RATE], 8) || !sized(t[NFTA_LIMIT_UNIT], 8) ||
        !all_u32(t, {NFTA_LIMIT_BURST, NFTA_LIMIT_TYPE, NFTA_LIMIT_FLAGS}))
      return false;
    e.kind = Expr::Kind::Limit;
    e.rate = u64(t[NFTA_LIMIT_RATE]);
    e.unit = u64(t[NFTA_LIMIT_UNIT]);
    e.burst = u32(t[NFTA_LIMIT_BURST]);
    e.limit_type = u32(t[NFTA_LIMIT_TYPE]);
    e.limit_flags = u32(t[NFTA_LIMIT_FLAGS]);
  } else if (name == "log") {
    if (!sized(t[NFTA_LOG_GROUP], 2) || !sized(t[NFTA_LOG_QTHRESHOLD], 2) ||
        !all_u32(t, {NFTA_LOG_SNAPLEN, NFTA_LOG_LEVEL, NFTA_LOG_FLAGS}) ||
        !string_ok(t[NFTA_LOG_PREFIX]))
      return false;
    e.kind = Expr::Kind::Log;
    if (t[NFTA_LOG_PREFIX]) e.log_prefix = str(t[NFTA_LOG_PREFIX]);
    if (t[NFTA_LOG_GROUP]) e.log_group = u16(t[NFTA_LOG_GROUP]);
    if (t[NFTA_LOG_SNAPLEN]) e.log_snaplen = u32(t[NFTA_LOG_SNAPLEN]);
    if (t[NFTA_LOG_QTHRESHOLD]) e.log_qthreshold = u16(t[NFTA_LOG_QTHRESHOLD]);
    if (t[NFTA_LOG_LEVEL]) e.log_level = u32(t[NFTA_LOG_LEVEL]);
    if (t[NFTA_LOG_FLAGS]) e.log_flags = u32(t[NFTA_LOG_FLAGS]);
  } else if (name == "match" || name == "target") {
    static_assert(int{NFTA_MATCH_NAME} == int{NFTA_TARGET_NAME} &&
                  int{NFTA_MATCH_REV} == int{NFTA_TARGET_REV} &&
                  int{NFTA_MATCH_INFO} == int{NFTA_TARGET_INFO});
    if (!string_ok(t[NFTA_MATCH_NAME]) || !sized(t[NFTA_MATCH_REV], 4)) return false;
    e.kind = name == "match" ? Expr::Kind::Match : Expr::Kind::Target;
    e.xt_name = str(t[NFTA_MATCH_NAME]);
    if (e.xt_name.size() > kXtNameMax) e.xt_name.resize(kXtNameMax);
    e.xt_rev = u32(t[NFTA_MATCH_REV]);
    e.info = bytes(t[NFTA_MATCH_INFO]);
  } else {
    return false;
  }
  return true;
}

}  // namespace

namespace {

std::optional<RuleObj> read_rule(const nlmsghdr* n, bool sent) {
  const char* begin = static_cast<const char*>(mnl_nlmsg_get_payload_offset(n, sizeof(nfgenmsg)));
  Attrs top = Attrs::of_range(begin, mnl_nlmsg_get_payload_tail(n));
  const nlattr* table = top[NFTA_RULE_TABLE];
  const nlattr* chain = top[NFTA_RULE_CHAIN];
  const nlattr* exprs = top[NFTA_RULE_EXPRESSIONS];
  const nlattr* compat = top[NFTA_RULE_COMPAT];
  if (!string_ok(table) || !string_ok(chain) || !sized(top[NFTA_RULE_HANDLE], 8) ||
      !sized(top[NFTA_RULE_POSITION], 8) || !nested_ok(exprs) || (compat && !sent) ||
      !nested_ok(compat) || !sized(top[NFTA_RULE_ID], 4) || !sized(top[NFTA_RULE_POSITION_ID], 4))
    return std::nullopt;  // a dump carries no compat attributes
  RuleObj o;
  o.table = str(table);
  o.chain = str(chain);
  if (!sent || top[NFTA_RULE_HANDLE]) o.handle = u64(top[NFTA_RULE_HANDLE]);
  if (sent) {
    if (compat) {
      Attrs c = Attrs::of(compat);
      if (!sized(c[NFTA_RULE_COMPAT_PROTO], 4) || !sized(c[NFTA_RULE_COMPAT_FLAGS], 4))
        return std::nullopt;
      if (c[NFTA_RULE_COMPAT_PROTO]) o.compat_proto = u32(c[NFTA_RULE_COMPAT_PROTO]);
      if (c[NFTA_RULE_COMPAT_FLAGS]) o.compat_flags = u32(c[NFTA_RULE_COMPAT_FLAGS]);
    }
    if (top[NFTA_RULE_ID]) o.id = u32(top[NFTA_RULE_ID]);
    if (top[NFTA_RULE_POSITION_ID]) o.position_id = u32(top[NFTA_RULE_POSITION_ID]);
  }
  if (top[NFTA_RULE_POSITION]) o.position = u64(top[NFTA_RULE_POSITION]);
  if (top[NFTA_RULE_USERDATA]) o.userdata = bytes(top[NFTA_RULE_USERDATA]);
  if (exprs) {
    std::size_t count = 0;
    const char* payload = static_cast<const char*>(mnl_attr_get_payload(exprs));
    const char* end = payload + mnl_attr_get_payload_len(exprs);
    auto ok = [&](const nlattr* a) {
      return mnl_attr_ok(a, static_cast<int>(end - reinterpret_cast<const char*>(a)));
    };
    for (auto* a = reinterpret_cast<const nlattr*>(payload); ok(a); a = mnl_attr_next(a)) ++count;
    o.exprs.resize(count);
    std::size_t i = 0;
    for (auto* a = reinterpret_cast<const nlattr*>(payload); ok(a); a = mnl_attr_next(a))
      if (!read_expression(a, o.exprs[i++])) return std::nullopt;
  }
  return o;
}

}  // namespace

std::optional<RuleObj> read_rule_message(const nlmsghdr* n) { return read_rule(n, false); }
std::optional<RuleObj> read_sent_rule_message(const nlmsghdr* n) { return read_rule(n, true); }

namespace {

void put_u32(nlmsghdr* n, std::uint16_t type, std::uint32_t v) {
  mnl_attr_put_u32(n, type, htonl(v));
}
void put_u64(nlmsghdr* n, std::uint16_t type, std::uint64_t v) {
  mnl_attr_put_u64(n, type, htobe64(v));
}
void put_bytes(nlmsghdr* n, std::uint16_t type, const Bytes& b) {
  mnl_attr_put(n, type, b.size(), b.data());
}
// A struct nft_data holding a value.
void put_value(nlmsghdr* n, std::uint16_t type, const Bytes& b) {
  nlattr* nest = mnl_attr_nest_start(n, type);
  put_bytes(n, NFTA_DATA_VALUE, b);
  mnl_attr_nest_end(n, nest);
}

void put_expression(nlmsghdr* n, const Expr& e) {
  nlattr* elem = mnl_attr_nest_start(n, NFTA_LIST_ELEM);
  mnl_attr_put_strz(n, NFTA_EXPR_NAME, kernel_name(e.kind));
  nlattr* data = mnl_attr_nest_start(n, NFTA_EXPR_DATA);
  switch (e.kind) {
    case Expr::Kind::Payload:
      put_u32(n, NFTA_PAYLOAD_DREG, e.dreg);
      put_u32(n, NFTA_PAYLOAD_BASE, e.base);
      put_u32(n, NFTA_PAYLOAD_OFFSET, e.offset);
      put_u32(n, NFTA_PAYLOAD_LEN, e.len);
      break;
    case Expr::Kind::Meta:
      put_u32(n, NFTA_META_KEY, e.key);
      put_u32(n, e.meta_set ? NFTA_META_SREG : NFTA_META_DREG, e.meta_set ? e.sreg : e.dreg);
      break;
    case Expr::Kind::Cmp:
      put_u32(n, NFTA_CMP_SREG, e.sreg);
      put_u32(n, NFTA_CMP_OP, e.op);
      put_value(n, NFTA_CMP_DATA, e.data);
      break;
    case Expr::Kind::Bitwise:
      put_u32(n, NFTA_BITWISE_SREG, e.sreg);
      put_u32(n, NFTA_BITWISE_DREG, e.dreg);
      if (e.bitwise_op) put_u32(n, NFTA_BITWISE_OP, *e.bitwise_op);
      put_u32(n, NFTA_BITWISE_LEN, e.len);
      put_value(n, NFTA_BITWISE_MASK, e.mask);
      put_value(n, NFTA_BITWISE_XOR, e.xor_bits);
      break;
    case Expr::Kind::Range:
      put_u32(n, NFTA_RANGE_SREG, e.sreg);
      put_u32(n, NFTA_RANGE_OP, e.op);
      put_value(n, NFTA_RANGE_FROM_DATA, e.data);
      put_value(n, NFTA_RANGE_TO_DATA, e.to_data);
      break;
    case Expr::Kind::Counter:
      put_u64(n, NFTA_COUNTER_BYTES, e.bytes);
      put_u64(n, NFTA_COUNTER_PACKETS, e.packets);
      break;
    case Expr::Kind::Immediate:
      put_u32(n, NFTA_IMMEDIATE_DREG, e.dreg);
      if (e.imm_data) {
        put_value(n, NFTA_IMMEDIATE_DATA, *e.imm_data);
      } else {
        nlattr* reg = mnl_attr_nest_start(n, NFTA_IMMEDIATE_DATA);
        nlattr* verdict = mnl_attr_nest_start(n, NFTA_DATA_VERDICT);
        put_u32(n, NFTA_VERDICT_CODE, static_cast<std::uint32_t>(e.verdict));
        if (!e.chain.empty()) mnl_attr_put_strz(n, NFTA_VERDICT_CHAIN, e.chain.c_str());
        mnl_attr_nest_end(n, verdict);
        mnl_attr_nest_end(n, reg);
      }
      break;
    case Expr::Kind::Limit:
      put_u64(n, NFTA_LIMIT_RATE, e.rate);
      put_u64(n, NFTA_LIMIT_UNIT, e.unit);
      put_u32(n, NFTA_LIMIT_BURST, e.burst);
      put_u32(n, NFTA_LIMIT_TYPE, e.limit_type);
      put_u32(n, NFTA_LIMIT_FLAGS, e.limit_flags);
      break;
    case Expr::Kind::Log:
      if (e.log_prefix) mnl_attr_put_strz(n, NFTA_LOG_PREFIX, e.log_prefix->c_str());
      if (e.log_group) mnl_attr_put_u16(n, NFTA_LOG_GROUP, htons(*e.log_group));
      if (e.log_snaplen) put_u32(n, NFTA_LOG_SNAPLEN, *e.log_snaplen);
      if (e.log_qthreshold) mnl_attr_put_u16(n, NFTA_LOG_QTHRESHOLD, htons(*e.log_qthreshold));
      if (e.log_level) put_u32(n, NFTA_LOG_LEVEL, *e.log_level);
      if (e.log_flags) put_u32(n, NFTA_LOG_FLAGS, *e.log_flags);
      break;
    case Expr::Kind::Match:
    case Expr::Kind::Target:
      mnl_attr_put_strz(n, NFTA_MATCH_NAME, e.xt_name.c_str());
      put_u32(n, NFTA_MATCH_REV, e.xt_rev);
      put_bytes(n, NFTA_MATCH_INFO, e.info);
      break;
    case Expr::Kind::Other:
      break;
  }
  mnl_attr_nest_end(n, data);
  mnl_attr_nest_end(n, elem);
}

}  // namespace

bool write_rule_payload(nlmsghdr* n, const RuleObj& r) {
  for (const Expr& e : r.exprs)
    if (!kernel_name(e.kind)) return false;
  mnl_attr_put_strz(n, NFTA_RULE_TABLE, r.table.c_str());
  if (!r.chain.empty()) mnl_attr_put_strz(n, NFTA_RULE_CHAIN, r.chain.c_str());
  if (r.handle) put_u64(n, NFTA_RULE_HANDLE, *r.handle);
  if (r.position) put_u64(n, NFTA_RULE_POSITION, *r.position);
  if (r.userdata) put_bytes(n, NFTA_RULE_USERDATA, *r.userdata);  // libnftnl's place for it
  if (!r.exprs.empty()) {
    nlattr* list = mnl_attr_nest_start(n, NFTA_RULE_EXPRESSIONS);
    for (const Expr& e : r.exprs) put_expression(n, e);
    mnl_attr_nest_end(n, list);
  }
  if (r.compat_proto && r.compat_flags) {
    nlattr* compat = mnl_attr_nest_start(n, NFTA_RULE_COMPAT);
    put_u32(n, NFTA_RULE_COMPAT_PROTO, *r.compat_proto);
    put_u32(n, NFTA_RULE_COMPAT_FLAGS, *r.compat_flags);
    mnl_attr_nest_end(n, compat);
  }
  if (r.id) put_u32(n, NFTA_RULE_ID, *r.id);
  if (r.position_id) put_u32(n, NFTA_RULE_POSITION_ID, *r.position_id);
  return true;
}

}  // namespace cx::nft
