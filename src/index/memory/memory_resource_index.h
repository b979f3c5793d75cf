// MemoryResourceIndex: the dev-mode ResourceIndex and PendingOps, one ordered map and one lock
// for both, so the submission rule sees records and reservations atomically.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>
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
  // flavor, path and git_commit packed into one allocation; the repository (the same for
  // every record of a type) interned.
  struct Stored {
    std::string packed;
    uint16_t ends[3]{};
    const std::string* repository = nullptr;  // into repositories_
    std::vector<uint8_t> spec;                // MessagePack; empty = {}
    int64_t updated_us = 0;

    std::string_view Get(size_t i) const {
      uint16_t begin = i == 0 ? 0 : ends[i - 1];
      return std::string_view(packed).substr(begin, ends[i] - begin);
    }
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
  std::unordered_set<std::string> repositories_;  // interned; never shrinks (one per repo)
};

}  // namespace gitops::index
