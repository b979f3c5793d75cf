#include "config/names.h"

#include <gtest/gtest.h>

namespace gitops::config {
namespace {

struct LabelCase {
  std::string input;
  bool valid;
};

TEST(IsDnsLabelTest, Table) {
  const LabelCase cases[] = {
      {"a", true},
      {"dev-namespace", true},
      {"tenant1", true},
      {"0abc", true},
      {"cluster-a", true},
      {std::string(63, 'a'), true},
      {std::string(64, 'a'), false},
      {"", false},
      {"-a", false},
      {"a-", false},
      {"Dev", false},
      {"a_b", false},
      {"a.b", false},
      {"..", false},
      {"a/b", false},
      {"../etc", false},
      {"a b", false},
      {"caf\xc3\xa9", false},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(IsDnsLabel(c.input), c.valid) << "'" << c.input << "'";
  }
}

TEST(DnsLabelProblemTest, ExplainsLength) {
  EXPECT_EQ(DnsLabelProblem(std::string(64, 'x')), "must be at most 63 characters");
}

TEST(DnsLabelProblemTest, ExplainsCharacters) {
  EXPECT_NE(DnsLabelProblem("Upper").find("lower case"), std::string::npos);
}

TEST(DnsLabelProblemTest, EmptyForValidLabel) { EXPECT_EQ(DnsLabelProblem("ok-1"), ""); }

TEST(TitleCaseTest, MatchesPythonStrTitle) {
  const std::pair<std::string, std::string> cases[] = {
      {"namespace", "Namespace"},
      {"vm", "Vm"},
      {"osimage", "Osimage"},
      {"misc", "Misc"},
      {"dns-record", "Dns-Record"},
      {"load_balancer", "Load_Balancer"},
      {"dns1record", "Dns1Record"},
      {"VM", "Vm"},
      {"", ""},
      {"a-b-c", "A-B-C"},
  };
  for (const auto& [input, expected] : cases) EXPECT_EQ(TitleCase(input), expected) << input;
}

TEST(IsHttpTokenTest, Table) {
  EXPECT_TRUE(IsHttpToken("X-Tenant-ID"));
  EXPECT_TRUE(IsHttpToken("x_custom.header"));
  EXPECT_FALSE(IsHttpToken(""));
  EXPECT_FALSE(IsHttpToken("X Tenant"));
  EXPECT_FALSE(IsHttpToken("X-Tenant:"));
}

TEST(GitBranchProblemTest, Table) {
  const std::pair<std::string, bool> cases[] = {
      {"main", true},    {"release/1.2", true}, {"feature-x", true}, {"", false},
      {"-main", false},  {"a..b", false},       {"a b", false},      {"a~1", false},
      {"x.lock", false}, {"a/", false},         {"/a", false},       {"a:b", false},
  };
  for (const auto& [branch, ok] : cases) {
    EXPECT_EQ(GitBranchProblem(branch).empty(), ok) << branch;
  }
}

TEST(ClosestMatchTest, SuggestsNearKey) {
  std::vector<std::string> keys = {"flavors", "template_dir", "cluster_aware", "webhook"};
  EXPECT_EQ(ClosestMatch("flavour", keys), "flavors");
  EXPECT_EQ(ClosestMatch("flavours", keys), "flavors");
  EXPECT_EQ(ClosestMatch("templatedir", keys), "template_dir");
  EXPECT_EQ(ClosestMatch("Webhook", keys), "webhook");
  EXPECT_EQ(ClosestMatch("retry", {"enabled", "retries"}), "retries");
}

TEST(ClosestMatchTest, NothingWhenFar) {
  EXPECT_EQ(ClosestMatch("colour", {"flavors", "branch"}), "");
  EXPECT_EQ(ClosestMatch("id", {"url"}), "");
}

}  // namespace
}  // namespace gitops::config
