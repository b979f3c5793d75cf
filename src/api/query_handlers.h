// QueryHandlers: job status, job listing and the tenant views (metrics, resources). Read-only.
#pragma once

#include "api/validation.h"
#include "api/webhook_handlers.h"
#include "http/router.h"
#include "index/resource_index.h"
#include "jobs/job_store.h"
#include "types/type_registry.h"

namespace gitops::api {

class QueryHandlers {
 public:
  // Every reference must outlive this object and the router it registers on.
  // `webhooks` (may be null) adds each job's webhook deliveries to GET /api/v1/status/<id>.
  QueryHandlers(const jobs::JobStore& store, const index::ResourceIndex& index,
                const types::TypeRegistry& registry, IdentityOptions options,
                const WebhookHandlers* webhooks = nullptr);

  // Adds GET /api/v1/status/{job_id}, GET /api/v1/jobs, GET /api/v1/tenant/{tenant}/metrics and
  // GET /api/v1/tenant/{tenant}/resources.
  Status Register(http::Router& router);

  // 200 with the job (jobs::ToJson) plus "deliveries": its webhook deliveries, oldest first
  // ([] when none or simulated); 404 {"error": "Job not found"} for an unknown id.
  http::Response GetJob(std::string_view job_id) const;
  // ?tenant_id= (or the tenant header), ?status=, ?resource_type=, ?limit= (1..1000, default
  // 100): 200 {jobs: [...], count}, newest first; 400 naming a bad parameter.
  http::Response ListJobs(const http::Request& req) const;
  // 200 {tenant_id, total_resources, resources_by_type, active_jobs, failed_jobs,
  // completed_jobs, last_activity (ISO 8601 or null)}; 400 for an invalid tenant.
  http::Response TenantMetrics(std::string_view tenant) const;
  // 200 {tenant_id, resources: {<type>: [{name, cluster_id, flavor, path, git_commit,
  // updated_at}]}}; every registered type appears, possibly with []. 400 invalid tenant.
  http::Response TenantResources(std::string_view tenant) const;

 private:
  const jobs::JobStore& store_;
  const index::ResourceIndex& index_;
  const types::TypeRegistry& registry_;
  const IdentityOptions options_;
  const WebhookHandlers* webhooks_;
};

}  // namespace gitops::api
