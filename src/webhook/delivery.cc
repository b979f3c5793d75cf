// Delivery status names, the API's JSON form of a delivery, the stores' shared errors, and
// DeliveryStore's Add and default batch calls.
#include "webhook/delivery.h"

namespace gitops::webhook {

std::string_view DeliveryStatusName(DeliveryStatus status) {
  switch (status) {
    case DeliveryStatus::kPending:
      return "pending";
    case DeliveryStatus::kDelivered:
      return "delivered";
    case DeliveryStatus::kFailed:
      return "failed";
  }
  return "pending";
}

std::optional<DeliveryStatus> ParseDeliveryStatus(std::string_view name) {
  for (DeliveryStatus status :
       {DeliveryStatus::kPending, DeliveryStatus::kDelivered, DeliveryStatus::kFailed}) {
    if (DeliveryStatusName(status) == name) return status;
  }
  return std::nullopt;
}

nlohmann::ordered_json DeliveryToJson(const Delivery& delivery, bool with_payload) {
  nlohmann::ordered_json out = nlohmann::ordered_json::object();
  out["delivery_id"] = delivery.delivery_id;
  out["job_id"] = delivery.job_id;
  out["tenant_id"] = delivery.tenant_id;
  out["resource_type"] = delivery.resource_type;
  out["event"] = delivery.event;
  out["url"] = delivery.url;
  out["status"] = std::string(DeliveryStatusName(delivery.status));
  out["attempts"] = delivery.attempts;
  out["max_attempts"] = delivery.max_attempts;
  out["last_http_status"] = delivery.last_http_status == 0
                                ? nlohmann::ordered_json()
                                : nlohmann::ordered_json(delivery.last_http_status);
  out["last_error"] = delivery.last_error.empty() ? nlohmann::ordered_json()
                                                  : nlohmann::ordered_json(delivery.last_error);
  out["next_attempt_at"] = delivery.status == DeliveryStatus::kPending
                               ? nlohmann::ordered_json(FormatIso8601(delivery.next_attempt_at))
                               : nlohmann::ordered_json();
  out["created_at"] = FormatIso8601(delivery.created_at);
  out["updated_at"] = FormatIso8601(delivery.updated_at);
  if (with_payload) {
    out["payload"] = nlohmann::ordered_json::parse(delivery.payload, nullptr, false);
  }
  return out;
}

Status CheckNewDelivery(const Delivery& delivery) {
  if (delivery.delivery_id.empty() || delivery.job_id.empty()) {
    return Unexpected(ErrorCode::kInvalidArgument, "a delivery needs a delivery_id and a job_id");
  }
  return OkStatus();
}

Error DeliveryNotFound(std::string_view delivery_id) {
  return MakeError(ErrorCode::kNotFound, "delivery " + std::string(delivery_id) + " not found");
}

Result<Delivery> DeliveryStore::Add(Delivery delivery) {
  std::vector<Delivery> one;
  one.push_back(std::move(delivery));
  auto added = AddMany(std::move(one));
  if (!added) return std::move(added).error();
  return std::move(added->front());
}

Result<std::vector<Delivery>> DeliveryStore::ClaimMany(const std::vector<std::string>& delivery_ids,
                                                       Clock::TimePoint now,
                                                       Clock::TimePoint lease_until) {
  std::vector<Delivery> out;
  for (const std::string& id : delivery_ids) {
    auto claimed = Claim(id, now, lease_until);
    if (!claimed.ok()) {
      if (claimed.error().code == ErrorCode::kNotFound) continue;
      return std::move(claimed).error();
    }
    if (*claimed) out.push_back(**std::move(claimed));
  }
  return out;
}

Result<std::vector<bool>> DeliveryStore::RecordAttempts(const std::vector<Delivery>& outcomes) {
  std::vector<bool> out;
  out.reserve(outcomes.size());
  for (const Delivery& outcome : outcomes) {
    auto recorded = RecordAttempt(outcome, outcome.attempts);
    if (!recorded.ok() && recorded.error().code != ErrorCode::kNotFound) {
      return std::move(recorded).error();
    }
    out.push_back(recorded.ok() && *recorded);
  }
  return out;
}

Result<std::map<std::string, DeliveryCounts>> DeliveryStore::CountByJob(
    const std::vector<std::string>& job_ids) {
  std::map<std::string, DeliveryCounts> out;
  for (const std::string& job_id : job_ids) {
    if (out.count(job_id)) continue;
    DeliveryFilter filter;
    filter.job_id = job_id;
    filter.limit = 1'000'000;  // far above any job's (at most one per stage)
    filter.with_payload = false;
    auto found = List(filter);
    if (!found.ok()) return std::move(found).error();
    if (found->empty()) continue;
    DeliveryCounts& counts = out[job_id];
    for (const Delivery& d : *found) {
      switch (d.status) {
        case DeliveryStatus::kPending: ++counts.pending; break;
        case DeliveryStatus::kDelivered: ++counts.delivered; break;
        case DeliveryStatus::kFailed: ++counts.failed; break;
      }
    }
  }
  return out;
}

}  // namespace gitops::webhook
