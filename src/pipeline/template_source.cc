// TemplateSource: loaders over a directory or a fetched Git tree, and environment swapping.
#include "pipeline/template_source.h"

#include <map>
#include <utility>

namespace gitops::pipeline {

LoaderFactory DirectoryLoaderFactory(std::string dir) {
  return [dir = std::move(dir)]() -> Result<std::shared_ptr<const jinja::Loader>> {
    return std::shared_ptr<const jinja::Loader>(
        std::make_shared<jinja::DirectoryLoader>(std::vector<std::string>{dir}));
  };
}

LoaderFactory GitLoaderFactory(git::RepositoryOptions options) {
  return [options = std::move(options)]() -> Result<std::shared_ptr<const jinja::Loader>> {
    auto files = git::FetchFiles(options, "");
    if (!files.ok()) return std::move(files).error();
    std::map<std::string, std::string> sources;
    for (git::FileEntry& entry : *files) sources.emplace(entry.path, std::move(entry.content));
    return std::shared_ptr<const jinja::Loader>(
        std::make_shared<jinja::MapLoader>(std::move(sources)));
  };
}

LoaderFactory LoaderFactoryFromConfig(const config::Config& config) {
  if (config.template_repo_url.empty()) return DirectoryLoaderFactory(config.template_dir.string());
  git::RepositoryOptions options;
  options.cache_dir = (config.data_dir / "cache" / "templates.git").string();
  options.remote_url = config.template_repo_url;
  options.branch = config.template_repo_branch;
  options.credentials.username = config.git_username;
  options.credentials.password = config.git_password;
  return GitLoaderFactory(std::move(options));
}

TemplateSource::TemplateSource(LoaderFactory factory, jinja::Options base_options)
    : factory_(std::move(factory)), base_options_(base_options) {}

Result<std::unique_ptr<TemplateSource>> TemplateSource::Create(LoaderFactory factory,
                                                               jinja::Options base_options) {
  std::unique_ptr<TemplateSource> source(new TemplateSource(std::move(factory), base_options));
  GITOPS_RETURN_IF_ERROR(source->Refresh());
  return source;
}

std::shared_ptr<const jinja::Environment> TemplateSource::Environment(bool strict_undefined) const {
  std::lock_guard<std::mutex> lock(mu_);
  return strict_undefined ? strict_ : lenient_;
}

Result<TemplateSource::Compiled> TemplateSource::Get(const std::string& name,
                                                     bool strict_undefined) const {
  Compiled compiled{Environment(strict_undefined), nullptr};
  auto tmpl = compiled.environment->GetTemplate(name);
  if (!tmpl.ok()) return std::move(tmpl).error();
  compiled.tmpl = std::move(*tmpl);
  return compiled;
}

Status TemplateSource::Refresh() {
  auto loader = factory_();
  if (!loader.ok()) return std::move(loader).error();
  jinja::Options lenient_options = base_options_;
  lenient_options.strict_undefined = false;
  jinja::Options strict_options = base_options_;
  strict_options.strict_undefined = true;
  auto lenient = std::make_shared<const jinja::Environment>(lenient_options, *loader);
  auto strict = std::make_shared<const jinja::Environment>(strict_options, *loader);
  std::lock_guard<std::mutex> lock(mu_);
  lenient_ = std::move(lenient);
  strict_ = std::move(strict);
  return OkStatus();
}

}  // namespace gitops::pipeline
