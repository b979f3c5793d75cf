// Config: the service's whole configuration, read once at start from the environment, an
// optional .env file and resource_configs.yaml, validated, then shared read-only
// (std::shared_ptr<const Config>). Nothing else in the service reads the environment.
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/dotenv.h"
#include "config/problem.h"
#include "config/resource_type.h"
#include "core/result.h"

namespace gitops::config {

struct Config {
  bool dev_mode = false;                       // DEV_MODE
  int port = 5000;                             // PORT (0: any free port)
  std::filesystem::path data_dir;              // DATA_DIR, absolute (default <cwd>/data)
  std::string database_url;                    // DATABASE_URL (required unless dev_mode)
  std::string redis_url;                       // REDIS_URL (required unless dev_mode)
  std::string template_repo_url;               // TEMPLATE_REPO_URL; empty: use template_dir
  std::string template_repo_branch = "main";   // TEMPLATE_REPO_BRANCH
  std::filesystem::path template_dir;          // TEMPLATE_DIR, absolute (<cwd>/infra-templates)
  std::string git_username;                    // GIT_USERNAME
  std::string git_password;                    // GIT_PASSWORD (never log it)
  std::string git_author_name = "gitops-api";  // GIT_AUTHOR_NAME
  std::string git_author_email = "gitops-api@localhost";       // GIT_AUTHOR_EMAIL
  std::string tenant_header = "X-Tenant-ID";                   // TENANT_HEADER
  std::string cluster_header = "X-Cluster-ID";                 // CLUSTER_HEADER
  bool require_tenant = true;                                  // REQUIRE_TENANT
  int webhook_timeout_seconds = 30;                            // WEBHOOK_TIMEOUT
  int webhook_retries = 3;                                     // WEBHOOK_RETRIES
  // WEBHOOK_SIMULATE: log notifications instead of sending them. Default: dev_mode (dev mode
  // simulates, as the seed says; production sends).
  bool webhook_simulate = false;
  std::filesystem::path resource_config_file;                  // RESOURCE_CONFIG_FILE, absolute
  std::string resource_config_name = "resource_configs.yaml";  // as given, for messages
  int workers = 1;                                             // WORKERS (default: number of cores)
  std::string log_level = "info";   // LOG_LEVEL: trace debug info warn error critical off
  size_t max_body_bytes = 1048576;  // MAX_BODY_BYTES
  std::vector<ResourceTypeConfig> resource_types;  // in file order

  // The type named `name`, or nullptr.
  const ResourceTypeConfig* FindType(std::string_view name) const;
  // What a type added at runtime inherits (webhook timeout and retries; no environment, so
  // such a type cannot use webhook.secret_env).
  TypeDefaults type_defaults() const;
};

// One environment variable the service reads: name, default as written in .env.example ("" for
// none), and a one-line description.
struct EnvVarInfo {
  std::string name;
  std::string default_value;
  std::string description;
};

// Every variable, in documentation order. WORKERS' default is shown as "" (number of cores).
const std::vector<EnvVarInfo>& EnvironmentVariables();

// The real process environment as a map.
EnvMap ProcessEnvironment();

struct ConfigLoad {
  std::optional<Config> config;         // set when `problems` is empty
  std::vector<ConfigProblem> problems;  // every problem found, in file order
};

// Reads `env` (the environment; wins over the file), `<cwd>/.env` when it exists, and the
// resource type file (RESOURCE_CONFIG_FILE, relative to `cwd`). Relative paths are resolved
// against `cwd`. An empty value counts as unset. Collects every problem instead of stopping.
ConfigLoad LoadConfigWithProblems(const EnvMap& env, const std::filesystem::path& cwd);

// As LoadConfigWithProblems; error kInvalidArgument (see ProblemsToError) when any problem.
Result<Config> LoadConfig(const EnvMap& env, const std::filesystem::path& cwd);

// Whether a template file (a '/'-separated path relative to the template repository) exists.
using TemplateExists = std::function<bool(const std::string& relative_path)>;

// TemplateExists for a directory on disk (the bundled infra-templates/).
TemplateExists TemplateExistsInDirectory(std::filesystem::path dir);

// Checks a loaded config as a whole: every type's rules again (types may have been added at
// runtime), duplicate type names, and a template for every flavor of every type. Returns every
// problem (empty when all is well); does no I/O besides calling `template_exists`.
std::vector<ConfigProblem> Validate(const Config& config, const TemplateExists& template_exists);

// What `gitops-api check-config` prints: the load problems, then, when loading succeeded,
// Validate's. Without `template_exists`, templates are looked up in config.template_dir when
// TEMPLATE_REPO_URL is unset, and not checked otherwise.
std::vector<ConfigProblem> CheckConfig(const EnvMap& env, const std::filesystem::path& cwd,
                                       const TemplateExists& template_exists = nullptr);

}  // namespace gitops::config
