// ConfigProblem formatting.
#include "config/problem.h"

namespace gitops::config {

std::string ConfigProblem::ToString() const {
  std::string out = file;
  if (line > 0) out += ":" + std::to_string(line);
  if (!out.empty()) out += ": ";
  if (!key.empty()) out += key + ": ";
  out += message;
  return out;
}

Error ProblemsToError(const std::vector<ConfigProblem>& problems) {
  if (problems.empty()) return MakeError(ErrorCode::kInternal, "no configuration problem");
  std::string details;
  for (const auto& problem : problems) {
    if (!details.empty()) details += "\n";
    details += problem.ToString();
  }
  std::string message = problems.front().ToString();
  if (problems.size() > 1) {
    message += " (and " + std::to_string(problems.size() - 1) + " more problem" +
               (problems.size() > 2 ? "s" : "") + ")";
  }
  return MakeError(ErrorCode::kInvalidArgument, std::move(message), std::move(details));
}

}  // namespace gitops::config
