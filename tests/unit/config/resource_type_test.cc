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
