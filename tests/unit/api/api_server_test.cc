// The API behind the real HTTP server on 127.0.0.1, port 0: submission, status, and the
// server's own 413 with the API's JSON error shape.
#include <gtest/gtest.h>

#include "api_fixture.h"
#include "http/client.h"
#include "http/server.h"

namespace gitops::api::testing {
namespace {

class ApiServerTest : public ApiTest {
 protected:
  void SetUp() override {
    ApiTest::SetUp();
    http::ServerOptions options;
    options.port = 0;
    options.threads = 2;
    options.max_body_bytes = 512;
    options.error_formatter = FormatHttpError;
    server_ = std::make_unique<http::Server>(options, router_.AsHandler());
    ASSERT_TRUE(server_->Start().ok());
  }
  void TearDown() override { server_->Stop(); }

  std::unique_ptr<http::Server> server_;
};

TEST_F(ApiServerTest, CreateThenStatusOverHttp) {
  auto created = http::Fetch("127.0.0.1", server_->port(), "POST", "/api/v1/namespace/create",
                             {{"Content-Type", "application/json"},
                              {"X-Tenant-ID", "tenant1"},
                              {"X-Cluster-ID", "cluster-a"}},
                             R"({"name":"dev-namespace","flavor":"small"})");
  ASSERT_TRUE(created.ok()) << created.error().message;
  ASSERT_EQ(created->status, 202) << created->body;
  auto location = std::string(created->Header("Location").value_or(""));
  ASSERT_FALSE(location.empty());

  auto status = http::Fetch("127.0.0.1", server_->port(), "GET", location);
  ASSERT_TRUE(status.ok());
  ASSERT_EQ(status->status, 200) << status->body;
  auto job = nlohmann::json::parse(status->body);
  EXPECT_EQ(job["status"], "submitted");
  EXPECT_EQ(job["resource_name"], "dev-namespace");
  EXPECT_EQ(job["cluster_id"], "cluster-a");
}

TEST_F(ApiServerTest, OversizedBodyIs413WithJsonError) {
  std::string body = R"({"name":"web","spec":{"pad":")" + std::string(1000, 'x') + "\"}}";
  auto res = http::Fetch("127.0.0.1", server_->port(), "POST", "/api/v1/vm/create",
                         {{"Content-Type", "application/json"}, {"X-Tenant-ID", "tenant1"}}, body);
  ASSERT_TRUE(res.ok()) << res.error().message;
  EXPECT_EQ(res->status, 413);
  auto error = nlohmann::json::parse(res->body, nullptr, false);
  ASSERT_TRUE(error.is_object()) << res->body;
  EXPECT_EQ(error["code"], "payload_too_large");
  ExpectNothingCreated();
}

}  // namespace
}  // namespace gitops::api::testing
