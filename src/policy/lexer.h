// The Rego lexer: source text -> tokens with positions. Comments are kept
// aside (METADATA annotations read them). Internal to src/policy.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace genesis::policy {

enum class Tok {
  kEof,
  kIdent,
  kString,     // text = decoded value
  kRawString,  // `...`
  kTemplate,   // $"..." or $`...`: text = raw body (without quotes)
  kNumber,
  kLBrace, kRBrace, kLBrack, kRBrack, kLParen, kRParen,
  kDot, kComma, kSemicolon, kColon,
  kAssign,  // :=
  kUnify,   // =
  kEq, kNeq, kLt, kLte, kGt, kGte,
  kPlus, kMinus, kStar, kSlash, kPercent, kAmp, kBar,
};

struct Token {
  Tok tok = Tok::kEof;
  std::string text;
  int row = 1;
  int col = 1;
  bool nl_before = false;  // a newline separates it from the previous token
  bool ws_before = false;
  bool raw_template = false;
};

struct Comment {
  int row;
  int col;
  std::string text;  // without '#'
};

// Errors are rego_parse_error with "row:col" in where.
core::Result<std::vector<Token>> lex(std::string_view src, std::vector<Comment>* comments);

const char* tok_name(Tok t);

// Index just past the string literal at s[i] ("...", `...`, $"...", $`...`
// with nested {expressions}); npos when unterminated. Used for templates.
size_t skip_literal(std::string_view s, size_t i);

}  // namespace genesis::policy
