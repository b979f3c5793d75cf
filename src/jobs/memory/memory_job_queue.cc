// MemoryJobQueue: partitioned, leased, round-robin dispatch inside one process.
#include "jobs/memory/memory_job_queue.h"

#include <algorithm>
#include <iterator>

namespace gitops::jobs {

void MemoryJobQueue::MakeReadyLocked(const std::string& name, Partition& partition) {
  if (partition.ready || partition.lease != 0 || partition.pending.empty()) return;
  partition.ready = true;
  ready_.push_back(name);
}

Status MemoryJobQueue::Enqueue(std::string_view partition, std::string_view job_id) {
  {
    std::lock_guard lock(mu_);
    if (closed_) return Unexpected(ErrorCode::kUnavailable, "job queue is closed");
    auto [it, inserted] = partitions_.try_emplace(std::string(partition));
    it->second.pending.emplace_back(job_id);
    ++pending_;
    MakeReadyLocked(it->first, it->second);
  }
  cv_.notify_one();
  return OkStatus();
}

Result<std::optional<Batch>> MemoryJobQueue::Lease(size_t max_batch,
                                                   std::chrono::milliseconds wait) {
  if (max_batch == 0) {
    return Unexpected(ErrorCode::kInvalidArgument, "max_batch must be at least 1");
  }
  std::unique_lock lock(mu_);
  // A deadline is a bound, not a schedule: the real steady clock is right here.
  bool woke = cv_.wait_for(lock, wait, [this] { return closed_ || !ready_.empty(); });
  if (closed_) return Unexpected(ErrorCode::kAborted, "job queue is closed");
  if (!woke) return std::optional<Batch>();

  std::string name = std::move(ready_.front());
  ready_.pop_front();
  Partition& partition = partitions_.at(name);
  partition.ready = false;
  partition.lease = next_lease_++;
  size_t n = std::min(max_batch, partition.pending.size());
  auto first = partition.pending.begin();
  auto last = first + static_cast<std::ptrdiff_t>(n);
  partition.in_flight.assign(std::make_move_iterator(first), std::make_move_iterator(last));
  partition.pending.erase(first, last);
  pending_ -= n;

  Batch batch;
  batch.partition = std::move(name);
  batch.job_ids = partition.in_flight;
  batch.lease = partition.lease;
  return std::optional<Batch>(std::move(batch));
}

Status MemoryJobQueue::Complete(const Batch& batch, size_t acked) {
  bool requeued = false;
  {
    std::lock_guard lock(mu_);
    auto it = partitions_.find(batch.partition);
    if (it == partitions_.end() || it->second.lease == 0 || it->second.lease != batch.lease) {
      return Unexpected(ErrorCode::kFailedPrecondition,
                        "lease " + std::to_string(batch.lease) + " on partition '" +
                            batch.partition + "' is not held");
    }
    Partition& partition = it->second;
    size_t done = std::min(acked, partition.in_flight.size());
    // Un-acked jobs go back ahead of anything enqueued meanwhile, keeping enqueue order.
    partition.pending.insert(partition.pending.begin(),
                             std::make_move_iterator(partition.in_flight.begin() +
                                                     static_cast<std::ptrdiff_t>(done)),
                             std::make_move_iterator(partition.in_flight.end()));
    pending_ += partition.in_flight.size() - done;
    partition.in_flight.clear();
    partition.lease = 0;
    if (partition.pending.empty()) {
      partitions_.erase(it);
    } else {
      MakeReadyLocked(it->first, partition);
      requeued = true;
    }
  }
  if (requeued) cv_.notify_one();
  return OkStatus();
}

void MemoryJobQueue::Close() {
  {
    std::lock_guard lock(mu_);
    closed_ = true;
  }
  cv_.notify_all();
}

size_t MemoryJobQueue::pending() const {
  std::lock_guard lock(mu_);
  return pending_;
}

}  // namespace gitops::jobs
