// Entry point of gitops-api: parses the command line and runs the selected subcommand.
#include <CLI/CLI.hpp>

#include "cli/commands.h"

int main(int argc, char** argv) {
  CLI::App app{"gitops-api: renders Jinja2 templates into manifests and commits them to Git"};
  app.require_subcommand(1);
  gitops::cli::CommandRunner run;
  gitops::cli::RegisterRenderCommand(app, run);
  gitops::cli::RegisterCheckConfigCommand(app, run);
  gitops::cli::RegisterServeCommand(app, run);
  gitops::cli::RegisterWorkerCommand(app, run);
  gitops::cli::RegisterMigrateCommand(app, run);
  CLI11_PARSE(app, argc, argv);
  return run ? run() : 1;
}
