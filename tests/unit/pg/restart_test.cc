// A PostgreSQL restart and outage under the pool and the stores: fail fast with kUnavailable
// while down, carry on after, never show the password.
#include <gtest/gtest.h>

#include "core/ids.h"
#include "index/postgres/postgres_resource_index.h"
#include "jobs/postgres/postgres_job_store.h"
#include "pg/migrate.h"
#include "pg_test_server.h"

namespace gitops {
namespace {

constexpr const char* kPassword = "s3cr3t-pw";

jobs::Job NewJob() {
  jobs::Job job;
  job.job_id = NewUuid();
  job.tenant_id = "t1";
  job.resource_type = "namespace";
  job.resource_name = "ns";
  return job;
}

class RestartTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Trust authentication ignores the password; it is there to prove it never leaks.
    pool_ =
        std::make_shared<pg::Pool>(pg::PoolOptions{server_.dsn() + " password=" + kPassword, 4});
    auto migrated = pg::Migrate(*pool_, pg::EmbeddedMigrations());
    ASSERT_TRUE(migrated.ok()) << migrated.error().message;
    store_ = std::make_unique<jobs::PostgresJobStore>(pool_, clock_);
    index_ = std::make_unique<index::PostgresResourceIndex>(pool_);
  }

  void ExpectUnavailable(const Error& error) {
    EXPECT_EQ(error.code, ErrorCode::kUnavailable) << error.message;
    EXPECT_EQ(error.message.find(kPassword), std::string::npos) << error.message;
    EXPECT_EQ(error.details.find(kPassword), std::string::npos);
  }

  pgtest::PrivateServer server_;
  SystemClock clock_;
  std::shared_ptr<pg::Pool> pool_;
  std::unique_ptr<jobs::PostgresJobStore> store_;
  std::unique_ptr<index::PostgresResourceIndex> index_;
};

TEST_F(RestartTest, PoolReconnectsAfterARestartAndNothingIsLost) {
  jobs::Job before = NewJob();
  ASSERT_TRUE(store_->Create(before).ok());
  server_.Restart();
  jobs::Job after = NewJob();
  auto created = store_->Create(after);
  ASSERT_TRUE(created.ok()) << created.error().message;
  EXPECT_TRUE(store_->Get(before.job_id).ok());
  EXPECT_TRUE(store_->Get(after.job_id).ok());
  EXPECT_TRUE(index_->CountByType("t1").ok());
}

TEST_F(RestartTest, WhileDownEveryCallFailsFastWithUnavailableThenRecovers) {
  jobs::Job job = NewJob();
  ASSERT_TRUE(store_->Create(job).ok());
  server_.Stop();
  ExpectUnavailable(store_->Create(NewJob()).error());
  ExpectUnavailable(store_->Get(job.job_id).error());
  ExpectUnavailable(store_->Update(job.job_id, jobs::JobChange().Log("x")).error());
  ExpectUnavailable(
      index_->Reserve({"namespace", "t1", "", "ns"}, index::PendingOp::kCreate, NewUuid()).error());
  ExpectUnavailable(pg::Migrate(*pool_, pg::EmbeddedMigrations()).error());
  server_.Start();
  auto got = store_->Get(job.job_id);
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_TRUE(store_->Create(NewJob()).ok());
}

}  // namespace
}  // namespace gitops
