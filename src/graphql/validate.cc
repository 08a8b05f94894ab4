// The spec's validation rules for executable documents, checked while walking
// the document as gqlparser does: operations then fragments, children before
// their parent, a fragment spread walked once per operation. At each node the
// rules run in gqlparser's registration order (alphabetical by rule), so
// errors come out in its order.
#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "graphql/graphql.h"

namespace genesis::graphql {
namespace {

bool composite(const Definition* d) {
  return d != nullptr && (d->kind == "OBJECT" || d->kind == "INTERFACE" || d->kind == "UNION");
}
bool leaf(const Definition* d) { return d != nullptr && (d->kind == "SCALAR" || d->kind == "ENUM"); }

// graphql-js's lexical distance (optimal string alignment), case-insensitive
// matches at distance 1.
int lexical_distance(std::string a, std::string b) {
  if (a == b) return 0;
  for (auto& c : a) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (auto& c : b) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (a == b) return 1;
  std::vector<std::vector<int>> d(a.size() + 1, std::vector<int>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i) d[i][0] = static_cast<int>(i);
  for (size_t j = 0; j <= b.size(); ++j) d[0][j] = static_cast<int>(j);
  for (size_t i = 1; i <= a.size(); ++i)
    for (size_t j = 1; j <= b.size(); ++j) {
      int cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + cost);
    }
  return d[a.size()][b.size()];
}

std::vector<std::string> suggestion_list(const std::string& input, const std::vector<std::string>& options) {
  std::vector<std::pair<int, std::string>> found;
  int threshold = static_cast<int>(std::floor(static_cast<double>(input.size()) * 0.4)) + 1;
  for (const auto& o : options) {
    int dist = lexical_distance(input, o);
    if (dist <= threshold) found.emplace_back(dist, o);
  }
  std::stable_sort(found.begin(), found.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
  std::vector<std::string> out;
  for (auto& f : found) out.push_back(std::move(f.second));
  return out;
}

std::string or_list(std::vector<std::string> items, bool quoted) {
  if (items.size() > 5) items.resize(5);
  if (quoted)
    for (auto& i : items) i = "\"" + i + "\"";
  if (items.size() == 2) return items[0] + " or " + items[1];
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i != 0) out += i == items.size() - 1 ? ", or " : ", ";
    out += items[i];
  }
  return out;
}

std::string suggest(const char* prefix, const std::string& typed, const std::vector<std::string>& options,
                    bool quoted) {
  auto s = suggestion_list(typed, options);
  if (s.empty()) return "";
  return std::string(" ") + prefix + " " + or_list(std::move(s), quoted) + "?";
}

// What gqlparser's walker records on a value (ExpectedType, Definition, VariableDefinition).
struct ValueCtx {
  const Type* expected = nullptr;
  const Definition* def = nullptr;
  bool expected_has_default = false;
};

// OverlappingFieldsCanBeMerged, as graphql-js (and gqlparser after it) finds
// conflicts: fields with one response name in a selection set (fragments
// included) must be the same field with the same arguments unless their
// parents are different object types, and must not return conflicting types;
// their sub-selections are compared the same way.
class Overlap {
 public:
  struct Conflict {
    std::string response_name;
    std::string message;         // leaf reason
    std::vector<Conflict> subs;  // "subfields ... conflict because ..."
    Position pos;
    std::string text() const {
      if (subs.empty()) return message;
      std::string out;
      for (size_t i = 0; i < subs.size(); ++i) {
        if (i) out += " and ";
        out += "subfields \"" + subs[i].response_name + "\" conflict because " + subs[i].text();
      }
      return out;
    }
  };

  Overlap(const Schema& s, const QueryDocument& d) : schema_(s), doc_(d) {}

  std::vector<Conflict> within(const Definition* parent, const std::vector<Selection>& sels) {
    depth_ = 0;
    std::vector<Conflict> out;
    Collected c = collect(parent, sels);
    for (const auto& [name, fields] : c.fields)
      for (size_t i = 0; i < fields.size(); ++i)
        for (size_t j = i + 1; j < fields.size(); ++j)
          if (auto k = find(false, name, fields[i], fields[j])) out.push_back(std::move(*k));
    for (size_t i = 0; i < c.fragments.size(); ++i) {
      std::set<std::string> compared;
      fields_and_fragment(out, compared, false, c, c.fragments[i]);
      for (size_t j = i + 1; j < c.fragments.size(); ++j) fragments(out, false, c.fragments[i], c.fragments[j]);
    }
    return out;
  }

 private:
  struct Entry {
    const Definition* parent;
    const Selection* node;
    const FieldDefinition* def;
  };
  struct Collected {
    std::vector<std::pair<std::string, std::vector<Entry>>> fields;  // by response name, in order
    std::map<std::string, size_t> index;
    std::vector<std::string> fragments;
    const std::vector<Selection>* source = nullptr;  // the selection set collected
    void add(const std::string& name, Entry e) {
      auto [it, fresh] = index.emplace(name, fields.size());
      if (fresh)
        fields.push_back({name, {e}});
      else
        fields[it->second].second.push_back(e);
    }
  };

  const FragmentDefinition* fragment_named(const std::string& name) const {
    for (const auto& f : doc_.fragments)
      if (f.name == name) return &f;
    return nullptr;
  }

  void gather(const Definition* parent, const std::vector<Selection>& sels, Collected& c) {
    for (const auto& s : sels) {
      if (s.kind == SelectionKind::kField) {
        const FieldDefinition* def = nullptr;
        if (parent != nullptr && (parent->kind == "OBJECT" || parent->kind == "INTERFACE")) def = parent->field(s.name);
        c.add(s.alias.empty() ? s.name : s.alias, Entry{parent, &s, def});
      } else if (s.kind == SelectionKind::kFragmentSpread) {
        if (std::find(c.fragments.begin(), c.fragments.end(), s.name) == c.fragments.end())
          c.fragments.push_back(s.name);
      } else {
        gather(s.type_condition.empty() ? parent : schema_.type(s.type_condition), s.selection_set, c);
      }
    }
  }
  Collected collect(const Definition* parent, const std::vector<Selection>& sels) {
    Collected c;
    c.source = &sels;
    gather(parent, sels, c);
    return c;
  }

  void between(std::vector<Conflict>& out, bool exclusive, const Collected& a, const Collected& b) {
    for (const auto& [name, fa] : a.fields) {
      auto it = b.index.find(name);
      if (it == b.index.end()) continue;
      for (const auto& x : fa)
        for (const auto& y : b.fields[it->second].second)
          if (auto k = find(exclusive, name, x, y)) out.push_back(std::move(*k));
    }
  }

  void fields_and_fragment(std::vector<Conflict>& out, std::set<std::string>& compared, bool exclusive,
                           const Collected& c, const std::string& name) {
    if (!compared.insert(name).second) return;
    const FragmentDefinition* f = fragment_named(name);
    if (f == nullptr) return;
    if (c.source == &f->selection_set) return;  // a fragment spread inside itself: not compared to itself
    Collected fc = collect(schema_.type(f->type_condition), f->selection_set);
    between(out, exclusive, c, fc);
    for (const auto& n : fc.fragments) fields_and_fragment(out, compared, exclusive, c, n);
  }

  void fragments(std::vector<Conflict>& out, bool exclusive, const std::string& a, const std::string& b) {
    if (a == b) return;
    std::string key = (a < b ? a + "\n" + b : b + "\n" + a) + (exclusive ? "\n1" : "\n0");
    if (!compared_pairs_.insert(key).second) return;
    const FragmentDefinition* fa = fragment_named(a);
    const FragmentDefinition* fb = fragment_named(b);
    if (fa == nullptr || fb == nullptr) return;
    Collected ca = collect(schema_.type(fa->type_condition), fa->selection_set);
    Collected cb = collect(schema_.type(fb->type_condition), fb->selection_set);
    between(out, exclusive, ca, cb);
    for (const auto& n : cb.fragments) fragments(out, exclusive, a, n);
    for (const auto& n : ca.fragments) fragments(out, exclusive, n, b);
  }

  static bool same_value(const Value* a, const Value* b) {
    if (a == nullptr || b == nullptr) return a == b;
    if (a->kind != b->kind || a->raw != b->raw || a->children.size() != b->children.size()) return false;
    for (size_t i = 0; i < a->children.size(); ++i) {
      if (a->children[i].name != b->children[i].name) return false;
      if (!same_value(a->children[i].value.get(), b->children[i].value.get())) return false;
    }
    return true;
  }
  static bool same_arguments(const std::vector<Argument>& a, const std::vector<Argument>& b) {
    if (a.size() != b.size()) return false;
    for (const auto& x : a) {
      bool matched = false;
      for (const auto& y : b)
        if (x.name == y.name && same_value(x.value.get(), y.value.get())) {
          matched = true;
          break;
        }
      if (!matched) return false;
    }
    return true;
  }

  bool leaf(const std::string& name) const {
    const Definition* d = schema_.type(name);
    return d != nullptr && (d->kind == "SCALAR" || d->kind == "ENUM");
  }
  bool types_conflict(const Type& a, const Type& b) const {
    if (a.non_null != b.non_null) return true;
    if (a.elem || b.elem) {
      if (!a.elem || !b.elem) return true;
      return types_conflict(*a.elem, *b.elem);
    }
    if (leaf(a.named) || leaf(b.named)) return a.named != b.named;
    return false;
  }

  std::optional<Conflict> find(bool parents_exclusive, const std::string& name, const Entry& a, const Entry& b) {
    bool exclusive = parents_exclusive || (a.parent != b.parent && a.parent != nullptr && b.parent != nullptr &&
                                           a.parent->kind == "OBJECT" && b.parent->kind == "OBJECT");
    if (!exclusive) {
      if (a.node->name != b.node->name)
        return Conflict{name, "\"" + a.node->name + "\" and \"" + b.node->name + "\" are different fields", {}, b.node->pos};
      if (!same_arguments(a.node->arguments, b.node->arguments))
        return Conflict{name, "they have differing arguments", {}, b.node->pos};
    }
    const Type* ta = a.def && a.def->type ? a.def->type.get() : nullptr;
    const Type* tb = b.def && b.def->type ? b.def->type.get() : nullptr;
    if (ta != nullptr && tb != nullptr && types_conflict(*ta, *tb))
      return Conflict{name, "they return conflicting types \"" + ta->str() + "\" and \"" + tb->str() + "\"", {},
                      b.node->pos};
    if (a.node->selection_set.empty() || b.node->selection_set.empty()) return std::nullopt;
    // Cyclic fragments expand without end and repeated names multiply the
    // work; bound both (NoFragmentCycles reports the cycles).
    if (depth_ > 64 || ++work_ > kMaxWork) return std::nullopt;
    ++depth_;
    std::vector<Conflict> subs;
    Collected ca = collect(ta ? schema_.type(ta->name()) : nullptr, a.node->selection_set);
    Collected cb = collect(tb ? schema_.type(tb->name()) : nullptr, b.node->selection_set);
    between(subs, exclusive, ca, cb);
    for (const auto& n : cb.fragments) {
      std::set<std::string> compared;
      fields_and_fragment(subs, compared, exclusive, ca, n);
    }
    for (const auto& n : ca.fragments) {
      std::set<std::string> compared;
      fields_and_fragment(subs, compared, exclusive, cb, n);
    }
    for (const auto& x : ca.fragments)
      for (const auto& y : cb.fragments) fragments(subs, exclusive, x, y);
    --depth_;
    if (subs.empty()) return std::nullopt;
    return Conflict{name, "", std::move(subs), b.node->pos};
  }

  static constexpr long kMaxWork = 200000;  // sub-selection comparisons per document

  const Schema& schema_;
  const QueryDocument& doc_;
  std::set<std::string> compared_pairs_;
  int depth_ = 0;
  long work_ = 0;
};

class Walker {
 public:
  Walker(const Schema& s, const QueryDocument& d) : schema_(s), doc_(d), overlap_(s, d) {}

  std::vector<Error> run() {
    for (const auto& op : doc_.operations) {
      walked_spreads_.clear();
      operation(op);
    }
    for (const auto& f : doc_.fragments) {
      walked_spreads_.clear();
      fragment(f);
    }
    return std::move(errors_);
  }

 private:
  void add(const Position& pos, std::string msg) { errors_.push_back(Error{std::move(msg), pos}); }

  const FragmentDefinition* fragment_named(const std::string& name) const {
    for (const auto& f : doc_.fragments)
      if (f.name == name) return &f;
    return nullptr;
  }
  const VariableDefinition* variable_named(const std::string& name) const {
    if (op_ == nullptr) return nullptr;
    for (const auto& v : op_->variable_definitions)
      if (v.variable == name) return &v;
    return nullptr;
  }
  const Definition* type_of(const TypePtr& t) const { return t ? schema_.type(t->name()) : nullptr; }

  // ---- the walk ----

  void operation(const OperationDefinition& op) {
    op_ = &op;
    used_.clear();
    for (const auto& v : op.variable_definitions) on_variable(v, type_of(v.type));
    const Definition* root = nullptr;
    std::string loc;
    if (op.operation == "mutation") {
      root = schema_.mutation();
      loc = "MUTATION";
    } else if (op.operation == "subscription") {
      root = schema_.subscription();
      loc = "SUBSCRIPTION";
    } else {
      root = schema_.query();
      loc = "QUERY";
    }
    for (const auto& v : op.variable_definitions) {
      if (v.default_value) value(*v.default_value, ValueCtx{v.type.get(), type_of(v.type), false});
      directives(v.directives, "VARIABLE_DEFINITION");
    }
    directives(op.directives, loc);
    selection_set(root, op.selection_set);
    on_operation(op, root);
    op_ = nullptr;
  }

  void fragment(const FragmentDefinition& f) {
    const Definition* def = schema_.type(f.type_condition);
    directives(f.directives, "FRAGMENT_DEFINITION");
    selection_set(def, f.selection_set);
    on_fragment(f, def);
  }

  void directives(const std::vector<Directive>& dirs, const std::string& location) {
    for (const auto& d : dirs) {
      const DirectiveDefinition* def = schema_.directive(d.name);
      for (const auto& a : d.arguments) argument(def ? find_arg(def->arguments, a.name) : nullptr, a);
      on_directive(d, def, location);
    }
    on_directive_list(dirs);
  }

  static const ArgumentDefinition* find_arg(const std::vector<ArgumentDefinition>& args, const std::string& name) {
    for (const auto& a : args)
      if (a.name == name) return &a;
    return nullptr;
  }

  void argument(const ArgumentDefinition* def, const Argument& a) {
    if (!a.value) return;
    ValueCtx ctx;
    if (def != nullptr) {
      ctx.expected = def->type.get();
      ctx.expected_has_default = def->default_value && def->default_value->kind != ValueKind::kNull;
      ctx.def = type_of(def->type);
    }
    value(*a.value, ctx);
  }

  void value(const Value& v, const ValueCtx& ctx) {
    const VariableDefinition* var = nullptr;
    if (v.kind == ValueKind::kVariable && op_ != nullptr) {
      var = variable_named(v.raw);
      if (var != nullptr) used_.insert(var);
    }
    if (v.kind == ValueKind::kObject) {
      for (const auto& c : v.children) {
        if (!c.value) continue;
        ValueCtx cc;
        if (ctx.def != nullptr)
          if (const FieldDefinition* fd = ctx.def->field(c.name)) {
            cc.expected = fd->type.get();
            cc.expected_has_default = fd->default_value && fd->default_value->kind != ValueKind::kNull;
            cc.def = type_of(fd->type);
          }
        value(*c.value, cc);
      }
    }
    if (v.kind == ValueKind::kList) {
      for (const auto& c : v.children) {
        if (!c.value) continue;
        ValueCtx cc;
        if (ctx.expected != nullptr && ctx.expected->elem) {
          cc.expected = ctx.expected->elem.get();
          cc.def = ctx.def;
        }
        value(*c.value, cc);
      }
    }
    on_value(v, ctx, var);
  }

  void selection_set(const Definition* parent, const std::vector<Selection>& sels) {
    for (const auto& s : sels) selection(parent, s);
  }

  void selection(const Definition* parent, const Selection& s) {
    switch (s.kind) {
      case SelectionKind::kField: {
        const FieldDefinition* def = nullptr;
        static const FieldDefinition typename_def = [] {
          FieldDefinition f;
          f.name = "__typename";
          f.type = std::make_shared<Type>(Type{"String", nullptr, false, {}});
          return f;
        }();
        if (s.name == "__typename")
          def = &typename_def;
        else if (parent != nullptr)
          def = parent->field(s.name);
        const Definition* next = def ? type_of(def->type) : nullptr;
        for (const auto& a : s.arguments) argument(def ? find_arg(def->arguments, a.name) : nullptr, a);
        directives(s.directives, "FIELD");
        selection_set(next, s.selection_set);
        on_field(s, def, parent);
        break;
      }
      case SelectionKind::kInlineFragment: {
        const Definition* next = s.type_condition.empty() ? parent : schema_.type(s.type_condition);
        directives(s.directives, "INLINE_FRAGMENT");
        selection_set(next, s.selection_set);
        on_inline_fragment(s, parent);
        break;
      }
      case SelectionKind::kFragmentSpread: {
        const FragmentDefinition* def = fragment_named(s.name);
        const Definition* next = def ? schema_.type(def->type_condition) : nullptr;
        directives(s.directives, "FRAGMENT_SPREAD");
        if (def != nullptr && !walked_spreads_.count(def->name)) {
          walked_spreads_.insert(def->name);
          selection_set(next, def->selection_set);
        }
        on_fragment_spread(s, def, parent);
        break;
      }
    }
  }

  // ---- the rules, per event, in gqlparser's order ----

  void on_field(const Selection& f, const FieldDefinition* def, const Definition* parent) {
    // FieldsOnCorrectType
    if (parent != nullptr && def == nullptr) {
      std::string msg = "Cannot query field \"" + f.name + "\" on type \"" + parent->name + "\".";
      std::vector<std::string> types = suggested_types(*parent, f.name);
      if (!types.empty()) {
        msg += " Did you mean to use an inline fragment on " + or_list(types, true) + "?";
      } else if (parent->kind == "OBJECT" || parent->kind == "INTERFACE") {
        std::vector<std::string> names;
        for (const auto& fd : parent->fields) names.push_back(fd.name);
        msg += suggest("Did you mean", f.name, names, true);
      }
      add(f.pos, msg);
    }
    // KnownArgumentNames
    if (def != nullptr && parent != nullptr)
      for (const auto& a : f.arguments) {
        if (find_arg(def->arguments, a.name)) continue;
        std::vector<std::string> names;
        for (const auto& ad : def->arguments) names.push_back(ad.name);
        add(f.pos, "Unknown argument \"" + a.name + "\" on field \"" + parent->name + "." + f.name + "\"." +
                       suggest("Did you mean", a.name, names, true));
      }
    // OverlappingFieldsCanBeMerged (fragments walked on their own are checked once, at the fragment)
    if (op_ != nullptr) overlapping(def ? type_of(def->type) : nullptr, f.selection_set);
    // ProvidedRequiredArguments
    if (def != nullptr)
      for (const auto& ad : def->arguments) {
        if (!ad.type || !ad.type->non_null || ad.default_value) continue;
        bool given = false;
        for (const auto& a : f.arguments) given = given || a.name == ad.name;
        if (!given)
          add(f.pos, "Field \"" + f.name + "\" argument \"" + ad.name + "\" of type \"" + ad.type->str() +
                         "\" is required, but it was not provided.");
      }
    // ScalarLeafs
    if (def != nullptr) {
      const Definition* t = type_of(def->type);
      if (t != nullptr) {
        if (leaf(t) && !f.selection_set.empty())
          add(f.pos, "Field \"" + f.name + "\" must not have a selection since type \"" + t->name +
                         "\" has no subfields.");
        else if (!leaf(t) && f.selection_set.empty())
          add(f.pos, "Field \"" + f.name + "\" of type \"" + def->type->str() +
                         "\" must have a selection of subfields. Did you mean \"" + f.name + " { ... }\"?");
      }
    }
    // UniqueArgumentNames
    unique_arguments(f.arguments, f.pos);
  }

  std::vector<std::string> suggested_types(const Definition& parent, const std::string& name) const {
    if (parent.kind != "INTERFACE" && parent.kind != "UNION") return {};
    std::vector<std::string> objects, interfaces;
    std::map<std::string, int> usage;
    for (const Definition* pt : schema_.possible_types(parent)) {
      if (pt == nullptr || pt->field(name) == nullptr) continue;
      objects.push_back(pt->name);
      for (const auto& in : pt->interfaces) {
        const Definition* idef = schema_.type(in);
        if (idef != nullptr && idef->field(name) != nullptr) {
          if (usage[in] == 0) interfaces.push_back(in);
          ++usage[in];
        }
      }
    }
    std::stable_sort(interfaces.begin(), interfaces.end(),
                     [&](const std::string& a, const std::string& b) { return usage[a] > usage[b]; });
    interfaces.insert(interfaces.end(), objects.begin(), objects.end());
    return interfaces;
  }

  void unique_arguments(const std::vector<Argument>& args, const Position& pos) {
    std::set<std::string> seen;
    for (const auto& a : args)
      if (!seen.insert(a.name).second) add(pos, "There can be only one argument named \"" + a.name + "\".");
  }

  void on_directive(const Directive& d, const DirectiveDefinition* def, const std::string& location) {
    // KnownArgumentNames
    if (def != nullptr)
      for (const auto& a : d.arguments) {
        if (find_arg(def->arguments, a.name)) continue;
        std::vector<std::string> names;
        for (const auto& ad : def->arguments) names.push_back(ad.name);
        add(d.pos, "Unknown argument \"" + a.name + "\" on directive \"@" + d.name + "\"." +
                       suggest("Did you mean", a.name, names, true));
      }
    // KnownDirectives
    if (def == nullptr) {
      add(d.pos, "Unknown directive \"@" + d.name + "\".");
    } else if (std::find(def->locations.begin(), def->locations.end(), location) == def->locations.end()) {
      auto key = d.name + ":" + std::to_string(d.pos.line) + ":" + std::to_string(d.pos.column);
      if (misplaced_.insert(key).second)
        add(d.pos, "Directive \"@" + d.name + "\" may not be used on " + location + ".");
    }
    // ProvidedRequiredArguments
    if (def != nullptr)
      for (const auto& ad : def->arguments) {
        if (!ad.type || !ad.type->non_null || ad.default_value) continue;
        bool given = false;
        for (const auto& a : d.arguments) given = given || a.name == ad.name;
        if (!given)
          add(d.pos, "Directive \"@" + def->name + "\" argument \"" + ad.name + "\" of type \"" + ad.type->str() +
                         "\" is required, but it was not provided.");
      }
    // UniqueArgumentNames
    unique_arguments(d.arguments, d.pos);
  }

  void on_directive_list(const std::vector<Directive>& dirs) {
    // UniqueDirectivesPerLocation
    std::set<std::string> seen;
    for (const auto& d : dirs) {
      const DirectiveDefinition* def = schema_.directive(d.name);
      if (def != nullptr && def->is_repeatable) continue;
      if (!seen.insert(d.name).second)
        add(d.pos, "The directive \"@" + d.name + "\" can only be used once at this location.");
    }
  }

  void on_value(const Value& v, const ValueCtx& ctx, const VariableDefinition* var) {
    // NoUndefinedVariables
    if (op_ != nullptr && v.kind == ValueKind::kVariable && var == nullptr) {
      if (!op_->name.empty())
        add(v.pos, "Variable \"" + v.str() + "\" is not defined by operation \"" + op_->name + "\".");
      else
        add(v.pos, "Variable \"" + v.str() + "\" is not defined.");
    }
    // UniqueInputFieldNames
    if (v.kind == ValueKind::kObject) {
      std::set<std::string> seen;
      for (const auto& c : v.children)
        if (!seen.insert(c.name).second) add(c.pos, "There can be only one input field named \"" + c.name + "\".");
    }
    values_of_correct_type(v, ctx);
    // VariablesInAllowedPosition
    if (v.kind == ValueKind::kVariable && ctx.expected != nullptr && var != nullptr && op_ != nullptr && var->type) {
      Type tmp = *ctx.expected;
      if (ctx.expected_has_default) tmp.non_null = false;
      if (var->default_value && var->default_value->kind != ValueKind::kNull && ctx.expected->non_null)
        tmp.non_null = false;
      if (!type_compatible(*var->type, tmp))
        add(v.pos, "Variable \"" + v.str() + "\" of type \"" + var->type->str() + "\" used in position expecting type \"" +
                       ctx.expected->str() + "\".");
    }
  }

  static bool type_compatible(const Type& t, const Type& other) {
    if (t.named != other.named) return false;
    if (t.elem && !other.elem) return false;
    if (t.elem && !type_compatible(*t.elem, *other.elem)) return false;
    if (other.non_null) return t.non_null;
    return true;
  }

  static std::string unexpected_type(const Value& v, const ValueCtx& ctx) {
    std::string want = ctx.expected->str();
    if (want == "Int" || want == "Int!") {
      bool range = false;
      if (v.kind == ValueKind::kInt) {
        errno = 0;
        long long n = std::strtoll(v.raw.c_str(), nullptr, 10);
        range = errno == ERANGE || n > 2147483647LL || n < -2147483648LL;
      }
      if (range) return "Int cannot represent non 32-bit signed integer value: " + v.str();
      return "Int cannot represent non-integer value: " + v.str();
    }
    if (want == "String" || want == "String!" || want == "[String]")
      return "String cannot represent a non string value: " + v.str();
    if (want == "Boolean" || want == "Boolean!") return "Boolean cannot represent a non boolean value: " + v.str();
    if (want == "Float" || want == "Float!") return "Float cannot represent non numeric value: " + v.str();
    if (want == "ID" || want == "ID!") return "ID cannot represent a non-string and non-integer value: " + v.str();
    if (ctx.def->kind == "ENUM") return "Enum \"" + want + "\" cannot represent non-enum value: " + v.str() + ".";
    return "Expected value of type \"" + want + "\", found " + v.str() + ".";
  }

  // A literal's Go value (gqlparser's Value.Value): fails for an Int that does
  // not fit 64 bits or a Float that does not parse.
  static bool literal_ok(const Value& v) {
    if (v.kind == ValueKind::kInt) {
      errno = 0;
      std::strtoll(v.raw.c_str(), nullptr, 10);
      return errno != ERANGE;
    }
    if (v.kind == ValueKind::kFloat) {
      errno = 0;
      std::strtod(v.raw.c_str(), nullptr);
      return errno != ERANGE;
    }
    for (const auto& c : v.children)
      if (c.value && !literal_ok(*c.value)) return false;
    return true;
  }

  void values_of_correct_type(const Value& v, const ValueCtx& ctx) {
    if (ctx.def == nullptr || ctx.expected == nullptr) return;
    if (v.kind == ValueKind::kNull && ctx.expected->non_null)
      add(v.pos, "Expected value of type \"" + ctx.expected->str() + "\", found " + v.str() + ".");
    const Definition& def = *ctx.def;
    auto named = [&](std::initializer_list<const char*> names) {
      for (const char* n : names)
        if (def.name == n) return true;
      return false;
    };
    if (def.kind == "SCALAR" && !named({"Int", "Float", "String", "Boolean", "ID"})) return;
    std::vector<std::string> enums;
    if (def.kind == "ENUM")
      for (const auto& e : def.enum_values) enums.push_back(e.name);
    if (!literal_ok(v)) add(v.pos, unexpected_type(v, ctx));
    switch (v.kind) {
      case ValueKind::kNull:
      case ValueKind::kVariable: return;
      case ValueKind::kList:
        if (!ctx.expected->elem) add(v.pos, unexpected_type(v, ctx));
        return;
      case ValueKind::kInt:
        if (!named({"Int", "Float", "ID"})) add(v.pos, unexpected_type(v, ctx));
        return;
      case ValueKind::kFloat:
        if (!named({"Float"})) add(v.pos, unexpected_type(v, ctx));
        return;
      case ValueKind::kString:
      case ValueKind::kBlock:
        if (def.kind == "ENUM")
          add(v.pos, "Enum \"" + ctx.expected->str() + "\" cannot represent non-enum value: " + v.str() + "." +
                         suggest("Did you mean the enum value", v.raw, enums, true));
        else if (!named({"String", "ID"}))
          add(v.pos, unexpected_type(v, ctx));
        return;
      case ValueKind::kEnum:
        if (def.kind != "ENUM") {
          add(v.pos, unexpected_type(v, ctx) + suggest("Did you mean the enum value", v.raw, enums, false));
        } else {
          bool known = false;
          for (const auto& e : def.enum_values) known = known || e.name == v.raw;
          if (!known)
            add(v.pos, "Value \"" + v.str() + "\" does not exist in \"" + ctx.expected->str() + "\" enum." +
                           suggest("Did you mean the enum value", v.raw, enums, true));
        }
        return;
      case ValueKind::kBoolean:
        if (!named({"Boolean"})) add(v.pos, unexpected_type(v, ctx));
        return;
      case ValueKind::kObject: {
        for (const auto& f : def.fields) {
          if (!f.type || !f.type->non_null) continue;
          bool given = false;
          for (const auto& c : v.children) given = given || c.name == f.name;
          if (!given && !f.default_value)
            add(v.pos, "Field \"" + def.name + "." + f.name + "\" of required type \"" + f.type->str() +
                           "\" was not provided.");
        }
        for (const auto& c : v.children) {
          if (def.field(c.name) != nullptr) continue;
          std::vector<std::string> names;
          for (const auto& f : def.fields) names.push_back(f.name);
          add(c.pos, "Field \"" + c.name + "\" is not defined by type \"" + def.name + "\"." +
                         suggest("Did you mean", c.name, names, true));
        }
        return;
      }
    }
  }

  void on_variable(const VariableDefinition& v, const Definition* def) {
    // KnownTypeNames
    if (def == nullptr) add(v.pos, "Unknown type \"" + (v.type ? v.type->name() : std::string()) + "\".");
  }

  // PossibleFragmentSpreads' test: can an object of parent's possible types be of type `cond`?
  bool can_spread(const Definition* parent, const std::string& cond) const {
    if (parent == nullptr) return true;
    std::vector<const Definition*> parents;
    if (parent->kind == "OBJECT")
      parents.push_back(parent);
    else if (parent->kind == "INTERFACE" || parent->kind == "UNION")
      parents = schema_.possible_types(*parent);
    else
      return true;
    const Definition* frag = schema_.type(cond);
    if (frag == nullptr || !composite(frag)) return true;
    for (const Definition* fd : schema_.possible_types(*frag))
      for (const Definition* pd : parents)
        if (fd != nullptr && pd != nullptr && fd->name == pd->name) return true;
    return false;
  }

  void on_inline_fragment(const Selection& f, const Definition* parent) {
    // FragmentsOnCompositeTypes
    const Definition* t = schema_.type(f.type_condition);
    if (t != nullptr && !composite(t))
      add(f.pos, "Fragment cannot condition on non composite type \"" + f.type_condition + "\".");
    // KnownTypeNames
    if (!f.type_condition.empty() && t == nullptr) add(f.pos, "Unknown type \"" + f.type_condition + "\".");
    // OverlappingFieldsCanBeMerged (gqlparser checks an inline fragment's set, then again its field's)
    overlapping(f.type_condition.empty() ? parent : t, f.selection_set);
    // PossibleFragmentSpreads
    if (!can_spread(parent, f.type_condition))
      add(f.pos, "Fragment cannot be spread here as objects of type \"" + parent->name + "\" can never be of type \"" +
                     f.type_condition + "\".");
  }

  void on_fragment_spread(const Selection& s, const FragmentDefinition* def, const Definition* parent) {
    // KnownFragmentNames
    if (def == nullptr) add(s.pos, "Unknown fragment \"" + s.name + "\".");
    // NoUnusedFragments: spreads reached from an operation use their fragment
    if (!in_fragments_) used_fragments_.insert(s.name);
    // PossibleFragmentSpreads
    if (def != nullptr && !can_spread(parent, def->type_condition))
      add(s.pos, "Fragment \"" + s.name + "\" cannot be spread here as objects of type \"" + parent->name +
                     "\" can never be of type \"" + def->type_condition + "\".");
  }

  void on_fragment(const FragmentDefinition& f, const Definition* def) {
    // FragmentsOnCompositeTypes
    if (def != nullptr && !f.type_condition.empty() && !composite(def))
      add(f.pos, "Fragment \"" + f.name + "\" cannot condition on non composite type \"" + f.type_condition + "\".");
    // KnownTypeNames
    if (def == nullptr)
      add(f.pos, "Unknown type \"" + f.type_condition + "\"." +
                     suggest("Did you mean", f.type_condition, schema_.type_names(), true));
    // NoFragmentCycles
    fragment_cycles(f);
    // NoUnusedFragments
    in_fragments_ = true;
    if (!used_fragments_.count(f.name)) add(f.pos, "Fragment \"" + f.name + "\" is never used.");
    // OverlappingFieldsCanBeMerged
    overlapping(def, f.selection_set);
    // UniqueFragmentNames
    if (!fragment_names_.insert(f.name).second)
      add(f.pos, "There can be only one fragment named \"" + f.name + "\".");
  }

  static void spreads_in(const std::vector<Selection>& sels, std::vector<const Selection*>& out) {
    for (const auto& s : sels) {
      if (s.kind == SelectionKind::kFragmentSpread)
        out.push_back(&s);
      else
        spreads_in(s.selection_set, out);
    }
  }

  // graphql-js's NoFragmentCycles: a depth-first search from each fragment not yet visited.
  void fragment_cycles(const FragmentDefinition& f) {
    if (cycle_visited_.count(f.name)) return;
    std::vector<const Selection*> path;
    std::map<std::string, size_t> path_index;
    detect_cycle(f, path, path_index);
  }

  void detect_cycle(const FragmentDefinition& f, std::vector<const Selection*>& path,
                    std::map<std::string, size_t>& path_index) {
    if (cycle_visited_.count(f.name)) return;
    cycle_visited_.insert(f.name);
    std::vector<const Selection*> spreads;
    spreads_in(f.selection_set, spreads);
    if (spreads.empty()) return;
    path_index[f.name] = path.size();
    for (const Selection* s : spreads) {
      auto cycle = path_index.find(s->name);
      path.push_back(s);
      if (cycle == path_index.end()) {
        if (const FragmentDefinition* next = fragment_named(s->name)) detect_cycle(*next, path, path_index);
      } else {
        std::string via;
        for (size_t i = cycle->second; i + 1 < path.size(); ++i) {
          if (!via.empty()) via += ", ";
          via += "\"" + path[i]->name + "\"";
        }
        add(s->pos, "Cannot spread fragment \"" + s->name + "\" within itself" + (via.empty() ? "" : " via " + via) + ".");
      }
      path.pop_back();
    }
    path_index.erase(f.name);
  }

  // The fields a subscription selects at its root, through fragments, each
  // name once. As gqlparser: a spread of an unknown fragment ends the walk of
  // the selection set it is in.
  void top_fields(const std::vector<Selection>& sels, std::vector<const Selection*>& out, std::set<std::string>& seen) {
    for (const auto& s : sels) {
      if (s.kind == SelectionKind::kField) {
        out.push_back(&s);
      } else if (s.kind == SelectionKind::kInlineFragment) {
        top_fields(s.selection_set, out, seen);
      } else {
        const FragmentDefinition* f = fragment_named(s.name);
        if (f == nullptr) return;
        if (seen.insert(f->name).second) top_fields(f->selection_set, out, seen);
      }
    }
  }

  void on_operation(const OperationDefinition& op, const Definition* root) {
    // KnownRootType
    if (root == nullptr) add(op.pos, "Schema does not support operation type \"" + op.operation + "\"");
    // LoneAnonymousOperation
    if (op.name.empty() && doc_.operations.size() > 1)
      add(op.pos, "This anonymous operation must be the only defined operation.");
    // NoUnusedVariables
    for (const auto& v : op.variable_definitions) {
      if (used_.count(&v)) continue;
      if (!op.name.empty())
        add(v.pos, "Variable \"$" + v.variable + "\" is never used in operation \"" + op.name + "\".");
      else
        add(v.pos, "Variable \"$" + v.variable + "\" is never used.");
    }
    // OverlappingFieldsCanBeMerged
    overlapping(root, op.selection_set);
    // SingleFieldSubscriptions
    if (op.operation == "subscription" && schema_.subscription() != nullptr) {
      std::vector<const Selection*> all, fields;
      std::set<std::string> seen, names;
      top_fields(op.selection_set, all, seen);
      for (const Selection* f : all)
        if (names.insert(f->name).second) fields.push_back(f);
      std::string who = op.name.empty() ? "Anonymous Subscription" : "Subscription " + go_quote(op.name);
      if (fields.size() > 1) add(fields[1]->pos, who + " must select only one top level field.");
      for (const Selection* f : fields)
        if (f->name.rfind("__", 0) == 0) add(f->pos, who + " must not select an introspection top level field.");
    }
    // UniqueOperationNames
    if (!op.name.empty() && !operation_names_.insert(op.name).second)
      add(op.pos, "There can be only one operation named \"" + op.name + "\".");
    // UniqueVariableNames
    std::set<std::string> vars;
    for (const auto& v : op.variable_definitions)
      if (!vars.insert(v.variable).second) add(v.pos, "There can be only one variable named \"$" + v.variable + "\".");
    // VariablesAreInputTypes
    for (const auto& v : op.variable_definitions) {
      const Definition* def = type_of(v.type);
      if (def != nullptr && def->kind != "SCALAR" && def->kind != "ENUM" && def->kind != "INPUT_OBJECT")
        add(v.pos, "Variable \"$" + v.variable + "\" cannot be non-input type \"" + v.type->str() + "\".");
    }
  }

  void overlapping(const Definition* parent, const std::vector<Selection>& sels) {
    for (const auto& c : overlap_.within(parent, sels))
      add(c.pos, "Fields \"" + c.response_name + "\" conflict because " + c.text() +
                     ". Use different aliases on the fields to fetch both if this was intentional.");
  }

  const Schema& schema_;
  const QueryDocument& doc_;
  Overlap overlap_;
  const OperationDefinition* op_ = nullptr;
  std::set<const VariableDefinition*> used_;
  std::set<std::string> walked_spreads_;
  std::set<std::string> misplaced_;
  std::set<std::string> used_fragments_;
  bool in_fragments_ = false;
  std::set<std::string> fragment_names_;
  std::set<std::string> operation_names_;
  std::set<std::string> cycle_visited_;
  std::vector<Error> errors_;
};

}  // namespace

std::vector<Error> validate(const Schema& schema, const QueryDocument& doc) { return Walker(schema, doc).run(); }

}  // namespace genesis::graphql
