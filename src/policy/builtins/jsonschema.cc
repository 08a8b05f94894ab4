// json.verify_schema and json.match_schema: a JSON Schema (draft 4-7 core
// keywords) validator whose error objects follow gojsonschema's shape, as OPA's do.
#include <re2/re2.h>

#include <cmath>

#include "policy/builtins/builtins.h"

namespace genesis::policy {
namespace {

const char* kTypes[] = {"array", "boolean", "integer", "number", "null", "object", "string"};

std::string type_of(const Value& v) {
  switch (v.kind()) {
    case Kind::kNull: return "null";
    case Kind::kBool: return "boolean";
    case Kind::kNumber: return v.is_integral() ? "integer" : "number";
    case Kind::kString: return "string";
    case Kind::kArray:
    case Kind::kSet: return "array";
    default: return "object";
  }
}

// Returns an error text for an invalid schema, or "".
std::string check_schema(const Value& s) {
  if (s.is_bool()) return "";
  if (!s.is_object()) return "jsonschema: schema must be an object or a boolean";
  if (const Value* t = s.get("type")) {
    ValueVec types = t->is_array() ? t->arr() : ValueVec{*t};
    for (const auto& x : types) {
      bool ok = false;
      for (const char* n : kTypes)
        if (x.is_string() && x.str() == n) ok = true;
      if (!ok)
        return "jsonschema: has a primitive type that is NOT VALID -- given: /" + (x.is_string() ? x.str() : to_json(x)) +
               "/ Expected valid values are:[array boolean integer number null object string]";
    }
  }
  for (const char* k : {"properties", "patternProperties", "definitions"}) {
    if (const Value* p = s.get(k); p && p->is_object())
      for (const auto& [_, sub] : p->obj())
        if (auto e = check_schema(sub); !e.empty()) return e;
  }
  for (const char* k : {"items", "additionalProperties", "not"}) {
    if (const Value* p = s.get(k); p && (p->is_object()))
      if (auto e = check_schema(*p); !e.empty()) return e;
  }
  for (const char* k : {"allOf", "anyOf", "oneOf"}) {
    if (const Value* p = s.get(k); p && p->is_array())
      for (const auto& sub : p->arr())
        if (auto e = check_schema(sub); !e.empty()) return e;
  }
  return "";
}

struct Err {
  std::string field, type, desc;
};

void validate(const Value& doc, const Value& s, const std::string& field, std::vector<Err>& errs);

bool valid(const Value& doc, const Value& s) {
  std::vector<Err> e;
  validate(doc, s, "(root)", e);
  return e.empty();
}

std::string child(const std::string& field, const std::string& key) { return field == "(root)" ? key : field + "." + key; }

void validate(const Value& doc, const Value& s, const std::string& field, std::vector<Err>& errs) {
  if (s.is_bool()) {
    if (!s.as_bool()) errs.push_back({field, "false", "False always fails validation"});
    return;
  }
  if (!s.is_object()) return;
  if (const Value* t = s.get("type")) {
    ValueVec types = t->is_array() ? t->arr() : ValueVec{*t};
    std::string have = type_of(doc);
    bool ok = false;
    std::string want;
    for (const auto& x : types) {
      if (!x.is_string()) continue;
      want += (want.empty() ? "" : ", ") + x.str();
      if (x.str() == have || (x.str() == "number" && have == "integer")) ok = true;
    }
    if (!ok) {
      errs.push_back({field, "invalid_type", "Invalid type. Expected: " + want + ", given: " + have});
      return;
    }
  }
  if (const Value* e = s.get("enum"); e && e->is_array()) {
    bool ok = false;
    for (const auto& x : e->arr())
      if (x == doc) ok = true;
    if (!ok) errs.push_back({field, "enum", "must be one of the following: " + to_json(*e)});
  }
  if (const Value* c = s.get("const"); c && !(*c == doc)) errs.push_back({field, "const", "does not match: " + to_json(*c)});
  if (doc.is_number()) {
    double d = doc.as_double();
    if (const Value* m = s.get("minimum"); m && m->is_number() && d < m->as_double())
      errs.push_back({field, "number_gte", "Must be greater than or equal to " + number_to_string(*m)});
    if (const Value* m = s.get("maximum"); m && m->is_number() && d > m->as_double())
      errs.push_back({field, "number_lte", "Must be less than or equal to " + number_to_string(*m)});
  }
  if (doc.is_string()) {
    size_t n = 0;
    for (unsigned char ch : doc.str()) n += (ch & 0xC0) != 0x80;
    if (const Value* m = s.get("minLength"); m && m->is_number() && n < static_cast<size_t>(m->as_double()))
      errs.push_back({field, "string_gte", "String length must be greater than or equal to " + number_to_string(*m)});
    if (const Value* m = s.get("maxLength"); m && m->is_number() && n > static_cast<size_t>(m->as_double()))
      errs.push_back({field, "string_lte", "String length must be less than or equal to " + number_to_string(*m)});
    if (const Value* p = s.get("pattern"); p && p->is_string()) {
      RE2 re(p->str());
      if (re.ok() && !RE2::PartialMatch(doc.str(), re))
        errs.push_back({field, "pattern", "Does not match pattern '" + p->str() + "'"});
    }
  }
  if (doc.is_object()) {
    if (const Value* req = s.get("required"); req && req->is_array())
      for (const auto& r : req->arr())
        if (r.is_string() && !doc.get(r.str())) errs.push_back({field, "required", r.str() + " is required"});
    const Value* props = s.get("properties");
    for (const auto& [k, v] : doc.obj()) {
      std::string key = k.is_string() ? k.str() : to_json(k);
      const Value* ps = props && props->is_object() ? props->get(key) : nullptr;
      if (ps) {
        validate(v, *ps, child(field, key), errs);
      } else if (const Value* ap = s.get("additionalProperties"); ap && ap->is_bool() && !ap->as_bool()) {
        errs.push_back({field, "additional_property_not_allowed", "Additional property " + key + " is not allowed"});
      } else if (ap && ap->is_object()) {
        validate(v, *ap, child(field, key), errs);
      }
    }
  }
  if (doc.is_array() || doc.is_set()) {
    const auto& items = doc.arr();
    if (const Value* it = s.get("items"); it && it->is_object())
      for (size_t i = 0; i < items.size(); ++i) validate(items[i], *it, child(field, std::to_string(i)), errs);
    if (const Value* m = s.get("minItems"); m && m->is_number() && items.size() < static_cast<size_t>(m->as_double()))
      errs.push_back({field, "array_min_items", "Array must have at least " + number_to_string(*m) + " items"});
    if (const Value* m = s.get("maxItems"); m && m->is_number() && items.size() > static_cast<size_t>(m->as_double()))
      errs.push_back({field, "array_max_items", "Array must have at most " + number_to_string(*m) + " items"});
  }
  if (const Value* all = s.get("allOf"); all && all->is_array())
    for (const auto& sub : all->arr()) validate(doc, sub, field, errs);
  if (const Value* any = s.get("anyOf"); any && any->is_array()) {
    bool ok = false;
    for (const auto& sub : any->arr()) ok = ok || valid(doc, sub);
    if (!ok) errs.push_back({field, "number_any_of", "Must validate at least one schema (anyOf)"});
  }
  if (const Value* one = s.get("oneOf"); one && one->is_array()) {
    int n = 0;
    for (const auto& sub : one->arr()) n += valid(doc, sub);
    if (n != 1) errs.push_back({field, "number_one_of", "Must validate one and only one schema (oneOf)"});
  }
  if (const Value* no = s.get("not"); no && valid(doc, *no)) errs.push_back({field, "number_not", "Must not validate the schema (not)"});
}

Value schema_arg(const Value* a, int i) {
  if (a[i].is_string()) {
    auto v = parse_json(a[i].str());
    if (!v.ok()) builtin_error("jsonschema: " + v.error().message);
    return *v;
  }
  if (!a[i].is_object() && !a[i].is_bool()) type_error(i + 1, "one of {string, object, boolean}", a[i]);
  return a[i];
}

}  // namespace

void register_jsonschema() {
  register_builtin("json.verify_schema", 1, [](BuiltinContext&, const Value* a, size_t) {
    Value s = schema_arg(a, 0);
    std::string e = check_schema(s);
    if (e.empty()) return Value::array({Value::boolean(true), Value::null()});
    return Value::array({Value::boolean(false), Value::string(e)});
  });
  register_builtin("json.match_schema", 2, [](BuiltinContext&, const Value* a, size_t) {
    Value doc = a[0];
    if (doc.is_string()) {
      auto v = parse_json(doc.str());
      if (!v.ok()) builtin_error("json: " + v.error().message);
      doc = *v;
    }
    Value s = schema_arg(a, 1);
    std::string e = check_schema(s);
    if (!e.empty()) builtin_error(e.rfind("jsonschema: ", 0) == 0 ? e.substr(12) : e);
    std::vector<Err> errs;
    validate(doc, s, "(root)", errs);
    ValueVec out;
    for (const auto& x : errs) {
      out.push_back(Value::object({{Value::string("desc"), Value::string(x.desc)},
                                   {Value::string("error"), Value::string(x.field + ": " + x.desc)},
                                   {Value::string("field"), Value::string(x.field)},
                                   {Value::string("type"), Value::string(x.type)}}));
    }
    return Value::array({Value::boolean(errs.empty()), Value::array(std::move(out))});
  });
}

}  // namespace genesis::policy
