// Tests of RebuildIndex: a restart (new index, same DATA_DIR) keeps every resource.
#include "pipeline/rebuild_index.h"

#include <gtest/gtest.h>

#include "pipeline_fixture.h"

namespace gitops::pipeline::testing {
namespace {

using jobs::JobStatus;
using jobs::Operation;

using RebuildIndexTest = PipelineTest;

TEST_F(RebuildIndexTest, RestartKeepsEveryResource) {
  RunOne("namespace", Operation::kCreate, "a", "custom", Json{{"team", "x"}}, "c1");
  RunOne("vm", Operation::kCreate, "vm1", "large", Json{{"cpu", 4}});
  RunOne("vm", Operation::kCreate, "vm2", "small");
  RunOne("vm", Operation::kDelete, "vm2");
  std::string vm_tip = GitIn("vm", {"rev-parse", "main"});

  Restart();
  ASSERT_EQ(index_->size(), 0u);
  RebuildSummary summary = RebuildIndex(*types_, *repositories_, *index_, clock_);
  EXPECT_TRUE(summary.errors.empty()) << summary.errors[0].message;
  EXPECT_EQ(summary.records, 2u);
  auto ns = index_->Get({"namespace", "tenant1", "c1", "a"});
  ASSERT_TRUE(ns.ok());
  EXPECT_EQ(ns->spec, Json({{"team", "x"}}));
  EXPECT_EQ(ns->path, "tenants/tenant1/c1/namespace/a/manifest.yaml");
  auto vm = index_->Get({"vm", "tenant1", "", "vm1"});
  ASSERT_TRUE(vm.ok());
  EXPECT_EQ(vm->flavor, "large");
  EXPECT_EQ(vm->git_commit, vm_tip);
  EXPECT_EQ(vm->repository, Remote("vm"));
  EXPECT_FALSE(index_->Get({"vm", "tenant1", "", "vm2"}).ok());
}

TEST_F(RebuildIndexTest, AfterRestartUpdatesMergeIntoTheStoredSpec) {
  RunOne("vm", Operation::kCreate, "vm1", "large", Json{{"cpu", 4}});
  Restart();
  RebuildSummary summary = RebuildIndex(*types_, *repositories_, *index_, clock_);
  ASSERT_TRUE(summary.errors.empty());
  jobs::Job update = RunOne("vm", Operation::kUpdate, "vm1", "", Json{{"mem", 8}});
  ASSERT_EQ(update.status, JobStatus::kCompleted) << update.error.value_or("");
  EXPECT_EQ(index_->Get({"vm", "tenant1", "", "vm1"})->spec, Json({{"cpu", 4}, {"mem", 8}}));
  jobs::Job create = RunOne("vm", Operation::kCreate, "vm1", "large");
  EXPECT_EQ(create.status, JobStatus::kFailed);
}

TEST_F(RebuildIndexTest, EmptyRepositoriesGiveAnEmptyIndex) {
  RebuildSummary summary = RebuildIndex(*types_, *repositories_, *index_, clock_);
  EXPECT_TRUE(summary.errors.empty());
  EXPECT_EQ(summary.records, 0u);
}

TEST_F(RebuildIndexTest, UnreachableRepositoryIsReportedAndOthersGoOn) {
  RunOne("namespace", Operation::kCreate, "a", "custom", Json::object(), "c1");
  std::vector<config::ResourceTypeConfig> types = TestTypes();
  types[2].repo_url = dir_.Sub("missing/vm.git");
  types_ = std::make_unique<types::TypeRegistry>(types);
  Restart();
  RebuildSummary summary = RebuildIndex(*types_, *repositories_, *index_, clock_);
  ASSERT_EQ(summary.errors.size(), 1u);
  EXPECT_NE(summary.errors[0].message.find("rebuilding the index of vm"), std::string::npos)
      << summary.errors[0].message;
  EXPECT_EQ(summary.records, 1u);
}

}  // namespace
}  // namespace gitops::pipeline::testing
