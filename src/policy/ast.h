// The Rego abstract syntax tree, as the parser builds it and the compiler
// annotates it (resolved names, variable slots, reordered bodies). Internal to
// src/policy.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "policy/value.h"

namespace genesis::policy {

struct Location {
  int row = 0;
  int col = 0;
  const std::string* file = nullptr;  // owned by the Module
  std::string to_string() const;      // "file:row:col"
  std::string short_string() const;   // "file:row" (OPA's eval error prefix)
};

struct Term;
struct Expr;
using TermPtr = std::shared_ptr<Term>;
using Body = std::vector<Expr>;
using BodyPtr = std::shared_ptr<Body>;

enum class TermKind {
  kScalar,       // value
  kVar,          // name; slot after compile (-1: global root input/data)
  kRef,          // items[0] head, items[1..] operands
  kArray,        // items
  kObject,       // items: k0, v0, k1, v1, ...
  kSet,          // items
  kArrayCompr,   // value | body
  kSetCompr,     // value | body
  kObjectCompr,  // key: value | body
  kCall,         // name (builtin or data.x.f path), items = args
  kTemplate,     // $"..{x}..": items alternate string scalars and expression terms
};

struct Term {
  TermKind kind = TermKind::kScalar;
  Location loc;
  Value value;
  std::string name;
  int slot = -1;              // variables: frame slot
  bool wildcard = false;      // `_`
  bool template_part = false; // set comprehension standing for a template part with `with`
  std::vector<TermPtr> items;
  TermPtr key;                // object comprehension key
  TermPtr val;                // comprehension value
  BodyPtr body;               // comprehension body
  // Compiler annotations.
  std::vector<int> var_slots;  // slots this term reads (for groundness checks)
  bool global = false;         // var/ref rooted at data/input
  std::vector<std::string> data_path;  // resolved data path for calls to user functions
  const void* callee = nullptr;        // calls: const Builtin* or, when user_fn, const Node*
  bool user_fn = false;
  const void* data_node = nullptr;     // refs rooted at data: deepest static rule-tree node
  int data_ops = 0;                    // operands consumed reaching data_node
  std::vector<int> captures;           // comprehensions: outer slots read by the body
  int first_local = 0;                 // comprehensions: slots [first_local, end_local) are theirs
  int end_local = 0;
};

struct With {
  TermPtr target;  // a ref: input..., data..., or a function name
  TermPtr value;
  Location loc;
};

enum class ExprKind {
  kTerm,     // terms[0]; true unless false/undefined
  kUnify,    // terms[0] = terms[1]
  kAssign,   // terms[0] := terms[1] (declares the vars of terms[0])
  kSomeDecl, // some x, y (declarations only; always true)
  kSomeIn,   // some [key,] value in domain: terms = {key|null, value, domain}
  kEvery,    // every [key,] value in domain { body }: terms = {key|null, value, domain}
};

struct Expr {
  ExprKind kind = ExprKind::kTerm;
  bool negated = false;
  Location loc;
  std::vector<TermPtr> terms;
  BodyPtr body;  // every
  std::vector<With> with;
  int index = 0;  // position in the source body (for stable reordering)
  std::vector<int> captures;  // every: outer slots read by the body
  int first_local = 0;        // every: first slot owned by the body (reset per element)
  int end_local = 0;
};

enum class RuleKind { kComplete, kPartialSet, kPartialObject, kFunction };

struct Module;

struct Rule {
  Location loc;
  Module* module = nullptr;
  bool is_default = false;
  RuleKind kind = RuleKind::kComplete;
  std::vector<TermPtr> head_ref;  // head_ref[0] is a var (the rule name); rest are terms
  std::vector<std::string> path;  // full ground path: package + ground head prefix
  std::vector<TermPtr> keys;      // dynamic head parts after the ground prefix (objects)
  std::vector<TermPtr> args;      // function parameters
  TermPtr key;                    // partial set element
  TermPtr value;                  // value (true when absent)
  Body body;
  std::shared_ptr<Rule> else_rule;
  bool has_body = false;
  int num_slots = 0;
  bool assign = false;            // head used :=
  bool set_leaf = false;          // a.b[x] contains y: object whose leaves are sets
  Value annotations;              // METADATA of this rule (object) or undefined
  Value metadata_chain;           // rego.metadata.chain() for this rule (compiler)
};
using RulePtr = std::shared_ptr<Rule>;

struct Import {
  Location loc;
  TermPtr path;   // ref
  std::string alias;
};

struct Module {
  std::string file;
  std::vector<std::string> package;  // without the leading "data"
  Location package_loc;
  std::vector<Import> imports;
  std::vector<Import> keyword_imports;  // `import rego.v1` / `future.keywords...` (always on here; kept for the AST)
  std::vector<RulePtr> rules;
  bool v0 = false;
  Value package_annotations;
  // "# METADATA" comment blocks: the row after the block, and its YAML text.
  std::vector<std::pair<int, std::string>> metadata_blocks;
};
using ModulePtr = std::shared_ptr<Module>;

std::string term_to_string(const Term& t);

}  // namespace genesis::policy
