#include "detect/playbook.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace genesis::detect {
namespace {

using core::Result;
using core::Value;

core::Error bad(std::string where, std::string message) {
  return core::make_error(core::code::kInvalidArgument, std::move(message), std::move(where));
}

bool valid_technique_id(const std::string& s) {
  // T#### or T####.###
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  if (s.size() != 5 && s.size() != 9) return false;
  if (s[0] != 'T') return false;
  for (int i = 1; i < 5; ++i) {
    if (!digit(s[i])) return false;
  }
  if (s.size() == 9) {
    if (s[5] != '.') return false;
    for (int i = 6; i < 9; ++i) {
      if (!digit(s[i])) return false;
    }
  }
  return true;
}

bool valid_image(const std::string& s) {
  if (s.empty() || s.size() > 64) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
}

bool in(const std::vector<std::string_view>& set, const std::string& s) {
  return std::find(set.begin(), set.end(), s) != set.end();
}

std::string join(const std::vector<std::string_view>& set) {
  std::string out;
  for (auto s : set) out += (out.empty() ? "" : ", ") + std::string(s);
  return out;
}

}  // namespace

Value Playbook::to_json() const {
  Value v = Value::object();
  v.set("technique", technique);
  v.set("image", image);
  Value g = Value::array();
  for (const auto& goal : goals) {
    Value o = Value::object();
    o.set("id", goal.id);
    o.set("weight", goal.weight);
    o.set("ttl", goal.ttl);
    g.push_back(std::move(o));
  }
  v.set("goals", std::move(g));
  v.set("policy", policy);
  v.set("urgency", urgency);
  if (!description.empty()) v.set("description", description);
  return v;
}

Result<Playbook> parse_playbook(const Value& doc, const Catalogue* catalogue) {
  if (!doc.is_object()) return bad("playbook", "must be a JSON object");
  for (const auto& [key, _] : doc.as_object()) {
    if (key != "technique" && key != "image" && key != "goals" && key != "policy" &&
        key != "urgency" && key != "description") {
      return bad(key, "unknown member");
    }
  }
  Playbook p;
  const Value* t = doc.find("technique");
  if (t == nullptr || !t->is_string() || !valid_technique_id(t->as_string())) {
    return bad("technique", "must be an ATT&CK technique id like \"T1055\" or \"T1071.004\"");
  }
  p.technique = t->as_string();
  if (catalogue != nullptr && catalogue->find(p.technique) == nullptr) {
    return bad("technique", p.technique + " is not in the ATT&CK " + catalogue->version() +
                                " catalogue");
  }
  const Value* image = doc.find("image");
  if (image == nullptr || !image->is_string() || !valid_image(image->as_string())) {
    return bad("image", "must be 1..64 characters of [a-z0-9-]");
  }
  p.image = image->as_string();
  const Value* goals = doc.find("goals");
  if (goals == nullptr || !goals->is_array() || goals->as_array().empty()) {
    return bad("goals", "must be a non-empty array of {id, weight, ttl}");
  }
  for (std::size_t i = 0; i < goals->as_array().size(); ++i) {
    const Value& g = goals->as_array()[i];
    std::string at = "goals[" + std::to_string(i) + "]";
    if (!g.is_object()) return bad(at, "must be an object {id, weight, ttl}");
    for (const auto& [key, _] : g.as_object()) {
      if (key != "id" && key != "weight" && key != "ttl") return bad(at + "." + key, "unknown member");
    }
    const Value *id = g.find("id"), *w = g.find("weight"), *ttl = g.find("ttl");
    if (id == nullptr || !id->is_string() || !in(kGoalActions, id->as_string())) {
      return bad(at + ".id", "must be one of " + join(kGoalActions));
    }
    if (w == nullptr || !w->is_number() || w->as_double() < 0 || w->as_double() > 1) {
      return bad(at + ".weight", "must be a number in [0, 1]");
    }
    if (ttl == nullptr || !ttl->is_int() || ttl->as_int() <= 0) {
      return bad(at + ".ttl", "must be a whole number of seconds > 0");
    }
    for (const auto& prev : p.goals) {
      if (prev.id == id->as_string()) return bad(at + ".id", "goal " + prev.id + " given twice");
    }
    p.goals.push_back({id->as_string(), w->as_double(), ttl->as_int()});
  }
  const Value* policy = doc.find("policy");
  if (policy == nullptr || !policy->is_string() || !in(kPolicies, policy->as_string())) {
    return bad("policy", "must be one of " + join(kPolicies));
  }
  p.policy = policy->as_string();
  const Value* urgency = doc.find("urgency");
  if (urgency == nullptr || !urgency->is_number() || urgency->as_double() < 0 ||
      urgency->as_double() > 1) {
    return bad("urgency", "must be a number in [0, 1]");
  }
  p.urgency = urgency->as_double();
  if (const Value* d = doc.find("description")) {
    if (!d->is_string()) return bad("description", "must be a string");
    p.description = d->as_string();
  }
  return p;
}

Result<PlaybookSet> PlaybookSet::load_dir(const std::string& dir, const Catalogue* catalogue) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    return core::make_error(core::code::kNotFound, "playbook directory not found", dir);
  }
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (entry.is_regular_file() && entry.path().extension() == ".json") {
      files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  PlaybookSet set;
  std::string errors;
  for (const auto& file : files) {
    std::ifstream in(file, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    std::string name = file.filename().string();
    auto doc = core::parse_json(ss.str());
    if (!doc.ok()) {
      errors += (errors.empty() ? "" : "; ") + name + ": not valid JSON: " + doc.error().message;
      continue;
    }
    auto p = parse_playbook(*doc, catalogue);
    if (!p.ok()) {
      errors += (errors.empty() ? "" : "; ") + name + ": " + p.error().where + ": " + p.error().message;
      continue;
    }
    if (file.stem().string() != p->technique) {
      errors += (errors.empty() ? "" : "; ") + name + ": names technique " + p->technique +
                ", so it must be " + p->technique + ".json";
      continue;
    }
    set.put(std::move(*p));
  }
  if (!errors.empty()) {
    return core::make_error(core::code::kInvalidArgument, errors, dir);
  }
  return set;
}

const Playbook* PlaybookSet::find(std::string_view technique, const Catalogue* catalogue) const {
  auto it = by_technique_.find(technique);
  if (it != by_technique_.end()) return &it->second;
  std::string parent;
  if (catalogue != nullptr) {
    if (const Technique* t = catalogue->find(technique)) parent = t->parent;
  } else if (auto dot = technique.find('.'); dot != std::string_view::npos) {
    parent = std::string(technique.substr(0, dot));
  }
  if (parent.empty()) return nullptr;
  it = by_technique_.find(parent);
  return it == by_technique_.end() ? nullptr : &it->second;
}

void PlaybookSet::put(Playbook p) {
  std::string key = p.technique;
  by_technique_.insert_or_assign(std::move(key), std::move(p));
}

bool PlaybookSet::erase(std::string_view technique) {
  auto it = by_technique_.find(technique);
  if (it == by_technique_.end()) return false;
  by_technique_.erase(it);
  return true;
}

std::string default_playbook_dir() {
  if (const char* dir = std::getenv("GENESIS_SHARE_DIR"); dir != nullptr && *dir != '\0') {
    return std::string(dir) + "/../playbooks";
  }
  return std::string(GENESIS_SOURCE_DIR) + "/playbooks";
}

}  // namespace genesis::detect
