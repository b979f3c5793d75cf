// Composition root of the dev-mode service.
#include "app/app.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <system_error>

#include "api/api.h"
#include "api/errors.h"
#include "api/manifest_reader.h"
#include "app/wiring.h"
#include "http/router.h"
#include "http/server.h"
#include "index/memory/memory_resource_index.h"
#include "jobs/memory/memory_job_queue.h"
#include "jobs/memory/memory_job_store.h"
#include "jobs/worker_pool.h"
#include "pipeline/pipeline_handler.h"
#include "pipeline/rebuild_index.h"
#include "pipeline/repository_set.h"
#include "pipeline/template_source.h"
#include "pipeline/webhook.h"
#include "types/type_registry.h"
#include "webhook/memory/memory_delivery_store.h"

namespace gitops::app {
namespace {

namespace fs = std::filesystem;

// Types added through POST /api/v1/resource-types survive restarts in this file.
fs::path AddedTypesFile(const config::Config& config) {
  return config.data_dir / "resource_types.json";
}

Result<std::vector<config::ResourceTypeConfig>> LoadAddedTypes(const config::Config& config) {
  std::vector<config::ResourceTypeConfig> out;
  fs::path file = AddedTypesFile(config);
  std::error_code ec;
  if (!fs::exists(file, ec)) return out;
  std::ifstream in(file);
  std::stringstream ss;
  ss << in.rdbuf();
  nlohmann::json doc = nlohmann::json::parse(ss.str(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_array()) {
    return Unexpected(ErrorCode::kInvalidArgument,
                      file.string() + ": not a JSON array of resource types");
  }
  for (const auto& item : doc) {
    std::string name = item.is_object() && item.contains("name") && item["name"].is_string()
                           ? item["name"].get<std::string>()
                           : "";
    auto type = config::ParseResourceType(name, item, config.type_defaults());
    if (!type.ok()) {
      return Unexpected(ErrorCode::kInvalidArgument,
                        file.string() + ": resource type '" + name + "': " + type.error().message);
    }
    out.push_back(std::move(type).value());
  }
  return out;
}

Status SaveAddedTypes(const fs::path& file, const std::vector<config::ResourceTypeConfig>& added) {
  nlohmann::json doc = nlohmann::json::array();
  // The file is read back at start, so webhook secrets are written as they are (not
  // "<redacted>"); it is readable by the service's user only.
  for (const auto& t : added) {
    doc.push_back(config::ResourceTypeToJson(t, config::SecretOutput::kInclude));
  }
  // Write a temp file and rename it, so a crash never leaves half a file.
  fs::path tmp = file;
  tmp += ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << doc.dump(2) << "\n";
    out.flush();
    if (!out) {
      return Unexpected(ErrorCode::kUnavailable, "cannot write " + tmp.string());
    }
  }
  std::error_code ec;
  fs::permissions(tmp, fs::perms::owner_read | fs::perms::owner_write, ec);
  fs::rename(tmp, file, ec);
  if (ec)
    return Unexpected(ErrorCode::kUnavailable,
                      "cannot write " + file.string() + ": " + ec.message());
  return OkStatus();
}

}  // namespace

struct App::Parts {
  config::Config config;
  AppOptions options;
  const Clock* clock = nullptr;
  std::unique_ptr<jobs::MemoryJobStore> store;
  std::unique_ptr<jobs::MemoryJobQueue> queue;
  std::unique_ptr<index::MemoryResourceIndex> index;
  std::unique_ptr<types::TypeRegistry> types;
  std::unique_ptr<pipeline::TemplateSource> templates;
  std::unique_ptr<pipeline::RepositorySet> repositories;
  WebhookParts webhook_parts;  // simulated (logged), or sent with deliveries kept in memory
  std::unique_ptr<pipeline::PipelineHandler> handler;
  std::unique_ptr<jobs::WorkerPool> workers;
  std::unique_ptr<RepositoryManifestReader> manifests;
  std::unique_ptr<api::Api> api;
  std::unique_ptr<http::Router> router;
  std::unique_ptr<http::Server> server;
  bool started = false;
  bool stopped = false;
};

fs::path FindSwaggerDir() {
  std::error_code ec;
  if (const char* env = std::getenv("SWAGGER_UI_DIR"); env && *env) return env;
  fs::path cwd_dir = fs::current_path(ec) / "third_party" / "swagger-ui";
  if (fs::exists(cwd_dir / "swagger-ui-bundle.js", ec)) return cwd_dir;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    fs::path near = exe.parent_path().parent_path() / "third_party" / "swagger-ui";
    if (fs::exists(near / "swagger-ui-bundle.js", ec)) return near;
  }
  return {};
}

Result<std::unique_ptr<App>> App::Create(config::Config config, AppOptions options,
                                         const Clock& clock) {
  if (!config.dev_mode) {
    return Unexpected(ErrorCode::kFailedPrecondition,
                      "production mode (DEV_MODE=false: PostgreSQL + Redis) is not available in "
                      "this build yet; set DEV_MODE=true");
  }
  auto p = std::make_unique<Parts>();
  p->clock = &clock;
  p->options = std::move(options);
  if (p->options.swagger_dir.empty()) p->options.swagger_dir = FindSwaggerDir();

  std::error_code ec;
  fs::create_directories(config.data_dir, ec);
  if (ec) {
    return Unexpected(ErrorCode::kFailedPrecondition,
                      "cannot create DATA_DIR " + config.data_dir.string() + ": " + ec.message());
  }

  auto added = LoadAddedTypes(config);
  if (!added.ok()) return std::move(added).error();
  fs::path added_file = AddedTypesFile(config);
  p->types = std::make_unique<types::TypeRegistry>(
      config.resource_types, std::move(added).value(),
      [added_file](const std::vector<config::ResourceTypeConfig>& all) {
        return SaveAddedTypes(added_file, all);
      });

  pipeline::LoaderFactory loader_factory;
  if (config.template_repo_url.empty()) {
    loader_factory = pipeline::DirectoryLoaderFactory(config.template_dir.string());
  } else {
    git::RepositoryOptions ro;
    ro.cache_dir = (config.data_dir / "cache" / "templates.git").string();
    ro.remote_url = config.template_repo_url;
    ro.branch = config.template_repo_branch;
    ro.credentials.username = config.git_username;
    ro.credentials.password = config.git_password;
    loader_factory = pipeline::GitLoaderFactory(std::move(ro));
  }
  auto templates = pipeline::TemplateSource::Create(std::move(loader_factory));
  if (!templates.ok()) return std::move(templates).error();
  p->templates = std::move(templates).value();

  p->store = std::make_unique<jobs::MemoryJobStore>(clock);
  p->queue = std::make_unique<jobs::MemoryJobQueue>();
  p->index = std::make_unique<index::MemoryResourceIndex>();
  p->repositories =
      std::make_unique<pipeline::RepositorySet>(pipeline::RepositorySetOptionsFromConfig(config));
  WebhookParts webhooks = BuildWebhookParts(
      config, std::make_unique<webhook::MemoryDeliveryStore>(), *p->store, *p->types, clock);
  p->webhook_parts = std::move(webhooks);

  pipeline::PipelineOptions po;
  po.author_name = config.git_author_name;
  po.author_email = config.git_author_email;
  p->handler = std::make_unique<pipeline::PipelineHandler>(
      pipeline::PipelineDeps{*p->store, *p->index, *p->index, *p->types, *p->templates,
                             *p->repositories, *p->webhook_parts.webhooks, clock},
      po);

  p->manifests = std::make_unique<RepositoryManifestReader>(*p->repositories,
                                                            /*fetch_first=*/false);
  api::ApiOptions ao =
      ApiOptionsFromConfig(config, p->options.swagger_dir, p->webhook_parts.ledger.get());
  p->api = std::make_unique<api::Api>(*p->store, *p->queue, *p->index, *p->index, *p->types,
                                      *p->manifests, ao);
  GITOPS_RETURN_IF_ERROR(
      ServeApi(*p->api, config, p->options.host, p->options.http_threads, p->router, p->server));

  p->config = std::move(config);
  return std::unique_ptr<App>(new App(std::move(p)));
}

App::App(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}

App::~App() { Stop(); }

Status App::Start() {
  Parts& p = *parts_;
  if (p.started) return Unexpected(ErrorCode::kFailedPrecondition, "already started");
  auto summary = pipeline::RebuildIndex(*p.types, *p.repositories, *p.index, *p.clock);
  for (const auto& e : summary.errors) spdlog::warn("index rebuild: {}", e.message);
  spdlog::info("index rebuilt from Git: {} resources", summary.records);

  jobs::WorkerPoolOptions wo;
  wo.threads = static_cast<size_t>(std::max(1, p.config.workers));
  p.workers = std::make_unique<jobs::WorkerPool>(*p.queue, *p.handler, wo);
  if (p.webhook_parts.dispatcher) GITOPS_RETURN_IF_ERROR(p.webhook_parts.dispatcher->Start());
  GITOPS_RETURN_IF_ERROR(p.workers->Start());
  GITOPS_RETURN_IF_ERROR(p.server->Start());
  p.started = true;
  spdlog::info(
      "gitops-api listening on http://{}:{} (dev mode, DATA_DIR={}; webhooks {})", p.options.host,
      p.server->port(), p.config.data_dir.string(),
      p.webhook_parts.dispatcher ? "sent, deliveries kept in memory" : "simulated (logged)");
  return OkStatus();
}

uint16_t App::port() const { return parts_->server->port(); }

void App::Stop() {
  Parts& p = *parts_;
  if (p.stopped) return;
  p.stopped = true;
  if (p.server) p.server->Stop();
  if (p.workers) {
    auto st = p.workers->Stop(std::chrono::seconds(30));
    if (!st.ok()) spdlog::warn("stopping workers: {}", st.error().message);
  }
  // After the workers, so the last jobs' notifications are stored; attempts in flight finish
  // (each bounded by its timeout), pending ones are dropped with the in-memory store.
  if (p.webhook_parts.dispatcher) p.webhook_parts.dispatcher->Stop();
}

}  // namespace gitops::app
