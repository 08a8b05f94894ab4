// genesis admin backup|restore|vacuum|verify-bundle: the embedded store's backup (online, through
// genesisd), retention pass + vacuum (online, through genesisd), restore (offline, straight into the store file, with the same
// configuration genesisd reads: src/config) and the air-gapped bundle's check (offline: src/bundle).
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <iostream>

#include "apps/genesis/api.h"
#include "bundle/bundle.h"
#include "config/config.h"
#include "storage/storage.h"

namespace genesis::cli {

namespace {

// Writes `data` to `path` durably: a sibling temp file, fsync, rename.
core::Status write_file_durably(const std::string& path, const std::string& data) {
  std::string part = path + ".part";
  int fd = ::open(part.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return core::make_error(core::code::kUnavailable, "cannot write " + part);
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n <= 0) {
      ::close(fd);
      std::remove(part.c_str());
      return core::make_error(core::code::kUnavailable, "cannot write " + part);
    }
    off += static_cast<size_t>(n);
  }
  bool ok = ::fsync(fd) == 0;
  ok = ::close(fd) == 0 && ok;
  if (!ok || std::rename(part.c_str(), path.c_str()) != 0) {
    std::remove(part.c_str());
    return core::make_error(core::code::kUnavailable, "cannot write " + path);
  }
  return {};
}

}  // namespace

void add_admin_commands(CLI::App& app, Context& ctx) {
  auto* admin = app.add_subcommand(
      "admin", "operate a Genesis installation: backup, restore, vacuum, verify-bundle");
  admin->require_subcommand(1);

  {
    auto* cmd = admin->add_subcommand(
        "backup", "write a consistent copy of genesisd's embedded store to FILE, while it serves");
    auto file = std::make_shared<std::string>();
    auto force = std::make_shared<bool>(false);
    cmd->add_option("file", *file, "where to write the backup (an SQLite file)")->required();
    cmd->add_flag("--force", *force, "replace FILE if it exists");
    cmd->callback([&ctx, file, force] {
      std::error_code ec;
      if (!*force && std::filesystem::exists(*file, ec))
        return fail(ctx, *file + " exists (--force replaces it)");
      // A backup of a large store takes a while: wait longer than for an API call.
      client::HttpClient http(ctx.server, std::chrono::minutes(30));
      if (!ctx.tenant.empty()) http.set_header("X-Genesis-Tenant", ctx.tenant);
      auto r = http.request("POST", "/v1/admin/backup", "");
      if (!r) return fail(ctx, r.error().message);
      if (r->status != 200) {
        std::string message = "HTTP " + std::to_string(r->status);
        if (auto json = r->json(); json && json->find("error")) {
          const core::Value* m = json->find("error")->find("message");
          if (m && m->is_string()) message = m->as_string();
        }
        return fail(ctx, message);
      }
      if (auto s = write_file_durably(*file, r->body); !s) return fail(ctx, s.error().message);
      if (ctx.json) {
        std::cout << core::to_json(core::Object{{"file", *file}, {"bytes", static_cast<int64_t>(r->body.size())}})
                  << "\n";
      } else {
        std::cout << "backup written to " << *file << " (" << r->body.size() << " bytes)\n";
      }
    });
  }

  {
    auto* cmd = admin->add_subcommand(
        "vacuum", "delete rows past their retention now (retention.* keys) and give the space back");
    cmd->callback([&ctx] {
      client::HttpClient http(ctx.server, std::chrono::minutes(30));
      if (!ctx.tenant.empty()) http.set_header("X-Genesis-Tenant", ctx.tenant);
      auto r = http.request("POST", "/v1/admin/vacuum", "");
      if (!r) return fail(ctx, r.error().message);
      auto json = r->json();
      if (r->status != 200 || !json) {
        std::string message = "HTTP " + std::to_string(r->status);
        if (json && json->find("error")) {
          const core::Value* m = json->find("error")->find("message");
          if (m && m->is_string()) message = m->as_string();
        }
        return fail(ctx, message);
      }
      if (ctx.json) {
        std::cout << core::to_json(*json) << "\n";
        return;
      }
      std::cout << "deleted:";
      if (const core::Value* d = json->find("deleted"); d && d->is_object())
        for (const auto& [kind, n] : d->as_object())
          std::cout << " " << kind << "=" << (n.is_int() ? n.as_int() : 0);
      auto num = [&](const char* k) {
        const core::Value* v = json->find(k);
        return v && v->is_int() ? v->as_int() : int64_t{0};
      };
      std::cout << "\nstore file: " << num("bytes_before") << " -> " << num("bytes_after") << " bytes\n";
    });
  }

  {
    auto* cmd = admin->add_subcommand(
        "restore", "replace the embedded store with a backup (genesisd must be stopped)");
    auto file = std::make_shared<std::string>();
    auto inputs = std::make_shared<config::Inputs>();
    auto store = std::make_shared<std::string>();
    auto force = std::make_shared<bool>(false);
    cmd->add_option("file", *file, "the backup (from genesis admin backup)")->required();
    cmd->add_option("--config", inputs->file, "genesisd's configuration file: restore into its store")
        ->envname("GENESIS_CONFIG");
    cmd->add_option("--store", *store, "the store to restore into (sqlite:PATH), over the configuration's");
    cmd->add_flag("--force", *force, "replace an existing store");
    cmd->callback([&ctx, file, inputs, store, force] {
      // The store genesisd would open: the same sources, the same precedence.
      inputs->env = config::process_environment();
      if (!store->empty()) inputs->flags["store"] = *store;
      std::vector<core::Error> errors;
      auto loaded = config::load(*inputs, &errors);
      if (!loaded) {
        for (const auto& e : errors) std::cerr << "genesis: configuration: " << e.to_string() << "\n";
        ctx.exit_code = 1;
        return;
      }
      const std::string& url = loaded->config.store;
      if (url.rfind("sqlite:", 0) != 0)
        return fail(ctx, "restore is for the embedded store (sqlite:PATH); restore PostgreSQL with "
                         "pg_restore (docs/operations.md)");
      std::string path = url.substr(7);
      if (auto s = storage::restore_sqlite_store(*file, path, *force); !s)
        return fail(ctx, s.error().message);
      if (ctx.json) {
        std::cout << core::to_json(core::Object{{"file", *file}, {"store", url}}) << "\n";
      } else {
        std::cout << "restored " << *file << " into " << path << "\n";
      }
    });
  }

  {
    auto* cmd = admin->add_subcommand(
        "verify-bundle",
        "check an air-gapped bundle offline: its SHA256SUMS signed by the release key, every file's SHA-256");
    auto file = std::make_shared<std::string>();
    auto key = std::make_shared<std::string>();
    auto dir = std::make_shared<std::string>();
    cmd->add_option("bundle", *file, "the bundle (genesis-bundle-<version>-<arch>.tar.gz)")->required();
    cmd->add_option("--key", *key,
                    "the release public key (PEM, Ed25519), the one trusted key; the copy inside "
                    "the bundle is not used")
        ->required();
    cmd->add_option("--extract", *dir,
                    "write the files out into DIR (new or empty), only once all verified");
    cmd->callback([&ctx, file, key, dir] {
      std::vector<core::Error> problems;
      auto v = bundle::verify(*file, *key, &problems);
      if (!v) {
        // One line per problem, each naming the file it is about.
        for (const auto& e : problems)
          std::cerr << "genesis: bundle refused: " << e.where << ": " << e.message << "\n";
        ctx.exit_code = 1;
        return;
      }
      if (!dir->empty()) {
        if (auto s = bundle::extract(*file, *v, *dir); !s)
          return fail(ctx, "bundle not extracted: " + s.error().where + ": " + s.error().message);
      }
      bool same_key = v->bundled_key_fingerprint == v->key_fingerprint;
      if (ctx.json) {
        core::Object out{{"bundle", *file},
                         {"top", v->top},
                         {"key_fingerprint", v->key_fingerprint},
                         {"files", static_cast<int64_t>(v->files.size())},
                         {"bytes", static_cast<int64_t>(v->bytes)},
                         {"bundled_key_fingerprint", v->bundled_key_fingerprint}};
        if (!dir->empty()) out.emplace_back("extracted_to", *dir);
        std::cout << core::to_json(core::Value(std::move(out))) << "\n";
        return;
      }
      std::cout << "verified " << *file << " (" << v->top << "/): " << v->files.size() << " files, "
                << v->bytes << " bytes, every SHA-256 as listed in SHA256SUMS\n"
                << "SHA256SUMS signature verified with " << *key << " (key " << v->key_fingerprint
                << ")\n";
      if (!v->bundled_key_fingerprint.empty() && !same_key)
        std::cout << "note: the bundle's own release.pub.pem is another key ("
                  << v->bundled_key_fingerprint << "); it was not used\n";
      if (!dir->empty()) std::cout << "extracted to " << *dir << "\n";
    });
  }
}

}  // namespace genesis::cli
