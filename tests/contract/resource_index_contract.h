// The ResourceIndex + PendingOps contract: every implementation (memory, postgres)
// instantiates this suite with a factory returning both views of one new, empty index.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <latch>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "index/pending_ops.h"
#include "index/resource_index.h"

namespace gitops::contract {

struct IndexUnderTest {
  std::shared_ptr<index::ResourceIndex> index;
  std::shared_ptr<index::PendingOps> pending;  // the same store, seen as PendingOps
};

struct ResourceIndexImpl {
  std::string name;
  std::function<IndexUnderTest()> make;
};
inline void PrintTo(const ResourceIndexImpl& impl, std::ostream* os) { *os << impl.name; }

class ResourceIndexContract : public ::testing::TestWithParam<ResourceIndexImpl> {
 protected:
  void SetUp() override {
    auto made = GetParam().make();
    index_ = made.index;
    pending_ = made.pending;
  }

  static index::ResourceRecord Record(std::string type, std::string tenant, std::string cluster,
                                      std::string name) {
    index::ResourceRecord r;
    r.resource_type = std::move(type);
    r.tenant_id = std::move(tenant);
    r.cluster_id = std::move(cluster);
    r.name = std::move(name);
    r.flavor = "small";
    r.spec = index::Json::object();
    r.spec["zeta"] = 1;
    r.spec["alpha"] = "two";
    r.path = "tenants/" + r.tenant_id + "/" + r.name + "/manifest.yaml";
    r.git_commit = std::string(40, 'c');
    r.repository = "/data/repos/" + r.resource_type + ".git";
    r.updated_at = Clock::TimePoint(std::chrono::seconds(1'800'000'000));
    return r;
  }

  void Put(const index::ResourceRecord& r) { ASSERT_TRUE(index_->Upsert(r).ok()); }

  static std::vector<std::string> Names(const Result<std::vector<index::ResourceRecord>>& got) {
    std::vector<std::string> out;
    EXPECT_TRUE(got.ok());
    if (got.ok()) {
      for (const auto& r : *got) out.push_back(r.resource_type + "/" + r.cluster_id + "/" + r.name);
    }
    return out;
  }

  static const index::ResourceKey kNs;

  std::shared_ptr<index::ResourceIndex> index_;
  std::shared_ptr<index::PendingOps> pending_;
};

inline const index::ResourceKey ResourceIndexContract::kNs = {"namespace", "tenant1", "cluster-a",
                                                              "dev-namespace"};

TEST_P(ResourceIndexContract, UpsertThenGetReturnsEveryField) {
  auto r = Record("namespace", "tenant1", "cluster-a", "dev-namespace");
  Put(r);
  auto got = index_->Get(r.Key());
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(got->Key(), r.Key());
  EXPECT_EQ(got->flavor, "small");
  EXPECT_EQ(got->spec.dump(), R"({"zeta":1,"alpha":"two"})");  // key order kept
  EXPECT_EQ(got->path, r.path);
  EXPECT_EQ(got->git_commit, r.git_commit);
  EXPECT_EQ(got->repository, r.repository);
  EXPECT_EQ(got->updated_at, r.updated_at);
}

TEST_P(ResourceIndexContract, UpsertReplacesTheRecordWithTheSameKey) {
  auto r = Record("vm", "tenant1", "", "dev-vm");
  Put(r);
  r.flavor = "large";
  r.git_commit = std::string(40, 'd');
  Put(r);
  EXPECT_EQ(index_->Get(r.Key())->flavor, "large");
  EXPECT_EQ(index_->Get(r.Key())->git_commit, std::string(40, 'd'));
  EXPECT_EQ(index_->CountByType("tenant1")->at("vm"), 1u);
}

TEST_P(ResourceIndexContract, ClusterIsPartOfTheKey) {
  Put(Record("namespace", "tenant1", "cluster-a", "ns"));
  EXPECT_TRUE(index_->Get({"namespace", "tenant1", "cluster-a", "ns"}).ok());
  auto other = index_->Get({"namespace", "tenant1", "cluster-b", "ns"});
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.error().code, ErrorCode::kNotFound);
}

TEST_P(ResourceIndexContract, GetOfMissingIsNotFound) {
  auto got = index_->Get(kNs);
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().code, ErrorCode::kNotFound);
}

TEST_P(ResourceIndexContract, RemoveDeletesAndSecondRemoveIsNotFound) {
  Put(Record("namespace", "tenant1", "cluster-a", "dev-namespace"));
  ASSERT_TRUE(index_->Remove(kNs).ok());
  EXPECT_EQ(index_->Get(kNs).error().code, ErrorCode::kNotFound);
  auto again = index_->Remove(kNs);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, ErrorCode::kNotFound);
  EXPECT_TRUE(index_->CountByType("tenant1")->empty());
}

TEST_P(ResourceIndexContract, EmptyNameIsInvalidArgument) {
  auto status = index_->Upsert(Record("vm", "tenant1", "", ""));
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kInvalidArgument);
}

TEST_P(ResourceIndexContract, ListIsOrderedAndFiltersByTenantAndCluster) {
  Put(Record("namespace", "t2", "c1", "b"));
  Put(Record("namespace", "t1", "c2", "a"));
  Put(Record("namespace", "t1", "c1", "z"));
  Put(Record("namespace", "t1", "c1", "a"));
  Put(Record("vm", "t1", "", "a"));

  EXPECT_EQ(Names(index_->List("namespace", std::nullopt, std::nullopt)),
            (std::vector<std::string>{"namespace/c1/a", "namespace/c1/z", "namespace/c2/a",
                                      "namespace/c1/b"}));
  EXPECT_EQ(Names(index_->List("namespace", std::string("t1"), std::nullopt)),
            (std::vector<std::string>{"namespace/c1/a", "namespace/c1/z", "namespace/c2/a"}));
  EXPECT_EQ(Names(index_->List("namespace", std::string("t1"), std::string("c1"))),
            (std::vector<std::string>{"namespace/c1/a", "namespace/c1/z"}));
  EXPECT_EQ(Names(index_->List("namespace", std::nullopt, std::string("c1"))),
            (std::vector<std::string>{"namespace/c1/a", "namespace/c1/z", "namespace/c1/b"}));
  EXPECT_TRUE(Names(index_->List("osimage", std::nullopt, std::nullopt)).empty());
}

TEST_P(ResourceIndexContract, ListTenantCoversEveryTypeOfThatTenantOnly) {
  Put(Record("vm", "t1", "", "dev-vm"));
  Put(Record("namespace", "t1", "c1", "ns"));
  Put(Record("namespace", "t2", "c1", "ns"));
  Put(Record("misc", "t1", "c1", "cert"));
  EXPECT_EQ(Names(index_->ListTenant("t1")),
            (std::vector<std::string>{"misc/c1/cert", "namespace/c1/ns", "vm//dev-vm"}));
  EXPECT_TRUE(Names(index_->ListTenant("nobody")).empty());
}

TEST_P(ResourceIndexContract, CountByTypeCountsTheTenantsRecords) {
  Put(Record("vm", "t1", "", "a"));
  Put(Record("vm", "t1", "", "b"));
  Put(Record("namespace", "t1", "c1", "a"));
  Put(Record("namespace", "t2", "c1", "a"));
  auto counts = index_->CountByType("t1");
  ASSERT_TRUE(counts.ok());
  EXPECT_EQ(*counts, (std::map<std::string, size_t>{{"namespace", 1}, {"vm", 2}}));
  EXPECT_TRUE(index_->CountByType("nobody")->empty());
}

// --- PendingOps: the submission rule -----------------------------------------------------

TEST_P(ResourceIndexContract, CreateOfAnExistingResourceIsAlreadyExists) {
  Put(Record("namespace", "tenant1", "cluster-a", "dev-namespace"));
  auto status = pending_->Reserve(kNs, index::PendingOp::kCreate, "job-1");
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kAlreadyExists);
}

TEST_P(ResourceIndexContract, CreateWhileACreateIsPendingIsAlreadyExists) {
  ASSERT_TRUE(pending_->Reserve(kNs, index::PendingOp::kCreate, "job-1").ok());
  auto status = pending_->Reserve(kNs, index::PendingOp::kCreate, "job-2");
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kAlreadyExists);
}

TEST_P(ResourceIndexContract, UpdateOrDeleteOfAnAbsentResourceIsNotFound) {
  for (auto op : {index::PendingOp::kUpdate, index::PendingOp::kDelete}) {
    auto status = pending_->Reserve(kNs, op, "job-1");
    ASSERT_FALSE(status.ok());
    EXPECT_EQ(status.error().code, ErrorCode::kNotFound);
  }
}

TEST_P(ResourceIndexContract, UpdateAndDeleteOfAnExistingResourceAreAccepted) {
  Put(Record("namespace", "tenant1", "cluster-a", "dev-namespace"));
  EXPECT_TRUE(pending_->Reserve(kNs, index::PendingOp::kUpdate, "job-1").ok());
  EXPECT_TRUE(pending_->Reserve(kNs, index::PendingOp::kDelete, "job-2").ok());
}

TEST_P(ResourceIndexContract, UpdateBehindAPendingCreateIsAccepted) {
  ASSERT_TRUE(pending_->Reserve(kNs, index::PendingOp::kCreate, "job-1").ok());
  EXPECT_TRUE(pending_->Reserve(kNs, index::PendingOp::kUpdate, "job-2").ok());
}

TEST_P(ResourceIndexContract, ReleasingAFailedCreateMakesTheResourceAbsentAgain) {
  ASSERT_TRUE(pending_->Reserve(kNs, index::PendingOp::kCreate, "job-1").ok());
  ASSERT_TRUE(pending_->Release("job-1").ok());
  EXPECT_EQ(pending_->Reserve(kNs, index::PendingOp::kUpdate, "job-2").error().code,
            ErrorCode::kNotFound);
  EXPECT_TRUE(pending_->Reserve(kNs, index::PendingOp::kCreate, "job-3").ok());
}

TEST_P(ResourceIndexContract, AppliedCreateStillExistsAfterRelease) {
  ASSERT_TRUE(pending_->Reserve(kNs, index::PendingOp::kCreate, "job-1").ok());
  Put(Record("namespace", "tenant1", "cluster-a", "dev-namespace"));  // the worker applies it
  ASSERT_TRUE(pending_->Release("job-1").ok());
  EXPECT_EQ(pending_->Reserve(kNs, index::PendingOp::kCreate, "job-2").error().code,
            ErrorCode::kAlreadyExists);
}

TEST_P(ResourceIndexContract, PendingDeleteMakesTheResourceGoneForLaterSubmissions) {
  Put(Record("namespace", "tenant1", "cluster-a", "dev-namespace"));
  ASSERT_TRUE(pending_->Reserve(kNs, index::PendingOp::kDelete, "job-1").ok());
  EXPECT_EQ(pending_->Reserve(kNs, index::PendingOp::kUpdate, "job-2").error().code,
            ErrorCode::kNotFound);
  EXPECT_EQ(pending_->Reserve(kNs, index::PendingOp::kDelete, "job-3").error().code,
            ErrorCode::kNotFound);
  EXPECT_TRUE(pending_->Reserve(kNs, index::PendingOp::kCreate, "job-4").ok());  // re-create
}

TEST_P(ResourceIndexContract, AJobHoldsAtMostOneReservation) {
  ASSERT_TRUE(pending_->Reserve(kNs, index::PendingOp::kCreate, "job-1").ok());
  index::ResourceKey other = kNs;
  other.name = "other";
  EXPECT_EQ(pending_->Reserve(other, index::PendingOp::kCreate, "job-1").error().code,
            ErrorCode::kFailedPrecondition);
}

TEST_P(ResourceIndexContract, ReleasingAnUnknownJobIsHarmless) {
  EXPECT_TRUE(pending_->Release("never-reserved").ok());
}

TEST_P(ResourceIndexContract, ConcurrentCreatesOfOneNameExactlyOneIsAccepted) {
  constexpr int kThreads = 8, kNames = 25;
  for (int n = 0; n < kNames; ++n) {
    index::ResourceKey key = kNs;
    key.name = "ns-" + std::to_string(n);
    std::atomic<int> accepted{0}, conflicts{0};
    std::latch start(kThreads);
    std::vector<std::thread> threads;
    for (int i = 0; i < kThreads; ++i) {
      threads.emplace_back([&, i] {
        std::string job = key.name + "-job-" + std::to_string(i);
        start.arrive_and_wait();
        auto status = pending_->Reserve(key, index::PendingOp::kCreate, job);
        if (status.ok()) {
          ++accepted;
        } else if (status.error().code == ErrorCode::kAlreadyExists) {
          ++conflicts;
        }
      });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(accepted.load(), 1) << key.name;
    EXPECT_EQ(conflicts.load(), kThreads - 1) << key.name;
  }
}

TEST_P(ResourceIndexContract, ApplyManyEndsAsIfEachWriteAppliedInTurn) {
  auto kept = Record("namespace", "tenant1", "cluster-a", "kept");
  auto gone = Record("namespace", "tenant1", "cluster-a", "gone");
  Put(gone);
  auto recreated = Record("namespace", "tenant1", "cluster-a", "recreated");
  auto recreated_v2 = recreated;
  recreated_v2.flavor = "large";
  std::vector<index::IndexWrite> writes = {
      {false, kept},
      {true, gone},
      {false, recreated},
      {true, recreated},
      {false, recreated_v2},
      {true, Record("namespace", "tenant1", "cluster-a", "never-there")},  // not an error
  };
  ASSERT_TRUE(index_->ApplyMany(writes).ok());
  EXPECT_EQ(
      Names(index_->List("namespace", std::nullopt, std::nullopt)),
      (std::vector<std::string>{"namespace/cluster-a/kept", "namespace/cluster-a/recreated"}));
  auto got = index_->Get(recreated.Key());
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->flavor, "large");
  EXPECT_EQ(got->spec.dump(), R"({"zeta":1,"alpha":"two"})");
  EXPECT_EQ(got->updated_at, recreated.updated_at);
  EXPECT_TRUE(index_->ApplyMany({}).ok());
}

TEST_P(ResourceIndexContract, ApplyManyWithAnEmptyNameChangesNothing) {
  auto bad = Record("namespace", "tenant1", "cluster-a", "");
  auto status =
      index_->ApplyMany({{false, Record("namespace", "tenant1", "cluster-a", "a")}, {false, bad}});
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kInvalidArgument);
  EXPECT_TRUE(Names(index_->List("namespace", std::nullopt, std::nullopt)).empty());
}

TEST_P(ResourceIndexContract, ReleaseManyDropsEveryListedReservation) {
  index::ResourceKey other = kNs;
  other.name = "other";
  index::ResourceKey third = kNs;
  third.name = "third";
  ASSERT_TRUE(pending_->Reserve(kNs, index::PendingOp::kCreate, "job-1").ok());
  ASSERT_TRUE(pending_->Reserve(other, index::PendingOp::kCreate, "job-2").ok());
  ASSERT_TRUE(pending_->Reserve(third, index::PendingOp::kCreate, "job-3").ok());
  ASSERT_TRUE(pending_->ReleaseMany({"job-1", "job-2", "never-reserved"}).ok());
  EXPECT_TRUE(pending_->Reserve(kNs, index::PendingOp::kCreate, "job-4").ok());
  EXPECT_TRUE(pending_->Reserve(other, index::PendingOp::kCreate, "job-5").ok());
  EXPECT_EQ(pending_->Reserve(third, index::PendingOp::kCreate, "job-6").error().code,
            ErrorCode::kAlreadyExists);
}

}  // namespace gitops::contract
