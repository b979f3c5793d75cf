// Webhook signatures: X-GitOps-Signature = "sha256=" + hex HMAC-SHA256 of "<timestamp>.<body>",
// and the check a receiver makes (Verify), which the README's receiver example mirrors.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/result.h"

namespace gitops::webhook {

inline constexpr std::string_view kSignatureHeader = "X-GitOps-Signature";
inline constexpr std::string_view kTimestampHeader = "X-GitOps-Timestamp";
inline constexpr std::string_view kDeliveryHeader = "X-GitOps-Delivery";

// Lowercase hex HMAC-SHA256 of `message` keyed with `key` (OpenSSL EVP_MAC).
// Error: kInternal when OpenSSL fails. Thread-safe.
Result<std::string> HmacSha256Hex(std::string_view key, std::string_view message);

// Signs delivery bodies with one secret. Immutable, thread-safe. Never prints the secret.
class Signer {
 public:
  explicit Signer(std::string secret) : secret_(std::move(secret)) {}

  // "sha256=<hex HMAC-SHA256 of "<unix_seconds>.<body>">". Error: kInternal (OpenSSL).
  Result<std::string> Sign(int64_t unix_seconds, std::string_view body) const;

 private:
  std::string secret_;
};

// Unix seconds of `tp`, as sent in X-GitOps-Timestamp.
int64_t UnixSeconds(Clock::TimePoint tp);

// What a receiver checks: `timestamp` (X-GitOps-Timestamp) is a whole number of seconds within
// `tolerance` of `now`, and `signature` (X-GitOps-Signature) equals the signature of
// "<timestamp>.<body>" under `secret` (compared in constant time).
// Errors: kInvalidArgument (malformed timestamp or signature), kDeadlineExceeded (timestamp
// outside the tolerance: a replay or a skewed clock), kUnauthenticated (signature mismatch).
Status Verify(std::string_view secret, std::string_view timestamp, std::string_view body,
              std::string_view signature, Clock::TimePoint now,
              std::chrono::seconds tolerance = std::chrono::seconds(300));

}  // namespace gitops::webhook
