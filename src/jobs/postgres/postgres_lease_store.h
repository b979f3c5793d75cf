// PostgresLeaseStore: one writer per repository across every worker, as a lease row with an
// expiry and a fencing token (repository_leases in migrations/). A writer acquires, renews
// while it works, calls CheckFencing right before every push, and releases.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "core/clock.h"
#include "core/result.h"
#include "pg/pool.h"

namespace gitops::jobs {

struct Lease {
  std::string repository;  // the partition the lease covers
  std::string holder;      // who holds it (worker identity), for operators
  int64_t token = 0;       // fencing token: larger for every new acquisition, store-wide
  std::chrono::milliseconds ttl{0};
  Clock::TimePoint expires_at{};
};

class PostgresLeaseStore {
 public:
  // Expiry is judged against `clock` when given (tests use a FakeClock; every worker then
  // relies on its own clock being right), else against the database server's clock
  // (clock_timestamp()), the one clock every worker shares: the production choice.
  PostgresLeaseStore(std::shared_ptr<pg::Pool> pool, const Clock* clock = nullptr);

  // Takes the lease of `repository` for `ttl` when nobody holds it or the last lease expired,
  // with a new fencing token. kAborted naming the current holder when it is held;
  // kInvalidArgument for an empty repository/holder or a ttl under 1 ms; kUnavailable when
  // PostgreSQL is down. Thread-safe.
  Result<Lease> Acquire(const std::string& repository, const std::string& holder,
                        std::chrono::milliseconds ttl);

  // Extends `lease` by its ttl from now and updates lease.expires_at. Succeeds as long as no
  // one took the lease over (even after it expired: the token proves nobody else wrote);
  // kFailedPrecondition when another acquisition replaced it or it was released.
  Status Renew(Lease& lease);

  // OK while `lease` is current: its token is the repository's and it has not expired. Call
  // right before each push; kFailedPrecondition otherwise (do not push: renew or give up).
  Status CheckFencing(const Lease& lease);

  // Gives the lease up if it is still `lease`'s (a replaced lease is left alone). Idempotent.
  Status Release(const Lease& lease);

 private:
  pg::Param NowParam() const;

  std::shared_ptr<pg::Pool> pool_;
  const Clock* clock_;
};

}  // namespace gitops::jobs
