// Webhook notifications of job progress as the pipeline sees them: the WebhookSender seam, its
// dev-mode implementation that only logs (WEBHOOK_SIMULATE), and the one that hands payloads to
// the webhook::Dispatcher and keeps each job's metadata.webhook_status in step with its
// deliveries. Payloads are built with webhook/payload.h.
#pragma once

#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "config/resource_type.h"
#include "core/result.h"
#include "jobs/job_store.h"
#include "webhook/delivery.h"
#include "webhook/dispatcher.h"
#include "webhook/payload.h"

namespace gitops::pipeline {

using Json = nlohmann::ordered_json;

class WebhookSender {
 public:
  virtual ~WebhookSender() = default;
  // Hands `payload` (webhook::SinglePayload or StagedPayload) over for delivery to `target`.
  // Returns the job's webhook_status for it: "simulated" (logged only), "pending" (stored, sent
  // later), "disabled" or "filtered" (not sent). An error means it could not even be accepted;
  // the pipeline records it and the job still ends as its Git work did. Never blocks on the
  // network. Thread-safe.
  virtual Result<std::string> Send(const config::WebhookConfig& target, const Json& payload) = 0;

  // One notification of SendMany. The pointers must stay valid during the call.
  struct Outgoing {
    const config::WebhookConfig* target = nullptr;
    const Json* payload = nullptr;
  };
  // Send of each, in order, one result per notification; a sender that stores deliveries
  // stores the lot at once (the pipeline hands over a batch's final notifications this way).
  virtual std::vector<Result<std::string>> SendMany(const std::vector<Outgoing>& outgoing);

  // Told after the job's final state (status and webhook_status) is stored, so a sender whose
  // deliveries settle later can bring the job's webhook_status up to date. Thread-safe.
  virtual void JobEnded(const std::string& job_id) { (void)job_id; }
  // JobEnded of each of a batch's jobs; a sender with a store checks them at once.
  virtual void JobsEnded(const std::vector<std::string>& job_ids);

  // For a sender that stores notifications: the status Send would answer for this one if it
  // were stored now ("pending", "filtered", "disabled"), so the caller may hand it over later
  // with others in one SendMany (which may still fail). nullopt (the default): send it now.
  virtual std::optional<std::string> Predict(const config::WebhookConfig& target,
                                             const Json& payload) const {
    (void)target;
    (void)payload;
    return std::nullopt;
  }
};

// WEBHOOK_SIMULATE: writes "webhook (simulated) POST <url>: <payload JSON>" to `sink`
// (default: spdlog's default logger at info) and returns "simulated". Thread-safe if `sink` is.
class LogWebhookSender final : public WebhookSender {
 public:
  using Sink = std::function<void(const std::string& line)>;
  explicit LogWebhookSender(Sink sink = nullptr);
  Result<std::string> Send(const config::WebhookConfig& target, const Json& payload) override;

 private:
  Sink sink_;
};

// A job's webhook_status from its deliveries' counts: "pending" while any is pending, else
// "failed" when any failed, else "delivered"; nullopt when there are none.
std::optional<std::string> AggregateWebhookStatus(const webhook::DeliveryCounts& counts);

// Keeps metadata.webhook_status of ended jobs equal to AggregateWebhookStatus of their
// deliveries. Works on sets of jobs: one DeliveryStore::CountByJob, one JobStore::GetMany and
// one UpdateMany for all of them (a few statements per batch in production, not per job).
// Holds no lock across the stores: concurrent refreshes of one job converge, because each one
// re-counts the deliveries after writing and writes again if they moved on.
class WebhookStatusTracker {
 public:
  // Both must outlive the tracker.
  WebhookStatusTracker(webhook::DeliveryStore& deliveries, jobs::JobStore& jobs);

  // Brings `job_id`'s webhook_status up to date when the job has ended and has deliveries, and
  // appends a log line when it becomes delivered or failed. Does nothing for a job still
  // running (its end stores "pending", then calls JobsEnded), an unknown job, or a job whose
  // webhook_status is "simulated", "disabled" or "error". Store errors are logged,
  // not returned (the next settled delivery or redelivery refreshes again). For a redelivery,
  // which can turn a job back to "pending". Thread-safe.
  void Refresh(const std::string& job_id);

  // After the pipeline stored these jobs' ends: refreshes those none of whose deliveries is
  // pending any more (deliveries may have settled before the end was stored); the others are
  // left to the settlement of their last pending delivery. Thread-safe.
  void JobsEnded(const std::vector<std::string>& job_ids);

  // For DispatcherOptions::on_settled: refreshes settled.job_id when `settled` was its job's
  // last pending delivery, else nothing (the job's webhook_status stays "pending" and the
  // settlement of its last pending delivery refreshes it). Settlements that arrive while
  // another thread is refreshing are queued and refreshed together by that thread, so under
  // load they cost a few statements per group. Only for settlements: a redelivery must call
  // Refresh. Thread-safe.
  void Settled(const webhook::Delivery& settled);
  // Settled of each, as one set (DispatcherOptions::on_settled_many).
  void SettledMany(const std::vector<webhook::Delivery>& settled);

  // The deliveries of `job_id` as stored now, oldest first, whichever process created them
  // (the store is shared in production). Errors: the store's.
  Result<std::vector<webhook::Delivery>> ForJob(const std::string& job_id) const;

 private:
  // The refresh of a set of jobs; `settled_only`: skip jobs with a pending delivery (their
  // stored "pending" is right, and the settlement of their last one refreshes them).
  void RefreshMany(std::vector<std::string> job_ids, bool settled_only);
  // The log line for a job whose deliveries failed: its first failed delivery, oldest first.
  std::string FailedLine(const std::string& job_id) const;

  webhook::DeliveryStore& deliveries_;
  jobs::JobStore& jobs_;
  std::mutex settled_mu_;
  std::vector<std::string> settled_queue_;  // job ids of settlements not refreshed yet
  bool draining_ = false;                   // a thread is refreshing settled_queue_
};

// Real delivery: Send is Dispatcher::Notify ("pending", "disabled" or "filtered"), SendMany its
// NotifyMany, Predict its ExpectedStatus; JobsEnded refreshes the jobs' webhook_status through
// the tracker (the dispatcher's on_settled_many should call tracker.SettledMany too).
class DeliveryWebhookSender final : public WebhookSender {
 public:
  // Both must outlive the sender.
  DeliveryWebhookSender(webhook::Dispatcher& dispatcher, WebhookStatusTracker& tracker);
  Result<std::string> Send(const config::WebhookConfig& target, const Json& payload) override;
  // Dispatcher::NotifyMany of the lot (one store call).
  std::vector<Result<std::string>> SendMany(const std::vector<Outgoing>& outgoing) override;
  void JobEnded(const std::string& job_id) override;
  void JobsEnded(const std::vector<std::string>& job_ids) override;
  std::optional<std::string> Predict(const config::WebhookConfig& target,
                                     const Json& payload) const override;

 private:
  webhook::Dispatcher& dispatcher_;
  WebhookStatusTracker& tracker_;
};

}  // namespace gitops::pipeline
