// MemoryResourceIndex: the dev-mode ResourceIndex and PendingOps, one ordered map and one lock
// for both, so the submission rule sees records and reservations atomically.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "index/pending_ops.h"
#include "index/resource_index.h"

namespace gitops::index {

class MemoryResourceIndex final : public ResourceIndex, public PendingOps {
 public:
  MemoryResourceIndex();
  ~MemoryResourceIndex() override;

  // ResourceIndex. Thread-safe.
  Status Upsert(ResourceRecord record) override;
  Status Remove(const ResourceKey& key) override;
  Result<ResourceRecord> Get(const ResourceKey& key) const override;
  Result<std::vector<ResourceRecord>> List(
      std::string_view resource_type, const std::optional<std::string>& tenant_id,
      const std::optional<std::string>& cluster_id) const override;
  Result<std::vector<ResourceRecord>> ListTenant(std::string_view tenant_id) const override;
  Result<std::map<std::string, size_t>> CountByType(std::string_view tenant_id) const override;

  // PendingOps. Thread-safe.
  Status Reserve(const ResourceKey& key, PendingOp op, std::string_view job_id) override;
  Status Release(std::string_view job_id) override;

  // Number of records / of reservations held.
  size_t size() const;
  size_t pending() const;

 private:
  // The key fields live in the map key ("type\x1ftenant\x1fcluster\x1fname"), whose order is
  // the listing order.
  struct Stored {
    std::string flavor;
    std::vector<uint8_t> spec;  // MessagePack; empty = {}
    std::string path;
    std::string git_commit;
    std::string repository;
    int64_t updated_us = 0;
  };
  using RecordMap = std::map<std::string, Stored, std::less<>>;

  // Appends the records whose composite key starts with `prefix` (and whose cluster is
  // `cluster`, when set). Needs mu_.
  Status ScanLocked(const std::string& prefix, const std::optional<std::string>& cluster,
                    std::vector<ResourceRecord>& out) const;

  mutable std::shared_mutex mu_;
  RecordMap records_;
  // tenant -> type -> count; drives CountByType and ListTenant.
  std::unordered_map<std::string, std::map<std::string, size_t>> counts_;
  // composite key -> reservations in order; job id -> composite key.
  std::unordered_map<std::string, std::vector<std::pair<std::string, PendingOp>>> pending_;
  std::unordered_map<std::string, std::string> pending_jobs_;
};

}  // namespace gitops::index
