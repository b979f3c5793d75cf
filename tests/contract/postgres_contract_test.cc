// Runs the JobStore and ResourceIndex/PendingOps contracts against the PostgreSQL
// implementations, in one fresh migrated database (tables emptied before each test).
#include "contract/job_store_contract.h"
#include "contract/resource_index_contract.h"
#include "index/postgres/postgres_resource_index.h"
#include "jobs/postgres/postgres_job_store.h"
#include "pg_test_server.h"

namespace gitops::contract {
namespace {

// The binary's database, migrated once; each factory call empties the tables it serves.
std::shared_ptr<pg::Pool> PoolWithEmpty(const char* tables) {
  static std::shared_ptr<pg::Pool> pool = pgtest::NewMigratedPool(16);
  auto emptied = pool->Exec(std::string("TRUNCATE ") + tables);
  if (!emptied.ok()) throw std::runtime_error(emptied.error().message);
  return pool;
}

INSTANTIATE_TEST_SUITE_P(
    Postgres, JobStoreContract,
    ::testing::Values(JobStoreImpl{"postgres_grouped",
                                   [](const Clock& clock) -> std::unique_ptr<jobs::JobStore> {
                                     return std::make_unique<jobs::PostgresJobStore>(
                                         PoolWithEmpty("jobs"), clock);
                                   }},
                      JobStoreImpl{"postgres_one_by_one",
                                   [](const Clock& clock) -> std::unique_ptr<jobs::JobStore> {
                                     jobs::PostgresJobStoreOptions options;
                                     options.group_commit = false;
                                     return std::make_unique<jobs::PostgresJobStore>(
                                         PoolWithEmpty("jobs"), clock, options);
                                   }}),
    ImplName());

SubmitterUnderTest PostgresSubmitter(const Clock& clock, bool group_commit) {
  auto pool = PoolWithEmpty("jobs, resources, pending_ops");
  jobs::PostgresJobStoreOptions options;
  options.group_commit = group_commit;
  auto store = std::make_shared<jobs::PostgresJobStore>(pool, clock, options);
  auto index = std::make_shared<index::PostgresResourceIndex>(pool);
  return SubmitterUnderTest{store, store, index, index};
}

INSTANTIATE_TEST_SUITE_P(Postgres, SubmitterContract,
                         ::testing::Values(SubmitterImpl{"postgres_grouped",
                                                         [](const Clock& clock) {
                                                           return PostgresSubmitter(
                                                               clock, /*group_commit=*/true);
                                                         }},
                                           SubmitterImpl{"postgres_one_by_one",
                                                         [](const Clock& clock) {
                                                           return PostgresSubmitter(
                                                               clock, /*group_commit=*/false);
                                                         }}),
                         ImplName());

INSTANTIATE_TEST_SUITE_P(Postgres, ResourceIndexContract,
                         ::testing::Values(ResourceIndexImpl{
                             "postgres",
                             [] {
                               auto both = std::make_shared<index::PostgresResourceIndex>(
                                   PoolWithEmpty("resources, pending_ops"));
                               return IndexUnderTest{both, both};
                             }}),
                         ImplName());

}  // namespace
}  // namespace gitops::contract
