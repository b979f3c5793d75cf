// The lexer: template source -> tokens, applying Jinja's whitespace control (trim_blocks,
// lstrip_blocks, '-' and '+' modifiers), {% raw %} and newline normalization.
#pragma once

#include <string_view>
#include <vector>

#include "core/result.h"
#include "jinja/token.h"

namespace gitops::jinja {

struct LexOptions {
  bool trim_blocks = true;
  bool lstrip_blocks = true;
  bool keep_trailing_newline = false;
};

// Splits `source` into tokens ending with kEof. Errors are kInvalidArgument with
// "<name>:<line>: <message>" (unexpected char, unclosed comment/raw/tag, unbalanced brackets).
Result<std::vector<Token>> Lex(std::string_view source, std::string_view name,
                               const LexOptions& options);

}  // namespace gitops::jinja
