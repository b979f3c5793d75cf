// ResourceTypeConfig: one resource type (namespace, vm, ...) as resource_configs.yaml and
// POST /api/v1/resource-types describe it, with the one validation both paths share, and the
// rules that turn a type plus a request into a manifest path and a template file name.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/dotenv.h"
#include "config/problem.h"
#include "core/result.h"

namespace gitops::config {

enum class WebhookMode { kSingle, kStaged };

// "single" / "staged".
std::string_view WebhookModeName(WebhookMode mode);

// The events a webhook can be told about, in the order a job passes them (staged mode sends
// each; single mode sends only "completed" or "failed"): submitted started rendered committed
// pushed completed failed.
const std::vector<std::string>& WebhookEventNames();

struct WebhookConfig {
  bool enabled = false;
  std::string url;  // http:// or https:// with a host; required when enabled
  WebhookMode mode = WebhookMode::kSingle;
  int timeout_seconds = 30;  // default: WEBHOOK_TIMEOUT
  int retries = 3;           // retries after the first attempt; default: WEBHOOK_RETRIES
  // HMAC-SHA256 key signing each delivery; empty = unsigned. Never print it: ResourceTypeToJson
  // redacts it. Given literally (`secret`) or read from the environment at load time.
  std::string secret;
  std::string secret_env;           // the variable `secret` was read from; "" when literal/none
  std::vector<std::string> events;  // the events to send (WebhookEventNames); empty = all

  // Whether a notification about `event` is to be sent (enabled, and in `events` when set).
  bool Sends(std::string_view event) const;
  bool operator==(const WebhookConfig&) const = default;
};

// What the pipeline may check a rendered manifest as, derived from template_extension:
// ".yaml.j2" / ".yml.j2" -> kYaml (must parse as YAML before commit), anything else -> kText.
enum class ManifestFormat { kYaml, kText };

inline constexpr std::string_view kDefaultTemplateExtension = ".yaml.j2";

struct ResourceTypeConfig {
  std::string name;          // DNS-1123 label, not one of the reserved API words
  std::string repo_url;      // remote URL or local bare repository path; empty = under DATA_DIR
  std::string template_dir;  // relative dir in the template repository, ends with '/' (or "")
  bool cluster_aware = false;
  std::vector<std::string> flavors;  // ordered, non-empty, DNS-1123 labels, unique
  std::string branch = "main";
  std::string path_template;  // always set: given, or DefaultPathTemplate(cluster_aware)
  bool strict_undefined = false;
  std::string template_extension = std::string(kDefaultTemplateExtension);
  WebhookConfig webhook;

  bool HasFlavor(std::string_view flavor) const;
  bool operator==(const ResourceTypeConfig&) const = default;
};

// Defaults a type inherits from the environment (WEBHOOK_TIMEOUT, WEBHOOK_RETRIES).
struct TypeDefaults {
  int webhook_timeout_seconds = 30;
  int webhook_retries = 3;
  // Where webhook.secret_env is looked up (the process environment plus .env, when loading
  // resource_configs.yaml). nullptr: secret_env is refused, as for types added through the API,
  // which must not read the service's environment. Not owned; must outlive the parse call.
  const EnvMap* environment = nullptr;
};

// The keys a type may have, in documentation order (for "did you mean" and docs).
const std::vector<std::string>& ResourceTypeKeys();
const std::vector<std::string>& WebhookKeys();
// Type names the API's own routes use (/api/v1/status, /jobs, /tenant, /resource-types).
const std::vector<std::string>& ReservedTypeNames();

// Parses and validates one type given as JSON in the resource_configs.yaml shape. A "name" key
// is allowed (the API sends one) but must equal `name`. Null values count as absent.
// Error: kInvalidArgument; message = the first problem, details = every problem, one per line,
// each as "<key>: <message>".
Result<ResourceTypeConfig> ParseResourceType(std::string_view name, const nlohmann::json& body,
                                             const TypeDefaults& defaults = {});

// As ParseResourceType, but appends every problem to `problems` (file = `file`, keys prefixed
// with `key_prefix`, e.g. "resource_types.vm") and returns nullopt when there was any.
std::optional<ResourceTypeConfig> CollectResourceType(
    std::string_view name, const nlohmann::json& body, const TypeDefaults& defaults,
    std::string_view file, std::string_view key_prefix, std::vector<ConfigProblem>& problems);

// Checks an already built type (the same rules as parsing, on the struct's fields).
std::vector<ConfigProblem> ValidateResourceType(const ResourceTypeConfig& type,
                                                std::string_view file, std::string_view key_prefix);

// Problems with a path template ("" placeholders, shape); empty when it is usable.
std::vector<std::string> PathTemplateProblems(std::string_view path_template, bool cluster_aware);

// The prototype's rule, used when a type has no path_template:
// tenants/{tenant_id}/{cluster_id}/{resource_type}/{name}/manifest.yaml when cluster-aware,
// else tenants/{tenant_id}/{resource_type}/{name}/manifest.yaml.
std::string DefaultPathTemplate(bool cluster_aware);

// Substitutes {tenant_id} {cluster_id} {resource_type} {name} {flavor} in type.path_template.
// The inputs must already be valid (DNS-1123 labels; cluster empty for non-cluster-aware types).
std::string ExpandPathTemplate(const ResourceTypeConfig& type, std::string_view tenant_id,
                               std::string_view cluster_id, std::string_view name,
                               std::string_view flavor);

// Path of a flavor's template in the template repository:
// template_dir + flavor + template_extension, e.g. "namespaces/small.yaml.j2",
// "osimage/ubuntu-small.pkr.hcl.j2".
std::string TemplateFileName(const ResourceTypeConfig& type, std::string_view flavor);

ManifestFormat OutputFormat(const ResourceTypeConfig& type);

// How ResourceTypeToJson writes webhook.secret: kRedact (API output, logs) writes "<redacted>"
// for a literal secret; kInclude (only for the service's own persisted copy of runtime-added
// types) writes it as is. A secret read through secret_env is never written: "secret_env" names
// the variable instead.
enum class SecretOutput { kRedact, kInclude };

// The placeholder kRedact writes; ParseResourceType refuses it as a secret.
inline constexpr std::string_view kRedactedSecret = "<redacted>";

// The type in the resource_configs.yaml shape plus "name" (every key, effective values; absent
// optional values as null). ParseResourceType(type.name, ResourceTypeToJson(type)) gives `type`
// back, except a literal secret under kRedact (and secret_env needs the environment).
nlohmann::json ResourceTypeToJson(const ResourceTypeConfig& type,
                                  SecretOutput secrets = SecretOutput::kRedact);

}  // namespace gitops::config
