#include "config/config.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <fstream>
#include <sstream>
#include <thread>

namespace gitops::config {
namespace {

namespace fs = std::filesystem;

constexpr char kMinimalTypes[] = R"(resource_types:
  vm:
    template_dir: vms/
    flavors: [small]
)";

// A temporary working directory, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "config_test.XXXXXX").string();
    path_ = mkdtemp(pattern.data());
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }
  void Write(const std::string& name, const std::string& text) const {
    fs::create_directories((path_ / name).parent_path());
    std::ofstream(path_ / name, std::ios::binary) << text;
  }

 private:
  fs::path path_;
};

class LoadConfigTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_.Write("resource_configs.yaml", kMinimalTypes); }

  std::vector<std::string> ProblemStrings(const EnvMap& env) {
    std::vector<std::string> out;
    for (const auto& p : LoadConfigWithProblems(env, dir_.path()).problems) {
      out.push_back(p.ToString());
    }
    return out;
  }

  TempDir dir_;
  EnvMap dev_{{"DEV_MODE", "true"}};
};

TEST_F(LoadConfigTest, DefaultsForEveryVariable) {
  auto config = LoadConfig(dev_, dir_.path());
  ASSERT_TRUE(config.ok()) << config.error().details;
  EXPECT_TRUE(config->dev_mode);
  EXPECT_EQ(config->port, 5000);
  EXPECT_EQ(config->data_dir, dir_.path() / "data");
  EXPECT_EQ(config->database_url, "");
  EXPECT_EQ(config->redis_url, "");
  EXPECT_EQ(config->template_repo_url, "");
  EXPECT_EQ(config->template_repo_branch, "main");
  EXPECT_EQ(config->template_dir, dir_.path() / "infra-templates");
  EXPECT_EQ(config->git_username, "");
  EXPECT_EQ(config->git_password, "");
  EXPECT_EQ(config->git_author_name, "gitops-api");
  EXPECT_EQ(config->git_author_email, "gitops-api@localhost");
  EXPECT_EQ(config->tenant_header, "X-Tenant-ID");
  EXPECT_EQ(config->cluster_header, "X-Cluster-ID");
  EXPECT_TRUE(config->require_tenant);
  EXPECT_EQ(config->webhook_timeout_seconds, 30);
  EXPECT_EQ(config->webhook_retries, 3);
  EXPECT_TRUE(config->webhook_simulate);
  EXPECT_EQ(config->resource_config_file, dir_.path() / "resource_configs.yaml");
  EXPECT_EQ(config->resource_config_name, "resource_configs.yaml");
  EXPECT_EQ(config->workers, static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
  EXPECT_EQ(config->log_level, "info");
  EXPECT_EQ(config->max_body_bytes, 1048576u);
  ASSERT_EQ(config->resource_types.size(), 1u);
  EXPECT_EQ(config->resource_types[0].name, "vm");
}

TEST_F(LoadConfigTest, ReadsEveryVariable) {
  dir_.Write("conf/types.yaml", kMinimalTypes);
  EnvMap env = {{"DEV_MODE", "false"},
                {"PORT", "8081"},
                {"DATA_DIR", "/var/lib/gitops"},
                {"DATABASE_URL", "postgresql://u@db/gitops"},
                {"REDIS_URL", "redis://cache:6379/0"},
                {"TEMPLATE_REPO_URL", "https://git.example.com/org/infra-templates.git"},
                {"TEMPLATE_REPO_BRANCH", "stable"},
                {"TEMPLATE_DIR", "tpl"},
                {"GIT_USERNAME", "bot"},
                {"GIT_PASSWORD", "s3cret"},
                {"GIT_AUTHOR_NAME", "Infra Bot"},
                {"GIT_AUTHOR_EMAIL", "bot@example.com"},
                {"TENANT_HEADER", "X-Org"},
                {"CLUSTER_HEADER", "X-Cluster"},
                {"REQUIRE_TENANT", "no"},
                {"WEBHOOK_TIMEOUT", "10"},
                {"WEBHOOK_RETRIES", "5"},
                {"RESOURCE_CONFIG_FILE", "conf/types.yaml"},
                {"WORKERS", "6"},
                {"LOG_LEVEL", "DEBUG"},
                {"MAX_BODY_BYTES", "2048"}};
  auto config = LoadConfig(env, dir_.path());
  ASSERT_TRUE(config.ok()) << config.error().details;
  EXPECT_FALSE(config->dev_mode);
  EXPECT_EQ(config->port, 8081);
  EXPECT_EQ(config->data_dir, fs::path("/var/lib/gitops"));
  EXPECT_EQ(config->database_url, "postgresql://u@db/gitops");
  EXPECT_EQ(config->redis_url, "redis://cache:6379/0");
  EXPECT_EQ(config->template_repo_url, "https://git.example.com/org/infra-templates.git");
  EXPECT_EQ(config->template_repo_branch, "stable");
  EXPECT_EQ(config->template_dir, dir_.path() / "tpl");
  EXPECT_EQ(config->git_username, "bot");
  EXPECT_EQ(config->git_password, "s3cret");
  EXPECT_EQ(config->git_author_name, "Infra Bot");
  EXPECT_EQ(config->git_author_email, "bot@example.com");
  EXPECT_EQ(config->tenant_header, "X-Org");
  EXPECT_EQ(config->cluster_header, "X-Cluster");
  EXPECT_FALSE(config->require_tenant);
  EXPECT_EQ(config->webhook_timeout_seconds, 10);
  EXPECT_EQ(config->webhook_retries, 5);
  EXPECT_EQ(config->resource_config_file, dir_.path() / "conf/types.yaml");
  EXPECT_EQ(config->resource_config_name, "conf/types.yaml");
  EXPECT_EQ(config->workers, 6);
  EXPECT_EQ(config->log_level, "debug");
  EXPECT_EQ(config->max_body_bytes, 2048u);
  // Types inherit the environment's webhook defaults.
  EXPECT_EQ(config->resource_types[0].webhook.timeout_seconds, 10);
  EXPECT_EQ(config->resource_types[0].webhook.retries, 5);
}

TEST_F(LoadConfigTest, BooleanSpellings) {
  const std::pair<std::string, bool> cases[] = {
      {"true", true}, {"TRUE", true}, {"True", true},  {"1", true},
      {"yes", true},  {"YES", true},  {" yes ", true}, {"false", false},
      {"0", false},   {"no", false},  {"No", false},   {"FALSE", false},
  };
  for (const auto& [text, value] : cases) {
    EnvMap env = dev_;
    env["REQUIRE_TENANT"] = text;
    auto config = LoadConfig(env, dir_.path());
    ASSERT_TRUE(config.ok()) << text;
    EXPECT_EQ(config->require_tenant, value) << text;
  }
}

TEST_F(LoadConfigTest, WebhookSimulateDefaultsToDevMode) {
  EnvMap production{{"DEV_MODE", "false"}, {"DATABASE_URL", "postgresql://db/gitops"},
                    {"REDIS_URL", "redis://localhost:6379/0"}};
  auto config = LoadConfig(production, dir_.path());
  ASSERT_TRUE(config.ok()) << config.error().details;
  EXPECT_FALSE(config->webhook_simulate);
  production["WEBHOOK_SIMULATE"] = "true";
  config = LoadConfig(production, dir_.path());
  ASSERT_TRUE(config.ok()) << config.error().details;
  EXPECT_TRUE(config->webhook_simulate);
}

TEST_F(LoadConfigTest, WebhookSimulateFalseSendsInDevMode) {
  EnvMap env = dev_;
  env["WEBHOOK_SIMULATE"] = "false";
  auto config = LoadConfig(env, dir_.path());
  ASSERT_TRUE(config.ok()) << config.error().details;
  EXPECT_FALSE(config->webhook_simulate);
  env["WEBHOOK_SIMULATE"] = "sometimes";
  EXPECT_EQ(ProblemStrings(env),
            std::vector<std::string>{"environment: WEBHOOK_SIMULATE: 'sometimes' is not a boolean "
                                     "(use true/false, 1/0 or yes/no)"});
}

TEST_F(LoadConfigTest, BadValuesNameTheVariable) {
  const std::pair<EnvMap::value_type, std::string> cases[] = {
      {{"PORT", "abc"}, "environment: PORT: 'abc' is not a whole number"},
      {{"PORT", "50x"}, "environment: PORT: '50x' is not a whole number"},
      {{"PORT", "70000"}, "environment: PORT: '70000' is out of range (0 to 65535)"},
      {{"PORT", "99999999999999999999"},
       "environment: PORT: '99999999999999999999' is out of range (0 to 65535)"},
      {{"WORKERS", "0"}, "environment: WORKERS: '0' is out of range (1 to 1024)"},
      {{"MAX_BODY_BYTES", "-1"},
       "environment: MAX_BODY_BYTES: '-1' is out of range (1 to 1073741824)"},
      {{"WEBHOOK_TIMEOUT", "1.5"}, "environment: WEBHOOK_TIMEOUT: '1.5' is not a whole number"},
      {{"WEBHOOK_RETRIES", "-2"}, "environment: WEBHOOK_RETRIES: '-2' is out of range (0 to 100)"},
      {{"REQUIRE_TENANT", "maybe"},
       "environment: REQUIRE_TENANT: 'maybe' is not a boolean (use true/false, 1/0 or yes/no)"},
      {{"LOG_LEVEL", "loud"},
       "environment: LOG_LEVEL: 'loud' is not one of trace, debug, info, warn, error, critical, "
       "off"},
      {{"TENANT_HEADER", "X Tenant"},
       "environment: TENANT_HEADER: 'X Tenant' is not a valid header name"},
      {{"CLUSTER_HEADER", "x-tenant-id"},
       "environment: CLUSTER_HEADER: must differ from TENANT_HEADER"},
      {{"TEMPLATE_REPO_BRANCH", "a..b"},
       "environment: TEMPLATE_REPO_BRANCH: 'a..b' is not a valid Git branch name"},
      {{"GIT_AUTHOR_EMAIL", "<x>"},
       "environment: GIT_AUTHOR_EMAIL: must not contain '<', '>' or a newline"},
  };
  for (const auto& [variable, message] : cases) {
    EnvMap env = dev_;
    env[variable.first] = variable.second;
    EXPECT_EQ(ProblemStrings(env), std::vector<std::string>{message}) << variable.first;
  }
}

TEST_F(LoadConfigTest, EmptyValueCountsAsUnset) {
  EnvMap env = dev_;
  env["PORT"] = "";
  env["GIT_AUTHOR_NAME"] = "";
  auto config = LoadConfig(env, dir_.path());
  ASSERT_TRUE(config.ok());
  EXPECT_EQ(config->port, 5000);
  EXPECT_EQ(config->git_author_name, "gitops-api");
}

TEST_F(LoadConfigTest, WarningIsAnAliasOfWarn) {
  EnvMap env = dev_;
  env["LOG_LEVEL"] = "Warning";
  auto config = LoadConfig(env, dir_.path());
  ASSERT_TRUE(config.ok());
  EXPECT_EQ(config->log_level, "warn");
}

TEST_F(LoadConfigTest, ProductionNeedsDatabaseAndRedis) {
  EXPECT_EQ(ProblemStrings({}),
            (std::vector<std::string>{
                "environment: DATABASE_URL: is required when DEV_MODE is false (or set "
                "DEV_MODE=true)",
                "environment: REDIS_URL: is required when DEV_MODE is false (or set "
                "DEV_MODE=true)"}));
}

TEST_F(LoadConfigTest, DotEnvSuppliesValues) {
  dir_.Write(".env", "# local settings\nexport DEV_MODE=yes\nPORT=\"6000\"\nLOG_LEVEL=debug\n");
  auto config = LoadConfig({}, dir_.path());
  ASSERT_TRUE(config.ok()) << config.error().details;
  EXPECT_TRUE(config->dev_mode);
  EXPECT_EQ(config->port, 6000);
  EXPECT_EQ(config->log_level, "debug");
}

TEST_F(LoadConfigTest, RealEnvironmentWinsOverDotEnv) {
  dir_.Write(".env", "DEV_MODE=true\nPORT=6000\n");
  auto config = LoadConfig({{"PORT", "7000"}}, dir_.path());
  ASSERT_TRUE(config.ok()) << config.error().details;
  EXPECT_EQ(config->port, 7000);
  EXPECT_TRUE(config->dev_mode);
}

TEST_F(LoadConfigTest, ProblemFromDotEnvValueNamesDotEnv) {
  dir_.Write(".env", "PORT=oops\n");
  EXPECT_EQ(ProblemStrings(dev_),
            std::vector<std::string>{".env: PORT: 'oops' is not a whole number"});
}

TEST_F(LoadConfigTest, BadDotEnvLineNamesFileAndLine) {
  dir_.Write(".env", "DEV_MODE=true\n\nthis is not an assignment\n");
  EXPECT_EQ(ProblemStrings(dev_), std::vector<std::string>{".env:3: expected '=' after this"});
}

TEST_F(LoadConfigTest, MissingResourceConfigFile) {
  EnvMap env = dev_;
  env["RESOURCE_CONFIG_FILE"] = "nope.yaml";
  auto problems = ProblemStrings(env);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].rfind("nope.yaml: cannot read the resource type file ", 0), 0u)
      << problems[0];
}

TEST_F(LoadConfigTest, YamlSyntaxErrorNamesLine) {
  dir_.Write("resource_configs.yaml", "resource_types:\n  vm: {flavors: [a\n");
  auto problems = ProblemStrings(dev_);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].rfind("resource_configs.yaml:", 0), 0u) << problems[0];
}

TEST_F(LoadConfigTest, UnknownKeyNamesFileKeyPathAndLine) {
  dir_.Write("resource_configs.yaml",
             "resource_types:\n"
             "  vm:\n"
             "    template_dir: vms/\n"
             "    flavour: [small]\n"
             "resource_type: {}\n");
  EXPECT_EQ(ProblemStrings(dev_),
            (std::vector<std::string>{
                "resource_configs.yaml:5: resource_type: unknown key (did you mean "
                "'resource_types'?)",
                "resource_configs.yaml:4: resource_types.vm.flavour: unknown key (did you mean "
                "'flavors'?)",
                "resource_configs.yaml:2: resource_types.vm.flavors: is required: the list of "
                "flavors (template names) of this type"}));
}

TEST_F(LoadConfigTest, EveryProblemOfEnvironmentAndFileTogether) {
  dir_.Write("resource_configs.yaml",
             "resource_types:\n"
             "  vm: {flavors: [small], cluster_aware: maybe}\n"
             "  Bad: {flavors: [x]}\n");
  EnvMap env = dev_;
  env["PORT"] = "http";
  auto load = LoadConfigWithProblems(env, dir_.path());
  EXPECT_FALSE(load.config.has_value());
  ASSERT_EQ(load.problems.size(), 3u);
  EXPECT_EQ(load.problems[0].key, "PORT");
  EXPECT_EQ(load.problems[1].key, "resource_types.vm.cluster_aware");
  EXPECT_EQ(load.problems[1].line, 2);
  EXPECT_EQ(load.problems[2].key, "resource_types.Bad");
  EXPECT_EQ(load.problems[2].line, 3);
  auto config = LoadConfig(env, dir_.path());
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(config.error().message,
            "environment: PORT: 'http' is not a whole number (and 2 more problems)");
}

TEST_F(LoadConfigTest, TypesKeepFileOrder) {
  dir_.Write("resource_configs.yaml",
             "resource_types:\n  zeta: {flavors: [a]}\n  alpha: {flavors: [a]}\n"
             "  mid: {flavors: [a]}\n");
  auto config = LoadConfig(dev_, dir_.path());
  ASSERT_TRUE(config.ok());
  ASSERT_EQ(config->resource_types.size(), 3u);
  EXPECT_EQ(config->resource_types[0].name, "zeta");
  EXPECT_EQ(config->resource_types[1].name, "alpha");
  EXPECT_EQ(config->resource_types[2].name, "mid");
  EXPECT_EQ(config->FindType("mid"), &config->resource_types[2]);
  EXPECT_EQ(config->FindType("none"), nullptr);
}

TEST_F(LoadConfigTest, EmptyResourceTypesIsAllowed) {
  dir_.Write("resource_configs.yaml", "resource_types: {}\n");
  auto config = LoadConfig(dev_, dir_.path());
  ASSERT_TRUE(config.ok());
  EXPECT_TRUE(config->resource_types.empty());
}

TEST_F(LoadConfigTest, WebhookSecretEnvReadFromEnvironmentOrDotEnv) {
  dir_.Write("resource_configs.yaml", R"(resource_types:
  vm:
    flavors: [small]
    webhook: {enabled: true, url: "https://hooks.example.com/vm", secret_env: VM_HOOK_SECRET}
  lb:
    flavors: [small]
    webhook: {enabled: true, url: "https://hooks.example.com/lb", secret_env: LB_HOOK_SECRET}
)");
  dir_.Write(".env", "LB_HOOK_SECRET=from-dotenv\n");
  EnvMap env = dev_;
  env["VM_HOOK_SECRET"] = "from-env";
  auto config = LoadConfig(env, dir_.path());
  ASSERT_TRUE(config.ok()) << config.error().details;
  EXPECT_EQ(config->FindType("vm")->webhook.secret, "from-env");
  EXPECT_EQ(config->FindType("lb")->webhook.secret, "from-dotenv");
}

TEST_F(LoadConfigTest, WebhookSecretEnvUnsetNamesFileKeyAndVariable) {
  dir_.Write("resource_configs.yaml", R"(resource_types:
  vm:
    flavors: [small]
    webhook:
      enabled: true
      url: https://hooks.example.com/vm
      secret_env: VM_HOOK_SECRET
)");
  EXPECT_EQ(ProblemStrings(dev_),
            std::vector<std::string>{"resource_configs.yaml:7: resource_types.vm.webhook."
                                     "secret_env: environment variable VM_HOOK_SECRET is not set"});
}

TEST_F(LoadConfigTest, WebhookDefaultsComeFromTheEnvironment) {
  EnvMap env = dev_;
  env["WEBHOOK_TIMEOUT"] = "7";
  env["WEBHOOK_RETRIES"] = "0";
  auto config = LoadConfig(env, dir_.path());
  ASSERT_TRUE(config.ok()) << config.error().details;
  EXPECT_EQ(config->resource_types[0].webhook.timeout_seconds, 7);
  EXPECT_EQ(config->resource_types[0].webhook.retries, 0);
  EXPECT_EQ(config->type_defaults().environment, nullptr);
}

TEST(ValidateTest, ReportsEveryMissingTemplate) {
  Config config;
  config.resource_config_name = "types.yaml";
  for (auto [name, extension] : {std::pair{"vm", ".yaml.j2"}, std::pair{"img", ".pkr.hcl.j2"}}) {
    ResourceTypeConfig type;
    type.name = name;
    type.template_dir = std::string(name) + "s/";
    type.flavors = {"small", "large"};
    type.template_extension = extension;
    type.path_template = DefaultPathTemplate(false);
    config.resource_types.push_back(type);
  }
  std::vector<std::string> asked;
  auto problems = Validate(config, [&](const std::string& path) {
    asked.push_back(path);
    return path == "vms/small.yaml.j2";
  });
  EXPECT_EQ(asked, (std::vector<std::string>{"vms/small.yaml.j2", "vms/large.yaml.j2",
                                             "imgs/small.pkr.hcl.j2", "imgs/large.pkr.hcl.j2"}));
  std::vector<std::string> messages;
  for (const auto& p : problems) messages.push_back(p.ToString());
  EXPECT_EQ(messages,
            (std::vector<std::string>{
                "types.yaml: resource_types.vm.flavors[1]: no template 'vms/large.yaml.j2' for "
                "flavor 'large' in the template repository",
                "types.yaml: resource_types.img.flavors[0]: no template 'imgs/small.pkr.hcl.j2' "
                "for flavor 'small' in the template repository",
                "types.yaml: resource_types.img.flavors[1]: no template 'imgs/large.pkr.hcl.j2' "
                "for flavor 'large' in the template repository"}));
}

TEST(ValidateTest, ReportsDuplicateAndInvalidTypes) {
  Config config;
  ResourceTypeConfig type;
  type.name = "vm";
  type.flavors = {"a"};
  type.path_template = "tenants/{name}.yaml";
  config.resource_types = {type, type};
  auto problems = Validate(config, nullptr);
  ASSERT_EQ(problems.size(), 3u);
  EXPECT_EQ(problems[0].message, "must contain {tenant_id}");
  EXPECT_EQ(problems[1].message, "type is defined twice");
  EXPECT_EQ(problems[2].key, "resource_types.vm.path_template");
}

TEST(TemplateExistsInDirectoryTest, FindsFilesOnly) {
  TempDir dir;
  dir.Write("vms/small.yaml.j2", "x");
  auto exists = TemplateExistsInDirectory(dir.path());
  EXPECT_TRUE(exists("vms/small.yaml.j2"));
  EXPECT_FALSE(exists("vms/large.yaml.j2"));
  EXPECT_FALSE(exists("vms"));
}

TEST(CheckConfigTest, MissingTemplateDirIsOneProblem) {
  TempDir dir;
  dir.Write("resource_configs.yaml", kMinimalTypes);
  auto problems = CheckConfig({{"DEV_MODE", "true"}}, dir.path());
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].key, "TEMPLATE_DIR");
}

TEST(CheckConfigTest, UsesTemplateDirWhenNoTemplateRepo) {
  TempDir dir;
  dir.Write("resource_configs.yaml", kMinimalTypes);
  dir.Write("infra-templates/vms/other.yaml.j2", "x");
  auto problems = CheckConfig({{"DEV_MODE", "true"}}, dir.path());
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].key, "resource_types.vm.flavors[0]");
  dir.Write("infra-templates/vms/small.yaml.j2", "x");
  EXPECT_TRUE(CheckConfig({{"DEV_MODE", "true"}}, dir.path()).empty());
}

TEST(ProcessEnvironmentTest, ReadsTheRealEnvironment) {
  ASSERT_EQ(setenv("GITOPS_CONFIG_TEST_VARIABLE", "a=b", 1), 0);
  EnvMap env = ProcessEnvironment();
  unsetenv("GITOPS_CONFIG_TEST_VARIABLE");
  EXPECT_EQ(env["GITOPS_CONFIG_TEST_VARIABLE"], "a=b");
}

// The files the project ships: resource_configs.yaml, .env.example and infra-templates/.

TEST(ShippedConfigTest, SeedTypesAsThePrototypeAndTheIssueSay) {
  auto config = LoadConfig({{"DEV_MODE", "true"}}, GITOPS_SOURCE_DIR);
  ASSERT_TRUE(config.ok()) << config.error().details;
  struct Expected {
    std::string name, template_dir;
    bool cluster_aware;
    WebhookMode mode;
    std::vector<std::string> flavors;
    std::string path_template, extension;
  };
  const Expected expected[] = {
      {"namespace",
       "namespaces/",
       true,
       WebhookMode::kSingle,
       {"small", "medium", "large", "custom"},
       "tenants/{tenant_id}/{cluster_id}/namespace/{name}/manifest.yaml",
       ".yaml.j2"},
      {"vm",
       "vms/",
       false,
       WebhookMode::kSingle,
       {"small", "medium", "large", "custom"},
       "tenants/{tenant_id}/{name}/manifest.yaml",
       ".yaml.j2"},
      {"osimage",
       "osimage/",
       false,
       WebhookMode::kStaged,
       {"ubuntu-small", "rhel-custom", "custom"},
       "tenants/{tenant_id}/{name}.pkr.hcl",
       ".pkr.hcl.j2"},
      {"misc",
       "misc/",
       true,
       WebhookMode::kSingle,
       {"dns-record", "certificate", "secret", "custom"},
       "tenants/{tenant_id}/{cluster_id}/{flavor}/{name}/manifest.yaml",
       ".yaml.j2"},
  };
  ASSERT_EQ(config->resource_types.size(), std::size(expected));
  for (size_t i = 0; i < std::size(expected); ++i) {
    const auto& type = config->resource_types[i];
    const auto& e = expected[i];
    EXPECT_EQ(type.name, e.name);
    EXPECT_EQ(type.template_dir, e.template_dir) << e.name;
    EXPECT_EQ(type.cluster_aware, e.cluster_aware) << e.name;
    EXPECT_EQ(type.webhook.mode, e.mode) << e.name;
    EXPECT_FALSE(type.webhook.enabled) << e.name;
    EXPECT_EQ(type.flavors, e.flavors) << e.name;
    EXPECT_EQ(type.path_template, e.path_template) << e.name;
    EXPECT_EQ(type.template_extension, e.extension) << e.name;
    EXPECT_EQ(type.branch, "main") << e.name;
    EXPECT_EQ(type.repo_url, "") << e.name << ": dev mode creates the repository under DATA_DIR";
  }
}

TEST(ShippedConfigTest, EnvExampleListsEveryVariableWithItsDefault) {
  std::ifstream in(fs::path(GITOPS_SOURCE_DIR) / ".env.example");
  ASSERT_TRUE(in) << ".env.example is missing";
  std::stringstream text;
  text << in.rdbuf();
  auto parsed = ParseDotEnv(text.str(), ".env.example");
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  for (const auto& variable : EnvironmentVariables()) {
    ASSERT_EQ(parsed->count(variable.name), 1u) << variable.name << " is not in .env.example";
    EXPECT_EQ(parsed->at(variable.name), variable.default_value) << variable.name;
  }
  EXPECT_EQ(parsed->size(), EnvironmentVariables().size());
}

TEST(ShippedConfigTest, EnvExampleLoadsAsDotEnv) {
  TempDir dir;
  std::ifstream in(fs::path(GITOPS_SOURCE_DIR) / ".env.example");
  std::stringstream text;
  text << in.rdbuf();
  dir.Write(".env", text.str());
  dir.Write("resource_configs.yaml", kMinimalTypes);
  auto config = LoadConfig({{"DEV_MODE", "true"}}, dir.path());
  ASSERT_TRUE(config.ok()) << config.error().details;
  EXPECT_EQ(config->port, 5000);
}

}  // namespace
}  // namespace gitops::config
