// Throughput of RedisJobQueue (not a test): 64 threads enqueue N jobs over P partitions, then
// 2 workers (each its own queue, as two processes) lease up to B jobs and complete them.
//   redis_queue_throughput [jobs=20000] [partitions=16] [max_batch=64]
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/ids.h"
#include "jobs/redis/redis_job_queue.h"
#include "redis_test_server.h"

using namespace gitops;

int main(int argc, char** argv) {
  const int jobs = argc > 1 ? std::atoi(argv[1]) : 20000;
  const int partitions = argc > 2 ? std::atoi(argv[2]) : 16;
  const size_t max_batch = argc > 3 ? static_cast<size_t>(std::atoi(argv[3])) : 64;
  constexpr int kProducers = 64, kWorkers = 2;

  // REDIS_TEST_URL, or a private server stopped when this tool ends (no gtest environment here).
  std::optional<redistest::PrivateServer> server;
  jobs::RedisJobQueueOptions options;
  if (const char* url = std::getenv("REDIS_TEST_URL"); url != nullptr && *url != '\0') {
    options.url = url;
  } else {
    server.emplace();
    options.url = server->url();
  }
  options.key_prefix = "gitops-bench:" + NewUuid() + ":";
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

  // Latency of a job enqueued to an idle system: a worker blocked in Lease, one Enqueue.
  std::vector<double> latencies_ms;
  {
    auto worker_queue = jobs::RedisJobQueue::Create(options);
    if (!worker_queue.ok()) return 1;
    for (int i = 0; i < 200; ++i) {
      std::atomic<bool> got{false};
      std::chrono::steady_clock::time_point sent;
      std::thread worker([&] {
        auto leased = (*worker_queue)->Lease(1, std::chrono::seconds(10));
        auto now = std::chrono::steady_clock::now();
        if (leased.ok() && leased->has_value()) {
          got = true;
          latencies_ms.push_back(std::chrono::duration<double, std::milli>(now - sent).count());
          (void)(*worker_queue)->Complete(**leased, 1);
        }
      });
      std::this_thread::sleep_for(
          std::chrono::milliseconds(2));  // let it block (a tool, not a test)
      sent = std::chrono::steady_clock::now();
      (void)(*producer_queue)->Enqueue("idle", "idle-" + std::to_string(i));
      worker.join();
    }
  }
  std::sort(latencies_ms.begin(), latencies_ms.end());

  std::printf("enqueue: %d jobs, %d threads, %d partitions: %.0f/s (%d failed)\n", jobs, kProducers,
              partitions, jobs / enqueue_s, failed.load());
  std::printf(
      "lease+complete: %d jobs, %d workers, max_batch %zu: %.0f jobs/s, %d batches "
      "(%.1f jobs/batch)\n",
      done.load(), kWorkers, max_batch, done.load() / lease_s, batches.load(),
      batches.load() ? static_cast<double>(done.load()) / batches.load() : 0.0);
  if (!latencies_ms.empty()) {
    std::printf(
        "idle enqueue -> lease: p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms "
        "(%zu samples)\n",
        latencies_ms[latencies_ms.size() / 2], latencies_ms[latencies_ms.size() * 9 / 10],
        latencies_ms[latencies_ms.size() * 99 / 100], latencies_ms.back(), latencies_ms.size());
  }
  return failed.load() == 0 && done.load() == jobs ? 0 : 1;
}
