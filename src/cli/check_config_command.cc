// `gitops-api check-config`: loads the environment, .env and resource_configs.yaml as `serve`
// would, checks every type (and that every flavor has its template) and prints every problem.
#include <filesystem>
#include <iostream>

#include "cli/commands.h"
#include "config/config.h"

namespace gitops::cli {

void RegisterCheckConfigCommand(CLI::App& app, CommandRunner& run) {
  auto* cmd = app.add_subcommand(
      "check-config",
      "Validate the environment, .env and the resource type file; print every problem "
      "(file:line: key: message) and exit non-zero when there is any");
  cmd->callback([&run] {
    run = [] {
      auto problems = config::CheckConfig(config::ProcessEnvironment(),
                                          std::filesystem::current_path());
      for (const auto& p : problems) std::cerr << p.ToString() << "\n";
      if (!problems.empty()) {
        std::cerr << problems.size() << (problems.size() == 1 ? " problem" : " problems")
                  << " found\n";
        return 1;
      }
      std::cout << "configuration ok\n";
      return 0;
    };
  });
}

}  // namespace gitops::cli
