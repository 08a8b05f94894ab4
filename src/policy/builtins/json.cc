// json.filter, json.remove, json.patch (RFC 6902), json.marshal_with_options.
#include <functional>
#include <map>

#include "policy/builtins/builtins.h"

namespace genesis::policy {
namespace {

struct Trie {
  bool leaf = false;
  std::map<std::string, Trie> kids;
};

std::string unescape_pointer(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '~' && i + 1 < s.size() && (s[i + 1] == '0' || s[i + 1] == '1')) {
      out.push_back(s[i + 1] == '0' ? '~' : '/');
      ++i;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

std::vector<std::string> path_parts(const Value& p, const char* name) {
  std::vector<std::string> parts;
  if (p.is_string()) {
    std::string s = p.str();
    if (!s.empty() && s[0] == '/') s = s.substr(1);
    size_t start = 0;
    for (;;) {
      size_t d = s.find('/', start);
      parts.push_back(unescape_pointer(s.substr(start, d == std::string::npos ? std::string::npos : d - start)));
      if (d == std::string::npos) break;
      start = d + 1;
    }
    return parts;
  }
  if (p.is_array()) {
    for (const auto& x : p.arr()) parts.push_back(x.is_string() ? x.str() : to_json(x));
    return parts;
  }
  throw BuiltinError{"eval_type_error", std::string(name)};
}

Trie build_trie(const Value* a, const char* fname) {
  if (!a[1].is_array() && !a[1].is_set()) {
    throw BuiltinError{"eval_type_error", std::string(fname) + ": operand 2 must be one of {set, array} but got " + a[1].type_name()};
  }
  Trie root;
  for (const auto& p : a[1].arr()) {
    if (!p.is_string() && !p.is_array())
      throw BuiltinError{"eval_type_error", std::string("operand 2 must be one of {set, array} containing string paths or array of path segments but got ") + p.type_name()};
    Trie* t = &root;
    for (const auto& part : path_parts(p, fname)) t = &t->kids[part];
    t->leaf = true;
  }
  (void)fname;
  return root;
}

std::string key_str(const Value& k) { return k.is_string() ? k.str() : to_json(k); }

Value filter(const Value& v, const Trie& t) {
  if (t.leaf) return v;
  if (v.is_object()) {
    ObjectItems out;
    for (const auto& [k, x] : v.obj()) {
      auto it = t.kids.find(key_str(k));
      if (it == t.kids.end()) continue;
      Value f = filter(x, it->second);
      if (f.defined()) out.emplace_back(k, f);
    }
    return Value::object(std::move(out));
  }
  if (v.is_array()) {
    ValueVec out;
    for (size_t i = 0; i < v.arr().size(); ++i) {
      auto it = t.kids.find(std::to_string(i));
      if (it == t.kids.end()) continue;
      Value f = filter(v.arr()[i], it->second);
      if (f.defined()) out.push_back(f);
    }
    return Value::array(std::move(out));
  }
  if (v.is_set()) {
    ValueVec out;
    for (const auto& x : v.set_items()) {
      auto it = t.kids.find(key_str(x));
      if (it == t.kids.end()) continue;
      out.push_back(x);
    }
    return Value::set(std::move(out));
  }
  return Value();
}

Value remove(const Value& v, const Trie& t) {
  if (v.is_object()) {
    ObjectItems out;
    for (const auto& [k, x] : v.obj()) {
      auto it = t.kids.find(key_str(k));
      if (it == t.kids.end()) {
        out.emplace_back(k, x);
      } else if (!it->second.leaf) {
        out.emplace_back(k, remove(x, it->second));
      }
    }
    return Value::object(std::move(out));
  }
  if (v.is_array()) {
    ValueVec out;
    for (size_t i = 0; i < v.arr().size(); ++i) {
      auto it = t.kids.find(std::to_string(i));
      if (it == t.kids.end()) out.push_back(v.arr()[i]);
      else if (!it->second.leaf) out.push_back(remove(v.arr()[i], it->second));
    }
    return Value::array(std::move(out));
  }
  if (v.is_set()) {
    ValueVec out;
    for (const auto& x : v.set_items()) {
      auto it = t.kids.find(key_str(x));
      if (it == t.kids.end() || !it->second.leaf) out.push_back(x);
    }
    return Value::set(std::move(out));
  }
  return v;
}

// ---- json.patch ----

bool parse_index(const std::string& s, size_t size, bool allow_end, size_t* out) {
  if (allow_end && s == "-") {
    *out = size;
    return true;
  }
  if (s.empty() || (s.size() > 1 && s[0] == '0')) return false;
  size_t v = 0;
  for (char c : s) {
    if (!isdigit(static_cast<unsigned char>(c))) return false;
    v = v * 10 + static_cast<size_t>(c - '0');
    if (v > 1'000'000'000) return false;
  }
  *out = v;
  return allow_end ? v <= size : v < size;
}

// Applies f to the parent container of path; returns the new document.
Value apply(const Value& doc, const std::vector<std::string>& path, size_t i,
            const std::function<Value(const Value& parent, const std::string& key)>& f) {
  if (i + 1 == path.size()) return f(doc, path[i]);
  const std::string& k = path[i];
  if (doc.is_object()) {
    const Value* child = doc.get(k);
    if (!child) builtin_error("path not found");
    Value nc = apply(*child, path, i + 1, f);
    ObjectItems items = doc.obj();
    for (auto& kv : items)
      if (kv.first.is_string() && kv.first.str() == k) kv.second = nc;
    return Value::object(std::move(items));
  }
  if (doc.is_array()) {
    size_t idx;
    if (!parse_index(k, doc.arr().size(), false, &idx)) builtin_error("path not found");
    ValueVec items = doc.arr();
    items[idx] = apply(items[idx], path, i + 1, f);
    return Value::array(std::move(items));
  }
  if (doc.is_set()) {
    Value key = Value::string(k);
    auto parsed = parse_json(k);
    if (!doc.contains(key) && parsed.ok()) key = *parsed;
    if (!doc.contains(key)) builtin_error("path not found");
    ValueVec items;
    for (const auto& x : doc.set_items())
      items.push_back(x == key ? apply(x, path, i + 1, f) : x);
    return Value::set(std::move(items));
  }
  builtin_error("path not found");
}

Value get_at(const Value& doc, const std::vector<std::string>& path) {
  Value cur = doc;
  for (const auto& k : path) {
    if (cur.is_object()) {
      const Value* c = cur.get(k);
      if (!c) builtin_error("path not found");
      cur = *c;
    } else if (cur.is_array()) {
      size_t idx;
      if (!parse_index(k, cur.arr().size(), false, &idx)) builtin_error("path not found");
      cur = cur.arr()[idx];
    } else if (cur.is_set()) {
      Value key = Value::string(k);
      auto parsed = parse_json(k);
      if (!cur.contains(key) && parsed.ok()) key = *parsed;
      if (!cur.contains(key)) builtin_error("path not found");
      cur = key;
    } else {
      builtin_error("path not found");
    }
  }
  return cur;
}

Value op_add(const Value& doc, const std::vector<std::string>& path, const Value& v) {
  if (path.empty()) return v;
  return apply(doc, path, 0, [&](const Value& parent, const std::string& k) -> Value {
    if (parent.is_object()) {
      ObjectItems items = parent.obj();
      items.emplace_back(Value::string(k), v);
      return Value::object(std::move(items));
    }
    if (parent.is_array()) {
      size_t idx;
      if (!parse_index(k, parent.arr().size(), true, &idx)) builtin_error("invalid index");
      ValueVec items = parent.arr();
      items.insert(items.begin() + static_cast<long>(idx), v);
      return Value::array(std::move(items));
    }
    if (parent.is_set()) {
      // A set member's path names the member itself: it must be the value added.
      auto parsed = parse_json(k);
      if (!(Value::string(k) == v) && !(parsed.ok() && *parsed == v)) builtin_error("set key does not match the value");
      ValueVec items = parent.set_items();
      items.push_back(v);
      return Value::set(std::move(items));
    }
    builtin_error("path not found");
  });
}

Value op_remove(const Value& doc, const std::vector<std::string>& path) {
  if (path.empty()) builtin_error("cannot remove root");
  return apply(doc, path, 0, [&](const Value& parent, const std::string& k) -> Value {
    if (parent.is_object()) {
      if (!parent.get(k)) builtin_error("path not found");
      ObjectItems items;
      for (const auto& kv : parent.obj())
        if (!(kv.first.is_string() && kv.first.str() == k)) items.push_back(kv);
      return Value::object(std::move(items));
    }
    if (parent.is_array()) {
      size_t idx;
      if (!parse_index(k, parent.arr().size(), false, &idx)) builtin_error("invalid index");
      ValueVec items = parent.arr();
      items.erase(items.begin() + static_cast<long>(idx));
      return Value::array(std::move(items));
    }
    if (parent.is_set()) {
      Value key = Value::string(k);
      auto parsed = parse_json(k);
      if (!parent.contains(key) && parsed.ok()) key = *parsed;
      if (!parent.contains(key)) builtin_error("path not found");
      ValueVec items;
      for (const auto& x : parent.set_items())
        if (!(x == key)) items.push_back(x);
      return Value::set(std::move(items));
    }
    builtin_error("path not found");
  });
}

Value json_patch(BuiltinContext&, const Value* a, size_t) {
  if (!a[1].is_array()) type_error(2, "array", a[1]);
  Value doc = a[0];
  for (const auto& op : a[1].arr()) {
    if (!op.is_object()) builtin_error("invalid patch operation");
    const Value* o = op.get("op");
    const Value* p = op.get("path");
    if (!o || !o->is_string() || !p) builtin_error("missing op or path");
    auto path = path_parts(*p, "path");
    if (p->is_string() && p->str().empty()) path.clear();
    const std::string& name = o->str();
    if (name == "add") {
      const Value* v = op.get("value");
      if (!v) builtin_error("missing value");
      doc = op_add(doc, path, *v);
    } else if (name == "remove") {
      doc = op_remove(doc, path);
    } else if (name == "replace") {
      const Value* v = op.get("value");
      if (!v) builtin_error("missing value");
      get_at(doc, path);
      doc = path.empty() ? *v : op_add(op_remove(doc, path), path, *v);
    } else if (name == "move" || name == "copy") {
      const Value* f = op.get("from");
      if (!f) builtin_error("missing from");
      auto from = path_parts(*f, "from");
      if (f->is_string() && f->str().empty()) from.clear();
      Value v = get_at(doc, from);
      if (name == "move") doc = op_remove(doc, from);
      doc = op_add(doc, path, v);
    } else if (name == "test") {
      const Value* v = op.get("value");
      if (!v || !(get_at(doc, path) == *v)) builtin_error("test failed");
    } else {
      builtin_error("invalid op");
    }
  }
  return doc;
}

}  // namespace

void register_json() {
  register_builtin("json.filter", 2, [](BuiltinContext&, const Value* a, size_t) {
    arg_kind(a, 0, Kind::kObject, "object");
    Trie t = build_trie(a, "json.filter");
    Value v = filter(a[0], t);
    return v.defined() ? v : Value::empty_object();
  });
  register_builtin("json.remove", 2, [](BuiltinContext&, const Value* a, size_t) {
    arg_kind(a, 0, Kind::kObject, "object");
    Trie t = build_trie(a, "json.remove");
    return remove(a[0], t);
  });
  register_builtin("json.patch", 2, json_patch);
  register_builtin("json.marshal_with_options", 2, [](BuiltinContext&, const Value* a, size_t) {
    const Value& o = arg_kind(a, 1, Kind::kObject, "object");
    bool pretty = false;
    std::string prefix, indent = "\t";
    bool indent_set = false;
    for (const auto& [k, v] : o.obj()) {
      std::string key = k.is_string() ? k.str() : "";
      if (key == "pretty") {
        if (!v.is_bool()) builtin_error("pretty must be a boolean");
        pretty = v.as_bool();
      } else if (key == "prefix") {
        if (!v.is_string()) builtin_error("prefix must be a string");
        prefix = v.str();
      } else if (key == "indent") {
        if (!v.is_string()) builtin_error("indent must be a string");
        indent = v.str();
        indent_set = true;
      } else {
        throw BuiltinError{"eval_type_error", "object contained unknown key " + to_json(k)};
      }
    }
    if (!o.get("pretty") && (indent_set || !prefix.empty())) pretty = true;
    if (!pretty) return Value::string(to_json(a[0]));
    // Re-indent the two-space pretty output with prefix/indent (Go's json.MarshalIndent).
    std::string two = to_json(a[0], true);
    std::string out = prefix;
    for (size_t i = 0; i < two.size(); ++i) {
      if (two[i] == '\n') {
        out += "\n" + prefix;
        size_t j = i + 1;
        size_t n = 0;
        while (j < two.size() && two[j] == ' ') ++j, ++n;
        for (size_t k = 0; k < n / 2; ++k) out += indent;
        i = j - 1;
      } else {
        out.push_back(two[i]);
      }
    }
    return Value::string(out);
  });
}

}  // namespace genesis::policy
