// The REST API driven through the router with request values: submission shape, existence
// rules, identity precedence, direct reads, jobs, tenants, resource types, health.
#include <gtest/gtest.h>

#include "api_fixture.h"
#include "core/ids.h"
#include "types/type_store.h"

namespace gitops::api::testing {
namespace {

using Json = nlohmann::ordered_json;

// ---- Submission ---------------------------------------------------------------------------

TEST_F(ApiTest, CreateAnswers202WithJobIdStatusMessageAndLocation) {
  auto res = Write("POST", "/api/v1/namespace/create",
                   R"({"name":"dev-namespace","flavor":"small",
                       "spec":{"labels":{"environment":"development"}}})");
  ASSERT_EQ(res.status, 202) << res.body;
  Json body = ParseBody(res);
  ASSERT_EQ(body.size(), 3u) << res.body;
  std::string id = body["job_id"];
  EXPECT_TRUE(IsUuid(id));
  EXPECT_EQ(body["status"], "submitted");
  EXPECT_EQ(body["message"], "Namespace creation job submitted");
  EXPECT_EQ(res.Header("Location").value_or(""), "/api/v1/status/" + id);
}

TEST_F(ApiTest, CreateStoresQueuesAndReservesTheJob) {
  auto res = Write("POST", "/api/v1/namespace/create",
                   R"({"name":"dev-namespace","flavor":"small","spec":{"labels":{"a":"b"}}})");
  ASSERT_EQ(res.status, 202) << res.body;
  jobs::Job job = JobOf(res);
  EXPECT_EQ(job.tenant_id, "tenant1");
  EXPECT_EQ(job.cluster_id, "cluster-a");
  EXPECT_EQ(job.resource_type, "namespace");
  EXPECT_EQ(job.resource_name, "dev-namespace");
  EXPECT_EQ(job.operation, jobs::Operation::kCreate);
  EXPECT_EQ(job.flavor, "small");
  EXPECT_EQ(job.spec, Json::parse(R"({"labels":{"a":"b"}})"));
  EXPECT_EQ(job.status, jobs::JobStatus::kSubmitted);
  EXPECT_EQ(index_.pending(), 1u);
  auto batch = queue_.Lease(10, std::chrono::milliseconds(0));
  ASSERT_TRUE(batch.ok() && batch->has_value());
  EXPECT_EQ((*batch)->partition, "namespace");
  EXPECT_EQ((*batch)->job_ids, std::vector<std::string>{job.job_id});
}

TEST_F(ApiTest, CreateDefaultsFlavorToCustom) {
  auto res = Write("POST", "/api/v1/vm/create", R"({"name":"web-server"})");
  ASSERT_EQ(res.status, 202) << res.body;
  EXPECT_EQ(JobOf(res).flavor, "custom");
}

TEST_F(ApiTest, EachOperationNamesItsJobInTheMessage) {
  Seed("vm", "tenant1", "", "web");
  struct {
    const char* method;
    const char* target;
    const char* body;
    const char* message;
  } cases[] = {
      {"POST", "/api/v1/vm/create", R"({"name":"other"})", "Vm creation job submitted"},
      {"PUT", "/api/v1/vm/update", R"({"name":"web","spec":{"x":1}})", "Vm update job submitted"},
      {"DELETE", "/api/v1/vm/delete", R"({"name":"web"})", "Vm deletion job submitted"},
      {"GET", "/api/v1/vm/read?name=web", "", "Vm read job submitted"},
      {"GET", "/api/v1/vm/list", "", "Vm list job submitted"},
  };
  for (const auto& c : cases) {
    auto res = Write(c.method, c.target, c.body);
    ASSERT_EQ(res.status, 202) << c.target << " " << res.body;
    EXPECT_EQ(ParseBody(res)["message"], c.message);
  }
  EXPECT_EQ(store_.size(), 5u);
}

TEST_F(ApiTest, AcceptsJsonContentTypeWithParameters) {
  auto res = Call("POST", "/api/v1/vm/create",
                  {{"X-Tenant-ID", "tenant1"}, {"Content-Type", "Application/JSON; charset=UTF-8"}},
                  R"({"name":"web"})");
  EXPECT_EQ(res.status, 202) << res.body;
}

TEST_F(ApiTest, CreateOfExistingResourceIs409) {
  Seed("namespace", "tenant1", "cluster-a", "dev");
  auto res = Write("POST", "/api/v1/namespace/create", R"({"name":"dev"})");
  EXPECT_EQ(res.status, 409) << res.body;
  EXPECT_EQ(ParseBody(res)["code"], "already_exists");
  EXPECT_EQ(ParseBody(res)["error"],
            "Namespace 'dev' already exists for tenant 'tenant1' in cluster 'cluster-a' (or its "
            "creation is pending)");
  EXPECT_EQ(store_.size(), 0u);
}

TEST_F(ApiTest, CreateWhileACreateIsPendingIs409) {
  ASSERT_EQ(Write("POST", "/api/v1/vm/create", R"({"name":"web"})").status, 202);
  auto res = Write("POST", "/api/v1/vm/create", R"({"name":"web"})");
  EXPECT_EQ(res.status, 409) << res.body;
  EXPECT_EQ(store_.size(), 1u);
  EXPECT_EQ(index_.pending(), 1u);
}

TEST_F(ApiTest, SameNameInAnotherClusterOrTenantIsNotAConflict) {
  Seed("namespace", "tenant1", "cluster-a", "dev");
  EXPECT_EQ(Write("POST", "/api/v1/namespace/create", R"({"name":"dev"})",
                  {{"X-Tenant-ID", "tenant1"}, {"X-Cluster-ID", "cluster-b"}})
                .status,
            202);
  EXPECT_EQ(Write("POST", "/api/v1/namespace/create", R"({"name":"dev"})",
                  {{"X-Tenant-ID", "tenant2"}, {"X-Cluster-ID", "cluster-a"}})
                .status,
            202);
}

TEST_F(ApiTest, UpdateOfMissingResourceIs404) {
  auto res = Write("PUT", "/api/v1/vm/update", R"({"name":"ghost"})");
  EXPECT_EQ(res.status, 404) << res.body;
  EXPECT_EQ(ParseBody(res)["error"], "Vm 'ghost' not found for tenant 'tenant1'");
  ExpectNothingCreated();
}

TEST_F(ApiTest, DeleteOfMissingResourceIs404) {
  auto res = Write("DELETE", "/api/v1/namespace/delete", R"({"name":"ghost"})");
  EXPECT_EQ(res.status, 404) << res.body;
  EXPECT_EQ(ParseBody(res)["code"], "not_found");
  ExpectNothingCreated();
}

TEST_F(ApiTest, UpdateAndDeleteAfterAPendingCreateAreAccepted) {
  ASSERT_EQ(Write("POST", "/api/v1/vm/create", R"({"name":"web"})").status, 202);
  EXPECT_EQ(Write("PUT", "/api/v1/vm/update", R"({"name":"web","flavor":"large"})").status, 202);
  EXPECT_EQ(Write("DELETE", "/api/v1/vm/delete", R"({"name":"web"})").status, 202);
  // After the pending delete the resource will be gone: another delete is 404.
  EXPECT_EQ(Write("DELETE", "/api/v1/vm/delete", R"({"name":"web"})").status, 404);
}

TEST_F(ApiTest, UpdateKeepsFlavorEmptyWhenNotGiven) {
  Seed("vm", "tenant1", "", "web");
  auto res = Write("PUT", "/api/v1/vm/update", R"({"name":"web","spec":{"cpu":2}})");
  ASSERT_EQ(res.status, 202) << res.body;
  jobs::Job job = JobOf(res);
  EXPECT_EQ(job.flavor, "");
  EXPECT_EQ(job.spec, Json::parse(R"({"cpu":2})"));
  EXPECT_EQ(job.operation, jobs::Operation::kUpdate);
}

TEST_F(ApiTest, DeleteTakesTheNameFromTheQueryWithoutABody) {
  Seed("vm", "tenant1", "", "web");
  auto res = Call("DELETE", "/api/v1/vm/delete?name=web", {{"X-Tenant-ID", "tenant1"}});
  ASSERT_EQ(res.status, 202) << res.body;
  EXPECT_EQ(JobOf(res).resource_name, "web");
  EXPECT_EQ(JobOf(res).operation, jobs::Operation::kDelete);
}

TEST_F(ApiTest, ReadAndListJobsReserveNothing) {
  auto read = Call("GET", "/api/v1/vm/read?name=web", {{"X-Tenant-ID", "tenant1"}});
  ASSERT_EQ(read.status, 202) << read.body;
  EXPECT_EQ(JobOf(read).operation, jobs::Operation::kRead);
  auto list = Call("GET", "/api/v1/namespace/list?cluster_id=cluster-a");
  ASSERT_EQ(list.status, 202) << list.body;
  jobs::Job job = JobOf(list);
  EXPECT_EQ(job.operation, jobs::Operation::kList);
  EXPECT_EQ(job.tenant_id, "");
  EXPECT_EQ(job.cluster_id, "cluster-a");
  EXPECT_EQ(index_.pending(), 0u);
  EXPECT_EQ(queue_.pending(), 2u);
}

// ---- Identity -----------------------------------------------------------------------------

TEST_F(ApiTest, TenantHeaderWinsOverBodyAndQuery) {
  auto res = Write("POST", "/api/v1/vm/create?tenant_id=from-query",
                   R"({"name":"web","tenant_id":"from-body"})", {{"X-Tenant-ID", "from-header"}});
  ASSERT_EQ(res.status, 202) << res.body;
  EXPECT_EQ(JobOf(res).tenant_id, "from-header");
}

TEST_F(ApiTest, TenantBodyWinsOverQuery) {
  auto res = Write("POST", "/api/v1/vm/create?tenant_id=from-query",
                   R"({"name":"web","tenant_id":"from-body"})", {});
  ASSERT_EQ(res.status, 202) << res.body;
  EXPECT_EQ(JobOf(res).tenant_id, "from-body");
}

TEST_F(ApiTest, TenantAndClusterFromQueryWhenNothingElse) {
  auto res =
      Write("POST", "/api/v1/namespace/create?tenant_id=q-tenant&cluster_id=q-cluster",
            R"({"name":"dev"})", {});
  ASSERT_EQ(res.status, 202) << res.body;
  EXPECT_EQ(JobOf(res).tenant_id, "q-tenant");
  EXPECT_EQ(JobOf(res).cluster_id, "q-cluster");
}

TEST_F(ApiTest, EmptyTenantHeaderFallsBackToBody) {
  auto res = Write("POST", "/api/v1/vm/create", R"({"name":"web","tenant_id":"body-tenant"})",
                   {{"X-Tenant-ID", ""}});
  ASSERT_EQ(res.status, 202) << res.body;
  EXPECT_EQ(JobOf(res).tenant_id, "body-tenant");
}

TEST_F(ApiTest, ClusterIsIgnoredForTypesThatAreNotClusterAware) {
  auto res = Write("POST", "/api/v1/vm/create", R"({"name":"web","cluster_id":"NOT valid"})");
  ASSERT_EQ(res.status, 202) << res.body;
  EXPECT_EQ(JobOf(res).cluster_id, "");
}

class CustomHeadersTest : public ApiTest {
 protected:
  CustomHeadersTest() : ApiTest(Options()) {}
  static ApiOptions Options() {
    ApiOptions o;
    o.tenant_header = "X-Org";
    o.cluster_header = "X-Env";
    o.require_tenant = false;
    return o;
  }
};

TEST_F(CustomHeadersTest, ConfiguredHeaderNamesAreUsed) {
  auto res = Write("POST", "/api/v1/namespace/create", R"({"name":"dev"})",
                   {{"X-Org", "org1"}, {"X-Env", "prod"}, {"X-Tenant-ID", "ignored"}});
  ASSERT_EQ(res.status, 202) << res.body;
  EXPECT_EQ(JobOf(res).tenant_id, "org1");
  EXPECT_EQ(JobOf(res).cluster_id, "prod");
}

TEST_F(CustomHeadersTest, WithoutRequireTenantTheDefaultTenantIsUsed) {
  auto res = Write("POST", "/api/v1/vm/create", R"({"name":"web"})", {});
  ASSERT_EQ(res.status, 202) << res.body;
  EXPECT_EQ(JobOf(res).tenant_id, "default");
}

// ---- Failure after reservation -------------------------------------------------------------

TEST_F(ApiTest, EnqueueFailureReleasesTheReservationAndFailsTheJob) {
  queue_.Close();
  auto res = Write("POST", "/api/v1/vm/create", R"({"name":"web"})");
  EXPECT_EQ(res.status, 503) << res.body;
  EXPECT_EQ(ParseBody(res)["code"], "unavailable");
  EXPECT_EQ(index_.pending(), 0u);
  auto jobs = store_.List({});
  ASSERT_TRUE(jobs.ok());
  ASSERT_EQ(jobs->size(), 1u);
  EXPECT_EQ(jobs->front().status, jobs::JobStatus::kFailed);
  EXPECT_TRUE(jobs->front().error.has_value());
}

// A JobStore whose Create always fails (the backend is down); everything else is memory.
class DownJobStore final : public jobs::JobStore {
 public:
  Status Create(jobs::Job) override {
    return Unexpected(ErrorCode::kUnavailable, "job store unavailable");
  }
  Result<jobs::Job> Get(std::string_view) const override {
    return Unexpected(ErrorCode::kNotFound, "none");
  }
  Status Update(std::string_view, const jobs::JobChange&) override { return OkStatus(); }
  Result<std::vector<jobs::Job>> List(const jobs::JobFilter&) const override {
    return std::vector<jobs::Job>{};
  }
  Result<jobs::TenantJobStats> TenantStats(std::string_view) const override {
    return jobs::TenantJobStats{};
  }
};

TEST(ApiStoreDown, StoreFailureReleasesTheReservationAndAnswers503) {
  DownJobStore store;
  jobs::MemoryJobQueue queue;
  index::MemoryResourceIndex index;
  types::TypeRegistry registry(SeedTypes());
  FakeManifestReader manifests;
  Api api(store, queue, index, index, registry, manifests, ApiOptions{});
  http::Router router(FormatHttpError);
  ASSERT_TRUE(api.Register(router).ok());
  auto res = router.Route(http::MakeRequest(
      "POST", "/api/v1/vm/create",
      {{"X-Tenant-ID", "t1"}, {"Content-Type", "application/json"}}, R"({"name":"web"})"));
  EXPECT_EQ(res.status, 503) << res.body;
  EXPECT_EQ(ParseBody(res)["error"], "job store unavailable");
  EXPECT_EQ(index.pending(), 0u);
  EXPECT_EQ(queue.pending(), 0u);
}

// ---- Routing errors -----------------------------------------------------------------------

TEST_F(ApiTest, WrongMethodIs405WithJsonBodyAndAllow) {
  auto res = Call("DELETE", "/api/v1/vm/create");
  EXPECT_EQ(res.status, 405) << res.body;
  EXPECT_EQ(ParseBody(res)["code"], "method_not_allowed");
  EXPECT_NE(res.Header("Allow").value_or("").find("POST"), std::string_view::npos);
}

TEST_F(ApiTest, GetOnAWriteActionIs405RatherThanAReadOfThatName) {
  auto res = Call("GET", "/api/v1/vm/create", {{"X-Tenant-ID", "tenant1"}});
  EXPECT_EQ(res.status, 405) << res.body;
  EXPECT_EQ(res.Header("Allow").value_or(""), "POST");
  EXPECT_EQ(ParseBody(res)["code"], "method_not_allowed");
}

TEST_F(ApiTest, UnknownPathIs404Json) {
  auto res = Call("GET", "/nope");
  EXPECT_EQ(res.status, 404);
  EXPECT_EQ(ParseBody(res)["code"], "not_found");
}

// ---- Direct reads -------------------------------------------------------------------------

TEST_F(ApiTest, DirectReadAnswersFromTheIndexAndGit) {
  Seed("vm", "tenant1", "", "web", "medium");
  manifests_.files["tenants/tenant1/web/manifest.yaml"] = "kind: VirtualMachine\n";
  auto res = Call("GET", "/api/v1/vm/web", {{"X-Tenant-ID", "tenant1"}});
  ASSERT_EQ(res.status, 200) << res.body;
  Json body = ParseBody(res);
  Json expected = {{"name", "web"},
                   {"path", "tenants/tenant1/web/manifest.yaml"},
                   {"manifest", "kind: VirtualMachine\n"},
                   {"git_commit", std::string(40, 'a')},
                   {"flavor", "medium"},
                   {"spec", {{"labels", {{"env", "dev"}}}}}};
  EXPECT_EQ(body, expected);
}

TEST_F(ApiTest, DirectReadOfMissingResourceIs404) {
  auto res = Call("GET", "/api/v1/namespace/ghost",
                  {{"X-Tenant-ID", "tenant1"}, {"X-Cluster-ID", "cluster-a"}});
  EXPECT_EQ(res.status, 404) << res.body;
  EXPECT_EQ(ParseBody(res)["error"],
            "Namespace 'ghost' not found for tenant 'tenant1' in cluster 'cluster-a'");
}

TEST_F(ApiTest, DirectReadNeedsTheTenant) {
  auto res = Call("GET", "/api/v1/vm/web");
  EXPECT_EQ(res.status, 400);
  EXPECT_EQ(ParseBody(res)["error"], "Tenant ID is required");
}

TEST_F(ApiTest, DirectReadPassesGitErrorsOn) {
  Seed("vm", "tenant1", "", "web");
  auto res = Call("GET", "/api/v1/vm/web", {{"X-Tenant-ID", "tenant1"}});
  EXPECT_EQ(res.status, 404) << res.body;  // the fake has no such file
  EXPECT_EQ(ParseBody(res)["error"], "no file tenants/tenant1/web/manifest.yaml");
}

TEST_F(ApiTest, DirectListFiltersByTenant) {
  Seed("vm", "tenant1", "", "a");
  Seed("vm", "tenant2", "", "b");
  auto all = ParseBody(Call("GET", "/api/v1/vm"));
  ASSERT_EQ(all["items"].size(), 2u);
  auto one = ParseBody(Call("GET", "/api/v1/vm", {{"X-Tenant-ID", "tenant2"}}));
  ASSERT_EQ(one["items"].size(), 1u);
  EXPECT_EQ(one["items"][0]["name"], "b");
  EXPECT_EQ(one["items"][0]["tenant_id"], "tenant2");
  EXPECT_TRUE(one["items"][0]["cluster_id"].is_null());
  EXPECT_EQ(one["items"][0]["git_commit"], std::string(40, 'a'));
}

// ---- Jobs ---------------------------------------------------------------------------------

TEST_F(ApiTest, StatusOfUnknownJobIs404JobNotFound) {
  auto res = Call("GET", "/api/v1/status/" + NewUuid());
  EXPECT_EQ(res.status, 404);
  EXPECT_EQ(ParseBody(res)["error"], "Job not found");
  EXPECT_EQ(Call("GET", "/api/v1/status/not-a-uuid").status, 404);
}

TEST_F(ApiTest, StatusShowsTheSubmittedJob) {
  auto created = Write("POST", "/api/v1/vm/create", R"({"name":"web","flavor":"small"})");
  auto location = std::string(created.Header("Location").value_or(""));
  auto res = Call("GET", location);
  ASSERT_EQ(res.status, 200) << res.body;
  Json job = ParseBody(res);
  EXPECT_EQ(job["job_id"], ParseBody(created)["job_id"]);
  EXPECT_EQ(job["status"], "submitted");
  EXPECT_EQ(job["tenant_id"], "tenant1");
  EXPECT_EQ(job["resource_type"], "vm");
  EXPECT_EQ(job["resource_name"], "web");
  EXPECT_EQ(job["operation"], "create");
  EXPECT_TRUE(job["cluster_id"].is_null());
}

TEST_F(ApiTest, JobsListIsNewestFirstAndFiltered) {
  Write("POST", "/api/v1/vm/create", R"({"name":"a"})");
  clock_.Advance(std::chrono::seconds(1));
  Write("POST", "/api/v1/vm/create", R"({"name":"b"})");
  clock_.Advance(std::chrono::seconds(1));
  Write("POST", "/api/v1/vm/create", R"({"name":"c"})", {{"X-Tenant-ID", "tenant2"}});
  Json all = ParseBody(Call("GET", "/api/v1/jobs"));
  ASSERT_EQ(all["count"], 3);
  EXPECT_EQ(all["jobs"][0]["resource_name"], "c");
  EXPECT_EQ(all["jobs"][2]["resource_name"], "a");
  Json t1 = ParseBody(Call("GET", "/api/v1/jobs?tenant_id=tenant1&limit=1"));
  ASSERT_EQ(t1["count"], 1);
  EXPECT_EQ(t1["jobs"][0]["resource_name"], "b");
  EXPECT_EQ(ParseBody(Call("GET", "/api/v1/jobs?status=completed"))["count"], 0);
  EXPECT_EQ(ParseBody(Call("GET", "/api/v1/jobs?status=submitted"))["count"], 3);
}

TEST_F(ApiTest, JobsListRejectsBadParameters) {
  auto limit = Call("GET", "/api/v1/jobs?limit=0");
  EXPECT_EQ(limit.status, 400);
  EXPECT_EQ(ParseBody(limit)["details"], "limit");
  EXPECT_EQ(Call("GET", "/api/v1/jobs?limit=12abc").status, 400);
  auto status = Call("GET", "/api/v1/jobs?status=done");
  EXPECT_EQ(status.status, 400);
  EXPECT_EQ(ParseBody(status)["details"], "status");
  EXPECT_EQ(Call("GET", "/api/v1/jobs?tenant_id=..").status, 400);
}

// ---- Tenants ------------------------------------------------------------------------------

TEST_F(ApiTest, TenantMetricsCountResourcesAndJobs) {
  Seed("vm", "tenant1", "", "a");
  Seed("vm", "tenant1", "", "b");
  Seed("namespace", "tenant1", "cluster-a", "dev");
  Seed("vm", "tenant2", "", "c");
  auto created = Write("POST", "/api/v1/vm/create", R"({"name":"new"})");
  ASSERT_EQ(created.status, 202);
  auto res = Call("GET", "/api/v1/tenant/tenant1/metrics");
  ASSERT_EQ(res.status, 200) << res.body;
  Json m = ParseBody(res);
  EXPECT_EQ(m["tenant_id"], "tenant1");
  EXPECT_EQ(m["total_resources"], 3);
  EXPECT_EQ(m["resources_by_type"], Json::parse(R"({"namespace":1,"vm":2})"));
  EXPECT_EQ(m["active_jobs"], 1);
  EXPECT_EQ(m["failed_jobs"], 0);
  EXPECT_EQ(m["completed_jobs"], 0);
  EXPECT_EQ(m["last_activity"], FormatIso8601(clock_.Now()));
}

TEST_F(ApiTest, TenantMetricsOfUnknownTenantAreZero) {
  Json m = ParseBody(Call("GET", "/api/v1/tenant/nobody/metrics"));
  EXPECT_EQ(m["total_resources"], 0);
  EXPECT_TRUE(m["last_activity"].is_null());
}

TEST_F(ApiTest, TenantRoutesRejectInvalidTenant) {
  auto res = Call("GET", "/api/v1/tenant/Bad_Tenant/metrics");
  EXPECT_EQ(res.status, 400);
  EXPECT_EQ(ParseBody(res)["details"], "tenant");
  EXPECT_EQ(Call("GET", "/api/v1/tenant/..%2F../resources").status, 400);
}

TEST_F(ApiTest, TenantResourcesGroupedByTypeWithClusterFlavorPathCommit) {
  Seed("namespace", "tenant1", "cluster-a", "dev", "small");
  Seed("vm", "tenant1", "", "web", "large");
  auto res = Call("GET", "/api/v1/tenant/tenant1/resources");
  ASSERT_EQ(res.status, 200) << res.body;
  Json body = ParseBody(res);
  EXPECT_EQ(body["tenant_id"], "tenant1");
  Json ns = body["resources"]["namespace"];
  ASSERT_EQ(ns.size(), 1u);
  EXPECT_EQ(ns[0]["name"], "dev");
  EXPECT_EQ(ns[0]["cluster_id"], "cluster-a");
  EXPECT_EQ(ns[0]["flavor"], "small");
  EXPECT_EQ(ns[0]["path"], "tenants/tenant1/dev/manifest.yaml");
  EXPECT_EQ(ns[0]["git_commit"], std::string(40, 'a'));
  EXPECT_EQ(body["resources"]["vm"][0]["flavor"], "large");
  EXPECT_EQ(body["resources"]["osimage"], Json::array());
}

// ---- Resource types -----------------------------------------------------------------------

TEST_F(ApiTest, ResourceTypesListsConfiguredTypes) {
  Json body = ParseBody(Call("GET", "/api/v1/resource-types"));
  ASSERT_EQ(body["resource_types"].size(), 5u);
  EXPECT_EQ(body["resource_types"][0]["name"], "namespace");
  EXPECT_EQ(body["resource_types"][0]["cluster_aware"], true);
  EXPECT_EQ(body["resource_types"][0]["flavors"],
            Json::parse(R"(["small","medium","large","custom"])"));
}

TEST_F(ApiTest, AddedResourceTypeIsServedAtOnce) {
  auto added = Write("POST", "/api/v1/resource-types",
                     R"({"name":"loadbalancer","template_dir":"loadbalancers/",
                         "cluster_aware":true,"flavors":["small","large"]})");
  ASSERT_EQ(added.status, 201) << added.body;
  EXPECT_EQ(added.Header("Location").value_or(""), "/api/v1/resource-types/loadbalancer");
  EXPECT_EQ(ParseBody(added)["name"], "loadbalancer");
  EXPECT_EQ(ParseBody(added)["path_template"],
            "tenants/{tenant_id}/{cluster_id}/{resource_type}/{name}/manifest.yaml");

  auto res = Write("POST", "/api/v1/loadbalancer/create", R"({"name":"lb1","flavor":"large"})");
  ASSERT_EQ(res.status, 202) << res.body;
  EXPECT_EQ(ParseBody(res)["message"], "Loadbalancer creation job submitted");
  EXPECT_EQ(JobOf(res).partition, "loadbalancer");
  EXPECT_EQ(Call("GET", "/api/v1/resource-types/loadbalancer").status, 200);
}

TEST_F(ApiTest, AddingAnExistingTypeIs409) {
  auto res = Write("POST", "/api/v1/resource-types", R"({"name":"vm","flavors":["small"]})");
  EXPECT_EQ(res.status, 409) << res.body;
  EXPECT_EQ(ParseBody(res)["error"], "Resource type 'vm' already exists");
}

TEST_F(ApiTest, AddingATypeWithAMisspelledKeyIs400NamingTheKey) {
  auto res = Write("POST", "/api/v1/resource-types",
                   R"({"name":"lb","flavors":["small"],"clusteraware":true})");
  EXPECT_EQ(res.status, 400) << res.body;
  std::string error = ParseBody(res)["error"];
  EXPECT_NE(error.find("clusteraware: unknown key (did you mean 'cluster_aware'?)"),
            std::string::npos)
      << error;
  EXPECT_EQ(registry_.Find("lb"), nullptr);
}

TEST_F(ApiTest, AddingATypeNeedsNameAndFlavors) {
  auto no_name = Write("POST", "/api/v1/resource-types", R"({"flavors":["small"]})");
  EXPECT_EQ(no_name.status, 400);
  EXPECT_EQ(ParseBody(no_name)["error"], "Name is required");
  auto no_flavors = Write("POST", "/api/v1/resource-types", R"({"name":"lb"})");
  EXPECT_EQ(no_flavors.status, 400);
  EXPECT_NE(ParseBody(no_flavors)["error"].get<std::string>().find("flavors"), std::string::npos);
  auto reserved = Write("POST", "/api/v1/resource-types", R"({"name":"jobs","flavors":["a"]})");
  EXPECT_EQ(reserved.status, 400);
  auto text = Call("POST", "/api/v1/resource-types", {{"Content-Type", "text/yaml"}}, "name: x");
  EXPECT_EQ(text.status, 415);
  EXPECT_EQ(registry_.List().size(), 5u);
}

TEST_F(ApiTest, AddedTypeCannotReadTheServiceEnvironment) {
  auto res = Write("POST", "/api/v1/resource-types",
                   R"({"name":"lb","flavors":["small"],
                       "webhook":{"enabled":true,"url":"https://hooks.example.com/x",
                                  "secret_env":"PATH"}})");
  EXPECT_EQ(res.status, 400) << res.body;
  EXPECT_NE(ParseBody(res)["error"].get<std::string>().find("secret_env"), std::string::npos)
      << res.body;
  EXPECT_EQ(registry_.Find("lb"), nullptr);
}

TEST_F(ApiTest, ResourceTypesNeverShowAWebhookSecret) {
  ASSERT_EQ(Write("POST", "/api/v1/resource-types",
                  R"({"name":"lb","flavors":["small"],
                      "webhook":{"enabled":true,"url":"https://hooks.example.com/x",
                                 "secret":"s3cret-value"}})")
                .status,
            201);
  EXPECT_EQ(Call("GET", "/api/v1/resource-types").body.find("s3cret-value"), std::string::npos);
  EXPECT_EQ(Call("GET", "/api/v1/resource-types/lb").body.find("s3cret-value"),
            std::string::npos);
}

// ---- Health -------------------------------------------------------------------------------

TEST_F(ApiTest, HealthzIsOk) {
  auto res = Call("GET", "/healthz");
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(ParseBody(res)["status"], "ok");
}

class ReadinessTest : public ApiTest {
 protected:
  ReadinessTest() : ApiTest(Options(&redis_up_)) {}
  static ApiOptions Options(bool* redis_up) {
    ApiOptions o;
    o.readiness_checks.emplace_back("postgres", [] { return OkStatus(); });
    o.readiness_checks.emplace_back("redis", [redis_up]() -> Status {
      if (*redis_up) return OkStatus();
      return Unexpected(ErrorCode::kUnavailable, "connection refused");
    });
    return o;
  }
  bool redis_up_ = true;
};

TEST_F(ReadinessTest, ReadyWhenEveryCheckPasses) {
  auto res = Call("GET", "/readyz");
  EXPECT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(ParseBody(res)["checks"], Json::parse(R"({"postgres":"ok","redis":"ok"})"));
}

TEST_F(ReadinessTest, NotReadyNamesEachFailingDependency) {
  redis_up_ = false;
  auto res = Call("GET", "/readyz");
  EXPECT_EQ(res.status, 503) << res.body;
  Json body = ParseBody(res);
  EXPECT_EQ(body["error"], "Not ready: redis (connection refused)");
  EXPECT_EQ(body["code"], "unavailable");
  EXPECT_EQ(body["checks"]["postgres"], "ok");
  EXPECT_EQ(body["checks"]["redis"], "connection refused");
}

// A shared TypeStore whose backend is down (production with PostgreSQL stopped).
class DownTypeStore final : public types::TypeStore {
 public:
  Status Add(const config::ResourceTypeConfig&) override { return Down(); }
  Result<std::vector<config::ResourceTypeConfig>> LoadAll() override { return Down(); }
  Result<std::optional<config::ResourceTypeConfig>> Load(std::string_view) override {
    return Down();
  }

 private:
  static Error Down() { return MakeError(ErrorCode::kUnavailable, "PostgreSQL: connection refused"); }
};

class TypeStoreDownTest : public ApiTest {
 protected:
  TypeStoreDownTest() {
    shared_registry_ =
        std::make_unique<types::TypeRegistry>(SeedTypes(), std::make_unique<DownTypeStore>());
  }
};

TEST_F(TypeStoreDownTest, AnUnknownTypeIs503NotANotFoundWhileTheSharedStoreIsDown) {
  // A type another replica added may exist: while the store cannot be asked, "not found" would
  // be a lie the client acts on.
  for (auto [method, target] : {std::pair{"POST", "/api/v1/dnszone/create"},
                                std::pair{"GET", "/api/v1/dnszone/zone1"},
                                std::pair{"GET", "/api/v1/dnszone"},
                                std::pair{"GET", "/api/v1/resource-types/dnszone"}}) {
    auto res = Write(method, target, R"({"name": "zone1"})");
    EXPECT_EQ(res.status, 503) << method << " " << target << ": " << res.body;
    EXPECT_EQ(ParseBody(res)["error"], "PostgreSQL: connection refused") << target;
  }
  ExpectNothingCreated();
  // Types of resource_configs.yaml need no store.
  EXPECT_EQ(Write("POST", "/api/v1/vm/create", R"({"name": "vm1"})").status, 202);
}

// ApiOptions::submitter: a Submitter that refuses every job (PostgreSQL down).
class RefusingSubmitter final : public jobs::Submitter {
 public:
  Status Submit(jobs::Job job) override {
    seen.push_back(job.job_id);
    return Unexpected(ErrorCode::kUnavailable, "database down");
  }
  std::vector<std::string> seen;
};

class GivenSubmitterTest : public ApiTest {
 protected:
  void SetUp() override {
    options_.submitter = &submitter_;
    ApiTest::SetUp();
  }
  RefusingSubmitter submitter_;
};

TEST_F(GivenSubmitterTest, SubmissionsGoThroughTheGivenSubmitterInsteadOfTheStore) {
  auto res = Write("POST", "/api/v1/vm/create", R"({"name": "vm1"})");
  EXPECT_EQ(res.status, 503) << res.body;
  EXPECT_EQ(submitter_.seen.size(), 1u);
  ExpectNothingCreated();
}

// ApiOptions::submitter_dispatches: the submitter enqueues what it stores (production's
// PostgresJobStore with a dispatch hook), so the API does not enqueue again.
class DispatchingSubmitterTest : public ApiTest {
 protected:
  void SetUp() override {
    options_.submitter = &submitter_;
    options_.submitter_dispatches = true;
    ApiTest::SetUp();
  }
  jobs::SeparateSubmitter submitter_{store_, index_};
};

TEST_F(DispatchingSubmitterTest, TheApiDoesNotEnqueueWhatTheSubmitterDispatches) {
  auto res = Write("POST", "/api/v1/vm/create", R"({"name": "vm1"})");
  ASSERT_EQ(res.status, 202) << res.body;
  EXPECT_EQ(JobOf(res).status, jobs::JobStatus::kSubmitted);
  EXPECT_EQ(queue_.pending(), 0u);
}

}  // namespace
}  // namespace gitops::api::testing
