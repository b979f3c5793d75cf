// RedisJobQueue beyond the contract: several queues (processes) on one Redis, dead workers
// whose leases expire, lease renewal, the readiness probe, and what stays in Redis.
#include "jobs/redis/redis_job_queue.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <thread>

#include "redis/connection.h"
#include "redis_test_server.h"

namespace gitops::jobs {
namespace {

constexpr std::chrono::milliseconds kForever{std::chrono::minutes(5)};
constexpr std::chrono::milliseconds kNoWait{0};

class RedisJobQueueTest : public ::testing::Test {
 protected:
  RedisJobQueueTest() : prefix_(redistest::NewPrefix()) {}

  // A queue ("a process") on the shared prefix.
  std::unique_ptr<RedisJobQueue> NewQueue(RedisJobQueueOptions options = {}) {
    options.url = redistest::SharedUrl();
    options.key_prefix = prefix_;
    auto queue = RedisJobQueue::Create(options);
    EXPECT_TRUE(queue.ok()) << queue.error().message;
    return queue.ok() ? std::move(*queue) : nullptr;
  }

  static Batch MustLease(JobQueue& queue, size_t max_batch) {
    auto leased = queue.Lease(max_batch, kForever);
    EXPECT_TRUE(leased.ok() && leased->has_value());
    if (!leased.ok() || !leased->has_value()) return {};
    return **leased;
  }

  // Keys under the prefix now.
  std::vector<std::string> Keys() {
    auto conn = redis::Connection::Open(*redis::ParseUrl(redistest::SharedUrl()));
    EXPECT_TRUE(conn.ok());
    auto reply = (*conn)->Command({"KEYS", prefix_ + "*"});
    EXPECT_TRUE(reply.ok());
    std::vector<std::string> keys;
    for (const auto& k : reply->elements) keys.push_back(k.str.substr(prefix_.size()));
    std::sort(keys.begin(), keys.end());
    return keys;
  }

  std::string prefix_;
};

TEST_F(RedisJobQueueTest, CreateRefusesABadUrl) {
  RedisJobQueueOptions options;
  options.url = "http://127.0.0.1:6379";
  auto queue = RedisJobQueue::Create(options);
  ASSERT_FALSE(queue.ok());
  EXPECT_EQ(queue.error().code, ErrorCode::kInvalidArgument);
}

TEST_F(RedisJobQueueTest, PingIsTheReadinessProbe) {
  EXPECT_TRUE(NewQueue()->Ping().ok());
  RedisJobQueueOptions options;
  options.url = "redis://127.0.0.1:1/0";  // nothing listens there
  auto down = RedisJobQueue::Create(options);
  ASSERT_TRUE(down.ok());
  auto status = (*down)->Ping();
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(status.error().message.find("127.0.0.1:1/0"), std::string::npos);
  EXPECT_EQ((*down)->Enqueue("p", "j").error().code, ErrorCode::kUnavailable);
  EXPECT_EQ((*down)->Lease(1, kForever).error().code, ErrorCode::kUnavailable);
}

TEST_F(RedisJobQueueTest, APartitionLeasedByOneProcessIsNotLeasedByAnother) {
  auto a = NewQueue(), b = NewQueue();
  ASSERT_TRUE(a->Enqueue("repo-1", "j1").ok());
  ASSERT_TRUE(a->Enqueue("repo-1", "j2").ok());
  Batch held = MustLease(*a, 1);
  EXPECT_EQ(held.job_ids, std::vector<std::string>{"j1"});
  ASSERT_TRUE(b->Enqueue("repo-2", "k1").ok());
  Batch other = MustLease(*b, 10);
  EXPECT_EQ(other.partition, "repo-2");  // repo-1 is a's, though j2 waits in it
  auto nothing = b->Lease(10, kNoWait);
  ASSERT_TRUE(nothing.ok());
  EXPECT_FALSE(nothing->has_value());
  ASSERT_TRUE(a->Complete(held, 1).ok());
  Batch rest = MustLease(*b, 10);
  EXPECT_EQ(rest.partition, "repo-1");
  EXPECT_EQ(rest.job_ids, std::vector<std::string>{"j2"});
  EXPECT_TRUE(b->Complete(rest, 1).ok());
}

// Two "processes" with two workers each race over three partitions, acking only part of some
// batches: never two holders of a partition at once, and each partition's jobs acked in order.
TEST_F(RedisJobQueueTest, ProcessesRacingNeverShareAPartitionAndKeepItsOrder) {
  constexpr int kPartitions = 3, kJobsEach = 100;
  std::vector<std::unique_ptr<RedisJobQueue>> processes;
  processes.push_back(NewQueue());
  processes.push_back(NewQueue());
  std::map<std::string, std::vector<std::string>> enqueued;
  for (int n = 0; n < kJobsEach; ++n) {
    for (int p = 0; p < kPartitions; ++p) {
      std::string partition = "repo-" + std::to_string(p);
      std::string id = partition + "-" + std::to_string(n);
      enqueued[partition].push_back(id);
      ASSERT_TRUE(processes[static_cast<size_t>(n % 2)]->Enqueue(partition, id).ok());
    }
  }
  std::mutex mu;
  std::map<std::string, std::vector<std::string>> acked;
  std::map<std::string, int> holders;
  std::atomic<int> overlaps{0}, done{0}, leases{0};
  std::vector<std::thread> workers;
  for (int w = 0; w < 4; ++w) {
    RedisJobQueue& queue = *processes[static_cast<size_t>(w % 2)];
    workers.emplace_back([&] {
      while (done.load() < kPartitions * kJobsEach) {
        auto leased = queue.Lease(5, std::chrono::milliseconds(20));
        if (!leased.ok()) return;
        if (!leased->has_value()) continue;
        const Batch& batch = **leased;
        {
          std::lock_guard lock(mu);
          if (holders[batch.partition]++ != 0) ++overlaps;
        }
        size_t ack = batch.job_ids.size();
        if (++leases % 3 == 0 && ack > 1) --ack;  // the last one must come back first
        {
          std::lock_guard lock(mu);
          auto& out = acked[batch.partition];
          out.insert(out.end(), batch.job_ids.begin(),
                     batch.job_ids.begin() + static_cast<std::ptrdiff_t>(ack));
          --holders[batch.partition];
        }
        done += static_cast<int>(ack);
        EXPECT_TRUE(queue.Complete(batch, ack).ok());
      }
    });
  }
  for (auto& t : workers) t.join();
  EXPECT_EQ(overlaps.load(), 0);
  EXPECT_EQ(acked, enqueued);
}

TEST_F(RedisJobQueueTest, AWorkerBlockedInOneProcessWakesForWorkEnqueuedByAnother) {
  RedisJobQueueOptions no_polling;
  no_polling.poll_interval = std::chrono::hours(1);  // only the wake-up can end the wait
  auto server = NewQueue(), worker = NewQueue(no_polling);
  std::optional<Batch> got;
  std::thread waiting([&] {
    auto leased = worker->Lease(10, kForever);
    if (leased.ok() && leased->has_value()) got = **leased;
  });
  ASSERT_TRUE(server->Enqueue("repo", "j1").ok());
  waiting.join();
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->job_ids, std::vector<std::string>{"j1"});
}

TEST_F(RedisJobQueueTest, ADeadWorkersJobsGoToTheNextWorkerFirstAndInOrder) {
  RedisJobQueueOptions short_lease;
  short_lease.lease_ttl = std::chrono::milliseconds(200);
  short_lease.poll_interval = std::chrono::milliseconds(20);
  auto survivor = NewQueue(short_lease);
  for (const char* id : {"j1", "j2", "j3"}) ASSERT_TRUE(survivor->Enqueue("repo", id).ok());
  {
    auto dying = NewQueue(short_lease);
    Batch lost = MustLease(*dying, 2);
    EXPECT_EQ(lost.job_ids, (std::vector<std::string>{"j1", "j2"}));
  }  // dies holding the lease: no Complete, no renewal, its connections closed
  ASSERT_TRUE(survivor->Enqueue("repo", "j4").ok());
  Batch again = MustLease(*survivor, 10);  // once the lease expires
  EXPECT_EQ(again.partition, "repo");
  EXPECT_EQ(again.job_ids, (std::vector<std::string>{"j1", "j2", "j3", "j4"}));
  ASSERT_TRUE(survivor->Complete(again, 4).ok());
}

TEST_F(RedisJobQueueTest, AnExpiredLeaseCannotCompleteWhatItsSuccessorHolds) {
  RedisJobQueueOptions no_renewal;
  no_renewal.lease_ttl = std::chrono::milliseconds(100);
  no_renewal.renew_interval = std::chrono::hours(1);
  no_renewal.poll_interval = std::chrono::milliseconds(20);
  auto slow = NewQueue(no_renewal), next = NewQueue(no_renewal);
  ASSERT_TRUE(slow->Enqueue("repo", "j1").ok());
  Batch stale = MustLease(*slow, 1);
  Batch current = MustLease(*next, 1);  // after the slow one's lease expired
  EXPECT_EQ(current.job_ids, std::vector<std::string>{"j1"});
  EXPECT_EQ(slow->Complete(stale, 1).error().code, ErrorCode::kFailedPrecondition);
  ASSERT_TRUE(next->Complete(current, 0).ok());  // not acked by the stale Complete: still there
  Batch redelivered = MustLease(*next, 1);
  EXPECT_EQ(redelivered.job_ids, std::vector<std::string>{"j1"});
}

TEST_F(RedisJobQueueTest, ARenewedLeaseOutlivesItsTtl) {
  RedisJobQueueOptions renewed;
  renewed.lease_ttl = std::chrono::milliseconds(150);
  renewed.renew_interval = std::chrono::milliseconds(15);
  renewed.poll_interval = std::chrono::milliseconds(20);
  auto holder = NewQueue(renewed), other = NewQueue(renewed);
  ASSERT_TRUE(holder->Enqueue("repo", "j1").ok());
  Batch held = MustLease(*holder, 1);
  // Eight times the TTL: without renewal `other` would take the partition.
  auto leased = other->Lease(10, std::chrono::milliseconds(1200));
  ASSERT_TRUE(leased.ok());
  EXPECT_FALSE(leased->has_value());
  EXPECT_EQ(holder->held_leases(), 1u);
  EXPECT_TRUE(holder->Complete(held, 1).ok());
  EXPECT_EQ(holder->held_leases(), 0u);
}

TEST_F(RedisJobQueueTest, NothingIsLeftInRedisOnceEveryJobIsAcked) {
  auto queue = NewQueue();
  for (const char* id : {"j1", "j2", "j3"}) ASSERT_TRUE(queue->Enqueue("repo", id).ok());
  Batch first = MustLease(*queue, 2);
  ASSERT_TRUE(queue->Complete(first, 2).ok());
  EXPECT_EQ(Keys(), (std::vector<std::string>{"q:repo", "ready", "ready:set", "wake"}));
  Batch last = MustLease(*queue, 2);
  ASSERT_TRUE(queue->Complete(last, 1).ok());
  auto empty = queue->Lease(2, kNoWait);
  ASSERT_TRUE(empty.ok());
  EXPECT_FALSE(empty->has_value());
  EXPECT_EQ(Keys(), std::vector<std::string>{"wake"});
}

}  // namespace
}  // namespace gitops::jobs
