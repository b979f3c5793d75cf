// MemoryTypeStore: a TypeStore in one process's memory (tests, and registries in one process
// sharing their added types).
#pragma once

#include <mutex>
#include <optional>
#include <string_view>
#include <vector>

#include "types/type_store.h"

namespace gitops::types {

class MemoryTypeStore final : public TypeStore {
 public:
  // TypeStore; see type_store.h. Never kUnavailable; thread-safe (one mutex per call).
  Status Add(const config::ResourceTypeConfig& type) override;
  Result<std::vector<config::ResourceTypeConfig>> LoadAll() override;
  Result<std::optional<config::ResourceTypeConfig>> Load(std::string_view name) override;

 private:
  std::mutex mu_;
  std::vector<config::ResourceTypeConfig> types_;  // in order of addition
};

}  // namespace gitops::types
