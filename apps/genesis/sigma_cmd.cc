// genesis sigma: the Sigma engine (src/sigma) offline over rule files, and the
// rules genesisd runs.
//   genesis sigma check [--summary] PATH...     every rule: loaded or why not; exit 1 only
//                                               for malformed rules or unsupported features
//   genesis sigma ls [PATH...] [filters]        the rules that load: id, level, target, title;
//                                               with no PATH, genesisd's, with on/off
//   genesis sigma show ID [PATH...]             one rule's metadata (DRL attribution included)
//   genesis sigma test PATH EVENTS|-            run the rules over telemetry (NDJSON: one
//                                               telemetry object, or a Genesis event, a line)
//   genesis sigma enable|disable SELECTOR       switch genesisd's rules (level:low, tag:..., ...)
//   genesis sigma switches [rm ID]              the switches in force, oldest first; remove one
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

#include "apps/genesis/api.h"
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

// genesisd's rules, filtered as GET /v1/sigma/rules filters.
struct RemoteFilter {
  std::string level, status, selector, q;
  bool only_enabled = false, only_disabled = false;
  std::size_t limit = 5000;
};

void remote_ls(Context& ctx, const RemoteFilter& f) {
  if (f.only_enabled && f.only_disabled) return fail(ctx, "--enabled and --disabled exclude each other");
  std::string query;
  add_query(query, "level", f.level);
  add_query(query, "status", f.status);
  add_query(query, "selector", f.selector);
  add_query(query, "q", f.q);
  add_query(query, "enabled", f.only_enabled ? "true" : f.only_disabled ? "false" : "");
  add_query(query, "limit", std::to_string(f.limit));
  auto r = call(ctx, "GET", "/v1/sigma/rules?" + query.substr(1));
  if (!r) return;
  if (ctx.json) {
    std::cout << core::to_json(*r, true) << "\n";
    return;
  }
  for (const Value& rule : r->find("rules")->as_array()) {
    const std::string& level = rule.find("level")->as_string();
    std::cout << (rule.find("enabled")->as_bool() ? "on   " : "off  ") << rule.find("id")->as_string() << "  "
              << (level.empty() ? "-" : level) << "  " << rule.find("target")->as_string() << "  "
              << rule.find("title")->as_string() << "\n";
  }
  std::cout << r->find("total")->as_int() << " rules listed; " << r->find("rules_running")->as_int() << " of "
            << r->find("rules_loaded")->as_int() << " loaded rules run\n";
}

void remote_show(Context& ctx, const std::string& id) {
  auto r = call(ctx, "GET", "/v1/sigma/rules/" + id);
  if (r) std::cout << core::to_json(*r, true) << "\n";
}

void print_counts(const Value& r) {
  std::cout << r.find("rules_running")->as_int() << " of " << r.find("rules_loaded")->as_int()
            << " loaded rules run\n";
}

void switch_rules(Context& ctx, const std::string& selector, bool enabled) {
  Value body = core::Object{{"selector", selector}, {"enabled", enabled}};
  auto r = call(ctx, "POST", "/v1/sigma/switches", core::to_json(body));
  if (!r) return;
  if (ctx.json) {
    std::cout << core::to_json(*r) << "\n";
    return;
  }
  const Value& sw = *r->find("switch");
  std::cout << "switch " << sw.find("id")->as_int() << ": " << (enabled ? "enable " : "disable ")
            << sw.find("selector")->as_string() << "\n";
  print_counts(*r);
}

void list_switches(Context& ctx) {
  auto r = call(ctx, "GET", "/v1/sigma/switches");
  if (!r) return;
  if (ctx.json) {
    std::cout << core::to_json(*r, true) << "\n";
    return;
  }
  for (const Value& sw : r->find("switches")->as_array())
    std::cout << sw.find("id")->as_int() << "  " << (sw.find("enabled")->as_bool() ? "enable " : "disable ")
              << sw.find("selector")->as_string() << "  " << sw.find("created_at")->as_string() << "\n";
  print_counts(*r);
}

void remove_switch(Context& ctx, const std::string& id) {
  auto r = call(ctx, "DELETE", "/v1/sigma/switches/" + id);
  if (!r) return;
  if (ctx.json) {
    std::cout << core::to_json(*r) << "\n";
    return;
  }
  std::cout << "removed switch " << id << "\n";
  print_counts(*r);
}

}  // namespace

void add_sigma_commands(CLI::App& app, Context& ctx) {
  auto* sigma = app.add_subcommand("sigma", "Sigma rules: check, list, show, test (offline); enable, disable, switches (genesisd)");
  sigma->require_subcommand(1);

  auto* c = sigma->add_subcommand("check", "load every rule and report what does not load, and why");
  static std::vector<std::string> check_paths;
  static bool summary = false;
  c->add_option("paths", check_paths, "rule files or directories")->required();
  c->add_flag("--summary", summary, "print only the counts");
  c->callback([&ctx] { check(ctx, check_paths, summary); });

  auto* l = sigma->add_subcommand("ls", "list the rules that load (with no PATH: genesisd's rules, on or off)");
  static std::vector<std::string> ls_paths;
  static RemoteFilter filter;
  l->add_option("paths", ls_paths, "rule files or directories");
  l->add_option("--level", filter.level, "genesisd's rules of this level");
  l->add_option("--status", filter.status, "genesisd's rules of this status");
  l->add_option("--selector", filter.selector, "genesisd's rules a switch with this selector would select");
  l->add_option("--search", filter.q, "genesisd's rules whose id or title contains this");
  l->add_flag("--enabled", filter.only_enabled, "only genesisd's rules that run");
  l->add_flag("--disabled", filter.only_disabled, "only genesisd's rules switched off");
  l->add_option("--limit", filter.limit, "at most this many (1-5000)");
  l->callback([&ctx] {
    if (ls_paths.empty()) return remote_ls(ctx, filter);
    ls(ctx, ls_paths);
  });

  auto* s = sigma->add_subcommand("show", "one rule's metadata (with no PATH: genesisd's, with whether it runs)");
  static std::string show_id;
  static std::vector<std::string> show_paths;
  s->add_option("id", show_id, "rule id")->required();
  s->add_option("paths", show_paths, "rule files or directories");
  s->callback([&ctx] {
    if (show_paths.empty()) return remote_show(ctx, show_id);
    show(ctx, show_id, show_paths);
  });

  static const char* kSelectorHelp =
      "all, rule:ID, level:LEVEL, status:STATUS, tag:GLOB, path:GLOB (a trailing / is a folder)";
  static std::string enable_selector, disable_selector;
  auto* en = sigma->add_subcommand("enable", "let genesisd's rules a selector names run (a later switch wins)");
  en->add_option("selector", enable_selector, kSelectorHelp)->required();
  en->callback([&ctx] { switch_rules(ctx, enable_selector, true); });
  auto* dis = sigma->add_subcommand("disable", "switch off genesisd's rules a selector names (a later switch wins)");
  dis->add_option("selector", disable_selector, kSelectorHelp)->required();
  dis->callback([&ctx] { switch_rules(ctx, disable_selector, false); });

  auto* sw = sigma->add_subcommand("switches", "genesisd's rule switches, oldest first");
  sw->callback([&ctx, sw] {
    if (sw->get_subcommands().empty()) list_switches(ctx);
  });
  auto* rm = sw->add_subcommand("rm", "remove a switch by id");
  static std::string rm_id;
  rm->add_option("id", rm_id, "switch id")->required();
  rm->callback([&ctx] { remove_switch(ctx, rm_id); });

  auto* t = sigma->add_subcommand("test", "run rules over NDJSON telemetry");
  static std::string test_rules, test_events;
  t->add_option("rules", test_rules, "rule file or directory")->required();
  t->add_option("events", test_events, "NDJSON file, or - for stdin")->required();
  t->callback([&ctx] { test(ctx, test_rules, test_events); });
}

}  // namespace genesis::cli
