// -m bpf (xt "bpf" rev 1, struct xt_bpf_info_v1): a classic BPF program run on the packet.
// --bytecode "N,c jt jf k,c jt jf k,..." (as nfbpf_compile prints it; at most 64
// instructions) sets mode 0 and the program; --object-pinned PATH sets mode 1, the path and
// the descriptor of the pinned eBPF object, which the kernel resolves while it checks the
// rule. Exactly one of the two is required. -S prints the program quoted
// (" --bytecode \"N,...\"") or " --object-pinned PATH"; -L prints "match bpf " then the
// instructions and, as the reference does, a NUL byte after the last one.
// iptables-nft 1.8.9 always sends revision 1; the kernel's copy of the payload may carry its
// own program pointer after the user part, which is ignored here.
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/netfilter/xt_bpf.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <string>

#include "ext/extension.h"
#include "ext/util.h"

namespace cx::ext {
namespace {

enum { kOptBytecode = 1, kOptPinned };
constexpr OptionSpec kOptions[] = {{"bytecode", ArgKind::Required, kOptBytecode},
                                   {"object-pinned", ArgKind::Required, kOptPinned}};

const char* option_name(int id) { return id == kOptBytecode ? "--bytecode" : "--object-pinned"; }

// The program text as libxt_bpf reads it with sscanf: "%hu%c" for the count and its comma,
// then "%hu %hhu %hhu %u" after every comma that is not the last character. Using the same
// conversions keeps its tolerance (spaces, wrapping of large numbers) and its messages.
Status parse_program(const std::string& text, xt_bpf_info_v1& info) {
  unsigned short len = 0;
  char sep = 0;
  if (std::sscanf(text.c_str(), "%hu%c", &len, &sep) != 2 || sep != ',')
    return parameter_error("bpf: error parsing program length");
  if (len == 0) return parameter_error("bpf: illegal zero length program");
  if (len > XT_BPF_MAX_NUM_INSTR)
    return parameter_error("bpf: number of instructions exceeds maximum");
  int i = 0;
  const char* token = text.c_str();
  while ((token = std::strchr(token, ',')) != nullptr && (++token)[0] != '\0') {
    if (i >= len)
      return parameter_error("bpf: real program length exceeds the encoded length parameter");
    sock_filter& pc = info.bpf_program[i];
    if (std::sscanf(token, "%hu %hhu %hhu %u,", &pc.code, &pc.jt, &pc.jf, &pc.k) != 4)
      return parameter_error("bpf: error at instr " + std::to_string(i));
    ++i;
  }
  if (i != len)
    return parameter_error("bpf: parsed program length is less than the encoded length parameter");
  info.bpf_program_num_elem = len;
  return {};
}

// BPF_OBJ_GET read-only first, then read-write for kernels before 4.15 (as libxt_bpf does).
int pinned_object_fd(const std::string& path) {
  union bpf_attr attr;
  std::memset(&attr, 0, sizeof(attr));
  attr.pathname = reinterpret_cast<std::uint64_t>(path.c_str());
  attr.file_flags = BPF_F_RDONLY;
  long fd = syscall(__NR_bpf, BPF_OBJ_GET, &attr, sizeof(attr));
  if (fd >= 0) return static_cast<int>(fd);
  attr.file_flags = 0;
  return static_cast<int>(syscall(__NR_bpf, BPF_OBJ_GET, &attr, sizeof(attr)));
}

std::string code_text(const xt_bpf_info_v1& info, char tail) {
  std::string out;
  unsigned n = std::min<unsigned>(info.bpf_program_num_elem, XT_BPF_MAX_NUM_INSTR);
  for (unsigned i = 0; i < n; ++i) {
    const sock_filter& pc = info.bpf_program[i];
    out += std::to_string(pc.code) + " " + std::to_string(pc.jt) + " " + std::to_string(pc.jf) +
           " " + std::to_string(pc.k);
    out += i + 1 < n ? ',' : tail;
  }
  return out;
}

class BpfMatch final : public Match {
 public:
  xt_bpf_info_v1 info{};
  unsigned seen = 0;

  std::string_view name() const override { return "bpf"; }
  std::unique_ptr<Match> clone() const override { return std::make_unique<BpfMatch>(*this); }

  Status parse(int id, const OptionArg& arg, const RuleContext&) override {
    if (seen & (1u << id)) return only_once("bpf", option_name(id));
    if (arg.invert) return cannot_invert("bpf", option_name(id));
    seen |= 1u << id;
    const std::string value(arg.value);
    if (id == kOptBytecode) {
      CX_TRY(parse_program(value, info));
      info.mode = XT_BPF_MODE_BYTECODE;
      return {};
    }
    std::memset(info.path, 0, sizeof(info.path));
    std::memcpy(info.path, value.data(), std::min(value.size(), sizeof(info.path) - 1));
    int fd = pinned_object_fd(value);
    if (fd < 0) return parameter_error("bpf: failed to get bpf object");
    // The descriptor must stay open until the kernel has checked the rule, that is until
    // the batch is sent; like iptables, the process exit closes it.
    if (fcntl(fd, F_SETFD, FD_CLOEXEC) == -1)
      return other_error(std::string("Could not set close on exec: ") + std::strerror(errno),
                         ErrorStyle::Versioned);
    info.fd = fd;
    info.mode = XT_BPF_MODE_FD_PINNED;
    return {};
  }
  Status final_check(const RuleContext&) override {
    const unsigned both = (1u << kOptBytecode) | (1u << kOptPinned);
    if ((seen & both) == both || !(seen & both))
      return parameter_error("bpf: one of --bytecode or --pinned is required");
    return {};
  }
  std::string path() const { return std::string(info.path, strnlen(info.path, sizeof(info.path))); }
  void save(std::string& out, const SaveContext&) const override {
    if (info.mode == XT_BPF_MODE_BYTECODE)
      out +=
          " --bytecode \"" + std::to_string(info.bpf_program_num_elem) + "," + code_text(info, '"');
    else if (info.mode == XT_BPF_MODE_FD_PINNED)
      out += " --object-pinned " + path();
  }
  void list(std::string& out, bool, const SaveContext&) const override {
    out += "match bpf ";
    if (info.mode == XT_BPF_MODE_BYTECODE)
      out += code_text(info, '\0');
    else if (info.mode == XT_BPF_MODE_FD_PINNED)
      out += "pinned " + path();
    else
      out += "unknown";
  }
  Status encode(std::vector<nft::Expr>& out, const RuleContext&) const override {
    out.push_back(nft::Expr::match("bpf", 1, xt_blob(info)));
    return {};
  }
};

std::unique_ptr<Match> create(Family) { return std::make_unique<BpfMatch>(); }
std::unique_ptr<Match> decode(const DecodeContext&, const nft::Bytes& blob) {
  auto m = std::make_unique<BpfMatch>();
  if (!xt_read(blob, m->info)) return nullptr;
  // The kernel's program pointer is no part of the rule; resent as is it would only differ.
  m->info.filter = nullptr;
  // iptables-save gives up on a mode it does not know: such a rule is not ours to print.
  if (m->info.mode != XT_BPF_MODE_BYTECODE && m->info.mode != XT_BPF_MODE_FD_PINNED) return nullptr;
  m->seen = 1u << (m->info.mode == XT_BPF_MODE_BYTECODE ? kOptBytecode : kOptPinned);
  return m;
}

}  // namespace

constexpr std::string_view kBpfMatchHelp = R"HELP(
bpf match options:
--bytecode <program>	        : a bpf program as generated by
                                 $(nfbpf_compile RAW '<filter>')
--object-pinned <bpf object>	: a path to a pinned BPF object in bpf fs
)HELP";

extern const MatchType kBpfMatch = {"bpf", kBoth,  kOptions, create,       "bpf",
                                    1,     decode, nullptr,  kBpfMatchHelp};

}  // namespace cx::ext
