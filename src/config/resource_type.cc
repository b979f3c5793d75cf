// Resource type parsing and validation (shared by resource_configs.yaml and the API), manifest
// path expansion and template file naming.
#include "config/resource_type.h"

#include <algorithm>
#include <cctype>
#include <set>

#include "config/names.h"

namespace gitops::config {
namespace {

constexpr std::string_view kPlaceholders[] = {"tenant_id", "cluster_id", "resource_type", "name",
                                              "flavor"};

std::string JoinKey(std::string_view prefix, std::string_view key) {
  if (prefix.empty()) return std::string(key);
  if (key.empty()) return std::string(prefix);
  if (key.front() == '[') return std::string(prefix) + std::string(key);
  return std::string(prefix) + "." + std::string(key);
}

// Collects problems for one type; keys are relative to the type and prefixed on the way out.
class Checker {
 public:
  Checker(std::string_view file, std::string_view prefix, std::vector<ConfigProblem>& problems)
      : file_(file), prefix_(prefix), problems_(problems) {}

  void Add(std::string_view key, std::string message) {
    problems_.push_back(ConfigProblem{file_, JoinKey(prefix_, key), std::move(message), 0});
  }

  // Reports keys of `object` not in `known`, with a suggestion when one is close.
  void UnknownKeys(const nlohmann::json& object, const std::vector<std::string>& known,
                   std::string_view parent) {
    for (const auto& item : object.items()) {
      if (std::find(known.begin(), known.end(), item.key()) != known.end()) continue;
      std::string message = "unknown key";
      std::string suggestion = ClosestMatch(item.key(), known);
      if (!suggestion.empty()) message += " (did you mean '" + suggestion + "'?)";
      Add(JoinKey(parent, item.key()), message);
    }
  }

  std::optional<std::string> String(const nlohmann::json& object, std::string_view key,
                                    std::string_view parent = {}) {
    const nlohmann::json* value = Find(object, key);
    if (value == nullptr) return std::nullopt;
    if (!value->is_string()) {
      Add(JoinKey(parent, key), "must be a string");
      return std::nullopt;
    }
    return value->get<std::string>();
  }

  std::optional<bool> Bool(const nlohmann::json& object, std::string_view key,
                           std::string_view parent = {}) {
    const nlohmann::json* value = Find(object, key);
    if (value == nullptr) return std::nullopt;
    if (!value->is_boolean()) {
      Add(JoinKey(parent, key), "must be true or false");
      return std::nullopt;
    }
    return value->get<bool>();
  }

  std::optional<int> Int(const nlohmann::json& object, std::string_view key, int min, int max,
                         std::string_view parent = {}) {
    const nlohmann::json* value = Find(object, key);
    if (value == nullptr) return std::nullopt;
    if (!value->is_number_integer() || value->get<long long>() < min ||
        value->get<long long>() > max) {
      Add(JoinKey(parent, key),
          "must be an integer from " + std::to_string(min) + " to " + std::to_string(max));
      return std::nullopt;
    }
    return static_cast<int>(value->get<long long>());
  }

  // The value at `key`, or nullptr when absent or null.
  static const nlohmann::json* Find(const nlohmann::json& object, std::string_view key) {
    auto it = object.find(std::string(key));
    if (it == object.end() || it->is_null()) return nullptr;
    return &*it;
  }

 private:
  std::string file_;
  std::string prefix_;
  std::vector<ConfigProblem>& problems_;
};

bool HasDotDotOrEmptySegment(std::string_view path) {
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    std::string_view segment = path.substr(start, end - start);
    if (segment.empty() || segment == "." || segment == "..") return true;
    if (end == path.size()) break;
    start = end + 1;
  }
  return false;
}

// Problems of a relative directory in the template repository ("" is the root).
std::string TemplateDirProblem(std::string_view dir) {
  if (dir.empty()) return "";
  if (dir.front() == '/') return "must be relative to the template repository (no leading '/')";
  if (dir.find('\\') != std::string_view::npos) return "must use '/' as separator";
  std::string_view trimmed = dir;
  if (trimmed.back() == '/') trimmed.remove_suffix(1);
  if (HasDotDotOrEmptySegment(trimmed)) return "must not contain '..', '.' or empty segments";
  return "";
}

std::string NormalizeTemplateDir(std::string dir) {
  if (!dir.empty() && dir.back() != '/') dir.push_back('/');
  return dir;
}

std::string TemplateExtensionProblem(std::string_view extension) {
  if (extension.size() < 2 || extension.front() != '.') {
    return "must start with '.' (e.g. \".yaml.j2\")";
  }
  if (extension.find('/') != std::string_view::npos ||
      extension.find('\\') != std::string_view::npos) {
    return "must not contain a path separator";
  }
  return "";
}

std::string RepoUrlProblem(std::string_view url) {
  for (char c : url) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) {
      return "must not contain spaces or control characters";
    }
  }
  return "";
}

std::string WebhookUrlProblem(std::string_view url) {
  if (!url.starts_with("http://") && !url.starts_with("https://")) {
    return "must start with http:// or https://";
  }
  if (!RepoUrlProblem(url).empty()) return "must not contain spaces or control characters";
  std::string_view authority = url.substr(url.find("://") + 3);
  authority = authority.substr(0, authority.find_first_of("/?#"));
  if (authority.find('@') != std::string_view::npos) {
    return "must not carry credentials (user@host); use webhook.secret to authenticate";
  }
  std::string_view host = authority;
  std::string_view port;
  if (host.starts_with("[")) {  // IPv6 literal
    size_t close = host.find(']');
    if (close == std::string_view::npos) return "has an unclosed '[' in its host";
    port = host.substr(close + 1);
    host = host.substr(1, close - 1);
    if (!port.empty() && port.front() != ':') return "has characters after its IPv6 host";
    if (!port.empty()) port.remove_prefix(1);
  } else if (size_t colon = host.find(':'); colon != std::string_view::npos) {
    port = host.substr(colon + 1);
    host = host.substr(0, colon);
  }
  if (host.empty()) return "must name a host (http://host/...)";
  if (authority.find(':') != std::string_view::npos && !authority.starts_with("[") &&
      port.empty()) {
    return "has an empty port";
  }
  if (!port.empty()) {
    if (port.size() > 5 || port.find_first_not_of("0123456789") != std::string_view::npos ||
        std::stoi(std::string(port)) < 1 || std::stoi(std::string(port)) > 65535) {
      return "has an invalid port '" + std::string(port) + "'";
    }
  }
  return "";
}

bool IsEnvName(std::string_view name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name.front()))) return false;
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  }
  return true;
}

void CheckWebhook(const WebhookConfig& webhook, Checker& checker) {
  if (webhook.enabled && webhook.url.empty()) {
    checker.Add("webhook.url", "is required when webhook.enabled is true");
  } else if (!webhook.url.empty()) {
    if (std::string p = WebhookUrlProblem(webhook.url); !p.empty()) {
      checker.Add("webhook.url", p);
    }
  }
  if (webhook.timeout_seconds < 1) checker.Add("webhook.timeout", "must be at least 1");
  if (webhook.retries < 0) checker.Add("webhook.retries", "must not be negative");
  if (webhook.secret == kRedactedSecret) {
    checker.Add("webhook.secret",
                "is the placeholder the API shows instead of a secret; give the secret itself "
                "(or secret_env)");
  }
  const auto& known = WebhookEventNames();
  std::set<std::string> seen;
  for (size_t i = 0; i < webhook.events.size(); ++i) {
    const std::string& event = webhook.events[i];
    std::string key = "webhook.events[" + std::to_string(i) + "]";
    if (std::find(known.begin(), known.end(), event) == known.end()) {
      std::string message = "unknown event '" + event +
                            "' (known: submitted, started, rendered, committed, pushed, "
                            "completed, failed)";
      checker.Add(key, message);
    } else if (!seen.insert(event).second) {
      checker.Add(key, "event '" + event + "' is listed twice");
    } else if (webhook.mode == WebhookMode::kSingle && event != "completed" && event != "failed") {
      checker.Add(key, "event '" + event +
                           "' is never sent in single mode (only completed and failed); use "
                           "mode: staged");
    }
  }
}

std::string TypeNameProblem(std::string_view name) {
  std::string problem = DnsLabelProblem(name);
  if (!problem.empty()) return "type name " + problem;
  const auto& reserved = ReservedTypeNames();
  if (std::find(reserved.begin(), reserved.end(), name) != reserved.end()) {
    return "type name '" + std::string(name) + "' is reserved by the API (/api/v1/" +
           std::string(name) + ")";
  }
  return "";
}

// The checks on a built type that do not depend on how it was written.
void CheckFields(const ResourceTypeConfig& type, Checker& checker) {
  if (std::string p = TypeNameProblem(type.name); !p.empty()) checker.Add("", p);
  if (std::string p = RepoUrlProblem(type.repo_url); !p.empty()) checker.Add("repo_url", p);
  if (std::string p = TemplateDirProblem(type.template_dir); !p.empty()) {
    checker.Add("template_dir", p);
  }
  if (type.flavors.empty()) checker.Add("flavors", "must list at least one flavor");
  std::set<std::string> seen;
  for (size_t i = 0; i < type.flavors.size(); ++i) {
    const std::string& flavor = type.flavors[i];
    std::string key = "flavors[" + std::to_string(i) + "]";
    if (std::string p = DnsLabelProblem(flavor); !p.empty()) {
      checker.Add(key, "flavor '" + flavor + "' " + p);
    } else if (!seen.insert(flavor).second) {
      checker.Add(key, "flavor '" + flavor + "' is listed twice");
    }
  }
  if (std::string p = GitBranchProblem(type.branch); !p.empty()) checker.Add("branch", p);
  for (const auto& p : PathTemplateProblems(type.path_template, type.cluster_aware)) {
    checker.Add("path_template", p);
  }
  if (std::string p = TemplateExtensionProblem(type.template_extension); !p.empty()) {
    checker.Add("template_extension", p);
  }
  CheckWebhook(type.webhook, checker);
}

// Reads `secret` or `secret_env` (resolved in defaults.environment). Messages never contain the
// secret's value.
void ReadWebhookSecret(const nlohmann::json& webhook, const TypeDefaults& defaults,
                       Checker& checker, WebhookConfig& out) {
  const nlohmann::json* literal = Checker::Find(webhook, "secret");
  const nlohmann::json* from_env = Checker::Find(webhook, "secret_env");
  if (literal != nullptr && from_env != nullptr) {
    checker.Add("webhook.secret_env", "give either secret or secret_env, not both");
    return;
  }
  if (literal != nullptr) {
    if (!literal->is_string()) {
      checker.Add("webhook.secret", "must be a string");
    } else if (literal->get<std::string>().empty()) {
      checker.Add("webhook.secret", "must not be empty (leave it out to send unsigned)");
    } else {
      out.secret = literal->get<std::string>();
    }
    return;
  }
  if (from_env == nullptr) return;
  if (!from_env->is_string() || !IsEnvName(from_env->get<std::string>())) {
    checker.Add("webhook.secret_env", "must be the name of an environment variable");
    return;
  }
  std::string name = from_env->get<std::string>();
  if (defaults.environment == nullptr) {
    checker.Add("webhook.secret_env",
                "is only read from resource_configs.yaml (a type added through the API gives "
                "secret)");
    return;
  }
  auto it = defaults.environment->find(name);
  if (it == defaults.environment->end() || it->second.empty()) {
    checker.Add("webhook.secret_env", "environment variable " + name + " is not set");
    return;
  }
  out.secret_env = name;
  out.secret = it->second;
}

}  // namespace

std::string_view WebhookModeName(WebhookMode mode) {
  return mode == WebhookMode::kStaged ? "staged" : "single";
}

const std::vector<std::string>& WebhookEventNames() {
  static const std::vector<std::string> kNames = {"submitted", "started",   "rendered", "committed",
                                                  "pushed",    "completed", "failed"};
  return kNames;
}

bool WebhookConfig::Sends(std::string_view event) const {
  if (!enabled) return false;
  if (events.empty()) return true;
  return std::find(events.begin(), events.end(), event) != events.end();
}

bool ResourceTypeConfig::HasFlavor(std::string_view flavor) const {
  return std::find(flavors.begin(), flavors.end(), flavor) != flavors.end();
}

const std::vector<std::string>& ResourceTypeKeys() {
  static const std::vector<std::string> kKeys = {
      "name",   "repo_url",      "template_dir",     "cluster_aware",      "flavors",
      "branch", "path_template", "strict_undefined", "template_extension", "webhook"};
  return kKeys;
}

const std::vector<std::string>& WebhookKeys() {
  static const std::vector<std::string> kKeys = {"enabled", "url",    "mode",       "timeout",
                                                 "retries", "secret", "secret_env", "events"};
  return kKeys;
}

const std::vector<std::string>& ReservedTypeNames() {
  static const std::vector<std::string> kNames = {"status", "jobs", "tenant", "resource-types"};
  return kNames;
}

std::optional<ResourceTypeConfig> CollectResourceType(
    std::string_view name, const nlohmann::json& body, const TypeDefaults& defaults,
    std::string_view file, std::string_view key_prefix, std::vector<ConfigProblem>& problems) {
  const size_t first_problem = problems.size();
  Checker checker(file, key_prefix, problems);
  ResourceTypeConfig type;
  type.name = std::string(name);
  type.webhook.timeout_seconds = defaults.webhook_timeout_seconds;
  type.webhook.retries = defaults.webhook_retries;
  if (!body.is_object()) {
    checker.Add("", "must be a mapping of settings (repo_url, template_dir, flavors, ...)");
    return std::nullopt;
  }
  checker.UnknownKeys(body, ResourceTypeKeys(), "");
  if (auto body_name = checker.String(body, "name"); body_name && *body_name != name) {
    checker.Add("name",
                "'" + *body_name + "' does not match the type name '" + std::string(name) + "'");
  }
  if (auto v = checker.String(body, "repo_url")) type.repo_url = *v;
  if (auto v = checker.String(body, "template_dir")) {
    type.template_dir = NormalizeTemplateDir(*v);
  } else if (Checker::Find(body, "template_dir") == nullptr) {
    type.template_dir = std::string(name) + "/";
  }
  if (auto v = checker.Bool(body, "cluster_aware")) type.cluster_aware = *v;

  const nlohmann::json* flavors = Checker::Find(body, "flavors");
  if (flavors == nullptr) {
    checker.Add("flavors", "is required: the list of flavors (template names) of this type");
  } else if (!flavors->is_array()) {
    checker.Add("flavors", "must be a list of flavor names");
  } else {
    for (size_t i = 0; i < flavors->size(); ++i) {
      const auto& flavor = (*flavors)[i];
      if (!flavor.is_string()) {
        checker.Add("flavors[" + std::to_string(i) + "]", "must be a string");
        continue;
      }
      type.flavors.push_back(flavor.get<std::string>());
    }
    if (flavors->empty()) checker.Add("flavors", "must list at least one flavor");
  }
  if (auto v = checker.String(body, "branch")) type.branch = *v;
  if (auto v = checker.String(body, "path_template")) {
    type.path_template = *v;
  } else if (Checker::Find(body, "path_template") == nullptr) {
    type.path_template = DefaultPathTemplate(type.cluster_aware);
  }
  if (auto v = checker.Bool(body, "strict_undefined")) type.strict_undefined = *v;
  if (auto v = checker.String(body, "template_extension")) type.template_extension = *v;

  if (const nlohmann::json* webhook = Checker::Find(body, "webhook")) {
    if (!webhook->is_object()) {
      checker.Add("webhook", "must be a mapping (enabled, url, mode, timeout, retries)");
    } else {
      checker.UnknownKeys(*webhook, WebhookKeys(), "webhook");
      if (auto v = checker.Bool(*webhook, "enabled", "webhook")) type.webhook.enabled = *v;
      if (auto v = checker.String(*webhook, "url", "webhook")) type.webhook.url = *v;
      if (auto v = checker.String(*webhook, "mode", "webhook")) {
        if (*v == "single") {
          type.webhook.mode = WebhookMode::kSingle;
        } else if (*v == "staged") {
          type.webhook.mode = WebhookMode::kStaged;
        } else {
          checker.Add("webhook.mode", "must be 'single' or 'staged', not '" + *v + "'");
        }
      }
      if (auto v = checker.Int(*webhook, "timeout", 1, 3600, "webhook")) {
        type.webhook.timeout_seconds = *v;
      }
      if (auto v = checker.Int(*webhook, "retries", 0, 100, "webhook")) type.webhook.retries = *v;
      ReadWebhookSecret(*webhook, defaults, checker, type.webhook);
      if (const nlohmann::json* events = Checker::Find(*webhook, "events")) {
        if (!events->is_array()) {
          checker.Add("webhook.events", "must be a list of event names");
        } else if (events->empty()) {
          checker.Add("webhook.events",
                      "must list at least one event (leave it out to send every event)");
        } else {
          for (size_t i = 0; i < events->size(); ++i) {
            if (!(*events)[i].is_string()) {
              checker.Add("webhook.events[" + std::to_string(i) + "]", "must be a string");
              continue;
            }
            type.webhook.events.push_back((*events)[i].get<std::string>());
          }
        }
      }
    }
  }

  // Field rules; a key already reported while reading (missing, wrong type) is not repeated.
  std::set<std::string> reported;
  for (size_t i = first_problem; i < problems.size(); ++i) reported.insert(problems[i].key);
  for (auto& problem : ValidateResourceType(type, file, key_prefix)) {
    if (!reported.count(problem.key)) problems.push_back(std::move(problem));
  }
  if (problems.size() > first_problem) return std::nullopt;
  return type;
}

Result<ResourceTypeConfig> ParseResourceType(std::string_view name, const nlohmann::json& body,
                                             const TypeDefaults& defaults) {
  std::vector<ConfigProblem> problems;
  auto type = CollectResourceType(name, body, defaults, "", "", problems);
  if (!type) return ProblemsToError(problems);
  return *std::move(type);
}

std::vector<ConfigProblem> ValidateResourceType(const ResourceTypeConfig& type,
                                                std::string_view file,
                                                std::string_view key_prefix) {
  std::vector<ConfigProblem> problems;
  Checker checker(file, key_prefix, problems);
  CheckFields(type, checker);
  return problems;
}

std::vector<std::string> PathTemplateProblems(std::string_view path_template, bool cluster_aware) {
  std::vector<std::string> problems;
  if (path_template.empty()) {
    problems.push_back("must not be empty");
    return problems;
  }
  if (path_template.front() == '/') problems.push_back("must be relative (no leading '/')");
  if (path_template.find('\\') != std::string_view::npos) {
    problems.push_back("must use '/' as separator, not '\\'");
  }
  if (path_template.back() == '/') problems.push_back("must name a file (no trailing '/')");
  std::string_view inner = path_template;
  while (!inner.empty() && inner.front() == '/') inner.remove_prefix(1);
  while (!inner.empty() && inner.back() == '/') inner.remove_suffix(1);
  if (!inner.empty() && HasDotDotOrEmptySegment(inner)) {
    problems.push_back("must not contain '..', '.' or empty segments");
  }
  std::set<std::string> used;
  size_t pos = 0;
  while (pos < path_template.size()) {
    char c = path_template[pos];
    if (c == '}') {
      problems.push_back("has a '}' without a matching '{'");
      break;
    }
    if (c != '{') {
      ++pos;
      continue;
    }
    size_t close = path_template.find_first_of("{}", pos + 1);
    if (close == std::string_view::npos || path_template[close] != '}') {
      problems.push_back("has a '{' without a matching '}'");
      break;
    }
    std::string placeholder(path_template.substr(pos + 1, close - pos - 1));
    if (std::find(std::begin(kPlaceholders), std::end(kPlaceholders), placeholder) ==
        std::end(kPlaceholders)) {
      problems.push_back("unknown placeholder '{" + placeholder +
                         "}' (allowed: {tenant_id} {cluster_id} {resource_type} {name} {flavor})");
    }
    used.insert(placeholder);
    pos = close + 1;
  }
  if (!used.count("name")) problems.push_back("must contain {name}");
  if (!used.count("tenant_id")) problems.push_back("must contain {tenant_id}");
  if (used.count("cluster_id") && !cluster_aware) {
    problems.push_back("uses {cluster_id} but the type is not cluster_aware");
  }
  if (!used.count("cluster_id") && cluster_aware) {
    problems.push_back(
        "must contain {cluster_id} because the type is cluster_aware (otherwise the same name in "
        "two clusters would be one file)");
  }
  return problems;
}

std::string DefaultPathTemplate(bool cluster_aware) {
  return cluster_aware ? "tenants/{tenant_id}/{cluster_id}/{resource_type}/{name}/manifest.yaml"
                       : "tenants/{tenant_id}/{resource_type}/{name}/manifest.yaml";
}

std::string ExpandPathTemplate(const ResourceTypeConfig& type, std::string_view tenant_id,
                               std::string_view cluster_id, std::string_view name,
                               std::string_view flavor) {
  const std::string& tmpl = type.path_template;
  std::string out;
  out.reserve(tmpl.size() + 64);
  size_t pos = 0;
  while (pos < tmpl.size()) {
    size_t open = tmpl.find('{', pos);
    if (open == std::string::npos) break;
    size_t close = tmpl.find('}', open);
    if (close == std::string::npos) break;
    out.append(tmpl, pos, open - pos);
    std::string_view placeholder = std::string_view(tmpl).substr(open + 1, close - open - 1);
    if (placeholder == "tenant_id") {
      out.append(tenant_id);
    } else if (placeholder == "cluster_id") {
      out.append(cluster_id);
    } else if (placeholder == "resource_type") {
      out.append(type.name);
    } else if (placeholder == "name") {
      out.append(name);
    } else if (placeholder == "flavor") {
      out.append(flavor);
    } else {
      out.append(tmpl, open, close - open + 1);  // validation rejects this; keep it visible
    }
    pos = close + 1;
  }
  out.append(tmpl, pos, std::string::npos);
  return out;
}

std::string TemplateFileName(const ResourceTypeConfig& type, std::string_view flavor) {
  return NormalizeTemplateDir(type.template_dir) + std::string(flavor) + type.template_extension;
}

ManifestFormat OutputFormat(const ResourceTypeConfig& type) {
  const std::string& ext = type.template_extension;
  return ext == ".yaml.j2" || ext == ".yml.j2" ? ManifestFormat::kYaml : ManifestFormat::kText;
}

nlohmann::json ResourceTypeToJson(const ResourceTypeConfig& type, SecretOutput secrets) {
  const WebhookConfig& webhook = type.webhook;
  nlohmann::json secret = nullptr;
  nlohmann::json secret_env = nullptr;
  if (!webhook.secret_env.empty()) {
    secret_env = webhook.secret_env;
  } else if (!webhook.secret.empty()) {
    secret = secrets == SecretOutput::kInclude ? webhook.secret : std::string(kRedactedSecret);
  }
  nlohmann::json events = nullptr;
  if (!webhook.events.empty()) events = webhook.events;
  return nlohmann::json{
      {"name", type.name},
      {"repo_url", type.repo_url},
      {"template_dir", type.template_dir},
      {"cluster_aware", type.cluster_aware},
      {"flavors", type.flavors},
      {"branch", type.branch},
      {"path_template", type.path_template},
      {"strict_undefined", type.strict_undefined},
      {"template_extension", type.template_extension},
      {"webhook",
       {{"enabled", type.webhook.enabled},
        {"url", type.webhook.url},
        {"mode", std::string(WebhookModeName(type.webhook.mode))},
        {"timeout", type.webhook.timeout_seconds},
        {"retries", type.webhook.retries},
        {"secret", std::move(secret)},
        {"secret_env", std::move(secret_env)},
        {"events", std::move(events)}}},
  };
}

}  // namespace gitops::config
