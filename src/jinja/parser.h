// The recursive-descent parser: tokens -> AST, with Jinja2 3.1's grammar, precedence and
// syntax error messages.
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "jinja/ast.h"
#include "jinja/token.h"

namespace gitops::jinja {

// Nesting deeper than this (brackets, unary operators, statements) is a syntax error rather
// than a stack overflow.
inline constexpr int kMaxParseDepth = 200;

// Parses `tokens` (ending with kEof) of template `name`. Errors are kInvalidArgument with
// "<name>:<line>: <message>". Unknown filters and tests are errors here, as in Jinja.
Result<std::unique_ptr<TemplateAst>> Parse(std::vector<Token> tokens, std::string_view name);

}  // namespace gitops::jinja
