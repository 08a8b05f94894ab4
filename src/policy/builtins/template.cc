// strings.render_template: Go's text/template, the part policies use.
//
//   template = { text | action }
//   action   = "{{" ["-" ws] ( comment | pipeline | "if" pipeline | "else" ["if" pipeline]
//              | "range" [ var ["," var] ":=" ] pipeline | "with" pipeline | "end"
//              | var ":=" pipeline ) [ws "-"] "}}"
//   pipeline = operand                      (no functions or pipes)
//   operand  = "." { "." field } | "." field { "." field } | var { "." field }
//              | string | number | "true" | "false" | "nil"
//
// Values print as Go's fmt %v does (arrays as [a b], objects as map[k:v]); a
// field that is not there prints "<undefined>" (OPA's choice). Truth is Go's:
// false, 0, null and empty strings or collections are false.
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "policy/builtins/builtins.h"
#include "policy/guard.h"

namespace genesis::policy {
namespace {

struct Node;
using Nodes = std::vector<std::unique_ptr<Node>>;

enum class NodeKind { kText, kPrint, kIf, kRange, kWith, kAssign };

struct Node {
  NodeKind kind = NodeKind::kText;
  std::string text;                    // kText
  std::string operand;                 // kPrint, kIf, kRange, kWith, kAssign: the pipeline
  std::string key_var, value_var;      // kRange ($i, $v) / kAssign (value_var)
  Nodes body, else_body;
};

[[noreturn]] void fail(const std::string& msg) { builtin_error("template: " + msg); }

std::string trim(const std::string& s) {
  size_t a = s.find_first_not_of(" \t\r\n");
  if (a == std::string::npos) return "";
  size_t b = s.find_last_not_of(" \t\r\n");
  return s.substr(a, b - a + 1);
}

// Splits the source into text and action tokens, applying the trim markers.
struct Token {
  bool action;
  std::string s;
};

std::vector<Token> tokenize(const std::string& src) {
  std::vector<Token> out;
  size_t pos = 0;
  while (pos < src.size()) {
    size_t open = src.find("{{", pos);
    std::string text = src.substr(pos, open == std::string::npos ? std::string::npos : open - pos);
    if (open == std::string::npos) {
      out.push_back({false, text});
      break;
    }
    size_t close = src.find("}}", open + 2);
    if (close == std::string::npos) fail("unclosed action");
    std::string inner = src.substr(open + 2, close - open - 2);
    bool trim_left = inner.size() >= 2 && inner[0] == '-' && (inner[1] == ' ' || inner[1] == '\t' || inner[1] == '\n');
    bool trim_right = inner.size() >= 2 && inner.back() == '-' &&
                      (inner[inner.size() - 2] == ' ' || inner[inner.size() - 2] == '\t' || inner[inner.size() - 2] == '\n');
    if (trim_left) {
      inner = inner.substr(1);
      size_t e = text.find_last_not_of(" \t\r\n");
      text = e == std::string::npos ? "" : text.substr(0, e + 1);
    }
    if (trim_right) inner.pop_back();
    out.push_back({false, text});
    out.push_back({true, trim(inner)});
    pos = close + 2;
    if (trim_right) {
      while (pos < src.size() && (src[pos] == ' ' || src[pos] == '\t' || src[pos] == '\r' || src[pos] == '\n')) ++pos;
    }
  }
  return out;
}

bool starts_word(const std::string& s, const char* w) {
  size_t n = std::char_traits<char>::length(w);
  return s.compare(0, n, w) == 0 && (s.size() == n || s[n] == ' ' || s[n] == '\t' || s[n] == '\n');
}

// Parses tokens[i...] into `out` until an "end" or "else" at this level;
// returns which one ("end", "else ...", or "" at the end of input).
std::string parse(const std::vector<Token>& toks, size_t& i, Nodes& out) {
  while (i < toks.size()) {
    const Token& t = toks[i++];
    if (!t.action) {
      if (!t.s.empty()) {
        auto n = std::make_unique<Node>();
        n->text = t.s;
        out.push_back(std::move(n));
      }
      continue;
    }
    const std::string& a = t.s;
    if (a.rfind("/*", 0) == 0) continue;  // comment
    if (a == "end" || starts_word(a, "else") || a == "else") return a;
    auto n = std::make_unique<Node>();
    std::string rest;
    if (starts_word(a, "if")) {
      n->kind = NodeKind::kIf;
      n->operand = trim(a.substr(2));
    } else if (starts_word(a, "with")) {
      n->kind = NodeKind::kWith;
      n->operand = trim(a.substr(4));
    } else if (starts_word(a, "range")) {
      n->kind = NodeKind::kRange;
      rest = trim(a.substr(5));
      size_t decl = rest.find(":=");
      if (decl != std::string::npos) {
        std::string vars = trim(rest.substr(0, decl));
        size_t comma = vars.find(',');
        if (comma == std::string::npos) {
          n->value_var = vars;
        } else {
          n->key_var = trim(vars.substr(0, comma));
          n->value_var = trim(vars.substr(comma + 1));
        }
        n->operand = trim(rest.substr(decl + 2));
      } else {
        n->operand = rest;
      }
    } else if (!a.empty() && a[0] == '$' && a.find(":=") != std::string::npos) {
      n->kind = NodeKind::kAssign;
      n->value_var = trim(a.substr(0, a.find(":=")));
      n->operand = trim(a.substr(a.find(":=") + 2));
    } else {
      n->kind = NodeKind::kPrint;
      n->operand = a;
    }
    if (n->operand.empty()) fail("missing value in action {{" + a + "}}");
    if (n->kind == NodeKind::kIf || n->kind == NodeKind::kRange || n->kind == NodeKind::kWith) {
      std::string stop = parse(toks, i, n->body);
      if (stop.empty()) fail("unexpected EOF");
      if (stop != "end") {
        std::string cond = trim(stop.substr(4));
        if (cond.empty()) {
          stop = parse(toks, i, n->else_body);
          if (stop != "end") fail("expected end; found " + (stop.empty() ? std::string("EOF") : stop));
        } else if (starts_word(cond, "if")) {
          // else if P: an if nested in the else branch, sharing this end.
          auto nested = std::make_unique<Node>();
          nested->kind = NodeKind::kIf;
          nested->operand = trim(cond.substr(2));
          // Re-enter the chain: the nested if's bodies run to the shared end.
          std::string s2 = parse(toks, i, nested->body);
          while (s2 != "end") {
            if (s2.empty()) fail("unexpected EOF");
            std::string c2 = trim(s2.substr(4));
            if (c2.empty()) {
              s2 = parse(toks, i, nested->else_body);
              if (s2 != "end") fail("expected end");
              break;
            }
            fail("unsupported else clause: " + s2);
          }
          n->else_body.push_back(std::move(nested));
        } else {
          fail("unexpected " + stop);
        }
      }
    }
    out.push_back(std::move(n));
  }
  return "";
}

struct Scope {
  Value dot;
  std::vector<std::pair<std::string, Value>> vars;
  const Value* var(const std::string& name) const {
    for (auto it = vars.rbegin(); it != vars.rend(); ++it)
      if (it->first == name) return &it->second;
    return nullptr;
  }
};

// Undefined (Value()) when a field is missing.
Value operand(const std::string& op, const Scope& sc) {
  if (op == ".") return sc.dot;
  if (op == "true" || op == "false") return Value::boolean(op == "true");
  if (op == "nil") return Value::null();
  if (op[0] == '"' || op[0] == '`') {
    if (op.size() < 2 || op.back() != op[0]) fail("unterminated quoted string");
    return Value::string(op.substr(1, op.size() - 2));
  }
  if ((op[0] >= '0' && op[0] <= '9') || op[0] == '-') return Value::number_text(op);
  Value cur;
  size_t pos = 0;
  if (op[0] == '$') {
    size_t end = op.find('.');
    std::string name = op.substr(0, end);
    const Value* v = sc.var(name);
    if (!v) fail("undefined variable \"" + name + "\"");
    cur = *v;
    pos = end == std::string::npos ? op.size() : end;
  } else if (op[0] == '.') {
    cur = sc.dot;
  } else {
    fail("function \"" + op.substr(0, op.find(' ')) + "\" not defined");
  }
  while (pos < op.size()) {
    if (op[pos] != '.') fail("bad operand " + op);
    size_t end = op.find('.', pos + 1);
    std::string field = op.substr(pos + 1, end == std::string::npos ? std::string::npos : end - pos - 1);
    if (field.empty() || field.find(' ') != std::string::npos) fail("bad operand " + op);
    if (!cur.is_object()) return Value();
    const Value* c = cur.get(field);
    if (!c) return Value();
    cur = *c;
    pos = end == std::string::npos ? op.size() : end;
  }
  return cur;
}

bool truth(const Value& v) {
  switch (v.kind()) {
    case Kind::kUndefined:
    case Kind::kNull: return false;
    case Kind::kBool: return v.as_bool();
    case Kind::kNumber: return v.as_double() != 0;
    case Kind::kString: return !v.str().empty();
    default: return v.size() != 0;
  }
}

// Go's fmt %v of the decoded JSON value.
void print(std::string& out, const Value& v) {
  EvalGuard::poll();
  switch (v.kind()) {
    case Kind::kUndefined: out += "<undefined>"; break;
    case Kind::kNull: out += "<nil>"; break;
    case Kind::kString: out += v.str(); break;
    case Kind::kArray:
    case Kind::kSet: {
      out += '[';
      bool first = true;
      for (const auto& x : v.arr()) {
        if (!first) out += ' ';
        first = false;
        print(out, x);
      }
      out += ']';
      break;
    }
    case Kind::kObject: {
      out += "map[";
      bool first = true;
      for (const auto& [k, x] : v.obj()) {
        if (!first) out += ' ';
        first = false;
        print(out, k);
        out += ':';
        print(out, x);
      }
      out += ']';
      break;
    }
    default: out += to_json(v);
  }
}

void run(const Nodes& nodes, Scope& sc, std::string& out) {
  for (const auto& n : nodes) {
    switch (n->kind) {
      case NodeKind::kText: out += n->text; break;
      case NodeKind::kPrint: print(out, operand(n->operand, sc)); break;
      case NodeKind::kAssign: sc.vars.emplace_back(n->value_var, operand(n->operand, sc)); break;
      case NodeKind::kIf: {
        size_t mark = sc.vars.size();
        run(truth(operand(n->operand, sc)) ? n->body : n->else_body, sc, out);
        sc.vars.resize(mark);
        break;
      }
      case NodeKind::kWith: {
        Value v = operand(n->operand, sc);
        size_t mark = sc.vars.size();
        if (truth(v)) {
          Value saved = sc.dot;
          sc.dot = v;
          run(n->body, sc, out);
          sc.dot = saved;
        } else {
          run(n->else_body, sc, out);
        }
        sc.vars.resize(mark);
        break;
      }
      case NodeKind::kRange: {
        Value v = operand(n->operand, sc);
        std::vector<std::pair<Value, Value>> items;
        if (v.is_array() || v.is_set()) {
          for (size_t i = 0; i < v.arr().size(); ++i) items.emplace_back(Value::integer(static_cast<int64_t>(i)), v.arr()[i]);
        } else if (v.is_object()) {
          for (const auto& kv : v.obj()) items.push_back(kv);
        } else if (v.is_number() && v.is_int()) {
          for (int64_t i = 0; i < v.as_int(); ++i) items.emplace_back(Value::integer(i), Value::integer(i));
        } else if (v.defined() && !v.is_null()) {
          fail("range can't iterate over " + to_rego(v));
        }
        if (items.empty()) {
          run(n->else_body, sc, out);
          break;
        }
        Value saved = sc.dot;
        for (const auto& [k, x] : items) {
          size_t mark = sc.vars.size();
          if (!n->key_var.empty()) sc.vars.emplace_back(n->key_var, k);
          if (!n->value_var.empty()) sc.vars.emplace_back(n->value_var, x);
          sc.dot = x;
          run(n->body, sc, out);
          sc.vars.resize(mark);
        }
        sc.dot = saved;
        break;
      }
    }
  }
}

Value render_template(BuiltinContext&, const Value* a, size_t) {
  const std::string& src = arg_string(a, 0);
  const Value& vars = arg_kind(a, 1, Kind::kObject, "object");
  auto toks = tokenize(src);
  Nodes root;
  size_t i = 0;
  std::string stop = parse(toks, i, root);
  if (!stop.empty()) fail("unexpected {{" + stop + "}}");
  Scope sc;
  sc.dot = vars;
  sc.vars.emplace_back("$", vars);
  std::string out;
  run(root, sc, out);
  return Value::string(std::move(out));
}

}  // namespace

void register_template() { register_builtin("strings.render_template", 2, render_template); }

}  // namespace genesis::policy
