#include "codec/rule_codec.h"

#include <algorithm>
#include <cstring>

namespace cx::codec {

namespace {

using nft::Expr;

void encode_iface(std::vector<Expr>& out, std::uint32_t key, const std::string& name, bool inv) {
  out.push_back(Expr::meta_load(key));
  if (name == "+") return;  // matches any interface: iptables-nft emits the load alone
  nft::Bytes data;
  if (!name.empty() && name.back() == '+') {
    data.assign(name.begin(), name.end() - 1);
  } else {
    data.assign(name.begin(), name.end());
    data.push_back(0);
  }
  out.push_back(Expr::cmp(inv ? nft::kNeq : nft::kEq, std::move(data)));
}

void encode_addr(std::vector<Expr>& out, std::uint32_t offset, const model::Address& a, int len,
                 bool inv) {
  // A whole-byte prefix loads just those bytes; any other mask loads the address and masks it.
  int i = 0;
  while (i < len && a.mask[i] == 0xff) ++i;
  bool bitwise = false;
  for (int j = i; j < len; ++j) bitwise |= a.mask[j] != 0;
  int load_len = bitwise ? len : i;
  out.push_back(Expr::payload(nft::kNetworkHeader, offset, static_cast<std::uint32_t>(load_len)));
  if (bitwise)
    out.push_back(Expr::bitwise(static_cast<std::uint32_t>(load_len),
                                nft::Bytes(a.mask.begin(), a.mask.begin() + load_len),
                                nft::Bytes(static_cast<std::size_t>(load_len), 0)));
  out.push_back(Expr::cmp(inv ? nft::kNeq : nft::kEq,
                          nft::Bytes(a.addr.begin(), a.addr.begin() + load_len)));
}

}  // namespace

Result<std::vector<Expr>> encode_rule(const model::Rule& rule, const ext::RuleContext& ctx) {
  std::vector<Expr> out;
  const model::IpHeader& ip = rule.ip;
  const bool v4 = ctx.family == Family::V4;
  const int alen = addr_len(ctx.family);
  if (ip.has_iniface) encode_iface(out, nft::kMetaIifname, ip.iniface, ip.inv_in);
  if (ip.has_outiface) encode_iface(out, nft::kMetaOifname, ip.outiface, ip.inv_out);
  if (ip.proto != 0 || ip.inv_proto) {
    out.push_back(Expr::meta_load(nft::kMetaL4proto));
    out.push_back(Expr::cmp(ip.inv_proto ? nft::kNeq : nft::kEq, {ip.proto}));
  }
  auto is_any = [&](const model::Address& a) {
    for (int i = 0; i < alen; ++i)
      if (a.addr[i] || a.mask[i]) return false;
    return true;
  };
  if (ip.src && (!is_any(*ip.src) || ip.inv_src))
    encode_addr(out, v4 ? 12 : 8, *ip.src, alen, ip.inv_src);
  if (ip.dst && (!is_any(*ip.dst) || ip.inv_dst))
    encode_addr(out, v4 ? 16 : 24, *ip.dst, alen, ip.inv_dst);
  if (ip.frag && v4) {
    out.push_back(Expr::payload(nft::kNetworkHeader, 6, 2));
    out.push_back(Expr::bitwise(2, nft::be16(0x1fff), {0, 0}));
    out.push_back(Expr::cmp(ip.inv_frag ? nft::kEq : nft::kNeq, {0, 0}));
  }
  for (const auto& m : rule.matches) CX_TRY(m->encode(out, ctx));
  out.push_back(Expr::counter(rule.counters.packets, rule.counters.bytes));
  switch (rule.verdict) {
    case model::VerdictKind::None: break;
    case model::VerdictKind::Accept: out.push_back(Expr::verdict_imm(nft::kVerdictAccept)); break;
    case model::VerdictKind::Drop: out.push_back(Expr::verdict_imm(nft::kVerdictDrop)); break;
    case model::VerdictKind::Return: out.push_back(Expr::verdict_imm(nft::kVerdictReturn)); break;
    case model::VerdictKind::Jump:
      out.push_back(Expr::verdict_imm(nft::kVerdictJump, rule.jump_chain));
      break;
    case model::VerdictKind::Goto:
      out.push_back(Expr::verdict_imm(nft::kVerdictGoto, rule.jump_chain));
      break;
    case model::VerdictKind::Queue:
      // The old ip_queue target: an xt target with an empty (8 zero bytes) payload, which
      // this kernel no longer has.
      out.push_back(Expr::target("QUEUE", 0, nft::Bytes(8, 0)));
      break;
    case model::VerdictKind::Target: CX_TRY(rule.target->encode(out, ctx)); break;
  }
  return out;
}

namespace {

bool decode_iface(ext::ExprCursor& cur, model::IpHeader& ip) {
  const Expr* a = cur.peek(0);
  if (!a || a->kind != Expr::Kind::Meta || a->meta_set ||
      (a->key != nft::kMetaIifname && a->key != nft::kMetaOifname))
    return false;
  bool in = a->key == nft::kMetaIifname;
  std::string name;
  bool inv = false;
  const Expr* b = cur.peek(1);
  if (b && b->kind == Expr::Kind::Cmp && (b->op == nft::kEq || b->op == nft::kNeq)) {
    if (!b->data.empty() && b->data.back() == 0) {
      name.assign(b->data.begin(), b->data.end() - 1);
      while (!name.empty() && name.back() == '\0') name.pop_back();
    } else {
      name.assign(b->data.begin(), b->data.end());
      name += '+';
    }
    inv = b->op == nft::kNeq;
    cur.advance(2);
  } else {
    name = "+";
    cur.advance(1);
  }
  if (in) {
    ip.iniface = name;
    ip.inv_in = inv;
    ip.has_iniface = true;
  } else {
    ip.outiface = name;
    ip.inv_out = inv;
    ip.has_outiface = true;
  }
  return true;
}

bool decode_network(ext::ExprCursor& cur, model::IpHeader& ip, Family family) {
  const Expr* a = cur.peek(0);
  if (!a || a->kind != Expr::Kind::Payload || a->base != nft::kNetworkHeader) return false;
  const bool v4 = family == Family::V4;
  const int alen = addr_len(family);
  std::uint32_t src_off = v4 ? 12 : 8, dst_off = v4 ? 16 : 24;
  if (v4 && a->offset == 6 && a->len == 2) {
    const Expr* b = cur.peek(1);
    const Expr* c = cur.peek(2);
    if (b && c && b->kind == Expr::Kind::Bitwise && c->kind == Expr::Kind::Cmp &&
        b->mask == nft::be16(0x1fff)) {
      ip.frag = true;
      ip.inv_frag = c->op == nft::kEq;
      cur.advance(3);
      return true;
    }
    return false;
  }
  if ((a->offset != src_off && a->offset != dst_off) || a->len > static_cast<std::uint32_t>(alen))
    return false;
  model::Address addr;
  std::size_t used = 1;
  const Expr* b = cur.peek(1);
  if (b && b->kind == Expr::Kind::Bitwise) {
    // copy_n, not memcpy: an empty vector's data() may be null (a zero-length `! -s 0/0`).
    std::copy_n(b->mask.begin(), std::min<std::size_t>(b->mask.size(), 16), addr.mask.begin());
    b = cur.peek(2);
    used = 2;
  } else {
    std::memset(addr.mask.data(), 0xff, a->len);
  }
  if (!b || b->kind != Expr::Kind::Cmp || (b->op != nft::kEq && b->op != nft::kNeq)) return false;
  std::copy_n(b->data.begin(), std::min<std::size_t>(b->data.size(), 16), addr.addr.begin());
  bool inv = b->op == nft::kNeq;
  if (a->offset == src_off) {
    ip.src = addr;
    ip.inv_src = inv;
  } else {
    ip.dst = addr;
    ip.inv_dst = inv;
  }
  cur.advance(used + 1);
  return true;
}

}  // namespace

model::Rule decode_rule(const std::vector<Expr>& exprs, Family family) {
  model::Rule rule;
  ext::ExprCursor cur(exprs);
  ext::DecodeContext ctx{family, &rule.ip};
  while (!cur.done()) {
    const Expr* e = cur.peek();
    if (decode_iface(cur, rule.ip)) continue;
    if (e->kind == Expr::Kind::Meta && !e->meta_set && e->key == nft::kMetaL4proto) {
      const Expr* b = cur.peek(1);
      if (b && b->kind == Expr::Kind::Cmp && b->data.size() == 1 &&
          (b->op == nft::kEq || b->op == nft::kNeq)) {
        rule.ip.proto = b->data[0];
        rule.ip.inv_proto = b->op == nft::kNeq;
        cur.advance(2);
        continue;
      }
    }
    if (decode_network(cur, rule.ip, family)) continue;
    if (e->kind == Expr::Kind::Counter) {
      rule.counters = {e->packets, e->bytes};
      cur.advance();
      continue;
    }
    if (e->kind == Expr::Kind::Immediate && e->dreg == 0 && !e->imm_data) {
      switch (e->verdict) {
        case nft::kVerdictAccept: rule.verdict = model::VerdictKind::Accept; break;
        case nft::kVerdictDrop: rule.verdict = model::VerdictKind::Drop; break;
        case nft::kVerdictReturn: rule.verdict = model::VerdictKind::Return; break;
        case nft::kVerdictJump:
          rule.verdict = model::VerdictKind::Jump;
          rule.jump_chain = e->chain;
          break;
        case nft::kVerdictGoto:
          rule.verdict = model::VerdictKind::Goto;
          rule.jump_chain = e->chain;
          break;
        default: rule.incompatible = true; break;
      }
      cur.advance();
      continue;
    }
    if (e->kind == Expr::Kind::Match) {
      const ext::MatchType* t = ext::find_match_by_kernel_name(e->xt_name, family);
      std::unique_ptr<ext::Match> m;
      if (t) m = t->decode_compat(ctx, e->info);
      if (!m) {
        rule.incompatible = true;
        cur.advance();
        continue;
      }
      rule.matches.push_back(std::move(m));
      cur.advance();
      continue;
    }
    if (e->kind == Expr::Kind::Target) {
      const ext::TargetType* t = ext::find_target_by_kernel_name(e->xt_name, family);
      std::unique_ptr<ext::Target> tg;
      if (t) tg = t->decode_compat(ctx, e->info);
      if (!tg) {
        rule.incompatible = true;
        cur.advance();
        continue;
      }
      rule.verdict = model::VerdictKind::Target;
      rule.target = std::move(tg);
      cur.advance();
      continue;
    }
    bool lifted = false;
    for (const ext::MatchType* t : ext::all_matches()) {
      if (!t->decode_native || !ext::has_family(t->families, family)) continue;
      std::size_t before = cur.position();
      if (auto m = t->decode_native(cur, ctx)) {
        rule.matches.push_back(std::move(m));
        lifted = true;
        break;
      }
      cur.rewind(before);
    }
    if (lifted) continue;
    for (const ext::TargetType* t : ext::all_targets()) {
      if (!t->decode_native || !ext::has_family(t->families, family)) continue;
      std::size_t before = cur.position();
      if (auto tg = t->decode_native(cur, ctx)) {
        rule.verdict = model::VerdictKind::Target;
        rule.target = std::move(tg);
        lifted = true;
        break;
      }
      cur.rewind(before);
    }
    if (lifted) continue;
    rule.incompatible = true;
    cur.advance();
  }
  return rule;
}

}  // namespace cx::codec
