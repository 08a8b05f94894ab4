// Read and parse stages: YAML documents -> CompiledRule, with every problem a
// Diagnostic. yaml-cpp's exceptions stop here.
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "sigma/loader_impl.h"
#include "sigma/modifiers.h"

namespace genesis::sigma {
namespace {

namespace fs = std::filesystem;
using DK = Diagnostic::Kind;

std::string scalar_or(const YAML::Node& n, const char* key) {
  YAML::Node v = n[key];
  if (v && v.IsScalar()) return v.Scalar();
  return {};
}

std::vector<std::string> string_list(const YAML::Node& n) {
  std::vector<std::string> out;
  if (!n) return out;
  if (n.IsScalar()) {
    out.push_back(n.Scalar());
  } else if (n.IsSequence()) {
    for (const auto& x : n) {
      if (x.IsScalar()) out.push_back(x.Scalar());
    }
  }
  return out;
}

RawValue raw(const YAML::Node& n) {
  RawValue v;
  if (n.IsNull()) {
    v.type = RawValue::kNull;
    return v;
  }
  v.text = n.Scalar();
  if (n.Tag() == "!") return v;  // quoted: always a string
  if (v.text == "null" || v.text == "Null" || v.text == "NULL" || v.text == "~") {
    v.type = RawValue::kNull;
  } else if (v.text == "true" || v.text == "false" || v.text == "True" || v.text == "False" ||
             v.text == "TRUE" || v.text == "FALSE") {
    v.type = RawValue::kBool;
    for (char& c : v.text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  } else {
    char* end = nullptr;
    std::strtod(v.text.c_str(), &end);
    if (!v.text.empty() && end == v.text.c_str() + v.text.size()) v.type = RawValue::kNumber;
  }
  return v;
}

// Deep merge for Sigma 1 rule collections (`action: global`): `over` wins.
YAML::Node merged(const YAML::Node& base, const YAML::Node& over) {
  if (!base || !base.IsMap() || !over.IsMap()) return YAML::Clone(over);
  YAML::Node out = YAML::Clone(base);
  for (const auto& kv : over) {
    std::string k = kv.first.Scalar();
    if (out[k] && out[k].IsMap() && kv.second.IsMap()) {
      out[k] = merged(out[k], kv.second);
    } else {
      out[k] = YAML::Clone(kv.second);
    }
  }
  return out;
}

}  // namespace

void Loader::Impl::diag(DK kind, const std::string& file, int line, int col,
                        const std::string& rule_id, std::string message) {
  diagnostics.push_back(Diagnostic{kind, file, line, col, rule_id, std::move(message)});
}

void Loader::Impl::add_document(const YAML::Node& doc, const std::string& file) {
  int line = doc.Mark().line + 1, col = doc.Mark().column + 1;
  if (!doc.IsMap()) {
    diag(DK::kMalformed, file, line, col, "", "a rule must be a YAML mapping");
    return;
  }
  std::string id = scalar_or(doc, "id");
  auto at = [&](const YAML::Node& n) {
    return std::pair<int, int>{n.Mark().line + 1, n.Mark().column + 1};
  };
  if (doc["correlation"]) {
    auto [l, c] = at(doc["correlation"]);
    diag(DK::kUnsupportedFeature, file, l, c, id, "correlation rules are not supported yet");
    return;
  }
  if (doc["filter"] && !doc["detection"]) {
    auto [l, c] = at(doc["filter"]);
    diag(DK::kUnsupportedFeature, file, l, c, id, "filter rules (meta filters) are not supported yet");
    return;
  }

  CompiledRule rule;
  RuleInfo& info = rule.info;
  info.id = id.empty() ? file + ":" + std::to_string(line) : id;
  info.title = scalar_or(doc, "title");
  info.status = scalar_or(doc, "status");
  info.level = scalar_or(doc, "level");
  info.author = scalar_or(doc, "author");
  info.description = scalar_or(doc, "description");
  info.date = scalar_or(doc, "date");
  info.modified = scalar_or(doc, "modified");
  info.references = string_list(doc["references"]);
  info.tags = string_list(doc["tags"]);
  info.falsepositives = string_list(doc["falsepositives"]);
  info.file = file;
  info.line = line;
  if (info.title.empty()) {
    diag(DK::kMalformed, file, line, col, id, "title is required");
    return;
  }
  static const std::vector<std::string> kLevels = {"", "informational", "low", "medium", "high",
                                                   "critical"};
  if (std::find(kLevels.begin(), kLevels.end(), info.level) == kLevels.end()) {
    auto [l, c] = at(doc["level"]);
    diag(DK::kMalformed, file, l, c, id, "level must be informational, low, medium, high or critical");
    return;
  }
  YAML::Node ls = doc["logsource"];
  if (!ls || !ls.IsMap()) {
    diag(DK::kMalformed, file, line, col, id, "logsource is required (a mapping)");
    return;
  }
  info.logsource = {scalar_or(ls, "product"), scalar_or(ls, "category"), scalar_or(ls, "service")};
  YAML::Node det = doc["detection"];
  if (!det || !det.IsMap()) {
    diag(DK::kMalformed, file, line, col, id, "detection is required (a mapping)");
    return;
  }
  YAML::Node cond = det["condition"];
  if (!cond) {
    auto [l, c] = at(det);
    diag(DK::kMalformed, file, l, c, id, "detection.condition is required");
    return;
  }
  if (det["timeframe"]) {
    auto [l, c] = at(det["timeframe"]);
    diag(DK::kUnsupportedFeature, file, l, c, id,
         "detection.timeframe (Sigma 1 aggregation) is not supported; use a correlation rule");
    return;
  }

  auto target = resolve_logsource(info.logsource);
  if (!target) {
    auto [l, c] = at(ls);
    diag(DK::kUnsupportedLogsource, file, l, c, id,
         "logsource product=" + info.logsource.product + " category=" + info.logsource.category +
             " service=" + info.logsource.service + " has no Genesis telemetry kind");
    return;
  }
  rule.target = *target;
  info.target = target->bucket();

  // Selections. The first error of each kind decides the rule's diagnostic, but
  // every selection is checked so that all unknown fields are listed together.
  std::vector<std::string> unknown;
  for (const auto& kv : det) {
    std::string name = kv.first.Scalar();
    if (name == "condition") continue;
    const YAML::Node& body = kv.second;
    auto [l, c] = at(body);
    auto fail = [&](const core::Error& e, int fl, int fc) {
      if (e.code == "unknown_field") {
        unknown.push_back(e.message);
        return false;
      }
      diag(e.code == "unsupported" ? DK::kUnsupportedFeature : DK::kMalformed, file, fl, fc, id,
           "detection." + name + ": " + e.message);
      return true;
    };
    Selection sel;
    sel.name = name;
    auto compile_map = [&](const YAML::Node& map, std::vector<FieldMatcher>& out) -> bool {
      for (const auto& item : map) {
        std::string key = item.first.Scalar();
        auto [il, ic] = at(item.first);
        std::vector<RawValue> values;
        const YAML::Node& v = item.second;
        if (v.IsSequence()) {
          for (const auto& x : v) {
            if (!x.IsScalar() && !x.IsNull()) {
              diag(DK::kMalformed, file, il, ic, id, "detection." + name + "." + key + ": values must be scalars");
              return false;
            }
            values.push_back(raw(x));
          }
        } else if (v.IsScalar() || v.IsNull()) {
          values.push_back(raw(v));
        } else {
          diag(DK::kMalformed, file, il, ic, id, "detection." + name + "." + key + ": a value must be a scalar or a list");
          return false;
        }
        auto m = key.empty() || key[0] == '|' ? compile_keywords(key, values, options)
                                              : compile_item(key, values, rule.target, options);
        if (!m.ok()) {
          if (fail(m.error(), il, ic)) return false;
          continue;
        }
        out.push_back(std::move(*m));
      }
      return true;
    };
    if (body.IsMap()) {
      std::vector<FieldMatcher> fields;
      if (!compile_map(body, fields)) return;
      sel.any_of.push_back(std::move(fields));
    } else if (body.IsSequence()) {
      std::vector<RawValue> keywords;
      for (const auto& x : body) {
        if (x.IsMap()) {
          std::vector<FieldMatcher> fields;
          if (!compile_map(x, fields)) return;
          sel.any_of.push_back(std::move(fields));
        } else if (x.IsScalar()) {
          keywords.push_back(raw(x));
        } else {
          diag(DK::kMalformed, file, l, c, id, "detection." + name + ": list items must be maps or values");
          return;
        }
      }
      if (!keywords.empty()) {
        auto m = compile_keywords("", keywords, options);
        if (!m.ok()) {
          if (fail(m.error(), l, c)) return;
        } else {
          sel.any_of.push_back({std::move(*m)});
        }
      }
    } else if (body.IsScalar()) {
      auto m = compile_keywords("", {raw(body)}, options);
      if (!m.ok()) {
        if (fail(m.error(), l, c)) return;
      } else {
        sel.any_of.push_back({std::move(*m)});
      }
    } else {
      diag(DK::kMalformed, file, l, c, id, "detection." + name + " must be a map, a list or a value");
      return;
    }
    rule.selections.push_back(std::move(sel));
  }
  if (!unknown.empty()) {
    auto [l, c] = at(det);
    std::string msg;
    for (const auto& u : unknown) msg += (msg.empty() ? "" : "; ") + u;
    diag(DK::kUnknownField, file, l, c, id, msg);
    return;
  }

  // Condition: one expression, or a list of them (OR).
  std::vector<std::string> conds;
  if (cond.IsScalar()) {
    conds.push_back(cond.Scalar());
  } else if (cond.IsSequence()) {
    for (const auto& x : cond) conds.push_back(x.IsScalar() ? x.Scalar() : "");
  }
  if (conds.empty()) {
    auto [l, c] = at(cond);
    diag(DK::kMalformed, file, l, c, id, "detection.condition must be a string or a list of strings");
    return;
  }
  Cond top{Cond::kOr, {}, -1};
  for (const auto& text : conds) {
    auto parsed = parse_condition(text, rule.selections);
    if (!parsed.ok()) {
      auto [l, c] = at(cond);
      diag(parsed.error().code == "unsupported" ? DK::kUnsupportedFeature : DK::kMalformed, file,
           l, c, id, "detection.condition: " + parsed.error().message);
      return;
    }
    top.kids.push_back(std::move(*parsed));
  }
  rule.condition = top.kids.size() == 1 ? std::move(top.kids[0]) : std::move(top);
  rule.literals = required_literals(rule);

  if (options.enabled && !options.enabled(rule.info)) {
    ++disabled;
    return;
  }
  rules.push_back(std::make_shared<CompiledRule>(std::move(rule)));
}

namespace {

// Counts the documents of a YAML stream without building them.
class DocumentCounter : public YAML::EventHandler {
 public:
  std::size_t documents = 0;
  void OnDocumentStart(const YAML::Mark&) override { ++documents; }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t, const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}
};

// yaml-cpp before 0.8.0 never finishes LoadAll on a stream with a flow token (`,`) outside
// any collection (",", "- a\n,"): the parser hands back an empty document for it forever,
// without consuming it, each one allocating (jbeder/yaml-cpp#1040, fixed upstream by
// #1319). Debian 12 ships 0.7.0, so the documents are counted first: a stream holds at
// most one document per byte (plus one), so more than that is the loop, and the text is
// refused as malformed instead of hanging the loader and exhausting memory.
bool yaml_loops(std::string_view text) {
  std::istringstream in{std::string(text)};
  YAML::Parser parser(in);
  DocumentCounter counter;
  while (parser.HandleNextDocument(counter)) {
    if (counter.documents > text.size() + 1) return true;
  }
  return false;
}

}  // namespace

void Loader::Impl::add_text(std::string_view text, const std::string& file) {
  std::vector<YAML::Node> docs;
  try {
    if (yaml_loops(text)) {
      diag(DK::kMalformed, file, 0, 0, "",
           "YAML: a flow indicator (',') outside any [ ] or { } collection");
      return;
    }
    docs = YAML::LoadAll(std::string(text));
  } catch (const YAML::Exception& e) {
    diag(DK::kMalformed, file, e.mark.line + 1, e.mark.column + 1, "", "YAML: " + e.msg);
    return;
  }
  YAML::Node global;
  bool has_global = false;
  for (const auto& doc : docs) {
    if (!doc || doc.IsNull()) continue;
    try {
      std::string action = doc.IsMap() ? scalar_or(doc, "action") : "";
      if (action == "global") {
        global = YAML::Clone(doc);
        global.remove("action");
        has_global = true;
        continue;
      }
      if (action == "reset") {
        has_global = false;
        continue;
      }
      if (action == "repeat") {
        diag(DK::kUnsupportedFeature, file, doc.Mark().line + 1, doc.Mark().column + 1, "",
             "rule collections with action: repeat are not supported");
        continue;
      }
      add_document(has_global ? merged(global, doc) : doc, file);
    } catch (const YAML::Exception& e) {
      diag(DK::kMalformed, file, e.mark.line + 1, e.mark.column + 1, "", "YAML: " + e.msg);
    }
  }
}

// ---- Loader ----

Loader::Loader(LoadOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
}
Loader::~Loader() = default;
Loader::Loader(Loader&&) noexcept = default;
Loader& Loader::operator=(Loader&&) noexcept = default;

void Loader::add_text(std::string_view yaml, const std::string& name) {
  impl_->add_text(yaml, name);
}

void Loader::add_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    impl_->diag(DK::kMalformed, path, 0, 0, "", "cannot read the file");
    return;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  impl_->add_text(ss.str(), path);
}

void Loader::add_dir(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    if (fs::is_regular_file(dir, ec)) {
      add_file(dir);
      return;
    }
    impl_->diag(DK::kMalformed, dir, 0, 0, "", "not a file or directory");
    return;
  }
  std::vector<fs::path> files;
  for (auto it = fs::recursive_directory_iterator(dir, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (!it->is_regular_file()) continue;
    auto ext = it->path().extension().string();
    if (ext == ".yml" || ext == ".yaml") files.push_back(it->path());
  }
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    std::ifstream in(f, std::ios::binary);
    std::string rel = fs::relative(f, dir, ec).string();
    if (!in) {
      impl_->diag(DK::kMalformed, rel, 0, 0, "", "cannot read the file");
      continue;
    }
    std::stringstream ss;
    ss << in.rdbuf();
    impl_->add_text(ss.str(), rel);
  }
}

const std::vector<Diagnostic>& Loader::diagnostics() const { return impl_->diagnostics; }
std::size_t Loader::rules_loaded() const { return impl_->rules.size(); }
std::size_t Loader::rules_disabled() const { return impl_->disabled; }

std::vector<const RuleInfo*> Loader::rules() const {
  std::vector<const RuleInfo*> out;
  out.reserve(impl_->rules.size());
  for (const auto& r : impl_->rules) out.push_back(&r->info);
  return out;
}

// ---- Diagnostic ----

const char* kind_name(Diagnostic::Kind kind) {
  switch (kind) {
    case DK::kMalformed: return "malformed";
    case DK::kUnsupportedFeature: return "unsupported feature";
    case DK::kUnsupportedLogsource: return "unsupported logsource";
    case DK::kUnknownField: return "unknown field";
  }
  return "?";
}

std::string Diagnostic::to_string() const {
  std::string s = file;
  if (line > 0) s += ":" + std::to_string(line) + ":" + std::to_string(column);
  s += ": ";
  s += kind_name(kind);
  if (!rule_id.empty()) s += " [" + rule_id + "]";
  s += ": " + message;
  return s;
}

}  // namespace genesis::sigma
