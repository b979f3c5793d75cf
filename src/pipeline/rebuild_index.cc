// RebuildIndex: see rebuild_index.h.
#include "pipeline/rebuild_index.h"

#include <utility>

#include "pipeline/resource_files.h"

namespace gitops::pipeline {

RebuildSummary RebuildIndex(const types::TypeRegistry& types, RepositorySet& repositories,
                            index::ResourceIndex& index, const Clock& clock) {
  RebuildSummary summary;
  auto fail = [&summary](const std::string& type, Error error) {
    error.message = "rebuilding the index of " + type + ": " + error.message;
    summary.errors.push_back(std::move(error));
  };
  for (const types::TypePtr& type : types.List()) {
    auto handle = repositories.Acquire(*type);
    if (!handle.ok()) {
      fail(type->name, std::move(handle).error());
      continue;
    }
    git::Repository& repo = handle->repo();
    Status fetched = repo.Fetch();
    if (!fetched.ok()) {
      fail(type->name, std::move(fetched).error());
      continue;
    }
    handle->set_cache_is_current(true);
    auto tip = repo.TipCommitId();
    if (!tip.ok()) {
      fail(type->name, std::move(tip).error());
      continue;
    }
    if (!tip->has_value()) continue;  // empty repository
    std::string prefix = std::string(kMetadataRoot) + "/" + type->name;
    auto files = repo.ListFiles(prefix, /*with_content=*/true);
    if (!files.ok()) {
      fail(type->name, std::move(files).error());
      continue;
    }
    const std::string repository = repo.display_url();
    const Clock::TimePoint now = clock.Now();
    for (const git::FileEntry& file : *files) {
      auto record = ParseMetadataFile(file.path, file.content);
      if (!record.ok()) {
        fail(type->name, std::move(record).error());
        continue;
      }
      record->git_commit = **tip;
      record->repository = repository;
      record->updated_at = now;
      Status upserted = index.Upsert(std::move(*record));
      if (!upserted.ok()) {
        fail(type->name, std::move(upserted).error());
        continue;
      }
      ++summary.records;
    }
  }
  return summary;
}

}  // namespace gitops::pipeline
