// genesis sigma check|ls|show|test: the Sigma engine (src/sigma) offline, over rule
// files or directories on this machine.
//   genesis sigma check [--summary] PATH...     every rule: loaded or why not; exit 1 only
//                                               for malformed rules or unsupported features
//   genesis sigma ls PATH...                    the rules that load: id, level, target, title
//   genesis sigma show ID PATH...               one rule's metadata (DRL attribution included)
//   genesis sigma test PATH EVENTS|-            run the rules over telemetry (NDJSON: one
//                                               telemetry object, or a Genesis event, a line)
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

#include "apps/genesis/commands.h"
#include "core/value.h"
#include "sigma/sigma.h"

namespace genesis::cli {
namespace {

using core::Value;
using sigma::Diagnostic;

sigma::Loader load(const std::vector<std::string>& paths) {
  sigma::Loader loader;
  for (const auto& p : paths) loader.add_dir(p);
  return loader;
}

void check(Context& ctx, const std::vector<std::string>& paths, bool summary) {
  auto loader = load(paths);
  std::map<Diagnostic::Kind, std::size_t> counts;
  bool errors = false;
  Value diags = Value::array();
  for (const auto& d : loader.diagnostics()) {
    ++counts[d.kind];
    errors = errors || d.is_error();
    if (ctx.json) {
      Value o = Value::object();
      o.set("kind", sigma::kind_name(d.kind));
      o.set("file", d.file);
      o.set("line", d.line);
      o.set("column", d.column);
      o.set("rule", d.rule_id);
      o.set("message", d.message);
      diags.push_back(std::move(o));
    } else if (!summary) {
      std::cout << d.to_string() << "\n";
    }
  }
  std::size_t loaded = loader.rules_loaded();
  std::size_t refused = counts[Diagnostic::Kind::kMalformed] +
                        counts[Diagnostic::Kind::kUnsupportedFeature] +
                        counts[Diagnostic::Kind::kUnknownField];
  double share = loaded + refused == 0 ? 1.0
                                       : static_cast<double>(loaded) /
                                             static_cast<double>(loaded + refused);
  if (ctx.json) {
    Value o = Value::object();
    o.set("loaded", static_cast<int64_t>(loaded));
    o.set("unsupported_logsource", static_cast<int64_t>(counts[Diagnostic::Kind::kUnsupportedLogsource]));
    o.set("unknown_field", static_cast<int64_t>(counts[Diagnostic::Kind::kUnknownField]));
    o.set("malformed", static_cast<int64_t>(counts[Diagnostic::Kind::kMalformed]));
    o.set("unsupported_feature", static_cast<int64_t>(counts[Diagnostic::Kind::kUnsupportedFeature]));
    o.set("loaded_share_of_genesis_logsources", share);
    o.set("diagnostics", std::move(diags));
    std::cout << core::to_json(o, true) << "\n";
  } else {
    char pct[32];
    std::snprintf(pct, sizeof pct, "%.1f", share * 100);
    std::cout << "loaded " << loaded << ", unsupported logsource "
              << counts[Diagnostic::Kind::kUnsupportedLogsource] << ", unknown field "
              << counts[Diagnostic::Kind::kUnknownField] << ", malformed "
              << counts[Diagnostic::Kind::kMalformed] << ", unsupported feature "
              << counts[Diagnostic::Kind::kUnsupportedFeature] << " (" << pct
              << "% of the rules with a Genesis logsource load)\n";
  }
  ctx.exit_code = errors ? 1 : 0;
}

void ls(Context& ctx, const std::vector<std::string>& paths) {
  auto set = load(paths).build();
  if (ctx.json) {
    Value a = Value::array();
    for (const auto* r : set->rules()) a.push_back(r->to_json());
    std::cout << core::to_json(a, true) << "\n";
    return;
  }
  for (const auto* r : set->rules()) {
    std::cout << r->id << "  " << (r->level.empty() ? "-" : r->level) << "  " << r->target
              << "  " << r->title << "\n";
  }
}

void show(Context& ctx, const std::string& id, const std::vector<std::string>& paths) {
  auto set = load(paths).build();
  const sigma::RuleInfo* r = set->find(id);
  if (r == nullptr) {
    std::cerr << "genesis: no loaded rule with id " << id << "\n";
    ctx.exit_code = 1;
    return;
  }
  std::cout << core::to_json(r->to_json(), true) << "\n";
}

void test(Context& ctx, const std::string& rules, const std::string& events) {
  auto loader = load({rules});
  auto set = loader.build();
  std::istream* in = &std::cin;
  std::ifstream file;
  if (events != "-") {
    file.open(events, std::ios::binary);
    if (!file) {
      std::cerr << "genesis: cannot read " << events << "\n";
      ctx.exit_code = 1;
      return;
    }
    in = &file;
  }
  std::string line;
  std::size_t n = 0, matched = 0;
  while (std::getline(*in, line)) {
    ++n;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    auto v = core::parse_json(line);
    if (!v.ok()) {
      std::cerr << "line " << n << ": " << v.error().to_string() << "\n";
      ctx.exit_code = 1;
      continue;
    }
    const Value* t = v->find("telemetry");
    for (const auto& m : set->match(t != nullptr ? *t : *v)) {
      ++matched;
      if (ctx.json) {
        Value o = Value::object();
        o.set("line", static_cast<int64_t>(n));
        o.set("rule", m.rule->id);
        o.set("title", m.rule->title);
        o.set("level", m.rule->level);
        Value f = Value::object();
        for (const auto& x : m.fields) f.set(x.path.empty() ? x.field : x.path, x.value);
        o.set("fields", std::move(f));
        std::cout << core::to_json(o) << "\n";
      } else {
        std::cout << "line " << n << ": " << m.rule->level << " " << m.rule->title << " ["
                  << m.rule->id << "]\n";
      }
    }
  }
  if (!ctx.json) std::cout << matched << " matches in " << n << " lines\n";
}

}  // namespace

void add_sigma_commands(CLI::App& app, Context& ctx) {
  auto* sigma = app.add_subcommand("sigma", "Sigma rules: check, list, show, test (offline)");
  sigma->require_subcommand(1);

  auto* c = sigma->add_subcommand("check", "load every rule and report what does not load, and why");
  static std::vector<std::string> check_paths;
  static bool summary = false;
  c->add_option("paths", check_paths, "rule files or directories")->required();
  c->add_flag("--summary", summary, "print only the counts");
  c->callback([&ctx] { check(ctx, check_paths, summary); });

  auto* l = sigma->add_subcommand("ls", "list the rules that load");
  static std::vector<std::string> ls_paths;
  l->add_option("paths", ls_paths, "rule files or directories")->required();
  l->callback([&ctx] { ls(ctx, ls_paths); });

  auto* s = sigma->add_subcommand("show", "one rule's metadata");
  static std::string show_id;
  static std::vector<std::string> show_paths;
  s->add_option("id", show_id, "rule id")->required();
  s->add_option("paths", show_paths, "rule files or directories")->required();
  s->callback([&ctx] { show(ctx, show_id, show_paths); });

  auto* t = sigma->add_subcommand("test", "run rules over NDJSON telemetry");
  static std::string test_rules, test_events;
  t->add_option("rules", test_rules, "rule file or directory")->required();
  t->add_option("events", test_events, "NDJSON file, or - for stdin")->required();
  t->callback([&ctx] { test(ctx, test_rules, test_events); });
}

}  // namespace genesis::cli
