// Swagger UI served offline from the swagger-ui-dist files in third_party/swagger-ui.
#include "api/docs_handlers.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "api_fixture.h"

namespace gitops::api::testing {
namespace {

const std::filesystem::path kSwaggerDir =
    std::filesystem::path(GITOPS_SOURCE_DIR) / "third_party" / "swagger-ui";

class DocsTest : public ApiTest {
 protected:
  DocsTest() : ApiTest(Options()) {}
  static ApiOptions Options() {
    ApiOptions o;
    o.swagger_dir = kSwaggerDir;
    return o;
  }
};

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

TEST_F(DocsTest, DocsServesTheSwaggerPage) {
  for (const char* target : {"/docs", "/docs/", "/docs/index.html"}) {
    auto res = Call("GET", target);
    ASSERT_EQ(res.status, 200) << target;
    EXPECT_EQ(res.content_type, "text/html; charset=utf-8");
    EXPECT_NE(res.body.find("<base href=\"/docs/\">"), std::string::npos);
    EXPECT_NE(res.body.find("./swagger-ui-bundle.js"), std::string::npos);
    EXPECT_NE(res.body.find("./swagger-initializer.js"), std::string::npos);
  }
}

TEST_F(DocsTest, InitializerLoadsTheLocalDocumentWithoutTheOnlineValidator) {
  auto res = Call("GET", "/docs/swagger-initializer.js");
  ASSERT_EQ(res.status, 200);
  EXPECT_EQ(res.content_type, "text/javascript; charset=utf-8");
  EXPECT_NE(res.body.find("url: \"./openapi.json\""), std::string::npos);
  EXPECT_NE(res.body.find("validatorUrl: null"), std::string::npos);
  auto doc = Call("GET", "/docs/openapi.json");
  EXPECT_EQ(doc.status, 200);
  EXPECT_EQ(doc.body, Call("GET", "/openapi.json").body);
}

TEST_F(DocsTest, AssetsAreServedWithTheirContentTypes) {
  ASSERT_TRUE(std::filesystem::exists(kSwaggerDir / "swagger-ui-bundle.js"));
  struct {
    const char* file;
    const char* type;
  } cases[] = {{"swagger-ui.css", "text/css; charset=utf-8"},
               {"index.css", "text/css; charset=utf-8"},
               {"swagger-ui-bundle.js", "text/javascript; charset=utf-8"},
               {"swagger-ui-standalone-preset.js", "text/javascript; charset=utf-8"},
               {"favicon-32x32.png", "image/png"}};
  for (const auto& c : cases) {
    auto res = Call("GET", std::string("/docs/") + c.file);
    ASSERT_EQ(res.status, 200) << c.file;
    EXPECT_EQ(res.content_type, c.type) << c.file;
    EXPECT_EQ(res.body, ReadFile(kSwaggerDir / c.file)) << c.file;
  }
}

TEST_F(DocsTest, UnknownOrTraversingFileIs404) {
  EXPECT_EQ(Call("GET", "/docs/nope.js").status, 404);
  EXPECT_EQ(Call("GET", "/docs/..%2F..%2Fetc%2Fpasswd").status, 404);
  EXPECT_EQ(ParseBody(Call("GET", "/docs/nope.js"))["code"], "not_found");
}

TEST(DocsHandlers, MissingDirectoryStillServesThePage) {
  types::TypeRegistry registry(SeedTypes());
  DocsHandlers docs(registry, {}, "/nonexistent/swagger");
  EXPECT_EQ(docs.assets_loaded(), 0u);
  EXPECT_EQ(docs.File("index.html").status, 200);
  EXPECT_EQ(docs.File("swagger-ui.css").status, 404);
}

}  // namespace
}  // namespace gitops::api::testing
