// The built-in function table. Each OPA namespace lives in its own file under
// builtins/ with one register_* function; registry.cc calls them all from one
// explicit list. Internal to src/policy.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "policy/value.h"

namespace genesis::policy {

class Evaluator;

// Thrown by built-ins. code: eval_type_error (bad operand types) or
// eval_builtin_error (anything else). Message without the built-in's name.
struct BuiltinError {
  std::string code;
  std::string message;
  bool halt = false;  // raised even without strict built-in errors (as OPA's Halt)
};

struct BuiltinContext {
  Evaluator* ev = nullptr;
  int64_t now_ns = 0;
  bool sandbox = false;  // refuse network and randomness
  std::function<void(const std::string&)> print;
  std::mt19937_64* rng = nullptr;
  std::map<std::string, Value> memo;  // per-query results (uuid.rfc4122, time.now_ns)
  // Calls a built-in by name (used by walk, etc. rarely).
};

// Returns the result; Value() (undefined) means undefined.
using BuiltinFn = Value (*)(BuiltinContext& ctx, const Value* args, size_t n);

struct Builtin {
  std::string name;
  int arity = 0;        // -1: variadic (print)
  BuiltinFn fn = nullptr;
  bool relation = false;  // returns an array of results, each unified with the output (walk)
};

const Builtin* find_builtin(std::string_view name);
void register_builtin(const char* name, int arity, BuiltinFn fn);
void register_relation(const char* name, int arity, BuiltinFn fn);

// Registration, one function per namespace file.
void register_comparison();
void register_numbers();
void register_aggregates();
void register_arrays();
void register_sets();
void register_objects();
void register_strings();
void register_template();  // strings.render_template (template.cc)
void register_regex();
void register_glob();
void register_types();
void register_encoding();
void register_time();
void register_units();
void register_uuid();
void register_crypto();
void register_jwt();
void register_net();
void register_semver();
void register_graph();
void register_bits();
void register_json();
void register_misc();
void register_providers();
void register_x509();
void register_jsonschema();
void register_regoast();  // rego.parse_module (regoast.cc)
void register_graphql();  // graphql.* (graphql.cc, over src/graphql)

// Shared codecs (encoding.cc).
std::string base64_encode(const std::string& s, bool url, bool pad);
bool base64_decode(const std::string& s, bool url, std::string* out);
std::string hex_encode(const std::string& s);

// Operand helpers: throw eval_type_error "operand N must be T but got U".
[[noreturn]] void type_error(int operand, const char* want, const Value& got);
[[noreturn]] void builtin_error(std::string message);
const std::string& arg_string(const Value* args, int i);
const Value& arg_number(const Value* args, int i);
int64_t arg_int(const Value* args, int i);
const Value& arg_kind(const Value* args, int i, Kind k, const char* name);

}  // namespace genesis::policy
