// Webhook benchmarks (issue 4): (1) deliveries per second from the Dispatcher through CurlSender
// to a local receiver answering 200 at once; (2) end-to-end create-job throughput through
// MemoryJobQueue + WorkerPool + PipelineHandler into a local bare repository with the type's
// webhook off, simulated (logged to a no-op sink), and delivered for real (single and staged
// mode). The modes are interleaved for --rounds rounds in one invocation (so a shared machine's
// load drifts over all of them alike) and summarised as medians of jobs/s and of this process's
// CPU time per job (getrusage), each with its ratio to "off". The receiver runs in a forked
// child process, so its CPU is not counted against the service (it is reported apart).
// Usage: webhook_bench [--deliveries N] [--jobs J] [--rounds R] [--threads W]
//                      [--receiver-threads T] [--senders S] [--modes off,simulated,single,staged]
//        webhook_bench --receiver-only PORT [--receiver-threads T]
// --receiver-only runs just the receiver on 127.0.0.1:PORT (0: any free port) for another
// process's deliveries (bench/webhook_service_bench.sh): every POST gets 200 "{}" and is counted,
// GET /count answers {"posts": N}; it prints "port P" once listening and stops on SIGTERM/SIGINT.
#include <errno.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <utility>
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

// The receiver: the project's own HTTP server answering 200 at once, in a child process forked
// before any thread exists, so its CPU is not this process's. The child stops when the parent
// closes the control pipe.
class Receiver {
 public:
  explicit Receiver(int threads) {
    int port_pipe[2], control_pipe[2];
    if (pipe(port_pipe) != 0 || pipe(control_pipe) != 0) return;
    pid_ = fork();
    if (pid_ == 0) {
      close(port_pipe[0]);
      close(control_pipe[1]);
      http::ServerOptions options;
      options.threads = threads;
      options.shutdown_grace = std::chrono::milliseconds(100);
      http::Server server(options,
                          [](const http::Request&) { return http::Response::Json(200, "{}"); });
      uint16_t port = server.Start().ok() ? server.port() : 0;
      (void)!write(port_pipe[1], &port, sizeof(port));
      char c;
      while (read(control_pipe[0], &c, 1) > 0) {
      }
      server.Stop();
      _exit(0);
    }
    close(port_pipe[1]);
    close(control_pipe[0]);
    control_ = control_pipe[1];
    if (read(port_pipe[0], &port_, sizeof(port_)) != sizeof(port_)) port_ = 0;
    close(port_pipe[0]);
  }
  ~Receiver() {
    if (control_ >= 0) close(control_);
    if (pid_ > 0) waitpid(pid_, nullptr, 0);
  }
  uint16_t port() const { return port_; }
  // The child's CPU time so far (user + system), from /proc.
  double CpuSeconds() const {
    std::ifstream stat("/proc/" + std::to_string(pid_) + "/stat");
    std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
    size_t paren = text.rfind(')');
    if (paren == std::string::npos) return 0;
    std::istringstream fields(text.substr(paren + 2));
    std::string field;
    double ticks = 0;
    for (int i = 3; i <= 15 && fields >> field; ++i) {
      if (i == 14 || i == 15) ticks += std::atof(field.c_str());  // utime, stime
    }
    return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
  }

 private:
  pid_t pid_ = -1;
  int control_ = -1;
  uint16_t port_ = 0;
};

// This process's CPU time so far (user + system, every thread).
double ProcessCpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& tv) { return tv.tv_sec + tv.tv_usec / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

double Median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  size_t n = values.size();
  return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

config::WebhookConfig Target(const Receiver& receiver, config::WebhookMode mode) {
  config::WebhookConfig target;
  target.enabled = true;
  target.url = "http://127.0.0.1:" + std::to_string(receiver.port()) + "/hook";
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

int BenchDeliveries(Receiver& receiver, size_t count, int senders, int receiver_threads) {
  if (receiver.port() == 0) return 1;
  SystemClock clock;
  webhook::MemoryDeliveryStore store;
  webhook::CurlSender sender;
  Counter settled;
  size_t failed = 0;
  webhook::Dispatcher dispatcher(
      store, sender, clock, [](const std::string&) { return std::string("bench-secret"); },
      Options(senders, settled, failed));
  config::WebhookConfig target = Target(receiver, config::WebhookMode::kSingle);
  const double cpu_start = ProcessCpuSeconds();
  const double receiver_cpu_start = receiver.CpuSeconds();
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
  const double cpu_s = ProcessCpuSeconds() - cpu_start;
  const double receiver_cpu_s = receiver.CpuSeconds() - receiver_cpu_start;
  dispatcher.Stop();
  std::printf("deliveries: %zu signed single-mode deliveries, %d senders, receiver %d thread(s)\n",
              count, senders, receiver_threads);
  std::printf(
      "  enqueued in %.3f s (%.0f/s); all settled in %.3f s = %.0f deliveries/s; "
      "%zu failed; CPU %.1f us/delivery (receiver process apart: %.1f us)\n",
      enqueue_s, count / enqueue_s, total_s, count / total_s, failed, cpu_s * 1e6 / count,
      receiver_cpu_s * 1e6 / count);
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

struct JobRun {
  bool ok = false;
  double jobs_per_s = 0;
  double cpu_ms_per_job = 0;           // this process, from the first enqueue to the last job end
  double drained_cpu_ms_per_job = 0;   // ... to the last delivery settled (the deliveries' share)
  double receiver_cpu_ms_per_job = 0;  // the receiver process, apart
  double drain_after_s = 0;            // last delivery settled, after the last job ended
};

// Runs `job_count` create jobs through the pipeline and measures them.
JobRun BenchJobs(Receiver& receiver, HookMode mode, int job_count, int threads, int senders) {
  JobRun run;
  std::string tmpl = (std::filesystem::temp_directory_path() / "webhook-bench-XXXXXX").string();
  if (mkdtemp(tmpl.data()) == nullptr) return run;
  const std::string dir = tmpl;
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
  if (!templates.ok()) return run;
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
    tracker.Settled(d);
    count_settled(d);
  };
  webhook::Dispatcher dispatcher(
      deliveries, curl, clock, [](const std::string&) { return std::string("bench-secret"); },
      options);
  std::unique_ptr<pipeline::WebhookSender> sender;
  if (mode == HookMode::kSingle || mode == HookMode::kStaged) {
    sender = std::make_unique<pipeline::DeliveryWebhookSender>(dispatcher, tracker);
    if (!dispatcher.Start().ok()) return run;
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
      return run;
    }
    ids.push_back(job.job_id);
  }
  jobs::WorkerPoolOptions pool_options;
  pool_options.threads = static_cast<size_t>(threads);
  jobs::WorkerPool pool(queue, counting, pool_options);
  const double cpu_start = ProcessCpuSeconds();
  const double receiver_cpu_start = receiver.CpuSeconds();
  auto start = std::chrono::steady_clock::now();
  for (const std::string& id : ids) {
    if (!queue.Enqueue("namespace", id).ok()) return run;
  }
  if (!pool.Start().ok()) return run;
  ended.WaitFor(ids.size());
  const double jobs_s = Seconds(std::chrono::steady_clock::now() - start).count();
  const double jobs_cpu_s = ProcessCpuSeconds() - cpu_start;
  size_t expected = mode == HookMode::kSingle   ? ids.size()
                    : mode == HookMode::kStaged ? ids.size() * 6
                                                : 0;
  settled.WaitFor(expected);
  const double drained_s = Seconds(std::chrono::steady_clock::now() - start).count();
  const double drained_cpu_s = ProcessCpuSeconds() - cpu_start;
  const double receiver_cpu_s = receiver.CpuSeconds() - receiver_cpu_start;
  (void)pool.Stop(std::chrono::seconds(10));
  dispatcher.Stop();

  size_t completed = 0, delivered_jobs = 0;
  for (const std::string& id : ids) {
    auto job = store.Get(id);
    if (!job.ok()) continue;
    if (job->status == jobs::JobStatus::kCompleted) ++completed;
    if (job->metadata.value("webhook_status", "") == "delivered") ++delivered_jobs;
  }
  std::filesystem::remove_all(dir);
  const double n = static_cast<double>(ids.size());
  run.jobs_per_s = completed / jobs_s;
  run.cpu_ms_per_job = jobs_cpu_s * 1e3 / n;
  run.drained_cpu_ms_per_job = drained_cpu_s * 1e3 / n;
  run.receiver_cpu_ms_per_job = receiver_cpu_s * 1e3 / n;
  run.drain_after_s = drained_s - jobs_s;
  const bool all_delivered =
      expected == 0 || (failed_deliveries == 0 && delivered_jobs == ids.size());
  run.ok = completed == ids.size() && all_delivered;
  std::printf("  %-44s %7.0f jobs/s  CPU %.3f ms/job (%.3f until drained, receiver %.3f)%s\n",
              Name(mode), run.jobs_per_s, run.cpu_ms_per_job, run.drained_cpu_ms_per_job,
              run.receiver_cpu_ms_per_job, run.ok ? "" : "  INCOMPLETE");
  std::fflush(stdout);
  return run;
}

std::vector<HookMode> ParseModes(const std::string& list) {
  std::vector<HookMode> modes;
  std::stringstream in(list);
  std::string name;
  while (std::getline(in, name, ',')) {
    if (name == "off") modes.push_back(HookMode::kOff);
    if (name == "simulated") modes.push_back(HookMode::kSimulated);
    if (name == "single") modes.push_back(HookMode::kSingle);
    if (name == "staged") modes.push_back(HookMode::kStaged);
  }
  return modes;
}

// Written to by the SIGTERM/SIGINT handler (whichever thread takes the signal) to wake main.
int stop_pipe_write = -1;
extern "C" void OnStopSignal(int) { (void)!write(stop_pipe_write, "x", 1); }

// --receiver-only: the receiver as a process of its own, counting POSTs, until SIGTERM/SIGINT.
int ReceiverOnly(uint16_t port, int threads) {
  int stop_pipe[2];
  if (pipe(stop_pipe) != 0) return 1;
  stop_pipe_write = stop_pipe[1];
  struct sigaction action {};
  action.sa_handler = OnStopSignal;
  sigaction(SIGTERM, &action, nullptr);
  sigaction(SIGINT, &action, nullptr);
  std::atomic<uint64_t> posts{0};
  http::ServerOptions options;
  options.port = port;
  options.threads = threads;
  options.shutdown_grace = std::chrono::milliseconds(100);
  http::Server server(options, [&posts](const http::Request& req) {
    if (req.method == "POST") {
      posts.fetch_add(1, std::memory_order_relaxed);
      return http::Response::Json(200, "{}");
    }
    if (req.path == "/count") {
      return http::Response::Json(200, "{\"posts\": " + std::to_string(posts.load()) + "}");
    }
    return http::Response::Json(404, "{}");
  });
  Status started = server.Start();
  if (!started.ok()) {
    std::fprintf(stderr, "receiver: %s\n", started.error().message.c_str());
    return 1;
  }
  std::printf("port %u\n", static_cast<unsigned>(server.port()));
  std::fflush(stdout);
  char c;
  while (read(stop_pipe[0], &c, 1) < 0 && errno == EINTR) {
  }
  server.Stop();
  std::printf("posts %llu\n", static_cast<unsigned long long>(posts.load()));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  size_t deliveries = 20000;
  int jobs = 2000, rounds = 5, threads = 2, receiver_threads = 1, senders = 4;
  std::string mode_list = "off,simulated,single,staged";
  int receiver_only = -1;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--deliveries") deliveries = static_cast<size_t>(std::atol(argv[i + 1]));
    if (flag == "--jobs") jobs = std::atoi(argv[i + 1]);
    if (flag == "--rounds") rounds = std::max(1, std::atoi(argv[i + 1]));
    if (flag == "--threads") threads = std::atoi(argv[i + 1]);
    if (flag == "--receiver-threads") receiver_threads = std::atoi(argv[i + 1]);
    if (flag == "--senders") senders = std::atoi(argv[i + 1]);
    if (flag == "--modes") mode_list = argv[i + 1];
    if (flag == "--receiver-only") receiver_only = std::atoi(argv[i + 1]);
  }
  if (receiver_only >= 0) {
    return ReceiverOnly(static_cast<uint16_t>(receiver_only), std::max(1, receiver_threads));
  }
  Receiver receiver(receiver_threads);  // forked before any thread starts
  if (receiver.port() == 0) {
    std::fprintf(stderr, "cannot start the receiver\n");
    return 1;
  }
  int rc = 0;
  if (deliveries > 0) rc |= BenchDeliveries(receiver, deliveries, senders, receiver_threads);
  const std::vector<HookMode> modes = ParseModes(mode_list);
  if (jobs <= 0 || modes.empty()) return rc;
  std::printf("jobs: %d create jobs per run, %d worker threads, %d senders; %d rounds of %s\n",
              jobs, threads, senders, rounds, mode_list.c_str());
  std::vector<std::vector<JobRun>> runs(modes.size());
  for (int round = 0; round < rounds; ++round) {
    std::printf("round %d\n", round + 1);
    // Rotate the order each round so no mode always runs first (a warm or cold start).
    for (size_t k = 0; k < modes.size(); ++k) {
      size_t m = (k + static_cast<size_t>(round)) % modes.size();
      JobRun run = BenchJobs(receiver, modes[m], jobs, threads, senders);
      if (!run.ok) rc = 1;
      runs[m].push_back(run);
    }
  }
  auto median = [&](size_t m, double JobRun::*field) {
    std::vector<double> values;
    for (const JobRun& r : runs[m]) values.push_back(r.*field);
    return Median(values);
  };
  const double off_jobs = median(0, &JobRun::jobs_per_s);
  const double off_cpu = median(0, &JobRun::cpu_ms_per_job);
  std::printf("medians over %d rounds (ratios to \"%s\", the first mode listed):\n", rounds,
              Name(modes[0]));
  std::printf("  %-44s %9s %7s %11s %7s %15s %7s %12s\n", "mode", "jobs/s", "ratio", "CPU ms/job",
              "ratio", "+drain ms/job", "ratio", "receiver ms");
  for (size_t m = 0; m < modes.size(); ++m) {
    const double j = median(m, &JobRun::jobs_per_s);
    const double c = median(m, &JobRun::cpu_ms_per_job);
    const double d = median(m, &JobRun::drained_cpu_ms_per_job);
    std::printf("  %-44s %9.0f %7.3f %11.3f %7.3f %15.3f %7.3f %12.3f\n", Name(modes[m]), j,
                j / off_jobs, c, c / off_cpu, d, d / off_cpu,
                median(m, &JobRun::receiver_cpu_ms_per_job));
  }
  return rc;
}
