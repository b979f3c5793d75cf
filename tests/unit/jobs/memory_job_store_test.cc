// MemoryJobStore specifics; the shared behaviour is in tests/contract/job_store_contract.h.
#include "jobs/memory/memory_job_store.h"

#include <gtest/gtest.h>

#include "core/ids.h"

namespace gitops::jobs {
namespace {

Job NewJob() {
  Job job;
  job.job_id = NewUuid();
  job.tenant_id = "tenant1";
  job.resource_type = "vm";
  job.resource_name = "dev-vm";
  return job;
}

TEST(MemoryJobStoreTest, CountsItsJobs) {
  FakeClock clock;
  MemoryJobStore store(clock);
  EXPECT_EQ(store.size(), 0u);
  ASSERT_TRUE(store.Create(NewJob()).ok());
  ASSERT_TRUE(store.Create(NewJob()).ok());
  EXPECT_EQ(store.size(), 2u);
}

TEST(MemoryJobStoreTest, NulInsideALogLineIsDroppedNotSplit) {
  FakeClock clock;
  MemoryJobStore store(clock);
  Job job = NewJob();
  ASSERT_TRUE(store.Create(job).ok());
  ASSERT_TRUE(store.Update(job.job_id, JobChange().Log(std::string("a\0b", 3)).Log("")).ok());
  EXPECT_EQ(store.Get(job.job_id)->logs, (std::vector<std::string>{"ab", ""}));
}

TEST(MemoryJobStoreTest, ClockGoingBackwardsNeverMovesUpdatedAtBack) {
  FakeClock clock;
  MemoryJobStore store(clock);
  Job job = NewJob();
  ASSERT_TRUE(store.Create(job).ok());
  auto created = clock.Now();
  clock.Advance(std::chrono::seconds(-5));
  ASSERT_TRUE(store.Update(job.job_id, JobChange().Log("x")).ok());
  EXPECT_EQ(store.Get(job.job_id)->updated_at, created);
}

}  // namespace
}  // namespace gitops::jobs
