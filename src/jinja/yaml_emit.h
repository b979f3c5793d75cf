// PyYAML's safe_dump(value, default_flow_style=False, sort_keys=False) for template values:
// block style mappings and sequences, PyYAML's scalar styles and quoting, width-80 folding.
#pragma once

#include <string>

#include "core/result.h"
#include "jinja/value.h"

namespace gitops::jinja {

struct YamlDumpOptions {
  int indent = 2;  // PyYAML accepts 2..9; other values fall back to 2
  int width = 80;  // best_width
};

// yaml.safe_dump(v, default_flow_style=False, sort_keys=False, indent=...). The output always
// parses back to the same value. kInvalidArgument ("('cannot represent an object', Undefined)") for
// undefined values and runtime objects, or nesting deeper than 500 levels.
Result<std::string> YamlSafeDump(const Value& v, const YamlDumpOptions& options);

}  // namespace gitops::jinja
