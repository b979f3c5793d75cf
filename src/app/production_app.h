// ProductionApp: the composition root of production mode (DEV_MODE=false): jobs and the
// resource index in PostgreSQL, dispatch through Redis Streams, remote Git with credentials.
// One binary, two roles that scale out independently: `serve` (stateless HTTP API replicas)
// and `worker` (writer-leased pipeline workers plus a sweeper that re-dispatches jobs whose
// dispatch was lost). Also the writer-lease parts the worker is made of, public for tests.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "config/config.h"
#include "core/clock.h"
#include "core/result.h"
#include "jobs/job_queue.h"
#include "jobs/lease.h"
#include "jobs/worker_pool.h"

namespace gitops::pg {
class Pool;
}  // namespace gitops::pg

namespace gitops::app {

// Holds this process's writer leases (one per partition it is applying now), renews them in
// the background and answers the pipeline's fencing check. Thread-safe.
class LeaseKeeper final : public jobs::RepositoryGuard {
 public:
  // `leases` outlives the keeper. `renew_interval` 0: no renewal thread (call RenewAll).
  LeaseKeeper(jobs::RepositoryLeases& leases, std::string holder,
              std::chrono::milliseconds renew_interval);
  ~LeaseKeeper() override;
  LeaseKeeper(const LeaseKeeper&) = delete;
  LeaseKeeper& operator=(const LeaseKeeper&) = delete;

  // Acquires `partition`'s lease for this holder. kAborted when another holder has it,
  // kUnavailable when the lease store is down, kFailedPrecondition when this keeper already
  // holds it (one batch per partition at a time).
  Status Take(const std::string& partition);
  // Releases `partition`'s lease (if held). Never fails: an unreleased lease just expires.
  void Drop(const std::string& partition);
  // Renews every held lease once; a lease that was replaced is forgotten (so CheckWriter
  // refuses at once). Called by the renewal thread.
  void RenewAll();
  // RepositoryGuard: OK while this keeper holds `partition`'s current, unexpired lease.
  Status CheckWriter(std::string_view partition) override;
  // True while this keeper holds `partition`'s lease (as far as it knows).
  bool Holds(const std::string& partition);

  const std::string& holder() const { return holder_; }

 private:
  void RenewLoop(std::chrono::milliseconds interval);

  jobs::RepositoryLeases& leases_;
  const std::string holder_;
  std::mutex mu_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
  std::map<std::string, jobs::WriterLease, std::less<>> held_;
  std::thread renew_thread_;
};

struct LeasedBatchHandlerOptions {
  // Pause before handing back a batch whose writer lease is held elsewhere or cannot be taken
  // (PostgreSQL down): the queue re-delivers it, so this keeps the retry from spinning.
  std::chrono::milliseconds busy_pause{200};
  // Keep the writer lease after a batch, until the worker pool gives the partition up
  // (PartitionReleased), so consecutive batches of one partition (JobQueue::Continue) cost no
  // lease round trips. false: release it after every batch.
  bool keep_between_batches = false;
};

// A BatchHandler that takes the partition's writer lease around the inner handler: a batch
// whose lease cannot be taken is handed back undone (0), after a pause that Stop() cuts short.
// A job id listed more than once in a batch (re-dispatched by the sweeper while its first
// entry was still queued) is passed to the inner handler once; its copies count as done when
// the first one is.
class LeasedBatchHandler final : public jobs::BatchHandler {
 public:
  // `keeper` and `inner` outlive this handler.
  LeasedBatchHandler(LeaseKeeper& keeper, jobs::BatchHandler& inner,
                     LeasedBatchHandlerOptions options = {});
  // Takes the partition's writer lease unless this thread kept it from its previous batch of
  // the partition (keep_between_batches), then runs `inner`; releases the lease after the
  // batch unless keep_between_batches.
  size_t Handle(const jobs::Batch& batch) override;
  // Releases the writer lease this thread kept for `partition` (keep_between_batches).
  void PartitionReleased(const std::string& partition) override;
  // Ends pauses now and makes later ones return at once (shutdown). Thread-safe.
  void Stop();

 private:
  LeaseKeeper& keeper_;
  jobs::BatchHandler& inner_;
  const LeasedBatchHandlerOptions options_;
  std::mutex mu_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
  std::map<std::string, std::thread::id> kept_;  // partition -> thread that took its lease
};

// A JobQueue for the API: a failed Enqueue is logged and reported as OK, because the job is
// already durable in PostgreSQL and the sweeper dispatches it once Redis answers again. Lease,
// Complete and Close pass through.
class SweptDispatchQueue final : public jobs::JobQueue {
 public:
  explicit SweptDispatchQueue(jobs::JobQueue& inner) : inner_(inner) {}
  Status Enqueue(std::string_view partition, std::string_view job_id) override;
  Status EnqueueMany(const std::vector<std::pair<std::string, std::string>>& jobs) override;
  Result<std::optional<jobs::Batch>> Lease(size_t max_batch,
                                           std::chrono::milliseconds wait) override {
    return inner_.Lease(max_batch, wait);
  }
  Status Complete(const jobs::Batch& batch, size_t acked) override {
    return inner_.Complete(batch, acked);
  }
  void Close() override { inner_.Close(); }

 private:
  jobs::JobQueue& inner_;
};

struct SweeperOptions {
  std::chrono::milliseconds interval{5000};  // between sweeps
  // A job still `submitted` this long after its creation (or `in_progress` this long after
  // its last change) is enqueued again; each job at most once per `age` per process.
  std::chrono::milliseconds age{30000};
  size_t max_jobs = 1000;  // per sweep
};

// Re-dispatches jobs whose dispatch was lost (Redis down at submission, restarted without
// persistence, a worker's entry gone): jobs that stayed submitted or in_progress too long are
// enqueued again. One sweeper at a time across processes (a lease on "~sweeper"). Duplicates
// are harmless: the pipeline skips terminal jobs and checks Job-Id trailers.
class Sweeper {
 public:
  // Every reference outlives the sweeper.
  Sweeper(pg::Pool& pool, jobs::JobQueue& queue, LeaseKeeper& keeper, const Clock& clock,
          SweeperOptions options);
  ~Sweeper();
  Sweeper(const Sweeper&) = delete;
  Sweeper& operator=(const Sweeper&) = delete;

  // One sweep now: how many jobs were enqueued again (0 when another process is sweeping).
  // kUnavailable when PostgreSQL is down.
  Result<size_t> SweepOnce();
  // Sweeps every interval on a thread until Stop. Idempotent.
  void Start();
  void Stop();

 private:
  void Loop();

  pg::Pool& pool_;
  jobs::JobQueue& queue_;
  LeaseKeeper& keeper_;
  const Clock& clock_;
  const SweeperOptions options_;
  std::map<std::string, std::chrono::steady_clock::time_point> recently_;  // job -> enqueued
  std::mutex mu_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
  std::thread thread_;
};

struct ProductionOptions {
  bool http = true;            // serve the API (the `serve` role)
  std::string host = "0.0.0.0";
  int http_threads = 2;
  size_t worker_threads = 0;   // 0: no workers (serve without --with-workers)
  std::filesystem::path swagger_dir;  // empty: FindSwaggerDir()
  std::chrono::milliseconds lease_ttl{30000};  // writer leases (PostgreSQL) and queue leases
  SweeperOptions sweeper;      // runs where workers run
  // SIGTERM: how long running batches may take to finish before the process gives up on them.
  std::chrono::milliseconds stop_grace{30000};
};

class ProductionApp {
 public:
  // Connects to PostgreSQL (DATABASE_URL) and Redis (REDIS_URL) and checks the schema is
  // migrated. kUnavailable with one line naming the dependency (never a password) when one
  // cannot be reached; kFailedPrecondition when the schema is behind this binary (run
  // `gitops-api migrate`) or the configuration is dev mode.
  static Result<std::unique_ptr<ProductionApp>> Create(config::Config config,
                                                       ProductionOptions options,
                                                       const Clock& clock);
  ~ProductionApp();

  // Starts the workers and sweeper (when worker_threads > 0), then the HTTP server.
  Status Start();
  // The bound HTTP port (after Start; 0 without HTTP).
  uint16_t port() const;
  // Stops accepting requests and leases, lets running batches finish (up to stop_grace).
  // kDeadlineExceeded when some batch was still running. Idempotent.
  Status Stop();

 private:
  struct Parts;
  explicit ProductionApp(std::unique_ptr<Parts> parts);
  std::unique_ptr<Parts> parts_;
};

// "host-pid": who holds a writer lease, for operators.
std::string ProcessIdentity();

}  // namespace gitops::app
