// WorkerPool: N threads, each looping Lease -> BatchHandler::Handle (-> Continue -> Handle ...)
// -> Complete on a JobQueue.
// The pipeline implements BatchHandler (render/commit/push per batch).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/result.h"
#include "jobs/job_queue.h"

namespace gitops::jobs {

class BatchHandler {
 public:
  virtual ~BatchHandler() = default;
  // Applies the jobs of `batch` in order and returns how many of the leading jobs are done
  // (ended completed or failed in the JobStore); the rest are delivered again later. Called
  // from worker threads, never twice at once for the same partition. Must not throw (an
  // exception counts as 0 done).
  virtual size_t Handle(const Batch& batch) = 0;

  // Called from the worker thread that handled the last batch of `partition` it keeps (one
  // or more consecutive batches, see JobQueue::Continue), right before the queue is told the
  // partition is free. Default: nothing. Must not throw.
  virtual void PartitionReleased(const std::string& partition) { (void)partition; }
};

struct WorkerPoolOptions {
  size_t threads = 2;
  size_t max_batch = 64;
  // How long one Lease call blocks; also the pause after a queue error before retrying.
  std::chrono::milliseconds lease_wait{500};
  // Batches of one partition a thread handles in a row while the partition has queued work
  // and every job of the previous batch ended (JobQueue::Continue), before handing it back
  // so that other partitions get their turn. 1: hand back after every batch.
  size_t max_consecutive_batches = 16;
};

class WorkerPool {
 public:
  // `queue` and `handler` must outlive the pool.
  WorkerPool(JobQueue& queue, BatchHandler& handler, WorkerPoolOptions options);
  // Stops (see Stop) and joins every thread, however long the last batches take.
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Starts the threads. kFailedPrecondition if already started or stopped; kInvalidArgument
  // for zero threads or max_batch. Not thread-safe against Stop.
  Status Start();

  // Stops leasing (closes the queue, which wakes blocked workers), lets in-flight batches
  // finish and joins the threads. Returns kDeadlineExceeded if some batch is still running
  // after `grace`; those threads are then joined by the destructor. Idempotent.
  Status Stop(std::chrono::milliseconds grace);

  // Batches handled so far (completed, acked or not).
  size_t batches_handled() const;

 private:
  void Run();

  JobQueue& queue_;
  BatchHandler& handler_;
  const WorkerPoolOptions options_;
  std::vector<std::thread> threads_;
  mutable std::mutex mu_;
  std::condition_variable exited_cv_;
  size_t running_ = 0;  // threads still inside Run
  size_t batches_ = 0;
  bool started_ = false;
  bool stopping_ = false;
};

}  // namespace gitops::jobs
