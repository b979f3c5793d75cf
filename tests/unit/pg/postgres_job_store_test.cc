// PostgresJobStore beyond the shared contract: group commit durability and batching edges.
#include "jobs/postgres/postgres_job_store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <latch>
#include <thread>
#include <vector>

#include "core/ids.h"
#include "pg_test_server.h"

namespace gitops::jobs {
namespace {

Job NewJob(const std::string& tenant) {
  Job job;
  job.job_id = NewUuid();
  job.tenant_id = tenant;
  job.resource_type = "namespace";
  job.resource_name = "ns-" + job.job_id.substr(0, 8);
  job.flavor = "small";
  job.spec = {{"zeta", 1}, {"alpha", 2}};
  job.logs = {"Job submitted"};
  job.partition = "namespace";
  return job;
}

class GroupCommitTest : public ::testing::TestWithParam<bool> {};

TEST_P(GroupCommitTest, EveryCreateFromManyThreadsIsDurable) {
  auto pool = pgtest::NewMigratedPool(8);
  SystemClock clock;
  PostgresJobStoreOptions options;
  options.group_commit = GetParam();
  PostgresJobStore store(pool, clock, options);
  constexpr int kThreads = 16, kPerThread = 40;
  std::vector<std::vector<std::string>> ids(kThreads);
  std::atomic<int> failures{0};
  std::latch start(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      start.arrive_and_wait();
      for (int i = 0; i < kPerThread; ++i) {
        Job job = NewJob("tenant-" + std::to_string(t));
        ids[t].push_back(job.job_id);
        if (!store.Create(job).ok()) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  ASSERT_EQ(failures.load(), 0);

  // Read back through a brand-new pool (new sessions): what Create acknowledged is committed.
  auto fresh = std::make_shared<pg::Pool>(pg::PoolOptions{"", 1});
  {
    auto conn = pool->Acquire();
    ASSERT_TRUE(conn.ok());
    auto db = (*conn)->Exec("SELECT current_database()");
    ASSERT_TRUE(db.ok());
    fresh = std::make_shared<pg::Pool>(
        pg::PoolOptions{pgtest::WithDatabase(pgtest::SharedDsn(), std::string(db->Text(0, 0))), 2});
  }
  PostgresJobStore reader(fresh, clock);
  auto count = fresh->Exec("SELECT count(*) FROM jobs");
  ASSERT_TRUE(count.ok());
  EXPECT_EQ(*count->Int(0, 0), kThreads * kPerThread);
  for (int t = 0; t < kThreads; ++t) {
    for (const auto& id : ids[t]) {
      auto got = reader.Get(id);
      ASSERT_TRUE(got.ok()) << id;
      EXPECT_EQ(got->tenant_id, "tenant-" + std::to_string(t));
      EXPECT_EQ(got->spec.dump(), R"({"zeta":1,"alpha":2})");
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Modes, GroupCommitTest, ::testing::Values(true, false),
                         [](const auto& info) { return info.param ? "grouped" : "one_by_one"; });

TEST(PostgresJobStoreTest, RowPostgresRefusesFailsAloneWithInvalidArgument) {
  auto pool = pgtest::NewMigratedPool(4);
  SystemClock clock;
  PostgresJobStore store(pool, clock);
  Job bad = NewJob("t1");
  bad.logs = {std::string("nul \0 byte", 10)};  // jsonb cannot hold \u0000
  Job good = NewJob("t1");
  std::thread other([&] { EXPECT_TRUE(store.Create(good).ok()); });
  auto status = store.Create(bad);
  other.join();
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kInvalidArgument);
  EXPECT_TRUE(store.Get(good.job_id).ok());
  EXPECT_EQ(store.Get(bad.job_id).error().code, ErrorCode::kNotFound);
}

TEST(PostgresJobStoreTest, SpecAndResultKeepKeyOrderAndUnicode) {
  auto pool = pgtest::NewMigratedPool(2);
  SystemClock clock;
  PostgresJobStore store(pool, clock);
  Job job = NewJob("t1");
  job.spec = Json::parse(R"({"b":"é ✓","a":[3,1,2],"quote":"it's \"x\""})");
  ASSERT_TRUE(store.Create(job).ok());
  ASSERT_TRUE(
      store.Update(job.job_id, JobChange().SetResult(Json::parse(R"({"z":1,"y":2})"))).ok());
  auto got = store.Get(job.job_id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->spec.dump(), job.spec.dump());
  EXPECT_EQ(got->result.dump(), R"({"z":1,"y":2})");
}

TEST(PostgresJobStoreTest, UnreachableDatabaseIsUnavailable) {
  auto pool = std::make_shared<pg::Pool>(pg::PoolOptions{"host=127.0.0.1 port=1 dbname=x", 2});
  SystemClock clock;
  PostgresJobStore store(pool, clock);
  auto created = store.Create(NewJob("t1"));
  ASSERT_FALSE(created.ok());
  EXPECT_EQ(created.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(store.Get(NewUuid()).error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(store.List({}).error().code, ErrorCode::kUnavailable);
}

}  // namespace
}  // namespace gitops::jobs
