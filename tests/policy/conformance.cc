// Runs OPA's conformance suite (YAML cases, see
// /work/shared/opa-conformance/SOURCE.md) with OPA's runner semantics and
// compares against a committed baseline of cases expected to pass.
//
//   policy_conformance [--cases DIR] [--baseline FILE] [--write-baseline FILE] [--filter SUBSTR]
//                      [--require-all] [-v]
//
// --require-all: every case must pass (our own cases, tests/policy/cases).
// A case may say `v0: true` (our extension): its modules are Rego v0; and
// `strict: true`: they are compiled in OPA's strict mode.
//
// DIR defaults to $GENESIS_OPA_CASES or /work/shared/opa-conformance/v1. When
// the directory is absent the run is skipped (exit 0, with a message).
// Exit status 1 when a baselined case fails.
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>

#include "policy/parser.h"
#include "policy/policy.h"

namespace fs = std::filesystem;
using namespace genesis::policy;

namespace genesis::policy {
Value yaml_node_to_value(const YAML::Node& n);
}

namespace {

Value yaml_value(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined: return Value::null();
    case YAML::NodeType::Scalar: {
      const std::string& s = n.Scalar();
      if (n.Tag() == "!") return Value::string(s);
      if (s == "true") return Value::boolean(true);
      if (s == "false") return Value::boolean(false);
      if (s == "null" || s == "~") return Value::null();
      auto num = parse_json(s);
      if (num.ok() && num->is_number()) return *num;
      return Value::string(s);
    }
    case YAML::NodeType::Sequence: {
      ValueVec out;
      for (const auto& x : n) out.push_back(yaml_value(x));
      return Value::array(std::move(out));
    }
    case YAML::NodeType::Map: {
      ObjectItems out;
      for (const auto& kv : n) out.emplace_back(Value::string(kv.first.Scalar()), yaml_value(kv.second));
      return Value::object(std::move(out));
    }
  }
  return Value::null();
}

// Rego values as JSON values (sets -> sorted arrays, non-string keys -> JSON text).
Value jsonify(const Value& v) {
  auto parsed = parse_json(to_json(v));
  return parsed.ok() ? *parsed : v;
}

Value sort_arrays(const Value& v) {
  if (!v.is_array()) return v;
  ValueVec items = v.arr();
  std::sort(items.begin(), items.end());
  return Value::array(std::move(items));
}

struct Outcome {
  bool pass = false;
  std::string why;
};

Outcome run_case(const YAML::Node& c) {
  Outcome out;
  // `strict: true` (our extension, like `v0`): compile in OPA's strict mode.
  EngineOptions eo;
  eo.strict = c["strict"] && c["strict"].as<bool>();
  Engine engine(eo);
  if (c["modules"]) {
    int i = 0;
    for (const auto& m : c["modules"]) {
      // `v0: true` (our extension of OPA's case format): the modules are Rego v0.
      bool v0 = c["v0"] && c["v0"].as<bool>();
      auto st = engine.add_module("test-" + std::to_string(i++) + ".rego", m.as<std::string>(),
                                  v0 ? RegoVersion::kV0 : RegoVersion::kV1);
      if (!st.ok()) {
        out.why = "parse: " + st.error().to_string();
        return out;
      }
    }
  }
  if (c["data"]) engine.set_data(yaml_value(c["data"]));
  std::string err;
  std::string err_code;
  std::vector<ResultRow> rows;
  bool have_rows = false;
  auto st = engine.compile();
  if (!st.ok()) {
    err = st.error().to_string();
    err_code = st.error().code;
  } else {
    EvalOptions opts;
    opts.limits.timeout = std::chrono::milliseconds(5000);
    opts.limits.max_steps = 20'000'000;
    opts.strict_builtin_errors = c["strict_error"] && c["strict_error"].as<bool>();
    if (c["input"]) opts.input = yaml_value(c["input"]);
    if (c["input_term"]) {
      Engine ie;
      (void)ie.compile();
      auto r = ie.query("x = " + c["input_term"].as<std::string>());
      if (!r.ok() || r->empty()) {
        out.why = "bad input_term";
        return out;
      }
      opts.input = r->front().bindings.front().second;
    }
    auto r = engine.query(c["query"].as<std::string>(), opts);
    if (!r.ok()) {
      err = r.error().to_string();
      err_code = r.error().code;
    } else {
      rows = std::move(*r);
      have_rows = true;
    }
  }
  bool want_any_error = c["want_error"] || c["want_error_code"];
  if (want_any_error) {
    if (have_rows) {
      out.why = "expected error, got " + std::to_string(rows.size()) + " results";
      return out;
    }
    if (c["want_error"] && err.find(c["want_error"].as<std::string>()) == std::string::npos) {
      out.why = "error mismatch: got '" + err + "'";
      return out;
    }
    if (c["want_error_code"] && err_code != c["want_error_code"].as<std::string>()) {
      out.why = "error code mismatch: got '" + err + "'";
      return out;
    }
    out.pass = true;
    return out;
  }
  if (!have_rows) {
    out.why = "error: " + err;
    return out;
  }
  if (c["want_result"]) {
    bool sort_b = c["sort_bindings"] && c["sort_bindings"].as<bool>();
    std::vector<Value> got, want;
    for (const auto& row : rows) {
      ObjectItems items;
      for (const auto& [k, v] : row.bindings) items.emplace_back(Value::string(k), sort_b ? sort_arrays(jsonify(v)) : jsonify(v));
      got.push_back(Value::object(std::move(items)));
    }
    for (const auto& w : c["want_result"]) {
      Value v = yaml_value(w);
      if (sort_b && v.is_object()) {
        ObjectItems items;
        for (const auto& [k, x] : v.obj()) items.emplace_back(k, sort_arrays(x));
        v = Value::object(std::move(items));
      }
      want.push_back(v);
    }
    std::sort(got.begin(), got.end());
    std::sort(want.begin(), want.end());
    got.erase(std::unique(got.begin(), got.end()), got.end());
    want.erase(std::unique(want.begin(), want.end()), want.end());
    if (!(Value::array(got) == Value::array(want))) {
      out.why = "result mismatch: got " + to_json(Value::array(got)) + " want " + to_json(Value::array(want));
      return out;
    }
  }
  out.pass = true;
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  std::string dir;
  if (const char* e = std::getenv("GENESIS_OPA_CASES")) dir = e;
  if (dir.empty()) dir = "/work/shared/opa-conformance/v1";
  std::string baseline, write_baseline, filter;
  bool verbose = false;
  bool require_all = false;  // our own cases: every one must pass
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--cases" && i + 1 < argc) dir = argv[++i];
    else if (a == "--baseline" && i + 1 < argc) baseline = argv[++i];
    else if (a == "--write-baseline" && i + 1 < argc) write_baseline = argv[++i];
    else if (a == "--filter" && i + 1 < argc) filter = argv[++i];
    else if (a == "-v") verbose = true;
    else if (a == "--require-all") require_all = true;
  }
  if (!fs::is_directory(dir)) {
    std::cout << "SKIPPED: conformance cases not found at " << dir << " (set GENESIS_OPA_CASES)\n";
    return 0;
  }
  std::set<std::string> expected;
  if (!baseline.empty()) {
    std::ifstream in(baseline);
    std::string line;
    while (std::getline(in, line))
      if (!line.empty() && line[0] != '#') expected.insert(line);
  }
  std::vector<fs::path> files;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file() && e.path().extension() == ".yaml") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  std::map<std::string, std::pair<int, int>> per_folder;
  std::vector<std::string> passed_ids;
  std::vector<std::string> regressions;
  int passed = 0, failed = 0;
  auto t0 = std::chrono::steady_clock::now();
  for (const auto& f : files) {
    std::string rel = fs::relative(f, dir).string();
    if (!filter.empty() && rel.find(filter) == std::string::npos) continue;
    std::string folder = fs::relative(f, dir).begin()->string();
    YAML::Node doc;
    try {
      doc = YAML::LoadFile(f.string());
    } catch (const std::exception& e) {
      std::cerr << rel << ": " << e.what() << "\n";
      continue;
    }
    int idx = 0;
    for (const auto& c : doc["cases"]) {
      std::string id = rel + "#" + std::to_string(idx++);
      Outcome o;
      if (std::getenv("GENESIS_CONF_TRACE")) std::cerr << "RUN " << id << std::endl;
      try {
        o = run_case(c);
      } catch (const std::exception& e) {
        o.why = std::string("exception: ") + e.what();
      }
      auto& pf = per_folder[folder];
      if (o.pass) {
        ++passed;
        ++pf.first;
        passed_ids.push_back(id);
      } else {
        ++failed;
        ++pf.second;
        if (expected.count(id) || require_all) regressions.push_back(id + " (" + c["note"].as<std::string>("") + "): " + o.why);
        if (verbose) std::cout << "FAIL " << id << " " << c["note"].as<std::string>("") << ": " << o.why << "\n";
      }
    }
  }
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
  for (const auto& [folder, pf] : per_folder)
    std::cout << folder << ": " << pf.first << " passed, " << pf.second << " failed\n";
  if (!write_baseline.empty()) {
    std::ofstream out(write_baseline);
    out << "# Conformance cases expected to pass (file#index). Regenerate: policy_conformance --write-baseline FILE\n";
    for (const auto& id : passed_ids) out << id << "\n";
  }
  for (const auto& r : regressions) std::cout << "REGRESSION " << r << "\n";
  std::cout << "conformance: " << ms << " ms\n";
  std::cout << passed << " passed, " << failed << " failed\n";
  return regressions.empty() ? 0 : 1;
}
