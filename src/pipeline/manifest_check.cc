// CheckManifest: yaml-cpp parse of rendered YAML, its exceptions turned into a Status.
#include "pipeline/manifest_check.h"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <sstream>
#include <string>

namespace gitops::pipeline {

namespace {

// Parsing is the check; the documents themselves are not needed, so no nodes are built.
class IgnoreEvents final : public YAML::EventHandler {
 public:
  void OnDocumentStart(const YAML::Mark&) override {}
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}
};

}  // namespace

Status CheckManifest(config::ManifestFormat format, std::string_view path, std::string_view text) {
  if (format != config::ManifestFormat::kYaml) return OkStatus();
  try {
    std::istringstream in{std::string(text)};
    YAML::Parser parser(in);
    IgnoreEvents events;
    while (parser.HandleNextDocument(events)) {
    }
  } catch (const YAML::Exception& e) {
    std::string where;
    if (!e.mark.is_null()) {
      where = "line " + std::to_string(e.mark.line + 1) + ", column " +
              std::to_string(e.mark.column + 1) + ": ";
    }
    return Unexpected(ErrorCode::kInvalidArgument, "rendered manifest " + std::string(path) +
                                                       " is not valid YAML: " + where + e.msg);
  } catch (const std::exception& e) {
    return Unexpected(ErrorCode::kInvalidArgument,
                      "rendered manifest " + std::string(path) + " is not valid YAML: " + e.what());
  }
  return OkStatus();
}

}  // namespace gitops::pipeline
