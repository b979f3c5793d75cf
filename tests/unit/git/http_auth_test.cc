// Git over HTTP with Basic auth (lighttpd + git-http-backend on 127.0.0.1): credentials work,
// and failures never reveal the password.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "git/repository.h"
#include "git_test_util.h"

namespace gitops::git {
namespace {

using testing::Git;

constexpr char kUser[] = "alice";
constexpr char kPassword[] = "s3cret-Pa55";

class HttpAuthTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (access("/usr/sbin/lighttpd", X_OK) != 0 ||
        access("/usr/lib/git-core/git-http-backend", X_OK) != 0) {
      GTEST_SKIP() << "lighttpd or git-http-backend not installed (scripts/setup.sh installs them)";
    }
    root_ = dir_.Sub("srv");
    ASSERT_TRUE(CreateBareRepository(root_ + "/repo.git", "main").ok());
    std::filesystem::create_directories(dir_.Sub("www"));
    server_ = std::make_unique<testing::GitHttpServer>(root_, dir_.Sub("www"), kUser, kPassword);
    ASSERT_TRUE(server_->running());
  }

  Result<PublishResult> PublishWith(const std::string& url, Credentials credentials,
                                    const std::string& cache = "cache") {
    RepositoryOptions options;
    options.cache_dir = dir_.Sub(cache);
    options.remote_url = url;
    options.credentials = std::move(credentials);
    auto repo = Repository::Open(options);
    if (!repo.ok()) return std::move(repo).error();
    CommitSpec spec;
    spec.message = "Deploy over http\n\nJob-Id: j-1\n";
    spec.author_name = "GitOps API";
    spec.author_email = "gitops@example.com";
    spec.time = Clock::TimePoint(std::chrono::seconds(1'800'000'000));
    spec.changes.push_back(FileChange{"tenants/t1/a.yaml", std::string("a: 1\n")});
    return (*repo)->Publish({spec});
  }

  testing::TempDir dir_;
  std::string root_;
  std::unique_ptr<testing::GitHttpServer> server_;
};

TEST_F(HttpAuthTest, UsernameAndPasswordPushAndFetch) {
  auto result = PublishWith(server_->Url("repo.git"), Credentials{kUser, kPassword, "", ""});
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(Git({"-C", root_ + "/repo.git", "rev-parse", "main"}), result->commit_ids[0]);
  EXPECT_EQ(Git({"-C", root_ + "/repo.git", "show", "main:tenants/t1/a.yaml"}), "a: 1");

  auto files = FetchFiles(RepositoryOptions{dir_.Sub("reader"), server_->Url("repo.git"), "main",
                                            Credentials{kUser, kPassword, "", ""}},
                          "tenants");
  ASSERT_TRUE(files.ok()) << files.error().message;
  ASSERT_EQ(files->size(), 1u);
  EXPECT_EQ((*files)[0].content, "a: 1\n");
}

TEST_F(HttpAuthTest, CredentialsInUrlWorkAndAreNotStoredInTheCache) {
  std::string url = server_->Url("repo.git");
  std::string with_userinfo = "http://" + std::string(kUser) + ":" + kPassword + "@" +
                              url.substr(std::string("http://").size());
  auto result = PublishWith(with_userinfo, Credentials{});
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(Git({"-C", dir_.Sub("cache"), "config", "remote.origin.url"}), url);
}

TEST_F(HttpAuthTest, WrongPasswordIsUnauthenticatedAndNeverEchoed) {
  const std::string wrong = "WrongPassword-42";
  auto result = PublishWith(server_->Url("repo.git"), Credentials{kUser, wrong, "", ""});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, ErrorCode::kUnauthenticated) << result.error().message;
  EXPECT_NE(result.error().message.find(server_->Url("repo.git")), std::string::npos)
      << result.error().message;
  EXPECT_EQ(result.error().message.find(wrong), std::string::npos) << result.error().message;
  EXPECT_EQ(result.error().details.find(wrong), std::string::npos);
}

TEST_F(HttpAuthTest, WrongPasswordInUrlIsNeverEchoed) {
  std::string url = server_->Url("repo.git");
  std::string with_userinfo =
      "http://alice:UrlSecret-77@" + url.substr(std::string("http://").size());
  auto result = PublishWith(with_userinfo, Credentials{});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, ErrorCode::kUnauthenticated) << result.error().message;
  EXPECT_EQ(result.error().message.find("UrlSecret-77"), std::string::npos)
      << result.error().message;
}

TEST_F(HttpAuthTest, MissingCredentialsAreUnauthenticated) {
  auto result = PublishWith(server_->Url("repo.git"), Credentials{});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, ErrorCode::kUnauthenticated) << result.error().message;
  EXPECT_NE(result.error().message.find("none are configured"), std::string::npos)
      << result.error().message;
}

TEST_F(HttpAuthTest, MissingRepositoryIsNotFound) {
  auto result = PublishWith(server_->Url("nope.git"), Credentials{kUser, kPassword, "", ""});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, ErrorCode::kNotFound) << result.error().message;
  EXPECT_EQ(result.error().message.find(kPassword), std::string::npos);
}

}  // namespace
}  // namespace gitops::git
