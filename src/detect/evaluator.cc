#include "detect/evaluator.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "policy/policy.h"

namespace genesis::detect {

struct PolicySet::Impl {
  policy::Engine engine;
  std::shared_ptr<const policy::Engine::Prepared> prepared;
};

PolicySet::~PolicySet() = default;

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
