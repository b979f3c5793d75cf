// TypeStore: where resource types added at runtime are kept when several processes share them
// (production: every `serve` replica and `worker` reads the same PostgreSQL table). The seam
// TypeRegistry reads and writes through; MemoryTypeStore is its in-memory twin.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "config/resource_type.h"
#include "core/result.h"

namespace gitops::types {

class TypeStore {
 public:
  virtual ~TypeStore() = default;

  // Stores `type` after every type stored before it. kAlreadyExists when its name is taken
  // (of two processes adding one name at once exactly one succeeds); kUnavailable when the
  // backend cannot be reached. Thread-safe.
  virtual Status Add(const config::ResourceTypeConfig& type) = 0;

  // Every stored type, in order of addition. kUnavailable when the backend cannot be reached;
  // kInternal when a stored type no longer parses (naming it). Thread-safe.
  virtual Result<std::vector<config::ResourceTypeConfig>> LoadAll() = 0;

  // The stored type named `name`, or nullopt. Errors as LoadAll. Thread-safe.
  virtual Result<std::optional<config::ResourceTypeConfig>> Load(std::string_view name) = 0;
};

}  // namespace gitops::types
