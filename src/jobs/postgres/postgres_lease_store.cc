// PostgresLeaseStore: repository leases with fencing tokens, each operation one statement.
#include "jobs/postgres/postgres_lease_store.h"

#include <utility>

#include "pg/values.h"

namespace gitops::jobs {
namespace {

// $n is the Clock's now in microseconds, or NULL for the database's clock.
std::string Now(int n) {
  return "coalesce(gitops_ts($" + std::to_string(n) + "::bigint), clock_timestamp())";
}

Error Lost(const Lease& lease) {
  return MakeError(ErrorCode::kFailedPrecondition, "lease of repository " + lease.repository +
                                                       " (token " + std::to_string(lease.token) +
                                                       ") is no longer held by " + lease.holder);
}

}  // namespace

PostgresLeaseStore::PostgresLeaseStore(std::shared_ptr<pg::Pool> pool, const Clock* clock)
    : pool_(std::move(pool)), clock_(clock) {}

pg::Param PostgresLeaseStore::NowParam() const {
  if (clock_ == nullptr) return std::nullopt;
  return pg::MicrosParam(clock_->Now());
}

Result<Lease> PostgresLeaseStore::Acquire(const std::string& repository, const std::string& holder,
                                          std::chrono::milliseconds ttl) {
  if (repository.empty() || holder.empty()) {
    return Unexpected(ErrorCode::kInvalidArgument, "a lease needs a repository and a holder");
  }
  if (ttl.count() < 1) {
    return Unexpected(ErrorCode::kInvalidArgument, "a lease needs a ttl of at least 1 ms");
  }
  // The conflict branch only fires for an expired lease; the row lock of the upsert makes
  // two acquirers of one expired lease take turns, and the second sees the first's expiry.
  auto rows = pool_->Exec(
      "INSERT INTO repository_leases AS l (repository, holder, token, expires_at)"
      " VALUES ($1, $2, nextval('lease_tokens'), " +
          Now(3) +
          " + $4::bigint * interval '1 millisecond')"
          " ON CONFLICT (repository) DO UPDATE SET holder = excluded.holder,"
          " token = excluded.token, expires_at = excluded.expires_at"
          " WHERE l.expires_at <= " +
          Now(3) + " RETURNING token, gitops_us(expires_at)",
      {repository, holder, NowParam(), std::to_string(ttl.count())});
  if (!rows.ok()) return Unexpected(std::move(rows).error());
  if (rows->empty()) {
    auto current = pool_->Exec(
        "SELECT holder, gitops_us(expires_at) FROM repository_leases WHERE repository = $1",
        {repository});
    std::string who = current.ok() && !current->empty() ? " by " + std::string(current->Text(0, 0))
                                                        : std::string();
    return Unexpected(ErrorCode::kAborted,
                      "repository " + repository + " is leased" + who + "; retry later");
  }
  auto token = rows->Int(0, 0);
  auto expires = pg::TimeAt(*rows, 0, 1);
  if (!token.ok() || !expires.ok()) {
    return Unexpected(ErrorCode::kInternal, "unexpected lease row from PostgreSQL");
  }
  return Lease{repository, holder, *token, ttl, *expires};
}

Status PostgresLeaseStore::Renew(Lease& lease) {
  auto rows = pool_->Exec(
      "UPDATE repository_leases SET expires_at = " + Now(3) +
          " + $4::bigint * interval '1 millisecond'"
          " WHERE repository = $1 AND token = $2::bigint RETURNING gitops_us(expires_at)",
      {lease.repository, std::to_string(lease.token), NowParam(),
       std::to_string(lease.ttl.count())});
  if (!rows.ok()) return Unexpected(std::move(rows).error());
  if (rows->empty()) return Unexpected(Lost(lease));
  auto expires = pg::TimeAt(*rows, 0, 0);
  if (!expires.ok()) return Unexpected(std::move(expires).error());
  lease.expires_at = *expires;
  return OkStatus();
}

Status PostgresLeaseStore::CheckFencing(const Lease& lease) {
  auto rows = pool_->Exec(
      "SELECT 1 FROM repository_leases WHERE repository = $1"
      " AND token = $2::bigint AND expires_at > " +
          Now(3),
      {lease.repository, std::to_string(lease.token), NowParam()});
  if (!rows.ok()) return Unexpected(std::move(rows).error());
  if (rows->empty()) return Unexpected(Lost(lease));
  return OkStatus();
}

Status PostgresLeaseStore::Release(const Lease& lease) {
  auto rows =
      pool_->Exec("DELETE FROM repository_leases WHERE repository = $1 AND token = $2::bigint",
                  {lease.repository, std::to_string(lease.token)});
  if (!rows.ok()) return Unexpected(std::move(rows).error());
  return OkStatus();
}

}  // namespace gitops::jobs
