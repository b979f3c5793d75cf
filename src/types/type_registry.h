// TypeRegistry: the resource types the service serves right now — the configured ones plus
// those added at runtime through POST /api/v1/resource-types. Readers get immutable snapshots,
// so a lookup never blocks on an addition.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string_view>
#include <vector>

#include "config/resource_type.h"
#include "core/result.h"

namespace gitops::types {

using TypePtr = std::shared_ptr<const config::ResourceTypeConfig>;

class TypeRegistry {
 public:
  // Called with every type added at runtime (in order of addition) before the addition becomes
  // visible; an error aborts the addition. The app persists the list under DATA_DIR with it.
  using Persist = std::function<Status(const std::vector<config::ResourceTypeConfig>& added)>;

  // `configured`: the types of resource_configs.yaml; `added`: types added at runtime earlier
  // (read back from DATA_DIR at start). A name in both keeps the configured one.
  explicit TypeRegistry(std::vector<config::ResourceTypeConfig> configured,
                        std::vector<config::ResourceTypeConfig> added = {},
                        Persist persist = nullptr);

  // The type named `name`, or nullptr. Thread-safe, lock-free for readers apart from one
  // shared_ptr copy.
  TypePtr Find(std::string_view name) const;

  // Every type: configured ones in file order, then added ones in order of addition.
  std::vector<TypePtr> List() const;

  // Adds a type. kAlreadyExists when the name is taken; the Persist callback's error
  // otherwise. Thread-safe (additions are serialized).
  Status Add(config::ResourceTypeConfig type);

 private:
  struct Snapshot {
    std::vector<TypePtr> all;
    std::vector<config::ResourceTypeConfig> added;
  };
  std::shared_ptr<const Snapshot> Load() const;

  Persist persist_;
  std::mutex write_mu_;
  std::shared_ptr<const Snapshot> snapshot_;  // accessed with std::atomic_load/store
};

}  // namespace gitops::types
