// Runs the TypeStore contract against MemoryTypeStore (two "processes" share one store through
// a forwarding wrapper).
#include "types/memory/memory_type_store.h"

#include "type_store_contract.h"

namespace gitops::types::contract {
namespace {

// Forwards to a MemoryTypeStore it shares with others.
class SharedMemoryStore final : public TypeStore {
 public:
  explicit SharedMemoryStore(std::shared_ptr<MemoryTypeStore> store) : store_(std::move(store)) {}
  Status Add(const config::ResourceTypeConfig& type) override { return store_->Add(type); }
  Result<std::vector<config::ResourceTypeConfig>> LoadAll() override { return store_->LoadAll(); }
  Result<std::optional<config::ResourceTypeConfig>> Load(std::string_view name) override {
    return store_->Load(name);
  }

 private:
  std::shared_ptr<MemoryTypeStore> store_;
};

INSTANTIATE_TEST_SUITE_P(
    Memory, TypeStoreContract,
    ::testing::Values(TypeStoreImpl{
        "memory", [] { return std::make_unique<MemoryTypeStore>(); },
        [] {
          auto shared = std::make_shared<MemoryTypeStore>();
          return std::make_pair<std::unique_ptr<TypeStore>, std::unique_ptr<TypeStore>>(
              std::make_unique<SharedMemoryStore>(shared),
              std::make_unique<SharedMemoryStore>(shared));
        }}),
    TypeStoreImplName());

}  // namespace
}  // namespace gitops::types::contract
