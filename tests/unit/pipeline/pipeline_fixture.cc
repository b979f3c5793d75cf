// PipelineTest fixture: see pipeline_fixture.h.
#include "pipeline_fixture.h"

#include <filesystem>
#include <fstream>

#include "core/ids.h"

namespace gitops::pipeline::testing {

namespace {

void WriteFile(const std::string& path, const std::string& content) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream(path) << content;
}

index::PendingOp PendingOpOf(jobs::Operation op) {
  switch (op) {
    case jobs::Operation::kCreate:
      return index::PendingOp::kCreate;
    case jobs::Operation::kDelete:
      return index::PendingOp::kDelete;
    default:
      return index::PendingOp::kUpdate;
  }
}

}  // namespace

Result<std::string> RecordingWebhookSender::Send(const config::WebhookConfig& target,
                                                 const Json& payload) {
  std::lock_guard<std::mutex> lock(mu_);
  payloads_.push_back(payload);
  urls_.push_back(target.url);
  return answer_;
}

std::vector<Result<std::string>> RecordingWebhookSender::SendMany(
    const std::vector<Outgoing>& outgoing) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    send_many_sizes_.push_back(outgoing.size());
  }
  return WebhookSender::SendMany(outgoing);
}

void RecordingWebhookSender::JobsEnded(const std::vector<std::string>& job_ids) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    jobs_ended_sizes_.push_back(job_ids.size());
  }
  WebhookSender::JobsEnded(job_ids);
}

std::optional<std::string> RecordingWebhookSender::Predict(const config::WebhookConfig&,
                                                           const Json&) const {
  std::lock_guard<std::mutex> lock(mu_);
  if (!predict_) return std::nullopt;
  return std::string("pending");
}

void RecordingWebhookSender::set_predict(bool predict) {
  std::lock_guard<std::mutex> lock(mu_);
  predict_ = predict;
}

std::vector<size_t> RecordingWebhookSender::send_many_sizes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return send_many_sizes_;
}

std::vector<size_t> RecordingWebhookSender::jobs_ended_sizes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return jobs_ended_sizes_;
}

void RecordingWebhookSender::JobEnded(const std::string& job_id) {
  std::function<void(const std::string&)> hook;
  {
    std::lock_guard<std::mutex> lock(mu_);
    hook = on_job_ended_;
  }
  if (hook) hook(job_id);
}

void RecordingWebhookSender::set_on_job_ended(std::function<void(const std::string&)> hook) {
  std::lock_guard<std::mutex> lock(mu_);
  on_job_ended_ = std::move(hook);
}

void RecordingWebhookSender::set_answer(Result<std::string> answer) {
  std::lock_guard<std::mutex> lock(mu_);
  answer_ = std::move(answer);
}

std::vector<Json> RecordingWebhookSender::payloads() const {
  std::lock_guard<std::mutex> lock(mu_);
  return payloads_;
}

std::vector<std::string> RecordingWebhookSender::urls() const {
  std::lock_guard<std::mutex> lock(mu_);
  return urls_;
}

std::vector<config::ResourceTypeConfig> TestTypes() {
  config::ResourceTypeConfig ns;
  ns.name = "namespace";
  ns.template_dir = "ns/";
  ns.cluster_aware = true;
  ns.flavors = {"small", "custom", "broken", "strict"};
  ns.path_template = "tenants/{tenant_id}/{cluster_id}/namespace/{name}/manifest.yaml";

  config::ResourceTypeConfig strict = ns;
  strict.name = "strictns";
  strict.strict_undefined = true;

  config::ResourceTypeConfig vm;
  vm.name = "vm";
  vm.template_dir = "vm/";
  vm.flavors = {"small", "large"};
  vm.path_template = "tenants/{tenant_id}/{flavor}/{name}/manifest.yaml";
  vm.webhook.enabled = true;
  vm.webhook.url = "https://hooks.example.com/vm";
  vm.webhook.mode = config::WebhookMode::kSingle;

  config::ResourceTypeConfig staged = vm;
  staged.name = "staged";
  staged.webhook.url = "https://hooks.example.com/staged";
  staged.webhook.mode = config::WebhookMode::kStaged;
  return {ns, strict, vm, staged};
}

PipelineTest::PipelineTest() {
  data_dir_ = dir_.Sub("data");
  template_dir_ = dir_.Sub("templates");
  WriteFile(template_dir_ + "/ns/small.yaml.j2",
            "kind: Namespace\n"
            "name: {{ name }}\n"
            "tenant: {{ tenant_id }}\n"
            "cluster: {{ cluster_id }}\n"
            "flavor: {{ flavor }}\n"
            "{% if team %}\n"
            "team: {{ team }}\n"
            "{% endif %}\n"
            "labels:\n"
            "{% for key in labels %}\n"
            "  {{ key }}: \"{{ labels[key] }}\"\n"
            "{% endfor %}\n");
  WriteFile(template_dir_ + "/ns/custom.yaml.j2", "kind: Namespace\nname: {{ name }}\n");
  WriteFile(template_dir_ + "/ns/broken.yaml.j2", "kind: Namespace\nitems: [unclosed {{ name }}\n");
  WriteFile(template_dir_ + "/ns/strict.yaml.j2", "kind: Namespace\nvalue: {{ missing_value }}\n");
  WriteFile(template_dir_ + "/vm/small.yaml.j2", "kind: VM\nname: {{ name }}\nsize: small\n");
  WriteFile(template_dir_ + "/vm/large.yaml.j2", "kind: VM\nname: {{ name }}\nsize: large\n");
  store_ = std::make_unique<jobs::MemoryJobStore>(clock_);
  types_ = std::make_unique<types::TypeRegistry>(TestTypes());
  auto templates = TemplateSource::Create(DirectoryLoaderFactory(template_dir_));
  if (!templates.ok()) ADD_FAILURE() << templates.error().message;
  templates_ = std::move(*templates);
  Restart();
}

PipelineTest::~PipelineTest() = default;

void PipelineTest::Restart() {
  handler_.reset();
  index_ = std::make_unique<index::MemoryResourceIndex>();
  RepositorySetOptions options;
  options.data_dir = data_dir_;
  options.dev_mode = true;
  repositories_ = std::make_unique<RepositorySet>(options);
  BuildHandler();
}

void PipelineTest::BuildHandler() {
  PipelineOptions options;
  options.author_name = "GitOps Bot";
  options.author_email = "bot@example.com";
  handler_ = std::make_unique<PipelineHandler>(
      PipelineDeps{*store_, *index_, *index_, *types_, *templates_, *repositories_, webhooks_,
                   clock_},
      options);
}

std::string PipelineTest::Submit(const std::string& type, jobs::Operation op,
                                 const std::string& name, const std::string& flavor, Json spec,
                                 const std::string& cluster, const std::string& tenant) {
  jobs::Job job;
  job.job_id = NewUuid();
  job.tenant_id = tenant;
  job.cluster_id = cluster;
  job.resource_type = type;
  job.resource_name = name;
  job.operation = op;
  job.flavor = flavor;
  job.spec = std::move(spec);
  job.partition = type;
  if (op != jobs::Operation::kRead && op != jobs::Operation::kList) {
    // Like the API: a reservation per write. Its verdict is not what these tests are about
    // (some submit on purpose what the API would refuse), so it is not checked.
    (void)index_->Reserve({type, tenant, cluster, name}, PendingOpOf(op), job.job_id);
  }
  Status created = store_->Create(job);
  EXPECT_TRUE(created.ok()) << created.error().message;
  return job.job_id;
}

size_t PipelineTest::HandleBatch(const std::string& type, const std::vector<std::string>& ids) {
  jobs::Batch batch;
  batch.partition = type;
  batch.job_ids = ids;
  batch.lease = 1;
  return handler_->Handle(batch);
}

jobs::Job PipelineTest::RunOne(const std::string& type, jobs::Operation op, const std::string& name,
                               const std::string& flavor, Json spec, const std::string& cluster,
                               const std::string& tenant) {
  std::string id = Submit(type, op, name, flavor, std::move(spec), cluster, tenant);
  EXPECT_EQ(HandleBatch(type, {id}), 1u);
  return GetJob(id);
}

jobs::Job PipelineTest::GetJob(const std::string& id) {
  auto job = store_->Get(id);
  EXPECT_TRUE(job.ok());
  return job.ok() ? *job : jobs::Job{};
}

std::string PipelineTest::Remote(const std::string& type) const {
  return data_dir_ + "/repos/" + type + ".git";
}

std::string PipelineTest::GitIn(const std::string& type, std::vector<std::string> args) const {
  args.insert(args.begin(), {"--git-dir", Remote(type)});
  return git::testing::Git(args);
}

bool PipelineTest::BranchExists(const std::string& type) const {
  return git::testing::Run(
             {"git", "--git-dir", Remote(type), "rev-parse", "--verify", "-q", "refs/heads/main"})
             .exit_code == 0;
}

int PipelineTest::CommitCount(const std::string& type) const {
  if (!BranchExists(type)) return 0;
  return std::stoi(GitIn(type, {"rev-list", "--count", "main"}));
}

}  // namespace gitops::pipeline::testing
