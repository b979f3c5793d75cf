// Dispatcher against a real receiver on 127.0.0.1 through CurlSender. Retry timing is driven by
// a FakeClock and RunOnce(); the threaded tests use the real loop with short real delays.
#include "webhook/dispatcher.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>

#include "forwarding_delivery_store.h"
#include "hooked_sender.h"
#include "test_receiver.h"
#include "webhook/curl/curl_sender.h"
#include "webhook/memory/memory_delivery_store.h"
#include "webhook/signer.h"

namespace gitops::webhook {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::Reply;
using testing::TestReceiver;

constexpr char kSecret[] = "hook-secret";

// Collects settled deliveries; lets a threaded test wait for them.
class Settled {
 public:
  void Add(const Delivery& d) {
    {
      std::lock_guard lock(mu_);
      settled_.push_back(d);
    }
    cv_.notify_all();
  }
  // Waits (at most 20 s, a safety net) until `n` deliveries settled; returns them.
  std::vector<Delivery> WaitFor(size_t n) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, seconds(20), [&] { return settled_.size() >= n; });
    return settled_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Delivery> settled_;
};

Json Payload(const std::string& job_id, const std::string& event, bool staged) {
  Subject subject{job_id, "tenant1", "namespace", "dev-namespace"};
  Clock::TimePoint at = Clock::TimePoint(seconds(1'800'000'000));
  if (staged) return StagedPayload(subject, event, at, Json{{"note", event}});
  return SinglePayload(subject, event, at, {"Job started"}, Json{{"git_commit", "abc123"}});
}

class DispatcherTest : public ::testing::Test {
 protected:
  DispatcherTest() {
    DispatcherOptions options;
    options.random = [] { return 0.0; };  // no jitter: exact spacing
    options.on_settled = [this](const Delivery& d) { settled_.Add(d); };
    dispatcher_ = std::make_unique<Dispatcher>(
        store_, sender_, clock_,
        [](const std::string& type) { return type == "namespace" ? kSecret : ""; }, options);
  }

  config::WebhookConfig Target(const std::string& path, int retries = 3,
                               config::WebhookMode mode = config::WebhookMode::kSingle) {
    config::WebhookConfig target;
    target.enabled = true;
    target.url = receiver_.Url(path);
    target.mode = mode;
    target.retries = retries;
    target.timeout_seconds = 5;
    return target;
  }

  Delivery Enqueue(const config::WebhookConfig& target, const std::string& event,
                   const std::string& job_id = "job-1", bool staged = false) {
    auto d = dispatcher_->Enqueue(target, event, Payload(job_id, event, staged));
    EXPECT_TRUE(d.ok()) << d.error().message;
    EXPECT_TRUE(d.ok() && d->has_value());
    return d.ok() && d->has_value() ? **d : Delivery{};
  }

  Delivery Stored(const Delivery& d) {
    auto got = store_.Get(d.delivery_id);
    EXPECT_TRUE(got.ok());
    return got.ok() ? *got : Delivery{};
  }

  // RunOnce until nothing is due at the current fake time; returns the attempts made.
  size_t Drain() {
    size_t total = 0;
    while (size_t n = dispatcher_->RunOnce()) total += n;
    return total;
  }

  std::vector<std::string> Events(const std::string& path) {
    std::vector<std::string> out;
    for (const auto& r : receiver_.Requests(path)) out.push_back(Json::parse(r.body)["event"]);
    return out;
  }

  TestReceiver receiver_;
  FakeClock clock_;
  MemoryDeliveryStore store_;
  CurlSender sender_;
  Settled settled_;
  std::unique_ptr<Dispatcher> dispatcher_;
};

TEST_F(DispatcherTest, DeliversSignedPayloadWithDeliveryFields) {
  Delivery d = Enqueue(Target("/hook"), "completed");
  EXPECT_EQ(dispatcher_->RunOnce(), 1u);
  auto requests = receiver_.Requests("/hook");
  ASSERT_EQ(requests.size(), 1u);
  const auto& r = requests[0];
  EXPECT_EQ(r.Header("content-type"), "application/json");
  EXPECT_EQ(r.Header("user-agent"), "GitOps-API-Webhook/2.0");
  EXPECT_EQ(r.Header("x-gitops-delivery"), d.delivery_id);
  EXPECT_EQ(r.Header("x-gitops-timestamp"), "1800000000");
  // The receiver's own check, over the raw bytes it got.
  EXPECT_TRUE(Verify(kSecret, r.Header("x-gitops-timestamp"), r.body,
                     r.Header("x-gitops-signature"), clock_.Now())
                  .ok());
  auto hex = HmacSha256Hex(kSecret, r.Header("x-gitops-timestamp") + "." + r.body);
  ASSERT_TRUE(hex.ok());
  EXPECT_EQ(r.Header("x-gitops-signature"), "sha256=" + *hex);
  Json body = Json::parse(r.body);
  std::vector<std::string> keys;
  for (const auto& item : body.items()) keys.push_back(item.key());
  EXPECT_EQ(keys, (std::vector<std::string>{"job_id", "status", "tenant_id", "resource_type",
                                            "resource_name", "timestamp", "logs", "metadata",
                                            "delivery_id", "event", "attempt"}));
  EXPECT_EQ(body["job_id"], "job-1");
  EXPECT_EQ(body["status"], "completed");
  EXPECT_EQ(body["metadata"]["git_commit"], "abc123");
  EXPECT_EQ(body["delivery_id"], d.delivery_id);
  EXPECT_EQ(body["event"], "completed");
  EXPECT_EQ(body["attempt"], 1);
  Delivery after = Stored(d);
  EXPECT_EQ(after.status, DeliveryStatus::kDelivered);
  EXPECT_EQ(after.attempts, 1);
  EXPECT_EQ(after.last_http_status, 200);
  EXPECT_EQ(after.last_error, "");
}

TEST_F(DispatcherTest, EnqueueManyStoresTheLotAndAnswersEachNotification) {
  config::WebhookConfig hook = Target("/hook");
  config::WebhookConfig only_failed = Target("/hook");
  only_failed.events = {"failed"};
  config::WebhookConfig no_url = Target("/hook");
  no_url.url.clear();
  Json a = Payload("job-a", "completed", false);
  Json b = Payload("job-b", "completed", false);
  Json c = Payload("job-c", "completed", false);
  auto results = dispatcher_->EnqueueMany({{&hook, "completed", &a},
                                           {&only_failed, "completed", &b},
                                           {&no_url, "completed", &c},
                                           {&hook, "completed", &c}});
  ASSERT_EQ(results.size(), 4u);
  ASSERT_TRUE(results[0].ok() && results[0]->has_value());
  ASSERT_TRUE(results[1].ok());
  EXPECT_FALSE(results[1]->has_value());  // filtered: nothing stored
  ASSERT_FALSE(results[2].ok());
  EXPECT_EQ(results[2].error().code, ErrorCode::kInvalidArgument);
  ASSERT_TRUE(results[3].ok() && results[3]->has_value());
  const Delivery& first = **results[0];
  const Delivery& last = **results[3];
  EXPECT_EQ(first.job_id, "job-a");
  EXPECT_EQ(last.job_id, "job-c");
  EXPECT_LT(first.sequence, last.sequence);
  EXPECT_EQ(Stored(first), first);
  EXPECT_EQ(Stored(last), last);
  EXPECT_EQ(Drain(), 2u);
  EXPECT_EQ(receiver_.Requests("/hook").size(), 2u);
}

TEST_F(DispatcherTest, UnsignedWithoutASecret) {
  config::WebhookConfig target = Target("/hook");
  Json payload = Payload("job-1", "completed", false);
  payload["resource_type"] = "vm";  // no secret for vm
  ASSERT_TRUE(dispatcher_->Enqueue(target, "completed", payload).ok());
  EXPECT_EQ(dispatcher_->RunOnce(), 1u);
  auto requests = receiver_.Requests("/hook");
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].Header("x-gitops-signature"), "");
  EXPECT_EQ(requests[0].Header("x-gitops-timestamp"), "1800000000");
}

TEST_F(DispatcherTest, ServerErrorsAreRetriedAfterOneThenTwoSeconds) {
  receiver_.Script("/hook", {Reply::Status(500), Reply::Status(503)}, Reply::Status(200));
  Delivery d = Enqueue(Target("/hook"), "completed");
  const Clock::TimePoint start = clock_.Now();
  EXPECT_EQ(dispatcher_->RunOnce(), 1u);
  EXPECT_EQ(Stored(d).next_attempt_at, start + seconds(1));
  EXPECT_EQ(Stored(d).last_http_status, 500);
  clock_.Advance(milliseconds(999));
  EXPECT_EQ(dispatcher_->RunOnce(), 0u);
  clock_.Advance(milliseconds(1));
  EXPECT_EQ(dispatcher_->RunOnce(), 1u);
  EXPECT_EQ(Stored(d).next_attempt_at, clock_.Now() + seconds(2));
  clock_.Advance(milliseconds(1999));
  EXPECT_EQ(dispatcher_->RunOnce(), 0u);
  clock_.Advance(milliseconds(1));
  EXPECT_EQ(dispatcher_->RunOnce(), 1u);
  Delivery after = Stored(d);
  EXPECT_EQ(after.status, DeliveryStatus::kDelivered);
  EXPECT_EQ(after.attempts, 3);
  auto requests = receiver_.Requests("/hook");
  ASSERT_EQ(requests.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(requests[i].Header("x-gitops-delivery"), d.delivery_id);
    EXPECT_EQ(Json::parse(requests[i].body)["attempt"], i + 1);
  }
}

TEST_F(DispatcherTest, GivesUpAfterTheConfiguredRetries) {
  receiver_.Script("/hook", {}, Reply::Status(500, "broken"));
  Delivery d = Enqueue(Target("/hook", /*retries=*/2), "failed");
  for (int i = 0; i < 10; ++i) {
    Drain();
    clock_.Advance(seconds(3600));
  }
  EXPECT_EQ(receiver_.Requests("/hook").size(), 3u);
  Delivery after = Stored(d);
  EXPECT_EQ(after.status, DeliveryStatus::kFailed);
  EXPECT_EQ(after.attempts, 3);
  EXPECT_EQ(after.last_http_status, 500);
  EXPECT_EQ(after.last_error, "HTTP 500: broken");
  auto settled = settled_.WaitFor(1);
  ASSERT_EQ(settled.size(), 1u);
  EXPECT_EQ(settled[0].status, DeliveryStatus::kFailed);
}

TEST_F(DispatcherTest, GoneIsNotRetried) {
  receiver_.Script("/hook", {}, Reply::Status(410));
  Delivery d = Enqueue(Target("/hook"), "completed");
  EXPECT_EQ(dispatcher_->RunOnce(), 1u);
  clock_.Advance(seconds(3600));
  EXPECT_EQ(Drain(), 0u);
  Delivery after = Stored(d);
  EXPECT_EQ(after.status, DeliveryStatus::kFailed);
  EXPECT_EQ(after.attempts, 1);
  EXPECT_EQ(after.last_http_status, 410);
}

TEST_F(DispatcherTest, RedirectIsAFailureAndNotFollowed) {
  receiver_.Script("/hook", {}, Reply::Status(302).With("Location", receiver_.Url("/other")));
  Delivery d = Enqueue(Target("/hook"), "completed");
  EXPECT_EQ(dispatcher_->RunOnce(), 1u);
  EXPECT_EQ(Stored(d).status, DeliveryStatus::kFailed);
  EXPECT_TRUE(receiver_.Requests("/other").empty());
}

TEST_F(DispatcherTest, TooManyRequestsWaitsForRetryAfter) {
  receiver_.Script("/hook", {Reply::Status(429).With("Retry-After", "120")}, Reply::Status(200));
  Delivery d = Enqueue(Target("/hook"), "completed");
  EXPECT_EQ(dispatcher_->RunOnce(), 1u);
  EXPECT_EQ(Stored(d).next_attempt_at, clock_.Now() + seconds(120));
  clock_.Advance(seconds(119));
  EXPECT_EQ(dispatcher_->RunOnce(), 0u);
  clock_.Advance(seconds(1));
  EXPECT_EQ(dispatcher_->RunOnce(), 1u);
  EXPECT_EQ(Stored(d).status, DeliveryStatus::kDelivered);
}

TEST_F(DispatcherTest, TooManyRequestsWithAnHttpDate) {
  // The fake clock reads Fri, 15 Jan 2027 08:00:00 GMT.
  receiver_.Script("/hook",
                   {Reply::Status(429).With("Retry-After", "Fri, 15 Jan 2027 08:05:00 GMT")},
                   Reply::Status(200));
  Delivery d = Enqueue(Target("/hook"), "completed");
  EXPECT_EQ(dispatcher_->RunOnce(), 1u);
  EXPECT_EQ(Stored(d).next_attempt_at, clock_.Now() + seconds(300));
}

TEST_F(DispatcherTest, HangingReceiverTimesOutAndIsRetried) {
  receiver_.Script("/hook", {Reply::Hang()}, Reply::Status(200));
  Delivery d = Enqueue(Target("/hook"), "completed");
  d.timeout_ms = 200;  // keep the real wait short
  ASSERT_TRUE(store_.Update(d).ok());
  EXPECT_EQ(dispatcher_->RunOnce(), 1u);
  Delivery after = Stored(d);
  EXPECT_EQ(after.status, DeliveryStatus::kPending);
  EXPECT_EQ(after.last_http_status, 0);
  EXPECT_NE(after.last_error.find("timed out"), std::string::npos) << after.last_error;
  clock_.Advance(seconds(1));
  EXPECT_EQ(dispatcher_->RunOnce(), 1u);
  EXPECT_EQ(Stored(d).status, DeliveryStatus::kDelivered);
}

TEST_F(DispatcherTest, ClosedConnectionIsRetried) {
  receiver_.Script("/hook", {Reply::Close()}, Reply::Status(200));
  Delivery d = Enqueue(Target("/hook"), "completed");
  EXPECT_EQ(dispatcher_->RunOnce(), 1u);
  EXPECT_EQ(Stored(d).status, DeliveryStatus::kPending);
  EXPECT_FALSE(Stored(d).last_error.empty());
  clock_.Advance(seconds(1));
  EXPECT_EQ(dispatcher_->RunOnce(), 1u);
  EXPECT_EQ(Stored(d).status, DeliveryStatus::kDelivered);
}

TEST_F(DispatcherTest, StagedNotificationsOfAJobGoInOrderThroughRetries) {
  // "committed" fails once: "pushed" must not overtake it.
  receiver_.Script("/staged",
                   {Reply::Status(200), Reply::Status(200), Reply::Status(200), Reply::Status(500)},
                   Reply::Status(200));
  auto target = Target("/staged", 3, config::WebhookMode::kStaged);
  for (const char* stage :
       {"submitted", "started", "rendered", "committed", "pushed", "completed"}) {
    Enqueue(target, stage, "job-1", true);
  }
  Drain();
  EXPECT_EQ(Events("/staged"),
            (std::vector<std::string>{"submitted", "started", "rendered", "committed"}));
  clock_.Advance(seconds(1));
  Drain();
  EXPECT_EQ(Events("/staged"),
            (std::vector<std::string>{"submitted", "started", "rendered", "committed", "committed",
                                      "pushed", "completed"}));
}

TEST_F(DispatcherTest, AStageThatGaveUpLetsTheNextOneGo) {
  receiver_.Script("/staged", {Reply::Status(200), Reply::Status(410)}, Reply::Status(200));
  auto target = Target("/staged", 3, config::WebhookMode::kStaged);
  Enqueue(target, "committed", "job-1", true);
  Enqueue(target, "pushed", "job-1", true);
  Enqueue(target, "completed", "job-1", true);
  Drain();
  EXPECT_EQ(Events("/staged"), (std::vector<std::string>{"committed", "pushed", "completed"}));
}

TEST_F(DispatcherTest, OneJobWaitingForARetryDoesNotHoldAnother) {
  receiver_.Script("/hook", {Reply::Status(500)}, Reply::Status(200));
  Delivery a = Enqueue(Target("/hook"), "completed", "job-a");
  Delivery b = Enqueue(Target("/hook"), "completed", "job-b");
  Drain();
  EXPECT_EQ(Stored(a).status, DeliveryStatus::kPending);
  EXPECT_EQ(Stored(b).status, DeliveryStatus::kDelivered);
}

TEST_F(DispatcherTest, EventsFilterAndDisabledStoreNothing) {
  auto target = Target("/hook");
  target.events = {"failed"};
  auto filtered = dispatcher_->Notify(target, Payload("job-1", "completed", false));
  ASSERT_TRUE(filtered.ok());
  EXPECT_EQ(*filtered, "filtered");
  target.enabled = false;
  auto disabled = dispatcher_->Notify(target, Payload("job-1", "failed", false));
  ASSERT_TRUE(disabled.ok());
  EXPECT_EQ(*disabled, "disabled");
  EXPECT_TRUE(store_.List({})->empty());
  target.enabled = true;
  auto pending = dispatcher_->Notify(target, Payload("job-1", "failed", false));
  ASSERT_TRUE(pending.ok());
  EXPECT_EQ(*pending, "pending");
  auto stored = store_.List({});
  ASSERT_EQ(stored->size(), 1u);
  EXPECT_EQ((*stored)[0].event, "failed");
}

TEST_F(DispatcherTest, EnqueueRefusesAPayloadWithoutJobId) {
  auto d = dispatcher_->Enqueue(Target("/hook"), "completed", Json{{"status", "completed"}});
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.error().code, ErrorCode::kInvalidArgument);
}

TEST_F(DispatcherTest, RedeliverSendsAFailedDeliveryAgainUnderTheSameId) {
  receiver_.Script("/hook", {Reply::Status(410)}, Reply::Status(200));
  Delivery d = Enqueue(Target("/hook", 0), "completed");
  EXPECT_EQ(dispatcher_->RunOnce(), 1u);
  ASSERT_EQ(Stored(d).status, DeliveryStatus::kFailed);
  auto again = dispatcher_->Redeliver(d.delivery_id);
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(again->status, DeliveryStatus::kPending);
  EXPECT_EQ(dispatcher_->RunOnce(), 1u);
  Delivery after = Stored(d);
  EXPECT_EQ(after.status, DeliveryStatus::kDelivered);
  EXPECT_EQ(after.attempts, 2);
  auto requests = receiver_.Requests("/hook");
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[1].Header("x-gitops-delivery"), d.delivery_id);
  EXPECT_EQ(Json::parse(requests[1].body)["attempt"], 2);
}

TEST_F(DispatcherTest, RedeliverOfADeliveredOneSendsItOnceMore) {
  Delivery d = Enqueue(Target("/hook"), "completed");
  EXPECT_EQ(dispatcher_->RunOnce(), 1u);
  ASSERT_TRUE(dispatcher_->Redeliver(d.delivery_id).ok());
  EXPECT_EQ(dispatcher_->RunOnce(), 1u);
  EXPECT_EQ(receiver_.Requests("/hook").size(), 2u);
  EXPECT_EQ(Stored(d).status, DeliveryStatus::kDelivered);
}

TEST_F(DispatcherTest, RedeliverOfAnUnknownIdIsNotFound) {
  auto again = dispatcher_->Redeliver("00000000-0000-4000-8000-000000000000");
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, ErrorCode::kNotFound);
}

TEST_F(DispatcherTest, RedeliverMakesADeliveryWaitingForItsBackoffDueNow) {
  receiver_.Script("/hook", {Reply::Status(500)}, Reply::Status(200));
  Delivery d = Enqueue(Target("/hook"), "completed");
  EXPECT_EQ(dispatcher_->RunOnce(), 1u);
  ASSERT_EQ(Stored(d).next_attempt_at, clock_.Now() + seconds(1));  // backing off
  EXPECT_EQ(dispatcher_->RunOnce(), 0u);
  auto again = dispatcher_->Redeliver(d.delivery_id);
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(again->next_attempt_at, clock_.Now());
  EXPECT_EQ(again->max_attempts, 4);      // still pending: no extra attempts
  EXPECT_EQ(dispatcher_->RunOnce(), 1u);  // the clock has not moved
  EXPECT_EQ(Stored(d).status, DeliveryStatus::kDelivered);
  EXPECT_EQ(Stored(d).attempts, 2);
}

// Two dispatchers on one store, as two worker processes (or a worker and a serve replica) on
// one PostgreSQL: the first one's attempt is in flight while the hook runs.
class SharedStoreTest : public DispatcherTest {
 protected:
  SharedStoreTest() : hooked_(sender_) {
    DispatcherOptions options;
    options.random = [] { return 0.0; };
    options.lease_margin = seconds(30);
    options.on_settled = [this](const Delivery& d) { settled_.Add(d); };
    stalled_ = std::make_unique<Dispatcher>(store_, hooked_, clock_, nullptr, options);
    other_ = std::make_unique<Dispatcher>(store_, sender_, clock_, nullptr, options);
  }

  testing::HookedSender hooked_;
  std::unique_ptr<Dispatcher> stalled_;  // its sender runs the hook mid-attempt
  std::unique_ptr<Dispatcher> other_;
};

TEST_F(SharedStoreTest, ALateOutcomeDoesNotOverwriteTheNewerClaim) {
  // Attempt 1 (the stalled one) is answered 200 after attempt 2 was answered 500.
  receiver_.Script("/hook", {Reply::Status(500)}, Reply::Status(200));
  Delivery d = Enqueue(Target("/hook"), "completed");
  hooked_.BeforeNextPost([&] {
    clock_.Advance(seconds(5) + seconds(30));  // timeout + lease margin: the lease is over
    EXPECT_EQ(other_->RunOnce(), 1u);          // another worker claims and sends attempt 2
  });
  EXPECT_EQ(stalled_->RunOnce(), 1u);
  ASSERT_EQ(receiver_.Requests("/hook").size(), 2u);
  Delivery after = Stored(d);
  EXPECT_EQ(after.attempts, 2);  // not back to 1
  EXPECT_EQ(after.status, DeliveryStatus::kPending);
  EXPECT_EQ(after.last_http_status, 500);  // attempt 2's outcome, with its retry time
  EXPECT_EQ(after.next_attempt_at, clock_.Now() + seconds(2));
  EXPECT_FALSE(after.claimed_until.has_value());
  EXPECT_TRUE(settled_.WaitFor(0).empty());  // the dropped 200 settled nothing
}

TEST_F(SharedStoreTest, RedeliverWhileAnotherDispatcherSendsIsRefusedUntilTheOutcome) {
  Delivery d = Enqueue(Target("/hook"), "completed");
  Result<Delivery> during = Delivery{};
  hooked_.BeforeNextPost([&] { during = other_->Redeliver(d.delivery_id); });
  EXPECT_EQ(stalled_->RunOnce(), 1u);
  ASSERT_FALSE(during.ok());
  EXPECT_EQ(during.error().code, ErrorCode::kFailedPrecondition);
  ASSERT_EQ(Stored(d).status, DeliveryStatus::kDelivered);
  auto after = other_->Redeliver(d.delivery_id);  // the attempt ended: allowed
  ASSERT_TRUE(after.ok()) << after.error().message;
  EXPECT_EQ(after->status, DeliveryStatus::kPending);
}

TEST_F(SharedStoreTest, RedeliverAfterTheLeaseOfAStalledAttemptDropsItsOutcome) {
  Delivery d = Enqueue(Target("/hook"), "completed");
  Result<Delivery> redelivered = Delivery{};
  hooked_.BeforeNextPost([&] {
    clock_.Advance(seconds(35));  // the lease is over: its claimant is presumed dead
    redelivered = other_->Redeliver(d.delivery_id);
  });
  EXPECT_EQ(stalled_->RunOnce(), 1u);
  ASSERT_TRUE(redelivered.ok()) << redelivered.error().message;
  Delivery after = Stored(d);
  EXPECT_EQ(after.status, DeliveryStatus::kPending);  // the late 200 did not settle it
  EXPECT_EQ(after.next_attempt_at, clock_.Now());
  EXPECT_EQ(other_->RunOnce(), 1u);  // sent again, as asked
  EXPECT_EQ(Stored(d).status, DeliveryStatus::kDelivered);
  EXPECT_EQ(Stored(d).attempts, 2);
}

// The real loop, real time.
class DispatcherLoopTest : public ::testing::Test {
 protected:
  std::unique_ptr<Dispatcher> Make(DispatcherOptions options) {
    options.on_settled = [this](const Delivery& d) { settled_.Add(d); };
    return std::make_unique<Dispatcher>(store_, sender_, clock_, nullptr, options);
  }
  config::WebhookConfig Target(const std::string& path, int timeout_seconds = 5) {
    config::WebhookConfig target;
    target.enabled = true;
    target.url = receiver_.Url(path);
    target.timeout_seconds = timeout_seconds;
    return target;
  }

  TestReceiver receiver_;
  SystemClock clock_;
  MemoryDeliveryStore store_;
  CurlSender sender_;
  Settled settled_;
};

TEST_F(DispatcherLoopTest, RetriesAndDeliversInTheBackground) {
  receiver_.Script("/hook", {Reply::Status(500), Reply::Status(503)}, Reply::Status(200));
  DispatcherOptions options;
  options.retry.base_backoff = milliseconds(20);
  auto dispatcher = Make(options);
  ASSERT_TRUE(dispatcher->Start().ok());
  auto d = dispatcher->Enqueue(Target("/hook"), "completed", Payload("job-1", "completed", false));
  ASSERT_TRUE(d.ok());
  auto settled = settled_.WaitFor(1);
  dispatcher->Stop();
  ASSERT_EQ(settled.size(), 1u);
  EXPECT_EQ(settled[0].status, DeliveryStatus::kDelivered);
  EXPECT_EQ(settled[0].attempts, 3);
  EXPECT_EQ(receiver_.Requests("/hook").size(), 3u);
}

TEST_F(DispatcherLoopTest, AHangingReceiverDoesNotBlockAnotherUrl) {
  receiver_.Script("/dead", {}, Reply::Hang());
  DispatcherOptions options;
  options.senders = 2;
  options.max_in_flight_per_url = 1;
  auto dispatcher = Make(options);
  ASSERT_TRUE(dispatcher->Start().ok());
  for (const char* job : {"job-a1", "job-a2", "job-a3"}) {
    ASSERT_TRUE(
        dispatcher->Enqueue(Target("/dead", 60), "completed", Payload(job, "completed", false))
            .ok());
  }
  ASSERT_TRUE(receiver_.WaitFor("/dead", 1));
  auto b = dispatcher->Enqueue(Target("/alive"), "completed", Payload("job-b", "completed", false));
  ASSERT_TRUE(b.ok());
  auto settled = settled_.WaitFor(1);
  ASSERT_EQ(settled.size(), 1u);
  EXPECT_EQ(settled[0].job_id, "job-b");
  EXPECT_EQ(settled[0].status, DeliveryStatus::kDelivered);
  // Per-URL back-pressure: the dead receiver holds one sender, never both.
  EXPECT_EQ(receiver_.Requests("/dead").size(), 1u);
  receiver_.Stop();  // releases the hanging attempt
  dispatcher->Stop();
}

// Counts ListDue and ClaimMany calls: store round trips are the dispatcher's main cost in
// production.
struct OwnMemoryStore {
  MemoryDeliveryStore memory;
};
class CountingStore final : private OwnMemoryStore, public testing::ForwardingDeliveryStore {
 public:
  CountingStore() : ForwardingDeliveryStore(memory) {}
  Result<std::vector<Delivery>> ClaimMany(const std::vector<std::string>& ids,
                                          Clock::TimePoint now,
                                          Clock::TimePoint lease_until) override {
    ++claim_calls;
    auto claimed = ForwardingDeliveryStore::ClaimMany(ids, now, lease_until);
    if (claimed.ok()) claimed_ids += claimed->size();
    return claimed;
  }
  Result<std::vector<Delivery>> ListDue(Clock::TimePoint now, size_t limit,
                                        const std::set<std::string>& skip_urls) override {
    ++reads;
    return ForwardingDeliveryStore::ListDue(now, limit, skip_urls);
  }
  std::atomic<int> reads{0};
  std::atomic<int> claim_calls{0};
  std::atomic<size_t> claimed_ids{0};
};

TEST_F(DispatcherLoopTest, ABacklogForOneUrlIsSentFromOneReadOfTheStore) {
  CountingStore store;
  DispatcherOptions options;
  options.senders = 2;
  options.max_in_flight_per_url = 2;
  options.poll_interval = std::chrono::seconds(60);  // no periodic re-read during the test
  options.on_settled = [this](const Delivery& d) { settled_.Add(d); };
  Dispatcher dispatcher(store, sender_, clock_, nullptr, options);
  constexpr int kJobs = 100;
  for (int i = 0; i < kJobs; ++i) {
    ASSERT_TRUE(dispatcher
                    .Enqueue(Target("/hook"), "completed",
                             Payload("job-" + std::to_string(i), "completed", false))
                    .ok());
  }
  ASSERT_TRUE(dispatcher.Start().ok());
  auto settled = settled_.WaitFor(kJobs);
  dispatcher.Stop();
  ASSERT_EQ(settled.size(), static_cast<size_t>(kJobs));
  EXPECT_EQ(receiver_.Requests("/hook").size(), static_cast<size_t>(kJobs));
  // Two in flight at a time, so a read per pass would be ~50 reads: the deliveries read but
  // not taken wait in the dispatcher and are claimed as slots free up. One read takes them
  // all; the last few releases, finding nothing left in the dispatcher, read once each.
  EXPECT_LE(store.reads.load(), 5);
  // Each delivery claimed once; while the URL's slots are taken, the next deliveries are
  // claimed ahead, several per claim, and sent as slots free (a claim per attempt: ~100).
  EXPECT_EQ(store.claimed_ids.load(), static_cast<size_t>(kJobs));
  EXPECT_LE(store.claim_calls.load(), kJobs / 2 + 5);
}

}  // namespace
}  // namespace gitops::webhook
