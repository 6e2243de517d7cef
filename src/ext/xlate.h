// The text an extension adds when a rule is translated to nft syntax (iptables-translate).
// It behaves as libxtables' translation buffer does, so the extensions' pieces join the same
// way: a piece that starts with a letter, a digit or a bracket gets a space before it unless
// the text so far ends in one; the rule's trailing blanks are cut when it is read.
#pragma once
#include <cstdarg>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "model/family.h"
#include "model/rule.h"

namespace cx::ext {

class Xlate {
 public:
  explicit Xlate(Family family) : family_(family) {}
  Family family() const { return family_; }

  void add(std::string_view text) { append(rule_, text, true); }
  void add_nospc(std::string_view text) { append(rule_, text, false); }
  // A number, or "LO-HI" when the two differ (as libxtables' extensions print their ranges).
  void add_range(std::uint32_t lo, std::uint32_t hi);
  // printf-style forms of the two above (the extensions' texts are mostly formats).
  void addf(const char* fmt, ...) __attribute__((format(printf, 2, 3)));
  void addf_nospc(const char* fmt, ...) __attribute__((format(printf, 2, 3)));

  // The anonymous set some translations declare before the rule ("add set ...").
  void set_add(std::string_view text) { append(set_, text, true); }
  void set_add_nospc(std::string_view text) { append(set_, text, false); }
  void set_addf(const char* fmt, ...) __attribute__((format(printf, 2, 3)));

  // The rule's comment, printed after the verdict (at most 255 bytes, as iptables keeps it).
  void set_comment(std::string_view text) { comment_ = std::string(text.substr(0, 255)); }
  const std::string& comment() const { return comment_; }

  // A warning iptables prints on stderr while translating (tools/ prints them).
  void warn(std::string text) { warnings_.push_back(std::move(text)); }
  const std::vector<std::string>& warnings() const { return warnings_; }

  // A rule the reference's translator crashes on: the tool refuses it with this message
  // instead of printing a translation.
  void refuse(std::string message) { refusal_ = std::move(message); }
  const std::string& refusal() const { return refusal_; }

  std::string rule() const;  // without trailing blanks
  const std::string& set() const { return set_; }

 private:
  static void append(std::string& buf, std::string_view text, bool space);
  static std::string vformat(const char* fmt, va_list ap);
  Family family_;
  std::string rule_, set_, comment_, refusal_;
  std::vector<std::string> warnings_;
};

// What a translation may look at besides the extension itself.
struct XlateContext {
  Family family = Family::V4;
  const model::IpHeader* ip = nullptr;
  bool numeric = false;  // -n was given
};

}  // namespace cx::ext
