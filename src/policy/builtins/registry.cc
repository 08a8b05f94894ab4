// The built-in table: every namespace file registers itself from the list below.
#include <map>
#include <mutex>

#include "policy/builtins/builtins.h"

namespace genesis::policy {
namespace {

std::map<std::string, Builtin, std::less<>>& table() {
  static std::map<std::string, Builtin, std::less<>> t;
  return t;
}

void register_all() {
  register_comparison();
  register_numbers();
  register_aggregates();
  register_arrays();
  register_sets();
  register_objects();
  register_strings();
  register_template();
  register_regex();
  register_types();
  register_encoding();
  register_misc();
  register_units();
  register_glob();
  register_graph();
  register_bits();
  register_json();
  register_semver();
  register_uuid();
  register_net();
  register_crypto();
  register_jwt();
  register_time();
  register_providers();
  register_x509();
  register_jsonschema();
  register_regoast();
  register_graphql();
}

}  // namespace

void register_builtin(const char* name, int arity, BuiltinFn fn) {
  Builtin b;
  b.name = name;
  b.arity = arity;
  b.fn = fn;
  table()[name] = b;
}

void register_relation(const char* name, int arity, BuiltinFn fn) {
  register_builtin(name, arity, fn);
  table()[name].relation = true;
}

const Builtin* find_builtin(std::string_view name) {
  static std::once_flag once;
  std::call_once(once, register_all);
  auto it = table().find(name);
  return it == table().end() ? nullptr : &it->second;
}

void type_error(int operand, const char* want, const Value& got) {
  throw BuiltinError{"eval_type_error", "operand " + std::to_string(operand) + " must be " + want + " but got " +
                                            got.type_name()};
}

void builtin_error(std::string message) { throw BuiltinError{"eval_builtin_error", std::move(message)}; }

const std::string& arg_string(const Value* args, int i) {
  if (!args[i].is_string()) type_error(i + 1, "string", args[i]);
  return args[i].str();
}

const Value& arg_number(const Value* args, int i) {
  if (!args[i].is_number()) type_error(i + 1, "number", args[i]);
  return args[i];
}

int64_t arg_int(const Value* args, int i) {
  const Value& v = arg_number(args, i);
  if (!v.is_int()) {
    if (v.is_integral()) return static_cast<int64_t>(v.as_double());
    throw BuiltinError{"eval_type_error", "operand " + std::to_string(i + 1) + " must be integer number but got floating-point number"};
  }
  return v.as_int();
}

const Value& arg_kind(const Value* args, int i, Kind k, const char* name) {
  if (args[i].kind() != k) type_error(i + 1, name, args[i]);
  return args[i];
}

}  // namespace genesis::policy
