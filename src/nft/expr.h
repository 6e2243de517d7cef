// One value type for every kernel expression iptables-nft emits. Extensions build and read
// these; only nft/netlink.cpp turns them into libnftnl objects and back. An attribute that
// iptables-nft does not send stays unset here, so the batch carries the same attributes.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace cx::nft {

using Bytes = std::vector<std::uint8_t>;

// Kernel names: NFT_PAYLOAD_*_HEADER, NFT_META_*, NFT_CMP_*, NFT_RANGE_*, verdict codes.
enum PayloadBase : std::uint32_t { kLinkLayer = 0, kNetworkHeader = 1, kTransportHeader = 2 };
enum MetaKey : std::uint32_t {
  kMetaLen = 0, kMetaProtocol = 1, kMetaMark = 3, kMetaIif = 4, kMetaOif = 5,
  kMetaIifname = 6, kMetaOifname = 7, kMetaL4proto = 16, kMetaNftrace = 12,
  kMetaBriIifname = 17, kMetaBriOifname = 18, kMetaPkttype = 19,
};
enum CmpOp : std::uint32_t { kEq = 0, kNeq = 1, kLt = 2, kLte = 3, kGt = 4, kGte = 5 };
enum VerdictCode : std::int32_t {
  kVerdictDrop = 0, kVerdictAccept = 1, kVerdictContinue = -1, kVerdictJump = -3,
  kVerdictGoto = -4, kVerdictReturn = -5,
};

struct Expr {
  enum class Kind { Payload, Meta, Cmp, Bitwise, Range, Counter, Immediate, Limit, Log, Match,
                    Target, Other };
  Kind kind = Kind::Other;
  std::string other_name;  // Kind::Other: the kernel's expression name

  std::uint32_t dreg = 0, sreg = 0;
  bool meta_set = false;  // meta with SREG (meta set) instead of DREG
  std::uint32_t base = 0, offset = 0, len = 0;  // payload; len also for bitwise
  std::uint32_t key = 0;                          // meta key
  std::uint32_t op = 0;                           // cmp / range op
  std::optional<std::uint32_t> bitwise_op;
  Bytes data, mask, xor_bits, to_data;
  std::uint64_t packets = 0, bytes = 0;  // counter
  std::int32_t verdict = 0;              // immediate verdict code
  std::string chain;                      // immediate jump/goto target
  std::optional<Bytes> imm_data;          // immediate with a data value instead of a verdict
  std::uint64_t rate = 0, unit = 0;       // limit
  std::uint32_t burst = 0, limit_type = 0, limit_flags = 0;
  std::optional<std::string> log_prefix;  // log
  std::optional<std::uint16_t> log_group;
  std::optional<std::uint32_t> log_snaplen;
  std::optional<std::uint16_t> log_qthreshold;
  std::optional<std::uint32_t> log_level, log_flags;
  std::string xt_name;  // match / target
  std::uint32_t xt_rev = 0;
  Bytes info;
  // Kind::Other "lookup": the set (sreg, and dreg when it is a map), "byteorder": sreg, dreg,
  // op, len and size. Read and written by nft/netlink.cpp only for those two names.
  std::string set_name;
  std::optional<std::uint32_t> set_id, lookup_dreg;
  std::uint32_t lookup_flags = 0;  // NFT_LOOKUP_F_INV (1): matches what the set lacks
  std::uint32_t size = 0;

  bool operator==(const Expr&) const = default;

  static Expr payload(std::uint32_t base, std::uint32_t offset, std::uint32_t len,
                      std::uint32_t dreg = 1);
  static Expr meta_load(std::uint32_t key, std::uint32_t dreg = 1);
  static Expr meta_set_reg(std::uint32_t key, std::uint32_t sreg);
  static Expr cmp(std::uint32_t op, Bytes data, std::uint32_t sreg = 1);
  static Expr bitwise(std::uint32_t len, Bytes mask, Bytes xor_bits, std::uint32_t reg = 1);
  static Expr range(std::uint32_t op, Bytes from, Bytes to, std::uint32_t sreg = 1);
  static Expr counter(std::uint64_t packets = 0, std::uint64_t bytes = 0);
  static Expr verdict_imm(std::int32_t code, std::string chain = {});
  static Expr data_imm(std::uint32_t dreg, Bytes value);
  static Expr match(std::string name, std::uint32_t rev, Bytes info);
  static Expr target(std::string name, std::uint32_t rev, Bytes info);
  // "lookup reg SREG set NAME [dreg DREG]" (a verdict map: dreg 0, NFT_REG_VERDICT).
  static Expr lookup(std::string set, std::uint32_t sreg,
                     std::optional<std::uint32_t> dreg = std::nullopt);
  // "byteorder reg DREG = hton(reg SREG, SIZE, LEN)" (op 1, NFT_BYTEORDER_HTON).
  static Expr byteorder_hton(std::uint32_t sreg, std::uint32_t dreg, std::uint32_t size,
                             std::uint32_t len);
};

// The kernel's name of an expression kind ("payload", "cmp", ...); null for Kind::Other,
// whose name is the expression's own other_name.
const char* kernel_name(Expr::Kind kind);

// Helpers for building byte strings in network order.
Bytes be16(std::uint16_t v);
Bytes be32(std::uint32_t v);
Bytes host32(std::uint32_t v);

}  // namespace cx::nft
