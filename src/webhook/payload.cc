// Payload builders (the prototype's wire format) and the per-attempt body.
#include "webhook/payload.h"

namespace gitops::webhook {

Json SinglePayload(const Subject& subject, std::string_view status, Clock::TimePoint timestamp,
                   const std::vector<std::string>& logs, const Json& metadata) {
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

Json StagedPayload(const Subject& subject, std::string_view stage, Clock::TimePoint timestamp,
                   const Json& stage_data) {
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

std::string EventOf(const Json& payload) {
  if (!payload.is_object()) return "";
  for (const char* key : {"stage", "status"}) {
    auto it = payload.find(key);
    if (it != payload.end() && it->is_string()) return it->get<std::string>();
  }
  return "";
}

std::string BodyForAttempt(std::string_view payload, int attempt) {
  // The stored payload is a serialised object: splice the field in before its closing brace
  // instead of parsing it again on every attempt.
  size_t close = payload.find_last_of('}');
  if (close == std::string_view::npos) return std::string(payload);
  std::string_view head = payload.substr(0, close);
  size_t last = head.find_last_not_of(" \t\r\n");
  bool empty_object = last != std::string_view::npos && head[last] == '{';
  std::string body(head);
  body += empty_object ? "\"attempt\":" : ",\"attempt\":";
  body += std::to_string(attempt);
  body += '}';
  return body;
}

}  // namespace gitops::webhook
