// iptables -h: the reference's usage text, which scripts and people compare against.
#include "tools/help.h"

namespace cx::tools {

std::string help_text(const std::string& program, Family family) {
  // Which of -4 / -6 is a no-op and which an error depends on the family; the restore names
  // in parentheses are fixed text in the reference.
  const bool v4 = family == Family::V4;
  std::string t;
  t += "" + program + " v1.8.9 (nf_tables)" + "\n";
  t += "" "\n";
  t += "Usage: " + program + " -[ACD] chain rule-specification [options]" + "\n";
  t += "       " + program + " -I chain [rulenum] rule-specification [options]" + "\n";
  t += "       " + program + " -R chain rulenum rule-specification [options]" + "\n";
  t += "       " + program + " -D chain rulenum [options]" + "\n";
  t += "       " + program + " -[LS] [chain [rulenum]] [options]" + "\n";
  t += "       " + program + " -[FZ] [chain] [options]" + "\n";
  t += "       " + program + " -[NX] chain" + "\n";
  t += "       " + program + " -E old-chain-name new-chain-name" + "\n";
  t += "       " + program + " -P chain target [options]" + "\n";
  t += "       " + program + " -h (print this help information)" + "\n";
  t += "" "\n";
  t += "Commands:" "\n";
  t += "Either long or short options are allowed." "\n";
  t += "  --append  -A chain\t\tAppend to chain" "\n";
  t += "  --check   -C chain\t\tCheck for the existence of a rule" "\n";
  t += "  --delete  -D chain\t\tDelete matching rule from chain" "\n";
  t += "  --delete  -D chain rulenum" "\n";
  t += "\t\t\t\tDelete rule rulenum (1 = first) from chain" "\n";
  t += "  --insert  -I chain [rulenum]" "\n";
  t += "\t\t\t\tInsert in chain as rulenum (default 1=first)" "\n";
  t += "  --replace -R chain rulenum" "\n";
  t += "\t\t\t\tReplace rule rulenum (1 = first) in chain" "\n";
  t += "  --list    -L [chain [rulenum]]" "\n";
  t += "\t\t\t\tList the rules in a chain or all chains" "\n";
  t += "  --list-rules -S [chain [rulenum]]" "\n";
  t += "\t\t\t\tPrint the rules in a chain or all chains" "\n";
  t += "  --flush   -F [chain]\t\tDelete all rules in  chain or all chains" "\n";
  t += "  --zero    -Z [chain [rulenum]]" "\n";
  t += "\t\t\t\tZero counters in chain or all chains" "\n";
  t += "  --new     -N chain\t\tCreate a new user-defined chain" "\n";
  t += "  --delete-chain" "\n";
  t += "            -X [chain]\t\tDelete a user-defined chain" "\n";
  t += "  --policy  -P chain target" "\n";
  t += "\t\t\t\tChange policy on chain to target" "\n";
  t += "  --rename-chain" "\n";
  t += "            -E old-chain new-chain" "\n";
  t += "\t\t\t\tChange chain name, (moving any references)" "\n";
  t += "" "\n";
  t += "Options:" "\n";
  t += std::string("    --ipv4\t-4\t\t") + (v4 ? "Nothing" : "Error") +
       " (line is ignored by ip6tables-restore)\n";
  t += std::string("    --ipv6\t-6\t\t") + (v4 ? "Error" : "Nothing") +
       " (line is ignored by iptables-restore)\n";
  t += "[!] --protocol\t-p proto\tprotocol: by number or name, eg. `tcp'" "\n";
  t += "[!] --source\t-s address[/mask][...]" "\n";
  t += "\t\t\t\tsource specification" "\n";
  t += "[!] --destination -d address[/mask][...]" "\n";
  t += "\t\t\t\tdestination specification" "\n";
  t += "[!] --in-interface -i input name[+]" "\n";
  t += "\t\t\t\tnetwork interface name ([+] for wildcard)" "\n";
  t += " --jump\t-j target" "\n";
  t += "\t\t\t\ttarget for rule (may load target extension)" "\n";
  t += "  --goto      -g chain" "\n";
  t += "\t\t\t       jump to chain with no return" "\n";
  t += "  --match\t-m match" "\n";
  t += "\t\t\t\textended match (may load extension)" "\n";
  t += "  --numeric\t-n\t\tnumeric output of addresses and ports" "\n";
  t += "[!] --out-interface -o output name[+]" "\n";
  t += "\t\t\t\tnetwork interface name ([+] for wildcard)" "\n";
  t += "  --table\t-t table\ttable to manipulate (default: `filter')" "\n";
  t += "  --verbose\t-v\t\tverbose mode" "\n";
  t += "  --wait\t-w [seconds]\tmaximum wait to acquire xtables lock before give up" "\n";
  t += "  --line-numbers\t\tprint line numbers when listing" "\n";
  t += "  --exact\t-x\t\texpand numbers (display exact values)" "\n";
  if (v4) t += "[!] --fragment\t-f\t\tmatch second or further fragments only\n";
  t += "  --modprobe=<command>\t\ttry to insert modules using this command" "\n";
  t += "  --set-counters -c PKTS BYTES\tset the counter during insert/append" "\n";
  t += "[!] --version\t-V\t\tprint package version." "\n";
  return t;
}

}  // namespace cx::tools
