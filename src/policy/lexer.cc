#include "policy/lexer.h"

#include "core/value.h"

namespace genesis::policy {
namespace {

bool is_ident_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }


}  // namespace

// Index just past the string literal starting at s[i] ("...", `...`, $"..."
// or $`...`, the templates with nested {expressions}); npos when unterminated.
namespace {
size_t skip_literal_depth(std::string_view s, size_t i, int nesting);
}  // namespace

size_t skip_literal(std::string_view s, size_t i) { return skip_literal_depth(s, i, 0); }

namespace {
size_t skip_literal_depth(std::string_view s, size_t i, int nesting) {
  if (nesting > 64) return std::string_view::npos;  // bounded: hostile input cannot exhaust the stack
  bool tmpl = s[i] == '$';
  if (tmpl) ++i;
  if (i >= s.size()) return std::string_view::npos;
  char q = s[i++];
  int depth = 0;
  while (i < s.size()) {
    char c = s[i];
    if (depth == 0) {
      if (q == '"' && c == '\\') {
        i += 2;
        continue;
      }
      if (tmpl && q == '`' && c == '\\' && i + 1 < s.size() && s[i + 1] == '{') {
        i += 2;
        continue;
      }
      if (c == q) return i + 1;
      if (q == '"' && c == '\n') return std::string_view::npos;
      if (tmpl && c == '{') ++depth;
      ++i;
      continue;
    }
    // Inside an embedded expression.
    if (c == '"' || c == '`' || (c == '$' && i + 1 < s.size() && (s[i + 1] == '"' || s[i + 1] == '`'))) {
      size_t e = skip_literal_depth(s, i, nesting + 1);
      if (e == std::string_view::npos) return e;
      i = e;
      continue;
    }
    if (c == '{') ++depth;
    if (c == '}') --depth;
    ++i;
  }
  return std::string_view::npos;
}
}  // namespace

const char* tok_name(Tok t) {
  switch (t) {
    case Tok::kEof: return "eof";
    case Tok::kIdent: return "ident";
    case Tok::kString: return "string";
    case Tok::kRawString: return "string";
    case Tok::kTemplate: return "template string";
    case Tok::kNumber: return "number";
    case Tok::kLBrace: return "{";
    case Tok::kRBrace: return "}";
    case Tok::kLBrack: return "[";
    case Tok::kRBrack: return "]";
    case Tok::kLParen: return "(";
    case Tok::kRParen: return ")";
    case Tok::kDot: return ".";
    case Tok::kComma: return ",";
    case Tok::kSemicolon: return ";";
    case Tok::kColon: return ":";
    case Tok::kAssign: return ":=";
    case Tok::kUnify: return "=";
    case Tok::kEq: return "==";
    case Tok::kNeq: return "!=";
    case Tok::kLt: return "<";
    case Tok::kLte: return "<=";
    case Tok::kGt: return ">";
    case Tok::kGte: return ">=";
    case Tok::kPlus: return "+";
    case Tok::kMinus: return "-";
    case Tok::kStar: return "*";
    case Tok::kSlash: return "/";
    case Tok::kPercent: return "%";
    case Tok::kAmp: return "&";
    case Tok::kBar: return "|";
  }
  return "?";
}

core::Result<std::vector<Token>> lex(std::string_view s, std::vector<Comment>* comments) {
  std::vector<Token> out;
  size_t i = 0;
  int row = 1, col = 1;
  bool nl = false, ws = false;
  auto err = [&](const std::string& msg) {
    return core::make_error("rego_parse_error", msg, std::to_string(row) + ":" + std::to_string(col));
  };
  auto adv = [&](size_t n) {
    for (size_t k = 0; k < n && i < s.size(); ++k) {
      if (s[i] == '\n') {
        ++row;
        col = 1;
      } else {
        ++col;
      }
      ++i;
    }
  };
  while (i < s.size()) {
    char c = s[i];
    if (c == '\n') {
      nl = true;
      ws = true;
      adv(1);
      continue;
    }
    if (c == ' ' || c == '\t' || c == '\r') {
      ws = true;
      adv(1);
      continue;
    }
    if (c == '#') {
      size_t j = s.find('\n', i);
      if (j == std::string_view::npos) j = s.size();
      if (comments) comments->push_back({row, col, std::string(s.substr(i + 1, j - i - 1))});
      adv(j - i);
      continue;
    }
    Token t;
    t.row = row;
    t.col = col;
    t.nl_before = nl || out.empty();
    t.ws_before = ws;
    nl = false;
    ws = false;
    if (is_ident_start(c)) {
      size_t j = i;
      while (j < s.size() && (is_ident_start(s[j]) || is_digit(s[j]))) ++j;
      t.tok = Tok::kIdent;
      t.text = std::string(s.substr(i, j - i));
      adv(j - i);
      out.push_back(std::move(t));
      continue;
    }
    if (is_digit(c) || (c == '.' && i + 1 < s.size() && is_digit(s[i + 1]) && false)) {
      size_t j = i;
      while (j < s.size() && is_digit(s[j])) ++j;
      if (j < s.size() && s[j] == '.' && j + 1 < s.size() && is_digit(s[j + 1])) {
        ++j;
        while (j < s.size() && is_digit(s[j])) ++j;
      }
      if (j < s.size() && (s[j] == 'e' || s[j] == 'E')) {
        size_t k = j + 1;
        if (k < s.size() && (s[k] == '+' || s[k] == '-')) ++k;
        if (k < s.size() && is_digit(s[k])) {
          j = k;
          while (j < s.size() && is_digit(s[j])) ++j;
        }
      }
      t.tok = Tok::kNumber;
      t.text = std::string(s.substr(i, j - i));
      adv(j - i);
      if (i < s.size() && is_ident_start(s[i])) return err("illegal number format");
      out.push_back(std::move(t));
      continue;
    }
    if (c == '"' || (c == '$' && i + 1 < s.size() && s[i + 1] == '"')) {
      bool tmpl = c == '$';
      if (tmpl) adv(1);
      adv(1);
      std::string v, raw;
      bool closed = false;
      int depth = 0;
      while (i < s.size()) {
        char d = s[i];
        if (d == '\n') return err("non-terminated string");
        if (tmpl) {
          // Raw body; the parser splits literal parts and {expressions}.
          if (d == '\\' && i + 1 < s.size()) {
            raw.push_back(d);
            raw.push_back(s[i + 1]);
            adv(2);
            continue;
          }
          if (d == '{') ++depth;
          if (d == '}' && depth > 0) --depth;
          if (d == '"' && depth == 0) {
            adv(1);
            closed = true;
            break;
          }
          if (d == '"' && depth > 0) {
            // A string inside an embedded expression.
            raw.push_back(d);
            adv(1);
            while (i < s.size() && s[i] != '"' && s[i] != '\n') {
              if (s[i] == '\\' && i + 1 < s.size()) {
                raw.push_back(s[i]);
                adv(1);
              }
              raw.push_back(s[i]);
              adv(1);
            }
            if (i < s.size() && s[i] == '"') {
              raw.push_back('"');
              adv(1);
            }
            continue;
          }
          raw.push_back(d);
          adv(1);
          continue;
        }
        if (d == '"') {
          adv(1);
          closed = true;
          break;
        }
        if (d == '\\') {
          if (i + 1 >= s.size()) return err("non-terminated string");
          char e = s[i + 1];
          adv(2);
          switch (e) {
            case '"': v.push_back('"'); break;
            case '\\': v.push_back('\\'); break;
            case '/': v.push_back('/'); break;
            case 'b': v.push_back('\b'); break;
            case 'f': v.push_back('\f'); break;
            case 'n': v.push_back('\n'); break;
            case 'r': v.push_back('\r'); break;
            case 't': v.push_back('\t'); break;
            case 'u': {
              auto hex4 = [&](uint32_t* cp) {
                if (i + 4 > s.size()) return false;
                uint32_t x = 0;
                for (int k = 0; k < 4; ++k) {
                  char h = s[i + k];
                  x <<= 4;
                  if (is_digit(h)) x |= h - '0';
                  else if (h >= 'a' && h <= 'f') x |= h - 'a' + 10;
                  else if (h >= 'A' && h <= 'F') x |= h - 'A' + 10;
                  else return false;
                }
                adv(4);
                *cp = x;
                return true;
              };
              uint32_t cp;
              if (!hex4(&cp)) return err("illegal escape sequence");
              if (cp >= 0xD800 && cp < 0xDC00 && i + 1 < s.size() && s[i] == '\\' && s[i + 1] == 'u') {
                adv(2);
                uint32_t lo;
                if (!hex4(&lo)) return err("illegal escape sequence");
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
              }
              core::append_utf8(v, cp);
              break;
            }
            default: return err("illegal escape sequence");
          }
          continue;
        }
        v.push_back(d);
        adv(1);
      }
      if (!closed) return err("non-terminated string");
      t.tok = tmpl ? Tok::kTemplate : Tok::kString;
      t.text = tmpl ? raw : v;
      out.push_back(std::move(t));
      continue;
    }
    if (c == '`' || (c == '$' && i + 1 < s.size() && s[i + 1] == '`')) {
      bool tmpl = c == '$';
      size_t end = tmpl ? skip_literal(s, i) : s.find('`', i + 1);
      if (end == std::string_view::npos) return err("non-terminated raw string");
      if (!tmpl) ++end;
      if (tmpl) adv(1);
      adv(1);
      size_t j = end - 1;
      t.tok = tmpl ? Tok::kTemplate : Tok::kRawString;
      t.raw_template = tmpl;
      t.text = std::string(s.substr(i, j - i));
      adv(j - i + 1);
      out.push_back(std::move(t));
      continue;
    }
    auto two = [&](char a, char b) { return c == a && i + 1 < s.size() && s[i + 1] == b; };
    size_t n = 1;
    if (two(':', '=')) {
      t.tok = Tok::kAssign;
      n = 2;
    } else if (two('=', '=')) {
      t.tok = Tok::kEq;
      n = 2;
    } else if (two('!', '=')) {
      t.tok = Tok::kNeq;
      n = 2;
    } else if (two('<', '=')) {
      t.tok = Tok::kLte;
      n = 2;
    } else if (two('>', '=')) {
      t.tok = Tok::kGte;
      n = 2;
    } else {
      switch (c) {
        case '{': t.tok = Tok::kLBrace; break;
        case '}': t.tok = Tok::kRBrace; break;
        case '[': t.tok = Tok::kLBrack; break;
        case ']': t.tok = Tok::kRBrack; break;
        case '(': t.tok = Tok::kLParen; break;
        case ')': t.tok = Tok::kRParen; break;
        case '.': t.tok = Tok::kDot; break;
        case ',': t.tok = Tok::kComma; break;
        case ';': t.tok = Tok::kSemicolon; break;
        case ':': t.tok = Tok::kColon; break;
        case '=': t.tok = Tok::kUnify; break;
        case '<': t.tok = Tok::kLt; break;
        case '>': t.tok = Tok::kGt; break;
        case '+': t.tok = Tok::kPlus; break;
        case '-': t.tok = Tok::kMinus; break;
        case '*': t.tok = Tok::kStar; break;
        case '/': t.tok = Tok::kSlash; break;
        case '%': t.tok = Tok::kPercent; break;
        case '&': t.tok = Tok::kAmp; break;
        case '|': t.tok = Tok::kBar; break;
        default: return err(std::string("illegal token"));
      }
    }
    t.text = std::string(s.substr(i, n));
    adv(n);
    out.push_back(std::move(t));
  }
  Token eof;
  eof.tok = Tok::kEof;
  eof.row = row;
  eof.col = col;
  eof.nl_before = true;
  out.push_back(eof);
  return out;
}

}  // namespace genesis::policy
