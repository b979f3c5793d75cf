// What an attempt's outcome means for a delivery: delivered, retry later (when), or failed.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/result.h"
#include "webhook/http_sender.h"

namespace gitops::webhook {

struct RetryPolicy {
  std::chrono::milliseconds base_backoff{1000};  // after attempt 1; doubles per attempt
  std::chrono::milliseconds max_backoff{3'600'000};
  double jitter = 0.2;  // up to this fraction of the backoff added at random
  std::chrono::milliseconds max_retry_after{3'600'000};  // a larger Retry-After is capped
};

enum class Verdict { kDelivered, kRetry, kFail };

struct Outcome {
  Verdict verdict = Verdict::kFail;
  int http_status = 0;  // 0 when there was no answer
  std::string error;    // "" when delivered
  // Retry-After asked for by a 429 or 503 (already parsed), when any.
  std::optional<std::chrono::seconds> retry_after;
};

// 2xx: delivered. 429 and 5xx, timeouts (kDeadlineExceeded) and connection errors
// (kUnavailable): retry. Anything else (3xx: redirects are not followed; other 4xx; a bad URL):
// fail. `now` converts an HTTP-date Retry-After.
Outcome Classify(const Result<HttpResult>& result, Clock::TimePoint now);

// The delay before the next attempt after attempt number `attempt` (1-based) failed:
// base_backoff * 2^(attempt-1), capped at max_backoff, plus jitter * random01 of it; at least the
// (capped) retry_after when one was given. `random01` is in [0, 1).
std::chrono::milliseconds RetryDelay(const RetryPolicy& policy, int attempt,
                                     std::optional<std::chrono::seconds> retry_after,
                                     double random01);

// Parses a Retry-After value: delay-seconds ("120") or an HTTP-date ("Wed, 21 Oct 2015 07:28:00
// GMT", relative to `now`; a past date gives 0). nullopt when malformed.
std::optional<std::chrono::seconds> ParseRetryAfter(std::string_view value, Clock::TimePoint now);

}  // namespace gitops::webhook
