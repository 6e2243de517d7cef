// Errors are values: everything below src/tools returns Result<T>; tools/ prints and exits.
#pragma once
#include <string>
#include <utility>
#include <variant>

namespace cx {

// Exit codes of iptables: 1 other problem, 2 parameter problem, 3 version problem,
// 4 resource problem.
enum class ErrorKind { Other = 1, Parameter = 2, Version = 3, Resource = 4 };

// How iptables frames a message on stderr; the program name is added by tools/.
enum class ErrorStyle {
  Versioned,           // "PROG v1.8.9 (nf_tables): MSG" + "Try `PROG -h' ..." line
  VersionedBlank,      // "PROG v1.8.9 (nf_tables): MSG" + empty line (libxtables option errors)
  VersionedOnly,       // "PROG v1.8.9 (nf_tables): MSG"
  Plain,               // "PROG: MSG"
  Raw,                 // "MSG" as is, then the "Try ..." line
  Bare,                // "MSG" as is, nothing else
};

struct Error {
  ErrorKind kind = ErrorKind::Other;
  std::string message;
  ErrorStyle style = ErrorStyle::Versioned;
  int line = 0;  // restore line number, 0 when not from a restore file

  int exit_code() const { return static_cast<int>(kind); }
};

inline Error parameter_error(std::string msg) {
  return Error{ErrorKind::Parameter, std::move(msg), ErrorStyle::Versioned, 0};
}
// Errors raised by libxtables' option parser end with an empty line instead of "Try ...".
inline Error option_error(std::string msg) {
  return Error{ErrorKind::Parameter, std::move(msg), ErrorStyle::VersionedBlank, 0};
}
inline Error other_error(std::string msg, ErrorStyle style = ErrorStyle::Plain) {
  return Error{ErrorKind::Other, std::move(msg), style, 0};
}

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}
  Result(Error e) : v_(std::move(e)) {}
  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() { return std::get<0>(v_); }
  const T& value() const { return std::get<0>(v_); }
  T& operator*() { return value(); }
  T* operator->() { return &value(); }
  const Error& error() const { return std::get<1>(v_); }
  Error&& take_error() { return std::move(std::get<1>(v_)); }

 private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error e) : e_(std::move(e)), ok_(false) {}
  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const { return e_; }
  Error&& take_error() { return std::move(e_); }

 private:
  Error e_;
  bool ok_ = true;
};

using Status = Result<void>;

#define CX_TRY(expr)                                   \
  do {                                                 \
    auto cx_try_status_ = (expr);                      \
    if (!cx_try_status_.ok()) return cx_try_status_.take_error(); \
  } while (0)

}  // namespace cx
