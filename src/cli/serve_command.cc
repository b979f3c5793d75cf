// `gitops-api serve`: loads the configuration and runs the service until SIGINT or SIGTERM.
// Dev mode: one process with in-memory parts and embedded workers. Production mode
// (DEV_MODE=false): a stateless API replica on PostgreSQL and Redis; workers only with
// --with-workers (otherwise run `gitops-api worker`).
#include <pthread.h>
#include <signal.h>
#include <spdlog/spdlog.h>

#include <filesystem>
#include <iostream>

#include "app/app.h"
#include "cli/commands.h"
#include "config/config.h"
#include "core/clock.h"

namespace gitops::cli {
namespace {

struct ServeFlags {
  std::string host;
  int threads = 0;  // 0: dev mode 2, production kProductionHttpThreads
  bool with_workers = false;
  WorkerTuning tuning;
};

// Production HTTP threads by default. A submission holds its thread while its group of
// concurrent submissions commits (PostgresJobStore::Submit), so the thread count is how many
// submissions can share one transaction: with a handful, each fsync serves a handful.
constexpr int kProductionHttpThreads = 64;

int ServeProduction(config::Config config, const ServeFlags& flags) {
  app::ProductionOptions options;
  options.host = flags.host.empty() ? "0.0.0.0" : flags.host;
  options.http_threads = flags.threads > 0 ? flags.threads : kProductionHttpThreads;
  if (flags.with_workers) options.worker_threads = static_cast<size_t>(std::max(1, config.workers));
  flags.tuning.Apply(options);
  return RunProduction(std::move(config), std::move(options));
}

int Serve(const ServeFlags& flags) {
  auto loaded = LoadServiceConfig();
  if (!loaded) return 2;
  if (!loaded->dev_mode) return ServeProduction(std::move(*loaded), flags);

  // Block the stop signals in every thread (they inherit the mask); this thread waits for them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  std::optional<config::Config> cfg = std::move(loaded);
  app::AppOptions options;
  options.host = flags.host.empty() ? "127.0.0.1" : flags.host;
  options.http_threads = flags.threads > 0 ? flags.threads : 2;
  static SystemClock clock;
  auto app = app::App::Create(std::move(cfg).value(), options, clock);
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
  spdlog::info("received {}, stopping", sig == SIGINT ? "SIGINT" : "SIGTERM");
  (*app)->Stop();
  return 0;
}

}  // namespace

void RegisterServeCommand(CLI::App& app, CommandRunner& run) {
  auto flags = std::make_shared<ServeFlags>();
  auto* cmd = app.add_subcommand(
      "serve",
      "Run the HTTP API (dev mode: and the workers; production mode: workers only with "
      "--with-workers). Configuration: environment, .env, resource_configs.yaml (see "
      "docs/configuration.md)");
  cmd->add_option("--host", flags->host,
                  "Address to bind (default: 127.0.0.1 in dev mode, 0.0.0.0 otherwise)");
  cmd->add_option("--threads", flags->threads,
                  "HTTP threads (default: 2 in dev mode, 64 in production mode, where each "
                  "submission holds one while its group commits)")
      ->check(CLI::Range(1, 256));
  cmd->add_flag("--with-workers", flags->with_workers,
                "Production mode: also run WORKERS worker threads in this process (by default "
                "serve is API only; run `gitops-api worker`)");
  AddWorkerTuningOptions(*cmd, flags->tuning);
  cmd->callback([&run, flags] { run = [flags] { return Serve(*flags); }; });
}

}  // namespace gitops::cli
