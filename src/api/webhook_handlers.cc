// Webhook delivery log and redelivery.
#include "api/webhook_handlers.h"

#include <charconv>

#include "api/errors.h"
#include "core/ids.h"

namespace gitops::api {
namespace {

constexpr size_t kMaxLimit = 1000;

Error BadParameter(std::string message, std::string_view parameter) {
  return MakeError(ErrorCode::kInvalidArgument, std::move(message), std::string(parameter));
}

}  // namespace

WebhookHandlers::WebhookHandlers(DeliveryLedger* ledger, IdentityOptions options)
    : ledger_(ledger), options_(std::move(options)) {}

Status WebhookHandlers::Register(http::Router& router) {
  GITOPS_RETURN_IF_ERROR(router.Add(
      "GET", "/api/v1/webhooks/deliveries",
      Guard([this](const http::Request& req, const http::PathParams&) { return List(req); })));
  return router.Add("POST", "/api/v1/webhooks/deliveries/{delivery_id}/redeliver",
                    Guard([this](const http::Request&, const http::PathParams& params) {
                      return Redeliver(params.Get("delivery_id"));
                    }));
}

http::Response WebhookHandlers::List(const http::Request& req) const {
  DeliveryQuery query;
  auto identity = ResolveIdentity(req, nullptr, options_);
  if (!identity) return ErrorResponse(identity.error());
  if (identity->tenant_id) {
    Status valid = CheckLabel(*identity->tenant_id, "tenant ID", "tenant_id");
    if (!valid.ok()) return ErrorResponse(valid.error());
    query.tenant_id = *identity->tenant_id;
  }
  if (auto status = req.Query("status"); status && !status->empty()) {
    if (*status != "pending" && *status != "delivered" && *status != "failed") {
      return ErrorResponse(BadParameter("Invalid status '" + QuoteForMessage(*status) +
                                            "': expected pending, delivered or failed",
                                        "status"));
    }
    query.status = std::string(*status);
  }
  if (auto job = req.Query("job_id"); job && !job->empty()) {
    if (!IsUuid(*job)) {
      return ErrorResponse(
          BadParameter("Invalid job_id '" + QuoteForMessage(*job) + "': not a job id", "job_id"));
    }
    query.job_id = std::string(*job);
  }
  if (auto limit = req.Query("limit"); limit && !limit->empty()) {
    size_t value = 0;
    auto [end, ec] = std::from_chars(limit->data(), limit->data() + limit->size(), value);
    if (ec != std::errc() || end != limit->data() + limit->size() || value < 1 ||
        value > kMaxLimit) {
      return ErrorResponse(BadParameter("Invalid limit '" + QuoteForMessage(*limit) +
                                            "': must be an integer from 1 to " +
                                            std::to_string(kMaxLimit),
                                        "limit"));
    }
    query.limit = value;
  }
  Json deliveries = Json::array();
  if (ledger_) {
    auto found = ledger_->List(query);
    if (!found) return ErrorResponse(found.error());
    deliveries = std::move(*found);
  }
  Json out = Json::object();
  out["count"] = deliveries.size();
  out["deliveries"] = std::move(deliveries);
  return JsonResponse(200, out);
}

http::Response WebhookHandlers::Redeliver(std::string_view delivery_id) const {
  if (!ledger_ || !IsUuid(delivery_id)) {
    return FormatHttpError(404, "Delivery not found", QuoteForMessage(delivery_id));
  }
  auto delivery = ledger_->Redeliver(delivery_id);
  if (!delivery) {
    if (delivery.error().code == ErrorCode::kNotFound) {
      return FormatHttpError(404, "Delivery not found", std::string(delivery_id));
    }
    return ErrorResponse(delivery.error());
  }
  return JsonResponse(202, *delivery);
}

Json WebhookHandlers::ForJob(std::string_view job_id) const {
  if (!ledger_) return Json::array();
  auto found = ledger_->ForJob(job_id);
  return found ? std::move(*found) : Json::array();
}

}  // namespace gitops::api
