// Runs the JobQueue contract against RedisJobQueue: every queue under its own new key prefix
// on the shared test Redis (REDIS_TEST_URL, or a throwaway server this binary starts).
#include "contract/job_queue_contract.h"
#include "jobs/redis/redis_job_queue.h"
#include "redis_test_server.h"

namespace gitops::contract {
namespace {

INSTANTIATE_TEST_SUITE_P(
    Redis, JobQueueContract,
    ::testing::Values(JobQueueImpl{"redis",
                                   []() -> std::unique_ptr<jobs::JobQueue> {
                                     jobs::RedisJobQueueOptions options;
                                     options.url = redistest::SharedUrl();
                                     options.key_prefix = redistest::NewPrefix();
                                     auto queue = jobs::RedisJobQueue::Create(options);
                                     if (!queue.ok())
                                       throw std::runtime_error(queue.error().message);
                                     return std::move(*queue);
                                   }}),
    [](const ::testing::TestParamInfo<JobQueueImpl>& info) { return info.param.name; });

}  // namespace
}  // namespace gitops::contract
