// Webhook notifications of job progress: the prototype's payloads (single and staged), the
// WebhookSender seam, and its dev-mode implementation that only logs what would be sent.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "config/resource_type.h"
#include "core/clock.h"
#include "core/result.h"

namespace gitops::pipeline {

using Json = nlohmann::ordered_json;

// Which job and resource a notification is about.
struct WebhookSubject {
  std::string job_id;
  std::string tenant_id;
  std::string resource_type;
  std::string resource_name;
};

// Single mode, sent when the job ends: {job_id, status, tenant_id, resource_type,
// resource_name, timestamp (ISO 8601, Z), logs, metadata}.
Json SingleWebhookPayload(const WebhookSubject& subject, std::string_view status,
                          Clock::TimePoint timestamp, const std::vector<std::string>& logs,
                          const Json& metadata);

// Staged mode, sent at each stage: {job_id, stage, tenant_id, resource_type, resource_name,
// timestamp, stage_data}.
Json StagedWebhookPayload(const WebhookSubject& subject, std::string_view stage,
                          Clock::TimePoint timestamp, const Json& stage_data);

class WebhookSender {
 public:
  virtual ~WebhookSender() = default;
  // Hands `payload` over for delivery to `target` (its url, timeout, retries). Returns the
  // job's webhook_status for it: "simulated" (logged only), "sent", "queued" ... An error
  // means it could not even be accepted; the pipeline records it and the job still ends as its
  // Git work did. Must not block on the network for long. Thread-safe.
  virtual Result<std::string> Send(const config::WebhookConfig& target, const Json& payload) = 0;
};

// Dev mode: writes "webhook (simulated) POST <url>: <payload JSON>" to `sink` (default:
// spdlog's default logger at info) and returns "simulated". Thread-safe if `sink` is.
class LogWebhookSender final : public WebhookSender {
 public:
  using Sink = std::function<void(const std::string& line)>;
  explicit LogWebhookSender(Sink sink = nullptr);
  Result<std::string> Send(const config::WebhookConfig& target, const Json& payload) override;

 private:
  Sink sink_;
};

}  // namespace gitops::pipeline
