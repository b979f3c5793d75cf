// End-to-end pipeline throughput in dev mode: N create jobs (spread over tenants, one cluster)
// through MemoryJobQueue + WorkerPool + PipelineHandler, rendered with the bundled namespace
// template, one commit per job into a local bare repository, one push per batch.
// Usage: pipeline_bench [--jobs N] [--tenants T] [--threads W] [--max-batch B] [--deltas 0|1]
//                       [--templates DIR] [--flavor F] [--dir D]
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/ids.h"
#include "index/memory/memory_resource_index.h"
#include "jobs/memory/memory_job_queue.h"
#include "jobs/memory/memory_job_store.h"
#include "jobs/worker_pool.h"
#include "pipeline/pipeline_handler.h"
#include "pipeline/repository_set.h"
#include "pipeline/template_source.h"
#include "pipeline/webhook.h"
#include "types/type_registry.h"

#ifndef GITOPS_SOURCE_DIR
#define GITOPS_SOURCE_DIR "."
#endif

namespace {

using namespace gitops;

// Counts the jobs the wrapped handler ended and wakes the main thread when all are done.
class CountingHandler final : public jobs::BatchHandler {
 public:
  CountingHandler(jobs::BatchHandler& inner, size_t target) : inner_(inner), target_(target) {}
  size_t Handle(const jobs::Batch& batch) override {
    size_t done = inner_.Handle(batch);
    std::lock_guard<std::mutex> lock(mu_);
    ended_ += done;
    ++batches_;
    if (ended_ >= target_) cv_.notify_all();
    return done;
  }
  void Wait() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [this] { return ended_ >= target_; });
  }
  size_t batches() {
    std::lock_guard<std::mutex> lock(mu_);
    return batches_;
  }

 private:
  jobs::BatchHandler& inner_;
  size_t target_;
  std::mutex mu_;
  std::condition_variable cv_;
  size_t ended_ = 0;
  size_t batches_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
  int job_count = 5000, tenants = 100, threads = 2, max_batch = 64, deltas = 1;
  std::string templates_dir = std::string(GITOPS_SOURCE_DIR) + "/infra-templates";
  std::string flavor = "small";
  std::string dir;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--jobs") job_count = std::atoi(argv[i + 1]);
    if (flag == "--tenants") tenants = std::atoi(argv[i + 1]);
    if (flag == "--threads") threads = std::atoi(argv[i + 1]);
    if (flag == "--max-batch") max_batch = std::atoi(argv[i + 1]);
    if (flag == "--deltas") deltas = std::atoi(argv[i + 1]);
    if (flag == "--templates") templates_dir = argv[i + 1];
    if (flag == "--flavor") flavor = argv[i + 1];
    if (flag == "--dir") dir = argv[i + 1];
  }
  bool own_dir = dir.empty();
  if (own_dir) {
    std::string tmpl = (std::filesystem::temp_directory_path() / "pipeline-bench-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) return 1;
    dir = tmpl;
  }

  config::ResourceTypeConfig ns;
  ns.name = "namespace";
  ns.template_dir = "namespaces/";
  ns.cluster_aware = true;
  ns.flavors = {"small", "medium", "large", "custom"};
  ns.path_template = "tenants/{tenant_id}/{cluster_id}/namespace/{name}/manifest.yaml";
  types::TypeRegistry types({ns});

  SystemClock clock;
  jobs::MemoryJobStore store(clock);
  jobs::MemoryJobQueue queue;
  index::MemoryResourceIndex index;
  auto templates =
      pipeline::TemplateSource::Create(pipeline::DirectoryLoaderFactory(templates_dir));
  if (!templates.ok()) {
    std::fprintf(stderr, "templates: %s\n", templates.error().message.c_str());
    return 1;
  }
  pipeline::RepositorySetOptions repo_options;
  repo_options.data_dir = dir + "/data";
  repo_options.dev_mode = true;
  repo_options.delta_compression = deltas != 0;
  pipeline::RepositorySet repositories(repo_options);
  pipeline::LogWebhookSender webhooks;
  pipeline::PipelineHandler handler(
      {store, index, index, types, **templates, repositories, webhooks, clock}, {});
  CountingHandler counting(handler, static_cast<size_t>(job_count));

  std::vector<std::string> ids;
  ids.reserve(job_count);
  for (int i = 0; i < job_count; ++i) {
    jobs::Job job;
    job.job_id = NewUuid();
    job.tenant_id = "tenant" + std::to_string(i % tenants);
    job.cluster_id = "cluster-a";
    job.resource_type = "namespace";
    job.resource_name = "ns-" + std::to_string(i);
    job.operation = jobs::Operation::kCreate;
    job.flavor = flavor;
    job.spec =
        jobs::Json{{"requester", "bench"}, {"labels", {{"team", "t" + std::to_string(i % 7)}}}};
    job.partition = "namespace";
    if (!index
             .Reserve({"namespace", job.tenant_id, job.cluster_id, job.resource_name},
                      index::PendingOp::kCreate, job.job_id)
             .ok() ||
        !store.Create(job).ok()) {
      std::fprintf(stderr, "submission failed\n");
      return 1;
    }
    ids.push_back(job.job_id);
  }

  jobs::WorkerPoolOptions pool_options;
  pool_options.threads = static_cast<size_t>(threads);
  pool_options.max_batch = static_cast<size_t>(max_batch);
  jobs::WorkerPool pool(queue, counting, pool_options);
  auto start = std::chrono::steady_clock::now();
  for (const std::string& id : ids) {
    if (!queue.Enqueue("namespace", id).ok()) return 1;
  }
  if (!pool.Start().ok()) return 1;
  counting.Wait();
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  (void)pool.Stop(std::chrono::seconds(10));

  size_t completed = 0, failed = 0;
  std::string first_error;
  for (const std::string& id : ids) {
    auto job = store.Get(id);
    if (job.ok() && job->status == jobs::JobStatus::kCompleted) ++completed;
    if (job.ok() && job->status == jobs::JobStatus::kFailed) {
      ++failed;
      if (first_error.empty()) first_error = job->error.value_or("");
    }
  }
  std::printf("pipeline_bench: %d create jobs, %d tenants, %d threads, max_batch %d, deltas %d\n",
              job_count, tenants, threads, max_batch, deltas);
  std::printf("  %zu completed, %zu failed in %.3f s = %.0f jobs/s (%zu batches)\n", completed,
              failed, seconds, job_count / seconds, counting.batches());
  if (!first_error.empty()) std::printf("  first error: %s\n", first_error.c_str());
  std::string count_cmd =
      "git --git-dir " + dir + "/data/repos/namespace.git rev-list --count main";
  std::printf("  commits in the remote: ");
  std::fflush(stdout);
  if (std::system(count_cmd.c_str()) != 0) std::printf("?\n");
  if (own_dir) std::filesystem::remove_all(dir);
  return failed == 0 && completed == static_cast<size_t>(job_count) ? 0 : 1;
}
