// `gitops-api worker`: the production worker process (DEV_MODE=false): leases batches from
// Redis, applies them under the repository's writer lease, sweeps lost dispatches; no HTTP.
// Also RunProduction, which `serve` uses in production mode too.
#include <pthread.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <filesystem>
#include <iostream>

#include "app/production_app.h"
#include "cli/commands.h"
#include "config/config.h"
#include "core/clock.h"

namespace gitops::cli {

std::optional<config::Config> LoadServiceConfig() {
  auto cfg = config::LoadConfig(config::ProcessEnvironment(), std::filesystem::current_path());
  if (!cfg.ok()) {
    std::cerr << "gitops-api: configuration error: " << cfg.error().message << "\n";
    // With several problems the first line names one and the details list them all.
    const std::string& details = cfg.error().details;
    if (details.find('\n') != std::string::npos && details.find('\n') + 1 < details.size()) {
      std::cerr << details << (details.back() == '\n' ? "" : "\n");
    }
    return std::nullopt;
  }
  spdlog::set_level(spdlog::level::from_str(cfg->log_level == "warning" ? "warn" : cfg->log_level));
  return std::move(cfg).value();
}

int RunProduction(config::Config config, app::ProductionOptions options) {
  // Block the stop signals in every thread (they inherit the mask); this thread waits for them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  static SystemClock clock;
  auto app = app::ProductionApp::Create(std::move(config), std::move(options), clock);
  if (!app.ok()) {
    std::cerr << "gitops-api: " << app.error().message << "\n";
    return 1;
  }
  if (auto st = (*app)->Start(); !st.ok()) {
    std::cerr << "gitops-api: " << st.error().message << "\n";
    return 1;
  }
  int sig = 0;
  sigwait(&stop_signals, &sig);
  spdlog::info("received {}, stopping (running jobs finish first)",
               sig == SIGINT ? "SIGINT" : "SIGTERM");
  if (Status st = (*app)->Stop(); !st.ok()) {
    // Batches still running after the grace period: leave them to re-delivery (their leases
    // expire, Job-Id trailers keep them from committing twice) rather than wait forever.
    spdlog::error("{}; exiting anyway", st.error().message);
    spdlog::default_logger()->flush();
    _exit(1);
  }
  spdlog::info("stopped");
  return 0;
}

namespace {

std::chrono::milliseconds Millis(double seconds) {
  return std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000));
}

struct WorkerFlags {
  int concurrency = 0;  // 0: WORKERS
  WorkerTuning tuning;
};

int Worker(const WorkerFlags& flags) {
  auto cfg = LoadServiceConfig();
  if (!cfg) return 2;
  if (cfg->dev_mode) {
    std::cerr << "gitops-api: `worker` runs in production mode only (DEV_MODE=false); in dev "
                 "mode `serve` runs the workers\n";
    return 2;
  }
  app::ProductionOptions options;
  options.http = false;
  options.worker_threads = static_cast<size_t>(flags.concurrency > 0 ? flags.concurrency
                                                                      : std::max(1, cfg->workers));
  flags.tuning.Apply(options);
  return RunProduction(std::move(*cfg), std::move(options));
}

}  // namespace

void WorkerTuning::Apply(app::ProductionOptions& options) const {
  options.sweeper.interval = Millis(sweep_interval_s);
  options.sweeper.age = Millis(sweep_age_s);
  options.lease_ttl = Millis(lease_ttl_s);
  options.stop_grace = Millis(stop_grace_s);
}

void AddWorkerTuningOptions(CLI::App& cmd, WorkerTuning& tuning) {
  cmd.add_option("--sweep-interval", tuning.sweep_interval_s,
                 "Seconds between sweeps for jobs whose dispatch was lost")
      ->check(CLI::Range(0.05, 3600.0))
      ->capture_default_str();
  cmd.add_option("--sweep-age", tuning.sweep_age_s,
                 "Seconds a job may stay submitted (or in_progress without change) before the "
                 "sweeper dispatches it again")
      ->check(CLI::Range(0.1, 86400.0))
      ->capture_default_str();
  cmd.add_option("--lease-ttl", tuning.lease_ttl_s,
                 "Seconds a dead worker's writer and queue leases last before others take over")
      ->check(CLI::Range(0.5, 3600.0))
      ->capture_default_str();
  cmd.add_option("--stop-grace", tuning.stop_grace_s,
                 "Seconds running jobs get to finish after SIGTERM")
      ->check(CLI::Range(0.0, 3600.0))
      ->capture_default_str();
}

void RegisterWorkerCommand(CLI::App& app, CommandRunner& run) {
  auto flags = std::make_shared<WorkerFlags>();
  auto* cmd = app.add_subcommand(
      "worker",
      "Production mode (DEV_MODE=false): apply queued jobs (Redis) to Git under per-repository "
      "writer leases (PostgreSQL). Scale out by running more. SIGTERM lets running jobs finish");
  cmd->add_option("--concurrency", flags->concurrency, "Worker threads (default: WORKERS)")
      ->check(CLI::Range(1, 256));
  AddWorkerTuningOptions(*cmd, flags->tuning);
  cmd->callback([&run, flags] { run = [flags] { return Worker(*flags); }; });
}

}  // namespace gitops::cli
