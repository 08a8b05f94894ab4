// Compile-time type checking, as OPA's type checker does it: the types of
// terms are inferred along each (already ordered) body, and every call of a
// built-in whose argument types are known is checked against the built-in's
// declared signature. Errors are OPA's:
//
//   rego_type_error: count: invalid argument(s)
//   	have: (number)
//   	want: (any<string, array[any], object[any: any], set[any]>)
//
//   rego_type_error: match error
//   	left  : number
//   	right : string
//
//   rego_type_error: undefined ref: x.bar
//   	x.bar
//   	  ^
//   	  have: "bar"
//   	  want (one of): ["foo"]
//
// A call nested in another term is reported as OPA reports it after moving
// it out with a fresh output variable (`???` ends "have", the result type
// ends "want"). Types print as OPA prints them (types.Sprint). What is not
// known is `any` here (rule and function types are inferred one level deep;
// OPA goes further and types input by schemas), so we find a subset of OPA's
// errors and never one OPA would not report: when unsure, accept.
// Internal to src/policy.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/result.h"
#include "policy/ast.h"

namespace genesis::policy {

struct Type;
using TypePtr = std::shared_ptr<const Type>;

struct Type {
  enum class K { kNull, kBool, kNumber, kString, kArray, kObject, kSet, kAny, kFunction };
  K k = K::kAny;
  std::vector<TypePtr> of;                                 // any<...> (empty: any); array static elements
  TypePtr dyn;                                             // array dynamic element; set element
  std::vector<std::pair<Value, TypePtr>> props;            // object static properties, sorted by key
  TypePtr dyn_key, dyn_val;                                // object dynamic property
  std::vector<TypePtr> args;                               // function parameters
  TypePtr result;                                          // function result (null: void)
  std::string to_string() const;
};

// Parses OPA's printed form ("any<string, array[any]>", "object<a: number>[string: any]",
// "(string, number) => boolean"); used for the built-in signature table.
TypePtr parse_type(const std::string& s);

// The declared signature of a built-in, or null when it is not checked.
const Type* builtin_signature(const std::string& name);

// The value types of complete rules and the types of functions, by
// rule-tree node (compiler.h's Node; opaque here): refs into data that reach
// such a rule select into its type; calls of such a function are checked
// against its argument types.
using RuleTypes = std::map<const void*, TypePtr>;
struct Compiled;
RuleTypes infer_rule_types(const Compiled& c);

// Checks the rule bodies of compiled modules (after the safety pass), and
// queries; appends errors. `rules` may be null (rules are then any).
void typecheck_rule(Rule& head, const RuleTypes* rules, std::vector<core::Error>& errs);
void typecheck_body(Body& body, int num_slots, const RuleTypes* rules, std::vector<core::Error>& errs);

}  // namespace genesis::policy
