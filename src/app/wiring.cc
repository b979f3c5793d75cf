// Wiring shared by the dev-mode and production composition roots.
#include "app/wiring.h"

#include <spdlog/spdlog.h>

#include <utility>
#include <vector>

#include "api/errors.h"
#include "api/webhook_handlers.h"

namespace gitops::app {

Result<std::string> RepositoryManifestReader::ReadManifest(const config::ResourceTypeConfig& type,
                                                           std::string_view path) const {
  auto handle = repos_.Acquire(type);
  if (!handle.ok()) return std::move(handle).error();
  if (fetch_first_) GITOPS_RETURN_IF_ERROR(handle->repo().Fetch());
  return handle->repo().ReadFile(path);
}

namespace {

// The API's view of webhook deliveries: the delivery store, redelivery through the dispatcher,
// and the job's webhook_status brought back to "pending" when one of its deliveries is resent.
// In production a serve replica's dispatcher is never started: a redelivery makes the stored
// delivery due now and whichever worker polls first sends it.
class DispatcherDeliveryLedger final : public api::DeliveryLedger {
 public:
  DispatcherDeliveryLedger(webhook::DeliveryStore& store, webhook::Dispatcher& dispatcher,
                           pipeline::WebhookStatusTracker& tracker)
      : store_(store), dispatcher_(dispatcher), tracker_(tracker) {}

  Result<nlohmann::ordered_json> List(const api::DeliveryQuery& query) const override {
    webhook::DeliveryFilter filter;
    filter.tenant_id = query.tenant_id;
    filter.job_id = query.job_id;
    filter.limit = query.limit;
    if (query.status) {
      filter.status = webhook::ParseDeliveryStatus(*query.status);
      if (!filter.status) {
        return Unexpected(ErrorCode::kInvalidArgument, "unknown delivery status " + *query.status);
      }
    }
    auto found = store_.List(filter);
    if (!found.ok()) return std::move(found).error();
    return ToJson(*found);
  }

  Result<nlohmann::ordered_json> ForJob(std::string_view job_id) const override {
    auto found = tracker_.ForJob(std::string(job_id));
    if (!found.ok()) return std::move(found).error();
    return ToJson(*found);
  }

  Result<nlohmann::ordered_json> Redeliver(std::string_view delivery_id) override {
    auto delivery = dispatcher_.Redeliver(delivery_id);
    if (!delivery.ok()) return std::move(delivery).error();
    tracker_.Refresh(delivery->job_id);
    return webhook::DeliveryToJson(*delivery);
  }

 private:
  static nlohmann::ordered_json ToJson(const std::vector<webhook::Delivery>& deliveries) {
    nlohmann::ordered_json out = nlohmann::ordered_json::array();
    for (const auto& d : deliveries) out.push_back(webhook::DeliveryToJson(d));
    return out;
  }

  webhook::DeliveryStore& store_;
  webhook::Dispatcher& dispatcher_;
  pipeline::WebhookStatusTracker& tracker_;
};

}  // namespace

WebhookParts BuildWebhookParts(const config::Config& config,
                               std::unique_ptr<webhook::DeliveryStore> deliveries,
                               jobs::JobStore& jobs, const types::TypeRegistry& types,
                               const Clock& clock) {
  WebhookParts p;
  if (config.webhook_simulate) {
    p.webhooks = std::make_unique<pipeline::LogWebhookSender>(
        [](const std::string& line) { spdlog::info("{}", line); });
    return p;
  }
  p.deliveries = std::move(deliveries);
  p.http_sender = std::make_unique<webhook::CurlSender>();
  p.status = std::make_unique<pipeline::WebhookStatusTracker>(*p.deliveries, jobs);
  webhook::DispatcherOptions options;
  pipeline::WebhookStatusTracker* tracker = p.status.get();
  options.on_settled_many = [tracker](const std::vector<webhook::Delivery>& settled) {
    tracker->SettledMany(settled);
  };
  // Looked up at send time, so a pending delivery never holds the secret and a type added
  // later signs with its own.
  const types::TypeRegistry* registry = &types;
  webhook::SecretSource secrets = [registry](const std::string& resource_type) {
    types::TypePtr type = registry->Find(resource_type);
    return type ? type->webhook.secret : std::string();
  };
  p.dispatcher = std::make_unique<webhook::Dispatcher>(*p.deliveries, *p.http_sender, clock,
                                                       std::move(secrets), options);
  p.ledger = std::make_unique<DispatcherDeliveryLedger>(*p.deliveries, *p.dispatcher, *p.status);
  p.webhooks = std::make_unique<pipeline::DeliveryWebhookSender>(*p.dispatcher, *p.status);
  return p;
}

api::ApiOptions ApiOptionsFromConfig(const config::Config& config,
                                     const std::filesystem::path& swagger_dir,
                                     api::DeliveryLedger* deliveries) {
  api::ApiOptions options;
  options.tenant_header = config.tenant_header;
  options.cluster_header = config.cluster_header;
  options.require_tenant = config.require_tenant;
  options.swagger_dir = swagger_dir;
  options.type_defaults = config.type_defaults();
  options.deliveries = deliveries;
  return options;
}

Status ServeApi(api::Api& api, const config::Config& config, const std::string& host, int threads,
                std::unique_ptr<http::Router>& router, std::unique_ptr<http::Server>& server) {
  router = std::make_unique<http::Router>(api::FormatHttpError);
  GITOPS_RETURN_IF_ERROR(api.Register(*router));
  http::ServerOptions options;
  options.host = host;
  options.port = static_cast<uint16_t>(config.port);
  options.threads = threads;
  options.max_body_bytes = config.max_body_bytes;
  options.error_formatter = api::FormatHttpError;
  options.on_handler_exception = [](std::string_view what) {
    spdlog::error("handler exception: {}", what);
  };
  const http::Router* routes = router.get();
  server = std::make_unique<http::Server>(
      options, [routes](const http::Request& req) { return routes->Route(req); });
  return OkStatus();
}

}  // namespace gitops::app
