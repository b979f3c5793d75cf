// Composition root of production mode, and the writer-lease parts its workers are made of.
#include "app/production_app.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <utility>

#include "api/api.h"
#include "api/errors.h"
#include "api/manifest_reader.h"
#include "app/wiring.h"
#include "http/router.h"
#include "http/server.h"
#include "index/postgres/postgres_resource_index.h"
#include "jobs/postgres/postgres_job_store.h"
#include "jobs/postgres/postgres_lease_store.h"
#include "jobs/redis/redis_job_queue.h"
#include "pg/migrate.h"
#include "pg/pool.h"
#include "pg/values.h"
#include "pipeline/pipeline_handler.h"
#include "pipeline/repository_set.h"
#include "pipeline/template_source.h"
#include "pipeline/webhook.h"
#include "types/postgres/postgres_type_store.h"
#include "types/type_registry.h"
#include "webhook/postgres/postgres_delivery_store.h"

namespace gitops::app {

std::filesystem::path FindSwaggerDir();  // app.cc

namespace {

constexpr char kSweeperLease[] = "~sweeper";  // not a DNS label: never a resource type's name

// RepositoryLeases on PostgresLeaseStore (the database server's clock judges expiry).
class PostgresRepositoryLeases final : public jobs::RepositoryLeases {
 public:
  PostgresRepositoryLeases(std::shared_ptr<pg::Pool> pool, std::chrono::milliseconds ttl)
      : store_(std::move(pool)), ttl_(ttl) {}

  Result<jobs::WriterLease> Acquire(const std::string& partition,
                                    const std::string& holder) override {
    auto lease = store_.Acquire(partition, holder, ttl_);
    if (!lease.ok()) return std::move(lease).error();
    return jobs::WriterLease{lease->repository, lease->holder, lease->token};
  }
  Status Renew(const jobs::WriterLease& lease) override {
    jobs::Lease l = ToLease(lease);
    return store_.Renew(l);
  }
  Status CheckFencing(const jobs::WriterLease& lease) override {
    return store_.CheckFencing(ToLease(lease));
  }
  Status Release(const jobs::WriterLease& lease) override {
    return store_.Release(ToLease(lease));
  }

 private:
  jobs::Lease ToLease(const jobs::WriterLease& w) const {
    return jobs::Lease{w.partition, w.holder, w.token, ttl_, {}};
  }
  jobs::PostgresLeaseStore store_;
  const std::chrono::milliseconds ttl_;
};

Error Unreachable(std::string_view what, const Error& error) {
  return MakeError(ErrorCode::kUnavailable, std::string(what) + ": " + error.message);
}

}  // namespace

std::string ProcessIdentity() {
  char host[256] = {0};
  if (gethostname(host, sizeof(host) - 1) != 0) host[0] = '\0';
  return std::string(host[0] ? host : "worker") + "-" + std::to_string(getpid());
}

// ---------------------------------------------------------------------------------------------
// LeaseKeeper

LeaseKeeper::LeaseKeeper(jobs::RepositoryLeases& leases, std::string holder,
                         std::chrono::milliseconds renew_interval)
    : leases_(leases), holder_(std::move(holder)) {
  if (renew_interval.count() > 0) {
    renew_thread_ = std::thread([this, renew_interval] { RenewLoop(renew_interval); });
  }
}

LeaseKeeper::~LeaseKeeper() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  if (renew_thread_.joinable()) renew_thread_.join();
}

Status LeaseKeeper::Take(const std::string& partition) {
  {
    std::lock_guard lock(mu_);
    if (held_.count(partition)) {
      return Unexpected(ErrorCode::kFailedPrecondition,
                        "the lease of " + partition + " is already held by this process");
    }
  }
  auto lease = leases_.Acquire(partition, holder_);
  if (!lease.ok()) return std::move(lease).error();
  std::lock_guard lock(mu_);
  held_[partition] = std::move(*lease);
  return OkStatus();
}

void LeaseKeeper::Drop(const std::string& partition) {
  std::optional<jobs::WriterLease> lease;
  {
    std::lock_guard lock(mu_);
    auto it = held_.find(partition);
    if (it == held_.end()) return;
    lease = std::move(it->second);
    held_.erase(it);
  }
  Status released = leases_.Release(*lease);
  if (!released.ok()) {
    spdlog::warn("writer lease of {} not released (it will expire): {}", partition,
                 released.error().message);
  }
}

void LeaseKeeper::RenewAll() {
  std::vector<jobs::WriterLease> leases;
  {
    std::lock_guard lock(mu_);
    for (const auto& [partition, lease] : held_) leases.push_back(lease);
  }
  for (const jobs::WriterLease& lease : leases) {
    Status renewed = leases_.Renew(lease);
    if (renewed.ok()) continue;
    if (renewed.error().code == ErrorCode::kFailedPrecondition) {
      spdlog::warn("writer lease lost: {}", renewed.error().message);
      std::lock_guard lock(mu_);
      auto it = held_.find(lease.partition);
      if (it != held_.end() && it->second.token == lease.token) held_.erase(it);
    } else {
      // PostgreSQL down: keep trying; CheckWriter will refuse to push meanwhile.
      spdlog::warn("writer lease of {} not renewed: {}", lease.partition,
                   renewed.error().message);
    }
  }
}

Status LeaseKeeper::CheckWriter(std::string_view partition) {
  jobs::WriterLease lease;
  {
    std::lock_guard lock(mu_);
    auto it = held_.find(partition);
    if (it == held_.end()) {
      return Unexpected(ErrorCode::kFailedPrecondition,
                        "this worker no longer holds the writer lease of " +
                            std::string(partition));
    }
    lease = it->second;
  }
  return leases_.CheckFencing(lease);
}

bool LeaseKeeper::Holds(const std::string& partition) {
  std::lock_guard lock(mu_);
  return held_.count(partition) != 0;
}

void LeaseKeeper::RenewLoop(std::chrono::milliseconds interval) {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    if (stop_cv_.wait_for(lock, interval, [this] { return stopping_; })) break;
    lock.unlock();
    RenewAll();
    lock.lock();
  }
}

// ---------------------------------------------------------------------------------------------
// LeasedBatchHandler

LeasedBatchHandler::LeasedBatchHandler(LeaseKeeper& keeper, jobs::BatchHandler& inner,
                                       LeasedBatchHandlerOptions options)
    : keeper_(keeper), inner_(inner), options_(options) {}

size_t LeasedBatchHandler::Handle(const jobs::Batch& batch) {
  bool kept = false;
  {
    std::lock_guard lock(mu_);
    auto it = kept_.find(batch.partition);
    kept = it != kept_.end() && it->second == std::this_thread::get_id();
  }
  // A kept lease the keeper lost (not renewed in time) is taken anew; CheckWriter refuses
  // the push of a batch started before the loss was noticed.
  if (!kept || !keeper_.Holds(batch.partition)) {
    if (kept) PartitionReleased(batch.partition);
    Status taken = keeper_.Take(batch.partition);
    if (!taken.ok()) {
      spdlog::debug("batch of {} handed back: {}", batch.partition, taken.error().message);
      std::unique_lock lock(mu_);
      stop_cv_.wait_for(lock, options_.busy_pause, [this] { return stopping_; });
      return 0;
    }
    std::lock_guard lock(mu_);
    kept_[batch.partition] = std::this_thread::get_id();
  }
  // A job listed twice (a sweeper's duplicate next to its original entry) is handled once:
  // the pipeline would otherwise see its own earlier, not yet pushed write as someone else's.
  jobs::Batch unique = batch;
  unique.job_ids.clear();
  std::map<std::string_view, size_t> first;  // job id -> index in unique.job_ids
  std::vector<size_t> slot(batch.job_ids.size());
  for (size_t i = 0; i < batch.job_ids.size(); ++i) {
    auto [it, inserted] = first.emplace(batch.job_ids[i], unique.job_ids.size());
    if (inserted) unique.job_ids.push_back(batch.job_ids[i]);
    slot[i] = it->second;
  }
  size_t done_unique = inner_.Handle(unique);
  if (!options_.keep_between_batches) PartitionReleased(batch.partition);
  size_t done = 0;
  while (done < slot.size() && slot[done] < done_unique) ++done;
  return done;
}

void LeasedBatchHandler::PartitionReleased(const std::string& partition) {
  {
    std::lock_guard lock(mu_);
    auto it = kept_.find(partition);
    if (it == kept_.end() || it->second != std::this_thread::get_id()) return;
    kept_.erase(it);
  }
  keeper_.Drop(partition);
}

void LeasedBatchHandler::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
}

// ---------------------------------------------------------------------------------------------
// SweptDispatchQueue

Status SweptDispatchQueue::Enqueue(std::string_view partition, std::string_view job_id) {
  Status enqueued = inner_.Enqueue(partition, job_id);
  if (!enqueued.ok()) {
    spdlog::warn("job {} stored; its dispatch is left to the sweeper: {}", job_id,
                 enqueued.error().message);
  }
  return OkStatus();
}

Status SweptDispatchQueue::EnqueueMany(
    const std::vector<std::pair<std::string, std::string>>& jobs) {
  Status enqueued = inner_.EnqueueMany(jobs);
  if (!enqueued.ok()) {
    spdlog::warn("{} jobs stored; their dispatch is left to the sweeper: {}", jobs.size(),
                 enqueued.error().message);
  }
  return OkStatus();
}

// ---------------------------------------------------------------------------------------------
// Sweeper

Sweeper::Sweeper(pg::Pool& pool, jobs::JobQueue& queue, LeaseKeeper& keeper, const Clock& clock,
                 SweeperOptions options)
    : pool_(pool), queue_(queue), keeper_(keeper), clock_(clock), options_(options) {}

Sweeper::~Sweeper() { Stop(); }

Result<size_t> Sweeper::SweepOnce() {
  Status taken = keeper_.Take(kSweeperLease);
  if (!taken.ok()) {
    if (taken.error().code == ErrorCode::kAborted) return size_t{0};  // another process sweeps
    return std::move(taken).error();
  }
  auto cutoff = clock_.Now() - options_.age;
  auto rows = pool_.Exec(
      "SELECT job_id, CASE WHEN partition = '' THEN resource_type ELSE partition END"
      " FROM jobs WHERE (status = 'submitted' AND created_at < gitops_ts($1::bigint))"
      " OR (status = 'in_progress' AND updated_at < gitops_ts($1::bigint))"
      " ORDER BY created_at, seq LIMIT $2::bigint",
      {pg::MicrosParam(cutoff), std::to_string(options_.max_jobs)});
  if (!rows.ok()) {
    keeper_.Drop(kSweeperLease);
    return std::move(rows).error();
  }
  const auto now = clock_.Steady();
  size_t enqueued = 0;
  std::optional<Error> failure;
  std::lock_guard lock(mu_);
  for (auto it = recently_.begin(); it != recently_.end();) {
    it = now - it->second >= options_.age ? recently_.erase(it) : std::next(it);
  }
  for (size_t i = 0; i < rows->size(); ++i) {
    std::string job_id(rows->Text(i, 0));
    if (recently_.count(job_id)) continue;
    Status st = queue_.Enqueue(rows->Text(i, 1), job_id);
    if (!st.ok()) {
      failure = st.error();
      break;
    }
    recently_[job_id] = now;
    ++enqueued;
  }
  keeper_.Drop(kSweeperLease);
  if (enqueued > 0) spdlog::info("sweeper: {} jobs dispatched again", enqueued);
  if (failure && enqueued == 0) return Unexpected(std::move(*failure));
  return enqueued;
}

void Sweeper::Start() {
  std::lock_guard lock(mu_);
  if (thread_.joinable() || stopping_) return;
  thread_ = std::thread([this] { Loop(); });
}

void Sweeper::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Sweeper::Loop() {
  for (;;) {
    {
      std::unique_lock lock(mu_);
      if (stop_cv_.wait_for(lock, options_.interval, [this] { return stopping_; })) return;
    }
    auto swept = SweepOnce();
    if (!swept.ok()) spdlog::warn("sweeper: {}", swept.error().message);
  }
}

// ---------------------------------------------------------------------------------------------
// ProductionApp

struct ProductionApp::Parts {
  config::Config config;
  ProductionOptions options;
  const Clock* clock = nullptr;
  std::shared_ptr<pg::Pool> pool;
  std::unique_ptr<jobs::PostgresJobStore> store;
  std::unique_ptr<index::PostgresResourceIndex> index;
  std::unique_ptr<jobs::RedisJobQueue> queue;
  std::unique_ptr<SweptDispatchQueue> api_queue;
  std::unique_ptr<types::TypeRegistry> types;
  std::unique_ptr<pipeline::RepositorySet> repositories;
  // Both roles: workers send deliveries (the dispatcher is started), serve replicas list and
  // redeliver them; all share the webhook_deliveries table.
  WebhookParts webhook_parts;
  // Worker role.
  std::unique_ptr<pipeline::TemplateSource> templates;
  std::unique_ptr<PostgresRepositoryLeases> leases;
  std::unique_ptr<LeaseKeeper> keeper;
  std::unique_ptr<pipeline::PipelineHandler> handler;
  std::unique_ptr<LeasedBatchHandler> leased_handler;
  std::unique_ptr<jobs::WorkerPool> workers;
  std::unique_ptr<Sweeper> sweeper;
  // Serve role.
  std::unique_ptr<RepositoryManifestReader> manifests;
  std::unique_ptr<api::Api> api;
  std::unique_ptr<http::Router> router;
  std::unique_ptr<http::Server> server;
  bool started = false;
  bool stopped = false;
};

Result<std::unique_ptr<ProductionApp>> ProductionApp::Create(config::Config config,
                                                             ProductionOptions options,
                                                             const Clock& clock) {
  if (config.dev_mode) {
    return Unexpected(ErrorCode::kFailedPrecondition,
                      "production mode needs DEV_MODE=false (dev mode runs its workers in serve)");
  }
  if (config.database_url.empty()) {
    return Unexpected(ErrorCode::kFailedPrecondition, "DATABASE_URL is not set (DEV_MODE=false)");
  }
  if (config.redis_url.empty()) {
    return Unexpected(ErrorCode::kFailedPrecondition, "REDIS_URL is not set (DEV_MODE=false)");
  }
  auto p = std::make_unique<Parts>();
  p->clock = &clock;
  p->options = std::move(options);
  if (p->options.swagger_dir.empty()) p->options.swagger_dir = FindSwaggerDir();
  const bool with_workers = p->options.worker_threads > 0;

  pg::PoolOptions po;
  po.conninfo = config.database_url;
  // Submissions share a few connections (group commit); reads take one each, queueing
  // beyond 32 so that several replicas stay under PostgreSQL's max_connections (100).
  po.max_connections = std::min<size_t>(static_cast<size_t>(p->options.http_threads), 32) +
                       p->options.worker_threads * 2 + 4;
  p->pool = std::make_shared<pg::Pool>(po);
  auto version = pg::SchemaVersion(*p->pool);
  if (!version.ok()) {
    return Unexpected(Unreachable("PostgreSQL (DATABASE_URL) is unreachable", version.error()));
  }
  const int wanted = pg::EmbeddedMigrations().empty() ? 0 : pg::EmbeddedMigrations().back().version;
  if (*version < wanted) {
    return Unexpected(ErrorCode::kFailedPrecondition,
                      "the database " + p->pool->target() + " is at schema version " +
                          std::to_string(*version) + ", this binary needs " +
                          std::to_string(wanted) + ": run `gitops-api migrate`");
  }

  jobs::RedisJobQueueOptions qo;
  qo.url = config.redis_url;
  qo.lease_ttl = p->options.lease_ttl;
  qo.consumer = ProcessIdentity();
  auto queue = jobs::RedisJobQueue::Create(qo);
  if (!queue.ok()) {
    return Unexpected(ErrorCode::kInvalidArgument, "REDIS_URL: " + queue.error().message);
  }
  p->queue = std::move(queue).value();
  if (Status ping = p->queue->Ping(); !ping.ok()) {
    return Unexpected(Unreachable("Redis (REDIS_URL) is unreachable", ping.error()));
  }
  p->api_queue = std::make_unique<SweptDispatchQueue>(*p->queue);

  jobs::PostgresJobStoreOptions so;
  // The thread that commits a group of submissions dispatches them in one Redis round trip
  // before any of them is answered (the API then does not enqueue them one by one).
  SweptDispatchQueue* api_queue = p->api_queue.get();
  so.dispatch = [api_queue](const std::vector<std::pair<std::string, std::string>>& jobs) {
    (void)api_queue->EnqueueMany(jobs);
  };
  p->store = std::make_unique<jobs::PostgresJobStore>(p->pool, clock, so);
  p->index = std::make_unique<index::PostgresResourceIndex>(p->pool);
  // Types added at runtime (POST /api/v1/resource-types) live in PostgreSQL (resource_types,
  // migration 0004), shared by every replica and worker: a process that does not know a name
  // asks the table, so a type added on one replica is usable everywhere at once.
  p->types = std::make_unique<types::TypeRegistry>(
      config.resource_types,
      std::make_unique<types::PostgresTypeStore>(p->pool, config.type_defaults(), clock));
  if (Status loaded = p->types->Refresh(); !loaded.ok()) {
    return Unexpected(MakeError(loaded.error().code,
                                "resource types added at runtime: " + loaded.error().message));
  }
  std::error_code ec;
  std::filesystem::create_directories(config.data_dir, ec);
  if (ec) {
    return Unexpected(ErrorCode::kFailedPrecondition,
                      "cannot create DATA_DIR " + config.data_dir.string() + ": " + ec.message());
  }
  p->repositories = std::make_unique<pipeline::RepositorySet>(
      pipeline::RepositorySetOptionsFromConfig(config));

  p->webhook_parts =
      BuildWebhookParts(config, std::make_unique<webhook::PostgresDeliveryStore>(p->pool),
                        *p->store, *p->types, clock);

  if (with_workers) {
    auto templates = pipeline::TemplateSource::Create(pipeline::LoaderFactoryFromConfig(config));
    if (!templates.ok()) return std::move(templates).error();
    p->templates = std::move(templates).value();
    p->leases = std::make_unique<PostgresRepositoryLeases>(p->pool, p->options.lease_ttl);
    p->keeper = std::make_unique<LeaseKeeper>(*p->leases, ProcessIdentity(),
                                              p->options.lease_ttl / 3);
    pipeline::PipelineDeps deps{*p->store,     *p->index,        *p->index,
                                *p->types,     *p->templates,    *p->repositories,
                                *p->webhook_parts.webhooks, clock};
    deps.guard = p->keeper.get();
    p->handler = std::make_unique<pipeline::PipelineHandler>(
        deps, pipeline::PipelineOptionsFromConfig(config));
    LeasedBatchHandlerOptions lo;
    lo.keep_between_batches = true;  // the Redis queue keeps a busy partition with its holder
    p->leased_handler = std::make_unique<LeasedBatchHandler>(*p->keeper, *p->handler, lo);
    jobs::WorkerPoolOptions wo;
    wo.threads = p->options.worker_threads;
    // A partition moving to another worker process costs its new holder a fetch and a rebuild
    // of its view of the repository (the bigger the repository, the more), so a thread keeps
    // a busy partition for up to 256 batches (~16,000 jobs): with 16, two workers on two
    // repositories ran at 690-1,430 jobs/s instead of 2,250-2,450 (bench/RESULTS.md). The
    // price: with fewer worker threads than busy repositories, a repository can wait that long.
    wo.max_consecutive_batches = 256;
    p->workers = std::make_unique<jobs::WorkerPool>(*p->queue, *p->leased_handler, wo);
    p->sweeper = std::make_unique<Sweeper>(*p->pool, *p->queue, *p->keeper, clock,
                                           p->options.sweeper);
  }

  if (p->options.http) {
    p->manifests = std::make_unique<RepositoryManifestReader>(*p->repositories,
                                                              /*fetch_first=*/true);
    api::ApiOptions ao =
        ApiOptionsFromConfig(config, p->options.swagger_dir, p->webhook_parts.ledger.get());
    std::shared_ptr<pg::Pool> pool = p->pool;
    ao.readiness_checks.emplace_back("postgres", [pool]() -> Status {
      auto rows = pool->Exec("SELECT 1");
      if (!rows.ok()) return std::move(rows).error();
      return OkStatus();
    });
    ao.submitter = p->store.get();  // groups concurrent submissions into one transaction
    ao.submitter_dispatches = true;  // ... and enqueues each group (so.dispatch above)
    jobs::RedisJobQueue* redis_queue = p->queue.get();
    ao.readiness_checks.emplace_back("redis", [redis_queue] { return redis_queue->Ping(); });
    p->api = std::make_unique<api::Api>(*p->store, *p->api_queue, *p->index, *p->index, *p->types,
                                        *p->manifests, ao);
    GITOPS_RETURN_IF_ERROR(ServeApi(*p->api, config, p->options.host, p->options.http_threads,
                                    p->router, p->server));
  }
  p->config = std::move(config);
  return std::unique_ptr<ProductionApp>(new ProductionApp(std::move(p)));
}

ProductionApp::ProductionApp(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}

ProductionApp::~ProductionApp() { (void)Stop(); }

Status ProductionApp::Start() {
  Parts& p = *parts_;
  if (p.started) return Unexpected(ErrorCode::kFailedPrecondition, "already started");
  // Only processes with workers send; a serve replica's dispatcher only serves redelivery.
  if (p.workers && p.webhook_parts.dispatcher) {
    GITOPS_RETURN_IF_ERROR(p.webhook_parts.dispatcher->Start());
  }
  if (p.workers) {
    GITOPS_RETURN_IF_ERROR(p.workers->Start());
    p.sweeper->Start();
  }
  if (p.server) GITOPS_RETURN_IF_ERROR(p.server->Start());
  p.started = true;
  std::string roles = p.server ? "API on http://" + p.options.host + ":" +
                                     std::to_string(p.server->port())
                               : std::string("no API");
  if (p.workers) roles += ", " + std::to_string(p.options.worker_threads) + " worker threads";
  spdlog::info("gitops-api production mode: {} (PostgreSQL {}, Redis, lease holder {})", roles,
               p.pool->target(), p.keeper ? p.keeper->holder() : ProcessIdentity());
  return OkStatus();
}

uint16_t ProductionApp::port() const {
  return parts_->server ? parts_->server->port() : 0;
}

Status ProductionApp::Stop() {
  Parts& p = *parts_;
  if (p.stopped) return OkStatus();
  p.stopped = true;
  if (p.server) p.server->Stop();
  Status result = OkStatus();
  if (p.workers) {
    p.sweeper->Stop();
    p.leased_handler->Stop();
    result = p.workers->Stop(p.options.stop_grace);
    if (!result.ok()) spdlog::warn("stopping workers: {}", result.error().message);
  }
  if (p.webhook_parts.dispatcher) p.webhook_parts.dispatcher->Stop();
  if (p.queue) p.queue->Close();
  return result;
}

}  // namespace gitops::app
