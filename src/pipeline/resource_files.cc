// Metadata files and commit messages: see resource_files.h.
#include "pipeline/resource_files.h"

#include <exception>

#include "core/clock.h"

namespace gitops::pipeline {

namespace {

Json OrNull(const std::string& s) { return s.empty() ? Json(nullptr) : Json(s); }

}  // namespace

std::string MetadataPath(const index::ResourceKey& key) {
  std::string path(kMetadataRoot);
  path.append("/").append(key.resource_type).append("/").append(key.tenant_id).append("/");
  path.append(key.cluster_id.empty() ? "_" : key.cluster_id).append("/");
  path.append(key.name).append(".json");
  return path;
}

std::string MetadataFileContent(const index::ResourceRecord& record) {
  Json doc = Json::object();
  doc["name"] = record.name;
  doc["tenant_id"] = record.tenant_id;
  doc["cluster_id"] = OrNull(record.cluster_id);
  doc["flavor"] = record.flavor;
  doc["spec"] = record.spec.is_object() ? record.spec : Json::object();
  doc["path"] = record.path;
  doc["resource_type"] = record.resource_type;
  return doc.dump(2) + "\n";
}

Result<index::ResourceRecord> ParseMetadataFile(std::string_view file_path,
                                                std::string_view content) {
  auto bad = [&](const std::string& why) {
    return Unexpected(ErrorCode::kInvalidArgument,
                      "resource metadata file " + std::string(file_path) + ": " + why);
  };
  Json doc;
  try {
    doc = Json::parse(content);
  } catch (const std::exception& e) {
    return bad(std::string("not JSON: ") + e.what());
  }
  if (!doc.is_object()) return bad("not a JSON object");
  auto text = [&](const char* key, bool nullable, std::string& out) -> bool {
    auto it = doc.find(key);
    if (it == doc.end() || it->is_null()) return nullable;
    if (!it->is_string()) return false;
    out = it->get<std::string>();
    return nullable || !out.empty();
  };
  index::ResourceRecord record;
  if (!text("name", false, record.name)) return bad("\"name\" must be a non-empty string");
  if (!text("tenant_id", false, record.tenant_id)) {
    return bad("\"tenant_id\" must be a non-empty string");
  }
  if (!text("cluster_id", true, record.cluster_id)) return bad("\"cluster_id\" must be a string");
  if (!text("flavor", true, record.flavor)) return bad("\"flavor\" must be a string");
  if (!text("path", false, record.path)) return bad("\"path\" must be a non-empty string");
  if (!text("resource_type", false, record.resource_type)) {
    return bad("\"resource_type\" must be a non-empty string");
  }
  auto spec = doc.find("spec");
  if (spec != doc.end() && !spec->is_null()) {
    if (!spec->is_object()) return bad("\"spec\" must be an object");
    record.spec = *spec;
  }
  if (MetadataPath(record.Key()) != file_path) {
    return bad("its content names " + MetadataPath(record.Key()) + ", not this file");
  }
  return record;
}

std::string CommitMessage(bool is_delete, const index::ResourceKey& key, std::string_view job_id) {
  std::string message = is_delete ? "Delete " : "Deploy ";
  message.append(key.resource_type).append(" ").append(key.name);
  message.append(" for tenant ").append(key.tenant_id);
  if (!key.cluster_id.empty()) message.append(" in cluster ").append(key.cluster_id);
  message.append("\n\nJob-Id: ").append(job_id);
  message.append("\nTenant-Id: ").append(key.tenant_id).append("\n");
  return message;
}

Json RecordToJson(const index::ResourceRecord& record) {
  Json out = Json::object();
  out["name"] = record.name;
  out["tenant_id"] = record.tenant_id;
  out["cluster_id"] = OrNull(record.cluster_id);
  out["resource_type"] = record.resource_type;
  out["flavor"] = record.flavor;
  out["path"] = record.path;
  out["git_commit"] = record.git_commit;
  out["updated_at"] = FormatIso8601(record.updated_at);
  out["spec"] = record.spec.is_object() ? record.spec : Json::object();
  return out;
}

}  // namespace gitops::pipeline
