#include "nft/netlink.h"

#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/expr.h>
#include <libnftnl/gen.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nf_tables_compat.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_compat.h>
#include <linux/netlink.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string_view>

#include "nft/rule_message.h"

namespace cx::nft {

namespace {

Error kernel_error(const char* what, int err) {
  return Error{ErrorKind::Resource, std::string(what) + ": " + std::strerror(err),
               ErrorStyle::VersionedOnly, 0};
}

const char* expr_kind_name(const Expr& e) {
  return e.kind == Expr::Kind::Other ? e.other_name.c_str() : kernel_name(e.kind);
}

// libnftnl takes ownership of match/target info blobs (it frees them with the expression).
void* owned_copy(const Bytes& b) {
  void* p = std::malloc(b.empty() ? 1 : b.size());
  if (!b.empty()) std::memcpy(p, b.data(), b.size());
  return p;
}

// The two expressions of compiled chains that have no kind of their own (lookup, byteorder).
void set_other_attrs(nftnl_expr* x, const Expr& e) {
  if (e.other_name == "lookup") {
    nftnl_expr_set_str(x, NFTNL_EXPR_LOOKUP_SET, e.set_name.c_str());
    if (e.set_id) nftnl_expr_set_u32(x, NFTNL_EXPR_LOOKUP_SET_ID, *e.set_id);
    nftnl_expr_set_u32(x, NFTNL_EXPR_LOOKUP_SREG, e.sreg);
    if (e.lookup_dreg) nftnl_expr_set_u32(x, NFTNL_EXPR_LOOKUP_DREG, *e.lookup_dreg);
    if (e.lookup_flags) nftnl_expr_set_u32(x, NFTNL_EXPR_LOOKUP_FLAGS, e.lookup_flags);
  } else if (e.other_name == "byteorder") {
    nftnl_expr_set_u32(x, NFTNL_EXPR_BYTEORDER_SREG, e.sreg);
    nftnl_expr_set_u32(x, NFTNL_EXPR_BYTEORDER_DREG, e.dreg);
    nftnl_expr_set_u32(x, NFTNL_EXPR_BYTEORDER_OP, e.op);
    nftnl_expr_set_u32(x, NFTNL_EXPR_BYTEORDER_LEN, e.len);
    nftnl_expr_set_u32(x, NFTNL_EXPR_BYTEORDER_SIZE, e.size);
  }
}

void get_other_attrs(const nftnl_expr* x, Expr& e) {
  if (e.other_name == "lookup") {
    const char* set = nftnl_expr_get_str(x, NFTNL_EXPR_LOOKUP_SET);
    e.set_name = set ? set : "";
    e.sreg = nftnl_expr_get_u32(x, NFTNL_EXPR_LOOKUP_SREG);
    if (nftnl_expr_is_set(x, NFTNL_EXPR_LOOKUP_DREG))
      e.lookup_dreg = nftnl_expr_get_u32(x, NFTNL_EXPR_LOOKUP_DREG);
    if (nftnl_expr_is_set(x, NFTNL_EXPR_LOOKUP_FLAGS))
      e.lookup_flags = nftnl_expr_get_u32(x, NFTNL_EXPR_LOOKUP_FLAGS);
  } else if (e.other_name == "byteorder") {
    e.sreg = nftnl_expr_get_u32(x, NFTNL_EXPR_BYTEORDER_SREG);
    e.dreg = nftnl_expr_get_u32(x, NFTNL_EXPR_BYTEORDER_DREG);
    e.op = nftnl_expr_get_u32(x, NFTNL_EXPR_BYTEORDER_OP);
    e.len = nftnl_expr_get_u32(x, NFTNL_EXPR_BYTEORDER_LEN);
    e.size = nftnl_expr_get_u32(x, NFTNL_EXPR_BYTEORDER_SIZE);
  }
}

nftnl_expr* to_nftnl(const Expr& e) {
  nftnl_expr* x = nftnl_expr_alloc(expr_kind_name(e));
  if (e.kind == Expr::Kind::Other) {
    set_other_attrs(x, e);
    return x;
  }
  if (!x) return nullptr;
  switch (e.kind) {
    case Expr::Kind::Payload:
      nftnl_expr_set_u32(x, NFTNL_EXPR_PAYLOAD_DREG, e.dreg);
      nftnl_expr_set_u32(x, NFTNL_EXPR_PAYLOAD_BASE, e.base);
      nftnl_expr_set_u32(x, NFTNL_EXPR_PAYLOAD_OFFSET, e.offset);
      nftnl_expr_set_u32(x, NFTNL_EXPR_PAYLOAD_LEN, e.len);
      break;
    case Expr::Kind::Meta:
      nftnl_expr_set_u32(x, NFTNL_EXPR_META_KEY, e.key);
      if (e.meta_set)
        nftnl_expr_set_u32(x, NFTNL_EXPR_META_SREG, e.sreg);
      else
        nftnl_expr_set_u32(x, NFTNL_EXPR_META_DREG, e.dreg);
      break;
    case Expr::Kind::Cmp:
      nftnl_expr_set_u32(x, NFTNL_EXPR_CMP_SREG, e.sreg);
      nftnl_expr_set_u32(x, NFTNL_EXPR_CMP_OP, e.op);
      nftnl_expr_set(x, NFTNL_EXPR_CMP_DATA, e.data.data(), e.data.size());
      break;
    case Expr::Kind::Bitwise:
      nftnl_expr_set_u32(x, NFTNL_EXPR_BITWISE_SREG, e.sreg);
      nftnl_expr_set_u32(x, NFTNL_EXPR_BITWISE_DREG, e.dreg);
      if (e.bitwise_op) nftnl_expr_set_u32(x, NFTNL_EXPR_BITWISE_OP, *e.bitwise_op);
      nftnl_expr_set_u32(x, NFTNL_EXPR_BITWISE_LEN, e.len);
      nftnl_expr_set(x, NFTNL_EXPR_BITWISE_MASK, e.mask.data(), e.mask.size());
      nftnl_expr_set(x, NFTNL_EXPR_BITWISE_XOR, e.xor_bits.data(), e.xor_bits.size());
      break;
    case Expr::Kind::Range:
      nftnl_expr_set_u32(x, NFTNL_EXPR_RANGE_SREG, e.sreg);
      nftnl_expr_set_u32(x, NFTNL_EXPR_RANGE_OP, e.op);
      nftnl_expr_set(x, NFTNL_EXPR_RANGE_FROM_DATA, e.data.data(), e.data.size());
      nftnl_expr_set(x, NFTNL_EXPR_RANGE_TO_DATA, e.to_data.data(), e.to_data.size());
      break;
    case Expr::Kind::Counter:
      nftnl_expr_set_u64(x, NFTNL_EXPR_CTR_BYTES, e.bytes);
      nftnl_expr_set_u64(x, NFTNL_EXPR_CTR_PACKETS, e.packets);
      break;
    case Expr::Kind::Immediate:
      nftnl_expr_set_u32(x, NFTNL_EXPR_IMM_DREG, e.dreg);
      if (e.imm_data) {
        nftnl_expr_set(x, NFTNL_EXPR_IMM_DATA, e.imm_data->data(), e.imm_data->size());
      } else {
        nftnl_expr_set_u32(x, NFTNL_EXPR_IMM_VERDICT, static_cast<std::uint32_t>(e.verdict));
        if (!e.chain.empty()) nftnl_expr_set_str(x, NFTNL_EXPR_IMM_CHAIN, e.chain.c_str());
      }
      break;
    case Expr::Kind::Limit:
      nftnl_expr_set_u64(x, NFTNL_EXPR_LIMIT_RATE, e.rate);
      nftnl_expr_set_u64(x, NFTNL_EXPR_LIMIT_UNIT, e.unit);
      nftnl_expr_set_u32(x, NFTNL_EXPR_LIMIT_BURST, e.burst);
      nftnl_expr_set_u32(x, NFTNL_EXPR_LIMIT_TYPE, e.limit_type);
      nftnl_expr_set_u32(x, NFTNL_EXPR_LIMIT_FLAGS, e.limit_flags);
      break;
    case Expr::Kind::Log:
      if (e.log_prefix) nftnl_expr_set_str(x, NFTNL_EXPR_LOG_PREFIX, e.log_prefix->c_str());
      if (e.log_group) nftnl_expr_set_u16(x, NFTNL_EXPR_LOG_GROUP, *e.log_group);
      if (e.log_snaplen) nftnl_expr_set_u32(x, NFTNL_EXPR_LOG_SNAPLEN, *e.log_snaplen);
      if (e.log_qthreshold) nftnl_expr_set_u16(x, NFTNL_EXPR_LOG_QTHRESHOLD, *e.log_qthreshold);
      if (e.log_level) nftnl_expr_set_u32(x, NFTNL_EXPR_LOG_LEVEL, *e.log_level);
      if (e.log_flags) nftnl_expr_set_u32(x, NFTNL_EXPR_LOG_FLAGS, *e.log_flags);
      break;
    case Expr::Kind::Match:
      nftnl_expr_set_str(x, NFTNL_EXPR_MT_NAME, e.xt_name.c_str());
      nftnl_expr_set_u32(x, NFTNL_EXPR_MT_REV, e.xt_rev);
      nftnl_expr_set(x, NFTNL_EXPR_MT_INFO, owned_copy(e.info), e.info.size());
      break;
    case Expr::Kind::Target:
      nftnl_expr_set_str(x, NFTNL_EXPR_TG_NAME, e.xt_name.c_str());
      nftnl_expr_set_u32(x, NFTNL_EXPR_TG_REV, e.xt_rev);
      nftnl_expr_set(x, NFTNL_EXPR_TG_INFO, owned_copy(e.info), e.info.size());
      break;
    case Expr::Kind::Other:
      break;
  }
  return x;
}

// libnftnl returns NULL for a string attribute the message did not carry.
std::string str_or_empty(const char* s) { return s ? std::string(s) : std::string(); }

Bytes get_bytes(const nftnl_expr* x, uint16_t attr) {
  uint32_t len = 0;
  const void* p = nftnl_expr_get(x, attr, &len);
  if (!p) return {};
  const auto* b = static_cast<const std::uint8_t*>(p);
  return Bytes(b, b + len);
}

Expr from_nftnl(const nftnl_expr* x) {
  Expr e;
  std::string name = str_or_empty(nftnl_expr_get_str(x, NFTNL_EXPR_NAME));
  if (name == "payload") {
    e.kind = Expr::Kind::Payload;
    e.dreg = nftnl_expr_get_u32(x, NFTNL_EXPR_PAYLOAD_DREG);
    e.base = nftnl_expr_get_u32(x, NFTNL_EXPR_PAYLOAD_BASE);
    e.offset = nftnl_expr_get_u32(x, NFTNL_EXPR_PAYLOAD_OFFSET);
    e.len = nftnl_expr_get_u32(x, NFTNL_EXPR_PAYLOAD_LEN);
    if (nftnl_expr_is_set(x, NFTNL_EXPR_PAYLOAD_SREG)) {
      e.kind = Expr::Kind::Other;  // payload write: never written by iptables
      e.other_name = name;
    }
  } else if (name == "meta") {
    e.kind = Expr::Kind::Meta;
    e.key = nftnl_expr_get_u32(x, NFTNL_EXPR_META_KEY);
    if (nftnl_expr_is_set(x, NFTNL_EXPR_META_SREG)) {
      e.meta_set = true;
      e.sreg = nftnl_expr_get_u32(x, NFTNL_EXPR_META_SREG);
    } else {
      e.dreg = nftnl_expr_get_u32(x, NFTNL_EXPR_META_DREG);
    }
  } else if (name == "cmp") {
    e.kind = Expr::Kind::Cmp;
    e.sreg = nftnl_expr_get_u32(x, NFTNL_EXPR_CMP_SREG);
    e.op = nftnl_expr_get_u32(x, NFTNL_EXPR_CMP_OP);
    e.data = get_bytes(x, NFTNL_EXPR_CMP_DATA);
  } else if (name == "bitwise") {
    e.kind = Expr::Kind::Bitwise;
    e.sreg = nftnl_expr_get_u32(x, NFTNL_EXPR_BITWISE_SREG);
    e.dreg = nftnl_expr_get_u32(x, NFTNL_EXPR_BITWISE_DREG);
    e.len = nftnl_expr_get_u32(x, NFTNL_EXPR_BITWISE_LEN);
    // The kernel reports OP (0, "mask and xor") although iptables-nft never sends it; keep it,
    // since iptables-nft sends dumped rules back as they came (-D, -Z).
    if (nftnl_expr_is_set(x, NFTNL_EXPR_BITWISE_OP))
      e.bitwise_op = nftnl_expr_get_u32(x, NFTNL_EXPR_BITWISE_OP);
    e.mask = get_bytes(x, NFTNL_EXPR_BITWISE_MASK);
    e.xor_bits = get_bytes(x, NFTNL_EXPR_BITWISE_XOR);
  } else if (name == "range") {
    e.kind = Expr::Kind::Range;
    e.sreg = nftnl_expr_get_u32(x, NFTNL_EXPR_RANGE_SREG);
    e.op = nftnl_expr_get_u32(x, NFTNL_EXPR_RANGE_OP);
    e.data = get_bytes(x, NFTNL_EXPR_RANGE_FROM_DATA);
    e.to_data = get_bytes(x, NFTNL_EXPR_RANGE_TO_DATA);
  } else if (name == "counter") {
    e.kind = Expr::Kind::Counter;
    e.bytes = nftnl_expr_get_u64(x, NFTNL_EXPR_CTR_BYTES);
    e.packets = nftnl_expr_get_u64(x, NFTNL_EXPR_CTR_PACKETS);
  } else if (name == "immediate") {
    e.kind = Expr::Kind::Immediate;
    e.dreg = nftnl_expr_get_u32(x, NFTNL_EXPR_IMM_DREG);
    if (nftnl_expr_is_set(x, NFTNL_EXPR_IMM_VERDICT)) {
      e.verdict = static_cast<std::int32_t>(nftnl_expr_get_u32(x, NFTNL_EXPR_IMM_VERDICT));
      if (nftnl_expr_is_set(x, NFTNL_EXPR_IMM_CHAIN))
        e.chain = str_or_empty(nftnl_expr_get_str(x, NFTNL_EXPR_IMM_CHAIN));
    } else {
      e.imm_data = get_bytes(x, NFTNL_EXPR_IMM_DATA);
    }
  } else if (name == "limit") {
    e.kind = Expr::Kind::Limit;
    e.rate = nftnl_expr_get_u64(x, NFTNL_EXPR_LIMIT_RATE);
    e.unit = nftnl_expr_get_u64(x, NFTNL_EXPR_LIMIT_UNIT);
    e.burst = nftnl_expr_get_u32(x, NFTNL_EXPR_LIMIT_BURST);
    e.limit_type = nftnl_expr_get_u32(x, NFTNL_EXPR_LIMIT_TYPE);
    e.limit_flags = nftnl_expr_get_u32(x, NFTNL_EXPR_LIMIT_FLAGS);
  } else if (name == "log") {
    e.kind = Expr::Kind::Log;
    if (nftnl_expr_is_set(x, NFTNL_EXPR_LOG_PREFIX))
      e.log_prefix = str_or_empty(nftnl_expr_get_str(x, NFTNL_EXPR_LOG_PREFIX));
    if (nftnl_expr_is_set(x, NFTNL_EXPR_LOG_GROUP))
      e.log_group = nftnl_expr_get_u16(x, NFTNL_EXPR_LOG_GROUP);
    if (nftnl_expr_is_set(x, NFTNL_EXPR_LOG_SNAPLEN))
      e.log_snaplen = nftnl_expr_get_u32(x, NFTNL_EXPR_LOG_SNAPLEN);
    if (nftnl_expr_is_set(x, NFTNL_EXPR_LOG_QTHRESHOLD))
      e.log_qthreshold = nftnl_expr_get_u16(x, NFTNL_EXPR_LOG_QTHRESHOLD);
    if (nftnl_expr_is_set(x, NFTNL_EXPR_LOG_LEVEL))
      e.log_level = nftnl_expr_get_u32(x, NFTNL_EXPR_LOG_LEVEL);
    if (nftnl_expr_is_set(x, NFTNL_EXPR_LOG_FLAGS))
      e.log_flags = nftnl_expr_get_u32(x, NFTNL_EXPR_LOG_FLAGS);
  } else if (name == "match") {
    e.kind = Expr::Kind::Match;
    e.xt_name = str_or_empty(nftnl_expr_get_str(x, NFTNL_EXPR_MT_NAME));
    e.xt_rev = nftnl_expr_get_u32(x, NFTNL_EXPR_MT_REV);
    e.info = get_bytes(x, NFTNL_EXPR_MT_INFO);
  } else if (name == "target") {
    e.kind = Expr::Kind::Target;
    e.xt_name = str_or_empty(nftnl_expr_get_str(x, NFTNL_EXPR_TG_NAME));
    e.xt_rev = nftnl_expr_get_u32(x, NFTNL_EXPR_TG_REV);
    e.info = get_bytes(x, NFTNL_EXPR_TG_INFO);
  } else {
    e.kind = Expr::Kind::Other;
    e.other_name = name;
    get_other_attrs(x, e);
  }
  return e;
}

// The children of a nested attribute, in order.
template <class F>
void for_each_child(const nlattr* nest, F each) {
  const char* end =
      static_cast<const char*>(mnl_attr_get_payload(nest)) + mnl_attr_get_payload_len(nest);
  for (auto* a = static_cast<const nlattr*>(mnl_attr_get_payload(nest));
       mnl_attr_ok(a, static_cast<int>(end - reinterpret_cast<const char*>(a)));
       a = mnl_attr_next(a))
    each(a);
}

// The last child of `nest` of type `type` (libnftnl's parsers keep the last one), or null.
const nlattr* last_child(const nlattr* nest, std::uint16_t type) {
  const nlattr* found = nullptr;
  for_each_child(nest, [&](const nlattr* a) {
    if (mnl_attr_get_type(a) == type) found = a;
  });
  return found;
}

// The last attribute of type `type` in an nf_tables message's payload (libnftnl keeps the
// last one), or null.
const nlattr* last_attr(const nlmsghdr* n, std::uint16_t type) {
  auto* attr = static_cast<const nlattr*>(mnl_nlmsg_get_payload_offset(n, sizeof(nfgenmsg)));
  const auto* tail = static_cast<const char*>(mnl_nlmsg_get_payload_tail(n));
  const nlattr* found = nullptr;
  for (; mnl_attr_ok(attr, static_cast<int>(tail - reinterpret_cast<const char*>(attr)));
       attr = mnl_attr_next(attr))
    if (mnl_attr_get_type(attr) == type) found = attr;
  return found;
}

// The NFTA_RULE_EXPRESSIONS attribute of a rule message, or null.
const nlattr* rule_expressions(const nlmsghdr* n) { return last_attr(n, NFTA_RULE_EXPRESSIONS); }

// libnftnl 1.2.4 dereferences two things that a kernel dump always carries but a damaged
// message may lack, and crashes: the name of an expression (nftnl_expr_parse calls
// nftnl_expr_alloc(mnl_attr_get_str(NULL))) and the chain of a jump or goto verdict
// (nftnl_parse_verdict: strdup(mnl_attr_get_str(NULL))). Messages lacking them are refused
// before libnftnl sees them. Found by tests/fuzz/fuzz_netlink.
bool libnftnl_safe(const nlmsghdr* n) {
  const nlattr* exprs = rule_expressions(n);
  if (!exprs) return true;
  bool safe = true;
  for_each_child(exprs, [&](const nlattr* elem) {
    const nlattr* name = last_child(elem, NFTA_EXPR_NAME);
    if (!name || mnl_attr_validate(name, MNL_TYPE_NUL_STRING) < 0) {
      safe = false;
      return;
    }
    const nlattr* data = last_child(elem, NFTA_EXPR_DATA);
    if (!data) return;
    // The data registers (struct nft_data) of the expressions that have them.
    const std::string_view kind = mnl_attr_get_str(name);
    auto is_register = [&](std::uint16_t t) {
      if (kind == "immediate") return t == NFTA_IMMEDIATE_DATA;
      if (kind == "cmp") return t == NFTA_CMP_DATA;
      if (kind == "bitwise")
        return t == NFTA_BITWISE_MASK || t == NFTA_BITWISE_XOR || t == NFTA_BITWISE_DATA;
      if (kind == "range") return t == NFTA_RANGE_FROM_DATA || t == NFTA_RANGE_TO_DATA;
      return false;
    };
    for_each_child(data, [&](const nlattr* reg) {
      if (!is_register(mnl_attr_get_type(reg))) return;
      const nlattr* verdict = last_child(reg, NFTA_DATA_VERDICT);
      if (!verdict) return;
      const nlattr* code = last_child(verdict, NFTA_VERDICT_CODE);
      if (!code || mnl_attr_get_payload_len(code) != 4) return;  // libnftnl refuses these
      const auto v = static_cast<std::int32_t>(ntohl(mnl_attr_get_u32(code)));
      if ((v == NFT_JUMP || v == NFT_GOTO) && !last_child(verdict, NFTA_VERDICT_CHAIN))
        safe = false;
    });
  });
  return safe;
}

}  // namespace

std::optional<RuleObj> parse_rule_message(const void* msg, std::size_t len) {
  const auto* n = static_cast<const nlmsghdr*>(msg);
  // nlmsg_len is compared unsigned: mnl_nlmsg_ok() casts it to int, so a length of 2^31 or
  // more would pass it and send the attribute walk far past the buffer (fuzz_netlink).
  if (len < NLMSG_HDRLEN + sizeof(nfgenmsg) || len > 0x7fffffff ||
      n->nlmsg_len < NLMSG_HDRLEN + sizeof(nfgenmsg) || n->nlmsg_len > len ||
      !mnl_nlmsg_ok(n, static_cast<int>(len)))
    return std::nullopt;
  if (auto rule = read_rule_message(n)) return rule;
  return parse_rule_message_libnftnl(n);
}

namespace {
// The rule through libnftnl's parser and from_nftnl(). A batch's own NEWRULE messages also
// carry what a dump never does, and `as_sent` reads it: no handle yet, the compat attributes
// and the rule id.
std::optional<RuleObj> parse_with_libnftnl(const nlmsghdr* n, bool as_sent, bool whole = false) {
  if (!libnftnl_safe(n)) return std::nullopt;
  nftnl_rule* r = nftnl_rule_alloc();
  if (!r) return std::nullopt;
  std::optional<RuleObj> out;
  if (nftnl_rule_nlmsg_parse(n, r) == 0) {
    RuleObj o;
    o.table = str_or_empty(nftnl_rule_get_str(r, NFTNL_RULE_TABLE));
    o.chain = str_or_empty(nftnl_rule_get_str(r, NFTNL_RULE_CHAIN));
    if (!as_sent) o.handle = nftnl_rule_get_u64(r, NFTNL_RULE_HANDLE);
    if (nftnl_rule_is_set(r, NFTNL_RULE_POSITION))
      o.position = nftnl_rule_get_u64(r, NFTNL_RULE_POSITION);
    if (nftnl_expr_iter* it = nftnl_expr_iter_create(r)) {
      while (nftnl_expr* x = nftnl_expr_iter_next(it)) o.exprs.push_back(from_nftnl(x));
      nftnl_expr_iter_destroy(it);
    }
    if (nftnl_rule_is_set(r, NFTNL_RULE_USERDATA)) {
      std::uint32_t len = 0;
      const auto* p =
          static_cast<const std::uint8_t*>(nftnl_rule_get_data(r, NFTNL_RULE_USERDATA, &len));
      o.userdata = Bytes(p, p + len);
    }
    if (as_sent) {
      if (nftnl_rule_is_set(r, NFTNL_RULE_COMPAT_PROTO))
        o.compat_proto = nftnl_rule_get_u32(r, NFTNL_RULE_COMPAT_PROTO);
      if (nftnl_rule_is_set(r, NFTNL_RULE_COMPAT_FLAGS))
        o.compat_flags = nftnl_rule_get_u32(r, NFTNL_RULE_COMPAT_FLAGS);
      if (nftnl_rule_is_set(r, NFTNL_RULE_ID)) o.id = nftnl_rule_get_u32(r, NFTNL_RULE_ID);
    }
    if (whole) {
      if (nftnl_rule_is_set(r, NFTNL_RULE_HANDLE))
        o.handle = nftnl_rule_get_u64(r, NFTNL_RULE_HANDLE);
      if (nftnl_rule_is_set(r, NFTNL_RULE_POSITION_ID))
        o.position_id = nftnl_rule_get_u32(r, NFTNL_RULE_POSITION_ID);
    }
    out = std::move(o);
  }
  nftnl_rule_free(r);
  return out;
}
}  // namespace

std::optional<RuleObj> parse_rule_message_libnftnl(const nlmsghdr* n) {
  return parse_with_libnftnl(n, false);
}

struct Netlink::Impl {
  mnl_socket* nl = nullptr;
  std::uint32_t portid = 0;
  std::uint32_t seq = 0;
  // Receive buffer: large, so the kernel fills each dump reply as far as it allows, but not
  // value-initialised: zero-filling 1 MiB would touch 256 pages before every short command.
  struct RxBuffer {
    std::unique_ptr<char[]> bytes{new char[1 << 20]};
    char* data() { return bytes.get(); }
    static constexpr std::size_t size() { return 1 << 20; }
  } rxbuf;

  // Sends one request and feeds every reply message to `cb` until the dump ends.
  int last_errno = 0;

  // Reads whatever is left of an interrupted dump so the next request starts clean.
  void drain() {
    int fd = mnl_socket_get_fd(nl);
    while (recv(fd, rxbuf.data(), rxbuf.size(), MSG_DONTWAIT) > 0) {
    }
  }

  // A dump that the kernel marks inconsistent (a concurrent change, NLM_F_DUMP_INTR) is
  // started again from scratch. So is a read the kernel answers with EAGAIN: every request
  // sent this way only reads. iptables-nft never gives up here (it keeps what it read and
  // lets the generation check at commit send it round again); a long dump (a chain of
  // thousands of rules) under many writers committing every few milliseconds can be cut
  // short a hundred times in a row, so the limit is time, not a count: after the first
  // attempts each retry waits a little (jittered, at most 4 ms) so the writers get through,
  // and only a minute of nothing but interrupted dumps is an error.
  template <class Reset>
  Status dump(nlmsghdr* req, const std::function<int(const nlmsghdr*)>& cb, Reset reset) {
    timespec start{};
    for (int attempt = 0;; ++attempt) {
      last_errno = 0;
      Status s = talk(req, cb);
      if (s || (last_errno != EINTR && last_errno != EAGAIN)) return s;
      if (attempt == 0) clock_gettime(CLOCK_MONOTONIC, &start);
      if (attempt >= 20) {
        timespec now{};
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec - start.tv_sec > 60) return s;
        const long pause_us = 100 + (static_cast<long>(seq) * 7919 + attempt * 104729) % 3900;
        timespec pause{0, pause_us * 1000};
        nanosleep(&pause, nullptr);
      }
      reset();
      req->nlmsg_seq = ++seq;
    }
  }

  Status talk(const nlmsghdr* req, const std::function<int(const nlmsghdr*)>& cb) {
    if (mnl_socket_sendto(nl, req, req->nlmsg_len) < 0) return kernel_error("netlink send", errno);
    struct Ctx {
      const std::function<int(const nlmsghdr*)>* cb;
    } ctx{&cb};
    auto trampoline = [](const nlmsghdr* n, void* data) -> int {
      return (*static_cast<Ctx*>(data)->cb)(n);
    };
    for (;;) {
      int len = mnl_socket_recvfrom(nl, rxbuf.data(), rxbuf.size());
      if (len < 0) return kernel_error("netlink receive", errno);
      int r = mnl_cb_run(rxbuf.data(), len, req->nlmsg_seq, portid, trampoline, &ctx);
      if (r < 0) {
        // Kept before drain(), whose last read sets errno to EAGAIN.
        last_errno = errno;
        if (last_errno == EINTR || last_errno == EAGAIN) drain();
        return Error{ErrorKind::Resource, std::strerror(last_errno), ErrorStyle::VersionedOnly, 0};
      }
      if (r == MNL_CB_STOP) break;
    }
    return {};
  }
};

Netlink::Netlink() : impl_(std::make_unique<Impl>()) {}
Netlink::~Netlink() {
  if (impl_->nl) mnl_socket_close(impl_->nl);
}

Status Netlink::open() {
  impl_->nl = mnl_socket_open(NETLINK_NETFILTER);
  if (!impl_->nl) return kernel_error("netlink socket", errno);
  if (mnl_socket_bind(impl_->nl, 0, MNL_SOCKET_AUTOPID) < 0)
    return kernel_error("netlink bind", errno);
  impl_->portid = mnl_socket_get_portid(impl_->nl);
  impl_->seq = static_cast<std::uint32_t>(time(nullptr));
  int rcv = 4 << 20;
  setsockopt(mnl_socket_get_fd(impl_->nl), SOL_SOCKET, SO_RCVBUFFORCE, &rcv, sizeof(rcv));
  return {};
}

Result<std::uint32_t> Netlink::genid() {
  char buf[MNL_SOCKET_BUFFER_SIZE];
  nlmsghdr* nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETGEN, AF_UNSPEC, NLM_F_REQUEST | NLM_F_ACK,
                                        ++impl_->seq);
  std::uint32_t id = 0;
  Status s = impl_->dump(
      nlh,
      [&](const nlmsghdr* n) {
        nftnl_gen* g = nftnl_gen_alloc();
        if (nftnl_gen_nlmsg_parse(n, g) == 0) id = nftnl_gen_get_u32(g, NFTNL_GEN_ID);
        nftnl_gen_free(g);
        return MNL_CB_OK;
      },
      [] {});
  if (!s) {
    const int err = errno;
    return Error{ErrorKind::Resource,
                 std::string("Could not fetch rule set generation id: ") +
                     (err == EPERM ? "Permission denied (you must be root)" : std::strerror(err)),
                 ErrorStyle::VersionedOnly, 0};
  }
  return id;
}

Result<std::vector<TableObj>> Netlink::dump_tables(Family family) {
  char buf[MNL_SOCKET_BUFFER_SIZE];
  nlmsghdr* nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETTABLE, static_cast<std::uint16_t>(family),
                                        NLM_F_DUMP, ++impl_->seq);
  std::vector<TableObj> out;
  Status s = impl_->dump(
      nlh,
      [&](const nlmsghdr* n) {
        nftnl_table* t = nftnl_table_alloc();
        if (nftnl_table_nlmsg_parse(n, t) == 0) {
          TableObj o;
          o.name = nftnl_table_get_str(t, NFTNL_TABLE_NAME);
          o.handle = nftnl_table_get_u64(t, NFTNL_TABLE_HANDLE);
          out.push_back(std::move(o));
        }
        nftnl_table_free(t);
        return MNL_CB_OK;
      },
      [&] { out.clear(); });
  if (!s) return s.take_error();
  return out;
}

namespace {
ChainObj chain_from_nftnl(nftnl_chain* c) {
  ChainObj o;
  o.table = nftnl_chain_get_str(c, NFTNL_CHAIN_TABLE);
  o.name = nftnl_chain_get_str(c, NFTNL_CHAIN_NAME);
  o.handle = nftnl_chain_get_u64(c, NFTNL_CHAIN_HANDLE);
  if (nftnl_chain_is_set(c, NFTNL_CHAIN_HOOKNUM)) {
    o.hooknum = nftnl_chain_get_u32(c, NFTNL_CHAIN_HOOKNUM);
    o.priority = nftnl_chain_get_s32(c, NFTNL_CHAIN_PRIO);
  }
  if (nftnl_chain_is_set(c, NFTNL_CHAIN_POLICY))
    o.policy = nftnl_chain_get_u32(c, NFTNL_CHAIN_POLICY);
  if (nftnl_chain_is_set(c, NFTNL_CHAIN_USE)) o.use = nftnl_chain_get_u32(c, NFTNL_CHAIN_USE);
  if (nftnl_chain_is_set(c, NFTNL_CHAIN_PACKETS))
    o.counters = std::make_pair(nftnl_chain_get_u64(c, NFTNL_CHAIN_PACKETS),
                                nftnl_chain_get_u64(c, NFTNL_CHAIN_BYTES));
  if (nftnl_chain_is_set(c, NFTNL_CHAIN_TYPE)) o.type = nftnl_chain_get_str(c, NFTNL_CHAIN_TYPE);
  if (nftnl_chain_is_set(c, NFTNL_CHAIN_FLAGS)) o.flags = nftnl_chain_get_u32(c, NFTNL_CHAIN_FLAGS);
  return o;
}
}  // namespace

Result<std::vector<ChainObj>> Netlink::dump_chains(Family family, const std::string& table) {
  char buf[MNL_SOCKET_BUFFER_SIZE];
  nlmsghdr* nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETCHAIN, static_cast<std::uint16_t>(family),
                                        NLM_F_DUMP, ++impl_->seq);
  std::vector<ChainObj> out;
  Status s = impl_->dump(
      nlh,
      [&](const nlmsghdr* n) {
        nftnl_chain* c = nftnl_chain_alloc();
        if (nftnl_chain_nlmsg_parse(n, c) == 0 &&
            table == nftnl_chain_get_str(c, NFTNL_CHAIN_TABLE))
          out.push_back(chain_from_nftnl(c));
        nftnl_chain_free(c);
        return MNL_CB_OK;
      },
      [&] { out.clear(); });
  if (!s) return s.take_error();
  return out;
}

Result<std::optional<ChainObj>> Netlink::get_chain(Family family, const std::string& table,
                                                   const std::string& name) {
  char buf[MNL_SOCKET_BUFFER_SIZE];
  nlmsghdr* nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETCHAIN, static_cast<std::uint16_t>(family),
                                        NLM_F_ACK, ++impl_->seq);
  nftnl_chain* req = nftnl_chain_alloc();
  nftnl_chain_set_str(req, NFTNL_CHAIN_TABLE, table.c_str());
  nftnl_chain_set_str(req, NFTNL_CHAIN_NAME, name.c_str());
  nftnl_chain_nlmsg_build_payload(nlh, req);
  nftnl_chain_free(req);
  std::optional<ChainObj> out;
  Status s = impl_->dump(
      nlh,
      [&](const nlmsghdr* n) {
        nftnl_chain* c = nftnl_chain_alloc();
        if (nftnl_chain_nlmsg_parse(n, c) == 0) out = chain_from_nftnl(c);
        nftnl_chain_free(c);
        return MNL_CB_OK;
      },
      [&] { out.reset(); });
  if (!s) {
    if (impl_->last_errno == ENOENT) return std::optional<ChainObj>{};
    return s.take_error();
  }
  return out;
}

Result<std::vector<SetObj>> Netlink::dump_sets(Family family, const std::string& table) {
  char buf[MNL_SOCKET_BUFFER_SIZE];
  nlmsghdr* nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETSET, static_cast<std::uint16_t>(family),
                                        NLM_F_DUMP | NLM_F_ACK, ++impl_->seq);
  nftnl_set* req = nftnl_set_alloc();
  nftnl_set_set_str(req, NFTNL_SET_TABLE, table.c_str());
  nftnl_set_nlmsg_build_payload(nlh, req);
  nftnl_set_free(req);
  std::vector<SetObj> out;
  Status s = impl_->dump(
      nlh,
      [&](const nlmsghdr* n) {
        if (auto set = parse_set_message(n); set && set->table == table)
          out.push_back(std::move(*set));
        return MNL_CB_OK;
      },
      [&] { out.clear(); });
  if (!s) {
    if (impl_->last_errno == ENOENT) return std::vector<SetObj>{};
    return s.take_error();
  }
  return out;
}

Result<std::vector<SetElemObj>> Netlink::dump_set_elems(Family family, const std::string& table,
                                                        const std::string& set) {
  char buf[MNL_SOCKET_BUFFER_SIZE];
  nlmsghdr* nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETSETELEM, static_cast<std::uint16_t>(family),
                                        NLM_F_DUMP | NLM_F_ACK, ++impl_->seq);
  nftnl_set* req = nftnl_set_alloc();
  nftnl_set_set_str(req, NFTNL_SET_TABLE, table.c_str());
  nftnl_set_set_str(req, NFTNL_SET_NAME, set.c_str());
  nftnl_set_elems_nlmsg_build_payload(nlh, req);
  nftnl_set_free(req);
  std::vector<SetElemObj> out;
  Status s = impl_->dump(
      nlh,
      [&](const nlmsghdr* n) {
        if (auto elems = parse_set_elems_message(n))
          for (auto& e : *elems) out.push_back(std::move(e));
        return MNL_CB_OK;
      },
      [&] { out.clear(); });
  if (!s) return s.take_error();
  return out;
}

Result<std::optional<SetElemObj>> Netlink::get_set_elem(Family family, const std::string& table,
                                                        const std::string& set, const Bytes& key) {
  char buf[MNL_SOCKET_BUFFER_SIZE];
  nlmsghdr* nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETSETELEM, static_cast<std::uint16_t>(family),
                                        NLM_F_ACK, ++impl_->seq);
  SetObj req;
  req.table = table;
  req.name = set;
  SetElemObj probe;
  probe.key = key;
  req.elems.push_back(std::move(probe));
  write_set_payload(nlh, MsgType::NewSetElem, req);
  std::optional<SetElemObj> out;
  Status s = impl_->dump(
      nlh,
      [&](const nlmsghdr* n) {
        if (auto elems = parse_set_elems_message(n); elems && !elems->empty())
          out = std::move(elems->front());
        return MNL_CB_OK;
      },
      [&] { out.reset(); });
  if (!s) {
    if (impl_->last_errno == ENOENT) return std::optional<SetElemObj>{};
    return s.take_error();
  }
  return out;
}

Result<std::vector<RuleObj>> Netlink::dump_rules(Family family, const std::string& table,
                                                 const std::string& chain) {
  std::vector<RuleObj> out;
  Status s = for_each_rule(
      family, table, chain, [&](RuleObj&& o) { out.push_back(std::move(o)); },
      [&] { out.clear(); });
  if (!s) return s.take_error();
  return out;
}

bool may_hold(const nlmsghdr* n, const std::vector<Expr>& want) {
  const nlattr* exprs = rule_expressions(n);
  if (!exprs) return want.empty();
  std::size_t i = 0;
  bool possible = true;
  for_each_child(exprs, [&](const nlattr* elem) {
    if (!possible) return;
    if (i >= want.size()) {
      possible = false;
      return;
    }
    const Expr& w = want[i++];
    const nlattr* name = last_child(elem, NFTA_EXPR_NAME);
    if (!name || mnl_attr_validate(name, MNL_TYPE_NUL_STRING) < 0) return;  // the parser decides
    if (std::strcmp(mnl_attr_get_str(name), expr_kind_name(w)) != 0) {
      possible = false;
      return;
    }
    // The data a cmp compares against (addresses, ports, interface names) is what tells
    // the rules of a long chain apart, and the kernel returns it exactly as it was sent.
    if (w.kind != Expr::Kind::Cmp) return;
    const nlattr* data = last_child(elem, NFTA_EXPR_DATA);
    const nlattr* cmp_data = data ? last_child(data, NFTA_CMP_DATA) : nullptr;
    const nlattr* value = cmp_data ? last_child(cmp_data, NFTA_DATA_VALUE) : nullptr;
    if (!value) return;
    const auto len = mnl_attr_get_payload_len(value);
    if (len != w.data.size() ||
        std::memcmp(mnl_attr_get_payload(value), w.data.data(), w.data.size()) != 0)
      possible = false;
  });
  return possible && i == want.size();
}

Status Netlink::for_each_rule(Family family, const std::string& table, const std::string& chain,
                              const std::function<void(RuleObj&&)>& each,
                              const std::function<void()>& restart,
                              const std::vector<Expr>* candidates) {
  return for_each_rule_until(
      family, table, chain,
      [&](RuleObj&& r) {
        each(std::move(r));
        return true;
      },
      restart, candidates);
}

Status Netlink::for_each_rule_until(Family family, const std::string& table,
                                    const std::string& chain,
                                    const std::function<bool(RuleObj&&)>& each,
                                    const std::function<void()>& restart,
                                    const std::vector<Expr>* candidates) {
  std::vector<char> buf(MNL_SOCKET_BUFFER_SIZE);
  nlmsghdr* nlh = nftnl_nlmsg_build_hdr(
      buf.data(), NFT_MSG_GETRULE, static_cast<std::uint16_t>(family), NLM_F_DUMP, ++impl_->seq);
  nftnl_rule* filter = nftnl_rule_alloc();
  nftnl_rule_set_str(filter, NFTNL_RULE_TABLE, table.c_str());
  if (!chain.empty()) nftnl_rule_set_str(filter, NFTNL_RULE_CHAIN, chain.c_str());
  nftnl_rule_nlmsg_build_payload(nlh, filter);
  nftnl_rule_free(filter);
  bool stopped = false;
  Status s = impl_->dump(
      nlh,
      [&](const nlmsghdr* n) {
        if (candidates && !may_hold(n, *candidates)) return MNL_CB_OK;
        if (auto o = parse_rule_message(n, n->nlmsg_len))
          if (!each(std::move(*o))) {
            stopped = true;
            return MNL_CB_STOP;
          }
        return MNL_CB_OK;
      },
      restart);
  if (stopped) CX_TRY(reopen());
  return s;
}

Status Netlink::reopen() {
  if (impl_->nl) mnl_socket_close(impl_->nl);
  impl_->nl = nullptr;
  const std::uint32_t seq = impl_->seq;
  CX_TRY(open());
  impl_->seq = seq;
  return {};
}

namespace {

std::uint16_t msg_type(MsgType t) {
  switch (t) {
    case MsgType::NewTable:
      return NFT_MSG_NEWTABLE;
    case MsgType::DelTable:
      return NFT_MSG_DELTABLE;
    case MsgType::NewChain:
      return NFT_MSG_NEWCHAIN;
    case MsgType::DelChain:
      return NFT_MSG_DELCHAIN;
    case MsgType::NewRule:
      return NFT_MSG_NEWRULE;
    case MsgType::DelRule:
      return NFT_MSG_DELRULE;
    case MsgType::NewSet:
      return NFT_MSG_NEWSET;
    case MsgType::DelSet:
      return NFT_MSG_DELSET;
    case MsgType::NewSetElem:
      return NFT_MSG_NEWSETELEM;
    case MsgType::DelSetElem:
      return NFT_MSG_DELSETELEM;
  }
  return 0;
}

}  // namespace

void write_rule_payload_libnftnl(nlmsghdr* nlh, const RuleObj& r) {
  nftnl_rule* x = nftnl_rule_alloc();
  nftnl_rule_set_str(x, NFTNL_RULE_TABLE, r.table.c_str());
  if (!r.chain.empty()) nftnl_rule_set_str(x, NFTNL_RULE_CHAIN, r.chain.c_str());
  if (r.handle) nftnl_rule_set_u64(x, NFTNL_RULE_HANDLE, *r.handle);
  if (r.position) nftnl_rule_set_u64(x, NFTNL_RULE_POSITION, *r.position);
  if (r.compat_proto) nftnl_rule_set_u32(x, NFTNL_RULE_COMPAT_PROTO, *r.compat_proto);
  if (r.compat_flags) nftnl_rule_set_u32(x, NFTNL_RULE_COMPAT_FLAGS, *r.compat_flags);
  if (r.id) nftnl_rule_set_u32(x, NFTNL_RULE_ID, *r.id);
  if (r.userdata)
    nftnl_rule_set_data(x, NFTNL_RULE_USERDATA, r.userdata->data(),
                        static_cast<std::uint32_t>(r.userdata->size()));
  if (r.position_id) nftnl_rule_set_u32(x, NFTNL_RULE_POSITION_ID, *r.position_id);
  for (const Expr& e : r.exprs) nftnl_rule_add_expr(x, to_nftnl(e));
  nftnl_rule_nlmsg_build_payload(nlh, x);
  nftnl_rule_free(x);
}

namespace {

// Appends one message to `buf` (which must have room) and returns its length.
std::size_t build_message(char* buf, const Message& m, Family family, std::uint32_t seq) {
  nlmsghdr* nlh = nftnl_nlmsg_build_hdr(buf, msg_type(m.type), static_cast<std::uint16_t>(family),
                                        m.flags, seq);
  switch (m.type) {
    case MsgType::NewTable:
    case MsgType::DelTable: {
      nftnl_table* t = nftnl_table_alloc();
      nftnl_table_set_str(t, NFTNL_TABLE_NAME, m.table.c_str());
      nftnl_table_nlmsg_build_payload(nlh, t);
      nftnl_table_free(t);
      break;
    }
    case MsgType::NewChain:
    case MsgType::DelChain: {
      const ChainObj& c = m.chain;
      nftnl_chain* x = nftnl_chain_alloc();
      nftnl_chain_set_str(x, NFTNL_CHAIN_TABLE, c.table.c_str());
      nftnl_chain_set_str(x, NFTNL_CHAIN_NAME, c.name.c_str());
      if (c.handle) nftnl_chain_set_u64(x, NFTNL_CHAIN_HANDLE, *c.handle);
      if (c.hooknum) {
        nftnl_chain_set_u32(x, NFTNL_CHAIN_HOOKNUM, *c.hooknum);
        nftnl_chain_set_s32(x, NFTNL_CHAIN_PRIO, c.priority);
      }
      if (c.policy) nftnl_chain_set_u32(x, NFTNL_CHAIN_POLICY, *c.policy);
      if (c.use) nftnl_chain_set_u32(x, NFTNL_CHAIN_USE, *c.use);
      if (c.counters) {
        nftnl_chain_set_u64(x, NFTNL_CHAIN_PACKETS, c.counters->first);
        nftnl_chain_set_u64(x, NFTNL_CHAIN_BYTES, c.counters->second);
      }
      if (!c.type.empty()) nftnl_chain_set_str(x, NFTNL_CHAIN_TYPE, c.type.c_str());
      if (c.flags) nftnl_chain_set_u32(x, NFTNL_CHAIN_FLAGS, *c.flags);
      nftnl_chain_nlmsg_build_payload(nlh, x);
      nftnl_chain_free(x);
      break;
    }
    case MsgType::NewRule:
    case MsgType::DelRule:
      if (!write_rule_payload(nlh, m.rule)) write_rule_payload_libnftnl(nlh, m.rule);
      break;
    case MsgType::NewSet:
    case MsgType::DelSet:
    case MsgType::NewSetElem:
    case MsgType::DelSetElem:
      write_set_payload(nlh, m.type, m.set);
      break;
  }
  return nlh->nlmsg_len;
}

std::size_t estimate_size(const Message& m) {
  std::size_t n = 512;
  for (const SetElemObj& e : m.set.elems)
    n += 160 + e.key.size() + e.chain.size() + (e.userdata ? e.userdata->size() : 0);
  if (m.set.userdata) n += m.set.userdata->size();
  for (const Expr& e : m.rule.exprs) n += 128 + e.info.size() + e.data.size() * 2;
  return n;
}

}  // namespace

namespace {
std::uint32_t next_batch_seq() {
  // Sequence numbers only pair kernel errors with messages; start from the clock as
  // iptables-nft does, and keep batches of one process apart.
  static std::uint32_t seq = static_cast<std::uint32_t>(time(nullptr)) << 8;
  std::uint32_t s = seq;
  seq += 1u << 24;
  return s;
}

void put_batch_marker(char* at, std::uint16_t type, std::uint32_t seq,
                      std::optional<std::uint32_t> genid) {
  nlmsghdr* nlh = mnl_nlmsg_put_header(at);
  nlh->nlmsg_type = type;
  nlh->nlmsg_flags = NLM_F_REQUEST;
  nlh->nlmsg_seq = seq;
  auto* nfg = static_cast<nfgenmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(nfgenmsg)));
  nfg->nfgen_family = AF_UNSPEC;
  nfg->version = NFNETLINK_V0;
  nfg->res_id = htons(NFNL_SUBSYS_NFTABLES);
  if (genid) mnl_attr_put_u32(nlh, NFNL_BATCH_GENID, htonl(*genid));
}
}  // namespace

namespace {
constexpr std::size_t kChunkSize = 1 << 20;

void put_varint(std::string& out, std::uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

std::uint64_t get_varint(const std::string& in, std::size_t& at) {
  std::uint64_t v = 0;
  for (unsigned shift = 0; at < in.size(); shift += 7) {
    const auto byte = static_cast<unsigned char>(in[at++]);
    v |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
    if (!(byte & 0x80)) break;
  }
  return v;
}

std::uint64_t zigzag(std::int64_t v) {
  return (static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63);
}

std::int64_t unzigzag(std::uint64_t v) {
  return static_cast<std::int64_t>(v >> 1) ^ -static_cast<std::int64_t>(v & 1);
}
}  // namespace

Batch::Batch(Family family) : family_(family), first_seq_(next_batch_seq()), texts_(1, '\0') {}

std::uint32_t Batch::intern(const std::string& text) {
  for (std::uint32_t at : recent_texts_)
    if (this->text(at) == text) return at;
  const auto at = static_cast<std::uint32_t>(texts_.size());
  texts_.append(text.c_str(), text.size() + 1);
  recent_texts_[recent_next_] = at;
  recent_next_ = (recent_next_ + 1) % recent_texts_.size();
  return at;
}

std::string_view Batch::text(std::uint32_t at) const { return texts_.c_str() + at; }

std::uint32_t Batch::intern_pair(std::uint32_t op, std::uint32_t object) {
  for (std::uint32_t i : recent_pairs_)
    if (i < text_pairs_.size() && text_pairs_[i] == std::pair{op, object}) return i;
  const auto i = static_cast<std::uint32_t>(text_pairs_.size());
  text_pairs_.emplace_back(op, object);
  recent_pairs_[recent_pair_next_] = i;
  recent_pair_next_ = (recent_pair_next_ + 1) % recent_pairs_.size();
  return i;
}

std::string_view Batch::op_name(std::size_t i) const {
  return text(text_pairs_[meta(i).texts].first);
}

namespace {
// Object texts that name what their message names ("rule in chain INPUT" for a rule of
// INPUT): kept as which of these forms it is, and written out from the message when an error
// needs it, rather than once per chain (a 50k-rule restore has 20k of them).
enum DerivedText : std::uint32_t {
  kRuleInChain = 0xffffff00,  // "rule in chain " + the rule's chain
  kChainName,                 // "chain " + the chain's name
  kTableName,                 // "table " + the table's name
};
constexpr std::string_view kRuleInChainPrefix = "rule in chain ";
constexpr std::string_view kChainPrefix = "chain ";
constexpr std::string_view kTablePrefix = "table ";

bool is(std::string_view text, std::string_view prefix, std::string_view name) {
  return text.size() == prefix.size() + name.size() && text.starts_with(prefix) &&
         text.ends_with(name);
}

// The string attribute `type` of a message's payload, or "".
std::string message_string(const nlmsghdr* n, std::uint16_t type) {
  const nlattr* a = last_attr(n, type);
  if (!a) return {};
  const auto* text = static_cast<const char*>(mnl_attr_get_payload(a));
  return std::string(text, strnlen(text, mnl_attr_get_payload_len(a)));
}
}  // namespace

std::uint32_t Batch::intern_object(const Message& m) {
  const std::string& text = m.object_text;
  switch (m.type) {
    case MsgType::NewRule:
    case MsgType::DelRule:
      if (is(text, kRuleInChainPrefix, m.rule.chain)) return kRuleInChain;
      break;
    case MsgType::NewChain:
    case MsgType::DelChain:
      if (is(text, kChainPrefix, m.chain.name)) return kChainName;
      break;
    case MsgType::NewTable:
    case MsgType::DelTable:
      if (is(text, kTablePrefix, m.table)) return kTableName;
      break;
    case MsgType::NewSet:
    case MsgType::DelSet:
    case MsgType::NewSetElem:
    case MsgType::DelSetElem:
      break;
  }
  return intern(text);
}

std::string Batch::object_text(std::size_t i) const {
  const std::uint32_t object = text_pairs_[meta(i).texts].second;
  switch (object) {
    case kRuleInChain:
      return std::string(kRuleInChainPrefix) + message_string(message(i), NFTA_RULE_CHAIN);
    case kChainName:
      return std::string(kChainPrefix) + message_string(message(i), NFTA_CHAIN_NAME);
    case kTableName:
      return std::string(kTablePrefix) + message_string(message(i), NFTA_TABLE_NAME);
    default:
      return std::string(text(object));
  }
}

std::size_t Batch::chunk_of(std::size_t i) const {
  // The last chunk whose first message is at or before i (an emptied chunk shares its
  // first_message with the one after it, which is the one that holds the message).
  auto it = std::upper_bound(chunks_.begin(), chunks_.end(), i,
                             [](std::size_t m, const Chunk& c) { return m < c.first_message; });
  return static_cast<std::size_t>(it - chunks_.begin()) - 1;
}

nlmsghdr* Batch::message(std::size_t i) const {
  const Chunk& c = chunks_[chunk_of(i)];
  char* at = c.data.get();
  for (std::size_t k = c.first_message; k < i; ++k)
    at += NLMSG_ALIGN(reinterpret_cast<nlmsghdr*>(at)->nlmsg_len);
  return reinterpret_cast<nlmsghdr*>(at);
}

void Batch::add(const Message& m) {
  const std::size_t room = estimate_size(m);
  if (chunks_.empty() || chunks_.back().capacity - chunks_.back().used < room)
    add_chunk(std::max(kChunkSize, room), count_, chunks_.size());
  Chunk& c = chunks_.back();
  // libmnl 1.0.4 leaves attribute padding as it finds it: zero the message's room first, so
  // that a batch's bytes depend on its messages only (the pages are touched here anyway).
  std::memset(c.data.get() + c.used, 0, room);
  std::uint32_t seq = first_seq_ + 1 + static_cast<std::uint32_t>(count_);
  c.used += build_message(c.data.get() + c.used, m, family_, seq);
  put_varint(meta_, intern_pair(intern(m.op_name), intern_object(m)));
  put_varint(meta_, zigzag(static_cast<std::int64_t>(m.line) - last_line_));
  last_line_ = m.line;
  ++count_;
}

Batch::Meta Batch::meta(std::size_t i) const {
  Meta out;
  std::size_t at = 0;
  for (std::size_t k = 0; k <= i; ++k) {
    out.texts = static_cast<std::uint32_t>(get_varint(meta_, at));
    out.line += static_cast<int>(unzigzag(get_varint(meta_, at)));
  }
  return out;
}

Batch::Chunk& Batch::add_chunk(std::size_t capacity, std::size_t first_message, std::size_t at) {
  Chunk c;
  c.capacity = capacity;
  c.data.reset(new char[c.capacity]);  // not value-initialised: pages are touched as used
  c.first_message = first_message;
  return *chunks_.insert(chunks_.begin() + static_cast<std::ptrdiff_t>(at), std::move(c));
}

void Batch::for_each_added_rule(
    const std::function<void(std::size_t, RuleObj&&, std::uint16_t)>& each) const {
  std::size_t i = 0;
  for (const Chunk& c : chunks_) {
    for (std::size_t at = 0; at < c.used; ++i) {
      const auto* n = reinterpret_cast<const nlmsghdr*>(c.data.get() + at);
      at += NLMSG_ALIGN(n->nlmsg_len);
      if ((n->nlmsg_type & 0xff) != NFT_MSG_NEWRULE) continue;
      auto rule = parse_with_libnftnl(n, true);
      if (!rule) continue;
      each(i, std::move(*rule), n->nlmsg_flags);
    }
  }
}

std::optional<Message> batch_rule_message(const nlmsghdr* n) {
  const auto type = n->nlmsg_type & 0xff;
  if (type != NFT_MSG_NEWRULE && type != NFT_MSG_DELRULE) return std::nullopt;
  auto rule = read_sent_rule_message(n);
  if (!rule) rule = parse_with_libnftnl(n, true, true);
  if (!rule) return std::nullopt;
  Message m;
  m.type = type == NFT_MSG_NEWRULE ? MsgType::NewRule : MsgType::DelRule;
  m.flags = n->nlmsg_flags;
  m.rule = std::move(*rule);
  return m;
}

std::optional<std::string> batch_rule_chain(const nlmsghdr* n) {
  const auto type = n->nlmsg_type & 0xff;
  if (type != NFT_MSG_NEWRULE && type != NFT_MSG_DELRULE) return std::nullopt;
  return message_string(n, NFTA_RULE_CHAIN);
}

void Batch::for_each_message(const std::function<void(const nlmsghdr*)>& each) const {
  for (const Chunk& c : chunks_)
    for (std::size_t at = 0; at < c.used;) {
      const auto* n = reinterpret_cast<const nlmsghdr*>(c.data.get() + at);
      at += NLMSG_ALIGN(n->nlmsg_len);
      each(n);
    }
}

void Batch::for_each_raw(
    const std::function<void(const nlmsghdr*, std::uint32_t, int)>& each) const {
  std::size_t at_meta = 0;
  int line = 0;
  for (const Chunk& c : chunks_) {
    for (std::size_t at = 0; at < c.used;) {
      const auto* n = reinterpret_cast<const nlmsghdr*>(c.data.get() + at);
      at += NLMSG_ALIGN(n->nlmsg_len);
      const auto texts = static_cast<std::uint32_t>(get_varint(meta_, at_meta));
      line += static_cast<int>(unzigzag(get_varint(meta_, at_meta)));
      each(n, texts, line);
    }
  }
}

Batch Batch::rebuilt(const std::function<bool(const nlmsghdr*)>& keep) const {
  Batch out(family_);
  for_each_raw([&](const nlmsghdr* n, std::uint32_t texts, int line) {
    if (keep(n)) out.add_raw(*this, n, texts, line);
  });
  return out;
}

void Batch::append(const Batch& other) {
  other.for_each_raw(
      [&](const nlmsghdr* n, std::uint32_t texts, int line) { add_raw(other, n, texts, line); });
}

void Batch::add_raw(const Batch& from, const nlmsghdr* n, std::uint32_t texts, int line) {
  const std::size_t len = NLMSG_ALIGN(n->nlmsg_len);
  if (chunks_.empty() || chunks_.back().capacity - chunks_.back().used < len)
    add_chunk(std::max(kChunkSize, len), count_, chunks_.size());
  Chunk& c = chunks_.back();
  auto* copy = reinterpret_cast<nlmsghdr*>(c.data.get() + c.used);
  std::memcpy(copy, n, len);
  copy->nlmsg_seq = first_seq_ + 1 + static_cast<std::uint32_t>(count_);
  c.used += len;
  const auto [op, object] = from.text_pairs_[texts];
  const std::uint32_t my_op = intern(std::string(from.text(op)));
  const std::uint32_t my_object =
      object >= kRuleInChain ? object : intern(std::string(from.text(object)));
  put_varint(meta_, intern_pair(my_op, my_object));
  put_varint(meta_, zigzag(static_cast<std::int64_t>(line) - last_line_));
  last_line_ = line;
  ++count_;
}

std::string Batch::bytes() const {
  std::string out;
  for (const Chunk& c : chunks_) out.append(c.data.get(), c.used);
  return out;
}

void Batch::set_rule_id(std::size_t index, std::uint32_t id) {
  // libnftnl writes NFTA_RULE_ID last but for NFTA_RULE_POSITION_ID, so it goes at the
  // message's end or just before a last POSITION_ID: make room by moving the messages that
  // follow it in its chunk. When the chunk is full, the message and those after it in the
  // chunk move to a new chunk right after it.
  constexpr std::size_t kAttr = 8;  // nlattr header + u32
  std::size_t ci = chunk_of(index);
  nlmsghdr* nlh = message(index);
  if (chunks_[ci].capacity - chunks_[ci].used < kAttr) {
    const std::size_t split = reinterpret_cast<char*>(nlh) - chunks_[ci].data.get();
    const std::size_t moved = chunks_[ci].used - split;
    Chunk& tail = add_chunk(std::max(kChunkSize, moved + kAttr), index, ci + 1);
    std::memcpy(tail.data.get(), chunks_[ci].data.get() + split, moved);
    tail.used = moved;
    chunks_[ci].used = split;
    ++ci;
    nlh = reinterpret_cast<nlmsghdr*>(tail.data.get());
  }
  Chunk& c = chunks_[ci];
  nlattr* last = nullptr;
  const char* tail = static_cast<const char*>(mnl_nlmsg_get_payload_tail(nlh));
  for (auto* a = static_cast<nlattr*>(mnl_nlmsg_get_payload_offset(nlh, sizeof(nfgenmsg)));
       mnl_attr_ok(a, static_cast<int>(tail - reinterpret_cast<const char*>(a)));
       a = mnl_attr_next(a))
    last = a;
  const bool has_position_id = last && mnl_attr_get_type(last) == NFTA_RULE_POSITION_ID &&
                               mnl_attr_get_payload_len(last) == 4;
  const std::uint32_t position_id = has_position_id ? mnl_attr_get_u32(last) : 0;
  const std::size_t end = reinterpret_cast<char*>(nlh) - c.data.get() + nlh->nlmsg_len;
  std::memmove(c.data.get() + end + kAttr, c.data.get() + end, c.used - end);
  c.used += kAttr;
  if (has_position_id) {
    nlh->nlmsg_len -= kAttr;
    mnl_attr_put_u32(nlh, NFTA_RULE_ID, htonl(id));
    mnl_attr_put_u32(nlh, NFTA_RULE_POSITION_ID, position_id);
  } else {
    mnl_attr_put_u32(nlh, NFTA_RULE_ID, htonl(id));
  }
}

Result<std::optional<CommitError>> Netlink::commit(Family family, const std::vector<Message>& msgs,
                                                   std::uint32_t genid) {
  Batch b(family);
  for (const Message& m : msgs) b.add(m);
  return commit(b, genid);
}

namespace {
// iptables-nft reads the kernel's replies with libmnl into MNL_SOCKET_BUFFER_SIZE bytes (the
// page size, at most 8192); a longer reply is a failed read (ENOSPC).
ssize_t reference_recv_size() {
  const long page = sysconf(_SC_PAGESIZE);
  return page > 0 && page < 8192 ? page : 8192;
}
}  // namespace

Result<std::optional<CommitError>> Netlink::commit(const Batch& batch, std::uint32_t genid) {
  // The batch is sent as BATCH_BEGIN (with the generation this command's cache was built
  // from), the messages, BATCH_END. BEGIN goes right before the first message.
  char begin[64], end[64];
  put_batch_marker(begin, NFNL_MSG_BATCH_BEGIN, batch.first_seq_, genid);
  put_batch_marker(end, NFNL_MSG_BATCH_END,
                   batch.first_seq_ + 1 + static_cast<std::uint32_t>(batch.size()), std::nullopt);
  std::vector<iovec> iov;
  iov.reserve(batch.chunks_.size() + 2);
  iov.push_back({begin, reinterpret_cast<nlmsghdr*>(begin)->nlmsg_len});
  for (const Batch::Chunk& c : batch.chunks_)
    if (c.used) iov.push_back({c.data.get(), c.used});
  iov.push_back({end, reinterpret_cast<nlmsghdr*>(end)->nlmsg_len});
  if (iov.size() > IOV_MAX) return kernel_error("netlink send", EMSGSIZE);
  std::size_t total = 0;
  for (const iovec& v : iov) total += v.iov_len;

  int fd = mnl_socket_get_fd(impl_->nl);
  int sndbuf = static_cast<int>(total + 65536);
  setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sndbuf, sizeof(sndbuf));
  // Batches go out with sendmsg(), as iptables-nft sends them; requests and dumps use sendto().
  // The kernel copies the iovecs into one message.
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  msghdr mh{};
  mh.msg_name = &kernel;
  mh.msg_namelen = sizeof(kernel);
  mh.msg_iov = iov.data();
  mh.msg_iovlen = iov.size();
  if (sendmsg(fd, &mh, 0) < 0) return kernel_error("netlink send", errno);

  // The kernel handles the whole batch inside sendmsg; without NLM_F_ACK only errors are
  // queued, so read until the queue is empty.
  std::optional<CommitError> failure;
  for (;;) {
    ssize_t len = recv(fd, impl_->rxbuf.data(), impl_->rxbuf.size(), MSG_DONTWAIT);
    if (len < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (len > reference_recv_size()) {
      if (!failure) {
        failure = CommitError{};
        failure->err = ENOSPC;
        failure->index = batch.size();
      }
      failure->truncated = true;
      break;
    }
    auto* nlh = reinterpret_cast<nlmsghdr*>(impl_->rxbuf.data());
    int remaining = static_cast<int>(len);
    while (mnl_nlmsg_ok(nlh, remaining)) {
      if (nlh->nlmsg_type == NLMSG_ERROR) {
        auto* err = static_cast<nlmsgerr*>(mnl_nlmsg_get_payload(nlh));
        if (err->error != 0) {
          std::size_t index = batch.size();  // batch-level error (e.g. generation mismatch)
          std::uint32_t rel = nlh->nlmsg_seq - batch.first_seq_;
          if (rel >= 1 && rel <= batch.size()) index = rel - 1;
          if (!failure) {
            failure = CommitError{};
            failure->err = -err->error;
            failure->index = index;
          }
          failure->all.emplace_back(index, -err->error);
        }
      }
      nlh = mnl_nlmsg_next(nlh, &remaining);
    }
  }
  return failure;
}

Status Netlink::send_test_batch() {
  char begin[64];
  put_batch_marker(begin, NFNL_MSG_BATCH_BEGIN, next_batch_seq(), 0u);
  auto* nlh = reinterpret_cast<nlmsghdr*>(begin);
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  iovec iov{begin, nlh->nlmsg_len};
  msghdr mh{};
  mh.msg_name = &kernel;
  mh.msg_namelen = sizeof(kernel);
  mh.msg_iov = &iov;
  mh.msg_iovlen = 1;
  if (sendmsg(mnl_socket_get_fd(impl_->nl), &mh, 0) < 0) return kernel_error("netlink send", errno);
  return {};
}

bool Netlink::compat_revision_supported(const std::string& name, std::uint32_t rev, bool target,
                                        Family family) {
  char buf[MNL_SOCKET_BUFFER_SIZE];
  nlmsghdr* nlh = mnl_nlmsg_put_header(buf);
  nlh->nlmsg_type = (NFNL_SUBSYS_NFT_COMPAT << 8) | NFNL_MSG_COMPAT_GET;
  nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
  nlh->nlmsg_seq = ++impl_->seq;
  auto* nfg = static_cast<nfgenmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(nfgenmsg)));
  nfg->nfgen_family = static_cast<std::uint8_t>(family);
  nfg->version = NFNETLINK_V0;
  nfg->res_id = 0;
  mnl_attr_put_strz(nlh, NFTA_COMPAT_NAME, name.c_str());
  mnl_attr_put_u32(nlh, NFTA_COMPAT_REV, htonl(rev));
  mnl_attr_put_u32(nlh, NFTA_COMPAT_TYPE, htonl(target ? 1 : 0));
  Status s = impl_->talk(nlh, [](const nlmsghdr*) { return MNL_CB_OK; });
  // Not allowed to ask (not root): taken as supported, so that help works for any user.
  return s.ok() || errno == EPERM;
}

}  // namespace cx::nft
