// Runs the DeliveryStore contract against the in-memory store of dev mode.
#include "contract/delivery_store_contract.h"
#include "webhook/memory/memory_delivery_store.h"

namespace gitops::contract {
namespace {

INSTANTIATE_TEST_SUITE_P(Memory, DeliveryStoreContract,
                         ::testing::Values(DeliveryStoreImpl{
                             "memory",
                             []() -> std::unique_ptr<webhook::DeliveryStore> {
                               return std::make_unique<webhook::MemoryDeliveryStore>();
                             }}),
                         DeliveryImplName());

}  // namespace
}  // namespace gitops::contract
