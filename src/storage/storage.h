// Opening a store from a URL: the one place that knows which backends exist.
//
//   sqlite:PATH                          embedded SQLite (registry::open_sqlite_store)
//   postgresql://USER@HOST:PORT/DB?...   PostgreSQL 15+ with the ltree extension
//   postgres://...                       the same
//
// PostgreSQL URLs are libpq connection URIs. Two parameters are Genesis's own
// and are removed before the URI reaches libpq:
//   app_role=NAME   the role every query runs as (default genesis_app)
//   pool=N          connections in the pool (default 16)
// The URL's user owns the schema: at open, numbered migrations run as that
// user (each in one transaction; a schema newer than this binary is refused).
// Every pooled connection then does `SET ROLE <app_role>`, a role that must be
// neither the owner, a superuser nor BYPASSRLS (checked at open), so row-level
// security applies to every query, and every transaction sets its tenant with
// `set_config('app.tenant_id', tenant, true)` (SET LOCAL). Setup: README.md
// and docs/architecture.md ("Storage").
//
// Errors: invalid_argument (unknown URL scheme, bad parameter), unavailable
// (the database cannot be reached, migrated or the roles are wrong).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "core/result.h"
#include "registry/registry.h"

namespace genesis::storage {

struct PostgresOptions {
  std::string app_role = "genesis_app";
  size_t pool_size = 16;
};

// True for postgresql:// and postgres:// URLs.
bool is_postgres_url(std::string_view url);

// Opens the store `url` names (see above), creating and migrating its schema.
core::Result<std::unique_ptr<registry::Store>> open_store(const std::string& url);

// Opens a PostgreSQL store; `url` may carry app_role and pool, which override
// `options`. The store reconnects by itself: a call made while the server is
// unreachable answers unavailable, and later calls use fresh connections.
core::Result<std::unique_ptr<registry::Store>> open_postgres_store(const std::string& url,
                                                                   PostgresOptions options = {});

}  // namespace genesis::storage
