// The logging sender, the dispatcher adapter and the job webhook_status tracker.
#include "pipeline/webhook.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>
#include <utility>

#include "git/repository.h"

namespace gitops::pipeline {

namespace {

// A job has at most one delivery per stage (seven) plus its redeliveries' rows: none, as a
// redelivery reuses the row. The bound only keeps a corrupt store from flooding a job view.
constexpr size_t kMaxDeliveriesPerJob = 1000;

// Statuses the tracker never overwrites: nothing was (or could be) stored for delivery.
bool IsTrackedStatus(const Json& status) {
  return status.is_string() && status != "simulated" && status != "disabled" &&
         status != "error";
}

}  // namespace

LogWebhookSender::LogWebhookSender(Sink sink) : sink_(std::move(sink)) {
  if (!sink_) {
    sink_ = [](const std::string& line) { spdlog::info("{}", line); };
  }
}

Result<std::string> LogWebhookSender::Send(const config::WebhookConfig& target,
                                           const Json& payload) {
  std::string url = target.url.empty() ? std::string("<no url>") : git::RedactUrl(target.url);
  sink_("webhook (simulated) POST " + url + ": " + payload.dump());
  return std::string("simulated");
}

std::optional<std::string> AggregateWebhookStatus(const webhook::DeliveryCounts& counts) {
  if (counts.pending > 0) return std::string("pending");
  if (counts.failed > 0) return std::string("failed");
  if (counts.delivered > 0) return std::string("delivered");
  return std::nullopt;
}

std::vector<Result<std::string>> WebhookSender::SendMany(const std::vector<Outgoing>& outgoing) {
  std::vector<Result<std::string>> out;
  out.reserve(outgoing.size());
  for (const Outgoing& o : outgoing) out.push_back(Send(*o.target, *o.payload));
  return out;
}

void WebhookSender::JobsEnded(const std::vector<std::string>& job_ids) {
  for (const std::string& id : job_ids) JobEnded(id);
}

WebhookStatusTracker::WebhookStatusTracker(webhook::DeliveryStore& deliveries,
                                           jobs::JobStore& jobs)
    : deliveries_(deliveries), jobs_(jobs) {}

Result<std::vector<webhook::Delivery>> WebhookStatusTracker::ForJob(
    const std::string& job_id) const {
  webhook::DeliveryFilter filter;
  filter.job_id = job_id;
  filter.limit = kMaxDeliveriesPerJob;
  auto found = deliveries_.List(filter);
  if (!found.ok()) return std::move(found).error();
  std::vector<webhook::Delivery> out = *std::move(found);
  std::reverse(out.begin(), out.end());  // List gives newest first
  return out;
}

void WebhookStatusTracker::Refresh(const std::string& job_id) { RefreshMany({job_id}, false); }

void WebhookStatusTracker::JobsEnded(const std::vector<std::string>& job_ids) {
  RefreshMany(job_ids, true);
}

void WebhookStatusTracker::Settled(const webhook::Delivery& settled) { SettledMany({settled}); }

void WebhookStatusTracker::SettledMany(const std::vector<webhook::Delivery>& settled) {
  {
    std::lock_guard lock(settled_mu_);
    for (const webhook::Delivery& d : settled) settled_queue_.push_back(d.job_id);
    if (draining_) return;  // the draining thread takes them in its next round
    draining_ = true;
  }
  for (;;) {
    std::vector<std::string> job_ids;
    {
      std::lock_guard lock(settled_mu_);
      job_ids.swap(settled_queue_);
      if (job_ids.empty()) {
        draining_ = false;
        return;
      }
    }
    // Recorded before we are told, so of a job's settlements at least the last one finds none
    // pending; a redelivery meanwhile refreshes through its own Refresh.
    RefreshMany(std::move(job_ids), true);
  }
}

std::string WebhookStatusTracker::FailedLine(const std::string& job_id) const {
  webhook::DeliveryFilter filter;
  filter.job_id = job_id;
  filter.status = webhook::DeliveryStatus::kFailed;
  filter.limit = kMaxDeliveriesPerJob;
  filter.with_payload = false;
  auto failed = deliveries_.List(filter);
  if (!failed.ok() || failed->empty()) return "Webhook notification failed";
  const webhook::Delivery& d = failed->back();  // newest first: the oldest failed one
  std::string why =
      d.last_error.empty() ? "HTTP " + std::to_string(d.last_http_status) : d.last_error;
  return "Webhook notification failed: " + d.event + " after " + std::to_string(d.attempts) +
         " attempt(s): " + why;
}

void WebhookStatusTracker::RefreshMany(std::vector<std::string> job_ids, bool settled_only) {
  std::sort(job_ids.begin(), job_ids.end());
  job_ids.erase(std::unique(job_ids.begin(), job_ids.end()), job_ids.end());
  if (job_ids.empty()) return;
  auto warn = [](const std::string& what, const Error& error) {
    spdlog::warn("webhook status of {}: {}", what, error.message);
  };
  auto counts = deliveries_.CountByJob(job_ids);
  if (!counts.ok()) return warn(std::to_string(job_ids.size()) + " job(s)", counts.error());
  std::vector<std::string> candidates;
  for (const auto& [job_id, c] : *counts) {
    if (!settled_only || c.pending == 0) candidates.push_back(job_id);
  }
  if (candidates.empty()) return;
  auto jobs = jobs_.GetMany(candidates);
  if (!jobs.ok()) return warn(std::to_string(candidates.size()) + " job(s)", jobs.error());
  // What this refresh wrote, per job: compared with a fresh count after writing.
  std::map<std::string, std::string> written;
  std::vector<jobs::JobUpdate> updates;
  for (size_t i = 0; i < candidates.size(); ++i) {
    const std::optional<jobs::Job>& job = (*jobs)[i];
    if (!job || !jobs::IsTerminal(job->status) || !job->metadata.is_object()) continue;
    auto it = job->metadata.find("webhook_status");
    if (it == job->metadata.end() || !IsTrackedStatus(*it)) continue;
    std::string now = AggregateWebhookStatus(counts->at(candidates[i])).value_or("");
    if (now == it->get<std::string>()) continue;
    written[candidates[i]] = now;
  }
  // Another refresh may write between our read and our write; re-counting after writing and
  // writing again when the deliveries moved on makes the last writer's value the current one.
  for (int round = 0; round < 4 && !written.empty(); ++round) {
    updates.clear();
    for (const auto& [job_id, now] : written) {
      jobs::JobChange change;
      change.Meta("webhook_status", now);
      if (now == "delivered") change.Log("Webhook notification delivered");
      if (now == "failed") change.Log(FailedLine(job_id));
      updates.push_back(jobs::JobUpdate{job_id, std::move(change)});
    }
    std::vector<Status> stored = jobs_.UpdateMany(updates);
    std::vector<std::string> recheck;
    for (size_t k = 0; k < updates.size(); ++k) {
      if (k < stored.size() && stored[k].ok()) {
        recheck.push_back(updates[k].job_id);
      } else {
        warn("job " + updates[k].job_id, k < stored.size() ? stored[k].error()
                                                             : MakeError(ErrorCode::kInternal,
                                                                         "no answer"));
      }
    }
    if (recheck.empty()) return;
    auto again = deliveries_.CountByJob(recheck);
    if (!again.ok()) return warn(std::to_string(recheck.size()) + " job(s)", again.error());
    std::map<std::string, std::string> moved;
    for (const std::string& job_id : recheck) {
      auto c = again->find(job_id);
      if (c == again->end()) continue;
      std::string now = AggregateWebhookStatus(c->second).value_or("");
      if (now != written[job_id]) moved[job_id] = now;
    }
    written = std::move(moved);
  }
}

DeliveryWebhookSender::DeliveryWebhookSender(webhook::Dispatcher& dispatcher,
                                             WebhookStatusTracker& tracker)
    : dispatcher_(dispatcher), tracker_(tracker) {}

Result<std::string> DeliveryWebhookSender::Send(const config::WebhookConfig& target,
                                                const Json& payload) {
  return dispatcher_.Notify(target, payload);
}

std::vector<Result<std::string>> DeliveryWebhookSender::SendMany(
    const std::vector<Outgoing>& outgoing) {
  std::vector<std::pair<const config::WebhookConfig*, const Json*>> notifications;
  notifications.reserve(outgoing.size());
  for (const Outgoing& o : outgoing) notifications.emplace_back(o.target, o.payload);
  return dispatcher_.NotifyMany(notifications);
}

std::optional<std::string> DeliveryWebhookSender::Predict(const config::WebhookConfig& target,
                                                          const Json& payload) const {
  return webhook::Dispatcher::ExpectedStatus(target, payload);
}

void DeliveryWebhookSender::JobEnded(const std::string& job_id) { tracker_.JobsEnded({job_id}); }

void DeliveryWebhookSender::JobsEnded(const std::vector<std::string>& job_ids) {
  tracker_.JobsEnded(job_ids);
}

}  // namespace gitops::pipeline
