// OPA's strict mode checks on a resolved rule chain (strict.cc lists them).
// Internal to src/policy.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "core/result.h"
#include "policy/ast.h"

namespace genesis::policy {

using Errors = std::vector<core::Error>;

// Strict mode: unused assignments, `some` declarations and arguments.
void strict_rule_checks(const Rule& head, Errors& errs);

// Whether a module gets Rego v1's always-on checks: v1 modules, v0 modules
// that import rego.v1, and every module in strict mode.
bool rego_v1_checked(const Module& m, bool strict);
// Rules named input or data (every module); with `v1`, also duplicate import
// names and `input`/`data` shadowed by arguments or `:=` (before names are
// resolved).
void module_checks(const Module& m, bool v1, Errors& errs);
// Calls of built-ins OPA deprecated (after names are resolved).
void deprecated_builtin_checks(const Rule& head, Errors& errs);

// An import as OPA prints it: "import data.a.b", "import data.c as d".
std::string import_string(const Import& i);

}  // namespace genesis::policy
