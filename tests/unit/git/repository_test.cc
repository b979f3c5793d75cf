// Tests of the Git adapter against real bare repositories in temp dirs, checked with the git CLI.
#include "git/repository.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "git_test_util.h"

namespace gitops::git {
namespace {

using testing::CommitOutOfBand;
using testing::Git;
using testing::TempDir;

CommitSpec Commit(std::string message, std::vector<FileChange> changes) {
  CommitSpec spec;
  spec.message = std::move(message);
  spec.author_name = "GitOps API";
  spec.author_email = "gitops@example.com";
  spec.time = Clock::TimePoint(std::chrono::seconds(1'800'000'000));
  spec.changes = std::move(changes);
  return spec;
}

FileChange Write(std::string path, std::string content) {
  return FileChange{std::move(path), std::move(content)};
}

FileChange Delete(std::string path) { return FileChange{std::move(path), std::nullopt}; }

class RepositoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    remote_ = dir_.Sub("remote.git");
    ASSERT_TRUE(CreateBareRepository(remote_, "main").ok());
  }

  std::unique_ptr<Repository> OpenCache(const std::string& name = "cache",
                                        const std::string& branch = "main",
                                        bool background_pack_merges = true) {
    RepositoryOptions options;
    options.cache_dir = dir_.Sub(name);
    options.remote_url = remote_;
    options.branch = branch;
    options.background_pack_merges = background_pack_merges;
    auto repo = Repository::Open(options);
    EXPECT_TRUE(repo.ok()) << repo.error().message;
    return repo.ok() ? std::move(*repo) : nullptr;
  }

  // Publishes and expects success; returns the commit ids.
  std::vector<std::string> MustPublish(Repository& repo, const std::vector<CommitSpec>& commits,
                                       PublishOptions options = {}) {
    options.sleep = [this](std::chrono::milliseconds d) { sleeps_.push_back(d); };
    auto result = repo.Publish(commits, options);
    EXPECT_TRUE(result.ok()) << result.error().message;
    return result.ok() ? result->commit_ids : std::vector<std::string>{};
  }

  // Both the remote and the cache must be complete: the cache's packs are built from the
  // objects the adapter tracked, so a missed object would show up here.
  void ExpectFsckClean() {
    for (const std::string& repo : {remote_, dir_.Sub("cache")}) {
      if (!std::filesystem::exists(repo)) continue;
      auto r = testing::Run({"git", "-C", repo, "fsck", "--strict", "--no-dangling"});
      EXPECT_EQ(r.exit_code, 0) << repo << ": " << r.output;
    }
  }

  TempDir dir_;
  std::string remote_;
  std::vector<std::chrono::milliseconds> sleeps_;
};

TEST_F(RepositoryTest, FirstCommitOnEmptyRemoteLandsOnConfiguredBranch) {
  auto repo = OpenCache("cache", "deploy");
  auto ids = MustPublish(*repo, {Commit("Deploy vm a", {Write("a.yaml", "kind: A\n")})});
  ASSERT_EQ(ids.size(), 1u);
  EXPECT_EQ(ids[0].size(), 40u);
  EXPECT_EQ(Git({"-C", remote_, "rev-parse", "refs/heads/deploy"}), ids[0]);
  EXPECT_EQ(Git({"-C", remote_, "show", "deploy:a.yaml"}), "kind: A");
  EXPECT_EQ(Git({"-C", remote_, "log", "-1", "--format=%an <%ae> %at %s", "deploy"}),
            "GitOps API <gitops@example.com> 1800000000 Deploy vm a");
  ExpectFsckClean();
}

TEST_F(RepositoryTest, PublishesWithDeltaCompressionOff) {
  RepositoryOptions options;
  options.cache_dir = dir_.Sub("cache");
  options.remote_url = remote_;
  options.delta_compression = false;
  auto repo = Repository::Open(options);
  ASSERT_TRUE(repo.ok()) << repo.error().message;
  std::vector<CommitSpec> commits;
  for (int i = 0; i < 20; ++i) {
    commits.push_back(Commit("c" + std::to_string(i),
                             {Write("tenants/t/vm/n" + std::to_string(i) + "/manifest.yaml",
                                    std::string(600, 'a' + i % 26))}));
  }
  auto result = (*repo)->Publish(commits);
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(Git({"-C", remote_, "rev-list", "--count", "main"}), "20");
  EXPECT_EQ(Git({"-C", dir_.Sub("cache"), "config", "pack.deltaCacheSize"}), "1");
  ExpectFsckClean();
}

TEST_F(RepositoryTest, BatchIsPushedAsAChainInInputOrder) {
  auto repo = OpenCache();
  auto ids = MustPublish(
      *repo, {Commit("one", {Write("1.txt", "1")}), Commit("two", {Write("2.txt", "2")}),
              Commit("three", {Write("3.txt", "3")})});
  ASSERT_EQ(ids.size(), 3u);
  EXPECT_EQ(Git({"-C", remote_, "rev-list", "--reverse", "main"}),
            ids[0] + "\n" + ids[1] + "\n" + ids[2]);
  EXPECT_EQ(Git({"-C", remote_, "log", "--format=%s", "main"}), "three\ntwo\none");
  EXPECT_EQ(Git({"-C", remote_, "ls-tree", "--name-only", "main~1"}), "1.txt\n2.txt");
  ExpectFsckClean();
}

TEST_F(RepositoryTest, NestedPathsCreateDirectories) {
  auto repo = OpenCache();
  MustPublish(*repo, {Commit("nested", {Write("tenants/t1/c1/namespace/dev/manifest.yaml", "x\n"),
                                        Write("tenants/t1/vm/web/manifest.yaml", "y\n"),
                                        Write("top.txt", "z\n")})});
  EXPECT_EQ(Git({"-C", remote_, "ls-tree", "-r", "--name-only", "main"}),
            "tenants/t1/c1/namespace/dev/manifest.yaml\ntenants/t1/vm/web/manifest.yaml\ntop.txt");
  MustPublish(*repo, {Commit("update", {Write("tenants/t1/vm/web/manifest.yaml", "y2\n")})});
  EXPECT_EQ(Git({"-C", remote_, "show", "main:tenants/t1/vm/web/manifest.yaml"}), "y2");
  EXPECT_EQ(Git({"-C", remote_, "show", "main:tenants/t1/c1/namespace/dev/manifest.yaml"}), "x");
  ExpectFsckClean();
}

TEST_F(RepositoryTest, DeleteRemovesDirectoriesLeftEmpty) {
  auto repo = OpenCache();
  MustPublish(*repo, {Commit("create", {Write("tenants/t1/vm/a/manifest.yaml", "a"),
                                        Write("tenants/t1/vm/b/manifest.yaml", "b"),
                                        Write("keep.txt", "k")})});
  MustPublish(*repo, {Commit("delete a", {Delete("tenants/t1/vm/a/manifest.yaml")})});
  EXPECT_EQ(Git({"-C", remote_, "ls-tree", "-r", "-t", "--name-only", "main"}),
            "keep.txt\ntenants\ntenants/t1\ntenants/t1/vm\ntenants/t1/vm/b\n"
            "tenants/t1/vm/b/manifest.yaml");
  MustPublish(*repo, {Commit("delete b", {Delete("tenants/t1/vm/b/manifest.yaml")})});
  EXPECT_EQ(Git({"-C", remote_, "ls-tree", "-r", "-t", "--name-only", "main"}), "keep.txt");
  ExpectFsckClean();
}

TEST_F(RepositoryTest, UnchangedTreeStillGetsItsOwnCommit) {
  auto repo = OpenCache();
  auto first = MustPublish(*repo, {Commit("create", {Write("a.txt", "same")})});
  auto again = MustPublish(*repo, {Commit("rewrite identical", {Write("a.txt", "same")}),
                                   Commit("delete missing", {Delete("no/such/file")})});
  ASSERT_EQ(again.size(), 2u);
  EXPECT_EQ(Git({"-C", remote_, "rev-list", "--count", "main"}), "3");
  EXPECT_EQ(Git({"-C", remote_, "rev-parse", again[1] + "^{tree}"}),
            Git({"-C", remote_, "rev-parse", first[0] + "^{tree}"}));
}

TEST_F(RepositoryTest, OutOfBandCommitIsKeptAndBatchReappliedOnTop) {
  auto repo = OpenCache();
  MustPublish(*repo, {Commit("ours 1", {Write("ours/1.txt", "1")})});
  std::string theirs =
      CommitOutOfBand(remote_, "main", dir_.Sub("person"), "theirs/readme.md", "by hand\n");

  PublishOptions options;
  options.cache_is_current = true;  // wrong on purpose: the first push must be rejected
  options.sleep = [this](std::chrono::milliseconds d) { sleeps_.push_back(d); };
  auto result = repo->Publish({Commit("ours 2", {Write("ours/2.txt", "2")})}, options);
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(result->attempts, 2);
  EXPECT_EQ(sleeps_.size(), 1u);
  EXPECT_EQ(Git({"-C", remote_, "log", "--format=%s", "main"}),
            "ours 2\nout-of-band edit of theirs/readme.md\nours 1");
  EXPECT_EQ(Git({"-C", remote_, "rev-parse", "main^"}), theirs);
  EXPECT_EQ(Git({"-C", remote_, "show", "main:theirs/readme.md"}), "by hand");
  EXPECT_EQ(Git({"-C", remote_, "show", "main:ours/2.txt"}), "2");
  ExpectFsckClean();
}

TEST_F(RepositoryTest, FetchBeforeBuildAvoidsRejectionWhenCacheNotKnownCurrent) {
  auto repo = OpenCache();
  MustPublish(*repo, {Commit("ours 1", {Write("1.txt", "1")})});
  CommitOutOfBand(remote_, "main", dir_.Sub("person"), "x.txt", "x");
  auto result = repo->Publish({Commit("ours 2", {Write("2.txt", "2")})});
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(result->attempts, 1);
  EXPECT_EQ(Git({"-C", remote_, "rev-list", "--count", "main"}), "3");
}

TEST_F(RepositoryTest, RemoteThatKeepsMovingAbortsAfterBoundedRetries) {
  auto repo = OpenCache();
  MustPublish(*repo, {Commit("base", {Write("base.txt", "b")})});
  int races = 0;
  PublishOptions options;
  options.max_attempts = 3;
  options.initial_backoff = std::chrono::milliseconds(10);
  options.sleep = [this](std::chrono::milliseconds d) { sleeps_.push_back(d); };
  options.before_push = [&]() {
    // Someone else pushes between our fetch and our push, every time.
    CommitOutOfBand(remote_, "main", dir_.Sub("person"), "race.txt", std::to_string(++races));
    return OkStatus();
  };
  auto result = repo->Publish({Commit("never lands", {Write("ours.txt", "o")})}, options);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, ErrorCode::kAborted);
  EXPECT_NE(result.error().message.find("rejected 3 times"), std::string::npos)
      << result.error().message;
  EXPECT_EQ(races, 3);
  EXPECT_EQ(sleeps_, (std::vector<std::chrono::milliseconds>{std::chrono::milliseconds(10),
                                                             std::chrono::milliseconds(20)}));
  EXPECT_EQ(Git({"-C", remote_, "log", "--format=%s", "--grep=never lands", "main"}), "");
  EXPECT_EQ(Git({"-C", remote_, "rev-list", "--count", "main"}), "4");
  ExpectFsckClean();
}

TEST_F(RepositoryTest, BeforePushErrorStopsThePublish) {
  auto repo = OpenCache();
  MustPublish(*repo, {Commit("base", {Write("base.txt", "b")})});
  std::string before = Git({"-C", remote_, "rev-parse", "main"});
  PublishOptions options;
  options.before_push = [] { return Status(Unexpected(ErrorCode::kAborted, "lease lost")); };
  auto result = repo->Publish({Commit("fenced", {Write("f.txt", "f")})}, options);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().message, "lease lost");
  EXPECT_EQ(Git({"-C", remote_, "rev-parse", "main"}), before);
}

size_t CountPacks(const std::string& git_dir) {
  size_t n = 0;
  for (const auto& e : std::filesystem::directory_iterator(git_dir + "/objects/pack")) {
    if (e.path().extension() == ".pack") ++n;
    EXPECT_NE(e.path().extension(), ".keep") << e.path();
  }
  return n;
}

// Publishes `batches` batches of 3 commits each (files tenants/t<i>/<n>.yaml).
void PublishBatches(Repository& repo, int batches) {
  for (int b = 0; b < batches; ++b) {
    std::vector<CommitSpec> batch;
    for (int i = 0; i < 3; ++i) {
      std::string n = std::to_string(b * 3 + i);
      batch.push_back(Commit(
          "c" + n, {Write("tenants/t" + std::to_string(i) + "/" + n + ".yaml", "n: " + n + "\n")}));
    }
    PublishOptions options;
    options.cache_is_current = b > 0;
    auto result = repo.Publish(batch, options);
    ASSERT_TRUE(result.ok()) << result.error().message;
  }
}

TEST_F(RepositoryTest, BackgroundPackMergesAreAppliedByTheEnd) {
  auto repo = OpenCache("cache", "main", /*background_pack_merges=*/true);
  PublishBatches(*repo, 40);
  repo.reset();  // waits for a merge still running and applies it
  // One pack per batch would be 40; publishing waits for a merge past 16.
  EXPECT_LE(CountPacks(dir_.Sub("cache")), 16u);
  EXPECT_LE(CountPacks(remote_), 16u);
  EXPECT_EQ(Git({"-C", remote_, "rev-list", "--count", "main"}), "120");
  ExpectFsckClean();
}

TEST_F(RepositoryTest, PacksAreConsolidatedInCacheAndRemote) {
  auto repo = OpenCache("cache", "main", /*background_pack_merges=*/false);
  constexpr int kBatches = 40;
  PublishBatches(*repo, kBatches);
  // One pack per batch would be 40; merging keeps at most 8.
  EXPECT_LE(CountPacks(dir_.Sub("cache")), 8u);
  EXPECT_LE(CountPacks(remote_), 8u);
  EXPECT_EQ(Git({"-C", remote_, "rev-list", "--count", "main"}), std::to_string(kBatches * 3));
  EXPECT_EQ(Git({"-C", remote_, "show", "main:tenants/t2/119.yaml"}), "n: 119");
  ExpectFsckClean();
  // The remote stays an ordinary repository: git gc repacks it and it is still whole.
  auto gc = testing::Run({"git", "-C", remote_, "gc", "--quiet"});
  EXPECT_EQ(gc.exit_code, 0) << gc.output;
  EXPECT_EQ(CountPacks(remote_), 1u);
  ExpectFsckClean();
  // And the cache keeps publishing on top of the gc'ed remote.
  PublishOptions options;
  options.cache_is_current = true;
  MustPublish(*repo, {Commit("after gc", {Write("tenants/t0/new.yaml", "x")})}, options);
  EXPECT_EQ(Git({"-C", remote_, "show", "main:tenants/t0/new.yaml"}), "x");
  ExpectFsckClean();
}

TEST_F(RepositoryTest, ReopenedCacheKeepsConsolidatingItsPacks) {
  for (int round = 0; round < 2; ++round) {
    auto repo = OpenCache("cache", "main", /*background_pack_merges=*/false);
    for (int b = 0; b < 16; ++b) {
      std::string n = std::to_string(round * 100 + b);
      PublishOptions options;
      options.cache_is_current = b > 0;
      MustPublish(*repo, {Commit("c" + n, {Write("f/" + n, n)})}, options);
    }
  }
  EXPECT_LE(CountPacks(dir_.Sub("cache")), 8u);
  EXPECT_LE(CountPacks(remote_), 8u);
  EXPECT_EQ(Git({"-C", remote_, "rev-list", "--count", "main"}), "32");
  ExpectFsckClean();
}

TEST_F(RepositoryTest, LocalPushRaceAfterFetchRetriesAndKeepsBothCommits) {
  auto repo = OpenCache();
  MustPublish(*repo, {Commit("base", {Write("base.txt", "b")})});
  std::string theirs;
  PublishOptions options;
  options.before_push = [&]() {
    // Another writer moves the branch between our fetch and our compare-and-swap, once.
    if (theirs.empty()) {
      theirs = CommitOutOfBand(remote_, "main", dir_.Sub("person"), "theirs.txt", "t\n");
    }
    return OkStatus();
  };
  options.sleep = [this](std::chrono::milliseconds d) { sleeps_.push_back(d); };
  auto result = repo->Publish(
      {Commit("ours a", {Write("ours/a.txt", "a")}), Commit("ours b", {Write("ours/b.txt", "b")})},
      options);
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(result->attempts, 2);
  EXPECT_EQ(Git({"-C", remote_, "log", "--format=%s", "main"}),
            "ours b\nours a\nout-of-band edit of theirs.txt\nbase");
  EXPECT_EQ(Git({"-C", remote_, "rev-parse", "main~2"}), theirs);
  EXPECT_EQ(Git({"-C", remote_, "rev-parse", "main"}), result->commit_ids[1]);
  EXPECT_EQ(Git({"-C", remote_, "show", "main:theirs.txt"}), "t");
  EXPECT_EQ(Git({"-C", remote_, "show", "main:ours/a.txt"}), "a");
  // The rejected attempt's objects were taken out of the remote again.
  EXPECT_EQ(Git({"-C", remote_, "fsck", "--unreachable", "--no-reflogs"}), "");
  ExpectFsckClean();
}

TEST_F(RepositoryTest, ChangesWithinOneBatchBuildOnEachOther) {
  auto repo = OpenCache();
  MustPublish(*repo, {Commit("seed", {Write("tenants/t1/ns/a/manifest.yaml", "a1")})});
  PublishOptions options;
  options.cache_is_current = true;
  auto ids = MustPublish(
      *repo,
      {Commit("add b", {Write("tenants/t1/ns/b/manifest.yaml", "b1")}),
       Commit("update a", {Write("tenants/t1/ns/a/manifest.yaml", "a2")}),
       Commit("delete a", {Delete("tenants/t1/ns/a/manifest.yaml")}),
       Commit("mixed", {Write("x.txt", "1"), Write("x.txt", "2"), Delete("tenants/t1/ns/b")})},
      options);
  ASSERT_EQ(ids.size(), 4u);
  EXPECT_EQ(Git({"-C", remote_, "ls-tree", "-r", "--name-only", ids[0]}),
            "tenants/t1/ns/a/manifest.yaml\ntenants/t1/ns/b/manifest.yaml");
  EXPECT_EQ(Git({"-C", remote_, "show", ids[1] + ":tenants/t1/ns/a/manifest.yaml"}), "a2");
  EXPECT_EQ(Git({"-C", remote_, "ls-tree", "-r", "--name-only", ids[2]}),
            "tenants/t1/ns/b/manifest.yaml");
  // The last write of a path wins; deleting a directory removes it and the parents it empties.
  EXPECT_EQ(Git({"-C", remote_, "ls-tree", "-r", "-t", "--name-only", ids[3]}), "x.txt");
  EXPECT_EQ(Git({"-C", remote_, "show", ids[3] + ":x.txt"}), "2");
  ExpectFsckClean();
}

TEST_F(RepositoryTest, TreeOrderFollowsGitForNamesThatPrefixEachOther) {
  auto repo = OpenCache();
  // Git sorts a directory "a" as "a/": after "a-b" and "a.txt", before "a0".
  MustPublish(*repo, {Commit("names", {Write("a/x", "1"), Write("a-b", "2"), Write("a.txt", "3"),
                                       Write("a0", "4")})});
  EXPECT_EQ(Git({"-C", remote_, "ls-tree", "--name-only", "main"}), "a-b\na.txt\na\na0");
  ExpectFsckClean();
}

TEST_F(RepositoryTest, FindsCommitByJobIdTrailer) {
  auto repo = OpenCache();
  auto ids = MustPublish(
      *repo, {Commit("Deploy a\n\nJob-Id: 123\nTenant-Id: t1\n", {Write("a.txt", "a")}),
              Commit("Deploy b\n\nJob-Id: 1234\nTenant-Id: t1\n", {Write("b.txt", "b")}),
              Commit("Mentions Job-Id: 999 in the subject only", {Write("c.txt", "c")})});
  auto found = repo->FindCommitWithTrailer("Job-Id", "123");
  ASSERT_TRUE(found.ok()) << found.error().message;
  EXPECT_EQ(*found, ids[0]);
  auto other = repo->FindCommitWithTrailer("Job-Id", "1234");
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(*other, ids[1]);
  auto missing = repo->FindCommitWithTrailer("Job-Id", "999");
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->has_value());
}

TEST_F(RepositoryTest, TrailerSearchStopsAfterMaxCommits) {
  auto repo = OpenCache();
  MustPublish(*repo,
              {Commit("old\n\nJob-Id: old\n", {Write("a.txt", "a")}),
               Commit("new 1", {Write("b.txt", "b")}), Commit("new 2", {Write("c.txt", "c")})});
  auto near = repo->FindCommitWithTrailer("Job-Id", "old", 2);
  ASSERT_TRUE(near.ok());
  EXPECT_FALSE(near->has_value());
  auto far = repo->FindCommitWithTrailer("Job-Id", "old", 3);
  ASSERT_TRUE(far.ok());
  EXPECT_TRUE(far->has_value());
}

TEST_F(RepositoryTest, ReadsFilesAtTheTip) {
  auto repo = OpenCache();
  MustPublish(*repo, {Commit("c", {Write("tenants/t1/vm/a/manifest.yaml", "a: 1\n"),
                                   Write("tenants/t1/vm/b/manifest.yaml", "b: 2\n"),
                                   Write("tenants/t2/x.yaml", "x"),
                                   Write("tenants.txt", "not under the prefix")})});
  auto content = repo->ReadFile("tenants/t1/vm/a/manifest.yaml");
  ASSERT_TRUE(content.ok()) << content.error().message;
  EXPECT_EQ(*content, "a: 1\n");
  auto missing = repo->ReadFile("tenants/t1/vm/zzz/manifest.yaml");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  auto dir = repo->ReadFile("tenants/t1");
  ASSERT_FALSE(dir.ok());
  EXPECT_EQ(dir.error().code, ErrorCode::kFailedPrecondition);

  auto files = repo->ListFiles("tenants/", true);
  ASSERT_TRUE(files.ok()) << files.error().message;
  ASSERT_EQ(files->size(), 3u);
  EXPECT_EQ((*files)[0].path, "tenants/t1/vm/a/manifest.yaml");
  EXPECT_EQ((*files)[0].content, "a: 1\n");
  EXPECT_EQ((*files)[0].blob_id,
            Git({"-C", remote_, "rev-parse", "main:tenants/t1/vm/a/manifest.yaml"}));
  EXPECT_EQ((*files)[2].path, "tenants/t2/x.yaml");

  auto ids_only = repo->ListFiles("tenants/t1/vm", false);
  ASSERT_TRUE(ids_only.ok());
  ASSERT_EQ(ids_only->size(), 2u);
  EXPECT_EQ((*ids_only)[1].path, "tenants/t1/vm/b/manifest.yaml");
  EXPECT_TRUE((*ids_only)[1].content.empty());
  auto all = repo->ListFiles("", false);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 4u);
  auto none = repo->ListFiles("nothing/here", true);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

TEST_F(RepositoryTest, ReadsOnAnEmptyRemoteSeeNothing) {
  auto repo = OpenCache();
  ASSERT_TRUE(repo->Fetch().ok());
  auto tip = repo->TipCommitId();
  ASSERT_TRUE(tip.ok());
  EXPECT_FALSE(tip->has_value());
  EXPECT_EQ(repo->ReadFile("a.txt").error().code, ErrorCode::kNotFound);
  auto files = repo->ListFiles("", true);
  ASSERT_TRUE(files.ok());
  EXPECT_TRUE(files->empty());
}

TEST_F(RepositoryTest, FreshCacheRebuildsStateFromTheRemote) {
  auto writer = OpenCache("writer");
  auto ids = MustPublish(*writer, {Commit("c\n\nJob-Id: j1\n", {Write("tenants/t1/a.yaml", "a")})});
  CommitOutOfBand(remote_, "main", dir_.Sub("person"), "tenants/t9/b.yaml", "b");

  auto files =
      FetchFiles(RepositoryOptions{dir_.Sub("templates-cache"), remote_, "main", {}}, "tenants");
  ASSERT_TRUE(files.ok()) << files.error().message;
  ASSERT_EQ(files->size(), 2u);
  EXPECT_EQ((*files)[1].content, "b");

  auto reader = OpenCache("reader");
  ASSERT_TRUE(reader->Fetch().ok());
  auto found = reader->FindCommitWithTrailer("Job-Id", "j1");
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(*found, ids[0]);
}

TEST_F(RepositoryTest, ReopeningAnExistingCacheKeepsWorking) {
  {
    auto repo = OpenCache();
    MustPublish(*repo, {Commit("first", {Write("a.txt", "a")})});
  }
  auto repo = OpenCache();
  PublishOptions options;
  options.cache_is_current = true;
  auto ids = MustPublish(*repo, {Commit("second", {Write("b.txt", "b")})}, options);
  ASSERT_EQ(ids.size(), 1u);
  EXPECT_EQ(Git({"-C", remote_, "rev-list", "--count", "main"}), "2");
  auto r = testing::Run({"git", "-C", dir_.Sub("cache"), "fsck", "--strict"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
}

TEST_F(RepositoryTest, BadPathsAreRejectedAndNothingIsPushed) {
  auto repo = OpenCache();
  for (const char* path : {"", "/abs.txt", "../up.txt", "a/../b.txt", "a//b.txt", "dir/",
                           ".git/config", "a/.GIT/x", "./a.txt"}) {
    auto result = repo->Publish({Commit("bad", {Write(path, "x")})});
    ASSERT_FALSE(result.ok()) << path;
    EXPECT_EQ(result.error().code, ErrorCode::kInvalidArgument) << path;
  }
  auto r = testing::Run({"git", "-C", remote_, "rev-parse", "--verify", "-q", "main"});
  EXPECT_NE(r.exit_code, 0) << "a bad batch must not create the branch";
}

TEST_F(RepositoryTest, FileDirectoryCollisionIsFailedPrecondition) {
  auto repo = OpenCache();
  MustPublish(*repo, {Commit("file", {Write("a/b", "file")})});
  auto result = repo->Publish({Commit("dir over file", {Write("a/b/c", "x")})});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, ErrorCode::kFailedPrecondition) << result.error().message;
  EXPECT_EQ(Git({"-C", remote_, "rev-list", "--count", "main"}), "1");
}

TEST_F(RepositoryTest, MissingRemoteRepositoryIsNotFoundNamingThePath) {
  RepositoryOptions options;
  options.cache_dir = dir_.Sub("cache");
  options.remote_url = dir_.Sub("no-such-remote.git");
  auto repo = Repository::Open(options);
  ASSERT_TRUE(repo.ok());
  auto result = (*repo)->Publish({Commit("x", {Write("a.txt", "a")})});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, ErrorCode::kNotFound) << result.error().message;
  EXPECT_NE(result.error().message.find(options.remote_url), std::string::npos)
      << result.error().message;
}

TEST_F(RepositoryTest, LocalRemoteRemovedAfterAPushIsNotFoundOnTheNextPush) {
  auto repo = OpenCache();
  MustPublish(*repo, {Commit("first", {Write("a.txt", "a")})});
  std::filesystem::remove_all(remote_);
  PublishOptions options;
  options.cache_is_current = true;  // no fetch: the push itself must report it
  auto result = repo->Publish({Commit("second", {Write("b.txt", "b")})}, options);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, ErrorCode::kNotFound) << result.error().message;
  EXPECT_NE(result.error().message.find(remote_), std::string::npos) << result.error().message;
}

TEST_F(RepositoryTest, LocalRemoteWithAWorkingTreeIsRefusedAsLibgit2Does) {
  std::string work = dir_.Sub("work");
  testing::Run({"git", "init", "-q", "-b", "main", work});
  RepositoryOptions options;
  options.cache_dir = dir_.Sub("cache");
  options.remote_url = work;
  options.branch = "deploy";
  auto repo = Repository::Open(options);
  ASSERT_TRUE(repo.ok()) << repo.error().message;
  // Not a bare repository: no pack linking; libgit2's push refuses a non-bare local remote.
  auto result = (*repo)->Publish({Commit("into a work tree", {Write("a.txt", "a")})});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, ErrorCode::kFailedPrecondition) << result.error().message;
  auto r = testing::Run({"git", "-C", work, "rev-parse", "--verify", "-q", "refs/heads/deploy"});
  EXPECT_NE(r.exit_code, 0);
}

TEST_F(RepositoryTest, RemoteDownIsUnavailable) {
  testing::ListeningSocket sock = testing::ListenOnFreePort();
  int port = sock.port;
  close(sock.fd);  // nothing listens there any more: connection refused
  RepositoryOptions options;
  options.cache_dir = dir_.Sub("cache");
  options.remote_url = "git://127.0.0.1:" + std::to_string(port) + "/repo.git";
  auto repo = Repository::Open(options);
  ASSERT_TRUE(repo.ok());
  Status fetched = (*repo)->Fetch();
  ASSERT_FALSE(fetched.ok());
  EXPECT_EQ(fetched.error().code, ErrorCode::kUnavailable) << fetched.error().message;
  EXPECT_NE(fetched.error().message.find(options.remote_url), std::string::npos);
}

TEST_F(RepositoryTest, OpenRefusesADirectoryThatIsNotABareRepository) {
  std::filesystem::create_directories(dir_.Sub("junk"));
  std::ofstream(dir_.Sub("junk/file.txt")) << "x";
  auto repo = Repository::Open(RepositoryOptions{dir_.Sub("junk"), remote_, "main", {}});
  ASSERT_FALSE(repo.ok());
  EXPECT_EQ(repo.error().code, ErrorCode::kFailedPrecondition);
  auto bad_branch = Repository::Open(RepositoryOptions{dir_.Sub("c"), remote_, "bad..name", {}});
  ASSERT_FALSE(bad_branch.ok());
  EXPECT_EQ(bad_branch.error().code, ErrorCode::kInvalidArgument);
}

TEST_F(RepositoryTest, CreateBareRepositoryIsIdempotentAndRefusesOtherContent) {
  EXPECT_TRUE(CreateBareRepository(remote_, "main").ok());
  EXPECT_EQ(Git({"-C", remote_, "rev-parse", "--is-bare-repository"}), "true");
  EXPECT_EQ(Git({"-C", remote_, "symbolic-ref", "HEAD"}), "refs/heads/main");
  std::ofstream(dir_.Sub("plain.txt")) << "x";
  Status s = CreateBareRepository(dir_.Sub("plain.txt"));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::kFailedPrecondition);
}

}  // namespace
}  // namespace gitops::git
