#pragma once
#include <cstdint>
#include <string_view>

namespace cx {

// NFPROTO_IPV4 / NFPROTO_IPV6: the nf_tables family numbers.
enum class Family : std::uint8_t { V4 = 2, V6 = 10 };

inline std::string_view family_name(Family f) { return f == Family::V4 ? "ip" : "ip6"; }
inline int addr_len(Family f) { return f == Family::V4 ? 4 : 16; }

}  // namespace cx
