// rego.parse_module(filename, source): the module as OPA's AST JSON, as a
// value. The shape follows OPA's JSON encoding of its AST with locations off
// (its default): terms are {"type", "value"}, expressions {"index", "terms",
// ["negated"], ["with"]}, rules {"head", "body", ["default"], ["else"]}, the
// module {"package", ["imports"], ["rules"]}. Differences that remain:
// comments are not kept by our lexer (OPA lists them under "comments"), and
// template strings, whose JSON OPA has not fixed, are
// {"type": "templatestring", "value": [parts]}.
#include <algorithm>

#include "policy/builtins/builtins.h"
#include "policy/parser.h"

namespace genesis::policy {
namespace {

Value str(const std::string& s) { return Value::string(s); }

Value term_of(const char* type, Value v) {
  return Value::object({{str("type"), str(type)}, {str("value"), std::move(v)}});
}

class AstJson {
 public:
  Value module(const Module& m) {
    ObjectItems out;
    ValueVec path{term_of("var", str("data"))};
    for (const auto& p : m.package) path.push_back(term_of("string", str(p)));
    out.emplace_back(str("package"), Value::object({{str("path"), Value::array(std::move(path))}}));
    // Keyword imports (`import rego.v1`) are kept apart by the parser; put
    // every import back in source order.
    std::vector<const Import*> imports;
    for (const auto& i : m.keyword_imports) imports.push_back(&i);
    for (const auto& i : m.imports) imports.push_back(&i);
    std::stable_sort(imports.begin(), imports.end(), [](const Import* a, const Import* b) {
      return a->loc.row != b->loc.row ? a->loc.row < b->loc.row : a->loc.col < b->loc.col;
    });
    if (!imports.empty()) {
      ValueVec items;
      for (const Import* i : imports) items.push_back(import(*i));
      out.emplace_back(str("imports"), Value::array(std::move(items)));
    }
    if (!m.rules.empty()) {
      ValueVec items;
      for (const auto& r : m.rules) items.push_back(rule(*r));
      out.emplace_back(str("rules"), Value::array(std::move(items)));
    }
    return Value::object(std::move(out));
  }

 private:
  Value import(const Import& i) {
    ObjectItems out{{str("path"), term(*i.path)}};
    // The parser fills in the implied alias (the last path element); OPA
    // writes only one that was given.
    std::string implied;
    const Term& p = *i.path;
    if (p.kind == TermKind::kVar) implied = p.name;
    else if (p.items.back()->kind == TermKind::kScalar && p.items.back()->value.is_string())
      implied = p.items.back()->value.str();
    if (!i.alias.empty() && i.alias != implied) out.emplace_back(str("alias"), str(i.alias));
    return Value::object(std::move(out));
  }

  Value rule(const Rule& r) {
    ObjectItems out;
    if (r.is_default) out.emplace_back(str("default"), Value::boolean(true));
    out.emplace_back(str("head"), head(r));
    out.emplace_back(str("body"), body(r.body));
    if (r.else_rule) out.emplace_back(str("else"), rule(*r.else_rule));
    return Value::object(std::move(out));
  }

  Value head(const Rule& r) {
    ObjectItems out;
    if (r.head_ref.size() == 1) out.emplace_back(str("name"), str(r.head_ref[0]->name));
    ValueVec ref;
    for (const auto& t : r.head_ref) ref.push_back(term(*t));
    out.emplace_back(str("ref"), Value::array(std::move(ref)));
    if (!r.args.empty()) out.emplace_back(str("args"), terms(r.args));
    // `a.b[x] contains y` is kept as an object of sets; in OPA's AST y is the key.
    if (r.set_leaf && r.value) {
      out.emplace_back(str("key"), term(*r.value));
    } else {
      if (r.key) out.emplace_back(str("key"), term(*r.key));
      if (r.value) out.emplace_back(str("value"), term(*r.value));
    }
    if (r.assign) out.emplace_back(str("assign"), Value::boolean(true));
    return Value::object(std::move(out));
  }

  Value body(const Body& b) {
    ValueVec out;
    if (b.empty()) {  // default rules: OPA gives them the body `true`
      out.push_back(Value::object({{str("index"), Value::integer(0)}, {str("terms"), term_of("boolean", Value::boolean(true))}}));
    }
    for (size_t i = 0; i < b.size(); ++i) out.push_back(expr(b[i], static_cast<int64_t>(i)));
    return Value::array(std::move(out));
  }

  Value expr(const Expr& e, int64_t index) {
    ObjectItems out{{str("index"), Value::integer(index)}};
    if (e.negated) out.emplace_back(str("negated"), Value::boolean(true));
    Value t;
    switch (e.kind) {
      case ExprKind::kTerm: {
        const Term& x = *e.terms[0];
        t = x.kind == TermKind::kCall ? call_items(x) : term(x);
        break;
      }
      case ExprKind::kUnify:
      case ExprKind::kAssign:
        t = Value::array({op_ref(e.kind == ExprKind::kUnify ? "eq" : "assign"), term(*e.terms[0]), term(*e.terms[1])});
        break;
      case ExprKind::kSomeDecl:
        t = Value::object({{str("symbols"), terms(e.terms)}});
        break;
      case ExprKind::kSomeIn: {
        ValueVec items{op_ref(e.terms[0] ? "internal.member_3" : "internal.member_2")};
        for (const auto& x : e.terms)
          if (x) items.push_back(term(*x));
        t = Value::object({{str("symbols"), Value::array({term_of("call", Value::array(std::move(items)))})}});
        break;
      }
      case ExprKind::kEvery:
        t = Value::object({{str("key"), e.terms[0] ? term(*e.terms[0]) : Value::null()},
                           {str("value"), term(*e.terms[1])},
                           {str("domain"), term(*e.terms[2])},
                           {str("body"), body(*e.body)}});
        break;
    }
    out.emplace_back(str("terms"), std::move(t));
    if (!e.with.empty()) {
      ValueVec ws;
      for (const auto& w : e.with)
        ws.push_back(Value::object({{str("target"), ref_term(*w.target)}, {str("value"), term(*w.value)}}));
      out.emplace_back(str("with"), Value::array(std::move(ws)));
    }
    return Value::object(std::move(out));
  }

  // `with` targets are refs in OPA's AST even when written as a bare name.
  Value ref_term(const Term& t) {
    if (t.kind == TermKind::kVar) return term_of("ref", Value::array({term(t)}));
    return term(t);
  }

  Value terms(const std::vector<TermPtr>& ts) {
    ValueVec out;
    for (const auto& t : ts) out.push_back(term(*t));
    return Value::array(std::move(out));
  }

  // An operator name ("count", "array.concat", "data.p.f") as the ref OPA
  // puts first in a call.
  Value op_ref(const std::string& name) {
    ValueVec parts;
    size_t start = 0;
    for (;;) {
      size_t dot = name.find('.', start);
      std::string part = name.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
      parts.push_back(parts.empty() ? term_of("var", str(part)) : term_of("string", str(part)));
      if (dot == std::string::npos) break;
      start = dot + 1;
    }
    return term_of("ref", Value::array(std::move(parts)));
  }

  Value call_items(const Term& t) {
    ValueVec items{op_ref(t.name)};
    for (const auto& a : t.items) items.push_back(term(*a));
    return Value::array(std::move(items));
  }

  Value term(const Term& t) {
    switch (t.kind) {
      case TermKind::kScalar:
        switch (t.value.kind()) {
          case Kind::kNull: return term_of("null", Value::null());
          case Kind::kBool: return term_of("boolean", t.value);
          case Kind::kNumber: return term_of("number", t.value);
          case Kind::kString: return term_of("string", t.value);
          default: return term_of("null", Value::null());
        }
      case TermKind::kVar:
        // OPA names each wildcard apart: $0, $1, ...
        if (t.wildcard) return term_of("var", str("$" + std::to_string(wildcards_++)));
        return term_of("var", str(t.name));
      case TermKind::kRef: return term_of("ref", terms(t.items));
      case TermKind::kArray: return term_of("array", terms(t.items));
      case TermKind::kSet: return term_of("set", terms(t.items));
      case TermKind::kObject: {
        ValueVec pairs;
        for (size_t i = 0; i + 1 < t.items.size(); i += 2)
          pairs.push_back(Value::array({term(*t.items[i]), term(*t.items[i + 1])}));
        return term_of("object", Value::array(std::move(pairs)));
      }
      case TermKind::kArrayCompr:
      case TermKind::kSetCompr:
        return term_of(t.kind == TermKind::kArrayCompr ? "arraycomprehension" : "setcomprehension",
                       Value::object({{str("term"), term(*t.val)}, {str("body"), body(*t.body)}}));
      case TermKind::kObjectCompr:
        return term_of("objectcomprehension", Value::object({{str("key"), term(*t.key)},
                                                             {str("value"), term(*t.val)},
                                                             {str("body"), body(*t.body)}}));
      case TermKind::kCall: return term_of("call", call_items(t));
      case TermKind::kTemplate: return term_of("templatestring", terms(t.items));
    }
    return Value::null();
  }

  int wildcards_ = 0;
};

}  // namespace

void register_regoast() {
  register_builtin("rego.parse_module", 2, [](BuiltinContext&, const Value* a, size_t) {
    const std::string& file = arg_string(a, 0);
    const std::string& src = arg_string(a, 1);
    auto m = parse_module(file, src);
    if (!m.ok()) {
      // OPA's error text: "file:row: code: message" (no column).
      std::string where = m.error().where;
      size_t last = where.rfind(':');
      if (last != std::string::npos && last > 0) {
        size_t prev = where.rfind(':', last - 1);
        if (prev != std::string::npos) where = where.substr(0, last);
      }
      builtin_error("1 error occurred: " + (where.empty() ? std::string() : where + ": ") + m.error().code + ": " +
                    m.error().message);
    }
    return AstJson().module(**m);
  });
}

}  // namespace genesis::policy
