// The text iptables / ip6tables 1.8.9 print after their own -h for each extension this
// project implements ("-m NAME -h", "-j NAME -h", or the match loaded by "-p NAME -h"), as
// captured from the reference binaries: "\nNAME match options:\n..." (a blank line first).
#include "ext/extension.h"
#include "ext/util.h"

namespace cx::ext {
namespace {

struct HelpText {
  const char* name;
  bool target;
  unsigned families;  // FamilyMask: the text is the same for both where kBoth
  const char* text;
};

constexpr HelpText kHelp[] = {
    {"tcp", false, kBoth, R"HELP(
tcp match options:
[!] --tcp-flags mask comp	match when TCP flags & mask == comp
				(Flags: SYN ACK FIN RST URG PSH ALL NONE)
[!] --syn			match when only SYN flag set
				(equivalent to --tcp-flags SYN,RST,ACK,FIN SYN)
[!] --source-port port[:port]
 --sport ...
				match source port(s)
[!] --destination-port port[:port]
 --dport ...
				match destination port(s)
[!] --tcp-option number        match if TCP option set
)HELP"},
    {"udp", false, kBoth, R"HELP(
udp match options:
[!] --source-port port[:port]
 --sport ...
				match source port(s)
[!] --destination-port port[:port]
 --dport ...
				match destination port(s)
)HELP"},
    {"comment", false, kBoth, R"HELP(
comment match options:
--comment COMMENT             Attach a comment to a rule
)HELP"},
    {"mark", false, kBoth, R"HELP(
mark match options:
[!] --mark value[/mask]    Match nfmark value with optional mask
)HELP"},
    {"limit", false, kBoth, R"HELP(
limit match options:
--limit avg			max average match rate: default 3/hour
                                [Packets per second unless followed by 
                                /sec /minute /hour /day postfixes]
--limit-burst number		number to match in a burst, default 5
)HELP"},
    {"conntrack", false, kBoth, R"HELP(
conntrack match options:
[!] --ctstate {INVALID|ESTABLISHED|NEW|RELATED|UNTRACKED|SNAT|DNAT}[,...]
                               State(s) to match
[!] --ctproto proto            Protocol to match; by number or name, e.g. "tcp"
[!] --ctorigsrc address[/mask]
[!] --ctorigdst address[/mask]
[!] --ctreplsrc address[/mask]
[!] --ctrepldst address[/mask]
                               Original/Reply source/destination address
[!] --ctorigsrcport port
[!] --ctorigdstport port
[!] --ctreplsrcport port
[!] --ctrepldstport port
                               TCP/UDP/SCTP orig./reply source/destination port
[!] --ctstatus {NONE|EXPECTED|SEEN_REPLY|ASSURED|CONFIRMED}[,...]
                               Status(es) to match
[!] --ctexpire time[:time]     Match remaining lifetime in seconds against
                               value or range of values (inclusive)
    --ctdir {ORIGINAL|REPLY}   Flow direction of packet
)HELP"},
    {"state", false, kBoth, R"HELP(
state match options:
 [!] --state [INVALID|ESTABLISHED|NEW|RELATED|UNTRACKED][,...]
				State(s) to match
)HELP"},
    {"multiport", false, kBoth, R"HELP(
multiport match options:
[!] --source-ports port[,port:port,port...]
 --sports ...
				match source port(s)
[!] --destination-ports port[,port:port,port...]
 --dports ...
				match destination port(s)
[!] --ports port[,port:port,port]
				match both source and destination port(s)
)HELP"},
    {"icmp", false, kV4, R"HELP(
icmp match options:
[!] --icmp-type typename	match icmp type
[!] --icmp-type type[/code]	(or numeric type or type/code)
Valid ICMP Types:
any
echo-reply (pong)
destination-unreachable
   network-unreachable
   host-unreachable
   protocol-unreachable
   port-unreachable
   fragmentation-needed
   source-route-failed
   network-unknown
   host-unknown
   network-prohibited
   host-prohibited
   TOS-network-unreachable
   TOS-host-unreachable
   communication-prohibited
   host-precedence-violation
   precedence-cutoff
source-quench
redirect
   network-redirect
   host-redirect
   TOS-network-redirect
   TOS-host-redirect
echo-request (ping)
router-advertisement
router-solicitation
time-exceeded (ttl-exceeded)
   ttl-zero-during-transit
   ttl-zero-during-reassembly
parameter-problem
   ip-header-bad
   required-option-missing
timestamp-request
timestamp-reply
address-mask-request
address-mask-reply
)HELP"},
    {"addrtype", false, kBoth, R"HELP(
Address type match options:
 [!] --src-type type[,...]      Match source address type
 [!] --dst-type type[,...]      Match destination address type
     --limit-iface-in           Match only on the packet's incoming device
     --limit-iface-out          Match only on the packet's outgoing device

Valid types:           
                                UNSPEC
                                UNICAST
                                LOCAL
                                BROADCAST
                                ANYCAST
                                MULTICAST
                                BLACKHOLE
                                UNREACHABLE
                                PROHIBIT
                                THROW
                                NAT
                                XRESOLVE
)HELP"},
    {"recent", false, kBoth, R"HELP(
recent match options:
[!] --set                       Add source address to list, always matches.
[!] --rcheck                    Match if source address in list.
[!] --update                    Match if source address in list, also update last-seen time.
[!] --remove                    Match if source address in list, also removes that address from list.
    --seconds seconds           For check and update commands above.
                                Specifies that the match will only occur if source address last seen within
                                the last 'seconds' seconds.
    --reap                      Purge entries older then 'seconds'.
                                Can only be used in conjunction with the seconds option.
    --hitcount hits             For check and update commands above.
                                Specifies that the match will only occur if source address seen hits times.
                                May be used in conjunction with the seconds option.
    --rttl                      For check and update commands above.
                                Specifies that the match will only occur if the source address and the TTL
                                match between this packet and the one which was set.
                                Useful if you have problems with people spoofing their source address in order
                                to DoS you via this module.
    --name name                 Name of the recent list to be used.  DEFAULT used if none given.
    --rsource                   Match/Save the source address of each packet in the recent list table (default).
    --rdest                     Match/Save the destination address of each packet in the recent list table.
    --mask netmask              Netmask that will be applied to this recent list.
xt_recent by: Stephen Frost <sfrost@snowman.net>.
)HELP"},
    {"owner", false, kBoth, R"HELP(
owner match options:
[!] --uid-owner userid[-userid]      Match local UID
[!] --gid-owner groupid[-groupid]    Match local GID
[!] --socket-exists                  Match if socket exists
    --suppl-groups                   Also match supplementary groups set with --gid-owner
)HELP"},
    {"iprange", false, kBoth, R"HELP(
iprange match options:
[!] --src-range ip[-ip]    Match source IP in the specified range
[!] --dst-range ip[-ip]    Match destination IP in the specified range
)HELP"},
    {"mac", false, kBoth, R"HELP(
mac match options:
[!] --mac-source XX:XX:XX:XX:XX:XX
				Match source MAC address
)HELP"},
    {"pkttype", false, kBoth, R"HELP(
pkttype match options:
[!] --pkt-type packettype    match packet type
Valid packet types:
	unicast       		to us
	broadcast     		to all
	multicast     		to group
	otherhost     		to someone else

)HELP"},
    {"length", false, kBoth, R"HELP(
length match options:
[!] --length length[:length]    Match packet length against value or range
                                of values (inclusive)
)HELP"},
    {"connmark", false, kBoth, R"HELP(
connmark match options:
[!] --mark value[/mask]    Match ctmark value with optional mask
)HELP"},
    {"dscp", false, kBoth, R"HELP(
dscp match options
[!] --dscp value		Match DSCP codepoint with numerical value
  		                This value can be in decimal (ex: 32)
               		or in hex (ex: 0x20)
[!] --dscp-class name		Match the DiffServ class. This value may
				be any of the BE,EF, AFxx or CSx classes

				These two options are mutually exclusive !
)HELP"},
    {"tos", false, kBoth, R"HELP(
tos match options:
[!] --tos value[/mask]    Match Type of Service/Priority field value
[!] --tos symbol          Match TOS field (IPv4 only) by symbol
                          Accepted symbolic names for value are:
                          (0x10) 16 Minimize-Delay
                          (0x08)  8 Maximize-Throughput
                          (0x04)  4 Maximize-Reliability
                          (0x02)  2 Minimize-Cost
                          (0x00)  0 Normal-Service

)HELP"},
    {"ttl", false, kV4, R"HELP(
ttl match options:
[!] --ttl-eq value	Match time to live value
  --ttl-lt value	Match TTL < value
  --ttl-gt value	Match TTL > value
)HELP"},
    {"ecn", false, kBoth, R"HELP(
ECN match options
[!] --ecn-tcp-cwr 		Match CWR bit of TCP header
[!] --ecn-tcp-ece		Match ECE bit of TCP header
[!] --ecn-ip-ect [0..3]	Match ECN codepoint in IPv4/IPv6 header
)HELP"},
    {"physdev", false, kBoth, R"HELP(
physdev match options:
 [!] --physdev-in inputname[+]		bridge port name ([+] for wildcard)
 [!] --physdev-out outputname[+]	bridge port name ([+] for wildcard)
 [!] --physdev-is-in			arrived on a bridge device
 [!] --physdev-is-out			will leave on a bridge device
 [!] --physdev-is-bridged		it's a bridged packet
)HELP"},
    {"devgroup", false, kBoth, R"HELP(
devgroup match options:
[!] --src-group value[/mask]	Match device group of incoming device
[!] --dst-group value[/mask]	Match device group of outgoing device
)HELP"},
    {"hashlimit", false, kBoth, R"HELP(
hashlimit match options:
  --hashlimit-upto <avg>           max average match rate
                                   [Packets per second unless followed by 
                                   /sec /minute /hour /day postfixes]
  --hashlimit-above <avg>          min average match rate
  --hashlimit-mode <mode>          mode is a comma-separated list of
                                   dstip,srcip,dstport,srcport (or none)
  --hashlimit-srcmask <length>     source address grouping prefix length
  --hashlimit-dstmask <length>     destination address grouping prefix length
  --hashlimit-name <name>          name for /proc/net/ipt_hashlimit
  --hashlimit-burst <num>	    number to match in a burst, default 5
  --hashlimit-htable-size <num>    number of hashtable buckets
  --hashlimit-htable-max <num>     number of hashtable entries
  --hashlimit-htable-gcinterval    interval between garbage collection runs
  --hashlimit-htable-expire        after which time are idle entries expired?
  --hashlimit-rate-match           rate match the flow without rate-limiting it
  --hashlimit-rate-interval        interval in seconds for hashlimit-rate-match

)HELP"},
    {"set", false, kBoth, R"HELP(
set match options:
 [!] --match-set name flags [--return-nomatch]
   [! --update-counters] [! --update-subcounters]
   [[!] --packets-eq value | --packets-lt value | --packets-gt value
   [[!] --bytes-eq value | --bytes-lt value | --bytes-gt value
		 'name' is the set name from to match,
		 'flags' are the comma separated list of
		 'src' and 'dst' specifications.
)HELP"},
    {"time", false, kBoth, R"HELP(
time match options:
    --datestart time     Start and stop time, to be given in ISO 8601
    --datestop time      (YYYY[-MM[-DD[Thh[:mm[:ss]]]]])
    --timestart time     Start and stop daytime (hh:mm[:ss])
    --timestop time      (between 00:00:00 and 23:59:59)
[!] --monthdays value    List of days on which to match, separated by comma
                         (Possible days: 1 to 31; defaults to all)
[!] --weekdays value     List of weekdays on which to match, sep. by comma
                         (Possible days: Mon,Tue,Wed,Thu,Fri,Sat,Sun or 1 to 7
                         Defaults to all weekdays.)
    --kerneltz           Work with the kernel timezone instead of UTC
)HELP"},
    {"string", false, kBoth, R"HELP(
string match options:
--from                       Offset to start searching from
--to                         Offset to stop searching
--algo                       Algorithm
--icase                      Ignore case (default: 0)
[!] --string string          Match a string in a packet
[!] --hex-string string      Match a hex string in a packet
)HELP"},
    {"connlimit", false, kBoth, R"HELP(
connlimit match options:
  --connlimit-upto n     match if the number of existing connections is 0..n
  --connlimit-above n    match if the number of existing connections is >n
  --connlimit-mask n     group hosts using prefix length (default: max len)
  --connlimit-saddr      select source address for grouping
  --connlimit-daddr      select destination addresses for grouping
)HELP"},
    {"u32", false, kBoth, R"HELP(
u32 match options:
[!] --u32 tests
		tests := location "=" value | tests "&&" location "=" value
		value := range | value "," range
		range := number | number ":" number
		location := number | location operator number
		operator := "&" | "<<" | ">>" | "@"
)HELP"},
    {"statistic", false, kBoth, R"HELP(
statistic match options:
 --mode mode                    Match mode (random, nth)
 random mode:
[!] --probability p		 Probability
 nth mode:
[!] --every n			 Match every nth packet
 --packet p			 Initial counter value (0 <= p <= n-1, default 0)
)HELP"},
    {"esp", false, kBoth, R"HELP(
esp match options:
[!] --espspi spi[:spi]
				match spi (range)
)HELP"},
    {"ah", false, kV4, R"HELP(
ah match options:
[!] --ahspi spi[:spi]
				match spi (range)
)HELP"},
    {"ah", false, kV6, R"HELP(
ah match options:
[!] --ahspi spi[:spi]          match spi (range)
[!] --ahlen length             total length of this header
 --ahres                       check the reserved field too
)HELP"},
    {"ipcomp", false, kBoth, R"HELP(
comp match options:
[!] --ipcompspi spi[:spi]
				match spi (range)
)HELP"},
    {"helper", false, kBoth, R"HELP(
helper match options:
[!] --helper string        Match helper identified by string
)HELP"},
    {"rpfilter", false, kBoth, R"HELP(
rpfilter match options:
    --loose          permit reverse path via any interface
    --validmark      use skb nfmark when performing route lookup
    --accept-local   do not reject packets with a local source address
    --invert         match packets that failed the reverse path test
)HELP"},
    {"quota", false, kBoth, R"HELP(
quota match options:
[!] --quota quota		quota (bytes)
)HELP"},
    {"cpu", false, kBoth, R"HELP(
cpu match options:
[!] --cpu number   Match CPU number
)HELP"},
    {"connbytes", false, kBoth, R"HELP(
connbytes match options:
 [!] --connbytes from:[to]
     --connbytes-dir [original, reply, both]
     --connbytes-mode [packets, bytes, avgpkt]
)HELP"},
    {"cgroup", false, kBoth, R"HELP(
cgroup match options:
[!] --path path                 Recursively match path relative to cgroup2 root
[!] --cgroup classid            Match cgroup classid, can't be used with --path
)HELP"},
    {"tcpmss", false, kBoth, R"HELP(
tcpmss match options:
[!] --mss value[:value]	Match TCP MSS range.
				(only valid for TCP SYN or SYN/ACK packets)
)HELP"},
    {"realm", false, kV4, R"HELP(
realm match options:
[!] --realm value[/mask]
				Match realm
)HELP"},
    {"cluster", false, kBoth, R"HELP(
cluster match options:
  --cluster-total-nodes <num>		Set number of total nodes in cluster
  [!] --cluster-local-node <num>	Set the local node number
  [!] --cluster-local-nodemask <num>	Set the local node mask
  --cluster-hash-seed <num>		Set seed value of the Jenkins hash
)HELP"},
    {"connlabel", false, kBoth, R"HELP(
connlabel match options:
[!] --label name     Match if label has been set on connection
    --set            Set label on connection
)HELP"},
    {"socket", false, kBoth, R"HELP(
socket match options:
  --nowildcard     Do not ignore LISTEN sockets bound on INADDR_ANY
  --transparent    Ignore non-transparent sockets
  --restore-skmark Set the packet mark to the socket mark if
                   the socket matches and transparent / 
                   nowildcard conditions are satisfied

)HELP"},
    {"policy", false, kBoth, R"HELP(
policy match options:
  --dir in|out			match policy applied during decapsulation/
				policy to be applied during encapsulation
  --pol none|ipsec		match policy
  --strict 			match entire policy instead of single element
				at any position
These options may be used repeatedly, to describe policy elements:
[!] --reqid reqid		match reqid
[!] --spi spi			match SPI
[!] --proto proto		match protocol (ah/esp/ipcomp)
[!] --mode mode 		match mode (transport/tunnel)
[!] --tunnel-src addr/mask	match tunnel source
[!] --tunnel-dst addr/mask	match tunnel destination
  --next 			begin next element in policy
)HELP"},
    {"osf", false, kV4, R"HELP(
OS fingerprint match options:
[!] --genre string     Match a OS genre by passive fingerprinting.
--ttl level            Use some TTL check extensions to determine OS:
       0                       true ip and fingerprint TTL comparison. Works for LAN.
       1                       check if ip TTL is less than fingerprint one. Works for global addresses.
       2                       do not compare TTL at all. This allows NMAP detection, but can produce false results.
--log level            Log determined genres into dmesg even if they do not match desired one:
       0                       log all matched or unknown signatures.
       1                       log only first one.
       2                       log all known matched signatures.
)HELP"},
    {"ipvs", false, kBoth, R"HELP(
IPVS match options:
[!] --ipvs                      packet belongs to an IPVS connection

Any of the following options implies --ipvs (even negated)
[!] --vproto protocol           VIP protocol to match; by number or name,
                                e.g. "tcp"
[!] --vaddr address[/mask]      VIP address to match
[!] --vport port                VIP port to match; by number or name,
                                e.g. "http"
    --vdir {ORIGINAL|REPLY}     flow direction of packet
[!] --vmethod {GATE|IPIP|MASQ}  IPVS forwarding method used
[!] --vportctl port             VIP port of the controlling connection to
                                match, e.g. 21 for FTP
)HELP"},
    {"sctp", false, kBoth, R"HELP(
sctp match options
[!] --source-port port[:port]                          match source port(s)
 --sport ...
[!] --destination-port port[:port]                     match destination port(s)
 --dport ...
[!] --chunk-types (all|any|none) (chunktype[:flags])+	match if all, any or none of
						        chunktypes are present
chunktypes - DATA INIT INIT_ACK SACK HEARTBEAT HEARTBEAT_ACK ABORT SHUTDOWN SHUTDOWN_ACK ERROR COOKIE_ECHO COOKIE_ACK ECN_ECNE ECN_CWR SHUTDOWN_COMPLETE ASCONF ASCONF_ACK FORWARD_TSN ALL NONE
)HELP"},
    {"dccp", false, kBoth, R"HELP(
dccp match options
[!] --source-port port[:port]                          match source port(s)
 --sport ...
[!] --destination-port port[:port]                     match destination port(s)
 --dport ...
[!] --dccp-types type[,...]                            match when packet is one of the given types
[!] --dccp-option option                               match if option (by number!) is set
)HELP"},
    {"icmp6", false, kV6, R"HELP(
icmpv6 match options:
[!] --icmpv6-type typename	match icmpv6 type
				(or numeric type or type/code)
Valid ICMPv6 Types:
destination-unreachable
   no-route
   communication-prohibited
   beyond-scope
   address-unreachable
   port-unreachable
   failed-policy
   reject-route
packet-too-big
time-exceeded (ttl-exceeded)
   ttl-zero-during-transit
   ttl-zero-during-reassembly
parameter-problem
   bad-header
   unknown-header-type
   unknown-option
echo-request (ping)
echo-reply (pong)
router-solicitation
router-advertisement
neighbour-solicitation (neighbor-solicitation)
neighbour-advertisement (neighbor-advertisement)
redirect
)HELP"},
    {"hl", false, kV6, R"HELP(
hl match options:
[!] --hl-eq value	Match hop limit value
  --hl-lt value	Match HL < value
  --hl-gt value	Match HL > value
)HELP"},
    {"ipv6header", false, kV6, R"HELP(
ipv6header match options:
[!] --header headers     Type of header to match, by name
                         names: hop,dst,route,frag,auth,esp,none,prot
                    long names: hop-by-hop,ipv6-opts,ipv6-route,
                                ipv6-frag,ah,esp,ipv6-nonxt,protocol
                       numbers: 0,60,43,44,51,50,59
--soft                    The header CONTAINS the specified extensions
)HELP"},
    {"rt", false, kV6, R"HELP(
rt match options:
[!] --rt-type type             match the type
[!] --rt-segsleft num[:num]    match the Segments Left field (range)
[!] --rt-len length            total length of this header
 --rt-0-res                    check the reserved field too (type 0)
 --rt-0-addrs ADDR[,ADDR...]   Type=0 addresses (list, max: 16)
 --rt-0-not-strict             List of Type=0 addresses not a strict list
)HELP"},
    {"mh", false, kV6, R"HELP(
mh match options:
[!] --mh-type type[:type]	match mh type
Valid MH types:
binding-refresh-request (brr)
home-test-init (hoti)
careof-test-init (coti)
home-test (hot)
careof-test (cot)
binding-update (bu)
binding-acknowledgement (ba)
binding-error (be)
)HELP"},
    {"hbh", false, kV6, R"HELP(
hbh match options:
[!] --hbh-len length            total length of this header
  --hbh-opts TYPE[:LEN][,TYPE[:LEN]...] 
                                Options and its length (list, max: 16)
)HELP"},
    {"dst", false, kV6, R"HELP(
dst match options:
[!] --dst-len length            total length of this header
  --dst-opts TYPE[:LEN][,TYPE[:LEN]...]
                                Options and its length (list, max: 16)
)HELP"},
    {"eui64", false, kV6, R"HELP(
eui64 does not take any options
)HELP"},
    {"srh", false, kV6, R"HELP(
srh match options:
[!] --srh-next-hdr		next-hdr        Next Header value of SRH
[!] --srh-hdr-len-eq		hdr_len         Hdr Ext Len value of SRH
[!] --srh-hdr-len-gt		hdr_len         Hdr Ext Len value of SRH
[!] --srh-hdr-len-lt		hdr_len         Hdr Ext Len value of SRH
[!] --srh-segs-left-eq		segs_left       Segments Left value of SRH
[!] --srh-segs-left-gt		segs_left       Segments Left value of SRH
[!] --srh-segs-left-lt		segs_left       Segments Left value of SRH
[!] --srh-last-entry-eq 	last_entry      Last Entry value of SRH
[!] --srh-last-entry-gt 	last_entry      Last Entry value of SRH
[!] --srh-last-entry-lt 	last_entry      Last Entry value of SRH
[!] --srh-tag			tag             Tag value of SRH
[!] --srh-psid			addr[/mask]	SRH previous SID
[!] --srh-nsid			addr[/mask]	SRH next SID
[!] --srh-lsid			addr[/mask]	SRH Last SID
)HELP"},
    {"frag", false, kV6, R"HELP(
frag match options:
[!] --fragid id[:id]           match the id (range)
[!] --fraglen length           total length of this header
 --fragres                     check the reserved field too
 --fragfirst                   matches on the first fragment
 [--fragmore|--fraglast]       there are more fragments or this
                               is the last one
)HELP"},
    {"LOG", true, kBoth, R"HELP(
LOG target options:
 --log-level level		Level of logging (numeric or see syslog.conf)
 --log-prefix prefix		Prefix log messages with this prefix.
 --log-tcp-sequence		Log TCP sequence numbers.
 --log-tcp-options		Log TCP options.
 --log-ip-options		Log IP options.
 --log-uid			Log UID owning the local socket.
 --log-macdecode		Decode MAC addresses and protocol.
)HELP"},
    {"REJECT", true, kV4, R"HELP(
REJECT target options:
--reject-with type              drop input packet and send back
                                a reply packet according to type:
Valid reject types:
    icmp-net-unreachable     	ICMP network unreachable
    net-unreach              	alias
    icmp-host-unreachable    	ICMP host unreachable
    host-unreach             	alias
    icmp-proto-unreachable   	ICMP protocol unreachable
    proto-unreach            	alias
    icmp-port-unreachable    	ICMP port unreachable (default)
    port-unreach             	alias
    icmp-net-prohibited      	ICMP network prohibited
    net-prohib               	alias
    icmp-host-prohibited     	ICMP host prohibited
    host-prohib              	alias
    tcp-reset                	TCP RST packet
    tcp-rst                  	alias
    icmp-admin-prohibited    	ICMP administratively prohibited (*)
    admin-prohib             	alias

(*) See man page or read the INCOMPATIBILITES file for compatibility issues.
)HELP"},
    {"REJECT", true, kV6, R"HELP(
REJECT target options:
--reject-with type              drop input packet and send back
                                a reply packet according to type:
Valid reject types:
    icmp6-no-route           	ICMPv6 no route
    no-route                 	alias
    icmp6-adm-prohibited     	ICMPv6 administratively prohibited
    adm-prohibited           	alias
    icmp6-addr-unreachable   	ICMPv6 address unreachable
    addr-unreach             	alias
    icmp6-port-unreachable   	ICMPv6 port unreachable
    port-unreach             	alias
    tcp-reset                	TCP RST packet
    tcp-reset                	alias
    icmp6-policy-fail        	ICMPv6 policy fail
    policy-fail              	alias
    icmp6-reject-route       	ICMPv6 reject route
    reject-route             	alias

)HELP"},
    {"NFLOG", true, kBoth, R"HELP(
NFLOG target options:
 --nflog-group NUM		NETLINK group used for logging
 --nflog-range NUM		This option has no effect, use --nflog-size
 --nflog-size NUM		Number of bytes to copy
 --nflog-threshold NUM		Message threshold of in-kernel queue
 --nflog-prefix STRING		Prefix string for log messages
)HELP"},
    {"TRACE", true, kBoth, R"HELP(
TRACE does not take any options
)HELP"},
    {"SNAT", true, kBoth, R"HELP(
SNAT target options:
 --to-source [<ipaddr>[-<ipaddr>]][:port[-port]]
				Address to map source to.
[--random] [--random-fully] [--persistent]
)HELP"},
    {"DNAT", true, kBoth, R"HELP(
DNAT target options:
 --to-destination [<ipaddr>[-<ipaddr>]][:port[-port[/port]]]
				Address to map destination to.
[--random] [--persistent]
)HELP"},
    {"MASQUERADE", true, kBoth, R"HELP(
MASQUERADE target options:
 --to-ports <port>[-<port>]
				Port (range) to map to.
 --random
				Randomize source port.
 --random-fully
				Fully randomize source port.
)HELP"},
    {"REDIRECT", true, kBoth, R"HELP(
REDIRECT target options:
 --to-ports <port>[-<port>]
				Port (range) to map to.
 [--random]
)HELP"},
    {"NETMAP", true, kBoth, R"HELP(
NETMAP target options:
  --to address[/mask]
				Network address to map to.

)HELP"},
    {"MARK", true, kBoth, R"HELP(
MARK target options:
  --set-xmark value[/mask]  Clear bits in mask and XOR value into nfmark
  --set-mark value[/mask]   Clear bits in mask and OR value into nfmark
  --and-mark bits           Binary AND the nfmark with bits
  --or-mark bits            Binary OR the nfmark with bits
  --xor-mark bits           Binary XOR the nfmark with bits
)HELP"},
    {"CONNMARK", true, kBoth, R"HELP(
CONNMARK target options:
  --set-xmark value[/ctmask]    Zero mask bits and XOR ctmark with value
  --save-mark [--ctmask mask] [--nfmask mask]
                                Copy ctmark to nfmark using masks
  --restore-mark [--ctmask mask] [--nfmask mask]
                                Copy nfmark to ctmark using masks
  --set-mark value[/mask]       Set conntrack mark value
  --save-mark [--mask mask]     Save the packet nfmark in the connection
  --restore-mark [--mask mask]  Restore saved nfmark value
  --and-mark value              Binary AND the ctmark with bits
  --or-mark value               Binary OR  the ctmark with bits
  --xor-mark value              Binary XOR the ctmark with bits
  --left-shift-mark value       Left shift the ctmark with bits
  --right-shift-mark value      Right shift the ctmark with bits
)HELP"},
    {"CT", true, kBoth, R"HELP(
CT target options:
 --notrack			Don't track connection
 --helper name			Use conntrack helper 'name' for connection
 --timeout name 		Use timeout policy 'name' for connection
 --ctevents event[,event...]	Generate specified conntrack events for connection
 --expevents event[,event...]	Generate specified expectation events for connection
 --zone {ID|mark}		Assign/Lookup connection in zone ID/packet nfmark
 --zone-orig {ID|mark}		Same as 'zone' option, but only applies to ORIGINAL direction
 --zone-reply {ID|mark} 	Same as 'zone' option, but only applies to REPLY direction
)HELP"},
    {"NOTRACK", true, kBoth, R"HELP(
NOTRACK does not take any options
)HELP"},
    {"NFQUEUE", true, kBoth, R"HELP(
NFQUEUE target options
  --queue-num value            Send packet to QUEUE number <value>.
                               Valid queue numbers are 0-65535
  --queue-balance first:last   Balance flows between queues <value> to <value>.
  --queue-bypass               Bypass Queueing if no queue instance exists.
  --queue-cpu-fanout	Use current CPU (no hashing)
)HELP"},
    {"TCPMSS", true, kV4, R"HELP(
TCPMSS target mutually-exclusive options:
  --set-mss value               explicitly set MSS option to specified value
  --clamp-mss-to-pmtu           automatically clamp MSS value to (path_MTU - 20)
)HELP"},
    {"TCPMSS", true, kV6, R"HELP(
TCPMSS target mutually-exclusive options:
  --set-mss value               explicitly set MSS option to specified value
  --clamp-mss-to-pmtu           automatically clamp MSS value to (path_MTU - 40)
)HELP"},
    {"DSCP", true, kBoth, R"HELP(
DSCP target options
  --set-dscp value		Set DSCP field in packet header to value
  		                This value can be in decimal (ex: 32)
               		or in hex (ex: 0x20)
  --set-dscp-class class	Set the DSCP field in packet header to the
				value represented by the DiffServ class value.
				This class may be EF,BE or any of the CSxx
				or AFxx classes.

				These two options are mutually exclusive !
)HELP"},
    {"TOS", true, kBoth, R"HELP(
TOS target vlibxtables.so.12 options:
  --set-tos value[/mask]  Set Type of Service/Priority field to value
                          (Zero out bits in mask and XOR value into TOS)
  --set-tos symbol        Set TOS field (IPv4 only) by symbol
                          (this zeroes the 4-bit Precedence part!)
                          Accepted symbolic names for value are:
                            (0x10) 16 Minimize-Delay
                            (0x08)  8 Maximize-Throughput
                            (0x04)  4 Maximize-Reliability
                            (0x02)  2 Minimize-Cost
                            (0x00)  0 Normal-Service

  --and-tos bits          Binary AND the TOS value with bits
  --or-tos  bits          Binary OR the TOS value with bits
  --xor-tos bits          Binary XOR the TOS value with bits
)HELP"},
    {"TTL", true, kV4, R"HELP(
TTL target options
  --ttl-set value		Set TTL to <value 0-255>
  --ttl-dec value		Decrement TTL by <value 1-255>
  --ttl-inc value		Increment TTL by <value 1-255>
)HELP"},
    {"ECN", true, kV4, R"HELP(
ECN target options
  --ecn-tcp-remove		Remove all ECN bits from TCP header
)HELP"},
    {"SET", true, kBoth, R"HELP(
SET target options:
 --add-set name flags [--exist] [--timeout n]
 --del-set name flags
 --map-set name flags [--map-mark] [--map-prio] [--map-queue]
		add/del src/dst IP/port from/to named sets,
		where flags are the comma separated list of
		'src' and 'dst' specifications.
)HELP"},
    {"AUDIT", true, kBoth, R"HELP(
AUDIT target options
  --type TYPE		Action type to be recorded.
)HELP"},
    {"CLASSIFY", true, kBoth, R"HELP(
CLASSIFY target options:
--set-class MAJOR:MINOR    Set skb->priority value (always hexadecimal!)
)HELP"},
    {"CHECKSUM", true, kBoth, R"HELP(
CHECKSUM target options
  --checksum-fill			Fill in packet checksum.
)HELP"},
    {"CONNSECMARK", true, kBoth, R"HELP(
CONNSECMARK target options:
  --save                   Copy security mark from packet to conntrack
  --restore                Copy security mark from connection to packet
)HELP"},
    {"SYNPROXY", true, kBoth, R"HELP(
SYNPROXY target options:
  --sack-perm                        Set SACK_PERM
  --timestamp                        Set TIMESTAMP
  --wscale value                     Set window scaling factor
  --mss value                        Set MSS value
  --ecn                              Set ECN
)HELP"},
    {"TEE", true, kBoth, R"HELP(
TEE target options:
  --gateway IPADDR    Route packet via the gateway given by address
  --oif NAME          Include oif in route calculation

)HELP"},
    {"IDLETIMER", true, kBoth, R"HELP(
IDLETIMER target options:
 --timeout time	Timeout until the notification is sent (in seconds)
 --label string	Unique rule identifier
 --alarm	Use alarm instead of default timer

)HELP"},
    {"TPROXY", true, kBoth, R"HELP(
TPROXY target options:
  --on-port port		    Redirect connection to port, or the original port if 0
  --on-ip ip			    Optionally redirect to the given IP
  --tproxy-mark value[/mask]	    Mark packets with the given value/mask

)HELP"},
    {"SECMARK", true, kBoth, R"HELP(
SECMARK target options:
  --selctx value                     Set the SELinux security context
)HELP"},
    {"standard", true, kBoth, R"HELP(
standard match options:
(If target is DROP, ACCEPT, RETURN or nothing)
)HELP"},
    {"LED", true, kBoth, R"HELP(
LED target options:
--led-trigger-id name           suffix for led trigger name
--led-delay ms                  leave the LED on for this number of
                                milliseconds after triggering.
--led-always-blink              blink on arriving packets, even if
                                the LED is already on.
)HELP"},
    {"ULOG", true, kV4, R"HELP(
ULOG target options:
 --ulog-nlgroup nlgroup		NETLINK group used for logging
 --ulog-cprange size		Bytes of each packet to be passed
 --ulog-qthreshold		Threshold of in-kernel queue
 --ulog-prefix prefix		Prefix log messages with this prefix.
)HELP"},
    {"HMARK", true, kBoth, R"HELP(
HMARK target options, i.e. modify hash calculation by:
  --hmark-tuple [src|dst|sport|dport|spi|proto|ct][,...]
  --hmark-mod value		    nfmark modulus value
  --hmark-offset value		    Last action add value to nfmark

  --hmark-rnd			    Random see for hashing
 Alternatively, fine tuning of what will be included in hash calculation
  --hmark-src-prefix length	    Source address mask CIDR prefix
  --hmark-dst-prefix length	    Dest address mask CIDR prefix
  --hmark-sport-mask value	    Mask src port with value
  --hmark-dport-mask value	    Mask dst port with value
  --hmark-spi-mask value	    For esp and ah AND spi with value
  --hmark-sport value		    OR src port with value
  --hmark-dport value		    OR dst port with value
  --hmark-spi value		    For esp and ah OR spi with value
  --hmark-proto-mask value	    Mask Protocol with value
)HELP"},
    {"RATEEST", true, kBoth, R"HELP(
RATEEST target options:
  --rateest-name name		Rate estimator name
  --rateest-interval sec	Rate measurement interval in seconds
  --rateest-ewmalog value	Rate measurement averaging time constant
)HELP"},
    {"CLUSTERIP", true, kV4, R"HELP(
CLUSTERIP target options:
  --new			 Create a new ClusterIP
  --hashmode <mode>		 Specify hashing mode
					sourceip
					sourceip-sourceport
					sourceip-sourceport-destport
  --clustermac <mac>		 Set clusterIP MAC address
  --total-nodes <num>		 Set number of total nodes in cluster
  --local-node <num>		 Set the local node number
  --hash-init <num>		 Set init value of the Jenkins hash
)HELP"},
    {"HL", true, kV6, R"HELP(
HL target options
  --hl-set value		Set HL to <value 0-255>
  --hl-dec value		Decrement HL by <value 1-255>
  --hl-inc value		Increment HL by <value 1-255>
)HELP"},
    {"SNPT", true, kV6, R"HELP(
SNPT target options:
 --src-pfx prefix/length
 --dst-pfx prefix/length

)HELP"},
    {"DNPT", true, kV6, R"HELP(
DNPT target options:
 --src-pfx prefix/length
 --dst-pfx prefix/length

)HELP"},
    {"bpf", false, kBoth, R"HELP(
bpf match options:
--bytecode <program>	        : a bpf program as generated by
                                 $(nfbpf_compile RAW '<filter>')
--object-pinned <bpf object>	: a path to a pinned BPF object in bpf fs
)HELP"},
    {"nfacct", false, kBoth, R"HELP(
nfacct match options:
 --nfacct-name STRING		Name of accouting area
)HELP"},
    {"rateest", false, kBoth, R"HELP(
rateest match options:
 --rateest1 name		Rate estimator name
 --rateest2 name		Rate estimator name
 --rateest-delta		Compare difference(s) to given rate(s)
 --rateest-bps1 [bps]		Compare bps
 --rateest-pps1 [pps]		Compare pps
 --rateest-bps2 [bps]		Compare bps
 --rateest-pps2 [pps]		Compare pps
 [!] --rateest-lt		Match if rate is less than given rate/estimator
 [!] --rateest-gt		Match if rate is greater than given rate/estimator
 [!] --rateest-eq		Match if rate is equal to given rate/estimator
)HELP"},
    {"TCPOPTSTRIP", true, kBoth, R"HELP(
TCPOPTSTRIP target options:
  --strip-options value     strip specified TCP options denoted by value
                            (separated by comma) from TCP header
  Instead of the numeric value, you can also use the following names:
    wscale            strip "Window scale" option
    mss               strip "Maximum Segment Size" option
    sack-permitted    strip "SACK permitted" option
    sack              strip "Selective ACK" option
    timestamp         strip "Timestamp" option
    md5               strip "MD5 signature" option
)HELP"},
};

}  // namespace

std::string_view extension_help(std::string_view name, bool target, Family family) {
  for (const auto& h : kHelp)
    if (h.name == name && h.target == target && has_family(h.families, family)) return h.text;
  return {};
}

}  // namespace cx::ext
