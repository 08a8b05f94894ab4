#include "detect/sigma_stage.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include "sigma/sigma.h"

namespace genesis::detect {

using core::Value;

SigmaStage::~SigmaStage() = default;

std::string default_sigma_dir() {
  if (const char* share = std::getenv("GENESIS_SHARE_DIR"); share != nullptr && *share) {
    return std::string(share) + "/sigma/rules";
  }
  return std::string(GENESIS_SOURCE_DIR) + "/share/sigma/rules";
}

core::Result<std::unique_ptr<SigmaStage>> SigmaStage::load(const std::string& dir,
                                                           std::vector<std::string> respond_levels,
                                                           std::vector<sigma::RuleSwitch> switches) {
  std::error_code ec;
  if (!std::filesystem::exists(dir, ec)) {
    return core::make_error(core::code::kNotFound, "no Sigma rules at " + dir);
  }
  auto loader = std::make_shared<sigma::Loader>();
  loader->add_dir(dir);
  std::unique_ptr<SigmaStage> s(new SigmaStage());
  s->all_ = loader->rules();
  s->refused_ = loader->diagnostics().size();
  s->loader_ = std::move(loader);
  s->respond_levels_ = std::move(respond_levels);
  s->apply(std::move(switches));
  return s;
}

std::shared_ptr<const SigmaStage> SigmaStage::with_switches(std::vector<sigma::RuleSwitch> switches) const {
  std::shared_ptr<SigmaStage> s(new SigmaStage());
  s->loader_ = loader_;
  s->all_ = all_;
  s->refused_ = refused_;
  s->respond_levels_ = respond_levels_;
  s->apply(std::move(switches));
  return s;
}

void SigmaStage::apply(std::vector<sigma::RuleSwitch> switches) {
  running_.clear();
  for (const auto* r : all_)
    if (sigma::rule_enabled(*r, switches)) running_.insert(r);
  set_ = loader_->build([this](const sigma::RuleInfo& r) { return running_.count(&r) != 0; });
}

std::size_t SigmaStage::rules() const { return set_->size(); }

std::vector<SigmaFinding> SigmaStage::evaluate(const Value& telemetry,
                                               const Catalogue& catalogue) const {
  std::vector<SigmaFinding> out;
  for (const sigma::Match& m : set_->match(telemetry)) {
    const sigma::RuleInfo& r = *m.rule;
    Value info = Value::object();
    info.set("id", r.id);
    info.set("title", r.title);
    info.set("level", r.level);
    info.set("status", r.status);
    info.set("author", r.author);
    Value refs = Value::array();
    for (const auto& x : r.references) refs.push_back(x);
    info.set("references", std::move(refs));
    info.set("file", r.file);
    Value fields = Value::object();
    for (const auto& f : m.fields) {
      if (fields.find(f.path) == nullptr) fields.set(f.path.empty() ? "keyword" : f.path, f.value);
    }
    info.set("fields", std::move(fields));
    bool respond = std::find(respond_levels_.begin(), respond_levels_.end(), r.level) !=
                   respond_levels_.end();
    // The rule's own tactic tags (attack.defense_evasion -> defense-evasion).
    std::string rule_tactic;
    for (const auto& tag : r.tags) {
      if (tag.rfind("attack.", 0) != 0 || !sigma::technique_from_tag(tag).empty()) continue;
      std::string name = tag.substr(7);
      std::replace(name.begin(), name.end(), '_', '-');
      if (catalogue.tactic(name) != nullptr) {
        rule_tactic = name;
        break;
      }
    }
    std::vector<std::string> techniques = r.techniques();
    if (techniques.empty()) techniques.push_back("");
    for (const auto& t : techniques) {
      SigmaFinding f;
      // The corpus may name ids of another ATT&CK release: a revoked one becomes its
      // successor here; a deprecated or unknown one is kept as tagged, marked unknown.
      ResolvedTechnique rt = t.empty() ? ResolvedTechnique{"", nullptr, nullptr} : catalogue.resolve(t);
      const Technique* known = rt.known;
      f.technique = rt.id;
      f.rule = "sigma:" + r.id;
      f.respond = respond && !t.empty();
      f.tactic = known != nullptr && !known->tactics.empty() ? known->tactics.front() : rule_tactic;
      f.info = info;
      f.info.set("technique_known", known != nullptr);
      if (rt.retired != nullptr) {
        f.info.set("technique_tagged", t);
        f.info.set("technique_tag_status", rt.retired->revoked_by.empty() ? "deprecated" : "revoked");
      }
      out.push_back(std::move(f));
    }
  }
  return out;
}

}  // namespace genesis::detect
