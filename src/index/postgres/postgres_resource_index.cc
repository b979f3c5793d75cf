// PostgresResourceIndex: resources and pending_ops access.
#include "index/postgres/postgres_resource_index.h"

#include <chrono>
#include <map>
#include <utility>

#include "pg/values.h"

namespace gitops::index {
namespace {

constexpr const char* kSelect =
    "SELECT resource_type, tenant_id, cluster_id, name, flavor, spec, path, git_commit,"
    " repository, gitops_us(updated_at) FROM resources ";

Status CheckKey(const ResourceKey& key) {
  if (key.resource_type.empty() || key.tenant_id.empty() || key.name.empty()) {
    return Unexpected(ErrorCode::kInvalidArgument, "a resource needs a type, a tenant and a name",
                      "name");
  }
  return OkStatus();
}

std::string Describe(const ResourceKey& key) {
  return key.resource_type + " '" + key.name + "' of tenant '" + key.tenant_id + "'" +
         (key.cluster_id.empty() ? "" : " in cluster '" + key.cluster_id + "'");
}

pg::Params KeyParams(const ResourceKey& key) {
  return {key.resource_type, key.tenant_id, key.cluster_id, key.name};
}

}  // namespace

PostgresResourceIndex::PostgresResourceIndex(std::shared_ptr<pg::Pool> pool)
    : pool_(std::move(pool)) {}

Status PostgresResourceIndex::Upsert(ResourceRecord record) {
  GITOPS_RETURN_IF_ERROR(CheckKey(record.Key()));
  pg::Params params = KeyParams(record.Key());
  params.emplace_back(record.flavor);
  params.emplace_back(pg::JsonParam(record.spec.is_null() ? Json::object() : record.spec));
  params.emplace_back(record.path);
  params.emplace_back(record.git_commit);
  params.emplace_back(record.repository);
  params.emplace_back(pg::MicrosParam(record.updated_at));
  auto done = pool_->Exec(
      "INSERT INTO resources (resource_type, tenant_id, cluster_id, name, flavor, spec, path,"
      " git_commit, repository, updated_at)"
      " VALUES ($1, $2, $3, $4, $5, $6::json, $7, $8, $9, gitops_ts($10::bigint))"
      " ON CONFLICT (resource_type, tenant_id, cluster_id, name) DO UPDATE SET"
      " flavor = excluded.flavor, spec = excluded.spec, path = excluded.path,"
      " git_commit = excluded.git_commit, repository = excluded.repository,"
      " updated_at = excluded.updated_at",
      params);
  if (!done.ok()) return Unexpected(std::move(done).error());
  return OkStatus();
}

Status PostgresResourceIndex::ApplyMany(const std::vector<IndexWrite>& writes) {
  for (const IndexWrite& w : writes) GITOPS_RETURN_IF_ERROR(CheckKey(w.record.Key()));
  // The index ends as if each write applied in turn: only the last write of a key counts.
  std::map<std::string, const IndexWrite*> last;
  std::vector<std::string> order;
  for (const IndexWrite& w : writes) {
    const ResourceRecord& r = w.record;
    std::string key =
        r.resource_type + '\x1f' + r.tenant_id + '\x1f' + r.cluster_id + '\x1f' + r.name;
    auto [it, inserted] = last.emplace(key, &w);
    if (inserted) {
      order.push_back(std::move(key));
    } else {
      it->second = &w;
    }
  }
  if (order.empty()) return OkStatus();
  Json rows = Json::array();
  for (const std::string& key : order) {
    const IndexWrite& w = *last.at(key);
    const ResourceRecord& r = w.record;
    Json row = Json::object();
    row["remove"] = w.remove;
    row["resource_type"] = r.resource_type;
    row["tenant_id"] = r.tenant_id;
    row["cluster_id"] = r.cluster_id;
    row["name"] = r.name;
    row["flavor"] = r.flavor;
    row["spec"] = r.spec.is_null() ? Json::object() : r.spec;
    row["path"] = r.path;
    row["git_commit"] = r.git_commit;
    row["repository"] = r.repository;
    row["updated_us"] = pg::Micros(r.updated_at);
    rows.push_back(std::move(row));
  }
  // Keys are distinct, so the DELETE and the INSERT of the one statement never meet.
  auto done = pool_->Exec(
      "WITH w AS (SELECT * FROM json_to_recordset($1::json) AS w(remove boolean,"
      " resource_type text, tenant_id text, cluster_id text, name text, flavor text, spec json,"
      " path text, git_commit text, repository text, updated_us bigint)),"
      " d AS (DELETE FROM resources r USING w WHERE w.remove"
      " AND r.resource_type = w.resource_type COLLATE \"C\""
      " AND r.tenant_id = w.tenant_id COLLATE \"C\" AND r.cluster_id = w.cluster_id COLLATE \"C\""
      " AND r.name = w.name COLLATE \"C\")"
      " INSERT INTO resources (resource_type, tenant_id, cluster_id, name, flavor, spec, path,"
      " git_commit, repository, updated_at)"
      " SELECT resource_type, tenant_id, cluster_id, name, flavor, spec, path, git_commit,"
      " repository, gitops_ts(updated_us) FROM w WHERE NOT w.remove"
      " ON CONFLICT (resource_type, tenant_id, cluster_id, name) DO UPDATE SET"
      " flavor = excluded.flavor, spec = excluded.spec, path = excluded.path,"
      " git_commit = excluded.git_commit, repository = excluded.repository,"
      " updated_at = excluded.updated_at",
      {pg::JsonParam(rows)});
  if (!done.ok()) return Unexpected(std::move(done).error());
  return OkStatus();
}

Status PostgresResourceIndex::Remove(const ResourceKey& key) {
  GITOPS_RETURN_IF_ERROR(CheckKey(key));
  auto rows = pool_->Exec(
      "DELETE FROM resources WHERE resource_type = $1 AND tenant_id = $2 AND cluster_id = $3"
      " AND name = $4 RETURNING 1",
      KeyParams(key));
  if (!rows.ok()) return Unexpected(std::move(rows).error());
  if (rows->empty()) {
    return Unexpected(ErrorCode::kNotFound, Describe(key) + " is not in the index");
  }
  return OkStatus();
}

Result<std::vector<ResourceRecord>> PostgresResourceIndex::Query(const std::string& where_order,
                                                                 const pg::Params& params) const {
  auto rows = pool_->Exec(kSelect + where_order, params);
  if (!rows.ok()) return Unexpected(std::move(rows).error());
  std::vector<ResourceRecord> out;
  out.reserve(rows->size());
  for (size_t r = 0; r < rows->size(); ++r) {
    ResourceRecord record;
    record.resource_type = rows->Text(r, 0);
    record.tenant_id = rows->Text(r, 1);
    record.cluster_id = rows->Text(r, 2);
    record.name = rows->Text(r, 3);
    record.flavor = rows->Text(r, 4);
    auto spec = pg::JsonAt(*rows, r, 5, Json::object());
    if (!spec.ok()) return Unexpected(std::move(spec).error());
    record.spec = std::move(*spec);
    record.path = rows->Text(r, 6);
    record.git_commit = rows->Text(r, 7);
    record.repository = rows->Text(r, 8);
    auto updated = pg::TimeAt(*rows, r, 9);
    if (!updated.ok()) return Unexpected(std::move(updated).error());
    record.updated_at = *updated;
    out.push_back(std::move(record));
  }
  return out;
}

Result<ResourceRecord> PostgresResourceIndex::Get(const ResourceKey& key) const {
  GITOPS_RETURN_IF_ERROR(CheckKey(key));
  auto found =
      Query("WHERE resource_type = $1 AND tenant_id = $2 AND cluster_id = $3 AND name = $4",
            KeyParams(key));
  if (!found.ok()) return Unexpected(std::move(found).error());
  if (found->empty()) return Unexpected(ErrorCode::kNotFound, Describe(key) + " not found");
  return std::move(found->front());
}

Result<std::vector<ResourceRecord>> PostgresResourceIndex::List(
    std::string_view resource_type, const std::optional<std::string>& tenant_id,
    const std::optional<std::string>& cluster_id) const {
  return Query(
      "WHERE resource_type = $1 AND ($2::text IS NULL OR tenant_id = $2)"
      " AND ($3::text IS NULL OR cluster_id = $3) ORDER BY tenant_id, cluster_id, name",
      {std::string(resource_type), tenant_id, cluster_id});
}

Result<std::vector<ResourceRecord>> PostgresResourceIndex::ListTenant(
    std::string_view tenant_id) const {
  return Query("WHERE tenant_id = $1 ORDER BY resource_type, cluster_id, name",
               {std::string(tenant_id)});
}

Result<std::map<std::string, size_t>> PostgresResourceIndex::CountByType(
    std::string_view tenant_id) const {
  auto rows =
      pool_->Exec("SELECT resource_type, count(*) FROM resources WHERE tenant_id = $1 GROUP BY 1",
                  {std::string(tenant_id)});
  if (!rows.ok()) return Unexpected(std::move(rows).error());
  std::map<std::string, size_t> out;
  for (size_t r = 0; r < rows->size(); ++r) {
    auto n = rows->Int(r, 1);
    if (!n.ok()) return Unexpected(std::move(n).error());
    out[std::string(rows->Text(r, 0))] = static_cast<size_t>(*n);
  }
  return out;
}

Status PostgresResourceIndex::Reserve(const ResourceKey& key, PendingOp op,
                                      std::string_view job_id) {
  GITOPS_RETURN_IF_ERROR(CheckKey(key));
  if (job_id.empty()) {
    return Unexpected(ErrorCode::kInvalidArgument, "job id must not be empty", "job_id");
  }
  pg::Params params = {std::string(job_id)};
  for (auto& p : KeyParams(key)) params.push_back(std::move(p));
  params.emplace_back(std::string(PendingOpName(op)));
  auto rows = pool_->Exec("SELECT gitops_reserve($1, $2, $3, $4, $5, $6)", params);
  if (!rows.ok()) return Unexpected(std::move(rows).error());
  std::string_view verdict = rows->empty() ? "" : rows->Text(0, 0);
  if (verdict == "ok") return OkStatus();
  if (verdict == "exists") {
    return Unexpected(ErrorCode::kAlreadyExists,
                      Describe(key) + " already exists or is being created");
  }
  if (verdict == "absent") {
    return Unexpected(ErrorCode::kNotFound, Describe(key) + " does not exist");
  }
  if (verdict == "held") {
    return Unexpected(ErrorCode::kFailedPrecondition,
                      "job " + std::string(job_id) + " already holds a reservation");
  }
  return Unexpected(ErrorCode::kInternal, "unexpected answer from gitops_reserve");
}

Status PostgresResourceIndex::Release(std::string_view job_id) {
  auto rows = pool_->Exec("DELETE FROM pending_ops WHERE job_id = $1", {std::string(job_id)});
  if (!rows.ok()) return Unexpected(std::move(rows).error());
  return OkStatus();
}

Status PostgresResourceIndex::ReleaseMany(const std::vector<std::string>& job_ids) {
  if (job_ids.empty()) return OkStatus();
  auto rows = pool_->Exec("DELETE FROM pending_ops WHERE job_id = ANY($1::text[])",
                          {pg::TextArrayParam(job_ids)});
  if (!rows.ok()) return Unexpected(std::move(rows).error());
  return OkStatus();
}

}  // namespace gitops::index
