// Value: the JSON data model shared by the registry, server, detector and
// emotion components. (The Rego engine has its own richer term type with sets
// and arbitrary-precision numbers; it converts at its boundary.)
//
// Objects keep insertion order (what a user sent is echoed back as sent);
// lookups are linear, which is right for the small objects agents carry.
// Integers that fit int64 stay exact; other numbers are doubles.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "core/result.h"

namespace genesis::core {

class Value;
using Array = std::vector<Value>;
using Object = std::vector<std::pair<std::string, Value>>;

class Value {
 public:
  enum class Kind { kNull, kBool, kInt, kDouble, kString, kArray, kObject };

  Value() : v_(nullptr) {}
  Value(std::nullptr_t) : v_(nullptr) {}                    // NOLINT
  Value(bool b) : v_(b) {}                                  // NOLINT
  Value(int i) : v_(static_cast<int64_t>(i)) {}             // NOLINT
  Value(int64_t i) : v_(i) {}                               // NOLINT
  Value(uint32_t i) : v_(static_cast<int64_t>(i)) {}        // NOLINT
  Value(double d) : v_(d) {}                                // NOLINT
  Value(const char* s) : v_(std::string(s)) {}              // NOLINT
  Value(std::string s) : v_(std::move(s)) {}                // NOLINT
  Value(std::string_view s) : v_(std::string(s)) {}         // NOLINT
  Value(Array a) : v_(std::move(a)) {}                      // NOLINT
  Value(Object o) : v_(std::move(o)) {}                     // NOLINT

  static Value object() { return Value(Object{}); }
  static Value array() { return Value(Array{}); }

  Kind kind() const { return static_cast<Kind>(v_.index()); }
  bool is_null() const { return kind() == Kind::kNull; }
  bool is_bool() const { return kind() == Kind::kBool; }
  bool is_int() const { return kind() == Kind::kInt; }
  bool is_number() const { return kind() == Kind::kInt || kind() == Kind::kDouble; }
  bool is_string() const { return kind() == Kind::kString; }
  bool is_array() const { return kind() == Kind::kArray; }
  bool is_object() const { return kind() == Kind::kObject; }

  bool as_bool() const { return std::get<bool>(v_); }
  int64_t as_int() const { return std::get<int64_t>(v_); }
  // Any number as double.
  double as_double() const {
    return is_int() ? static_cast<double>(std::get<int64_t>(v_)) : std::get<double>(v_);
  }
  const std::string& as_string() const { return std::get<std::string>(v_); }
  std::string& as_string() { return std::get<std::string>(v_); }
  const Array& as_array() const { return std::get<Array>(v_); }
  Array& as_array() { return std::get<Array>(v_); }
  const Object& as_object() const { return std::get<Object>(v_); }
  Object& as_object() { return std::get<Object>(v_); }

  // Object member lookup; nullptr when absent or when this is not an object.
  const Value* find(std::string_view key) const;
  Value* find(std::string_view key);
  // Sets (replacing) an object member. This must be an object.
  Value& set(std::string key, Value v);
  // Appends to an array. This must be an array.
  void push_back(Value v) { as_array().push_back(std::move(v)); }

  friend bool operator==(const Value& a, const Value& b);

  const char* kind_name() const;

 private:
  std::variant<std::nullptr_t, bool, int64_t, double, std::string, Array, Object> v_;
};

struct JsonOptions {
  int max_depth = 128;
};

// Parses one JSON text (RFC 8259). Errors name the byte offset ("offset 17").
// Duplicate object keys are refused: silently dropping one hides a bug.
Result<Value> parse_json(std::string_view text, const JsonOptions& options = {});

// Compact serialization; `pretty` indents by two spaces.
std::string to_json(const Value& v, bool pretty = false);
void append_json(std::string& out, const Value& v);
void append_json_string(std::string& out, std::string_view s);
// Appends code point `cp` (at most 0x10FFFF) encoded as UTF-8.
void append_utf8(std::string& out, uint32_t cp);

}  // namespace genesis::core
