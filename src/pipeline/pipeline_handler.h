// PipelineHandler: the job handler of the service. For a batch of jobs of one resource type it
// renders, checks, commits (one commit per job), pushes once, updates the index and the job
// store, and notifies webhooks; reads and lists are answered from the index (and Git).
//
// Decisions (see also docs/architecture.md):
// - A failed publish fails every job that was to be pushed, with the adapter's message (never
//   credentials): Publish already fetches and retries when the remote moved, so what is left
//   (unreachable remote, auth, refusal) would not heal by re-delivering at once.
// - Webhooks: a type whose webhook is disabled gets metadata webhook_status "disabled" and no
//   payload; otherwise the sender's answer ("simulated" when WEBHOOK_SIMULATE, "pending" when
//   delivered for real; the sender's JobEnded later makes it "delivered" or "failed"). Single
//   mode notifies when a create/update/delete ends (completed or failed); staged mode at
//   submitted (sent when the job starts, stamped with its creation time), started, rendered,
//   committed, pushed, completed|failed. Reads and lists notify nothing.
// - A create without flavor uses "custom" (the prototype's default); an update without flavor
//   keeps the stored one. A job whose cluster_id does not fit the type (missing on a
//   cluster-aware type, set on another) or whose names are not DNS-1123 labels fails.
#pragma once

#include <cstddef>
#include <string>

#include "config/config.h"
#include "core/clock.h"
#include "index/pending_ops.h"
#include "index/resource_index.h"
#include "jobs/job_store.h"
#include "jobs/lease.h"
#include "jobs/worker_pool.h"
#include "pipeline/repository_set.h"
#include "pipeline/template_source.h"
#include "pipeline/webhook.h"
#include "types/type_registry.h"

namespace gitops::pipeline {

struct PipelineOptions {
  std::string author_name = "gitops-api";             // GIT_AUTHOR_NAME
  std::string author_email = "gitops-api@localhost";  // GIT_AUTHOR_EMAIL
  int publish_max_attempts = 5;  // push attempts per batch when the remote keeps moving
  // How far back a re-delivered job looks for its own "Job-Id:" trailer.
  int trailer_search_depth = 1000;
};

// GIT_AUTHOR_NAME / GIT_AUTHOR_EMAIL of `config`; the rest default.
PipelineOptions PipelineOptionsFromConfig(const config::Config& config);

// Everything the handler works with; each must outlive it.
struct PipelineDeps {
  jobs::JobStore& store;
  index::ResourceIndex& index;
  index::PendingOps& pending;
  const types::TypeRegistry& types;
  const TemplateSource& templates;
  RepositorySet& repositories;
  WebhookSender& webhooks;
  const Clock& clock;
  // Production: asked right before every push (the writer lease's fencing check). When it
  // refuses, nothing is pushed and the batch's writes are left for re-delivery (not failed).
  // Null in dev mode.
  jobs::RepositoryGuard* guard = nullptr;
};

class PipelineHandler final : public jobs::BatchHandler {
 public:
  PipelineHandler(PipelineDeps deps, PipelineOptions options = {});

  // Applies the jobs of `batch` (all of resource type batch.partition) in order:
  //  - create/update/delete: re-checked against the index and the batch's earlier jobs,
  //    rendered, checked (YAML parse), one commit each; one push for the batch (and before any
  //    read/list of the batch, so those see the earlier writes); then per job: index updated,
  //    webhook, status completed, reservation released. A failed check fails only that job;
  //    a failed push fails every job that was to be pushed (nothing of theirs was committed).
  //  - read: result {name, path, manifest, git_commit, flavor, spec}; list: result {items}.
  //  - a job found in_progress (a re-delivery) is not committed again when a commit with its
  //    Job-Id trailer is already on the branch; terminal jobs are skipped.
  // Returns how many leading jobs of the batch ended (completed or failed in the store).
  // Thread-safe for distinct partitions; never throws.
  size_t Handle(const jobs::Batch& batch) override;

 private:
  class Run;
  PipelineDeps deps_;
  PipelineOptions options_;
};

}  // namespace gitops::pipeline
