// Set and set-element messages through libnftnl: the named sets and verdict maps of compiled
// chains (docs/compiled-chains.md), their elements with userdata and a counter each.
#include <libmnl/libmnl.h>  // (stdio.h, which libnftnl needs)
#include <libnftnl/expr.h>
#include <libnftnl/set.h>
#include <linux/netfilter/nf_tables.h>

#include <cstring>

#include "nft/netlink.h"

namespace cx::nft {

namespace {

nftnl_expr* counter_expr(std::uint64_t packets, std::uint64_t bytes) {
  nftnl_expr* c = nftnl_expr_alloc("counter");
  nftnl_expr_set_u64(c, NFTNL_EXPR_CTR_PACKETS, packets);
  nftnl_expr_set_u64(c, NFTNL_EXPR_CTR_BYTES, bytes);
  return c;
}

nftnl_set_elem* elem_to_nftnl(const SetElemObj& e) {
  nftnl_set_elem* x = nftnl_set_elem_alloc();
  nftnl_set_elem_set(x, NFTNL_SET_ELEM_KEY, e.key.data(), static_cast<std::uint32_t>(e.key.size()));
  if (e.key_end)
    nftnl_set_elem_set(x, NFTNL_SET_ELEM_KEY_END, e.key_end->data(),
                       static_cast<std::uint32_t>(e.key_end->size()));
  if (e.flags) nftnl_set_elem_set_u32(x, NFTNL_SET_ELEM_FLAGS, e.flags);
  if (e.verdict) {
    nftnl_set_elem_set_u32(x, NFTNL_SET_ELEM_VERDICT, static_cast<std::uint32_t>(*e.verdict));
    if (!e.chain.empty()) nftnl_set_elem_set_str(x, NFTNL_SET_ELEM_CHAIN, e.chain.c_str());
  }
  if (e.userdata)
    nftnl_set_elem_set(x, NFTNL_SET_ELEM_USERDATA, e.userdata->data(),
                       static_cast<std::uint32_t>(e.userdata->size()));
  if (e.counter) nftnl_set_elem_add_expr(x, counter_expr(e.counter->first, e.counter->second));
  return x;
}

nftnl_set* set_to_nftnl(const SetObj& s, bool with_elems) {
  nftnl_set* x = nftnl_set_alloc();
  nftnl_set_set_str(x, NFTNL_SET_TABLE, s.table.c_str());
  nftnl_set_set_str(x, NFTNL_SET_NAME, s.name.c_str());
  if (s.id) nftnl_set_set_u32(x, NFTNL_SET_ID, *s.id);
  if (with_elems) {
    for (const SetElemObj& e : s.elems) nftnl_set_elem_add(x, elem_to_nftnl(e));
    return x;
  }
  nftnl_set_set_u32(x, NFTNL_SET_FLAGS, s.flags);
  nftnl_set_set_u32(x, NFTNL_SET_KEY_TYPE, s.key_type);
  nftnl_set_set_u32(x, NFTNL_SET_KEY_LEN, s.key_len);
  if (!s.concat.empty())
    nftnl_set_set_data(x, NFTNL_SET_DESC_CONCAT, s.concat.data(),
                       static_cast<std::uint32_t>(s.concat.size()));
  if (s.data_type) {
    nftnl_set_set_u32(x, NFTNL_SET_DATA_TYPE, *s.data_type);
    nftnl_set_set_u32(x, NFTNL_SET_DATA_LEN, 0);
  }
  if (s.userdata)
    nftnl_set_set_data(x, NFTNL_SET_USERDATA, s.userdata->data(),
                       static_cast<std::uint32_t>(s.userdata->size()));
  if (s.counter) nftnl_set_add_expr(x, counter_expr(0, 0));
  return x;
}

std::optional<Bytes> data_attr(nftnl_set_elem* x, std::uint16_t attr) {
  if (!nftnl_set_elem_is_set(x, attr)) return std::nullopt;
  std::uint32_t len = 0;
  const auto* p = static_cast<const std::uint8_t*>(nftnl_set_elem_get(x, attr, &len));
  return p ? Bytes(p, p + len) : Bytes{};
}

int read_counter(nftnl_expr* e, void* data) {
  const char* name = nftnl_expr_get_str(e, NFTNL_EXPR_NAME);
  if (name && std::strcmp(name, "counter") == 0)
    *static_cast<std::optional<std::pair<std::uint64_t, std::uint64_t>>*>(data) = std::make_pair(
        nftnl_expr_get_u64(e, NFTNL_EXPR_CTR_PACKETS), nftnl_expr_get_u64(e, NFTNL_EXPR_CTR_BYTES));
  return 0;
}

SetElemObj elem_from_nftnl(nftnl_set_elem* x) {
  SetElemObj e;
  e.key = data_attr(x, NFTNL_SET_ELEM_KEY).value_or(Bytes{});
  e.key_end = data_attr(x, NFTNL_SET_ELEM_KEY_END);
  if (nftnl_set_elem_is_set(x, NFTNL_SET_ELEM_FLAGS))
    e.flags = nftnl_set_elem_get_u32(x, NFTNL_SET_ELEM_FLAGS);
  if (nftnl_set_elem_is_set(x, NFTNL_SET_ELEM_VERDICT)) {
    e.verdict = static_cast<std::int32_t>(nftnl_set_elem_get_u32(x, NFTNL_SET_ELEM_VERDICT));
    if (const char* c = nftnl_set_elem_get_str(x, NFTNL_SET_ELEM_CHAIN)) e.chain = c;
  }
  e.userdata = data_attr(x, NFTNL_SET_ELEM_USERDATA);
  nftnl_set_elem_expr_foreach(x, read_counter, &e.counter);
  return e;
}

}  // namespace

void write_set_payload(nlmsghdr* msg, MsgType type, const SetObj& set) {
  const bool elems = type == MsgType::NewSetElem || type == MsgType::DelSetElem;
  nftnl_set* x = set_to_nftnl(set, elems);
  if (elems)
    nftnl_set_elems_nlmsg_build_payload(msg, x);
  else
    nftnl_set_nlmsg_build_payload(msg, x);
  nftnl_set_free(x);
}

std::optional<SetObj> parse_set_message(const nlmsghdr* msg) {
  nftnl_set* x = nftnl_set_alloc();
  std::optional<SetObj> out;
  if (nftnl_set_nlmsg_parse(msg, x) == 0) {
    SetObj s;
    if (const char* t = nftnl_set_get_str(x, NFTNL_SET_TABLE)) s.table = t;
    if (const char* n = nftnl_set_get_str(x, NFTNL_SET_NAME)) s.name = n;
    s.flags = nftnl_set_get_u32(x, NFTNL_SET_FLAGS);
    s.key_type = nftnl_set_get_u32(x, NFTNL_SET_KEY_TYPE);
    s.key_len = nftnl_set_get_u32(x, NFTNL_SET_KEY_LEN);
    if (nftnl_set_is_set(x, NFTNL_SET_DATA_TYPE))
      s.data_type = nftnl_set_get_u32(x, NFTNL_SET_DATA_TYPE);
    if (nftnl_set_is_set(x, NFTNL_SET_USERDATA)) {
      std::uint32_t len = 0;
      const auto* p =
          static_cast<const std::uint8_t*>(nftnl_set_get_data(x, NFTNL_SET_USERDATA, &len));
      if (p) s.userdata = Bytes(p, p + len);
    }
    out = std::move(s);
  }
  nftnl_set_free(x);
  return out;
}

std::optional<std::vector<SetElemObj>> parse_set_elems_message(const nlmsghdr* msg) {
  nftnl_set* x = nftnl_set_alloc();
  std::optional<std::vector<SetElemObj>> out;
  if (nftnl_set_elems_nlmsg_parse(msg, x) == 0) {
    out.emplace();
    nftnl_set_elem_foreach(
        x,
        [](nftnl_set_elem* e, void* data) {
          static_cast<std::vector<SetElemObj>*>(data)->push_back(elem_from_nftnl(e));
          return 0;
        },
        &*out);
  }
  nftnl_set_free(x);
  return out;
}

}  // namespace cx::nft
