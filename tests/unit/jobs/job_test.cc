#include "jobs/job.h"

#include <gtest/gtest.h>

namespace gitops::jobs {
namespace {

Job SampleJob() {
  Job job;
  job.job_id = "550e8400-e29b-41d4-a716-446655440000";
  job.tenant_id = "tenant1";
  job.cluster_id = "cluster-a";
  job.resource_type = "namespace";
  job.resource_name = "dev-namespace";
  job.operation = Operation::kCreate;
  job.flavor = "small";
  job.spec = Json::object();
  job.spec["quota"] = "10Gi";
  job.spec["labels"] = {{"team", "a"}};
  job.created_at = Clock::TimePoint(std::chrono::microseconds(1'700'000'000'000'000LL));
  job.updated_at = job.created_at + std::chrono::seconds(2);
  job.partition = "namespace";
  return job;
}

TEST(JobToJsonTest, HasTheStatusEndpointKeysInOrder) {
  Json out = ToJson(SampleJob());
  std::vector<std::string> keys;
  for (const auto& item : out.items()) keys.push_back(item.key());
  EXPECT_EQ(keys, (std::vector<std::string>{"job_id", "job_type", "tenant_id", "cluster_id",
                                            "resource_type", "resource_name", "operation", "spec",
                                            "status", "created_at", "updated_at", "logs",
                                            "metadata", "result", "error"}));
}

TEST(JobToJsonTest, WritesValuesInWireForm) {
  Job job = SampleJob();
  job.status = JobStatus::kInProgress;
  job.logs = {"Job started"};
  job.metadata["git_commit"] = std::string(40, 'a');
  Json out = ToJson(job);
  EXPECT_EQ(out["job_type"], "resource");
  EXPECT_EQ(out["cluster_id"], "cluster-a");
  EXPECT_EQ(out["operation"], "create");
  EXPECT_EQ(out["status"], "in_progress");
  EXPECT_EQ(out["spec"].dump(), R"({"quota":"10Gi","labels":{"team":"a"}})");
  EXPECT_EQ(out["created_at"], "2023-11-14T22:13:20.000000Z");
  EXPECT_EQ(out["updated_at"], "2023-11-14T22:13:22.000000Z");
  EXPECT_EQ(out["logs"], Json::array({"Job started"}));
  EXPECT_EQ(out["metadata"]["git_commit"], std::string(40, 'a'));
  EXPECT_FALSE(out.contains("flavor"));
  EXPECT_FALSE(out.contains("partition"));
}

TEST(JobToJsonTest, EmptyClusterResultAndErrorAreNull) {
  Job job = SampleJob();
  job.cluster_id.clear();
  Json out = ToJson(job);
  EXPECT_TRUE(out["cluster_id"].is_null());
  EXPECT_TRUE(out["result"].is_null());
  EXPECT_TRUE(out["error"].is_null());
  EXPECT_TRUE(out["metadata"].is_object());
}

TEST(JobToJsonTest, CarriesResultAndError) {
  Job job = SampleJob();
  job.result = {{"items", Json::array()}};
  job.error = "template not found";
  Json out = ToJson(job);
  EXPECT_EQ(out["result"].dump(), R"({"items":[]})");
  EXPECT_EQ(out["error"], "template not found");
}

TEST(JobNamesTest, OperationsRoundTrip) {
  for (auto op : {Operation::kCreate, Operation::kUpdate, Operation::kDelete, Operation::kRead,
                  Operation::kList}) {
    auto parsed = ParseOperation(OperationName(op));
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(*parsed, op);
  }
}

TEST(JobNamesTest, StatusesRoundTrip) {
  for (auto s : {JobStatus::kSubmitted, JobStatus::kInProgress, JobStatus::kCompleted,
                 JobStatus::kFailed}) {
    auto parsed = ParseJobStatus(JobStatusName(s));
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(*parsed, s);
  }
}

TEST(JobNamesTest, UnknownNameListsTheAcceptedOnes) {
  auto parsed = ParseJobStatus("done");
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(parsed.error().message,
            "unknown status 'done' (expected one of: submitted, in_progress, completed, failed)");
}

struct TransitionCase {
  JobStatus from;
  JobStatus to;
  bool legal;
};

class TransitionTest : public ::testing::TestWithParam<TransitionCase> {};

TEST_P(TransitionTest, FollowsTheStateMachine) {
  auto [from, to, legal] = GetParam();
  auto status = CheckTransition(from, to);
  EXPECT_EQ(status.ok(), legal) << JobStatusName(from) << " -> " << JobStatusName(to);
  if (!legal && !status.ok()) {
    EXPECT_EQ(status.error().code, ErrorCode::kFailedPrecondition);
  }
}

using S = JobStatus;
INSTANTIATE_TEST_SUITE_P(
    AllPairs, TransitionTest,
    ::testing::Values(
        TransitionCase{S::kSubmitted, S::kSubmitted, false},
        TransitionCase{S::kSubmitted, S::kInProgress, true},
        TransitionCase{S::kSubmitted, S::kCompleted, false},
        TransitionCase{S::kSubmitted, S::kFailed, false},
        TransitionCase{S::kInProgress, S::kSubmitted, true},
        TransitionCase{S::kInProgress, S::kInProgress, false},
        TransitionCase{S::kInProgress, S::kCompleted, true},
        TransitionCase{S::kInProgress, S::kFailed, true},
        TransitionCase{S::kCompleted, S::kSubmitted, false},
        TransitionCase{S::kCompleted, S::kInProgress, false},
        TransitionCase{S::kCompleted, S::kCompleted, false},
        TransitionCase{S::kCompleted, S::kFailed, false},
        TransitionCase{S::kFailed, S::kSubmitted, false},
        TransitionCase{S::kFailed, S::kInProgress, false},
        TransitionCase{S::kFailed, S::kCompleted, false},
        TransitionCase{S::kFailed, S::kFailed, false}));

TEST(ApplyChangeTest, IllegalTransitionLeavesTheJobUntouched) {
  Job job = SampleJob();
  auto before = ToJson(job);
  auto status = ApplyChange(job, JobChange().SetStatus(JobStatus::kCompleted).Log("x"),
                            job.updated_at + std::chrono::seconds(5));
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(ToJson(job), before);
}

TEST(ApplyChangeTest, AppliesEveryPartAndStampsTheTime) {
  Job job = SampleJob();
  job.metadata["repository"] = "r";
  auto now = job.updated_at + std::chrono::seconds(5);
  ASSERT_TRUE(ApplyChange(job,
                          JobChange()
                              .SetStatus(JobStatus::kInProgress)
                              .Log("Job started")
                              .Meta("repository", "r2")
                              .Meta("manifest_path", "p")
                              .SetResult(Json::object())
                              .SetError("e"),
                          now)
                  .ok());
  EXPECT_EQ(job.status, JobStatus::kInProgress);
  EXPECT_EQ(job.logs, std::vector<std::string>{"Job started"});
  EXPECT_EQ(job.metadata.dump(), R"({"repository":"r2","manifest_path":"p"})");
  EXPECT_TRUE(job.result.is_object());
  EXPECT_EQ(job.error.value_or(""), "e");
  EXPECT_EQ(job.updated_at, now);
}

TEST(ApplyChangeTest, MetadataChangeMustBeAnObject) {
  Job job = SampleJob();
  JobChange change;
  change.metadata = Json::array({1});
  auto status = ApplyChange(job, change, job.updated_at);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace gitops::jobs
