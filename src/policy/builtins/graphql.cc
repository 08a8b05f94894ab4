// graphql.parse, graphql.parse_and_verify, graphql.parse_query,
// graphql.parse_schema, graphql.is_valid, graphql.schema_is_valid: the GraphQL
// component (src/graphql) with OPA's value shapes and error texts.
//
// OPA hands gqlparser's AST structs through Go's JSON encoding and then drops
// every null, every empty array or object and every "Position"; so a node is
// an object with gqlparser's field names, scalar fields always present ("" and
// false included), lists and child nodes only when there are any. The same
// shapes read back (a query or schema given as an object) follow Go's
// json.Unmarshal into those structs: keys match case-insensitively, unknown
// keys are ignored, a value of the wrong JSON type fails the whole document,
// and every selection reads as a field (gqlparser tries Field first, which
// accepts any object).
#include <cctype>

#include "graphql/graphql.h"
#include "policy/builtins/builtins.h"

namespace genesis::policy {
namespace {

namespace gq = genesis::graphql;

// ---- AST -> Rego value ----

class Obj {
 public:
  Obj& str(const char* k, const std::string& v) { return put(k, Value::string(v)); }
  Obj& boolean(const char* k, bool v) { return put(k, Value::boolean(v)); }
  Obj& num(const char* k, int64_t v) { return put(k, Value::integer(v)); }
  Obj& arr(const char* k, ValueVec v) {
    if (!v.empty()) put(k, Value::array(std::move(v)));
    return *this;
  }
  Obj& node(const char* k, Value v) {
    if (v.defined()) put(k, std::move(v));
    return *this;
  }
  Value done() { return Value::object(std::move(items_)); }

 private:
  Obj& put(const char* k, Value v) {
    items_.emplace_back(Value::string(k), std::move(v));
    return *this;
  }
  ObjectItems items_;
};

template <typename T, typename F>
ValueVec each(const std::vector<T>& xs, F f) {
  ValueVec out;
  out.reserve(xs.size());
  for (const auto& x : xs) out.push_back(f(x));
  return out;
}

ValueVec strings(const std::vector<std::string>& xs) {
  return each(xs, [](const std::string& s) { return Value::string(s); });
}

Value type_value(const gq::TypePtr& t) {
  if (!t) return Value();
  return Obj().str("NamedType", t->named).node("Elem", type_value(t->elem)).boolean("NonNull", t->non_null).done();
}

Value value_value(const gq::ValuePtr& v) {
  if (!v) return Value();
  ValueVec children = each(v->children, [](const gq::ChildValue& c) {
    return Obj().str("Name", c.name).node("Value", value_value(c.value)).done();
  });
  return Obj()
      .str("Raw", v->raw)
      .arr("Children", std::move(children))
      .num("Kind", static_cast<int64_t>(v->kind))
      .boolean("ExpectedTypeHasDefault", v->expected_type_has_default)
      .done();
}

ValueVec arguments_value(const std::vector<gq::Argument>& args) {
  return each(args, [](const gq::Argument& a) { return Obj().str("Name", a.name).node("Value", value_value(a.value)).done(); });
}

ValueVec directives_value(const std::vector<gq::Directive>& dirs) {
  return each(dirs, [](const gq::Directive& d) {
    return Obj().str("Name", d.name).arr("Arguments", arguments_value(d.arguments)).str("Location", d.location).done();
  });
}

ValueVec selections_value(const std::vector<gq::Selection>& sels) {
  return each(sels, [](const gq::Selection& s) {
    Obj o;
    switch (s.kind) {
      case gq::SelectionKind::kField:
        o.str("Alias", s.alias).str("Name", s.name).arr("Arguments", arguments_value(s.arguments));
        o.arr("Directives", directives_value(s.directives)).arr("SelectionSet", selections_value(s.selection_set));
        break;
      case gq::SelectionKind::kFragmentSpread:
        o.str("Name", s.name).arr("Directives", directives_value(s.directives));
        break;
      case gq::SelectionKind::kInlineFragment:
        o.str("TypeCondition", s.type_condition).arr("Directives", directives_value(s.directives));
        o.arr("SelectionSet", selections_value(s.selection_set));
        break;
    }
    return o.done();
  });
}

ValueVec variables_value(const std::vector<gq::VariableDefinition>& vars) {
  return each(vars, [](const gq::VariableDefinition& v) {
    return Obj()
        .str("Variable", v.variable)
        .node("Type", type_value(v.type))
        .node("DefaultValue", value_value(v.default_value))
        .arr("Directives", directives_value(v.directives))
        .boolean("Used", v.used)
        .done();
  });
}

Value query_value(const gq::QueryDocument& doc) {
  ValueVec ops = each(doc.operations, [](const gq::OperationDefinition& op) {
    return Obj()
        .str("Operation", op.operation)
        .str("Name", op.name)
        .arr("VariableDefinitions", variables_value(op.variable_definitions))
        .arr("Directives", directives_value(op.directives))
        .arr("SelectionSet", selections_value(op.selection_set))
        .done();
  });
  ValueVec frags = each(doc.fragments, [](const gq::FragmentDefinition& f) {
    return Obj()
        .str("Name", f.name)
        .arr("VariableDefinition", variables_value(f.variable_definition))
        .str("TypeCondition", f.type_condition)
        .arr("Directives", directives_value(f.directives))
        .arr("SelectionSet", selections_value(f.selection_set))
        .done();
  });
  return Obj().arr("Operations", std::move(ops)).arr("Fragments", std::move(frags)).done();
}

ValueVec argument_defs_value(const std::vector<gq::ArgumentDefinition>& args) {
  return each(args, [](const gq::ArgumentDefinition& a) {
    return Obj()
        .str("Description", a.description)
        .str("Name", a.name)
        .node("DefaultValue", value_value(a.default_value))
        .node("Type", type_value(a.type))
        .arr("Directives", directives_value(a.directives))
        .done();
  });
}

ValueVec definitions_value(const std::vector<gq::Definition>& defs) {
  return each(defs, [](const gq::Definition& d) {
    ValueVec fields = each(d.fields, [](const gq::FieldDefinition& f) {
      return Obj()
          .str("Description", f.description)
          .str("Name", f.name)
          .arr("Arguments", argument_defs_value(f.arguments))
          .node("DefaultValue", value_value(f.default_value))
          .node("Type", type_value(f.type))
          .arr("Directives", directives_value(f.directives))
          .done();
    });
    ValueVec enums = each(d.enum_values, [](const gq::EnumValueDefinition& e) {
      return Obj().str("Description", e.description).str("Name", e.name).arr("Directives", directives_value(e.directives)).done();
    });
    return Obj()
        .str("Kind", d.kind)
        .str("Description", d.description)
        .str("Name", d.name)
        .arr("Directives", directives_value(d.directives))
        .arr("Interfaces", strings(d.interfaces))
        .arr("Fields", std::move(fields))
        .arr("Types", strings(d.types))
        .arr("EnumValues", std::move(enums))
        .boolean("BuiltIn", d.built_in)
        .done();
  });
}

ValueVec schema_defs_value(const std::vector<gq::SchemaDefinition>& defs) {
  return each(defs, [](const gq::SchemaDefinition& s) {
    ValueVec ops = each(s.operation_types, [](const gq::OperationTypeDefinition& o) {
      return Obj().str("Operation", o.operation).str("Type", o.type).done();
    });
    return Obj()
        .str("Description", s.description)
        .arr("Directives", directives_value(s.directives))
        .arr("OperationTypes", std::move(ops))
        .done();
  });
}

Value schema_value(const gq::SchemaDocument& doc) {
  ValueVec dirs = each(doc.directives, [](const gq::DirectiveDefinition& d) {
    return Obj()
        .str("Description", d.description)
        .str("Name", d.name)
        .arr("Arguments", argument_defs_value(d.arguments))
        .arr("Locations", strings(d.locations))
        .boolean("IsRepeatable", d.is_repeatable)
        .done();
  });
  return Obj()
      .arr("Schema", schema_defs_value(doc.schema))
      .arr("SchemaExtension", schema_defs_value(doc.schema_extension))
      .arr("Directives", std::move(dirs))
      .arr("Definitions", definitions_value(doc.definitions))
      .arr("Extensions", definitions_value(doc.extensions))
      .done();
}

// ---- Rego value -> AST (Go's json.Unmarshal into gqlparser's structs) ----

struct DecodeError {
  std::string message;
};

constexpr int kMaxDecodeDepth = 256;

class Decoder {
 public:
  // The value under `key` (matched as Go does: exact first, then case-insensitively).
  static const Value* field(const Value& obj, const char* key) {
    if (const Value* v = obj.get(key)) return v;
    for (const auto& [k, v] : obj.obj()) {
      if (!k.is_string() || k.str().size() != std::char_traits<char>::length(key)) continue;
      bool same = true;
      for (size_t i = 0; i < k.str().size() && same; ++i)
        same = std::tolower(static_cast<unsigned char>(k.str()[i])) == std::tolower(static_cast<unsigned char>(key[i]));
      if (same) return &v;
    }
    return nullptr;
  }

  [[noreturn]] static void mismatch(const Value& v, const char* want) {
    throw DecodeError{std::string("json: cannot unmarshal ") + json_type(v) + " into Go value of type " + want};
  }
  static const char* json_type(const Value& v) {
    switch (v.kind()) {
      case Kind::kBool: return "bool";
      case Kind::kNumber: return "number";
      case Kind::kString: return "string";
      case Kind::kArray:
      case Kind::kSet: return "array";
      case Kind::kObject: return "object";
      default: return "null";
    }
  }

  static void str(const Value& obj, const char* key, std::string& out) {
    const Value* v = field(obj, key);
    if (v == nullptr || v->is_null()) return;
    if (!v->is_string()) mismatch(*v, "string");
    out = v->str();
  }
  static void boolean(const Value& obj, const char* key, bool& out) {
    const Value* v = field(obj, key);
    if (v == nullptr || v->is_null()) return;
    if (!v->is_bool()) mismatch(*v, "bool");
    out = v->as_bool();
  }
  // Items of an array (sets read as arrays, as OPA's ast.JSON writes them); null: none.
  static ValueVec list(const Value& obj, const char* key) {
    const Value* v = field(obj, key);
    if (v == nullptr || v->is_null()) return {};
    if (v->is_array()) return v->arr();
    if (v->is_set()) return v->set_items();
    mismatch(*v, "slice");
  }
  static const Value* object(const Value& obj, const char* key) {
    const Value* v = field(obj, key);
    if (v == nullptr || v->is_null()) return nullptr;
    if (!v->is_object()) mismatch(*v, "struct");
    return v;
  }
  static std::vector<std::string> strings(const Value& obj, const char* key) {
    std::vector<std::string> out;
    for (const auto& s : list(obj, key)) {
      if (s.is_null()) {
        out.emplace_back();
        continue;
      }
      if (!s.is_string()) mismatch(s, "string");
      out.push_back(s.str());
    }
    return out;
  }
  static const Value& as_object(const Value& v, const char* want) {
    if (!v.is_object()) mismatch(v, want);
    return v;
  }

  struct Depth {
    explicit Depth(int& d) : d_(d) {
      if (++d_ > kMaxDecodeDepth) throw DecodeError{"json: exceeded max depth"};
    }
    ~Depth() { --d_; }
    int& d_;
  };

  gq::TypePtr type(const Value* v) {
    if (v == nullptr) return nullptr;
    Depth d(depth_);
    as_object(*v, "ast.Type");
    auto t = std::make_shared<gq::Type>();
    str(*v, "NamedType", t->named);
    t->elem = type(object(*v, "Elem"));
    boolean(*v, "NonNull", t->non_null);
    return t;
  }

  gq::ValuePtr value(const Value* v) {
    if (v == nullptr) return nullptr;
    Depth d(depth_);
    as_object(*v, "ast.Value");
    auto out = std::make_shared<gq::Value>();
    str(*v, "Raw", out->raw);
    for (const auto& c : list(*v, "Children")) {
      if (c.is_null()) {
        out->children.emplace_back();
        continue;
      }
      as_object(c, "ast.ChildValue");
      gq::ChildValue cv;
      str(c, "Name", cv.name);
      cv.value = value(object(c, "Value"));
      out->children.push_back(std::move(cv));
    }
    if (const Value* k = field(*v, "Kind"); k != nullptr && !k->is_null()) {
      if (!k->is_number() || !k->is_int()) mismatch(*k, "ast.ValueKind");
      out->kind = static_cast<gq::ValueKind>(k->as_int());
    }
    boolean(*v, "ExpectedTypeHasDefault", out->expected_type_has_default);
    return out;
  }

  std::vector<gq::Argument> arguments(const Value& obj) {
    std::vector<gq::Argument> out;
    for (const auto& a : list(obj, "Arguments")) {
      if (a.is_null()) continue;  // a nil *Argument (gqlparser would crash on it)
      as_object(a, "ast.Argument");
      gq::Argument arg;
      str(a, "Name", arg.name);
      arg.value = value(object(a, "Value"));
      out.push_back(std::move(arg));
    }
    return out;
  }

  std::vector<gq::Directive> directives(const Value& obj) {
    std::vector<gq::Directive> out;
    for (const auto& d : list(obj, "Directives")) {
      if (d.is_null()) continue;
      as_object(d, "ast.Directive");
      gq::Directive dir;
      str(d, "Name", dir.name);
      dir.arguments = arguments(d);
      str(d, "Location", dir.location);
      out.push_back(std::move(dir));
    }
    return out;
  }

  std::vector<gq::Selection> selections(const Value& obj) {
    std::vector<gq::Selection> out;
    for (const auto& s : list(obj, "SelectionSet")) {
      Depth d(depth_);
      out.push_back(selection(s));
    }
    return out;
  }

  gq::Selection selection(const Value& s) {
    // gqlparser tries Field, then FragmentSpread, then InlineFragment.
    try {
      as_object(s, "ast.Field");
      gq::Selection f;
      f.kind = gq::SelectionKind::kField;
      str(s, "Alias", f.alias);
      str(s, "Name", f.name);
      f.arguments = arguments(s);
      f.directives = directives(s);
      f.selection_set = selections(s);
      return f;
    } catch (const DecodeError&) {
    }
    try {
      as_object(s, "ast.FragmentSpread");
      gq::Selection f;
      f.kind = gq::SelectionKind::kFragmentSpread;
      str(s, "Name", f.name);
      f.directives = directives(s);
      return f;
    } catch (const DecodeError&) {
    }
    as_object(s, "ast.InlineFragment");
    gq::Selection f;
    f.kind = gq::SelectionKind::kInlineFragment;
    str(s, "TypeCondition", f.type_condition);
    f.directives = directives(s);
    f.selection_set = selections(s);
    return f;
  }

  std::vector<gq::VariableDefinition> variables(const Value& obj, const char* key) {
    std::vector<gq::VariableDefinition> out;
    for (const auto& v : list(obj, key)) {
      if (v.is_null()) continue;
      as_object(v, "ast.VariableDefinition");
      gq::VariableDefinition var;
      str(v, "Variable", var.variable);
      var.type = type(object(v, "Type"));
      var.default_value = value(object(v, "DefaultValue"));
      var.directives = directives(v);
      boolean(v, "Used", var.used);
      out.push_back(std::move(var));
    }
    return out;
  }

  gq::QueryDocument query(const Value& doc) {
    gq::QueryDocument out;
    for (const auto& o : list(doc, "Operations")) {
      if (o.is_null()) continue;
      as_object(o, "ast.OperationDefinition");
      gq::OperationDefinition op;
      str(o, "Operation", op.operation);
      str(o, "Name", op.name);
      op.variable_definitions = variables(o, "VariableDefinitions");
      op.directives = directives(o);
      op.selection_set = selections(o);
      out.operations.push_back(std::move(op));
    }
    for (const auto& f : list(doc, "Fragments")) {
      if (f.is_null()) continue;
      as_object(f, "ast.FragmentDefinition");
      gq::FragmentDefinition frag;
      str(f, "Name", frag.name);
      frag.variable_definition = variables(f, "VariableDefinition");
      str(f, "TypeCondition", frag.type_condition);
      frag.directives = directives(f);
      frag.selection_set = selections(f);
      out.fragments.push_back(std::move(frag));
    }
    return out;
  }

  std::vector<gq::ArgumentDefinition> argument_defs(const Value& obj) {
    std::vector<gq::ArgumentDefinition> out;
    for (const auto& a : list(obj, "Arguments")) {
      if (a.is_null()) continue;
      as_object(a, "ast.ArgumentDefinition");
      gq::ArgumentDefinition arg;
      str(a, "Description", arg.description);
      str(a, "Name", arg.name);
      arg.default_value = value(object(a, "DefaultValue"));
      arg.type = type(object(a, "Type"));
      arg.directives = directives(a);
      out.push_back(std::move(arg));
    }
    return out;
  }

  std::vector<gq::Definition> definitions(const Value& doc, const char* key) {
    std::vector<gq::Definition> out;
    for (const auto& d : list(doc, key)) {
      if (d.is_null()) continue;
      as_object(d, "ast.Definition");
      gq::Definition def;
      str(d, "Kind", def.kind);
      str(d, "Description", def.description);
      str(d, "Name", def.name);
      def.directives = directives(d);
      def.interfaces = strings(d, "Interfaces");
      for (const auto& f : list(d, "Fields")) {
        if (f.is_null()) continue;
        as_object(f, "ast.FieldDefinition");
        gq::FieldDefinition fd;
        str(f, "Description", fd.description);
        str(f, "Name", fd.name);
        fd.arguments = argument_defs(f);
        fd.default_value = value(object(f, "DefaultValue"));
        fd.type = type(object(f, "Type"));
        fd.directives = directives(f);
        def.fields.push_back(std::move(fd));
      }
      def.types = strings(d, "Types");
      for (const auto& e : list(d, "EnumValues")) {
        if (e.is_null()) continue;
        as_object(e, "ast.EnumValueDefinition");
        gq::EnumValueDefinition ev;
        str(e, "Description", ev.description);
        str(e, "Name", ev.name);
        ev.directives = directives(e);
        def.enum_values.push_back(std::move(ev));
      }
      boolean(d, "BuiltIn", def.built_in);
      out.push_back(std::move(def));
    }
    return out;
  }

  std::vector<gq::SchemaDefinition> schema_defs(const Value& doc, const char* key) {
    std::vector<gq::SchemaDefinition> out;
    for (const auto& s : list(doc, key)) {
      if (s.is_null()) continue;
      as_object(s, "ast.SchemaDefinition");
      gq::SchemaDefinition sd;
      str(s, "Description", sd.description);
      sd.directives = directives(s);
      for (const auto& o : list(s, "OperationTypes")) {
        if (o.is_null()) continue;
        as_object(o, "ast.OperationTypeDefinition");
        gq::OperationTypeDefinition op;
        str(o, "Operation", op.operation);
        str(o, "Type", op.type);
        sd.operation_types.push_back(std::move(op));
      }
      out.push_back(std::move(sd));
    }
    return out;
  }

  gq::SchemaDocument schema(const Value& doc) {
    gq::SchemaDocument out;
    out.schema = schema_defs(doc, "Schema");
    out.schema_extension = schema_defs(doc, "SchemaExtension");
    for (const auto& d : list(doc, "Directives")) {
      if (d.is_null()) continue;
      as_object(d, "ast.DirectiveDefinition");
      gq::DirectiveDefinition dd;
      str(d, "Description", dd.description);
      str(d, "Name", dd.name);
      dd.arguments = argument_defs(d);
      dd.locations = strings(d, "Locations");
      boolean(d, "IsRepeatable", dd.is_repeatable);
      out.directives.push_back(std::move(dd));
    }
    out.definitions = definitions(doc, "Definitions");
    out.extensions = definitions(doc, "Extensions");
    return out;
  }

 private:
  int depth_ = 0;
};

// ---- errors as OPA words them ----

// OPA's formatGqlParserError: "MSG in GraphQL string at location L:C" when the
// error text is gqlparser's "input:L:C: MSG" (a list of errors: all of them
// after the first position, the last ".\n" cut); otherwise the whole text.
std::string opa_error_text(const std::string& text) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (parts.size() < 3) {
    size_t colon = text.find(':', start);
    if (colon == std::string::npos) break;
    parts.push_back(text.substr(start, colon - start));
    start = colon + 1;
  }
  parts.push_back(text.substr(start));
  auto uint = [](const std::string& s, uint64_t* out) {
    if (s.empty() || s.size() > 19) return false;
    for (char c : s)
      if (c < '0' || c > '9') return false;
    *out = std::stoull(s);
    return true;
  };
  uint64_t row, col;
  if (parts.size() >= 4 && uint(parts[1], &row) && uint(parts[2], &col)) {
    std::string msg = parts.back();
    msg.erase(0, msg.find_first_not_of(' ') == std::string::npos ? msg.size() : msg.find_first_not_of(' '));
    if (msg.size() >= 2 && msg.compare(msg.size() - 2, 2, ".\n") == 0) msg.resize(msg.size() - 2);
    return msg + " in GraphQL string at location " + std::to_string(row) + ":" + std::to_string(col);
  }
  return "GraphQL parse error: " + text;
}

// A query from a string or an object; error text (OPA's) when it fails.
bool load_query(const Value& v, gq::QueryDocument& out, std::string* err) {
  if (v.is_string()) {
    if (auto e = gq::parse_query(v.str(), out)) {
      *err = opa_error_text(e->to_string());
      return false;
    }
    return true;
  }
  try {
    out = Decoder().query(v);
    return true;
  } catch (const DecodeError& e) {
    *err = e.message;
    return false;
  }
}

bool load_schema_doc(const Value& v, gq::SchemaDocument& out, std::string* err) {
  if (v.is_string()) {
    if (auto e = gq::parse_schema(v.str(), out)) {
      *err = opa_error_text(e->to_string());
      return false;
    }
    return true;
  }
  try {
    out = Decoder().schema(v);
    return true;
  } catch (const DecodeError& e) {
    *err = e.message;
    return false;
  }
}

bool load_schema(const gq::SchemaDocument& doc, gq::Schema& schema, std::string* err) {
  if (auto e = schema.load(doc)) {
    *err = "Error in gqlparser SchemaDocument to Schema conversion: " + e->to_string();
    return false;
  }
  return true;
}

bool check_query(const gq::Schema& schema, const gq::QueryDocument& doc, std::string* err) {
  auto errs = gq::validate(schema, doc);
  if (errs.empty()) return true;
  *err = opa_error_text(gq::errors_text(errs));
  return false;
}

// OPA numbers these operands from 0 (graphql.parse only).
[[noreturn]] void operand_error(int i, const Value& got) {
  throw BuiltinError{"eval_type_error",
                     "operand " + std::to_string(i) + " must be one of {string, object} but got " + got.type_name()};
}

// Parses and checks a query against a schema (graphql.parse and parse_and_verify).
// Returns false with *err set (OPA's text) on failure.
bool parse_and_check(const Value* a, Value* query_ast, Value* schema_ast, std::string* err, bool type_errors) {
  if (!a[0].is_string() && !a[0].is_object()) {
    if (type_errors) operand_error(0, a[0]);
    return false;
  }
  gq::QueryDocument q;
  if (!load_query(a[0], q, err)) return false;
  if (!a[1].is_string() && !a[1].is_object()) {
    if (type_errors) operand_error(1, a[1]);
    return false;
  }
  gq::SchemaDocument sd;
  if (!load_schema_doc(a[1], sd, err)) return false;
  if (schema_ast != nullptr) *schema_ast = schema_value(sd);  // before loading: the user's document only
  gq::Schema schema;
  if (!load_schema(sd, schema, err)) return false;
  if (query_ast != nullptr) *query_ast = query_value(q);
  return check_query(schema, q, err);
}

}  // namespace

void register_graphql() {
  register_builtin("graphql.parse_query", 1, [](BuiltinContext&, const Value* a, size_t) {
    gq::QueryDocument doc;
    if (auto e = gq::parse_query(arg_string(a, 0), doc)) builtin_error(opa_error_text(e->to_string()));
    return query_value(doc);
  });

  register_builtin("graphql.parse_schema", 1, [](BuiltinContext&, const Value* a, size_t) {
    gq::SchemaDocument doc;
    if (auto e = gq::parse_schema(arg_string(a, 0), doc)) builtin_error(opa_error_text(e->to_string()));
    return schema_value(doc);
  });

  register_builtin("graphql.parse", 2, [](BuiltinContext&, const Value* a, size_t) {
    Value q, s;
    std::string err;
    if (!parse_and_check(a, &q, &s, &err, true)) builtin_error(err);
    return Value::array({q, s});
  });

  register_builtin("graphql.parse_and_verify", 2, [](BuiltinContext&, const Value* a, size_t) {
    Value q, s;
    std::string err;
    if (!parse_and_check(a, &q, &s, &err, false))
      return Value::array({Value::boolean(false), Value::empty_object(), Value::empty_object()});
    return Value::array({Value::boolean(true), q, s});
  });

  register_builtin("graphql.is_valid", 2, [](BuiltinContext&, const Value* a, size_t) {
    std::string err;
    return Value::boolean(parse_and_check(a, nullptr, nullptr, &err, false));
  });

  register_builtin("graphql.schema_is_valid", 1, [](BuiltinContext&, const Value* a, size_t) {
    if (!a[0].is_string() && !a[0].is_object()) return Value::boolean(false);
    gq::SchemaDocument sd;
    std::string err;
    if (!load_schema_doc(a[0], sd, &err)) return Value::boolean(false);
    gq::Schema schema;
    return Value::boolean(load_schema(sd, schema, &err));
  });
}

}  // namespace genesis::policy
