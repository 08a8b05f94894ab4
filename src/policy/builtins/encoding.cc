// Encodings: base64, base64url, hex, json, yaml, urlquery.
#include <yaml-cpp/yaml.h>

#include <cstdio>

#include "policy/builtins/builtins.h"

namespace genesis::policy {
namespace {

const char* kB64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const char* kB64Url = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string b64_encode(const std::string& s, const char* alpha, bool pad) {
  std::string out;
  size_t i = 0;
  for (; i + 2 < s.size(); i += 3) {
    uint32_t v = (static_cast<unsigned char>(s[i]) << 16) | (static_cast<unsigned char>(s[i + 1]) << 8) | static_cast<unsigned char>(s[i + 2]);
    out.push_back(alpha[(v >> 18) & 63]);
    out.push_back(alpha[(v >> 12) & 63]);
    out.push_back(alpha[(v >> 6) & 63]);
    out.push_back(alpha[v & 63]);
  }
  if (i < s.size()) {
    uint32_t v = static_cast<unsigned char>(s[i]) << 16;
    if (i + 1 < s.size()) v |= static_cast<unsigned char>(s[i + 1]) << 8;
    out.push_back(alpha[(v >> 18) & 63]);
    out.push_back(alpha[(v >> 12) & 63]);
    if (i + 1 < s.size()) out.push_back(alpha[(v >> 6) & 63]);
    else if (pad) out.push_back('=');
    if (pad) out.push_back('=');
  }
  return out;
}

bool b64_decode(const std::string& s, const char* alpha, bool allow_nopad, std::string* out) {
  int rev[256];
  std::fill(rev, rev + 256, -1);
  for (int i = 0; i < 64; ++i) rev[static_cast<unsigned char>(alpha[i])] = i;
  std::string in = s;
  if (allow_nopad) while (in.size() % 4) in.push_back('=');
  if (in.size() % 4) return false;
  out->clear();
  for (size_t i = 0; i < in.size(); i += 4) {
    int v[4];
    int pads = 0;
    for (int k = 0; k < 4; ++k) {
      char c = in[i + static_cast<size_t>(k)];
      if (c == '=') {
        if (i + 4 != in.size() || k < 2) return false;
        v[k] = 0;
        ++pads;
      } else {
        if (pads) return false;
        v[k] = rev[static_cast<unsigned char>(c)];
        if (v[k] < 0) return false;
      }
    }
    uint32_t x = (v[0] << 18) | (v[1] << 12) | (v[2] << 6) | v[3];
    out->push_back(static_cast<char>((x >> 16) & 255));
    if (pads < 2) out->push_back(static_cast<char>((x >> 8) & 255));
    if (pads < 1) out->push_back(static_cast<char>(x & 255));
  }
  return true;
}

Value yaml_to_value(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined: return Value::null();
    case YAML::NodeType::Scalar: {
      const std::string& s = n.Scalar();
      if (n.Tag() == "!" || n.Tag() == "tag:yaml.org,2002:str") return Value::string(s);
      if (s == "true" || s == "True" || s == "TRUE") return Value::boolean(true);
      if (s == "false" || s == "False" || s == "FALSE") return Value::boolean(false);
      if (s == "null" || s == "~" || s == "Null" || s == "NULL" || s.empty()) return Value::null();
      auto num = parse_json(s);
      if (num.ok() && num->is_number()) return *num;
      return Value::string(s);
    }
    case YAML::NodeType::Sequence: {
      ValueVec out;
      for (const auto& x : n) out.push_back(yaml_to_value(x));
      return Value::array(std::move(out));
    }
    case YAML::NodeType::Map: {
      ObjectItems out;
      for (const auto& kv : n) out.emplace_back(Value::string(kv.first.Scalar()), yaml_to_value(kv.second));
      return Value::object(std::move(out));
    }
  }
  return Value::null();
}

void emit_yaml(YAML::Emitter& e, const Value& v) {
  switch (v.kind()) {
    case Kind::kNull:
    case Kind::kUndefined: e << YAML::Null; break;
    case Kind::kBool: e << v.as_bool(); break;
    case Kind::kNumber: e << number_to_string(v); break;
    case Kind::kString: e << YAML::DoubleQuoted << v.str(); break;
    case Kind::kArray:
    case Kind::kSet:
      e << YAML::BeginSeq;
      for (const auto& x : v.arr()) emit_yaml(e, x);
      e << YAML::EndSeq;
      break;
    case Kind::kObject:
      e << YAML::BeginMap;
      for (const auto& [k, x] : v.obj()) {
        e << YAML::Key << (k.is_string() ? k.str() : to_json(k)) << YAML::Value;
        emit_yaml(e, x);
      }
      e << YAML::EndMap;
      break;
  }
}

std::string url_escape(const std::string& s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') out.push_back(static_cast<char>(c));
    else if (c == ' ') out.push_back('+');
    else { out.push_back('%'); out.push_back(hex[c >> 4]); out.push_back(hex[c & 15]); }
  }
  return out;
}

bool url_unescape(const std::string& s, std::string* out) {
  out->clear();
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') out->push_back(' ');
    else if (s[i] == '%') {
      if (i + 2 >= s.size() || !isxdigit(static_cast<unsigned char>(s[i + 1])) || !isxdigit(static_cast<unsigned char>(s[i + 2]))) return false;
      out->push_back(static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16)));
      i += 2;
    } else out->push_back(s[i]);
  }
  return true;
}

}  // namespace

Value yaml_node_to_value(const YAML::Node& n) { return yaml_to_value(n); }

namespace {
// yaml-cpp's parse errors in the words of Go's YAML library, which OPA's
// error messages (and policies matching on them) use: "yaml: line N: ...".
std::string yaml_error_text(const YAML::Exception& e) {
  static const std::pair<const char*, const char*> kGoWords[] = {
      {YAML::ErrorMsg::END_OF_SEQ_FLOW, "did not find expected ',' or ']'"},
      {YAML::ErrorMsg::END_OF_MAP_FLOW, "did not find expected ',' or '}'"},
      {YAML::ErrorMsg::END_OF_MAP, "did not find expected key"},
      {YAML::ErrorMsg::END_OF_SEQ, "did not find expected '-' indicator"},
      {YAML::ErrorMsg::MAP_VALUE, "mapping values are not allowed in this context"},
      {YAML::ErrorMsg::BLOCK_ENTRY, "block sequence entries are not allowed in this context"},
      {YAML::ErrorMsg::EOF_IN_SCALAR, "found unexpected end of stream"},
      {YAML::ErrorMsg::TAB_IN_INDENTATION, "found a tab character that violates indentation"},
      {YAML::ErrorMsg::UNKNOWN_ANCHOR, "unknown anchor referenced"},
  };
  std::string words = e.msg;
  for (const auto& [cpp, go] : kGoWords)
    if (e.msg == cpp) words = go;
  if (e.mark.is_null()) return "yaml: " + words;
  return "yaml: line " + std::to_string(e.mark.line + 1) + ": " + words;
}
}  // namespace

std::string base64_encode(const std::string& s, bool url, bool pad) { return b64_encode(s, url ? kB64Url : kB64, pad); }
bool base64_decode(const std::string& s, bool url, std::string* out) {
  return b64_decode(s, url ? kB64Url : kB64, url, out);
}

void register_encoding() {
  register_builtin("base64.encode", 1, [](BuiltinContext&, const Value* a, size_t) { return Value::string(b64_encode(arg_string(a, 0), kB64, true)); });
  register_builtin("base64.decode", 1, [](BuiltinContext&, const Value* a, size_t) {
    std::string out;
    if (!b64_decode(arg_string(a, 0), kB64, false, &out)) builtin_error("illegal base64 data at input byte 0");
    return Value::string(out);
  });
  register_builtin("base64.is_valid", 1, [](BuiltinContext&, const Value* a, size_t) {
    std::string out;
    return Value::boolean(b64_decode(arg_string(a, 0), kB64, false, &out));
  });
  register_builtin("base64url.encode", 1, [](BuiltinContext&, const Value* a, size_t) { return Value::string(b64_encode(arg_string(a, 0), kB64Url, true)); });
  register_builtin("base64url.encode_no_pad", 1, [](BuiltinContext&, const Value* a, size_t) { return Value::string(b64_encode(arg_string(a, 0), kB64Url, false)); });
  register_builtin("base64url.decode", 1, [](BuiltinContext&, const Value* a, size_t) {
    std::string out;
    if (!b64_decode(arg_string(a, 0), kB64Url, true, &out)) builtin_error("illegal base64 data at input byte 0");
    return Value::string(out);
  });
  register_builtin("hex.encode", 1, [](BuiltinContext&, const Value* a, size_t) {
    static const char* hex = "0123456789abcdef";
    std::string out;
    for (unsigned char c : arg_string(a, 0)) { out.push_back(hex[c >> 4]); out.push_back(hex[c & 15]); }
    return Value::string(out);
  });
  register_builtin("hex.decode", 1, [](BuiltinContext&, const Value* a, size_t) {
    const std::string& s = arg_string(a, 0);
    std::string out;
    auto val = [](char c) { return isdigit(static_cast<unsigned char>(c)) ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : (c >= 'A' && c <= 'F') ? c - 'A' + 10 : -1; };
    for (size_t i = 0; i < s.size(); i += 2) {
      int hi = val(s[i]);
      auto bad = [&](char ch) {
        char buf[64];
        std::snprintf(buf, sizeof buf, "encoding/hex: invalid byte: U+%04X '%c'", static_cast<unsigned char>(ch), ch);
        builtin_error(buf);
      };
      if (hi < 0) bad(s[i]);
      if (i + 1 >= s.size()) builtin_error("encoding/hex: odd length hex string");
      int lo = val(s[i + 1]);
      if (lo < 0) bad(s[i + 1]);
      out.push_back(static_cast<char>(hi * 16 + lo));
    }
    return Value::string(out);
  });
  register_builtin("json.marshal", 1, [](BuiltinContext&, const Value* a, size_t) { return Value::string(to_json(a[0])); });
  register_builtin("json.unmarshal", 1, [](BuiltinContext&, const Value* a, size_t) {
    auto v = parse_json(arg_string(a, 0), DuplicateKeys::kLastWins);
    if (!v.ok()) builtin_error(v.error().message);
    return *v;
  });
  register_builtin("json.is_valid", 1, [](BuiltinContext&, const Value* a, size_t) {
    if (!a[0].is_string()) return Value::boolean(false);
    return Value::boolean(parse_json(a[0].str(), DuplicateKeys::kLastWins).ok());
  });
  register_builtin("yaml.marshal", 1, [](BuiltinContext&, const Value* a, size_t) {
    YAML::Emitter e;
    emit_yaml(e, a[0]);
    return Value::string(std::string(e.c_str()) + "\n");
  });
  register_builtin("yaml.unmarshal", 1, [](BuiltinContext&, const Value* a, size_t) {
    try {
      return yaml_to_value(YAML::Load(arg_string(a, 0)));
    } catch (const YAML::Exception& e) {
      builtin_error(yaml_error_text(e));
    }
  });
  register_builtin("yaml.is_valid", 1, [](BuiltinContext&, const Value* a, size_t) {
    if (!a[0].is_string()) return Value::boolean(false);
    try {
      YAML::Load(a[0].str());
      return Value::boolean(true);
    } catch (const YAML::Exception&) {
      return Value::boolean(false);
    }
  });
  register_builtin("urlquery.encode", 1, [](BuiltinContext&, const Value* a, size_t) { return Value::string(url_escape(arg_string(a, 0))); });
  register_builtin("urlquery.decode", 1, [](BuiltinContext&, const Value* a, size_t) {
    std::string out;
    if (!url_unescape(arg_string(a, 0), &out)) builtin_error("invalid URL escape");
    return Value::string(out);
  });
  register_builtin("urlquery.encode_object", 1, [](BuiltinContext&, const Value* a, size_t) {
    const Value& o = arg_kind(a, 0, Kind::kObject, "object");
    std::string out;
    for (const auto& [k, v] : o.obj()) {
      std::vector<std::string> vals;
      if (v.is_string()) vals.push_back(v.str());
      else if (v.is_array() || v.is_set()) {
        for (const auto& x : v.arr()) {
          if (!x.is_string()) type_error(1, "object[string]string or object[string]array[string] or object[string]set[string]", a[0]);
          vals.push_back(x.str());
        }
      } else type_error(1, "object[string]string or object[string]array[string] or object[string]set[string]", a[0]);
      for (const auto& s : vals) {
        if (!out.empty()) out += "&";
        out += url_escape(k.str()) + "=" + url_escape(s);
      }
    }
    return Value::string(out);
  });
  register_builtin("urlquery.decode_object", 1, [](BuiltinContext&, const Value* a, size_t) {
    const std::string& s = arg_string(a, 0);
    std::vector<std::pair<std::string, ValueVec>> acc;
    size_t pos = 0;
    while (pos <= s.size()) {
      size_t amp = s.find('&', pos);
      if (amp == std::string::npos) amp = s.size();
      std::string part = s.substr(pos, amp - pos);
      if (!part.empty()) {
        size_t eq = part.find('=');
        std::string k, v;
        if (!url_unescape(part.substr(0, eq), &k)) builtin_error("invalid URL escape");
        if (eq != std::string::npos && !url_unescape(part.substr(eq + 1), &v)) builtin_error("invalid URL escape");
        bool found = false;
        for (auto& [kk, vv] : acc)
          if (kk == k) { vv.push_back(Value::string(v)); found = true; }
        if (!found) acc.push_back({k, {Value::string(v)}});
      }
      pos = amp + 1;
    }
    ObjectItems out;
    for (auto& [k, v] : acc) out.emplace_back(Value::string(k), Value::array(std::move(v)));
    return Value::object(std::move(out));
  });
}

}  // namespace genesis::policy
