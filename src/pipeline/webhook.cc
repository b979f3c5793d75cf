// The logging sender, the dispatcher adapter and the job webhook_status tracker.
#include "pipeline/webhook.h"

#include <spdlog/spdlog.h>

#include <algorithm>
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

std::optional<std::string> AggregateWebhookStatus(
    const std::vector<webhook::Delivery>& deliveries) {
  if (deliveries.empty()) return std::nullopt;
  bool failed = false;
  for (const webhook::Delivery& d : deliveries) {
    if (d.status == webhook::DeliveryStatus::kPending) return std::string("pending");
    failed = failed || d.status == webhook::DeliveryStatus::kFailed;
  }
  return std::string(failed ? "failed" : "delivered");
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

Result<bool> WebhookStatusTracker::HasPending(const std::string& job_id) const {
  webhook::DeliveryFilter filter;
  filter.job_id = job_id;
  filter.status = webhook::DeliveryStatus::kPending;
  filter.limit = 1;
  filter.with_payload = false;
  auto found = deliveries_.List(filter);
  if (!found.ok()) return std::move(found).error();
  return !found->empty();
}

Result<std::vector<webhook::Delivery>> WebhookStatusTracker::Statuses(
    const std::string& job_id) const {
  webhook::DeliveryFilter filter;
  filter.job_id = job_id;
  filter.limit = kMaxDeliveriesPerJob;
  filter.with_payload = false;
  return deliveries_.List(filter);
}

void WebhookStatusTracker::Settled(const webhook::Delivery& settled) {
  // Recorded before we are told, so of a job's settlements at least the last one finds none
  // pending here; a redelivery meanwhile refreshes through its own Refresh.
  auto pending = HasPending(settled.job_id);
  if (pending.ok() && *pending) return;
  Refresh(settled.job_id);
}

void WebhookStatusTracker::Refresh(const std::string& job_id) {
  auto job = jobs_.Get(job_id);
  if (!job.ok()) return;
  if (!jobs::IsTerminal(job->status) || !job->metadata.is_object()) return;
  auto it = job->metadata.find("webhook_status");
  if (it == job->metadata.end() || !IsTrackedStatus(*it)) return;
  std::string stored = it->get<std::string>();
  // Another Refresh may write between our read and our write; re-reading after writing and
  // writing again when the deliveries moved on makes the last writer's value the current one.
  for (int round = 0; round < 4; ++round) {
    if (stored == "pending") {  // stays so while any delivery is: one row tells
      auto pending = HasPending(job_id);
      if (!pending.ok()) {
        spdlog::warn("webhook status of job {}: {}", job_id, pending.error().message);
        return;
      }
      if (*pending) return;
    }
    auto deliveries = Statuses(job_id);
    if (!deliveries.ok()) {
      spdlog::warn("webhook status of job {}: {}", job_id, deliveries.error().message);
      return;
    }
    // Oldest first, so the log names the first failed delivery.
    std::sort(deliveries->begin(), deliveries->end(),
              [](const webhook::Delivery& a, const webhook::Delivery& b) {
                return a.sequence < b.sequence;
              });
    std::optional<std::string> now = AggregateWebhookStatus(*deliveries);
    if (!now || *now == stored) return;
    jobs::JobChange change;
    change.Meta("webhook_status", *now);
    if (*now == "delivered") {
      change.Log("Webhook notification delivered");
    } else if (*now == "failed") {
      for (const webhook::Delivery& d : *deliveries) {
        if (d.status != webhook::DeliveryStatus::kFailed) continue;
        std::string why = d.last_error.empty() ? "HTTP " + std::to_string(d.last_http_status)
                                               : d.last_error;
        change.Log("Webhook notification failed: " + d.event + " after " +
                   std::to_string(d.attempts) + " attempt(s): " + why);
        break;
      }
    }
    Status updated = jobs_.Update(job_id, change);
    if (!updated.ok()) {
      spdlog::warn("webhook status of job {}: {}", job_id, updated.error().message);
      return;
    }
    stored = *now;
  }
}

DeliveryWebhookSender::DeliveryWebhookSender(webhook::Dispatcher& dispatcher,
                                             WebhookStatusTracker& tracker)
    : dispatcher_(dispatcher), tracker_(tracker) {}

Result<std::string> DeliveryWebhookSender::Send(const config::WebhookConfig& target,
                                                const Json& payload) {
  if (!target.enabled) return std::string("disabled");
  auto delivery = dispatcher_.Enqueue(target, webhook::EventOf(payload), payload);
  if (!delivery.ok()) return std::move(delivery).error();
  if (!delivery->has_value()) return std::string("filtered");
  return std::string("pending");
}

void DeliveryWebhookSender::JobEnded(const std::string& job_id) { tracker_.Refresh(job_id); }

}  // namespace gitops::pipeline
