// Tests for request/response helpers: target parsing, percent-decoding, error bodies.
#include "http/message.h"

#include <gtest/gtest.h>

namespace gitops::http {
namespace {

TEST(ParseTargetTest, DecodesPathAndQueryInOrder) {
  Request req;
  ASSERT_TRUE(ParseTarget("/a%20b/c?x=1&y=a+b%26c&x=2&flag", req).ok());
  EXPECT_EQ(req.target, "/a%20b/c?x=1&y=a+b%26c&x=2&flag");
  EXPECT_EQ(req.path, "/a b/c");
  ParamList expected{{"x", "1"}, {"y", "a b&c"}, {"x", "2"}, {"flag", ""}};
  EXPECT_EQ(req.query, expected);
  EXPECT_EQ(req.Query("x"), "1");
  EXPECT_EQ(req.Query("missing"), std::nullopt);
}

TEST(ParseTargetTest, PlusStaysLiteralInPath) {
  Request req;
  ASSERT_TRUE(ParseTarget("/a+b?q=c+d", req).ok());
  EXPECT_EQ(req.path, "/a+b");
  EXPECT_EQ(req.Query("q"), "c d");
}

TEST(ParseTargetTest, RejectsMalformedEscapes) {
  for (const char* target : {"/a%zz", "/a%4", "/a%", "/a?x=%g1", "/a?%=1"}) {
    Request req;
    Status status = ParseTarget(target, req);
    ASSERT_FALSE(status.ok()) << target;
    EXPECT_EQ(status.error().code, ErrorCode::kInvalidArgument) << target;
  }
}

TEST(ParseTargetTest, RejectsTargetsNotInOriginForm) {
  for (const char* target : {"", "*", "http://example.com/a", "a/b"}) {
    Request req;
    EXPECT_FALSE(ParseTarget(target, req).ok()) << target;
  }
}

TEST(PercentDecodeTest, CaseTable) {
  struct Case {
    const char* in;
    bool plus_as_space;
    std::optional<std::string> out;
  };
  const Case cases[] = {
      {"", false, ""},
      {"abc", false, "abc"},
      {"%41%62", false, "Ab"},
      {"%2f%2F", false, "//"},
      {"a+b", false, "a+b"},
      {"a+b", true, "a b"},
      {"%2B", true, "+"},
      {"%00", false, std::string(1, '\0')},
      {"%", false, std::nullopt},
      {"%a", false, std::nullopt},
      {"%xy", true, std::nullopt},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(PercentDecode(c.in, c.plus_as_space), c.out) << c.in;
  }
}

TEST(RequestTest, HeaderLookupIgnoresCase) {
  Request req = MakeRequest("GET", "/", {{"X-Tenant-ID", "t1"}, {"content-type", "text/x"}});
  EXPECT_EQ(req.Header("x-tenant-id"), "t1");
  EXPECT_EQ(req.Header("X-TENANT-ID"), "t1");
  EXPECT_EQ(req.Header("Content-Type"), "text/x");
  EXPECT_EQ(req.Header("X-Tenant"), std::nullopt);
}

TEST(DefaultErrorResponseTest, IsJsonWithErrorCodeAndDetails) {
  Response res = DefaultErrorResponse(404, "No \"route\"", "path\n/x");
  EXPECT_EQ(res.status, 404);
  EXPECT_EQ(res.content_type, "application/json");
  EXPECT_EQ(res.body, R"({"error":"No \"route\"","code":"not_found","details":"path\n/x"})");
}

TEST(DefaultErrorResponseTest, EmptyDetailsBecomeNull) {
  EXPECT_EQ(DefaultErrorResponse(405, "nope", "").body,
            R"({"error":"nope","code":"method_not_allowed","details":null})");
}

TEST(AppendJsonStringTest, EscapesControlCharacters) {
  std::string out;
  AppendJsonString(out, std::string("a\x01\\b\t", 5));
  EXPECT_EQ(out, R"("a\u0001\\b\t")");
}

}  // namespace
}  // namespace gitops::http
