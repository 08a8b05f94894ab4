// The GraphQL component: parsing (AST and gqlparser's error texts and
// positions), schema loading checks, and the query validation rules.
#include "graphql/graphql.h"

#include <gtest/gtest.h>

namespace gq = genesis::graphql;

namespace {

gq::QueryDocument query(std::string_view src) {
  gq::QueryDocument doc;
  auto err = gq::parse_query(src, doc);
  EXPECT_FALSE(err) << err->to_string();
  return doc;
}

std::string query_error(std::string_view src) {
  gq::QueryDocument doc;
  auto err = gq::parse_query(src, doc);
  return err ? err->to_string() : "no error";
}

std::string schema_error(std::string_view src) {
  gq::SchemaDocument doc;
  auto err = gq::parse_schema(src, doc);
  return err ? err->to_string() : "no error";
}

// "" when the schema loads, its first error otherwise.
std::string load_error(std::string_view src) {
  gq::SchemaDocument doc;
  if (auto err = gq::parse_schema(src, doc)) return "parse: " + err->to_string();
  gq::Schema s;
  auto err = s.load(doc);
  return err ? err->to_string() : "";
}

constexpr std::string_view kSchema = R"(
  interface Pet { name: String! }
  type Dog implements Pet { name: String! barks: Boolean nickname(short: Boolean): String }
  type Cat implements Pet { name: String! lives: Int }
  union Animal = Dog | Cat
  enum Color { RED GREEN }
  input Filter { color: Color! limit: Int = 10 }
  type Query {
    pet(id: ID!): Pet
    pets(filter: Filter, first: Int): [Pet!]!
    animal: Animal
    color: Color
  }
  type Mutation { adopt(id: ID!): Dog }
  type Subscription { newPet: Pet other: Int }
)";

// The validation errors of a query against kSchema, joined as gqlparser prints them.
std::string check(std::string_view q) {
  gq::SchemaDocument sd;
  if (auto e = gq::parse_schema(kSchema, sd)) return "schema: " + e->to_string();
  gq::Schema schema;
  if (auto e = schema.load(sd)) return "schema: " + e->to_string();
  gq::QueryDocument doc;
  if (auto e = gq::parse_query(q, doc)) return "parse: " + e->to_string();
  return gq::errors_text(gq::validate(schema, doc));
}

TEST(GraphqlParse, FieldsAliasesArgumentsAndFragments) {
  auto doc = query(R"(query Q($id: ID! = "x", $n: [Int!]) @a {
    first: pet(id: $id) { name ... on Dog { barks } ...F }
  }
  fragment F on Pet { name })");
  ASSERT_EQ(doc.operations.size(), 1u);
  const auto& op = doc.operations[0];
  EXPECT_EQ(op.operation, "query");
  EXPECT_EQ(op.name, "Q");
  ASSERT_EQ(op.variable_definitions.size(), 2u);
  EXPECT_EQ(op.variable_definitions[0].type->str(), "ID!");
  EXPECT_EQ(op.variable_definitions[0].default_value->kind, gq::ValueKind::kString);
  EXPECT_EQ(op.variable_definitions[1].type->str(), "[Int!]");
  EXPECT_EQ(op.directives.at(0).name, "a");
  const auto& f = op.selection_set.at(0);
  EXPECT_EQ(f.alias, "first");
  EXPECT_EQ(f.name, "pet");
  EXPECT_EQ(f.arguments.at(0).value->kind, gq::ValueKind::kVariable);
  EXPECT_EQ(f.arguments.at(0).value->raw, "id");
  ASSERT_EQ(f.selection_set.size(), 3u);
  EXPECT_EQ(f.selection_set[1].kind, gq::SelectionKind::kInlineFragment);
  EXPECT_EQ(f.selection_set[1].type_condition, "Dog");
  EXPECT_EQ(f.selection_set[2].kind, gq::SelectionKind::kFragmentSpread);
  EXPECT_EQ(doc.fragments.at(0).type_condition, "Pet");
  EXPECT_EQ(f.pos.line, 2);
  EXPECT_EQ(f.pos.column, 5);
}

TEST(GraphqlParse, ValuesAndStrings) {
  auto doc = query(R"({ f(a: -1.5e3, b: "\u00e9\n\"", c: [1, {x: ENUM}], d: null, e: true, g: """
      two
        lines
  """) })");
  const auto& args = doc.operations.at(0).selection_set.at(0).arguments;
  EXPECT_EQ(args[0].value->kind, gq::ValueKind::kFloat);
  EXPECT_EQ(args[0].value->raw, "-1.5e3");
  EXPECT_EQ(args[1].value->raw, "\xC3\xA9\n\"");
  EXPECT_EQ(args[2].value->kind, gq::ValueKind::kList);
  EXPECT_EQ(args[2].value->str(), "[1,{x:ENUM}]");
  EXPECT_EQ(args[3].value->kind, gq::ValueKind::kNull);
  EXPECT_EQ(args[4].value->kind, gq::ValueKind::kBoolean);
  EXPECT_EQ(args[5].value->kind, gq::ValueKind::kBlock);
  EXPECT_EQ(args[5].value->raw, "two\n  lines");  // common indentation and blank edges removed
}

TEST(GraphqlParse, ColumnsCountCodePoints) {
  // The string token's position is after its opening quote, in code points.
  EXPECT_EQ(query_error("{ f(a: \"\xE0\xA8\x8A\" b: $) }"), "input:1:16: Expected Name, found )");
}

TEST(GraphqlParse, SyntaxErrorsAsGqlparserWordsThem) {
  EXPECT_EQ(query_error("{"), "input:1:2: Expected Name, found <EOF>");
  EXPECT_EQ(query_error("notanoperation Foo { field }"), "input:1:1: Unexpected Name \"notanoperation\"");
  EXPECT_EQ(query_error("{ ...on }"), "input:1:9: Expected Name, found }");
  EXPECT_EQ(query_error("fragment on on on { on }"), "input:1:10: Unexpected Name \"on\"");
  EXPECT_EQ(query_error("query ($x: Int = $y) { f }"), "input:1:18: Unexpected $");
  // A bad token the parser only peeks at is reported as the parser sees it
  // (gqlparser's lexer message surfaces only when the token is consumed).
  EXPECT_EQ(query_error("{ f(a: \"open) }"), "input:1:16: Unexpected <Invalid>");
  EXPECT_EQ(query_error("{ f(a: 012) }"), "input:1:9: Unexpected <Invalid>");
  EXPECT_EQ(query_error("{ f ? }"), "input:1:5: Expected Name, found <Invalid>");
  EXPECT_EQ(query_error("{...{__typename{...{}}}}"), "input:1:21: expected at least one definition, found }");
  EXPECT_EQ(query_error("query"), "input:1:6: Expected {, found <EOF>");
}

TEST(GraphqlParse, DeepNestingIsRefusedNotACrash) {
  std::string deep = "{ f(a: " + std::string(100000, '[') + std::string(100000, ']') + ") }";
  EXPECT_NE(query_error(deep).find("nested too deeply"), std::string::npos);
  std::string sels;
  for (int i = 0; i < 100000; ++i) sels += "a {";
  EXPECT_NE(query_error("{ " + sels).find("nested too deeply"), std::string::npos);
  std::string types = "query ($v: " + std::string(100000, '[');
  EXPECT_NE(query_error(types).find("nested too deeply"), std::string::npos);
}

TEST(GraphqlParse, SchemaLanguage) {
  gq::SchemaDocument doc;
  ASSERT_FALSE(gq::parse_schema(R"(
    """
      A hello.
    """
    type Hello implements & A & B @d { "the world" world(flag: Boolean = true): [String!]! }
    extend type Hello implements C
    union U = | A | B
    enum E { X Y }
    input I { a: Int = 1 }
    scalar S
    schema { query: Hello }
    extend schema @d
    directive @d(x: Int) repeatable on FIELD | OBJECT
  )", doc));
  ASSERT_EQ(doc.definitions.size(), 5u);
  const auto& hello = doc.definitions[0];
  EXPECT_EQ(hello.kind, "OBJECT");
  EXPECT_EQ(hello.description, "A hello.");
  EXPECT_EQ(hello.interfaces, (std::vector<std::string>{"A", "B"}));
  EXPECT_EQ(hello.fields.at(0).description, "the world");
  EXPECT_EQ(hello.fields.at(0).type->str(), "[String!]!");
  EXPECT_EQ(hello.fields.at(0).arguments.at(0).default_value->raw, "true");
  EXPECT_EQ(doc.extensions.at(0).interfaces, (std::vector<std::string>{"C"}));
  EXPECT_EQ(doc.definitions[1].types, (std::vector<std::string>{"A", "B"}));
  EXPECT_EQ(doc.definitions[3].kind, "INPUT_OBJECT");
  EXPECT_EQ(doc.schema.at(0).operation_types.at(0).type, "Hello");
  EXPECT_EQ(doc.schema_extension.at(0).directives.at(0).name, "d");
  EXPECT_TRUE(doc.directives.at(0).is_repeatable);
  EXPECT_EQ(doc.directives.at(0).locations, (std::vector<std::string>{"FIELD", "OBJECT"}));
}

TEST(GraphqlParse, SchemaSyntaxErrors) {
  EXPECT_EQ(schema_error("type Hello {}"), "input:1:13: expected at least one definition, found }");
  EXPECT_EQ(schema_error("extend type Hello"), "input:1:18: Unexpected <EOF>");
  EXPECT_EQ(schema_error("\n  \"Description\"\n  extend type Hello { world: String }"),
            "input:2:4: Unexpected String \"Description\"");
  EXPECT_EQ(schema_error("union Hello = Wo || Rld"), "input:1:19: Expected Name, found |");
  EXPECT_EQ(schema_error("input Hello { world(foo: Int): String }"), "input:1:20: Expected :, found (");
  EXPECT_EQ(schema_error("directive @foo on FIELD | NOWHERE"), "input:1:27: Unexpected Name \"NOWHERE\"");
  EXPECT_EQ(schema_error("\"\"\"\r"), "input:2:1: Unexpected <Invalid>");  // the lexer's own error is not reached
  EXPECT_EQ(schema_error("extend schema"), "input:1:14: Unexpected <EOF>");
  // Consumed bad tokens carry the lexer's message.
  EXPECT_EQ(schema_error("schema { 'query': Q }"),
            "input:1:10: Unexpected single quote character ('), did you mean to use a double quote (\")?");
  EXPECT_EQ(schema_error("schema { \"q }"), "input:1:14: Unterminated string.");
  EXPECT_EQ(schema_error("schema { ? }"), "input:1:10: Cannot parse the unexpected character \"?\".");
}

TEST(GraphqlSchema, LoadsAndChecks) {
  EXPECT_EQ(load_error(kSchema), "");
  // Extending a type defined elsewhere defines it (federation).
  EXPECT_EQ(load_error("extend type User { id: ID! } type Query { u: User }"), "");
  EXPECT_EQ(load_error("type A { b: B }"), "input:1:13: Undefined type B.");
  EXPECT_EQ(load_error("type A { a: Int } type A { b: Int }"), "input:1:24: Cannot redeclare type A.");
  EXPECT_EQ(load_error("scalar String"), "input:1:8: Cannot redeclare type String.");
  EXPECT_EQ(load_error("extend scalar F @deprecated extend type F { a: Int }"),
            "input:1:41: Cannot extend type F because the base type is a SCALAR, not OBJECT.");
  EXPECT_EQ(load_error("type A implements I { a: Int }"), "input:1:6: Undefined type \"I\".");
  EXPECT_EQ(load_error("interface I { id: ID! } type A implements I { a: Int }"),
            "input:1:30: For A to implement I it must have a field called id.");
  EXPECT_EQ(load_error("interface I { id: ID! } type A implements I { id: ID }"),
            "input:1:47: For A to implement I the field id must have type ID!.");
  EXPECT_EQ(load_error("interface IA { id: ID! } interface IIA implements IA { id: ID! } type A implements IIA { id: ID! }"),
            "input:1:71: Type A must implement IA because it is implemented by IIA.");
  EXPECT_EQ(load_error("union U = A type A { a: Int } union V = U"), "input:1:37: UNION type \"U\" must be OBJECT.");
  EXPECT_EQ(load_error("type P { a: Int } input I { p: P }"),
            "input:1:29: OBJECT p: field must be one of SCALAR, ENUM, INPUT_OBJECT.");
  EXPECT_EQ(load_error("type P { a(p: P): Int }"),
            "input:1:12: cannot use P as argument p because OBJECT is not a valid input type");
  EXPECT_EQ(load_error("type P { a: Int @include(if: true) }"),
            "input:1:18: Directive include is not applicable on FIELD_DEFINITION.");
  EXPECT_EQ(load_error("type P { a: Int @nope }"), "input:1:18: Undefined directive nope.");
  EXPECT_EQ(load_error("type __P { a: Int }"),
            "input:1:6: Name \"__P\" must not begin with \"__\", which is reserved by GraphQL introspection.");
  EXPECT_EQ(load_error("schema { query: Q }"), "input:1:10: Schema root query refers to a type Q that does not exist.");
  EXPECT_EQ(load_error("type Q { a: Int } schema { query: Q } schema { query: Q }"),
            "input:1:46: Cannot have multiple schema entry points, consider schema extensions instead.");
  EXPECT_EQ(load_error("enum E { true }"), "input:1:6: ENUM E: non-enum value true.");
  EXPECT_EQ(load_error("directive @d(a: Int @d) on FIELD"), "input:1:22: Directive d cannot refer to itself.");
}

TEST(GraphqlValidate, ValidQueries) {
  EXPECT_EQ(check("{ pet(id: 1) { name ... on Dog { barks nickname(short: true) } __typename } }"), "");
  EXPECT_EQ(check("query ($f: Filter, $c: Color! = RED) { pets(filter: $f) { name } p2: pets(filter: {color: $c}) { name } }"),
            "");
  EXPECT_EQ(check("{ animal { ... on Dog { barks } ...C } } fragment C on Cat { lives }"), "");
  EXPECT_EQ(check("mutation { adopt(id: \"1\") { name } }"), "");
  EXPECT_EQ(check("subscription { newPet { name } }"), "");
  EXPECT_EQ(check("{ __schema { types { name } } __type(name: \"Dog\") { kind } }"), "");
  EXPECT_EQ(check("query ($skip: Boolean!) { color @skip(if: $skip) }"), "");
}

TEST(GraphqlValidate, RulesAndMessages) {
  EXPECT_EQ(check("{ pet(id: 1) { nam } }"), "input:1:16: Cannot query field \"nam\" on type \"Pet\". Did you mean \"name\"?\n");
  EXPECT_EQ(check("{ pet(id: 1) { barks } }"),
            "input:1:16: Cannot query field \"barks\" on type \"Pet\". Did you mean to use an inline fragment on \"Dog\"?\n");
  EXPECT_EQ(check("{ pet(id: 1, idd: 2) { name } }"), "input:1:3: Unknown argument \"idd\" on field \"Query.pet\". Did you mean \"id\"?\n");
  EXPECT_EQ(check("{ pet { name } }"),
            "input:1:3: Field \"pet\" argument \"id\" of type \"ID!\" is required, but it was not provided.\n");
  EXPECT_EQ(check("{ color { x } }"),
            "input:1:11: Cannot query field \"x\" on type \"Color\".\n"
            "input:1:3: Field \"color\" must not have a selection since type \"Color\" has no subfields.\n");
  EXPECT_EQ(check("{ animal }"),
            "input:1:3: Field \"animal\" of type \"Animal\" must have a selection of subfields. Did you mean \"animal { ... }\"?\n");
  EXPECT_EQ(check("{ ...Nope }"), "input:1:6: Unknown fragment \"Nope\".\n");
  EXPECT_EQ(check("{ color } fragment F on Dog { name }"), "input:1:11: Fragment \"F\" is never used.\n");
  EXPECT_EQ(check("{ pet(id: 1) { ...A } } fragment A on Pet { ...B } fragment B on Pet { ...A }"),
            "input:1:75: Cannot spread fragment \"A\" within itself via \"B\".\n");
  EXPECT_EQ(check("query Q { pet(id: $x) { name } }"), "input:1:19: Variable \"$x\" is not defined by operation \"Q\".\n");
  EXPECT_EQ(check("query ($x: Int) { color }"), "input:1:8: Variable \"$x\" is never used.\n");
  EXPECT_EQ(check("query ($x: Int) { pet(id: $x) { name } }"),
            "input:1:27: Variable \"$x\" of type \"Int\" used in position expecting type \"ID!\".\n");
  EXPECT_EQ(check("{ pets(first: \"ten\") { name } }"), "input:1:16: Int cannot represent non-integer value: \"ten\"\n");
  EXPECT_EQ(check("{ pets(filter: {color: BLUE}) { name } }"),
            "input:1:24: Value \"BLUE\" does not exist in \"Color!\" enum.\n");
  EXPECT_EQ(check("{ pets(filter: {}) { name } }"),
            "input:1:16: Field \"Filter.color\" of required type \"Color!\" was not provided.\n");
  EXPECT_EQ(check("{ pets(filter: {color: RED, colour: RED}) { name } }"),
            "input:1:29: Field \"colour\" is not defined by type \"Filter\". Did you mean \"color\"?\n");
  EXPECT_EQ(check("{ color } { color }"),
            "input:1:1: This anonymous operation must be the only defined operation.\n"
            "input:1:11: This anonymous operation must be the only defined operation.\n");
  EXPECT_EQ(check("query A { color } query A { color }"), "input:1:19: There can be only one operation named \"A\".\n");
  EXPECT_EQ(check("{ color @nope }"), "input:1:10: Unknown directive \"@nope\".\n");
  EXPECT_EQ(check("query @include(if: true) { color }"), "input:1:8: Directive \"@include\" may not be used on QUERY.\n");
  EXPECT_EQ(check("{ color @skip(if: true) @skip(if: false) }"),
            "input:1:26: The directive \"@skip\" can only be used once at this location.\n");
  EXPECT_EQ(check("subscription S { newPet { name } other }"),
            "input:1:34: Subscription \"S\" must select only one top level field.\n");
  EXPECT_EQ(check("subscription { other o2: other __typename }"),
            "input:1:32: Anonymous Subscription must select only one top level field.\n"
            "input:1:32: Anonymous Subscription must not select an introspection top level field.\n");
  EXPECT_EQ(check("{ pet(id: 1) { name } } fragment F on Pett { name }"),
            "input:1:25: Unknown type \"Pett\". Did you mean \"Pet\"?\n"
            "input:1:25: Fragment \"F\" is never used.\n");
  EXPECT_EQ(check("{ pet(id: 1) { ... on Color { x } } }"),
            "input:1:31: Cannot query field \"x\" on type \"Color\".\n"
            "input:1:20: Fragment cannot condition on non composite type \"Color\".\n");
  EXPECT_EQ(check("{ animal { ... on Pet { name } ...D } } fragment D on Query { color }"),
            "input:1:35: Fragment \"D\" cannot be spread here as objects of type \"Animal\" can never be of type \"Query\".\n");
  EXPECT_EQ(check("query ($p: Pet) { color }"),
            "input:1:8: Variable \"$p\" is never used.\ninput:1:8: Variable \"$p\" cannot be non-input type \"Pet\".\n");
  EXPECT_EQ(check("query ($p: Nope) { pet(id: 1) { name } }"),
            "input:1:8: Unknown type \"Nope\".\ninput:1:8: Variable \"$p\" is never used.\n");
  EXPECT_EQ(check("{ pet(id: 1, id: 2) { name } }"), "input:1:3: There can be only one argument named \"id\".\n");
}

TEST(GraphqlValidate, OverlappingFieldsCanBeMerged) {
  EXPECT_EQ(check("{ color color c: color } fragment F on Query { color } query Q { color ...F ...F }"),
            "input:1:1: This anonymous operation must be the only defined operation.\n");
  // Found in the inline fragment's set and again in its field's set, as gqlparser reports it.
  EXPECT_EQ(check("{ pet(id: 1) { ... on Dog { name: nickname name } } }"),
            "input:1:44: Fields \"name\" conflict because \"nickname\" and \"name\" are different fields. Use different "
            "aliases on the fields to fetch both if this was intentional.\n"
            "input:1:44: Fields \"name\" conflict because \"nickname\" and \"name\" are different fields. Use different "
            "aliases on the fields to fetch both if this was intentional.\n");
  EXPECT_EQ(check("{ dog: pet(id: 1) { ... on Dog { nickname(short: true) } } dog: pet(id: 1) { ... on Dog { nickname(short: false) } } }"),
            "input:1:60: Fields \"dog\" conflict because subfields \"nickname\" conflict because they have differing "
            "arguments. Use different aliases on the fields to fetch both if this was intentional.\n");
  // Different object parents may share a response name, but not with conflicting leaf types.
  EXPECT_EQ(check("{ animal { ... on Dog { x: name } ... on Cat { x: name } } }"), "");
  EXPECT_EQ(check("{ animal { ... on Dog { x: barks } ... on Cat { x: lives } } }"),
            "input:1:49: Fields \"x\" conflict because they return conflicting types \"Boolean\" and \"Int\". Use "
            "different aliases on the fields to fetch both if this was intentional.\n");
  EXPECT_EQ(check("{ a: pet(id: 1) { name } a: pet(id: 1) { name: __typename } }"),
            "input:1:26: Fields \"a\" conflict because subfields \"name\" conflict because \"name\" and "
            "\"__typename\" are different fields. Use different aliases on the fields to fetch both if this was "
            "intentional.\n");
  // Through fragments.
  EXPECT_EQ(check("{ pet(id: 1) { name ...F } } fragment F on Pet { name: __typename }"),
            "input:1:50: Fields \"name\" conflict because \"name\" and \"__typename\" are different fields. Use "
            "different aliases on the fields to fetch both if this was intentional.\n");
}

// The overlap conflicts of a query against a small recursive schema.
std::string conflicts(std::string_view q) {
  gq::SchemaDocument sd;
  EXPECT_FALSE(gq::parse_schema("type T { a: Int b: Int c: Int x: Int f1: T f2: T f3: T } type Query { f1: T f2: T f3: T }", sd));
  gq::Schema schema;
  EXPECT_FALSE(schema.load(sd));
  gq::QueryDocument doc;
  if (auto e = gq::parse_query(q, doc)) return "parse: " + e->to_string();
  std::string out;
  for (const auto& e : gq::validate(schema, doc))
    if (e.message.find("conflict") != std::string::npos) out += e.message.substr(0, e.message.find(". Use")) + "\n";
  return out;
}

TEST(GraphqlValidate, OverlapReportsEachConflictOnce) {
  // graphql-js's "reports each conflict once": fragment pairs are compared once per document.
  EXPECT_EQ(conflicts("{ f1 { ...A ...B } f2 { ...B ...A } f3 { ...A ...B x: c } } "
                      "fragment A on T { x: a } fragment B on T { x: b }"),
            "Fields \"x\" conflict because \"a\" and \"b\" are different fields\n"
            "Fields \"x\" conflict because \"c\" and \"a\" are different fields\n"
            "Fields \"x\" conflict because \"c\" and \"b\" are different fields\n");
  // A fragment spread inside itself is not compared with itself.
  EXPECT_EQ(conflicts("fragment F on T { ...F fido: a fido: b } { f1 { ...F } }"),
            "Fields \"fido\" conflict because \"a\" and \"b\" are different fields\n");
}

TEST(GraphqlValidate, CyclicFragmentsEndQuickly) {
  // Each level doubles the comparisons; the cycle would never end unbounded.
  std::string q = "{ pet(id: 1) { ...A } } fragment A on Pet { n: name { n: name { ...A } ...A } n: name { n: name { ...A } ...A } }";
  EXPECT_NE(check(q).find("Cannot spread fragment \"A\" within itself."), std::string::npos);
}

TEST(GraphqlValidate, NoRootForTheOperation) {
  gq::SchemaDocument sd;
  ASSERT_FALSE(gq::parse_schema("type Query { a: Int }", sd));
  gq::Schema schema;
  ASSERT_FALSE(schema.load(sd));
  gq::QueryDocument doc;
  ASSERT_FALSE(gq::parse_query("mutation { a }", doc));
  EXPECT_EQ(gq::errors_text(gq::validate(schema, doc)), "input:1:1: Schema does not support operation type \"mutation\"\n");
}

TEST(GraphqlText, GoQuote) {
  EXPECT_EQ(gq::go_quote("a\"b\\c\n\x01"), "\"a\\\"b\\\\c\\n\\x01\"");
  EXPECT_EQ(gq::go_quote("\xE0\xA8\x8A"), "\"\xE0\xA8\x8A\"");
  EXPECT_EQ(gq::go_quote("\xFF"), "\"\\xff\"");
}

}  // namespace
