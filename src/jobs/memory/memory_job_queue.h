// MemoryJobQueue: the in-process JobQueue of dev mode (a deque per partition, a round-robin
// ring of ready partitions, a condition variable for blocked workers).
#pragma once

#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "jobs/job_queue.h"

namespace gitops::jobs {

class MemoryJobQueue final : public JobQueue {
 public:
  MemoryJobQueue() = default;

  Status Enqueue(std::string_view partition, std::string_view job_id) override;
  Result<std::optional<Batch>> Lease(size_t max_batch, std::chrono::milliseconds wait) override;
  Status Complete(const Batch& batch, size_t acked) override;
  void Close() override;

  // Jobs waiting (not leased) across all partitions.
  size_t pending() const;

 private:
  struct Partition {
    std::deque<std::string> pending;
    std::vector<std::string> in_flight;  // the leased jobs, enqueue order
    uint64_t lease = 0;                  // 0 = not leased
    bool ready = false;  // listed in ready_
  };

  // Puts `name` at the back of the ring if it has work and is free. Needs mu_.
  void MakeReadyLocked(const std::string& name, Partition& partition);

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::unordered_map<std::string, Partition> partitions_;
  std::deque<std::string> ready_;  // free partitions with pending work, round-robin order
  uint64_t next_lease_ = 1;
  size_t pending_ = 0;
  bool closed_ = false;
};

}  // namespace gitops::jobs
