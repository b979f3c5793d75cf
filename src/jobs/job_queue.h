// JobQueue: dispatch of job ids to workers, partitioned so that one worker at a time applies
// the jobs of a partition (a repository), in enqueue order. In-process in dev mode, Redis
// Streams in production. Every implementation passes tests/contract/job_queue_contract.h.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"

namespace gitops::jobs {

// Up to max_batch jobs of one partition, leased to one worker until Complete.
struct Batch {
  std::string partition;
  std::vector<std::string> job_ids;  // enqueue order
  uint64_t lease = 0;                // token naming this lease; opaque to callers
};

class JobQueue {
 public:
  virtual ~JobQueue() = default;

  // Appends `job_id` to `partition`. kUnavailable after Close() (or when the backend is
  // down): the job stays in the store and must be re-enqueued later. Thread-safe.
  virtual Status Enqueue(std::string_view partition, std::string_view job_id) = 0;

  // Enqueue of every job of `jobs` (partition, job id), in order: as that many Enqueue calls,
  // in fewer round trips where the backend allows (Redis: one per up to max_enqueue_batch).
  // On an error some of the jobs may be queued already (duplicates are harmless: delivery is
  // at-least-once); the caller treats them all as not dispatched. Thread-safe.
  virtual Status EnqueueMany(const std::vector<std::pair<std::string, std::string>>& jobs) {
    for (const auto& [partition, job_id] : jobs) {
      GITOPS_RETURN_IF_ERROR(Enqueue(partition, job_id));
    }
    return OkStatus();
  }

  // Leases up to `max_batch` (>= 1) jobs of ONE partition that no other lease holds, in
  // enqueue order; partitions with pending work are served round-robin. Blocks up to `wait`
  // while nothing is available; returns nullopt if that time passes. kAborted once Close()
  // has been called (a blocked caller returns promptly). Thread-safe.
  virtual Result<std::optional<Batch>> Lease(size_t max_batch,
                                             std::chrono::milliseconds wait) = 0;

  // Ends the lease of `batch`: its first `acked` jobs are done; the others are delivered
  // again, ahead of later jobs of the partition (at-least-once). The partition becomes
  // available to any worker. kFailedPrecondition for a lease that is not held (already
  // completed, or unknown). Still works after Close(). Thread-safe.
  virtual Status Complete(const Batch& batch, size_t acked) = 0;

  // Keeps the partition of `batch` with its holder while it has more work: when jobs beyond
  // the first `acked` of `batch` are queued, acks those `acked` and returns the next batch of
  // the partition (the unacked jobs of `batch` first, then the following ones, in order) under
  // the same lease, which the caller ends like any other. Otherwise, and for implementations
  // that do not keep partitions (the default), returns nullopt and changes nothing: the
  // caller still holds `batch` and ends it with Complete(batch, acked). A kept partition saves
  // a production worker the hand-over (another process would have to fetch the repository and
  // take the writer lease). kFailedPrecondition for a lease that is not held. Thread-safe.
  virtual Result<std::optional<Batch>> Continue(const Batch& batch, size_t acked,
                                                size_t max_batch) {
    (void)batch;
    (void)acked;
    (void)max_batch;
    return std::optional<Batch>();
  }

  // Stops handing out work and wakes every blocked Lease. Idempotent. Thread-safe.
  virtual void Close() = 0;
};

}  // namespace gitops::jobs
