// WebhookHandlers: the webhook delivery log (GET /api/v1/webhooks/deliveries) and redelivery
// (POST /api/v1/webhooks/deliveries/{id}/redeliver), over the narrow DeliveryLedger interface
// so this folder never depends on the delivery machinery (libcurl, the dispatcher).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "api/validation.h"
#include "core/result.h"
#include "http/router.h"

namespace gitops::api {

struct DeliveryQuery {
  std::optional<std::string> tenant_id;
  std::optional<std::string> status;  // "pending", "delivered" or "failed"
  std::optional<std::string> job_id;
  size_t limit = 100;
};

// Webhook deliveries as the API shows them: JSON objects {delivery_id, job_id, tenant_id,
// resource_type, event, url, status, attempts, max_attempts, last_http_status, last_error,
// next_attempt_at, created_at, updated_at}. Implemented by the composition root. Thread-safe.
class DeliveryLedger {
 public:
  virtual ~DeliveryLedger() = default;
  // Deliveries matching every set field, newest first, at most query.limit (a JSON array).
  // Errors: the store's (kUnavailable).
  virtual Result<nlohmann::ordered_json> List(const DeliveryQuery& query) const = 0;
  // The deliveries of one job, oldest first (a JSON array; empty for an unknown job).
  virtual Result<nlohmann::ordered_json> ForJob(std::string_view job_id) const = 0;
  // Sends a delivery again under the same delivery_id and returns it (now pending).
  // Errors: kNotFound, kFailedPrecondition (an attempt is in flight right now).
  virtual Result<nlohmann::ordered_json> Redeliver(std::string_view delivery_id) = 0;
};

class WebhookHandlers {
 public:
  // `ledger` may be null (webhooks simulated: nothing is stored, lists are empty); otherwise it
  // must outlive this object and the router it registers on.
  WebhookHandlers(DeliveryLedger* ledger, IdentityOptions options);

  // Adds GET /api/v1/webhooks/deliveries and POST /api/v1/webhooks/deliveries/{id}/redeliver.
  Status Register(http::Router& router);

  // ?tenant_id= (or the tenant header), ?status= (pending|delivered|failed), ?job_id=,
  // ?limit= (1..1000, default 100): 200 {"deliveries": [...], "count"}; 400 naming a bad
  // parameter; 503 when the store is down.
  http::Response List(const http::Request& req) const;
  // 202 with the delivery (status pending); 404 {"error": "Delivery not found"}; 409 when an
  // attempt is in flight.
  http::Response Redeliver(std::string_view delivery_id) const;
  // The job's deliveries for GET /api/v1/status/<id> (oldest first); [] without a ledger or
  // when the store cannot answer (the job itself is still shown).
  nlohmann::ordered_json ForJob(std::string_view job_id) const;

 private:
  DeliveryLedger* ledger_;
  const IdentityOptions options_;
};

}  // namespace gitops::api
