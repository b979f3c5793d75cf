// Request validation for the REST API: media types, JSON bodies, identity (tenant and cluster
// from header, body or query) and resource commands. Every failure is an Error naming the
// field (kInvalidArgument, details = the field), never an HTTP status: errors.h translates.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/resource_type.h"
#include "core/result.h"
#include "http/message.h"
#include "jobs/job.h"

namespace gitops::api {

using Json = nlohmann::ordered_json;

// Where the tenant and cluster come from, and whether a tenant is mandatory.
struct IdentityOptions {
  std::string tenant_header = "X-Tenant-ID";
  std::string cluster_header = "X-Cluster-ID";
  bool require_tenant = true;
};

// The tenant used for single-resource requests without one when require_tenant is false.
inline constexpr std::string_view kDefaultTenant = "default";

// The fields a resource request body may have.
const std::vector<std::string>& ResourceBodyFields();

// True for "application/json" and "application/<x>+json", with or without parameters
// ("application/json; charset=utf-8"), case-insensitively.
bool IsJsonMediaType(std::string_view content_type);

// Outcome of reading a write request's body.
enum class BodyCheck { kOk, kUnsupportedMediaType };

// Checks the Content-Type of a write: a non-empty body needs a JSON media type; an empty body
// may come without one. Returns kUnsupportedMediaType otherwise.
BodyCheck CheckBodyMediaType(const http::Request& req);

// Parses `body` as a JSON object. An empty body gives {}. Errors (kInvalidArgument, details
// "body"): "Malformed JSON body: ..." or "Request body must be a JSON object, not <kind>".
Result<Json> ParseJsonObject(std::string_view body);

// Rejects keys of `object` not in `allowed`: "Unknown field 'flavour' (did you mean
// 'flavor'?); allowed fields: ...", details = the key.
Status CheckKnownFields(const Json& object, const std::vector<std::string>& allowed);

// The value of an optional string field of `object` (null or absent: nullopt, "" counts as
// absent). kInvalidArgument "Field '<key>' must be a string" otherwise.
Result<std::optional<std::string>> OptionalStringField(const Json* object, std::string_view key);

// Tenant and cluster of a request: header, else body field (tenant_id / cluster_id), else query
// parameter of the same name; empty values count as absent. `body` may be null. Values are not
// validated here.
struct Identity {
  std::optional<std::string> tenant_id;
  std::optional<std::string> cluster_id;
};
Result<Identity> ResolveIdentity(const http::Request& req, const Json* body,
                                 const IdentityOptions& options);

// Checks a DNS-1123 label: "Invalid <what> '<value>': <problem>", details = `field`.
Status CheckLabel(std::string_view value, std::string_view what, std::string_view field);

// A validated request on one resource type: what the job will carry.
struct ResourceCommand {
  jobs::Operation operation = jobs::Operation::kCreate;
  std::string tenant_id;   // valid label
  std::string cluster_id;  // valid label for cluster-aware types; "" otherwise (list: optional)
  std::string name;        // valid label; "" for list
  std::string flavor;      // create: given or "custom"; update: given or ""; else ""
  Json spec = Json::object();
};

// Validates a request for `operation` on `type`. `body` is the parsed body (null for GET and
// a bodyless DELETE). Rules:
//  - tenant: required unless !require_tenant (then kDefaultTenant); for list only a filter;
//    "Tenant ID is required" when missing; a DNS-1123 label.
//  - name: `path_name` when given, else body "name", else ?name=; "Name is required" (not for list); a DNS-1123 label.
//  - cluster: required for cluster-aware types (except list, where it is a filter), ignored
//    for other types (a gateway may send the cluster header on every request).
//  - flavor: one of the type's flavors (create defaults to "custom"); the message lists them.
//  - spec: a JSON object.
Result<ResourceCommand> ParseResourceCommand(const http::Request& req, const Json* body,
                                             const config::ResourceTypeConfig& type,
                                             jobs::Operation operation,
                                             const IdentityOptions& options,
                                             std::optional<std::string_view> path_name = {});

}  // namespace gitops::api
