// One error vocabulary for Genesis: every component boundary returns Result<T>.
//
// An Error carries a machine-readable code (OPA's codes in the policy engine,
// e.g. "rego_parse_error"; "not_found", "invalid_argument", ... elsewhere), a
// human message, and where it happened ("file:line:col" or a field path).
// Errors become HTTP status + JSON in exactly one place (src/server/errors.cc).
#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace genesis::core {

// Codes shared across components. Components may use their own (OPA's) codes too.
namespace code {
inline constexpr const char* kInvalidArgument = "invalid_argument";
inline constexpr const char* kNotFound = "not_found";
inline constexpr const char* kConflict = "conflict";
inline constexpr const char* kTooLarge = "too_large";
inline constexpr const char* kUnavailable = "unavailable";
inline constexpr const char* kInternal = "internal";
inline constexpr const char* kForbidden = "forbidden";
inline constexpr const char* kUnauthorized = "unauthorized";
}  // namespace code

struct Error {
  std::string code;
  std::string message;
  std::string where;  // optional location: "file:line:col", a field path, ...

  std::string to_string() const {
    std::string s;
    if (!where.empty()) s += where + ": ";
    s += code + ": " + message;
    return s;
  }
};

inline Error make_error(std::string code, std::string message, std::string where = {}) {
  return Error{std::move(code), std::move(message), std::move(where)};
}

// Result<T> holds either a T or an Error. Accessing the wrong side is a bug in
// the caller (asserted), never something input can cause.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}          // NOLINT(runtime/explicit)
  Result(Error error) : v_(std::move(error)) {}      // NOLINT(runtime/explicit)

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { assert(ok()); return std::get<0>(v_); }
  const T& value() const& { assert(ok()); return std::get<0>(v_); }
  T&& value() && { assert(ok()); return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const Error& error() const { assert(!ok()); return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

// Result<void>: success or an Error.
template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT(runtime/explicit)

  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const { assert(!ok_); return error_; }

 private:
  Error error_;
  bool ok_ = true;
};

using Status = Result<void>;

}  // namespace genesis::core
