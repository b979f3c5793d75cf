// Bad input on the submission routes: each case gets its status and a message naming the field,
// and leaves nothing behind (no job, nothing queued, no reservation; a valid create then works).
#include <gtest/gtest.h>

#include "api_fixture.h"

namespace gitops::api::testing {
namespace {

struct BadCase {
  const char* label;
  const char* method;
  const char* target;
  http::HeaderList headers;
  std::string body;
  int status;
  const char* message;   // substring of "error"
  const char* details;   // exact "details", or nullptr for "don't care"
};

const http::HeaderList kJson = {{"Content-Type", "application/json"}};
http::HeaderList Hdrs(std::initializer_list<std::pair<std::string, std::string>> extra,
                      bool json = true) {
  http::HeaderList out(extra);
  if (json) out.emplace_back("Content-Type", "application/json");
  return out;
}
const auto kSeedHeaders = [] { return Hdrs({{"X-Tenant-ID", "tenant1"}, {"X-Cluster-ID", "c1"}}); };

const BadCase kCases[] = {
    {"MissingTenant", "POST", "/api/v1/vm/create", kJson, R"({"name":"web"})", 400,
     "Tenant ID is required", "tenant_id"},
    {"MissingName", "POST", "/api/v1/vm/create", kSeedHeaders(), R"({"flavor":"small"})", 400,
     "Name is required", "name"},
    {"EmptyName", "POST", "/api/v1/vm/create", kSeedHeaders(), R"({"name":""})", 400,
     "Name is required", "name"},
    {"NameNotString", "POST", "/api/v1/vm/create", kSeedHeaders(), R"({"name":42})", 400,
     "Field 'name' must be a string", "name"},
    {"NameUpperCase", "POST", "/api/v1/vm/create", kSeedHeaders(), R"({"name":"Web_Server"})", 400,
     "Invalid name 'Web_Server'", "name"},
    {"NamePathTraversal", "POST", "/api/v1/vm/create", kSeedHeaders(), R"({"name":"../../etc"})",
     400, "Invalid name '../../etc'", "name"},
    {"NameTooLong", "POST", "/api/v1/vm/create", kSeedHeaders(),
     R"({"name":")" + std::string(64, 'a') + R"("})", 400, "63", "name"},
    {"TenantInvalid", "POST", "/api/v1/vm/create", Hdrs({{"X-Tenant-ID", "Tenant/One"}}),
     R"({"name":"web"})", 400, "Invalid tenant ID 'Tenant/One'", "tenant_id"},
    {"TenantTraversalInBody", "POST", "/api/v1/vm/create", kJson,
     R"({"name":"web","tenant_id":".."})", 400, "Invalid tenant ID '..'", "tenant_id"},
    {"TenantNotString", "POST", "/api/v1/vm/create", kJson, R"({"name":"web","tenant_id":[1]})",
     400, "Field 'tenant_id' must be a string", "tenant_id"},
    {"ClusterInvalid", "POST", "/api/v1/namespace/create",
     Hdrs({{"X-Tenant-ID", "tenant1"}, {"X-Cluster-ID", "cluster_a"}}), R"({"name":"dev"})", 400,
     "Invalid cluster ID 'cluster_a'", "cluster_id"},
    {"ClusterMissingForClusterAware", "POST", "/api/v1/namespace/create",
     Hdrs({{"X-Tenant-ID", "tenant1"}}), R"({"name":"dev"})", 400,
     "Cluster ID is required: resource type 'namespace' is cluster-aware", "cluster_id"},
    {"UnknownFlavor", "POST", "/api/v1/vm/create", kSeedHeaders(),
     R"({"name":"web","flavor":"xl"})", 400,
     "Unknown flavor 'xl' for resource type 'vm'; allowed: small, medium, large, custom",
     "flavor"},
    {"UnknownFlavorOnUpdate", "PUT", "/api/v1/vm/update", kSeedHeaders(),
     R"({"name":"web","flavor":"xl"})", 400, "Unknown flavor 'xl'", "flavor"},
    {"DefaultFlavorMissing", "POST", "/api/v1/database/create", kSeedHeaders(),
     R"({"name":"db1"})", 400, "has no 'custom' flavor; allowed: small, large", "flavor"},
    {"MalformedJson", "POST", "/api/v1/vm/create", kSeedHeaders(), R"({"name": "web",)", 400,
     "Malformed JSON body", "body"},
    {"BodyIsArray", "POST", "/api/v1/vm/create", kSeedHeaders(), R"(["web"])", 400,
     "Request body must be a JSON object, not an array", "body"},
    {"BodyIsString", "PUT", "/api/v1/vm/update", kSeedHeaders(), R"("web")", 400,
     "Request body must be a JSON object, not a string", "body"},
    {"SpecNotObject", "POST", "/api/v1/vm/create", kSeedHeaders(),
     R"({"name":"web","spec":["a"]})", 400, "Field 'spec' must be a JSON object, not an array",
     "spec"},
    {"UnknownFieldSuggestsFlavor", "POST", "/api/v1/vm/create", kSeedHeaders(),
     R"({"name":"web","flavour":"small"})", 400,
     "Unknown field 'flavour' (did you mean 'flavor'?); allowed fields: name, flavor, spec, "
     "tenant_id, cluster_id",
     "flavour"},
    {"DeleteWithoutName", "DELETE", "/api/v1/vm/delete", Hdrs({{"X-Tenant-ID", "tenant1"}}, false),
     "", 400, "Name is required", "name"},
    {"ReadWithoutName", "GET", "/api/v1/vm/read", Hdrs({{"X-Tenant-ID", "tenant1"}}, false), "",
     400, "Name is required", "name"},
    {"ReadInvalidNameInQuery", "GET", "/api/v1/vm/read?name=a%2Fb",
     Hdrs({{"X-Tenant-ID", "tenant1"}}, false), "", 400, "Invalid name 'a/b'", "name"},
    {"ListInvalidTenant", "GET", "/api/v1/vm/list?tenant_id=A", {}, "", 400,
     "Invalid tenant ID 'A'", "tenant_id"},
    {"TextPlainBody", "POST", "/api/v1/vm/create",
     Hdrs({{"X-Tenant-ID", "tenant1"}, {"Content-Type", "text/plain"}}, false), R"({"name":"web"})",
     415, "Content-Type must be application/json (sent: 'text/plain')", "Content-Type"},
    {"FormBody", "PUT", "/api/v1/vm/update",
     Hdrs({{"X-Tenant-ID", "tenant1"},
           {"Content-Type", "application/x-www-form-urlencoded"}},
          false),
     "name=web", 415, "Content-Type must be application/json", "Content-Type"},
    {"BodyWithoutContentType", "POST", "/api/v1/vm/create", Hdrs({{"X-Tenant-ID", "tenant1"}}, false),
     R"({"name":"web"})", 415, "(sent: none)", "Content-Type"},
    {"UnknownType", "POST", "/api/v1/vms/create", kSeedHeaders(), R"({"name":"web"})", 404,
     "Unknown resource type 'vms' (did you mean 'vm'?)", nullptr},
    {"UnknownTypeDirectRead", "GET", "/api/v1/widget/x", {}, "", 404,
     "Unknown resource type 'widget'", nullptr},
};

class BadInputTest : public ApiTest, public ::testing::WithParamInterface<BadCase> {};

TEST_P(BadInputTest, AnswersWithMessageNamingTheFieldAndChangesNothing) {
  const BadCase& c = GetParam();
  http::Response res = Call(c.method, c.target, c.headers, c.body);
  EXPECT_EQ(res.status, c.status) << res.body;
  EXPECT_EQ(res.content_type, "application/json");
  auto body = ParseBody(res);
  ASSERT_TRUE(body.is_object()) << res.body;
  ASSERT_TRUE(body["error"].is_string()) << res.body;
  EXPECT_NE(body["error"].get<std::string>().find(c.message), std::string::npos) << res.body;
  ASSERT_TRUE(body["code"].is_string());
  const char* expected_code = c.status == 400   ? "invalid_argument"
                              : c.status == 404 ? "not_found"
                                                : "unsupported_media_type";
  EXPECT_EQ(body["code"], expected_code);
  if (c.details != nullptr) {
    EXPECT_EQ(body["details"], c.details) << res.body;
  }
  ExpectNothingCreated();

  // Nothing was reserved: the valid request for the same name goes through.
  auto ok = Write("POST", "/api/v1/vm/create", R"({"name":"web","flavor":"small"})");
  EXPECT_EQ(ok.status, 202) << ok.body;
}

INSTANTIATE_TEST_SUITE_P(Cases, BadInputTest, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<BadCase>& info) {
                           return std::string(info.param.label);
                         });

}  // namespace
}  // namespace gitops::api::testing
