// Per-type routes: job submission with the submission-time existence rule, and direct reads.
#include "api/resource_handlers.h"

#include <utility>

#include "api/errors.h"
#include "config/names.h"
#include "core/ids.h"

namespace gitops::api {
namespace {

using jobs::Operation;

constexpr std::string_view kStatusPath = "/api/v1/status/";

std::string_view JobNoun(Operation op) {
  switch (op) {
    case Operation::kCreate:
      return "creation";
    case Operation::kUpdate:
      return "update";
    case Operation::kDelete:
      return "deletion";
    case Operation::kRead:
      return "read";
    case Operation::kList:
      return "list";
  }
  return "";
}

bool IsWrite(Operation op) {
  return op == Operation::kCreate || op == Operation::kUpdate || op == Operation::kDelete;
}

// "for tenant 'a'" / "for tenant 'a' in cluster 'b'".
std::string Where(const ResourceCommand& cmd) {
  std::string out = "for tenant '" + cmd.tenant_id + "'";
  if (!cmd.cluster_id.empty()) out += " in cluster '" + cmd.cluster_id + "'";
  return out;
}

std::string Describe(const config::ResourceTypeConfig& type, const ResourceCommand& cmd) {
  return config::TitleCase(type.name) + " '" + cmd.name + "'";
}

Error NotFoundError(const config::ResourceTypeConfig& type, const ResourceCommand& cmd) {
  return MakeError(ErrorCode::kNotFound, Describe(type, cmd) + " not found " + Where(cmd), "name");
}

// The reservation's error, reworded for people; other codes pass through unchanged.
Error ReservationError(Error error, const config::ResourceTypeConfig& type,
                       const ResourceCommand& cmd) {
  if (error.code == ErrorCode::kAlreadyExists) {
    return MakeError(ErrorCode::kAlreadyExists,
                     Describe(type, cmd) + " already exists " + Where(cmd) +
                         " (or its creation is pending)",
                     "name");
  }
  if (error.code == ErrorCode::kNotFound) return NotFoundError(type, cmd);
  return error;
}

http::Response Accepted(const std::string& job_id, const config::ResourceTypeConfig& type,
                        Operation op) {
  std::string body;
  body.reserve(128);
  body += "{\"job_id\":\"";
  body += job_id;  // a UUID: nothing to escape
  body += "\",\"status\":\"submitted\",\"message\":";
  http::AppendJsonString(body, config::TitleCase(type.name) + " " + std::string(JobNoun(op)) +
                                   " job submitted");
  body += '}';
  http::Response res = http::Response::Json(202, std::move(body));
  res.headers.emplace_back("Location", std::string(kStatusPath) + job_id);
  return res;
}

std::optional<std::string> OptionalOf(const std::string& s) {
  if (s.empty()) return std::nullopt;
  return s;
}

// GET on a write action's path ("/api/v1/vm/create") would otherwise read a resource named
// "create"; answer what the caller most likely got wrong instead.
std::optional<std::string_view> WriteActionMethod(std::string_view segment) {
  if (segment == "create") return "POST";
  if (segment == "update") return "PUT";
  if (segment == "delete") return "DELETE";
  return std::nullopt;
}

}  // namespace

Json ReadResultJson(const index::ResourceRecord& record, const std::string& manifest) {
  Json out = Json::object();
  out["name"] = record.name;
  out["path"] = record.path;
  out["manifest"] = manifest;
  out["git_commit"] = record.git_commit;
  out["flavor"] = record.flavor;
  out["spec"] = record.spec;
  return out;
}

Json ListItemJson(const index::ResourceRecord& record) {
  Json out = Json::object();
  out["name"] = record.name;
  out["tenant_id"] = record.tenant_id;
  out["cluster_id"] = record.cluster_id.empty() ? Json() : Json(record.cluster_id);
  out["flavor"] = record.flavor;
  out["spec"] = record.spec;
  out["path"] = record.path;
  out["git_commit"] = record.git_commit;
  out["updated_at"] = FormatIso8601(record.updated_at);
  return out;
}

Error UnknownTypeError(std::string_view type_name, const types::TypeRegistry& registry) {
  std::string known;
  std::vector<std::string> names;
  for (const auto& type : registry.List()) {
    if (!known.empty()) known += ", ";
    known += type->name;
    names.push_back(type->name);
  }
  std::string message = "Unknown resource type '" + QuoteForMessage(type_name) + "'";
  std::string suggestion = config::ClosestMatch(type_name, names);
  if (!suggestion.empty()) message += " (did you mean '" + suggestion + "'?)";
  return MakeError(ErrorCode::kNotFound, std::move(message), "known types: " + known);
}

ResourceHandlers::ResourceHandlers(jobs::JobStore& store, jobs::JobQueue& queue,
                                   index::ResourceIndex& index, index::PendingOps& pending,
                                   const types::TypeRegistry& registry,
                                   const ManifestReader& manifests, IdentityOptions options,
                                   jobs::Submitter* submitter, bool submitter_dispatches)
    : store_(store),
      queue_(queue),
      index_(index),
      pending_(pending),
      registry_(registry),
      manifests_(manifests),
      options_(std::move(options)),
      submitter_(submitter),
      submitter_dispatches_(submitter_dispatches) {
  // Without a submitter given (dev mode), reserve then create, one call each.
  if (!submitter_) {
    own_submitter_ = std::make_unique<jobs::SeparateSubmitter>(store_, pending_);
    submitter_ = own_submitter_.get();
  }
}

Status ResourceHandlers::Register(http::Router& router) {
  struct Route {
    const char* method;
    const char* action;
    Operation op;
  };
  static constexpr Route kRoutes[] = {
      {"POST", "create", Operation::kCreate}, {"PUT", "update", Operation::kUpdate},
      {"DELETE", "delete", Operation::kDelete}, {"GET", "read", Operation::kRead},
      {"GET", "list", Operation::kList}};
  for (const Route& route : kRoutes) {
    Operation op = route.op;
    GITOPS_RETURN_IF_ERROR(router.Add(
        route.method, std::string("/api/v1/{type}/") + route.action,
        Guard([this, op](const http::Request& req, const http::PathParams& params) {
          return Submit(req, params.Get("type"), op);
        })));
  }
  GITOPS_RETURN_IF_ERROR(router.Add(
      "GET", "/api/v1/{type}/{name}",
      Guard([this](const http::Request& req, const http::PathParams& params) {
        return ReadDirect(req, params.Get("type"), params.Get("name"));
      })));
  return router.Add("GET", "/api/v1/{type}",
                    Guard([this](const http::Request& req, const http::PathParams& params) {
                      return ListDirect(req, params.Get("type"));
                    }));
}

Result<types::TypePtr> ResourceHandlers::TypeOf(std::string_view type_name) const {
  auto type = registry_.Lookup(type_name);
  if (!type.ok() && type.error().code == ErrorCode::kNotFound) {
    return Unexpected(UnknownTypeError(type_name, registry_));
  }
  return type;
}

http::Response ResourceHandlers::Submit(const http::Request& req, std::string_view type_name,
                                        Operation op) const {
  auto found = TypeOf(type_name);
  if (!found) return ErrorResponse(found.error());
  const types::TypePtr& type = *found;

  Json body_value;
  const Json* body = nullptr;
  if (IsWrite(op)) {
    if (CheckBodyMediaType(req) == BodyCheck::kUnsupportedMediaType) {
      return UnsupportedMediaType(req);
    }
    auto parsed = ParseJsonObject(req.body);
    if (!parsed) return ErrorResponse(parsed.error());
    body_value = std::move(*parsed);
    body = &body_value;
  }
  auto cmd = ParseResourceCommand(req, body, *type, op, options_);
  if (!cmd) return ErrorResponse(cmd.error());

  jobs::Job job;
  job.job_id = NewUuid();
  job.tenant_id = cmd->tenant_id;
  job.cluster_id = cmd->cluster_id;
  job.resource_type = type->name;
  job.resource_name = cmd->name;
  job.operation = op;
  job.flavor = cmd->flavor;
  job.spec = std::move(cmd->spec);
  job.partition = type->name;
  const std::string job_id = job.job_id;

  const bool reserve = IsWrite(op);
  Status submitted = submitter_->Submit(std::move(job));
  if (!submitted.ok()) {
    return ErrorResponse(reserve ? ReservationError(submitted.error(), *type, *cmd)
                                 : submitted.error());
  }
  if (submitter_dispatches_) return Accepted(job_id, *type, op);
  Status enqueued = queue_.Enqueue(type->name, job_id);
  if (!enqueued.ok()) {
    if (reserve) (void)pending_.Release(job_id);
    AbandonJob(job_id, enqueued.error());
    return ErrorResponse(enqueued.error());
  }
  return Accepted(job_id, *type, op);
}

void ResourceHandlers::AbandonJob(const std::string& job_id, const Error& error) const {
  // submitted -> failed is not a legal move; go through in_progress. Best effort: the client
  // is told about the failure either way.
  (void)store_.Update(job_id, jobs::JobChange().SetStatus(jobs::JobStatus::kInProgress));
  (void)store_.Update(job_id, jobs::JobChange()
                                  .SetStatus(jobs::JobStatus::kFailed)
                                  .Log("Job could not be queued: " + error.message)
                                  .SetError("Job could not be queued: " + error.message));
}

http::Response ResourceHandlers::ReadDirect(const http::Request& req, std::string_view type_name,
                                            std::string_view name) const {
  auto found = TypeOf(type_name);
  if (!found) return ErrorResponse(found.error());
  const types::TypePtr& type = *found;
  if (auto method = WriteActionMethod(name)) {
    http::Response res = FormatHttpError(405, "Method GET not allowed for path " + req.path,
                                         "allowed: " + std::string(*method));
    res.headers.emplace_back("Allow", std::string(*method));
    return res;
  }
  auto cmd = ParseResourceCommand(req, nullptr, *type, Operation::kRead, options_, name);
  if (!cmd) return ErrorResponse(cmd.error());
  auto record = index_.Get({type->name, cmd->tenant_id, cmd->cluster_id, cmd->name});
  if (!record) {
    if (record.error().code == ErrorCode::kNotFound) {
      return ErrorResponse(NotFoundError(*type, *cmd));
    }
    return ErrorResponse(record.error());
  }
  auto manifest = manifests_.ReadManifest(*type, record->path);
  if (!manifest) return ErrorResponse(manifest.error());
  return JsonResponse(200, ReadResultJson(*record, *manifest));
}

http::Response ResourceHandlers::ListDirect(const http::Request& req,
                                            std::string_view type_name) const {
  auto found = TypeOf(type_name);
  if (!found) return ErrorResponse(found.error());
  const types::TypePtr& type = *found;
  auto cmd = ParseResourceCommand(req, nullptr, *type, Operation::kList, options_);
  if (!cmd) return ErrorResponse(cmd.error());
  auto records = index_.List(type->name, OptionalOf(cmd->tenant_id), OptionalOf(cmd->cluster_id));
  if (!records) return ErrorResponse(records.error());
  Json items = Json::array();
  for (const auto& record : *records) items.push_back(ListItemJson(record));
  Json out = Json::object();
  out["items"] = std::move(items);
  return JsonResponse(200, out);
}

}  // namespace gitops::api
