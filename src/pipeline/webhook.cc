// The logging sender, the dispatcher adapter and the job webhook_status tracker.
#include "pipeline/webhook.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <utility>

#include "git/repository.h"

namespace gitops::pipeline {

namespace {

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

void WebhookStatusTracker::Track(const webhook::Delivery& delivery) {
  std::lock_guard lock(mu_);
  by_job_[delivery.job_id].push_back(delivery.delivery_id);
}

Result<std::vector<webhook::Delivery>> WebhookStatusTracker::ForJob(
    const std::string& job_id) const {
  std::vector<std::string> ids;
  {
    std::lock_guard lock(mu_);
    auto it = by_job_.find(job_id);
    if (it != by_job_.end()) ids = it->second;
  }
  std::vector<webhook::Delivery> out;
  out.reserve(ids.size());
  for (const std::string& id : ids) {
    auto delivery = deliveries_.Get(id);
    if (!delivery.ok()) {
      if (delivery.error().code == ErrorCode::kNotFound) continue;
      return std::move(delivery).error();
    }
    out.push_back(std::move(*delivery));
  }
  std::sort(out.begin(), out.end(), [](const webhook::Delivery& a, const webhook::Delivery& b) {
    return a.sequence < b.sequence;
  });
  return out;
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
    auto deliveries = ForJob(job_id);
    if (!deliveries.ok()) {
      spdlog::warn("webhook status of job {}: {}", job_id, deliveries.error().message);
      return;
    }
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
  tracker_.Track(**delivery);
  return std::string("pending");
}

void DeliveryWebhookSender::JobEnded(const std::string& job_id) { tracker_.Refresh(job_id); }

}  // namespace gitops::pipeline
