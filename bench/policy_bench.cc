// Rego engine benchmarks (docs/performance.md, "Policy engine").
//   build/bench/policy_bench [--benchmark_filter=...]
// The seed's MITRE mapping (v0 syntax) on matching and non-matching events, an
// RBAC policy of 100 roles x 10 permissions, 1,000 rules narrowed by rule
// indexing, and compiling every module of OPA's conformance suite.
#include <benchmark/benchmark.h>
#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <filesystem>

#include "policy/policy.h"

namespace {

using namespace genesis::policy;

// The seed's mitre-map.rego (genesis-plan.md). Its `x contains "suspicious"`
// line is not Rego in any version; it is written as the contains() call here.
const char* kMitre = R"(package mitre

# T1071.004 - Application Layer Protocol: DNS
dns_exfiltration[technique] {
  input.telemetry.event == "dns.response"
  input.telemetry.answer_count > 10
  contains(input.telemetry.domain, "suspicious")
  technique := "T1071.004"
}

# T1055 - Process Injection
process_injection[technique] {
  input.telemetry.event == "process.inject"
  input.telemetry.target_process != input.telemetry.source_process
  technique := "T1055"
}

# T1059.001 - Command and Scripting: PowerShell
powershell_abuse[technique] {
  input.telemetry.event == "exec.powershell"
  contains(input.telemetry.command, "Invoke-Expression")
  technique := "T1059.001"
}

# Counter-agent recommendation
counter_agent[action] {
  dns_exfiltration[_]
  action := {
    "type": "spawn_counter_agent",
    "image": "network-isolator",
    "policy": "deny:egress",
    "urgency": 0.9
  }
}
)";

Value json(const char* s) { return *parse_json(s); }

struct Fixture {
  Engine engine;
  std::shared_ptr<const Engine::Prepared> query;
};

std::unique_ptr<Fixture> make(const std::string& src, const std::string& q, RegoVersion v, Value data = Value()) {
  auto f = std::make_unique<Fixture>();
  if (!f->engine.add_module("bench.rego", src, v).ok()) std::abort();
  if (data.defined()) f->engine.set_data(data);
  if (!f->engine.compile().ok()) std::abort();
  auto p = f->engine.prepare(q);
  if (!p.ok()) std::abort();
  f->query = *p;
  return f;
}

// Reports, besides time, the bytes each evaluation allocates for the values
// it builds (EvalStats, what the memory budget counts) and its steps.
void run(benchmark::State& state, Fixture& f, const Value& input, size_t want_rows) {
  EvalOptions opts;
  opts.input = input;
  EvalStats stats;
  opts.stats = &stats;
  uint64_t bytes = 0, steps = 0;
  for (auto _ : state) {
    auto rows = f.engine.eval(*f.query, opts);
    if (!rows.ok() || rows->size() != want_rows) {
      state.SkipWithError("unexpected result");
      break;
    }
    bytes += stats.bytes_allocated;
    steps += stats.steps;
    benchmark::DoNotOptimize(rows);
  }
  state.SetItemsProcessed(state.iterations());
  double n = state.iterations() ? static_cast<double>(state.iterations()) : 1.0;
  state.counters["bytes_per_eval"] = static_cast<double>(bytes) / n;
  state.counters["steps_per_eval"] = static_cast<double>(steps) / n;
}

void BM_MitreDnsMatch(benchmark::State& state) {
  static auto f = make(kMitre, "data.mitre.dns_exfiltration", RegoVersion::kV0);
  static Value in = json(R"({"telemetry":{"event":"dns.response","answer_count":42,"domain":"a.suspicious.example"}})");
  run(state, *f, in, 1);
}
BENCHMARK(BM_MitreDnsMatch);

void BM_MitreDnsNoMatch(benchmark::State& state) {
  static auto f = make(kMitre, "data.mitre.dns_exfiltration", RegoVersion::kV0);
  static Value in = json(R"({"telemetry":{"event":"process.start","answer_count":0,"domain":"example.com"}})");
  run(state, *f, in, 1);  // the empty set
}
BENCHMARK(BM_MitreDnsNoMatch);

void BM_MitreWholePackageMatch(benchmark::State& state) {
  static auto f = make(kMitre, "data.mitre", RegoVersion::kV0);
  static Value in = json(R"({"telemetry":{"event":"dns.response","answer_count":42,"domain":"a.suspicious.example"}})");
  run(state, *f, in, 1);
}
BENCHMARK(BM_MitreWholePackageMatch);

void BM_MitreWholePackageNoMatch(benchmark::State& state) {
  static auto f = make(kMitre, "data.mitre", RegoVersion::kV0);
  static Value in = json(R"({"telemetry":{"event":"heartbeat"}})");
  run(state, *f, in, 1);
}
BENCHMARK(BM_MitreWholePackageNoMatch);

// RBAC: 100 roles x 10 permissions in data; a user holding 5 roles.
Value rbac_data() {
  ObjectItems roles, users;
  for (int r = 0; r < 100; ++r) {
    ValueVec perms;
    for (int p = 0; p < 10; ++p)
      perms.push_back(Value::object({{Value::string("action"), Value::string("act" + std::to_string(p))},
                                     {Value::string("resource"), Value::string("res" + std::to_string(r))}}));
    roles.emplace_back(Value::string("role" + std::to_string(r)), Value::array(std::move(perms)));
  }
  ValueVec held;
  for (int r = 40; r < 45; ++r) held.push_back(Value::string("role" + std::to_string(r)));
  users.emplace_back(Value::string("alice"), Value::array(std::move(held)));
  return Value::object({{Value::string("role_permissions"), Value::object(std::move(roles))},
                        {Value::string("user_roles"), Value::object(std::move(users))}});
}

const char* kRbac = R"(package rbac

default allow := false

allow if {
  some role in data.user_roles[input.user]
  some perm in data.role_permissions[role]
  perm.action == input.action
  perm.resource == input.resource
}
)";

void BM_RbacAllow(benchmark::State& state) {
  static auto f = make(kRbac, "data.rbac.allow", RegoVersion::kV1, rbac_data());
  static Value in = json(R"({"user":"alice","action":"act7","resource":"res44"})");
  run(state, *f, in, 1);
}
BENCHMARK(BM_RbacAllow);

void BM_RbacDeny(benchmark::State& state) {
  static auto f = make(kRbac, "data.rbac.allow", RegoVersion::kV1, rbac_data());
  static Value in = json(R"({"user":"alice","action":"act7","resource":"res99"})");
  run(state, *f, in, 1);
}
BENCHMARK(BM_RbacDeny);

// 1,000 rules on input.path; indexing selects the one that can match.
std::string thousand_rules() {
  std::string s = "package routes\n\ndefault allow := false\n\n";
  for (int i = 0; i < 1000; ++i) {
    s += "allow if {\n  input.path == \"/api/v1/resource/" + std::to_string(i) +
         "\"\n  input.method == \"GET\"\n  input.user != \"mallory\"\n}\n\n";
  }
  return s;
}

void BM_ThousandRulesIndexed(benchmark::State& state) {
  static auto f = make(thousand_rules(), "data.routes.allow", RegoVersion::kV1);
  static Value in = json(R"({"path":"/api/v1/resource/777","method":"GET","user":"ann"})");
  run(state, *f, in, 1);
}
BENCHMARK(BM_ThousandRulesIndexed);

void BM_ThousandRulesNoCandidate(benchmark::State& state) {
  static auto f = make(thousand_rules(), "data.routes.allow", RegoVersion::kV1);
  static Value in = json(R"({"path":"/nowhere","method":"GET","user":"ann"})");
  run(state, *f, in, 1);
}
BENCHMARK(BM_ThousandRulesNoCandidate);

// Compile (parse + all compiler passes) every module set of the conformance suite.
void BM_CompileConformanceModules(benchmark::State& state) {
  std::string dir = std::getenv("GENESIS_OPA_CASES") ? std::getenv("GENESIS_OPA_CASES") : "/work/shared/opa-conformance/v1";
  std::vector<std::vector<std::string>> sets;
  if (std::filesystem::is_directory(dir)) {
    for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
      if (e.path().extension() != ".yaml") continue;
      YAML::Node doc = YAML::LoadFile(e.path().string());
      for (const auto& c : doc["cases"]) {
        std::vector<std::string> mods;
        for (const auto& m : c["modules"]) mods.push_back(m.as<std::string>());
        sets.push_back(std::move(mods));
      }
    }
  }
  if (sets.empty()) {
    state.SkipWithError("conformance cases not found (GENESIS_OPA_CASES)");
    return;
  }
  size_t modules = 0;
  for (auto _ : state) {
    modules = 0;
    for (const auto& mods : sets) {
      Engine e;
      int i = 0;
      for (const auto& m : mods) {
        (void)e.add_module("test-" + std::to_string(i++) + ".rego", m);
        ++modules;
      }
      (void)e.compile();
    }
  }
  state.counters["cases"] = static_cast<double>(sets.size());
  state.counters["modules"] = static_cast<double>(modules);
}
BENCHMARK(BM_CompileConformanceModules)->Unit(benchmark::kMillisecond)->Iterations(3);

}  // namespace

BENCHMARK_MAIN();
