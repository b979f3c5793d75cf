// The JobStore contract: every implementation (memory, postgres) instantiates this suite with
// a factory, e.g.
//   INSTANTIATE_TEST_SUITE_P(Memory, JobStoreContract,
//       ::testing::Values(JobStoreImpl{"memory", [](const Clock& c) { ... }}), ImplName());
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <latch>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "core/ids.h"
#include "index/pending_ops.h"
#include "index/resource_index.h"
#include "jobs/job_store.h"
#include "jobs/submitter.h"

namespace gitops::contract {

struct JobStoreImpl {
  std::string name;
  // Returns a new, empty store reading time from `clock` (which outlives it).
  std::function<std::unique_ptr<jobs::JobStore>(const Clock&)> make;
};
inline void PrintTo(const JobStoreImpl& impl, std::ostream* os) { *os << impl.name; }

struct ImplName {
  template <typename P>
  std::string operator()(const ::testing::TestParamInfo<P>& info) const {
    return info.param.name;
  }
};

class JobStoreContract : public ::testing::TestWithParam<JobStoreImpl> {
 protected:
  void SetUp() override { store_ = GetParam().make(clock_); }

  static jobs::Job NewJob(std::string tenant = "tenant1", std::string type = "namespace",
                          std::string name = "dev-namespace") {
    jobs::Job job;
    job.job_id = NewUuid();
    job.tenant_id = std::move(tenant);
    job.cluster_id = "cluster-a";
    job.resource_type = type;
    job.resource_name = std::move(name);
    job.operation = jobs::Operation::kCreate;
    job.flavor = "small";
    job.spec = jobs::Json::object();
    job.spec["zeta"] = 1;
    job.spec["alpha"] = {{"nested", true}};
    job.partition = std::move(type);
    return job;
  }

  // Creates a job, advancing the clock first so creation times are distinct.
  jobs::Job Put(jobs::Job job) {
    clock_.Advance(std::chrono::seconds(1));
    EXPECT_TRUE(store_->Create(job).ok());
    return job;
  }

  FakeClock clock_;
  std::unique_ptr<jobs::JobStore> store_;
};

TEST_P(JobStoreContract, CreateThenGetReturnsEveryField) {
  jobs::Job job = NewJob();
  job.logs = {"Job submitted"};
  job.metadata["repository"] = "repo";
  job.result = jobs::Json::object({{"items", jobs::Json::array()}});
  job.error = "boom";
  ASSERT_TRUE(store_->Create(job).ok());

  auto got = store_->Get(job.job_id);
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(got->job_id, job.job_id);
  EXPECT_EQ(got->tenant_id, "tenant1");
  EXPECT_EQ(got->cluster_id, "cluster-a");
  EXPECT_EQ(got->resource_type, "namespace");
  EXPECT_EQ(got->resource_name, "dev-namespace");
  EXPECT_EQ(got->operation, jobs::Operation::kCreate);
  EXPECT_EQ(got->flavor, "small");
  EXPECT_EQ(got->partition, "namespace");
  EXPECT_EQ(got->status, jobs::JobStatus::kSubmitted);
  EXPECT_EQ(got->spec.dump(), R"({"zeta":1,"alpha":{"nested":true}})");  // key order kept
  EXPECT_EQ(got->logs, std::vector<std::string>{"Job submitted"});
  EXPECT_EQ(got->metadata.dump(), R"({"repository":"repo"})");
  EXPECT_EQ(got->result.dump(), R"({"items":[]})");
  ASSERT_TRUE(got->error.has_value());
  EXPECT_EQ(*got->error, "boom");
}

TEST_P(JobStoreContract, CreateStampsBothTimesFromTheClock) {
  jobs::Job job = NewJob();
  job.created_at = Clock::TimePoint(std::chrono::seconds(5));
  ASSERT_TRUE(store_->Create(job).ok());
  auto got = store_->Get(job.job_id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->created_at, clock_.Now());
  EXPECT_EQ(got->updated_at, clock_.Now());
}

TEST_P(JobStoreContract, EmptyOptionalFieldsReadBackEmpty) {
  jobs::Job job = NewJob();
  job.cluster_id.clear();
  job.spec = jobs::Json::object();
  ASSERT_TRUE(store_->Create(job).ok());
  auto got = store_->Get(job.job_id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->cluster_id, "");
  EXPECT_TRUE(got->spec.is_object() && got->spec.empty());
  EXPECT_TRUE(got->metadata.is_object() && got->metadata.empty());
  EXPECT_TRUE(got->result.is_null());
  EXPECT_FALSE(got->error.has_value());
  EXPECT_TRUE(got->logs.empty());
}

TEST_P(JobStoreContract, DuplicateIdIsAlreadyExistsAndKeepsTheFirst) {
  jobs::Job job = NewJob();
  ASSERT_TRUE(store_->Create(job).ok());
  jobs::Job other = NewJob("tenant2");
  other.job_id = job.job_id;
  auto status = store_->Create(other);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kAlreadyExists);
  EXPECT_EQ(store_->Get(job.job_id)->tenant_id, "tenant1");
}

TEST_P(JobStoreContract, EmptyIdIsInvalidArgument) {
  jobs::Job job = NewJob();
  job.job_id.clear();
  auto status = store_->Create(job);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kInvalidArgument);
}

TEST_P(JobStoreContract, GetUnknownIsNotFound) {
  auto got = store_->Get(NewUuid());
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().code, ErrorCode::kNotFound);
}

TEST_P(JobStoreContract, UpdateUnknownIsNotFound) {
  auto status = store_->Update(NewUuid(), jobs::JobChange().Log("x"));
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kNotFound);
}

TEST_P(JobStoreContract, UpdateAppliesEveryPartAndMovesUpdatedAt) {
  jobs::Job job = Put(NewJob());
  auto created = clock_.Now();
  clock_.Advance(std::chrono::seconds(3));
  ASSERT_TRUE(store_->Update(job.job_id, jobs::JobChange()
                                             .SetStatus(jobs::JobStatus::kInProgress)
                                             .Log("Job started")
                                             .Log("Template rendered")
                                             .Meta("manifest_path", "a/b.yaml")
                                             .SetResult({{"name", "dev-namespace"}})
                                             .SetError("late"))
                  .ok());
  auto got = store_->Get(job.job_id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->status, jobs::JobStatus::kInProgress);
  EXPECT_EQ(got->logs, (std::vector<std::string>{"Job started", "Template rendered"}));
  EXPECT_EQ(got->metadata["manifest_path"], "a/b.yaml");
  EXPECT_EQ(got->result.dump(), R"({"name":"dev-namespace"})");
  EXPECT_EQ(got->error.value_or(""), "late");
  EXPECT_EQ(got->created_at, created);
  EXPECT_EQ(got->updated_at, clock_.Now());
}

TEST_P(JobStoreContract, UpdateAppendsLogsAfterEarlierOnes) {
  jobs::Job job = NewJob();
  job.logs = {"one"};
  ASSERT_TRUE(store_->Create(job).ok());
  ASSERT_TRUE(store_->Update(job.job_id, jobs::JobChange().Log("two")).ok());
  ASSERT_TRUE(store_->Update(job.job_id, jobs::JobChange().Log("three")).ok());
  EXPECT_EQ(store_->Get(job.job_id)->logs, (std::vector<std::string>{"one", "two", "three"}));
}

TEST_P(JobStoreContract, UpdateMergesMetadataKeys) {
  jobs::Job job = NewJob();
  job.metadata["repository"] = "r";
  job.metadata["webhook_status"] = "pending";
  ASSERT_TRUE(store_->Create(job).ok());
  ASSERT_TRUE(store_->Update(job.job_id, jobs::JobChange()
                                             .Meta("webhook_status", "simulated")
                                             .Meta("git_commit", std::string(40, 'a')))
                  .ok());
  // Compared without key order: only spec order is part of the contract.
  nlohmann::json expected = {
      {"repository", "r"}, {"webhook_status", "simulated"}, {"git_commit", std::string(40, 'a')}};
  EXPECT_EQ(nlohmann::json::parse(store_->Get(job.job_id)->metadata.dump()), expected);
}

TEST_P(JobStoreContract, IllegalTransitionIsFailedPreconditionAndChangesNothing) {
  jobs::Job job = Put(NewJob());
  auto before = store_->Get(job.job_id);
  clock_.Advance(std::chrono::seconds(1));
  auto status = store_->Update(
      job.job_id, jobs::JobChange().SetStatus(jobs::JobStatus::kCompleted).Log("skipped"));
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kFailedPrecondition);
  auto after = store_->Get(job.job_id);
  EXPECT_EQ(after->status, jobs::JobStatus::kSubmitted);
  EXPECT_TRUE(after->logs.empty());
  EXPECT_EQ(after->updated_at, before->updated_at);
}

TEST_P(JobStoreContract, TerminalJobRefusesAnotherStatus) {
  jobs::Job job = Put(NewJob());
  ASSERT_TRUE(store_->Update(job.job_id, jobs::JobChange().SetStatus(jobs::JobStatus::kInProgress)).ok());
  ASSERT_TRUE(store_->Update(job.job_id, jobs::JobChange().SetStatus(jobs::JobStatus::kFailed)).ok());
  auto status =
      store_->Update(job.job_id, jobs::JobChange().SetStatus(jobs::JobStatus::kInProgress));
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(store_->Get(job.job_id)->status, jobs::JobStatus::kFailed);
}

TEST_P(JobStoreContract, RedeliveredJobMayGoBackToSubmitted) {
  jobs::Job job = Put(NewJob());
  ASSERT_TRUE(store_->Update(job.job_id, jobs::JobChange().SetStatus(jobs::JobStatus::kInProgress)).ok());
  ASSERT_TRUE(store_->Update(job.job_id, jobs::JobChange().SetStatus(jobs::JobStatus::kSubmitted)).ok());
  EXPECT_EQ(store_->Get(job.job_id)->status, jobs::JobStatus::kSubmitted);
}

TEST_P(JobStoreContract, ListIsNewestFirst) {
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) ids.push_back(Put(NewJob()).job_id);
  auto listed = store_->List(jobs::JobFilter{});
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 5u);
  for (size_t i = 0; i < 5; ++i) EXPECT_EQ((*listed)[i].job_id, ids[4 - i]);
}

TEST_P(JobStoreContract, ListFiltersByTenantStatusAndType) {
  jobs::Job a = Put(NewJob("t1", "namespace"));
  jobs::Job b = Put(NewJob("t1", "vm"));
  jobs::Job c = Put(NewJob("t2", "namespace"));
  jobs::Job d = Put(NewJob("t1", "namespace"));
  ASSERT_TRUE(store_->Update(d.job_id, jobs::JobChange().SetStatus(jobs::JobStatus::kInProgress)).ok());

  auto ids = [&](jobs::JobFilter filter) {
    std::vector<std::string> out;
    auto listed = store_->List(filter);
    EXPECT_TRUE(listed.ok());
    if (listed.ok()) {
      for (const auto& job : *listed) out.push_back(job.job_id);
    }
    return out;
  };
  jobs::JobFilter by_tenant;
  by_tenant.tenant_id = "t1";
  EXPECT_EQ(ids(by_tenant), (std::vector<std::string>{d.job_id, b.job_id, a.job_id}));
  jobs::JobFilter by_status;
  by_status.status = jobs::JobStatus::kSubmitted;
  EXPECT_EQ(ids(by_status), (std::vector<std::string>{c.job_id, b.job_id, a.job_id}));
  jobs::JobFilter by_type;
  by_type.resource_type = "namespace";
  EXPECT_EQ(ids(by_type), (std::vector<std::string>{d.job_id, c.job_id, a.job_id}));
  jobs::JobFilter all_three;
  all_three.tenant_id = "t1";
  all_three.status = jobs::JobStatus::kSubmitted;
  all_three.resource_type = "namespace";
  EXPECT_EQ(ids(all_three), (std::vector<std::string>{a.job_id}));
  jobs::JobFilter unknown;
  unknown.tenant_id = "nobody";
  EXPECT_TRUE(ids(unknown).empty());
}

TEST_P(JobStoreContract, ListStopsAtLimitKeepingTheNewest) {
  std::vector<std::string> ids;
  for (int i = 0; i < 6; ++i) ids.push_back(Put(NewJob()).job_id);
  jobs::JobFilter filter;
  filter.limit = 2;
  auto listed = store_->List(filter);
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].job_id, ids[5]);
  EXPECT_EQ((*listed)[1].job_id, ids[4]);
}

TEST_P(JobStoreContract, TenantStatsCountsByStatusAndLastActivity) {
  jobs::Job a = Put(NewJob("t1"));
  jobs::Job b = Put(NewJob("t1"));
  jobs::Job c = Put(NewJob("t1"));
  Put(NewJob("t1"));
  Put(NewJob("t2"));
  auto to = [&](const jobs::Job& job, jobs::JobStatus s) {
    ASSERT_TRUE(store_->Update(job.job_id, jobs::JobChange().SetStatus(s)).ok());
  };
  to(a, jobs::JobStatus::kInProgress);
  to(a, jobs::JobStatus::kCompleted);
  to(b, jobs::JobStatus::kInProgress);
  to(b, jobs::JobStatus::kFailed);
  clock_.Advance(std::chrono::seconds(10));
  to(c, jobs::JobStatus::kInProgress);

  auto stats = store_->TenantStats("t1");
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->active_jobs, 2u);  // c in progress, d submitted
  EXPECT_EQ(stats->completed_jobs, 1u);
  EXPECT_EQ(stats->failed_jobs, 1u);
  ASSERT_TRUE(stats->last_activity.has_value());
  EXPECT_EQ(*stats->last_activity, clock_.Now());
}

TEST_P(JobStoreContract, TenantStatsOfUnknownTenantIsZero) {
  Put(NewJob("t1"));
  auto stats = store_->TenantStats("nobody");
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->active_jobs + stats->failed_jobs + stats->completed_jobs, 0u);
  EXPECT_FALSE(stats->last_activity.has_value());
}

TEST_P(JobStoreContract, ConcurrentCreatesOfOneIdExactlyOneWins) {
  constexpr int kThreads = 8;
  jobs::Job job = NewJob();
  std::atomic<int> ok{0}, exists{0};
  std::latch start(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      jobs::Job mine = NewJob("tenant" + std::to_string(i));
      mine.job_id = job.job_id;
      start.arrive_and_wait();
      auto status = store_->Create(mine);
      if (status.ok()) {
        ++ok;
      } else if (status.error().code == ErrorCode::kAlreadyExists) {
        ++exists;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 1);
  EXPECT_EQ(exists.load(), kThreads - 1);
}

TEST_P(JobStoreContract, ConcurrentUpdatesLoseNoLogLine) {
  jobs::Job job = Put(NewJob());
  constexpr int kThreads = 4, kLines = 50;
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      for (int n = 0; n < kLines; ++n) {
        EXPECT_TRUE(store_->Update(job.job_id, jobs::JobChange().Log(std::to_string(i))).ok());
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(store_->Get(job.job_id)->logs.size(), size_t{kThreads * kLines});
}

TEST_P(JobStoreContract, GetManyAnswersInOrderWithNulloptForUnknownIds) {
  jobs::Job a = Put(NewJob("tenant1"));
  jobs::Job b = Put(NewJob("tenant2"));
  auto got = store_->GetMany({b.job_id, NewUuid(), a.job_id});
  ASSERT_TRUE(got.ok()) << got.error().message;
  ASSERT_EQ(got->size(), 3u);
  ASSERT_TRUE((*got)[0].has_value());
  EXPECT_EQ((*got)[0]->tenant_id, "tenant2");
  EXPECT_EQ((*got)[0]->spec.dump(), R"({"zeta":1,"alpha":{"nested":true}})");
  EXPECT_FALSE((*got)[1].has_value());
  ASSERT_TRUE((*got)[2].has_value());
  EXPECT_EQ((*got)[2]->job_id, a.job_id);
  EXPECT_TRUE(store_->GetMany({})->empty());
}

TEST_P(JobStoreContract, UpdateManyAppliesEachChangeAndAnswersPerChange) {
  jobs::Job started = Put(NewJob());
  jobs::Job untouched = Put(NewJob());
  jobs::Job done = Put(NewJob());
  clock_.Advance(std::chrono::seconds(2));
  auto statuses = store_->UpdateMany({
      {started.job_id, jobs::JobChange().SetStatus(jobs::JobStatus::kInProgress).Log("Job started")},
      {NewUuid(), jobs::JobChange().Log("x")},
      {done.job_id, jobs::JobChange().SetStatus(jobs::JobStatus::kCompleted)},  // illegal
      {untouched.job_id, jobs::JobChange().Meta("k", "v").SetResult({{"n", 1}}).SetError("e")},
  });
  ASSERT_EQ(statuses.size(), 4u);
  EXPECT_TRUE(statuses[0].ok());
  ASSERT_FALSE(statuses[1].ok());
  EXPECT_EQ(statuses[1].error().code, ErrorCode::kNotFound);
  ASSERT_FALSE(statuses[2].ok());
  EXPECT_EQ(statuses[2].error().code, ErrorCode::kFailedPrecondition);
  EXPECT_TRUE(statuses[3].ok());

  auto got = store_->Get(started.job_id);
  EXPECT_EQ(got->status, jobs::JobStatus::kInProgress);
  EXPECT_EQ(got->logs, std::vector<std::string>{"Job started"});
  EXPECT_EQ(got->updated_at, clock_.Now());
  EXPECT_EQ(store_->Get(done.job_id)->status, jobs::JobStatus::kSubmitted);
  auto other = store_->Get(untouched.job_id);
  EXPECT_EQ(other->status, jobs::JobStatus::kSubmitted);
  EXPECT_EQ(other->metadata.dump(), R"({"k":"v"})");
  EXPECT_EQ(other->result.dump(), R"({"n":1})");
  EXPECT_EQ(other->error.value_or(""), "e");
}

TEST_P(JobStoreContract, UpdateManyOfOneJobTwiceAppliesThemInTurn) {
  jobs::Job job = Put(NewJob());
  auto statuses = store_->UpdateMany({
      {job.job_id, jobs::JobChange().SetStatus(jobs::JobStatus::kInProgress).Log("one")},
      {job.job_id, jobs::JobChange().SetStatus(jobs::JobStatus::kCompleted).Log("two")},
  });
  ASSERT_EQ(statuses.size(), 2u);
  EXPECT_TRUE(statuses[0].ok());
  EXPECT_TRUE(statuses[1].ok());
  auto got = store_->Get(job.job_id);
  EXPECT_EQ(got->status, jobs::JobStatus::kCompleted);
  EXPECT_EQ(got->logs, (std::vector<std::string>{"one", "two"}));
}

TEST_P(JobStoreContract, UpdateManyRefusesANonObjectMetadataChangeAlone) {
  jobs::Job a = Put(NewJob());
  jobs::Job b = Put(NewJob());
  jobs::JobChange bad;
  bad.metadata = jobs::Json::array();
  auto statuses = store_->UpdateMany({{a.job_id, bad}, {b.job_id, jobs::JobChange().Log("ok")}});
  ASSERT_EQ(statuses.size(), 2u);
  ASSERT_FALSE(statuses[0].ok());
  EXPECT_EQ(statuses[0].error().code, ErrorCode::kInvalidArgument);
  EXPECT_TRUE(statuses[1].ok());
  EXPECT_EQ(store_->Get(b.job_id)->logs, std::vector<std::string>{"ok"});
}

// The Submitter contract: reservation + store, both or neither. A factory returns a submitter
// over a new, empty store and index sharing one backend.
struct SubmitterUnderTest {
  std::shared_ptr<jobs::JobStore> store;
  std::shared_ptr<jobs::Submitter> submitter;  // over `store` and `pending`
  std::shared_ptr<index::ResourceIndex> index;
  std::shared_ptr<index::PendingOps> pending;
};
struct SubmitterImpl {
  std::string name;
  std::function<SubmitterUnderTest(const Clock&)> make;
};
inline void PrintTo(const SubmitterImpl& impl, std::ostream* os) { *os << impl.name; }

class SubmitterContract : public ::testing::TestWithParam<SubmitterImpl> {
 protected:
  void SetUp() override { parts_ = GetParam().make(clock_); }

  static jobs::Job NewJob(jobs::Operation op, std::string name = "dev-namespace") {
    jobs::Job job;
    job.job_id = NewUuid();
    job.tenant_id = "tenant1";
    job.cluster_id = "cluster-a";
    job.resource_type = "namespace";
    job.resource_name = std::move(name);
    job.operation = op;
    job.flavor = "small";
    job.spec = jobs::Json::object();
    job.spec["zeta"] = 1;
    job.spec["alpha"] = true;
    job.partition = "namespace";
    return job;
  }
  static index::ResourceKey Key(const std::string& name) {
    return {"namespace", "tenant1", "cluster-a", name};
  }
  bool Stored(const std::string& job_id) { return parts_.store->Get(job_id).ok(); }

  FakeClock clock_;
  SubmitterUnderTest parts_;
};

TEST_P(SubmitterContract, SubmitStoresTheJobAndReservesTheResource) {
  jobs::Job job = NewJob(jobs::Operation::kCreate);
  ASSERT_TRUE(parts_.submitter->Submit(job).ok());
  auto got = parts_.store->Get(job.job_id);
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(got->status, jobs::JobStatus::kSubmitted);
  EXPECT_EQ(got->spec.dump(), R"({"zeta":1,"alpha":true})");
  EXPECT_EQ(got->partition, "namespace");
  EXPECT_EQ(got->created_at, clock_.Now());
  EXPECT_EQ(parts_.pending->Reserve(Key("dev-namespace"), index::PendingOp::kCreate, "other")
                .error()
                .code,
            ErrorCode::kAlreadyExists);
}

TEST_P(SubmitterContract, RefusedReservationStoresNothing) {
  ASSERT_TRUE(parts_.submitter->Submit(NewJob(jobs::Operation::kCreate)).ok());
  jobs::Job again = NewJob(jobs::Operation::kCreate);
  auto status = parts_.submitter->Submit(again);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kAlreadyExists);
  EXPECT_FALSE(Stored(again.job_id));

  jobs::Job update = NewJob(jobs::Operation::kUpdate, "absent");
  status = parts_.submitter->Submit(update);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kNotFound);
  EXPECT_FALSE(Stored(update.job_id));
}

TEST_P(SubmitterContract, UpdateAndDeleteFollowThePendingCreate) {
  ASSERT_TRUE(parts_.submitter->Submit(NewJob(jobs::Operation::kCreate)).ok());
  EXPECT_TRUE(parts_.submitter->Submit(NewJob(jobs::Operation::kUpdate)).ok());
  EXPECT_TRUE(parts_.submitter->Submit(NewJob(jobs::Operation::kDelete)).ok());
  auto status = parts_.submitter->Submit(NewJob(jobs::Operation::kUpdate));
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kNotFound);
  EXPECT_TRUE(parts_.submitter->Submit(NewJob(jobs::Operation::kCreate)).ok());  // re-create
}

TEST_P(SubmitterContract, ReadsAndListsReserveNothing) {
  jobs::Job read = NewJob(jobs::Operation::kRead, "absent");
  ASSERT_TRUE(parts_.submitter->Submit(read).ok());
  jobs::Job list = NewJob(jobs::Operation::kList, "");
  ASSERT_TRUE(parts_.submitter->Submit(list).ok());
  EXPECT_TRUE(Stored(read.job_id));
  EXPECT_TRUE(Stored(list.job_id));
  EXPECT_TRUE(parts_.pending->Reserve(Key("absent"), index::PendingOp::kCreate, "c").ok());
}

TEST_P(SubmitterContract, TakenJobIdIsInternalAndKeepsNoReservation) {
  jobs::Job first = NewJob(jobs::Operation::kRead, "first");  // holds no reservation
  ASSERT_TRUE(parts_.submitter->Submit(first).ok());
  jobs::Job clash = NewJob(jobs::Operation::kCreate, "second");
  clash.job_id = first.job_id;
  auto status = parts_.submitter->Submit(clash);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kInternal);
  EXPECT_EQ(parts_.store->Get(first.job_id)->resource_name, "first");
  EXPECT_TRUE(parts_.pending->Reserve(Key("second"), index::PendingOp::kCreate, "later").ok());
}

TEST_P(SubmitterContract, JobHoldingAReservationCannotTakeAnother) {
  jobs::Job first = NewJob(jobs::Operation::kCreate, "first");
  ASSERT_TRUE(parts_.submitter->Submit(first).ok());
  jobs::Job clash = NewJob(jobs::Operation::kCreate, "second");
  clash.job_id = first.job_id;
  auto status = parts_.submitter->Submit(clash);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(parts_.store->Get(first.job_id)->resource_name, "first");
}

TEST_P(SubmitterContract, EmptyNameOfAWriteIsInvalidArgument) {
  jobs::Job job = NewJob(jobs::Operation::kCreate, "");
  auto status = parts_.submitter->Submit(job);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kInvalidArgument);
  EXPECT_FALSE(Stored(job.job_id));
}

// Concurrent submissions (grouped into shared transactions where the backend groups) each get
// their own verdict: of the creates of one name exactly one is stored, and the refusals do not
// undo the others.
TEST_P(SubmitterContract, ConcurrentSubmissionsEachGetTheirOwnVerdict) {
  constexpr int kThreads = 16, kNames = 10;
  std::atomic<int> accepted{0}, conflicts{0}, other{0};
  std::vector<std::vector<std::string>> stored_ids(kNames);
  std::mutex mu;
  std::latch start(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      start.arrive_and_wait();
      for (int n = 0; n < kNames; ++n) {
        // Each name: every thread tries to create it; thread i also creates its own name.
        jobs::Job shared = NewJob(jobs::Operation::kCreate, "shared-" + std::to_string(n));
        auto status = parts_.submitter->Submit(shared);
        if (status.ok()) {
          ++accepted;
          std::lock_guard lock(mu);
          stored_ids[n].push_back(shared.job_id);
        } else if (status.error().code == ErrorCode::kAlreadyExists) {
          ++conflicts;
        } else {
          ++other;
        }
        jobs::Job own =
            NewJob(jobs::Operation::kCreate, "own-" + std::to_string(i) + "-" + std::to_string(n));
        if (!parts_.submitter->Submit(own).ok()) ++other;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(accepted.load(), kNames);
  EXPECT_EQ(conflicts.load(), kNames * (kThreads - 1));
  EXPECT_EQ(other.load(), 0);
  for (int n = 0; n < kNames; ++n) {
    ASSERT_EQ(stored_ids[n].size(), 1u) << n;
    EXPECT_TRUE(Stored(stored_ids[n][0]));
  }
  jobs::JobFilter all;
  all.limit = 0;
  EXPECT_EQ(parts_.store->List(all)->size(), size_t{kNames + kThreads * kNames});
}

}  // namespace gitops::contract
