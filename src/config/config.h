// genesisd's configuration: one YAML file, every key also settable by an
// environment variable and a command-line flag. Precedence, highest first:
//
//   flag (--threads 8)  >  environment (GENESIS_THREADS=8)  >  file (threads: 8)  >  default
//
// Names, once: a key is a dotted path in the file ("tls.cert" is `cert:` inside
// `tls:`); its variable is GENESIS_ + the key upper-cased with '.' -> '_'
// (GENESIS_TLS_CERT); its flag is -- + the key with '.' and '_' -> '-'
// (--tls-cert). The keys, their types and defaults are the table in config.cc
// (docs/configuration.md is that table in prose; a test keeps them in step).
//
// Loading validates every key and collects every problem, not just the first:
// each Error's `where` names the origin and the key ("genesisd.conf:4:10: threads",
// "GENESIS_THREADS (threads)", "--threads (threads)"). Unknown keys in the file
// are errors (a typo must not silently fall back to a default); unknown GENESIS_*
// variables are ignored (other tools share the prefix).
//
// The daemon and the CLI load configuration through this one component, so
// `genesisd --check-config` and `genesis admin restore --config` see the same
// store the daemon would open. Thread safety: plain functions over values.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"

namespace CLI {
class App;
}

namespace genesis::config {

// What genesisd runs with. Paths are used as given (relative ones against
// genesisd's working directory); empty means "not set" where the key says so.
struct DaemonConfig {
  std::string listen = "127.0.0.1:8000";         // host:port; port 0: any free port
  std::string store = "sqlite:data/genesis.db";  // sqlite:PATH | postgresql://...
  std::string web;                               // built shell directory; empty: none served
  int threads = 0;                               // 0: 4 per core, at least 8
  std::string emotion_model;                     // empty: the compiled-in weights
  std::string attack_catalogue;                  // empty: the shipped catalogue
  std::string playbooks;                         // empty: the shipped playbooks/
  std::string mitre_policies;                    // empty: the shipped policies/mitre/
  std::string alert_webhook;                     // http://host:port/path; empty: none
  std::string sigma_rules;                       // empty: the shipped share/sigma/rules; "none": no Sigma
  std::vector<std::string> sigma_respond = {"high", "critical"};  // Sigma levels that respond
  std::string tls_cert;  // tls.cert: PEM certificate chain; with tls_key, HTTPS/WSS only
  std::string tls_key;   // tls.key: PEM private key
  // retention.*: maximum age in milliseconds per data kind; 0 keeps forever.
  int64_t retention_events_ms = 0;
  int64_t retention_evidence_ms = 90LL * 86400000;
  int64_t retention_detections_ms = 90LL * 86400000;
  int64_t retention_decisions_ms = 90LL * 86400000;
  int64_t retention_interval_ms = 3600000;  // between background passes; 0: none
  // retention.tenants: per tenant, kinds whose age differs ("acme.events=30d,...").
  std::map<std::string, std::map<std::string, int64_t>> retention_tenants;
};

enum class Source { kDefault, kFile, kEnvironment, kFlag };
const char* source_name(Source s);  // "default", "file", "environment", "flag"

// One key as documented: its names, its type in words, its default and what it does.
struct KeyInfo {
  std::string key;   // "listen", "tls.cert"
  std::string env;   // "GENESIS_LISTEN"
  std::string flag;  // "--listen"
  std::string type;  // "host:port", "integer 0..1024", "file", ...
  std::string default_text;
  std::string help;
};
// Every key, in the order docs/configuration.md lists them.
const std::vector<KeyInfo>& keys();

// Where the values come from. `env` is the process environment (only the
// GENESIS_* names of keys() are read); `flags` maps a key to the text given
// on the command line.
struct Inputs {
  std::string file;  // configuration file; empty: none (defaults, env, flags only)
  std::map<std::string, std::string> env;
  std::map<std::string, std::string> flags;
};

struct Loaded {
  DaemonConfig config;
  std::map<std::string, Source> source;      // per key: where its value came from
  std::map<std::string, std::string> where;  // per key set other than by default
};

// Reads the file (if any), the environment and the flags, validates every key
// (types, ranges, URL schemes; files and directories named must exist) and
// returns the merged configuration. On failure returns the first error and,
// when `all` is given, appends every error found to it.
core::Result<Loaded> load(const Inputs& inputs, std::vector<core::Error>* all = nullptr);

// GENESIS_* variables of this process's environment.
std::map<std::string, std::string> process_environment();

// Adds --config FILE (also GENESIS_CONFIG) and one flag per key to `app`; what
// the command line gives lands in `inputs`. The caller sets inputs.env.
void add_flags(CLI::App& app, Inputs& inputs);

// The effective configuration as YAML a file could hold, each key with a
// comment saying where its value came from (genesisd --check-config prints it).
std::string describe(const Loaded& loaded);

// Durations as the retention keys take them: a whole number and a unit, d, h,
// m or s ("90d"), or "0". Returns milliseconds; nullopt when malformed.
std::optional<int64_t> parse_duration(const std::string& text);
std::string format_duration(int64_t ms);  // the largest unit that divides it: "90d", "0"

}  // namespace genesis::config
