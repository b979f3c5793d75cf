// Webhook benchmarks (issue 4): (1) deliveries per second from the Dispatcher through CurlSender
// to a local receiver answering 200 at once; (2) end-to-end create-job throughput through
// MemoryJobQueue + WorkerPool + PipelineHandler into a local bare repository with the type's
// webhook disabled, simulated (logged to a no-op sink), and delivered for real (single and
// staged mode), plus how long the deliveries take to drain after the last job ended.
// Usage: webhook_bench [--deliveries N] [--jobs J] [--threads W] [--receiver-threads R]
//                      [--senders S]
#include <utility>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/ids.h"
#include "http/server.h"
#include "index/memory/memory_resource_index.h"
#include "jobs/memory/memory_job_queue.h"
#include "jobs/memory/memory_job_store.h"
#include "jobs/worker_pool.h"
#include "pipeline/pipeline_handler.h"
#include "pipeline/repository_set.h"
#include "pipeline/template_source.h"
#include "pipeline/webhook.h"
#include "types/type_registry.h"
#include "webhook/curl/curl_sender.h"
#include "webhook/dispatcher.h"
#include "webhook/memory/memory_delivery_store.h"

#ifndef GITOPS_SOURCE_DIR
#define GITOPS_SOURCE_DIR "."
#endif

namespace {

using namespace gitops;
using Seconds = std::chrono::duration<double>;

// Counts events and lets the main thread wait for a number of them.
class Counter {
 public:
  void Add(size_t n = 1) {
    std::lock_guard lock(mu_);
    count_ += n;
    cv_.notify_all();
  }
  void WaitFor(size_t n) {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return count_ >= n; });
  }
  size_t count() {
    std::lock_guard lock(mu_);
    return count_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  size_t count_ = 0;
};

class CountingHandler final : public jobs::BatchHandler {
 public:
  CountingHandler(jobs::BatchHandler& inner, Counter& ended) : inner_(inner), ended_(ended) {}
  size_t Handle(const jobs::Batch& batch) override {
    size_t done = inner_.Handle(batch);
    ended_.Add(done);
    return done;
  }

 private:
  jobs::BatchHandler& inner_;
  Counter& ended_;
};

struct Receiver {
  explicit Receiver(int threads) {
    http::ServerOptions options;
    options.threads = threads;
    server = std::make_unique<http::Server>(options, [this](const http::Request&) {
      received.fetch_add(1, std::memory_order_relaxed);
      return http::Response::Json(200, "{}");
    });
  }
  std::unique_ptr<http::Server> server;
  std::atomic<size_t> received{0};
};

config::WebhookConfig Target(const Receiver& receiver, config::WebhookMode mode) {
  config::WebhookConfig target;
  target.enabled = true;
  target.url = "http://127.0.0.1:" + std::to_string(receiver.server->port()) + "/hook";
  target.mode = mode;
  target.timeout_seconds = 10;
  target.retries = 3;
  target.secret = "bench-secret";
  return target;
}

webhook::DispatcherOptions Options(int senders, Counter& settled, size_t& failed) {
  webhook::DispatcherOptions options;
  options.senders = senders;
  options.max_in_flight_per_url = senders;  // one receiver: let every sender use it
  options.on_settled = [&settled, &failed](const webhook::Delivery& d) {
    if (d.status == webhook::DeliveryStatus::kFailed) ++failed;  // sender threads: rare, racy ok
    settled.Add();
  };
  return options;
}

int BenchDeliveries(size_t count, int senders, int receiver_threads) {
  Receiver receiver(receiver_threads);
  if (!receiver.server->Start().ok()) return 1;
  SystemClock clock;
  webhook::MemoryDeliveryStore store;
  webhook::CurlSender sender;
  Counter settled;
  size_t failed = 0;
  webhook::Dispatcher dispatcher(
      store, sender, clock, [](const std::string&) { return std::string("bench-secret"); },
      Options(senders, settled, failed));
  config::WebhookConfig target = Target(receiver, config::WebhookMode::kSingle);
  auto start = std::chrono::steady_clock::now();
  for (size_t i = 0; i < count; ++i) {
    webhook::Json payload = webhook::SinglePayload(
        {NewUuid(), "tenant" + std::to_string(i % 100), "namespace", "ns-" + std::to_string(i)},
        "completed", clock.Now(), {"Job started", "Pushed"},
        webhook::Json{{"git_commit", std::string(40, 'a')}});
    if (!dispatcher.Enqueue(target, "completed", payload).ok()) return 1;
  }
  double enqueue_s = Seconds(std::chrono::steady_clock::now() - start).count();
  if (!dispatcher.Start().ok()) return 1;
  settled.WaitFor(count);
  double total_s = Seconds(std::chrono::steady_clock::now() - start).count();
  dispatcher.Stop();
  receiver.server->Stop();
  std::printf("deliveries: %zu signed single-mode deliveries, %d senders, receiver %d thread(s)\n",
              count, senders, receiver_threads);
  std::printf("  enqueued in %.3f s (%.0f/s); all settled in %.3f s = %.0f deliveries/s; "
              "%zu failed, %zu received\n",
              enqueue_s, count / enqueue_s, total_s, count / total_s, failed,
              receiver.received.load());
  return failed == 0 ? 0 : 1;
}

enum class HookMode { kOff, kSimulated, kSingle, kStaged };

const char* Name(HookMode mode) {
  switch (mode) {
    case HookMode::kOff:
      return "webhooks off (disabled)";
    case HookMode::kSimulated:
      return "webhooks simulated (logged, no-op sink)";
    case HookMode::kSingle:
      return "webhooks on, single mode (1 delivery/job)";
    case HookMode::kStaged:
      return "webhooks on, staged mode (6 deliveries/job)";
  }
  return "";
}

// Runs `job_count` create jobs through the pipeline; prints jobs/s and the delivery drain time.
int BenchJobs(HookMode mode, int job_count, int threads, int senders, int receiver_threads) {
  std::string tmpl = (std::filesystem::temp_directory_path() / "webhook-bench-XXXXXX").string();
  if (mkdtemp(tmpl.data()) == nullptr) return 1;
  const std::string dir = tmpl;

  Receiver receiver(receiver_threads);
  if (!receiver.server->Start().ok()) return 1;
  config::ResourceTypeConfig ns;
  ns.name = "namespace";
  ns.template_dir = "namespaces/";
  ns.cluster_aware = true;
  ns.flavors = {"small", "medium", "large", "custom"};
  ns.path_template = "tenants/{tenant_id}/{cluster_id}/namespace/{name}/manifest.yaml";
  if (mode != HookMode::kOff) {
    ns.webhook = Target(receiver, mode == HookMode::kStaged ? config::WebhookMode::kStaged
                                                            : config::WebhookMode::kSingle);
  }
  types::TypeRegistry types({ns});

  SystemClock clock;
  jobs::MemoryJobStore store(clock);
  jobs::MemoryJobQueue queue;
  index::MemoryResourceIndex index;
  auto templates = pipeline::TemplateSource::Create(
      pipeline::DirectoryLoaderFactory(std::string(GITOPS_SOURCE_DIR) + "/infra-templates"));
  if (!templates.ok()) return 1;
  pipeline::RepositorySetOptions repo_options;
  repo_options.data_dir = dir + "/data";
  repo_options.dev_mode = true;
  pipeline::RepositorySet repositories(repo_options);

  webhook::MemoryDeliveryStore deliveries;
  webhook::CurlSender curl;
  Counter settled;
  size_t failed_deliveries = 0;
  pipeline::WebhookStatusTracker tracker(deliveries, store);
  webhook::DispatcherOptions options = Options(senders, settled, failed_deliveries);
  auto count_settled = options.on_settled;
  options.on_settled = [&tracker, count_settled](const webhook::Delivery& d) {
    tracker.Refresh(d.job_id);
    count_settled(d);
  };
  webhook::Dispatcher dispatcher(
      deliveries, curl, clock, [](const std::string&) { return std::string("bench-secret"); },
      options);
  std::unique_ptr<pipeline::WebhookSender> sender;
  if (mode == HookMode::kSingle || mode == HookMode::kStaged) {
    sender = std::make_unique<pipeline::DeliveryWebhookSender>(dispatcher, tracker);
    if (!dispatcher.Start().ok()) return 1;
  } else {
    sender = std::make_unique<pipeline::LogWebhookSender>([](const std::string&) {});
  }
  pipeline::PipelineHandler handler(
      {store, index, index, types, **templates, repositories, *sender, clock}, {});
  Counter ended;
  CountingHandler counting(handler, ended);

  std::vector<std::string> ids;
  for (int i = 0; i < job_count; ++i) {
    jobs::Job job;
    job.job_id = NewUuid();
    job.tenant_id = "tenant" + std::to_string(i % 100);
    job.cluster_id = "cluster-a";
    job.resource_type = "namespace";
    job.resource_name = "ns-" + std::to_string(i);
    job.operation = jobs::Operation::kCreate;
    job.flavor = "small";
    job.spec = jobs::Json{{"labels", {{"team", "t" + std::to_string(i % 7)}}}};
    job.partition = "namespace";
    if (!index
             .Reserve({"namespace", job.tenant_id, job.cluster_id, job.resource_name},
                      index::PendingOp::kCreate, job.job_id)
             .ok() ||
        !store.Create(job).ok()) {
      return 1;
    }
    ids.push_back(job.job_id);
  }
  jobs::WorkerPoolOptions pool_options;
  pool_options.threads = static_cast<size_t>(threads);
  jobs::WorkerPool pool(queue, counting, pool_options);
  auto start = std::chrono::steady_clock::now();
  for (const std::string& id : ids) {
    if (!queue.Enqueue("namespace", id).ok()) return 1;
  }
  if (!pool.Start().ok()) return 1;
  ended.WaitFor(ids.size());
  double jobs_s = Seconds(std::chrono::steady_clock::now() - start).count();
  size_t expected = mode == HookMode::kSingle ? ids.size()
                    : mode == HookMode::kStaged ? ids.size() * 6
                                                : 0;
  settled.WaitFor(expected);
  double drained_s = Seconds(std::chrono::steady_clock::now() - start).count();
  (void)pool.Stop(std::chrono::seconds(10));
  dispatcher.Stop();
  receiver.server->Stop();

  size_t completed = 0, delivered_jobs = 0;
  for (const std::string& id : ids) {
    auto job = store.Get(id);
    if (!job.ok()) continue;
    if (job->status == jobs::JobStatus::kCompleted) ++completed;
    if (job->metadata.value("webhook_status", "") == "delivered") ++delivered_jobs;
  }
  std::printf("jobs, %s: %d create jobs, %d worker threads\n", Name(mode), job_count, threads);
  std::printf("  %zu completed in %.3f s = %.0f jobs/s", completed, jobs_s, completed / jobs_s);
  if (expected > 0) {
    std::printf("; %zu deliveries (%zu failed) drained %.3f s after start; %zu jobs "
                "webhook_status delivered",
                expected, failed_deliveries, drained_s, delivered_jobs);
  }
  std::printf("\n");
  std::filesystem::remove_all(dir);
  return completed == ids.size() ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  size_t deliveries = 20000;
  int jobs = 5000, threads = 2, receiver_threads = 1, senders = 4;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--deliveries") deliveries = static_cast<size_t>(std::atol(argv[i + 1]));
    if (flag == "--jobs") jobs = std::atoi(argv[i + 1]);
    if (flag == "--threads") threads = std::atoi(argv[i + 1]);
    if (flag == "--receiver-threads") receiver_threads = std::atoi(argv[i + 1]);
    if (flag == "--senders") senders = std::atoi(argv[i + 1]);
  }
  int rc = 0;
  if (deliveries > 0) rc |= BenchDeliveries(deliveries, senders, receiver_threads);
  if (jobs > 0) {
    for (HookMode mode : {HookMode::kOff, HookMode::kSimulated, HookMode::kSingle,
                          HookMode::kStaged}) {
      rc |= BenchJobs(mode, jobs, threads, senders, receiver_threads);
    }
  }
  return rc;
}
