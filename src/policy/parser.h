// The Rego parser: tokens -> Module / query Body. Internal to src/policy.
//
// Grammar (Rego v1; v0 differences noted). Newlines separate literals in a
// body; inside (), [] and collection literals they are insignificant.
//
//   module      = package { import } { rule }
//   package     = "package" ref
//   import      = "import" ref [ "as" var ]
//   rule        = [ "default" ] rule-head [ rule-body ] { else }
//                 { "{" query "}" }                     (* v0: chained bodies, each a rule *)
//   rule-head   = head-ref [ "(" [ term { "," term } ] ")" ]
//                 [ "contains" term | ( ":=" | "=" ) term ]
//   head-ref    = var { "." var | "[" term "]" }
//   rule-body   = "if" ( "{" query "}" | literal )      (* v1 *)
//               | "{" query "}"                         (* v0; "if" optional *)
//   else        = "else" [ ( ":=" | "=" ) term ] [ rule-body ]
//   query       = literal { ( ";" | newline ) literal }
//   literal     = ( some-decl | "not" expr | expr | every ) { with }
//   some-decl   = "some" term { "," term } [ "in" term ]
//   every       = "every" term [ "," term ] "in" term "{" query "}"
//   with        = "with" term "as" term
//   expr        = in-expr [ ( ":=" | "=" ) in-expr ]
//   in-expr     = rel-expr { "in" rel-expr } | term "," term "in" rel-expr
//   rel-expr    = or-expr { ( "==" | "!=" | "<" | "<=" | ">" | ">=" ) or-expr }
//   or-expr     = and-expr { "|" and-expr }
//   and-expr    = arith { "&" arith }
//   arith       = factor { ( "+" | "-" ) factor }
//   factor      = unary { ( "*" | "/" | "%" ) unary }
//   unary       = [ "-" ] primary
//   primary     = ( scalar | var | array | object | set | comprehension | "(" expr ")"
//                 | template ) { "." var | "[" expr "]" | "(" [ expr { "," expr } ] ")" }
//   array       = "[" [ expr { "," expr } [ "," ] ] "]"
//   object      = "{" [ expr ":" expr { "," expr ":" expr } [ "," ] ] "}"
//   set         = "{" expr { "," expr } [ "," ] "}" | "set(" ")"
//   comprehension = "[" term "|" query "]" | "{" term "|" query "}"
//                 | "{" term ":" term "|" query "}"
//   scalar      = number | string | raw-string | "true" | "false" | "null"
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"
#include "policy/ast.h"

namespace genesis::policy {

struct ParseOptions {
  bool v0 = false;  // Rego v0 syntax (no `if`/`contains` required; `p[x] {}` is a set)
};

// Parses one module. Errors: rego_parse_error with where = "file:row:col".
core::Result<ModulePtr> parse_module(std::string file, std::string_view src,
                                     const ParseOptions& options = {});

// Parses a query (one or more literals). `file` names it in errors.
core::Result<BodyPtr> parse_query(std::string_view src, const std::string* file,
                                  const ParseOptions& options = {});

// Parses a single term (input_term in test cases, `--input-term`).
core::Result<TermPtr> parse_term(std::string_view src);

}  // namespace genesis::policy
