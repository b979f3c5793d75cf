// Writer leases of production mode: the memory lease fake's semantics, LeaseKeeper's fencing
// answers, LeasedBatchHandler handing back batches it may not write, and the pipeline refusing
// to push (without failing the jobs) when its guard says the lease is lost.
#include "app/production_app.h"

#include <gtest/gtest.h>

#include <vector>

#include "jobs/lease.h"
#include "jobs/memory/memory_job_queue.h"
#include "pipeline_fixture.h"

namespace gitops::app {
namespace {

using std::chrono::milliseconds;

TEST(MemoryRepositoryLeasesTest, SecondHolderIsRefusedWhileTheLeaseIsCurrent) {
  FakeClock clock;
  jobs::MemoryRepositoryLeases leases(clock, milliseconds(1000));
  ASSERT_TRUE(leases.Acquire("namespace", "w1").ok());
  auto second = leases.Acquire("namespace", "w2");
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().code, ErrorCode::kAborted);
  EXPECT_NE(second.error().message.find("w1"), std::string::npos);
}

TEST(MemoryRepositoryLeasesTest, ExpiredLeaseIsTakenOverWithALargerTokenAndFencesTheOldOne) {
  FakeClock clock;
  jobs::MemoryRepositoryLeases leases(clock, milliseconds(1000));
  auto first = leases.Acquire("namespace", "w1");
  ASSERT_TRUE(first.ok());
  clock.Advance(std::chrono::milliseconds(1001));
  EXPECT_FALSE(leases.CheckFencing(*first).ok());  // expired
  auto second = leases.Acquire("namespace", "w2");
  ASSERT_TRUE(second.ok());
  EXPECT_GT(second->token, first->token);
  EXPECT_EQ(leases.Renew(*first).error().code, ErrorCode::kFailedPrecondition);
  EXPECT_TRUE(leases.CheckFencing(*second).ok());
}

TEST(LeaseKeeperTest, CheckWriterIsOkOnlyWhileTheLeaseIsHeld) {
  FakeClock clock;
  jobs::MemoryRepositoryLeases leases(clock, milliseconds(1000));
  LeaseKeeper keeper(leases, "w1", milliseconds(0));
  EXPECT_FALSE(keeper.CheckWriter("namespace").ok());
  ASSERT_TRUE(keeper.Take("namespace").ok());
  EXPECT_TRUE(keeper.CheckWriter("namespace").ok());
  keeper.Drop("namespace");
  EXPECT_FALSE(keeper.CheckWriter("namespace").ok());
  EXPECT_TRUE(leases.Acquire("namespace", "w2").ok());  // released, not left to expire
}

TEST(LeaseKeeperTest, RenewalKeepsTheLeasePastItsTtl) {
  FakeClock clock;
  jobs::MemoryRepositoryLeases leases(clock, milliseconds(1000));
  LeaseKeeper keeper(leases, "w1", milliseconds(0));
  ASSERT_TRUE(keeper.Take("namespace").ok());
  for (int i = 0; i < 5; ++i) {
    clock.Advance(std::chrono::milliseconds(600));
    keeper.RenewAll();
  }
  EXPECT_TRUE(keeper.CheckWriter("namespace").ok());
  EXPECT_EQ(leases.Acquire("namespace", "w2").error().code, ErrorCode::kAborted);
}

TEST(LeaseKeeperTest, LeaseTakenOverAfterExpiryFailsTheFencingCheck) {
  FakeClock clock;
  jobs::MemoryRepositoryLeases leases(clock, milliseconds(1000));
  LeaseKeeper keeper(leases, "w1", milliseconds(0));
  ASSERT_TRUE(keeper.Take("namespace").ok());
  clock.Advance(std::chrono::milliseconds(1500));  // a hung worker: no renewal
  ASSERT_TRUE(leases.Acquire("namespace", "w2").ok());
  Status check = keeper.CheckWriter("namespace");
  ASSERT_FALSE(check.ok());
  EXPECT_EQ(check.error().code, ErrorCode::kFailedPrecondition);
  keeper.RenewAll();  // learns it lost the lease
  EXPECT_FALSE(keeper.CheckWriter("namespace").ok());
}

class CountingHandler final : public jobs::BatchHandler {
 public:
  explicit CountingHandler(LeaseKeeper& keeper) : keeper_(keeper) {}
  size_t Handle(const jobs::Batch& batch) override {
    ++calls;
    writer_ok_inside = keeper_.CheckWriter(batch.partition).ok();
    return batch.job_ids.size();
  }
  int calls = 0;
  bool writer_ok_inside = false;

 private:
  LeaseKeeper& keeper_;
};

TEST(LeasedBatchHandlerTest, HandsTheBatchBackWhenAnotherWorkerHoldsTheLease) {
  FakeClock clock;
  jobs::MemoryRepositoryLeases leases(clock, milliseconds(1000));
  ASSERT_TRUE(leases.Acquire("namespace", "other").ok());
  LeaseKeeper keeper(leases, "w1", milliseconds(0));
  CountingHandler inner(keeper);
  LeasedBatchHandler handler(keeper, inner, {milliseconds(0)});
  jobs::Batch batch{"namespace", {"j1", "j2"}, 1};
  EXPECT_EQ(handler.Handle(batch), 0u);
  EXPECT_EQ(inner.calls, 0);
}

TEST(LeasedBatchHandlerTest, HoldsTheLeaseWhileTheInnerHandlerRunsAndReleasesItAfter) {
  FakeClock clock;
  jobs::MemoryRepositoryLeases leases(clock, milliseconds(1000));
  LeaseKeeper keeper(leases, "w1", milliseconds(0));
  CountingHandler inner(keeper);
  LeasedBatchHandler handler(keeper, inner, {milliseconds(0)});
  jobs::Batch batch{"namespace", {"j1", "j2"}, 1};
  EXPECT_EQ(handler.Handle(batch), 2u);
  EXPECT_EQ(inner.calls, 1);
  EXPECT_TRUE(inner.writer_ok_inside);
  EXPECT_TRUE(leases.Acquire("namespace", "w2").ok());
}

TEST(LeasedBatchHandlerTest, KeptLeaseOutlivesTheBatchUntilThePartitionIsReleased) {
  FakeClock clock;
  jobs::MemoryRepositoryLeases leases(clock, milliseconds(1000));
  LeaseKeeper keeper(leases, "w1", milliseconds(0));
  CountingHandler inner(keeper);
  LeasedBatchHandlerOptions options;
  options.busy_pause = milliseconds(0);
  options.keep_between_batches = true;
  LeasedBatchHandler handler(keeper, inner, options);
  jobs::Batch batch{"namespace", {"j1", "j2"}, 1};
  EXPECT_EQ(handler.Handle(batch), 2u);
  EXPECT_TRUE(inner.writer_ok_inside);
  EXPECT_TRUE(keeper.Holds("namespace"));
  EXPECT_FALSE(leases.Acquire("namespace", "w2").ok());
  handler.PartitionReleased("namespace");
  EXPECT_FALSE(keeper.Holds("namespace"));
  EXPECT_TRUE(leases.Acquire("namespace", "w2").ok());
}

TEST(SweptDispatchQueueTest, EnqueueManyPassesTheJobsOn) {
  jobs::MemoryJobQueue inner;
  SweptDispatchQueue queue(inner);
  ASSERT_TRUE(queue.EnqueueMany({{"vm", "v1"}, {"vm", "v2"}}).ok());
  EXPECT_EQ(inner.pending(), 2u);
}

TEST(SweptDispatchQueueTest, FailedEnqueueManyIsLeftToTheSweeperAndReportedOk) {
  jobs::MemoryJobQueue inner;
  inner.Close();  // Enqueue now fails with kUnavailable, as with Redis down
  SweptDispatchQueue queue(inner);
  EXPECT_TRUE(queue.EnqueueMany({{"vm", "v1"}}).ok());
}

class RecordingHandler final : public jobs::BatchHandler {
 public:
  size_t Handle(const jobs::Batch& batch) override {
    seen = batch.job_ids;
    return done;
  }
  std::vector<std::string> seen;
  size_t done = 0;
};

TEST(LeasedBatchHandlerTest, PassesEachJobOnceAndCountsItsCopiesWithIt) {
  FakeClock clock;
  jobs::MemoryRepositoryLeases leases(clock, milliseconds(1000));
  LeaseKeeper keeper(leases, "w1", milliseconds(0));
  RecordingHandler inner;
  LeasedBatchHandler handler(keeper, inner, {milliseconds(0)});
  jobs::Batch batch{"namespace", {"a", "b", "a", "c", "b"}, 1};
  inner.done = 2;  // a and b done, c not
  EXPECT_EQ(handler.Handle(batch), 3u);  // a, b, a; then c stops the count
  EXPECT_EQ(inner.seen, (std::vector<std::string>{"a", "b", "c"}));
  inner.done = 3;
  EXPECT_EQ(handler.Handle(batch), 5u);
  inner.done = 0;
  EXPECT_EQ(handler.Handle(batch), 0u);
}

// The pipeline's fencing hook (PipelineDeps::guard).
class SwitchGuard final : public jobs::RepositoryGuard {
 public:
  Status CheckWriter(std::string_view partition) override {
    checked.emplace_back(partition);
    if (allow) return OkStatus();
    return Unexpected(ErrorCode::kFailedPrecondition, "lease of " + std::string(partition) +
                                                          " is no longer held");
  }
  bool allow = true;
  std::vector<std::string> checked;
};

class GuardedPipelineTest : public pipeline::testing::PipelineTest {
 protected:
  GuardedPipelineTest() {
    pipeline::PipelineOptions options;
    pipeline::PipelineDeps deps{*store_,       *index_,        *index_, *types_,
                                *templates_,   *repositories_, webhooks_, clock_};
    deps.guard = &guard_;
    handler_ = std::make_unique<pipeline::PipelineHandler>(deps, options);
  }
  SwitchGuard guard_;
};

TEST_F(GuardedPipelineTest, PushesWhileTheGuardAllowsIt) {
  std::string id = Submit("vm", jobs::Operation::kCreate, "vm-1", "small");
  EXPECT_EQ(HandleBatch("vm", {id}), 1u);
  EXPECT_EQ(GetJob(id).status, jobs::JobStatus::kCompleted);
  EXPECT_EQ(CommitCount("vm"), 1);
  EXPECT_EQ(guard_.checked, std::vector<std::string>{"vm"});
}

TEST_F(GuardedPipelineTest, RefusedGuardPushesNothingAndLeavesTheJobsForRedelivery) {
  std::string a = Submit("vm", jobs::Operation::kCreate, "vm-1", "small");
  std::string b = Submit("vm", jobs::Operation::kCreate, "vm-2", "small");
  guard_.allow = false;
  EXPECT_EQ(HandleBatch("vm", {a, b}), 0u);
  EXPECT_EQ(CommitCount("vm"), 0);
  EXPECT_EQ(GetJob(a).status, jobs::JobStatus::kInProgress);
  EXPECT_EQ(GetJob(b).status, jobs::JobStatus::kInProgress);
  EXPECT_FALSE(GetJob(a).error.has_value());

  guard_.allow = true;  // re-delivered to the lease's holder
  EXPECT_EQ(HandleBatch("vm", {a, b}), 2u);
  EXPECT_EQ(GetJob(a).status, jobs::JobStatus::kCompleted);
  EXPECT_EQ(GetJob(b).status, jobs::JobStatus::kCompleted);
  EXPECT_EQ(CommitCount("vm"), 2);
}

TEST_F(GuardedPipelineTest, ReadAfterARefusedPushIsNotAnswered) {
  std::string create = Submit("vm", jobs::Operation::kCreate, "vm-1", "small");
  std::string read = Submit("vm", jobs::Operation::kRead, "vm-1");
  guard_.allow = false;
  EXPECT_EQ(HandleBatch("vm", {create, read}), 0u);
  EXPECT_EQ(GetJob(read).status, jobs::JobStatus::kInProgress);
}

}  // namespace
}  // namespace gitops::app
