#include "nft/expr.h"

#include <cstring>

namespace cx::nft {

Expr Expr::payload(std::uint32_t base, std::uint32_t offset, std::uint32_t len,
                   std::uint32_t dreg) {
  Expr e;
  e.kind = Kind::Payload;
  e.base = base;
  e.offset = offset;
  e.len = len;
  e.dreg = dreg;
  return e;
}

Expr Expr::meta_load(std::uint32_t key, std::uint32_t dreg) {
  Expr e;
  e.kind = Kind::Meta;
  e.key = key;
  e.dreg = dreg;
  return e;
}

Expr Expr::meta_set_reg(std::uint32_t key, std::uint32_t sreg) {
  Expr e;
  e.kind = Kind::Meta;
  e.key = key;
  e.sreg = sreg;
  e.meta_set = true;
  return e;
}

Expr Expr::cmp(std::uint32_t op, Bytes data, std::uint32_t sreg) {
  Expr e;
  e.kind = Kind::Cmp;
  e.op = op;
  e.data = std::move(data);
  e.sreg = sreg;
  return e;
}

Expr Expr::bitwise(std::uint32_t len, Bytes mask, Bytes xor_bits, std::uint32_t reg) {
  Expr e;
  e.kind = Kind::Bitwise;
  e.len = len;
  e.mask = std::move(mask);
  e.xor_bits = std::move(xor_bits);
  e.sreg = reg;
  e.dreg = reg;
  return e;
}

Expr Expr::range(std::uint32_t op, Bytes from, Bytes to, std::uint32_t sreg) {
  Expr e;
  e.kind = Kind::Range;
  e.op = op;
  e.data = std::move(from);
  e.to_data = std::move(to);
  e.sreg = sreg;
  return e;
}

Expr Expr::counter(std::uint64_t packets, std::uint64_t bytes) {
  Expr e;
  e.kind = Kind::Counter;
  e.packets = packets;
  e.bytes = bytes;
  return e;
}

Expr Expr::verdict_imm(std::int32_t code, std::string chain) {
  Expr e;
  e.kind = Kind::Immediate;
  e.dreg = 0;
  e.verdict = code;
  e.chain = std::move(chain);
  return e;
}

Expr Expr::data_imm(std::uint32_t dreg, Bytes value) {
  Expr e;
  e.kind = Kind::Immediate;
  e.dreg = dreg;
  e.imm_data = std::move(value);
  return e;
}

Expr Expr::match(std::string name, std::uint32_t rev, Bytes info) {
  Expr e;
  e.kind = Kind::Match;
  e.xt_name = std::move(name);
  e.xt_rev = rev;
  e.info = std::move(info);
  return e;
}

Expr Expr::target(std::string name, std::uint32_t rev, Bytes info) {
  Expr e = match(std::move(name), rev, std::move(info));
  e.kind = Kind::Target;
  return e;
}

Expr Expr::lookup(std::string set, std::uint32_t sreg, std::optional<std::uint32_t> dreg) {
  Expr e;
  e.kind = Kind::Other;
  e.other_name = "lookup";
  e.set_name = std::move(set);
  e.sreg = sreg;
  e.lookup_dreg = dreg;
  return e;
}

Expr Expr::byteorder_hton(std::uint32_t sreg, std::uint32_t dreg, std::uint32_t size,
                          std::uint32_t len) {
  Expr e;
  e.kind = Kind::Other;
  e.other_name = "byteorder";
  e.sreg = sreg;
  e.dreg = dreg;
  e.op = 1;
  e.size = size;
  e.len = len;
  return e;
}

Bytes be16(std::uint16_t v) { return {static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v)}; }
Bytes be32(std::uint32_t v) {
  return {static_cast<std::uint8_t>(v >> 24), static_cast<std::uint8_t>(v >> 16),
          static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v)};
}
Bytes host32(std::uint32_t v) {
  Bytes b(4);
  std::memcpy(b.data(), &v, 4);
  return b;
}

const char* kernel_name(Expr::Kind kind) {
  switch (kind) {
    case Expr::Kind::Payload:
      return "payload";
    case Expr::Kind::Meta:
      return "meta";
    case Expr::Kind::Cmp:
      return "cmp";
    case Expr::Kind::Bitwise:
      return "bitwise";
    case Expr::Kind::Range:
      return "range";
    case Expr::Kind::Counter:
      return "counter";
    case Expr::Kind::Immediate:
      return "immediate";
    case Expr::Kind::Limit:
      return "limit";
    case Expr::Kind::Log:
      return "log";
    case Expr::Kind::Match:
      return "match";
    case Expr::Kind::Target:
      return "target";
    case Expr::Kind::Other:
      break;
  }
  return nullptr;
}

}  // namespace cx::nft
