// Shared test fixture for the API: the real in-memory job store, queue and index, a registry
// with the seed's four types plus one without a "custom" flavor, and a router with every route.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>

#include "api/api.h"
#include "core/clock.h"
#include "index/memory/memory_resource_index.h"
#include "jobs/memory/memory_job_queue.h"
#include "jobs/memory/memory_job_store.h"

namespace gitops::api::testing {

// Manifests by path; any other path is kNotFound.
class FakeManifestReader final : public ManifestReader {
 public:
  Result<std::string> ReadManifest(const config::ResourceTypeConfig&,
                                   std::string_view path) const override {
    auto it = files.find(std::string(path));
    if (it == files.end()) return Unexpected(ErrorCode::kNotFound, "no file " + std::string(path));
    return it->second;
  }
  std::map<std::string, std::string> files;
};

inline config::ResourceTypeConfig MakeType(const std::string& name, const nlohmann::json& body) {
  auto type = config::ParseResourceType(name, body);
  EXPECT_TRUE(type.ok()) << (type.ok() ? "" : type.error().message);
  return *type;
}

inline std::vector<config::ResourceTypeConfig> SeedTypes() {
  return {
      MakeType("namespace", {{"template_dir", "namespaces/"},
                             {"cluster_aware", true},
                             {"flavors", {"small", "medium", "large", "custom"}}}),
      MakeType("vm", {{"template_dir", "vms/"}, {"flavors", {"small", "medium", "large", "custom"}}}),
      MakeType("osimage", {{"template_dir", "osimage/"},
                           {"flavors", {"ubuntu-small", "rhel-custom", "custom"}},
                           {"template_extension", ".pkr.hcl.j2"}}),
      MakeType("misc", {{"template_dir", "misc/"},
                        {"cluster_aware", true},
                        {"flavors", {"dns-record", "certificate", "secret", "custom"}}}),
      MakeType("database", {{"flavors", {"small", "large"}}}),
  };
}

inline nlohmann::ordered_json ParseBody(const http::Response& res) {
  return nlohmann::ordered_json::parse(res.body, nullptr, /*allow_exceptions=*/false);
}

class ApiTest : public ::testing::Test {
 protected:
  explicit ApiTest(ApiOptions options = {}) : options_(std::move(options)) {}

  void SetUp() override {
    api_ = std::make_unique<Api>(store_, queue_, index_, index_,
                                 shared_registry_ ? *shared_registry_ : registry_, manifests_,
                                 options_);
    ASSERT_TRUE(api_->Register(router_).ok());
  }

  http::Response Call(std::string method, std::string_view target, http::HeaderList headers = {},
                      std::string body = {}) {
    return router_.Route(http::MakeRequest(std::move(method), target, std::move(headers),
                                           std::move(body)));
  }

  // A JSON write with the seed's headers (tenant1, cluster-a unless overridden).
  http::Response Write(std::string method, std::string_view target, const std::string& body,
                       http::HeaderList headers = {{"X-Tenant-ID", "tenant1"},
                                                   {"X-Cluster-ID", "cluster-a"}}) {
    headers.emplace_back("Content-Type", "application/json");
    return Call(std::move(method), target, std::move(headers), body);
  }

  // Puts a resource in the index as if the pipeline had applied it.
  void Seed(const std::string& type, const std::string& tenant, const std::string& cluster,
            const std::string& name, const std::string& flavor = "small") {
    index::ResourceRecord r;
    r.resource_type = type;
    r.tenant_id = tenant;
    r.cluster_id = cluster;
    r.name = name;
    r.flavor = flavor;
    r.spec = {{"labels", {{"env", "dev"}}}};
    r.path = "tenants/" + tenant + "/" + name + "/manifest.yaml";
    r.git_commit = std::string(40, 'a');
    r.updated_at = clock_.Now();
    ASSERT_TRUE(index_.Upsert(r).ok());
  }

  // The job named by a 202 response.
  jobs::Job JobOf(const http::Response& res) {
    auto body = ParseBody(res);
    auto job = store_.Get(body.value("job_id", ""));
    EXPECT_TRUE(job.ok()) << res.body;
    return job.ok() ? *job : jobs::Job{};
  }

  // No job stored, nothing queued, no reservation held.
  void ExpectNothingCreated() {
    EXPECT_EQ(store_.size(), 0u);
    EXPECT_EQ(queue_.pending(), 0u);
    EXPECT_EQ(index_.pending(), 0u);
  }

  FakeClock clock_;
  jobs::MemoryJobStore store_{clock_};
  jobs::MemoryJobQueue queue_;
  index::MemoryResourceIndex index_;
  types::TypeRegistry registry_{SeedTypes()};
  // When set (before SetUp), the API uses this registry instead (e.g. over a shared TypeStore).
  std::unique_ptr<types::TypeRegistry> shared_registry_;
  FakeManifestReader manifests_;
  ApiOptions options_;
  std::unique_ptr<Api> api_;
  http::Router router_{FormatHttpError};
};

}  // namespace gitops::api::testing
