// MemoryTypeStore: a vector under a mutex.
#include "types/memory/memory_type_store.h"

namespace gitops::types {

Status MemoryTypeStore::Add(const config::ResourceTypeConfig& type) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& t : types_) {
    if (t.name == type.name) {
      return Unexpected(ErrorCode::kAlreadyExists,
                        "resource type '" + type.name + "' already exists", "name");
    }
  }
  types_.push_back(type);
  return OkStatus();
}

Result<std::vector<config::ResourceTypeConfig>> MemoryTypeStore::LoadAll() {
  std::lock_guard<std::mutex> lock(mu_);
  return types_;
}

Result<std::optional<config::ResourceTypeConfig>> MemoryTypeStore::Load(std::string_view name) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& t : types_) {
    if (t.name == name) return std::optional<config::ResourceTypeConfig>(t);
  }
  return std::optional<config::ResourceTypeConfig>();
}

}  // namespace gitops::types
