// TemplateSource: the compiled Jinja templates of the service, read from the bundled directory
// or from a Git template repository, one jinja::Environment per strictness, swappable at once.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "config/config.h"
#include "core/result.h"
#include "git/repository.h"
#include "jinja/jinja.h"

namespace gitops::pipeline {

// Builds the loader over the current templates (reads a directory, or fetches a repository).
using LoaderFactory = std::function<Result<std::shared_ptr<const jinja::Loader>>()>;

// Loader over a directory on disk (the bundled infra-templates/). Never fails itself.
LoaderFactory DirectoryLoaderFactory(std::string dir);

// Loader over every file of a Git template repository's branch tip, fetched into memory
// (TEMPLATE_REPO_URL / TEMPLATE_REPO_BRANCH). Errors as git::FetchFiles.
LoaderFactory GitLoaderFactory(git::RepositoryOptions options);

// The loader Config asks for: TEMPLATE_REPO_URL (branch TEMPLATE_REPO_BRANCH, credentials
// GIT_USERNAME / GIT_PASSWORD, cache <DATA_DIR>/cache/templates.git) when set, else the
// directory TEMPLATE_DIR (the bundled infra-templates/).
LoaderFactory LoaderFactoryFromConfig(const config::Config& config);

class TemplateSource {
 public:
  // Calls `factory` once (Refresh). Errors of the factory are returned as is.
  static Result<std::unique_ptr<TemplateSource>> Create(LoaderFactory factory,
                                                        jinja::Options base_options = {});

  // The environment for `strict_undefined` (StrictUndefined or the default Undefined). It caches
  // compiled templates; keep the pointer while rendering a template it gave. Thread-safe.
  std::shared_ptr<const jinja::Environment> Environment(bool strict_undefined) const;

  // The compiled template `name` (e.g. "namespaces/small.yaml.j2"). kNotFound when absent,
  // kInvalidArgument for a syntax error. The returned pair keeps its environment alive.
  struct Compiled {
    std::shared_ptr<const jinja::Environment> environment;
    jinja::TemplatePtr tmpl;
  };
  Result<Compiled> Get(const std::string& name, bool strict_undefined) const;

  // Re-reads the templates (factory again) and swaps in fresh environments; renders in flight
  // finish on the old ones. On error the current templates stay. Thread-safe.
  Status Refresh();

 private:
  TemplateSource(LoaderFactory factory, jinja::Options base_options);

  LoaderFactory factory_;
  jinja::Options base_options_;
  mutable std::mutex mu_;  // guards the two pointers only (never held while compiling or I/O)
  std::shared_ptr<const jinja::Environment> lenient_;
  std::shared_ptr<const jinja::Environment> strict_;
};

}  // namespace gitops::pipeline
