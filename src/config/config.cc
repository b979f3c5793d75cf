// Loading and validating the configuration: environment + .env + resource_configs.yaml.
#include "config/config.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "config/names.h"
#include "config/yaml_json.h"

extern char** environ;

namespace gitops::config {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kEnvironmentFile = "environment";
constexpr std::string_view kDotEnvFile = ".env";

std::string Trim(std::string_view s) {
  size_t begin = s.find_first_not_of(" \t\r\n");
  if (begin == std::string_view::npos) return "";
  size_t end = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(begin, end - begin + 1));
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// The merged variables plus where each came from, and the problems found reading them.
class Variables {
 public:
  Variables(EnvMap values, std::set<std::string> from_dotenv, std::vector<ConfigProblem>& problems)
      : values_(std::move(values)), from_dotenv_(std::move(from_dotenv)), problems_(problems) {}

  // The value of `name`, or nullopt when unset or empty.
  std::optional<std::string> Get(const std::string& name) const {
    auto it = values_.find(name);
    if (it == values_.end() || it->second.empty()) return std::nullopt;
    return it->second;
  }

  // Every variable (environment over .env), for webhook.secret_env.
  const EnvMap& values() const { return values_; }

  void Problem(const std::string& name, std::string message) {
    std::string file(from_dotenv_.count(name) ? kDotEnvFile : kEnvironmentFile);
    problems_.push_back(ConfigProblem{file, name, std::move(message), 0});
  }

  void String(const std::string& name, std::string& out) {
    if (auto v = Get(name)) out = *v;
  }

  void Bool(const std::string& name, bool& out) {
    auto v = Get(name);
    if (!v) return;
    std::string s = Lower(Trim(*v));
    if (s == "true" || s == "1" || s == "yes") {
      out = true;
    } else if (s == "false" || s == "0" || s == "no") {
      out = false;
    } else {
      Problem(name, "'" + *v + "' is not a boolean (use true/false, 1/0 or yes/no)");
    }
  }

  template <typename T>
  void Number(const std::string& name, T& out, long long min, long long max) {
    auto v = Get(name);
    if (!v) return;
    std::string s = Trim(*v);
    long long parsed = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), parsed);
    if (s.empty() || ec == std::errc::invalid_argument || end != s.data() + s.size()) {
      Problem(name, "'" + *v + "' is not a whole number");
      return;
    }
    if (ec == std::errc::result_out_of_range || parsed < min || parsed > max) {
      Problem(name, "'" + s + "' is out of range (" + std::to_string(min) + " to " +
                        std::to_string(max) + ")");
      return;
    }
    out = static_cast<T>(parsed);
  }

 private:
  EnvMap values_;
  std::set<std::string> from_dotenv_;
  std::vector<ConfigProblem>& problems_;
};

fs::path Resolve(const fs::path& cwd, const std::string& value) {
  fs::path path(value);
  if (path.is_relative()) path = cwd / path;
  return path.lexically_normal();
}

std::optional<std::string> ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return std::nullopt;
  return text.str();
}

void ReadEnvironment(Variables& vars, const fs::path& cwd, Config& config) {
  vars.Bool("DEV_MODE", config.dev_mode);
  vars.Number("PORT", config.port, 0, 65535);
  std::string data_dir = "./data";
  vars.String("DATA_DIR", data_dir);
  config.data_dir = Resolve(cwd, data_dir);
  vars.String("DATABASE_URL", config.database_url);
  vars.String("REDIS_URL", config.redis_url);
  vars.String("TEMPLATE_REPO_URL", config.template_repo_url);
  vars.String("TEMPLATE_REPO_BRANCH", config.template_repo_branch);
  if (std::string p = GitBranchProblem(config.template_repo_branch); !p.empty()) {
    vars.Problem("TEMPLATE_REPO_BRANCH", "'" + config.template_repo_branch + "' " + p);
  }
  std::string template_dir = "infra-templates";
  vars.String("TEMPLATE_DIR", template_dir);
  config.template_dir = Resolve(cwd, template_dir);
  vars.String("GIT_USERNAME", config.git_username);
  vars.String("GIT_PASSWORD", config.git_password);
  vars.String("GIT_AUTHOR_NAME", config.git_author_name);
  vars.String("GIT_AUTHOR_EMAIL", config.git_author_email);
  for (const char* name : {"GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL"}) {
    const std::string& value = std::string_view(name) == "GIT_AUTHOR_NAME"
                                   ? config.git_author_name
                                   : config.git_author_email;
    if (value.find_first_of("<>\n") != std::string::npos) {
      vars.Problem(name, "must not contain '<', '>' or a newline");
    }
  }
  vars.String("TENANT_HEADER", config.tenant_header);
  vars.String("CLUSTER_HEADER", config.cluster_header);
  if (!IsHttpToken(config.tenant_header)) {
    vars.Problem("TENANT_HEADER", "'" + config.tenant_header + "' is not a valid header name");
  }
  if (!IsHttpToken(config.cluster_header)) {
    vars.Problem("CLUSTER_HEADER", "'" + config.cluster_header + "' is not a valid header name");
  }
  if (Lower(config.tenant_header) == Lower(config.cluster_header)) {
    vars.Problem("CLUSTER_HEADER", "must differ from TENANT_HEADER");
  }
  vars.Bool("REQUIRE_TENANT", config.require_tenant);
  vars.Number("WEBHOOK_TIMEOUT", config.webhook_timeout_seconds, 1, 3600);
  vars.Number("WEBHOOK_RETRIES", config.webhook_retries, 0, 100);
  config.webhook_simulate = config.dev_mode;
  vars.Bool("WEBHOOK_SIMULATE", config.webhook_simulate);
  config.resource_config_name = "resource_configs.yaml";
  vars.String("RESOURCE_CONFIG_FILE", config.resource_config_name);
  config.resource_config_file = Resolve(cwd, config.resource_config_name);
  config.workers = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  vars.Number("WORKERS", config.workers, 1, 1024);
  if (auto level = vars.Get("LOG_LEVEL")) {
    std::string s = Lower(Trim(*level));
    if (s == "warning") s = "warn";
    static const std::set<std::string> kLevels = {"trace", "debug",    "info", "warn",
                                                  "error", "critical", "off"};
    if (kLevels.count(s)) {
      config.log_level = s;
    } else {
      vars.Problem("LOG_LEVEL",
                   "'" + *level + "' is not one of trace, debug, info, warn, error, critical, off");
    }
  }
  vars.Number("MAX_BODY_BYTES", config.max_body_bytes, 1, 1LL << 30);
  if (!config.dev_mode) {
    if (config.database_url.empty()) {
      vars.Problem("DATABASE_URL", "is required when DEV_MODE is false (or set DEV_MODE=true)");
    }
    if (config.redis_url.empty()) {
      vars.Problem("REDIS_URL", "is required when DEV_MODE is false (or set DEV_MODE=true)");
    }
  }
}

// `environment` resolves webhook.secret_env.
void ReadResourceTypes(Config& config, const EnvMap& environment,
                       std::vector<ConfigProblem>& problems) {
  const std::string& file = config.resource_config_name;
  auto text = ReadFile(config.resource_config_file);
  if (!text) {
    problems.push_back(ConfigProblem{file, "",
                                     "cannot read the resource type file " +
                                         config.resource_config_file.string() +
                                         " (set RESOURCE_CONFIG_FILE to its path)",
                                     0});
    return;
  }
  auto doc = ParseYamlToJson(*text, file);
  if (!doc.ok()) {
    problems.push_back(ConfigProblem{"", "", doc.error().message, 0});
    return;
  }
  const size_t first_problem = problems.size();
  const nlohmann::json& root = doc->value;
  if (!root.is_object()) {
    problems.push_back(ConfigProblem{file, "", "must be a mapping with the key resource_types", 1});
    return;
  }
  for (const auto& item : root.items()) {
    if (item.key() == "resource_types") continue;
    std::string message = "unknown key";
    if (!ClosestMatch(item.key(), {"resource_types"}).empty()) {
      message += " (did you mean 'resource_types'?)";
    }
    problems.push_back(ConfigProblem{file, item.key(), message, 0});
  }
  auto types = root.find("resource_types");
  if (types != root.end() && !types->is_null()) {
    if (!types->is_object()) {
      problems.push_back(
          ConfigProblem{file, "resource_types", "must be a mapping of type name to settings", 0});
    } else {
      // nlohmann::json sorts keys: take the file order from the recorded lines.
      std::vector<std::pair<int, std::string>> ordered;
      for (const auto& item : types->items()) {
        ordered.emplace_back(LineOf(*doc, "resource_types." + item.key()), item.key());
      }
      std::sort(ordered.begin(), ordered.end());
      for (const auto& [line, name] : ordered) {
        TypeDefaults defaults = config.type_defaults();
        defaults.environment = &environment;
        auto type = CollectResourceType(name, (*types)[name], defaults, file,
                                        "resource_types." + name, problems);
        if (type) config.resource_types.push_back(*std::move(type));
      }
    }
  }
  for (size_t i = first_problem; i < problems.size(); ++i) {
    if (problems[i].line == 0) problems[i].line = LineOf(*doc, problems[i].key);
  }
}

}  // namespace

const ResourceTypeConfig* Config::FindType(std::string_view name) const {
  for (const auto& type : resource_types) {
    if (type.name == name) return &type;
  }
  return nullptr;
}

TypeDefaults Config::type_defaults() const {
  return TypeDefaults{webhook_timeout_seconds, webhook_retries};
}

const std::vector<EnvVarInfo>& EnvironmentVariables() {
  static const std::vector<EnvVarInfo> kVariables = {
      {"DEV_MODE", "false",
       "One process, in-memory jobs, local bare Git repositories under DATA_DIR"},
      {"PORT", "5000", "TCP port of the HTTP API (0 picks a free port)"},
      {"DATA_DIR", "./data", "Where dev mode keeps its Git repositories and runtime-added types"},
      {"DATABASE_URL", "", "PostgreSQL connection string (required when DEV_MODE=false)"},
      {"REDIS_URL", "", "Redis URL for job dispatch (required when DEV_MODE=false)"},
      {"TEMPLATE_REPO_URL", "", "Git repository of templates; unset: TEMPLATE_DIR is used"},
      {"TEMPLATE_REPO_BRANCH", "main", "Branch of TEMPLATE_REPO_URL to read templates from"},
      {"TEMPLATE_DIR", "infra-templates", "Template folder used when TEMPLATE_REPO_URL is unset"},
      {"GIT_USERNAME", "", "User name for https Git remotes"},
      {"GIT_PASSWORD", "", "Password or token for https Git remotes"},
      {"GIT_AUTHOR_NAME", "gitops-api", "Author and committer name of the service's commits"},
      {"GIT_AUTHOR_EMAIL", "gitops-api@localhost", "Author and committer email of its commits"},
      {"TENANT_HEADER", "X-Tenant-ID", "Request header carrying the tenant id"},
      {"CLUSTER_HEADER", "X-Cluster-ID", "Request header carrying the cluster id"},
      {"REQUIRE_TENANT", "true", "Reject requests without a tenant (400)"},
      {"WEBHOOK_TIMEOUT", "30", "Default webhook timeout in seconds (per type: webhook.timeout)"},
      {"WEBHOOK_RETRIES", "3", "Default webhook delivery retries (per type: webhook.retries)"},
      {"WEBHOOK_SIMULATE", "",
       "Log webhook notifications instead of sending them (default: true in dev mode, else "
       "false)"},
      {"RESOURCE_CONFIG_FILE", "resource_configs.yaml", "The resource type definitions"},
      {"WORKERS", "", "Worker threads applying jobs (default: number of CPU cores)"},
      {"LOG_LEVEL", "info", "trace, debug, info, warn, error, critical or off"},
      {"MAX_BODY_BYTES", "1048576", "Largest accepted request body in bytes (413 above)"},
  };
  return kVariables;
}

EnvMap ProcessEnvironment() {
  EnvMap env;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    std::string_view text(*entry);
    size_t eq = text.find('=');
    if (eq == std::string_view::npos) continue;
    env[std::string(text.substr(0, eq))] = std::string(text.substr(eq + 1));
  }
  return env;
}

ConfigLoad LoadConfigWithProblems(const EnvMap& env, const fs::path& cwd) {
  ConfigLoad load;
  EnvMap merged;
  std::set<std::string> from_dotenv;
  fs::path dotenv_path = cwd / ".env";
  std::error_code ec;
  if (fs::exists(dotenv_path, ec)) {
    auto text = ReadFile(dotenv_path);
    if (!text) {
      load.problems.push_back(
          ConfigProblem{std::string(kDotEnvFile), "", "exists but cannot be read", 0});
    } else if (auto parsed = ParseDotEnv(*text, kDotEnvFile); !parsed.ok()) {
      load.problems.push_back(ConfigProblem{"", "", parsed.error().message, 0});
    } else {
      merged = *std::move(parsed);
      for (const auto& [key, value] : merged) from_dotenv.insert(key);
    }
  }
  for (const auto& [key, value] : env) {
    merged[key] = value;
    from_dotenv.erase(key);
  }
  Config config;
  Variables vars(std::move(merged), std::move(from_dotenv), load.problems);
  ReadEnvironment(vars, cwd, config);
  ReadResourceTypes(config, vars.values(), load.problems);
  if (load.problems.empty()) load.config = std::move(config);
  return load;
}

Result<Config> LoadConfig(const EnvMap& env, const fs::path& cwd) {
  ConfigLoad load = LoadConfigWithProblems(env, cwd);
  if (!load.problems.empty()) return ProblemsToError(load.problems);
  return *std::move(load.config);
}

TemplateExists TemplateExistsInDirectory(fs::path dir) {
  return [dir = std::move(dir)](const std::string& relative_path) {
    std::error_code ec;
    return fs::is_regular_file(dir / relative_path, ec);
  };
}

std::vector<ConfigProblem> Validate(const Config& config, const TemplateExists& template_exists) {
  std::vector<ConfigProblem> problems;
  const std::string& file = config.resource_config_name;
  std::set<std::string> names;
  for (const auto& type : config.resource_types) {
    std::string prefix = "resource_types." + type.name;
    if (!names.insert(type.name).second) {
      problems.push_back(ConfigProblem{file, prefix, "type is defined twice", 0});
    }
    for (auto& problem : ValidateResourceType(type, file, prefix)) {
      problems.push_back(std::move(problem));
    }
    if (!template_exists) continue;
    for (size_t i = 0; i < type.flavors.size(); ++i) {
      std::string template_file = TemplateFileName(type, type.flavors[i]);
      if (!template_exists(template_file)) {
        problems.push_back(ConfigProblem{file, prefix + ".flavors[" + std::to_string(i) + "]",
                                         "no template '" + template_file + "' for flavor '" +
                                             type.flavors[i] + "' in the template repository",
                                         0});
      }
    }
  }
  return problems;
}

std::vector<ConfigProblem> CheckConfig(const EnvMap& env, const fs::path& cwd,
                                       const TemplateExists& template_exists) {
  ConfigLoad load = LoadConfigWithProblems(env, cwd);
  if (!load.config) return load.problems;
  TemplateExists exists = template_exists;
  if (!exists && load.config->template_repo_url.empty()) {
    std::error_code ec;
    if (!fs::is_directory(load.config->template_dir, ec)) {
      return {ConfigProblem{"environment", "TEMPLATE_DIR",
                            load.config->template_dir.string() + " is not a directory", 0}};
    }
    exists = TemplateExistsInDirectory(load.config->template_dir);
  }
  return Validate(*load.config, exists);
}

}  // namespace gitops::config
