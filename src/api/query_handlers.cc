// Job status, job listing and tenant views.
#include "api/query_handlers.h"

#include <charconv>

#include "api/errors.h"
#include "core/ids.h"

namespace gitops::api {
namespace {

constexpr size_t kDefaultJobLimit = 100;
constexpr size_t kMaxJobLimit = 1000;

Error BadParameter(std::string message, std::string_view parameter) {
  return MakeError(ErrorCode::kInvalidArgument, std::move(message), std::string(parameter));
}

// The stored metadata.webhook_status follows a job's deliveries a moment after they settle (the
// process that records an outcome updates the job next, in its own write). So that one answer
// never contradicts itself (a delivery shown "delivered" beside a job still "pending"), a job
// whose webhook_status tracks deliveries shows the status of the deliveries listed with it:
// "pending" while any is, else "failed" if any failed, else "delivered". "simulated",
// "disabled", "filtered" and "error" are left as stored (nothing was delivered for them).
void AlignWebhookStatus(Json& job) {
  const Json& deliveries = job["deliveries"];
  if (!deliveries.is_array() || deliveries.empty()) return;
  Json& metadata = job["metadata"];
  if (!metadata.is_object()) return;
  auto stored = metadata.find("webhook_status");
  if (stored == metadata.end() ||
      (*stored != "pending" && *stored != "delivered" && *stored != "failed")) {
    return;
  }
  bool failed = false;
  for (const Json& d : deliveries) {
    const Json status = d.value("status", Json());
    if (status == "pending") {
      *stored = "pending";
      return;
    }
    failed = failed || status == "failed";
  }
  *stored = failed ? "failed" : "delivered";
}

}  // namespace

QueryHandlers::QueryHandlers(const jobs::JobStore& store, const index::ResourceIndex& index,
                             const types::TypeRegistry& registry, IdentityOptions options,
                             const WebhookHandlers* webhooks)
    : store_(store),
      index_(index),
      registry_(registry),
      options_(std::move(options)),
      webhooks_(webhooks) {}

Status QueryHandlers::Register(http::Router& router) {
  GITOPS_RETURN_IF_ERROR(
      router.Add("GET", "/api/v1/status/{job_id}",
                 Guard([this](const http::Request&, const http::PathParams& params) {
                   return GetJob(params.Get("job_id"));
                 })));
  GITOPS_RETURN_IF_ERROR(router.Add(
      "GET", "/api/v1/jobs",
      Guard([this](const http::Request& req, const http::PathParams&) { return ListJobs(req); })));
  GITOPS_RETURN_IF_ERROR(
      router.Add("GET", "/api/v1/tenant/{tenant}/metrics",
                 Guard([this](const http::Request&, const http::PathParams& params) {
                   return TenantMetrics(params.Get("tenant"));
                 })));
  return router.Add("GET", "/api/v1/tenant/{tenant}/resources",
                    Guard([this](const http::Request&, const http::PathParams& params) {
                      return TenantResources(params.Get("tenant"));
                    }));
}

http::Response QueryHandlers::GetJob(std::string_view job_id) const {
  // Ids are UUIDs; anything else cannot name a job, so the store is not asked.
  if (!IsUuid(job_id)) return FormatHttpError(404, "Job not found", QuoteForMessage(job_id));
  auto job = store_.Get(job_id);
  if (!job) {
    if (job.error().code == ErrorCode::kNotFound) {
      return FormatHttpError(404, "Job not found", std::string(job_id));
    }
    return ErrorResponse(job.error());
  }
  Json out = jobs::ToJson(*job);
  out["deliveries"] = webhooks_ ? webhooks_->ForJob(job_id) : Json::array();
  AlignWebhookStatus(out);
  return JsonResponse(200, out);
}

http::Response QueryHandlers::ListJobs(const http::Request& req) const {
  jobs::JobFilter filter;
  auto identity = ResolveIdentity(req, nullptr, options_);
  if (!identity) return ErrorResponse(identity.error());
  if (identity->tenant_id) {
    Status valid = CheckLabel(*identity->tenant_id, "tenant ID", "tenant_id");
    if (!valid.ok()) return ErrorResponse(valid.error());
    filter.tenant_id = *identity->tenant_id;
  }
  if (auto status = req.Query("status"); status && !status->empty()) {
    auto parsed = jobs::ParseJobStatus(*status);
    if (!parsed) {
      return ErrorResponse(BadParameter("Invalid status '" + QuoteForMessage(*status) +
                                            "': expected submitted, in_progress, completed "
                                            "or failed",
                                        "status"));
    }
    filter.status = *parsed;
  }
  if (auto type = req.Query("resource_type"); type && !type->empty()) {
    filter.resource_type = std::string(*type);
  }
  filter.limit = kDefaultJobLimit;
  if (auto limit = req.Query("limit"); limit && !limit->empty()) {
    size_t value = 0;
    auto [end, ec] = std::from_chars(limit->data(), limit->data() + limit->size(), value);
    if (ec != std::errc() || end != limit->data() + limit->size() || value < 1 ||
        value > kMaxJobLimit) {
      return ErrorResponse(BadParameter("Invalid limit '" + QuoteForMessage(*limit) +
                                            "': must be an integer from 1 to " +
                                            std::to_string(kMaxJobLimit),
                                        "limit"));
    }
    filter.limit = value;
  }
  auto found = store_.List(filter);
  if (!found) return ErrorResponse(found.error());
  Json list = Json::array();
  for (const auto& job : *found) list.push_back(jobs::ToJson(job));
  Json out = Json::object();
  out["count"] = found->size();
  out["jobs"] = std::move(list);
  return JsonResponse(200, out);
}

http::Response QueryHandlers::TenantMetrics(std::string_view tenant) const {
  if (Status valid = CheckLabel(tenant, "tenant ID", "tenant"); !valid.ok()) {
    return ErrorResponse(valid.error());
  }
  auto counts = index_.CountByType(tenant);
  if (!counts) return ErrorResponse(counts.error());
  auto stats = store_.TenantStats(tenant);
  if (!stats) return ErrorResponse(stats.error());
  size_t total = 0;
  Json by_type = Json::object();
  for (const auto& [type, count] : *counts) {
    total += count;
    by_type[type] = count;
  }
  Json out = Json::object();
  out["tenant_id"] = std::string(tenant);
  out["total_resources"] = total;
  out["resources_by_type"] = std::move(by_type);
  out["active_jobs"] = stats->active_jobs;
  out["failed_jobs"] = stats->failed_jobs;
  out["completed_jobs"] = stats->completed_jobs;
  out["last_activity"] = stats->last_activity ? Json(FormatIso8601(*stats->last_activity)) : Json();
  return JsonResponse(200, out);
}

http::Response QueryHandlers::TenantResources(std::string_view tenant) const {
  if (Status valid = CheckLabel(tenant, "tenant ID", "tenant"); !valid.ok()) {
    return ErrorResponse(valid.error());
  }
  auto records = index_.ListTenant(tenant);
  if (!records) return ErrorResponse(records.error());
  Json resources = Json::object();
  for (const auto& type : registry_.List()) resources[type->name] = Json::array();
  for (const auto& record : *records) {
    Json item = Json::object();
    item["name"] = record.name;
    item["cluster_id"] = record.cluster_id.empty() ? Json() : Json(record.cluster_id);
    item["flavor"] = record.flavor;
    item["path"] = record.path;
    item["git_commit"] = record.git_commit;
    item["updated_at"] = FormatIso8601(record.updated_at);
    Json& list = resources[record.resource_type];
    if (list.is_null()) list = Json::array();
    list.push_back(std::move(item));
  }
  Json out = Json::object();
  out["tenant_id"] = std::string(tenant);
  out["resources"] = std::move(resources);
  return JsonResponse(200, out);
}

}  // namespace gitops::api
