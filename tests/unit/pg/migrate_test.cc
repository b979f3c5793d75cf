// pg::Migrate and the migration files: fresh apply, idempotence, concurrency, failures.
#include "pg/migrate.h"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

#include "core/ids.h"
#include "pg_test_server.h"

namespace gitops::pg {
namespace {

namespace fs = std::filesystem;

class TempDir {
 public:
  TempDir() : path_(fs::temp_directory_path() / ("gitops-migrate-" + NewUuid())) {
    fs::create_directories(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  void Write(const std::string& name, const std::string& text) const {
    std::ofstream(path_ / name) << text;
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

int64_t Count(Pool& pool, const std::string& sql) {
  auto rows = pool.Exec(sql);
  EXPECT_TRUE(rows.ok()) << (rows.ok() ? "" : rows.error().message);
  return rows.ok() ? *rows->Int(0, 0) : -1;
}

TEST(MigrateTest, FreshDatabaseGetsEveryTableAndTheLatestVersion) {
  Pool pool({pgtest::NewDatabase(), 2});
  EXPECT_EQ(*SchemaVersion(pool), 0);
  auto migrated = Migrate(pool, SourceMigrationsDir());
  ASSERT_TRUE(migrated.ok()) << migrated.error().message;
  EXPECT_EQ(*SchemaVersion(pool), EmbeddedMigrations().back().version);
  for (const char* table :
       {"jobs", "resources", "pending_ops", "webhook_deliveries", "repository_leases"}) {
    auto rows = pool.Exec("SELECT to_regclass($1) IS NOT NULL", {std::string(table)});
    ASSERT_TRUE(rows.ok());
    EXPECT_TRUE(rows->Bool(0, 0)) << table;
  }
}

TEST(MigrateTest, EmbeddedMigrationsAreTheFilesOfTheSourceTree) {
  auto loaded = LoadMigrations(SourceMigrationsDir());
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  const auto& embedded = EmbeddedMigrations();
  ASSERT_EQ(loaded->size(), embedded.size());
  ASSERT_FALSE(embedded.empty());
  EXPECT_EQ(embedded.front().version, 1);
  EXPECT_EQ(embedded.front().name, "0001_init");
  for (size_t i = 0; i < embedded.size(); ++i) {
    EXPECT_EQ((*loaded)[i].name, embedded[i].name);
    EXPECT_EQ((*loaded)[i].sql, embedded[i].sql);
  }
}

TEST(MigrateTest, SecondRunChangesNothing) {
  Pool pool({pgtest::NewDatabase(), 2});
  ASSERT_TRUE(Migrate(pool, EmbeddedMigrations()).ok());
  ASSERT_TRUE(pool.Exec("INSERT INTO repository_leases VALUES ('r', 'h', 1, now())").ok());
  ASSERT_TRUE(pool.Exec("INSERT INTO webhook_deliveries (delivery_id, job_id, event, url,"
                        " payload, next_attempt_at, created_at, updated_at)"
                        " VALUES ('d', 'j', 'completed', 'http://h/x', '{}', now(), now(), now())")
                  .ok());
  auto again = Migrate(pool, EmbeddedMigrations());
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(Count(pool, "SELECT count(*) FROM schema_migrations"),
            static_cast<int64_t>(EmbeddedMigrations().size()));
  EXPECT_EQ(Count(pool, "SELECT count(*) FROM repository_leases"), 1);
  EXPECT_EQ(Count(pool, "SELECT count(*) FROM webhook_deliveries"), 1);
}

TEST(MigrateTest, WebhookDeliveriesOfTheFirstSchemaSurviveTheSecond) {
  Pool pool({pgtest::NewDatabase(), 2});
  std::vector<Migration> first = {EmbeddedMigrations().front()};
  ASSERT_EQ(first[0].version, 1);
  ASSERT_TRUE(Migrate(pool, first).ok());
  // Two rows as 0001 shaped them, the later-created one inserted first.
  ASSERT_TRUE(pool.Exec("INSERT INTO webhook_deliveries (id, job_id, event, url, payload,"
                        " last_status, created_at) VALUES"
                        " ('d-late', 'j', 'completed', 'http://h/x', '{}', 503,"
                        "  timestamptz '2026-01-02Z'),"
                        " ('d-early', 'j', 'submitted', 'http://h/x', '{}', NULL,"
                        "  timestamptz '2026-01-01Z')")
                  .ok());
  auto migrated = Migrate(pool, EmbeddedMigrations());
  ASSERT_TRUE(migrated.ok()) << migrated.error().message;
  auto rows = pool.Exec(
      "SELECT delivery_id, sequence, last_http_status, tenant_id, max_attempts"
      " FROM webhook_deliveries ORDER BY sequence");
  ASSERT_TRUE(rows.ok()) << rows.error().message;
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ(rows->Text(0, 0), "d-early");  // numbered in creation order
  EXPECT_EQ(*rows->Int(0, 1), 1);
  EXPECT_EQ(rows->Text(1, 0), "d-late");
  EXPECT_EQ(*rows->Int(1, 1), 2);
  EXPECT_EQ(*rows->Int(1, 2), 503);
  EXPECT_EQ(rows->Text(1, 3), "");
  EXPECT_EQ(*rows->Int(1, 4), 1);
  // New rows continue the numbering.
  auto added = pool.Exec(
      "INSERT INTO webhook_deliveries (delivery_id, job_id, event, url, payload,"
      " next_attempt_at, created_at, updated_at) VALUES ('d-new', 'j', 'completed',"
      " 'http://h/x', '{}', now(), now(), now()) RETURNING sequence");
  ASSERT_TRUE(added.ok()) << added.error().message;
  EXPECT_EQ(*added->Int(0, 0), 3);
}

TEST(MigrateTest, ConcurrentRunsApplyEachMigrationOnce) {
  std::string dsn = pgtest::NewDatabase();
  constexpr int kRunners = 4;
  std::atomic<int> ok{0};
  std::vector<std::thread> runners;
  for (int i = 0; i < kRunners; ++i) {
    runners.emplace_back([&] {
      Pool pool({dsn, 1});  // each runner its own pool: like separate processes
      auto status = Migrate(pool, EmbeddedMigrations());
      if (status.ok())
        ++ok;
      else
        ADD_FAILURE() << status.error().message;
    });
  }
  for (auto& t : runners) t.join();
  EXPECT_EQ(ok.load(), kRunners);
  Pool pool({dsn, 1});
  EXPECT_EQ(Count(pool, "SELECT count(*) FROM schema_migrations"),
            static_cast<int64_t>(EmbeddedMigrations().size()));
}

TEST(MigrateTest, FailingMigrationKeepsEarlierOnesAndNamesItself) {
  TempDir dir;
  dir.Write("0001_one.sql", "CREATE TABLE one (x int);");
  dir.Write("0002_two.sql", "CREATE TABLE two (x int); SELECT no_such_function();");
  dir.Write("README.md", "not a migration");
  Pool pool({pgtest::NewDatabase(), 1});
  auto status = Migrate(pool, dir.path());
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.error().message.find("migration 0002_two failed"), std::string::npos)
      << status.error().message;
  EXPECT_EQ(*SchemaVersion(pool), 1);
  // The failed file ran in its own transaction: nothing of it is left.
  auto two = pool.Exec("SELECT to_regclass('two') IS NULL");
  ASSERT_TRUE(two.ok());
  EXPECT_TRUE(two->Bool(0, 0));
  // Fixed, it applies on the next run.
  dir.Write("0002_two.sql", "CREATE TABLE two (x int);");
  ASSERT_TRUE(Migrate(pool, dir.path()).ok());
  EXPECT_EQ(*SchemaVersion(pool), 2);
}

TEST(MigrateTest, BadFileNamesAndDuplicateNumbersAreRejected) {
  {
    TempDir dir;
    dir.Write("init.sql", "SELECT 1;");
    auto loaded = LoadMigrations(dir.path());
    ASSERT_FALSE(loaded.ok());
    EXPECT_EQ(loaded.error().code, ErrorCode::kInvalidArgument);
  }
  {
    TempDir dir;
    dir.Write("0001_a.sql", "SELECT 1;");
    dir.Write("1_b.sql", "SELECT 1;");
    auto loaded = LoadMigrations(dir.path());
    ASSERT_FALSE(loaded.ok());
    EXPECT_NE(loaded.error().message.find("same number"), std::string::npos);
  }
  EXPECT_EQ(LoadMigrations("/nonexistent/migrations").error().code, ErrorCode::kNotFound);
}

TEST(MigrateTest, UnreachableDatabaseIsUnavailable) {
  Pool pool({"host=127.0.0.1 port=1 dbname=jobs", 1});
  auto status = Migrate(pool, EmbeddedMigrations());
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kUnavailable);
}

}  // namespace
}  // namespace gitops::pg
