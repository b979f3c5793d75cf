// The shipped resource_configs.yaml and infra-templates/ check clean: every flavor of every seed
// type has its template (what `gitops-api check-config` reports in dev mode).
#include <gtest/gtest.h>

#include "config/config.h"

namespace gitops::config {
namespace {

TEST(ShippedTemplatesTest, CheckConfigFindsNoProblemInDevMode) {
  auto problems = CheckConfig({{"DEV_MODE", "true"}}, GITOPS_SOURCE_DIR);
  std::string all;
  for (const auto& p : problems) all += p.ToString() + "\n";
  EXPECT_TRUE(problems.empty()) << all;
}

TEST(ShippedTemplatesTest, RemovingATemplateIsReported) {
  auto config = LoadConfig({{"DEV_MODE", "true"}}, GITOPS_SOURCE_DIR);
  ASSERT_TRUE(config.ok()) << config.error().details;
  auto exists = TemplateExistsInDirectory(config->template_dir);
  auto problems = Validate(*config, [&](const std::string& path) {
    return path != "osimage/rhel-custom.pkr.hcl.j2" && exists(path);
  });
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].key, "resource_types.osimage.flavors[1]");
}

}  // namespace
}  // namespace gitops::config
