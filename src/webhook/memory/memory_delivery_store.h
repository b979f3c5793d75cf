// MemoryDeliveryStore: the in-process DeliveryStore of dev mode and tests (lost on restart).
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>
#include <utility>

#include "webhook/delivery.h"

namespace gitops::webhook {

class MemoryDeliveryStore final : public DeliveryStore {
 public:
  Result<std::vector<Delivery>> AddMany(std::vector<Delivery> deliveries) override;
  Result<Delivery> Get(std::string_view delivery_id) override;
  Status Update(const Delivery& delivery) override;
  Result<std::optional<Delivery>> Claim(std::string_view delivery_id, Clock::TimePoint now,
                                        Clock::TimePoint lease_until) override;
  Result<bool> RecordAttempt(const Delivery& outcome, int claimed_attempt) override;
  Result<Delivery> Redeliver(std::string_view delivery_id, Clock::TimePoint now) override;
  Result<std::vector<Delivery>> ListDue(Clock::TimePoint now, size_t limit,
                                        const std::set<std::string>& skip_urls) override;
  Result<std::vector<Delivery>> List(const DeliveryFilter& filter) override;

 private:
  using HeadKey = std::pair<Clock::TimePoint, int64_t>;  // (next_attempt_at, sequence)

  // Stores `delivery` (checked, id free) with the next sequence. Caller holds mu_.
  Delivery Insert(Delivery delivery);
  // Re-derives the head of `job_id`'s pending queue in heads_. Caller holds mu_.
  void RefreshHead(const std::string& job_id);

  std::mutex mu_;
  int64_t next_sequence_ = 1;
  std::unordered_map<std::string, Delivery> by_id_;
  // Pending deliveries by (job_id, sequence): the first entry of a job is its queue's head.
  std::map<std::pair<std::string, int64_t>, std::string> pending_;
  // The head of every job's pending queue, by due time: ListDue reads only what is due.
  std::map<HeadKey, std::string> heads_;
  std::unordered_map<std::string, HeadKey> head_of_job_;
  std::map<int64_t, std::string> by_sequence_;
  // Every delivery of a job, by sequence (increasing): List by job_id reads only those.
  std::unordered_map<std::string, std::vector<int64_t>> by_job_;
};

}  // namespace gitops::webhook
