// Request validation: media types, JSON bodies, identity and resource commands.
#include "api/validation.h"

#include <algorithm>

#include "api/errors.h"
#include "config/names.h"

namespace gitops::api {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

Error FieldError(std::string message, std::string_view field) {
  return MakeError(ErrorCode::kInvalidArgument, std::move(message), std::string(field));
}

std::string_view KindName(const Json& value) {
  switch (value.type()) {
    case Json::value_t::array:
      return "an array";
    case Json::value_t::string:
      return "a string";
    case Json::value_t::boolean:
      return "a boolean";
    case Json::value_t::null:
      return "null";
    case Json::value_t::object:
      return "an object";
    default:
      return "a number";
  }
}

std::string JoinList(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += ", ";
    out += item;
  }
  return out;
}

std::optional<std::string> NonEmpty(std::optional<std::string_view> v) {
  if (!v || v->empty()) return std::nullopt;
  return std::string(*v);
}

}  // namespace

const std::vector<std::string>& ResourceBodyFields() {
  static const std::vector<std::string> kFields = {"name", "flavor", "spec", "tenant_id",
                                                   "cluster_id"};
  return kFields;
}

bool IsJsonMediaType(std::string_view content_type) {
  std::string_view media = Trim(content_type.substr(0, content_type.find(';')));
  constexpr std::string_view kPrefix = "application/";
  if (media.size() < kPrefix.size() ||
      !http::EqualsIgnoreCase(media.substr(0, kPrefix.size()), kPrefix)) {
    return false;
  }
  std::string_view sub = media.substr(kPrefix.size());
  if (http::EqualsIgnoreCase(sub, "json")) return true;
  return sub.size() > 5 && http::EqualsIgnoreCase(sub.substr(sub.size() - 5), "+json");
}

BodyCheck CheckBodyMediaType(const http::Request& req) {
  auto content_type = req.Header("Content-Type");
  if (!content_type) {
    return req.body.empty() ? BodyCheck::kOk : BodyCheck::kUnsupportedMediaType;
  }
  if (req.body.empty() && Trim(*content_type).empty()) return BodyCheck::kOk;
  return IsJsonMediaType(*content_type) ? BodyCheck::kOk : BodyCheck::kUnsupportedMediaType;
}

Result<Json> ParseJsonObject(std::string_view body) {
  if (Trim(body).empty()) return Json::object();
  Json value;
  try {
    value = Json::parse(body);
  } catch (const Json::parse_error& e) {
    // what() reads "[json.exception.parse_error.101] parse error at line 1, column 9: ...".
    std::string_view what = e.what();
    size_t bracket = what.find("] ");
    if (bracket != std::string_view::npos) what.remove_prefix(bracket + 2);
    return FieldError("Malformed JSON body: " + std::string(what), "body");
  }
  if (!value.is_object()) {
    return FieldError("Request body must be a JSON object, not " + std::string(KindName(value)),
                      "body");
  }
  return value;
}

Status CheckKnownFields(const Json& object, const std::vector<std::string>& allowed) {
  for (const auto& item : object.items()) {
    if (std::find(allowed.begin(), allowed.end(), item.key()) != allowed.end()) continue;
    std::string message = "Unknown field '" + QuoteForMessage(item.key()) + "'";
    std::string suggestion = config::ClosestMatch(item.key(), allowed);
    if (!suggestion.empty()) message += " (did you mean '" + suggestion + "'?)";
    message += "; allowed fields: " + JoinList(allowed);
    return FieldError(std::move(message), item.key());
  }
  return OkStatus();
}

Result<std::optional<std::string>> OptionalStringField(const Json* object, std::string_view key) {
  if (object == nullptr) return std::optional<std::string>();
  auto it = object->find(key);
  if (it == object->end() || it->is_null()) return std::optional<std::string>();
  if (!it->is_string()) {
    return FieldError("Field '" + std::string(key) + "' must be a string, not " +
                          std::string(KindName(*it)),
                      key);
  }
  const std::string& s = it->get_ref<const std::string&>();
  if (s.empty()) return std::optional<std::string>();
  return std::optional<std::string>(s);
}

Result<Identity> ResolveIdentity(const http::Request& req, const Json* body,
                                 const IdentityOptions& options) {
  Identity identity;
  auto body_tenant = OptionalStringField(body, "tenant_id");
  if (!body_tenant) return std::move(body_tenant).error();
  auto body_cluster = OptionalStringField(body, "cluster_id");
  if (!body_cluster) return std::move(body_cluster).error();

  identity.tenant_id = NonEmpty(req.Header(options.tenant_header));
  if (!identity.tenant_id) identity.tenant_id = *body_tenant;
  if (!identity.tenant_id) identity.tenant_id = NonEmpty(req.Query("tenant_id"));

  identity.cluster_id = NonEmpty(req.Header(options.cluster_header));
  if (!identity.cluster_id) identity.cluster_id = *body_cluster;
  if (!identity.cluster_id) identity.cluster_id = NonEmpty(req.Query("cluster_id"));
  return identity;
}

Status CheckLabel(std::string_view value, std::string_view what, std::string_view field) {
  if (config::IsDnsLabel(value)) return OkStatus();
  return FieldError("Invalid " + std::string(what) + " '" + QuoteForMessage(value) +
                        "': " + config::DnsLabelProblem(value),
                    field);
}

Result<ResourceCommand> ParseResourceCommand(const http::Request& req, const Json* body,
                                             const config::ResourceTypeConfig& type,
                                             jobs::Operation operation,
                                             const IdentityOptions& options,
                                             std::optional<std::string_view> path_name) {
  using jobs::Operation;
  const bool is_list = operation == Operation::kList;
  ResourceCommand cmd;
  cmd.operation = operation;
  if (body != nullptr) GITOPS_RETURN_IF_ERROR(CheckKnownFields(*body, ResourceBodyFields()));

  auto identity = ResolveIdentity(req, body, options);
  if (!identity) return std::move(identity).error();

  // Tenant.
  if (identity->tenant_id) {
    GITOPS_RETURN_IF_ERROR(CheckLabel(*identity->tenant_id, "tenant ID", "tenant_id"));
    cmd.tenant_id = *identity->tenant_id;
  } else if (!is_list) {
    if (options.require_tenant) return FieldError("Tenant ID is required", "tenant_id");
    cmd.tenant_id = std::string(kDefaultTenant);
  }

  // Name.
  auto body_name = OptionalStringField(body, "name");
  if (!body_name) return std::move(body_name).error();
  if (!is_list) {
    std::optional<std::string> name = path_name ? NonEmpty(path_name) : *body_name;
    if (!name) name = NonEmpty(req.Query("name"));
    if (!name) return FieldError("Name is required", "name");
    GITOPS_RETURN_IF_ERROR(CheckLabel(*name, "name", "name"));
    cmd.name = std::move(*name);
  }

  // Cluster: only meaningful for cluster-aware types.
  if (type.cluster_aware) {
    if (identity->cluster_id) {
      GITOPS_RETURN_IF_ERROR(CheckLabel(*identity->cluster_id, "cluster ID", "cluster_id"));
      cmd.cluster_id = *identity->cluster_id;
    } else if (!is_list) {
      return FieldError("Cluster ID is required: resource type '" + type.name +
                            "' is cluster-aware (send the " + options.cluster_header +
                            " header or cluster_id)",
                        "cluster_id");
    }
  }

  // Flavor: checked for create and update, ignored otherwise.
  auto flavor = OptionalStringField(body, "flavor");
  if (!flavor) return std::move(flavor).error();
  if (operation == Operation::kCreate || operation == Operation::kUpdate) {
    std::optional<std::string> chosen = *flavor;
    if (!chosen && operation == Operation::kCreate) {
      chosen = "custom";
      if (!type.HasFlavor(*chosen)) {
        return FieldError("Flavor is required: resource type '" + type.name +
                              "' has no 'custom' flavor; allowed: " + JoinList(type.flavors),
                          "flavor");
      }
    }
    if (chosen && !type.HasFlavor(*chosen)) {
      return FieldError("Unknown flavor '" + QuoteForMessage(*chosen) + "' for resource type '" +
                            type.name + "'; allowed: " + JoinList(type.flavors),
                        "flavor");
    }
    if (chosen) cmd.flavor = std::move(*chosen);
  }

  // Spec.
  if (body != nullptr) {
    auto it = body->find("spec");
    if (it != body->end() && !it->is_null()) {
      if (!it->is_object()) {
        return FieldError("Field 'spec' must be a JSON object, not " + std::string(KindName(*it)),
                          "spec");
      }
      if (operation == Operation::kCreate || operation == Operation::kUpdate) cmd.spec = *it;
    }
  }
  return cmd;
}

}  // namespace gitops::api
