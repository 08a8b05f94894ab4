#include "policy/typecheck.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <mutex>
#include <set>

#include "policy/builtins/builtins.h"
#include "policy/compiler.h"

namespace genesis::policy {
namespace {

using K = Type::K;

TypePtr make(K k) {
  auto t = std::make_shared<Type>();
  t->k = k;
  return t;
}
const TypePtr& A() {
  static const TypePtr t = make(K::kAny);
  return t;
}
const TypePtr& scalar(K k) {
  static const TypePtr n = make(K::kNull), b = make(K::kBool), num = make(K::kNumber), s = make(K::kString);
  switch (k) {
    case K::kNull: return n;
    case K::kBool: return b;
    case K::kNumber: return num;
    default: return s;
  }
}
TypePtr array_of(std::vector<TypePtr> statics, TypePtr dyn) {
  auto t = std::make_shared<Type>();
  t->k = K::kArray;
  t->of = std::move(statics);
  t->dyn = std::move(dyn);
  return t;
}
TypePtr set_of(TypePtr of) {
  auto t = std::make_shared<Type>();
  t->k = K::kSet;
  t->dyn = std::move(of);
  return t;
}
TypePtr object_of(std::vector<std::pair<Value, TypePtr>> props, TypePtr dk, TypePtr dv) {
  std::sort(props.begin(), props.end(), [](const auto& a, const auto& b) { return compare(a.first, b.first) < 0; });
  auto t = std::make_shared<Type>();
  t->k = K::kObject;
  t->props = std::move(props);
  t->dyn_key = std::move(dk);
  t->dyn_val = std::move(dv);
  return t;
}

// OPA's order of types (types.Compare): null, boolean, number, string, array,
// object, set, any, function; unknown (null here) first.
int order(const TypePtr& t) { return t ? static_cast<int>(t->k) : -1; }

int cmp(const TypePtr& a, const TypePtr& b);
int cmp_list(const std::vector<TypePtr>& a, const std::vector<TypePtr>& b) {
  for (size_t i = 0; i < std::min(a.size(), b.size()); ++i)
    if (int c = cmp(a[i], b[i])) return c;
  return a.size() < b.size() ? -1 : a.size() > b.size() ? 1 : 0;
}
int cmp(const TypePtr& a, const TypePtr& b) {
  int x = order(a), y = order(b);
  if (x != y) return x < y ? -1 : 1;
  if (!a) return 0;
  switch (a->k) {
    case K::kArray:
      if (a->dyn && !b->dyn) return 1;
      if (!a->dyn && b->dyn) return -1;
      if (a->dyn)
        if (int c = cmp(a->dyn, b->dyn)) return c;
      return cmp_list(a->of, b->of);
    case K::kObject: {
      if (a->dyn_key && !b->dyn_key) return 1;
      if (!a->dyn_key && b->dyn_key) return -1;
      if (a->dyn_key) {
        if (int c = cmp(a->dyn_key, b->dyn_key)) return c;
        if (int c = cmp(a->dyn_val, b->dyn_val)) return c;
      }
      for (size_t i = 0; i < std::min(a->props.size(), b->props.size()); ++i) {
        if (int c = compare(a->props[i].first, b->props[i].first)) return c < 0 ? -1 : 1;
        if (int c = cmp(a->props[i].second, b->props[i].second)) return c;
      }
      return a->props.size() < b->props.size() ? -1 : a->props.size() > b->props.size() ? 1 : 0;
    }
    case K::kSet: return cmp(a->dyn, b->dyn);
    case K::kAny: return cmp_list(a->of, b->of);
    case K::kFunction:
      if (a->args.size() != b->args.size()) return a->args.size() < b->args.size() ? -1 : 1;
      if (int c = cmp_list(a->args, b->args)) return c;
      return cmp(a->result, b->result);
    default: return 0;
  }
}


// types.Or: the union of two types (any<...> kept sorted and flat).
TypePtr or_(const TypePtr& a, const TypePtr& b) {
  if (!a) return b;
  if (!b) return a;
  if (a->k == K::kFunction || b->k == K::kFunction) return nullptr;
  auto merge = [](const TypePtr& any, const TypePtr& other) -> TypePtr {
    if (any->of.empty()) return any;
    std::vector<TypePtr> alts = any->of;
    if (other->k == K::kAny) {
      if (other->of.empty()) return other;
      for (const auto& o : other->of) alts.push_back(o);
    } else {
      alts.push_back(other);
    }
    std::sort(alts.begin(), alts.end(), [](const TypePtr& x, const TypePtr& y) { return cmp(x, y) < 0; });
    alts.erase(std::unique(alts.begin(), alts.end(), [](const TypePtr& x, const TypePtr& y) { return cmp(x, y) == 0; }),
               alts.end());
    auto t = std::make_shared<Type>();
    t->k = K::kAny;
    t->of = std::move(alts);
    return t;
  };
  if (a->k == K::kAny) return merge(a, b);
  if (b->k == K::kAny) return merge(b, a);
  if (cmp(a, b) == 0) return a;
  auto t = std::make_shared<Type>();
  t->k = K::kAny;
  t->of = {a, b};
  std::sort(t->of.begin(), t->of.end(), [](const TypePtr& x, const TypePtr& y) { return cmp(x, y) < 0; });
  return t;
}

TypePtr values_of(const TypePtr& t) {
  if (!t) return nullptr;
  switch (t->k) {
    case K::kArray: {
      TypePtr r;
      for (const auto& s : t->of) r = or_(r, s);
      return or_(r, t->dyn);
    }
    case K::kObject: {
      TypePtr r;
      for (const auto& p : t->props) r = or_(r, p.second);
      return t->dyn_val ? or_(r, t->dyn_val) : r;
    }
    case K::kSet: return t->dyn;
    case K::kAny: {
      if (t->of.empty()) return A();
      TypePtr r;
      for (const auto& o : t->of) r = or_(values_of(o), r);
      return r;
    }
    default: return nullptr;
  }
}

TypePtr type_of_value(const Value& v) {
  switch (v.kind()) {
    case Kind::kNull: return scalar(K::kNull);
    case Kind::kBool: return scalar(K::kBool);
    case Kind::kNumber: return scalar(K::kNumber);
    case Kind::kString: return scalar(K::kString);
    default: return A();
  }
}

bool contains(const TypePtr& a, const TypePtr& b) {
  if (a && a->k == K::kAny) {
    if (a->of.empty()) return !(b && b->k == K::kFunction);
    for (const auto& o : a->of)
      if (cmp(o, b) == 0) return true;
    return false;
  }
  return cmp(a, b) == 0;
}

// Type of an object's property `key` (static, else dynamic when the key's type fits).
TypePtr select_key(const TypePtr& obj, const Value& key) {
  for (const auto& p : obj->props)
    if (p.first == key) return p.second;
  if (obj->dyn_key && contains(obj->dyn_key, type_of_value(key))) return obj->dyn_val;
  return nullptr;
}
TypePtr select_index(const TypePtr& arr, size_t i) {
  if (i < arr->of.size()) return arr->of[i];
  return arr->dyn;
}

// types' unifies (check.go): whether values of the two types can be equal.
// An unknown type (null) unifies with anything here: we only report what we
// know to be wrong.
bool unifies(const TypePtr& a, const TypePtr& b) {
  if (!a || !b) return true;
  bool any_a = a->k == K::kAny, any_b = b->k == K::kAny;
  auto unifies_any = [](const TypePtr& any, const TypePtr& other) {
    if (other->k == K::kFunction) return false;
    for (const auto& o : any->of)
      if (unifies(o, other)) return true;
    return any->of.empty();
  };
  if (any_a && unifies_any(a, b)) return true;
  if (any_b && unifies_any(b, a)) return true;
  if (any_a || any_b) return false;
  if (a->k != b->k) return false;
  switch (a->k) {
    case K::kArray: {
      for (size_t i = 0; i < a->of.size(); ++i)
        if (!unifies(a->of[i], select_index(b, i))) return false;
      for (size_t i = 0; i < b->of.size(); ++i)
        if (!unifies(b->of[i], select_index(a, i))) return false;
      return !a->dyn || !b->dyn || unifies(a->dyn, b->dyn);
    }
    case K::kObject: {
      for (const auto& p : a->props)
        if (!unifies(p.second, select_key(b, p.first))) return false;
      for (const auto& p : b->props)
        if (!unifies(p.second, select_key(a, p.first))) return false;
      return !a->dyn_val || !b->dyn_val || unifies(a->dyn_val, b->dyn_val);
    }
    case K::kSet: return unifies(a->dyn, b->dyn);
    case K::kFunction:
      if (a->args.size() != b->args.size()) return false;
      for (size_t i = 0; i < a->args.size(); ++i)
        if (!unifies(a->args[i], b->args[i])) return false;
      return true;
    default: return true;
  }
}

// types.Nil: unknown somewhere inside.
bool is_nil(const TypePtr& t) {
  if (!t) return true;
  switch (t->k) {
    case K::kArray:
      for (const auto& s : t->of)
        if (is_nil(s)) return true;
      return t->dyn && is_nil(t->dyn);
    case K::kObject:
      for (const auto& p : t->props)
        if (is_nil(p.second)) return true;
      return t->dyn_key && (is_nil(t->dyn_key) || is_nil(t->dyn_val));
    case K::kSet: return is_nil(t->dyn);
    default: return false;
  }
}

std::string sprint(const TypePtr& t) { return t ? t->to_string() : "???"; }

// ---- the printed form, read back (for the signature table) ----

class TypeParser {
 public:
  explicit TypeParser(const std::string& s) : s_(s) {}
  TypePtr parse() {
    TypePtr t = type();
    ws();
    if (i_ != s_.size()) throw std::runtime_error("trailing text in type: " + s_);
    return t;
  }

 private:
  void ws() {
    while (i_ < s_.size() && s_[i_] == ' ') ++i_;
  }
  bool eat(const char* tok) {
    ws();
    size_t n = std::char_traits<char>::length(tok);
    if (s_.compare(i_, n, tok) == 0) {
      i_ += n;
      return true;
    }
    return false;
  }
  void need(const char* tok) {
    if (!eat(tok)) throw std::runtime_error(std::string("expected ") + tok + " in type: " + s_);
  }
  std::string word() {
    ws();
    size_t st = i_;
    while (i_ < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[i_])) || s_[i_] == '_')) ++i_;
    return s_.substr(st, i_ - st);
  }
  std::vector<TypePtr> list(const char* close) {
    std::vector<TypePtr> out;
    if (eat(close)) return out;
    do out.push_back(type());
    while (eat(","));
    need(close);
    return out;
  }
  TypePtr type() {
    if (eat("(")) {
      auto f = std::make_shared<Type>();
      f->k = K::kFunction;
      f->args = list(")");
      need("=>");
      f->result = type();
      return f;
    }
    std::string w = word();
    if (w == "null") return scalar(K::kNull);
    if (w == "boolean") return scalar(K::kBool);
    if (w == "number") return scalar(K::kNumber);
    if (w == "string") return scalar(K::kString);
    if (w == "any") {
      if (!eat("<")) return A();
      TypePtr t;
      for (auto& x : list(">")) t = t ? or_(t, x) : x;
      if (t && t->k != K::kAny) {  // any<T> with one alternative stays any<T>
        auto any = std::make_shared<Type>();
        any->k = K::kAny;
        any->of = {t};
        return any;
      }
      return t;
    }
    if (w == "set") {
      need("[");
      TypePtr of = type();
      need("]");
      return set_of(of);
    }
    if (w == "array") {
      std::vector<TypePtr> st;
      TypePtr dyn;
      if (eat("<")) st = list(">");
      if (eat("[")) {
        dyn = type();
        need("]");
      }
      return array_of(st, dyn);
    }
    if (w == "object") {
      std::vector<std::pair<Value, TypePtr>> props;
      TypePtr dk, dv;
      if (eat("<")) {
        do {
          std::string key = word();
          need(":");
          props.emplace_back(Value::string(key), type());
        } while (eat(","));
        need(">");
      }
      if (eat("[")) {
        dk = type();
        need(":");
        dv = type();
        need("]");
      }
      return object_of(props, dk, dv);
    }
    throw std::runtime_error("unknown type word '" + w + "' in: " + s_);
  }
  const std::string& s_;
  size_t i_ = 0;
};

// Declared types of the built-ins, in OPA's printed form (its types.Sprint of
// each built-in's declaration). Built-ins not listed are not checked.
const std::pair<const char*, const char*> kSignatures[] = {
    {"abs", "(number) => number"},
    {"ceil", "(number) => number"},
    {"floor", "(number) => number"},
    {"round", "(number) => number"},
    {"plus", "(number, number) => number"},
    {"mul", "(number, number) => number"},
    {"div", "(number, number) => number"},
    {"rem", "(number, number) => number"},
    {"minus", "(any<number, set[any]>, any<number, set[any]>) => any<number, set[any]>"},
    {"and", "(set[any], set[any]) => set[any]"},
    {"or", "(set[any], set[any]) => set[any]"},
    {"equal", "(any, any) => boolean"},
    {"neq", "(any, any) => boolean"},
    {"lt", "(any, any) => boolean"},
    {"lte", "(any, any) => boolean"},
    {"gt", "(any, any) => boolean"},
    {"gte", "(any, any) => boolean"},
    {"count", "(any<string, array[any], object[any: any], set[any]>) => number"},
    {"sum", "(any<array[number], set[number]>) => number"},
    {"product", "(any<array[number], set[number]>) => number"},
    {"max", "(any<array[any], set[any]>) => any"},
    {"min", "(any<array[any], set[any]>) => any"},
    {"sort", "(any<array[any], set[any]>) => array[any]"},
    {"array.concat", "(array[any], array[any]) => array[any]"},
    {"array.slice", "(array[any], number, number) => array[any]"},
    {"array.reverse", "(array[any]) => array[any]"},
    {"intersection", "(set[set[any]]) => set[any]"},
    {"union", "(set[set[any]]) => set[any]"},
    {"object.get", "(object[any: any], any, any) => any"},
    {"object.keys", "(object[any: any]) => set[any]"},
    {"object.union", "(object[any: any], object[any: any]) => any"},
    {"object.union_n", "(array[object[any: any]]) => any"},
    {"concat", "(string, any<array[string], set[string]>) => string"},
    {"contains", "(string, string) => boolean"},
    {"endswith", "(string, string) => boolean"},
    {"startswith", "(string, string) => boolean"},
    {"format_int", "(number, number) => string"},
    {"indexof", "(string, string) => number"},
    {"indexof_n", "(string, string) => array[number]"},
    {"lower", "(string) => string"},
    {"upper", "(string) => string"},
    {"trim_space", "(string) => string"},
    {"strings.reverse", "(string) => string"},
    {"replace", "(string, string, string) => string"},
    {"split", "(string, string) => array[string]"},
    {"sprintf", "(string, array[any]) => string"},
    {"strings.count", "(string, string) => number"},
    {"strings.replace_n", "(object[string: string], string) => string"},
    {"strings.any_prefix_match", "(any<string, array[string], set[string]>, any<string, array[string], set[string]>) => boolean"},
    {"strings.any_suffix_match", "(any<string, array[string], set[string]>, any<string, array[string], set[string]>) => boolean"},
    {"strings.render_template", "(string, object[string: any]) => string"},
    {"substring", "(string, number, number) => string"},
    {"trim", "(string, string) => string"},
    {"trim_left", "(string, string) => string"},
    {"trim_prefix", "(string, string) => string"},
    {"trim_right", "(string, string) => string"},
    {"trim_suffix", "(string, string) => string"},
    {"regex.match", "(string, string) => boolean"},
    {"re_match", "(string, string) => boolean"},
    {"regex.split", "(string, string) => array[string]"},
    {"regex.find_n", "(string, string, number) => array[string]"},
    {"regex.find_all_string_submatch_n", "(string, string, number) => array[array[string]]"},
    {"regex.replace", "(string, string, string) => string"},
    {"regex.globs_match", "(string, string) => boolean"},
    {"regex.template_match", "(string, string, string, string) => boolean"},
    {"regex.is_valid", "(any) => boolean"},
    {"glob.match", "(string, any<null, array[string]>, string) => boolean"},
    {"glob.quote_meta", "(string) => string"},
    {"is_array", "(any) => boolean"},
    {"is_boolean", "(any) => boolean"},
    {"is_null", "(any) => boolean"},
    {"is_number", "(any) => boolean"},
    {"is_object", "(any) => boolean"},
    {"is_set", "(any) => boolean"},
    {"is_string", "(any) => boolean"},
    {"type_name", "(any) => string"},
    {"to_number", "(any<null, boolean, number, string>) => number"},
    {"base64.encode", "(string) => string"},
    {"base64.decode", "(string) => string"},
    {"base64.is_valid", "(string) => boolean"},
    {"base64url.encode", "(string) => string"},
    {"base64url.encode_no_pad", "(string) => string"},
    {"base64url.decode", "(string) => string"},
    {"hex.encode", "(string) => string"},
    {"hex.decode", "(string) => string"},
    {"urlquery.encode", "(string) => string"},
    {"urlquery.decode", "(string) => string"},
    {"json.marshal", "(any) => string"},
    {"json.unmarshal", "(string) => any"},
    {"json.is_valid", "(string) => boolean"},
    {"yaml.marshal", "(any) => string"},
    {"yaml.unmarshal", "(string) => any"},
    {"yaml.is_valid", "(string) => boolean"},
    {"time.now_ns", "() => number"},
    {"time.parse_ns", "(string, string) => number"},
    {"time.parse_rfc3339_ns", "(string) => number"},
    {"time.parse_duration_ns", "(string) => number"},
    {"time.add_date", "(number, number, number, number) => number"},
    {"time.date", "(any<number, array<number, string>>) => array<number, number, number>"},
    {"time.clock", "(any<number, array<number, string>>) => array<number, number, number>"},
    {"time.weekday", "(any<number, array<number, string>>) => string"},
    {"units.parse", "(string) => number"},
    {"units.parse_bytes", "(string) => number"},
    {"uuid.rfc4122", "(string) => string"},
    {"crypto.md5", "(string) => string"},
    {"crypto.sha1", "(string) => string"},
    {"crypto.sha256", "(string) => string"},
    {"crypto.sha512", "(string) => string"},
    {"crypto.hmac.md5", "(string, string) => string"},
    {"crypto.hmac.sha1", "(string, string) => string"},
    {"crypto.hmac.sha256", "(string, string) => string"},
    {"crypto.hmac.sha512", "(string, string) => string"},
    {"crypto.hmac.equal", "(string, string) => boolean"},
    {"bits.and", "(number, number) => number"},
    {"bits.or", "(number, number) => number"},
    {"bits.xor", "(number, number) => number"},
    {"bits.lsh", "(number, number) => number"},
    {"bits.rsh", "(number, number) => number"},
    {"bits.negate", "(number) => number"},
    {"semver.is_valid", "(any) => boolean"},
    {"semver.compare", "(string, string) => number"},
    {"net.cidr_contains", "(string, string) => boolean"},
    {"net.cidr_intersects", "(string, string) => boolean"},
    {"net.cidr_expand", "(string) => set[string]"},
    {"net.cidr_is_valid", "(string) => boolean"},
    {"numbers.range", "(number, number) => array[number]"},
    {"numbers.range_step", "(number, number, number) => array[number]"},
    {"rand.intn", "(string, number) => number"},
    {"trace", "(string) => boolean"},
    {"io.jwt.encode_sign_raw", "(string, string, string) => string"},
    {"graphql.parse", "(any<string, object[any: any]>, any<string, object[any: any]>) => array<object[any: any], object[any: any]>"},
    {"graphql.parse_and_verify", "(any<string, object[any: any]>, any<string, object[any: any]>) => array<boolean, object[any: any], object[any: any]>"},
    {"graphql.parse_query", "(string) => object[any: any]"},
    {"graphql.parse_schema", "(string) => object[any: any]"},
    {"graphql.is_valid", "(any<string, object[any: any]>, any<string, object[any: any]>) => boolean"},
    {"graphql.schema_is_valid", "(any<string, object[any: any]>) => boolean"},
};

const std::map<std::string, TypePtr>& signatures() {
  static std::map<std::string, TypePtr> table;
  static std::once_flag once;
  std::call_once(once, [] {
    for (const auto& [name, sig] : kSignatures) table[name] = TypeParser(sig).parse();
  });
  return table;
}

// ---- the checker ----

class Checker {
 public:
  Checker(int num_slots, std::vector<core::Error>& errs, const RuleTypes* rules = nullptr)
      : env_(static_cast<size_t>(std::max(num_slots, 0))), errs_(errs), rules_(rules) {}

  void body(Body& b) {
    for (auto& e : b) expr(e);
  }

  // The type a variable has now (null: none yet).
  TypePtr var_type(int s) const { return slot(s); }

  // Type of a term; checks the calls inside it on the way.
  TypePtr type_of(const Term& t) {
    switch (t.kind) {
      case TermKind::kScalar: return type_of_value(t.value);
      case TermKind::kVar:
        if (t.global || t.slot < 0) return A();
        return slot(t.slot);
      case TermKind::kRef: return ref(t);
      case TermKind::kArray: {
        std::vector<TypePtr> st;
        for (const auto& i : t.items) st.push_back(type_of(*i));
        return array_of(std::move(st), nullptr);
      }
      case TermKind::kSet: {
        TypePtr of;
        for (const auto& i : t.items) of = or_(of, type_of(*i));
        return set_of(of);
      }
      case TermKind::kObject: {
        bool constant = true;
        for (size_t i = 0; i < t.items.size(); i += 2)
          if (t.items[i]->kind != TermKind::kScalar) constant = false;
        if (constant) {
          std::vector<std::pair<Value, TypePtr>> props;
          for (size_t i = 0; i + 1 < t.items.size(); i += 2) props.emplace_back(t.items[i]->value, type_of(*t.items[i + 1]));
          return object_of(std::move(props), nullptr, nullptr);
        }
        TypePtr k, v;
        for (size_t i = 0; i + 1 < t.items.size(); i += 2) {
          k = or_(k, type_of(*t.items[i]));
          v = or_(v, type_of(*t.items[i + 1]));
        }
        return object_of({}, k ? k : A(), v ? v : A());
      }
      case TermKind::kArrayCompr:
      case TermKind::kSetCompr:
      case TermKind::kObjectCompr: {
        // The body sees the enclosing variables; what it binds stays inside.
        auto saved = env_;
        body(*t.body);
        TypePtr key = t.key ? type_of(*t.key) : nullptr;
        TypePtr val = type_of(*t.val);
        env_ = std::move(saved);
        if (t.template_part) return A();
        if (t.kind == TermKind::kArrayCompr) return array_of({}, val ? val : A());
        if (t.kind == TermKind::kSetCompr) return set_of(val ? val : A());
        return object_of({}, key ? key : A(), val ? val : A());
      }
      case TermKind::kCall: return call(t);
      case TermKind::kTemplate:
        for (const auto& i : t.items) (void)type_of(*i);
        return scalar(K::kString);
    }
    return A();
  }

 private:
  TypePtr slot(int s) const { return static_cast<size_t>(s) < env_.size() ? env_[static_cast<size_t>(s)] : A(); }
  // Variables inside `t` (outside comprehensions) that have no type yet get
  // any: they are bound by something whose type is not tracked here.
  void bind_unknown(const Term& t) {
    switch (t.kind) {
      case TermKind::kVar:
        if (!t.global && t.slot >= 0 && !slot(t.slot)) put(t.slot, A());
        return;
      case TermKind::kArray:
      case TermKind::kObject:
      case TermKind::kSet:
      case TermKind::kRef:
        for (const auto& i : t.items) bind_unknown(*i);
        return;
      default: return;
    }
  }
  void put(int s, TypePtr t) {
    if (s >= 0 && static_cast<size_t>(s) < env_.size()) env_[static_cast<size_t>(s)] = std::move(t);
  }

  void expr(Expr& e) {
    // Comprehensions inside the expression check expressions of their own.
    const Term* outer = top_call_;
    top_call_ = e.kind == ExprKind::kTerm && e.terms[0]->kind == TermKind::kCall ? e.terms[0].get() : nullptr;
    expr_checks(e);
    top_call_ = outer;
  }
  void expr_checks(Expr& e) {
    // Expressions that replace functions with `with` are left alone (the
    // replacement decides the types).
    bool mocked = false;
    for (const auto& w : e.with) {
      const Term& tg = *w.target;
      std::string root = tg.kind == TermKind::kVar ? tg.name : (tg.items.empty() ? "" : tg.items[0]->name);
      if (root != "input") mocked = true;
      (void)type_of(*w.value);
    }
    if (mocked) return;
    switch (e.kind) {
      case ExprKind::kTerm: (void)type_of(*e.terms[0]); break;
      case ExprKind::kUnify:
      case ExprKind::kAssign: unify2(e, *e.terms[0], *e.terms[1]); break;
      case ExprKind::kSomeDecl: break;
      case ExprKind::kSomeIn:
        // OPA rewrites `some k, v in xs` to internal.member_3(k, v, xs),
        // declared (any, any, any): the key and value are any.
        (void)type_of(*e.terms[2]);
        bind_unknown(*e.terms[2]);
        if (e.terms[0]) bind_unknown(*e.terms[0]);
        bind_unknown(*e.terms[1]);
        break;
      case ExprKind::kEvery: {
        (void)type_of(*e.terms[2]);
        bind_unknown(*e.terms[2]);
        auto saved = env_;
        if (e.terms[0]) bind_unknown(*e.terms[0]);
        bind_unknown(*e.terms[1]);
        body(*e.body);
        env_ = std::move(saved);
        break;
      }
    }
  }

  // OPA's unify2: `a = b` / `a := b` between two terms.
  void unify2(const Expr& e, const Term& a, const Term& b) {
    TypePtr ta = type_of(a), tb = type_of(b);
    bool na = is_nil(ta), nb = is_nil(tb);
    bool ok = true;
    if (na && !nb) ok = unify1(a, tb, false);
    else if (nb && !na) ok = unify1(b, ta, false);
    else if (!na && !nb) ok = unifies(ta, tb);
    else ok = unify_nil(a, b);
    if (!ok) {
      errs_.push_back(core::make_error("rego_type_error",
                                       "match error\n\tleft  : " + sprint(ta) + "\n\tright : " + sprint(tb),
                                       e.loc.to_string()));
    }
  }
  // Both sides partly unknown: arrays pairwise, variables take what the other side has.
  bool unify_nil(const Term& a, const Term& b) {
    if (a.kind == TermKind::kArray && b.kind == TermKind::kArray) {
      if (a.items.size() != b.items.size()) return true;  // never equal; not a type question
      for (size_t i = 0; i < a.items.size(); ++i) {
        TypePtr ta = type_of(*a.items[i]), tb = type_of(*b.items[i]);
        bool na = is_nil(ta), nb = is_nil(tb);
        bool ok = na && !nb ? unify1(*a.items[i], tb, false)
                  : nb && !na ? unify1(*b.items[i], ta, false)
                  : !na && !nb ? unifies(ta, tb)
                  : unify_nil(*a.items[i], *b.items[i]);
        if (!ok) return false;
      }
      return true;
    }
    // A variable on either side: it may be anything, and the other side is
    // what it is (OPA: unify1(a, any) then unify1(b, type of a)).
    if (a.kind == TermKind::kVar) {
      unify1(a, A(), true);
      unify1(b, A(), true);
    } else if (b.kind == TermKind::kVar) {
      unify1(b, A(), true);
    }
    return true;
  }

  // OPA's unify1: can term be a value of type tpe? Binds the types of its
  // unknown variables on the way.
  bool unify1(const Term& term, const TypePtr& tpe, bool union_) {
    if (!tpe) return true;
    switch (term.kind) {
      case TermKind::kArray:
        if (tpe->k == K::kArray) {
          if (term.items.size() != tpe->of.size() && !tpe->dyn) return false;
          for (size_t i = 0; i < term.items.size(); ++i)
            if (!unify1(*term.items[i], select_index(tpe, i), union_)) return false;
          return true;
        }
        if (tpe->k == K::kAny) return unify1_any(term, tpe);
        return false;
      case TermKind::kObject:
        if (tpe->k == K::kObject) {
          if (term.items.size() / 2 != tpe->props.size() && !tpe->dyn_val) return false;
          for (size_t i = 0; i + 1 < term.items.size(); i += 2) {
            const Term& k = *term.items[i];
            if (k.kind == TermKind::kScalar) {
              TypePtr child = select_key(tpe, k.value);
              if (!child || !unify1(*term.items[i + 1], child, union_)) return false;
            } else {
              unify1(*term.items[i + 1], A(), union_);
            }
          }
          return true;
        }
        if (tpe->k == K::kAny) return unify1_any(term, tpe);
        return false;
      case TermKind::kSet:
        if (tpe->k == K::kSet) {
          for (const auto& i : term.items)
            if (!unify1(*i, values_of(tpe), union_)) return false;
          return true;
        }
        if (tpe->k == K::kAny) return unify1_any(term, tpe);
        return false;
      case TermKind::kVar: {
        if (term.global || term.slot < 0) return true;
        TypePtr exist = slot(term.slot);
        if (!union_) {
          if (exist) return unifies(exist, tpe);
          put(term.slot, tpe);
        } else {
          put(term.slot, or_(exist, tpe));
        }
        return true;
      }
      default: return unifies(type_of(term), tpe);
    }
  }
  bool unify1_any(const Term& term, const TypePtr& tpe) {
    if (tpe->of.empty()) {
      for (const auto& i : term.items) unify1(*i, A(), true);
      return true;
    }
    bool ok = false;
    for (const auto& alt : tpe->of) ok = unify1(term, alt, true) || ok;
    return ok;
  }

  // OPA's refChecker on a ref: operands into a local value of known type
  // must select something that can exist ("undefined ref" otherwise); refs
  // into data and input, and into values of unknown type, are any.
  TypePtr ref(const Term& t) {
    for (size_t i = 1; i < t.items.size(); ++i) (void)type_of(*t.items[i]);
    const Term& h = *t.items[0];
    TypePtr cur;
    size_t i = 1;
    bool report = true;
    if (h.kind == TermKind::kVar && (h.global || h.slot < 0)) {
      // Into data: a complete rule whose value type is known selects on from
      // there (OPA's type env for rules); input and the rest are any.
      const TypePtr* rule = nullptr;
      if (rules_ && t.data_node && h.name == "data") {
        auto it = rules_->find(t.data_node);
        if (it != rules_->end() && it->second->k != K::kFunction) rule = &it->second;
      }
      if (!rule) {
        for (size_t k = 1; k < t.items.size(); ++k) bind_unknown(*t.items[k]);
        return A();
      }
      cur = *rule;
      i = 1 + static_cast<size_t>(t.data_ops);
    } else {
      // A literal, comprehension or call head is typed as OPA types the local
      // variable it moves it into; errors in it name that generated variable,
      // so they are left to OPA's own wording and not reported here.
      report = h.kind == TermKind::kVar && !h.name.empty() && h.name[0] != '$';
      // A variable of no type yet (a function argument) is any from here on,
      // as OPA's ref checker binds it.
      if (h.kind == TermKind::kVar) bind_unknown(h);
      cur = type_of(h);
    }
    for (; i < t.items.size() && cur && cur->k != K::kAny; ++i) {
      const Term& op = *t.items[i];
      TypePtr keys = keys_of(cur);
      if (!keys) {
        // Scalars have nothing to select (RefErrUnsupportedDetail).
        if (report) ref_error(t, i - 1, "have: " + sprint(cur), true);
        return A();
      }
      if (op.kind == TermKind::kScalar) {
        TypePtr child = select(cur, op.value);
        if (!child) {
          std::string want;
          auto one_of = one_of_keys(cur);
          want = one_of.empty() ? "want (type): " + sprint(keys) : "want (one of): " + one_of;
          if (report) ref_error(t, i, "have: " + operand_string(op) + "\n" + want, false);
          return A();
        }
        cur = child;
        continue;
      }
      if (op.kind == TermKind::kVar && !op.global && op.slot >= 0) {
        TypePtr exist = slot(op.slot);
        if (!exist) {
          put(op.slot, keys);
        } else if (!unifies(exist, keys)) {
          auto one_of = one_of_keys(cur);
          std::string want = one_of.empty() ? "want (type): " + sprint(keys) : "want (one of): " + one_of;
          if (report) ref_error(t, i, "have (type): " + sprint(exist) + "\n" + want, false);
          return A();
        }
      } else {
        bind_unknown(op);
      }
      cur = values_of(cur);
    }
    if (i < t.items.size()) {
      // Stopped at a value of unknown or any<...> type: the rest is any.
      for (; i < t.items.size(); ++i) bind_unknown(*t.items[i]);
      return A();
    }
    return cur && !is_nil(cur) ? cur : A();
  }

  // types.Keys: what may select into a value of type t (null: nothing).
  static TypePtr keys_of(const TypePtr& t) {
    switch (t->k) {
      case K::kArray: return scalar(K::kNumber);
      case K::kSet: return t->dyn;
      case K::kObject: {
        TypePtr k;
        for (const auto& p : t->props) k = or_(k, type_of_value(p.first));
        return t->dyn_key ? or_(k, t->dyn_key) : k ? k : A();
      }
      case K::kAny: return A();
      default: return nullptr;
    }
  }
  // types.Select with a constant key.
  // A property or element that exists but whose type is not known is any.
  static TypePtr select(const TypePtr& t, const Value& key) {
    if (!(key.is_null() || key.is_bool() || key.is_number() || key.is_string())) return A();
    switch (t->k) {
      case K::kArray: {
        if (!key.is_int() || key.as_int() < 0) return nullptr;
        size_t i = static_cast<size_t>(key.as_int());
        if (i < t->of.size()) return t->of[i] ? t->of[i] : A();
        return t->dyn;
      }
      case K::kObject: {
        for (const auto& p : t->props)
          if (p.first == key) return p.second ? p.second : A();
        if (t->dyn_key && contains(t->dyn_key, type_of_value(key))) return t->dyn_val ? t->dyn_val : A();
        return nullptr;
      }
      case K::kSet: {
        TypePtr kt = type_of_value(key);
        if (t->dyn && cmp(t->dyn, kt) == 0) return t->dyn;
        if (t->dyn && t->dyn->k == K::kAny && contains(t->dyn, kt)) return kt;
        return nullptr;
      }
      default: return A();
    }
  }
  // getOneOfForType: the static keys of an object, as Go prints a []Value.
  static std::string one_of_keys(const TypePtr& t) {
    if (t->k != K::kObject || t->props.empty()) return {};
    std::string s = "[";
    for (size_t i = 0; i < t->props.size(); ++i) s += (i ? " " : "") + to_json(t->props[i].first);
    return s + "]";
  }
  static bool ident(const std::string& s) {
    if (s.empty() || std::isdigit(static_cast<unsigned char>(s[0]))) return false;
    for (char c : s)
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
    return true;
  }
  static std::string operand_string(const Term& op) {
    if (op.kind == TermKind::kVar) return op.name;
    return to_json(op.value);
  }
  // The ref as OPA prints it, up to (not including) operand `end`; empty when
  // it holds operands printed here no better than approximately.
  static std::string ref_string(const Term& t, size_t end) {
    std::string s = t.items[0]->name;
    for (size_t i = 1; i < end; ++i) {
      const Term& op = *t.items[i];
      if (op.kind == TermKind::kScalar && op.value.is_string() && ident(op.value.str())) {
        s += "." + op.value.str();
      } else if (op.kind == TermKind::kScalar || (op.kind == TermKind::kVar && !op.wildcard && op.name[0] != '$')) {
        s += "[" + operand_string(op) + "]";
      } else {
        return {};
      }
    }
    return s;
  }
  // "undefined ref: x.b" with OPA's detail lines (RefErrInvalidDetail /
  // RefErrUnsupportedDetail), reported once per ref term.
  void ref_error(const Term& t, size_t pos, const std::string& detail, bool unsupported) {
    if (!reported_.insert(&t).second) return;
    const std::string& head = t.items[0]->name;
    if (head.empty() || head[0] == '$') return;
    std::string whole = ref_string(t, t.items.size());
    if (whole.empty()) return;
    std::string caret, pad;
    if (unsupported) {
      caret = std::string(ref_string(t, pos + 1).size(), '^');
    } else {
      pad = std::string(ref_string(t, pos).size() + 1, ' ');
      caret = pad + "^";
    }
    std::string lines = "\n\t" + whole + "\n\t" + caret;
    size_t start = 0;
    while (start <= detail.size()) {
      size_t nl = detail.find('\n', start);
      if (nl == std::string::npos) nl = detail.size();
      lines += "\n\t" + pad + detail.substr(start, nl - start);
      start = nl + 1;
    }
    errs_.push_back(core::make_error("rego_type_error", "undefined ref: " + whole + lines, t.items[0]->loc.to_string()));
  }

  TypePtr call(const Term& t) {
    std::vector<TypePtr> pre;
    for (const auto& a : t.items) pre.push_back(type_of(*a));
    const Type* sig = nullptr;
    std::string name = t.name;
    if (t.user_fn) {
      // A user function's type inferred from its definitions (OPA's checkRule).
      auto it = rules_ && t.callee ? rules_->find(t.callee) : RuleTypes::const_iterator();
      if (rules_ && t.callee && it != rules_->end() && it->second->k == K::kFunction) {
        sig = it->second.get();
        name = "data";
        for (const auto& p : t.data_path) name += "." + p;
      }
    } else if (t.callee) {
      sig = builtin_signature(t.name);
    }
    if (!sig) {
      // Built-ins without a declared signature here and functions of unknown
      // type: what their output arguments bind is any.
      for (const auto& a : t.items) bind_unknown(*a);
      return A();
    }
    size_t n = sig->args.size();
    bool output = t.items.size() == n + 1;
    if (t.items.size() != n && !output) return A();  // arity errors are reported by the resolver
    bool ok = true;
    for (size_t i = 0; i < n && ok; ++i) ok = unify1(*t.items[i], sig->args[i], false);
    if (ok && output) ok = unify1(*t.items[n], sig->result, false);
    if (!ok) {
      // OPA checks a call nested in another term after moving it out into an
      // expression of its own with a fresh output variable (still untyped:
      // "???"); a call that is a whole expression keeps its arguments.
      bool nested = &t != top_call_ && !output;
      std::string have, want;
      for (size_t i = 0; i < t.items.size(); ++i) have += (i ? ", " : "") + sprint(type_of(*t.items[i]));
      if (nested) have += std::string(t.items.empty() ? "" : ", ") + "???";
      for (size_t i = 0; i < n; ++i) want += (i ? ", " : "") + sprint(sig->args[i]);
      if (output || nested) want += (n ? ", " : "") + sprint(sig->result);
      errs_.push_back(core::make_error("rego_type_error",
                                       name + ": invalid argument(s)\n\thave: (" + have + ")\n\twant: (" + want + ")",
                                       t.loc.to_string()));
      return A();
    }
    return sig->result ? sig->result : A();
  }

  std::vector<TypePtr> env_;
  std::vector<core::Error>& errs_;
  const RuleTypes* rules_;           // complete rules' value types, or null
  const Term* top_call_ = nullptr;   // the call that is the current expression
  std::set<const Term*> reported_;   // refs already reported (terms are typed more than once)
};

}  // namespace

std::string Type::to_string() const {
  auto join = [](const std::vector<TypePtr>& ts) {
    std::string s;
    for (size_t i = 0; i < ts.size(); ++i) s += (i ? ", " : "") + sprint(ts[i]);
    return s;
  };
  switch (k) {
    case K::kNull: return "null";
    case K::kBool: return "boolean";
    case K::kNumber: return "number";
    case K::kString: return "string";
    case K::kAny: return of.empty() ? "any" : "any<" + join(of) + ">";
    case K::kSet: return "set[" + sprint(dyn) + "]";
    case K::kArray: {
      std::string s = "array";
      if (!of.empty()) s += "<" + join(of) + ">";
      if (dyn) s += "[" + dyn->to_string() + "]";
      return s;
    }
    case K::kObject: {
      std::string s = "object";
      if (!props.empty()) {
        s += "<";
        for (size_t i = 0; i < props.size(); ++i) {
          // Keys print as Go's %v of the JSON value: strings without quotes.
          const Value& key = props[i].first;
          s += (i ? ", " : "") + (key.is_string() ? key.str() : to_json(key)) + ": " + sprint(props[i].second);
        }
        s += ">";
      }
      if (dyn_key) s += "[" + sprint(dyn_key) + ": " + sprint(dyn_val) + "]";
      return s;
    }
    case K::kFunction: return "(" + join(args) + ") => " + sprint(result);
  }
  return "any";
}

TypePtr parse_type(const std::string& s) { return TypeParser(s).parse(); }

const Type* builtin_signature(const std::string& name) {
  const auto& table = signatures();
  auto it = table.find(name);
  return it == table.end() ? nullptr : it->second.get();
}

RuleTypes infer_rule_types(const Compiled& compiled) {
  RuleTypes out;
  for (const Node* n : compiled.nodes) {
    if (!n->has_rules || n->kind != RuleKind::kComplete || !n->children.empty()) continue;
    std::vector<Rule*> heads = n->rules;
    if (n->default_rule) heads.push_back(n->default_rule);
    TypePtr t;
    bool ok = true;
    for (Rule* head : heads) {
      for (Rule* r = head; r && ok; r = r->else_rule.get()) {
        if (!r->keys.empty() || r->set_leaf) {
          ok = false;
          break;
        }
        // Refs to other rules are any here: one level of inference, enough
        // for the values most rules have (literals, comprehensions, built-in
        // results), and never more precise than OPA's.
        std::vector<core::Error> ignored;
        Checker c(r->num_slots, ignored);
        c.body(r->body);
        TypePtr v = r->value ? c.type_of(*r->value) : scalar(K::kBool);
        if (!v || is_nil(v) || !ignored.empty()) {
          ok = false;
          break;
        }
        t = or_(t, v);
      }
      if (!ok) break;
    }
    if (ok && t) out[n] = t;
  }
  // Functions: each definition's argument types are what its body bound
  // them to (any when nothing did), its result the type of its value; the
  // definitions' types are united (OPA's types.Function Union).
  for (const Node* n : compiled.nodes) {
    if (!n->has_rules || n->kind != RuleKind::kFunction || !n->children.empty()) continue;
    std::vector<Rule*> heads = n->rules;
    if (n->default_rule) heads.push_back(n->default_rule);
    std::shared_ptr<Type> fn;
    bool ok = true;
    for (Rule* head : heads) {
      for (Rule* r = head; r && ok; r = r->else_rule.get()) {
        std::vector<core::Error> ignored;
        Checker c(r->num_slots, ignored);
        c.body(r->body);
        TypePtr v = r->value ? c.type_of(*r->value) : scalar(K::kBool);
        if (!ignored.empty()) {
          ok = false;
          break;
        }
        std::vector<TypePtr> args;
        for (const auto& a : head->args) {
          if (a->kind != TermKind::kVar || a->global || a->slot < 0) {
            ok = false;
            break;
          }
          TypePtr at = a->wildcard ? nullptr : c.var_type(a->slot);
          args.push_back(at && !is_nil(at) ? at : A());
        }
        if (!ok) break;
        TypePtr result = v && !is_nil(v) ? v : A();
        if (!fn) {
          fn = std::make_shared<Type>();
          fn->k = K::kFunction;
          fn->args = std::move(args);
          fn->result = result;
        } else if (fn->args.size() != args.size()) {
          ok = false;
        } else {
          for (size_t i = 0; i < args.size(); ++i) fn->args[i] = or_(fn->args[i], args[i]);
          fn->result = or_(fn->result, result);
        }
      }
      if (!ok) break;
    }
    if (ok && fn) out[n] = fn;
  }
  return out;
}

void typecheck_rule(Rule& head, const RuleTypes* rules, std::vector<core::Error>& errs) {
  for (Rule* r = &head; r; r = r->else_rule.get()) {
    Checker c(r->num_slots, errs, rules);
    c.body(r->body);
    for (const auto& k : r->keys) (void)c.type_of(*k);
    if (r->key) (void)c.type_of(*r->key);
    if (r->value) (void)c.type_of(*r->value);
  }
}

void typecheck_body(Body& body, int num_slots, const RuleTypes* rules, std::vector<core::Error>& errs) {
  Checker c(num_slots, errs, rules);
  c.body(body);
}

}  // namespace genesis::policy
