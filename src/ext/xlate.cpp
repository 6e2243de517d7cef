#include "ext/xlate.h"

#include <cctype>
#include <cstdio>

namespace cx::ext {

namespace {

bool starts_word(char c) {
  switch (c) {
    case '(':
    case ')':
    case '{':
    case '}':
    case '[':
    case ']':
      return true;
  }
  return std::isalnum(static_cast<unsigned char>(c)) != 0;
}

}  // namespace

void Xlate::append(std::string& buf, std::string_view text, bool space) {
  if (space && !buf.empty() && !std::isspace(static_cast<unsigned char>(buf.back())) &&
      !text.empty() && starts_word(text.front()))
    buf += ' ';
  buf += text;
}

std::string Xlate::vformat(const char* fmt, va_list ap) {
  char small[512];
  va_list copy;
  va_copy(copy, ap);
  int n = std::vsnprintf(small, sizeof small, fmt, copy);
  va_end(copy);
  if (n < 0) return {};
  if (static_cast<std::size_t>(n) < sizeof small)
    return std::string(small, static_cast<std::size_t>(n));
  std::string out(static_cast<std::size_t>(n) + 1, '\0');
  std::vsnprintf(out.data(), out.size(), fmt, ap);
  out.resize(static_cast<std::size_t>(n));
  return out;
}

void Xlate::add_range(std::uint32_t lo, std::uint32_t hi) {
  if (lo == hi)
    addf("%u", lo);
  else
    addf("%u-%u", lo, hi);
}

void Xlate::addf(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  add(vformat(fmt, ap));
  va_end(ap);
}

void Xlate::addf_nospc(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  add_nospc(vformat(fmt, ap));
  va_end(ap);
}

void Xlate::set_addf(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  set_add(vformat(fmt, ap));
  va_end(ap);
}

std::string Xlate::rule() const {
  std::string r = rule_;
  while (!r.empty() && std::isspace(static_cast<unsigned char>(r.back()))) r.pop_back();
  return r;
}

}  // namespace cx::ext
