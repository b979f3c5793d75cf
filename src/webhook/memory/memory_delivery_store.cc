// In-memory DeliveryStore: a map by id, an index of pending deliveries per job, one mutex.
#include "webhook/memory/memory_delivery_store.h"

#include <algorithm>

namespace gitops::webhook {

Result<Delivery> MemoryDeliveryStore::Add(Delivery delivery) {
  if (delivery.delivery_id.empty() || delivery.job_id.empty()) {
    return Unexpected(ErrorCode::kInvalidArgument, "a delivery needs a delivery_id and a job_id");
  }
  std::lock_guard lock(mu_);
  if (by_id_.count(delivery.delivery_id)) {
    return Unexpected(ErrorCode::kAlreadyExists,
                      "delivery " + delivery.delivery_id + " already exists");
  }
  delivery.sequence = next_sequence_++;
  if (delivery.status == DeliveryStatus::kPending) {
    pending_[{delivery.job_id, delivery.sequence}] = delivery.delivery_id;
  }
  by_sequence_[delivery.sequence] = delivery.delivery_id;
  by_id_[delivery.delivery_id] = delivery;
  return delivery;
}

Result<Delivery> MemoryDeliveryStore::Get(std::string_view delivery_id) {
  std::lock_guard lock(mu_);
  auto it = by_id_.find(std::string(delivery_id));
  if (it == by_id_.end()) {
    return Unexpected(ErrorCode::kNotFound, "delivery " + std::string(delivery_id) + " not found");
  }
  return it->second;
}

Status MemoryDeliveryStore::Update(const Delivery& delivery) {
  std::lock_guard lock(mu_);
  auto it = by_id_.find(delivery.delivery_id);
  if (it == by_id_.end()) {
    return Unexpected(ErrorCode::kNotFound, "delivery " + delivery.delivery_id + " not found");
  }
  Delivery& stored = it->second;
  pending_.erase({stored.job_id, stored.sequence});
  const int64_t sequence = stored.sequence;
  const Clock::TimePoint created_at = stored.created_at;
  stored = delivery;
  stored.sequence = sequence;
  stored.created_at = created_at;
  if (stored.status == DeliveryStatus::kPending) {
    pending_[{stored.job_id, stored.sequence}] = stored.delivery_id;
  }
  return OkStatus();
}

Result<std::vector<Delivery>> MemoryDeliveryStore::ListDue(Clock::TimePoint now, size_t limit,
                                                           const std::set<std::string>& skip_urls) {
  std::vector<Delivery> due;
  {
    std::lock_guard lock(mu_);
    const std::string* previous_job = nullptr;
    for (const auto& [key, id] : pending_) {
      if (previous_job != nullptr && *previous_job == key.first) continue;  // not the head
      previous_job = &key.first;
      const Delivery& d = by_id_.at(id);
      if (d.next_attempt_at > now || skip_urls.count(d.url)) continue;
      due.push_back(d);
    }
  }
  std::sort(due.begin(), due.end(), [](const Delivery& a, const Delivery& b) {
    if (a.next_attempt_at != b.next_attempt_at) return a.next_attempt_at < b.next_attempt_at;
    return a.sequence < b.sequence;
  });
  if (due.size() > limit) due.resize(limit);
  return due;
}

Result<std::vector<Delivery>> MemoryDeliveryStore::List(const DeliveryFilter& filter) {
  std::vector<Delivery> out;
  std::lock_guard lock(mu_);
  for (auto it = by_sequence_.rbegin(); it != by_sequence_.rend() && out.size() < filter.limit;
       ++it) {
    const Delivery& d = by_id_.at(it->second);
    if (filter.tenant_id && d.tenant_id != *filter.tenant_id) continue;
    if (filter.status && d.status != *filter.status) continue;
    if (filter.job_id && d.job_id != *filter.job_id) continue;
    out.push_back(d);
  }
  return out;
}

}  // namespace gitops::webhook
