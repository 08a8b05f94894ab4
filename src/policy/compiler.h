// The Rego compiler: parsed modules -> a rule tree the evaluator runs.
//
// Passes, in order (compiler.cc `compile` lists them in one place):
//   0. module    Rego v1's module checks: duplicate imports, input/data shadowed
//                (strict.h; v0 modules only in strict mode)
//   1. collect   rules into a tree keyed by path (packages, rule names, ref heads)
//   2. resolve   names: local variables get frame slots; rule names, imports and
//                roots become data/input refs; calls bind to built-ins or functions
//   3. safety    reorder each body so every variable is bound before it is read;
//                report rego_unsafe_var_error otherwise
//   4. recursion reject rules that depend on themselves (rego_recursion_error)
//   5. types     rego_type_error for built-in calls with arguments of known wrong
//                types and unifications of known different types (typecheck.h);
//                deprecated built-ins; in strict mode unused variables, arguments
//                and imports (strict.h)
//   6. plan      static data-ref prefixes and rule indices (input.x == "const")
// Internal to src/policy.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/result.h"
#include "policy/ast.h"
#include "policy/typecheck.h"

namespace genesis::policy {

struct Node;

// Rules selected by the value of one input reference (`input.a.b == "x"`).
struct RuleIndex {
  bool enabled = false;
  std::vector<std::string> path;                  // under input
  std::vector<std::pair<Value, std::vector<int>>> by_value;  // sorted by value; rule ordinals
  std::vector<int> always;                        // rules not constrained on path
};

struct Node {
  std::string name;
  std::vector<std::string> path;  // from data
  Node* parent = nullptr;
  std::map<std::string, std::unique_ptr<Node>> children;
  std::vector<Rule*> rules;  // chain heads, in source order (defaults excluded)
  Rule* default_rule = nullptr;
  RuleKind kind = RuleKind::kComplete;
  bool has_rules = false;
  int id = 0;
  RuleIndex index;
};

struct Compiled {
  std::vector<ModulePtr> modules;
  std::unique_ptr<Node> root;
  std::vector<Node*> nodes;  // by id
  RuleTypes rule_types;      // complete rules' and functions' types (typecheck.h), for queries too
  const Node* find(const std::vector<std::string>& path) const;
};

struct CompileOptions {
  bool strict = false;  // OPA's strict mode (strict.cc lists its checks)
};

// Compiles modules; all errors found are returned (the first as the Result's
// error, the rest in *all_errors when given).
core::Result<std::shared_ptr<Compiled>> compile(std::vector<ModulePtr> modules,
                                                const CompileOptions& options,
                                                std::vector<core::Error>* all_errors = nullptr);

// A query compiled against a policy: its body plus the names of its variables.
struct CompiledQuery {
  BodyPtr body;
  int num_slots = 0;
  std::vector<std::pair<std::string, int>> outputs;  // user-visible vars, in first-seen order
  std::shared_ptr<std::string> file;
};

core::Result<CompiledQuery> compile_query(const Compiled& policy, BodyPtr body,
                                          std::vector<std::string> package = {},
                                          std::vector<Import> imports = {});

}  // namespace genesis::policy
