// RedisJobQueue and redis::Pool across a Redis outage on a private server: calls fail fast with
// kUnavailable while it is down (blocked workers too) and work again once it is back.
#include <gtest/gtest.h>

#include <thread>

#include "jobs/redis/redis_job_queue.h"
#include "redis/pool.h"
#include "redis_test_server.h"

namespace gitops::jobs {
namespace {

constexpr std::chrono::milliseconds kForever{std::chrono::minutes(5)};

class RedisRestartTest : public ::testing::Test {
 protected:
  std::unique_ptr<RedisJobQueue> NewQueue() {
    RedisJobQueueOptions options;
    options.url = server_.url();
    options.key_prefix = "gitops:";
    auto queue = RedisJobQueue::Create(options);
    EXPECT_TRUE(queue.ok());
    return std::move(*queue);
  }

  redistest::PrivateServer server_;
};

TEST_F(RedisRestartTest, CallsAreUnavailableWhileDownAndWorkAfterwards) {
  auto queue = NewQueue();
  ASSERT_TRUE(queue->Enqueue("repo", "before").ok());
  server_.Stop();
  EXPECT_EQ(queue->Ping().error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(queue->Enqueue("repo", "lost").error().code, ErrorCode::kUnavailable);
  auto leased = queue->Lease(10, kForever);
  ASSERT_FALSE(leased.ok());
  EXPECT_EQ(leased.error().code, ErrorCode::kUnavailable);

  server_.Start();  // empty: "before" is gone with the old server, the sweeper's to re-enqueue
  EXPECT_TRUE(queue->Ping().ok());
  ASSERT_TRUE(queue->Enqueue("repo", "after").ok());
  auto again = queue->Lease(10, kForever);
  ASSERT_TRUE(again.ok() && again->has_value()) << (again.ok() ? "" : again.error().message);
  EXPECT_EQ((*again)->job_ids, std::vector<std::string>{"after"});
  EXPECT_TRUE(queue->Complete(**again, 1).ok());
}

TEST_F(RedisRestartTest, ABlockedWorkerReturnsUnavailableWhenRedisGoesAway) {
  auto queue = NewQueue();
  std::optional<ErrorCode> code;
  std::thread worker([&] {
    auto leased = queue->Lease(10, kForever);
    if (!leased.ok()) code = leased.error().code;
  });
  server_.Stop();
  worker.join();
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, ErrorCode::kUnavailable);
  server_.Start();
}

TEST_F(RedisRestartTest, ALeaseHeldAcrossARestartIsNoLongerHeld) {
  auto queue = NewQueue();
  ASSERT_TRUE(queue->Enqueue("repo", "j1").ok());
  auto leased = queue->Lease(1, kForever);
  ASSERT_TRUE(leased.ok() && leased->has_value());
  server_.Stop();
  EXPECT_EQ(queue->Complete(**leased, 1).error().code, ErrorCode::kUnavailable);
  server_.Start();
  EXPECT_EQ(queue->Complete(**leased, 1).error().code, ErrorCode::kFailedPrecondition);
}

TEST_F(RedisRestartTest, PoolReconnectsOnTheNextUse) {
  redis::PoolOptions options;
  options.endpoint = *redis::ParseUrl(server_.url());
  redis::Pool pool(options);
  ASSERT_TRUE(pool.Ping().ok());
  server_.Stop();
  EXPECT_EQ(pool.Ping().error().code, ErrorCode::kUnavailable);
  server_.Start();
  EXPECT_TRUE(pool.Ping().ok());
}

}  // namespace
}  // namespace gitops::jobs
