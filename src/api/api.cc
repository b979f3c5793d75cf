// Api assembly: handler groups, health and readiness.
#include "api/api.h"

namespace gitops::api {
namespace {

IdentityOptions IdentityFrom(const ApiOptions& o) {
  return IdentityOptions{o.tenant_header, o.cluster_header, o.require_tenant};
}

OpenApiOptions OpenApiFrom(const ApiOptions& o) {
  OpenApiOptions out;
  out.version = o.version;
  out.tenant_header = o.tenant_header;
  out.cluster_header = o.cluster_header;
  out.require_tenant = o.require_tenant;
  return out;
}

}  // namespace

Api::Api(jobs::JobStore& store, jobs::JobQueue& queue, index::ResourceIndex& index,
         index::PendingOps& pending, types::TypeRegistry& registry,
         const ManifestReader& manifests, ApiOptions options)
    : resources_(store, queue, index, pending, registry, manifests, IdentityFrom(options),
                 options.submitter, options.submitter_dispatches),
      webhooks_(options.deliveries, IdentityFrom(options)),
      queries_(store, index, registry, IdentityFrom(options), &webhooks_),
      types_(registry, options.type_defaults),
      docs_(registry, OpenApiFrom(options), options.swagger_dir),
      readiness_checks_(std::move(options.readiness_checks)) {}

Status Api::Register(http::Router& router) {
  GITOPS_RETURN_IF_ERROR(router.Add(
      "GET", "/healthz",
      Guard([this](const http::Request&, const http::PathParams&) { return Health(); })));
  GITOPS_RETURN_IF_ERROR(router.Add(
      "GET", "/readyz",
      Guard([this](const http::Request&, const http::PathParams&) { return Ready(); })));
  GITOPS_RETURN_IF_ERROR(types_.Register(router));
  GITOPS_RETURN_IF_ERROR(queries_.Register(router));
  GITOPS_RETURN_IF_ERROR(webhooks_.Register(router));
  GITOPS_RETURN_IF_ERROR(docs_.Register(router));
  return resources_.Register(router);
}

http::Response Api::Health() const { return http::Response::Json(200, R"({"status":"ok"})"); }

http::Response Api::Ready() const {
  Json checks = Json::object();
  std::string failing;
  for (const auto& [name, check] : readiness_checks_) {
    Status status = check ? check() : Status(MakeError(ErrorCode::kInternal, "no check"));
    if (status.ok()) {
      checks[name] = "ok";
      continue;
    }
    checks[name] = status.error().message;
    if (!failing.empty()) failing += ", ";
    failing += name + " (" + status.error().message + ")";
  }
  Json body = Json::object();
  if (failing.empty()) {
    body["status"] = "ready";
    body["checks"] = std::move(checks);
    return JsonResponse(200, body);
  }
  body["error"] = "Not ready: " + failing;
  body["code"] = ErrorCodeName(ErrorCode::kUnavailable);
  body["details"] = nullptr;
  body["checks"] = std::move(checks);
  return JsonResponse(503, body);
}

}  // namespace gitops::api
