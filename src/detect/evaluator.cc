#include "detect/evaluator.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "detect/telemetry.h"
#include "policy/policy.h"

namespace genesis::detect {

struct PolicySet::Impl {
  policy::Engine engine;
  std::shared_ptr<const policy::Engine::Prepared> prepared;
};

PolicySet::~PolicySet() = default;

namespace {

// One event of every telemetry kind with every field set to a plausible value:
// a mapping set is tried on them before it goes live, so a module that compiles
// but fails when evaluated (a conflict with the library's helpers, a type error)
// is refused instead of silencing detection.
std::vector<core::Value> sample_events() {
  std::vector<core::Value> out;
  for (const KindSpec& kind : kinds()) {
    core::Value telemetry = core::Value::object();
    telemetry.set("event", std::string(kind.kind));
    for (const FieldSpec& f : kind.fields) {
      core::Value v;
      if (!f.one_of.empty()) {
        v = std::string(f.one_of.front());
      } else {
        switch (f.type) {
          case FieldType::kString: v = "sample"; break;
          case FieldType::kInt:
          case FieldType::kCount:
          case FieldType::kAccessMask: v = int64_t{1}; break;
          case FieldType::kBool: v = true; break;
          case FieldType::kStringArray: v = core::Array{core::Value("sample")}; break;
          case FieldType::kArray: v = core::Array{core::Value(core::Object{{"data", "192.0.2.1"}})}; break;
          case FieldType::kIp: v = "192.0.2.1"; break;
          case FieldType::kPort: v = int64_t{443}; break;
        }
      }
      telemetry.set(std::string(f.path), std::move(v));  // dotted keys are expanded
    }
    core::Value event = core::Object{{"agent_id", "00000000-0000-4000-8000-000000000000"},
                                     {"telemetry", std::move(telemetry)}};
    if (auto valid = validate_event(event); valid.ok()) out.push_back(std::move(*valid));
  }
  return out;
}

}  // namespace

core::Result<std::shared_ptr<const PolicySet>> PolicySet::build(
    std::map<std::string, std::string> modules) {
  std::shared_ptr<PolicySet> set(new PolicySet());
  set->impl_ = std::make_unique<Impl>();
  std::string errors;
  std::string first_code;
  for (const auto& [file, source] : modules) {
    auto st = set->impl_->engine.add_module(file, source, policy::RegoVersion::kV1);
    if (!st.ok()) {
      if (first_code.empty()) first_code = st.error().code;
      errors += (errors.empty() ? "" : "; ") + st.error().to_string();
    }
  }
  if (errors.empty()) {
    std::vector<core::Error> list;
    if (!set->impl_->engine.compile(&list).ok()) {
      for (const auto& e : list) {
        if (first_code.empty()) first_code = e.code;
        errors += (errors.empty() ? "" : "; ") + e.to_string();
      }
      if (errors.empty()) errors = "policy compilation failed";
    }
  }
  if (!errors.empty()) {
    return core::make_error(first_code.empty() ? "rego_compile_error" : first_code, errors);
  }
  auto prepared = set->impl_->engine.prepare(kDetectionsQuery);
  if (!prepared.ok()) return prepared.error();
  set->impl_->prepared = std::move(*prepared);
  static const std::vector<core::Value> samples = sample_events();
  for (const core::Value& event : samples) {
    if (auto hits = set->evaluate(event); !hits.ok()) {
      core::Error e = hits.error();
      e.message = "the mapping set fails on a " + event.find("telemetry")->find("event")->as_string() +
                  " event: " + e.message;
      return e;
    }
  }
  set->modules_ = std::move(modules);
  return std::shared_ptr<const PolicySet>(std::move(set));
}

core::Result<std::vector<Hit>> PolicySet::evaluate(const core::Value& event) const {
  policy::EvalOptions options;
  options.input = policy::from_core(event);
  options.sandbox = true;
  options.limits.timeout = std::chrono::milliseconds(250);
  auto rows = impl_->engine.eval(*impl_->prepared, options);
  if (!rows.ok()) return rows.error();
  std::vector<Hit> hits;
  if (rows->empty() || rows->front().expressions.empty()) return hits;  // undefined: nothing found
  const policy::Value& set = rows->front().expressions.front();
  if (!set.is_set() && !set.is_array()) return hits;
  const policy::ValueVec& items = set.is_set() ? set.set_items() : set.arr();
  for (const policy::Value& item : items) {
    if (!item.is_object()) continue;
    const policy::Value* t = item.get("technique");
    if (t == nullptr || !t->is_string()) continue;
    Hit h;
    h.technique = t->str();
    if (const policy::Value* tac = item.get("tactic"); tac != nullptr && tac->is_string()) {
      h.tactic = tac->str();
    }
    if (const policy::Value* r = item.get("rule"); r != nullptr && r->is_string()) h.rule = r->str();
    hits.push_back(std::move(h));
  }
  return hits;
}

core::Result<std::map<std::string, std::string>> read_policy_dir(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    return core::make_error(core::code::kNotFound, "policy directory not found", dir);
  }
  std::map<std::string, std::string> out;
  for (auto it = fs::recursive_directory_iterator(dir, ec); it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (ec) break;
    const fs::path& p = it->path();
    std::string name = p.filename().string();
    if (!it->is_regular_file() || p.extension() != ".rego") continue;
    if (name.size() >= 10 && name.compare(name.size() - 10, 10, "_test.rego") == 0) continue;
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    out[fs::relative(p, dir).string()] = ss.str();
  }
  if (ec) return core::make_error(core::code::kUnavailable, ec.message(), dir);
  return out;
}

std::string default_policy_dir() {
  if (const char* dir = std::getenv("GENESIS_SHARE_DIR"); dir != nullptr && *dir != '\0') {
    return std::string(dir) + "/../policies/mitre";
  }
  return std::string(GENESIS_SOURCE_DIR) + "/policies/mitre";
}

}  // namespace genesis::detect
