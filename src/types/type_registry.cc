// TypeRegistry: copy-on-write snapshots of the resource types.
#include "types/type_registry.h"

#include <atomic>

namespace gitops::types {

TypeRegistry::TypeRegistry(std::vector<config::ResourceTypeConfig> configured,
                           std::vector<config::ResourceTypeConfig> added, Persist persist)
    : persist_(std::move(persist)) {
  auto snap = std::make_shared<Snapshot>();
  for (auto& t : configured) snap->all.push_back(std::make_shared<config::ResourceTypeConfig>(t));
  for (auto& t : added) {
    bool taken = false;
    for (const auto& existing : snap->all) taken = taken || existing->name == t.name;
    if (taken) continue;
    snap->all.push_back(std::make_shared<config::ResourceTypeConfig>(t));
    snap->added.push_back(t);
  }
  snapshot_ = std::move(snap);
}

std::shared_ptr<const TypeRegistry::Snapshot> TypeRegistry::Load() const {
  return std::atomic_load(&snapshot_);
}

TypePtr TypeRegistry::Find(std::string_view name) const {
  auto snap = Load();
  for (const auto& t : snap->all) {
    if (t->name == name) return t;
  }
  return nullptr;
}

std::vector<TypePtr> TypeRegistry::List() const { return Load()->all; }

Status TypeRegistry::Add(config::ResourceTypeConfig type) {
  std::lock_guard<std::mutex> lock(write_mu_);
  auto current = Load();
  for (const auto& t : current->all) {
    if (t->name == type.name) {
      return Unexpected(ErrorCode::kAlreadyExists,
                        "resource type '" + type.name + "' already exists", "name");
    }
  }
  auto next = std::make_shared<Snapshot>(*current);
  next->added.push_back(type);
  if (persist_) GITOPS_RETURN_IF_ERROR(persist_(next->added));
  next->all.push_back(std::make_shared<config::ResourceTypeConfig>(std::move(type)));
  std::atomic_store(&snapshot_, std::shared_ptr<const Snapshot>(std::move(next)));
  return OkStatus();
}

}  // namespace gitops::types
