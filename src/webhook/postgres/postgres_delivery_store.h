// PostgresDeliveryStore: the DeliveryStore of production mode, on the webhook_deliveries table
// (migrations/0001 + 0002). Deliveries survive process restarts, and every process sharing the
// database sees the same deliveries; Claim is one conditional UPDATE, so of two dispatchers
// (in any processes) racing for one delivery exactly one gets it.
#pragma once

#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "pg/pool.h"
#include "webhook/delivery.h"

namespace gitops::webhook {

class PostgresDeliveryStore final : public DeliveryStore {
 public:
  // `pool` must reach a database migrated with pg::Migrate (schema version 2 or later).
  explicit PostgresDeliveryStore(std::shared_ptr<pg::Pool> pool);

  // DeliveryStore; see delivery.h. Each method is one statement (one round trip, its own
  // transaction), thread-safe, holds no lock of this object, and returns kUnavailable while
  // PostgreSQL is down. Times are stored as timestamptz: whole microseconds are kept exactly,
  // finer parts are dropped.
  // One INSERT ... SELECT of the lot (a duplicate id fails the statement: nothing stored).
  Result<std::vector<Delivery>> AddMany(std::vector<Delivery> deliveries) override;
  Result<Delivery> Get(std::string_view delivery_id) override;
  Status Update(const Delivery& delivery) override;
  // UPDATE ... WHERE status = 'pending' AND next_attempt_at <= now RETURNING: row-locked, so
  // a concurrent claim waits and then sees the lease and gets nothing.
  Result<std::optional<Delivery>> Claim(std::string_view delivery_id, Clock::TimePoint now,
                                        Clock::TimePoint lease_until) override;
  // Claim's UPDATE for every id at once (one statement, one commit).
  Result<std::vector<Delivery>> ClaimMany(const std::vector<std::string>& delivery_ids,
                                          Clock::TimePoint now,
                                          Clock::TimePoint lease_until) override;
  // UPDATE ... WHERE attempts = claimed_attempt AND status = 'pending' AND claimed_until IS
  // NOT NULL: a late outcome updates no row. Writes only the attempt's columns (no payload).
  Result<bool> RecordAttempt(const Delivery& outcome, int claimed_attempt) override;
  // RecordAttempt's conditional UPDATE for the lot, one statement.
  Result<std::vector<bool>> RecordAttempts(const std::vector<Delivery>& outcomes) override;
  // UPDATE ... WHERE claimed_until IS NULL OR claimed_until <= now RETURNING.
  Result<Delivery> Redeliver(std::string_view delivery_id, Clock::TimePoint now) override;
  Result<std::vector<Delivery>> ListDue(Clock::TimePoint now, size_t limit,
                                        const std::set<std::string>& skip_urls) override;
  Result<std::vector<Delivery>> List(const DeliveryFilter& filter) override;
  // One GROUP BY job_id over the jobs' rows (the job index).
  Result<std::map<std::string, DeliveryCounts>> CountByJob(
      const std::vector<std::string>& job_ids) override;

 private:
  std::shared_ptr<pg::Pool> pool_;
};

}  // namespace gitops::webhook
