// Public API of the Jinja2-compatible template engine: an Environment compiles templates (from a
// string or through a Loader) into immutable Templates that render a JSON context.
// This library depends on nothing of the service but src/core (Result/Error).
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/result.h"

namespace gitops::jinja {

// Context values keep insertion order, as Python dicts do.
using Json = nlohmann::ordered_json;

// The service's environment is Jinja2's with trim_blocks and lstrip_blocks on, autoescape off.
struct Options {
  bool trim_blocks = true;
  bool lstrip_blocks = true;
  bool keep_trailing_newline = false;
  // StrictUndefined instead of the default Undefined: any use of an undefined value is an error.
  bool strict_undefined = false;
  // Limits, so a template cannot take the service down. Exceeding one is a
  // kResourceExhausted (sizes, counts) or kDeadlineExceeded (time) error.
  size_t max_output_bytes = 16 * 1024 * 1024;
  size_t max_loop_iterations = 1'000'000;  // per render, all loops together
  int max_recursion_depth = 200;           // macro calls, recursive loops, includes
  std::chrono::milliseconds time_budget{2000};
};

// Finds template sources by name (for include/import/extends and Environment::GetTemplate).
class Loader {
 public:
  virtual ~Loader() = default;
  // Returns the source of template `name`; kNotFound when there is none. Thread-safe.
  virtual Result<std::string> Load(std::string_view name) const = 0;
};

// Loads from one or more directories, first match wins; names are '/'-separated relative paths
// and may not escape the directories ("..", absolute paths: kNotFound).
class DirectoryLoader final : public Loader {
 public:
  explicit DirectoryLoader(std::vector<std::string> search_paths);
  Result<std::string> Load(std::string_view name) const override;

 private:
  std::vector<std::string> search_paths_;
};

// Loads from an in-memory map of name -> source (tests, Git trees read ahead of time).
class MapLoader final : public Loader {
 public:
  explicit MapLoader(std::map<std::string, std::string> sources);
  Result<std::string> Load(std::string_view name) const override;

 private:
  std::map<std::string, std::string> sources_;
};

class Environment;
struct CompiledTemplate;  // AST and metadata; defined in the implementation

// A compiled template. Immutable; Render may be called from many threads at once.
class Template {
 public:
  // Renders with `context` (a JSON object; null means empty). Errors carry the template name
  // and line in the message: kInvalidArgument for template errors (undefined misuse, type
  // errors, division by zero, unknown filter at run time), kNotFound for a missing included
  // template, kResourceExhausted / kDeadlineExceeded for limits.
  Result<std::string> Render(const Json& context) const;
  // As Render, appending to `out` (cleared first). Reuse `out` to avoid allocations.
  Status RenderTo(const Json& context, std::string& out) const;
  const std::string& name() const;

  // Internal: built by Environment.
  Template(const Environment* env, std::shared_ptr<const CompiledTemplate> compiled);
  const CompiledTemplate& compiled() const { return *compiled_; }

 private:
  const Environment* env_;
  std::shared_ptr<const CompiledTemplate> compiled_;
};

using TemplatePtr = std::shared_ptr<const Template>;

// Compiles and caches templates. Thread-safe. Must outlive the Templates it returns.
class Environment {
 public:
  explicit Environment(Options options = {}, std::shared_ptr<const Loader> loader = nullptr);
  ~Environment();

  // Compiles `source`. Syntax errors are kInvalidArgument with "<name>:<line>: <message>".
  Result<TemplatePtr> FromString(std::string_view source, std::string name = "<template>") const;
  // Loads (through the loader) and compiles `name`, caching the result. kNotFound when the
  // loader has no such template.
  Result<TemplatePtr> GetTemplate(std::string_view name) const;

  const Options& options() const { return options_; }
  const Loader* loader() const { return loader_.get(); }

 private:
  Options options_;
  std::shared_ptr<const Loader> loader_;
  mutable std::mutex cache_mu_;
  mutable std::unordered_map<std::string, TemplatePtr> cache_;
};

}  // namespace gitops::jinja
