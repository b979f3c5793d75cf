// Job names, state machine and wire format.
#include "jobs/job.h"

#include <array>

namespace gitops::jobs {
namespace {

constexpr std::array<std::string_view, 5> kOperationNames = {"create", "update", "delete",
                                                            "read", "list"};
constexpr std::array<std::string_view, 4> kStatusNames = {"submitted", "in_progress",
                                                         "completed", "failed"};

template <typename Enum, size_t N>
Result<Enum> ParseName(const std::array<std::string_view, N>& names, std::string_view name,
                       std::string_view what) {
  std::string accepted;
  for (size_t i = 0; i < N; ++i) {
    if (names[i] == name) return static_cast<Enum>(i);
    if (!accepted.empty()) accepted += ", ";
    accepted += names[i];
  }
  return Unexpected(ErrorCode::kInvalidArgument,
                    "unknown " + std::string(what) + " '" + std::string(name) +
                        "' (expected one of: " + accepted + ")",
                    std::string(what));
}

}  // namespace

std::string_view JobTypeName(JobType) { return "resource"; }

std::string_view OperationName(Operation op) { return kOperationNames[static_cast<size_t>(op)]; }

std::string_view JobStatusName(JobStatus status) {
  return kStatusNames[static_cast<size_t>(status)];
}

Result<Operation> ParseOperation(std::string_view name) {
  return ParseName<Operation>(kOperationNames, name, "operation");
}

Result<JobStatus> ParseJobStatus(std::string_view name) {
  return ParseName<JobStatus>(kStatusNames, name, "status");
}

bool IsTerminal(JobStatus status) {
  return status == JobStatus::kCompleted || status == JobStatus::kFailed;
}

bool IsActive(JobStatus status) { return !IsTerminal(status); }

Status CheckTransition(JobStatus from, JobStatus to) {
  bool legal = false;
  switch (from) {
    case JobStatus::kSubmitted:
      legal = to == JobStatus::kInProgress;
      break;
    case JobStatus::kInProgress:
      legal = to == JobStatus::kCompleted || to == JobStatus::kFailed ||
              to == JobStatus::kSubmitted;
      break;
    case JobStatus::kCompleted:
    case JobStatus::kFailed:
      break;
  }
  if (legal) return OkStatus();
  return Unexpected(ErrorCode::kFailedPrecondition,
                    "illegal job status transition " + std::string(JobStatusName(from)) +
                        " -> " + std::string(JobStatusName(to)));
}

Json ToJson(const Job& job) {
  Json out = Json::object();
  out["job_id"] = job.job_id;
  out["job_type"] = JobTypeName(job.job_type);
  out["tenant_id"] = job.tenant_id;
  out["cluster_id"] = job.cluster_id.empty() ? Json() : Json(job.cluster_id);
  out["resource_type"] = job.resource_type;
  out["resource_name"] = job.resource_name;
  out["operation"] = OperationName(job.operation);
  out["spec"] = job.spec.is_null() ? Json::object() : job.spec;
  out["status"] = JobStatusName(job.status);
  out["created_at"] = FormatIso8601(job.created_at);
  out["updated_at"] = FormatIso8601(job.updated_at);
  out["logs"] = job.logs;
  out["metadata"] = job.metadata.is_null() ? Json::object() : job.metadata;
  out["result"] = job.result;
  out["error"] = job.error ? Json(*job.error) : Json();
  return out;
}

Status ApplyChange(Job& job, const JobChange& change, Clock::TimePoint now) {
  if (change.status) GITOPS_RETURN_IF_ERROR(CheckTransition(job.status, *change.status));
  if (!change.metadata.is_null() && !change.metadata.is_object()) {
    return Unexpected(ErrorCode::kInvalidArgument, "job metadata change must be a JSON object");
  }
  if (change.status) job.status = *change.status;
  job.logs.insert(job.logs.end(), change.append_logs.begin(), change.append_logs.end());
  if (change.metadata.is_object()) {
    if (!job.metadata.is_object()) job.metadata = Json::object();
    for (const auto& [key, value] : change.metadata.items()) job.metadata[key] = value;
  }
  if (change.result) job.result = *change.result;
  if (change.error) job.error = *change.error;
  job.updated_at = now;
  return OkStatus();
}

}  // namespace gitops::jobs
