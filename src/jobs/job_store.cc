// JobStore: the default batch calls, one Get/Update per job (the in-memory store's semantics).
#include "jobs/job_store.h"

namespace gitops::jobs {

Result<std::vector<std::optional<Job>>> JobStore::GetMany(
    const std::vector<std::string>& job_ids) const {
  std::vector<std::optional<Job>> out;
  out.reserve(job_ids.size());
  for (const std::string& id : job_ids) {
    auto job = Get(id);
    if (job.ok()) {
      out.emplace_back(std::move(*job));
    } else if (job.error().code == ErrorCode::kNotFound) {
      out.emplace_back(std::nullopt);
    } else {
      return Unexpected(std::move(job).error());
    }
  }
  return out;
}

std::vector<Status> JobStore::UpdateMany(const std::vector<JobUpdate>& updates) {
  std::vector<Status> out;
  out.reserve(updates.size());
  for (const JobUpdate& u : updates) out.push_back(Update(u.job_id, u.change));
  return out;
}

}  // namespace gitops::jobs
