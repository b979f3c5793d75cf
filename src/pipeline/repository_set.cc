// RepositorySet: lazily opened per-type repository caches.
#include "pipeline/repository_set.h"

#include <utility>

namespace gitops::pipeline {

struct RepositorySet::Slot {
  std::mutex mu;  // held by a Handle for the whole use of the repository
  std::unique_ptr<git::Repository> repo;
  bool cache_is_current = false;
};

RepositorySetOptions RepositorySetOptionsFromConfig(const config::Config& config) {
  RepositorySetOptions options;
  options.data_dir = config.data_dir;
  options.dev_mode = config.dev_mode;
  options.credentials.username = config.git_username;
  options.credentials.password = config.git_password;
  return options;
}

RepositorySet::RepositorySet(RepositorySetOptions options) : options_(std::move(options)) {}
RepositorySet::~RepositorySet() = default;

RepositorySet::Handle::Handle(std::shared_ptr<Slot> slot, std::unique_lock<std::mutex> lock)
    : slot_(std::move(slot)), lock_(std::move(lock)) {}

git::Repository& RepositorySet::Handle::repo() const { return *slot_->repo; }
bool RepositorySet::Handle::cache_is_current() const { return slot_->cache_is_current; }
void RepositorySet::Handle::set_cache_is_current(bool value) { slot_->cache_is_current = value; }

Result<std::string> RepositorySet::RemoteUrl(const config::ResourceTypeConfig& type) const {
  if (!type.repo_url.empty()) return type.repo_url;
  if (!options_.dev_mode) {
    return Unexpected(
        ErrorCode::kFailedPrecondition,
        "resource type " + type.name + " has no repo_url (required outside dev mode)");
  }
  return (options_.data_dir / "repos" / (type.name + ".git")).string();
}

Result<RepositorySet::Handle> RepositorySet::Acquire(const config::ResourceTypeConfig& type) {
  std::shared_ptr<Slot> slot;
  {
    std::lock_guard<std::mutex> lock(mu_);
    std::shared_ptr<Slot>& entry = slots_[type.name];
    if (!entry) entry = std::make_shared<Slot>();
    slot = entry;
  }
  std::unique_lock<std::mutex> lock(slot->mu);
  if (!slot->repo) {
    auto remote = RemoteUrl(type);
    if (!remote.ok()) return std::move(remote).error();
    if (type.repo_url.empty()) {
      GITOPS_RETURN_IF_ERROR(git::CreateBareRepository(*remote, type.branch));
    }
    git::RepositoryOptions repo_options;
    repo_options.cache_dir = (options_.data_dir / "cache" / (type.name + ".git")).string();
    repo_options.remote_url = *remote;
    repo_options.branch = type.branch;
    repo_options.credentials = options_.credentials;
    repo_options.delta_compression = options_.delta_compression;
    auto repo = git::Repository::Open(std::move(repo_options));
    if (!repo.ok()) return std::move(repo).error();
    slot->repo = std::move(*repo);
    slot->cache_is_current = false;
  }
  return Handle(std::move(slot), std::move(lock));
}

}  // namespace gitops::pipeline
