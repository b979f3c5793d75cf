// ResourceIndex: what exists in Git, by type/tenant/cluster/name, kept in step with Git by the
// pipeline and rebuildable from it; answers reads, lists and tenant views without touching
// Git. Memory in dev mode, PostgreSQL in production. Every implementation passes
// tests/contract/resource_index_contract.h.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/clock.h"
#include "core/result.h"

namespace gitops::index {

using Json = nlohmann::ordered_json;

// Identity of a resource. cluster_id is empty for types that are not cluster-aware.
struct ResourceKey {
  std::string resource_type;
  std::string tenant_id;
  std::string cluster_id;
  std::string name;

  friend bool operator==(const ResourceKey&, const ResourceKey&) = default;
};

struct ResourceRecord {
  std::string resource_type;
  std::string tenant_id;
  std::string cluster_id;
  std::string name;
  std::string flavor;
  Json spec = Json::object();
  std::string path;        // manifest path inside the repository
  std::string git_commit;  // commit that last wrote it (40 hex)
  std::string repository;  // repository URL or path
  Clock::TimePoint updated_at{};

  ResourceKey Key() const { return {resource_type, tenant_id, cluster_id, name}; }
};

// One write of ResourceIndex::ApplyMany: an Upsert of `record`, or (remove) a Remove of
// record.Key().
struct IndexWrite {
  bool remove = false;
  ResourceRecord record;
};

class ResourceIndex {
 public:
  virtual ~ResourceIndex() = default;

  // Inserts or replaces the record with the same key. kInvalidArgument when the type, tenant
  // or name is empty.
  virtual Status Upsert(ResourceRecord record) = 0;

  // Removes the record; kNotFound when there is none.
  virtual Status Remove(const ResourceKey& key) = 0;

  // The record, or kNotFound.
  virtual Result<ResourceRecord> Get(const ResourceKey& key) const = 0;

  // Records of `resource_type`, optionally narrowed to a tenant and/or a cluster, ordered by
  // tenant, cluster, name.
  virtual Result<std::vector<ResourceRecord>> List(
      std::string_view resource_type, const std::optional<std::string>& tenant_id,
      const std::optional<std::string>& cluster_id) const = 0;

  // Every record of the tenant, all types, ordered by type, cluster, name.
  virtual Result<std::vector<ResourceRecord>> ListTenant(std::string_view tenant_id) const = 0;

  // Number of records of the tenant per type (types with none are absent).
  virtual Result<std::map<std::string, size_t>> CountByType(std::string_view tenant_id) const = 0;

  // Applies `writes` in order, as Upsert/Remove would, except that removing an absent record
  // is not an error: the index ends as if each had applied in turn. In PostgreSQL one
  // transaction (all or nothing); the default calls Upsert/Remove for each and stops at the
  // first failure. kInvalidArgument (nothing applied) for a write with an empty type, tenant
  // or name.
  virtual Status ApplyMany(const std::vector<IndexWrite>& writes);
};

}  // namespace gitops::index
