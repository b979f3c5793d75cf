// The JobQueue contract: every implementation (in-process, redis) instantiates this suite with
// a factory returning a new, empty queue.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "jobs/job_queue.h"

namespace gitops::contract {

struct JobQueueImpl {
  std::string name;
  std::function<std::unique_ptr<jobs::JobQueue>()> make;
};
inline void PrintTo(const JobQueueImpl& impl, std::ostream* os) { *os << impl.name; }

class JobQueueContract : public ::testing::TestWithParam<JobQueueImpl> {
 protected:
  // Long enough never to expire in a passing test; a broken wake-up shows as a hang.
  static constexpr std::chrono::milliseconds kForever{std::chrono::minutes(5)};
  static constexpr std::chrono::milliseconds kNoWait{0};

  void SetUp() override { queue_ = GetParam().make(); }
  void TearDown() override {
    if (queue_) queue_->Close();
  }

  void EnqueueAll(const std::string& partition, const std::vector<std::string>& ids) {
    for (const auto& id : ids) ASSERT_TRUE(queue_->Enqueue(partition, id).ok());
  }

  // Leases expecting work to be there now.
  jobs::Batch MustLease(size_t max_batch) {
    auto leased = queue_->Lease(max_batch, kForever);
    EXPECT_TRUE(leased.ok() && leased->has_value());
    if (!leased.ok() || !leased->has_value()) return {};
    return **leased;
  }

  std::unique_ptr<jobs::JobQueue> queue_;
};

TEST_P(JobQueueContract, LeaseOnEmptyQueueReturnsNothingAfterWaiting) {
  auto leased = queue_->Lease(10, kNoWait);
  ASSERT_TRUE(leased.ok());
  EXPECT_FALSE(leased->has_value());
}

TEST_P(JobQueueContract, LeaseGivesJobsOfOnePartitionInEnqueueOrderUpToMaxBatch) {
  EnqueueAll("namespace", {"j1", "j2", "j3"});
  jobs::Batch batch = MustLease(2);
  EXPECT_EQ(batch.partition, "namespace");
  EXPECT_EQ(batch.job_ids, (std::vector<std::string>{"j1", "j2"}));
}

TEST_P(JobQueueContract, BatchHoldsOnlyOnePartition) {
  EnqueueAll("namespace", {"n1"});
  EnqueueAll("vm", {"v1"});
  jobs::Batch batch = MustLease(10);
  ASSERT_EQ(batch.job_ids.size(), 1u);
  EXPECT_EQ(batch.job_ids[0], batch.partition == "namespace" ? "n1" : "v1");
}

TEST_P(JobQueueContract, LeasedPartitionIsNotHandedOutAgainUntilComplete) {
  EnqueueAll("namespace", {"n1", "n2"});
  jobs::Batch first = MustLease(1);
  EXPECT_EQ(first.job_ids, std::vector<std::string>{"n1"});
  EnqueueAll("namespace", {"n3"});
  auto second = queue_->Lease(10, kNoWait);
  ASSERT_TRUE(second.ok());
  EXPECT_FALSE(second->has_value());  // n2, n3 wait for the lease on namespace to end

  ASSERT_TRUE(queue_->Complete(first, 1).ok());
  jobs::Batch third = MustLease(10);
  EXPECT_EQ(third.job_ids, (std::vector<std::string>{"n2", "n3"}));
}

TEST_P(JobQueueContract, OtherPartitionsProceedWhileOneIsLeased) {
  EnqueueAll("namespace", {"n1", "n2"});
  jobs::Batch first = MustLease(1);
  EnqueueAll("vm", {"v1"});
  jobs::Batch second = MustLease(10);
  EXPECT_EQ(second.partition, first.partition == "namespace" ? "vm" : "namespace");
}

TEST_P(JobQueueContract, UnackedJobsAreDeliveredAgainFirstAndInOrder) {
  EnqueueAll("namespace", {"n1", "n2", "n3"});
  jobs::Batch first = MustLease(3);
  EnqueueAll("namespace", {"n4"});
  ASSERT_TRUE(queue_->Complete(first, 1).ok());  // n1 done; n2, n3 not
  jobs::Batch again = MustLease(10);
  EXPECT_EQ(again.job_ids, (std::vector<std::string>{"n2", "n3", "n4"}));
}

TEST_P(JobQueueContract, AckedJobsAreNotDeliveredAgain) {
  EnqueueAll("namespace", {"n1", "n2"});
  ASSERT_TRUE(queue_->Complete(MustLease(2), 2).ok());
  auto leased = queue_->Lease(10, kNoWait);
  ASSERT_TRUE(leased.ok());
  EXPECT_FALSE(leased->has_value());
}

TEST_P(JobQueueContract, CompletingALeaseTwiceIsFailedPrecondition) {
  EnqueueAll("namespace", {"n1"});
  jobs::Batch batch = MustLease(1);
  ASSERT_TRUE(queue_->Complete(batch, 1).ok());
  auto status = queue_->Complete(batch, 1);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kFailedPrecondition);
}

TEST_P(JobQueueContract, StaleLeaseCannotCompleteTheCurrentOne) {
  EnqueueAll("namespace", {"n1", "n2"});
  jobs::Batch old_batch = MustLease(1);
  ASSERT_TRUE(queue_->Complete(old_batch, 1).ok());
  jobs::Batch current = MustLease(1);
  auto status = queue_->Complete(old_batch, 0);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_TRUE(queue_->Complete(current, 1).ok());
}

TEST_P(JobQueueContract, APartitionWithWorkIsNotStarvedByABusyOne) {
  EnqueueAll("big", {"b1", "b2", "b3", "b4", "b5"});
  EnqueueAll("small", {"s1"});
  std::vector<std::string> order;
  for (int i = 0; i < 6; ++i) {
    jobs::Batch batch = MustLease(1);
    order.insert(order.end(), batch.job_ids.begin(), batch.job_ids.end());
    ASSERT_TRUE(queue_->Complete(batch, batch.job_ids.size()).ok());
  }
  ASSERT_EQ(order.size(), 6u);
  EXPECT_NE(order.back(), "s1") << "the small partition waited for the big one to drain";
}

TEST_P(JobQueueContract, BlockedLeaseWakesWhenWorkArrives) {
  std::optional<jobs::Batch> got;
  std::thread worker([&] {
    auto leased = queue_->Lease(10, kForever);
    if (leased.ok() && leased->has_value()) got = **leased;
  });
  ASSERT_TRUE(queue_->Enqueue("namespace", "n1").ok());
  worker.join();
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->job_ids, std::vector<std::string>{"n1"});
}

TEST_P(JobQueueContract, CloseWakesABlockedLeaseWithAborted) {
  std::optional<ErrorCode> code;
  std::thread worker([&] {
    auto leased = queue_->Lease(10, kForever);
    if (!leased.ok()) code = leased.error().code;
  });
  queue_->Close();
  worker.join();
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, ErrorCode::kAborted);
}

TEST_P(JobQueueContract, EnqueueAfterCloseIsUnavailable) {
  queue_->Close();
  auto status = queue_->Enqueue("namespace", "n1");
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kUnavailable);
}

TEST_P(JobQueueContract, ALeaseHeldAtCloseCanStillComplete) {
  EnqueueAll("namespace", {"n1"});
  jobs::Batch batch = MustLease(1);
  queue_->Close();
  EXPECT_TRUE(queue_->Complete(batch, 1).ok());
}

// Several workers race for several partitions while a producer enqueues, acking only part of some batches. No partition
// may ever be held by two workers at once, and per partition the acked jobs must come out in
// enqueue order, each exactly once.
TEST_P(JobQueueContract, ConcurrentWorkersHoldAPartitionExclusivelyAndKeepItsOrder) {
  constexpr int kWorkers = 4, kPartitions = 3, kJobsEach = 150;
  std::map<std::string, std::vector<std::string>> enqueued;
  for (int n = 0; n < kJobsEach; ++n) {
    for (int p = 0; p < kPartitions; ++p) {
      std::string partition = "p" + std::to_string(p);
      enqueued[partition].push_back(partition + "-" + std::to_string(n));
    }
  }
  // Jobs arrive while workers hold leases, as they do in the service.
  std::thread producer([&] {
    for (int n = 0; n < kJobsEach; ++n) {
      for (const auto& [partition, ids] : enqueued) {
        EXPECT_TRUE(queue_->Enqueue(partition, ids[static_cast<size_t>(n)]).ok());
      }
    }
  });
  std::mutex mu;
  std::map<std::string, std::vector<std::string>> acked;
  std::map<std::string, int> holders;
  std::atomic<int> overlaps{0};
  std::atomic<int> done{0};
  std::atomic<int> lease_count{0};
  std::vector<std::thread> workers;
  for (int w = 0; w < kWorkers; ++w) {
    workers.emplace_back([&] {
      while (done.load() < kPartitions * kJobsEach) {
        auto leased = queue_->Lease(7, std::chrono::milliseconds(20));
        if (!leased.ok()) return;
        if (!leased->has_value()) continue;
        const jobs::Batch& batch = **leased;
        {
          std::lock_guard lock(mu);
          if (holders[batch.partition]++ != 0) ++overlaps;
        }
        // Every third lease acks all but the last job, which must come back.
        size_t ack = batch.job_ids.size();
        if (++lease_count % 3 == 0 && ack > 1) --ack;
        {
          std::lock_guard lock(mu);
          auto& out = acked[batch.partition];
          out.insert(out.end(), batch.job_ids.begin(),
                     batch.job_ids.begin() + static_cast<std::ptrdiff_t>(ack));
          --holders[batch.partition];
        }
        done += static_cast<int>(ack);
        EXPECT_TRUE(queue_->Complete(batch, ack).ok());
      }
    });
  }
  producer.join();
  for (auto& t : workers) t.join();
  EXPECT_EQ(overlaps.load(), 0);
  EXPECT_EQ(acked, enqueued);
}

TEST_P(JobQueueContract, EnqueueManyQueuesEveryJobInOrder) {
  ASSERT_TRUE(queue_->EnqueueMany({{"vm", "v1"}, {"namespace", "n1"}, {"vm", "v2"}}).ok());
  EnqueueAll("vm", {"v3"});
  std::map<std::string, std::vector<std::string>> got;
  for (int i = 0; i < 2; ++i) {
    jobs::Batch batch = MustLease(10);
    got[batch.partition] = batch.job_ids;
    ASSERT_TRUE(queue_->Complete(batch, batch.job_ids.size()).ok());
  }
  EXPECT_EQ(got["vm"], (std::vector<std::string>{"v1", "v2", "v3"}));
  EXPECT_EQ(got["namespace"], std::vector<std::string>{"n1"});
}

TEST_P(JobQueueContract, EnqueueManyAfterCloseIsUnavailable) {
  queue_->Close();
  auto status = queue_->EnqueueMany({{"vm", "v1"}});
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kUnavailable);
}

// Many threads enqueueing at once (the service's HTTP threads; Redis groups their calls into
// shared round trips): every call that returned ok is delivered exactly once, and the jobs of
// each thread come out in its order within their partition.
TEST_P(JobQueueContract, ConcurrentEnqueuesAreEachDeliveredOnceInEachCallersOrder) {
  constexpr int kThreads = 8, kJobsEach = 60, kPartitions = 2;
  std::vector<std::thread> producers;
  for (int t = 0; t < kThreads; ++t) {
    producers.emplace_back([&, t] {
      for (int n = 0; n < kJobsEach; ++n) {
        std::string partition = "p" + std::to_string(n % kPartitions);
        std::string id = partition + "-t" + std::to_string(t) + "-" + std::to_string(n);
        EXPECT_TRUE(queue_->Enqueue(partition, id).ok()) << id;
      }
    });
  }
  for (auto& p : producers) p.join();
  // Per partition, the delivered ids of each thread, in delivery order.
  std::map<std::string, std::map<std::string, std::vector<int>>> got;
  size_t total = 0;
  for (;;) {
    auto leased = queue_->Lease(50, kNoWait);
    ASSERT_TRUE(leased.ok());
    if (!leased->has_value()) break;
    for (const auto& id : (*leased)->job_ids) {
      size_t dash = id.rfind('-');
      got[(*leased)->partition][id.substr(0, dash)].push_back(std::stoi(id.substr(dash + 1)));
      ++total;
    }
    ASSERT_TRUE(queue_->Complete(**leased, (*leased)->job_ids.size()).ok());
  }
  EXPECT_EQ(total, static_cast<size_t>(kThreads * kJobsEach));
  for (int p = 0; p < kPartitions; ++p) {
    std::string partition = "p" + std::to_string(p);
    for (int t = 0; t < kThreads; ++t) {
      std::vector<int> expected;
      for (int n = p; n < kJobsEach; n += kPartitions) expected.push_back(n);
      EXPECT_EQ((got[partition][partition + "-t" + std::to_string(t)]), expected)
          << partition << " thread " << t;
    }
  }
}

// Continue: an implementation may keep a partition with its holder (Redis does) or not (the
// default); either way every job comes once more at most, in order, and the partition is never
// held twice.
TEST_P(JobQueueContract, ContinueHandsOnTheRestOfThePartitionInOrder) {
  EnqueueAll("namespace", {"j1", "j2", "j3"});
  jobs::Batch first = MustLease(2);
  ASSERT_EQ(first.job_ids, (std::vector<std::string>{"j1", "j2"}));
  ASSERT_TRUE(queue_->Enqueue("namespace", "j4").ok());
  auto next = queue_->Continue(first, 2, 10);
  ASSERT_TRUE(next.ok()) << next.error().message;
  jobs::Batch second;
  if (next->has_value()) {
    second = **next;
    EXPECT_EQ(second.partition, "namespace");
    // Kept: nobody else gets the partition meanwhile.
    auto other = queue_->Lease(10, kNoWait);
    ASSERT_TRUE(other.ok());
    EXPECT_FALSE(other->has_value());
  } else {
    ASSERT_TRUE(queue_->Complete(first, 2).ok());
    second = MustLease(10);
  }
  EXPECT_EQ(second.job_ids, (std::vector<std::string>{"j3", "j4"}));
  ASSERT_TRUE(queue_->Complete(second, 2).ok());
  auto after = queue_->Lease(10, kNoWait);
  ASSERT_TRUE(after.ok());
  EXPECT_FALSE(after->has_value());
}

TEST_P(JobQueueContract, ContinueWithNothingMoreChangesNothing) {
  EnqueueAll("namespace", {"j1"});
  jobs::Batch batch = MustLease(10);
  auto next = queue_->Continue(batch, 1, 10);
  ASSERT_TRUE(next.ok()) << next.error().message;
  EXPECT_FALSE(next->has_value());
  // Still held: the caller completes it.
  auto other = queue_->Lease(10, kNoWait);
  ASSERT_TRUE(other.ok());
  EXPECT_FALSE(other->has_value());
  ASSERT_TRUE(queue_->Complete(batch, 1).ok());
  auto after = queue_->Lease(10, kNoWait);
  ASSERT_TRUE(after.ok());
  EXPECT_FALSE(after->has_value());
}

TEST_P(JobQueueContract, ContinueDeliversUnackedJobsFirst) {
  EnqueueAll("namespace", {"j1", "j2", "j3"});
  jobs::Batch first = MustLease(2);
  auto next = queue_->Continue(first, 1, 10);
  ASSERT_TRUE(next.ok()) << next.error().message;
  jobs::Batch second;
  if (next->has_value()) {
    second = **next;
  } else {
    ASSERT_TRUE(queue_->Complete(first, 1).ok());
    second = MustLease(10);
  }
  EXPECT_EQ(second.job_ids, (std::vector<std::string>{"j2", "j3"}));
  ASSERT_TRUE(queue_->Complete(second, 2).ok());
}

TEST_P(JobQueueContract, ContinueOfACompletedLeaseIsRefusedOrChangesNothing) {
  EnqueueAll("namespace", {"j1", "j2"});
  jobs::Batch first = MustLease(1);
  ASSERT_TRUE(queue_->Complete(first, 1).ok());
  auto next = queue_->Continue(first, 1, 10);
  if (next.ok()) {
    EXPECT_FALSE(next->has_value());
  } else {
    EXPECT_EQ(next.error().code, ErrorCode::kFailedPrecondition);
  }
  jobs::Batch again = MustLease(10);
  EXPECT_EQ(again.job_ids, std::vector<std::string>{"j2"});
  ASSERT_TRUE(queue_->Complete(again, 1).ok());
}

}  // namespace gitops::contract
