// Measures accepted submissions/s into PostgresJobStore::Create from many threads, with and
// without group commit, against a durable PostgreSQL (fsync and synchronous_commit on).
//   pg_create_throughput [threads=64] [seconds=5] [pool=16] [inflight_batches=2]
// Uses PG_BENCH_DSN when set, else starts a private durable server (PG_TEST_DURABLE=1).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <latch>
#include <string>
#include <thread>
#include <vector>

#include "core/ids.h"
#include "jobs/postgres/postgres_job_store.h"
#include "pg/migrate.h"
#include "pg_test_server.h"

namespace gitops {
namespace {

struct Figures {
  double per_second = 0;
  double p50_ms = 0, p99_ms = 0;
  long failures = 0;
};

Figures Run(const std::string& dsn, bool grouped, int threads, int seconds, size_t pool_size,
            size_t inflight) {
  auto pool = std::make_shared<pg::Pool>(pg::PoolOptions{dsn, pool_size});
  (void)pool->Exec("TRUNCATE jobs");
  SystemClock clock;
  jobs::PostgresJobStoreOptions options;
  options.group_commit = grouped;
  options.max_inflight_batches = inflight;
  jobs::PostgresJobStore store(pool, clock, options);
  std::atomic<bool> stop{false};
  std::atomic<long> failures{0};
  std::vector<std::vector<double>> latencies(threads);
  std::latch start(threads + 1);
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      start.arrive_and_wait();
      while (!stop.load(std::memory_order_relaxed)) {
        jobs::Job job;
        job.job_id = NewUuid();
        job.tenant_id = "tenant" + std::to_string(t % 8);
        job.cluster_id = "cluster-a";
        job.resource_type = "namespace";
        job.resource_name = "ns-" + job.job_id.substr(0, 8);
        job.flavor = "small";
        job.spec = {{"cpu", "2"}, {"memory", "4Gi"}};
        job.logs = {"Job submitted"};
        job.partition = "namespace";
        auto begin = std::chrono::steady_clock::now();
        if (!store.Create(std::move(job)).ok()) ++failures;
        latencies[t].push_back(
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - begin)
                .count());
      }
    });
  }
  start.arrive_and_wait();
  auto began = std::chrono::steady_clock::now();
  std::this_thread::sleep_for(std::chrono::seconds(seconds));
  stop = true;
  for (auto& w : workers) w.join();
  double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
  std::vector<double> all;
  for (auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  std::sort(all.begin(), all.end());
  Figures f;
  f.failures = failures.load();
  f.per_second = (all.size() - f.failures) / elapsed;
  if (!all.empty()) {
    f.p50_ms = all[all.size() / 2];
    f.p99_ms = all[std::min(all.size() - 1, all.size() * 99 / 100)];
  }
  return f;
}

int Main(int argc, char** argv) {
  int threads = argc > 1 ? std::atoi(argv[1]) : 64;
  int seconds = argc > 2 ? std::atoi(argv[2]) : 5;
  size_t pool_size = argc > 3 ? std::atoi(argv[3]) : 16;
  size_t inflight = argc > 4 ? std::atoi(argv[4]) : 2;
  std::unique_ptr<pgtest::PrivateServer> server;
  std::string dsn;
  if (const char* env = std::getenv("PG_BENCH_DSN")) {
    dsn = env;
  } else {
    setenv("PG_TEST_DURABLE", "1", 1);
    server = std::make_unique<pgtest::PrivateServer>();
    dsn = server->dsn();
  }
  pg::Pool admin({dsn, 1});
  if (auto s = pg::Migrate(admin, pg::EmbeddedMigrations()); !s.ok()) {
    std::fprintf(stderr, "migrate: %s\n", s.error().message.c_str());
    return 1;
  }
  auto settings =
      admin.Exec("SELECT current_setting('fsync'), current_setting('synchronous_commit')");
  std::printf("fsync=%s synchronous_commit=%s threads=%d seconds=%d pool=%zu inflight=%zu\n",
              std::string(settings->Text(0, 0)).c_str(), std::string(settings->Text(0, 1)).c_str(),
              threads, seconds, pool_size, inflight);
  for (bool grouped : {true, false}) {
    Figures f = Run(dsn, grouped, threads, seconds, pool_size, inflight);
    std::printf("%-22s %9.0f creates/s  p50 %6.2f ms  p99 %6.2f ms  failures %ld\n",
                grouped ? "group commit" : "one commit per create", f.per_second, f.p50_ms,
                f.p99_ms, f.failures);
  }
  return 0;
}

}  // namespace
}  // namespace gitops

int main(int argc, char** argv) { return gitops::Main(argc, argv); }
