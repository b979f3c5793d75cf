// RebuildIndex: fills the resource index from the metadata files in every type's repository,
// so a restart keeps every resource (Git is the source of truth).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "index/resource_index.h"
#include "pipeline/repository_set.h"
#include "types/type_registry.h"

namespace gitops::pipeline {

struct RebuildSummary {
  size_t records = 0;         // records upserted, all types
  std::vector<Error> errors;  // one per type (or file) that could not be read; others went on
};

// For every type of `types`: fetches its repository, reads every file under
// .gitops-api/resources/<type>/ at the branch tip and upserts each record, with git_commit =
// the branch tip (the commit that last wrote a resource is not looked up: that would walk the
// history) and updated_at = clock.Now(). A type whose repository cannot be fetched or a file
// that cannot be parsed is reported in `errors` and skipped. Does not remove records.
RebuildSummary RebuildIndex(const types::TypeRegistry& types, RepositorySet& repositories,
                            index::ResourceIndex& index, const Clock& clock);

}  // namespace gitops::pipeline
