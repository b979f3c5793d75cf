// redis::Pool: reuse, the bound on open connections, prompt failure when unreachable.
#include "redis/pool.h"

#include <gtest/gtest.h>

#include <thread>

#include "redis_test_server.h"

namespace gitops::redis {
namespace {

PoolOptions SharedPoolOptions(size_t max_connections) {
  PoolOptions options;
  options.endpoint = *ParseUrl(redistest::SharedUrl());
  options.max_connections = max_connections;
  return options;
}

TEST(RedisPoolTest, ReturnedConnectionIsReused) {
  Pool pool(SharedPoolOptions(4));
  Connection* first = nullptr;
  {
    auto handle = pool.Acquire();
    ASSERT_TRUE(handle.ok());
    first = &**handle;
  }
  auto again = pool.Acquire();
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(&**again, first);
}

TEST(RedisPoolTest, AtTheBoundACallerWaitsForAConnectionToComeBack) {
  Pool pool(SharedPoolOptions(1));
  auto held = std::make_optional(*pool.Acquire());
  Connection* only = &**held;
  Connection* got = nullptr;
  std::thread waiter([&] {
    auto handle = pool.Acquire();
    if (handle.ok()) got = &**handle;
  });
  held.reset();  // gives the one connection back; the waiter takes it, never a second one
  waiter.join();
  EXPECT_EQ(got, only);
}

TEST(RedisPoolTest, BrokenConnectionIsNotReused) {
  Pool pool(SharedPoolOptions(2));
  {
    auto handle = pool.Acquire();
    ASSERT_TRUE(handle.ok());
    (*handle)->Interrupt();
  }
  auto next = pool.Acquire();
  ASSERT_TRUE(next.ok());
  EXPECT_FALSE((*next)->Broken());
  EXPECT_TRUE((*next)->Ping().ok());
}

TEST(RedisPoolTest, UnreachableServerIsUnavailable) {
  PoolOptions options;
  options.endpoint.port = 1;  // nothing listens on a privileged port here
  Pool pool(options);
  auto status = pool.Ping();
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kUnavailable);
}

}  // namespace
}  // namespace gitops::redis
