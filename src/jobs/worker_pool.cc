// WorkerPool: the worker loop and its bounded, sleep-free shutdown.
#include "jobs/worker_pool.h"

namespace gitops::jobs {

WorkerPool::WorkerPool(JobQueue& queue, BatchHandler& handler, WorkerPoolOptions options)
    : queue_(queue), handler_(handler), options_(options) {}

WorkerPool::~WorkerPool() {
  (void)Stop(std::chrono::milliseconds(0));
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
}

Status WorkerPool::Start() {
  if (options_.threads == 0 || options_.max_batch == 0) {
    return Unexpected(ErrorCode::kInvalidArgument, "worker pool needs threads and max_batch >= 1");
  }
  std::lock_guard lock(mu_);
  if (started_ || stopping_) {
    return Unexpected(ErrorCode::kFailedPrecondition, "worker pool already started or stopped");
  }
  started_ = true;
  running_ = options_.threads;
  threads_.reserve(options_.threads);
  for (size_t i = 0; i < options_.threads; ++i) threads_.emplace_back([this] { Run(); });
  return OkStatus();
}

void WorkerPool::Run() {
  for (;;) {
    {
      std::lock_guard lock(mu_);
      if (stopping_) break;
    }
    auto leased = queue_.Lease(options_.max_batch, options_.lease_wait);
    if (!leased.ok()) {
      if (leased.error().code == ErrorCode::kAborted) break;
      // Backend trouble (e.g. Redis down): pause, but wake at once on Stop.
      std::unique_lock lock(mu_);
      exited_cv_.wait_for(lock, options_.lease_wait, [this] { return stopping_; });
      continue;
    }
    if (!leased->has_value()) continue;
    Batch batch = std::move(**leased);
    for (size_t run = 1;; ++run) {
      size_t done = 0;
      try {
        done = handler_.Handle(batch);
      } catch (...) {
        done = 0;  // a throwing handler must not kill the worker; the batch is re-delivered
      }
      bool stopping = false;
      {
        std::lock_guard lock(mu_);
        ++batches_;
        stopping = stopping_;
      }
      size_t acked = done;
      if (done == batch.job_ids.size() && run < options_.max_consecutive_batches && !stopping) {
        auto next = queue_.Continue(batch, done, options_.max_batch);
        if (next.ok() && next->has_value()) {
          batch = std::move(**next);  // same partition, same lease, the jobs after these
          continue;
        }
        // An error may hide a Continue that did ack and claim: ack nothing more, so that
        // nothing claimed is lost (whatever was done is skipped when delivered again).
        if (!next.ok()) acked = 0;
      }
      try {
        handler_.PartitionReleased(batch.partition);
      } catch (...) {
      }
      (void)queue_.Complete(batch, acked);
      break;
    }
  }
  {
    std::lock_guard lock(mu_);
    --running_;
  }
  exited_cv_.notify_all();
}

Status WorkerPool::Stop(std::chrono::milliseconds grace) {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  exited_cv_.notify_all();
  queue_.Close();
  std::unique_lock lock(mu_);
  bool all_exited = exited_cv_.wait_for(lock, grace, [this] { return running_ == 0; });
  lock.unlock();
  if (!all_exited) {
    return Unexpected(ErrorCode::kDeadlineExceeded,
                      "worker pool: batches still running after the grace period");
  }
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  return OkStatus();
}

size_t WorkerPool::batches_handled() const {
  std::lock_guard lock(mu_);
  return batches_;
}

}  // namespace gitops::jobs
