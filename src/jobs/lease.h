// Writer leases: one writer per repository (queue partition) across every worker process, as a
// lease with an expiry and a fencing token. RepositoryLeases is the seam (PostgreSQL in
// production, MemoryRepositoryLeases in tests); RepositoryGuard is what the pipeline asks right
// before each push.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/result.h"

namespace gitops::jobs {

// A held lease; `token` grows with every acquisition of any partition (the fencing token).
struct WriterLease {
  std::string partition;
  std::string holder;
  int64_t token = 0;
};

class RepositoryLeases {
 public:
  virtual ~RepositoryLeases() = default;

  // Takes `partition`'s lease for `holder` when nobody holds it or the last lease expired.
  // kAborted naming the holder when someone holds it; kUnavailable when the backend is down.
  // Thread-safe.
  virtual Result<WriterLease> Acquire(const std::string& partition, const std::string& holder) = 0;

  // Extends `lease` by the ttl from now. kFailedPrecondition when another acquisition replaced
  // it or it was released (the holder must stop writing).
  virtual Status Renew(const WriterLease& lease) = 0;

  // OK while `lease` is the partition's current lease and has not expired; kFailedPrecondition
  // otherwise. Called right before each push.
  virtual Status CheckFencing(const WriterLease& lease) = 0;

  // Gives `lease` up if it is still current (a replaced lease is left alone). Idempotent.
  virtual Status Release(const WriterLease& lease) = 0;
};

// What the pipeline asks before every push (PipelineDeps::guard; null in dev mode, where one
// process owns the queue).
class RepositoryGuard {
 public:
  virtual ~RepositoryGuard() = default;
  // OK when this process may push to `partition` now (it holds the partition's current
  // lease). Any error: do not push; the batch's jobs are left for re-delivery, not failed.
  // Thread-safe.
  virtual Status CheckWriter(std::string_view partition) = 0;
};

// RepositoryLeases in memory, judged against an injected Clock: the fake for tests, and the
// reference semantics of the PostgreSQL leases. Thread-safe.
class MemoryRepositoryLeases final : public RepositoryLeases {
 public:
  MemoryRepositoryLeases(const Clock& clock, std::chrono::milliseconds ttl)
      : clock_(clock), ttl_(ttl) {}

  Result<WriterLease> Acquire(const std::string& partition, const std::string& holder) override {
    std::lock_guard lock(mu_);
    auto it = rows_.find(partition);
    if (it != rows_.end() && clock_.Now() < it->second.expires_at) {
      return Unexpected(ErrorCode::kAborted,
                        "repository " + partition + " is leased by " + it->second.lease.holder);
    }
    Row row{{partition, holder, ++last_token_}, clock_.Now() + ttl_};
    rows_[partition] = row;
    return row.lease;
  }

  Status Renew(const WriterLease& lease) override {
    std::lock_guard lock(mu_);
    Row* row = Current(lease);
    if (!row) return Lost(lease);
    row->expires_at = clock_.Now() + ttl_;
    return OkStatus();
  }

  Status CheckFencing(const WriterLease& lease) override {
    std::lock_guard lock(mu_);
    Row* row = Current(lease);
    if (!row || clock_.Now() >= row->expires_at) return Lost(lease);
    return OkStatus();
  }

  Status Release(const WriterLease& lease) override {
    std::lock_guard lock(mu_);
    if (Current(lease)) rows_.erase(lease.partition);
    return OkStatus();
  }

 private:
  struct Row {
    WriterLease lease;
    Clock::TimePoint expires_at;
  };
  Row* Current(const WriterLease& lease) {
    auto it = rows_.find(lease.partition);
    if (it == rows_.end() || it->second.lease.token != lease.token) return nullptr;
    return &it->second;
  }
  static Status Lost(const WriterLease& lease) {
    return Unexpected(ErrorCode::kFailedPrecondition,
                      "lease of repository " + lease.partition + " (token " +
                          std::to_string(lease.token) + ") is no longer held by " + lease.holder);
  }

  const Clock& clock_;
  const std::chrono::milliseconds ttl_;
  std::mutex mu_;
  std::map<std::string, Row> rows_;
  int64_t last_token_ = 0;
};

}  // namespace gitops::jobs
