// Tests of PipelineHandler against real local bare repositories, inspected with the git CLI.
#include "pipeline/pipeline_handler.h"

#include <gtest/gtest.h>

#include <map>

#include "git/repository.h"
#include "pipeline_fixture.h"

namespace gitops::pipeline::testing {
namespace {

using git::testing::Git;
using jobs::JobStatus;
using jobs::Operation;

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

bool HasLog(const jobs::Job& job, const std::string& needle) {
  for (const std::string& line : job.logs) {
    if (Contains(line, needle)) return true;
  }
  return false;
}

using PipelineHandlerTest = PipelineTest;

// Forwards to a JobStore and counts the calls that write.
class CountingJobStore final : public jobs::JobStore {
 public:
  explicit CountingJobStore(jobs::JobStore& inner) : inner_(inner) {}
  Status Create(jobs::Job job) override { return inner_.Create(std::move(job)); }
  Result<jobs::Job> Get(std::string_view id) const override {
    ++gets;
    return inner_.Get(id);
  }
  Status Update(std::string_view id, const jobs::JobChange& change) override {
    ++updates;
    return inner_.Update(id, change);
  }
  Result<std::vector<jobs::Job>> List(const jobs::JobFilter& filter) const override {
    return inner_.List(filter);
  }
  Result<jobs::TenantJobStats> TenantStats(std::string_view tenant) const override {
    return inner_.TenantStats(tenant);
  }
  Result<std::vector<std::optional<jobs::Job>>> GetMany(
      const std::vector<std::string>& ids) const override {
    ++get_manys;
    return inner_.GetMany(ids);
  }
  std::vector<Status> UpdateMany(const std::vector<jobs::JobUpdate>& batch) override {
    ++update_manys;
    return inner_.UpdateMany(batch);
  }
  mutable int gets = 0, get_manys = 0;
  int updates = 0, update_manys = 0;

 private:
  jobs::JobStore& inner_;
};

// Forwards to the memory index and counts the calls that write.
class CountingIndex final : public index::ResourceIndex, public index::PendingOps {
 public:
  explicit CountingIndex(index::MemoryResourceIndex& inner) : inner_(inner) {}
  Status Upsert(index::ResourceRecord r) override {
    ++single_writes;
    return inner_.Upsert(std::move(r));
  }
  Status Remove(const index::ResourceKey& key) override {
    ++single_writes;
    return inner_.Remove(key);
  }
  Result<index::ResourceRecord> Get(const index::ResourceKey& key) const override {
    return inner_.Get(key);
  }
  Result<std::vector<index::ResourceRecord>> List(
      std::string_view type, const std::optional<std::string>& tenant,
      const std::optional<std::string>& cluster) const override {
    return inner_.List(type, tenant, cluster);
  }
  Result<std::vector<index::ResourceRecord>> ListTenant(std::string_view tenant) const override {
    return inner_.ListTenant(tenant);
  }
  Result<std::map<std::string, size_t>> CountByType(std::string_view tenant) const override {
    return inner_.CountByType(tenant);
  }
  Status ApplyMany(const std::vector<index::IndexWrite>& writes) override {
    ++apply_manys;
    return inner_.ApplyMany(writes);
  }
  Status Reserve(const index::ResourceKey& key, index::PendingOp op,
                 std::string_view job) override {
    return inner_.Reserve(key, op, job);
  }
  Status Release(std::string_view job) override {
    ++single_writes;
    return inner_.Release(job);
  }
  Status ReleaseMany(const std::vector<std::string>& jobs) override {
    ++release_manys;
    return inner_.ReleaseMany(jobs);
  }
  int single_writes = 0, apply_manys = 0, release_manys = 0;

 private:
  index::MemoryResourceIndex& inner_;
};

TEST_F(PipelineHandlerTest, CreateCommitsTheRenderedManifest) {
  jobs::Job job = RunOne("namespace", Operation::kCreate, "dev-ns", "small", Json{{"team", "blue"}},
                         "cluster-a");
  ASSERT_EQ(job.status, JobStatus::kCompleted) << job.error.value_or("");
  std::string manifest =
      GitIn("namespace", {"show", "main:tenants/tenant1/cluster-a/namespace/dev-ns/manifest.yaml"});
  EXPECT_EQ(manifest,
            "kind: Namespace\n"
            "name: dev-ns\n"
            "tenant: tenant1\n"
            "cluster: cluster-a\n"
            "flavor: small\n"
            "team: blue\n"
            "labels:\n"
            "  tenant.io/id: \"tenant1\"\n"
            "  managed-by: \"gitops-api\"\n"
            "  flavor: \"small\"\n"
            "  cluster.io/id: \"cluster-a\"");
  EXPECT_EQ(GitIn("namespace", {"fsck", "--strict"}), "");
}

TEST_F(PipelineHandlerTest, CreateCommitMessageTrailersAndAuthor) {
  jobs::Job job =
      RunOne("namespace", Operation::kCreate, "dev-ns", "small", Json::object(), "cluster-a");
  ASSERT_EQ(job.status, JobStatus::kCompleted) << job.error.value_or("");
  EXPECT_EQ(GitIn("namespace", {"log", "-1", "--format=%B", "main"}),
            "Deploy namespace dev-ns for tenant tenant1 in cluster cluster-a\n\nJob-Id: " +
                job.job_id + "\nTenant-Id: tenant1");
  EXPECT_EQ(GitIn("namespace", {"log", "-1", "--format=%an <%ae>", "main"}),
            "GitOps Bot <bot@example.com>");
  EXPECT_EQ(GitIn("namespace", {"log", "-1", "--format=%at", "main"}), "1800000000");
  EXPECT_EQ(GitIn("namespace", {"log", "-1", "--format=%(trailers:key=Job-Id,valueonly)", "main"}),
            job.job_id);
}

TEST_F(PipelineHandlerTest, CreateWritesTheMetadataFile) {
  jobs::Job job = RunOne("vm", Operation::kCreate, "vm1", "small", Json{{"cpu", 2}});
  ASSERT_EQ(job.status, JobStatus::kCompleted) << job.error.value_or("");
  EXPECT_EQ(GitIn("vm", {"ls-tree", "-r", "--name-only", "main"}),
            ".gitops-api/resources/vm/tenant1/_/vm1.json\ntenants/tenant1/small/vm1/manifest.yaml");
  Json meta =
      Json::parse(GitIn("vm", {"show", "main:.gitops-api/resources/vm/tenant1/_/vm1.json"}));
  EXPECT_EQ(meta, Json::parse(R"({"name": "vm1", "tenant_id": "tenant1", "cluster_id": null,
      "flavor": "small", "spec": {"cpu": 2}, "path": "tenants/tenant1/small/vm1/manifest.yaml",
      "resource_type": "vm"})"));
}

TEST_F(PipelineHandlerTest, CompletedJobHasLogsAndMetadata) {
  jobs::Job job = RunOne("namespace", Operation::kCreate, "dev-ns", "small", Json::object(), "c1");
  ASSERT_EQ(job.status, JobStatus::kCompleted) << job.error.value_or("");
  EXPECT_EQ(job.logs, (std::vector<std::string>{"Job started", "Template rendered",
                                                "Manifest committed to Git", "Pushed"}));
  EXPECT_EQ(job.metadata["git_commit"], GitIn("namespace", {"rev-parse", "main"}));
  EXPECT_EQ(job.metadata["manifest_path"], "tenants/tenant1/c1/namespace/dev-ns/manifest.yaml");
  EXPECT_EQ(job.metadata["repository"], Remote("namespace"));
  EXPECT_EQ(job.metadata["webhook_status"], "disabled");
  EXPECT_FALSE(job.error.has_value());
}

TEST_F(PipelineHandlerTest, CreateUpdatesIndexAndReleasesReservation) {
  jobs::Job job =
      RunOne("namespace", Operation::kCreate, "dev-ns", "small", Json{{"team", "blue"}}, "c1");
  ASSERT_EQ(job.status, JobStatus::kCompleted);
  auto record = index_->Get({"namespace", "tenant1", "c1", "dev-ns"});
  ASSERT_TRUE(record.ok());
  EXPECT_EQ(record->flavor, "small");
  EXPECT_EQ(record->spec, Json({{"team", "blue"}}));
  EXPECT_EQ(record->git_commit, job.metadata["git_commit"]);
  EXPECT_EQ(record->path, "tenants/tenant1/c1/namespace/dev-ns/manifest.yaml");
  EXPECT_EQ(index_->pending(), 0u);
}

TEST_F(PipelineHandlerTest, CreateWithoutFlavorUsesCustom) {
  jobs::Job job = RunOne("namespace", Operation::kCreate, "dev-ns", "", Json::object(), "c1");
  ASSERT_EQ(job.status, JobStatus::kCompleted) << job.error.value_or("");
  EXPECT_EQ(GitIn("namespace", {"show", "main:tenants/tenant1/c1/namespace/dev-ns/manifest.yaml"}),
            "kind: Namespace\nname: dev-ns");
}

TEST_F(PipelineHandlerTest, UpdateMergesSpecAtTopLevelAndKeepsFlavor) {
  RunOne("vm", Operation::kCreate, "vm1", "large",
         Json::parse(R"({"cpu": 2, "disk": {"size": 10}, "os": "rhel"})"));
  jobs::Job job = RunOne("vm", Operation::kUpdate, "vm1", "",
                         Json::parse(R"({"disk": {"type": "ssd"}, "cpu": 4})"));
  ASSERT_EQ(job.status, JobStatus::kCompleted) << job.error.value_or("");
  Json meta =
      Json::parse(GitIn("vm", {"show", "main:.gitops-api/resources/vm/tenant1/_/vm1.json"}));
  EXPECT_EQ(meta["spec"], Json::parse(R"({"cpu": 4, "disk": {"type": "ssd"}, "os": "rhel"})"));
  EXPECT_EQ(meta["flavor"], "large");
  EXPECT_EQ(index_->Get({"vm", "tenant1", "", "vm1"})->spec, meta["spec"]);
  EXPECT_EQ(GitIn("vm", {"log", "-1", "--format=%s", "main"}), "Deploy vm vm1 for tenant tenant1");
}

TEST_F(PipelineHandlerTest, UpdateChangingFlavorMovesTheManifest) {
  RunOne("vm", Operation::kCreate, "vm1", "small");
  jobs::Job job = RunOne("vm", Operation::kUpdate, "vm1", "large");
  ASSERT_EQ(job.status, JobStatus::kCompleted) << job.error.value_or("");
  EXPECT_EQ(GitIn("vm", {"ls-tree", "-r", "--name-only", "main"}),
            ".gitops-api/resources/vm/tenant1/_/vm1.json\ntenants/tenant1/large/vm1/manifest.yaml");
  EXPECT_EQ(job.metadata["manifest_path"], "tenants/tenant1/large/vm1/manifest.yaml");
}

TEST_F(PipelineHandlerTest, DeleteRemovesFilesAndEmptyDirectories) {
  RunOne("namespace", Operation::kCreate, "keep", "custom", Json::object(), "c1", "tenant2");
  RunOne("namespace", Operation::kCreate, "gone", "custom", Json::object(), "c1");
  jobs::Job job = RunOne("namespace", Operation::kDelete, "gone", "", Json::object(), "c1");
  ASSERT_EQ(job.status, JobStatus::kCompleted) << job.error.value_or("");
  EXPECT_EQ(GitIn("namespace", {"ls-tree", "-r", "-t", "--name-only", "main"}),
            ".gitops-api\n.gitops-api/resources\n.gitops-api/resources/namespace\n"
            ".gitops-api/resources/namespace/tenant2\n.gitops-api/resources/namespace/tenant2/c1\n"
            ".gitops-api/resources/namespace/tenant2/c1/keep.json\ntenants\ntenants/tenant2\n"
            "tenants/tenant2/c1\ntenants/tenant2/c1/namespace\ntenants/tenant2/c1/namespace/keep\n"
            "tenants/tenant2/c1/namespace/keep/manifest.yaml");
  EXPECT_EQ(GitIn("namespace", {"log", "-1", "--format=%s", "main"}),
            "Delete namespace gone for tenant tenant1 in cluster c1");
  EXPECT_FALSE(index_->Get({"namespace", "tenant1", "c1", "gone"}).ok());
  EXPECT_EQ(GitIn("namespace", {"fsck", "--strict"}), "");
}

TEST_F(PipelineHandlerTest, InvalidYamlFailsTheJobAndCommitsNothing) {
  jobs::Job job = RunOne("namespace", Operation::kCreate, "dev-ns", "broken", Json::object(), "c1");
  ASSERT_EQ(job.status, JobStatus::kFailed);
  ASSERT_TRUE(job.error.has_value());
  EXPECT_TRUE(Contains(*job.error, "is not valid YAML: line 2")) << *job.error;
  EXPECT_TRUE(HasLog(job, "Job failed: rendered manifest")) << job.logs.back();
  EXPECT_FALSE(BranchExists("namespace"));
  EXPECT_FALSE(index_->Get({"namespace", "tenant1", "c1", "dev-ns"}).ok());
  EXPECT_EQ(index_->pending(), 0u);
}

TEST_F(PipelineHandlerTest, FailedJobDoesNotStopTheRestOfTheBatch) {
  std::vector<std::string> ids = {
      Submit("namespace", Operation::kCreate, "a", "broken", Json::object(), "c1"),
      Submit("namespace", Operation::kCreate, "b", "custom", Json::object(), "c1")};
  EXPECT_EQ(HandleBatch("namespace", ids), 2u);
  EXPECT_EQ(GetJob(ids[0]).status, JobStatus::kFailed);
  EXPECT_EQ(GetJob(ids[1]).status, JobStatus::kCompleted);
  EXPECT_EQ(CommitCount("namespace"), 1);
}

TEST_F(PipelineHandlerTest, StrictUndefinedIsPerType) {
  jobs::Job lenient = RunOne("namespace", Operation::kCreate, "a", "strict", Json::object(), "c1");
  EXPECT_EQ(lenient.status, JobStatus::kCompleted) << lenient.error.value_or("");
  jobs::Job strict = RunOne("strictns", Operation::kCreate, "a", "strict", Json::object(), "c1");
  ASSERT_EQ(strict.status, JobStatus::kFailed);
  EXPECT_TRUE(Contains(*strict.error, "missing_value")) << *strict.error;
  EXPECT_FALSE(BranchExists("strictns"));
}

TEST_F(PipelineHandlerTest, MissingTemplateFailsTheJob) {
  jobs::Job job = RunOne("vm", Operation::kCreate, "vm1", "medium");
  ASSERT_EQ(job.status, JobStatus::kFailed);
  EXPECT_TRUE(Contains(*job.error, "vm/medium.yaml.j2")) << *job.error;
}

TEST_F(PipelineHandlerTest, SecondCreateOfTheSameResourceInABatchFails) {
  std::vector<std::string> ids = {
      Submit("namespace", Operation::kCreate, "dup", "custom", Json::object(), "c1"),
      Submit("namespace", Operation::kCreate, "dup", "custom", Json::object(), "c1")};
  EXPECT_EQ(HandleBatch("namespace", ids), 2u);
  EXPECT_EQ(GetJob(ids[0]).status, JobStatus::kCompleted);
  jobs::Job second = GetJob(ids[1]);
  ASSERT_EQ(second.status, JobStatus::kFailed);
  EXPECT_EQ(*second.error,
            "namespace dup for tenant tenant1 in cluster c1 already exists; "
            "nothing committed");
  EXPECT_EQ(CommitCount("namespace"), 1);
}

TEST_F(PipelineHandlerTest, CreateOfAnIndexedResourceFails) {
  RunOne("vm", Operation::kCreate, "vm1", "small");
  jobs::Job job = RunOne("vm", Operation::kCreate, "vm1", "small");
  ASSERT_EQ(job.status, JobStatus::kFailed);
  EXPECT_TRUE(Contains(*job.error, "already exists")) << *job.error;
  EXPECT_EQ(CommitCount("vm"), 1);
}

TEST_F(PipelineHandlerTest, UpdateAndDeleteOfAMissingResourceFail) {
  jobs::Job update = RunOne("vm", Operation::kUpdate, "ghost", "small");
  jobs::Job del = RunOne("vm", Operation::kDelete, "ghost");
  EXPECT_EQ(update.status, JobStatus::kFailed);
  EXPECT_EQ(*del.error, "vm ghost for tenant tenant1 does not exist; nothing committed");
  EXPECT_FALSE(BranchExists("vm"));
}

TEST_F(PipelineHandlerTest, CreateUpdateDeleteInOneBatchApplyInOrder) {
  std::vector<std::string> ids = {
      Submit("vm", Operation::kCreate, "vm1", "small", Json{{"cpu", 1}}),
      Submit("vm", Operation::kUpdate, "vm1", "", Json{{"mem", 2}}),
      Submit("vm", Operation::kDelete, "vm1"), Submit("vm", Operation::kCreate, "vm1", "large")};
  EXPECT_EQ(HandleBatch("vm", ids), 4u);
  for (const std::string& id : ids) {
    EXPECT_EQ(GetJob(id).status, JobStatus::kCompleted) << GetJob(id).error.value_or("");
  }
  EXPECT_EQ(CommitCount("vm"), 4);
  EXPECT_EQ(GitIn("vm", {"ls-tree", "-r", "--name-only", "main"}),
            ".gitops-api/resources/vm/tenant1/_/vm1.json\ntenants/tenant1/large/vm1/manifest.yaml");
  Json meta =
      Json::parse(GitIn("vm", {"show", "main:.gitops-api/resources/vm/tenant1/_/vm1.json"}));
  EXPECT_EQ(meta["spec"], Json::object());
  EXPECT_EQ(GetJob(ids[1]).metadata["git_commit"], GitIn("vm", {"rev-parse", "main~2"}));
}

TEST_F(PipelineHandlerTest, BatchOfNJobsIsNCommitsAndOnePush) {
  ASSERT_TRUE(git::CreateBareRepository(Remote("namespace"), "main").ok());
  GitIn("namespace", {"config", "core.logAllRefUpdates", "always"});
  std::vector<std::string> ids;
  for (int i = 0; i < 10; ++i) {
    ids.push_back(Submit("namespace", Operation::kCreate, "ns" + std::to_string(i), "custom",
                         Json::object(), "c1"));
  }
  EXPECT_EQ(HandleBatch("namespace", ids), 10u);
  EXPECT_EQ(CommitCount("namespace"), 10);
  // The remote's reflog has one entry per ref update, i.e. per push.
  EXPECT_EQ(GitIn("namespace", {"reflog", "show", "--format=%H", "refs/heads/main"}),
            GitIn("namespace", {"rev-parse", "main"}));
  for (size_t i = 0; i < ids.size(); ++i) {
    EXPECT_EQ(GetJob(ids[i]).metadata["git_commit"],
              GitIn("namespace", {"rev-parse", "main~" + std::to_string(9 - i)}));
  }
  EXPECT_EQ(GitIn("namespace", {"fsck", "--strict"}), "");
}

TEST_F(PipelineHandlerTest, BatchIsStoredWithBatchCallsNotOnePerJob) {
  std::vector<std::string> ids;
  for (int i = 0; i < 6; ++i) {
    ids.push_back(Submit("namespace", Operation::kCreate, "ns" + std::to_string(i), "custom",
                         Json::object(), "c1"));
  }
  ids.push_back(Submit("namespace", Operation::kCreate, "BAD", "custom", Json::object(), "c1"));
  CountingJobStore store(*store_);
  CountingIndex counted(*index_);
  PipelineHandler handler(PipelineDeps{store, counted, counted, *types_, *templates_,
                                       *repositories_, webhooks_, clock_});
  jobs::Batch batch;
  batch.partition = "namespace";
  batch.job_ids = ids;
  EXPECT_EQ(handler.Handle(batch), 7u);
  // One load, one start, one end; one index write and one release for the lot.
  EXPECT_EQ(store.get_manys, 1);
  EXPECT_EQ(store.gets, 0);
  EXPECT_EQ(store.update_manys, 2);
  EXPECT_EQ(store.updates, 0);
  EXPECT_EQ(counted.apply_manys, 1);
  EXPECT_EQ(counted.release_manys, 1);
  EXPECT_EQ(counted.single_writes, 0);
  for (size_t i = 0; i + 1 < ids.size(); ++i) {
    EXPECT_EQ(GetJob(ids[i]).status, JobStatus::kCompleted);
    EXPECT_TRUE(index_->Get({"namespace", "tenant1", "c1", "ns" + std::to_string(i)}).ok());
  }
  EXPECT_EQ(GetJob(ids.back()).status, JobStatus::kFailed);
  // Every reservation was released: the names can be deleted / the bad one created again.
  index::ResourceKey ns0{"namespace", "tenant1", "c1", "ns0"};
  index::ResourceKey bad{"namespace", "tenant1", "c1", "BAD"};
  EXPECT_TRUE(index_->Reserve(ns0, index::PendingOp::kDelete, "later-1").ok());
  EXPECT_TRUE(index_->Reserve(bad, index::PendingOp::kCreate, "later-2").ok());
}

TEST_F(PipelineHandlerTest, ReadReturnsTheManifestFromGit) {
  jobs::Job created = RunOne("vm", Operation::kCreate, "vm1", "small", Json{{"cpu", 2}});
  jobs::Job read = RunOne("vm", Operation::kRead, "vm1");
  ASSERT_EQ(read.status, JobStatus::kCompleted) << read.error.value_or("");
  EXPECT_EQ(read.result, Json::parse(R"({"name": "vm1",
      "path": "tenants/tenant1/small/vm1/manifest.yaml",
      "manifest": "kind: VM\nname: vm1\nsize: small", "git_commit": ")" +
                                     created.metadata["git_commit"].get<std::string>() +
                                     R"(", "flavor": "small", "spec": {"cpu": 2}})"));
  EXPECT_EQ(CommitCount("vm"), 1);
}

TEST_F(PipelineHandlerTest, ReadOfAMissingResourceFails) {
  jobs::Job read = RunOne("vm", Operation::kRead, "ghost");
  ASSERT_EQ(read.status, JobStatus::kFailed);
  EXPECT_EQ(*read.error, "vm ghost for tenant tenant1 does not exist");
}

TEST_F(PipelineHandlerTest, ReadSeesACreateEarlierInTheSameBatch) {
  std::vector<std::string> ids = {Submit("vm", Operation::kCreate, "vm1", "small"),
                                  Submit("vm", Operation::kRead, "vm1"),
                                  Submit("vm", Operation::kCreate, "vm2", "small")};
  EXPECT_EQ(HandleBatch("vm", ids), 3u);
  jobs::Job read = GetJob(ids[1]);
  ASSERT_EQ(read.status, JobStatus::kCompleted) << read.error.value_or("");
  EXPECT_EQ(read.result["git_commit"], GetJob(ids[0]).metadata["git_commit"]);
  EXPECT_EQ(GetJob(ids[2]).status, JobStatus::kCompleted);
}

TEST_F(PipelineHandlerTest, ListReturnsTheTenantsResourcesNarrowedByCluster) {
  RunOne("namespace", Operation::kCreate, "a", "custom", Json::object(), "c1");
  RunOne("namespace", Operation::kCreate, "b", "custom", Json::object(), "c2");
  RunOne("namespace", Operation::kCreate, "c", "custom", Json::object(), "c1", "tenant2");
  jobs::Job all = RunOne("namespace", Operation::kList, "");
  ASSERT_EQ(all.status, JobStatus::kCompleted) << all.error.value_or("");
  ASSERT_EQ(all.result["items"].size(), 2u);
  EXPECT_EQ(all.result["items"][0]["name"], "a");
  EXPECT_EQ(all.result["items"][1]["name"], "b");
  EXPECT_EQ(all.result["items"][0]["path"], "tenants/tenant1/c1/namespace/a/manifest.yaml");
  EXPECT_EQ(all.result["items"][0]["flavor"], "custom");
  jobs::Job narrowed = RunOne("namespace", Operation::kList, "", "", Json::object(), "c2");
  ASSERT_EQ(narrowed.result["items"].size(), 1u);
  EXPECT_EQ(narrowed.result["items"][0]["name"], "b");
  EXPECT_EQ(narrowed.result["items"][0]["cluster_id"], "c2");
}

TEST_F(PipelineHandlerTest, SingleWebhookCarriesTheFinalJob) {
  jobs::Job job = RunOne("vm", Operation::kCreate, "vm1", "small");
  ASSERT_EQ(job.status, JobStatus::kCompleted);
  std::vector<Json> payloads = webhooks_.payloads();
  ASSERT_EQ(payloads.size(), 1u);
  EXPECT_EQ(webhooks_.urls()[0], "https://hooks.example.com/vm");
  const Json& p = payloads[0];
  EXPECT_EQ(p["job_id"], job.job_id);
  EXPECT_EQ(p["status"], "completed");
  EXPECT_EQ(p["tenant_id"], "tenant1");
  EXPECT_EQ(p["resource_type"], "vm");
  EXPECT_EQ(p["resource_name"], "vm1");
  EXPECT_EQ(p["timestamp"], "2027-01-15T08:00:00.000000Z");
  EXPECT_EQ(p["logs"], Json::array({"Job started", "Template rendered", "Manifest committed to Git",
                                    "Pushed"}));
  EXPECT_EQ(p["metadata"]["git_commit"], job.metadata["git_commit"]);
  EXPECT_EQ(job.metadata["webhook_status"], "simulated");
  EXPECT_EQ(job.logs.back(), "Webhook notification sent (simulated)");
}

TEST_F(PipelineHandlerTest, SingleWebhookIsSentForAFailedJob) {
  jobs::Job job = RunOne("vm", Operation::kDelete, "ghost");
  ASSERT_EQ(job.status, JobStatus::kFailed);
  ASSERT_EQ(webhooks_.payloads().size(), 1u);
  EXPECT_EQ(webhooks_.payloads()[0]["status"], "failed");
}

TEST_F(PipelineHandlerTest, QueuedWebhookIsLoggedAsQueued) {
  webhooks_.set_answer(std::string("pending"));
  jobs::Job job = RunOne("vm", Operation::kCreate, "vm1", "small");
  EXPECT_EQ(job.metadata["webhook_status"], "pending");
  EXPECT_EQ(job.logs.back(), "Webhook notification queued for delivery");
}

TEST_F(PipelineHandlerTest, WebhookErrorDoesNotFailACommittedJob) {
  webhooks_.set_answer(Unexpected(ErrorCode::kUnavailable, "delivery store down"));
  jobs::Job job = RunOne("vm", Operation::kCreate, "vm1", "small");
  EXPECT_EQ(job.status, JobStatus::kCompleted);
  EXPECT_EQ(job.metadata["webhook_status"], "error");
  EXPECT_EQ(job.logs.back(), "Webhook notification failed: delivery store down");
}

TEST_F(PipelineHandlerTest, StagedWebhookReportsEachStage) {
  jobs::Job job = RunOne("staged", Operation::kCreate, "s1", "small");
  ASSERT_EQ(job.status, JobStatus::kCompleted) << job.error.value_or("");
  std::vector<std::string> stages;
  for (const Json& p : webhooks_.payloads()) {
    stages.push_back(p["stage"]);
    EXPECT_EQ(p["job_id"], job.job_id);
  }
  EXPECT_EQ(stages, (std::vector<std::string>{"submitted", "started", "rendered", "committed",
                                               "pushed", "completed"}));
  EXPECT_EQ(webhooks_.payloads()[3]["stage_data"]["git_commit"], job.metadata["git_commit"]);
  EXPECT_EQ(webhooks_.payloads()[4]["stage_data"]["repository"], Remote("staged"));
  EXPECT_EQ(webhooks_.payloads()[5]["stage_data"]["metadata"]["git_commit"],
            job.metadata["git_commit"]);
  EXPECT_EQ(job.metadata["webhook_status"], "simulated");
}

TEST_F(PipelineHandlerTest, AStoringSenderGetsABatchsStagesInOrderInOneCall) {
  webhooks_.set_predict(true);
  webhooks_.set_answer(std::string("pending"));
  std::vector<std::string> ids = {Submit("staged", Operation::kCreate, "s1", "small"),
                                  Submit("staged", Operation::kCreate, "s2", "small")};
  ASSERT_EQ(HandleBatch("staged", ids), 2u);
  EXPECT_EQ(webhooks_.send_many_sizes(), std::vector<size_t>{12});  // 6 stages x 2 jobs
  std::map<std::string, std::vector<std::string>> stages;
  for (const Json& p : webhooks_.payloads()) stages[p["job_id"]].push_back(p["stage"]);
  for (const std::string& id : ids) {
    EXPECT_EQ(stages[id], (std::vector<std::string>{"submitted", "started", "rendered",
                                                    "committed", "pushed", "completed"}));
    jobs::Job job = GetJob(id);
    EXPECT_EQ(job.status, JobStatus::kCompleted);
    EXPECT_EQ(job.metadata["webhook_status"], "pending");
  }
}

TEST_F(PipelineHandlerTest, DeferredStagesThatCannotBeStoredMakeTheJobsWebhookStatusError) {
  webhooks_.set_predict(true);
  webhooks_.set_answer(Unexpected(ErrorCode::kUnavailable, "delivery store down"));
  jobs::Job job = RunOne("staged", Operation::kCreate, "s1", "small");
  EXPECT_EQ(job.status, JobStatus::kCompleted);  // the Git work stands
  EXPECT_EQ(job.metadata["webhook_status"], "error");
  EXPECT_EQ(job.logs.back(), "Webhook notification failed: delivery store down");
}

TEST_F(PipelineHandlerTest, StagedSubmittedCarriesTheSubmissionTime) {
  std::string id = Submit("staged", Operation::kCreate, "s1", "small");
  clock_.Advance(std::chrono::seconds(5));
  HandleBatch("staged", {id});
  std::vector<Json> payloads = webhooks_.payloads();
  ASSERT_GE(payloads.size(), 2u);
  EXPECT_EQ(payloads[0]["stage"], "submitted");
  EXPECT_EQ(payloads[0]["timestamp"], FormatIso8601(GetJob(id).created_at));
  EXPECT_NE(payloads[0]["timestamp"], payloads[1]["timestamp"]);
}

TEST_F(PipelineHandlerTest, StagedFailedJobReportsTheError) {
  jobs::Job job = RunOne("staged", Operation::kDelete, "ghost");
  ASSERT_EQ(job.status, JobStatus::kFailed);
  std::vector<Json> payloads = webhooks_.payloads();
  ASSERT_EQ(payloads.size(), 3u);
  EXPECT_EQ(payloads[2]["stage"], "failed");
  EXPECT_EQ(payloads[2]["stage_data"]["error"], *job.error);
}

TEST_F(PipelineHandlerTest, JobEndedIsToldAfterTheFinalStateIsStored) {
  webhooks_.set_answer(std::string("pending"));
  std::vector<std::pair<JobStatus, Json>> seen;
  webhooks_.set_on_job_ended([this, &seen](const std::string& id) {
    jobs::Job job = GetJob(id);
    seen.emplace_back(job.status, job.metadata["webhook_status"]);
  });
  RunOne("vm", Operation::kCreate, "vm1", "small");
  RunOne("vm", Operation::kRead, "vm1");  // reads notify nothing, so no JobEnded either
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].first, JobStatus::kCompleted);
  EXPECT_EQ(seen[0].second, "pending");
}

TEST_F(PipelineHandlerTest, ABatchHandsItsJobsFinalNotificationsOverInOneCall) {
  // Each job's notification is stored before its end (so a 202'd job's webhook is never lost),
  // but a batch's are stored together, and its ended jobs are told together.
  webhooks_.set_answer(std::string("pending"));
  std::vector<std::string> ids;
  for (const char* name : {"vm1", "vm2", "vm3"}) {
    ids.push_back(Submit("vm", Operation::kCreate, name, "small"));
  }
  ASSERT_EQ(HandleBatch("vm", ids), 3u);
  EXPECT_EQ(webhooks_.send_many_sizes(), std::vector<size_t>{3});
  EXPECT_EQ(webhooks_.jobs_ended_sizes(), std::vector<size_t>{3});
  std::vector<Json> payloads = webhooks_.payloads();
  ASSERT_EQ(payloads.size(), 3u);
  for (size_t i = 0; i < ids.size(); ++i) {
    EXPECT_EQ(payloads[i]["job_id"], ids[i]);
    jobs::Job job = GetJob(ids[i]);
    EXPECT_EQ(job.status, JobStatus::kCompleted);
    EXPECT_EQ(job.metadata["webhook_status"], "pending");
    EXPECT_EQ(job.logs.back(), "Webhook notification queued for delivery");
  }
}

TEST_F(PipelineHandlerTest, ReadsAndListsSendNoWebhook) {
  RunOne("vm", Operation::kCreate, "vm1", "small");
  RunOne("vm", Operation::kRead, "vm1");
  RunOne("vm", Operation::kList, "");
  EXPECT_EQ(webhooks_.payloads().size(), 1u);
}

TEST_F(PipelineHandlerTest, RedeliveredJobWhoseCommitLandedIsNotCommittedAgain) {
  std::string id = Submit("vm", Operation::kCreate, "vm1", "small", Json{{"cpu", 1}});
  ASSERT_EQ(HandleBatch("vm", {id}), 1u);
  std::string landed = GitIn("vm", {"rev-parse", "main"});
  // A crash after the push, before the job was recorded: the job is in_progress again in a
  // fresh store, and the restarted service's index does not know the resource.
  jobs::Job job = GetJob(id);
  store_ = std::make_unique<jobs::MemoryJobStore>(clock_);
  Restart();
  job.status = JobStatus::kSubmitted;
  job.logs.clear();
  job.metadata = Json::object();
  ASSERT_TRUE(store_->Create(job).ok());
  ASSERT_TRUE(store_->Update(id, jobs::JobChange().SetStatus(JobStatus::kInProgress)).ok());

  EXPECT_EQ(HandleBatch("vm", {id}), 1u);
  jobs::Job redone = GetJob(id);
  ASSERT_EQ(redone.status, JobStatus::kCompleted) << redone.error.value_or("");
  EXPECT_EQ(CommitCount("vm"), 1);
  EXPECT_EQ(redone.metadata["git_commit"], landed);
  EXPECT_TRUE(HasLog(redone, "already on the branch"));
  auto record = index_->Get({"vm", "tenant1", "", "vm1"});
  ASSERT_TRUE(record.ok());
  EXPECT_EQ(record->spec, Json({{"cpu", 1}}));
}

TEST_F(PipelineHandlerTest, RedeliveredJobWithoutACommitIsCommitted) {
  std::string id = Submit("vm", Operation::kCreate, "vm1", "small");
  ASSERT_TRUE(store_->Update(id, jobs::JobChange().SetStatus(JobStatus::kInProgress)).ok());
  EXPECT_EQ(HandleBatch("vm", {id}), 1u);
  jobs::Job job = GetJob(id);
  ASSERT_EQ(job.status, JobStatus::kCompleted) << job.error.value_or("");
  EXPECT_EQ(CommitCount("vm"), 1);
  EXPECT_TRUE(HasLog(job, "Job resumed"));
}

TEST_F(PipelineHandlerTest, TerminalJobsAreSkippedAndCounted) {
  jobs::Job done = RunOne("vm", Operation::kCreate, "vm1", "small");
  ASSERT_EQ(done.status, JobStatus::kCompleted);
  EXPECT_EQ(HandleBatch("vm", {done.job_id}), 1u);
  EXPECT_EQ(CommitCount("vm"), 1);
  EXPECT_EQ(GetJob(done.job_id).logs, done.logs);
}

TEST_F(PipelineHandlerTest, UnknownJobIdsAreSkipped) {
  EXPECT_EQ(HandleBatch("vm", {"no-such-job"}), 1u);
}

TEST_F(PipelineHandlerTest, UnknownTypeFailsItsJobs) {
  std::string id = Submit("ghosttype", Operation::kCreate, "x", "small");
  EXPECT_EQ(HandleBatch("ghosttype", {id}), 1u);
  jobs::Job job = GetJob(id);
  EXPECT_EQ(job.status, JobStatus::kFailed);
  EXPECT_EQ(*job.error, "unknown resource type ghosttype");
}

TEST_F(PipelineHandlerTest, InvalidNamesFailBeforeTouchingGit) {
  jobs::Job job = RunOne("vm", Operation::kCreate, "../escape", "small");
  ASSERT_EQ(job.status, JobStatus::kFailed);
  EXPECT_TRUE(Contains(*job.error, "name \"../escape\"")) << *job.error;
  jobs::Job no_cluster = RunOne("namespace", Operation::kCreate, "a", "custom");
  ASSERT_EQ(no_cluster.status, JobStatus::kFailed);
  EXPECT_TRUE(Contains(*no_cluster.error, "cluster_id")) << *no_cluster.error;
  EXPECT_FALSE(BranchExists("vm"));
}

TEST_F(PipelineHandlerTest, PushFailureFailsEveryJobOfTheBatchWithoutSecrets) {
  std::vector<config::ResourceTypeConfig> types = TestTypes();
  types[2].repo_url = "http://alice:s3cret@127.0.0.1:1/vm.git";  // nothing listens on port 1
  types_ = std::make_unique<types::TypeRegistry>(types);
  BuildHandler();
  std::vector<std::string> ids = {Submit("vm", Operation::kCreate, "vm1", "small"),
                                  Submit("vm", Operation::kCreate, "vm2", "small")};
  EXPECT_EQ(HandleBatch("vm", ids), 2u);
  for (const std::string& id : ids) {
    jobs::Job job = GetJob(id);
    ASSERT_EQ(job.status, JobStatus::kFailed);
    EXPECT_TRUE(Contains(*job.error, "publishing to http://127.0.0.1:1/vm.git failed"))
        << *job.error;
    EXPECT_TRUE(Contains(*job.error, "nothing of this job was committed")) << *job.error;
    EXPECT_FALSE(Contains(*job.error, "s3cret")) << *job.error;
    for (const std::string& line : job.logs) EXPECT_FALSE(Contains(line, "s3cret")) << line;
  }
  EXPECT_FALSE(index_->Get({"vm", "tenant1", "", "vm1"}).ok());
  EXPECT_EQ(index_->pending(), 0u);
}

}  // namespace
}  // namespace gitops::pipeline::testing
