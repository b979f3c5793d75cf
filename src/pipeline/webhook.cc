// Webhook payloads and the logging sender.
#include "pipeline/webhook.h"

#include <spdlog/spdlog.h>

#include <utility>

#include "git/repository.h"

namespace gitops::pipeline {

Json SingleWebhookPayload(const WebhookSubject& subject, std::string_view status,
                          Clock::TimePoint timestamp, const std::vector<std::string>& logs,
                          const Json& metadata) {
  Json payload = Json::object();
  payload["job_id"] = subject.job_id;
  payload["status"] = std::string(status);
  payload["tenant_id"] = subject.tenant_id;
  payload["resource_type"] = subject.resource_type;
  payload["resource_name"] = subject.resource_name;
  payload["timestamp"] = FormatIso8601(timestamp);
  payload["logs"] = logs;
  payload["metadata"] = metadata.is_object() ? metadata : Json::object();
  return payload;
}

Json StagedWebhookPayload(const WebhookSubject& subject, std::string_view stage,
                          Clock::TimePoint timestamp, const Json& stage_data) {
  Json payload = Json::object();
  payload["job_id"] = subject.job_id;
  payload["stage"] = std::string(stage);
  payload["tenant_id"] = subject.tenant_id;
  payload["resource_type"] = subject.resource_type;
  payload["resource_name"] = subject.resource_name;
  payload["timestamp"] = FormatIso8601(timestamp);
  payload["stage_data"] = stage_data.is_null() ? Json::object() : stage_data;
  return payload;
}

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

}  // namespace gitops::pipeline
