// The check a rendered manifest passes before it may be committed.
#pragma once

#include <string_view>

#include "config/resource_type.h"
#include "core/result.h"

namespace gitops::pipeline {

// kYaml: `text` must parse as a stream of YAML documents (yaml-cpp); otherwise
// kInvalidArgument "rendered manifest <path> is not valid YAML: line L, column C: <parser
// message>" (1-based). kText: always OK.
Status CheckManifest(config::ManifestFormat format, std::string_view path, std::string_view text);

}  // namespace gitops::pipeline
