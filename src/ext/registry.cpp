// The list of all extensions: adding one costs its file and one line here.
#include <array>

#include "ext/extension.h"
#include "ext/util.h"

namespace cx::ext {

#define CX_MATCHES(X) \
  X(kTcpMatch)        \
  X(kUdpMatch)        \
  X(kCommentMatch)    \
  X(kMarkMatch)       \
  X(kLimitMatch)      \
  X(kConntrackMatch)  \
  X(kStateMatch)      \
  X(kMultiportMatch)  \
  X(kIcmpMatch)       \
  X(kIcmp6Match)      \
  X(kAddrtypeMatch)   \
  X(kRecentMatch)     \
  X(kOwnerMatch)      \
  X(kIprangeMatch)    \
  X(kMacMatch)        \
  X(kPkttypeMatch)    \
  X(kLengthMatch)     \
  X(kConnmarkMatch)   \
  X(kDscpMatch)       \
  X(kTosMatch)        \
  X(kTtlMatch)        \
  X(kHlMatch)         \
  X(kEcnMatch)        \
  X(kPhysdevMatch)    \
  X(kDevgroupMatch)   \
  X(kHashlimitMatch)  \
  X(kSetMatch)        \
  X(kTimeMatch)       \
  X(kStringMatch)     \
  X(kConnlimitMatch)  \
  X(kFragMatch)       \
  X(kU32Match)        \
  X(kStatisticMatch)  \
  X(kEspMatch)        \
  X(kAhMatch)         \
  X(kAh6Match)        \
  X(kIpcompMatch)     \
  X(kHelperMatch)     \
  X(kRpfilterMatch)   \
  X(kQuotaMatch)      \
  X(kCpuMatch)        \
  X(kIpv6headerMatch) \
  X(kRtMatch)         \
  X(kMhMatch)         \
  X(kHbhMatch)        \
  X(kDstMatch)        \
  X(kEui64Match)      \
  X(kSrhMatch)        \
  X(kConnbytesMatch)  \
  X(kCgroupMatch)     \
  X(kTcpmssMatch)     \
  X(kRealmMatch)      \
  X(kClusterMatch)    \
  X(kConnlabelMatch)  \
  X(kSocketMatch)     \
  X(kPolicyMatch)     \
  X(kOsfMatch)        \
  X(kIpvsMatch)       \
  X(kSctpMatch)       \
  X(kDccpMatch)       \
  X(kBpfMatch)        \
  X(kRateestMatch)    \
  X(kNfacctMatch)

#define CX_TARGETS(X)   \
  X(kLogTarget)         \
  X(kRejectTarget)      \
  X(kNflogTarget)       \
  X(kTraceTarget)       \
  X(kSnatTarget)        \
  X(kDnatTarget)        \
  X(kMasqueradeTarget)  \
  X(kRedirectTarget)    \
  X(kNetmapTarget)      \
  X(kMarkTarget)        \
  X(kConnmarkTarget)    \
  X(kCtTarget)          \
  X(kNotrackTarget)     \
  X(kNfqueueTarget)     \
  X(kTcpmssTarget)      \
  X(kDscpTarget)        \
  X(kTosTarget)         \
  X(kTtlTarget)         \
  X(kHlTarget)          \
  X(kEcnTarget)         \
  X(kSetTarget)         \
  X(kAuditTarget)       \
  X(kClassifyTarget)    \
  X(kChecksumTarget)    \
  X(kConnsecmarkTarget) \
  X(kSynproxyTarget)    \
  X(kTeeTarget)         \
  X(kIdletimerTarget)   \
  X(kTproxyTarget)      \
  X(kSnptTarget)        \
  X(kDnptTarget)        \
  X(kSecmarkTarget)     \
  X(kLedTarget)         \
  X(kUlogTarget)        \
  X(kHmarkTarget)       \
  X(kRateestTarget)     \
  X(kClusteripTarget)   \
  X(kTcpoptstripTarget)

#define CX_DECLARE_MATCH(n) extern const MatchType n;
#define CX_DECLARE_TARGET(n) extern const TargetType n;
CX_MATCHES(CX_DECLARE_MATCH)
CX_TARGETS(CX_DECLARE_TARGET)

namespace {
#define CX_ADDRESS(n) &n,
const MatchType* const kMatches[] = {CX_MATCHES(CX_ADDRESS)};
const TargetType* const kTargets[] = {CX_TARGETS(CX_ADDRESS)};
}  // namespace

std::span<const MatchType* const> all_matches() { return kMatches; }
std::span<const TargetType* const> all_targets() { return kTargets; }

const MatchType* find_match(std::string_view name, Family family) {
  for (const MatchType* m : kMatches)
    if (m->name == name && has_family(m->families, family)) return m;
  return nullptr;
}

const TargetType* find_target(std::string_view name, Family family) {
  for (const TargetType* t : kTargets)
    if (t->name == name && has_family(t->families, family)) return t;
  return nullptr;
}

const MatchType* find_match_by_kernel_name(std::string_view kernel_name, Family family) {
  for (const MatchType* m : kMatches)
    if (m->decode_compat && m->kernel_name == kernel_name && has_family(m->families, family))
      return m;
  return nullptr;
}

const TargetType* find_target_by_kernel_name(std::string_view kernel_name, Family family) {
  for (const TargetType* t : kTargets)
    if (t->decode_compat && t->kernel_name == kernel_name && has_family(t->families, family))
      return t;
  return nullptr;
}

// The verdicts (-j ACCEPT, DROP, RETURN, QUEUE) load iptables' "standard" target, which is no
// extension here but has a help of its own.
constexpr std::string_view kStandardHelp = R"HELP(
standard match options:
(If target is DROP, ACCEPT, RETURN or nothing)
)HELP";

namespace {
template <class Type>
std::string_view help_of(const Type* type, Family family) {
  if (!type) return {};
  return family == Family::V6 && !type->help6.empty() ? type->help6 : type->help;
}
}  // namespace

std::string_view extension_help(std::string_view name, bool target, Family family) {
  if (!target) return help_of(find_match(name, family), family);
  if (name == "standard") return kStandardHelp;
  return help_of(find_target(name, family), family);
}

}  // namespace cx::ext
