// The handler behind the real worker loop: WorkerPool + MemoryJobQueue, two repositories at once.
#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>

#include "jobs/memory/memory_job_queue.h"
#include "jobs/worker_pool.h"
#include "pipeline_fixture.h"

namespace gitops::pipeline::testing {
namespace {

using jobs::JobStatus;
using jobs::Operation;

// Passes batches to the pipeline and lets the test wait until `target` jobs ended.
class CountingHandler final : public jobs::BatchHandler {
 public:
  CountingHandler(jobs::BatchHandler& inner, size_t target) : inner_(inner), target_(target) {}
  size_t Handle(const jobs::Batch& batch) override {
    size_t done = inner_.Handle(batch);
    std::lock_guard<std::mutex> lock(mu_);
    ended_ += done;
    if (ended_ >= target_) cv_.notify_all();
    return done;
  }
  bool WaitAll(std::chrono::seconds limit) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, limit, [this] { return ended_ >= target_; });
  }

 private:
  jobs::BatchHandler& inner_;
  size_t target_;
  std::mutex mu_;
  std::condition_variable cv_;
  size_t ended_ = 0;
};

using WorkerPoolPipelineTest = PipelineTest;

TEST_F(WorkerPoolPipelineTest, JobsOfTwoTypesAllLandInSubmissionOrder) {
  constexpr int kPerType = 40;
  std::vector<std::string> ids;
  jobs::MemoryJobQueue queue;
  for (int i = 0; i < kPerType; ++i) {
    std::string name = "r" + std::to_string(i);
    ids.push_back(Submit("vm", Operation::kCreate, name, "small"));
    ASSERT_TRUE(queue.Enqueue("vm", ids.back()).ok());
    ids.push_back(Submit("namespace", Operation::kCreate, name, "custom", Json::object(), "c1"));
    ASSERT_TRUE(queue.Enqueue("namespace", ids.back()).ok());
  }
  std::string update = Submit("vm", Operation::kUpdate, "r0", "large");
  ASSERT_TRUE(queue.Enqueue("vm", update).ok());
  ids.push_back(update);

  CountingHandler counting(*handler_, ids.size());
  jobs::WorkerPoolOptions options;
  options.threads = 2;
  options.max_batch = 16;
  jobs::WorkerPool pool(queue, counting, options);
  ASSERT_TRUE(pool.Start().ok());
  bool all = counting.WaitAll(std::chrono::seconds(60));
  ASSERT_TRUE(pool.Stop(std::chrono::seconds(30)).ok());
  ASSERT_TRUE(all);

  for (const std::string& id : ids) {
    jobs::Job job = GetJob(id);
    EXPECT_EQ(job.status, JobStatus::kCompleted) << id << ": " << job.error.value_or("");
  }
  EXPECT_EQ(CommitCount("vm"), kPerType + 1);
  EXPECT_EQ(CommitCount("namespace"), kPerType);
  EXPECT_EQ(GitIn("vm", {"log", "-1", "--format=%(trailers:key=Job-Id,valueonly)", "main"}),
            update);
  EXPECT_EQ(index_->Get({"vm", "tenant1", "", "r0"})->flavor, "large");
  EXPECT_EQ(index_->pending(), 0u);
  EXPECT_EQ(GitIn("vm", {"fsck", "--strict"}), "");
  EXPECT_EQ(GitIn("namespace", {"fsck", "--strict"}), "");
}

}  // namespace
}  // namespace gitops::pipeline::testing
