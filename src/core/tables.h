// The tables iptables-nft knows and the base chains it creates in them.
#pragma once
#include <cstdint>
#include <span>
#include <string_view>

namespace cx::core {

struct BuiltinChain {
  std::string_view name;
  std::uint32_t hooknum;
  std::int32_t priority;
  std::string_view type;
};

struct TableSpec {
  std::string_view name;
  std::span<const BuiltinChain> chains;
};

const TableSpec* find_table(std::string_view name);
const BuiltinChain* find_builtin(const TableSpec& t, std::string_view chain);
// The order iptables-save prints existing tables in.
std::span<const std::string_view> save_order();

}  // namespace cx::core
