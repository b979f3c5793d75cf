// MemoryResourceIndex: records in an ordered map keyed by type/tenant/cluster/name, plus the
// pending-operation reservations, under one shared_mutex.
#include "index/memory/memory_resource_index.h"

#include <algorithm>
#include <mutex>

namespace gitops::index {
namespace {

constexpr char kSep = '\x1f';

int64_t ToMicros(Clock::TimePoint tp) {
  return std::chrono::duration_cast<std::chrono::microseconds>(tp.time_since_epoch()).count();
}

Clock::TimePoint FromMicros(int64_t us) {
  return Clock::TimePoint(std::chrono::duration_cast<Clock::TimePoint::duration>(
      std::chrono::microseconds(us)));
}

Status CheckPart(std::string_view value, const char* field, bool may_be_empty) {
  if (!may_be_empty && value.empty()) {
    return Unexpected(ErrorCode::kInvalidArgument, std::string(field) + " must not be empty",
                      field);
  }
  if (value.find(kSep) != std::string_view::npos) {
    return Unexpected(ErrorCode::kInvalidArgument,
                      std::string(field) + " contains a control character", field);
  }
  return OkStatus();
}

Result<std::string> CompositeKey(const ResourceKey& key) {
  GITOPS_RETURN_IF_ERROR(CheckPart(key.resource_type, "resource_type", false));
  GITOPS_RETURN_IF_ERROR(CheckPart(key.tenant_id, "tenant_id", false));
  GITOPS_RETURN_IF_ERROR(CheckPart(key.cluster_id, "cluster_id", true));
  GITOPS_RETURN_IF_ERROR(CheckPart(key.name, "name", false));
  std::string out;
  out.reserve(key.resource_type.size() + key.tenant_id.size() + key.cluster_id.size() +
              key.name.size() + 3);
  out.append(key.resource_type).push_back(kSep);
  out.append(key.tenant_id).push_back(kSep);
  out.append(key.cluster_id).push_back(kSep);
  out.append(key.name);
  return out;
}

ResourceKey SplitKey(const std::string& composite) {
  ResourceKey key;
  std::string* parts[] = {&key.resource_type, &key.tenant_id, &key.cluster_id, &key.name};
  size_t start = 0;
  for (size_t i = 0; i < 4; ++i) {
    size_t end = i == 3 ? composite.size() : composite.find(kSep, start);
    parts[i]->assign(composite, start, end - start);
    start = end + 1;
  }
  return key;
}

Result<ResourceRecord> Decode(const std::string& composite, const auto& stored) {
  ResourceKey key = SplitKey(composite);
  ResourceRecord record;
  record.resource_type = std::move(key.resource_type);
  record.tenant_id = std::move(key.tenant_id);
  record.cluster_id = std::move(key.cluster_id);
  record.name = std::move(key.name);
  record.flavor = stored.Get(0);
  if (!stored.spec.empty()) {
    try {
      record.spec = Json::from_msgpack(stored.spec);
    } catch (const std::exception& e) {
      return Unexpected(ErrorCode::kInternal, std::string("corrupt stored spec: ") + e.what());
    }
  }
  record.path = stored.Get(1);
  record.git_commit = stored.Get(2);
  if (stored.repository) record.repository = *stored.repository;
  record.updated_at = FromMicros(stored.updated_us);
  return record;
}

}  // namespace

MemoryResourceIndex::MemoryResourceIndex() = default;
MemoryResourceIndex::~MemoryResourceIndex() = default;

Status MemoryResourceIndex::Upsert(ResourceRecord record) {
  auto composite = CompositeKey(record.Key());
  if (!composite.ok()) return Unexpected(std::move(composite).error());
  if (record.flavor.size() + record.path.size() + record.git_commit.size() > UINT16_MAX) {
    return Unexpected(ErrorCode::kInvalidArgument, "resource record fields exceed 64 KiB");
  }
  Stored stored;
  stored.packed.reserve(record.flavor.size() + record.path.size() + record.git_commit.size());
  const std::string* parts[] = {&record.flavor, &record.path, &record.git_commit};
  for (size_t i = 0; i < 3; ++i) {
    stored.packed += *parts[i];
    stored.ends[i] = static_cast<uint16_t>(stored.packed.size());
  }
  if (!record.spec.is_null() && !(record.spec.is_object() && record.spec.empty())) {
    stored.spec = Json::to_msgpack(record.spec);
  }
  stored.updated_us = ToMicros(record.updated_at);

  std::unique_lock lock(mu_);
  stored.repository = &*repositories_.insert(std::move(record.repository)).first;
  auto [it, inserted] = records_.insert_or_assign(std::move(*composite), std::move(stored));
  if (inserted) ++counts_[record.tenant_id][record.resource_type];
  return OkStatus();
}

Status MemoryResourceIndex::Remove(const ResourceKey& key) {
  auto composite = CompositeKey(key);
  if (!composite.ok()) return Unexpected(std::move(composite).error());
  std::unique_lock lock(mu_);
  auto it = records_.find(*composite);
  if (it == records_.end()) {
    return Unexpected(ErrorCode::kNotFound, key.resource_type + " '" + key.name +
                                                "' of tenant '" + key.tenant_id +
                                                "' is not in the index");
  }
  records_.erase(it);
  auto tenant = counts_.find(key.tenant_id);
  if (tenant != counts_.end()) {
    auto type = tenant->second.find(key.resource_type);
    if (type != tenant->second.end() && --type->second == 0) tenant->second.erase(type);
    if (tenant->second.empty()) counts_.erase(tenant);
  }
  return OkStatus();
}

Result<ResourceRecord> MemoryResourceIndex::Get(const ResourceKey& key) const {
  auto composite = CompositeKey(key);
  if (!composite.ok()) return Unexpected(std::move(composite).error());
  std::shared_lock lock(mu_);
  auto it = records_.find(*composite);
  if (it == records_.end()) {
    return Unexpected(ErrorCode::kNotFound, key.resource_type + " '" + key.name +
                                                "' of tenant '" + key.tenant_id +
                                                "' not found");
  }
  return Decode(it->first, it->second);
}

Status MemoryResourceIndex::ScanLocked(const std::string& prefix,
                                       const std::optional<std::string>& cluster,
                                       std::vector<ResourceRecord>& out) const {
  for (auto it = records_.lower_bound(prefix);
       it != records_.end() && it->first.compare(0, prefix.size(), prefix) == 0; ++it) {
    auto record = Decode(it->first, it->second);
    if (!record.ok()) return Unexpected(std::move(record).error());
    if (cluster && record->cluster_id != *cluster) continue;
    out.push_back(std::move(*record));
  }
  return OkStatus();
}

Result<std::vector<ResourceRecord>> MemoryResourceIndex::List(
    std::string_view resource_type, const std::optional<std::string>& tenant_id,
    const std::optional<std::string>& cluster_id) const {
  std::string prefix(resource_type);
  prefix.push_back(kSep);
  std::optional<std::string> cluster_filter = cluster_id;
  if (tenant_id) {
    prefix.append(*tenant_id).push_back(kSep);
    if (cluster_id) {
      prefix.append(*cluster_id).push_back(kSep);
      cluster_filter.reset();  // the prefix already pins it
    }
  }
  std::vector<ResourceRecord> out;
  std::shared_lock lock(mu_);
  GITOPS_RETURN_IF_ERROR(ScanLocked(prefix, cluster_filter, out));
  return out;
}

Result<std::vector<ResourceRecord>> MemoryResourceIndex::ListTenant(
    std::string_view tenant_id) const {
  std::vector<ResourceRecord> out;
  std::shared_lock lock(mu_);
  auto tenant = counts_.find(std::string(tenant_id));
  if (tenant == counts_.end()) return out;
  for (const auto& [type, count] : tenant->second) {
    std::string prefix = type;
    prefix.push_back(kSep);
    prefix.append(tenant_id).push_back(kSep);
    GITOPS_RETURN_IF_ERROR(ScanLocked(prefix, std::nullopt, out));
  }
  return out;
}

Result<std::map<std::string, size_t>> MemoryResourceIndex::CountByType(
    std::string_view tenant_id) const {
  std::shared_lock lock(mu_);
  auto tenant = counts_.find(std::string(tenant_id));
  if (tenant == counts_.end()) return std::map<std::string, size_t>{};
  return tenant->second;
}

Status MemoryResourceIndex::Reserve(const ResourceKey& key, PendingOp op,
                                    std::string_view job_id) {
  auto composite = CompositeKey(key);
  if (!composite.ok()) return Unexpected(std::move(composite).error());
  if (job_id.empty()) {
    return Unexpected(ErrorCode::kInvalidArgument, "job id must not be empty", "job_id");
  }
  std::unique_lock lock(mu_);
  if (pending_jobs_.count(std::string(job_id)) != 0) {
    return Unexpected(ErrorCode::kFailedPrecondition,
                      "job " + std::string(job_id) + " already holds a reservation");
  }
  bool will_exist = records_.count(*composite) != 0;
  auto queued = pending_.find(*composite);
  if (queued != pending_.end()) {
    for (const auto& [other_job, other_op] : queued->second) {
      if (other_op == PendingOp::kCreate) will_exist = true;
      if (other_op == PendingOp::kDelete) will_exist = false;
    }
  }
  const std::string what = key.resource_type + " '" + key.name + "' of tenant '" +
                           key.tenant_id + "'" +
                           (key.cluster_id.empty() ? "" : " in cluster '" + key.cluster_id + "'");
  if (op == PendingOp::kCreate && will_exist) {
    return Unexpected(ErrorCode::kAlreadyExists, what + " already exists or is being created");
  }
  if (op != PendingOp::kCreate && !will_exist) {
    return Unexpected(ErrorCode::kNotFound, what + " does not exist");
  }
  pending_[*composite].emplace_back(std::string(job_id), op);
  pending_jobs_.emplace(std::string(job_id), std::move(*composite));
  return OkStatus();
}

Status MemoryResourceIndex::Release(std::string_view job_id) {
  std::unique_lock lock(mu_);
  auto job = pending_jobs_.find(std::string(job_id));
  if (job == pending_jobs_.end()) return OkStatus();
  auto queued = pending_.find(job->second);
  if (queued != pending_.end()) {
    auto& ops = queued->second;
    ops.erase(std::remove_if(ops.begin(), ops.end(),
                             [&](const auto& entry) { return entry.first == job_id; }),
              ops.end());
    if (ops.empty()) pending_.erase(queued);
  }
  pending_jobs_.erase(job);
  return OkStatus();
}

size_t MemoryResourceIndex::size() const {
  std::shared_lock lock(mu_);
  return records_.size();
}

size_t MemoryResourceIndex::pending() const {
  std::shared_lock lock(mu_);
  return pending_jobs_.size();
}

}  // namespace gitops::index
