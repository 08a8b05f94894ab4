// genesis::policy — an OPA-compatible Rego engine (the public header).
//
// An Engine holds modules (Rego source), a base data document and compile
// options. compile() runs the compiler passes (see compiler.h); query()
// evaluates a Rego query against the compiled policy, base data and an input
// document, returning OPA's result set (one row per solution: expression
// values and variable bindings). Errors carry OPA's codes (rego_parse_error,
// rego_compile_error, rego_type_error, rego_unsafe_var_error,
// rego_recursion_error, eval_conflict_error, eval_type_error,
// eval_builtin_error, eval_cancel_error) and "file:row[:col]" in `where`.
//
// Thread-safety: an Engine is not synchronized; once compiled, concurrent
// query() calls on a const Engine are safe (each builds its own evaluator).
// Evaluation is bounded by EvalLimits so hostile policies cannot hang a caller.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"
#include "core/value.h"
#include "policy/value.h"

namespace genesis::policy {

// Bounds on one evaluation; exceeding any ends it with eval_cancel_error.
// The time limit also holds inside long built-ins and comprehensions (checked
// every few hundred steps or loop iterations). Memory: bytes allocated for the
// values the evaluation builds (strings, arrays, objects, sets, built-ins'
// buffers), counted as they are allocated, never released; 0 turns it off.
struct EvalLimits {
  uint64_t max_steps = 50'000'000;            // expressions evaluated
  int max_depth = 256;                        // nested rule / function calls
  std::chrono::milliseconds timeout{10'000};  // wall time per query
  uint64_t max_bytes = 512ull << 20;          // memory allocated per query
};

// What one evaluation used (EvalOptions::stats, filled when it ends, also on error).
struct EvalStats {
  uint64_t steps = 0;
  uint64_t bytes_allocated = 0;
};

struct EvalOptions {
  Value input;  // undefined: no input document
  Value data;   // base data for this query; undefined: the engine's (set_data)
  bool strict_builtin_errors = false;
  bool sandbox = false;  // refuse http.send and other side effects
  EvalLimits limits;
  int64_t now_ns = 0;  // 0: the wall clock at query start (time.now_ns)
  std::function<void(const std::string&)> print;  // print() output; dropped when empty
  // Asked every 20 ms or so during evaluation (on the evaluating thread);
  // true cancels it with eval_cancel_error "caller cancelled query execution"
  // (e.g. the HTTP client has gone).
  std::function<bool()> cancelled;
  EvalStats* stats = nullptr;  // when set, receives what the evaluation used
};

struct ResultRow {
  std::vector<Value> expressions;                        // value of each query literal
  std::vector<std::pair<std::string, Value>> bindings;  // query variables
};

enum class RegoVersion { kV1, kV0, kAuto };  // kAuto: v1, else v0 if it parses as v0

struct EngineOptions {
  bool v0_compatible = false;  // default version of modules added without one
  // OPA's strict mode (`opa check --strict`): unused assignments, `some`
  // declarations, function arguments and imports, and deprecated built-ins
  // are compile errors.
  bool strict = false;
};

// The package a module declares, dotted and without "data." ("mitre",
// "mitre.custom"): who evaluates it is decided by its package. Parses the
// module (v1, else v0); a parse error is returned as such, located in `file`.
core::Result<std::string> module_package(std::string_view source, const std::string& file = "module");

struct Compiled;
struct CompiledQuery;

class Engine {
 public:
  explicit Engine(EngineOptions options = {});
  ~Engine();
  Engine(Engine&&) noexcept;
  Engine& operator=(Engine&&) noexcept;

  // Parses and adds (or replaces) the module named `file`. A parse error
  // leaves the engine unchanged. Invalidates the compiled state.
  core::Status add_module(const std::string& file, std::string_view source);
  core::Status add_module(const std::string& file, std::string_view source, RegoVersion version);
  bool remove_module(const std::string& file);
  std::vector<std::string> module_files() const;
  const std::string* module_source(const std::string& file) const;

  // Base data (the document under `data`).
  void set_data(Value data);
  const Value& data() const { return data_; }

  // Runs the compiler passes over all modules. On failure the previous
  // compiled state is kept; every error found goes to *errors when given.
  core::Status compile(std::vector<core::Error>* errors = nullptr);
  bool compiled() const { return compiled_ != nullptr; }

  // Compiles (when needed) and evaluates `query` ("data.x.y", "x := data.a[_]", ...).
  core::Result<std::vector<ResultRow>> query(std::string_view query, const EvalOptions& options = {}) const;

  // A query parsed and compiled once, evaluated many times (the hot path).
  class Prepared;
  core::Result<std::shared_ptr<const Prepared>> prepare(std::string_view query) const;
  core::Result<std::vector<ResultRow>> eval(const Prepared& prepared, const EvalOptions& options) const;
  // The literals of a prepared query: source text and position (for OPA's output shape).
  struct Literal {
    std::string text;
    int row = 0;
    int col = 0;
  };
  std::vector<Literal> literals(const Prepared& prepared) const;
  // The value of `data.<path>` (dotted, e.g. "mitre.dns_exfiltration"); undefined when it has none.
  core::Result<Value> eval_path(std::string_view path, const EvalOptions& options = {}) const;

  // Names of the test rules (test_*) per package, for `policy test`.
  std::vector<std::string> test_rules() const;

 private:
  struct ModuleEntry;
  EngineOptions options_;
  std::vector<std::unique_ptr<ModuleEntry>> modules_;
  Value data_;
  std::shared_ptr<Compiled> compiled_;
};

// YAML text -> Value (for data documents); errors carry the parser's message.
core::Result<Value> parse_yaml(std::string_view text);

}  // namespace genesis::policy
