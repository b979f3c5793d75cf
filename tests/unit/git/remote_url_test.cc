// Tests of remote URL splitting and redaction: credentials never survive into messages.
#include "git/remote_url.h"

#include <gtest/gtest.h>

#include "git/repository.h"

namespace gitops::git {
namespace {

TEST(RemoteUrlTest, RedactsUserinfoFromSchemeUrls) {
  struct Case {
    const char* in;
    const char* out;
  } cases[] = {
      {"https://alice:s3cret@git.example.com/org/repo.git", "https://git.example.com/org/repo.git"},
      {"http://token@127.0.0.1:8080/git/r.git", "http://127.0.0.1:8080/git/r.git"},
      {"ssh://git@host:22/org/r.git", "ssh://host:22/org/r.git"},
      {"https://host/path@with-at/r.git", "https://host/path@with-at/r.git"},
      {"git@github.com:org/r.git", "git@github.com:org/r.git"},
      {"/srv/git/r.git", "/srv/git/r.git"},
      {"file:///srv/git/r.git", "file:///srv/git/r.git"},
  };
  for (const Case& c : cases) EXPECT_EQ(RedactUrl(c.in), c.out) << c.in;
}

TEST(RemoteUrlTest, SplitsAndDecodesCredentials) {
  internal::SplitUrl s = internal::SplitUserInfo("https://al%40ice:p%3Ass@h.example/r.git");
  EXPECT_EQ(s.url, "https://h.example/r.git");
  EXPECT_EQ(s.username, "al@ice");
  EXPECT_EQ(s.password, "p:ss");
}

TEST(RemoteUrlTest, ScrubRemovesSecretAndEmbeddedUserinfo) {
  EXPECT_EQ(internal::Scrub("bad hunter2 in 'https://bob:hunter2@h/r.git'", "hunter2"),
            "bad *** in 'https://h/r.git'");
  EXPECT_EQ(internal::Scrub("no secret here", ""), "no secret here");
}

}  // namespace
}  // namespace gitops::git
