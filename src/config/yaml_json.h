// Reads YAML into nlohmann::json (YAML 1.2 core schema for plain scalars) and remembers the line
// of every key path, so configuration problems can name the line. Internal to src/config.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "core/result.h"

namespace gitops::config {

struct YamlDocument {
  nlohmann::json value;              // null for an empty document
  std::map<std::string, int> lines;  // "resource_types.vm.flavors[1]" -> 1-based line
};

// Parses one YAML document. Plain scalars become null/bool/int/float/string per the YAML 1.2
// core schema; quoted scalars stay strings. Errors (kInvalidArgument, message
// "<file>:<line>: ..."): syntax errors, duplicate keys, non-scalar keys, aliases to maps as keys.
Result<YamlDocument> ParseYamlToJson(std::string_view text, std::string_view file_name);

// The line recorded for `key_path` or for its closest recorded parent; 0 when none.
int LineOf(const YamlDocument& doc, std::string key_path);

}  // namespace gitops::config
