// In-memory DeliveryStore: a map by id, an index of pending deliveries per job, one mutex.
#include "webhook/memory/memory_delivery_store.h"

#include <algorithm>
#include <limits>
#include <set>

namespace gitops::webhook {
namespace {

// `d` as List returns it: a copy, without the payload (never copied) unless `with_payload`.
Delivery Listed(const Delivery& d, bool with_payload) {
  if (with_payload) return d;
  Delivery out;
  out.delivery_id = d.delivery_id;
  out.job_id = d.job_id;
  out.tenant_id = d.tenant_id;
  out.resource_type = d.resource_type;
  out.event = d.event;
  out.url = d.url;
  out.sequence = d.sequence;
  out.attempts = d.attempts;
  out.retries = d.retries;
  out.max_attempts = d.max_attempts;
  out.timeout_ms = d.timeout_ms;
  out.status = d.status;
  out.last_http_status = d.last_http_status;
  out.last_error = d.last_error;
  out.next_attempt_at = d.next_attempt_at;
  out.claimed_until = d.claimed_until;
  out.created_at = d.created_at;
  out.updated_at = d.updated_at;
  return out;
}

}  // namespace

Result<std::vector<Delivery>> MemoryDeliveryStore::AddMany(std::vector<Delivery> deliveries) {
  std::lock_guard lock(mu_);
  std::set<std::string_view> ids;
  for (const Delivery& d : deliveries) {
    GITOPS_RETURN_IF_ERROR(CheckNewDelivery(d));
    if (by_id_.count(d.delivery_id) || !ids.insert(d.delivery_id).second) {
      return Unexpected(ErrorCode::kAlreadyExists, "delivery " + d.delivery_id + " already exists");
    }
  }
  std::vector<Delivery> out;
  out.reserve(deliveries.size());
  for (Delivery& d : deliveries) out.push_back(Insert(std::move(d)));
  return out;
}

Delivery MemoryDeliveryStore::Insert(Delivery delivery) {
  delivery.sequence = next_sequence_++;
  by_sequence_[delivery.sequence] = delivery.delivery_id;
  by_job_[delivery.job_id].push_back(delivery.sequence);
  by_id_[delivery.delivery_id] = delivery;
  if (delivery.status == DeliveryStatus::kPending) {
    pending_[{delivery.job_id, delivery.sequence}] = delivery.delivery_id;
    RefreshHead(delivery.job_id);
  }
  return delivery;
}

Result<Delivery> MemoryDeliveryStore::Get(std::string_view delivery_id) {
  std::lock_guard lock(mu_);
  auto it = by_id_.find(std::string(delivery_id));
  if (it == by_id_.end()) return Unexpected(DeliveryNotFound(delivery_id));
  return it->second;
}

Status MemoryDeliveryStore::Update(const Delivery& delivery) {
  std::lock_guard lock(mu_);
  auto it = by_id_.find(delivery.delivery_id);
  if (it == by_id_.end()) return Unexpected(DeliveryNotFound(delivery.delivery_id));
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
  RefreshHead(stored.job_id);
  return OkStatus();
}

Result<std::optional<Delivery>> MemoryDeliveryStore::Claim(std::string_view delivery_id,
                                                           Clock::TimePoint now,
                                                           Clock::TimePoint lease_until) {
  std::lock_guard lock(mu_);
  auto it = by_id_.find(std::string(delivery_id));
  if (it == by_id_.end()) return Unexpected(DeliveryNotFound(delivery_id));
  Delivery& stored = it->second;
  if (stored.status != DeliveryStatus::kPending || stored.next_attempt_at > now) {
    return std::optional<Delivery>();
  }
  stored.attempts += 1;
  stored.next_attempt_at = lease_until;
  stored.claimed_until = lease_until;
  stored.updated_at = now;
  RefreshHead(stored.job_id);  // its due time, and so its place among the heads, moved
  return std::optional<Delivery>(stored);
}

Result<bool> MemoryDeliveryStore::RecordAttempt(const Delivery& outcome, int claimed_attempt) {
  std::lock_guard lock(mu_);
  auto it = by_id_.find(outcome.delivery_id);
  if (it == by_id_.end()) return Unexpected(DeliveryNotFound(outcome.delivery_id));
  Delivery& stored = it->second;
  if (stored.status != DeliveryStatus::kPending || !stored.claimed_until ||
      stored.attempts != claimed_attempt) {
    return false;
  }
  stored.attempts = outcome.attempts;
  stored.status = outcome.status;
  stored.last_http_status = outcome.last_http_status;
  stored.last_error = outcome.last_error;
  stored.next_attempt_at = outcome.next_attempt_at;
  stored.updated_at = outcome.updated_at;
  stored.claimed_until.reset();
  if (stored.status != DeliveryStatus::kPending) pending_.erase({stored.job_id, stored.sequence});
  RefreshHead(stored.job_id);
  return true;
}

Result<Delivery> MemoryDeliveryStore::Redeliver(std::string_view delivery_id,
                                                Clock::TimePoint now) {
  std::lock_guard lock(mu_);
  auto it = by_id_.find(std::string(delivery_id));
  if (it == by_id_.end()) return Unexpected(DeliveryNotFound(delivery_id));
  Delivery& stored = it->second;
  if (stored.claimed_until && *stored.claimed_until > now) {
    return Unexpected(ErrorCode::kFailedPrecondition,
                      "delivery " + stored.delivery_id +
                          " is being sent right now; try again when the attempt ends");
  }
  if (stored.status != DeliveryStatus::kPending) {
    stored.status = DeliveryStatus::kPending;
    stored.max_attempts = stored.attempts + 1 + stored.retries;
    pending_[{stored.job_id, stored.sequence}] = stored.delivery_id;
  }
  stored.next_attempt_at = now;
  stored.updated_at = now;
  stored.claimed_until.reset();
  RefreshHead(stored.job_id);
  return stored;
}

void MemoryDeliveryStore::RefreshHead(const std::string& job_id) {
  if (auto old = head_of_job_.find(job_id); old != head_of_job_.end()) {
    heads_.erase(old->second);
    head_of_job_.erase(old);
  }
  auto first = pending_.lower_bound({job_id, std::numeric_limits<int64_t>::min()});
  if (first == pending_.end() || first->first.first != job_id) return;
  const Delivery& head = by_id_.at(first->second);
  HeadKey key{head.next_attempt_at, head.sequence};
  heads_[key] = head.delivery_id;
  head_of_job_[job_id] = key;
}

Result<std::vector<Delivery>> MemoryDeliveryStore::ListDue(Clock::TimePoint now, size_t limit,
                                                           const std::set<std::string>& skip_urls) {
  std::lock_guard lock(mu_);
  std::vector<Delivery> out;
  for (auto it = heads_.begin(); it != heads_.end() && out.size() < limit; ++it) {
    if (it->first.first > now) break;
    const Delivery& d = by_id_.at(it->second);
    if (!skip_urls.count(d.url)) out.push_back(d);
  }
  return out;
}

Result<std::vector<Delivery>> MemoryDeliveryStore::List(const DeliveryFilter& filter) {
  std::vector<Delivery> out;
  std::lock_guard lock(mu_);
  if (filter.job_id) {  // a job's few deliveries, not a scan of all
    auto job = by_job_.find(*filter.job_id);
    if (job == by_job_.end()) return out;
    for (auto it = job->second.rbegin(); it != job->second.rend() && out.size() < filter.limit;
         ++it) {
      const Delivery& d = by_id_.at(by_sequence_.at(*it));
      if (filter.tenant_id && d.tenant_id != *filter.tenant_id) continue;
      if (filter.status && d.status != *filter.status) continue;
      out.push_back(Listed(d, filter.with_payload));
    }
    return out;
  }
  for (auto it = by_sequence_.rbegin(); it != by_sequence_.rend() && out.size() < filter.limit;
       ++it) {
    const Delivery& d = by_id_.at(it->second);
    if (filter.tenant_id && d.tenant_id != *filter.tenant_id) continue;
    if (filter.status && d.status != *filter.status) continue;
    if (filter.job_id && d.job_id != *filter.job_id) continue;
    out.push_back(Listed(d, filter.with_payload));
  }
  return out;
}

}  // namespace gitops::webhook
