// Runs the DeliveryStore contract against PostgresDeliveryStore, in one fresh migrated database
// for the binary (pgtest: PG_TEST_DSN's server, or a throwaway one this binary starts), with
// the table emptied before each test.
#include <stdexcept>

#include "contract/delivery_store_contract.h"
#include "pg_test_server.h"
#include "webhook/postgres/postgres_delivery_store.h"

namespace gitops::contract {
namespace {

// The binary's database, migrated once; emptied for every new store.
std::shared_ptr<pg::Pool> EmptyDeliveriesPool() {
  static std::shared_ptr<pg::Pool> pool = pgtest::NewMigratedPool(16);
  auto emptied = pool->Exec("TRUNCATE webhook_deliveries");
  if (!emptied.ok()) throw std::runtime_error(emptied.error().message);
  return pool;
}

INSTANTIATE_TEST_SUITE_P(Postgres, DeliveryStoreContract,
                         ::testing::Values(DeliveryStoreImpl{
                             "postgres",
                             []() -> std::unique_ptr<webhook::DeliveryStore> {
                               return std::make_unique<webhook::PostgresDeliveryStore>(
                                   EmptyDeliveriesPool());
                             }}),
                         DeliveryImplName());

}  // namespace
}  // namespace gitops::contract
