// ManifestReader: how the direct read route gets a manifest's text from Git. The app wires it
// to the git adapter; tests use a fake.
#pragma once

#include <string>
#include <string_view>

#include "config/resource_type.h"
#include "core/result.h"

namespace gitops::api {

class ManifestReader {
 public:
  virtual ~ManifestReader() = default;
  // The content of `path` at the tip of `type`'s branch in its repository. kNotFound when the
  // file is absent, kUnavailable when the repository cannot be reached. Thread-safe.
  virtual Result<std::string> ReadManifest(const config::ResourceTypeConfig& type,
                                           std::string_view path) const = 0;
};

}  // namespace gitops::api
