// PostgresDeliveryStore: webhook_deliveries rows <-> Delivery, and the single-statement
// claim, due-list and list queries.
#include "webhook/postgres/postgres_delivery_store.h"

#include <nlohmann/json.hpp>
#include <unordered_map>
#include <utility>

#include "pg/values.h"

namespace gitops::webhook {
namespace {

// The columns DecodeDelivery reads, in its order (also a RETURNING list).
constexpr const char* kColumns =
    "delivery_id, job_id, tenant_id, resource_type, event, url, payload, sequence, attempts,"
    " retries, max_attempts, timeout_ms, status, last_http_status, last_error,"
    " gitops_us(next_attempt_at), gitops_us(created_at), gitops_us(updated_at),"
    " gitops_us(claimed_until)";
// kColumns with '' in the payload's place (List without payloads: none is read or sent).
constexpr const char* kColumnsNoPayload =
    "delivery_id, job_id, tenant_id, resource_type, event, url, '' AS payload, sequence,"
    " attempts, retries, max_attempts, timeout_ms, status, last_http_status, last_error,"
    " gitops_us(next_attempt_at), gitops_us(created_at), gitops_us(updated_at),"
    " gitops_us(claimed_until)";

// "" and 0 mean "none" in Delivery; NULL in the table.
pg::Param TextOrNull(const std::string& text) {
  return text.empty() ? pg::Param() : pg::Param(text);
}
pg::Param StatusOrNull(int http_status) {
  return http_status == 0 ? pg::Param() : pg::Param(std::to_string(http_status));
}
pg::Param TimeOrNull(const std::optional<Clock::TimePoint>& time) {
  return time ? pg::Param(pg::MicrosParam(*time)) : pg::Param();
}

Result<Delivery> DecodeDelivery(const pg::Rows& rows, size_t r) {
  Delivery d;
  d.delivery_id = rows.Text(r, 0);
  d.job_id = rows.Text(r, 1);
  d.tenant_id = rows.Text(r, 2);
  d.resource_type = rows.Text(r, 3);
  d.event = rows.Text(r, 4);
  d.url = rows.Text(r, 5);
  d.payload = rows.Text(r, 6);
  auto sequence = rows.Int(r, 7);
  auto attempts = rows.Int(r, 8);
  auto retries = rows.Int(r, 9);
  auto max_attempts = rows.Int(r, 10);
  auto timeout_ms = rows.Int(r, 11);
  for (const auto* n : {&sequence, &attempts, &retries, &max_attempts, &timeout_ms}) {
    if (!n->ok()) return Unexpected(n->error());
  }
  d.sequence = *sequence;
  d.attempts = static_cast<int>(*attempts);
  d.retries = static_cast<int>(*retries);
  d.max_attempts = static_cast<int>(*max_attempts);
  d.timeout_ms = static_cast<int>(*timeout_ms);
  auto status = ParseDeliveryStatus(rows.Text(r, 12));
  if (!status) {
    return Unexpected(ErrorCode::kInternal,
                      "delivery " + d.delivery_id + " has an unknown status in PostgreSQL");
  }
  d.status = *status;
  if (!rows.IsNull(r, 13)) {
    auto http_status = rows.Int(r, 13);
    if (!http_status.ok()) return Unexpected(std::move(http_status).error());
    d.last_http_status = static_cast<int>(*http_status);
  }
  d.last_error = rows.Text(r, 14);
  auto next_attempt_at = pg::TimeAt(rows, r, 15);
  auto created_at = pg::TimeAt(rows, r, 16);
  auto updated_at = pg::TimeAt(rows, r, 17);
  for (const auto* t : {&next_attempt_at, &created_at, &updated_at}) {
    if (!t->ok()) return Unexpected(t->error());
  }
  d.next_attempt_at = *next_attempt_at;
  d.created_at = *created_at;
  d.updated_at = *updated_at;
  if (!rows.IsNull(r, 18)) {
    auto claimed_until = pg::TimeAt(rows, r, 18);
    if (!claimed_until.ok()) return Unexpected(std::move(claimed_until).error());
    d.claimed_until = *claimed_until;
  }
  return d;
}

Result<std::vector<Delivery>> DecodeAll(const pg::Rows& rows) {
  std::vector<Delivery> out;
  out.reserve(rows.size());
  for (size_t r = 0; r < rows.size(); ++r) {
    auto d = DecodeDelivery(rows, r);
    if (!d.ok()) return Unexpected(std::move(d).error());
    out.push_back(*std::move(d));
  }
  return out;
}

}  // namespace

PostgresDeliveryStore::PostgresDeliveryStore(std::shared_ptr<pg::Pool> pool)
    : pool_(std::move(pool)) {}

Result<std::vector<Delivery>> PostgresDeliveryStore::AddMany(std::vector<Delivery> deliveries) {
  if (deliveries.empty()) return deliveries;
  nlohmann::json rows = nlohmann::json::array();
  for (size_t i = 0; i < deliveries.size(); ++i) {
    const Delivery& d = deliveries[i];
    GITOPS_RETURN_IF_ERROR(CheckNewDelivery(d));
    nlohmann::json row = {
        {"i", i},
        {"delivery_id", d.delivery_id},
        {"job_id", d.job_id},
        {"tenant_id", d.tenant_id},
        {"resource_type", d.resource_type},
        {"event", d.event},
        {"url", d.url},
        {"payload", d.payload},
        {"attempts", d.attempts},
        {"retries", d.retries},
        {"max_attempts", d.max_attempts},
        {"timeout_ms", d.timeout_ms},
        {"status", std::string(DeliveryStatusName(d.status))},
        {"last_http_status", nullptr},
        {"last_error", nullptr},
        {"next_us", pg::Micros(d.next_attempt_at)},
        {"created_us", pg::Micros(d.created_at)},
        {"updated_us", pg::Micros(d.updated_at)},
        {"claimed_us", nullptr}};
    if (d.last_http_status != 0) row["last_http_status"] = d.last_http_status;
    if (!d.last_error.empty()) row["last_error"] = d.last_error;
    if (d.claimed_until) row["claimed_us"] = pg::Micros(*d.claimed_until);
    rows.push_back(std::move(row));
  }
  // ORDER BY i: the identity hands out sequences in the order the rows are inserted. A
  // duplicate delivery_id is a unique violation of the whole statement (kAlreadyExists).
  auto inserted = pool_->Exec(
      "INSERT INTO webhook_deliveries (delivery_id, job_id, tenant_id, resource_type, event, url,"
      " payload, attempts, retries, max_attempts, timeout_ms, status, last_http_status,"
      " last_error, next_attempt_at, created_at, updated_at, claimed_until)"
      " SELECT delivery_id, job_id, tenant_id, resource_type, event, url, payload, attempts,"
      " retries, max_attempts, timeout_ms, status, last_http_status, last_error,"
      " gitops_ts(next_us), gitops_ts(created_us), gitops_ts(updated_us), gitops_ts(claimed_us)"
      " FROM jsonb_to_recordset($1::jsonb) AS r(i bigint, delivery_id text, job_id text,"
      " tenant_id text, resource_type text, event text, url text, payload text, attempts int,"
      " retries int, max_attempts int, timeout_ms int, status text, last_http_status int,"
      " last_error text, next_us bigint, created_us bigint, updated_us bigint, claimed_us bigint)"
      " ORDER BY i RETURNING delivery_id, sequence",
      {rows.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)});
  if (!inserted.ok()) {
    Error error = std::move(inserted).error();
    if (error.code == ErrorCode::kAlreadyExists) {
      error.message = "a delivery_id given already exists (" + error.message + ")";
    }
    return Unexpected(std::move(error));
  }
  std::unordered_map<std::string_view, int64_t> sequence_of;
  for (size_t r = 0; r < inserted->size(); ++r) {
    auto sequence = inserted->Int(r, 1);
    if (!sequence.ok()) return Unexpected(std::move(sequence).error());
    sequence_of.emplace(inserted->Text(r, 0), *sequence);
  }
  for (Delivery& d : deliveries) {
    auto it = sequence_of.find(d.delivery_id);
    if (it == sequence_of.end()) {
      return Unexpected(ErrorCode::kInternal, "delivery " + d.delivery_id + " was not stored");
    }
    d.sequence = it->second;
  }
  return deliveries;
}

Result<Delivery> PostgresDeliveryStore::Get(std::string_view delivery_id) {
  auto rows = pool_->Exec(
      std::string("SELECT ") + kColumns + " FROM webhook_deliveries WHERE delivery_id = $1",
      {std::string(delivery_id)});
  if (!rows.ok()) return Unexpected(std::move(rows).error());
  if (rows->empty()) return Unexpected(DeliveryNotFound(delivery_id));
  return DecodeDelivery(*rows, 0);
}

Status PostgresDeliveryStore::Update(const Delivery& d) {
  auto rows = pool_->Exec(
      "UPDATE webhook_deliveries SET job_id = $2, tenant_id = $3, resource_type = $4,"
      " event = $5, url = $6, payload = $7, attempts = $8, retries = $9, max_attempts = $10,"
      " timeout_ms = $11, status = $12, last_http_status = $13, last_error = $14,"
      " next_attempt_at = gitops_ts($15::bigint), updated_at = gitops_ts($16::bigint),"
      " claimed_until = gitops_ts($17::bigint)"
      " WHERE delivery_id = $1 RETURNING 1",
      {d.delivery_id, d.job_id, d.tenant_id, d.resource_type, d.event, d.url, d.payload,
       std::to_string(d.attempts), std::to_string(d.retries), std::to_string(d.max_attempts),
       std::to_string(d.timeout_ms), std::string(DeliveryStatusName(d.status)),
       StatusOrNull(d.last_http_status), TextOrNull(d.last_error),
       pg::MicrosParam(d.next_attempt_at), pg::MicrosParam(d.updated_at),
       TimeOrNull(d.claimed_until)});
  if (!rows.ok()) return Unexpected(std::move(rows).error());
  if (rows->empty()) return Unexpected(DeliveryNotFound(d.delivery_id));
  return OkStatus();
}

Result<std::optional<Delivery>> PostgresDeliveryStore::Claim(std::string_view delivery_id,
                                                             Clock::TimePoint now,
                                                             Clock::TimePoint lease_until) {
  // Under READ COMMITTED a concurrent claim blocks on the row lock, then re-checks the WHERE
  // against the committed row: the lease makes it not due, so it updates nothing.
  auto rows = pool_->Exec(
      std::string(
          "UPDATE webhook_deliveries SET attempts = attempts + 1,"
          " next_attempt_at = gitops_ts($3::bigint), claimed_until = gitops_ts($3::bigint),"
          " updated_at = gitops_ts($2::bigint) WHERE delivery_id = $1 AND status = 'pending'"
          " AND next_attempt_at <= gitops_ts($2::bigint) RETURNING ") +
          kColumns,
      {std::string(delivery_id), pg::MicrosParam(now), pg::MicrosParam(lease_until)});
  if (!rows.ok()) return Unexpected(std::move(rows).error());
  if (!rows->empty()) {
    auto claimed = DecodeDelivery(*rows, 0);
    if (!claimed.ok()) return Unexpected(std::move(claimed).error());
    return std::optional<Delivery>(*std::move(claimed));
  }
  // Nothing claimed: tell "not claimable" from "no such delivery" (the rare path).
  auto exists = pool_->Exec("SELECT 1 FROM webhook_deliveries WHERE delivery_id = $1",
                            {std::string(delivery_id)});
  if (!exists.ok()) return Unexpected(std::move(exists).error());
  if (exists->empty()) return Unexpected(DeliveryNotFound(delivery_id));
  return std::optional<Delivery>();
}

Result<std::vector<Delivery>> PostgresDeliveryStore::ClaimMany(
    const std::vector<std::string>& delivery_ids, Clock::TimePoint now,
    Clock::TimePoint lease_until) {
  if (delivery_ids.empty()) return std::vector<Delivery>();
  // The WHERE of Claim, per row: rows claimed concurrently elsewhere are re-checked after their
  // row lock is released and are left out.
  auto rows = pool_->Exec(
      std::string(
          "UPDATE webhook_deliveries SET attempts = attempts + 1,"
          " next_attempt_at = gitops_ts($3::bigint), claimed_until = gitops_ts($3::bigint),"
          " updated_at = gitops_ts($2::bigint)"
          " WHERE delivery_id = ANY($1::text[])"
          " AND status = 'pending' AND next_attempt_at <= gitops_ts($2::bigint) RETURNING ") +
          kColumns,
      {pg::TextArrayParam(delivery_ids), pg::MicrosParam(now), pg::MicrosParam(lease_until)});
  if (!rows.ok()) return Unexpected(std::move(rows).error());
  return DecodeAll(*rows);
}

Result<bool> PostgresDeliveryStore::RecordAttempt(const Delivery& outcome, int claimed_attempt) {
  // Conditional on the claim still being the stored one: a late outcome (lease ended, another
  // worker claimed a newer attempt, or a redelivery cleared the claim) updates nothing.
  auto rows = pool_->Exec(
      "UPDATE webhook_deliveries SET attempts = $3, status = $4, last_http_status = $5,"
      " last_error = $6, next_attempt_at = gitops_ts($7::bigint),"
      " updated_at = gitops_ts($8::bigint), claimed_until = NULL"
      " WHERE delivery_id = $1 AND attempts = $2 AND status = 'pending'"
      " AND claimed_until IS NOT NULL RETURNING 1",
      {outcome.delivery_id, std::to_string(claimed_attempt), std::to_string(outcome.attempts),
       std::string(DeliveryStatusName(outcome.status)), StatusOrNull(outcome.last_http_status),
       TextOrNull(outcome.last_error), pg::MicrosParam(outcome.next_attempt_at),
       pg::MicrosParam(outcome.updated_at)});
  if (!rows.ok()) return Unexpected(std::move(rows).error());
  if (!rows->empty()) return true;
  auto exists =
      pool_->Exec("SELECT 1 FROM webhook_deliveries WHERE delivery_id = $1", {outcome.delivery_id});
  if (!exists.ok()) return Unexpected(std::move(exists).error());
  if (exists->empty()) return Unexpected(DeliveryNotFound(outcome.delivery_id));
  return false;
}

Result<std::vector<bool>> PostgresDeliveryStore::RecordAttempts(
    const std::vector<Delivery>& outcomes) {
  if (outcomes.empty()) return std::vector<bool>();
  nlohmann::json rows = nlohmann::json::array();
  std::vector<std::string> ids;
  ids.reserve(outcomes.size());
  for (const Delivery& o : outcomes) {
    nlohmann::json row = {{"delivery_id", o.delivery_id},
                          {"attempts", o.attempts},
                          {"status", std::string(DeliveryStatusName(o.status))},
                          {"last_http_status", nullptr},
                          {"last_error", nullptr},
                          {"next_us", pg::Micros(o.next_attempt_at)},
                          {"updated_us", pg::Micros(o.updated_at)}};
    if (o.last_http_status != 0) row["last_http_status"] = o.last_http_status;
    if (!o.last_error.empty()) row["last_error"] = o.last_error;
    rows.push_back(std::move(row));
    ids.push_back(o.delivery_id);
  }
  // As RecordAttempt, per row: only while the stored delivery is still the claim's. $2 names
  // the rows for the planner (primary-key probes, see pg::TextArrayParam).
  auto applied = pool_->Exec(
      "UPDATE webhook_deliveries d SET attempts = r.attempts, status = r.status,"
      " last_http_status = r.last_http_status, last_error = r.last_error,"
      " next_attempt_at = gitops_ts(r.next_us), updated_at = gitops_ts(r.updated_us),"
      " claimed_until = NULL"
      " FROM jsonb_to_recordset($1::jsonb) AS r(delivery_id text, attempts int, status text,"
      " last_http_status int, last_error text, next_us bigint, updated_us bigint)"
      " WHERE d.delivery_id = r.delivery_id COLLATE \"C\" AND d.delivery_id = ANY($2::text[])"
      " AND d.attempts = r.attempts AND d.status = 'pending' AND d.claimed_until IS NOT NULL"
      " RETURNING d.delivery_id",
      {rows.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
       pg::TextArrayParam(ids)});
  if (!applied.ok()) return Unexpected(std::move(applied).error());
  std::set<std::string_view> done;
  for (size_t r = 0; r < applied->size(); ++r) done.insert(applied->Text(r, 0));
  std::vector<bool> out;
  out.reserve(outcomes.size());
  for (const Delivery& o : outcomes) out.push_back(done.count(o.delivery_id) > 0);
  return out;
}

Result<Delivery> PostgresDeliveryStore::Redeliver(std::string_view delivery_id,
                                                  Clock::TimePoint now) {
  // SET reads the row as it was: max_attempts grows only for a settled delivery. A row whose
  // claim is still leased is left alone (row-locked, so it waits for a concurrent claim).
  auto rows = pool_->Exec(
      std::string("UPDATE webhook_deliveries SET max_attempts = CASE WHEN status = 'pending'"
                  " THEN max_attempts ELSE attempts + 1 + retries END, status = 'pending',"
                  " next_attempt_at = gitops_ts($2::bigint), updated_at = gitops_ts($2::bigint),"
                  " claimed_until = NULL WHERE delivery_id = $1"
                  " AND (claimed_until IS NULL OR claimed_until <= gitops_ts($2::bigint))"
                  " RETURNING ") +
          kColumns,
      {std::string(delivery_id), pg::MicrosParam(now)});
  if (!rows.ok()) return Unexpected(std::move(rows).error());
  if (!rows->empty()) return DecodeDelivery(*rows, 0);
  auto exists = pool_->Exec("SELECT 1 FROM webhook_deliveries WHERE delivery_id = $1",
                            {std::string(delivery_id)});
  if (!exists.ok()) return Unexpected(std::move(exists).error());
  if (exists->empty()) return Unexpected(DeliveryNotFound(delivery_id));
  return Unexpected(ErrorCode::kFailedPrecondition,
                    "delivery " + std::string(delivery_id) +
                        " is being sent right now; try again when the attempt ends");
}

Result<std::vector<Delivery>> PostgresDeliveryStore::ListDue(
    Clock::TimePoint now, size_t limit, const std::set<std::string>& skip_urls) {
  auto rows = pool_->Exec(
      std::string("SELECT ") + kColumns +
          " FROM webhook_deliveries d"
          " WHERE d.status = 'pending' AND d.next_attempt_at <= gitops_ts($1::bigint)"
          " AND NOT EXISTS (SELECT 1 FROM webhook_deliveries e WHERE e.job_id = d.job_id"
          " AND e.status = 'pending' AND e.sequence < d.sequence)"
          " AND d.url <> ALL ($3::text[])"
          " ORDER BY d.next_attempt_at, d.sequence LIMIT $2::bigint",
      {pg::MicrosParam(now), std::to_string(limit),
       pg::TextArrayParam(std::vector<std::string>(skip_urls.begin(), skip_urls.end()))});
  if (!rows.ok()) return Unexpected(std::move(rows).error());
  return DecodeAll(*rows);
}

Result<std::vector<Delivery>> PostgresDeliveryStore::List(const DeliveryFilter& filter) {
  std::string sql = std::string("SELECT ") +
                    (filter.with_payload ? kColumns : kColumnsNoPayload) +
                    " FROM webhook_deliveries";
  pg::Params params;
  auto where = [&](const char* column, std::string value) {
    sql += params.empty() ? " WHERE " : " AND ";
    params.emplace_back(std::move(value));
    sql += std::string(column) + " = $" + std::to_string(params.size());
  };
  if (filter.tenant_id) where("tenant_id", *filter.tenant_id);
  if (filter.status) where("status", std::string(DeliveryStatusName(*filter.status)));
  if (filter.job_id) where("job_id", *filter.job_id);
  params.emplace_back(std::to_string(filter.limit));
  sql += " ORDER BY sequence DESC LIMIT $" + std::to_string(params.size()) + "::bigint";
  auto rows = pool_->Exec(sql, params);
  if (!rows.ok()) return Unexpected(std::move(rows).error());
  return DecodeAll(*rows);
}

Result<std::map<std::string, DeliveryCounts>> PostgresDeliveryStore::CountByJob(
    const std::vector<std::string>& job_ids) {
  std::map<std::string, DeliveryCounts> out;
  if (job_ids.empty()) return out;
  auto rows = pool_->Exec(
      "SELECT job_id, count(*) FILTER (WHERE status = 'pending'),"
      " count(*) FILTER (WHERE status = 'delivered'), count(*) FILTER (WHERE status = 'failed')"
      " FROM webhook_deliveries"
      " WHERE job_id = ANY($1::text[]) GROUP BY job_id",
      {pg::TextArrayParam(job_ids)});
  if (!rows.ok()) return Unexpected(std::move(rows).error());
  for (size_t r = 0; r < rows->size(); ++r) {
    DeliveryCounts counts;
    size_t* fields[] = {&counts.pending, &counts.delivered, &counts.failed};
    for (int c = 0; c < 3; ++c) {
      auto n = rows->Int(r, c + 1);
      if (!n.ok()) return Unexpected(std::move(n).error());
      *fields[c] = static_cast<size_t>(*n);
    }
    out.emplace(rows->Text(r, 0), counts);
  }
  return out;
}

}  // namespace gitops::webhook
