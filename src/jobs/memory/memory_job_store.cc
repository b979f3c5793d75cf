// MemoryJobStore: compact in-memory jobs behind one shared_mutex.
#include "jobs/memory/memory_job_store.h"

#include <algorithm>
#include <mutex>

namespace gitops::jobs {
namespace {

int64_t ToMicros(Clock::TimePoint tp) {
  return std::chrono::duration_cast<std::chrono::microseconds>(tp.time_since_epoch()).count();
}

Clock::TimePoint FromMicros(int64_t us) {
  return Clock::TimePoint(std::chrono::duration_cast<Clock::TimePoint::duration>(
      std::chrono::microseconds(us)));
}

// Empty bytes stand for the default value (an empty object or null), which is most jobs.
std::vector<uint8_t> Encode(const Json& value) {
  if (value.is_null() || (value.is_object() && value.empty())) return {};
  return Json::to_msgpack(value);
}

Result<Json> DecodeJson(const std::vector<uint8_t>& bytes, Json empty_value) {
  if (bytes.empty()) return empty_value;
  try {
    return Json::from_msgpack(bytes);
  } catch (const std::exception& e) {
    return Unexpected(ErrorCode::kInternal, std::string("corrupt stored job JSON: ") + e.what());
  }
}

void AppendLog(std::string& logs, std::string_view line) {
  // '\0' separates entries; a NUL inside a log line is dropped rather than split the entry.
  for (char c : line) {
    if (c != '\0') logs.push_back(c);
  }
  logs.push_back('\0');
}

std::vector<std::string> SplitLogs(const std::string& logs) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < logs.size()) {
    size_t end = logs.find('\0', start);
    out.emplace_back(logs, start, end - start);
    start = end + 1;
  }
  return out;
}

}  // namespace

MemoryJobStore::MemoryJobStore(const Clock& clock) : clock_(clock) {}
MemoryJobStore::~MemoryJobStore() = default;

void MemoryJobStore::CountStatus(TenantJobStats& stats, JobStatus status, int delta) {
  uint64_t& counter = status == JobStatus::kCompleted ? stats.completed_jobs
                      : status == JobStatus::kFailed  ? stats.failed_jobs
                                                      : stats.active_jobs;
  counter += static_cast<uint64_t>(static_cast<int64_t>(delta));
}

Status MemoryJobStore::Create(Job job) {
  if (job.job_id.empty()) {
    return Unexpected(ErrorCode::kInvalidArgument, "job id must not be empty", "job_id");
  }
  const std::string* fields[kFields] = {&job.job_id,        &job.tenant_id,     &job.cluster_id,
                                        &job.resource_type, &job.resource_name, &job.flavor,
                                        &job.partition};
  size_t total = 0;
  for (const std::string* f : fields) total += f->size();
  if (total > UINT16_MAX) {
    return Unexpected(ErrorCode::kInvalidArgument, "job identity fields exceed 64 KiB");
  }
  auto stored = std::make_unique<Stored>();
  stored->packed.reserve(total);
  for (size_t i = 0; i < kFields; ++i) {
    stored->packed += *fields[i];
    stored->ends[i] = static_cast<uint16_t>(stored->packed.size());
  }
  stored->spec = Encode(job.spec);
  stored->metadata = Encode(job.metadata);
  stored->result = Encode(job.result);
  for (const auto& line : job.logs) AppendLog(stored->logs, line);
  stored->logs.shrink_to_fit();
  if (job.error) stored->error = std::make_unique<std::string>(std::move(*job.error));
  stored->job_type = job.job_type;
  stored->operation = job.operation;
  stored->status = job.status;
  stored->created_us = stored->updated_us = ToMicros(clock_.Now());

  std::unique_lock lock(mu_);
  std::string_view key = stored->Get(kId);
  if (jobs_.count(key) != 0) {
    return Unexpected(ErrorCode::kAlreadyExists, "job " + std::string(key) + " already exists");
  }
  const Stored* raw = stored.get();
  jobs_.emplace(key, std::move(stored));
  order_.push_back(raw);
  std::string_view tenant_id = raw->Get(kTenant);
  auto it = tenants_.find(tenant_id);
  if (it == tenants_.end()) it = tenants_.emplace(std::string(tenant_id), Tenant{}).first;
  Tenant& tenant = it->second;
  tenant.order.push_back(raw);
  CountStatus(tenant.stats, raw->status, +1);
  auto created = FromMicros(raw->created_us);
  if (!tenant.stats.last_activity || *tenant.stats.last_activity < created) {
    tenant.stats.last_activity = created;
  }
  return OkStatus();
}

Result<Job> MemoryJobStore::Decode(const Stored& s) {
  Job job;
  job.job_id = s.Get(kId);
  job.job_type = s.job_type;
  job.tenant_id = s.Get(kTenant);
  job.cluster_id = s.Get(kCluster);
  job.resource_type = s.Get(kType);
  job.resource_name = s.Get(kName);
  job.operation = s.operation;
  job.flavor = s.Get(kFlavor);
  auto spec = DecodeJson(s.spec, Json::object());
  if (!spec.ok()) return Unexpected(std::move(spec).error());
  job.spec = std::move(*spec);
  job.status = s.status;
  job.created_at = FromMicros(s.created_us);
  job.updated_at = FromMicros(s.updated_us);
  job.logs = SplitLogs(s.logs);
  auto metadata = DecodeJson(s.metadata, Json::object());
  if (!metadata.ok()) return Unexpected(std::move(metadata).error());
  job.metadata = std::move(*metadata);
  auto result = DecodeJson(s.result, Json());
  if (!result.ok()) return Unexpected(std::move(result).error());
  job.result = std::move(*result);
  if (s.error) job.error = *s.error;
  job.partition = s.Get(kPartition);
  return job;
}

Result<Job> MemoryJobStore::Get(std::string_view job_id) const {
  std::shared_lock lock(mu_);
  auto it = jobs_.find(job_id);
  if (it == jobs_.end()) {
    return Unexpected(ErrorCode::kNotFound, "job " + std::string(job_id) + " not found");
  }
  return Decode(*it->second);
}

Status MemoryJobStore::Update(std::string_view job_id, const JobChange& change) {
  if (!change.metadata.is_null() && !change.metadata.is_object()) {
    return Unexpected(ErrorCode::kInvalidArgument, "job metadata change must be a JSON object");
  }
  // Encode what does not depend on the stored job before taking the lock.
  std::vector<uint8_t> result_bytes;
  if (change.result) result_bytes = Encode(*change.result);
  int64_t now_us = ToMicros(clock_.Now());

  std::unique_lock lock(mu_);
  auto it = jobs_.find(job_id);
  if (it == jobs_.end()) {
    return Unexpected(ErrorCode::kNotFound, "job " + std::string(job_id) + " not found");
  }
  Stored& s = *it->second;
  if (change.status) GITOPS_RETURN_IF_ERROR(CheckTransition(s.status, *change.status));
  if (change.metadata.is_object() && !change.metadata.empty()) {
    auto metadata = DecodeJson(s.metadata, Json::object());
    if (!metadata.ok()) return Unexpected(std::move(metadata).error());
    for (const auto& [key, value] : change.metadata.items()) (*metadata)[key] = value;
    s.metadata = Encode(*metadata);
  }
  auto tenant_it = tenants_.find(s.Get(kTenant));
  TenantJobStats& stats = tenant_it->second.stats;
  if (change.status) {
    CountStatus(stats, s.status, -1);
    CountStatus(stats, *change.status, +1);
    s.status = *change.status;
  }
  for (const auto& line : change.append_logs) AppendLog(s.logs, line);
  if (IsTerminal(s.status)) s.logs.shrink_to_fit();  // few lines follow the end of a job
  if (change.result) s.result = std::move(result_bytes);
  if (change.error) s.error = std::make_unique<std::string>(*change.error);
  s.updated_us = std::max(s.updated_us, now_us);
  auto updated = FromMicros(s.updated_us);
  if (!stats.last_activity || *stats.last_activity < updated) stats.last_activity = updated;
  return OkStatus();
}

Result<std::vector<Job>> MemoryJobStore::List(const JobFilter& filter) const {
  std::vector<Job> out;
  std::shared_lock lock(mu_);
  const std::vector<const Stored*>* order = &order_;
  if (filter.tenant_id) {
    auto it = tenants_.find(std::string_view(*filter.tenant_id));
    if (it == tenants_.end()) return out;
    order = &it->second.order;
  }
  for (auto it = order->rbegin(); it != order->rend(); ++it) {
    if (filter.limit != 0 && out.size() >= filter.limit) break;
    const Stored& s = **it;
    if (filter.status && s.status != *filter.status) continue;
    if (filter.resource_type && s.Get(kType) != *filter.resource_type) continue;
    auto job = Decode(s);
    if (!job.ok()) return Unexpected(std::move(job).error());
    out.push_back(std::move(*job));
  }
  return out;
}

Result<TenantJobStats> MemoryJobStore::TenantStats(std::string_view tenant_id) const {
  std::shared_lock lock(mu_);
  auto it = tenants_.find(tenant_id);
  if (it == tenants_.end()) return TenantJobStats{};
  return it->second.stats;
}

size_t MemoryJobStore::size() const {
  std::shared_lock lock(mu_);
  return jobs_.size();
}

}  // namespace gitops::jobs
