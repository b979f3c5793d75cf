// TypeRegistry: the resource types the service serves right now — the configured ones plus
// those added at runtime through POST /api/v1/resource-types. Readers get immutable snapshots,
// so a lookup never blocks on an addition. Added types live either in this process (dev mode:
// a Persist callback keeps them in a file) or in a TypeStore shared by every process
// (production: PostgreSQL), from which types other processes added are read on demand.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string_view>
#include <vector>

#include "config/resource_type.h"
#include "core/result.h"
#include "types/type_store.h"

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

  // Shared mode: `configured` plus the types in `store`, which other processes add to too.
  // Nothing is read here: Find and List read the store when they need to, and Refresh loads
  // it up front. A stored type named like a configured one is ignored (configured wins).
  TypeRegistry(std::vector<config::ResourceTypeConfig> configured,
               std::unique_ptr<TypeStore> store);

  // The type named `name`, or nullptr (also when the shared store could not be asked; Lookup
  // tells that apart). Thread-safe; a known name is found without a lock or any I/O apart
  // from one shared_ptr copy.
  TypePtr Find(std::string_view name) const;

  // As Find, but kNotFound when no process added `name`, and in shared mode the store's error
  // (kUnavailable, kInternal) when a name not known here could not be looked up. A type found
  // in the store is kept in this registry's snapshot, so it is asked for once.
  Result<TypePtr> Lookup(std::string_view name) const;

  // Every type: configured ones in file order, then added ones in order of addition. In shared
  // mode it first reloads the store (one query), and falls back to the types known here when
  // the store cannot be read. Thread-safe.
  std::vector<TypePtr> List() const;

  // Shared mode: reads every stored type into the snapshot. The store's error when it cannot
  // be read (the snapshot is then unchanged). Dev mode: does nothing. Thread-safe.
  Status Refresh() const;

  // Adds a type. kAlreadyExists when the name is taken (here, or in the shared store by any
  // process: of two processes adding one name exactly one succeeds); the Persist callback's or
  // the store's error otherwise (nothing becomes visible then). Thread-safe; no lock is held
  // while the shared store is written.
  Status Add(config::ResourceTypeConfig type);

 private:
  struct Snapshot {
    std::vector<TypePtr> all;  // configured ones first, then added ones
    size_t configured = 0;     // all[0, configured) are the configured types
  };
  std::shared_ptr<const Snapshot> Load() const;
  void Publish(std::shared_ptr<const Snapshot> next) const;
  static TypePtr FindIn(const Snapshot& snap, std::string_view name);
  // Shared mode: publishes a snapshot with `type` added unless its name is known by now;
  // returns the registry's type of that name. Takes write_mu_.
  TypePtr Merge(config::ResourceTypeConfig type) const;

  Persist persist_;
  std::unique_ptr<TypeStore> store_;  // shared mode when set
  mutable std::mutex write_mu_;       // serializes snapshot replacements (never held on I/O
                                      // in shared mode)
  mutable std::shared_ptr<const Snapshot> snapshot_;  // accessed with std::atomic_load/store
};

}  // namespace gitops::types
