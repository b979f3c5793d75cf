// Validation helpers: media types, JSON bodies, known fields, identity resolution.
#include "api/validation.h"

#include <gtest/gtest.h>

namespace gitops::api {
namespace {

TEST(IsJsonMediaType, CaseTable) {
  struct {
    const char* content_type;
    bool json;
  } cases[] = {
      {"application/json", true},
      {"application/json; charset=utf-8", true},
      {"APPLICATION/JSON;charset=UTF-8", true},
      {"  application/json  ", true},
      {"application/merge-patch+json", true},
      {"application/jsonx", false},
      {"application/+json", false},
      {"text/json", false},
      {"text/plain", false},
      {"application/x-www-form-urlencoded", false},
      {"multipart/form-data; boundary=x", false},
      {"", false},
  };
  for (const auto& c : cases) EXPECT_EQ(IsJsonMediaType(c.content_type), c.json) << c.content_type;
}

TEST(CheckBodyMediaType, EmptyBodyNeedsNoContentType) {
  EXPECT_EQ(CheckBodyMediaType(http::MakeRequest("DELETE", "/x")), BodyCheck::kOk);
  EXPECT_EQ(CheckBodyMediaType(http::MakeRequest("DELETE", "/x", {}, "{}")),
            BodyCheck::kUnsupportedMediaType);
  EXPECT_EQ(CheckBodyMediaType(http::MakeRequest("DELETE", "/x", {{"content-type", "text/plain"}})),
            BodyCheck::kUnsupportedMediaType);
}

TEST(ParseJsonObject, EmptyBodyIsAnEmptyObject) {
  auto v = ParseJsonObject("  ");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(*v, Json::object());
}

TEST(ParseJsonObject, MalformedNamesThePosition) {
  auto v = ParseJsonObject(R"({"a":)");
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(v.error().message.rfind("Malformed JSON body: parse error at line 1, column", 0), 0u)
      << v.error().message;
}

TEST(ParseJsonObject, KeepsKeyOrder) {
  auto v = ParseJsonObject(R"({"b":1,"a":2})");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->dump(), R"({"b":1,"a":2})");
}

TEST(CheckKnownFields, WithoutCloseMatchListsAllowed) {
  Status s = CheckKnownFields(Json::parse(R"({"name":"a","zzz":1})"), ResourceBodyFields());
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message,
            "Unknown field 'zzz'; allowed fields: name, flavor, spec, tenant_id, cluster_id");
  EXPECT_EQ(s.error().details, "zzz");
}

TEST(ResolveIdentity, NullBodyFieldsCountAsAbsent) {
  Json body = Json::parse(R"({"tenant_id":null})");
  auto id = ResolveIdentity(http::MakeRequest("POST", "/x?tenant_id=q"), &body, {});
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(id->tenant_id, "q");
  EXPECT_FALSE(id->cluster_id.has_value());
}

TEST(ResolveIdentity, HeaderNamesAreCaseInsensitive) {
  auto id = ResolveIdentity(http::MakeRequest("GET", "/x", {{"x-tenant-id", "t"}}), nullptr, {});
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(id->tenant_id, "t");
}

}  // namespace
}  // namespace gitops::api
