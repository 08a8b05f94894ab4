// Rego values: the term model the policy engine evaluates over.
//
// Unlike core::Value (JSON), Rego has sets, objects whose keys are any value,
// and numbers that must stay exact beyond 64 bits. A Value is immutable and
// cheap to copy (scalars inline, composites shared by reference count), so the
// evaluator passes them by value freely. Objects and sets are kept sorted by
// OPA's total order, which makes equality, lookup (binary search) and printing
// in OPA's order direct. Thread-safety: like std::shared_ptr<const T>.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"
#include "core/value.h"

namespace genesis::policy {

// kUndefined is not a Rego value: it marks "no value" (an unbound variable
// slot, an undefined lookup). OPA's order is null < bool < number < string <
// array < object < set.
enum class Kind : uint8_t { kUndefined, kNull, kBool, kNumber, kString, kArray, kObject, kSet };

class Value;
using ValueVec = std::vector<Value>;
using ObjectItems = std::vector<std::pair<Value, Value>>;

class Value {
 public:
  Value() = default;  // undefined
  static Value null();
  static Value boolean(bool b);
  static Value integer(int64_t i);
  static Value number(double d);
  // A number from its literal text (JSON or Rego); integers beyond int64 stay exact.
  static Value number_text(std::string_view text);
  static Value string(std::string s);
  static Value array(ValueVec items);
  // Sorts by key; a later duplicate key replaces an earlier one.
  static Value object(ObjectItems items);
  // Sorts and removes duplicates.
  static Value set(ValueVec items);
  static const Value& empty_object();
  static const Value& empty_set();
  static const Value& empty_array();

  Kind kind() const { return kind_; }
  bool defined() const { return kind_ != Kind::kUndefined; }
  bool is_null() const { return kind_ == Kind::kNull; }
  bool is_bool() const { return kind_ == Kind::kBool; }
  bool is_number() const { return kind_ == Kind::kNumber; }
  bool is_string() const { return kind_ == Kind::kString; }
  bool is_array() const { return kind_ == Kind::kArray; }
  bool is_object() const { return kind_ == Kind::kObject; }
  bool is_set() const { return kind_ == Kind::kSet; }
  bool is_false() const { return kind_ == Kind::kBool && !b_; }
  bool is_true() const { return kind_ == Kind::kBool && b_; }

  bool as_bool() const { return b_; }
  // Numbers. is_int: an integer that fits int64. is_integral: any integer
  // (int64 or a big integer kept as text).
  bool is_int() const { return kind_ == Kind::kNumber && ntag_ == kInt; }
  bool is_integral() const;
  bool is_big() const { return kind_ == Kind::kNumber && ntag_ == kBig; }
  int64_t as_int() const { return i_; }
  double as_double() const;
  // Decimal text of a big integer (is_big()).
  const std::string& big_text() const;
  // The integer value when it fits 128 bits.
  bool to_i128(__int128* out) const;
  static Value from_i128(__int128 v);

  const std::string& str() const;
  const ValueVec& arr() const;        // array items
  const ObjectItems& obj() const;     // object items, sorted by key
  const ValueVec& set_items() const;  // set items, sorted
  size_t size() const;                // length of a string (bytes), array, object or set

  // Object lookup / set membership; nullptr when absent.
  const Value* get(const Value& key) const;
  const Value* get(std::string_view key) const;
  bool contains(const Value& item) const;  // set membership

  // Total order (OPA's): <0, 0, >0. Numbers compare by value (1 == 1.0).
  friend int compare(const Value& a, const Value& b);
  friend bool operator==(const Value& a, const Value& b) { return compare(a, b) == 0; }
  friend bool operator<(const Value& a, const Value& b) { return compare(a, b) < 0; }

  // "null", "boolean", "number", "string", "array", "object", "set".
  const char* type_name() const;

 private:
  enum NumTag : uint8_t { kInt, kDouble, kBig };
  Kind kind_ = Kind::kUndefined;
  uint8_t ntag_ = 0;
  bool b_ = false;
  union {
    int64_t i_ = 0;
    double d_;
  };
  std::shared_ptr<const void> rep_;
};

// JSON text <-> Value. Sets serialize as arrays; object keys that are not
// strings serialize as their JSON text (what OPA does).
// Reads through core's strict reader (core::read_json): invalid UTF-8, lone
// surrogates, duplicate keys and numbers beyond a double are refused.
// kLastWins reads duplicate keys as Go's encoding/json does (the later one
// wins): only for built-ins that decode policy-supplied text as OPA does
// (json.unmarshal, JWT headers and payloads).
enum class DuplicateKeys { kRefuse, kLastWins };
core::Result<Value> parse_json(std::string_view text, DuplicateKeys duplicates = DuplicateKeys::kRefuse);
std::string to_json(const Value& v, bool pretty = false);
void append_json(std::string& out, const Value& v, bool pretty = false, int indent = 0);
// Number text as OPA prints it.
std::string number_to_string(const Value& v);
// Rego literal syntax (sets as {1, 2}, set() when empty); used by sprintf and errors.
std::string to_rego(const Value& v);

// The boundary with the rest of Genesis.
Value from_core(const core::Value& v);
core::Value to_core(const Value& v);

}  // namespace genesis::policy
