// The OpenAPI document: valid JSON, a path for every route of every type (runtime-added types
// included), every $ref resolves, every documented route is really served.
#include "api/openapi.h"

#include <gtest/gtest.h>

#include <set>

#include "api_fixture.h"
#include "core/ids.h"

namespace gitops::api::testing {
namespace {

using Json = nlohmann::ordered_json;

const char* const kTypeRoutes[][2] = {
    {"post", "/create"}, {"put", "/update"}, {"delete", "/delete"}, {"get", "/read"},
    {"get", "/list"},    {"get", "/{name}"}, {"get", ""}};

Json FetchDoc(http::Router& router) {
  auto res = router.Route(http::MakeRequest("GET", "/openapi.json"));
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.content_type, "application/json");
  return Json::parse(res.body, nullptr, false);
}

// Collects every "$ref" string in `node`.
void CollectRefs(const Json& node, std::vector<std::string>& out) {
  if (node.is_object()) {
    for (const auto& [key, value] : node.items()) {
      if (key == "$ref" && value.is_string()) out.push_back(value);
      CollectRefs(value, out);
    }
  } else if (node.is_array()) {
    for (const auto& value : node) CollectRefs(value, out);
  }
}

TEST_F(ApiTest, OpenApiIsValidJsonVersion303) {
  Json doc = FetchDoc(router_);
  ASSERT_TRUE(doc.is_object());
  EXPECT_EQ(doc["openapi"], "3.0.3");
  EXPECT_TRUE(doc["info"]["title"].is_string());
  EXPECT_TRUE(doc["info"]["version"].is_string());
}

TEST_F(ApiTest, OpenApiHasEveryRouteOfEveryType) {
  Json doc = FetchDoc(router_);
  for (const auto& type : registry_.List()) {
    for (const auto& route : kTypeRoutes) {
      std::string path = "/api/v1/" + type->name + route[1];
      ASSERT_TRUE(doc["paths"].contains(path)) << path;
      EXPECT_TRUE(doc["paths"][path].contains(route[0])) << route[0] << " " << path;
    }
  }
  for (const char* path : {"/api/v1/status/{job_id}", "/api/v1/jobs",
                           "/api/v1/tenant/{tenant}/metrics", "/api/v1/tenant/{tenant}/resources",
                           "/api/v1/resource-types", "/api/v1/resource-types/{name}",
                           "/openapi.json", "/docs", "/healthz", "/readyz"}) {
    EXPECT_TRUE(doc["paths"].contains(path)) << path;
  }
  EXPECT_TRUE(doc["paths"]["/api/v1/resource-types"].contains("post"));
}

TEST_F(ApiTest, OpenApiCreateSchemaListsTheTypesFlavors) {
  Json doc = FetchDoc(router_);
  Json schema = doc["components"]["schemas"]["osimage.CreateRequest"];
  EXPECT_EQ(schema["properties"]["flavor"]["enum"],
            Json::parse(R"(["ubuntu-small","rhel-custom","custom"])"));
  EXPECT_EQ(schema["properties"]["flavor"]["default"], "custom");
  EXPECT_EQ(schema["additionalProperties"], false);
  EXPECT_FALSE(schema["properties"].contains("cluster_id"));  // osimage is not cluster-aware
  EXPECT_TRUE(
      doc["components"]["schemas"]["namespace.CreateRequest"]["properties"].contains("cluster_id"));
}

TEST_F(ApiTest, OpenApiEveryRefResolvesAndOperationIdsAreUnique) {
  Json doc = FetchDoc(router_);
  std::vector<std::string> refs;
  CollectRefs(doc, refs);
  ASSERT_FALSE(refs.empty());
  for (const std::string& ref : refs) {
    ASSERT_EQ(ref.rfind("#/", 0), 0u) << ref;
    EXPECT_TRUE(doc.contains(Json::json_pointer(ref.substr(1)))) << ref;
  }
  std::set<std::string> ids;
  for (const auto& [path, item] : doc["paths"].items()) {
    for (const auto& [method, op] : item.items()) {
      ASSERT_TRUE(op.contains("operationId")) << method << " " << path;
      EXPECT_TRUE(ids.insert(op["operationId"].get<std::string>()).second) << op["operationId"];
      EXPECT_TRUE(op["responses"].is_object() && !op["responses"].empty()) << path;
    }
  }
}

TEST_F(ApiTest, OpenApiPathParametersAreDeclared) {
  Json doc = FetchDoc(router_);
  for (const auto& [path, item] : doc["paths"].items()) {
    for (const auto& [method, op] : item.items()) {
      std::set<std::string> declared;
      for (const auto& p : op["parameters"]) {
        if (p.value("in", "") == "path") declared.insert(p["name"].get<std::string>());
      }
      for (size_t open = path.find('{'); open != std::string::npos;
           open = path.find('{', open + 1)) {
        std::string name = path.substr(open + 1, path.find('}', open) - open - 1);
        EXPECT_TRUE(declared.count(name)) << method << " " << path << " {" << name << "}";
      }
    }
  }
}

TEST_F(ApiTest, EveryDocumentedRouteIsServed) {
  Json doc = FetchDoc(router_);
  for (const auto& [path, item] : doc["paths"].items()) {
    std::string target = path;
    for (auto [from, to] : {std::pair<std::string, std::string>{"{job_id}", NewUuid()},
                            {"{tenant}", "tenant1"},
                            {"{name}", "some-name"}}) {
      if (auto pos = target.find(from); pos != std::string::npos) target.replace(pos, from.size(), to);
    }
    for (const auto& [method, op] : item.items()) {
      std::string upper = method;
      for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      auto res = Call(upper, target, {{"X-Tenant-ID", "tenant1"}, {"X-Cluster-ID", "c1"}});
      EXPECT_NE(res.status, 405) << upper << " " << target;
      EXPECT_EQ(res.body.find("No route for path"), std::string::npos) << upper << " " << target;
    }
  }
}

TEST_F(ApiTest, OpenApiIncludesTypesAddedAtRuntime) {
  EXPECT_FALSE(FetchDoc(router_)["paths"].contains("/api/v1/loadbalancer/create"));
  ASSERT_EQ(Write("POST", "/api/v1/resource-types", R"({"name":"loadbalancer","flavors":["s"]})")
                .status,
            201);
  Json doc = FetchDoc(router_);
  for (const auto& route : kTypeRoutes) {
    EXPECT_TRUE(doc["paths"].contains(std::string("/api/v1/loadbalancer") + route[1])) << route[1];
  }
}

TEST(BuildOpenApi, UsesTheConfiguredHeaderNames) {
  OpenApiOptions options;
  options.tenant_header = "X-Org";
  Json doc = BuildOpenApi({}, options);
  EXPECT_EQ(doc["components"]["parameters"]["TenantHeader"]["name"], "X-Org");
}

}  // namespace
}  // namespace gitops::api::testing
