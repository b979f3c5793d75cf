// ResourceHandlers: the per-type routes. Submissions (create/update/delete/read/list) validate
// into a ResourceCommand, reserve the resource (PendingOps), store and enqueue a job and
// answer 202; direct reads (GET /api/v1/<type>[/<name>]) answer 200 from the index.
#pragma once

#include <memory>

#include "api/manifest_reader.h"
#include "api/validation.h"
#include "http/router.h"
#include "index/pending_ops.h"
#include "index/resource_index.h"
#include "jobs/job_queue.h"
#include "jobs/job_store.h"
#include "jobs/submitter.h"
#include "types/type_registry.h"

namespace gitops::api {

// The read job's result and the direct read's body: {name, path, manifest, git_commit,
// flavor, spec}.
Json ReadResultJson(const index::ResourceRecord& record, const std::string& manifest);
// One item of a list: {name, tenant_id, cluster_id (null when none), flavor, spec, path,
// git_commit, updated_at}.
Json ListItemJson(const index::ResourceRecord& record);

class ResourceHandlers {
 public:
  // Every reference must outlive this object and the router it registers on. Submissions go
  // through `submitter` (which must outlive it too), or when null through a
  // jobs::SeparateSubmitter over `store` and `pending`; then each job is enqueued on `queue`,
  // unless `submitter_dispatches` (the submitter enqueued it already).
  ResourceHandlers(jobs::JobStore& store, jobs::JobQueue& queue, index::ResourceIndex& index,
                   index::PendingOps& pending, const types::TypeRegistry& registry,
                   const ManifestReader& manifests, IdentityOptions options,
                   jobs::Submitter* submitter = nullptr, bool submitter_dispatches = false);

  // Adds POST /api/v1/{type}/create, PUT .../update, DELETE .../delete, GET .../read,
  // GET .../list, GET /api/v1/{type}/{name} and GET /api/v1/{type}. The type is looked up per
  // request, so types added to the registry later are served at once.
  Status Register(http::Router& router);

  // The submission route for `operation`: 202 {job_id, status, message} + Location, or an
  // error (400 invalid input, 404 unknown type / missing resource, 409 existing resource,
  // 415 non-JSON body, 503 store or queue down). Thread-safe.
  http::Response Submit(const http::Request& req, std::string_view type_name,
                        jobs::Operation operation) const;
  // GET /api/v1/{type}/{name}: 200 ReadResultJson. Thread-safe.
  http::Response ReadDirect(const http::Request& req, std::string_view type_name,
                            std::string_view name) const;
  // GET /api/v1/{type}: 200 {items: [ListItemJson...]}. Thread-safe.
  http::Response ListDirect(const http::Request& req, std::string_view type_name) const;

 private:
  // The type named `type_name`: a 404 error naming the known types when no process added it,
  // or the shared store's error (503 while PostgreSQL is down) when it could not be asked.
  Result<types::TypePtr> TypeOf(std::string_view type_name) const;
  // Enqueue failed after the job was stored: marks the job failed (best effort).
  void AbandonJob(const std::string& job_id, const Error& error) const;

  jobs::JobStore& store_;
  jobs::JobQueue& queue_;
  index::ResourceIndex& index_;
  index::PendingOps& pending_;
  const types::TypeRegistry& registry_;
  const ManifestReader& manifests_;
  const IdentityOptions options_;
  std::unique_ptr<jobs::SeparateSubmitter> own_submitter_;
  jobs::Submitter* submitter_ = nullptr;
  const bool submitter_dispatches_ = false;
};

// 404 body for an unknown resource type, listing the known ones.
Error UnknownTypeError(std::string_view type_name, const types::TypeRegistry& registry);

}  // namespace gitops::api
