#include "config/resource_type.h"

#include <gtest/gtest.h>

namespace gitops::config {
namespace {

using nlohmann::json;

json NamespaceBody() {
  return json::parse(R"({
    "repo_url": "/srv/git/ocp.git",
    "template_dir": "namespaces/",
    "cluster_aware": true,
    "webhook": {"enabled": false, "url": "https://webhook.example.com/namespace", "mode": "single"},
    "flavors": ["small", "medium", "large", "custom"],
    "path_template": "tenants/{tenant_id}/{cluster_id}/namespace/{name}/manifest.yaml"
  })");
}

// Every problem's "key: message" for a body, in order.
std::vector<std::string> Problems(const std::string& name, const json& body) {
  std::vector<ConfigProblem> problems;
  auto type = CollectResourceType(name, body, {}, "", "", problems);
  EXPECT_EQ(type.has_value(), problems.empty());
  std::vector<std::string> out;
  for (const auto& p : problems) out.push_back(p.ToString());
  return out;
}

TEST(ParseResourceTypeTest, ReadsEveryKey) {
  json body = NamespaceBody();
  body["branch"] = "release";
  body["strict_undefined"] = true;
  body["template_extension"] = ".yml.j2";
  body["webhook"]["timeout"] = 5;
  body["webhook"]["retries"] = 0;
  body["webhook"]["mode"] = "staged";
  auto type = ParseResourceType("namespace", body);
  ASSERT_TRUE(type.ok()) << type.error().details;
  EXPECT_EQ(type->name, "namespace");
  EXPECT_EQ(type->repo_url, "/srv/git/ocp.git");
  EXPECT_EQ(type->template_dir, "namespaces/");
  EXPECT_TRUE(type->cluster_aware);
  EXPECT_EQ(type->flavors, (std::vector<std::string>{"small", "medium", "large", "custom"}));
  EXPECT_EQ(type->branch, "release");
  EXPECT_TRUE(type->strict_undefined);
  EXPECT_EQ(type->template_extension, ".yml.j2");
  EXPECT_FALSE(type->webhook.enabled);
  EXPECT_EQ(type->webhook.url, "https://webhook.example.com/namespace");
  EXPECT_EQ(type->webhook.mode, WebhookMode::kStaged);
  EXPECT_EQ(type->webhook.timeout_seconds, 5);
  EXPECT_EQ(type->webhook.retries, 0);
}

TEST(ParseResourceTypeTest, DefaultsForAbsentKeys) {
  auto type = ParseResourceType("loadbalancer", json{{"flavors", {"small"}}}, {12, 7});
  ASSERT_TRUE(type.ok()) << type.error().details;
  EXPECT_EQ(type->repo_url, "");
  EXPECT_EQ(type->template_dir, "loadbalancer/");
  EXPECT_FALSE(type->cluster_aware);
  EXPECT_EQ(type->branch, "main");
  EXPECT_EQ(type->path_template, "tenants/{tenant_id}/{resource_type}/{name}/manifest.yaml");
  EXPECT_FALSE(type->strict_undefined);
  EXPECT_EQ(type->template_extension, ".yaml.j2");
  EXPECT_FALSE(type->webhook.enabled);
  EXPECT_EQ(type->webhook.mode, WebhookMode::kSingle);
  EXPECT_EQ(type->webhook.timeout_seconds, 12);
  EXPECT_EQ(type->webhook.retries, 7);
}

TEST(ParseResourceTypeTest, ClusterAwareDefaultPathHasCluster) {
  auto type = ParseResourceType("lb", json{{"flavors", {"small"}}, {"cluster_aware", true}});
  ASSERT_TRUE(type.ok());
  EXPECT_EQ(type->path_template,
            "tenants/{tenant_id}/{cluster_id}/{resource_type}/{name}/manifest.yaml");
}

TEST(ParseResourceTypeTest, TemplateDirGetsTrailingSlash) {
  auto type = ParseResourceType("lb", json{{"flavors", {"small"}}, {"template_dir", "lbs"}});
  ASSERT_TRUE(type.ok());
  EXPECT_EQ(type->template_dir, "lbs/");
}

TEST(ParseResourceTypeTest, NullCountsAsAbsent) {
  auto type = ParseResourceType(
      "lb", json{{"flavors", {"small"}}, {"repo_url", nullptr}, {"webhook", nullptr}});
  ASSERT_TRUE(type.ok());
  EXPECT_EQ(type->repo_url, "");
}

TEST(ParseResourceTypeTest, NameKeyMustMatch) {
  EXPECT_TRUE(ParseResourceType("lb", json{{"name", "lb"}, {"flavors", {"a"}}}).ok());
  EXPECT_EQ(Problems("lb", json{{"name", "other"}, {"flavors", {"a"}}}),
            std::vector<std::string>{"name: 'other' does not match the type name 'lb'"});
}

TEST(ParseResourceTypeTest, UnknownKeySuggestsTheKnownOne) {
  json body = NamespaceBody();
  body["flavour"] = "small";
  body["webhook"]["retry"] = 2;
  EXPECT_EQ(Problems("namespace", body),
            (std::vector<std::string>{"flavour: unknown key (did you mean 'flavors'?)",
                                      "webhook.retry: unknown key (did you mean 'retries'?)"}));
}

TEST(ParseResourceTypeTest, ReportsEveryProblemAtOnce) {
  json body = {{"cluster_aware", "yes"},
               {"flavors", json::array()},
               {"branch", "a b"},
               {"webhook", {{"enabled", true}, {"mode", "batch"}, {"timeout", 0}}}};
  EXPECT_EQ(Problems("Bad_Name", body),
            (std::vector<std::string>{
                "cluster_aware: must be true or false",
                "flavors: must list at least one flavor",
                "webhook.mode: must be 'single' or 'staged', not 'batch'",
                "webhook.timeout: must be an integer from 1 to 3600",
                "type name must consist of lower case alphanumeric characters or '-' (a DNS-1123 "
                "label)",
                "branch: is not a valid Git branch name",
                "webhook.url: is required when webhook.enabled is true",
            }));
}

TEST(ParseResourceTypeTest, ErrorCarriesFirstProblemAndAllInDetails) {
  auto type = ParseResourceType("vm", json{{"flavors", "small"}, {"cluster_aware", 1}});
  ASSERT_FALSE(type.ok());
  EXPECT_EQ(type.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(type.error().message, "cluster_aware: must be true or false (and 1 more problem)");
  EXPECT_EQ(type.error().details,
            "cluster_aware: must be true or false\nflavors: must be a list of flavor names");
}

struct BodyCase {
  std::string name;
  json body;
  std::string problem;  // the one expected problem
};

TEST(ParseResourceTypeTest, ValidationTable) {
  const json f = {"small"};
  const BodyCase cases[] = {
      {"vm", json::array(), "must be a mapping of settings (repo_url, template_dir, flavors, ...)"},
      {"vm", json::object(),
       "flavors: is required: the list of flavors (template names) of this "
       "type"},
      {"vm",
       {{"flavors", {"small", "Small"}}},
       "flavors[1]: flavor 'Small' must consist of lower case alphanumeric characters or '-' (a "
       "DNS-1123 label)"},
      {"vm", {{"flavors", {"small", "small"}}}, "flavors[1]: flavor 'small' is listed twice"},
      {"vm", {{"flavors", {"small", 3}}}, "flavors[1]: must be a string"},
      {"status", {{"flavors", f}}, "type name 'status' is reserved by the API (/api/v1/status)"},
      {std::string(64, 'a'), {{"flavors", f}}, "type name must be at most 63 characters"},
      {"vm",
       {{"flavors", f}, {"template_dir", "/abs"}},
       "template_dir: must be relative to the template repository (no leading '/')"},
      {"vm",
       {{"flavors", f}, {"template_dir", "../up"}},
       "template_dir: must not contain '..', '.' or empty segments"},
      {"vm",
       {{"flavors", f}, {"template_extension", "yaml.j2"}},
       "template_extension: must start with '.' (e.g. \".yaml.j2\")"},
      {"vm",
       {{"flavors", f}, {"repo_url", "has space"}},
       "repo_url: must not contain spaces or control characters"},
      {"vm",
       {{"flavors", f}, {"webhook", {{"url", "ftp://x"}}}},
       "webhook.url: must start with http:// or https://"},
      {"vm",
       {{"flavors", f}, {"webhook", {{"retries", -1}}}},
       "webhook.retries: must be an integer from 0 to 100"},
      {"vm",
       {{"flavors", f}, {"webhook", {{"timeout", 1.5}}}},
       "webhook.timeout: must be an integer from 1 to 3600"},
      {"vm",
       {{"flavors", f}, {"webhook", "on"}},
       "webhook: must be a mapping (enabled, url, mode, timeout, retries)"},
      {"vm", {{"flavors", f}, {"path_template", 5}}, "path_template: must be a string"},
      {"vm",
       {{"flavors", f}, {"strict_undefined", "true"}},
       "strict_undefined: must be true or false"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(Problems(c.name, c.body), std::vector<std::string>{c.problem}) << c.body.dump();
  }
}

struct PathCase {
  std::string path_template;
  bool cluster_aware;
  std::vector<std::string> problems;
};

TEST(PathTemplateProblemsTest, Table) {
  const std::string kAllowed =
      "(allowed: {tenant_id} {cluster_id} {resource_type} {name} {flavor})";
  const PathCase cases[] = {
      {"tenants/{tenant_id}/{cluster_id}/namespace/{name}/manifest.yaml", true, {}},
      {"tenants/{tenant_id}/{name}/manifest.yaml", false, {}},
      {"tenants/{tenant_id}/{name}.pkr.hcl", false, {}},
      {"tenants/{tenant_id}/{cluster_id}/{flavor}/{name}/manifest.yaml", true, {}},
      {"{tenant_id}/{resource_type}-{name}.yaml", false, {}},
      {"", false, {"must not be empty"}},
      {"/tenants/{tenant_id}/{name}.yaml", false, {"must be relative (no leading '/')"}},
      {"tenants/{tenant_id}/{name}/", false, {"must name a file (no trailing '/')"}},
      {"tenants/../{tenant_id}/{name}.yaml",
       false,
       {"must not contain '..', '.' or empty segments"}},
      {"tenants//{tenant_id}/{name}.yaml", false, {"must not contain '..', '.' or empty segments"}},
      {"tenants\\{tenant_id}\\{name}.yaml", false, {"must use '/' as separator, not '\\'"}},
      {"tenants/{tenant_id}/{namespace}/{name}.yaml",
       false,
       {"unknown placeholder '{namespace}' " + kAllowed}},
      {"tenants/{tenant_id}/{name.yaml",
       false,
       {"has a '{' without a matching '}'", "must contain {name}"}},
      {"tenants/{tenant_id}/name}.yaml",
       false,
       {"has a '}' without a matching '{'", "must contain {name}"}},
      {"tenants/{tenant_id}/manifest.yaml", false, {"must contain {name}"}},
      {"tenants/{name}/manifest.yaml", false, {"must contain {tenant_id}"}},
      {"tenants/{tenant_id}/{cluster_id}/{name}.yaml",
       false,
       {"uses {cluster_id} but the type is not cluster_aware"}},
      {"tenants/{tenant_id}/{name}.yaml",
       true,
       {"must contain {cluster_id} because the type is cluster_aware (otherwise the same name in "
        "two clusters would be one file)"}},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(PathTemplateProblems(c.path_template, c.cluster_aware), c.problems)
        << c.path_template;
  }
}

TEST(PathTemplateProblemsTest, ReportedWithKeyWhenParsing) {
  EXPECT_EQ(Problems("vm", json{{"flavors", {"a"}}, {"path_template", "x/{tenant_id}.yaml"}}),
            std::vector<std::string>{"path_template: must contain {name}"});
}

struct ExpandCase {
  std::string path_template;
  bool cluster_aware;
  std::string cluster;
  std::string expected;
};

TEST(ExpandPathTemplateTest, SeedDefaultsAndPrototypeRule) {
  const ExpandCase cases[] = {
      {"tenants/{tenant_id}/{cluster_id}/namespace/{name}/manifest.yaml", true, "cluster-a",
       "tenants/tenant1/cluster-a/namespace/web/manifest.yaml"},
      {"tenants/{tenant_id}/{name}/manifest.yaml", false, "", "tenants/tenant1/web/manifest.yaml"},
      {"tenants/{tenant_id}/{name}.pkr.hcl", false, "", "tenants/tenant1/web.pkr.hcl"},
      {"tenants/{tenant_id}/{cluster_id}/{flavor}/{name}/manifest.yaml", true, "cluster-a",
       "tenants/tenant1/cluster-a/small/web/manifest.yaml"},
      {DefaultPathTemplate(true), true, "c1", "tenants/tenant1/c1/thing/web/manifest.yaml"},
      {DefaultPathTemplate(false), false, "", "tenants/tenant1/thing/web/manifest.yaml"},
  };
  for (const auto& c : cases) {
    ResourceTypeConfig type;
    type.name = "thing";
    type.cluster_aware = c.cluster_aware;
    type.path_template = c.path_template;
    EXPECT_EQ(ExpandPathTemplate(type, "tenant1", c.cluster, "web", "small"), c.expected);
  }
}

TEST(TemplateFileNameTest, DirFlavorExtension) {
  ResourceTypeConfig type;
  type.template_dir = "namespaces/";
  EXPECT_EQ(TemplateFileName(type, "small"), "namespaces/small.yaml.j2");
  type.template_dir = "osimage";
  type.template_extension = ".pkr.hcl.j2";
  EXPECT_EQ(TemplateFileName(type, "ubuntu-small"), "osimage/ubuntu-small.pkr.hcl.j2");
  type.template_dir = "";
  EXPECT_EQ(TemplateFileName(type, "x"), "x.pkr.hcl.j2");
}

TEST(OutputFormatTest, YamlOnlyForYamlExtensions) {
  ResourceTypeConfig type;
  EXPECT_EQ(OutputFormat(type), ManifestFormat::kYaml);
  type.template_extension = ".yml.j2";
  EXPECT_EQ(OutputFormat(type), ManifestFormat::kYaml);
  type.template_extension = ".pkr.hcl.j2";
  EXPECT_EQ(OutputFormat(type), ManifestFormat::kText);
}

TEST(ResourceTypeToJsonTest, RoundTrips) {
  json body = NamespaceBody();
  body["webhook"]["mode"] = "staged";
  body["strict_undefined"] = true;
  auto type = ParseResourceType("namespace", body);
  ASSERT_TRUE(type.ok());
  json out = ResourceTypeToJson(*type);
  EXPECT_EQ(out["name"], "namespace");
  EXPECT_EQ(out["webhook"]["mode"], "staged");
  auto again = ParseResourceType("namespace", out);
  ASSERT_TRUE(again.ok()) << again.error().details;
  EXPECT_EQ(*again, *type);
}

TEST(WebhookConfigTest, ReadsSecretAndEvents) {
  json body = {{"flavors", {"a"}},
               {"webhook",
                {{"enabled", true},
                 {"url", "https://hooks.example.com/x"},
                 {"mode", "staged"},
                 {"secret", "s3cret"},
                 {"events", {"committed", "failed"}}}}};
  auto type = ParseResourceType("vm", body);
  ASSERT_TRUE(type.ok()) << type.error().details;
  EXPECT_EQ(type->webhook.secret, "s3cret");
  EXPECT_EQ(type->webhook.secret_env, "");
  EXPECT_EQ(type->webhook.events, (std::vector<std::string>{"committed", "failed"}));
  EXPECT_TRUE(type->webhook.Sends("committed"));
  EXPECT_FALSE(type->webhook.Sends("pushed"));
}

TEST(WebhookConfigTest, NoEventsListSendsEveryEventWhenEnabled) {
  WebhookConfig webhook;
  EXPECT_FALSE(webhook.Sends("completed"));
  webhook.enabled = true;
  for (const auto& event : WebhookEventNames()) EXPECT_TRUE(webhook.Sends(event)) << event;
}

TEST(WebhookConfigTest, SecretEnvIsResolvedFromTheEnvironment) {
  EnvMap env{{"VM_HOOK_SECRET", "from-env"}};
  TypeDefaults defaults;
  defaults.environment = &env;
  auto type = ParseResourceType(
      "vm", json{{"flavors", {"a"}}, {"webhook", {{"secret_env", "VM_HOOK_SECRET"}}}}, defaults);
  ASSERT_TRUE(type.ok()) << type.error().details;
  EXPECT_EQ(type->webhook.secret, "from-env");
  EXPECT_EQ(type->webhook.secret_env, "VM_HOOK_SECRET");
}

TEST(WebhookConfigTest, UnsetSecretEnvNamesKeyAndVariable) {
  EnvMap env{{"OTHER", "x"}, {"EMPTY_SECRET", ""}};
  std::vector<ConfigProblem> problems;
  TypeDefaults defaults;
  defaults.environment = &env;
  for (const char* name : {"VM_HOOK_SECRET", "EMPTY_SECRET"}) {
    problems.clear();
    auto type =
        CollectResourceType("vm", json{{"flavors", {"a"}}, {"webhook", {{"secret_env", name}}}},
                            defaults, "f.yaml", "resource_types.vm", problems);
    EXPECT_FALSE(type);
    ASSERT_EQ(problems.size(), 1u);
    EXPECT_EQ(problems[0].key, "resource_types.vm.webhook.secret_env");
    EXPECT_EQ(problems[0].message, "environment variable " + std::string(name) + " is not set");
  }
}

TEST(WebhookConfigTest, SecretEnvIsRefusedWithoutAnEnvironment) {
  // Types added through the API parse without an environment: they must not read it.
  auto problems = Problems("vm", json{{"flavors", {"a"}}, {"webhook", {{"secret_env", "HOME"}}}});
  EXPECT_EQ(problems,
            std::vector<std::string>{"webhook.secret_env: is only read from resource_configs.yaml "
                                     "(a type added through the API gives secret)"});
}

TEST(WebhookConfigTest, ValidationTable) {
  const json f = {"a"};
  const BodyCase cases[] = {
      {"vm",
       {{"flavors", f}, {"webhook", {{"secret", "x"}, {"secret_env", "X"}}}},
       "webhook.secret_env: give either secret or secret_env, not both"},
      {"vm",
       {{"flavors", f}, {"webhook", {{"secret", ""}}}},
       "webhook.secret: must not be empty (leave it out to send unsigned)"},
      {"vm", {{"flavors", f}, {"webhook", {{"secret", 5}}}}, "webhook.secret: must be a string"},
      {"vm",
       {{"flavors", f}, {"webhook", {{"secret", "<redacted>"}}}},
       "webhook.secret: is the placeholder the API shows instead of a secret; give the secret "
       "itself (or secret_env)"},
      {"vm",
       {{"flavors", f}, {"webhook", {{"secret_env", "1BAD-NAME"}}}},
       "webhook.secret_env: must be the name of an environment variable"},
      {"vm",
       {{"flavors", f}, {"webhook", {{"events", "failed"}}}},
       "webhook.events: must be a list of event names"},
      {"vm",
       {{"flavors", f}, {"webhook", {{"events", json::array()}}}},
       "webhook.events: must list at least one event (leave it out to send every event)"},
      {"vm",
       {{"flavors", f}, {"webhook", {{"events", {"failed", 3}}}}},
       "webhook.events[1]: must be a string"},
      {"vm",
       {{"flavors", f}, {"webhook", {{"mode", "staged"}, {"events", {"deployed"}}}}},
       "webhook.events[0]: unknown event 'deployed' (known: submitted, started, rendered, "
       "committed, pushed, completed, failed)"},
      {"vm",
       {{"flavors", f}, {"webhook", {{"events", {"failed", "failed"}}}}},
       "webhook.events[1]: event 'failed' is listed twice"},
      {"vm",
       {{"flavors", f}, {"webhook", {{"events", {"failed", "pushed"}}}}},
       "webhook.events[1]: event 'pushed' is never sent in single mode (only completed and "
       "failed); use mode: staged"},
      {"vm",
       {{"flavors", f}, {"webhook", {{"url", "https:///path"}}}},
       "webhook.url: must name a host (http://host/...)"},
      {"vm",
       {{"flavors", f}, {"webhook", {{"url", "http://"}}}},
       "webhook.url: must name a host (http://host/...)"},
      {"vm",
       {{"flavors", f}, {"webhook", {{"url", "https://user:pw@hooks.example.com/"}}}},
       "webhook.url: must not carry credentials (user@host); use webhook.secret to "
       "authenticate"},
      {"vm",
       {{"flavors", f}, {"webhook", {{"url", "http://hooks.example.com:99999/"}}}},
       "webhook.url: has an invalid port '99999'"},
      {"vm",
       {{"flavors", f}, {"webhook", {{"url", "http://hooks.example.com:/"}}}},
       "webhook.url: has an empty port"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(Problems(c.name, c.body), std::vector<std::string>{c.problem}) << c.body.dump();
  }
}

TEST(WebhookConfigTest, AcceptsUsualUrls) {
  for (const char* url : {"http://127.0.0.1:8080/hook", "https://hooks.example.com",
                          "https://hooks.example.com/a?b=c", "http://[::1]:9000/x"}) {
    EXPECT_TRUE(Problems("vm", json{{"flavors", {"a"}}, {"webhook", {{"url", url}}}}).empty())
        << url;
  }
}

TEST(ResourceTypeToJsonTest, RedactsALiteralSecret) {
  json body = NamespaceBody();
  body["webhook"]["secret"] = "top-secret-value";
  auto type = ParseResourceType("namespace", body);
  ASSERT_TRUE(type.ok()) << type.error().details;
  json out = ResourceTypeToJson(*type);
  EXPECT_EQ(out["webhook"]["secret"], "<redacted>");
  EXPECT_EQ(out.dump().find("top-secret-value"), std::string::npos);
  // The redacted form cannot be posted back as if it were the secret.
  EXPECT_FALSE(ParseResourceType("namespace", out).ok());
}

TEST(ResourceTypeToJsonTest, IncludeKeepsTheSecretForPersistence) {
  json body = NamespaceBody();
  body["webhook"]["secret"] = "top-secret-value";
  body["webhook"]["events"] = {"failed"};
  auto type = ParseResourceType("namespace", body);
  ASSERT_TRUE(type.ok()) << type.error().details;
  auto again = ParseResourceType("namespace", ResourceTypeToJson(*type, SecretOutput::kInclude));
  ASSERT_TRUE(again.ok()) << again.error().details;
  EXPECT_EQ(*again, *type);
}

TEST(ResourceTypeToJsonTest, SecretFromEnvironmentShowsOnlyTheVariableName) {
  EnvMap env{{"NS_HOOK", "env-secret-value"}};
  TypeDefaults defaults;
  defaults.environment = &env;
  json body = NamespaceBody();
  body["webhook"]["secret_env"] = "NS_HOOK";
  auto type = ParseResourceType("namespace", body, defaults);
  ASSERT_TRUE(type.ok()) << type.error().details;
  for (SecretOutput secrets : {SecretOutput::kRedact, SecretOutput::kInclude}) {
    json out = ResourceTypeToJson(*type, secrets);
    EXPECT_EQ(out["webhook"]["secret_env"], "NS_HOOK");
    EXPECT_TRUE(out["webhook"]["secret"].is_null());
    EXPECT_EQ(out.dump().find("env-secret-value"), std::string::npos);
  }
  auto again = ParseResourceType("namespace", ResourceTypeToJson(*type), defaults);
  ASSERT_TRUE(again.ok()) << again.error().details;
  EXPECT_EQ(*again, *type);
}

TEST(ValidateResourceTypeTest, ChecksBuiltStruct) {
  ResourceTypeConfig type;
  type.name = "lb";
  type.flavors = {"a"};
  type.path_template = DefaultPathTemplate(false);
  EXPECT_TRUE(ValidateResourceType(type, "f", "resource_types.lb").empty());
  type.cluster_aware = true;
  auto problems = ValidateResourceType(type, "f", "resource_types.lb");
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].key, "resource_types.lb.path_template");
  EXPECT_EQ(problems[0].file, "f");
}

}  // namespace
}  // namespace gitops::config
