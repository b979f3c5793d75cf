// Parser for `.env` files: `KEY=value` lines, `export KEY=value`, single and double quotes,
// `#` comments. No variable expansion: values are taken literally.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "core/result.h"

namespace gitops::config {

using EnvMap = std::map<std::string, std::string>;

// Parses the text of a .env file. Rules: blank lines and lines starting with '#' are skipped; an
// optional `export ` prefix; KEY matches [A-Za-z_][A-Za-z0-9_]*; spaces around '=' are allowed;
// a double-quoted value understands \n \t \r \" \\ \$; a single-quoted one is literal; an
// unquoted value ends at a " #" comment and is trimmed. A later line wins over an earlier one.
// Error: kInvalidArgument "<file_name>:<line>: <what is wrong>" for the first bad line.
Result<EnvMap> ParseDotEnv(std::string_view text, std::string_view file_name);

}  // namespace gitops::config
