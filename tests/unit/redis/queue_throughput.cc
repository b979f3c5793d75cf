// Throughput of RedisJobQueue (not a test): 64 threads enqueue N jobs over P partitions, then
// 2 workers (each its own queue, as two processes) lease up to B jobs and complete them.
//   redis_queue_throughput [jobs=20000] [partitions=16] [max_batch=64]
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "jobs/redis/redis_job_queue.h"
#include "redis_test_server.h"

using namespace gitops;

int main(int argc, char** argv) {
  const int jobs = argc > 1 ? std::atoi(argv[1]) : 20000;
  const int partitions = argc > 2 ? std::atoi(argv[2]) : 16;
  const size_t max_batch = argc > 3 ? static_cast<size_t>(std::atoi(argv[3])) : 64;
  constexpr int kProducers = 64, kWorkers = 2;

  jobs::RedisJobQueueOptions options;
  options.url = redistest::SharedUrl();
  options.key_prefix = redistest::NewPrefix();
  options.max_connections = 16;
  auto producer_queue = jobs::RedisJobQueue::Create(options);
  if (!producer_queue.ok()) {
    std::fprintf(stderr, "%s\n", producer_queue.error().message.c_str());
    return 1;
  }

  std::atomic<int> next{0}, failed{0};
  auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> producers;
  for (int t = 0; t < kProducers; ++t) {
    producers.emplace_back([&] {
      for (int i = next++; i < jobs; i = next++) {
        std::string partition = "repo-" + std::to_string(i % partitions);
        if (!(*producer_queue)->Enqueue(partition, "job-" + std::to_string(i)).ok()) ++failed;
      }
    });
  }
  for (auto& t : producers) t.join();
  double enqueue_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  std::atomic<int> done{0}, batches{0};
  start = std::chrono::steady_clock::now();
  std::vector<std::thread> workers;
  for (int w = 0; w < kWorkers; ++w) {
    workers.emplace_back([&] {
      auto queue = jobs::RedisJobQueue::Create(options);
      if (!queue.ok()) return;
      while (done.load() < jobs - failed.load()) {
        auto leased = (*queue)->Lease(max_batch, std::chrono::milliseconds(100));
        if (!leased.ok()) {
          std::fprintf(stderr, "lease: %s\n", leased.error().message.c_str());
          return;
        }
        if (!leased->has_value()) continue;
        const jobs::Batch& batch = **leased;
        if (!(*queue)->Complete(batch, batch.job_ids.size()).ok()) return;
        done += static_cast<int>(batch.job_ids.size());
        ++batches;
      }
    });
  }
  for (auto& t : workers) t.join();
  double lease_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  std::printf("enqueue: %d jobs, %d threads, %d partitions: %.0f/s (%d failed)\n", jobs, kProducers,
              partitions, jobs / enqueue_s, failed.load());
  std::printf(
      "lease+complete: %d jobs, %d workers, max_batch %zu: %.0f jobs/s, %d batches "
      "(%.1f jobs/batch)\n",
      done.load(), kWorkers, max_batch, done.load() / lease_s, batches.load(),
      batches.load() ? static_cast<double>(done.load()) / batches.load() : 0.0);
  return failed.load() == 0 && done.load() == jobs ? 0 : 1;
}
