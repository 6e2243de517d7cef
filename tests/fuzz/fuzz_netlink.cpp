// libFuzzer target: rule dumps as the kernel sends them. The input is a stream of netlink
// messages (NFT_MSG_NEWRULE, as in a GETRULE dump); each goes through nft::parse_rule_message
// (our own reader, else libnftnl's parser and our lifting of its expressions: the code
// dump_rules runs; whenever our reader takes a message, libnftnl's way must give the same
// rule), then codec::decode_rule and printing. Seeds: the `txraw` NEWRULE messages of the golden
// corpus (tests/fuzz/make-seeds.sh); the nfgenmsg family byte picks IPv4 or IPv6. Messages on which
// libnftnl itself would end the process are skipped (nl_validate.h).
#include <libmnl/libmnl.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "fuzz_common.h"
#include "nft/netlink.h"
#include "nft/rule_message.h"
#include "nl_validate.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 65536) return 0;
  // Netlink messages are 4-byte aligned in the receive buffer.
  std::vector<std::uint32_t> buf((size + 3) / 4 + 1, 0);
  std::memcpy(buf.data(), data, size);
  const auto* base = reinterpret_cast<const std::uint8_t*>(buf.data());
  std::size_t off = 0;
  for (int n = 0; n < 64 && size - off >= NLMSG_HDRLEN; ++n) {
    const auto* hdr = reinterpret_cast<const nlmsghdr*>(base + off);
    // Messages libnftnl would answer with exit(1) are skipped (see nl_validate.h); malformed
    // headers go to parse_rule_message, which must refuse them itself.
    const bool framed =
        hdr->nlmsg_len >= NLMSG_HDRLEN + sizeof(nfgenmsg) && hdr->nlmsg_len <= size - off;
    if (framed && !cx::fuzz::libnftnl_accepts(hdr)) break;
    // Our own reader must give exactly what libnftnl gives whenever it takes a message.
    if (framed && mnl_nlmsg_ok(hdr, static_cast<int>(size - off))) {
      if (auto fast = cx::nft::read_rule_message(hdr)) {
        auto slow = cx::nft::parse_rule_message_libnftnl(hdr);
        if (!slow || !(*fast == *slow)) __builtin_trap();
      }
    }
    if (auto rule = cx::nft::parse_rule_message(hdr, size - off)) {
      const std::uint8_t fam =
          hdr->nlmsg_len > NLMSG_HDRLEN ? base[off + NLMSG_HDRLEN] : std::uint8_t{0};
      const cx::Family family = fam == 10 ? cx::Family::V6 : cx::Family::V4;
      cx::model::Rule r = cx::codec::decode_rule(rule->exprs, family);
      cx::fuzz::exercise_rule(r, family, rule->table, false);
    }
    if (hdr->nlmsg_len < NLMSG_HDRLEN) break;
    const std::size_t step = NLMSG_ALIGN(hdr->nlmsg_len);
    if (step > size - off) break;
    off += step;
  }
  return 0;
}
