// Test fixture for the pipeline: real local bare repositories under a temp DATA_DIR, templates
// in a temp directory, memory job store and index, a fake clock and a recording webhook sender.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/clock.h"
#include "git_test_util.h"
#include "index/memory/memory_resource_index.h"
#include "jobs/memory/memory_job_store.h"
#include "pipeline/pipeline_handler.h"
#include "pipeline/repository_set.h"
#include "pipeline/template_source.h"
#include "pipeline/webhook.h"
#include "types/type_registry.h"

namespace gitops::pipeline::testing {

using Json = nlohmann::ordered_json;

// Records every payload; answers "simulated" unless told otherwise.
class RecordingWebhookSender final : public WebhookSender {
 public:
  Result<std::string> Send(const config::WebhookConfig& target, const Json& payload) override;
  // Records the call's size, then Send of each.
  std::vector<Result<std::string>> SendMany(const std::vector<Outgoing>& outgoing) override;
  // Calls the hook set by set_on_job_ended, if any.
  void JobEnded(const std::string& job_id) override;
  // Records the call's size, then JobEnded of each.
  void JobsEnded(const std::vector<std::string>& job_ids) override;
  // With set_predict(true), Predict answers "pending" (as a sender that stores does), so the
  // pipeline defers its stage notifications to SendMany.
  std::optional<std::string> Predict(const config::WebhookConfig& target,
                                     const Json& payload) const override;
  void set_predict(bool predict);
  // The sizes of the SendMany and JobsEnded calls so far, in order.
  std::vector<size_t> send_many_sizes() const;
  std::vector<size_t> jobs_ended_sizes() const;
  // What Send answers from now on (a status, or an error).
  void set_answer(Result<std::string> answer);
  void set_on_job_ended(std::function<void(const std::string&)> hook);
  std::vector<Json> payloads() const;
  std::vector<std::string> urls() const;

 private:
  mutable std::mutex mu_;
  std::vector<Json> payloads_;
  std::vector<std::string> urls_;
  Result<std::string> answer_ = std::string("simulated");
  std::function<void(const std::string&)> on_job_ended_;
  bool predict_ = false;
  std::vector<size_t> send_many_sizes_;
  std::vector<size_t> jobs_ended_sizes_;
};

// Types: "namespace" (cluster-aware, templates ns/, flavors small custom broken strict),
// "strictns" (as namespace but strict_undefined), "vm" (not cluster-aware, flavor in the path,
// single webhook enabled), "staged" (vm templates, staged webhook enabled).
std::vector<config::ResourceTypeConfig> TestTypes();

class PipelineTest : public ::testing::Test {
 protected:
  PipelineTest();
  ~PipelineTest() override;

  // Creates a job in the store (reserving it like the API does) and returns its id.
  std::string Submit(const std::string& type, jobs::Operation op, const std::string& name,
                     const std::string& flavor = "", Json spec = Json::object(),
                     const std::string& cluster = "", const std::string& tenant = "tenant1");
  // Runs one batch of `ids` of partition `type`; returns what Handle returned.
  size_t HandleBatch(const std::string& type, const std::vector<std::string>& ids);
  // Submits and handles one job alone; returns the job afterwards.
  jobs::Job RunOne(const std::string& type, jobs::Operation op, const std::string& name,
                   const std::string& flavor = "", Json spec = Json::object(),
                   const std::string& cluster = "", const std::string& tenant = "tenant1");
  jobs::Job GetJob(const std::string& id);

  // Path of the dev-mode remote of `type`, and git commands run against it.
  std::string Remote(const std::string& type) const;
  std::string GitIn(const std::string& type, std::vector<std::string> args) const;
  int CommitCount(const std::string& type) const;  // 0 when the branch does not exist
  bool BranchExists(const std::string& type) const;

  // A new index, repository set, job store and handler over the same DATA_DIR (a restart).
  void Restart();
  void BuildHandler();

  git::testing::TempDir dir_;
  std::string data_dir_;
  std::string template_dir_;
  FakeClock clock_;
  std::unique_ptr<jobs::MemoryJobStore> store_;
  std::unique_ptr<index::MemoryResourceIndex> index_;
  std::unique_ptr<types::TypeRegistry> types_;
  std::unique_ptr<TemplateSource> templates_;
  std::unique_ptr<RepositorySet> repositories_;
  RecordingWebhookSender webhooks_;
  std::unique_ptr<PipelineHandler> handler_;
};

}  // namespace gitops::pipeline::testing
