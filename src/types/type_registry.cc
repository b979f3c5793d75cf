// TypeRegistry: copy-on-write snapshots of the resource types, optionally backed by a shared
// TypeStore read on a lookup miss and on List.
#include "types/type_registry.h"

#include <atomic>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "config/names.h"

namespace gitops::types {
namespace {

Error AlreadyExists(const std::string& name) {
  return MakeError(ErrorCode::kAlreadyExists, "resource type '" + name + "' already exists",
                   "name");
}

}  // namespace

TypeRegistry::TypeRegistry(std::vector<config::ResourceTypeConfig> configured,
                           std::vector<config::ResourceTypeConfig> added, Persist persist)
    : persist_(std::move(persist)) {
  auto snap = std::make_shared<Snapshot>();
  for (auto& t : configured) snap->all.push_back(std::make_shared<config::ResourceTypeConfig>(t));
  snap->configured = snap->all.size();
  for (auto& t : added) {
    if (FindIn(*snap, t.name)) continue;
    snap->all.push_back(std::make_shared<config::ResourceTypeConfig>(std::move(t)));
  }
  snapshot_ = std::move(snap);
}

TypeRegistry::TypeRegistry(std::vector<config::ResourceTypeConfig> configured,
                           std::unique_ptr<TypeStore> store)
    : TypeRegistry(std::move(configured)) {
  store_ = std::move(store);
}

std::shared_ptr<const TypeRegistry::Snapshot> TypeRegistry::Load() const {
  return std::atomic_load(&snapshot_);
}

void TypeRegistry::Publish(std::shared_ptr<const Snapshot> next) const {
  std::atomic_store(&snapshot_, std::move(next));
}

TypePtr TypeRegistry::FindIn(const Snapshot& snap, std::string_view name) {
  for (const auto& t : snap.all) {
    if (t->name == name) return t;
  }
  return nullptr;
}

TypePtr TypeRegistry::Find(std::string_view name) const {
  auto found = Lookup(name);
  return found.ok() ? *found : nullptr;
}

Result<TypePtr> TypeRegistry::Lookup(std::string_view name) const {
  if (TypePtr known = FindIn(*Load(), name)) return known;
  auto not_found = [&] {
    return Unexpected(ErrorCode::kNotFound, "unknown resource type '" + std::string(name) + "'",
                      "name");
  };
  // A name no type can have is not worth a round trip (clients send any path segment).
  if (!store_ || !config::IsDnsLabel(name)) return not_found();
  // Another process may have added it since this registry last looked.
  auto stored = store_->Load(name);
  if (!stored.ok()) return Unexpected(std::move(stored).error());
  if (!stored->has_value()) return not_found();
  return Merge(**std::move(stored));
}

TypePtr TypeRegistry::Merge(config::ResourceTypeConfig type) const {
  std::lock_guard<std::mutex> lock(write_mu_);
  auto current = Load();
  // A configured type of that name, or the same type published by a racing thread, stays.
  if (TypePtr known = FindIn(*current, type.name)) return known;
  auto next = std::make_shared<Snapshot>(*current);
  auto added = std::make_shared<const config::ResourceTypeConfig>(std::move(type));
  next->all.push_back(added);
  Publish(std::move(next));
  return added;
}

std::vector<TypePtr> TypeRegistry::List() const {
  // On a store failure the types known here are still the best answer.
  if (store_) (void)Refresh();
  return Load()->all;
}

Status TypeRegistry::Refresh() const {
  if (!store_) return OkStatus();
  auto stored = store_->LoadAll();
  if (!stored.ok()) return Unexpected(std::move(stored).error());

  std::lock_guard<std::mutex> lock(write_mu_);
  auto current = Load();
  std::unordered_map<std::string_view, TypePtr> known;
  for (const auto& t : current->all) known.emplace(t->name, t);

  auto next = std::make_shared<Snapshot>();
  next->configured = current->configured;
  next->all.assign(current->all.begin(), current->all.begin() + current->configured);
  // The store's order is the order of addition across processes; types are never removed or
  // changed, so a known one keeps its pointer and the result only grows.
  std::unordered_set<std::string_view> placed;
  for (size_t i = 0; i < next->configured; ++i) placed.insert(next->all[i]->name);
  for (auto& t : *stored) {
    auto it = known.find(t.name);
    TypePtr ptr = it != known.end()
                      ? it->second
                      : std::make_shared<const config::ResourceTypeConfig>(std::move(t));
    if (!placed.insert(ptr->name).second) continue;
    next->all.push_back(std::move(ptr));
  }
  // Types this registry knows that the read did not return (added meanwhile) keep their place
  // after the others.
  for (size_t i = current->configured; i < current->all.size(); ++i) {
    const TypePtr& t = current->all[i];
    if (placed.insert(t->name).second) next->all.push_back(t);
  }
  Publish(std::move(next));
  return OkStatus();
}

Status TypeRegistry::Add(config::ResourceTypeConfig type) {
  if (store_) {
    if (FindIn(*Load(), type.name)) return Unexpected(AlreadyExists(type.name));
    Status stored = store_->Add(type);
    if (!stored.ok()) {
      if (stored.error().code == ErrorCode::kAlreadyExists) {
        return Unexpected(AlreadyExists(type.name));
      }
      return stored;
    }
    Merge(std::move(type));
    return OkStatus();
  }

  std::lock_guard<std::mutex> lock(write_mu_);
  auto current = Load();
  if (FindIn(*current, type.name)) return Unexpected(AlreadyExists(type.name));
  if (persist_) {
    std::vector<config::ResourceTypeConfig> added;
    added.reserve(current->all.size() - current->configured + 1);
    for (size_t i = current->configured; i < current->all.size(); ++i) {
      added.push_back(*current->all[i]);
    }
    added.push_back(type);
    GITOPS_RETURN_IF_ERROR(persist_(added));
  }
  auto next = std::make_shared<Snapshot>(*current);
  next->all.push_back(std::make_shared<const config::ResourceTypeConfig>(std::move(type)));
  Publish(std::move(next));
  return OkStatus();
}

}  // namespace gitops::types
