// The notification payloads of the prototype (PROTOTYPE-NOTES.md): single mode, sent when the
// job ends, and staged mode, sent at each stage. Delivery adds delivery_id, event and attempt.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"

namespace gitops::webhook {

using Json = nlohmann::ordered_json;

// Which job and resource a notification is about.
struct Subject {
  std::string job_id;
  std::string tenant_id;
  std::string resource_type;
  std::string resource_name;
};

// {job_id, status, tenant_id, resource_type, resource_name, timestamp (ISO 8601, Z), logs,
// metadata}; `metadata` other than an object becomes {}.
Json SinglePayload(const Subject& subject, std::string_view status, Clock::TimePoint timestamp,
                   const std::vector<std::string>& logs, const Json& metadata);

// {job_id, stage, tenant_id, resource_type, resource_name, timestamp, stage_data}; null
// `stage_data` becomes {}.
Json StagedPayload(const Subject& subject, std::string_view stage, Clock::TimePoint timestamp,
                   const Json& stage_data);

// The event a payload reports: its "stage" (staged), else its "status" (single); "" if neither.
std::string EventOf(const Json& payload);

// The body of one attempt: `payload` (a JSON object's text) with "attempt": n appended.
std::string BodyForAttempt(std::string_view payload, int attempt);

}  // namespace gitops::webhook
