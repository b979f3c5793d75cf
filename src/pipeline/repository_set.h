// RepositorySet: one git::Repository (bare cache) per resource type, opened on first use and
// kept open, handed out for exclusive use.
#pragma once

#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "config/config.h"
#include "config/resource_type.h"
#include "core/result.h"
#include "git/repository.h"

namespace gitops::pipeline {

struct RepositorySetOptions {
  std::filesystem::path data_dir;  // caches under <data_dir>/cache/<type>.git
  // When a type has no repo_url: dev mode uses (creating it) <data_dir>/repos/<type>.git,
  // otherwise that type is kFailedPrecondition.
  bool dev_mode = false;
  git::Credentials credentials;
  bool delta_compression = true;
};

// DATA_DIR, DEV_MODE, GIT_USERNAME / GIT_PASSWORD of `config`.
RepositorySetOptions RepositorySetOptionsFromConfig(const config::Config& config);

class RepositorySet {
 private:
  struct Slot;

 public:
  explicit RepositorySet(RepositorySetOptions options);
  ~RepositorySet();
  RepositorySet(const RepositorySet&) = delete;
  RepositorySet& operator=(const RepositorySet&) = delete;

  // Exclusive use of one type's repository while alive. Move-only.
  class Handle {
   public:
    Handle(Handle&&) noexcept = default;
    Handle& operator=(Handle&&) noexcept = default;
    git::Repository& repo() const;
    // True when the cache holds the remote tip as far as this process knows (set after a
    // successful publish; cleared after a failed one). Feeds PublishOptions::cache_is_current.
    bool cache_is_current() const;
    void set_cache_is_current(bool value);

   private:
    friend class RepositorySet;
    Handle(std::shared_ptr<Slot> slot, std::unique_lock<std::mutex> lock);
    std::shared_ptr<Slot> slot_;
    std::unique_lock<std::mutex> lock_;
  };

  // The repository of `type` (keyed by type.name), opening its cache on first use (and, in dev
  // mode without repo_url, creating the local bare remote). Blocks while another caller holds
  // the same type's repository; the queue gives a partition to one worker at a time, so this
  // only waits on the index rebuild. Errors of CreateBareRepository / Repository::Open, or
  // kFailedPrecondition for a type without repo_url outside dev mode. Thread-safe.
  Result<Handle> Acquire(const config::ResourceTypeConfig& type);

  // The remote a type's repository pushes to (its repo_url or the dev-mode local path).
  Result<std::string> RemoteUrl(const config::ResourceTypeConfig& type) const;

 private:
  RepositorySetOptions options_;
  std::mutex mu_;  // guards slots_ only, never held during Git I/O
  std::unordered_map<std::string, std::shared_ptr<Slot>> slots_;
};

}  // namespace gitops::pipeline
