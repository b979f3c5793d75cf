// PipelineHandler: one Run per batch plans every write on top of the index plus the batch's own
// earlier writes, publishes the planned commits in one push, then ends each job.
#include "pipeline/pipeline_handler.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <exception>
#include <map>
#include <optional>
#include <utility>
#include <vector>

#include "config/names.h"
#include "pipeline/manifest_check.h"
#include "pipeline/resource_files.h"
#include "pipeline/template_context.h"

namespace gitops::pipeline {

namespace {

using jobs::JobStatus;
using jobs::Operation;

// "namespace dev-ns for tenant t1 in cluster c1", for log lines and errors.
std::string Describe(const index::ResourceKey& key) {
  std::string out = key.resource_type + " " + key.name + " for tenant " + key.tenant_id;
  if (!key.cluster_id.empty()) out += " in cluster " + key.cluster_id;
  return out;
}

// The job's log line for a webhook_status returned by WebhookSender::Send.
std::string WebhookLogLine(const std::string& status) {
  if (status == "sent") return "Webhook notification sent";
  if (status == "simulated") return "Webhook notification sent (simulated)";
  if (status == "pending" || status == "queued") return "Webhook notification queued for delivery";
  if (status == "disabled" || status == "filtered") {
    return "Webhook notification not sent (" + status + ")";
  }
  return "Webhook notification: " + status;
}

// Records a webhook hand-over's result on a job (a Progress or a JobChange: both have Meta and
// Log): metadata.webhook_status and a log line.
template <typename JobLike>
void RecordWebhookOn(JobLike& job, const Result<std::string>& sent) {
  if (sent.ok()) {
    job.Meta("webhook_status", *sent);
    job.Log(WebhookLogLine(*sent));
  } else {
    job.Meta("webhook_status", "error");
    job.Log("Webhook notification failed: " + sent.error().message);
  }
}

std::string KeyString(const index::ResourceKey& key) {
  return key.resource_type + '\x1f' + key.tenant_id + '\x1f' + key.cluster_id + '\x1f' + key.name;
}

// A job being worked on: its state as loaded plus what this attempt adds.
struct Progress {
  size_t position = 0;  // in the batch
  jobs::Job job;
  std::vector<std::string> new_logs;
  Json new_metadata = Json::object();

  void Log(std::string line) {
    job.logs.push_back(line);
    new_logs.push_back(std::move(line));
  }
  void Meta(const std::string& key, Json value) {
    job.metadata[key] = value;
    new_metadata[key] = std::move(value);
  }
  index::ResourceKey Key() const {
    return {job.resource_type, job.tenant_id, job.cluster_id, job.resource_name};
  }
};

// A job's outcome decided by End, waiting for CommitEndings.
struct Ending {
  jobs::JobUpdate update;
  size_t position = 0;   // in the batch
  bool indexed = false;  // has a write in the batch's pending index writes
  bool notify = false;   // tell the webhook sender once stored (JobsEnded)
  // The job's final notification (single mode's one, staged mode's completed/failed), handed
  // to the webhook sender by CommitEndings with the batch's others (one store call for all).
  std::optional<Json> webhook_payload;
};

// A create/update/delete planned in this batch, waiting for the batch's push.
struct PlannedWrite {
  Progress progress;
  bool is_delete = false;
  index::ResourceRecord record;           // the resource after the job (for a delete: before)
  std::optional<git::CommitSpec> commit;  // nullopt: a re-delivery whose commit already landed
  std::string landed_commit;              // that commit's id
};

}  // namespace

class PipelineHandler::Run {
 public:
  Run(PipelineHandler& handler, const jobs::Batch& batch)
      : deps_(handler.deps_),
        options_(handler.options_),
        batch_(batch),
        ended_(batch.job_ids.size(), false) {}

  void Execute() {
    type_ = deps_.types.Find(batch_.partition);
    if (!LoadAndStart()) return;
    for (size_t i = 0; i < batch_.job_ids.size() && !writer_lost_; ++i) {
      if (!Start(i)) break;
    }
    Flush();
    CommitEndings();
  }

  // Jobs at the head of the batch that ended.
  size_t LeadingEnded() const {
    size_t n = 0;
    while (n < ended_.size() && ended_[n]) ++n;
    return n;
  }

 private:
  // Loads every job of the batch (one store call) and moves the submitted ones to
  // in_progress (one store call, one commit); terminal jobs' reservations are released. False
  // when the store failed (the whole batch is re-delivered).
  bool LoadAndStart() {
    auto loaded = deps_.store.GetMany(batch_.job_ids);
    if (!loaded.ok()) {
      spdlog::error("pipeline: cannot load the jobs of partition {}: {}", batch_.partition,
                    loaded.error().message);
      return false;
    }
    loaded_ = std::move(*loaded);
    std::vector<jobs::JobUpdate> starts;
    std::vector<size_t> started_at;
    std::vector<std::string> terminal;
    for (size_t i = 0; i < loaded_.size(); ++i) {
      if (!loaded_[i]) continue;
      if (jobs::IsTerminal(loaded_[i]->status)) {
        terminal.push_back(batch_.job_ids[i]);
      } else if (loaded_[i]->status == JobStatus::kSubmitted) {
        starts.push_back({batch_.job_ids[i],
                          jobs::JobChange().SetStatus(JobStatus::kInProgress).Log("Job started")});
        started_at.push_back(i);
      }
    }
    if (!terminal.empty()) (void)deps_.pending.ReleaseMany(terminal);
    start_status_.assign(loaded_.size(), OkStatus());
    if (!starts.empty()) {
      std::vector<Status> statuses = deps_.store.UpdateMany(starts);
      for (size_t k = 0; k < started_at.size(); ++k) {
        if (k < statuses.size()) start_status_[started_at[k]] = std::move(statuses[k]);
      }
    }
    return true;
  }

  // Moves loaded job `i` on; false when its start failed (the rest is re-delivered).
  bool Start(size_t i) {
    const std::string& job_id = batch_.job_ids[i];
    if (!loaded_[i]) {
      spdlog::warn("pipeline: job {} of partition {} is not in the store; skipped", job_id,
                   batch_.partition);
      ended_[i] = true;
      return true;
    }
    Progress p;
    p.position = i;
    p.job = std::move(*loaded_[i]);
    if (!p.job.metadata.is_object()) p.job.metadata = Json::object();
    if (jobs::IsTerminal(p.job.status)) {
      ended_[i] = true;  // released by LoadAndStart
      return true;
    }
    const bool redelivered = p.job.status == JobStatus::kInProgress;
    if (redelivered) {
      p.Log("Job resumed after an interrupted attempt");
    } else {
      if (!start_status_[i].ok()) {
        spdlog::error("pipeline: cannot start job {}: {}", job_id,
                      start_status_[i].error().message);
        return false;
      }
      p.job.status = JobStatus::kInProgress;
      p.job.logs.push_back("Job started");
    }
    if (!type_) {
      Fail(std::move(p), "unknown resource type " + batch_.partition);
      return true;
    }
    if (p.job.resource_type != type_->name) {
      Fail(std::move(p),
           "job of resource type " + p.job.resource_type + " was queued under " + batch_.partition);
      return true;
    }
    // "submitted" is sent here rather than by the API, so it is stored before "started" and
    // the dispatcher's per-job order delivers them in that order; it carries the submission
    // time. A resumed job already sent it.
    if (!redelivered) {
      SendStage(p, "submitted", Json{{"operation", jobs::OperationName(p.job.operation)}},
                p.job.created_at);
    }
    SendStage(p, "started", Json{{"operation", jobs::OperationName(p.job.operation)}});
    switch (p.job.operation) {
      case Operation::kCreate:
      case Operation::kUpdate:
      case Operation::kDelete:
        PlanWrite(std::move(p), redelivered);
        break;
      case Operation::kRead:
        Flush();
        if (!writer_lost_) Read(std::move(p));
        break;
      case Operation::kList:
        Flush();
        if (!writer_lost_) List(std::move(p));
        break;
    }
    return true;
  }

  // Why the job's identity cannot be used as paths ("" when it can).
  std::string IdentityProblem(const jobs::Job& job) const {
    auto check = [](const char* what, const std::string& value) -> std::string {
      std::string problem = config::DnsLabelProblem(value);
      return problem.empty() ? "" : std::string(what) + " \"" + value + "\" " + problem;
    };
    std::string problem = check("name", job.resource_name);
    if (problem.empty()) problem = check("tenant_id", job.tenant_id);
    if (problem.empty() && type_->cluster_aware) problem = check("cluster_id", job.cluster_id);
    if (problem.empty() && !type_->cluster_aware && !job.cluster_id.empty()) {
      problem = "resource type " + type_->name + " is not cluster-aware; cluster_id must be empty";
    }
    return problem;
  }

  // The resource as it will be once the batch's earlier writes apply; nullopt when absent.
  Result<std::optional<index::ResourceRecord>> Lookup(const index::ResourceKey& key) const {
    auto it = overlay_.find(KeyString(key));
    if (it != overlay_.end()) return it->second;
    auto record = deps_.index.Get(key);
    if (record.ok()) return std::optional<index::ResourceRecord>(std::move(*record));
    if (record.error().code == ErrorCode::kNotFound) {
      return std::optional<index::ResourceRecord>();
    }
    return std::move(record).error();
  }

  Result<RepositorySet::Handle*> Repo() {
    if (!repo_) {
      auto handle = deps_.repositories.Acquire(*type_);
      if (!handle.ok()) return std::move(handle).error();
      repo_.emplace(std::move(*handle));
    }
    return &*repo_;
  }

  void PlanWrite(Progress p, bool redelivered) {
    const jobs::Job& job = p.job;
    if (std::string problem = IdentityProblem(job); !problem.empty()) {
      Fail(std::move(p), problem);
      return;
    }
    index::ResourceKey key = p.Key();
    auto repo = Repo();
    if (!repo.ok()) {
      Fail(std::move(p), repo.error().message);
      return;
    }
    if (redelivered && AdoptLandedCommit(p, key) == Adopted::kDone) return;

    auto current = Lookup(key);
    if (!current.ok()) {
      Fail(std::move(p), "cannot read the resource index: " + current.error().message);
      return;
    }
    PlannedWrite write;
    const bool is_create = job.operation == Operation::kCreate;
    const bool is_delete = job.operation == Operation::kDelete;
    if (is_create && current->has_value()) {
      Fail(std::move(p), Describe(key) + " already exists; nothing committed");
      return;
    }
    if (!is_create && !current->has_value()) {
      Fail(std::move(p), Describe(key) + " does not exist; nothing committed");
      return;
    }
    git::CommitSpec commit;
    commit.message = CommitMessage(is_delete, key, job.job_id);
    commit.author_name = options_.author_name;
    commit.author_email = options_.author_email;
    if (is_delete) {
      write.is_delete = true;
      write.record = **current;
      commit.changes.push_back({write.record.path, std::nullopt});
      commit.changes.push_back({MetadataPath(key), std::nullopt});
    } else {
      index::ResourceRecord record;
      record.resource_type = key.resource_type;
      record.tenant_id = key.tenant_id;
      record.cluster_id = key.cluster_id;
      record.name = key.name;
      if (is_create) {
        record.flavor = job.flavor.empty() ? "custom" : job.flavor;
        record.spec = job.spec.is_object() ? job.spec : Json::object();
      } else {
        const index::ResourceRecord& stored = **current;
        record.flavor = job.flavor.empty() ? stored.flavor : job.flavor;
        record.spec = stored.spec.is_object() ? stored.spec : Json::object();
        if (job.spec.is_object()) {
          for (const auto& [k, v] : job.spec.items()) record.spec[k] = v;
        }
      }
      if (std::string problem = config::DnsLabelProblem(record.flavor); !problem.empty()) {
        Fail(std::move(p), "flavor \"" + record.flavor + "\" " + problem);
        return;
      }
      record.path = config::ExpandPathTemplate(*type_, key.tenant_id, key.cluster_id, key.name,
                                               record.flavor);
      auto rendered = Render(record);
      if (!rendered.ok()) {
        Fail(std::move(p), rendered.error().message);
        return;
      }
      p.Log("Template rendered");
      Status checked = CheckManifest(config::OutputFormat(*type_), record.path, *rendered);
      if (!checked.ok()) {
        Fail(std::move(p), checked.error().message + "; nothing committed");
        return;
      }
      SendStage(p, "rendered", Json{{"manifest_path", record.path}});
      commit.changes.push_back({record.path, std::move(*rendered)});
      commit.changes.push_back({MetadataPath(key), MetadataFileContent(record)});
      if (!is_create && (*current)->path != record.path) {
        commit.changes.push_back({(*current)->path, std::nullopt});
      }
      write.record = std::move(record);
    }
    commit.time = deps_.clock.Now();
    write.commit = std::move(commit);
    overlay_[KeyString(key)] =
        write.is_delete ? std::nullopt : std::optional<index::ResourceRecord>(write.record);
    write.progress = std::move(p);
    planned_.push_back(std::move(write));
  }

  enum class Adopted { kNotLanded, kDone };

  // For a re-delivered job: when a commit with its Job-Id trailer is on the branch, plans the
  // job as that commit (Git's metadata file is the resource's state). kDone when `p` was taken
  // (planned so, or failed because that cannot be told); kNotLanded leaves `p` untouched.
  Adopted AdoptLandedCommit(Progress& p, const index::ResourceKey& key) {
    git::Repository& repo = repo_->repo();
    if (!fetched_) {
      Status fetched = repo.Fetch();
      if (!fetched.ok()) {
        Fail(std::move(p),
             "cannot tell whether this job's commit already landed: " + fetched.error().message);
        return Adopted::kDone;
      }
      fetched_ = true;
      repo_->set_cache_is_current(true);
    }
    auto found = repo.FindCommitWithTrailer("Job-Id", p.job.job_id, options_.trailer_search_depth);
    if (!found.ok()) {
      Fail(std::move(p),
           "cannot tell whether this job's commit already landed: " + found.error().message);
      return Adopted::kDone;
    }
    if (!found->has_value()) return Adopted::kNotLanded;
    PlannedWrite write;
    write.landed_commit = **found;
    auto content = repo.ReadFile(MetadataPath(key));
    if (content.ok()) {
      auto record = ParseMetadataFile(MetadataPath(key), *content);
      if (!record.ok()) {
        Fail(std::move(p), record.error().message);
        return Adopted::kDone;
      }
      write.record = std::move(*record);
    } else if (content.error().code == ErrorCode::kNotFound) {
      write.is_delete = true;
      auto previous = Lookup(key);
      if (previous.ok() && previous->has_value()) write.record = **previous;
    } else {
      Fail(std::move(p), content.error().message);
      return Adopted::kDone;
    }
    p.Log("Commit " + write.landed_commit + " of this job is already on the branch; " +
          "not committing again");
    overlay_[KeyString(key)] =
        write.is_delete ? std::nullopt : std::optional<index::ResourceRecord>(write.record);
    write.progress = std::move(p);
    planned_.push_back(std::move(write));
    return Adopted::kDone;
  }

  Result<std::string> Render(const index::ResourceRecord& record) {
    std::string name = config::TemplateFileName(*type_, record.flavor);
    auto compiled = deps_.templates.Get(name, type_->strict_undefined);
    if (!compiled.ok()) {
      return Unexpected(compiled.error().code,
                        "template " + name + " cannot be used: " + compiled.error().message);
    }
    Json context = BuildTemplateContext(record.name, record.tenant_id, record.cluster_id,
                                        record.flavor, record.spec);
    auto rendered = compiled->tmpl->Render(context);
    if (!rendered.ok()) {
      return Unexpected(rendered.error().code,
                        "rendering template " + name + " failed: " + rendered.error().message);
    }
    return rendered;
  }

  // Publishes the planned commits in one push, then ends every planned job.
  void Flush() {
    if (planned_.empty()) return;
    std::vector<git::CommitSpec> commits;
    for (const PlannedWrite& w : planned_) {
      if (w.commit) commits.push_back(*w.commit);
    }
    std::vector<std::string> ids;
    std::optional<std::string> push_error;
    if (!commits.empty()) {
      git::PublishOptions publish;
      publish.cache_is_current = repo_->cache_is_current();
      publish.max_attempts = options_.publish_max_attempts;
      bool guard_refused = false;
      if (deps_.guard) {
        publish.before_push = [this, &guard_refused]() -> Status {
          Status writer = deps_.guard->CheckWriter(batch_.partition);
          guard_refused = !writer.ok();
          return writer;
        };
      }
      auto published = repo_->repo().Publish(commits, publish);
      if (!published.ok() && guard_refused) {
        // This worker may no longer write here (its lease was lost): nothing was pushed, and
        // the jobs stay in_progress for whoever holds the lease now (their Job-Id trailers
        // keep a commit from landing twice).
        spdlog::warn("pipeline: not pushing {} jobs of partition {}: {}", commits.size(),
                     batch_.partition, published.error().message);
        repo_->set_cache_is_current(false);
        planned_.clear();
        overlay_.clear();
        writer_lost_ = true;  // the rest of the batch is re-delivered too
        return;
      }
      if (published.ok()) {
        ids = std::move(published->commit_ids);
        repo_->set_cache_is_current(true);
      } else {
        repo_->set_cache_is_current(false);
        push_error = published.error().message;
      }
    }
    const std::string repository = repo_->repo().display_url();
    size_t next_id = 0;
    for (PlannedWrite& w : planned_) {
      if (w.commit && push_error) {
        Fail(std::move(w.progress), "publishing to " + repository + " failed: " + *push_error +
                                        "; nothing of this job was committed");
        continue;
      }
      std::string commit_id = w.commit ? ids.at(next_id++) : w.landed_commit;
      Finish(std::move(w), commit_id, repository);
    }
    planned_.clear();
    CommitEndings();
    overlay_.clear();  // the index now holds every write that landed
  }

  // Stores what End decided since the last call, in three calls for the lot: the index
  // writes first (so a resource never looks absent in between), then the jobs' outcomes, then
  // the reservations of the jobs whose outcome was stored.
  void CommitEndings() {
    if (!index_writes_.empty()) {
      Status indexed = deps_.index.ApplyMany(index_writes_);
      if (!indexed.ok()) {
        // Git holds the changes; the index is rebuilt from Git at the next start.
        spdlog::error("pipeline: index update of {} writes of partition {} failed: {}",
                      index_writes_.size(), batch_.partition, indexed.error().message);
        for (Ending& e : endings_) {
          if (e.indexed) {
            e.update.change.append_logs.push_back(
                "Resource index update failed (Git holds the change): " + indexed.error().message);
          }
        }
      }
      index_writes_.clear();
    }
    SendNotifications();
    if (endings_.empty()) return;
    std::vector<jobs::JobUpdate> updates;
    updates.reserve(endings_.size());
    for (Ending& e : endings_) updates.push_back(std::move(e.update));
    std::vector<Status> stored = deps_.store.UpdateMany(updates);
    std::vector<std::string> releases;
    for (size_t k = 0; k < endings_.size(); ++k) {
      const Ending& e = endings_[k];
      if (k >= stored.size() || !stored[k].ok()) {
        // Left in_progress: re-delivered later, when its Job-Id trailer keeps it from
        // committing twice.
        spdlog::error("pipeline: cannot record the end of job {}: {}", updates[k].job_id,
                      k < stored.size() ? stored[k].error().message : "no answer");
        continue;
      }
      releases.push_back(updates[k].job_id);
      if (e.position < ended_.size()) ended_[e.position] = true;
    }
    if (!releases.empty()) (void)deps_.pending.ReleaseMany(releases);
    // Deliveries may have settled before the "pending" stored above.
    std::vector<std::string> ended_with_webhooks;
    for (size_t k = 0; k < endings_.size(); ++k) {
      if (endings_[k].notify && k < stored.size() && stored[k].ok()) {
        ended_with_webhooks.push_back(updates[k].job_id);
      }
    }
    if (!ended_with_webhooks.empty()) deps_.webhooks.JobsEnded(ended_with_webhooks);
    endings_.clear();
  }

  // Hands the deferred stage notifications, then the endings' final notifications, to the
  // webhook sender in one SendMany (stored before the jobs' ends, in the order they were made)
  // and records each final one's result in its job's change: metadata.webhook_status and a log
  // line. A deferred stage that could not be stored turns its job's status to "error" with a
  // log line (a job not ending in this batch gets a log message only: it runs again).
  void SendNotifications() {
    if (deferred_stages_.empty() &&
        std::none_of(endings_.begin(), endings_.end(),
                     [](const Ending& e) { return e.webhook_payload.has_value(); })) {
      return;
    }
    std::vector<WebhookSender::Outgoing> outgoing;
    for (const DeferredStage& d : deferred_stages_) {
      outgoing.push_back({&type_->webhook, &d.payload});
    }
    std::vector<Ending*> finals;
    for (Ending& e : endings_) {
      if (!e.webhook_payload) continue;
      outgoing.push_back({&type_->webhook, &*e.webhook_payload});
      finals.push_back(&e);
    }
    std::vector<Result<std::string>> sent = deps_.webhooks.SendMany(outgoing);
    auto result_at = [&sent](size_t k) -> Result<std::string> {
      return k < sent.size() ? std::move(sent[k]) : Unexpected(ErrorCode::kInternal, "no answer");
    };
    std::map<std::string, Ending*> ending_of;  // filled on the first failed stage only
    for (size_t k = 0; k < deferred_stages_.size(); ++k) {
      Result<std::string> result = result_at(k);
      if (result.ok()) continue;
      if (ending_of.empty()) {
        for (Ending& e : endings_) ending_of[e.update.job_id] = &e;
      }
      const std::string& job_id = deferred_stages_[k].job_id;
      auto it = ending_of.find(job_id);
      if (it == ending_of.end()) {
        spdlog::warn("pipeline: webhook notification of job {} could not be stored: {}", job_id,
                     result.error().message);
        continue;
      }
      RecordWebhookOn(it->second->update.change, result);
    }
    const size_t first_final = deferred_stages_.size();
    deferred_stages_.clear();
    for (size_t k = 0; k < finals.size(); ++k) {
      jobs::JobChange& change = finals[k]->update.change;
      Result<std::string> result = result_at(first_final + k);
      const bool stage_failed = change.metadata.is_object() &&
                                change.metadata.value("webhook_status", "") == "error";
      if (result.ok() && stage_failed) {
        change.Log(WebhookLogLine(*result));  // the failed stage's "error" stands
      } else {
        RecordWebhookOn(change, result);
      }
      finals[k]->webhook_payload.reset();
    }
  }

  // Ends a write whose commit is on the remote branch.
  void Finish(PlannedWrite w, const std::string& commit_id, const std::string& repository) {
    Progress& p = w.progress;
    index::ResourceKey key = p.Key();
    p.Log(w.is_delete ? "Manifest deletion committed to Git" : "Manifest committed to Git");
    p.Log("Pushed");
    p.Meta("git_commit", commit_id);
    if (!w.record.path.empty()) p.Meta("manifest_path", w.record.path);
    p.Meta("repository", repository);
    SendStage(p, "committed", Json{{"git_commit", commit_id}, {"manifest_path", w.record.path}});
    SendStage(p, "pushed", Json{{"git_commit", commit_id}, {"repository", repository}});
    if (w.is_delete) {
      w.record.resource_type = key.resource_type;
      w.record.tenant_id = key.tenant_id;
      w.record.cluster_id = key.cluster_id;
      w.record.name = key.name;
      index_writes_.push_back({true, std::move(w.record)});
    } else {
      w.record.git_commit = commit_id;
      w.record.repository = repository;
      w.record.updated_at = deps_.clock.Now();
      index_writes_.push_back({false, std::move(w.record)});
    }
    End(std::move(p), JobStatus::kCompleted, std::nullopt, std::nullopt, /*indexed=*/true);
  }

  void Read(Progress p) {
    if (std::string problem = IdentityProblem(p.job); !problem.empty()) {
      Fail(std::move(p), problem);
      return;
    }
    index::ResourceKey key = p.Key();
    auto record = deps_.index.Get(key);
    if (!record.ok()) {
      Fail(std::move(p), record.error().code == ErrorCode::kNotFound
                             ? Describe(key) + " does not exist"
                             : "cannot read the resource index: " + record.error().message);
      return;
    }
    auto repo = Repo();
    if (!repo.ok()) {
      Fail(std::move(p), repo.error().message);
      return;
    }
    auto manifest = (*repo)->repo().ReadFile(record->path);
    if (!manifest.ok()) {
      Fail(std::move(p), "cannot read " + record->path + " from Git: " + manifest.error().message);
      return;
    }
    Json result = Json::object();
    result["name"] = record->name;
    result["path"] = record->path;
    result["manifest"] = std::move(*manifest);
    result["git_commit"] = record->git_commit;
    result["flavor"] = record->flavor;
    result["spec"] = record->spec;
    p.Log("Manifest read from Git");
    End(std::move(p), JobStatus::kCompleted, std::move(result), std::nullopt);
  }

  void List(Progress p) {
    std::optional<std::string> tenant;
    if (!p.job.tenant_id.empty()) tenant = p.job.tenant_id;
    std::optional<std::string> cluster;
    if (!p.job.cluster_id.empty()) cluster = p.job.cluster_id;
    auto records = deps_.index.List(type_->name, tenant, cluster);
    if (!records.ok()) {
      Fail(std::move(p), "cannot read the resource index: " + records.error().message);
      return;
    }
    Json items = Json::array();
    for (const index::ResourceRecord& record : *records) items.push_back(RecordToJson(record));
    p.Log("Listed " + std::to_string(items.size()) + " resources");
    End(std::move(p), JobStatus::kCompleted, Json{{"items", std::move(items)}}, std::nullopt);
  }

  void Fail(Progress p, const std::string& message) {
    spdlog::info("pipeline: job {} failed: {}", p.job.job_id, message);
    p.Log("Job failed: " + message);
    End(std::move(p), JobStatus::kFailed, std::nullopt, message);
  }

  // Notifies (single mode: now; staged: the final stage) and queues the outcome for
  // CommitEndings, which stores it, releases the job's reservation, and marks the job ended
  // when the store took it. `indexed`: the job has a write in index_writes_.
  void End(Progress p, JobStatus status, std::optional<Json> result,
           std::optional<std::string> error, bool indexed = false) {
    const bool is_write = p.job.operation == Operation::kCreate ||
                          p.job.operation == Operation::kUpdate ||
                          p.job.operation == Operation::kDelete;
    std::optional<Json> webhook_payload;  // sent by CommitEndings with the batch's others
    if (is_write && type_) {
      if (!type_->webhook.enabled) {
        p.Meta("webhook_status", "disabled");
      } else if (type_->webhook.mode == config::WebhookMode::kSingle) {
        webhook_payload = webhook::SinglePayload(Subject(p), jobs::JobStatusName(status),
                                                 deps_.clock.Now(), p.job.logs, p.job.metadata);
      } else {
        Json data = Json{{"status", jobs::JobStatusName(status)}};
        if (error) data["error"] = *error;
        data["metadata"] = p.job.metadata;  // git_commit, manifest_path, repository when done
        webhook_payload = webhook::StagedPayload(
            Subject(p), status == JobStatus::kCompleted ? "completed" : "failed",
            deps_.clock.Now(), data);
      }
    }
    jobs::JobChange change;
    change.SetStatus(status);
    change.append_logs = std::move(p.new_logs);
    change.metadata = std::move(p.new_metadata);
    change.result = std::move(result);
    change.error = std::move(error);
    endings_.push_back(Ending{{p.job.job_id, std::move(change)},
                              p.position,
                              indexed,
                              is_write && type_ && type_->webhook.enabled,
                              std::move(webhook_payload)});
  }

  webhook::Subject Subject(const Progress& p) const {
    return {p.job.job_id, p.job.tenant_id, p.job.resource_type, p.job.resource_name};
  }

  // Sends stage `stage` of a staged webhook; `at` is the payload's timestamp (default: now).
  void SendStage(Progress& p, std::string_view stage, const Json& data,
                 std::optional<Clock::TimePoint> at = std::nullopt) {
    if (!type_ || !type_->webhook.enabled || type_->webhook.mode != config::WebhookMode::kStaged) {
      return;
    }
    const Operation op = p.job.operation;
    if (op == Operation::kRead || op == Operation::kList) return;
    Json payload = webhook::StagedPayload(Subject(p), stage, at ? *at : deps_.clock.Now(), data);
    // A sender that stores notifications takes the batch's together, in CommitEndings (before
    // the jobs' ends are stored, in the order they were made): the job's status and log say
    // now what storing will give, and CommitEndings corrects them if storing fails.
    if (std::optional<std::string> predicted = deps_.webhooks.Predict(type_->webhook, payload)) {
      RecordWebhookOn(p, *predicted);
      if (*predicted == "pending") deferred_stages_.push_back({p.job.job_id, std::move(payload)});
      return;
    }
    RecordWebhookOn(p, deps_.webhooks.Send(type_->webhook, payload));
  }

  const PipelineDeps& deps_;
  const PipelineOptions& options_;
  const jobs::Batch& batch_;
  types::TypePtr type_;
  std::vector<bool> ended_;
  std::optional<RepositorySet::Handle> repo_;
  bool fetched_ = false;
  bool writer_lost_ = false;  // the guard refused a push: end nothing more in this batch
  std::vector<PlannedWrite> planned_;
  // Stage notifications to hand over in CommitEndings (see SendStage), in the order made.
  struct DeferredStage {
    std::string job_id;
    Json payload;
  };
  std::vector<DeferredStage> deferred_stages_;
  std::map<std::string, std::optional<index::ResourceRecord>> overlay_;
  std::vector<std::optional<jobs::Job>> loaded_;  // by position, moved out by Start
  std::vector<Status> start_status_;              // by position: the move to in_progress
  std::vector<index::IndexWrite> index_writes_;   // since the last CommitEndings, in order
  std::vector<Ending> endings_;                   // since the last CommitEndings, in order
};

PipelineOptions PipelineOptionsFromConfig(const config::Config& config) {
  PipelineOptions options;
  options.author_name = config.git_author_name;
  options.author_email = config.git_author_email;
  return options;
}

PipelineHandler::PipelineHandler(PipelineDeps deps, PipelineOptions options)
    : deps_(deps), options_(std::move(options)) {}

size_t PipelineHandler::Handle(const jobs::Batch& batch) {
  Run run(*this, batch);
  try {
    run.Execute();
  } catch (const std::exception& e) {
    spdlog::error("pipeline: batch of partition {} stopped: {}", batch.partition, e.what());
  } catch (...) {
    spdlog::error("pipeline: batch of partition {} stopped by an unknown exception",
                  batch.partition);
  }
  return run.LeadingEnded();
}

}  // namespace gitops::pipeline
