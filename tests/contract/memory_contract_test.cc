// Runs the seam contracts against the in-memory implementations of dev mode.
#include "contract/job_queue_contract.h"
#include "contract/job_store_contract.h"
#include "contract/resource_index_contract.h"
#include "index/memory/memory_resource_index.h"
#include "jobs/memory/memory_job_queue.h"
#include "jobs/memory/memory_job_store.h"
#include "jobs/submitter.h"

namespace gitops::contract {
namespace {

INSTANTIATE_TEST_SUITE_P(Memory, JobStoreContract,
                         ::testing::Values(JobStoreImpl{
                             "memory",
                             [](const Clock& clock) -> std::unique_ptr<jobs::JobStore> {
                               return std::make_unique<jobs::MemoryJobStore>(clock);
                             }}),
                         ImplName());

INSTANTIATE_TEST_SUITE_P(Memory, SubmitterContract,
                         ::testing::Values(SubmitterImpl{
                             "memory",
                             [](const Clock& clock) {
                               auto store = std::make_shared<jobs::MemoryJobStore>(clock);
                               auto index = std::make_shared<index::MemoryResourceIndex>();
                               auto submitter =
                                   std::make_shared<jobs::SeparateSubmitter>(*store, *index);
                               return SubmitterUnderTest{store, submitter, index, index};
                             }}),
                         ImplName());

INSTANTIATE_TEST_SUITE_P(Memory, JobQueueContract,
                         ::testing::Values(JobQueueImpl{
                             "memory",
                             []() -> std::unique_ptr<jobs::JobQueue> {
                               return std::make_unique<jobs::MemoryJobQueue>();
                             }}),
                         ImplName());

INSTANTIATE_TEST_SUITE_P(Memory, ResourceIndexContract,
                         ::testing::Values(ResourceIndexImpl{
                             "memory",
                             [] {
                               auto both = std::make_shared<index::MemoryResourceIndex>();
                               return IndexUnderTest{both, both};
                             }}),
                         ImplName());

}  // namespace
}  // namespace gitops::contract
