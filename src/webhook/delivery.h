// Delivery: one notification to one URL, tracked across its attempts, and the DeliveryStore seam
// that keeps them (memory in dev mode; PostgreSQL in production).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/result.h"

namespace gitops::webhook {

enum class DeliveryStatus { kPending, kDelivered, kFailed };

// "pending" / "delivered" / "failed".
std::string_view DeliveryStatusName(DeliveryStatus status);
// The status named `name`, or nullopt.
std::optional<DeliveryStatus> ParseDeliveryStatus(std::string_view name);

struct Delivery {
  std::string delivery_id;  // UUID; the same for every attempt (X-GitOps-Delivery)
  std::string job_id;
  std::string tenant_id;
  std::string resource_type;
  std::string event;  // submitted, started, rendered, committed, pushed, completed, failed
  std::string url;
  // The JSON object sent, fixed at creation (with delivery_id and event); each attempt's body
  // is this plus "attempt" (BodyForAttempt).
  std::string payload;
  int64_t sequence = 0;  // assigned by DeliveryStore::Add, increasing: orders a job's deliveries
  int attempts = 0;      // attempts started so far
  int retries = 0;       // the type's webhook.retries when created
  int max_attempts = 1;  // attempts allowed in total (1 + retries; a redelivery adds 1 + retries)
  int timeout_ms = 30'000;
  DeliveryStatus status = DeliveryStatus::kPending;
  int last_http_status = 0;          // 0: no answer (yet, or a connection error / timeout)
  std::string last_error;            // "" after a 2xx
  Clock::TimePoint next_attempt_at;  // while pending: not sent before this
  // Set by Claim to the attempt's lease (an attempt is in flight somewhere until then), cleared
  // when its outcome is recorded (RecordAttempt) or by a redelivery after the lease ended.
  std::optional<Clock::TimePoint> claimed_until;
  Clock::TimePoint created_at;
  Clock::TimePoint updated_at;

  bool operator==(const Delivery&) const = default;
};

// The delivery as the API shows it: {delivery_id, job_id, tenant_id, resource_type, event, url,
// status, attempts, max_attempts, last_http_status (null when none), last_error (null when
// none), next_attempt_at (ISO 8601, null unless pending), created_at, updated_at}, plus
// "payload" (the object) when `with_payload`.
nlohmann::ordered_json DeliveryToJson(const Delivery& delivery, bool with_payload = false);

struct DeliveryFilter {
  std::optional<std::string> tenant_id;
  std::optional<DeliveryStatus> status;
  std::optional<std::string> job_id;
  size_t limit = 100;
  // false: each listed delivery's `payload` is left empty (every other field as stored), so a
  // caller that only needs statuses (the job's webhook_status) copies no payloads.
  bool with_payload = true;
};

// The errors every DeliveryStore gives: kInvalidArgument for a new delivery without its
// delivery_id or job_id (CheckNewDelivery), kNotFound naming an unknown id (DeliveryNotFound).
Status CheckNewDelivery(const Delivery& delivery);
Error DeliveryNotFound(std::string_view delivery_id);

// How many of one job's deliveries are in each status (DeliveryStore::CountByJob).
struct DeliveryCounts {
  size_t pending = 0;
  size_t delivered = 0;
  size_t failed = 0;

  bool operator==(const DeliveryCounts&) const = default;
};

// Keeps deliveries. Implementations are thread-safe. Times are kept to the microsecond (the
// Clock's resolution): a store may drop finer parts, so a FakeClock's times round-trip exactly.
class DeliveryStore {
 public:
  virtual ~DeliveryStore() = default;

  // Stores new deliveries, all or none: returns them in the given order with sequences
  // assigned, increasing in that order (greater than any before). Errors: kAlreadyExists (a
  // delivery_id taken or given twice), kInvalidArgument (an empty delivery_id or job_id),
  // kUnavailable (backend down); then nothing is stored.
  virtual Result<std::vector<Delivery>> AddMany(std::vector<Delivery> deliveries) = 0;

  // AddMany of one delivery.
  Result<Delivery> Add(Delivery delivery);

  // Error: kNotFound.
  virtual Result<Delivery> Get(std::string_view delivery_id) = 0;

  // Replaces the stored delivery with the same delivery_id (sequence and created_at are kept
  // as stored), unconditionally: for tools and tests; the dispatcher records outcomes with
  // RecordAttempt and redeliveries with Redeliver. Error: kNotFound.
  virtual Status Update(const Delivery& delivery) = 0;

  // Claims a delivery for one attempt, atomically (also across processes sharing a backend):
  // only when it is still pending and due at `now` (next_attempt_at <= now) does it count the
  // attempt (attempts + 1), lease it (next_attempt_at = claimed_until = lease_until, so it is
  // due again then if its claimant dies), set updated_at = now and return the claimed delivery.
  // nullopt when it is settled or not due (e.g. another claimant got it first): of two claims of
  // one due delivery at the same `now`, exactly one succeeds. Errors: kNotFound, kUnavailable.
  virtual Result<std::optional<Delivery>> Claim(std::string_view delivery_id, Clock::TimePoint now,
                                                Clock::TimePoint lease_until) = 0;

  // Claim of each of `delivery_ids` at one `now` and `lease_until`: returns the deliveries it
  // claimed, in any order; an id that is unknown, settled, not due or claimed by someone else
  // is left out. The default calls Claim for each; a backend with statements claims the lot in
  // one. Errors: kUnavailable (then nothing was claimed by this call, or, for the default,
  // only what came before the failing id: those stay leased and are due again at lease end).
  virtual Result<std::vector<Delivery>> ClaimMany(const std::vector<std::string>& delivery_ids,
                                                  Clock::TimePoint now,
                                                  Clock::TimePoint lease_until);

  // Records the outcome of the attempt a Claim counted as `claimed_attempt`, atomically: only
  // while the stored delivery is still that claim's (pending, claimed_until set, attempts ==
  // claimed_attempt) does it copy `outcome`'s attempts, status, last_http_status, last_error,
  // next_attempt_at and updated_at, clear claimed_until and return true. Otherwise (the lease
  // ended and another claimant counted a newer attempt, a redelivery replaced the claim, or the
  // delivery is settled) it changes nothing and returns false: the late outcome is dropped.
  // Errors: kNotFound, kUnavailable.
  virtual Result<bool> RecordAttempt(const Delivery& outcome, int claimed_attempt) = 0;

  // RecordAttempt(outcome, outcome.attempts) for each of `outcomes` (the dispatcher's outcomes:
  // each one's attempts is the attempt its claim counted), one bool per outcome in order: true
  // where it applied, false where it was dropped or the delivery is unknown. The default calls
  // RecordAttempt for each; a backend with statements records the lot in one. Error only when
  // the backend failed (kUnavailable); then none is known to be recorded (those that were
  // stay so; the others are due again when their lease ends).
  virtual Result<std::vector<bool>> RecordAttempts(const std::vector<Delivery>& outcomes);

  // Makes a delivery due at `now` again, atomically (a redelivery): a delivered or failed one
  // becomes pending with 1 + retries more attempts allowed (max_attempts = attempts + 1 +
  // retries); a pending one waiting for its backoff keeps its attempts; either way
  // next_attempt_at = updated_at = now and a lapsed claim is cleared. Returns the delivery as
  // stored. Errors: kNotFound, kFailedPrecondition (claimed_until is after `now`: an attempt is
  // in flight in some process), kUnavailable.
  virtual Result<Delivery> Redeliver(std::string_view delivery_id, Clock::TimePoint now) = 0;

  // Pending deliveries due at `now` (next_attempt_at <= now) that head their job's queue (no
  // pending delivery of the same job_id has a smaller sequence) and whose url is not in
  // `skip_urls`; ordered by next_attempt_at, then sequence; at most `limit`.
  virtual Result<std::vector<Delivery>> ListDue(Clock::TimePoint now, size_t limit,
                                                const std::set<std::string>& skip_urls) = 0;

  // Deliveries matching every set field of `filter`, newest (highest sequence) first, at most
  // filter.limit; without their payloads unless filter.with_payload.
  virtual Result<std::vector<Delivery>> List(const DeliveryFilter& filter) = 0;

  // For each of `job_ids` that has deliveries, how many are pending, delivered and failed (a
  // job without deliveries is absent). The default lists each job's deliveries; a backend
  // with statements counts them all in one.
  virtual Result<std::map<std::string, DeliveryCounts>> CountByJob(
      const std::vector<std::string>& job_ids);
};

}  // namespace gitops::webhook
