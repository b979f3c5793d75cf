#include "jobs/worker_pool.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <map>
#include <mutex>
#include <stdexcept>

#include "jobs/memory/memory_job_queue.h"

namespace gitops::jobs {
namespace {

constexpr std::chrono::milliseconds kLongGrace{std::chrono::minutes(5)};

// A MemoryJobQueue that lets a test wait for Close() (i.e. for Stop to have begun).
class ObservableQueue final : public JobQueue {
 public:
  Status Enqueue(std::string_view p, std::string_view id) override { return inner_.Enqueue(p, id); }
  Result<std::optional<Batch>> Lease(size_t n, std::chrono::milliseconds wait) override {
    return inner_.Lease(n, wait);
  }
  Status Complete(const Batch& b, size_t acked) override { return inner_.Complete(b, acked); }
  void Close() override {
    inner_.Close();
    std::lock_guard lock(mu_);
    closed_ = true;
    cv_.notify_all();
  }
  void WaitClosed() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [this] { return closed_; });
  }
  size_t pending() const { return inner_.pending(); }

 private:
  MemoryJobQueue inner_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool closed_ = false;
};

// Records every job handed to it; a test waits until `want` jobs were acked.
class RecordingHandler : public BatchHandler {
 public:
  std::function<size_t(const Batch&, int call)> decide = [](const Batch& b, int) {
    return b.job_ids.size();
  };

  size_t Handle(const Batch& batch) override {
    int call;
    {
      std::lock_guard lock(mu_);
      call = calls_++;
    }
    size_t acked = decide(batch, call);
    std::lock_guard lock(mu_);
    auto& out = acked_[batch.partition];
    out.insert(out.end(), batch.job_ids.begin(),
               batch.job_ids.begin() + static_cast<std::ptrdiff_t>(acked));
    total_ += acked;
    cv_.notify_all();
    return acked;
  }

  void WaitForAcked(size_t want) {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return total_ >= want; });
  }
  std::map<std::string, std::vector<std::string>> acked() {
    std::lock_guard lock(mu_);
    return acked_;
  }
  int calls() {
    std::lock_guard lock(mu_);
    return calls_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, std::vector<std::string>> acked_;
  size_t total_ = 0;
  int calls_ = 0;
};

WorkerPoolOptions Options(size_t threads, size_t max_batch) {
  WorkerPoolOptions options;
  options.threads = threads;
  options.max_batch = max_batch;
  options.lease_wait = std::chrono::milliseconds(50);
  return options;
}

TEST(WorkerPoolTest, HandlesEveryJobInPartitionOrder) {
  ObservableQueue queue;
  RecordingHandler handler;
  std::map<std::string, std::vector<std::string>> enqueued;
  for (int n = 0; n < 40; ++n) {
    for (const char* p : {"namespace", "vm", "misc"}) {
      std::string id = std::string(p) + std::to_string(n);
      ASSERT_TRUE(queue.Enqueue(p, id).ok());
      enqueued[p].push_back(id);
    }
  }
  WorkerPool pool(queue, handler, Options(3, 8));
  ASSERT_TRUE(pool.Start().ok());
  handler.WaitForAcked(120);
  EXPECT_TRUE(pool.Stop(kLongGrace).ok());
  EXPECT_EQ(handler.acked(), enqueued);
}

TEST(WorkerPoolTest, UnackedJobsAreHandledAgain) {
  ObservableQueue queue;
  RecordingHandler handler;
  handler.decide = [](const Batch& b, int call) { return call == 0 ? 0 : b.job_ids.size(); };
  ASSERT_TRUE(queue.Enqueue("vm", "j1").ok());
  WorkerPool pool(queue, handler, Options(1, 8));
  ASSERT_TRUE(pool.Start().ok());
  handler.WaitForAcked(1);
  ASSERT_TRUE(pool.Stop(kLongGrace).ok());
  EXPECT_EQ(handler.calls(), 2);
  EXPECT_EQ(handler.acked()["vm"], std::vector<std::string>{"j1"});
}

TEST(WorkerPoolTest, AThrowingHandlerDoesNotKillTheWorkerAndTheBatchComesBack) {
  ObservableQueue queue;
  RecordingHandler handler;
  handler.decide = [](const Batch& b, int call) -> size_t {
    if (call == 0) throw std::runtime_error("boom");
    return b.job_ids.size();
  };
  ASSERT_TRUE(queue.Enqueue("vm", "j1").ok());
  WorkerPool pool(queue, handler, Options(1, 8));
  ASSERT_TRUE(pool.Start().ok());
  handler.WaitForAcked(1);
  ASSERT_TRUE(pool.Stop(kLongGrace).ok());
  EXPECT_EQ(handler.calls(), 2);
}

TEST(WorkerPoolTest, StopLetsTheInFlightBatchFinishAndComplete) {
  ObservableQueue queue;
  RecordingHandler handler;
  std::mutex mu;
  std::condition_variable cv;
  bool entered = false;
  handler.decide = [&](const Batch& b, int) {
    {
      std::lock_guard lock(mu);
      entered = true;
    }
    cv.notify_all();
    queue.WaitClosed();  // still running when Stop begins
    return b.job_ids.size();
  };
  ASSERT_TRUE(queue.Enqueue("vm", "j1").ok());
  WorkerPool pool(queue, handler, Options(2, 8));
  ASSERT_TRUE(pool.Start().ok());
  {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return entered; });
  }
  EXPECT_TRUE(pool.Stop(kLongGrace).ok());
  EXPECT_EQ(pool.batches_handled(), 1u);
  EXPECT_EQ(handler.acked()["vm"], std::vector<std::string>{"j1"});
  EXPECT_EQ(queue.pending(), 0u);  // acked, not handed back
}

TEST(WorkerPoolTest, StopGivesUpAfterTheGraceWhenABatchHangs) {
  ObservableQueue queue;
  RecordingHandler handler;
  std::mutex mu;
  std::condition_variable cv;
  bool entered = false, release = false;
  handler.decide = [&](const Batch& b, int) {
    std::unique_lock lock(mu);
    entered = true;
    cv.notify_all();
    cv.wait(lock, [&] { return release; });
    return b.job_ids.size();
  };
  ASSERT_TRUE(queue.Enqueue("vm", "j1").ok());
  {
    WorkerPool pool(queue, handler, Options(1, 8));
    ASSERT_TRUE(pool.Start().ok());
    {
      std::unique_lock lock(mu);
      cv.wait(lock, [&] { return entered; });
    }
    auto status = pool.Stop(std::chrono::milliseconds(0));
    ASSERT_FALSE(status.ok());
    EXPECT_EQ(status.error().code, ErrorCode::kDeadlineExceeded);
    {
      std::lock_guard lock(mu);
      release = true;
    }
    cv.notify_all();
  }  // the destructor joins the straggler
  EXPECT_EQ(handler.acked()["vm"], std::vector<std::string>{"j1"});
}

// A MemoryJobQueue that keeps a partition with its holder (Continue: Complete, then Lease
// again; right while the test uses one partition) and logs each call, with the handler's
// calls, in one event list.
class KeepingQueue final : public JobQueue {
 public:
  Status Enqueue(std::string_view p, std::string_view id) override { return inner_.Enqueue(p, id); }
  Result<std::optional<Batch>> Lease(size_t n, std::chrono::milliseconds wait) override {
    auto leased = inner_.Lease(n, wait);
    if (leased.ok() && leased->has_value()) Log("lease " + Ids(**leased));
    return leased;
  }
  Result<std::optional<Batch>> Continue(const Batch& b, size_t acked, size_t n) override {
    GITOPS_RETURN_IF_ERROR(inner_.Complete(b, acked));
    auto next = inner_.Lease(n, std::chrono::milliseconds(0));
    if (!next.ok()) return next;
    if (next->has_value()) {
      Log("continue " + Ids(**next));
      return next;
    }
    // Nothing more: hold the partition again as the contract says (a trivial empty lease).
    Log("continue none");
    return std::optional<Batch>();
  }
  Status Complete(const Batch& b, size_t acked) override {
    Log("complete " + std::to_string(acked));
    Status st = inner_.Complete(b, acked);
    std::lock_guard lock(mu_);
    ++completes_;
    cv_.notify_all();
    return st;
  }
  void Close() override { inner_.Close(); }

  void Log(const std::string& event) {
    std::lock_guard lock(mu_);
    events_.push_back(event);
  }
  void WaitForCompletes(int want) {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return completes_ >= want; });
  }
  std::vector<std::string> events() {
    std::lock_guard lock(mu_);
    return events_;
  }
  static std::string Ids(const Batch& b) {
    std::string out;
    for (const auto& id : b.job_ids) out += (out.empty() ? "" : ",") + id;
    return out;
  }

 private:
  MemoryJobQueue inner_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::string> events_;
  int completes_ = 0;
};

class ReleaseLoggingHandler final : public BatchHandler {
 public:
  explicit ReleaseLoggingHandler(KeepingQueue& log) : log_(log) {}
  size_t Handle(const Batch& batch) override { return batch.job_ids.size(); }
  void PartitionReleased(const std::string& partition) override {
    log_.Log("released " + partition);
  }

 private:
  KeepingQueue& log_;
};

TEST(WorkerPoolTest, KeptPartitionRunsConsecutiveBatchesUpToTheLimitThenIsReleased) {
  KeepingQueue queue;
  for (int n = 1; n <= 8; ++n) ASSERT_TRUE(queue.Enqueue("vm", "j" + std::to_string(n)).ok());
  ReleaseLoggingHandler handler(queue);
  WorkerPoolOptions options = Options(1, 2);
  options.max_consecutive_batches = 3;
  WorkerPool pool(queue, handler, options);
  ASSERT_TRUE(pool.Start().ok());
  queue.WaitForCompletes(2);
  ASSERT_TRUE(pool.Stop(kLongGrace).ok());
  // Three batches in a row, handed back (released before the queue is told), then the rest;
  // the last Continue finds nothing and the batch is completed with its acks.
  EXPECT_EQ(queue.events(),
            (std::vector<std::string>{"lease j1,j2", "continue j3,j4", "continue j5,j6",
                                      "released vm", "complete 2", "lease j7,j8", "continue none",
                                      "released vm", "complete 2"}));
}

TEST(WorkerPoolTest, PartlyHandledBatchIsNotContinued) {
  KeepingQueue queue;
  for (int n = 1; n <= 4; ++n) ASSERT_TRUE(queue.Enqueue("vm", "j" + std::to_string(n)).ok());
  class HalfHandler final : public BatchHandler {
   public:
    size_t Handle(const Batch& batch) override { return batch.job_ids.size() / 2; }
  } handler;
  WorkerPool pool(queue, handler, Options(1, 2));
  ASSERT_TRUE(pool.Start().ok());
  queue.WaitForCompletes(1);
  ASSERT_TRUE(pool.Stop(kLongGrace).ok());
  auto events = queue.events();
  ASSERT_GE(events.size(), 2u);
  EXPECT_EQ(events[0], "lease j1,j2");
  EXPECT_EQ(events[1], "complete 1");
}

TEST(WorkerPoolTest, StartingTwiceIsFailedPrecondition) {
  ObservableQueue queue;
  RecordingHandler handler;
  WorkerPool pool(queue, handler, Options(1, 1));
  ASSERT_TRUE(pool.Start().ok());
  auto again = pool.Start();
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_TRUE(pool.Stop(kLongGrace).ok());
}

TEST(WorkerPoolTest, ZeroThreadsIsInvalidArgument) {
  ObservableQueue queue;
  RecordingHandler handler;
  WorkerPool pool(queue, handler, Options(0, 1));
  auto status = pool.Start();
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace gitops::jobs
