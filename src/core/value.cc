#include "core/value.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

namespace genesis::core {

const Value* Value::find(std::string_view key) const {
  if (!is_object()) return nullptr;
  for (const auto& [k, v] : as_object())
    if (k == key) return &v;
  return nullptr;
}

Value* Value::find(std::string_view key) {
  return const_cast<Value*>(static_cast<const Value*>(this)->find(key));
}

Value& Value::set(std::string key, Value v) {
  if (Value* existing = find(key)) {
    *existing = std::move(v);
    return *existing;
  }
  auto& obj = as_object();
  obj.emplace_back(std::move(key), std::move(v));
  return obj.back().second;
}

bool operator==(const Value& a, const Value& b) {
  if (a.is_number() && b.is_number()) {
    if (a.is_int() && b.is_int()) return a.as_int() == b.as_int();
    return a.as_double() == b.as_double();
  }
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case Value::Kind::kNull: return true;
    case Value::Kind::kBool: return a.as_bool() == b.as_bool();
    case Value::Kind::kString: return a.as_string() == b.as_string();
    case Value::Kind::kArray: return a.as_array() == b.as_array();
    case Value::Kind::kObject: {
      // Member order does not matter for equality.
      const auto& x = a.as_object();
      const auto& y = b.as_object();
      if (x.size() != y.size()) return false;
      for (const auto& [k, v] : x) {
        const Value* other = b.find(k);
        if (!other || !(*other == v)) return false;
      }
      return true;
    }
    default: return false;
  }
}

const char* Value::kind_name() const {
  switch (kind()) {
    case Kind::kNull: return "null";
    case Kind::kBool: return "boolean";
    case Kind::kInt:
    case Kind::kDouble: return "number";
    case Kind::kString: return "string";
    case Kind::kArray: return "array";
    case Kind::kObject: return "object";
  }
  return "?";
}

namespace {

class JsonParser {
 public:
  JsonParser(std::string_view text, const JsonOptions& options) : s_(text), opt_(options) {}

  Result<Value> parse() {
    skip_ws();
    Value v;
    if (!parse_value(v, 0)) return err_;
    skip_ws();
    if (pos_ != s_.size()) return fail("unexpected trailing characters");
    return v;
  }

 private:
  Error fail(std::string msg) {
    err_ = make_error(code::kInvalidArgument, "malformed JSON: " + msg,
                      "offset " + std::to_string(pos_));
    return err_;
  }

  void skip_ws() {
    while (pos_ < s_.size() &&
           (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r'))
      ++pos_;
  }

  bool literal(std::string_view word) {
    if (s_.substr(pos_, word.size()) != word) return false;
    pos_ += word.size();
    return true;
  }

  bool parse_value(Value& out, int depth) {
    if (depth > opt_.max_depth) { fail("nesting deeper than " + std::to_string(opt_.max_depth)); return false; }
    if (pos_ >= s_.size()) { fail("unexpected end of input"); return false; }
    char c = s_[pos_];
    switch (c) {
      case '{': return parse_object(out, depth);
      case '[': return parse_array(out, depth);
      case '"': {
        std::string str;
        if (!parse_string(str)) return false;
        out = Value(std::move(str));
        return true;
      }
      case 't': if (literal("true")) { out = Value(true); return true; } break;
      case 'f': if (literal("false")) { out = Value(false); return true; } break;
      case 'n': if (literal("null")) { out = Value(nullptr); return true; } break;
      default:
        if (c == '-' || (c >= '0' && c <= '9')) return parse_number(out);
    }
    fail(std::string("unexpected character '") + c + "'");
    return false;
  }

  bool parse_object(Value& out, int depth) {
    ++pos_;  // '{'
    Object obj;
    skip_ws();
    if (pos_ < s_.size() && s_[pos_] == '}') { ++pos_; out = Value(std::move(obj)); return true; }
    while (true) {
      skip_ws();
      if (pos_ >= s_.size() || s_[pos_] != '"') { fail("expected object key string"); return false; }
      std::string key;
      if (!parse_string(key)) return false;
      for (const auto& kv : obj)
        if (kv.first == key) { fail("duplicate object key \"" + key + "\""); return false; }
      skip_ws();
      if (pos_ >= s_.size() || s_[pos_] != ':') { fail("expected ':'"); return false; }
      ++pos_;
      skip_ws();
      Value v;
      if (!parse_value(v, depth + 1)) return false;
      obj.emplace_back(std::move(key), std::move(v));
      skip_ws();
      if (pos_ < s_.size() && s_[pos_] == ',') { ++pos_; continue; }
      if (pos_ < s_.size() && s_[pos_] == '}') { ++pos_; break; }
      fail("expected ',' or '}'");
      return false;
    }
    out = Value(std::move(obj));
    return true;
  }

  bool parse_array(Value& out, int depth) {
    ++pos_;  // '['
    Array arr;
    skip_ws();
    if (pos_ < s_.size() && s_[pos_] == ']') { ++pos_; out = Value(std::move(arr)); return true; }
    while (true) {
      skip_ws();
      Value v;
      if (!parse_value(v, depth + 1)) return false;
      arr.push_back(std::move(v));
      skip_ws();
      if (pos_ < s_.size() && s_[pos_] == ',') { ++pos_; continue; }
      if (pos_ < s_.size() && s_[pos_] == ']') { ++pos_; break; }
      fail("expected ',' or ']'");
      return false;
    }
    out = Value(std::move(arr));
    return true;
  }

  static int hex(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }

  bool read_hex4(uint32_t& cp) {
    if (pos_ + 4 > s_.size()) { fail("truncated \\u escape"); return false; }
    cp = 0;
    for (int i = 0; i < 4; ++i) {
      int h = hex(s_[pos_ + i]);
      if (h < 0) { fail("bad \\u escape"); return false; }
      cp = cp * 16 + h;
    }
    pos_ += 4;
    return true;
  }

  // Validates one UTF-8 sequence starting at pos_ and copies it.
  bool copy_utf8(std::string& out) {
    unsigned char c = static_cast<unsigned char>(s_[pos_]);
    int len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    if (len == 0 || pos_ + len > s_.size()) { fail("invalid UTF-8"); return false; }
    for (int i = 1; i < len; ++i)
      if ((static_cast<unsigned char>(s_[pos_ + i]) & 0xC0) != 0x80) { fail("invalid UTF-8"); return false; }
    out.append(s_.data() + pos_, len);
    pos_ += len;
    return true;
  }

  bool parse_string(std::string& out) {
    ++pos_;  // opening quote
    while (true) {
      if (pos_ >= s_.size()) { fail("unterminated string"); return false; }
      char c = s_[pos_];
      if (c == '"') { ++pos_; return true; }
      if (static_cast<unsigned char>(c) < 0x20) { fail("control character in string"); return false; }
      if (c != '\\') {
        if (static_cast<unsigned char>(c) < 0x80) { out += c; ++pos_; continue; }
        if (!copy_utf8(out)) return false;
        continue;
      }
      ++pos_;
      if (pos_ >= s_.size()) { fail("unterminated escape"); return false; }
      char e = s_[pos_++];
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          uint32_t cp;
          if (!read_hex4(cp)) return false;
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            uint32_t lo;
            if (s_.substr(pos_, 2) != "\\u") { fail("unpaired surrogate"); return false; }
            pos_ += 2;
            if (!read_hex4(lo)) return false;
            if (lo < 0xDC00 || lo > 0xDFFF) { fail("unpaired surrogate"); return false; }
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            fail("unpaired surrogate");
            return false;
          }
          append_utf8(out, cp);
          break;
        }
        default: fail(std::string("bad escape '\\") + e + "'"); return false;
      }
    }
  }

  bool parse_number(Value& out) {
    size_t start = pos_;
    if (s_[pos_] == '-') ++pos_;
    if (pos_ >= s_.size() || !isdigit(static_cast<unsigned char>(s_[pos_]))) { fail("bad number"); return false; }
    if (s_[pos_] == '0') {
      ++pos_;
    } else {
      while (pos_ < s_.size() && isdigit(static_cast<unsigned char>(s_[pos_]))) ++pos_;
    }
    bool integral = true;
    if (pos_ < s_.size() && s_[pos_] == '.') {
      integral = false;
      ++pos_;
      if (pos_ >= s_.size() || !isdigit(static_cast<unsigned char>(s_[pos_]))) { fail("bad number"); return false; }
      while (pos_ < s_.size() && isdigit(static_cast<unsigned char>(s_[pos_]))) ++pos_;
    }
    if (pos_ < s_.size() && (s_[pos_] == 'e' || s_[pos_] == 'E')) {
      integral = false;
      ++pos_;
      if (pos_ < s_.size() && (s_[pos_] == '+' || s_[pos_] == '-')) ++pos_;
      if (pos_ >= s_.size() || !isdigit(static_cast<unsigned char>(s_[pos_]))) { fail("bad number"); return false; }
      while (pos_ < s_.size() && isdigit(static_cast<unsigned char>(s_[pos_]))) ++pos_;
    }
    const char* b = s_.data() + start;
    const char* e = s_.data() + pos_;
    if (integral) {
      int64_t i;
      auto r = std::from_chars(b, e, i);
      if (r.ec == std::errc() && r.ptr == e) { out = Value(i); return true; }
    }
    double d;
    auto r = std::from_chars(b, e, d);
    if (r.ec != std::errc() || r.ptr != e || !std::isfinite(d)) { fail("number out of range"); return false; }
    if (d == 0) d = 0;  // -0 is 0: keeps serialisation a fixed point
    out = Value(d);
    return true;
  }

  std::string_view s_;
  const JsonOptions& opt_;
  size_t pos_ = 0;
  Error err_;
};

void append_indent(std::string& out, int level) {
  out += '\n';
  out.append(static_cast<size_t>(level) * 2, ' ');
}

void append_json_impl(std::string& out, const Value& v, bool pretty, int level) {
  switch (v.kind()) {
    case Value::Kind::kNull: out += "null"; break;
    case Value::Kind::kBool: out += v.as_bool() ? "true" : "false"; break;
    case Value::Kind::kInt: {
      char buf[24];
      auto r = std::to_chars(buf, buf + sizeof buf, v.as_int());
      out.append(buf, r.ptr);
      break;
    }
    case Value::Kind::kDouble: {
      double d = v.as_double();
      char buf[32];
      // Shortest representation that round-trips.
      auto r = std::to_chars(buf, buf + sizeof buf, d);
      out.append(buf, r.ptr);
      break;
    }
    case Value::Kind::kString: append_json_string(out, v.as_string()); break;
    case Value::Kind::kArray: {
      const auto& a = v.as_array();
      out += '[';
      for (size_t i = 0; i < a.size(); ++i) {
        if (i) out += ',';
        if (pretty) append_indent(out, level + 1);
        append_json_impl(out, a[i], pretty, level + 1);
      }
      if (pretty && !a.empty()) append_indent(out, level);
      out += ']';
      break;
    }
    case Value::Kind::kObject: {
      const auto& o = v.as_object();
      out += '{';
      for (size_t i = 0; i < o.size(); ++i) {
        if (i) out += ',';
        if (pretty) append_indent(out, level + 1);
        append_json_string(out, o[i].first);
        out += pretty ? ": " : ":";
        append_json_impl(out, o[i].second, pretty, level + 1);
      }
      if (pretty && !o.empty()) append_indent(out, level);
      out += '}';
      break;
    }
  }
}

}  // namespace

Result<Value> parse_json(std::string_view text, const JsonOptions& options) {
  return JsonParser(text, options).parse();
}

void append_json_string(std::string& out, std::string_view s) {
  static const char kHex[] = "0123456789abcdef";
  out += '"';
  for (char c : s) {
    unsigned char u = static_cast<unsigned char>(c);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (u < 0x20) {
          out += "\\u00";
          out += kHex[u >> 4];
          out += kHex[u & 0xF];
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

void append_utf8(std::string& out, uint32_t cp) {
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

void append_json(std::string& out, const Value& v) { append_json_impl(out, v, false, 0); }

std::string to_json(const Value& v, bool pretty) {
  std::string out;
  append_json_impl(out, v, pretty, 0);
  return out;
}

}  // namespace genesis::core
