// PostgresTypeStore: resource_types rows <-> ResourceTypeConfig through the JSON shape of
// config::ResourceTypeToJson / ParseResourceType.
#include "types/postgres/postgres_type_store.h"

#include <nlohmann/json.hpp>
#include <string>

#include "pg/values.h"

namespace gitops::types {
namespace {

// One row (name, definition) back to a type; kInternal names the row when it does not parse.
Result<config::ResourceTypeConfig> Decode(const pg::Rows& rows, size_t row,
                                          const config::TypeDefaults& defaults) {
  std::string name(rows.Text(row, 0));
  nlohmann::json definition = nlohmann::json::parse(rows.Text(row, 1), nullptr, false);
  if (definition.is_discarded()) {
    return Unexpected(ErrorCode::kInternal,
                      "resource_types row '" + name + "': definition is not JSON");
  }
  auto type = config::ParseResourceType(name, definition, defaults);
  if (!type.ok()) {
    return Unexpected(ErrorCode::kInternal,
                      "resource_types row '" + name + "': " + type.error().message);
  }
  return type;
}

}  // namespace

PostgresTypeStore::PostgresTypeStore(std::shared_ptr<pg::Pool> pool, config::TypeDefaults defaults,
                                     const Clock& clock)
    : pool_(std::move(pool)), defaults_(defaults), clock_(clock) {
  // Only the API adds rows, and it refuses secret_env: never resolve one from here.
  defaults_.environment = nullptr;
}

Status PostgresTypeStore::Add(const config::ResourceTypeConfig& type) {
  nlohmann::json definition = config::ResourceTypeToJson(type, config::SecretOutput::kInclude);
  auto rows = pool_->Exec(
      "INSERT INTO resource_types (name, definition, created_at)"
      " VALUES ($1, $2::json, gitops_ts($3::bigint))"
      " ON CONFLICT (name) DO NOTHING RETURNING position",
      {type.name, definition.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
       pg::MicrosParam(clock_.Now())});
  if (!rows.ok()) return Unexpected(std::move(rows).error());
  if (rows->empty()) {
    return Unexpected(ErrorCode::kAlreadyExists, "resource type '" + type.name + "' already exists",
                      "name");
  }
  return OkStatus();
}

Result<std::vector<config::ResourceTypeConfig>> PostgresTypeStore::LoadAll() {
  auto rows = pool_->Exec("SELECT name, definition FROM resource_types ORDER BY position");
  if (!rows.ok()) return Unexpected(std::move(rows).error());
  std::vector<config::ResourceTypeConfig> out;
  out.reserve(rows->size());
  for (size_t r = 0; r < rows->size(); ++r) {
    auto type = Decode(*rows, r, defaults_);
    if (!type.ok()) return Unexpected(std::move(type).error());
    out.push_back(*std::move(type));
  }
  return out;
}

Result<std::optional<config::ResourceTypeConfig>> PostgresTypeStore::Load(std::string_view name) {
  auto rows = pool_->Exec("SELECT name, definition FROM resource_types WHERE name = $1",
                          {std::string(name)});
  if (!rows.ok()) return Unexpected(std::move(rows).error());
  if (rows->empty()) return std::optional<config::ResourceTypeConfig>();
  auto type = Decode(*rows, 0, defaults_);
  if (!type.ok()) return Unexpected(std::move(type).error());
  return std::optional<config::ResourceTypeConfig>(*std::move(type));
}

}  // namespace gitops::types
