// Job: one asynchronous change or query on a resource, its small state machine, and its wire
// format (the body of GET /api/v1/status/<id>).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/clock.h"
#include "core/result.h"

namespace gitops::jobs {

using Json = nlohmann::ordered_json;

enum class JobType : uint8_t { kResource };
enum class Operation : uint8_t { kCreate, kUpdate, kDelete, kRead, kList };
enum class JobStatus : uint8_t { kSubmitted, kInProgress, kCompleted, kFailed };

// Wire names: "resource"; "create" ...; "submitted", "in_progress", "completed", "failed".
std::string_view JobTypeName(JobType type);
std::string_view OperationName(Operation op);
std::string_view JobStatusName(JobStatus status);
// Parse a wire name; kInvalidArgument naming the accepted values otherwise.
Result<Operation> ParseOperation(std::string_view name);
Result<JobStatus> ParseJobStatus(std::string_view name);

// True for completed and failed: the job will not change status again.
bool IsTerminal(JobStatus status);
// True for submitted and in_progress.
bool IsActive(JobStatus status);

// The only legal moves: submitted->in_progress, in_progress->completed|failed, and
// in_progress->submitted (a job handed back for re-delivery). Anything else, including a move
// to the same status, is kFailedPrecondition naming both statuses.
Status CheckTransition(JobStatus from, JobStatus to);

struct Job {
  std::string job_id;  // uuid4 (core/ids.h NewUuid)
  JobType job_type = JobType::kResource;
  std::string tenant_id;
  std::string cluster_id;  // empty when the type is not cluster-aware
  std::string resource_type;
  std::string resource_name;
  Operation operation = Operation::kCreate;
  std::string flavor;
  Json spec = Json::object();
  JobStatus status = JobStatus::kSubmitted;
  Clock::TimePoint created_at{};
  Clock::TimePoint updated_at{};
  std::vector<std::string> logs;    // steps as they happened
  Json metadata = Json::object();   // git_commit, manifest_path, repository, webhook_status
  Json result;                      // null unless a read/list produced one
  std::optional<std::string> error;
  // The queue partition (the repository the job writes to, e.g. the resource type): jobs of
  // one partition are applied by one worker at a time, in submission order. Not on the wire.
  std::string partition;
};

// The status-endpoint body, keys in this order: job_id, job_type, tenant_id, cluster_id (null
// when empty), resource_type, resource_name, operation, spec, status, created_at, updated_at
// (ISO 8601, Z), logs, metadata, result, error (null when absent).
Json ToJson(const Job& job);

// A change applied by JobStore::Update. Empty fields change nothing. Build it fluently:
//   JobChange().SetStatus(JobStatus::kCompleted).Log("Pushed").Meta("git_commit", sha)
struct JobChange {
  std::optional<JobStatus> status;         // checked with CheckTransition
  std::vector<std::string> append_logs;    // appended in order
  Json metadata;                           // object: each key is set on the job's metadata
  std::optional<Json> result;              // replaces the result
  std::optional<std::string> error;        // replaces the error

  JobChange& SetStatus(JobStatus s) {
    status = s;
    return *this;
  }
  JobChange& Log(std::string line) {
    append_logs.push_back(std::move(line));
    return *this;
  }
  JobChange& Meta(const std::string& key, Json value) {
    metadata[key] = std::move(value);
    return *this;
  }
  JobChange& SetResult(Json value) {
    result = std::move(value);
    return *this;
  }
  JobChange& SetError(std::string message) {
    error = std::move(message);
    return *this;
  }
};

// Applies `change` to `job` (status transition checked first: on kFailedPrecondition the job
// is left untouched) and sets updated_at to `now`. The reference semantics of JobStore::Update.
Status ApplyChange(Job& job, const JobChange& change, Clock::TimePoint now);

}  // namespace gitops::jobs
