// Small helpers shared by extension files: libxtables' standard messages and value parsers.
#pragma once
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "common/result.h"
#include "ext/extension.h"
#include "model/family.h"

namespace cx::ext {

inline Error cannot_invert(std::string_view ext, std::string_view opt) {
  return option_error(std::string(ext) + ": option \"" + std::string(opt) +
                      "\" cannot be inverted.");
}
// libxtables: an option without XTOPT_MULTI given twice.
inline Error only_once(std::string_view ext, std::string_view opt) {
  return option_error(std::string(ext) + ": option \"" + std::string(opt) +
                      "\" can only be used once.");
}
inline Error must_be_specified(std::string_view ext, std::string_view opt) {
  return option_error(std::string(ext) + ": option \"" + std::string(opt) + "\" must be specified");
}
inline Error bad_integer(std::string_view ext, std::string_view opt) {
  return option_error(std::string(ext) + ": bad integer value for option \"" + std::string(opt) +
                      "\", or out of range.");
}

// libxtables' range check of XTTYPE_UINT*: "EXT: bad value for option "--opt", or out of
// range (MIN-MAX)."
inline Error out_of_range(std::string_view ext, std::string_view opt, std::uint64_t min,
                          std::uint64_t max) {
  return option_error(std::string(ext) + ": bad value for option \"" + std::string(opt) +
                      "\", or out of range (" + std::to_string(min) + "-" + std::to_string(max) +
                      ").");
}
// xtables_param_act(XTF_BAD_VALUE): "EXT: Bad value for "--opt" option: "VALUE"".
inline Error bad_value(std::string_view ext, std::string_view opt, std::string_view value) {
  return parameter_error(std::string(ext) + ": Bad value for \"" + std::string(opt) +
                         "\" option: \"" + std::string(value) + "\"");
}
// libxtables' exclusion check (XTOPT excl): both names with "--".
inline Error cannot_combine(std::string_view ext, std::string_view a, std::string_view b) {
  return option_error(std::string(ext) + ": option \"" + std::string(a) +
                      "\" cannot be used together with \"" + std::string(b) + "\".");
}
// libxtables' "also" check.
inline Error also_requires(std::string_view ext, std::string_view a, std::string_view b) {
  return option_error(std::string(ext) + ": option \"" + std::string(a) + "\" also requires \"" +
                      std::string(b) + "\".");
}

// libxtables' xtables_strtoui as extensions call it on a whole word: strtoull base 0,
// leading blanks allowed, no '-', nothing after the number, at most `max`.
std::optional<std::uint64_t> xtables_strtoui(const std::string& s, std::uint64_t max);
// XTTYPE_UINT8/16/32/64: strtoul base 0 (decimal, 0x hex, 0 octal) within [min, max].
std::optional<std::uint64_t> parse_uint(std::string_view s, std::uint64_t min, std::uint64_t max);
// Same, returning the out_of_range() error.
Result<std::uint64_t> parse_uint_opt(std::string_view s, std::uint64_t min, std::uint64_t max,
                                     std::string_view ext, std::string_view opt);

// XTTYPE_UINT*RC: "N" (N:N), "A:B", "A:" (A:max), ":B" (0:B), numbers base 0. The errors are
// "EXT: bad value for option "--opt" near "REST", or out of range (0-MAX)." (REST: the text
// from the bad number to the end), "Argument to ... has unexpected characters near ..." and
// "Too many components ...".
Result<std::pair<std::uint64_t, std::uint64_t>> parse_range_u(std::string_view s, std::uint64_t max,
                                                              std::string_view ext,
                                                              std::string_view opt);

// Quotes a string the way iptables' save output does (xtables_save_string): bare when it
// consists only of [A-Za-z0-9_-] (and is not empty), else in double quotes with ", \ and '
// escaped by a backslash. No leading space.
std::string quote_string(std::string_view s);

// "VALUE[/MASK]" as libxtables' XTTYPE_MARKMASK32 reads it.
bool parse_mark_mask(std::string_view s, std::uint32_t& value, std::uint32_t& mask);
// Same, with libxtables' two errors: "trailing garbage after value" and "bad integer value".
Status parse_mark_mask(std::string_view s, std::uint32_t& value, std::uint32_t& mask,
                       std::string_view ext, std::string_view opt);

// Formats "0x%x" like iptables.
std::string hex(std::uint32_t v);
// Formats "0x%08x" (the cluster match's node mask and hash seed, HMARK's --hmark-rnd).
std::string hex08(std::uint32_t v);

// A fixed-size char field of an xt structure as a string (up to the first NUL), and the
// reverse: `v` copied into `dst` cut to n-1 bytes, the rest zero.
std::string cstr(const char* s, std::size_t n);
void set_cstr(char* dst, std::size_t n, std::string_view v);

// "--NAME" of the option with this id in an extension's option table; "" when none.
std::string opt_of(std::span<const OptionSpec> opts, int id);

// A target whose options never take "!" and may each appear once.
template <class Info>
class SimpleTarget : public Target {
 public:
  Info info{};
  unsigned seen = 0;
  Status check_once(int id, const OptionArg& arg, std::span<const OptionSpec> opts) {
    if (seen & (1u << id)) return only_once(name(), opt_of(opts, id));
    if (arg.invert) return cannot_invert(name(), opt_of(opts, id));
    seen |= 1u << id;
    return {};
  }
};

// Comma separated list of names from a table, each compared case-insensitively as a prefix of
// the table name (strncasecmp(table, word, strlen(word))), first match wins; used by several
// libxt parsers (conntrack states, ...). Returns the index or -1.
int prefix_lookup(std::string_view word, const char* const* names, std::size_t count);

// IPv4 / IPv6 address or mask text for an nf_inet_addr-like 16 byte buffer.
std::string addr_text(const std::uint8_t* a, Family f);
// xtables_ipmask_to_numeric / xtables_ip6mask_to_numeric: "" for a full mask, "/N" for a
// prefix, "/a.b.c.d" (or "/v6mask") otherwise.
std::string mask_suffix(const std::uint8_t* mask, Family f);
// Name of an address for -L without -n, as libxtables' *_to_anyname: the host name from a
// reverse lookup (IPv4 also tries /etc/networks), else the numeric form.
std::string addr_anyname(const std::uint8_t* a, Family f);
// A host for XTTYPE_HOST / XTTYPE_HOSTMASK: numeric or resolved with getaddrinfo. On failure
// the libxtables message "getaddrinfo: <gai_strerror>".
Status resolve_one(std::string_view host, Family f, std::uint8_t out[16]);
// libxtables' XTTYPE_PLEN: a prefix length up to the family's width, else a numeric address
// taken as a mask (IPv4 in inet_aton's forms, so "33" is 0.0.0.33); a mask that is not a
// prefix gives 255, which the kernel then refuses.
Result<std::uint8_t> parse_plen(std::string_view s, Family family, std::string_view ext,
                                std::string_view opt);
// XTTYPE_PLENMASK: the mask of such a length; 255 gives all ones.
void plen_mask(std::uint8_t len, std::uint8_t mask[16]);
// XTTYPE_HOSTMASK: "host[/len]", the length also written as a mask ("/ffff:ffff::" is /32).
// The address is not masked; a mask that is not a prefix gives all ones (libxtables keeps
// its length -1 in 8 bits); without a length the mask is all ones too.
Status parse_hostmask(std::string_view arg, Family f, std::string_view ext, std::string_view opt,
                      std::uint8_t addr[16], std::uint8_t mask[16]);
// DSCP class names (CS0-CS7, BE, AF11-AF43, EF; case-insensitive) to their value.
std::optional<std::uint8_t> dscp_class_value(std::string_view name);
// TOS symbolic names of libxt_tos/TOS: Minimize-Cost 0x02, Maximize-Reliability 0x04,
// Maximize-Throughput 0x08, Minimize-Delay 0x10, Normal-Service 0x00 (case-insensitive).
std::optional<std::uint8_t> tos_symbol_value(std::string_view name);
const char* tos_symbol_name(std::uint8_t value);  // nullptr when none
// XTTYPE_TOSMASK: "V[/M]" (M 0xff by default) or a symbolic name (M 0x3f); the error is
// "Symbolic name "x" is unknown". Returns {value, mask}.
Result<std::pair<std::uint8_t, std::uint8_t>> parse_tos_value(std::string_view s);
// iproute2-style "NUMBER NAME" files (/etc/iproute2/group, rt_realms): name -> number and
// number -> first name; '#' starts a comment.
std::optional<std::uint32_t> lookup_iproute2_name(const char* file, std::string_view name);
std::optional<std::string> iproute2_name_of(const char* file, std::uint32_t value);
// ipset lookups through getsockopt(SO_IP_SET), as libxt_set does: the index and family
// (NFPROTO_*) of a set by name, and the name of a set index. nullopt when there is none.
struct IpsetInfo {
  std::uint16_t index;
  std::uint32_t family;
};
std::optional<IpsetInfo> ipset_by_name(std::string_view name);
std::optional<std::string> ipset_name(std::uint16_t index);
// What iptables prints after its own -h for an extension (its type's help): "\nNAME match
// options:\n..." for -m NAME (or the match -p NAME loads), "\nNAME target options:\n..." for
// -j NAME; empty when unknown.
std::string_view extension_help(std::string_view name, bool target, Family family);
// Number of leading one bits in a mask of `bytes` bytes, -1 when not contiguous.
int mask_prefix_len(const std::uint8_t* mask, int bytes);

}  // namespace cx::ext

#include <vector>

#include "nft/expr.h"

namespace cx::ext {

// A port or port range option of tcp/udp/multiport ("22", "ssh", "1024:", ":80").
struct PortRange {
  std::uint16_t lo = 0, hi = 0xffff;
  bool operator==(const PortRange&) const = default;
};
Result<PortRange> parse_port_range(std::string_view s, std::string_view proto);
// Save form: "22" or "1024:65535".
std::string format_port_range(const PortRange& r);
// -L form: "dpt:ssh" / "dpts:1024:65535" (names unless numeric).
std::string list_port_range(const char* label, const PortRange& r, bool invert, bool numeric,
                            std::string_view proto);
// Native encoding of a transport header port match (iptables-nft: cmp for one port,
// range for a span).
void encode_port_range(std::vector<nft::Expr>& out, std::uint32_t offset, const PortRange& r,
                       bool invert);
// A port option that constrains nothing: absent, or 0:65535 not inverted.
inline bool port_unset(const std::optional<PortRange>& r, bool invert) {
  return !r || (r->lo == 0 && r->hi == 0xffff && !invert);
}
// Both ports of tcp/udp: two single ports become one 4-byte compare, as iptables-nft does;
// a port that constrains nothing (port_unset) emits nothing.
void encode_ports(std::vector<nft::Expr>& out, const std::optional<PortRange>& sport,
                  bool inv_sport, const std::optional<PortRange>& dport, bool inv_dport);
// The ports of a tcp or udp match as a lift fills them.
struct PortSlots {
  std::optional<PortRange>& sport;
  bool& inv_sport;
  std::optional<PortRange>& dport;
  bool& inv_dport;
};
// Whether a lift step compares transport ports (th+0 len 2 or 4, th+2 len 2).
bool is_port_step(const LiftStep& s);
// Reads a port comparison into the slots as iptables-nft 1.8.9 does into xt_tcp/xt_udp (a
// slot starts as 0:65535; "<", "<=", ">", ">=" move one end, "!=" inverts). A shape it would
// misread (a mask, two ports compared with "<") fails the lift instead.
void lift_ports(const LiftStep& s, LiftContext& ctx, const PortSlots& slots);

// The port fields of sctp and dccp (u16[2] in their xt structures): "A[:B]" with names as
// parse_port reads them, an empty A meaning 0 and an empty B 65535 (a single port is A:A);
// -L " spt:!N" / " spts:!A:B" after `label`, -S "N" / "A:B".
// libxtables' XTTYPE_PORT: a number (kept to 16 bits, as getaddrinfo's strtoul) or a service
// name of any protocol, else 'Port "X" does not resolve to anything.' and an empty line.
Result<std::uint16_t> parse_xt_port(std::string_view s);
// XTTYPE_PORTRC: "a", "a:b", "a:", ":b" (0 and 65535 for a missing end), each a parse_xt_port,
// read left to right; a third part is "EXT: Too many components for option "OPT" (max: 2)".
Result<std::pair<std::uint16_t, std::uint16_t>> parse_xt_portrc(std::string_view s,
                                                                std::string_view ext,
                                                                std::string_view opt);
Result<std::pair<std::uint16_t, std::uint16_t>> parse_xt_ports(std::string_view s,
                                                               const char* proto);
// -L " spt:N" / " spts:A:B" ("!" after the colon) as libxt_sctp and libxt_dccp print them:
// names of `proto` services unless numeric, nothing for 0:65535 not inverted.
std::string list_xt_ports(const char* label, const std::uint16_t* p, bool inv, bool numeric,
                          const char* proto);
// XTTYPE_PROTOCOL (xtables_parse_protocol): a number in any base up to 255, else a name as
// written (case-sensitive, unlike -p, which iptables lowercases first): iptables' own names,
// then /etc/protocols.
Result<std::uint8_t> parse_xt_protocol(std::string_view s);
std::string save_xt_ports(const std::uint16_t* p);

}  // namespace cx::ext
