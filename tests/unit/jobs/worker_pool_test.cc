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
