// pg::Pool: bounds, reuse, replacement of broken sessions, concurrency.
#include "pg/pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "pg_test_server.h"

namespace gitops::pg {
namespace {

std::string BackendPid(PooledConnection& conn) {
  auto rows = conn->Exec("SELECT pg_backend_pid()");
  EXPECT_TRUE(rows.ok());
  return rows.ok() ? std::string(rows->Text(0, 0)) : "";
}

TEST(PoolTest, ReturnedConnectionIsLentAgain) {
  Pool pool({pgtest::NewDatabase(), 2});
  std::string first;
  {
    auto conn = pool.Acquire();
    ASSERT_TRUE(conn.ok()) << conn.error().message;
    first = BackendPid(*conn);
  }
  auto again = pool.Acquire();
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(BackendPid(*again), first);
  EXPECT_EQ(pool.open_connections(), 1u);
}

TEST(PoolTest, FullPoolWaitsThenTimesOutWithUnavailable) {
  Pool pool({pgtest::NewDatabase(), 1, std::chrono::milliseconds(50)});
  auto held = pool.Acquire();
  ASSERT_TRUE(held.ok());
  auto second = pool.Acquire();
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(pool.open_connections(), 1u);
}

TEST(PoolTest, SessionKilledByTheServerIsReplacedOnNextUse) {
  std::string dsn = pgtest::NewDatabase();
  Pool pool({dsn, 2});
  std::string old_pid;
  {
    auto conn = pool.Acquire();
    ASSERT_TRUE(conn.ok());
    old_pid = BackendPid(*conn);
  }
  auto killer = Connection::Open(dsn);
  ASSERT_TRUE(killer.ok());
  // With a timeout, pg_terminate_backend returns once the backend has exited.
  auto killed = (*killer)->Exec("SELECT pg_terminate_backend($1::int, 10000)", {old_pid});
  ASSERT_TRUE(killed.ok());
  ASSERT_TRUE(killed->Bool(0, 0));
  auto conn = pool.Acquire();
  ASSERT_TRUE(conn.ok());
  std::string new_pid = BackendPid(*conn);
  EXPECT_NE(new_pid, old_pid);
  EXPECT_FALSE(new_pid.empty());
}

TEST(PoolTest, LeftOpenTransactionIsNotLentAgain) {
  Pool pool({pgtest::NewDatabase(), 2});
  {
    auto conn = pool.Acquire();
    ASSERT_TRUE(conn.ok());
    ASSERT_TRUE((*conn)->ExecScript("BEGIN").ok());
  }
  EXPECT_EQ(pool.open_connections(), 0u);
  auto conn = pool.Acquire();
  ASSERT_TRUE(conn.ok());
  EXPECT_FALSE((*conn)->InTransaction());
}

TEST(PoolTest, ManyThreadsShareABoundedPool) {
  Pool pool({pgtest::NewDatabase(), 3});
  constexpr int kThreads = 8, kQueries = 25;
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      for (int q = 0; q < kQueries; ++q) {
        auto rows = pool.Exec("SELECT $1::int + $2::int", {std::to_string(i), std::to_string(q)});
        if (rows.ok() && rows->Text(0, 0) == std::to_string(i + q)) ++ok;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), kThreads * kQueries);
  EXPECT_LE(pool.open_connections(), 3u);
}

TEST(PoolTest, UnreachableServerFailsAtOnceAndFreesTheSlot) {
  Pool pool({"host=127.0.0.1 port=1 dbname=jobs password=s3cr3t-pw", 1});
  for (int i = 0; i < 3; ++i) {  // the slot is given back: no wait, no timeout
    auto conn = pool.Acquire();
    ASSERT_FALSE(conn.ok());
    EXPECT_EQ(conn.error().code, ErrorCode::kUnavailable);
    EXPECT_EQ(conn.error().message.find("s3cr3t-pw"), std::string::npos);
    EXPECT_NE(conn.error().message.find("PostgreSQL at 127.0.0.1:1/jobs is unavailable"),
              std::string::npos)
        << conn.error().message;
  }
  EXPECT_EQ(pool.open_connections(), 0u);
}

}  // namespace
}  // namespace gitops::pg
