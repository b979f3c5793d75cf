// Dispatcher: turns notifications into stored deliveries and sends the due ones with bounded
// concurrency, per-URL back-pressure, per-job ordering, retries and redelivery.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "config/resource_type.h"
#include "core/clock.h"
#include "core/result.h"
#include "webhook/delivery.h"
#include "webhook/http_sender.h"
#include "webhook/payload.h"
#include "webhook/retry_policy.h"

namespace gitops::webhook {

inline constexpr std::string_view kUserAgent = "GitOps-API-Webhook/2.0";

// The signing key of a resource type's webhook ("" = unsigned), looked up at send time so
// pending deliveries never store it. Must be thread-safe.
using SecretSource = std::function<std::string(const std::string& resource_type)>;

struct DispatcherOptions {
  int senders = 8;                // threads sending at once (Start)
  int max_in_flight_per_url = 4;  // a slow receiver holds at most this many senders
  size_t batch = 256;             // deliveries read per pass
  RetryPolicy retry;
  // The real loop's longest sleep between passes (it is woken earlier by Enqueue, Redeliver
  // and finished attempts); also how soon deliveries added by another process are noticed.
  std::chrono::milliseconds poll_interval{500};
  // A claimed delivery is not due again until timeout + lease_margin, so one whose sender died
  // (process killed) is sent again later.
  std::chrono::milliseconds lease_margin{30'000};
  // [0, 1) for the backoff jitter; default: a seeded std::mt19937_64.
  std::function<double()> random;
  // Told when a delivery becomes delivered or failed (e.g. to set the job's
  // metadata.webhook_status). Called on the sending thread, without locks held.
  std::function<void(const Delivery&)> on_settled;
  // When set, called instead of on_settled with the deliveries that settled together (recorded
  // in one RecordAttempts), so the listener can handle them as one set. Same thread rules.
  std::function<void(const std::vector<Delivery>&)> on_settled_many;
};

class Dispatcher {
 public:
  // `store`, `sender` and `clock` must outlive the dispatcher.
  Dispatcher(DeliveryStore& store, HttpSender& sender, const Clock& clock, SecretSource secrets,
             DispatcherOptions options = {});
  // Calls Stop().
  ~Dispatcher();
  Dispatcher(const Dispatcher&) = delete;
  Dispatcher& operator=(const Dispatcher&) = delete;

  // Creates a pending delivery of `payload` (a SinglePayload or StagedPayload) about `event`
  // for `target`, due now; payload gains delivery_id and event. job_id, tenant_id and
  // resource_type are read from the payload. Returns nullopt, storing nothing, when the target
  // does not send `event` (disabled, or filtered by webhook.events).
  // Errors: kInvalidArgument (no url, payload not an object or without job_id), the store's.
  // Never blocks on the network. Thread-safe.
  Result<std::optional<Delivery>> Enqueue(const config::WebhookConfig& target,
                                          std::string_view event, const Json& payload);

  // One notification of EnqueueMany. The pointers must stay valid during the call.
  struct Notification {
    const config::WebhookConfig* target = nullptr;
    std::string_view event;
    const Json* payload = nullptr;
  };
  // Enqueue of each, the deliveries stored with one DeliveryStore::AddMany (one statement in
  // PostgreSQL): one result per notification, in order. A notification's own error (see
  // Enqueue) fails only it; a store error fails every one that was to be stored (nothing of
  // them is stored). Thread-safe.
  std::vector<Result<std::optional<Delivery>>> EnqueueMany(
      const std::vector<Notification>& notifications);

  // Enqueue with the event taken from the payload (its stage, else its status); returns the
  // job's webhook_status: "pending" (stored, to be sent), "disabled" or "filtered" (not sent).
  // The same contract as pipeline::WebhookSender::Send, so an adapter is one line.
  Result<std::string> Notify(const config::WebhookConfig& target, const Json& payload);

  // Notify of each (target, payload), stored with one EnqueueMany; one result per notification,
  // in order (see EnqueueMany for errors). Thread-safe.
  std::vector<Result<std::string>> NotifyMany(
      const std::vector<std::pair<const config::WebhookConfig*, const Json*>>& notifications);

  // What Notify answers for `payload` when storing succeeds: "disabled", "filtered" or
  // "pending". Stores nothing.
  static std::string ExpectedStatus(const config::WebhookConfig& target, const Json& payload);

  // Sends a delivery again under the same delivery_id: a delivered or failed one becomes
  // pending, due now, with 1 + retries more attempts allowed; a pending one waiting for its
  // backoff is made due now (DeliveryStore::Redeliver). Needs no Start(): a serve replica asks,
  // a worker sends. Errors: kNotFound, kFailedPrecondition (an attempt is in flight in any
  // process sharing the store: claimed and its lease not over), the store's. Thread-safe.
  Result<Delivery> Redeliver(std::string_view delivery_id);

  // One synchronous pass on the calling thread: sends every delivery due at clock.Now() (heads
  // of their job's queue, within the per-URL limit) one after the other and records the
  // outcomes. Returns the number of attempts made. For tests with a FakeClock (call again after
  // advancing it) and tools; not while Start()ed.
  size_t RunOnce();

  // Starts the scheduler thread and `senders` sender threads. Error: kFailedPrecondition when
  // already started or stopped.
  Status Start();

  // Stops taking deliveries, waits for attempts in flight (each bounded by its timeout) and
  // joins the threads. Deliveries still pending stay in the store. Idempotent.
  void Stop();

 private:
  // The delivery Enqueue would store (not stored yet), nullopt when `target` does not send
  // `event`, or Enqueue's kInvalidArgument.
  Result<std::optional<Delivery>> NewDelivery(const config::WebhookConfig& target,
                                              std::string_view event, const Json& payload,
                                              Clock::TimePoint now) const;
  // Picks due deliveries within the free capacity and claims them (attempts+1, lease). With
  // `prefetch` (the running dispatcher; not RunOnce), also claims up to 2 x
  // max_in_flight_per_url more per URL whose slots are all taken (topped up when at most half
  // are left) and holds them in held_: when an attempt to that URL
  // ends, its slot and sender go straight to the next held one (FreeSlot), so a busy URL's
  // deliveries follow one another without a store round trip in between.
  std::vector<Delivery> ClaimDue(size_t capacity, bool prefetch);
  // Sends one claimed delivery and records the outcome; releases its in-flight slot.
  void Attempt(Delivery delivery);
  // Records an attempt's outcome (DeliveryStore::RecordAttempts), then releases its slot and
  // tells on_settled. Outcomes finished while another thread is recording are queued and
  // recorded by that thread with its next batch: one statement for many under load. The
  // listener is told outside the recording role, so recording goes on meanwhile.
  void Record(Delivery outcome);
  // Frees the delivery's URL slot and sender, or hands them to the URL's next held delivery.
  void FreeSlot(const Delivery& delivery);
  // The delivery is no longer in flight here (its outcome is recorded, or it was not claimed).
  void Forget(const Delivery& delivery);
  // FreeSlot, then Forget.
  void Release(const Delivery& delivery);
  void SchedulerLoop();
  void SenderLoop();
  double Random();

  DeliveryStore& store_;
  HttpSender& sender_;
  const Clock& clock_;
  SecretSource secrets_;
  DispatcherOptions options_;

  std::mutex mu_;
  std::condition_variable wake_scheduler_;
  std::condition_variable wake_senders_;
  bool wake_ = false;
  // The earliest retry this process scheduled, so the loop wakes for it without polling.
  std::optional<Clock::TimePoint> next_retry_;
  bool started_ = false;
  bool stopping_ = false;
  std::set<std::string> in_flight_ids_;        // picked or claimed, being sent
  std::map<std::string, int> in_flight_urls_;  // url -> deliveries claimed for it
  size_t busy_senders_ = 0;                    // claimed deliveries not yet finished
  std::vector<Delivery> ready_;                // claimed, waiting for a sender thread
  // Prefetched: claimed for a URL whose slots were all taken, sent as one frees (FreeSlot).
  std::map<std::string, std::deque<Delivery>> held_;
  // Due heads of job queues read from the store whose URL was full at the time (ClaimDue).
  std::vector<Delivery> due_cache_;
  std::set<std::string>
      dirty_urls_;             // URLs with deliveries added/redelivered/settled since the read
  bool query_forced_ = false;  // a retry fell due: read the store on the next pass
  std::optional<Clock::TimePoint> last_read_;
  std::thread scheduler_;
  std::vector<std::thread> senders_;
  std::mutex record_mu_;
  std::vector<Delivery> to_record_;  // outcomes waiting for the recording thread
  bool recording_ = false;           // a thread is in Record's loop
  std::mutex random_mu_;
  std::function<double()> random_;
};

}  // namespace gitops::webhook
