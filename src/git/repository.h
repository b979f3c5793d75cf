// Git adapter: a bare local cache repository bound to one remote branch. Publishes batches of
// whole-file commits (fetch, build trees in memory, push, re-apply on a moved remote) and reads
// files at the branch tip. libgit2 is an implementation detail of src/git/.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/result.h"

namespace gitops::git {

// Credentials for the remote. For http(s): username + password (or token as password).
// For ssh: username (default: the URL's user, else "git") and either a private key file
// (ssh_private_key, optional ssh_public_key and passphrase in `password`) or the ssh-agent.
struct Credentials {
  std::string username;
  std::string password;
  std::string ssh_private_key;
  std::string ssh_public_key;
};

struct RepositoryOptions {
  std::string cache_dir;   // local bare cache; created when missing
  std::string remote_url;  // local path to a bare repo, file://, git://, http(s)://, ssh://
  std::string branch = "main";
  Credentials credentials;  // userinfo in remote_url (user:pass@) is moved here, never stored
  // Delta-compress what libgit2 packs for pushes to network remotes. Off: about 1.3x faster
  // there, packs about 2.4x larger. Batches themselves are always written as one pack with
  // each directory delta-compressed against its previous version in the batch.
  bool delta_compression = true;
  // Merge the cache's packs (one per published batch) on a background thread instead of
  // inside Publish. Off: merges happen synchronously (deterministic, for tests).
  bool background_pack_merges = true;
};

// One file change: whole-file write (`content` set) or delete (`content` empty optional).
struct FileChange {
  std::string path;                    // relative, '/'-separated, no '.', '..' or ".git"
  std::optional<std::string> content;  // nullopt = delete
};

struct CommitSpec {
  std::string message;  // full message; the service appends its trailers (Job-Id:, Tenant-Id:)
  std::string author_name;
  std::string author_email;
  Clock::TimePoint time;
  std::vector<FileChange> changes;
};

struct PublishOptions {
  // True when the caller knows the cache holds the remote tip (e.g. right after its own push):
  // the first attempt skips the fetch. A wrong guess costs one rejected push, never data.
  bool cache_is_current = false;
  int max_attempts = 5;  // push attempts in total (>= 1)
  std::chrono::milliseconds initial_backoff{50};
  std::chrono::milliseconds max_backoff{2000};
  // Waits between attempts (exponential backoff from initial_backoff). Default: sleeps.
  std::function<void(std::chrono::milliseconds)> sleep;
  // Called before every push attempt; a non-OK status aborts the publish with that error
  // before anything reaches the remote (the service checks its lease / fencing token here).
  std::function<Status()> before_push;
};

struct PublishResult {
  std::vector<std::string> commit_ids;  // 40-hex id of each applied commit, in input order
  int attempts = 0;                     // push attempts made (1 when there was no race)
};

struct FileEntry {
  std::string path;     // full path from the repository root
  std::string blob_id;  // 40-hex
  std::string content;  // filled only when asked for
};

// Not thread-safe: one caller at a time per Repository (the service serializes per
// repository). Distinct Repository objects (distinct cache_dir) may be used from different
// threads concurrently. Never open the same cache_dir twice at once.
class Repository {
 public:
  // Opens (creating when missing) the bare cache at options.cache_dir and points its remote
  // "origin" at options.remote_url (stored without credentials). Does not touch the network.
  // kInvalidArgument for an empty dir/url/branch or a bad branch name; kFailedPrecondition
  // when cache_dir exists but is not a bare repository; kInternal otherwise.
  static Result<std::unique_ptr<Repository>> Open(RepositoryOptions options);
  ~Repository();
  Repository(const Repository&) = delete;
  Repository& operator=(const Repository&) = delete;

  // Fetches the remote branch into the cache. An empty remote (no branch yet) is not an error.
  // Errors name the remote URL without credentials: kUnauthenticated (auth failed or required),
  // kNotFound (no repository there), kUnavailable (unknown host, connection refused, network),
  // kFailedPrecondition (other refusals), kInternal.
  Status Fetch();

  // Applies `commits` in order on top of the remote tip and pushes them in one push. Returns
  // their ids. On a rejected push (someone else moved the branch) fetches, re-applies the same
  // changes on the new tip and pushes again, up to options.max_attempts, then kAborted.
  // Out-of-band commits are kept, never overwritten. Every commit is created even when its
  // changes leave the tree unchanged (one commit per job; the commit carries the trailers).
  // Deleting a missing path is a no-op; a delete removes directories left empty. kInvalidArgument
  // for a bad path; kFailedPrecondition for a file/directory conflict; fetch/push errors as
  // Fetch(). Nothing is pushed unless the whole batch was built.
  // The batch is written to the cache as one pack. A local remote (path or file://) receives
  // that pack by a hard link (a copy across filesystems) and its branch moves by
  // compare-and-swap from the tip the batch was built on (a lost swap is a rejected push: the
  // pack is taken out again and the batch retried); other remotes get libgit2's push. Packs
  // are merged now and then (see RepositoryOptions::background_pack_merges), in the remote too
  // when it is local and still holds the packs we put there.
  Result<PublishResult> Publish(const std::vector<CommitSpec>& commits,
                                const PublishOptions& options = {});

  // Id of the newest commit among the last `max_commits` of the cached branch whose message
  // has the trailer `key: value` (e.g. "Job-Id"), or nullopt. Reads the cache: Fetch() first
  // when the remote may have moved.
  Result<std::optional<std::string>> FindCommitWithTrailer(std::string_view key,
                                                           std::string_view value,
                                                           int max_commits = 1000);

  // Id of the cached branch tip, or nullopt when the branch does not exist yet.
  Result<std::optional<std::string>> TipCommitId();

  // Content of `path` at the cached branch tip. kNotFound when absent (or no branch yet),
  // kFailedPrecondition when it names a directory.
  Result<std::string> ReadFile(std::string_view path);

  // Every file under directory `prefix` ("" = whole tree) at the cached branch tip, recursive,
  // sorted by path. Empty when the prefix or the branch does not exist.
  Result<std::vector<FileEntry>> ListFiles(std::string_view prefix, bool with_content);

  const std::string& branch() const;
  // The remote URL with any userinfo removed (safe for logs and messages).
  const std::string& display_url() const;

 private:
  struct Impl;
  explicit Repository(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Creates an empty bare repository at `path` (parents included) whose HEAD names `branch`.
// OK when a bare repository already exists there. kFailedPrecondition when `path` holds
// something else.
Status CreateBareRepository(const std::string& path, const std::string& branch = "main");

// Opens (or creates) the cache, fetches, and returns every file under `prefix` with content:
// the template-repository path ("clone-or-fetch then read all files under a dir").
Result<std::vector<FileEntry>> FetchFiles(RepositoryOptions options, std::string_view prefix);

// `url` with the userinfo part (user:password@) removed: "https://host/x.git". Paths and
// scp-like ssh URLs ("git@host:org/x.git") keep their user, which carries no secret.
std::string RedactUrl(std::string_view url);

}  // namespace gitops::git
