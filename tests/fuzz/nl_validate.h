// For fuzz_netlink: keeps the fuzzer away from inputs that libnftnl 1.2.4 itself answers by
// ending the process. libnftnl checks the type of every attribute it parses and, when one is
// malformed, prints "nf_tables kernel ABI is broken, contact your vendor." and calls exit(1)
// (abi_breakage() in its parse callbacks); it also strdup()s string attributes as C strings.
// Both are libnftnl's behaviour for a kernel that breaks its ABI (iptables-nft does the same),
// not something our code can or should change. This filter accepts a message only when every
// attribute libnftnl would check for a NEWRULE with the expressions iptables-nft uses has the
// type libnftnl expects, and every string is NUL-terminated. What it does not check on
// purpose: missing attributes (an expression without NFTA_EXPR_NAME, a rule without a table),
// which libnftnl does not catch and our nft::parse_rule_message must.
#pragma once
#include <libmnl/libmnl.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>

#include <cstring>
#include <string_view>

namespace cx::fuzz {

enum class AttrType { Ignore, U16, U32, U64, String, NulString, Nested, Binary, Data };

using TypeOf = AttrType (*)(unsigned type);

inline bool attr_ok_as(const nlattr* a, AttrType t) {
  const auto len = mnl_attr_get_payload_len(a);
  const auto* p = static_cast<const char*>(mnl_attr_get_payload(a));
  switch (t) {
    case AttrType::Ignore:
    case AttrType::Binary:
      return true;
    case AttrType::U16:
      return len == 2;
    case AttrType::U32:
      return len == 4;
    case AttrType::U64:
      return len == 8;
    case AttrType::String:
      return len > 0 && std::memchr(p, 0, len) != nullptr;
    case AttrType::NulString:
      return len > 0 && p[len - 1] == 0;
    case AttrType::Nested:
    case AttrType::Data:
      return len == 0 || len >= MNL_ATTR_HDRLEN;
  }
  return false;
}

// Calls `each(attr)` for the attributes in [begin, begin + len); false if one is cut short.
template <class F>
bool for_each_attr(const void* begin, int len, F each) {
  auto* a = static_cast<const nlattr*>(begin);
  while (len >= static_cast<int>(sizeof(nlattr))) {
    if (!mnl_attr_ok(a, len)) return false;
    if (!each(a)) return false;
    len -= MNL_ALIGN(a->nla_len);
    a = mnl_attr_next(a);
  }
  return true;
}

template <class F>
bool for_each_nested(const nlattr* nest, F each) {
  return for_each_attr(mnl_attr_get_payload(nest), static_cast<int>(mnl_attr_get_payload_len(nest)),
                       each);
}

inline bool attrs_ok(const nlattr* nest, TypeOf type_of);

// NFTA_DATA_*: VALUE binary, VERDICT nested (CODE u32, CHAIN string, CHAIN_ID u32).
inline bool data_ok(const nlattr* nest) {
  return for_each_nested(nest, [](const nlattr* a) {
    switch (mnl_attr_get_type(a)) {
      case NFTA_DATA_VALUE:
        return attr_ok_as(a, AttrType::Binary);
      case NFTA_DATA_VERDICT:
        return attr_ok_as(a, AttrType::Nested) && attrs_ok(a, [](unsigned t) {
                 return t == NFTA_VERDICT_CHAIN                                ? AttrType::String
                        : t == NFTA_VERDICT_CODE || t == NFTA_VERDICT_CHAIN_ID ? AttrType::U32
                                                                               : AttrType::Ignore;
               });
      default:
        return true;
    }
  });
}

inline bool attrs_ok(const nlattr* nest, TypeOf type_of) {
  return for_each_nested(nest, [&](const nlattr* a) {
    AttrType t = type_of(mnl_attr_get_type(a));
    if (!attr_ok_as(a, t)) return false;
    return t != AttrType::Data || data_ok(a);
  });
}

// The attribute types of the expressions iptables-nft uses; nullptr for any other name.
inline TypeOf expr_types(std::string_view name) {
  using T = AttrType;
  if (name == "payload") return [](unsigned t) { return t >= 1 && t <= 8 ? T::U32 : T::Ignore; };
  if (name == "meta") return [](unsigned t) { return t >= 1 && t <= 3 ? T::U32 : T::Ignore; };
  if (name == "cmp")
    return [](unsigned t) { return t == 1 || t == 2 ? T::U32 : t == 3 ? T::Data : T::Ignore; };
  if (name == "bitwise")
    return [](unsigned t) {
      return t == 1 || t == 2 || t == 3 || t == 6 ? T::U32
             : t == 4 || t == 5 || t == 7         ? T::Data
                                                  : T::Ignore;
    };
  if (name == "range")
    return [](unsigned t) {
      return t == 1 || t == 2 ? T::U32 : t == 3 || t == 4 ? T::Data : T::Ignore;
    };
  if (name == "counter") return [](unsigned t) { return t == 1 || t == 2 ? T::U64 : T::Ignore; };
  if (name == "immediate")
    return [](unsigned t) { return t == 1 ? T::U32 : t == 2 ? T::Data : T::Ignore; };
  if (name == "limit")
    return [](unsigned t) {
      return t == 1 || t == 2 ? T::U64 : t >= 3 && t <= 5 ? T::U32 : T::Ignore;
    };
  if (name == "log")
    return [](unsigned t) {
      return t == 2                       ? T::String
             : t == 1 || t == 4           ? T::U16
             : t == 3 || t == 5 || t == 6 ? T::U32
                                          : T::Ignore;
    };
  if (name == "match" || name == "target")
    return [](unsigned t) {
      return t == 1 ? T::NulString : t == 2 ? T::U32 : t == 3 ? T::Binary : T::Ignore;
    };
  return nullptr;
}

// True when libnftnl 1.2.4 can parse the NEWRULE message `n` without ending the process.
inline bool libnftnl_accepts(const nlmsghdr* n) {
  const auto* begin = static_cast<const char*>(mnl_nlmsg_get_payload_offset(n, sizeof(nfgenmsg)));
  const auto* end = static_cast<const char*>(mnl_nlmsg_get_payload_tail(n));
  if (end < begin) return false;
  return for_each_attr(begin, static_cast<int>(end - begin), [](const nlattr* a) {
    switch (mnl_attr_get_type(a)) {
      case NFTA_RULE_TABLE:
      case NFTA_RULE_CHAIN:
        return attr_ok_as(a, AttrType::String);
      case NFTA_RULE_HANDLE:
      case NFTA_RULE_POSITION:
        return attr_ok_as(a, AttrType::U64);
      case NFTA_RULE_USERDATA:
        return true;
      case NFTA_RULE_ID:
      case NFTA_RULE_POSITION_ID:
      case NFTA_RULE_CHAIN_ID:
        return attr_ok_as(a, AttrType::U32);
      case NFTA_RULE_COMPAT:
        return attr_ok_as(a, AttrType::Nested) && attrs_ok(a, [](unsigned t) {
                 return t == 1 || t == 2 ? AttrType::U32 : AttrType::Ignore;
               });
      case NFTA_RULE_EXPRESSIONS:
        if (!attr_ok_as(a, AttrType::Nested)) return false;
        return for_each_nested(a, [](const nlattr* elem) {
          if (mnl_attr_get_type(elem) != NFTA_LIST_ELEM) return true;  // libnftnl: parse error
          if (!attr_ok_as(elem, AttrType::Nested)) return false;
          const nlattr* name = nullptr;
          const nlattr* data = nullptr;
          bool ok = for_each_nested(elem, [&](const nlattr* x) {
            if (mnl_attr_get_type(x) == NFTA_EXPR_NAME) {
              name = x;
              return attr_ok_as(x, AttrType::String);
            }
            if (mnl_attr_get_type(x) == NFTA_EXPR_DATA) {
              data = x;
              return attr_ok_as(x, AttrType::Nested);
            }
            return true;
          });
          if (!ok) return false;
          if (!name) return true;  // ours to handle (parse_rule_message)
          TypeOf types = expr_types(static_cast<const char*>(mnl_attr_get_payload(name)));
          if (!types) return false;  // another libnftnl expression: not fuzzed
          return !data || attrs_ok(data, types);
        });
      default:
        return true;
    }
  });
}

}  // namespace cx::fuzz
