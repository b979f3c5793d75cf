// SeparateSubmitter: a reservation and a Create, undone together.
#include "jobs/submitter.h"

#include <string>
#include <utility>

namespace gitops::jobs {

std::optional<index::PendingOp> ReservationFor(Operation operation) {
  switch (operation) {
    case Operation::kCreate:
      return index::PendingOp::kCreate;
    case Operation::kUpdate:
      return index::PendingOp::kUpdate;
    case Operation::kDelete:
      return index::PendingOp::kDelete;
    case Operation::kRead:
    case Operation::kList:
      return std::nullopt;
  }
  return std::nullopt;
}

Status SeparateSubmitter::Submit(Job job) {
  if (job.job_id.empty()) {
    return Unexpected(ErrorCode::kInvalidArgument, "job id must not be empty", "job_id");
  }
  const std::string job_id = job.job_id;
  const std::optional<index::PendingOp> op = ReservationFor(job.operation);
  if (op) {
    index::ResourceKey key{job.resource_type, job.tenant_id, job.cluster_id, job.resource_name};
    GITOPS_RETURN_IF_ERROR(pending_.Reserve(key, *op, job_id));
  }
  Status stored = store_.Create(std::move(job));
  if (!stored.ok()) {
    if (op) (void)pending_.Release(job_id);
    if (stored.error().code == ErrorCode::kAlreadyExists) {
      return Unexpected(ErrorCode::kInternal, "job id " + job_id + " is already taken");
    }
    return stored;
  }
  return OkStatus();
}

}  // namespace gitops::jobs
