// Wiring shared by the two composition roots (dev mode app.cc, production_app.cc): the direct
// read ManifestReader, the webhook delivery parts, and the API and HTTP server options.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "api/api.h"
#include "api/manifest_reader.h"
#include "config/config.h"
#include "core/clock.h"
#include "core/result.h"
#include "http/router.h"
#include "http/server.h"
#include "jobs/job_store.h"
#include "pipeline/repository_set.h"
#include "pipeline/webhook.h"
#include "types/type_registry.h"
#include "webhook/curl/curl_sender.h"
#include "webhook/delivery.h"
#include "webhook/dispatcher.h"

namespace gitops::app {

// Direct reads (GET /api/v1/<type>/<name>) read the manifest from the type's repository cache.
// With `fetch_first` the cache is fetched from the remote before each read: in production
// another process writes the repository, so this replica's cache is never assumed current.
class RepositoryManifestReader final : public api::ManifestReader {
 public:
  RepositoryManifestReader(pipeline::RepositorySet& repos, bool fetch_first)
      : repos_(repos), fetch_first_(fetch_first) {}
  Result<std::string> ReadManifest(const config::ResourceTypeConfig& type,
                                   std::string_view path) const override;

 private:
  pipeline::RepositorySet& repos_;
  const bool fetch_first_;
};

// Everything webhook notifications need. Simulated (WEBHOOK_SIMULATE=true): only `webhooks`
// (a logging sender) is set. Otherwise deliveries go to `deliveries` through `dispatcher`, the
// job's metadata.webhook_status follows them, and `ledger` serves the delivery API.
struct WebhookParts {
  std::unique_ptr<webhook::DeliveryStore> deliveries;
  std::unique_ptr<webhook::CurlSender> http_sender;
  std::unique_ptr<pipeline::WebhookStatusTracker> status;
  std::unique_ptr<webhook::Dispatcher> dispatcher;  // Start()ed by whoever sends
  std::unique_ptr<api::DeliveryLedger> ledger;
  std::unique_ptr<pipeline::WebhookSender> webhooks;
};

// Builds the webhook parts for `config` over `deliveries` (ignored when simulated). Secrets
// are looked up in `types` at send time, so a pending delivery never holds one. `jobs`,
// `types` and `clock` must outlive the parts.
WebhookParts BuildWebhookParts(const config::Config& config,
                               std::unique_ptr<webhook::DeliveryStore> deliveries,
                               jobs::JobStore& jobs, const types::TypeRegistry& types,
                               const Clock& clock);

// The API options every mode shares (headers, tenant rule, type defaults, Swagger UI assets,
// the delivery ledger or null).
api::ApiOptions ApiOptionsFromConfig(const config::Config& config,
                                     const std::filesystem::path& swagger_dir,
                                     api::DeliveryLedger* deliveries);

// Registers every route of `api` on a new `router` and builds `server` (host:config.port,
// `threads` handler threads, errors formatted as the API's JSON) routing to it;
// `api` must outlive both. Error: a route clash.
Status ServeApi(api::Api& api, const config::Config& config, const std::string& host, int threads,
                std::unique_ptr<http::Router>& router, std::unique_ptr<http::Server>& server);

}  // namespace gitops::app
