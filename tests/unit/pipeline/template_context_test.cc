// Tests of the template context: the prototype's names, managed labels, spec keys at top level.
#include "pipeline/template_context.h"

#include <gtest/gtest.h>

namespace gitops::pipeline {
namespace {

TEST(TemplateContextTest, KeysInPrototypeOrderThenSpecKeys) {
  Json spec = Json::parse(R"({"replicas": 3, "owner": "team-a"})");
  Json context = BuildTemplateContext("web", "tenant1", "cluster-a", "small", spec);
  std::vector<std::string> keys;
  for (const auto& [key, value] : context.items()) keys.push_back(key);
  EXPECT_EQ(keys, (std::vector<std::string>{"name", "tenant_id", "cluster_id", "flavor", "spec",
                                            "labels", "replicas", "owner"}));
  EXPECT_EQ(context["name"], "web");
  EXPECT_EQ(context["tenant_id"], "tenant1");
  EXPECT_EQ(context["cluster_id"], "cluster-a");
  EXPECT_EQ(context["flavor"], "small");
  EXPECT_EQ(context["spec"], spec);
  EXPECT_EQ(context["replicas"], 3);
}

TEST(TemplateContextTest, ClusterIdIsNullWithoutCluster) {
  Json context = BuildTemplateContext("vm1", "tenant1", "", "small", Json::object());
  EXPECT_TRUE(context["cluster_id"].is_null());
  EXPECT_FALSE(context["labels"].contains("cluster.io/id"));
}

TEST(TemplateContextTest, ManagedLabelsAreSet) {
  Json context = BuildTemplateContext("web", "tenant1", "cluster-a", "small", Json::object());
  EXPECT_EQ(context["labels"], Json::parse(R"({"tenant.io/id": "tenant1",
      "managed-by": "gitops-api", "flavor": "small", "cluster.io/id": "cluster-a"})"));
}

TEST(TemplateContextTest, SpecLabelsAreKeptAndManagedLabelsWin) {
  Json spec = Json::parse(R"({"labels": {"team": "a", "tenant.io/id": "evil",
      "managed-by": "me", "flavor": "huge", "cluster.io/id": "other"}})");
  Json context = BuildTemplateContext("web", "tenant1", "cluster-a", "small", spec);
  const Json& labels = context["labels"];
  EXPECT_EQ(labels["team"], "a");
  EXPECT_EQ(labels["tenant.io/id"], "tenant1");
  EXPECT_EQ(labels["managed-by"], "gitops-api");
  EXPECT_EQ(labels["flavor"], "small");
  EXPECT_EQ(labels["cluster.io/id"], "cluster-a");
  EXPECT_EQ(labels.size(), 5u);
}

TEST(TemplateContextTest, SpecKeysNeverReplaceTheSixNames) {
  Json spec = Json::parse(R"({"name": "x", "tenant_id": "x", "cluster_id": "x", "flavor": "x",
      "spec": "x", "labels": {"a": "b"}, "other": "kept"})");
  Json context = BuildTemplateContext("web", "tenant1", "", "small", spec);
  EXPECT_EQ(context["name"], "web");
  EXPECT_EQ(context["tenant_id"], "tenant1");
  EXPECT_TRUE(context["cluster_id"].is_null());
  EXPECT_EQ(context["flavor"], "small");
  EXPECT_EQ(context["spec"], spec);
  EXPECT_EQ(context["labels"]["a"], "b");
  EXPECT_EQ(context["labels"]["managed-by"], "gitops-api");
  EXPECT_EQ(context["other"], "kept");
}

TEST(TemplateContextTest, NonObjectSpecLabelsAreIgnored) {
  Json spec = Json::parse(R"({"labels": ["not", "a", "map"]})");
  Json context = BuildTemplateContext("web", "tenant1", "", "small", spec);
  EXPECT_EQ(context["labels"].size(), 3u);
}

}  // namespace
}  // namespace gitops::pipeline
