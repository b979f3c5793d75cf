// The evaluator: renders a compiled template (AST) with a JSON context. All per-render state
// lives in a Renderer created per call, so one compiled template renders from many threads.
#pragma once

#include <memory>
#include <string>

#include "core/result.h"
#include "jinja/ast.h"
#include "jinja/jinja.h"

namespace gitops::jinja {

// What Environment compiles a template into. Immutable after construction.
struct CompiledTemplate {
  std::string name;
  std::unique_ptr<TemplateAst> ast;
};

// Renders `tmpl` into `out` (appending). `env` resolves include/import/extends and gives the
// options (limits, strict undefined). Errors as described at Template::Render.
Status RenderTemplate(const Environment& env, const CompiledTemplate& tmpl, const Json& context,
                      std::string& out);

}  // namespace gitops::jinja
