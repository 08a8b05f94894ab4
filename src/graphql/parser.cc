// The GraphQL lexer and parser (executable documents and the schema language).
// Token rules, messages and positions follow gqlparser: a token's column counts
// code points; a string token's position is just after its opening quote; a
// lexer error surfaces only when the parser consumes the bad token (a parser
// error on a peeked bad token reports "Unexpected <Invalid>" instead).
#include <climits>
#include <cstdio>

#include "graphql/graphql.h"

namespace genesis::graphql {
namespace {

// Nesting beyond this is refused (gqlparser has Go's growable stack; ours is fixed).
constexpr int kMaxDepth = 512;

enum class Tok {
  kInvalid, kEOF, kBang, kDollar, kAmp, kParenL, kParenR, kSpread, kColon, kEquals, kAt,
  kBracketL, kBracketR, kBraceL, kBraceR, kPipe, kName, kInt, kFloat, kString, kBlockString,
};

const char* tok_name(Tok k) {
  switch (k) {
    case Tok::kInvalid: return "<Invalid>";
    case Tok::kEOF: return "<EOF>";
    case Tok::kBang: return "!";
    case Tok::kDollar: return "$";
    case Tok::kAmp: return "&";
    case Tok::kParenL: return "(";
    case Tok::kParenR: return ")";
    case Tok::kSpread: return "...";
    case Tok::kColon: return ":";
    case Tok::kEquals: return "=";
    case Tok::kAt: return "@";
    case Tok::kBracketL: return "[";
    case Tok::kBracketR: return "]";
    case Tok::kBraceL: return "{";
    case Tok::kBraceR: return "}";
    case Tok::kPipe: return "|";
    case Tok::kName: return "Name";
    case Tok::kInt: return "Int";
    case Tok::kFloat: return "Float";
    case Tok::kString: return "String";
    case Tok::kBlockString: return "BlockString";
  }
  return "";
}

struct Token {
  Tok kind = Tok::kInvalid;
  std::string value;
  Position pos;
  std::string str() const { return value.empty() ? tok_name(kind) : std::string(tok_name(kind)) + " " + go_quote(value); }
};

void put_utf8(std::string& out, uint32_t cp) {
  if (cp >= 0xD800 && cp <= 0xDFFF) cp = 0xFFFD;  // Go writes surrogates as U+FFFD
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// Decodes one UTF-8 sequence at s[i] as Go's utf8.DecodeRuneInString: an
// invalid or truncated sequence is U+FFFD of width 1.
uint32_t decode_rune(std::string_view s, size_t i, int* width) {
  auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = b(i);
  *width = 1;
  if (c < 0x80) return c;
  int n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 0;
  if (n == 0 || c > 0xF4 || i + n > s.size()) return 0xFFFD;
  uint32_t cp = c & (0x7F >> n);
  for (int k = 1; k < n; ++k) {
    if ((b(i + k) & 0xC0) != 0x80) return 0xFFFD;
    cp = (cp << 6) | (b(i + k) & 0x3F);
  }
  if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
      (cp >= 0xD800 && cp <= 0xDFFF))
    return 0xFFFD;
  *width = n;
  return cp;
}

// Go's string(byte): the byte's value as a code point, UTF-8 encoded.
std::string byte_rune(unsigned char c) {
  std::string s;
  put_utf8(s, c);
  return s;
}

std::string fmt_u04d(unsigned v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04u", v);
  return buf;
}

// The spec's BlockStringValue: common indentation and blank first/last lines removed.
std::string block_string_value(const std::string& raw) {
  std::vector<std::string> lines;
  size_t start = 0;
  for (;;) {
    size_t nl = raw.find('\n', start);
    if (nl == std::string::npos) {
      lines.push_back(raw.substr(start));
      break;
    }
    lines.push_back(raw.substr(start, nl - start));
    start = nl + 1;
  }
  auto leading = [](const std::string& l) -> size_t {
    for (size_t i = 0; i < l.size(); ++i)
      if (l[i] != ' ' && l[i] != '\t') return i;
    return SIZE_MAX;  // all whitespace: does not count
  };
  size_t common = SIZE_MAX;
  for (size_t i = 1; i < lines.size(); ++i) {
    size_t ind = leading(lines[i]);
    if (ind < lines[i].size() && ind < common) {
      common = ind;
      if (common == 0) break;
    }
  }
  if (common != SIZE_MAX)
    for (size_t i = 1; i < lines.size(); ++i) lines[i] = lines[i].size() < common ? "" : lines[i].substr(common);
  size_t b = 0, e = lines.size();
  while (b < e && leading(lines[b]) == SIZE_MAX) ++b;
  while (b < e && leading(lines[e - 1]) == SIZE_MAX) --e;
  std::string out;
  for (size_t i = b; i < e; ++i) {
    if (i > b) out += '\n';
    out += lines[i];
  }
  return out;
}

class Lexer {
 public:
  explicit Lexer(std::string_view in) : in_(in) {}

  // Returns the token; *err set for an invalid one (kind kInvalid).
  Token read(std::optional<Error>* err) {
    for (;;) {
      ws();
      start_ = end_;
      start_runes_ = end_runes_;
      if (end_ >= in_.size()) return make(Tok::kEOF, "");
      unsigned char r = static_cast<unsigned char>(in_[start_]);
      ++end_;
      ++end_runes_;
      switch (r) {
        case '!': return make(Tok::kBang, "");
        case '$': return make(Tok::kDollar, "");
        case '&': return make(Tok::kAmp, "");
        case '(': return make(Tok::kParenL, "");
        case ')': return make(Tok::kParenR, "");
        case '.':
          if (in_.size() > start_ + 2 && in_.substr(start_, 3) == "...") {
            end_ += 2;
            end_runes_ += 2;
            return make(Tok::kSpread, "");
          }
          break;
        case ':': return make(Tok::kColon, "");
        case '=': return make(Tok::kEquals, "");
        case '@': return make(Tok::kAt, "");
        case '[': return make(Tok::kBracketL, "");
        case ']': return make(Tok::kBracketR, "");
        case '{': return make(Tok::kBraceL, "");
        case '}': return make(Tok::kBraceR, "");
        case '|': return make(Tok::kPipe, "");
        case '#': comment(); continue;
        case '"':
          if (in_.size() > start_ + 2 && in_.substr(start_, 3) == "\"\"\"") return block_string(err);
          return string(err);
        default:
          if (r == '_' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z')) return name();
          if (r == '-' || (r >= '0' && r <= '9')) return number(err);
      }
      --end_;
      --end_runes_;
      if (r < 0x20 && r != '\t' && r != '\n' && r != '\r')
        return fail(err, "Cannot contain the invalid character \"\\u" + fmt_u04d(r) + "\"");
      if (r == '\'') return fail(err, "Unexpected single quote character ('), did you mean to use a double quote (\")?");
      return fail(err, "Cannot parse the unexpected character \"" + byte_rune(r) + "\".");
    }
  }

 private:
  Token make(Tok k, std::string value) {
    Token t;
    t.kind = k;
    t.value = std::move(value);
    t.pos.line = line_;
    t.pos.column = static_cast<int>(start_runes_ - line_start_runes_ + 1);
    return t;
  }
  Token fail(std::optional<Error>* err, std::string msg) {
    Token t;
    t.kind = Tok::kInvalid;
    t.pos.line = line_;
    t.pos.column = static_cast<int>(end_runes_ - line_start_runes_ + 1);
    *err = Error{std::move(msg), t.pos};
    return t;
  }

  void ws() {
    while (end_ < in_.size()) {
      unsigned char c = static_cast<unsigned char>(in_[end_]);
      if (c == '\t' || c == ' ' || c == ',') {
        ++end_;
        ++end_runes_;
      } else if (c == '\n') {
        ++end_;
        ++end_runes_;
        ++line_;
        line_start_runes_ = end_runes_;
      } else if (c == '\r') {
        ++end_;
        ++end_runes_;
        ++line_;
        line_start_runes_ = end_runes_;
        if (end_ < in_.size() && in_[end_] == '\n') {
          ++end_;
          ++end_runes_;
        }
      } else if (c == 0xEF && end_ + 2 < in_.size() && static_cast<unsigned char>(in_[end_ + 1]) == 0xBB &&
                 static_cast<unsigned char>(in_[end_ + 2]) == 0xBF) {
        end_ += 3;  // byte order mark
        ++end_runes_;
      } else {
        return;
      }
    }
  }

  void comment() {
    while (end_ < in_.size()) {
      int w;
      uint32_t r = decode_rune(in_, end_, &w);
      if (r > 0x1F || r == '\t') {
        end_ += w;
        ++end_runes_;
      } else {
        break;
      }
    }
  }

  Token name() {
    while (end_ < in_.size()) {
      char c = in_[end_];
      if ((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_') {
        ++end_;
        ++end_runes_;
      } else {
        break;
      }
    }
    return make(Tok::kName, std::string(in_.substr(start_, end_ - start_)));
  }

  bool accept(char a, char b = 0) {
    if (end_ >= in_.size()) return false;
    if (in_[end_] == a || (b != 0 && in_[end_] == b)) {
      ++end_;
      ++end_runes_;
      return true;
    }
    return false;
  }
  int digits() {
    int n = 0;
    while (end_ < in_.size() && in_[end_] >= '0' && in_[end_] <= '9') {
      ++end_;
      ++end_runes_;
      ++n;
    }
    return n;
  }
  std::string describe_next() const {
    if (end_ < in_.size()) return "\"" + byte_rune(static_cast<unsigned char>(in_[end_])) + "\"";
    return "<EOF>";
  }

  Token number(std::optional<Error>* err) {
    bool is_float = false;
    --end_;
    --end_runes_;
    accept('-');
    if (accept('0')) {
      if (int n = digits(); n != 0) {
        end_ -= n;
        end_runes_ -= n;
        return fail(err, "Invalid number, unexpected digit after 0: " + describe_next() + ".");
      }
    } else if (digits() == 0) {
      return fail(err, "Invalid number, expected digit but got: " + describe_next() + ".");
    }
    if (accept('.')) {
      is_float = true;
      if (digits() == 0) return fail(err, "Invalid number, expected digit but got: " + describe_next() + ".");
    }
    if (accept('e', 'E')) {
      is_float = true;
      accept('-', '+');
      if (digits() == 0) return fail(err, "Invalid number, expected digit but got: " + describe_next() + ".");
    }
    return make(is_float ? Tok::kFloat : Tok::kInt, std::string(in_.substr(start_, end_ - start_)));
  }

  static int unhex(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }

  Token string(std::optional<Error>* err) {
    ++start_;  // the token starts after the opening quote
    ++start_runes_;
    bool escaped = false;
    std::string buf;
    while (end_ < in_.size()) {
      unsigned char r = static_cast<unsigned char>(in_[end_]);
      if (r == '\n' || r == '\r') break;
      if (r < 0x20 && r != '\t') return fail(err, "Invalid character within String: \"\\u" + fmt_u04d(r) + "\".");
      if (r == '"') {
        Token t = make(Tok::kString, escaped ? buf : std::string(in_.substr(start_, end_ - start_)));
        ++end_;
        ++end_runes_;
        return t;
      }
      if (r == '\\') {
        if (end_ + 1 >= in_.size()) {
          ++end_;
          ++end_runes_;
          return fail(err, "Invalid character escape sequence.");
        }
        if (!escaped) {
          escaped = true;
          buf = std::string(in_.substr(start_, end_ - start_));
        }
        char esc = in_[end_ + 1];
        if (esc == 'u') {
          if (end_ + 6 >= in_.size()) {
            ++end_;
            ++end_runes_;
            return fail(err, "Invalid character escape sequence: \\" + std::string(in_.substr(end_)) + ".");
          }
          uint32_t cp = 0;
          bool ok = true;
          for (size_t k = end_ + 2; k < end_ + 6; ++k) {
            int h = unhex(in_[k]);
            if (h < 0) ok = false;
            cp = (cp << 4) | static_cast<uint32_t>(h < 0 ? 0 : h);
          }
          if (!ok) {
            ++end_;
            ++end_runes_;
            return fail(err, "Invalid character escape sequence: \\" + std::string(in_.substr(end_, 5)) + ".");
          }
          put_utf8(buf, cp);
          end_ += 6;
          end_runes_ += 6;
        } else {
          switch (esc) {
            case '"': case '/': case '\\': buf += esc; break;
            case 'b': buf += '\b'; break;
            case 'f': buf += '\f'; break;
            case 'n': buf += '\n'; break;
            case 'r': buf += '\r'; break;
            case 't': buf += '\t'; break;
            default:
              ++end_;
              ++end_runes_;
              return fail(err, "Invalid character escape sequence: \\" + byte_rune(static_cast<unsigned char>(esc)) + ".");
          }
          end_ += 2;
          end_runes_ += 2;
        }
        continue;
      }
      int w = 1;
      uint32_t cp = r;
      if (r >= 127) cp = decode_rune(in_, end_, &w);
      end_ += static_cast<size_t>(w);
      ++end_runes_;
      if (escaped) put_utf8(buf, cp);
    }
    return fail(err, "Unterminated string.");
  }

  Token block_string(std::optional<Error>* err) {
    std::string buf;
    start_ += 3;
    start_runes_ += 3;
    end_ += 2;
    end_runes_ += 2;
    while (end_ < in_.size()) {
      unsigned char r = static_cast<unsigned char>(in_[end_]);
      if (r == '"' && end_ + 3 <= in_.size() && in_.substr(end_, 3) == "\"\"\"") {
        Token t = make(Tok::kBlockString, block_string_value(buf));
        end_ += 3;
        end_runes_ += 3;
        return t;
      }
      if (r < 0x20 && r != '\t' && r != '\n' && r != '\r')
        return fail(err, "Invalid character within String: \"\\u" + fmt_u04d(r) + "\".");
      if (r == '\\' && end_ + 4 <= in_.size() && in_.substr(end_, 4) == "\\\"\"\"") {
        buf += "\"\"\"";
        end_ += 4;
        end_runes_ += 4;
      } else if (r == '\r') {
        if (end_ + 1 < in_.size() && in_[end_ + 1] == '\n') {
          ++end_;
          ++end_runes_;
        }
        buf += '\n';
        ++end_;
        ++end_runes_;
        ++line_;
        line_start_runes_ = end_runes_;
      } else {
        int w = 1;
        uint32_t cp = r;
        if (r >= 127) cp = decode_rune(in_, end_, &w);
        end_ += static_cast<size_t>(w);
        ++end_runes_;
        put_utf8(buf, cp);
        if (r == '\n') {
          ++line_;
          line_start_runes_ = end_runes_;
        }
      }
    }
    return fail(err, "Unterminated string.");
  }

  std::string_view in_;
  size_t start_ = 0, end_ = 0;
  long start_runes_ = 0, end_runes_ = 0, line_start_runes_ = 0;
  int line_ = 1;
};

struct Stop {
  Error error;
};

class Parser {
 public:
  explicit Parser(std::string_view in) : lex_(in) {}

  QueryDocument query_document() {
    QueryDocument doc;
    while (peek().kind != Tok::kEOF) {
      const Token& t = peek();
      if (t.kind == Tok::kName) {
        if (t.value == "query" || t.value == "mutation" || t.value == "subscription") {
          doc.operations.push_back(operation_definition());
        } else if (t.value == "fragment") {
          doc.fragments.push_back(fragment_definition());
        } else {
          unexpected();
        }
      } else if (t.kind == Tok::kBraceL) {
        doc.operations.push_back(operation_definition());
      } else {
        unexpected();
      }
    }
    return doc;
  }

  SchemaDocument schema_document() {
    SchemaDocument doc;
    while (peek().kind != Tok::kEOF) {
      std::string description;
      if (peek().kind == Tok::kBlockString || peek().kind == Tok::kString) description = parse_description();
      if (peek().kind != Tok::kName) unexpected();
      const std::string v = peek().value;
      if (v == "scalar" || v == "type" || v == "interface" || v == "union" || v == "enum" || v == "input") {
        doc.definitions.push_back(type_system_definition(description));
      } else if (v == "schema") {
        doc.schema.push_back(schema_definition(description));
      } else if (v == "directive") {
        doc.directives.push_back(directive_definition(description));
      } else if (v == "extend") {
        if (!description.empty()) unexpected_token(prev_);
        type_system_extension(doc);
      } else {
        unexpected();
      }
    }
    return doc;
  }

 private:
  const Token& peek() {
    if (!peeked_) {
      peek_error_.reset();
      peek_tok_ = lex_.read(&peek_error_);
      peeked_ = true;
    }
    return peek_tok_;
  }
  Position peek_pos() { return peek().pos; }

  Token next() {
    if (peeked_) {
      peeked_ = false;
      prev_ = peek_tok_;
      if (peek_error_) throw Stop{*peek_error_};
    } else {
      std::optional<Error> err;
      prev_ = lex_.read(&err);
      if (err) throw Stop{*err};
    }
    return prev_;
  }

  [[noreturn]] void error(const Token& t, std::string msg) { throw Stop{Error{std::move(msg), t.pos}}; }
  [[noreturn]] void unexpected() { unexpected_token(peek()); }
  [[noreturn]] void unexpected_token(const Token& t) { error(t, "Unexpected " + t.str()); }

  Token expect_keyword(const char* value) {
    const Token& t = peek();
    if (t.kind == Tok::kName && t.value == value) return next();
    error(t, "Expected " + go_quote(value) + ", found " + t.str());
  }
  Token expect(Tok kind) {
    const Token& t = peek();
    if (t.kind == kind) return next();
    error(t, std::string("Expected ") + tok_name(kind) + ", found " + tok_name(t.kind));
  }
  bool skip(Tok kind) {
    if (peek().kind != kind) return false;
    next();
    return true;
  }
  template <typename F>
  void many(Tok start, Tok end, F cb) {
    if (!skip(start)) return;
    while (peek().kind != end) cb();
    next();
  }
  template <typename F>
  void some(Tok start, Tok end, F cb) {
    if (!skip(start)) return;
    bool called = false;
    while (peek().kind != end) {
      called = true;
      cb();
    }
    if (!called) error(peek(), std::string("expected at least one definition, found ") + tok_name(peek().kind));
    next();
  }

  struct Depth {
    explicit Depth(Parser& p) : p_(p) {
      if (++p_.depth_ > kMaxDepth) p_.error(p_.peek(), "document nested too deeply");
    }
    ~Depth() { --p_.depth_; }
    Parser& p_;
  };

  std::string parse_name() { return expect(Tok::kName).value; }

  // ---- executable documents ----

  OperationDefinition operation_definition() {
    OperationDefinition od;
    if (peek().kind == Tok::kBraceL) {
      od.pos = peek_pos();
      od.operation = "query";
      od.selection_set = required_selection_set();
      return od;
    }
    od.pos = peek_pos();
    od.operation = operation_type();
    if (peek().kind == Tok::kName) od.name = next().value;
    od.variable_definitions = variable_definitions();
    od.directives = directives(false);
    od.selection_set = required_selection_set();
    return od;
  }

  std::string operation_type() {
    Token t = next();
    if (t.value == "query" || t.value == "mutation" || t.value == "subscription") return t.value;
    unexpected_token(t);
  }

  std::vector<VariableDefinition> variable_definitions() {
    std::vector<VariableDefinition> defs;
    many(Tok::kParenL, Tok::kParenR, [&] { defs.push_back(variable_definition()); });
    return defs;
  }

  VariableDefinition variable_definition() {
    VariableDefinition d;
    d.pos = peek_pos();
    d.variable = variable();
    expect(Tok::kColon);
    d.type = type_reference();
    if (skip(Tok::kEquals)) d.default_value = value_literal(true);
    d.directives = directives(false);
    return d;
  }

  std::string variable() {
    expect(Tok::kDollar);
    return parse_name();
  }

  std::vector<Selection> optional_selection_set() {
    std::vector<Selection> sels;
    some(Tok::kBraceL, Tok::kBraceR, [&] { sels.push_back(selection()); });
    return sels;
  }

  std::vector<Selection> required_selection_set() {
    if (peek().kind != Tok::kBraceL)
      error(peek(), std::string("Expected {, found ") + tok_name(peek().kind));
    return optional_selection_set();
  }

  Selection selection() {
    Depth d(*this);
    if (peek().kind == Tok::kSpread) return fragment();
    return field();
  }

  Selection field() {
    Selection f;
    f.kind = SelectionKind::kField;
    f.pos = peek_pos();
    f.alias = parse_name();
    f.name = skip(Tok::kColon) ? parse_name() : f.alias;
    f.arguments = arguments(false);
    f.directives = directives(false);
    if (peek().kind == Tok::kBraceL) f.selection_set = optional_selection_set();
    return f;
  }

  std::vector<Argument> arguments(bool is_const) {
    std::vector<Argument> args;
    many(Tok::kParenL, Tok::kParenR, [&] {
      Argument a;
      a.pos = peek_pos();
      a.name = parse_name();
      expect(Tok::kColon);
      a.value = value_literal(is_const);
      args.push_back(std::move(a));
    });
    return args;
  }

  Selection fragment() {
    expect(Tok::kSpread);
    if (peek().kind == Tok::kName && peek().value != "on") {
      Selection s;
      s.kind = SelectionKind::kFragmentSpread;
      s.pos = peek_pos();
      s.name = fragment_name();
      s.directives = directives(false);
      return s;
    }
    Selection s;
    s.kind = SelectionKind::kInlineFragment;
    s.pos = peek_pos();
    if (peek().value == "on") {  // gqlparser looks at the value whatever the token's kind
      next();
      s.type_condition = parse_name();
    }
    s.directives = directives(false);
    s.selection_set = required_selection_set();
    return s;
  }

  FragmentDefinition fragment_definition() {
    FragmentDefinition d;
    d.pos = peek_pos();
    expect_keyword("fragment");
    d.name = fragment_name();
    d.variable_definition = variable_definitions();
    expect_keyword("on");
    d.type_condition = parse_name();
    d.directives = directives(false);
    d.selection_set = required_selection_set();
    return d;
  }

  std::string fragment_name() {
    if (peek().value == "on") unexpected();
    return parse_name();
  }

  ValuePtr value_literal(bool is_const) {
    Depth depth(*this);
    Token t = peek();
    ValueKind kind;
    switch (t.kind) {
      case Tok::kBracketL: return list_or_object(is_const, ValueKind::kList);
      case Tok::kBraceL: return list_or_object(is_const, ValueKind::kObject);
      case Tok::kDollar: {
        if (is_const) unexpected();
        auto v = std::make_shared<Value>();
        v->pos = t.pos;
        v->raw = variable();
        v->kind = ValueKind::kVariable;
        return v;
      }
      case Tok::kInt: kind = ValueKind::kInt; break;
      case Tok::kFloat: kind = ValueKind::kFloat; break;
      case Tok::kString: kind = ValueKind::kString; break;
      case Tok::kBlockString: kind = ValueKind::kBlock; break;
      case Tok::kName:
        kind = t.value == "true" || t.value == "false" ? ValueKind::kBoolean
               : t.value == "null"                    ? ValueKind::kNull
                                                      : ValueKind::kEnum;
        break;
      default: unexpected();
    }
    next();
    auto v = std::make_shared<Value>();
    v->pos = t.pos;
    v->raw = t.value;
    v->kind = kind;
    return v;
  }

  ValuePtr list_or_object(bool is_const, ValueKind kind) {
    auto v = std::make_shared<Value>();
    v->kind = kind;
    v->pos = peek_pos();
    if (kind == ValueKind::kList) {
      many(Tok::kBracketL, Tok::kBracketR, [&] { v->children.push_back(ChildValue{"", value_literal(is_const), {}}); });
    } else {
      many(Tok::kBraceL, Tok::kBraceR, [&] {
        ChildValue c;
        c.pos = peek_pos();
        c.name = parse_name();
        expect(Tok::kColon);
        c.value = value_literal(is_const);
        v->children.push_back(std::move(c));
      });
    }
    return v;
  }

  std::vector<Directive> directives(bool is_const) {
    std::vector<Directive> out;
    while (peek().kind == Tok::kAt) {
      expect(Tok::kAt);
      Directive d;
      d.pos = peek_pos();
      d.name = parse_name();
      d.arguments = arguments(is_const);
      out.push_back(std::move(d));
    }
    return out;
  }

  TypePtr type_reference() {
    Depth depth(*this);
    auto t = std::make_shared<Type>();
    if (skip(Tok::kBracketL)) {
      t->pos = peek_pos();
      t->elem = type_reference();
      expect(Tok::kBracketR);
    } else {
      t->pos = peek_pos();
      t->named = parse_name();
    }
    if (skip(Tok::kBang)) {
      t->pos = peek_pos();
      t->non_null = true;
    }
    return t;
  }

  // ---- schema language ----

  std::string parse_description() {
    const Token& t = peek();
    if (t.kind != Tok::kBlockString && t.kind != Tok::kString) return "";
    return next().value;
  }

  Definition type_system_definition(const std::string& description) {
    const std::string v = peek().value;
    if (v == "scalar") {
      expect_keyword("scalar");
      Definition d = start_definition("SCALAR", description);
      d.directives = directives(true);
      return d;
    }
    if (v == "type" || v == "interface") {
      expect_keyword(v.c_str());
      Definition d = start_definition(v == "type" ? "OBJECT" : "INTERFACE", description);
      d.interfaces = implements_interfaces();
      d.directives = directives(true);
      d.fields = fields_definition();
      return d;
    }
    if (v == "union") {
      expect_keyword("union");
      Definition d = start_definition("UNION", description);
      d.directives = directives(true);
      d.types = union_member_types();
      return d;
    }
    if (v == "enum") {
      expect_keyword("enum");
      Definition d = start_definition("ENUM", description);
      d.directives = directives(true);
      d.enum_values = enum_values_definition();
      return d;
    }
    expect_keyword("input");
    Definition d = start_definition("INPUT_OBJECT", description);
    d.directives = directives(true);
    d.fields = input_fields_definition();
    return d;
  }

  Definition start_definition(const char* kind, const std::string& description) {
    Definition d;
    d.pos = peek_pos();
    d.kind = kind;
    d.description = description;
    d.name = parse_name();
    return d;
  }

  SchemaDefinition schema_definition(const std::string& description) {
    expect_keyword("schema");
    SchemaDefinition d;
    d.pos = peek_pos();
    d.description = description;
    d.directives = directives(true);
    some(Tok::kBraceL, Tok::kBraceR, [&] { d.operation_types.push_back(operation_type_definition()); });
    return d;
  }

  OperationTypeDefinition operation_type_definition() {
    OperationTypeDefinition op;
    op.pos = peek_pos();
    op.operation = operation_type();
    expect(Tok::kColon);
    op.type = parse_name();
    return op;
  }

  std::vector<std::string> implements_interfaces() {
    std::vector<std::string> types;
    if (peek().value == "implements") {
      next();
      skip(Tok::kAmp);
      types.push_back(parse_name());
      while (skip(Tok::kAmp)) types.push_back(parse_name());
    }
    return types;
  }

  std::vector<FieldDefinition> fields_definition() {
    std::vector<FieldDefinition> defs;
    some(Tok::kBraceL, Tok::kBraceR, [&] {
      FieldDefinition f;
      f.pos = peek_pos();
      f.description = parse_description();
      f.name = parse_name();
      f.arguments = argument_defs();
      expect(Tok::kColon);
      f.type = type_reference();
      f.directives = directives(true);
      defs.push_back(std::move(f));
    });
    return defs;
  }

  std::vector<ArgumentDefinition> argument_defs() {
    std::vector<ArgumentDefinition> args;
    some(Tok::kParenL, Tok::kParenR, [&] {
      ArgumentDefinition a;
      a.pos = peek_pos();
      a.description = parse_description();
      a.name = parse_name();
      expect(Tok::kColon);
      a.type = type_reference();
      if (skip(Tok::kEquals)) a.default_value = value_literal(true);
      a.directives = directives(true);
      args.push_back(std::move(a));
    });
    return args;
  }

  std::vector<FieldDefinition> input_fields_definition() {
    std::vector<FieldDefinition> defs;
    some(Tok::kBraceL, Tok::kBraceR, [&] {
      FieldDefinition f;
      f.pos = peek_pos();
      f.description = parse_description();
      f.name = parse_name();
      expect(Tok::kColon);
      f.type = type_reference();
      if (skip(Tok::kEquals)) f.default_value = value_literal(true);
      f.directives = directives(true);
      defs.push_back(std::move(f));
    });
    return defs;
  }

  std::vector<std::string> union_member_types() {
    std::vector<std::string> types;
    if (skip(Tok::kEquals)) {
      skip(Tok::kPipe);
      types.push_back(parse_name());
      while (skip(Tok::kPipe)) types.push_back(parse_name());
    }
    return types;
  }

  std::vector<EnumValueDefinition> enum_values_definition() {
    std::vector<EnumValueDefinition> values;
    some(Tok::kBraceL, Tok::kBraceR, [&] {
      EnumValueDefinition e;
      e.pos = peek_pos();
      e.description = parse_description();
      e.name = parse_name();
      e.directives = directives(true);
      values.push_back(std::move(e));
    });
    return values;
  }

  void type_system_extension(SchemaDocument& doc) {
    expect_keyword("extend");
    const std::string v = peek().value;  // any token's value, as gqlparser
    if (v == "schema") {
      expect_keyword("schema");
      SchemaDefinition d;
      d.pos = peek_pos();
      d.directives = directives(true);
      some(Tok::kBraceL, Tok::kBraceR, [&] { d.operation_types.push_back(operation_type_definition()); });
      if (d.directives.empty() && d.operation_types.empty()) unexpected();
      doc.schema_extension.push_back(std::move(d));
      return;
    }
    Definition d;
    if (v == "scalar") {
      expect_keyword("scalar");
      d = start_definition("SCALAR", "");
      d.directives = directives(true);
      if (d.directives.empty()) unexpected();
    } else if (v == "type") {
      expect_keyword("type");
      d = start_definition("OBJECT", "");
      d.interfaces = implements_interfaces();
      d.directives = directives(true);
      d.fields = fields_definition();
      if (d.interfaces.empty() && d.directives.empty() && d.fields.empty()) unexpected();
    } else if (v == "interface") {
      expect_keyword("interface");
      d = start_definition("INTERFACE", "");
      d.directives = directives(true);
      d.fields = fields_definition();
      if (d.directives.empty() && d.fields.empty()) unexpected();
    } else if (v == "union") {
      expect_keyword("union");
      d = start_definition("UNION", "");
      d.directives = directives(true);
      d.types = union_member_types();
      if (d.directives.empty() && d.types.empty()) unexpected();
    } else if (v == "enum") {
      expect_keyword("enum");
      d = start_definition("ENUM", "");
      d.directives = directives(true);
      d.enum_values = enum_values_definition();
      if (d.directives.empty() && d.enum_values.empty()) unexpected();
    } else if (v == "input") {
      expect_keyword("input");
      d = start_definition("INPUT_OBJECT", "");
      d.directives = directives(false);
      d.fields = input_fields_definition();
      if (d.directives.empty() && d.fields.empty()) unexpected();
    } else {
      unexpected();
    }
    doc.extensions.push_back(std::move(d));
  }

  DirectiveDefinition directive_definition(const std::string& description) {
    expect_keyword("directive");
    expect(Tok::kAt);
    DirectiveDefinition d;
    d.pos = peek_pos();
    d.description = description;
    d.name = parse_name();
    d.arguments = argument_defs();
    if (peek().kind == Tok::kName && peek().value == "repeatable") {
      d.is_repeatable = true;
      skip(Tok::kName);
    }
    expect_keyword("on");
    skip(Tok::kPipe);
    d.locations.push_back(directive_location());
    while (skip(Tok::kPipe)) d.locations.push_back(directive_location());
    return d;
  }

  std::string directive_location() {
    Token t = expect(Tok::kName);
    static const char* const kLocations[] = {
        "QUERY", "MUTATION", "SUBSCRIPTION", "FIELD", "FRAGMENT_DEFINITION", "FRAGMENT_SPREAD", "INLINE_FRAGMENT",
        "VARIABLE_DEFINITION", "SCHEMA", "SCALAR", "OBJECT", "FIELD_DEFINITION", "ARGUMENT_DEFINITION", "INTERFACE",
        "UNION", "ENUM", "ENUM_VALUE", "INPUT_OBJECT", "INPUT_FIELD_DEFINITION"};
    for (const char* l : kLocations)
      if (t.value == l) return t.value;
    unexpected_token(t);
  }

  Lexer lex_;
  bool peeked_ = false;
  Token peek_tok_;
  std::optional<Error> peek_error_;
  Token prev_;
  int depth_ = 0;
};

}  // namespace

std::optional<Error> parse_query(std::string_view source, QueryDocument& out) {
  try {
    Parser p(source);
    out = p.query_document();
    return std::nullopt;
  } catch (const Stop& s) {
    return s.error;
  }
}

std::optional<Error> parse_schema(std::string_view source, SchemaDocument& out) {
  try {
    Parser p(source);
    out = p.schema_document();
    return std::nullopt;
  } catch (const Stop& s) {
    return s.error;
  }
}

std::string Error::to_string() const {
  if (pos.line == 0) return "input: " + message;
  return "input:" + std::to_string(pos.line) + ":" + std::to_string(pos.column) + ": " + message;
}

std::string errors_text(const std::vector<Error>& errors) {
  std::string out;
  for (const auto& e : errors) out += e.to_string() + "\n";
  return out;
}

std::string go_quote(std::string_view s) {
  static const char* hex = "0123456789abcdef";
  std::string out = "\"";
  for (size_t i = 0; i < s.size();) {
    int w;
    uint32_t r = decode_rune(s, i, &w);
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (r == 0xFFFD && w == 1 && c >= 0x80) {  // invalid byte
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 15];
      ++i;
      continue;
    }
    i += static_cast<size_t>(w);
    switch (r) {
      case '"': out += "\\\""; continue;
      case '\\': out += "\\\\"; continue;
      case '\a': out += "\\a"; continue;
      case '\b': out += "\\b"; continue;
      case '\f': out += "\\f"; continue;
      case '\n': out += "\\n"; continue;
      case '\r': out += "\\r"; continue;
      case '\t': out += "\\t"; continue;
      case '\v': out += "\\v"; continue;
      default: break;
    }
    if (r < 0x20 || r == 0x7F) {
      out += "\\x";
      out += hex[r >> 4];
      out += hex[r & 15];
    } else if ((r >= 0x80 && r < 0xA0) || r == 0xAD || r == 0xFEFF || (r >= 0x2028 && r <= 0x2029)) {
      char buf[12];
      std::snprintf(buf, sizeof buf, "\\u%04x", r);
      out += buf;
    } else {
      out.append(s.substr(i - static_cast<size_t>(w), static_cast<size_t>(w)));
    }
  }
  out += '"';
  return out;
}

}  // namespace genesis::graphql
