#include <gtest/gtest.h>

#include "cli/command.h"
#include "common/parse.h"
#include "restore/restore.h"

namespace cx {
namespace {

// Differential fuzzer findings (tests/difffuzz/FINDINGS.md) on the command line.
std::string parse_error(std::vector<std::string> args, Family f = Family::V4) {
  args.insert(args.begin(), "iptables");
  auto c = cli::parse_command(args, f, "iptables");
  return c.ok() ? "" : c.error().message;
}

TEST(ParseAddresses, KeepsDuplicatesAndRefusesEmptyMask) {  // F20, F29
  auto a = parse_addresses("192.0.2.1,192.0.2.1", Family::V4);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->size(), 2u);
  auto b = parse_addresses("192.0.2.1/", Family::V4);
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.error().message, "invalid mask `' specified");
  auto any = parse_addresses("any/0", Family::V4);
  ASSERT_TRUE(any.ok());
}

TEST(ParseCommand, OrderOfChecks) {
  // F30, F41: duplicates count as several addresses.
  EXPECT_EQ(parse_error({"-A", "INPUT", "-s", "192.0.2.1,198.51.100.2", "!", "-d", "192.0.2.5"}),
            "! not allowed with multiple source or destination IP addresses");
  EXPECT_EQ(parse_error({"-R", "INPUT", "1", "-d", "192.0.2.1/32,192.0.2.1", "-j", "DROP"}),
            "Replacement rule does not specify a unique address");
  // F27, F09: extension final checks before the addresses and the interfaces.
  EXPECT_EQ(parse_error({"-A", "INPUT", "-m", "statistic", "--mode", "nth", "--every", "1",
                         "--packet", "2", "-s", "192.0.2.1/33"}),
            "the --packet p must be 0 <= p <= n-1");
  EXPECT_EQ(parse_error({"-t", "nat", "-A", "PREROUTING", "-o", "lo", "-j", "SNAT"}),
            "SNAT: option \"--to-source\" must be specified");
  // F42, F15, F10
  EXPECT_EQ(parse_error({"-A", "FORWARD", "-o", "eth0", "-o", ""}),
            "Empty interface is likely to be undesired");
  EXPECT_EQ(parse_error({"-N", "!x"}), "chain name not allowed to start with `!'");
  EXPECT_EQ(parse_error({"-X", std::string(31, 'c')}),
            "chain name `" + std::string(31, 'c') + "' too long (must be under 29 chars)");
  EXPECT_EQ(parse_error({"-W", "-S"}), "wait interval value required");
  EXPECT_EQ(parse_error({"-W", "100", "-S"}), "--wait-interval only makes sense with --wait");
}

TEST(ParseCommand, ExtensionMessages) {
  EXPECT_EQ(parse_error({"-A", "INPUT", "-p", "udp", "--sport", "abc"}),
            "Port \"abc\" does not resolve to anything.");                        // F06
  EXPECT_EQ(parse_error({"-A", "INPUT", "-p", "udp", "--dport", "2000:1000"}), "");  // F21
  EXPECT_EQ(parse_error({"-A", "INPUT", "!", "-p", "tcp", "--dport", "22"}), "");     // F37
  EXPECT_EQ(parse_error({"-A", "INPUT", "-j", "MARK", "--and-mark", "5/0xf"}),
            "MARK: bad value for option \"--and-mark\", or out of range (0-4294967295).");
  EXPECT_EQ(parse_error({"-A", "INPUT", "-m", "mark", "--mark", "1/2/3"}),
            "mark: trailing garbage after value for option \"--mark\".");  // F16
  EXPECT_EQ(parse_error({"-A", "INPUT", "-m", "string", "--algo", "bm", "--hex-string", "|zz|"}),
            "Invalid hex char 'z'");  // F26
  EXPECT_EQ(parse_error({"-A", "INPUT", "-p", "tcp", "--tcp-option", "0x1/0x1"}),
            "Bad TCP option \"0x1/0x1\"");  // F32
  EXPECT_EQ(parse_error({"-A", "INPUT", "-j", "NFQUEUE", "--queue-num", "3", "--queue-cpu-fanout"}),
            "NFQUEUE: option \"--queue-cpu-fanout\" also requires \"--queue-balance\".");  // F43
  EXPECT_EQ(parse_error({"-A", "FORWARD", "-j", "NETMAP", "--to", "192.0.2.1/-1"}),
            "NETMAP: bad value for option \"--to\", neither a valid network mask nor valid "
            "CIDR (0-32).");  // F23
}

TEST(ParseAddresses, MasksHostBitsAndKeepsPrefix) {
  auto a = parse_addresses("10.1.2.3/8", Family::V4);
  ASSERT_TRUE(a.ok());
  ASSERT_EQ(a->size(), 1u);
  EXPECT_EQ(format_address_mask((*a)[0], Family::V4), "10.0.0.0/8");
}

TEST(ParseAddresses, DottedNonContiguousMask) {
  auto a = parse_addresses("10.0.0.0/255.0.255.0", Family::V4);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(format_address_mask((*a)[0], Family::V4), "10.0.0.0/255.0.255.0");
}

TEST(ParseAddresses, RejectsBadMask) {
  auto a = parse_addresses("10.0.0.0/33", Family::V4);
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.error().message, "invalid mask `33' specified");
}

TEST(ParseAddresses, CommaListAndV6) {
  auto a = parse_addresses("2001:db8::1,2001:db8::/32", Family::V6);
  ASSERT_TRUE(a.ok());
  ASSERT_EQ(a->size(), 2u);
  EXPECT_EQ(format_address_mask((*a)[0], Family::V6), "2001:db8::1/128");
  EXPECT_EQ(format_address_mask((*a)[1], Family::V6), "2001:db8::/32");
}

TEST(ParseProtocol, NamesNumbersAndErrors) {
  EXPECT_EQ(*parse_protocol("TCP"), 6);
  EXPECT_EQ(*parse_protocol("47"), 47);
  EXPECT_EQ(*parse_protocol("all"), 0);
  EXPECT_FALSE(parse_protocol("256").ok());
  EXPECT_EQ(parse_protocol("nosuchproto").error().message,
            "unknown protocol \"nosuchproto\" specified");
}

TEST(SplitWords, QuotesAndEscapes) {
  auto w = restore::split_words("-A INPUT -m comment --comment \"a \\\"b\\\" c\" -j ACCEPT");
  ASSERT_EQ(w.size(), 8u);
  EXPECT_EQ(w[5], "a \"b\" c");
}

// iptables-restore quotes with double quotes only; a closing quote ends the word.
TEST(SplitWords, SingleQuotesArePlainAndClosingQuoteEndsWord) {
  auto w = restore::split_words("--comment 'single quoted' \"\" \"ab\"cd");
  ASSERT_EQ(w.size(), 6u);
  EXPECT_EQ(w[1], "'single");
  EXPECT_EQ(w[2], "quoted'");
  EXPECT_EQ(w[3], "");
  EXPECT_EQ(w[4], "ab");
  EXPECT_EQ(w[5], "cd");  // a word of its own
}

// F46: an unterminated quote takes the rest of the line, the newline included.
TEST(SplitWords, UnterminatedQuoteKeepsNewline) {
  auto w = restore::split_words("--comment \"open\n");
  ASSERT_EQ(w.size(), 2u);
  EXPECT_EQ(w[1], "open\n");
}

// F44: "[P:B]" cut as iptables-restore's tokenizer cuts it.
TEST(SplitRuleCounters, AsTheTokenizer) {
  auto none = restore::split_rule_counters("-A INPUT", 3);
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->found);
  EXPECT_EQ(none->rest, "-A INPUT");
  auto ok = restore::split_rule_counters("[5:6]-A INPUT", 3);
  ASSERT_TRUE(ok.ok());
  EXPECT_TRUE(ok->found);
  EXPECT_EQ(ok->packets, "5");
  EXPECT_EQ(ok->bytes, "6");
  EXPECT_EQ(ok->rest, "-A INPUT");
  auto three = restore::split_rule_counters("[a:b:c] -A INPUT", 3);
  ASSERT_TRUE(three.ok());
  EXPECT_EQ(three->packets, "a");
  EXPECT_EQ(three->bytes, "b:c");
  // strtok cut the ':' right after the first ']': the rest is empty.
  auto cut = restore::split_rule_counters("[5]:6] -A INPUT", 3);
  ASSERT_TRUE(cut.ok());
  EXPECT_EQ(cut->packets, "5]");
  EXPECT_EQ(cut->rest, "");
  for (const char* bad : {"[5] -A INPUT", "[:5] -A INPUT", "[5:6 -A INPUT"}) {
    auto b = restore::split_rule_counters(bad, 7);
    ASSERT_FALSE(b.ok()) << bad;
    EXPECT_EQ(b.error().message, "Bad line 7: need ]") << bad;
  }
}

// -c as xshared.c reads it; ip6tables drops the values (F44).
TEST(ParseCommand, SetCounters) {
  auto counters = [](std::vector<std::string> args, Family f) {
    args.insert(args.begin(), "iptables");
    auto c = cli::parse_command(args, f, "iptables");
    EXPECT_TRUE(c.ok());
    return c.ok() && !c->rules.empty() ? c->rules[0].counters : model::Counters{};
  };
  EXPECT_EQ(counters({"-A", "INPUT", "-c", "5,6"}, Family::V4), (model::Counters{5, 6}));
  EXPECT_EQ(counters({"-A", "INPUT", "-c", "5abc", "6"}, Family::V4), (model::Counters{5, 6}));
  EXPECT_EQ(counters({"-A", "INPUT", "-c", "5", "6"}, Family::V6), (model::Counters{0, 0}));
  EXPECT_EQ(parse_error({"-A", "INPUT", "-c", "x", "6"}), "-c packet counter not numeric");
  EXPECT_EQ(parse_error({"-A", "INPUT", "-c", "5"}), "-c requires packet and byte counter");
}

// F49: a match loaded again is a clone: it adds no option names, so --dport is tcp's here.
TEST(ParseCommand, MatchLoadedTwice) {
  EXPECT_EQ(parse_error({"-A", "OUTPUT", "-p", "tcp", "-m", "udp", "--sport", "1", "-m", "tcp",
                         "--dport", "2", "-m", "udp", "--dport", "3"}),
            "Only one `--destination-port' allowed");
  EXPECT_EQ(parse_error({"-A", "OUTPUT", "-p", "tcp", "-m", "tcp", "--sport", "1", "-m", "tcp",
                         "--sport", "2"}),
            "");
}

// Commands that may go together, and the rest (long-run difffuzz findings).
TEST(ParseCommand, CommandCombinations) {
  EXPECT_EQ(parse_error({"-Z", "-Z"}), "Cannot use -Z with -Z");
  EXPECT_EQ(parse_error({"-Z", "INPUT", "-L", "-Z"}), "Cannot use -Z with -Z");
  EXPECT_EQ(parse_error({"-L", "-S"}), "Cannot use -S with -L");
  EXPECT_EQ(parse_error({"-Z", "INPUT", "1", "-L"}), "");  // zero rule 1, and list it
  std::vector<std::string> args{"iptables", "-L", "-Z", "INPUT", "1"};
  auto c = cli::parse_command(args, Family::V4, "iptables");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->command, cli::kCmdZeroNum);  // -Z N replaces the listing
  EXPECT_EQ(parse_error({"-L", "-b"}), "Unknown arg \"(null)\"");
}

// Ports in any base (xtables_parse_port), sctp ranges in order, -m icmpv6 is icmp6.
TEST(ParseCommand, PortsAndMatchNames) {
  EXPECT_EQ(parse_error({"-A", "INPUT", "-p", "tcp", "--dport", "0x16", "--sport", "010"}), "");
  EXPECT_EQ(parse_error({"-A", "INPUT", "-p", "sctp", "--sport", "2000:1000"}),
            "invalid portrange (min > max)");
  EXPECT_EQ(parse_error({"-A", "INPUT", "-m", "icmpv6"}),
            "Couldn't load match `icmp6':No such file or directory");
  EXPECT_EQ(parse_error({"-A", "INPUT", "-p", "icmpv6", "-m", "icmpv6", "--icmpv6-type", "1"},
                        Family::V6),
            "");
}

TEST(ParseCommand, TargetNames) {
  EXPECT_EQ(parse_error({"-A", "INPUT", "-j", "has space"}), "Invalid target name `has space'");
  EXPECT_EQ(parse_error({"-A", "INPUT", "-j", ""}), "Invalid target name (too short)");
}

// A restore line for the other family stops there and adds no rule.
TEST(ParseCommand, OtherFamilyInRestoreLine) {
  std::vector<std::string> args{"iptables-restore", "-t", "filter", "-A", "INPUT", "-6", "-j",
                                "ACCEPT"};
  auto c = cli::parse_command(args, Family::V4, "iptables-restore", true);
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(c->other_family);
  EXPECT_TRUE(c->rules.empty());
  args[0] = "iptables";
  EXPECT_FALSE(cli::parse_command(args, Family::V4, "iptables").ok());
}

}  // namespace
}  // namespace cx
