// PostgresTypeStore: the TypeStore of production mode, on the resource_types table
// (migrations/0004). Every serve replica and worker sharing the database sees the same added
// types; the name is the primary key, so of two processes adding one name exactly one wins.
#pragma once

#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "config/resource_type.h"
#include "core/clock.h"
#include "pg/pool.h"
#include "types/type_store.h"

namespace gitops::types {

class PostgresTypeStore final : public TypeStore {
 public:
  // `pool` must reach a database migrated with pg::Migrate (schema version 4 or later).
  // `defaults` parse the stored types back (webhook timeout and retries; its environment is
  // ignored: a type added through the API may not read the service's environment). `clock`
  // stamps created_at and must outlive the store.
  PostgresTypeStore(std::shared_ptr<pg::Pool> pool, config::TypeDefaults defaults,
                    const Clock& clock);

  // TypeStore; see type_store.h. Each method is one statement (one round trip, its own
  // transaction), thread-safe, holds no lock of this object, and returns kUnavailable while
  // PostgreSQL is down. Add is INSERT ... ON CONFLICT (name) DO NOTHING: a taken name is
  // kAlreadyExists. The definition is stored as ResourceTypeToJson(type, kInclude) writes it,
  // so a literal webhook secret is stored as is.
  Status Add(const config::ResourceTypeConfig& type) override;
  Result<std::vector<config::ResourceTypeConfig>> LoadAll() override;
  Result<std::optional<config::ResourceTypeConfig>> Load(std::string_view name) override;

 private:
  std::shared_ptr<pg::Pool> pool_;
  config::TypeDefaults defaults_;
  const Clock& clock_;
};

}  // namespace gitops::types
