// Tests of the metadata files and commit messages.
#include "pipeline/resource_files.h"

#include <gtest/gtest.h>

namespace gitops::pipeline {
namespace {

index::ResourceRecord Sample(std::string cluster) {
  index::ResourceRecord r;
  r.resource_type = "namespace";
  r.tenant_id = "tenant1";
  r.cluster_id = std::move(cluster);
  r.name = "dev";
  r.flavor = "small";
  r.spec = Json::parse(R"({"b": 1, "a": {"z": true}})");
  r.path = "tenants/tenant1/dev/manifest.yaml";
  return r;
}

TEST(ResourceFilesTest, MetadataPathUsesUnderscoreWithoutCluster) {
  EXPECT_EQ(MetadataPath(Sample("").Key()), ".gitops-api/resources/namespace/tenant1/_/dev.json");
  EXPECT_EQ(MetadataPath(Sample("c1").Key()),
            ".gitops-api/resources/namespace/tenant1/c1/dev.json");
}

TEST(ResourceFilesTest, MetadataFileHasTheDocumentedKeys) {
  Json doc = Json::parse(MetadataFileContent(Sample("")));
  std::vector<std::string> keys;
  for (const auto& [key, value] : doc.items()) keys.push_back(key);
  EXPECT_EQ(keys, (std::vector<std::string>{"name", "tenant_id", "cluster_id", "flavor", "spec",
                                            "path", "resource_type"}));
  EXPECT_TRUE(doc["cluster_id"].is_null());
}

TEST(ResourceFilesTest, MetadataRoundTrips) {
  index::ResourceRecord original = Sample("c1");
  auto parsed = ParseMetadataFile(MetadataPath(original.Key()), MetadataFileContent(original));
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(parsed->Key(), original.Key());
  EXPECT_EQ(parsed->flavor, "small");
  EXPECT_EQ(parsed->spec, original.spec);
  EXPECT_EQ(parsed->path, original.path);
}

TEST(ResourceFilesTest, MetadataInTheWrongPlaceIsRejected) {
  index::ResourceRecord original = Sample("c1");
  auto parsed = ParseMetadataFile(".gitops-api/resources/namespace/tenant1/c1/other.json",
                                  MetadataFileContent(original));
  ASSERT_FALSE(parsed.ok());
  EXPECT_NE(parsed.error().message.find("other.json"), std::string::npos);
}

TEST(ResourceFilesTest, MalformedMetadataIsRejected) {
  EXPECT_FALSE(ParseMetadataFile("x.json", "{not json").ok());
  EXPECT_FALSE(ParseMetadataFile("x.json", "[]").ok());
  EXPECT_FALSE(ParseMetadataFile("x.json", R"({"name": "a"})").ok());
}

TEST(ResourceFilesTest, CommitMessagesAsThePrototypeWithTrailers) {
  index::ResourceKey key{"namespace", "tenant1", "cluster-a", "dev-namespace"};
  EXPECT_EQ(CommitMessage(false, key, "j1"),
            "Deploy namespace dev-namespace for tenant tenant1 in cluster cluster-a\n\n"
            "Job-Id: j1\nTenant-Id: tenant1\n");
  key.cluster_id.clear();
  EXPECT_EQ(
      CommitMessage(true, key, "j2"),
      "Delete namespace dev-namespace for tenant tenant1\n\nJob-Id: j2\nTenant-Id: tenant1\n");
}

}  // namespace
}  // namespace gitops::pipeline
