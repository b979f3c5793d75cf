// Migration runner: loads numbered SQL files and applies the missing ones under an advisory
// lock, one transaction each.
#include "pg/migrate.h"

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>
#include <utility>

namespace gitops::pg {
namespace {

// Key of the session advisory lock every migrating process takes first ("gitops" in ASCII).
constexpr const char* kMigrateLockKey = "113723857105011";

constexpr const char* kCreateVersionTable =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version integer PRIMARY KEY,"
    " name text NOT NULL,"
    " applied_at timestamptz NOT NULL DEFAULT now())";

// "0001_init.sql" -> {1, "0001_init"}; kInvalidArgument otherwise.
Result<Migration> ParseName(const std::string& file_name) {
  size_t digits = 0;
  while (digits < file_name.size() && file_name[digits] >= '0' && file_name[digits] <= '9') {
    ++digits;
  }
  const std::string suffix = ".sql";
  bool sql = file_name.size() > suffix.size() &&
             file_name.compare(file_name.size() - suffix.size(), suffix.size(), suffix) == 0;
  if (!sql || digits == 0 || digits > 9 || digits >= file_name.size() || file_name[digits] != '_') {
    return Unexpected(ErrorCode::kInvalidArgument,
                      "migration file '" + file_name +
                          "' must be named <number>_<name>.sql, e.g. 0002_add_index.sql");
  }
  Migration m;
  m.version = std::stoi(file_name.substr(0, digits));
  m.name = file_name.substr(0, file_name.size() - suffix.size());
  return m;
}

Status CheckOrder(std::vector<Migration>& migrations) {
  std::sort(migrations.begin(), migrations.end(),
            [](const Migration& a, const Migration& b) { return a.version < b.version; });
  for (size_t i = 1; i < migrations.size(); ++i) {
    if (migrations[i].version == migrations[i - 1].version) {
      return Unexpected(ErrorCode::kInvalidArgument, "migrations " + migrations[i - 1].name +
                                                         " and " + migrations[i].name +
                                                         " have the same number");
    }
  }
  return OkStatus();
}

// Releases the session advisory lock when the migration run ends (on any path).
class MigrateLock {
 public:
  explicit MigrateLock(Connection& conn) : conn_(conn) {}
  ~MigrateLock() {
    if (!conn_.Broken())
      (void)conn_.Exec("SELECT pg_advisory_unlock($1::bigint)", {kMigrateLockKey});
  }

 private:
  Connection& conn_;
};

}  // namespace

Result<std::vector<Migration>> LoadMigrations(const std::filesystem::path& dir) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    return Unexpected(ErrorCode::kNotFound,
                      "migrations directory " + dir.string() + " does not exist");
  }
  std::vector<Migration> out;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (!entry.is_regular_file() || entry.path().extension() != ".sql") continue;
    auto m = ParseName(entry.path().filename().string());
    if (!m.ok()) return Unexpected(std::move(m).error());
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    if (!in.good() && !in.eof()) {
      return Unexpected(ErrorCode::kInternal, "cannot read " + entry.path().string());
    }
    m->sql = text.str();
    out.push_back(std::move(*m));
  }
  if (ec) {
    return Unexpected(ErrorCode::kInternal, "cannot list " + dir.string() + ": " + ec.message());
  }
  GITOPS_RETURN_IF_ERROR(CheckOrder(out));
  return out;
}

// Defined in the generated embedded_migrations.cc: {file name, contents} pairs.
extern const std::vector<std::pair<std::string, std::string>>& EmbeddedMigrationFiles();

const std::vector<Migration>& EmbeddedMigrations() {
  static const std::vector<Migration> migrations = [] {
    std::vector<Migration> out;
    for (const auto& [file_name, sql] : EmbeddedMigrationFiles()) {
      auto m = ParseName(file_name);  // names were checked at build time
      if (!m.ok()) continue;
      m->sql = sql;
      out.push_back(std::move(*m));
    }
    (void)CheckOrder(out);
    return out;
  }();
  return migrations;
}

std::filesystem::path SourceMigrationsDir() { return GITOPS_SOURCE_MIGRATIONS_DIR; }

Status Migrate(Pool& pool, const std::vector<Migration>& migrations) {
  auto conn = pool.Acquire();
  if (!conn.ok()) return Unexpected(std::move(conn).error());
  Connection& c = **conn;
  // Session lock: waits while another process migrates, released by MigrateLock or by the
  // server when the session dies.
  auto locked = c.Exec("SELECT pg_advisory_lock($1::bigint)", {kMigrateLockKey});
  if (!locked.ok()) return Unexpected(std::move(locked).error());
  MigrateLock unlock(c);
  GITOPS_RETURN_IF_ERROR(c.ExecScript(kCreateVersionTable));
  auto applied_rows = c.Exec("SELECT version FROM schema_migrations");
  if (!applied_rows.ok()) return Unexpected(std::move(applied_rows).error());
  std::set<int64_t> applied;
  for (size_t i = 0; i < applied_rows->size(); ++i) {
    auto v = applied_rows->Int(i, 0);
    if (v.ok()) applied.insert(*v);
  }
  for (const Migration& m : migrations) {
    if (applied.count(m.version) != 0) continue;
    auto fail = [&](Error e) {
      e.message = "migration " + m.name + " failed: " + e.message;
      return Unexpected(std::move(e));
    };
    auto tx = Transaction::Begin(c);
    if (!tx.ok()) return fail(std::move(tx).error());
    if (auto s = c.ExecScript(m.sql); !s.ok()) return fail(std::move(s).error());
    auto row = tx->Exec("INSERT INTO schema_migrations (version, name) VALUES ($1::integer, $2)",
                        {std::to_string(m.version), m.name});
    if (!row.ok()) return fail(std::move(row).error());
    if (auto s = tx->Commit(); !s.ok()) return fail(std::move(s).error());
  }
  return OkStatus();
}

Status Migrate(Pool& pool, const std::filesystem::path& dir) {
  auto migrations = LoadMigrations(dir);
  if (!migrations.ok()) return Unexpected(std::move(migrations).error());
  return Migrate(pool, *migrations);
}

Result<int> SchemaVersion(Pool& pool) {
  auto exists = pool.Exec("SELECT to_regclass('schema_migrations') IS NOT NULL");
  if (!exists.ok()) return Unexpected(std::move(exists).error());
  if (!exists->Bool(0, 0)) return 0;
  auto rows = pool.Exec("SELECT coalesce(max(version), 0) FROM schema_migrations");
  if (!rows.ok()) return Unexpected(std::move(rows).error());
  auto v = rows->Int(0, 0);
  if (!v.ok()) return Unexpected(std::move(v).error());
  return static_cast<int>(*v);
}

}  // namespace gitops::pg
