// PostgresJobStoreOptions::dispatch: the thread that commits a group of submissions hands the
// stored jobs to the dispatch hook (production: one Redis round trip) before any of those
// Submit calls returns; refused submissions are not dispatched. Real PostgreSQL.
#include <gtest/gtest.h>

#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "core/ids.h"
#include "jobs/postgres/postgres_job_store.h"
#include "pg_test_server.h"

namespace gitops::jobs {
namespace {

Job NewSubmission(const std::string& name, const std::string& type = "vm") {
  Job job;
  job.job_id = NewUuid();
  job.tenant_id = "tenant1";
  job.resource_type = type;
  job.resource_name = name;
  job.operation = Operation::kCreate;
  job.flavor = "small";
  job.spec = Json::object();
  job.partition = type;
  return job;
}

class DispatchTest : public ::testing::TestWithParam<bool> {  // param: group_commit
 protected:
  void SetUp() override {
    static std::shared_ptr<pg::Pool> pool = pgtest::NewMigratedPool(8);
    ASSERT_TRUE(pool->Exec("TRUNCATE jobs, resources, pending_ops").ok());
    PostgresJobStoreOptions options;
    options.group_commit = GetParam();
    options.dispatch = [this](const std::vector<std::pair<std::string, std::string>>& jobs) {
      std::lock_guard lock(mu_);
      ++calls_;
      for (const auto& [partition, job_id] : jobs) dispatched_.emplace_back(partition, job_id);
    };
    store_ = std::make_unique<PostgresJobStore>(pool, clock_, options);
  }

  bool Dispatched(const std::string& job_id) {
    std::lock_guard lock(mu_);
    for (const auto& entry : dispatched_) {
      if (entry.second == job_id) return true;
    }
    return false;
  }

  SystemClock clock_;
  std::unique_ptr<PostgresJobStore> store_;
  std::mutex mu_;
  int calls_ = 0;
  std::vector<std::pair<std::string, std::string>> dispatched_;  // (partition, job id)
};

TEST_P(DispatchTest, EveryStoredSubmissionIsDispatchedOnceBeforeSubmitReturns) {
  constexpr int kThreads = 8, kEach = 10;
  std::vector<std::thread> threads;
  std::mutex ok_mu;
  std::multiset<std::string> ok_ids;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int n = 0; n < kEach; ++n) {
        Job job = NewSubmission("vm-" + std::to_string(t) + "-" + std::to_string(n),
                                n % 2 == 0 ? "vm" : "osimage");
        std::string id = job.job_id;
        ASSERT_TRUE(store_->Submit(std::move(job)).ok());
        EXPECT_TRUE(Dispatched(id)) << "Submit returned before its job was dispatched";
        std::lock_guard lock(ok_mu);
        ok_ids.insert(id);
      }
    });
  }
  for (auto& t : threads) t.join();
  std::multiset<std::string> dispatched_ids;
  for (const auto& [partition, job_id] : dispatched_) {
    dispatched_ids.insert(job_id);
    auto job = store_->Get(job_id);
    ASSERT_TRUE(job.ok());
    EXPECT_EQ(partition, job->resource_type);
  }
  EXPECT_EQ(dispatched_ids, ok_ids);
}

TEST_P(DispatchTest, RefusedSubmissionIsNotDispatched) {
  ASSERT_TRUE(store_->Submit(NewSubmission("vm1")).ok());
  Job again = NewSubmission("vm1");  // a create of a name whose creation is pending: 409
  std::string id = again.job_id;
  auto status = store_->Submit(std::move(again));
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kAlreadyExists);
  EXPECT_FALSE(Dispatched(id));
  EXPECT_EQ(dispatched_.size(), 1u);
}

INSTANTIATE_TEST_SUITE_P(GroupCommit, DispatchTest, ::testing::Values(true, false),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? "grouped" : "one_by_one";
                         });

}  // namespace
}  // namespace gitops::jobs
