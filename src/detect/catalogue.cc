#include "detect/catalogue.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace genesis::detect {
namespace {

using core::Result;
using core::Value;

core::Error bad(const std::string& where, std::string message) {
  return core::make_error(core::code::kInvalidArgument, std::move(message), where);
}

const std::string* str(const Value& v, std::string_view key) {
  const Value* m = v.find(key);
  return m != nullptr && m->is_string() ? &m->as_string() : nullptr;
}

}  // namespace

Result<Catalogue> Catalogue::load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return core::make_error(core::code::kNotFound, "cannot open ATT&CK catalogue", path);
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return parse(ss.str(), path);
}

Result<Catalogue> Catalogue::parse(std::string_view json, const std::string& where) {
  auto doc = core::parse_json(json);
  if (!doc.ok()) return bad(where, "not valid JSON: " + doc.error().message);
  Catalogue c;
  const Value* source = doc->find("source");
  const Value* tactics = doc->find("tactics");
  const Value* techniques = doc->find("techniques");
  if (source == nullptr || !source->is_object() || str(*source, "version") == nullptr) {
    return bad(where, "missing source.version");
  }
  if (tactics == nullptr || !tactics->is_array() || techniques == nullptr ||
      !techniques->is_array()) {
    return bad(where, "missing tactics or techniques array");
  }
  c.source_ = *source;
  c.version_ = *str(*source, "version");
  if (const std::string* l = str(*doc, "licence")) c.licence_ = *l;
  for (std::size_t i = 0; i < tactics->as_array().size(); ++i) {
    const Value& t = tactics->as_array()[i];
    const std::string *id = str(t, "id"), *name = str(t, "name"), *sn = str(t, "shortname"),
                      *url = str(t, "url");
    if (!id || !name || !sn || !url) {
      return bad(where, "tactics[" + std::to_string(i) + "] needs id, name, shortname, url");
    }
    c.tactics_.push_back({*id, *name, *sn, *url});
  }
  for (std::size_t i = 0; i < techniques->as_array().size(); ++i) {
    const Value& t = techniques->as_array()[i];
    const std::string *id = str(t, "id"), *name = str(t, "name"), *url = str(t, "url");
    const Value* tac = t.find("tactics");
    const Value* parent = t.find("parent");
    std::string at = "techniques[" + std::to_string(i) + "]";
    if (!id || !name || !url || tac == nullptr || !tac->is_array()) {
      return bad(where, at + " needs id, name, tactics, url");
    }
    Technique tech{*id, *name, {}, "", *url};
    for (const Value& s : tac->as_array()) {
      if (!s.is_string() || c.tactic(s.as_string()) == nullptr) {
        return bad(where, at + " (" + *id + ") names an unknown tactic");
      }
      tech.tactics.push_back(s.as_string());
    }
    if (parent != nullptr && parent->is_string()) tech.parent = parent->as_string();
    if (!c.by_id_.emplace(tech.id, c.techniques_.size()).second) {
      return bad(where, "duplicate technique " + tech.id);
    }
    c.techniques_.push_back(std::move(tech));
  }
  for (const auto& t : c.techniques_) {
    if (!t.parent.empty() && c.find(t.parent) == nullptr) {
      return bad(where, t.id + " names unknown parent " + t.parent);
    }
  }
  // Optional (older catalogue files lack them): revoked and deprecated ids.
  for (const char* key : {"revoked", "deprecated"}) {
    const Value* list = doc->find(key);
    if (list == nullptr) continue;
    if (!list->is_array()) return bad(where, std::string(key) + " must be an array");
    const bool revoked = std::string_view(key) == "revoked";
    for (std::size_t i = 0; i < list->as_array().size(); ++i) {
      const Value& t = list->as_array()[i];
      std::string at = std::string(key) + "[" + std::to_string(i) + "]";
      const std::string *id = str(t, "id"), *name = str(t, "name"), *by = str(t, "revoked_by");
      if (!id || !name || (revoked && !by)) {
        return bad(where, at + (revoked ? " needs id, name, revoked_by" : " needs id, name"));
      }
      if (c.find(*id) != nullptr || c.retired_by_id_.count(*id)) {
        return bad(where, at + " (" + *id + ") is listed twice");
      }
      if (revoked && c.find(*by) == nullptr) {
        return bad(where, at + " (" + *id + ") is revoked by unknown technique " + *by);
      }
      c.retired_by_id_.emplace(*id, c.retired_.size());
      c.retired_.push_back({*id, *name, revoked ? *by : std::string()});
    }
  }
  return c;
}

ResolvedTechnique Catalogue::resolve(std::string_view id) const {
  if (const Technique* t = find(id)) return {t->id, t, nullptr};
  auto it = retired_by_id_.find(std::string(id));
  if (it == retired_by_id_.end()) return {std::string(id), nullptr, nullptr};
  const RetiredTechnique& r = retired_[it->second];
  if (r.revoked_by.empty()) return {r.id, nullptr, &r};
  return {r.revoked_by, find(r.revoked_by), &r};
}

const Technique* Catalogue::find(std::string_view id) const {
  auto it = by_id_.find(std::string(id));
  return it == by_id_.end() ? nullptr : &techniques_[it->second];
}

const Tactic* Catalogue::tactic(std::string_view shortname) const {
  for (const auto& t : tactics_) {
    if (t.shortname == shortname) return &t;
  }
  return nullptr;
}

Value Catalogue::to_json(const Technique& t) const {
  Value v = Value::object();
  v.set("id", t.id);
  v.set("name", t.name);
  Value tactics = Value::array();
  for (const auto& s : t.tactics) {
    if (const Tactic* tac = tactic(s)) {
      Value o = Value::object();
      o.set("id", tac->id);
      o.set("name", tac->name);
      o.set("shortname", tac->shortname);
      o.set("url", tac->url);
      tactics.push_back(std::move(o));
    }
  }
  v.set("tactics", std::move(tactics));
  v.set("parent", t.parent.empty() ? Value() : Value(t.parent));
  v.set("url", t.url);
  Value subs = Value::array();
  for (const auto& s : techniques_) {
    if (s.parent == t.id) subs.push_back(s.id);
  }
  v.set("subtechniques", std::move(subs));
  v.set("attack_version", version_);
  return v;
}

std::string default_catalogue_path() {
  if (const char* dir = std::getenv("GENESIS_SHARE_DIR"); dir != nullptr && *dir != '\0') {
    return std::string(dir) + "/attack/catalogue.json";
  }
  return std::string(GENESIS_SOURCE_DIR) + "/share/attack/catalogue.json";
}

}  // namespace genesis::detect
