#include "core/value.h"

#include "core/json.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <unordered_set>

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

size_t utf8_sequence_length(std::string_view s, size_t i) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(s[i + k]); };
  unsigned char c = byte(0);
  size_t len = 0;
  unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  if (c >= 0xC2 && c <= 0xDF) len = 2;
  else if (c == 0xE0) len = 3, lo = 0xA0;
  else if (c == 0xED) len = 3, hi = 0x9F;  // not U+D800..U+DFFF
  else if (c >= 0xE1 && c <= 0xEF) len = 3;
  else if (c == 0xF0) len = 4, lo = 0x90;
  else if (c == 0xF4) len = 4, hi = 0x8F;  // not beyond U+10FFFF
  else if (c >= 0xF1 && c <= 0xF3) len = 4;
  if (len == 0 || i + len > s.size() || byte(1) < lo || byte(1) > hi) return 0;
  for (size_t k = 2; k < len; ++k)
    if ((byte(k) & 0xC0) != 0x80) return 0;
  return len;
}

namespace {

// The strict reader: one pass over the text, events to a handler.
class JsonReader {
 public:
  JsonReader(std::string_view text, JsonHandler& h, const JsonReadOptions& options)
      : s_(text), h_(h), opt_(options) {}

  Status read() {
    skip_ws();
    if (!parse_value(0)) return err_;
    skip_ws();
    if (pos_ != s_.size()) return fail("unexpected trailing characters");
    return {};
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

  bool parse_value(int depth) {
    if (depth > opt_.max_depth) { fail("nesting deeper than " + std::to_string(opt_.max_depth)); return false; }
    if (pos_ >= s_.size()) { fail("unexpected end of input"); return false; }
    char c = s_[pos_];
    switch (c) {
      case '{': return parse_object(depth);
      case '[': return parse_array(depth);
      case '"': {
        std::string str;
        if (!parse_string(str)) return false;
        h_.string(std::move(str));
        return true;
      }
      case 't': if (literal("true")) { h_.boolean(true); return true; } break;
      case 'f': if (literal("false")) { h_.boolean(false); return true; } break;
      case 'n': if (literal("null")) { h_.null(); return true; } break;
      default:
        if (c == '-' || (c >= '0' && c <= '9')) return parse_number();
    }
    fail(std::string("unexpected character '") + c + "'");
    return false;
  }

  // Keys seen in one object: a short list, a hash set once it grows (so a
  // hostile object with many keys stays linear).
  struct Keys {
    std::vector<std::string> few;
    std::unordered_set<std::string> many;
    bool insert(const std::string& k) {
      if (!many.empty()) return many.insert(k).second;
      for (const auto& f : few)
        if (f == k) return false;
      few.push_back(k);
      if (few.size() > 16) many.insert(few.begin(), few.end());
      return true;
    }
  };

  bool parse_object(int depth) {
    ++pos_;  // '{'
    h_.begin_object();
    skip_ws();
    if (pos_ < s_.size() && s_[pos_] == '}') { ++pos_; h_.end_object(); return true; }
    Keys keys;
    while (true) {
      skip_ws();
      if (pos_ >= s_.size() || s_[pos_] != '"') { fail("expected object key string"); return false; }
      size_t at = pos_;
      std::string key;
      if (!parse_string(key)) return false;
      if (!keys.insert(key) && !opt_.duplicate_keys_last_wins) {
        pos_ = at;
        fail("duplicate object key \"" + key + "\"");
        return false;
      }
      skip_ws();
      if (pos_ >= s_.size() || s_[pos_] != ':') { fail("expected ':'"); return false; }
      ++pos_;
      skip_ws();
      h_.key(std::move(key));
      if (!parse_value(depth + 1)) return false;
      skip_ws();
      if (pos_ < s_.size() && s_[pos_] == ',') { ++pos_; continue; }
      if (pos_ < s_.size() && s_[pos_] == '}') { ++pos_; break; }
      fail("expected ',' or '}'");
      return false;
    }
    h_.end_object();
    return true;
  }

  bool parse_array(int depth) {
    ++pos_;  // '['
    h_.begin_array();
    skip_ws();
    if (pos_ < s_.size() && s_[pos_] == ']') { ++pos_; h_.end_array(); return true; }
    while (true) {
      skip_ws();
      if (!parse_value(depth + 1)) return false;
      skip_ws();
      if (pos_ < s_.size() && s_[pos_] == ',') { ++pos_; continue; }
      if (pos_ < s_.size() && s_[pos_] == ']') { ++pos_; break; }
      fail("expected ',' or ']'");
      return false;
    }
    h_.end_array();
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
    size_t len = utf8_sequence_length(s_, pos_);
    if (len == 0) { fail("invalid UTF-8"); return false; }
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

  bool parse_number() {
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
    std::string_view text = s_.substr(start, pos_ - start);
    // Every number must fit a double (an integer of any length does when it
    // is below ~1.8e308): 1e999 is refused rather than read as infinity.
    double d;
    auto r = std::from_chars(text.data(), text.data() + text.size(), d);
    if (r.ptr != text.data() + text.size() || !std::isfinite(d) ||
        (r.ec != std::errc() && r.ec != std::errc::result_out_of_range)) {
      pos_ = start;
      fail("number out of range");
      return false;
    }
    if (r.ec == std::errc::result_out_of_range) {
      // Underflow (1e-999) reads as 0 in every JSON reader we agree with;
      // overflow is refused.
      bool tiny = false;
      size_t e = text.find_first_of("eE");
      if (e != std::string_view::npos && e + 1 < text.size() && text[e + 1] == '-') tiny = true;
      if (!tiny) { pos_ = start; fail("number out of range"); return false; }
    }
    h_.number(text, integral);
    return true;
  }

  std::string_view s_;
  JsonHandler& h_;
  const JsonReadOptions& opt_;
  size_t pos_ = 0;
  Error err_;
};

// Builds a core::Value from the reader's events.
class ValueBuilder : public JsonHandler {
 public:
  explicit ValueBuilder(bool duplicates) : duplicates_(duplicates) {}
  Value take() { return std::move(root_); }

  void null() override { slot() = Value(nullptr); }
  void boolean(bool b) override { slot() = Value(b); }
  void number(std::string_view text, bool integral) override {
    if (integral) {
      int64_t i;
      auto r = std::from_chars(text.data(), text.data() + text.size(), i);
      if (r.ec == std::errc() && r.ptr == text.data() + text.size()) {
        slot() = Value(i);
        return;
      }
    }
    double d = 0;
    std::from_chars(text.data(), text.data() + text.size(), d);  // validated by the reader
    if (d == 0) d = 0;  // -0 is 0: keeps serialisation a fixed point
    slot() = Value(d);
  }
  void string(std::string s) override { slot() = Value(std::move(s)); }
  void begin_array() override { open(Value(Array{})); }
  void end_array() override { open_.pop_back(); }
  void begin_object() override { open(Value(Object{})); }
  void key(std::string k) override { keys_.push_back(std::move(k)); }
  void end_object() override { open_.pop_back(); }

 private:
  // Where the next value goes: the root, a new array item, or the member
  // named by the pending key (a repeated key, when the options allow one,
  // replaces the earlier member).
  Value& slot() {
    if (open_.empty()) return root_;
    Value& parent = *open_.back();
    if (parent.is_array()) {
      parent.as_array().emplace_back(nullptr);
      return parent.as_array().back();
    }
    std::string k = std::move(keys_.back());
    keys_.pop_back();
    // The reader has refused repeated keys unless they are allowed: only
    // then look for an earlier member (keeps large objects linear).
    if (duplicates_)
      if (Value* existing = parent.find(k)) return *existing;
    parent.as_object().emplace_back(std::move(k), nullptr);
    return parent.as_object().back().second;
  }
  void open(Value empty) {
    Value& at = slot();
    at = std::move(empty);
    open_.push_back(&at);  // stable: only the innermost open container grows
  }

  bool duplicates_;
  Value root_;
  std::vector<Value*> open_;       // open arrays and objects, innermost last
  std::vector<std::string> keys_;  // the pending key of each open object member
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
      if (!std::isfinite(d)) {  // JSON has neither: never write what is not JSON
        out += "null";
        break;
      }
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

Status read_json(std::string_view text, JsonHandler& handler, const JsonReadOptions& options) {
  return JsonReader(text, handler, options).read();
}

Result<Value> parse_json(std::string_view text, const JsonReadOptions& options) {
  ValueBuilder b(options.duplicate_keys_last_wins);
  if (auto st = read_json(text, b, options); !st) return st.error();
  return b.take();
}

Result<Value> parse_json(std::string_view text, const JsonOptions& options) {
  JsonReadOptions o;
  static_cast<JsonOptions&>(o) = options;
  return parse_json(text, o);
}

void append_json_string(std::string& out, std::string_view s) {
  static const char kHex[] = "0123456789abcdef";
  out += '"';
  for (size_t i = 0; i < s.size();) {
    char c = s[i];
    unsigned char u = static_cast<unsigned char>(c);
    if (u >= 0x80) {
      // Valid UTF-8 is copied; any other byte becomes U+FFFD, so what is
      // written is always JSON (the reader above would accept it).
      size_t len = utf8_sequence_length(s, i);
      if (len == 0) {
        out += "\\ufffd";
        ++i;
      } else {
        out.append(s.data() + i, len);
        i += len;
      }
      continue;
    }
    ++i;
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
