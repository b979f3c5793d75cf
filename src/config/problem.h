// ConfigProblem: one thing wrong with the configuration, named by file, key path and line, so
// `gitops-api check-config` can list every problem at once instead of stopping at the first.
#pragma once

#include <string>
#include <vector>

#include "core/result.h"

namespace gitops::config {

struct ConfigProblem {
  std::string file;  // "resource_configs.yaml", ".env", "environment", "templates"
  std::string key;   // key path, e.g. "resource_types.vm.flavors[1]" or "PORT"; may be empty
  std::string message;
  int line = 0;  // 1-based line in `file`, 0 when unknown

  // "resource_configs.yaml:12: resource_types.vm.flavour: unknown key (did you mean 'flavors'?)"
  std::string ToString() const;
  bool operator==(const ConfigProblem&) const = default;
};

// One kInvalidArgument Error for a non-empty list: the first problem as the message, every
// problem (one per line) in `details`.
Error ProblemsToError(const std::vector<ConfigProblem>& problems);

}  // namespace gitops::config
