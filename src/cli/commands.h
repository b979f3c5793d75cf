// Subcommands of the gitops-api binary. Each lives in its own <name>_command.cc and registers
// itself on the CLI11 app; main.cc only calls the Register functions listed here.
#pragma once

#include <functional>

#include <CLI/CLI.hpp>

namespace gitops::cli {

// What a subcommand runs once CLI11 has parsed its options; returns the process exit code.
using CommandRunner = std::function<int()>;

// Adds `render` to `app`; `run` is set to the code to execute when it is selected.
void RegisterRenderCommand(CLI::App& app, CommandRunner& run);
// Adds `check-config`.
void RegisterCheckConfigCommand(CLI::App& app, CommandRunner& run);
// Adds `serve`.
void RegisterServeCommand(CLI::App& app, CommandRunner& run);

}  // namespace gitops::cli
