// `gitops-api serve`: loads the configuration and runs the service until SIGINT or SIGTERM.
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
  int threads = 2;
};

int Serve(const ServeFlags& flags) {
  // Block the stop signals in every thread (they inherit the mask); this thread waits for them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  auto cfg = config::LoadConfig(config::ProcessEnvironment(), std::filesystem::current_path());
  if (!cfg.ok()) {
    std::cerr << "gitops-api: configuration error: " << cfg.error().message << "\n";
    if (!cfg.error().details.empty()) std::cerr << cfg.error().details << "\n";
    return 2;
  }
  spdlog::set_level(spdlog::level::from_str(cfg->log_level == "warning" ? "warn" : cfg->log_level));

  app::AppOptions options;
  options.host = flags.host.empty() ? (cfg->dev_mode ? "127.0.0.1" : "0.0.0.0") : flags.host;
  options.http_threads = flags.threads;
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
      "Run the HTTP API and the workers. Configuration: environment, .env, "
      "resource_configs.yaml (see docs/configuration.md)");
  cmd->add_option("--host", flags->host,
                  "Address to bind (default: 127.0.0.1 in dev mode, 0.0.0.0 otherwise)");
  cmd->add_option("--threads", flags->threads, "HTTP I/O threads")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  cmd->callback([&run, flags] { run = [flags] { return Serve(*flags); }; });
}

}  // namespace gitops::cli
