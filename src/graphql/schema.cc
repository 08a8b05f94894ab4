// Loading a schema document: the spec's built-in types and directives merged
// in front of it, extensions applied, then gqlparser's schema checks in its
// order (types by name, then directives by name) so the first error reported
// is the one gqlparser reports.
#include <algorithm>

#include "graphql/graphql.h"

namespace genesis::graphql {
namespace {

// The types and directives every schema has (GraphQL spec, "Type System" and
// "Introspection"). Descriptions are left out: nothing reads them.
constexpr std::string_view kPrelude = R"(
scalar Int
scalar Float
scalar String
scalar Boolean
scalar ID
directive @include(if: Boolean!) on FIELD | FRAGMENT_SPREAD | INLINE_FRAGMENT
directive @skip(if: Boolean!) on FIELD | FRAGMENT_SPREAD | INLINE_FRAGMENT
directive @deprecated(reason: String = "No longer supported") on FIELD_DEFINITION | ARGUMENT_DEFINITION | INPUT_FIELD_DEFINITION | ENUM_VALUE
directive @specifiedBy(url: String!) on SCALAR
directive @defer(if: Boolean = true, label: String) on FRAGMENT_SPREAD | INLINE_FRAGMENT
directive @oneOf on INPUT_OBJECT
type __Schema {
  description: String
  types: [__Type!]!
  queryType: __Type!
  mutationType: __Type
  subscriptionType: __Type
  directives: [__Directive!]!
}
type __Type {
  kind: __TypeKind!
  name: String
  description: String
  fields(includeDeprecated: Boolean = false): [__Field!]
  interfaces: [__Type!]
  possibleTypes: [__Type!]
  enumValues(includeDeprecated: Boolean = false): [__EnumValue!]
  inputFields(includeDeprecated: Boolean = false): [__InputValue!]
  ofType: __Type
  specifiedByURL: String
  isOneOf: Boolean
}
type __Field {
  name: String!
  description: String
  args(includeDeprecated: Boolean = false): [__InputValue!]!
  type: __Type!
  isDeprecated: Boolean!
  deprecationReason: String
}
type __InputValue {
  name: String!
  description: String
  type: __Type!
  defaultValue: String
  isDeprecated: Boolean!
  deprecationReason: String
}
type __EnumValue {
  name: String!
  description: String
  isDeprecated: Boolean!
  deprecationReason: String
}
enum __TypeKind { SCALAR OBJECT INTERFACE UNION ENUM INPUT_OBJECT LIST NON_NULL }
type __Directive {
  name: String!
  description: String
  locations: [__DirectiveLocation!]!
  args(includeDeprecated: Boolean = false): [__InputValue!]!
  isRepeatable: Boolean!
}
enum __DirectiveLocation {
  QUERY MUTATION SUBSCRIPTION FIELD FRAGMENT_DEFINITION FRAGMENT_SPREAD INLINE_FRAGMENT VARIABLE_DEFINITION
  SCHEMA SCALAR OBJECT FIELD_DEFINITION ARGUMENT_DEFINITION INTERFACE UNION ENUM ENUM_VALUE INPUT_OBJECT
  INPUT_FIELD_DEFINITION
}
)";

const SchemaDocument& prelude() {
  static const SchemaDocument doc = [] {
    SchemaDocument d;
    parse_schema(kPrelude, d);
    for (auto& def : d.definitions) def.built_in = true;
    return d;
  }();
  return doc;
}

Error err_at(const Position& pos, std::string msg) { return Error{std::move(msg), pos}; }

bool one_of(const std::string& kind, std::initializer_list<const char*> kinds) {
  for (const char* k : kinds)
    if (kind == k) return true;
  return false;
}

bool is_input_kind(const std::string& kind) { return one_of(kind, {"SCALAR", "ENUM", "INPUT_OBJECT"}); }

std::optional<Error> check_name(const Position& pos, const std::string& name) {
  if (name.rfind("__", 0) == 0)
    return err_at(pos, "Name \"" + name + "\" must not begin with \"__\", which is reserved by GraphQL introspection.");
  return std::nullopt;
}

// Arguments are compatible when they are the same type (gqlparser's Type.IsCompatible).
bool compatible(const Type* t, const Type* other) {
  if (t == nullptr || other == nullptr) return t == other;
  if (t->named != other->named) return false;
  if (t->elem && !other->elem) return false;
  if (t->elem && !compatible(t->elem.get(), other->elem.get())) return false;
  if (other->non_null) return t->non_null;
  return true;
}

}  // namespace

const std::string& Type::name() const {
  if (!named.empty() || !elem) return named;
  return elem->name();
}

std::string Type::str() const {
  std::string nn = non_null ? "!" : "";
  if (!named.empty()) return named + nn;
  return "[" + (elem ? elem->str() : std::string()) + "]" + nn;
}

std::string Value::str() const {
  switch (kind) {
    case ValueKind::kVariable: return "$" + raw;
    case ValueKind::kString:
    case ValueKind::kBlock: return go_quote(raw);
    case ValueKind::kList: {
      std::string out = "[";
      for (size_t i = 0; i < children.size(); ++i) {
        if (i) out += ",";
        out += children[i].value ? children[i].value->str() : "<nil>";
      }
      return out + "]";
    }
    case ValueKind::kObject: {
      std::string out = "{";
      for (size_t i = 0; i < children.size(); ++i) {
        if (i) out += ",";
        out += children[i].name + ":" + (children[i].value ? children[i].value->str() : "<nil>");
      }
      return out + "}";
    }
    default: return raw;
  }
}

const FieldDefinition* Definition::field(std::string_view n) const {
  for (const auto& f : fields)
    if (f.name == n) return &f;
  return nullptr;
}

const Definition* Schema::type(std::string_view name) const {
  auto it = types_.find(name);
  return it == types_.end() ? nullptr : it->second;
}

const DirectiveDefinition* Schema::directive(std::string_view name) const {
  auto it = directives_.find(name);
  return it == directives_.end() ? nullptr : it->second;
}

std::vector<std::string> Schema::type_names() const {
  std::vector<std::string> out;
  for (const auto& [name, def] : types_) out.push_back(name);
  return out;
}

std::vector<const Definition*> Schema::possible_types(const Definition& def) const {
  std::vector<const Definition*> out;
  if (def.kind == "UNION") {
    for (const auto& t : def.types) out.push_back(type(t));  // may be null, as gqlparser's
    return out;
  }
  auto it = possible_.find(def.name);
  if (it != possible_.end()) out.assign(it->second.begin(), it->second.end());
  return out;
}

std::optional<Error> Schema::load(const SchemaDocument& user) {
  doc_ = prelude();
  auto append = [](auto& to, const auto& from) { to.insert(to.end(), from.begin(), from.end()); };
  append(doc_.schema, user.schema);
  append(doc_.schema_extension, user.schema_extension);
  append(doc_.directives, user.directives);
  append(doc_.definitions, user.definitions);
  append(doc_.extensions, user.extensions);

  for (auto& def : doc_.definitions) {
    if (types_.count(def.name)) return err_at(def.pos, "Cannot redeclare type " + def.name + ".");
    types_[def.name] = &def;
  }
  std::vector<Definition*> defs;
  for (auto& def : doc_.definitions) defs.push_back(&def);
  for (const auto& ext : doc_.extensions) {
    auto it = types_.find(ext.name);
    Definition* def;
    if (it == types_.end()) {  // extending a type defined elsewhere (federation): the extension defines it
      implied_.push_back(std::make_unique<Definition>());
      def = implied_.back().get();
      def->kind = ext.kind;
      def->name = ext.name;
      def->pos = ext.pos;
      types_[ext.name] = def;
      defs.push_back(def);
    } else {
      def = it->second;
    }
    if (def->kind != ext.kind)
      return err_at(ext.pos, "Cannot extend type " + ext.name + " because the base type is a " + def->kind + ", not " +
                                 ext.kind + ".");
    append(def->directives, ext.directives);
    append(def->interfaces, ext.interfaces);
    append(def->fields, ext.fields);
    append(def->types, ext.types);
    append(def->enum_values, ext.enum_values);
  }
  for (Definition* def : defs) {
    if (def->kind == "UNION") {
      for (const auto& t : def->types) {
        auto it = types_.find(t);
        possible_[def->name].push_back(it == types_.end() ? nullptr : it->second);
      }
    } else if (def->kind == "OBJECT" || def->kind == "INPUT_OBJECT" || def->kind == "INTERFACE") {
      for (const auto& intf : def->interfaces) possible_[intf].push_back(def);
      if (def->kind != "INTERFACE") possible_[def->name].push_back(def);
    }
  }
  for (auto& dir : doc_.directives) {
    if (directives_.count(dir.name)) {
      static const char* const kBuiltins[] = {"include", "skip", "deprecated", "specifiedBy", "defer", "oneOf"};
      bool builtin = false;
      for (const char* b : kBuiltins) builtin = builtin || dir.name == b;
      if (!builtin) return err_at(dir.pos, "Cannot redeclare directive " + dir.name + ".");
    }
    directives_[dir.name] = &dir;
  }
  if (doc_.schema.size() > 1)
    return err_at(doc_.schema[1].pos,
                  "Cannot have multiple schema entry points, consider schema extensions instead.");
  auto roots = [&](const SchemaDefinition& s) -> std::optional<Error> {
    for (const auto& ep : s.operation_types) {
      const Definition* def = type(ep.type);
      if (def == nullptr)
        return err_at(ep.pos, "Schema root " + ep.operation + " refers to a type " + ep.type + " that does not exist.");
      if (ep.operation == "query") query_ = def;
      if (ep.operation == "mutation") mutation_ = def;
      if (ep.operation == "subscription") subscription_ = def;
    }
    return std::nullopt;
  };
  if (doc_.schema.size() == 1)
    if (auto e = roots(doc_.schema[0])) return e;
  for (const auto& ext : doc_.schema_extension)
    if (auto e = roots(ext)) return e;

  for (auto& [name, def] : types_)  // std::map: by name, as gqlparser sorts them
    if (auto e = check_definition(*def)) return e;
  for (auto& [name, dir] : directives_) {
    if (auto e = check_name(dir->pos, dir->name)) return e;
    if (auto e = check_args(dir->arguments, dir)) return e;
  }

  if (doc_.schema.empty()) {
    if (query_ == nullptr) query_ = type("Query");
    if (mutation_ == nullptr) mutation_ = type("Mutation");
    if (subscription_ == nullptr) subscription_ = type("Subscription");
  }
  if (query_ != nullptr) {
    auto* q = const_cast<Definition*>(query_);
    FieldDefinition schema_field;
    schema_field.name = "__schema";
    schema_field.type = std::make_shared<Type>(Type{"__Schema", nullptr, true, {}});
    FieldDefinition type_field;
    type_field.name = "__type";
    type_field.type = std::make_shared<Type>(Type{"__Type", nullptr, false, {}});
    ArgumentDefinition name_arg;
    name_arg.name = "name";
    name_arg.type = std::make_shared<Type>(Type{"String", nullptr, true, {}});
    type_field.arguments.push_back(std::move(name_arg));
    q->fields.push_back(std::move(schema_field));
    q->fields.push_back(std::move(type_field));
  }
  return std::nullopt;
}

std::optional<Error> Schema::check_definition(Definition& def) {
  for (const auto& f : def.fields) {
    if (auto e = check_name(f.pos, f.name)) return e;
    if (!f.type || type(f.type->name()) == nullptr)
      return err_at(f.type ? f.type->pos : f.pos, "Undefined type " + (f.type ? f.type->name() : std::string()) + ".");
    if (auto e = check_args(f.arguments, nullptr)) return e;
    if (auto e = check_directives(f.directives, def.kind == "INPUT_OBJECT" ? "INPUT_FIELD_DEFINITION" : "FIELD_DEFINITION",
                                  nullptr))
      return e;
  }
  for (const auto& t : def.types) {
    const Definition* td = type(t);
    if (td == nullptr) return err_at(def.pos, "Undefined type " + go_quote(t) + ".");
    if (td->kind != "OBJECT") return err_at(def.pos, def.kind + " type " + go_quote(t) + " must be OBJECT.");
  }
  for (const auto& intf : def.interfaces)
    if (auto e = check_implements(def, intf)) return e;

  if (def.kind == "OBJECT" || def.kind == "INTERFACE") {
    if (def.fields.empty()) return err_at(def.pos, def.kind + " " + def.name + ": must define one or more fields.");
    for (const auto& f : def.fields) {
      const Definition* t = type(f.type->name());
      if (t != nullptr && !one_of(t->kind, {"SCALAR", "OBJECT", "INTERFACE", "UNION", "ENUM"}))
        return err_at(f.pos, def.kind + " " + def.name + ": field must be one of SCALAR, OBJECT, INTERFACE, UNION, ENUM.");
    }
  } else if (def.kind == "ENUM") {
    if (def.enum_values.empty())
      return err_at(def.pos, def.kind + " " + def.name + ": must define one or more unique enum values.");
    for (const auto& v : def.enum_values)
      if (v.name == "true" || v.name == "false" || v.name == "null")
        return err_at(def.pos, def.kind + " " + def.name + ": non-enum value " + v.name + ".");
  } else if (def.kind == "INPUT_OBJECT") {
    if (def.fields.empty()) return err_at(def.pos, def.kind + " " + def.name + ": must define one or more input fields.");
    for (const auto& f : def.fields) {
      const Definition* t = type(f.type->name());
      if (t != nullptr && !is_input_kind(t->kind))
        return err_at(f.pos, t->kind + " " + f.name + ": field must be one of SCALAR, ENUM, INPUT_OBJECT.");
    }
  }
  for (size_t i = 0; i < def.fields.size(); ++i)
    for (size_t j = i + 1; j < def.fields.size(); ++j)
      if (def.fields[i].name == def.fields[j].name)
        return err_at(def.fields[j].pos, "Field " + def.name + "." + def.fields[j].name + " can only be defined once.");
  if (!def.built_in)
    if (auto e = check_name(def.pos, def.name)) return e;
  return check_directives(def.directives, def.kind, nullptr);
}

std::optional<Error> Schema::check_args(const std::vector<ArgumentDefinition>& args, const DirectiveDefinition* current) {
  for (const auto& a : args) {
    if (auto e = check_name(a.pos, a.name)) return e;
    const Definition* def = a.type ? type(a.type->name()) : nullptr;
    if (def == nullptr)
      return err_at(a.type ? a.type->pos : a.pos, "Undefined type " + (a.type ? a.type->name() : std::string()) + ".");
    if (!is_input_kind(def->kind))
      return err_at(a.pos, "cannot use " + a.type->str() + " as argument " + a.name + " because " + def->kind +
                               " is not a valid input type");
    if (auto e = check_directives(a.directives, "ARGUMENT_DEFINITION", current)) return e;
  }
  return std::nullopt;
}

std::optional<Error> Schema::check_directives(const std::vector<Directive>& dirs, const std::string& location,
                                              const DirectiveDefinition* current) {
  for (const auto& d : dirs) {
    if (auto e = check_name(d.pos, d.name)) return e;
    if (current != nullptr && d.name == current->name)
      return err_at(d.pos, "Directive " + current->name + " cannot refer to itself.");
    const DirectiveDefinition* def = directive(d.name);
    if (def == nullptr) return err_at(d.pos, "Undefined directive " + d.name + ".");
    if (std::find(def->locations.begin(), def->locations.end(), location) == def->locations.end())
      return err_at(d.pos, "Directive " + d.name + " is not applicable on " + location + ".");
  }
  return std::nullopt;
}

std::optional<Error> Schema::check_implements(Definition& def, const std::string& intf_name) {
  const Definition* intf = type(intf_name);
  if (intf == nullptr) return err_at(def.pos, "Undefined type " + go_quote(intf_name) + ".");
  if (intf->kind != "INTERFACE")
    return err_at(def.pos, go_quote(intf_name) + " is a non interface type " + intf->kind + ".");
  for (const auto& required : intf->fields) {
    const FieldDefinition* found = def.field(required.name);
    if (found == nullptr)
      return err_at(def.pos, "For " + def.name + " to implement " + intf->name + " it must have a field called " +
                                 required.name + ".");
    if (!required.type || !found->type || !covariant(*required.type, *found->type))
      return err_at(found->pos, "For " + def.name + " to implement " + intf->name + " the field " + required.name +
                                    " must have type " + (required.type ? required.type->str() : std::string()) + ".");
    for (const auto& rarg : required.arguments) {
      const ArgumentDefinition* farg = nullptr;
      for (const auto& a : found->arguments)
        if (a.name == rarg.name) farg = &a;
      if (farg == nullptr)
        return err_at(found->pos, "For " + def.name + " to implement " + intf->name + " the field " + required.name +
                                      " must have the same arguments but it is missing " + rarg.name + ".");
      if (!compatible(rarg.type.get(), farg->type.get()))
        return err_at(farg->pos, "For " + def.name + " to implement " + intf->name + " the field " + required.name +
                                     " must have the same arguments but " + rarg.name + " has the wrong type.");
    }
    for (const auto& farg : found->arguments) {
      bool in_required = false;
      for (const auto& a : required.arguments) in_required = in_required || a.name == farg.name;
      if (!in_required && farg.type && farg.type->non_null && !farg.default_value)
        return err_at(farg.pos, "For " + def.name + " to implement " + intf->name + " any additional arguments on " +
                                    found->name + " must be optional or have a default value but " + farg.name +
                                    " is required.");
    }
  }
  // Interfaces the interface implements must be implemented too.
  for (const auto& transitive : intf->interfaces) {
    if (std::find(def.interfaces.begin(), def.interfaces.end(), transitive) != def.interfaces.end()) continue;
    if (transitive == def.name)
      return err_at(def.pos, "Type " + def.name + " cannot implement " + intf_name +
                                 " because it would create a circular reference.");
    return err_at(def.pos, "Type " + def.name + " must implement " + transitive + " because it is implemented by " +
                               intf_name + ".");
  }
  return std::nullopt;
}

bool Schema::covariant(const Type& required, const Type& actual) const {
  if (required.non_null && !actual.non_null) return false;
  if (!required.named.empty()) {
    if (required.named == actual.named) return true;
    auto it = possible_.find(required.named);
    if (it != possible_.end())
      for (const Definition* pt : it->second)
        if (pt != nullptr && pt->name == actual.named) return true;
    return false;
  }
  if (required.elem && !actual.elem) return false;
  if (!required.elem || !actual.elem) return false;
  return covariant(*required.elem, *actual.elem);
}

}  // namespace genesis::graphql
