// The dispatcher: claims due deliveries (lease in the store), sends them on sender threads or
// synchronously (RunOnce), and records each outcome with the retry policy.
#include "webhook/dispatcher.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <limits>
#include <random>

#include "core/ids.h"
#include "webhook/signer.h"

namespace gitops::webhook {
namespace {

// The payload as stored: its text with delivery_id and event, without attempt. The usual payload
// (none of those keys) is dumped once and the two fields spliced in before its closing brace,
// rather than deep-copying the JSON to add them.
std::string StoredPayload(const Json& payload, const std::string& delivery_id,
                          const std::string& event) {
  if (payload.contains("attempt") || payload.contains("delivery_id") || payload.contains("event")) {
    Json body = payload;
    body.erase("attempt");
    body["delivery_id"] = delivery_id;
    body["event"] = event;
    return body.dump();
  }
  std::string text = payload.dump();  // "{...}": an object, never empty here (it has job_id)
  text.pop_back();
  text += ",\"delivery_id\":";
  text += Json(delivery_id).dump();
  text += ",\"event\":";
  text += Json(event).dump();
  text += '}';
  return text;
}

}  // namespace

Dispatcher::Dispatcher(DeliveryStore& store, HttpSender& sender, const Clock& clock,
                       SecretSource secrets, DispatcherOptions options)
    : store_(store),
      sender_(sender),
      clock_(clock),
      secrets_(std::move(secrets)),
      options_(std::move(options)) {
  options_.senders = std::max(1, options_.senders);
  options_.max_in_flight_per_url = std::max(1, options_.max_in_flight_per_url);
  options_.batch = std::max<size_t>(1, options_.batch);
  random_ = options_.random;
  if (!random_) {
    random_ = [engine = std::mt19937_64(std::random_device{}()),
               dist = std::uniform_real_distribution<double>(0.0, 1.0)]() mutable {
      return dist(engine);
    };
  }
}

Dispatcher::~Dispatcher() { Stop(); }

Result<std::optional<Delivery>> Dispatcher::NewDelivery(const config::WebhookConfig& target,
                                                        std::string_view event,
                                                        const Json& payload,
                                                        Clock::TimePoint now) const {
  if (!target.Sends(event)) return std::optional<Delivery>();
  if (target.url.empty()) {
    return Unexpected(ErrorCode::kInvalidArgument, "the webhook has no url");
  }
  if (!payload.is_object() || !payload.contains("job_id") || !payload["job_id"].is_string() ||
      payload["job_id"].get<std::string>().empty()) {
    return Unexpected(ErrorCode::kInvalidArgument, "a webhook payload needs a job_id");
  }
  auto text = [&payload](const char* key) {
    auto it = payload.find(key);
    return it != payload.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  Delivery delivery;
  delivery.delivery_id = NewUuid();
  delivery.job_id = text("job_id");
  delivery.tenant_id = text("tenant_id");
  delivery.resource_type = text("resource_type");
  delivery.event = std::string(event);
  delivery.url = target.url;
  delivery.payload = StoredPayload(payload, delivery.delivery_id, delivery.event);
  delivery.retries = std::max(0, target.retries);
  delivery.max_attempts = 1 + delivery.retries;
  delivery.timeout_ms = std::max(1, target.timeout_seconds) * 1000;
  delivery.next_attempt_at = now;
  delivery.created_at = now;
  delivery.updated_at = now;
  return std::optional<Delivery>(std::move(delivery));
}

Result<std::optional<Delivery>> Dispatcher::Enqueue(const config::WebhookConfig& target,
                                                    std::string_view event, const Json& payload) {
  return std::move(EnqueueMany({Notification{&target, event, &payload}}).front());
}

std::vector<Result<std::optional<Delivery>>> Dispatcher::EnqueueMany(
    const std::vector<Notification>& notifications) {
  const Clock::TimePoint now = clock_.Now();
  std::vector<Result<std::optional<Delivery>>> out;
  out.reserve(notifications.size());
  std::vector<Delivery> to_store;
  std::vector<size_t> stored_at;  // out's index of each of to_store
  for (const Notification& n : notifications) {
    auto delivery = NewDelivery(*n.target, n.event, *n.payload, now);
    if (delivery.ok() && delivery->has_value()) {
      stored_at.push_back(out.size());
      to_store.push_back(**std::move(delivery));
      out.emplace_back(std::optional<Delivery>());  // replaced below
    } else {
      out.push_back(std::move(delivery));
    }
  }
  if (to_store.empty()) return out;
  auto stored = store_.AddMany(std::move(to_store));
  if (!stored.ok()) {
    for (size_t i : stored_at) out[i] = Unexpected(stored.error());
    return out;
  }
  {
    std::lock_guard lock(mu_);
    for (const Delivery& d : *stored) dirty_urls_.insert(d.url);
    wake_ = true;
  }
  wake_scheduler_.notify_one();
  for (size_t k = 0; k < stored_at.size(); ++k) {
    out[stored_at[k]] = std::optional<Delivery>(std::move((*stored)[k]));
  }
  return out;
}

Result<std::string> Dispatcher::Notify(const config::WebhookConfig& target, const Json& payload) {
  return std::move(NotifyMany({{&target, &payload}}).front());
}

std::vector<Result<std::string>> Dispatcher::NotifyMany(
    const std::vector<std::pair<const config::WebhookConfig*, const Json*>>& notifications) {
  std::vector<Result<std::string>> out(notifications.size(), std::string("disabled"));
  std::vector<Notification> enabled;
  std::vector<std::string> events;  // the notifications' views point here: never reallocated
  events.reserve(notifications.size());
  std::vector<size_t> enabled_at;
  for (size_t i = 0; i < notifications.size(); ++i) {
    const auto& [target, payload] = notifications[i];
    if (!target->enabled) continue;
    events.push_back(EventOf(*payload));
    enabled.push_back({target, events.back(), payload});
    enabled_at.push_back(i);
  }
  auto enqueued = EnqueueMany(enabled);
  for (size_t k = 0; k < enqueued.size(); ++k) {
    if (!enqueued[k]) {
      out[enabled_at[k]] = std::move(enqueued[k]).error();
    } else {
      out[enabled_at[k]] = std::string(enqueued[k]->has_value() ? "pending" : "filtered");
    }
  }
  return out;
}

std::string Dispatcher::ExpectedStatus(const config::WebhookConfig& target, const Json& payload) {
  if (!target.enabled) return "disabled";
  return target.Sends(EventOf(payload)) ? "pending" : "filtered";
}

Result<Delivery> Dispatcher::Redeliver(std::string_view delivery_id) {
  // The store decides, so an attempt in flight in any process sharing it (its claim's lease
  // not yet over) is refused, and a concurrent claim cannot be overwritten.
  auto delivery = store_.Redeliver(delivery_id, clock_.Now());
  if (!delivery) return std::move(delivery).error();
  {
    std::lock_guard lock(mu_);
    dirty_urls_.insert(delivery->url);
    wake_ = true;
  }
  wake_scheduler_.notify_one();
  return delivery;
}

std::vector<Delivery> Dispatcher::ClaimDue(size_t capacity, bool prefetch) {
  const size_t per_url = static_cast<size_t>(options_.max_in_flight_per_url);
  const Clock::TimePoint now = clock_.Now();
  std::vector<Delivery> picked;  // to send now: each holds a sender and a slot of its URL
  std::vector<Delivery> held;    // prefetched: claimed now, sent when a slot of its URL frees
  // Prefetching holds up to 2 * per_url deliveries per URL and tops them up only when at most
  // per_url are left, so each claim of held deliveries takes several at once. A held one waits
  // for at most two rounds of the URL's attempts: its lease is two timeouts longer.
  const size_t hold_limit = 2 * per_url;
  struct Held {
    size_t at_start = 0;  // held_ size when this pass began
    size_t now = 0;       // plus what this pass picked to hold
  };
  std::map<std::string, Held> held_count;
  auto held_of = [&](const std::string& url) -> Held& {  // caller holds mu_
    auto [it, fresh] = held_count.try_emplace(url);
    if (fresh) {
      auto h = held_.find(url);
      it->second.at_start = it->second.now = h == held_.end() ? 0 : h->second.size();
    }
    return it->second;
  };
  // Takes what `from` holds for URLs with room, in order, up to capacity; with `prefetch`,
  // also deliveries to hold for URLs whose slots are taken; returns the rest. Caller holds mu_.
  auto pick = [&](std::vector<Delivery>& from) {
    std::vector<Delivery> rest;
    for (Delivery& d : from) {
      if (in_flight_ids_.count(d.delivery_id)) continue;  // being sent or held already
      int& count = in_flight_urls_[d.url];
      if (static_cast<size_t>(count) < per_url && picked.size() < capacity) {
        ++count;
        in_flight_ids_.insert(d.delivery_id);
        ++busy_senders_;
        picked.push_back(std::move(d));
        continue;
      }
      if (prefetch && static_cast<size_t>(count) >= per_url) {
        Held& h = held_of(d.url);
        if (h.at_start <= per_url && h.now < hold_limit) {
          ++h.now;
          in_flight_ids_.insert(d.delivery_id);
          held.push_back(std::move(d));
          continue;
        }
      }
      rest.push_back(std::move(d));
    }
    for (auto it = in_flight_urls_.begin(); it != in_flight_urls_.end();) {
      it = it->second == 0 ? in_flight_urls_.erase(it) : std::next(it);
    }
    return rest;
  };
  // A URL is full when its slots are taken and (prefetching) as many more are held.
  auto full = [&](const std::string& url, int count) {  // caller holds mu_
    if (static_cast<size_t>(count) < per_url) return false;
    if (!prefetch) return true;
    const Held& h = held_of(url);
    return h.at_start > per_url || h.now >= hold_limit;
  };
  std::set<std::string> full_urls;
  bool query = false;
  {
    std::lock_guard lock(mu_);
    // First what the last read of the store left over: deliveries that were the heads of their
    // job's queue and due, but whose URL was full. A fast receiver's backlog is then claimed
    // as its slots free up, without reading the store again for every two deliveries.
    due_cache_ = pick(due_cache_);
    for (const auto& [url, count] : in_flight_urls_) {
      if (full(url, count)) full_urls.insert(url);
    }
    if (picked.size() < capacity || prefetch) {
      // Read the store again when it may hold something this process could send now: a
      // delivery added, redelivered or settled here for a URL with room (a settled one may
      // have made its job's next delivery due), a retry that fell due, or
      // (deliveries of other processes, retries of dead ones) the last read is poll_interval
      // old. A URL whose slots are all taken never makes us read: that read would scan every
      // due delivery of it only to skip them.
      bool dirty = false;
      for (const std::string& url : dirty_urls_) dirty = dirty || !full_urls.count(url);
      query = dirty || query_forced_ || !last_read_ || now - *last_read_ >= options_.poll_interval;
    }
    if (query) {
      dirty_urls_.clear();
      query_forced_ = false;
      last_read_ = now;
    }
  }
  if (query) {
    // Ask for little more than can be taken: entries being redelivered are skipped below.
    auto due = store_.ListDue(now, options_.batch, full_urls);
    if (!due) {
      spdlog::warn("webhook: cannot read due deliveries: {}", due.error().message);
    } else {
      std::lock_guard lock(mu_);
      due_cache_ = pick(*due);  // the fresh read replaces what was left of the older one
    }
  }
  // Claim in the store (outside the lock): a conditional write that counts the attempt and
  // leases the delivery, so of two processes sharing the store only one sends it, and a process
  // that dies while sending leaves it due again after the lease. One ClaimMany per lease length
  // (deliveries of one timeout share it: usually one call for the lot, two with prefetching).
  std::map<Clock::TimePoint, std::vector<std::string>> by_lease;
  auto lease = [&](const Delivery& d, int timeouts) {
    return now + timeouts * std::chrono::milliseconds(d.timeout_ms) + options_.lease_margin;
  };
  for (const Delivery& d : picked) by_lease[lease(d, 1)].push_back(d.delivery_id);
  for (const Delivery& d : held) by_lease[lease(d, 3)].push_back(d.delivery_id);
  std::map<std::string, Delivery> got;
  for (const auto& [lease_until, ids] : by_lease) {
    auto claimed = store_.ClaimMany(ids, now, lease_until);
    if (!claimed.ok()) {
      spdlog::warn("webhook: cannot claim {} deliveries: {}", ids.size(), claimed.error().message);
      continue;
    }
    for (Delivery& d : *claimed) {
      std::string id = d.delivery_id;
      got.emplace(std::move(id), std::move(d));
    }
  }
  std::vector<Delivery> claimed;
  for (const Delivery& d : picked) {  // in the order picked
    auto it = got.find(d.delivery_id);
    if (it == got.end()) {
      Release(d);  // sent elsewhere, settled, or the store could not be reached
      continue;
    }
    claimed.push_back(std::move(it->second));
  }
  {
    std::lock_guard lock(mu_);
    for (const Delivery& d : held) {
      auto it = got.find(d.delivery_id);
      if (it == got.end()) {
        in_flight_ids_.erase(d.delivery_id);
        continue;
      }
      held_[d.url].push_back(std::move(it->second));
    }
  }
  return claimed;
}

void Dispatcher::FreeSlot(const Delivery& delivery) {
  {
    std::lock_guard lock(mu_);
    auto h = held_.find(delivery.url);
    if (h != held_.end() && !h->second.empty() && !stopping_) {
      // The slot and the sender go to the URL's next held delivery: no store read or claim
      // between one attempt and the next.
      ready_.push_back(std::move(h->second.front()));
      h->second.pop_front();
      if (h->second.empty()) held_.erase(h);
      wake_senders_.notify_one();
      return;
    }
    auto it = in_flight_urls_.find(delivery.url);
    if (it != in_flight_urls_.end() && --it->second <= 0) in_flight_urls_.erase(it);
    if (busy_senders_ > 0) --busy_senders_;
    wake_ = true;
  }
  wake_scheduler_.notify_one();
}

void Dispatcher::Forget(const Delivery& delivery) {
  {
    std::lock_guard lock(mu_);
    in_flight_ids_.erase(delivery.delivery_id);
    // Settling may have made the job's next delivery the head of its queue: the next pass
    // reads the store if the cache holds nothing more for this URL.
    dirty_urls_.insert(delivery.url);
    wake_ = true;
  }
  wake_scheduler_.notify_one();
}

void Dispatcher::Release(const Delivery& delivery) {
  FreeSlot(delivery);
  Forget(delivery);
}

double Dispatcher::Random() {
  std::lock_guard lock(random_mu_);
  return random_();
}

void Dispatcher::Attempt(Delivery d) {
  const std::string body = BodyForAttempt(d.payload, d.attempts);
  const int64_t timestamp = UnixSeconds(clock_.Now());
  std::vector<HttpHeader> headers = {
      {"Content-Type", "application/json"},
      {"User-Agent", std::string(kUserAgent)},
      {std::string(kDeliveryHeader), d.delivery_id},
      {std::string(kTimestampHeader), std::to_string(timestamp)},
  };
  Outcome outcome;
  const std::string secret = secrets_ ? secrets_(d.resource_type) : std::string();
  Result<std::string> signature = std::string();
  if (!secret.empty()) signature = Signer(secret).Sign(timestamp, body);
  if (!signature) {
    outcome.verdict = Verdict::kRetry;
    outcome.error = "cannot sign: " + signature.error().message;
  } else {
    if (!signature->empty()) headers.push_back({std::string(kSignatureHeader), *signature});
    auto answer = sender_.Post(d.url, headers, body, std::chrono::milliseconds(d.timeout_ms));
    outcome = Classify(answer, clock_.Now());
  }
  // The URL's slot is free once the receiver answered: a held delivery of another job may go
  // now, while this outcome is recorded.
  FreeSlot(d);
  const Clock::TimePoint done = clock_.Now();
  d.last_http_status = outcome.http_status;
  d.last_error = outcome.error;
  d.updated_at = done;
  switch (outcome.verdict) {
    case Verdict::kDelivered:
      d.status = DeliveryStatus::kDelivered;
      break;
    case Verdict::kRetry:
      if (d.attempts < d.max_attempts) {
        d.next_attempt_at =
            done + RetryDelay(options_.retry, d.attempts, outcome.retry_after, Random());
        std::lock_guard lock(mu_);
        if (!next_retry_ || d.next_attempt_at < *next_retry_) next_retry_ = d.next_attempt_at;
      } else {
        d.status = DeliveryStatus::kFailed;
      }
      break;
    case Verdict::kFail:
      d.status = DeliveryStatus::kFailed;
      break;
  }
  d.claimed_until.reset();
  Record(std::move(d));
}

void Dispatcher::Record(Delivery outcome) {
  {
    std::lock_guard lock(record_mu_);
    to_record_.push_back(std::move(outcome));
    if (recording_) return;  // the recording thread takes it in its next round
    recording_ = true;
  }
  for (;;) {
    std::vector<Delivery> batch;
    {
      std::lock_guard lock(record_mu_);
      batch.swap(to_record_);
      if (batch.empty()) {
        recording_ = false;
        return;
      }
    }
    // Conditional on each claim still being ours: a sender that stalled past its lease finds
    // the delivery claimed again (a newer attempt) or redelivered, and its result is dropped.
    auto recorded = store_.RecordAttempts(batch);
    if (!recorded.ok()) {
      spdlog::error("webhook: cannot record {} attempt outcome(s): {}", batch.size(),
                    recorded.error().message);
    }
    std::vector<Delivery> settled;
    for (size_t i = 0; i < batch.size(); ++i) {
      const Delivery& d = batch[i];
      const bool applied = recorded.ok() && i < recorded->size() && (*recorded)[i];
      if (recorded.ok() && !applied) {
        spdlog::warn(
            "webhook: attempt {} of delivery {} ended after its lease ({}); the delivery was"
            " claimed again or redelivered meanwhile, so this outcome is dropped",
            d.attempts, d.delivery_id, d.last_error.empty() ? "delivered" : d.last_error);
      }
      // After the outcome is stored: the job's next delivery may be its queue's head now.
      Forget(d);
      if (applied && d.status != DeliveryStatus::kPending) {
        spdlog::log(
            d.status == DeliveryStatus::kDelivered ? spdlog::level::debug : spdlog::level::warn,
            "webhook: delivery {} ({} of job {}) {} after {} attempt(s){}", d.delivery_id, d.event,
            d.job_id, DeliveryStatusName(d.status), d.attempts,
            d.last_error.empty() ? "" : ": " + d.last_error);
        settled.push_back(d);
      }
    }
    if (settled.empty()) continue;
    // Another thread may record while this one tells the listener (which may use the store
    // for a while); this one takes the role back after if nobody did and outcomes wait.
    {
      std::lock_guard lock(record_mu_);
      recording_ = false;
    }
    if (options_.on_settled_many) {
      options_.on_settled_many(settled);
    } else if (options_.on_settled) {
      for (const Delivery& d : settled) options_.on_settled(d);
    }
    {
      std::lock_guard lock(record_mu_);
      if (recording_ || to_record_.empty()) return;
      recording_ = true;
    }
  }
}

size_t Dispatcher::RunOnce() {
  {
    std::lock_guard lock(mu_);
    query_forced_ = true;  // a pass for tests and tools always reads the store
  }
  std::vector<Delivery> claimed = ClaimDue(std::numeric_limits<size_t>::max(), false);
  for (Delivery& d : claimed) Attempt(std::move(d));
  return claimed.size();
}

Status Dispatcher::Start() {
  std::lock_guard lock(mu_);
  if (started_ || stopping_) {
    return Unexpected(ErrorCode::kFailedPrecondition, "the webhook dispatcher was started before");
  }
  started_ = true;
  for (int i = 0; i < options_.senders; ++i) senders_.emplace_back([this] { SenderLoop(); });
  scheduler_ = std::thread([this] { SchedulerLoop(); });
  return OkStatus();
}

void Dispatcher::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_scheduler_.notify_all();
  wake_senders_.notify_all();
  if (scheduler_.joinable()) scheduler_.join();
  for (auto& t : senders_) {
    if (t.joinable()) t.join();
  }
  senders_.clear();
  // Claimed but never sent: give the attempt back and make it due again.
  std::vector<Delivery> unsent;
  std::vector<Delivery> unsent_held;  // held no slot or sender
  {
    std::lock_guard lock(mu_);
    unsent.swap(ready_);
    for (auto& [url, queue] : held_) {
      for (Delivery& d : queue) unsent_held.push_back(std::move(d));
    }
    held_.clear();
  }
  const size_t holding_slots = unsent.size();
  unsent.insert(unsent.end(), std::make_move_iterator(unsent_held.begin()),
                std::make_move_iterator(unsent_held.end()));
  for (size_t i = 0; i < unsent.size(); ++i) {
    const Delivery& d = unsent[i];
    // Only while the claim is still ours (the same conditional write as an outcome).
    Delivery back = d;
    back.attempts = std::max(0, d.attempts - 1);
    back.next_attempt_at = clock_.Now();
    back.updated_at = back.next_attempt_at;
    back.claimed_until.reset();
    (void)store_.RecordAttempt(back, d.attempts);
    if (i < holding_slots) {
      Release(d);
    } else {
      Forget(d);
    }
  }
}

void Dispatcher::SchedulerLoop() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    wake_ = false;
    const size_t total = static_cast<size_t>(options_.senders);
    const size_t free = busy_senders_ < total ? total - busy_senders_ : 0;
    if (free > 0) {
      lock.unlock();
      std::vector<Delivery> claimed = ClaimDue(free, true);
      lock.lock();
      // One sender per claimed delivery: waking every sender for one delivery (notify_all)
      // made the idle ones take a context switch to find nothing.
      for (Delivery& d : claimed) {
        ready_.push_back(std::move(d));
        wake_senders_.notify_one();
      }
    }
    if (stopping_) break;
    auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(options_.poll_interval);
    if (next_retry_) {
      auto until_retry = std::chrono::ceil<std::chrono::milliseconds>(*next_retry_ - clock_.Now());
      if (until_retry <= wait) {
        next_retry_.reset();  // this pass (after the wait) picks it up
        query_forced_ = true;
        wait = std::max(until_retry, std::chrono::milliseconds(0));
      }
    }
    wake_scheduler_.wait_for(lock, wait, [this] { return wake_ || stopping_; });
  }
}

void Dispatcher::SenderLoop() {
  std::unique_lock lock(mu_);
  while (true) {
    wake_senders_.wait(lock, [this] { return stopping_ || !ready_.empty(); });
    if (stopping_) return;  // what is left in ready_ is given back by Stop()
    Delivery d = std::move(ready_.front());
    ready_.erase(ready_.begin());
    lock.unlock();
    Attempt(std::move(d));
    lock.lock();
  }
}

}  // namespace gitops::webhook
