// Outcome classification, exponential backoff with jitter, Retry-After parsing.
#include "webhook/retry_policy.h"

#include <time.h>

#include <algorithm>
#include <charconv>
#include <cmath>

namespace gitops::webhook {
namespace {

std::string Excerpt(std::string_view body) {
  std::string out;
  for (char c : body.substr(0, 200)) {
    out.push_back(static_cast<unsigned char>(c) < 0x20 ? ' ' : c);
  }
  return out;
}

}  // namespace

Outcome Classify(const Result<HttpResult>& result, Clock::TimePoint now) {
  Outcome outcome;
  if (!result.ok()) {
    const Error& error = result.error();
    outcome.error = error.message;
    outcome.verdict =
        error.code == ErrorCode::kDeadlineExceeded || error.code == ErrorCode::kUnavailable
            ? Verdict::kRetry
            : Verdict::kFail;
    return outcome;
  }
  const HttpResult& answer = *result;
  outcome.http_status = answer.status;
  if (answer.status >= 200 && answer.status < 300) {
    outcome.verdict = Verdict::kDelivered;
    return outcome;
  }
  outcome.error = "HTTP " + std::to_string(answer.status);
  if (answer.status >= 300 && answer.status < 400) {
    outcome.error += ": redirect not followed";
    if (!answer.location.empty()) outcome.error += " (Location: " + Excerpt(answer.location) + ")";
    outcome.verdict = Verdict::kFail;
    return outcome;
  }
  if (!answer.body.empty()) outcome.error += ": " + Excerpt(answer.body);
  if (answer.status == 429 || answer.status >= 500) {
    outcome.verdict = Verdict::kRetry;
    if ((answer.status == 429 || answer.status == 503) && !answer.retry_after.empty()) {
      outcome.retry_after = ParseRetryAfter(answer.retry_after, now);
    }
    return outcome;
  }
  outcome.verdict = Verdict::kFail;
  return outcome;
}

std::chrono::milliseconds RetryDelay(const RetryPolicy& policy, int attempt,
                                     std::optional<std::chrono::seconds> retry_after,
                                     double random01) {
  using std::chrono::milliseconds;
  const int shift = std::clamp(attempt - 1, 0, 40);
  const double base = static_cast<double>(policy.base_backoff.count());
  double delay =
      std::min(base * std::ldexp(1.0, shift), static_cast<double>(policy.max_backoff.count()));
  delay += delay * policy.jitter * std::clamp(random01, 0.0, 1.0);
  milliseconds out(static_cast<int64_t>(delay));
  if (retry_after) {
    milliseconds asked = std::min<milliseconds>(*retry_after, policy.max_retry_after);
    out = std::max(out, asked);
  }
  return out;
}

std::optional<std::chrono::seconds> ParseRetryAfter(std::string_view value, Clock::TimePoint now) {
  if (value.empty()) return std::nullopt;
  if (std::isdigit(static_cast<unsigned char>(value.front()))) {
    int64_t seconds = 0;
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
    if (ec != std::errc() || end != value.data() + value.size()) return std::nullopt;
    return std::chrono::seconds(seconds);
  }
  // IMF-fixdate, the form RFC 9110 requires senders to use.
  std::string text(value);
  struct tm parts = {};
  const char* end = strptime(text.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &parts);
  if (end == nullptr || *end != '\0') return std::nullopt;
  time_t when = timegm(&parts);
  if (when == static_cast<time_t>(-1)) return std::nullopt;
  auto delta = Clock::TimePoint(std::chrono::seconds(when)) - now;
  auto seconds = std::chrono::ceil<std::chrono::seconds>(delta);
  return std::max(seconds, std::chrono::seconds(0));
}

}  // namespace gitops::webhook
