// PostgresResourceIndex: the ResourceIndex and PendingOps of production mode, on the
// resources and pending_ops tables (migrations/). Reserve is one call of the gitops_reserve
// SQL function, which serializes reservations of one resource on an advisory lock.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "index/pending_ops.h"
#include "index/resource_index.h"
#include "pg/pool.h"

namespace gitops::index {

class PostgresResourceIndex final : public ResourceIndex, public PendingOps {
 public:
  // `pool` must reach a database migrated with pg::Migrate.
  explicit PostgresResourceIndex(std::shared_ptr<pg::Pool> pool);

  // ResourceIndex and PendingOps; see their headers. Every method is thread-safe, one
  // statement (one round trip), and returns kUnavailable while PostgreSQL is down.
  Status Upsert(ResourceRecord record) override;
  Status Remove(const ResourceKey& key) override;
  Result<ResourceRecord> Get(const ResourceKey& key) const override;
  Result<std::vector<ResourceRecord>> List(
      std::string_view resource_type, const std::optional<std::string>& tenant_id,
      const std::optional<std::string>& cluster_id) const override;
  Result<std::vector<ResourceRecord>> ListTenant(std::string_view tenant_id) const override;
  Result<std::map<std::string, size_t>> CountByType(std::string_view tenant_id) const override;

  // One statement (one transaction): the last write of each key is applied.
  Status ApplyMany(const std::vector<IndexWrite>& writes) override;

  Status Reserve(const ResourceKey& key, PendingOp op, std::string_view job_id) override;
  Status Release(std::string_view job_id) override;
  // One DELETE for the lot.
  Status ReleaseMany(const std::vector<std::string>& job_ids) override;

 private:
  Result<std::vector<ResourceRecord>> Query(const std::string& where_order,
                                            const pg::Params& params) const;

  std::shared_ptr<pg::Pool> pool_;
};

}  // namespace gitops::index
