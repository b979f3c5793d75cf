// CheckManifest: yaml-cpp parse of rendered YAML, its exceptions turned into a Status.
#include "pipeline/manifest_check.h"

#include <string>

#include <yaml-cpp/yaml.h>

namespace gitops::pipeline {

Status CheckManifest(config::ManifestFormat format, std::string_view path, std::string_view text) {
  if (format != config::ManifestFormat::kYaml) return OkStatus();
  try {
    (void)YAML::LoadAll(std::string(text));
  } catch (const YAML::Exception& e) {
    std::string where;
    if (!e.mark.is_null()) {
      where = "line " + std::to_string(e.mark.line + 1) + ", column " +
              std::to_string(e.mark.column + 1) + ": ";
    }
    return Unexpected(ErrorCode::kInvalidArgument,
                      "rendered manifest " + std::string(path) + " is not valid YAML: " + where +
                          e.msg);
  } catch (const std::exception& e) {
    return Unexpected(ErrorCode::kInvalidArgument,
                      "rendered manifest " + std::string(path) + " is not valid YAML: " + e.what());
  }
  return OkStatus();
}

}  // namespace gitops::pipeline
