// What cxtables trace / lint / apply share: loading a ruleset (kernel or save file), the
// host's addresses and routes, entering a network namespace, the packet options.
#pragma once
#include <string>
#include <vector>

#include "common/result.h"
#include "eval/pipeline.h"

namespace cx::tools {

Result<std::string> read_text_file(const std::string& path);

// The live ruleset of `family` (every iptables table that exists), or the tables of a save
// file. Base chains the kernel does not have are left out (they are not hooked).
Result<eval::Ruleset> load_live_ruleset(Family family);
Result<eval::Ruleset> load_file_ruleset(Family family, const std::string& path);
Result<eval::Ruleset> ruleset_from_text(Family family, const std::string& text);

// setns(2) into /run/netns/NAME (ip netns add NAME).
Status enter_netns(const std::string& name);

// Addresses of this host's interfaces (getifaddrs), for one family.
std::vector<std::pair<std::string, eval::Addr>> host_addresses(Family family);
// The kernel's route for `dst` (RTM_GETROUTE): the out interface name.
std::optional<std::string> kernel_route(const eval::Addr& dst, Family family);

// The packet options shared by trace's command line, its --batch lines and apply.
struct PacketArgs {
  eval::Packet packet;
  bool family_given = false, src_given = false, dst_given = false;
  bool sport_given = false, dport_given = false, flags_given = false, icmp_given = false;
  eval::Options::Path path = eval::Options::Path::Auto;
  bool outgoing = false;
  std::map<std::string, bool> assume;
};

// Consumes the packet option at args[i] (and its value); returns false if args[i] is not a
// packet option. Errors are parameter errors.
Result<bool> parse_packet_option(const std::vector<std::string>& args, std::size_t& i,
                                 PacketArgs& pa);
// Defaults for what was not given (addresses, ports, ICMP type), once the family is known.
Status finish_packet(PacketArgs& pa);

}  // namespace cx::tools
