// libFuzzer target: lifting kernel expressions into rules (cx::codec::decode_rule) and every
// extension's decode_compat on raw xt payloads.
//
// Input format (little endian; a read past the end gives zeros, so every input is valid):
//   byte 0: bit 0 family (0 IPv4, 1 IPv6); bits 1-2 mode:
//     0, 1: an expression list, decoded with codec::decode_rule
//     2:    one xt match payload:  str kernel_name, u8 proto, rest = info
//     3:    one xt target payload: str kernel_name, u8 proto, rest = info
//   An expression list is up to 64 records "u8 kind" + fields by kind (see read_expr).
//   str / bytes: u8 length, then that many bytes; info: u16 length, then the bytes.
// The kernel name picks the extension with that xt name; an unknown name picks one by its
// first byte, so every decode_compat is reached. tests/fuzz/make-seeds.sh writes this format
// from the `tx` lines of the golden corpus.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "ext/extension.h"
#include "fuzz_common.h"

namespace {

using cx::nft::Bytes;
using cx::nft::Expr;

class Reader {
 public:
  Reader(const std::uint8_t* d, std::size_t n) : d_(d), n_(n) {}
  bool done() const { return pos_ >= n_; }
  std::uint8_t u8() { return pos_ < n_ ? d_[pos_++] : 0; }
  std::uint16_t u16() { return static_cast<std::uint16_t>(u8() | (u8() << 8)); }
  std::uint32_t u32() { return u16() | (static_cast<std::uint32_t>(u16()) << 16); }
  std::uint64_t u64() { return u32() | (static_cast<std::uint64_t>(u32()) << 32); }
  Bytes bytes(std::size_t len) {
    Bytes b;
    while (len-- && pos_ < n_) b.push_back(d_[pos_++]);
    return b;
  }
  Bytes bytes8() { return bytes(u8()); }
  std::string str() {
    Bytes b = bytes8();
    return std::string(b.begin(), b.end());
  }
  Bytes rest() { return bytes(n_ - pos_); }

 private:
  const std::uint8_t* d_;
  std::size_t n_, pos_ = 0;
};

Expr read_expr(Reader& r) {
  Expr e;
  const int kind = r.u8() % 12;
  switch (kind) {
    case 0:  // payload: dreg base offset len
      e.kind = Expr::Kind::Payload;
      e.dreg = r.u8();
      e.base = r.u8();
      e.offset = r.u32();
      e.len = r.u32();
      break;
    case 1:  // meta: set? key reg
      e.kind = Expr::Kind::Meta;
      e.meta_set = r.u8() & 1;
      e.key = r.u32();
      (e.meta_set ? e.sreg : e.dreg) = r.u8();
      break;
    case 2:  // cmp: sreg op data
      e.kind = Expr::Kind::Cmp;
      e.sreg = r.u8();
      e.op = r.u32();
      e.data = r.bytes8();
      break;
    case 3: {  // bitwise: sreg dreg len op(0xff: none) mask xor
      e.kind = Expr::Kind::Bitwise;
      e.sreg = r.u8();
      e.dreg = r.u8();
      e.len = r.u32();
      std::uint8_t op = r.u8();
      if (op != 0xff) e.bitwise_op = op;
      e.mask = r.bytes8();
      e.xor_bits = r.bytes8();
      break;
    }
    case 4:  // range: sreg op from to
      e.kind = Expr::Kind::Range;
      e.sreg = r.u8();
      e.op = r.u32();
      e.data = r.bytes8();
      e.to_data = r.bytes8();
      break;
    case 5:  // counter: packets bytes
      e.kind = Expr::Kind::Counter;
      e.packets = r.u64();
      e.bytes = r.u64();
      break;
    case 6: {  // immediate: dreg flags(bit 0: data) data | verdict chain
      e.kind = Expr::Kind::Immediate;
      e.dreg = r.u8();
      if (r.u8() & 1) {
        e.imm_data = r.bytes8();
      } else {
        e.verdict = static_cast<std::int32_t>(r.u32());
        e.chain = r.str();
      }
      break;
    }
    case 7:  // limit: rate unit burst type flags
      e.kind = Expr::Kind::Limit;
      e.rate = r.u64();
      e.unit = r.u64();
      e.burst = r.u32();
      e.limit_type = r.u32();
      e.limit_flags = r.u32();
      break;
    case 8: {  // log: presence bits, then prefix group snaplen qthreshold level flags
      e.kind = Expr::Kind::Log;
      std::uint8_t has = r.u8();
      if (has & 1) e.log_prefix = r.str();
      if (has & 2) e.log_group = r.u16();
      if (has & 4) e.log_snaplen = r.u32();
      if (has & 8) e.log_qthreshold = r.u16();
      if (has & 16) e.log_level = r.u32();
      if (has & 32) e.log_flags = r.u32();
      break;
    }
    case 9:   // match: name rev info
    case 10:  // target: name rev info
      e.kind = kind == 9 ? Expr::Kind::Match : Expr::Kind::Target;
      e.xt_name = r.str();
      e.xt_rev = r.u8();
      e.info = r.bytes(r.u16());
      break;
    default:  // another kernel expression
      e.kind = Expr::Kind::Other;
      e.other_name = r.str();
      break;
  }
  return e;
}

void exercise_ext(const cx::ext::Extension& x, cx::Family family, const cx::model::IpHeader& ip) {
  cx::ext::SaveContext sc{family, &ip};
  std::string out;
  x.save(out, sc);
  x.list(out, false, sc);
  x.list(out, true, sc);
  (void)x.name();
  std::vector<std::string> warnings;
  cx::ext::RuleContext rc;
  rc.family = family;
  rc.ip = &ip;
  rc.table = "filter";
  rc.program = cx::fuzz::program_of(family);
  rc.warnings = &warnings;
  std::vector<Expr> exprs;
  (void)x.encode(exprs, rc);
}

template <class Types, class Find>
void compat(Reader& r, cx::Family family, Types all, Find find) {
  std::string name = r.str();
  cx::model::IpHeader ip;
  ip.proto = r.u8();
  Bytes info = r.rest();
  auto type = find(name, family);
  if (!type && !all.empty()) type = all[(name.empty() ? 0 : name[0]) % all.size()];
  if (!type || !type->decode_compat || !cx::ext::has_family(type->families, family)) return;
  cx::ext::DecodeContext dc{family, &ip};
  if (auto x = type->decode_compat(dc, info)) {
    exercise_ext(*x, family, ip);
    auto copy = x->clone();
    exercise_ext(*copy, family, ip);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 16384) return 0;
  Reader r(data, size);
  const std::uint8_t head = r.u8();
  const cx::Family family = (head & 1) ? cx::Family::V6 : cx::Family::V4;
  switch ((head >> 1) & 3) {
    case 2:
      compat(r, family, cx::ext::all_matches(), cx::ext::find_match_by_kernel_name);
      return 0;
    case 3:
      compat(r, family, cx::ext::all_targets(), cx::ext::find_target_by_kernel_name);
      return 0;
    default:
      break;
  }
  std::vector<Expr> exprs;
  while (!r.done() && exprs.size() < 64) exprs.push_back(read_expr(r));
  cx::model::Rule rule = cx::codec::decode_rule(exprs, family);
  cx::fuzz::exercise_rule(rule, family, "filter", false);
  return 0;
}
