#include "sigma/modifiers.h"

#include <arpa/inet.h>

#include <cctype>
#include <cstdlib>
#include <set>

namespace genesis::sigma {
namespace {

using core::Error;
using core::Result;

Error malformed(std::string msg) { return core::make_error("malformed", std::move(msg)); }
Error unsupported(std::string msg) { return core::make_error("unsupported", std::move(msg)); }

void lower_in_place(std::string& s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
}

std::vector<std::string> split(std::string_view s, char sep) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (true) {
    std::size_t at = s.find(sep, start);
    out.emplace_back(s.substr(start, at == std::string_view::npos ? at : at - start));
    if (at == std::string_view::npos) return out;
    start = at + 1;
  }
}

// ---- encodings ----

std::string base64(std::string_view in) {
  static const char* kAlpha = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t n = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8) | uint8_t(in[i + 2]);
    out += kAlpha[n >> 18];
    out += kAlpha[(n >> 12) & 63];
    out += kAlpha[(n >> 6) & 63];
    out += kAlpha[n & 63];
  }
  if (i + 1 == in.size()) {
    uint32_t n = uint8_t(in[i]) << 16;
    out += kAlpha[n >> 18];
    out += kAlpha[(n >> 12) & 63];
    out += "==";
  } else if (i + 2 == in.size()) {
    uint32_t n = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8);
    out += kAlpha[n >> 18];
    out += kAlpha[(n >> 12) & 63];
    out += kAlpha[(n >> 6) & 63];
    out += '=';
  }
  return out;
}

// The three shifted encodings of `in` whose middle part is stable wherever `in` sits
// inside a larger base64-encoded text (as pySigma's base64offset).
std::vector<std::string> base64_offsets(std::string_view in) {
  std::vector<std::string> out;
  static const int kStart[3] = {0, 2, 3};
  static const int kEnd[3] = {0, 3, 2};
  for (int i = 0; i < 3; ++i) {
    std::string shifted(static_cast<std::size_t>(i), ' ');
    shifted += in;
    std::string enc = base64(shifted);
    std::size_t trim = static_cast<std::size_t>(kEnd[(in.size() + i) % 3]);
    std::size_t start = static_cast<std::size_t>(kStart[i]);
    if (enc.size() < start + trim) continue;
    out.push_back(enc.substr(start, enc.size() - start - trim));
  }
  return out;
}

// UTF-8 -> code points (invalid bytes are taken as Latin-1).
std::vector<uint32_t> code_points(std::string_view s) {
  std::vector<uint32_t> cps;
  for (std::size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    int len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (len == 0 || i + len > s.size()) {
      cps.push_back(c);
      ++i;
      continue;
    }
    uint32_t cp = len == 1 ? c : len == 2 ? c & 0x1F : len == 3 ? c & 0x0F : c & 0x07;
    for (int k = 1; k < len; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    cps.push_back(cp);
    i += len;
  }
  return cps;
}

std::string utf16(std::string_view s, bool big_endian) {
  std::string out;
  auto unit = [&](uint16_t u) {
    char lo = static_cast<char>(u & 0xFF), hi = static_cast<char>(u >> 8);
    if (big_endian) {
      out += hi;
      out += lo;
    } else {
      out += lo;
      out += hi;
    }
  };
  for (uint32_t cp : code_points(s)) {
    if (cp >= 0x10000) {
      cp -= 0x10000;
      unit(static_cast<uint16_t>(0xD800 + (cp >> 10)));
      unit(static_cast<uint16_t>(0xDC00 + (cp & 0x3FF)));
    } else {
      unit(static_cast<uint16_t>(cp));
    }
  }
  return out;
}

// ---- windash ----

// Positions of `-` or `/` that start a command-line flag: not preceded by a word
// character, followed by one (pySigma's \B[-/]\b).
bool is_word(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

std::vector<std::string> windash(const std::string& s) {
  static const std::vector<std::string> kDashes = {"-", "/", "\xE2\x80\x93", "\xE2\x80\x94",
                                                   "\xE2\x80\x95"};
  std::vector<std::size_t> at;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if ((s[i] == '-' || s[i] == '/') && (i == 0 || !is_word(s[i - 1])) && i + 1 < s.size() &&
        is_word(s[i + 1])) {
      at.push_back(i);
    }
  }
  std::vector<std::string> out = {""};
  std::size_t prev = 0;
  for (std::size_t pos : at) {
    std::vector<std::string> next;
    for (const auto& head : out) {
      for (const auto& d : kDashes) next.push_back(head + s.substr(prev, pos - prev) + d);
    }
    out = std::move(next);
    prev = pos + 1;
    if (out.size() > 3125) return {s};  // five flags: enough permutations
  }
  for (auto& o : out) o += s.substr(prev);
  return out;
}

// ---- placeholders ----

Result<std::vector<std::string>> expand(const std::string& s, const LoadOptions& options) {
  std::vector<std::string> out = {""};
  std::size_t i = 0;
  while (i < s.size()) {
    if (s[i] == '\\' && i + 1 < s.size() && s[i + 1] == '%') {
      for (auto& o : out) o += "\\%";
      i += 2;
      continue;
    }
    if (s[i] == '%') {
      std::size_t end = s.find('%', i + 1);
      if (end == std::string::npos) {
        for (auto& o : out) o += s.substr(i);
        break;
      }
      std::string name = s.substr(i + 1, end - i - 1);
      auto it = options.placeholders.find(name);
      if (it == options.placeholders.end() || it->second.empty()) {
        return unsupported("placeholder %" + name + "% has no value (LoadOptions::placeholders)");
      }
      std::vector<std::string> next;
      for (const auto& o : out) {
        for (const auto& v : it->second) next.push_back(o + v);
      }
      out = std::move(next);
      i = end + 1;
      continue;
    }
    for (auto& o : out) o += s[i];
    ++i;
  }
  // `\%` stands for a plain `%` once placeholders are done.
  for (auto& o : out) {
    std::string r;
    for (std::size_t k = 0; k < o.size(); ++k) {
      if (o[k] == '\\' && k + 1 < o.size() && o[k + 1] == '%') continue;
      r += o[k];
    }
    o = std::move(r);
  }
  return out;
}

// ---- classification ----

bool has_wildcards(const Tokens& t) {
  for (const auto& x : t) {
    if (x.type != Token::kLit) return true;
  }
  return false;
}

std::string literal_text(const Tokens& t) {
  std::string s;
  for (const auto& x : t) {
    if (x.type == Token::kLit) s += x.text;
  }
  return s;
}

Tokens merge(Tokens t) {
  Tokens out;
  for (auto& x : t) {
    if (x.type == Token::kLit && x.text.empty()) continue;
    if (!out.empty() && out.back().type == Token::kLit && x.type == Token::kLit) {
      out.back().text += x.text;
    } else if (!out.empty() && out.back().type == Token::kStar && x.type == Token::kStar) {
      continue;
    } else {
      out.push_back(std::move(x));
    }
  }
  return out;
}

Pattern classify(Tokens t, bool cased) {
  t = merge(std::move(t));
  if (!cased) {
    for (auto& x : t) lower_in_place(x.text);
  }
  Pattern p;
  p.cased = cased;
  auto lit = [](const Token& x) { return x.type == Token::kLit; };
  auto star = [](const Token& x) { return x.type == Token::kStar; };
  if (t.empty()) {
    p.op = Op::kEquals;
  } else if (t.size() == 1 && lit(t[0])) {
    p.op = Op::kEquals;
    p.text = t[0].text;
  } else if (t.size() == 1 && star(t[0])) {
    p.op = Op::kPrefix;  // "*": any value, even empty
  } else if (t.size() == 2 && lit(t[0]) && star(t[1])) {
    p.op = Op::kPrefix;
    p.text = t[0].text;
  } else if (t.size() == 2 && star(t[0]) && lit(t[1])) {
    p.op = Op::kSuffix;
    p.text = t[1].text;
  } else if (t.size() == 3 && star(t[0]) && lit(t[1]) && star(t[2])) {
    p.op = Op::kContains;
    p.text = t[1].text;
  } else {
    p.op = Op::kGlob;
    p.glob = std::move(t);
  }
  return p;
}

bool parse_number(const std::string& s, double& out) {
  if (s.empty()) return false;
  char* end = nullptr;
  out = std::strtod(s.c_str(), &end);
  return end == s.c_str() + s.size();
}

Result<Pattern> cidr(const std::string& s) {
  Pattern p;
  p.op = Op::kCidr;
  auto slash = s.find('/');
  std::string addr = s.substr(0, slash);
  unsigned char buf[16] = {};
  if (inet_pton(AF_INET, addr.c_str(), buf) == 1) {
    p.v6 = false;
    p.prefix = 32;
  } else if (inet_pton(AF_INET6, addr.c_str(), buf) == 1) {
    p.v6 = true;
    p.prefix = 128;
  } else {
    return malformed("cidr: '" + s + "' is not an IPv4 or IPv6 network");
  }
  if (slash != std::string::npos) {
    std::string bits = s.substr(slash + 1);
    char* end = nullptr;
    long n = std::strtol(bits.c_str(), &end, 10);
    if (bits.empty() || *end != '\0' || n < 0 || n > p.prefix) {
      return malformed("cidr: bad prefix length in '" + s + "'");
    }
    p.prefix = static_cast<int>(n);
  }
  std::copy(buf, buf + 16, p.net.begin());
  return p;
}

}  // namespace

Tokens parse_wildcards(std::string_view v) {
  Tokens t;
  auto lit = [&](char c) {
    if (t.empty() || t.back().type != Token::kLit) t.push_back({Token::kLit, ""});
    t.back().text += c;
  };
  for (std::size_t i = 0; i < v.size(); ++i) {
    char c = v[i];
    if (c == '\\') {
      // \* \? \\ escape; a backslash before anything else is itself.
      if (i + 1 < v.size() && (v[i + 1] == '*' || v[i + 1] == '?' || v[i + 1] == '\\')) {
        lit(v[i + 1]);
        ++i;
      } else {
        lit('\\');
      }
    } else if (c == '*') {
      if (t.empty() || t.back().type != Token::kStar) t.push_back({Token::kStar, ""});
    } else if (c == '?') {
      t.push_back({Token::kOne, ""});
    } else {
      lit(c);
    }
  }
  return t;
}

Result<FieldMatcher> compile_item(std::string_view key, const std::vector<RawValue>& values,
                                  const Target& target, const LoadOptions& options) {
  std::vector<std::string> parts = split(key, '|');
  FieldMatcher m;
  m.field = parts[0];
  if (!m.field.empty()) {
    auto paths = resolve_field(target, m.field);
    if (!paths) return core::make_error("unknown_field", "field '" + m.field + "' has no Genesis path for " + target.bucket());
    m.paths = std::move(*paths);
  }

  // Modifiers, validated and grouped; encodings keep their order.
  bool contains = false, startswith = false, endswith = false, cased = false, re = false,
       re_i = false, re_m = false, re_s = false, is_cidr = false, is_exists = false,
       is_expand = false, is_fieldref = false;
  std::string compare;  // lt, lte, gt, gte
  std::vector<std::string> encodings;  // windash, base64, base64offset, utf16*, wide
  for (std::size_t i = 1; i < parts.size(); ++i) {
    std::string mod = parts[i];
    lower_in_place(mod);
    if (mod == "contains") contains = true;
    else if (mod == "startswith") startswith = true;
    else if (mod == "endswith") endswith = true;
    else if (mod == "all") m.all = true;
    else if (mod == "cased") cased = true;
    else if (mod == "neq") m.neq = true;
    else if (mod == "re") re = true;
    else if (mod == "i" || mod == "ignorecase") re_i = true;
    else if (mod == "m" || mod == "multiline") re_m = true;
    else if (mod == "s" || mod == "dotall") re_s = true;
    else if (mod == "cidr") is_cidr = true;
    else if (mod == "exists") is_exists = true;
    else if (mod == "expand") is_expand = true;
    else if (mod == "fieldref") is_fieldref = true;
    else if (mod == "lt" || mod == "lte" || mod == "gt" || mod == "gte") compare = mod;
    else if (mod == "minute") m.time = kMinute;
    else if (mod == "hour") m.time = kHour;
    else if (mod == "day") m.time = kDay;
    else if (mod == "week") m.time = kWeek;
    else if (mod == "month") m.time = kMonth;
    else if (mod == "year") m.time = kYear;
    else if (mod == "windash" || mod == "base64" || mod == "base64offset" || mod == "utf16" ||
             mod == "utf16le" || mod == "utf16be" || mod == "wide") {
      encodings.push_back(mod);
    } else {
      return malformed("unknown value modifier '" + parts[i] + "'");
    }
  }
  if ((re_i || re_m || re_s) && !re) return malformed("modifiers i, m, s need re");
  if (m.all && values.size() < 2) {
    return malformed("the all modifier needs a list of at least two values");
  }
  if (values.empty()) return malformed("no value");
  for (const auto& v : values) {
    if (v.type == RawValue::kNull && values.size() > 1) {
      return malformed("null cannot be part of a list of values");
    }
  }

  for (const auto& v : values) {
    if (v.type == RawValue::kNull) {
      if (parts.size() > 1) return malformed("null takes no modifier");
      Pattern p;
      p.op = Op::kNull;
      m.patterns.push_back(p);
      continue;
    }
    if (is_exists) {
      if (v.type != RawValue::kBool) return malformed("exists needs true or false");
      if (m.field.empty()) return malformed("exists needs a field");
      Pattern p;
      p.op = Op::kExists;
      p.exists = v.text == "true" || v.text == "True" || v.text == "TRUE";
      m.patterns.push_back(p);
      continue;
    }
    if (!compare.empty()) {
      Pattern p;
      if (!parse_number(v.text, p.number)) {
        return malformed(compare + " needs a number, got '" + v.text + "'");
      }
      p.op = compare == "lt" ? Op::kLt : compare == "lte" ? Op::kLte : compare == "gt" ? Op::kGt : Op::kGte;
      m.patterns.push_back(p);
      continue;
    }
    if (m.time != kNoTime) {
      Pattern p;
      if (!parse_number(v.text, p.number)) return malformed("a time modifier needs a number");
      p.op = Op::kEquals;  // the date part equals the number
      p.text = v.text;
      m.patterns.push_back(p);
      continue;
    }
    if (re) {
      if (v.type != RawValue::kString && v.type != RawValue::kNumber) {
        return malformed("re needs a string");
      }
      RE2::Options o;
      o.set_log_errors(false);
      o.set_case_sensitive(!re_i);
      o.set_dot_nl(re_s);
      o.set_never_nl(false);
      o.set_max_mem(8 << 20);
      std::string text = re_m ? "(?m)" + v.text : v.text;
      auto rx = std::make_shared<RE2>(text, o);
      if (!rx->ok()) {
        return unsupported("regular expression '" + v.text + "' is not supported by RE2: " +
                           rx->error());
      }
      Pattern p;
      p.op = Op::kRegex;
      p.cased = true;
      p.re = std::move(rx);
      m.patterns.push_back(std::move(p));
      continue;
    }
    if (is_cidr) {
      auto p = cidr(v.text);
      if (!p.ok()) return p.error();
      m.patterns.push_back(std::move(*p));
      continue;
    }
    if (is_fieldref) {
      auto paths = resolve_field(target, v.text);
      if (!paths) {
        return core::make_error("unknown_field", "fieldref '" + v.text + "' has no Genesis path");
      }
      Pattern p;
      p.op = Op::kFieldRef;
      p.cased = cased;
      p.ref = std::move(*paths);
      m.patterns.push_back(std::move(p));
      continue;
    }
    // A string value (numbers and booleans compare as text).
    std::vector<std::string> texts = {v.text};
    if (is_expand) {
      auto e = expand(v.text, options);
      if (!e.ok()) return e.error();
      texts = std::move(*e);
    }
    for (const auto& text : texts) {
      std::vector<Tokens> alts = {parse_wildcards(text)};
      bool encoded = false;
      for (const auto& enc : encodings) {
        std::vector<Tokens> next;
        for (const auto& t : alts) {
          if (enc == "windash") {
            // Permute flags within each literal run.
            std::vector<Tokens> acc = {{}};
            for (const auto& tok : t) {
              std::vector<std::string> forms =
                  tok.type == Token::kLit ? windash(tok.text) : std::vector<std::string>{""};
              std::vector<Tokens> grown;
              for (const auto& a : acc) {
                for (const auto& f : forms) {
                  Tokens g = a;
                  g.push_back(tok.type == Token::kLit ? Token{Token::kLit, f} : tok);
                  grown.push_back(std::move(g));
                }
              }
              acc = std::move(grown);
            }
            for (auto& a : acc) next.push_back(std::move(a));
          } else if (enc == "base64" || enc == "base64offset") {
            if (has_wildcards(t)) {
              return unsupported(enc + " of a value with wildcards");
            }
            std::string plain = literal_text(t);
            if (enc == "base64") {
              next.push_back({{Token::kLit, base64(plain)}});
            } else {
              for (auto& s : base64_offsets(plain)) {
                next.push_back({{Token::kStar, ""}, {Token::kLit, s}, {Token::kStar, ""}});
              }
            }
            encoded = true;
          } else {  // utf16 family: literal runs re-encoded, wildcards kept
            bool be = enc == "utf16be";
            Tokens g;
            bool first = true;
            for (const auto& tok : t) {
              if (tok.type == Token::kLit) {
                std::string s = utf16(tok.text, be);
                if (first && enc == "utf16") s = std::string("\xFF\xFE") + s;
                g.push_back({Token::kLit, s});
              } else {
                g.push_back(tok);
              }
              first = false;
            }
            next.push_back(std::move(g));
          }
        }
        alts = std::move(next);
      }
      for (auto& t : alts) {
        if (contains || (startswith && endswith)) {
          t.insert(t.begin(), {Token::kStar, ""});
          t.push_back({Token::kStar, ""});
        } else if (startswith) {
          t.push_back({Token::kStar, ""});
        } else if (endswith) {
          t.insert(t.begin(), {Token::kStar, ""});
        }
        m.patterns.push_back(classify(std::move(t), cased || encoded));
      }
    }
  }
  if (m.all && m.patterns.size() < 2) m.all = false;
  return m;
}

Result<FieldMatcher> compile_keywords(std::string_view key, const std::vector<RawValue>& values,
                                      const LoadOptions& options) {
  Target none;
  std::string k(key);
  // A keyword is searched anywhere in the event's strings: contains unless it has a
  // string-position modifier or is a regular expression.
  bool positional = k.find("|startswith") != std::string::npos ||
                    k.find("|endswith") != std::string::npos || k.find("|re") != std::string::npos ||
                    k.find("|contains") != std::string::npos;
  if (!positional) k += "|contains";
  auto m = compile_item(k, values, none, options);
  if (!m.ok()) return m;
  m->field.clear();
  return m;
}

}  // namespace genesis::sigma
