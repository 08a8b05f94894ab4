// The key table and the three readers (file, environment, flags) over it.
// Every value, wherever it comes from, is text parsed by its key's one setter,
// so a key cannot mean one thing in the file and another on the command line.
#include "config/config.h"

#include <yaml-cpp/yaml.h>

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <functional>
#include <optional>
#include <set>

extern char** environ;

namespace genesis::config {
namespace {

using core::Error;
using core::make_error;
namespace code = core::code;
namespace fs = std::filesystem;

// Parses `text` into the config; returns a message (no location) when it is not valid.
using Setter = std::function<std::optional<std::string>(DaemonConfig&, const std::string&)>;
using Getter = std::function<std::string(const DaemonConfig&)>;

struct Key {
  KeyInfo info;
  Setter set;
  Getter get;
};

std::string quoted(const std::string& s) { return "\"" + s + "\""; }

std::string env_name(const std::string& key) {
  std::string out = "GENESIS_";
  for (char c : key) out += c == '.' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::string flag_name(const std::string& key) {
  std::string out = "--";
  for (char c : key) out += (c == '.' || c == '_') ? '-' : c;
  return out;
}

// ---- value types: each checks what a user can get wrong, in the user's words ----

// An existing regular file, or empty (the key's default).
Setter existing_file(std::string DaemonConfig::*field) {
  return [field](DaemonConfig& c, const std::string& v) -> std::optional<std::string> {
    std::error_code ec;
    if (!v.empty() && !fs::is_regular_file(v, ec)) return "no such file: " + quoted(v);
    c.*field = v;
    return std::nullopt;
  };
}

// An existing directory, or empty (the key's default).
Setter existing_dir(std::string DaemonConfig::*field) {
  return [field](DaemonConfig& c, const std::string& v) -> std::optional<std::string> {
    std::error_code ec;
    if (!v.empty() && !fs::is_directory(v, ec)) return "no such directory: " + quoted(v);
    c.*field = v;
    return std::nullopt;
  };
}

std::optional<int64_t> parse_int(const std::string& v) {
  if (v.empty() || v.size() > 18) return std::nullopt;
  size_t i = v[0] == '-' ? 1 : 0;
  if (i == v.size()) return std::nullopt;
  for (size_t j = i; j < v.size(); ++j)
    if (!std::isdigit(static_cast<unsigned char>(v[j]))) return std::nullopt;
  return std::stoll(v);
}

Setter integer(int DaemonConfig::*field, int lo, int hi) {
  return [field, lo, hi](DaemonConfig& c, const std::string& v) -> std::optional<std::string> {
    auto n = parse_int(v);
    if (!n || *n < lo || *n > hi)
      return "must be an integer from " + std::to_string(lo) + " to " + std::to_string(hi) +
             ", got " + quoted(v);
    c.*field = static_cast<int>(*n);
    return std::nullopt;
  };
}

std::optional<std::string> check_listen(const std::string& v) {
  auto colon = v.rfind(':');
  std::string bad = "must be host:port with a port from 0 to 65535 (0: any free port), got " + quoted(v);
  if (colon == std::string::npos || colon == 0) return bad;
  auto port = parse_int(v.substr(colon + 1));
  if (!port || *port < 0 || *port > 65535) return bad;
  return std::nullopt;
}

std::optional<std::string> check_store(const std::string& v) {
  if (v.rfind("sqlite:", 0) == 0) {
    if (v.size() == 7) return "sqlite: needs a path (sqlite:/var/lib/genesis/genesis.db)";
    return std::nullopt;
  }
  if (v.rfind("postgresql://", 0) == 0 || v.rfind("postgres://", 0) == 0) return std::nullopt;
  return "must be sqlite:PATH or postgresql://USER@HOST:PORT/DB, got " + quoted(v);
}

std::optional<std::string> check_webhook(const std::string& v) {
  if (v.empty()) return std::nullopt;
  if (v.rfind("http://", 0) != 0 || v.size() == 7)
    return "must be an http://host:port/path URL, got " + quoted(v);
  return std::nullopt;
}

Setter checked(std::string DaemonConfig::*field, std::optional<std::string> (*check)(const std::string&)) {
  return [field, check](DaemonConfig& c, const std::string& v) -> std::optional<std::string> {
    if (auto why = check(v)) return why;
    c.*field = v;
    return std::nullopt;
  };
}

// A duration (parse_duration).
Setter duration(int64_t DaemonConfig::*field) {
  return [field](DaemonConfig& c, const std::string& v) -> std::optional<std::string> {
    auto ms = parse_duration(v);
    if (!ms) return "must be a duration like 90d, 12h, 30m, 45s, or 0, got " + quoted(v);
    c.*field = *ms;
    return std::nullopt;
  };
}

Getter duration_text(int64_t DaemonConfig::*field) {
  return [field](const DaemonConfig& c) { return format_duration(c.*field); };
}

const char* const kKinds[] = {"events", "evidence", "detections", "decisions"};

// retention.tenants: "TENANT.KIND=DURATION" entries separated by commas.
std::optional<std::string> set_retention_tenants(DaemonConfig& c, const std::string& v) {
  std::map<std::string, std::map<std::string, int64_t>> out;
  size_t start = 0;
  while (start <= v.size() && !v.empty()) {
    size_t comma = v.find(',', start);
    std::string entry = v.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    while (!entry.empty() && entry.front() == ' ') entry.erase(entry.begin());
    while (!entry.empty() && entry.back() == ' ') entry.pop_back();
    auto eq = entry.find('=');
    auto dot = entry.rfind('.', eq);
    if (eq == std::string::npos || dot == std::string::npos || dot == 0)
      return "entries must be TENANT.KIND=DURATION separated by commas (acme.events=30d), got " +
             (quoted)(entry);
    std::string tenant = entry.substr(0, dot), kind = entry.substr(dot + 1, eq - dot - 1);
    if (std::find(std::begin(kKinds), std::end(kKinds), kind) == std::end(kKinds))
      return "unknown data kind " + (quoted)(kind) + " in " + (quoted)(entry) +
             " (events, evidence, detections, decisions)";
    auto ms = parse_duration(entry.substr(eq + 1));
    if (!ms) return "must be a duration like 90d, 12h, 30m, 45s, or 0 in " + (quoted)(entry);
    out[tenant][kind] = *ms;
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  c.retention_tenants = std::move(out);
  return std::nullopt;
}

std::string get_retention_tenants(const DaemonConfig& c) {
  std::string out;
  for (const auto& [tenant, kinds] : c.retention_tenants)
    for (const auto& [kind, ms] : kinds) out += (out.empty() ? "" : ",") + tenant + "." + kind + "=" + format_duration(ms);
  return out;
}

// "none" (no Sigma), or an existing directory, or empty (the shipped rules).
std::optional<std::string> set_sigma_rules(DaemonConfig& c, const std::string& v) {
  std::error_code ec;
  if (!v.empty() && v != "none" && !fs::is_directory(v, ec))
    return "no such directory: " + quoted(v) + " (none: no Sigma rules)";
  c.sigma_rules = v;
  return std::nullopt;
}

// Comma-separated Sigma levels; empty: no Sigma rule responds (all are recorded only).
std::optional<std::string> set_sigma_respond(DaemonConfig& c, const std::string& v) {
  static const std::set<std::string> kLevels = {"informational", "low", "medium", "high", "critical"};
  std::vector<std::string> levels;
  size_t start = 0;
  while (start <= v.size() && !v.empty()) {
    size_t comma = v.find(',', start);
    std::string level = v.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    level.erase(0, level.find_first_not_of(' '));
    level.erase(level.find_last_not_of(' ') + 1);
    if (!kLevels.count(level))
      return "must be Sigma levels separated by commas (informational, low, medium, high, critical), got " +
             quoted(v);
    levels.push_back(level);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  c.sigma_respond = std::move(levels);
  return std::nullopt;
}

Getter str(std::string DaemonConfig::*field) {
  return [field](const DaemonConfig& c) { return c.*field; };
}

Key key(std::string name, std::string type, std::string default_text, std::string help, Setter set,
        Getter get) {
  KeyInfo info{name, env_name(name), flag_name(name), std::move(type), std::move(default_text),
               std::move(help)};
  return Key{std::move(info), std::move(set), std::move(get)};
}

// The keys. Order is documentation order.
const std::vector<Key>& table() {
  static const std::vector<Key> keys = [] {
    using C = DaemonConfig;
    std::vector<Key> k;
    k.push_back(key("listen", "host:port", "127.0.0.1:8000",
                    "Address to serve HTTP and WebSocket on; port 0 picks any free port.",
                    checked(&C::listen, check_listen), str(&C::listen)));
    k.push_back(key("store", "store URL", "sqlite:data/genesis.db",
                    "sqlite:PATH (the directory is created) or postgresql://USER@HOST:PORT/DB.",
                    checked(&C::store, check_store), str(&C::store)));
    k.push_back(key("web", "directory", "(none)",
                    "The built browser shell (web/dist) to serve at /; empty serves none.",
                    existing_dir(&C::web), str(&C::web)));
    k.push_back(key("threads", "integer 0..1024", "0",
                    "Worker threads; 0 means 4 per core, at least 8.", integer(&C::threads, 0, 1024),
                    [](const C& c) { return std::to_string(c.threads); }));
    k.push_back(key("emotion_model", "file", "(compiled in)",
                    "PAD model weights (models/emotion.bin format); empty: the compiled-in weights.",
                    existing_file(&C::emotion_model), str(&C::emotion_model)));
    k.push_back(key("attack_catalogue", "file", "(shipped)",
                    "ATT&CK catalogue JSON; empty: the shipped share/attack/catalogue.json.",
                    existing_file(&C::attack_catalogue), str(&C::attack_catalogue)));
    k.push_back(key("playbooks", "directory", "(shipped)",
                    "Playbook directory; empty: the shipped playbooks/.", existing_dir(&C::playbooks),
                    str(&C::playbooks)));
    k.push_back(key("mitre_policies", "directory", "(shipped)",
                    "ATT&CK mapping Rego library; empty: the shipped policies/mitre/.",
                    existing_dir(&C::mitre_policies), str(&C::mitre_policies)));
    k.push_back(key("alert_webhook", "http URL", "(none)",
                    "http://host:port/path that the alert-soc goal POSTs detections to.",
                    checked(&C::alert_webhook, check_webhook), str(&C::alert_webhook)));
    k.push_back(key("sigma_rules", "directory or none", "(shipped)",
                    "Sigma rule directory run beside the ATT&CK mapping; empty: the shipped "
                    "share/sigma/rules; none: no Sigma.",
                    set_sigma_rules, str(&C::sigma_rules)));
    k.push_back(key("sigma_respond", "Sigma levels", "high,critical",
                    "Levels whose Sigma matches raise a counter-agent (comma-separated); lower "
                    "ones are recorded only; empty: none respond.",
                    set_sigma_respond, [](const C& c) {
                      std::string out;
                      for (const auto& l : c.sigma_respond) out += (out.empty() ? "" : ",") + l;
                      return out;
                    }));
    k.push_back(key("tls.cert", "file", "(none)",
                    "PEM certificate (chain) for HTTPS and WSS; with tls.key, plain HTTP is off. "
                    "Reloaded on SIGHUP.",
                    existing_file(&C::tls_cert), str(&C::tls_cert)));
    k.push_back(key("tls.key", "file", "(none)", "PEM private key of tls.cert. Reloaded on SIGHUP.",
                    existing_file(&C::tls_key), str(&C::tls_key)));
    k.push_back(key("retention.events", "duration", "0",
                    "Cognition events older than this are deleted in the background; 0 keeps them.",
                    duration(&C::retention_events_ms), duration_text(&C::retention_events_ms)));
    k.push_back(key("retention.evidence", "duration", "90d",
                    "Telemetry evidence (counter-agents' snapshots) older than this is deleted; 0 keeps it.",
                    duration(&C::retention_evidence_ms), duration_text(&C::retention_evidence_ms)));
    k.push_back(key("retention.detections", "duration", "90d",
                    "Detections and their response actions older than this are deleted; 0 keeps them.",
                    duration(&C::retention_detections_ms), duration_text(&C::retention_detections_ms)));
    k.push_back(key("retention.decisions", "duration", "90d",
                    "Egress decisions older than this are deleted; 0 keeps them.",
                    duration(&C::retention_decisions_ms), duration_text(&C::retention_decisions_ms)));
    k.push_back(key("retention.interval", "duration", "1h",
                    "Time between background retention passes (the first one interval after start); "
                    "0 runs none (genesis admin vacuum still does).",
                    duration(&C::retention_interval_ms), duration_text(&C::retention_interval_ms)));
    k.push_back(key("retention.tenants", "overrides", "(none)",
                    "Per-tenant ages: TENANT.KIND=DURATION, comma-separated (acme.events=30d,acme.evidence=0).",
                    set_retention_tenants, get_retention_tenants));
    return k;
  }();
  return keys;
}

const Key* find_key(const std::string& name) {
  for (const Key& k : table())
    if (k.info.key == name) return &k;
  return nullptr;
}

// Whether `prefix` names a section: some key starts with "prefix.".
bool is_section(const std::string& prefix) {
  for (const Key& k : table())
    if (k.info.key.rfind(prefix + ".", 0) == 0) return true;
  return false;
}

std::string at(const std::string& file, const YAML::Mark& m) {
  return file + ":" + std::to_string(m.line + 1) + ":" + std::to_string(m.column + 1);
}

// Walks one mapping of the file; `prefix` is the section it is in ("" at the top).
// `out` gets each key's text and location; `seen` every key met, valid or not
// (for duplicates).
void read_map(const std::string& file, const YAML::Node& map, const std::string& prefix,
              std::map<std::string, std::pair<std::string, std::string>>& out,
              std::map<std::string, std::string>& seen, std::vector<Error>& errors) {
  for (auto it = map.begin(); it != map.end(); ++it) {
    YAML::Node k = it->first;  // copies: the iterator hands out temporaries
    YAML::Node v = it->second;
    std::string where = at(file, k.Mark());
    if (!k.IsScalar()) {
      errors.push_back(make_error(code::kInvalidArgument, "a key must be a plain name", where));
      continue;
    }
    std::string name = prefix.empty() ? k.Scalar() : prefix + "." + k.Scalar();
    where += ": " + name;
    if (auto first = seen.find(name); first != seen.end()) {
      errors.push_back(make_error(code::kInvalidArgument, "duplicate key (first at " + first->second + ")",
                                  where));
      continue;
    }
    seen[name] = where;
    if (find_key(name)) {
      if (v.IsNull()) {
        out[name] = {"", where};
      } else if (v.IsScalar()) {
        out[name] = {v.Scalar(), where};
      } else {
        errors.push_back(make_error(code::kInvalidArgument, "must be a single value, not a list or map",
                                    where));
      }
    } else if (is_section(name)) {
      if (v.IsMap()) {
        read_map(file, v, name, out, seen, errors);
      } else if (!v.IsNull()) {
        errors.push_back(make_error(code::kInvalidArgument, "must be a section (a map of keys)", where));
      }
    } else {
      errors.push_back(make_error(code::kInvalidArgument,
                                  "unknown key (docs/configuration.md lists the keys)", where));
    }
  }
}

}  // namespace

const char* source_name(Source s) {
  switch (s) {
    case Source::kDefault: return "default";
    case Source::kFile: return "file";
    case Source::kEnvironment: return "environment";
    case Source::kFlag: return "flag";
  }
  return "default";
}

const std::vector<KeyInfo>& keys() {
  static const std::vector<KeyInfo> infos = [] {
    std::vector<KeyInfo> v;
    for (const Key& k : table()) v.push_back(k.info);
    return v;
  }();
  return infos;
}

core::Result<Loaded> load(const Inputs& inputs, std::vector<Error>* all) {
  std::vector<Error> errors;
  // Each source in ascending precedence; a later one replaces an earlier one's text.
  struct Given {
    std::string text, where;
    Source source;
  };
  std::map<std::string, Given> given;

  if (!inputs.file.empty()) {
    std::map<std::string, std::pair<std::string, std::string>> from_file;
    std::error_code ec;
    if (!fs::is_regular_file(inputs.file, ec)) {
      errors.push_back(make_error(code::kInvalidArgument, "no such configuration file", inputs.file));
    } else {
      try {
        YAML::Node root = YAML::LoadFile(inputs.file);
        if (root.IsMap()) {
          std::map<std::string, std::string> seen;
          read_map(inputs.file, root, "", from_file, seen, errors);
        } else if (!root.IsNull()) {
          errors.push_back(make_error(code::kInvalidArgument,
                                      "the configuration must be a map of keys (key: value)",
                                      at(inputs.file, root.Mark())));
        }
      } catch (const YAML::ParserException& e) {
        errors.push_back(make_error(code::kInvalidArgument, "not valid YAML: " + e.msg,
                                    at(inputs.file, e.mark)));
      } catch (const YAML::Exception& e) {
        errors.push_back(make_error(code::kInvalidArgument, std::string("cannot read: ") + e.what(),
                                    inputs.file));
      }
    }
    for (auto& [name, tv] : from_file)
      if (find_key(name)) given[name] = {tv.first, tv.second, Source::kFile};
  }
  for (const Key& k : table()) {
    if (auto it = inputs.env.find(k.info.env); it != inputs.env.end())
      given[k.info.key] = {it->second, k.info.env + " (" + k.info.key + ")", Source::kEnvironment};
  }
  for (const auto& [name, value] : inputs.flags) {
    const Key* k = find_key(name);
    if (!k) {
      errors.push_back(make_error(code::kInvalidArgument, "unknown key", name));
      continue;
    }
    given[name] = {value, k->info.flag + " (" + name + ")", Source::kFlag};
  }

  Loaded out;
  std::set<std::string> failed;  // keys whose value was refused
  for (const Key& k : table()) out.source[k.info.key] = Source::kDefault;
  for (const auto& [name, g] : given) {
    const Key* k = find_key(name);
    if (auto why = k->set(out.config, g.text)) {
      errors.push_back(make_error(code::kInvalidArgument, *why, g.where));
      failed.insert(name);
      continue;
    }
    out.source[name] = g.source;
    out.where[name] = g.where;
  }

  // Keys that only make sense together (unless one of them is already reported).
  if (out.config.tls_cert.empty() != out.config.tls_key.empty() && !failed.count("tls.cert") &&
      !failed.count("tls.key")) {
    bool has_cert = !out.config.tls_cert.empty();
    std::string set_key = has_cert ? "tls.cert" : "tls.key";
    std::string missing = has_cert ? "tls.key" : "tls.cert";
    // Where it was set, without the key: "FILE:LINE:COL", "GENESIS_TLS_CERT", "--tls-cert".
    std::string set_where = out.where.at(set_key);
    if (auto p = set_where.rfind(": " + set_key); p != std::string::npos) set_where.resize(p);
    errors.push_back(make_error(code::kInvalidArgument,
                                "TLS needs both tls.cert and tls.key: " + set_key + " is set (" +
                                    set_where.substr(0, set_where.rfind(" (")) + ") but " + missing + " is not",
                                missing));
  }

  if (all) all->insert(all->end(), errors.begin(), errors.end());
  if (!errors.empty()) return errors.front();
  return out;
}

std::map<std::string, std::string> process_environment() {
  std::map<std::string, std::string> env;
  for (char** e = environ; e && *e; ++e) {
    std::string_view kv(*e);
    if (kv.rfind("GENESIS_", 0) != 0) continue;
    auto eq = kv.find('=');
    if (eq == std::string_view::npos) continue;
    env.emplace(std::string(kv.substr(0, eq)), std::string(kv.substr(eq + 1)));
  }
  return env;
}

void add_flags(CLI::App& app, Inputs& inputs) {
  app.add_option("--config", inputs.file, "configuration file (YAML; docs/configuration.md)")
      ->envname("GENESIS_CONFIG");
  for (const Key& k : table()) {
    std::string name = k.info.key;
    app.add_option_function<std::string>(
        k.info.flag, [&inputs, name](const std::string& v) { inputs.flags[name] = v; },
        k.info.help + " [" + k.info.env + "; file key " + name + "]");
  }
}

std::string describe(const Loaded& loaded) {
  // Top-level keys first, then each section's keys under its header.
  std::string out;
  std::string section;
  for (const Key& k : table()) {
    const std::string& name = k.info.key;
    auto dot = name.rfind('.');
    std::string sec = dot == std::string::npos ? "" : name.substr(0, dot);
    std::string leaf = dot == std::string::npos ? name : name.substr(dot + 1);
    if (sec != section) {
      if (!sec.empty()) out += sec + ":\n";
      section = sec;
    }
    std::string value = k.get(loaded.config);
    YAML::Emitter e;
    e << YAML::DoubleQuoted << value;
    out += (sec.empty() ? "" : "  ") + leaf + ": " + e.c_str();
    Source s = loaded.source.at(name);
    out += "  # " + std::string(source_name(s));
    if (auto w = loaded.where.find(name); w != loaded.where.end() && s == Source::kFile)
      out += " " + w->second.substr(0, w->second.rfind(": "));
    else if (s == Source::kEnvironment)
      out += " " + k.info.env;
    out += "\n";
  }
  return out;
}

std::optional<int64_t> parse_duration(const std::string& text) {
  if (text == "0") return 0;
  if (text.size() < 2 || text.size() > 12) return std::nullopt;
  int64_t unit = 0;
  switch (text.back()) {
    case 'd': unit = 86400000; break;
    case 'h': unit = 3600000; break;
    case 'm': unit = 60000; break;
    case 's': unit = 1000; break;
    default: return std::nullopt;
  }
  std::string digits = text.substr(0, text.size() - 1);
  for (char ch : digits)
    if (!std::isdigit(static_cast<unsigned char>(ch))) return std::nullopt;
  int64_t n = std::stoll(digits);
  if (n > 100LL * 365 * 86400000 / unit) return std::nullopt;  // 100 years at most
  return n * unit;
}

std::string format_duration(int64_t ms) {
  if (ms == 0) return "0";
  for (auto [unit, suffix] : {std::pair<int64_t, char>{86400000, 'd'}, {3600000, 'h'}, {60000, 'm'}, {1000, 's'}})
    if (ms % unit == 0) return std::to_string(ms / unit) + suffix;
  return std::to_string(ms / 1000) + "s";
}

}  // namespace genesis::config
