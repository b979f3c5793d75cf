#include "config/yaml_json.h"

#include <gtest/gtest.h>

namespace gitops::config {
namespace {

TEST(ParseYamlToJsonTest, PlainScalarsFollowCoreSchema) {
  auto doc = ParseYamlToJson(
      "t: true\nf: False\nn: ~\ne:\ni: -42\nx: 1.5\ns: hello\nq: \"true\"\nsq: '7'\nv: 1.2.3\n",
      "f.yaml");
  ASSERT_TRUE(doc.ok()) << doc.error().message;
  const auto& v = doc->value;
  EXPECT_EQ(v["t"], true);
  EXPECT_EQ(v["f"], false);
  EXPECT_TRUE(v["n"].is_null());
  EXPECT_TRUE(v["e"].is_null());
  EXPECT_EQ(v["i"], -42);
  EXPECT_DOUBLE_EQ(v["x"].get<double>(), 1.5);
  EXPECT_EQ(v["s"], "hello");
  EXPECT_EQ(v["q"], "true");
  EXPECT_EQ(v["sq"], "7");
  EXPECT_EQ(v["v"], "1.2.3");
}

TEST(ParseYamlToJsonTest, KeepsSequenceOrder) {
  auto doc = ParseYamlToJson("flavors: [small, medium, large, custom]\n", "f.yaml");
  ASSERT_TRUE(doc.ok());
  EXPECT_EQ(doc->value["flavors"], nlohmann::json({"small", "medium", "large", "custom"}));
}

TEST(ParseYamlToJsonTest, RecordsLinesOfKeysAndItems) {
  auto doc = ParseYamlToJson("a:\n  b: 1\n  list:\n    - x\n    - y\n", "f.yaml");
  ASSERT_TRUE(doc.ok());
  EXPECT_EQ(LineOf(*doc, "a"), 1);
  EXPECT_EQ(LineOf(*doc, "a.b"), 2);
  EXPECT_EQ(LineOf(*doc, "a.list[1]"), 5);
  EXPECT_EQ(LineOf(*doc, "a.missing"), 1);  // falls back to the parent
  EXPECT_EQ(LineOf(*doc, "zzz"), 0);
}

TEST(ParseYamlToJsonTest, SyntaxErrorNamesFileAndLine) {
  auto doc = ParseYamlToJson("a: 1\nb: [unclosed\n", "conf.yaml");
  ASSERT_FALSE(doc.ok());
  EXPECT_EQ(doc.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(doc.error().message.rfind("conf.yaml:", 0), 0u) << doc.error().message;
}

TEST(ParseYamlToJsonTest, DuplicateKeyIsAnError) {
  auto doc = ParseYamlToJson("a: 1\nb: 2\na: 3\n", "conf.yaml");
  ASSERT_FALSE(doc.ok());
  EXPECT_EQ(doc.error().message, "conf.yaml:3: duplicate key 'a'");
}

TEST(ParseYamlToJsonTest, EmptyDocumentIsNull) {
  auto doc = ParseYamlToJson("# nothing\n", "conf.yaml");
  ASSERT_TRUE(doc.ok());
  EXPECT_TRUE(doc->value.is_null());
}

}  // namespace
}  // namespace gitops::config
