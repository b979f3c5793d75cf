// JobStore: where jobs live (memory in dev mode, PostgreSQL in production). Every
// implementation passes tests/contract/job_store_contract.h.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "jobs/job.h"

namespace gitops::jobs {

struct JobFilter {
  std::optional<std::string> tenant_id;
  std::optional<JobStatus> status;
  std::optional<std::string> resource_type;
  size_t limit = 100;  // 0 = no limit
};

// One change of a JobStore::UpdateMany call.
struct JobUpdate {
  std::string job_id;
  JobChange change;
};

struct TenantJobStats {
  uint64_t active_jobs = 0;  // submitted + in_progress
  uint64_t failed_jobs = 0;
  uint64_t completed_jobs = 0;
  std::optional<Clock::TimePoint> last_activity;  // latest updated_at of the tenant's jobs
};

class JobStore {
 public:
  virtual ~JobStore() = default;

  // Stores a new job; created_at and updated_at are set from the store's Clock (the values in
  // `job` are ignored). kAlreadyExists when the id is taken, kInvalidArgument when it is empty;
  // kUnavailable when the backend is down. Once this returns OK the job is durable.
  virtual Status Create(Job job) = 0;

  // The job with `job_id`, or kNotFound.
  virtual Result<Job> Get(std::string_view job_id) const = 0;

  // Applies `change` atomically (see ApplyChange in job.h): status transition checked,
  // logs appended, metadata keys merged, result/error replaced, updated_at set from the
  // Clock. kNotFound for an unknown id; kFailedPrecondition for an illegal transition, in
  // which case nothing is changed.
  virtual Status Update(std::string_view job_id, const JobChange& change) = 0;

  // Jobs matching every set field of `filter`, newest first (reverse creation order), at most
  // filter.limit of them.
  virtual Result<std::vector<Job>> List(const JobFilter& filter) const = 0;

  // Counters over every job of `tenant` (all zero and no last_activity for an unknown tenant).
  virtual Result<TenantJobStats> TenantStats(std::string_view tenant_id) const = 0;

  // Batch calls of the worker pipeline (one round trip / one commit for a whole batch where
  // the backend has them; the defaults here call Get/Update once per job).

  // The jobs with `job_ids`, in the same order; nullopt for an unknown id. An error only when
  // the backend failed (then nothing is returned).
  virtual Result<std::vector<std::optional<Job>>> GetMany(
      const std::vector<std::string>& job_ids) const;

  // Applies each update as Update would, in order, and returns one Status per update (the one
  // Update would have returned). Where the backend has transactions, the updates that apply
  // commit together (once UpdateMany returns they are durable).
  virtual std::vector<Status> UpdateMany(const std::vector<JobUpdate>& updates);
};

}  // namespace gitops::jobs
