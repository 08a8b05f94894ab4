// /v1/admin/...: operations on the whole store (every tenant), so only the
// default tenant may call them (403 otherwise).
//
// POST /v1/admin/backup answers with a consistent copy of the store, one SQLite
// file (application/vnd.sqlite3), taken while writes go on (Store::backup_to).
// POST /v1/admin/vacuum runs a retention pass now (the configured retention.*
// ages, in the same bounded batches as the background one) and then gives the
// freed pages back to the file system (Store::vacuum).
//
// The copy goes through a private temp file and is sent from memory: fine for
// the embedded store's sizes; a larger store wants a streamed body.
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "server/routes.h"

namespace genesis::server {

namespace {

Response forbidden_unless_default(const Request& req) {
  return error_response(core::make_error(
      core::code::kForbidden, "admin operations cover every tenant; tenant '" + req.tenant +
                                  "' may not use them (only the default tenant)"));
}

}  // namespace

void add_admin_routes(Router& router, registry::Store& store, storage::RetentionPolicy retention) {
  // Body-less; the answer says what went, per kind, and what the file gave back.
  router.add("POST", "/v1/admin/vacuum", [&store, retention](Request& req) {
    if (req.tenant != registry::kDefaultTenant) return forbidden_unless_default(req);
    auto report = store.apply_retention(retention, core::now_ms());
    if (!report) return error_response(report.error());
    auto sizes = store.vacuum();
    if (!sizes) return error_response(sizes.error());
    core::Value deleted = core::Value::object();
    for (const auto& [kind, n] : report->deleted) deleted.set(kind, n);
    core::Value body = core::Value::object();
    body.set("deleted", std::move(deleted));
    body.set("batches", report->batches);
    body.set("bytes_before", sizes->first);
    body.set("bytes_after", sizes->second);
    return Response::json(200, body);
  });

  router.add("POST", "/v1/admin/backup", [&store](Request& req) {
    if (req.tenant != registry::kDefaultTenant) return forbidden_unless_default(req);
    std::string tmpl = (std::filesystem::temp_directory_path() / "genesis-backup-XXXXXX").string();
    int fd = mkstemp(tmpl.data());
    if (fd < 0)
      return error_response(core::make_error(core::code::kUnavailable, "cannot create a temporary file"));
    ::close(fd);
    struct Remove {
      std::string path;
      ~Remove() {
        std::error_code ec;
        std::filesystem::remove(path, ec);
      }
    } remove{tmpl};
    if (auto s = store.backup_to(tmpl); !s) return error_response(s.error());
    std::ifstream in(tmpl, std::ios::binary);
    Response r;
    r.content_type = "application/vnd.sqlite3";
    r.body.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    if (!in.good() && !in.eof())
      return error_response(core::make_error(core::code::kUnavailable, "cannot read the backup back"));
    r.headers.emplace_back("Content-Disposition", "attachment; filename=\"genesis-backup.db\"");
    return r;
  });
}

}  // namespace genesis::server
