// Private to src/git/: RAII owners for libgit2 objects and the one-time library set-up.
// Never include this header outside src/git/.
#pragma once

#include <git2.h>
#include <git2/sys/commit.h>
#include <git2/sys/mempack.h>
#include <git2/sys/odb_backend.h>

#include <memory>
#include <string>

namespace gitops::git::internal {

template <typename T, void (*Free)(T*)>
struct GitDeleter {
  void operator()(T* p) const {
    if (p != nullptr) Free(p);
  }
};

template <typename T, void (*Free)(T*)>
using GitPtr = std::unique_ptr<T, GitDeleter<T, Free>>;

using RepoPtr = GitPtr<git_repository, git_repository_free>;
using OdbPtr = GitPtr<git_odb, git_odb_free>;
using RemotePtr = GitPtr<git_remote, git_remote_free>;
using TreePtr = GitPtr<git_tree, git_tree_free>;
using TreeEntryPtr = GitPtr<git_tree_entry, git_tree_entry_free>;
using CommitPtr = GitPtr<git_commit, git_commit_free>;
using BlobPtr = GitPtr<git_blob, git_blob_free>;
using SignaturePtr = GitPtr<git_signature, git_signature_free>;
using RevwalkPtr = GitPtr<git_revwalk, git_revwalk_free>;
using ReferencePtr = GitPtr<git_reference, git_reference_free>;
using TreebuilderPtr = GitPtr<git_treebuilder, git_treebuilder_free>;
using PackbuilderPtr = GitPtr<git_packbuilder, git_packbuilder_free>;

// Owns a git_buf filled by libgit2.
class GitBuf {
 public:
  GitBuf() = default;
  ~GitBuf() { git_buf_dispose(&buf_); }
  GitBuf(const GitBuf&) = delete;
  GitBuf& operator=(const GitBuf&) = delete;
  git_buf* get() { return &buf_; }
  const char* data() const { return buf_.ptr; }
  size_t size() const { return buf_.size; }

 private:
  git_buf buf_ = GIT_BUF_INIT;
};

// Owns a git_odb_writepack stream.
class WritePack {
 public:
  WritePack() = default;
  ~WritePack() {
    if (wp_ != nullptr) wp_->free(wp_);
  }
  WritePack(const WritePack&) = delete;
  WritePack& operator=(const WritePack&) = delete;
  git_odb_writepack** out() { return &wp_; }
  git_odb_writepack* get() const { return wp_; }

 private:
  git_odb_writepack* wp_ = nullptr;
};

// Initializes libgit2 once per process (function-local static; thread-safe) and sets the
// global options this adapter relies on.
void EnsureLibgit2();

// The message of the last libgit2 error on this thread, or "unknown error".
std::string LastGitErrorMessage();

// 40-hex form of `oid`.
std::string OidToHex(const git_oid& oid);

}  // namespace gitops::git::internal
