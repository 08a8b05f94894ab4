// libFuzzer target for the GraphQL component: any byte string is parsed as a
// query and as a schema document; a schema that parses is loaded (checked),
// and the query is validated against it and against a fixed schema. Nothing
// may crash, hang or leak; every error has a message and a position that is
// either unknown or starts at line 1 or later.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "graphql/graphql.h"

namespace gq = genesis::graphql;

namespace {

void check(const gq::Error& e) {
  if (e.message.empty() || e.pos.line < 0) abort();
  if (e.to_string().rfind("input:", 0) != 0) abort();
}

const gq::Schema& fixed_schema() {
  static const gq::Schema schema = [] {
    gq::SchemaDocument doc;
    if (gq::parse_schema(R"(
      interface Node { id: ID! }
      type User implements Node { id: ID! name(upper: Boolean = false): String friends(first: Int!): [User!]! }
      union Result = User
      enum Role { ADMIN USER }
      input Filter { role: Role! name: String }
      type Query { node(id: ID!): Node users(filter: Filter): [User] search: Result }
      type Mutation { rename(id: ID!, name: String!): User }
    )", doc))
      abort();
    gq::Schema s;
    if (s.load(doc)) abort();
    return s;
  }();
  return schema;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  gq::QueryDocument query;
  auto qerr = gq::parse_query(text, query);
  if (qerr) check(*qerr);
  gq::SchemaDocument sdoc;
  auto serr = gq::parse_schema(text, sdoc);
  if (serr) check(*serr);
  if (!qerr) {
    for (const auto& e : gq::validate(fixed_schema(), query)) check(e);
    (void)gq::errors_text(gq::validate(fixed_schema(), query));
  }
  if (!serr) {
    gq::Schema schema;
    if (auto e = schema.load(sdoc)) {
      check(*e);
    } else if (!qerr) {
      for (const auto& e2 : gq::validate(schema, query)) check(e2);
    }
  }
  return 0;
}
