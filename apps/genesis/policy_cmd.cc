// genesis policy eval|test|check: OPA's eval/test/check over the native Rego
// engine (src/policy). Flags and output shapes follow `opa` so scripts keep working:
//   genesis policy eval -d DIR|FILE... [-i input.json] [-f json|raw|pretty] QUERY
//   genesis policy test [-v] [--run REGEX] DIR|FILE...
//   genesis policy check [--v0-compatible] [-S|--strict] DIR|FILE...
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <regex>
#include <sstream>

#include "apps/genesis/commands.h"
#include "policy/policy.h"

namespace genesis::cli {
namespace {

namespace fs = std::filesystem;
using policy::Value;

struct LoadOptions {
  bool v0 = false;
};

core::Result<std::string> read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return core::make_error(core::code::kNotFound, "cannot read " + p.string());
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Merges `v` into `base` at `path` (objects merge recursively).
Value merge_at(const Value& base, const std::vector<std::string>& path, size_t i, const Value& v) {
  if (i == path.size()) {
    if (base.is_object() && v.is_object()) {
      policy::ObjectItems items = base.obj();
      for (const auto& [k, x] : v.obj()) {
        const Value* old = base.get(k);
        bool replaced = false;
        for (auto& kv : items)
          if (kv.first == k) {
            kv.second = old && old->is_object() && x.is_object() ? merge_at(*old, {}, 0, x) : x;
            replaced = true;
          }
        if (!replaced) items.emplace_back(k, x);
      }
      return Value::object(std::move(items));
    }
    return v;
  }
  policy::ObjectItems items = base.is_object() ? base.obj() : policy::ObjectItems{};
  Value child;
  for (const auto& kv : items)
    if (kv.first.is_string() && kv.first.str() == path[i]) child = kv.second;
  Value nv = merge_at(child, path, i + 1, v);
  bool replaced = false;
  for (auto& kv : items)
    if (kv.first.is_string() && kv.first.str() == path[i]) {
      kv.second = nv;
      replaced = true;
    }
  if (!replaced) items.emplace_back(Value::string(path[i]), nv);
  return Value::object(std::move(items));
}

// Loads .rego modules and .json/.yaml data like OPA's loader: data files in a
// directory land under their directory path relative to the root given.
core::Status load_paths(policy::Engine& engine, const std::vector<std::string>& paths, const LoadOptions& lo,
                        Value* data) {
  auto load_file = [&](const fs::path& file, const std::vector<std::string>& prefix) -> core::Status {
    auto ext = file.extension().string();
    if (ext == ".rego") {
      auto src = read_file(file);
      if (!src) return src.error();
      return engine.add_module(file.string(), *src, lo.v0 ? policy::RegoVersion::kV0 : policy::RegoVersion::kAuto);
    }
    if (ext == ".json" || ext == ".yaml" || ext == ".yml") {
      auto src = read_file(file);
      if (!src) return src.error();
      auto v = ext == ".json" ? policy::parse_json(*src) : policy::parse_yaml(*src);
      if (!v) return core::make_error(core::code::kInvalidArgument, v.error().message, file.string());
      *data = merge_at(*data, prefix, 0, *v);
    }
    return {};
  };
  for (const auto& p : paths) {
    fs::path root(p);
    std::error_code ec;
    if (fs::is_directory(root, ec)) {
      std::vector<fs::path> files;
      for (auto it = fs::recursive_directory_iterator(root, ec); it != fs::recursive_directory_iterator(); ++it) {
        if (it->is_regular_file()) files.push_back(it->path());
      }
      std::sort(files.begin(), files.end());
      for (const auto& f : files) {
        std::vector<std::string> prefix;
        for (const auto& part : fs::relative(f.parent_path(), root)) {
          if (part != ".") prefix.push_back(part.string());
        }
        auto st = load_file(f, prefix);
        if (!st) return st;
      }
    } else if (fs::exists(root, ec)) {
      auto st = load_file(root, {});
      if (!st) return st;
    } else {
      return core::make_error(core::code::kNotFound, "no such file or directory: " + p);
    }
  }
  return {};
}

Value error_json(const core::Error& e) {
  policy::ObjectItems err = {{Value::string("code"), Value::string(e.code)},
                             {Value::string("message"), Value::string(e.message)}};
  if (!e.where.empty()) {
    // where: file:row[:col]
    std::string w = e.where;
    policy::ObjectItems loc;
    size_t c2 = w.rfind(':');
    size_t c1 = c2 == std::string::npos ? std::string::npos : w.rfind(':', c2 - 1);
    auto num = [](const std::string& s) { return !s.empty() && s.find_first_not_of("0123456789") == std::string::npos; };
    if (c1 != std::string::npos && num(w.substr(c1 + 1, c2 - c1 - 1)) && num(w.substr(c2 + 1))) {
      loc = {{Value::string("file"), Value::string(w.substr(0, c1))},
             {Value::string("row"), Value::integer(std::stoll(w.substr(c1 + 1, c2 - c1 - 1)))},
             {Value::string("col"), Value::integer(std::stoll(w.substr(c2 + 1)))}};
    } else if (c2 != std::string::npos && num(w.substr(c2 + 1))) {
      loc = {{Value::string("file"), Value::string(w.substr(0, c2))},
             {Value::string("row"), Value::integer(std::stoll(w.substr(c2 + 1)))}};
    }
    if (!loc.empty()) err.emplace_back(Value::string("location"), Value::object(std::move(loc)));
  }
  return Value::object(std::move(err));
}

int print_errors(const std::vector<core::Error>& errs, bool json) {
  if (json) {
    policy::ValueVec list;
    for (const auto& e : errs) list.push_back(error_json(e));
    std::cout << policy::to_json(Value::object({{Value::string("errors"), Value::array(list)}}), true) << "\n";
  } else {
    std::cerr << errs.size() << " error" << (errs.size() == 1 ? "" : "s") << " occurred:\n";
    for (const auto& e : errs) std::cerr << e.to_string() << "\n";
  }
  return 1;
}

struct EvalArgs {
  std::vector<std::string> data;
  std::string input;
  std::string format = "json";
  bool strict_builtin_errors = false;
  bool v0 = false;
  bool fail = false;
  bool fail_defined = false;
  std::string query;
  int timeout_ms = 10000;
};

int run_eval(const EvalArgs& a) {
  policy::Engine engine;
  Value data = Value::empty_object();
  LoadOptions lo{a.v0};
  bool json = a.format != "pretty" && a.format != "raw";
  auto st = load_paths(engine, a.data, lo, &data);
  if (!st) return print_errors({st.error()}, json);
  engine.set_data(data);
  std::vector<core::Error> errs;
  auto cs = engine.compile(&errs);
  if (!cs) return print_errors(errs.empty() ? std::vector<core::Error>{cs.error()} : errs, json);
  policy::EvalOptions opts;
  opts.strict_builtin_errors = a.strict_builtin_errors;
  opts.limits.timeout = std::chrono::milliseconds(a.timeout_ms);
  opts.print = [](const std::string& line) { std::cerr << line << "\n"; };
  if (!a.input.empty()) {
    auto src = read_file(a.input);
    if (!src) return print_errors({src.error()}, json);
    auto ext = fs::path(a.input).extension().string();
    auto v = (ext == ".yaml" || ext == ".yml") ? policy::parse_yaml(*src) : policy::parse_json(*src);
    if (!v) return print_errors({core::make_error(core::code::kInvalidArgument, v.error().message, a.input)}, json);
    opts.input = *v;
  }
  auto prepared = engine.prepare(a.query);
  if (!prepared) return print_errors({prepared.error()}, json);
  auto rows = engine.eval(**prepared, opts);
  if (!rows) return print_errors({rows.error()}, json);
  auto lits = engine.literals(**prepared);
  if (a.format == "raw") {
    for (const auto& row : *rows)
      for (const auto& v : row.expressions) std::cout << (v.is_string() ? v.str() : policy::to_json(v)) << "\n";
  } else {
    policy::ValueVec results;
    for (const auto& row : *rows) {
      policy::ValueVec exprs;
      for (size_t i = 0; i < row.expressions.size(); ++i) {
        policy::ObjectItems e = {{Value::string("value"), row.expressions[i]}};
        if (i < lits.size()) {
          e.emplace_back(Value::string("text"), Value::string(lits[i].text));
          e.emplace_back(Value::string("location"),
                         Value::object({{Value::string("row"), Value::integer(lits[i].row)},
                                        {Value::string("col"), Value::integer(lits[i].col)}}));
        }
        exprs.push_back(Value::object(std::move(e)));
      }
      policy::ObjectItems r = {{Value::string("expressions"), Value::array(std::move(exprs))}};
      if (!row.bindings.empty()) {
        policy::ObjectItems b;
        for (const auto& [k, v] : row.bindings) b.emplace_back(Value::string(k), v);
        r.emplace_back(Value::string("bindings"), Value::object(std::move(b)));
      }
      results.push_back(Value::object(std::move(r)));
    }
    Value out = results.empty() ? Value::empty_object()
                                : Value::object({{Value::string("result"), Value::array(std::move(results))}});
    std::cout << policy::to_json(out, true) << "\n";
  }
  bool defined = !rows->empty();
  if (a.fail && !defined) return 1;
  if (a.fail_defined && defined) return 1;
  return 0;
}

struct TestArgs {
  std::vector<std::string> paths;
  bool verbose = false;
  bool v0 = false;
  std::string run;
  bool json = false;
};

int run_test(const TestArgs& a) {
  policy::Engine engine;
  Value data = Value::empty_object();
  auto st = load_paths(engine, a.paths, LoadOptions{a.v0}, &data);
  if (!st) return print_errors({st.error()}, false);
  engine.set_data(data);
  std::vector<core::Error> errs;
  auto cs = engine.compile(&errs);
  if (!cs) return print_errors(errs.empty() ? std::vector<core::Error>{cs.error()} : errs, false);
  std::regex filter(a.run.empty() ? ".*" : a.run);
  int pass = 0, fail = 0, errors = 0;
  policy::ValueVec report;
  for (const auto& name : engine.test_rules()) {
    if (!std::regex_search(name, filter)) continue;
    policy::EvalOptions opts;
    std::vector<std::string> printed;
    opts.print = [&](const std::string& line) { printed.push_back(line); };
    auto t0 = std::chrono::steady_clock::now();
    auto rows = engine.query(name, opts);
    auto us = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0).count();
    std::string outcome;
    if (!rows) {
      ++errors;
      outcome = "ERROR";
    } else if (rows->empty() || rows->front().expressions.front().is_false()) {
      ++fail;
      outcome = "FAIL";
    } else {
      ++pass;
      outcome = "PASS";
    }
    char dur[32];
    snprintf(dur, sizeof dur, "%.3fms", static_cast<double>(us) / 1000.0);
    if (a.json) {
      policy::ObjectItems o = {{Value::string("name"), Value::string(name)},
                               {Value::string("outcome"), Value::string(outcome)},
                               {Value::string("duration_ns"), Value::integer(us * 1000)}};
      if (!rows) o.emplace_back(Value::string("error"), Value::string(rows.error().to_string()));
      report.push_back(Value::object(std::move(o)));
    } else if (a.verbose || outcome != "PASS") {
      std::cout << name << ": " << outcome << " (" << dur << ")\n";
      if (!rows) std::cout << "  " << rows.error().to_string() << "\n";
      for (const auto& p : printed) std::cout << "  " << p << "\n";
    }
  }
  int total = pass + fail + errors;
  if (a.json) {
    std::cout << policy::to_json(Value::array(std::move(report)), true) << "\n";
  } else {
    std::cout << "--------------------------------------------------------------------------------\n";
    if (pass == total) {
      std::cout << "PASS: " << pass << "/" << total << "\n";
    } else {
      if (pass) std::cout << "PASS: " << pass << "/" << total << "\n";
      if (fail) std::cout << "FAIL: " << fail << "/" << total << "\n";
      if (errors) std::cout << "ERROR: " << errors << "/" << total << "\n";
    }
  }
  if (total == 0) {
    std::cerr << "no tests found\n";
    return 1;
  }
  return pass == total ? 0 : 1;
}

int run_check(const std::vector<std::string>& paths, bool v0, bool strict, bool json) {
  policy::EngineOptions eo;
  eo.strict = strict;
  policy::Engine engine(eo);
  Value data = Value::empty_object();
  auto st = load_paths(engine, paths, LoadOptions{v0}, &data);
  if (!st) return print_errors({st.error()}, json);
  std::vector<core::Error> errs;
  auto cs = engine.compile(&errs);
  if (!cs) return print_errors(errs.empty() ? std::vector<core::Error>{cs.error()} : errs, json);
  return 0;
}

}  // namespace

void add_policy_commands(CLI::App& app, Context& ctx) {
  auto* pol = app.add_subcommand("policy", "evaluate, test and check Rego policies (OPA-compatible)");
  pol->require_subcommand(1);

  {
    auto a = std::make_shared<EvalArgs>();
    auto* cmd = pol->add_subcommand("eval", "evaluate a Rego query (like opa eval)");
    cmd->add_option("-d,--data", a->data, "policy or data file or directory (repeatable)");
    cmd->add_option("-i,--input", a->input, "input document (JSON or YAML)");
    cmd->add_option("-f,--format", a->format, "output format: json (default), pretty, raw");
    cmd->add_flag("--strict-builtin-errors", a->strict_builtin_errors, "treat built-in errors as fatal");
    cmd->add_flag("--v0-compatible", a->v0, "parse modules as Rego v0");
    cmd->add_flag("--fail", a->fail, "exit 1 when the result is undefined");
    cmd->add_flag("--fail-defined", a->fail_defined, "exit 1 when the result is defined");
    cmd->add_option("--timeout-ms", a->timeout_ms, "evaluation time limit in milliseconds");
    cmd->add_option("query", a->query, "Rego query, e.g. data.authz.allow")->required();
    cmd->callback([&ctx, a] { ctx.exit_code = run_eval(*a); });
  }
  {
    auto a = std::make_shared<TestArgs>();
    auto* cmd = pol->add_subcommand("test", "run test_* rules (like opa test)");
    cmd->add_option("paths", a->paths, "policy and data files or directories")->required();
    cmd->add_flag("-v,--verbose", a->verbose, "print every test");
    cmd->add_option("-r,--run", a->run, "only tests whose name matches this regex");
    cmd->add_flag("--v0-compatible", a->v0, "parse modules as Rego v0");
    cmd->callback([&ctx, a] {
      a->json = ctx.json;
      ctx.exit_code = run_test(*a);
    });
  }
  {
    auto paths = std::make_shared<std::vector<std::string>>();
    auto v0 = std::make_shared<bool>(false);
    auto strict = std::make_shared<bool>(false);
    auto* cmd = pol->add_subcommand("check", "parse and compile policies, reporting errors with locations");
    cmd->add_option("paths", *paths, "policy files or directories")->required();
    cmd->add_flag("--v0-compatible", *v0, "parse modules as Rego v0");
    cmd->add_flag("-S,--strict", *strict,
                  "OPA's strict mode: unused assignments, arguments and imports, deprecated built-ins are errors");
    cmd->callback([&ctx, paths, v0, strict] { ctx.exit_code = run_check(*paths, *v0, *strict, ctx.json); });
  }
}

}  // namespace genesis::cli
