// GraphQL documents: a lexer and parser for executable documents (queries) and
// the schema definition language, the schema checks that turn a schema
// document into a usable schema, and the spec's validation rules for a query
// against that schema.
//
// Behaviour follows gqlparser (the Go library OPA's graphql.* built-ins use),
// because policies compare its AST and its error texts: node shapes and field
// names mirror its AST, a document stops at the first syntax error with
// gqlparser's message and position (line and column count code points from 1),
// and validation reports every rule violation in walk order.
//
// No dependency on the rest of Genesis; src/policy/builtins/graphql.cc maps
// these nodes to Rego values.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace genesis::graphql {

// line 0: unknown (a document built from data rather than parsed).
struct Position {
  int line = 0;
  int column = 0;
};

// gqlparser's numbering, kept because the AST exposes it as a number.
enum class ValueKind : int {
  kVariable = 0,
  kInt = 1,
  kFloat = 2,
  kString = 3,
  kBlock = 4,
  kBoolean = 5,
  kNull = 6,
  kEnum = 7,
  kList = 8,
  kObject = 9,
};

struct Type;
using TypePtr = std::shared_ptr<Type>;
// A type reference: a named type, or a list of elem; either may be non-null.
struct Type {
  std::string named;  // empty for a list
  TypePtr elem;       // set for a list
  bool non_null = false;
  Position pos;
  std::string str() const;  // "[Int!]!"
  const std::string& name() const;  // innermost named type
};

struct Value;
using ValuePtr = std::shared_ptr<Value>;
struct ChildValue {
  std::string name;  // empty for list items
  ValuePtr value;
  Position pos;
};
struct Value {
  std::string raw;  // literal text (strings unescaped), variable name without '$'
  std::vector<ChildValue> children;  // list items / object fields
  ValueKind kind = ValueKind::kVariable;
  bool expected_type_has_default = false;  // only ever read back from data
  Position pos;
  std::string str() const;  // GraphQL source form ("$v", "\"s\"", "[1, 2]", "{a: 1}")
};

struct Argument {
  std::string name;
  ValuePtr value;
  Position pos;
};

struct Directive {
  std::string name;
  std::vector<Argument> arguments;
  std::string location;  // set by validation in gqlparser; always "" here
  Position pos;
};

enum class SelectionKind { kField, kFragmentSpread, kInlineFragment };
struct Selection {
  SelectionKind kind = SelectionKind::kField;
  std::string alias;           // field
  std::string name;            // field, fragment spread
  std::string type_condition;  // inline fragment ("" when absent)
  std::vector<Argument> arguments;
  std::vector<Directive> directives;
  std::vector<Selection> selection_set;
  Position pos;
};

struct VariableDefinition {
  std::string variable;
  TypePtr type;
  ValuePtr default_value;
  std::vector<Directive> directives;
  bool used = false;  // as in gqlparser's AST; parsing leaves it false
  Position pos;
};

struct OperationDefinition {
  std::string operation;  // "query", "mutation", "subscription"
  std::string name;
  std::vector<VariableDefinition> variable_definitions;
  std::vector<Directive> directives;
  std::vector<Selection> selection_set;
  Position pos;
};

struct FragmentDefinition {
  std::string name;
  std::vector<VariableDefinition> variable_definition;  // gqlparser's (singular) name
  std::string type_condition;
  std::vector<Directive> directives;
  std::vector<Selection> selection_set;
  Position pos;
};

struct QueryDocument {
  std::vector<OperationDefinition> operations;
  std::vector<FragmentDefinition> fragments;
};

// ---- schema definition language ----

struct ArgumentDefinition {
  std::string description;
  std::string name;
  ValuePtr default_value;
  TypePtr type;
  std::vector<Directive> directives;
  Position pos;
};

struct FieldDefinition {
  std::string description;
  std::string name;
  std::vector<ArgumentDefinition> arguments;
  ValuePtr default_value;  // input fields
  TypePtr type;
  std::vector<Directive> directives;
  Position pos;
};

struct EnumValueDefinition {
  std::string description;
  std::string name;
  std::vector<Directive> directives;
  Position pos;
};

// A named type: kind is SCALAR, OBJECT, INTERFACE, UNION, ENUM or INPUT_OBJECT.
struct Definition {
  std::string kind;
  std::string description;
  std::string name;
  std::vector<Directive> directives;
  std::vector<std::string> interfaces;
  std::vector<FieldDefinition> fields;
  std::vector<std::string> types;  // union members
  std::vector<EnumValueDefinition> enum_values;
  bool built_in = false;
  Position pos;
  const FieldDefinition* field(std::string_view name) const;
};

struct DirectiveDefinition {
  std::string description;
  std::string name;
  std::vector<ArgumentDefinition> arguments;
  std::vector<std::string> locations;
  bool is_repeatable = false;
  Position pos;
};

struct OperationTypeDefinition {
  std::string operation;
  std::string type;
  Position pos;
};

struct SchemaDefinition {
  std::string description;
  std::vector<Directive> directives;
  std::vector<OperationTypeDefinition> operation_types;
  Position pos;
};

struct SchemaDocument {
  std::vector<SchemaDefinition> schema;
  std::vector<SchemaDefinition> schema_extension;
  std::vector<DirectiveDefinition> directives;
  std::vector<Definition> definitions;
  std::vector<Definition> extensions;
};

// An error at a position (line 0 when unknown). to_string() is gqlparser's
// text: "input:LINE:COL: message" ("input: message" without a position).
struct Error {
  std::string message;
  Position pos;
  std::string to_string() const;
};

// Parse a document; nullopt on success. A document holds at most the first
// syntax error (gqlparser stops there).
std::optional<Error> parse_query(std::string_view source, QueryDocument& out);
std::optional<Error> parse_schema(std::string_view source, SchemaDocument& out);

// A schema document merged with the spec's built-in types and directives
// (Int, String, @include, __Schema, ...) and checked: types defined once,
// extensions match their type's kind, fields and arguments name existing types
// of the right kind, interfaces implemented (transitively), unions of objects,
// directives known and allowed where used, schema roots exist.
class Schema {
 public:
  // nullopt on success; the first violation otherwise (the document is copied).
  std::optional<Error> load(const SchemaDocument& doc);

  const Definition* type(std::string_view name) const;
  const DirectiveDefinition* directive(std::string_view name) const;
  std::vector<std::string> type_names() const;  // every type, by name
  const Definition* query() const { return query_; }
  const Definition* mutation() const { return mutation_; }
  const Definition* subscription() const { return subscription_; }
  // Object types an interface or union may be at run time (and the object itself).
  std::vector<const Definition*> possible_types(const Definition& def) const;

 private:
  std::optional<Error> check_definition(Definition& def);
  std::optional<Error> check_implements(Definition& def, const std::string& intf);
  std::optional<Error> check_args(const std::vector<ArgumentDefinition>& args, const DirectiveDefinition* current);
  std::optional<Error> check_directives(const std::vector<Directive>& dirs, const std::string& location,
                                        const DirectiveDefinition* current);
  bool covariant(const Type& required, const Type& actual) const;

  SchemaDocument doc_;  // prelude + the user's document, with extensions applied
  std::vector<std::unique_ptr<Definition>> implied_;  // types that only have extensions
  std::map<std::string, Definition*, std::less<>> types_;
  std::map<std::string, DirectiveDefinition*, std::less<>> directives_;
  std::map<std::string, std::vector<Definition*>, std::less<>> possible_;
  const Definition* query_ = nullptr;
  const Definition* mutation_ = nullptr;
  const Definition* subscription_ = nullptr;
};

// The spec's validation rules for a query against a loaded schema, in
// gqlparser's order; empty when the query is valid.
std::vector<Error> validate(const Schema& schema, const QueryDocument& doc);

// gqlparser's text for a list of errors: each to_string() followed by "\n".
std::string errors_text(const std::vector<Error>& errors);

// Go's strconv.Quote (used by gqlparser's messages).
std::string go_quote(std::string_view s);

}  // namespace genesis::graphql
