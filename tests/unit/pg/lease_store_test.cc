// PostgresLeaseStore: exclusivity, expiry with a fake clock, fencing tokens.
#include <gtest/gtest.h>

#include <atomic>
#include <latch>
#include <thread>
#include <vector>

#include "jobs/postgres/postgres_lease_store.h"
#include "pg_test_server.h"

namespace gitops::jobs {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

class LeaseStoreTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    pool_ = new std::shared_ptr<pg::Pool>(pgtest::NewMigratedPool(8));
  }
  void SetUp() override {
    ASSERT_TRUE((*pool_)->Exec("TRUNCATE repository_leases").ok());
    store_ = std::make_unique<PostgresLeaseStore>(*pool_, &clock_);
  }
  static std::shared_ptr<pg::Pool>* pool_;
  FakeClock clock_;
  std::unique_ptr<PostgresLeaseStore> store_;
};
std::shared_ptr<pg::Pool>* LeaseStoreTest::pool_ = nullptr;

TEST_F(LeaseStoreTest, SecondHolderIsRefusedWhileTheLeaseLives) {
  auto a = store_->Acquire("namespace", "worker-a", seconds(30));
  ASSERT_TRUE(a.ok()) << a.error().message;
  EXPECT_EQ(a->expires_at, clock_.Now() + seconds(30));
  auto b = store_->Acquire("namespace", "worker-b", seconds(30));
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.error().code, ErrorCode::kAborted);
  EXPECT_NE(b.error().message.find("worker-a"), std::string::npos);
  EXPECT_TRUE(store_->CheckFencing(*a).ok());
}

TEST_F(LeaseStoreTest, OtherRepositoriesAreIndependent) {
  ASSERT_TRUE(store_->Acquire("namespace", "worker-a", seconds(30)).ok());
  EXPECT_TRUE(store_->Acquire("vm", "worker-b", seconds(30)).ok());
}

TEST_F(LeaseStoreTest, ExpiredLeaseGoesToTheNextHolderAndFencesTheOldOne) {
  auto a = store_->Acquire("namespace", "worker-a", seconds(30));
  ASSERT_TRUE(a.ok());
  clock_.Advance(seconds(31));
  EXPECT_EQ(store_->CheckFencing(*a).error().code, ErrorCode::kFailedPrecondition);
  auto b = store_->Acquire("namespace", "worker-b", seconds(30));
  ASSERT_TRUE(b.ok()) << b.error().message;
  EXPECT_GT(b->token, a->token);
  EXPECT_TRUE(store_->CheckFencing(*b).ok());
  EXPECT_EQ(store_->CheckFencing(*a).error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(store_->Renew(*a).error().code, ErrorCode::kFailedPrecondition);
  // The old holder's release must not free the new holder's lease.
  ASSERT_TRUE(store_->Release(*a).ok());
  EXPECT_TRUE(store_->CheckFencing(*b).ok());
}

TEST_F(LeaseStoreTest, RenewExtendsFromNow) {
  auto a = store_->Acquire("namespace", "worker-a", seconds(30));
  ASSERT_TRUE(a.ok());
  clock_.Advance(seconds(20));
  ASSERT_TRUE(store_->Renew(*a).ok());
  EXPECT_EQ(a->expires_at, clock_.Now() + seconds(30));
  clock_.Advance(seconds(20));  // past the first expiry, within the renewed one
  EXPECT_TRUE(store_->CheckFencing(*a).ok());
  EXPECT_FALSE(store_->Acquire("namespace", "worker-b", seconds(30)).ok());
}

TEST_F(LeaseStoreTest, ExpiredButUntakenLeaseCanBeRenewed) {
  auto a = store_->Acquire("namespace", "worker-a", seconds(30));
  ASSERT_TRUE(a.ok());
  clock_.Advance(seconds(40));
  ASSERT_TRUE(store_->Renew(*a).ok());
  EXPECT_TRUE(store_->CheckFencing(*a).ok());
}

TEST_F(LeaseStoreTest, ReleaseLetsTheNextHolderInAtOnce) {
  auto a = store_->Acquire("namespace", "worker-a", seconds(30));
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(store_->Release(*a).ok());
  EXPECT_EQ(store_->CheckFencing(*a).error().code, ErrorCode::kFailedPrecondition);
  EXPECT_TRUE(store_->Acquire("namespace", "worker-b", seconds(30)).ok());
  EXPECT_TRUE(store_->Release(*a).ok());  // idempotent
}

TEST_F(LeaseStoreTest, ConcurrentAcquirersExactlyOneWins) {
  constexpr int kThreads = 8, kRounds = 10;
  for (int round = 0; round < kRounds; ++round) {
    std::string repo = "repo-" + std::to_string(round);
    std::atomic<int> won{0}, refused{0};
    std::latch start(kThreads);
    std::vector<std::thread> threads;
    for (int i = 0; i < kThreads; ++i) {
      threads.emplace_back([&, i] {
        start.arrive_and_wait();
        auto lease = store_->Acquire(repo, "worker-" + std::to_string(i), seconds(30));
        if (lease.ok())
          ++won;
        else if (lease.error().code == ErrorCode::kAborted)
          ++refused;
      });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(won.load(), 1) << repo;
    EXPECT_EQ(refused.load(), kThreads - 1) << repo;
  }
}

TEST_F(LeaseStoreTest, DatabaseClockModeAcquiresAndFences) {
  PostgresLeaseStore db_time(*pool_);
  auto a = db_time.Acquire("namespace", "worker-a", seconds(30));
  ASSERT_TRUE(a.ok()) << a.error().message;
  EXPECT_TRUE(db_time.CheckFencing(*a).ok());
  EXPECT_FALSE(db_time.Acquire("namespace", "worker-b", seconds(30)).ok());
}

TEST_F(LeaseStoreTest, BadArgumentsAreInvalid) {
  EXPECT_EQ(store_->Acquire("", "w", seconds(1)).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(store_->Acquire("r", "", seconds(1)).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(store_->Acquire("r", "w", milliseconds(0)).error().code, ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace gitops::jobs
