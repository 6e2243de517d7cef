// Parsing and printing of the values iptables takes: numbers, addresses, masks, ports,
// protocols, interface names. Messages are iptables' own.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "model/family.h"
#include "model/rule.h"

namespace cx {

// Strict unsigned parse (decimal, 0x hex, or leading-0 octal as strtoul base 0).
std::optional<std::uint64_t> parse_unsigned(std::string_view s, std::uint64_t max,
                                            int base = 0);

// -p: "tcp", "6", "all", names from /etc/protocols. Error: unknown protocol "X" specified.
Result<std::uint8_t> parse_protocol(std::string_view s);
// Name used in save/-S output; numeric when there is none.
std::string protocol_name(std::uint8_t proto, Family family);
// iptables' own name of a protocol (libxtables' table: tcp, udp, icmp, ...), without reading
// /etc/protocols; nothing for the others.
std::optional<std::string_view> builtin_protocol_name(std::uint8_t proto);

// A port number or service name for `proto` ("tcp", "udp", ...).
Result<std::uint16_t> parse_port(std::string_view s, std::string_view proto);
std::optional<std::uint16_t> service_port(std::string_view s, std::string_view proto);
std::string port_service_name(std::uint16_t port, std::string_view proto);

// -s / -d: comma separated list of address[/mask].
Result<std::vector<model::Address>> parse_addresses(std::string_view s, Family family);
std::string format_address(const std::uint8_t* addr, Family family);
// "a.b.c.d/len" or with a dotted mask when not contiguous, as iptables -S prints.
std::string format_address_mask(const model::Address& a, Family family);
// -L form: "a.b.c.d" for host routes, "anywhere"/"0.0.0.0/0", etc.
std::string format_address_list(const model::Address* a, bool invert, Family family,
                                bool numeric);

// -i / -o
Status check_interface(std::string_view s);

std::vector<std::string> split(std::string_view s, char sep);
std::string to_lower(std::string_view s);

}  // namespace cx
