// MemoryJobQueue specifics; the shared behaviour is in tests/contract/job_queue_contract.h.
#include "jobs/memory/memory_job_queue.h"

#include <gtest/gtest.h>

namespace gitops::jobs {
namespace {

constexpr std::chrono::milliseconds kNoWait{0};

TEST(MemoryJobQueueTest, PartitionsWithWorkAreServedRoundRobin) {
  MemoryJobQueue queue;
  for (const char* p : {"a", "b", "c"}) {
    for (int i = 0; i < 2; ++i) ASSERT_TRUE(queue.Enqueue(p, std::string(p) + std::to_string(i)).ok());
  }
  std::vector<std::string> order;
  for (int i = 0; i < 6; ++i) {
    auto leased = queue.Lease(1, kNoWait);
    ASSERT_TRUE(leased.ok() && leased->has_value());
    order.push_back((*leased)->job_ids[0]);
    ASSERT_TRUE(queue.Complete(**leased, 1).ok());
  }
  EXPECT_EQ(order, (std::vector<std::string>{"a0", "b0", "c0", "a1", "b1", "c1"}));
}

TEST(MemoryJobQueueTest, ReleasedPartitionGoesToTheBackOfTheRing) {
  MemoryJobQueue queue;
  ASSERT_TRUE(queue.Enqueue("a", "a0").ok());
  ASSERT_TRUE(queue.Enqueue("a", "a1").ok());
  auto first = queue.Lease(1, kNoWait);
  ASSERT_TRUE(first.ok() && first->has_value());
  ASSERT_TRUE(queue.Enqueue("b", "b0").ok());  // b became ready while a was leased
  ASSERT_TRUE(queue.Complete(**first, 1).ok());
  auto second = queue.Lease(1, kNoWait);
  ASSERT_TRUE(second.ok() && second->has_value());
  EXPECT_EQ((*second)->job_ids[0], "b0");
}

TEST(MemoryJobQueueTest, PendingCountsWaitingJobsOnly) {
  MemoryJobQueue queue;
  ASSERT_TRUE(queue.Enqueue("a", "a0").ok());
  ASSERT_TRUE(queue.Enqueue("a", "a1").ok());
  ASSERT_TRUE(queue.Enqueue("a", "a2").ok());
  auto leased = queue.Lease(2, kNoWait);
  ASSERT_TRUE(leased.ok() && leased->has_value());
  EXPECT_EQ(queue.pending(), 1u);
  ASSERT_TRUE(queue.Complete(**leased, 1).ok());
  EXPECT_EQ(queue.pending(), 2u);
}

TEST(MemoryJobQueueTest, ZeroMaxBatchIsInvalidArgument) {
  MemoryJobQueue queue;
  auto leased = queue.Lease(0, kNoWait);
  ASSERT_FALSE(leased.ok());
  EXPECT_EQ(leased.error().code, ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace gitops::jobs
