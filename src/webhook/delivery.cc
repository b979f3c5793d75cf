// Delivery status names and the API's JSON form of a delivery.
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

}  // namespace gitops::webhook
