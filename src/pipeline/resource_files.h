// What a resource looks like in Git besides its manifest: its metadata file under
// .gitops-api/resources/ (from which the index is rebuilt), and the commit message of a job.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "core/result.h"
#include "index/resource_index.h"

namespace gitops::pipeline {

using Json = nlohmann::ordered_json;

// Root of the metadata files in every resource repository.
inline constexpr std::string_view kMetadataRoot = ".gitops-api/resources";

// ".gitops-api/resources/<type>/<tenant>/<cluster or _>/<name>.json".
std::string MetadataPath(const index::ResourceKey& key);

// The metadata file's content: a JSON object {name, tenant_id, cluster_id (null when empty),
// flavor, spec, path, resource_type}, indented, with a final newline.
std::string MetadataFileContent(const index::ResourceRecord& record);

// Parses a metadata file back into a record (git_commit, repository and updated_at left
// empty). kInvalidArgument naming `file_path` when it is not such an object or does not
// match its own location (type, tenant, cluster, name).
Result<index::ResourceRecord> ParseMetadataFile(std::string_view file_path,
                                                std::string_view content);

// "Deploy <type> <name> for tenant <tenant>[ in cluster <cluster>]" (or "Delete ..."), a blank
// line, then the trailers "Job-Id: <job_id>" and "Tenant-Id: <tenant>".
std::string CommitMessage(bool is_delete, const index::ResourceKey& key, std::string_view job_id);

// A resource as the read and list jobs report it: {name, tenant_id, cluster_id (null when
// empty), resource_type, flavor, path, git_commit, updated_at, spec}.
Json RecordToJson(const index::ResourceRecord& record);

}  // namespace gitops::pipeline
