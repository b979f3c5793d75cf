// Tests of the pre-commit manifest check.
#include "pipeline/manifest_check.h"

#include <gtest/gtest.h>

namespace gitops::pipeline {
namespace {

using config::ManifestFormat;

TEST(ManifestCheckTest, MultiDocumentYamlPasses) {
  EXPECT_TRUE(CheckManifest(ManifestFormat::kYaml, "m.yaml", "a: 1\n---\nb: [1, 2]\n").ok());
}

TEST(ManifestCheckTest, InvalidYamlFailsWithLineAndParserMessage) {
  Status status =
      CheckManifest(ManifestFormat::kYaml, "tenants/t/m.yaml", "a: 1\nb: 2\nc: [unclosed\n");
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(status.error().message.find("tenants/t/m.yaml is not valid YAML"), std::string::npos)
      << status.error().message;
  EXPECT_NE(status.error().message.find("line "), std::string::npos) << status.error().message;
  EXPECT_NE(status.error().message.find("end of sequence"), std::string::npos)
      << status.error().message;
}

TEST(ManifestCheckTest, DuplicateIndentationErrorNamesItsLine) {
  Status status = CheckManifest(ManifestFormat::kYaml, "m.yaml", "a:\n  b: 1\n c: 2\n");
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.error().message.find("line 3"), std::string::npos) << status.error().message;
}

TEST(ManifestCheckTest, UndefinedAliasFails) {
  EXPECT_FALSE(CheckManifest(ManifestFormat::kYaml, "m.yaml", "a: *nowhere\n").ok());
}

TEST(ManifestCheckTest, ErrorInALaterDocumentFails) {
  Status status = CheckManifest(ManifestFormat::kYaml, "m.yaml", "a: 1\n---\nb: {c: 1\n");
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.error().message.find("line "), std::string::npos) << status.error().message;
}

TEST(ManifestCheckTest, TextIsNotChecked) {
  EXPECT_TRUE(CheckManifest(ManifestFormat::kText, "x.pkr.hcl", "c: [unclosed\n").ok());
}

}  // namespace
}  // namespace gitops::pipeline
