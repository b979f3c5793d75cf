// ForwardingDeliveryStore: a test DeliveryStore that hands every call to another store, so a
// test can override the one or two calls it counts or hooks and keep the rest real.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "webhook/delivery.h"

namespace gitops::webhook::testing {

class ForwardingDeliveryStore : public DeliveryStore {
 public:
  // `inner` must outlive this store.
  explicit ForwardingDeliveryStore(DeliveryStore& inner) : inner_(inner) {}

  Result<std::vector<Delivery>> AddMany(std::vector<Delivery> ds) override {
    return inner_.AddMany(std::move(ds));
  }
  Result<Delivery> Get(std::string_view id) override { return inner_.Get(id); }
  Status Update(const Delivery& d) override { return inner_.Update(d); }
  Result<std::optional<Delivery>> Claim(std::string_view id, Clock::TimePoint now,
                                        Clock::TimePoint lease_until) override {
    return inner_.Claim(id, now, lease_until);
  }
  Result<std::vector<Delivery>> ClaimMany(const std::vector<std::string>& ids,
                                          Clock::TimePoint now,
                                          Clock::TimePoint lease_until) override {
    return inner_.ClaimMany(ids, now, lease_until);
  }
  Result<bool> RecordAttempt(const Delivery& outcome, int claimed_attempt) override {
    return inner_.RecordAttempt(outcome, claimed_attempt);
  }
  Result<std::vector<bool>> RecordAttempts(const std::vector<Delivery>& outcomes) override {
    return inner_.RecordAttempts(outcomes);
  }
  Result<Delivery> Redeliver(std::string_view id, Clock::TimePoint now) override {
    return inner_.Redeliver(id, now);
  }
  Result<std::vector<Delivery>> ListDue(Clock::TimePoint now, size_t limit,
                                        const std::set<std::string>& skip_urls) override {
    return inner_.ListDue(now, limit, skip_urls);
  }
  Result<std::vector<Delivery>> List(const DeliveryFilter& filter) override {
    return inner_.List(filter);
  }
  Result<std::map<std::string, DeliveryCounts>> CountByJob(
      const std::vector<std::string>& job_ids) override {
    return inner_.CountByJob(job_ids);
  }

 private:
  DeliveryStore& inner_;
};

}  // namespace gitops::webhook::testing
