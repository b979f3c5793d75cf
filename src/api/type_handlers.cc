// Resource type listing and runtime addition.
#include "api/type_handlers.h"

#include "api/errors.h"
#include "api/validation.h"

namespace gitops::api {
namespace {

constexpr std::string_view kTypesPath = "/api/v1/resource-types";

Json TypeJson(const config::ResourceTypeConfig& type) {
  // ResourceTypeToJson gives nlohmann::json (sorted keys); put "name" first for readers.
  nlohmann::json plain = config::ResourceTypeToJson(type);
  Json out = Json::object();
  out["name"] = type.name;
  for (auto& [key, value] : plain.items()) {
    if (key != "name") out[key] = value;
  }
  return out;
}

}  // namespace

TypeHandlers::TypeHandlers(types::TypeRegistry& registry, config::TypeDefaults defaults)
    : registry_(registry), defaults_([&] {
        // A type posted by a client must never read the service's environment (secret_env
        // would let it exfiltrate any variable through its webhook).
        defaults.environment = nullptr;
        return defaults;
      }()) {}

Status TypeHandlers::Register(http::Router& router) {
  GITOPS_RETURN_IF_ERROR(router.Add(
      "GET", kTypesPath,
      Guard([this](const http::Request&, const http::PathParams&) { return List(); })));
  GITOPS_RETURN_IF_ERROR(
      router.Add("GET", std::string(kTypesPath) + "/{name}",
                 Guard([this](const http::Request&, const http::PathParams& params) {
                   return Get(params.Get("name"));
                 })));
  return router.Add(
      "POST", kTypesPath,
      Guard([this](const http::Request& req, const http::PathParams&) { return Add(req); }));
}

http::Response TypeHandlers::List() const {
  Json list = Json::array();
  for (const auto& type : registry_.List()) list.push_back(TypeJson(*type));
  Json out = Json::object();
  out["resource_types"] = std::move(list);
  return JsonResponse(200, out);
}

http::Response TypeHandlers::Get(std::string_view name) const {
  auto type = registry_.Lookup(name);
  if (!type) {
    if (type.error().code != ErrorCode::kNotFound) return ErrorResponse(type.error());
    return FormatHttpError(404, "Unknown resource type '" + QuoteForMessage(name) + "'", "name");
  }
  return JsonResponse(200, TypeJson(**type));
}

http::Response TypeHandlers::Add(const http::Request& req) const {
  if (CheckBodyMediaType(req) == BodyCheck::kUnsupportedMediaType) {
    return UnsupportedMediaType(req);
  }
  auto body = ParseJsonObject(req.body);
  if (!body) return ErrorResponse(body.error());
  auto name = OptionalStringField(&*body, "name");
  if (!name) return ErrorResponse(name.error());
  if (!*name) {
    return ErrorResponse(MakeError(ErrorCode::kInvalidArgument, "Name is required", "name"));
  }
  // ParseResourceType wants nlohmann::json; the ordered copy's keys convert one to one.
  nlohmann::json plain = *body;
  auto type = config::ParseResourceType(**name, plain, defaults_);
  if (!type) {
    Error error = type.error();
    error.message = "Invalid resource type: " + error.message;
    return ErrorResponse(error);
  }
  Json created = TypeJson(*type);
  Status added = registry_.Add(*std::move(type));
  if (!added.ok()) {
    Error error = added.error();
    if (error.code == ErrorCode::kAlreadyExists) {
      error.message = "Resource type '" + **name + "' already exists";
    }
    return ErrorResponse(error);
  }
  http::Response res = JsonResponse(201, created);
  res.headers.emplace_back("Location", std::string(kTypesPath) + "/" + **name);
  return res;
}

}  // namespace gitops::api
