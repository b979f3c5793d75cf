// Api: the REST API of gitops-api assembled from its handler groups (resources, queries, types,
// docs, health) and registered on an http::Router. Constructed by the composition root from
// narrow interfaces; holds no state of its own besides them.
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "api/docs_handlers.h"
#include "api/errors.h"
#include "api/manifest_reader.h"
#include "api/query_handlers.h"
#include "api/resource_handlers.h"
#include "api/type_handlers.h"
#include "api/validation.h"
#include "api/webhook_handlers.h"

namespace gitops::api {

// One dependency probed by GET /readyz: OK when usable, else an error whose message says why.
// Called from I/O threads, concurrently; should answer quickly.
using ReadinessCheck = std::function<Status()>;

struct ApiOptions {
  std::string tenant_header = "X-Tenant-ID";    // Config::tenant_header
  std::string cluster_header = "X-Cluster-ID";  // Config::cluster_header
  bool require_tenant = true;                   // Config::require_tenant
  std::filesystem::path swagger_dir;            // swagger-ui-dist files; empty = none
  config::TypeDefaults type_defaults;           // Config::type_defaults()
  std::string version = "2.0.0";                // info.version of the OpenAPI document
  std::vector<std::pair<std::string, ReadinessCheck>> readiness_checks;  // name -> probe
  // Webhook deliveries (GET /api/v1/webhooks/deliveries, redelivery, the job status's
  // "deliveries"); null when webhooks are simulated. Must outlive the Api.
  DeliveryLedger* deliveries = nullptr;
  // How submissions are stored (reservation + job): production passes PostgresJobStore, which
  // groups concurrent ones into one transaction; null = a jobs::SeparateSubmitter over the
  // store and the PendingOps. Must outlive the Api.
  jobs::Submitter* submitter = nullptr;
  // The submitter also enqueues every job it stores before its Submit returns (production:
  // PostgresJobStoreOptions::dispatch), so the API does not call JobQueue::Enqueue itself.
  bool submitter_dispatches = false;
};

class Api {
 public:
  // Every reference must outlive the Api and any router it registers on.
  Api(jobs::JobStore& store, jobs::JobQueue& queue, index::ResourceIndex& index,
      index::PendingOps& pending, types::TypeRegistry& registry, const ManifestReader& manifests,
      ApiOptions options);

  // Adds every route (see the handler groups, plus GET /healthz and GET /readyz) to `router`,
  // which should be built with FormatHttpError so its 404/405 bodies match ours. Returns the
  // router's error if a route clashes with one already registered. Call once, before serving.
  Status Register(http::Router& router);

  // 200 {"status": "ok"}.
  http::Response Health() const;
  // 200 {"status": "ready", "checks": {name: "ok"}} when every check passes; else 503
  // {"error": "Not ready: <name> (<why>), ...", "code": "unavailable", "details": null,
  // "checks": {name: "ok" | why}}.
  http::Response Ready() const;

 private:
  ResourceHandlers resources_;
  WebhookHandlers webhooks_;  // before queries_, which reads it
  QueryHandlers queries_;
  TypeHandlers types_;
  DocsHandlers docs_;
  std::vector<std::pair<std::string, ReadinessCheck>> readiness_checks_;
};

}  // namespace gitops::api
