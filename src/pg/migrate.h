// Schema migrations: numbered SQL files (migrations/0001_init.sql, ...) applied in order, each
// in its own transaction, recorded in schema_migrations, under an advisory lock so that two
// processes migrating at once apply each file exactly once. The files are also compiled into
// the binary (EmbeddedMigrations), so `gitops-api migrate` needs no source tree.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "core/result.h"
#include "pg/pool.h"

namespace gitops::pg {

struct Migration {
  int version = 0;   // from the file name's leading digits: 0001_init.sql -> 1
  std::string name;  // file name without ".sql": "0001_init"
  std::string sql;   // a script of statements, run as is
};

// The *.sql files of `dir` in version order. kInvalidArgument for a .sql file whose name does
// not start with digits and '_', or two files with one version; kNotFound when `dir` is not a
// directory.
Result<std::vector<Migration>> LoadMigrations(const std::filesystem::path& dir);

// The migrations/ files as they were when the binary was built, in version order.
const std::vector<Migration>& EmbeddedMigrations();

// migrations/ of the source tree the binary was built from (may not exist where it runs).
std::filesystem::path SourceMigrationsDir();

// Applies every migration whose version is not yet in schema_migrations, in order, each in
// its own transaction together with its schema_migrations row. Safe to run twice (the second
// run does nothing) and from several processes at once (they queue on an advisory lock).
// kUnavailable when PostgreSQL is unreachable; the failing migration's error otherwise
// (earlier ones stay applied).
Status Migrate(Pool& pool, const std::vector<Migration>& migrations);
// LoadMigrations(dir), then Migrate.
Status Migrate(Pool& pool, const std::filesystem::path& dir);

// The highest applied version; 0 when nothing was applied yet.
Result<int> SchemaVersion(Pool& pool);

}  // namespace gitops::pg
