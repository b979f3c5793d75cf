// Subcommands of the gitops-api binary. Each lives in its own <name>_command.cc and registers
// itself on the CLI11 app; main.cc only calls the Register functions listed here.
#pragma once

#include <functional>
#include <optional>

#include <CLI/CLI.hpp>

#include "app/production_app.h"
#include "config/config.h"

namespace gitops::cli {

// What a subcommand runs once CLI11 has parsed its options; returns the process exit code.
using CommandRunner = std::function<int()>;

// Adds `render` to `app`; `run` is set to the code to execute when it is selected.
void RegisterRenderCommand(CLI::App& app, CommandRunner& run);
// Adds `check-config`.
void RegisterCheckConfigCommand(CLI::App& app, CommandRunner& run);
// Adds `serve` (dev mode: the whole service; production: the API, workers on request).
void RegisterServeCommand(CLI::App& app, CommandRunner& run);
// Adds `worker` (production mode only).
void RegisterWorkerCommand(CLI::App& app, CommandRunner& run);
// Adds `migrate` (creates or upgrades the PostgreSQL schema).
void RegisterMigrateCommand(CLI::App& app, CommandRunner& run);

// Shared by serve and worker (worker_command.cc).

// Loads the configuration (environment, .env, resource type file) and sets the log level;
// prints the error and returns nullopt when it cannot be loaded.
std::optional<config::Config> LoadServiceConfig();

// Worker settings of production mode, in seconds (the CLI's units).
struct WorkerTuning {
  double sweep_interval_s = 5;
  double sweep_age_s = 30;
  double lease_ttl_s = 30;
  double stop_grace_s = 30;
  void Apply(app::ProductionOptions& options) const;
};
// Adds --sweep-interval, --sweep-age, --lease-ttl and --stop-grace to `cmd`.
void AddWorkerTuningOptions(CLI::App& cmd, WorkerTuning& tuning);

// Runs a ProductionApp until SIGINT/SIGTERM, then stops it gracefully (bounded by
// options.stop_grace). Prints one line and returns 1 when it cannot start.
int RunProduction(config::Config config, app::ProductionOptions options);

}  // namespace gitops::cli
