// Tests for Router: parameter capture, specificity, 404/405, pluggable error bodies.
#include "http/router.h"

#include <gtest/gtest.h>

namespace gitops::http {
namespace {

// A handler that answers "<tag> k=v k=v" with the captured parameters.
RouteHandler Tag(std::string tag) {
  return [tag](const Request&, const PathParams& params) {
    std::string body = tag;
    for (const auto& [k, v] : params.items()) body += " " + k + "=" + v;
    return Response::Text(200, body);
  };
}

TEST(RouterTest, CapturesParams) {
  Router router;
  ASSERT_TRUE(router.Add("POST", "/api/v1/{type}/create", Tag("create")).ok());
  Response res = router.Route(MakeRequest("POST", "/api/v1/vm/create"));
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.body, "create type=vm");
}

TEST(RouterTest, LiteralSegmentBeatsParamWhateverTheRegistrationOrder) {
  for (bool literal_first : {true, false}) {
    Router router;
    if (literal_first) {
      ASSERT_TRUE(router.Add("GET", "/api/v1/status/{job_id}", Tag("status")).ok());
      ASSERT_TRUE(router.Add("GET", "/api/v1/{type}/{name}", Tag("read")).ok());
      ASSERT_TRUE(router.Add("GET", "/api/v1/{type}/list", Tag("list")).ok());
    } else {
      ASSERT_TRUE(router.Add("GET", "/api/v1/{type}/list", Tag("list")).ok());
      ASSERT_TRUE(router.Add("GET", "/api/v1/{type}/{name}", Tag("read")).ok());
      ASSERT_TRUE(router.Add("GET", "/api/v1/status/{job_id}", Tag("status")).ok());
    }
    EXPECT_EQ(router.Route(MakeRequest("GET", "/api/v1/status/j1")).body, "status job_id=j1");
    EXPECT_EQ(router.Route(MakeRequest("GET", "/api/v1/vm/web")).body, "read type=vm name=web");
    EXPECT_EQ(router.Route(MakeRequest("GET", "/api/v1/vm/list")).body, "list type=vm");
  }
}

TEST(RouterTest, ParamDoesNotMatchEmptySegment) {
  Router router;
  ASSERT_TRUE(router.Add("GET", "/items/{id}", Tag("item")).ok());
  EXPECT_EQ(router.Route(MakeRequest("GET", "/items/")).status, 404);
}

TEST(RouterTest, UnknownPathIs404) {
  Router router;
  ASSERT_TRUE(router.Add("GET", "/api/v1/{type}/list", Tag("list")).ok());
  for (const char* target : {"/", "/api/v1/vm", "/api/v1/vm/list/extra", "/other"}) {
    EXPECT_EQ(router.Route(MakeRequest("GET", target)).status, 404) << target;
  }
}

TEST(RouterTest, KnownPathWithOtherMethodIs405WithAllow) {
  Router router;
  ASSERT_TRUE(router.Add("POST", "/api/v1/{type}/create", Tag("create")).ok());
  ASSERT_TRUE(router.Add("PUT", "/api/v1/{type}/create", Tag("put")).ok());
  ASSERT_TRUE(router.Add("GET", "/api/v1/status/{id}", Tag("status")).ok());
  Response res = router.Route(MakeRequest("DELETE", "/api/v1/vm/create"));
  EXPECT_EQ(res.status, 405);
  EXPECT_EQ(res.Header("Allow"), "POST, PUT");
}

TEST(RouterTest, MethodMatchOnLessSpecificPatternWinsOver405) {
  Router router;
  ASSERT_TRUE(router.Add("POST", "/api/v1/{type}/create", Tag("create")).ok());
  ASSERT_TRUE(router.Add("GET", "/api/v1/{type}/{name}", Tag("read")).ok());
  EXPECT_EQ(router.Route(MakeRequest("GET", "/api/v1/vm/create")).body, "read type=vm name=create");
}

TEST(RouterTest, ErrorBodiesComeFromTheFormatter) {
  Router router([](int status, std::string_view message, std::string_view details) {
    return Response::Text(status, "custom:" + std::string(message) + "|" + std::string(details));
  });
  ASSERT_TRUE(router.Add("GET", "/a", Tag("a")).ok());
  Response not_found = router.Route(MakeRequest("GET", "/b"));
  EXPECT_EQ(not_found.status, 404);
  EXPECT_EQ(not_found.body.rfind("custom:", 0), 0u) << not_found.body;
  Response not_allowed = router.Route(MakeRequest("POST", "/a"));
  EXPECT_EQ(not_allowed.status, 405);
  EXPECT_EQ(not_allowed.body.rfind("custom:", 0), 0u) << not_allowed.body;
  EXPECT_EQ(not_allowed.Header("Allow"), "GET");
}

TEST(RouterTest, EscapedSlashStaysInsideItsSegment) {
  Router router;
  ASSERT_TRUE(router.Add("GET", "/files/{name}", Tag("file")).ok());
  EXPECT_EQ(router.Route(MakeRequest("GET", "/files/a%2Fb?x=1")).body, "file name=a/b");
  EXPECT_EQ(router.Route(MakeRequest("GET", "/files/a%20b")).body, "file name=a b");
}

TEST(RouterTest, RequestWithoutTargetRoutesOnDecodedPath) {
  Router router;
  ASSERT_TRUE(router.Add("GET", "/files/{name}", Tag("file")).ok());
  Request req;
  req.method = "GET";
  req.path = "/files/x y";
  EXPECT_EQ(router.Route(req).body, "file name=x y");
}

TEST(RouterTest, RestParamTakesTheRemainingPath) {
  Router router;
  ASSERT_TRUE(router.Add("GET", "/docs/{file...}", Tag("docs")).ok());
  ASSERT_TRUE(router.Add("GET", "/docs/openapi.json", Tag("spec")).ok());
  EXPECT_EQ(router.Route(MakeRequest("GET", "/docs/css/ui.css")).body, "docs file=css/ui.css");
  EXPECT_EQ(router.Route(MakeRequest("GET", "/docs")).body, "docs file=");
  EXPECT_EQ(router.Route(MakeRequest("GET", "/docs/openapi.json")).body, "spec");
}

TEST(RouterTest, RejectsMalformedPatterns) {
  Router router;
  for (const char* pattern : {"", "no-slash", "/a/{}", "/a/x{id}", "/a/{rest...}/b", "/a/{b/c}"}) {
    Status status = router.Add("GET", pattern, Tag("x"));
    ASSERT_FALSE(status.ok()) << pattern;
    EXPECT_EQ(status.error().code, ErrorCode::kInvalidArgument) << pattern;
  }
}

TEST(RouterTest, RejectsSameMethodAndShapeTwice) {
  Router router;
  ASSERT_TRUE(router.Add("GET", "/a/{x}", Tag("one")).ok());
  Status status = router.Add("GET", "/a/{y}", Tag("two"));
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kAlreadyExists);
  EXPECT_TRUE(router.Add("POST", "/a/{y}", Tag("three")).ok());
}

TEST(RouterTest, MalformedEscapeInPathIs400) {
  Router router;
  ASSERT_TRUE(router.Add("GET", "/files/{name}", Tag("file")).ok());
  Request req;
  req.method = "GET";
  req.target = "/files/a%zz";
  EXPECT_EQ(router.Route(req).status, 400);
}

}  // namespace
}  // namespace gitops::http
