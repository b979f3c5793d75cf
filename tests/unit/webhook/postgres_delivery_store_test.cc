// PostgresDeliveryStore beyond the shared contract (tests/contract): a down database, two
// workers racing for one delivery, and the production promise that a delivery pending when its
// worker died is sent after a restart, with the same delivery_id. Real parts: PostgreSQL, a
// receiver on 127.0.0.1, CurlSender; time is a FakeClock driven through Dispatcher::RunOnce.
#include "webhook/postgres/postgres_delivery_store.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "forwarding_delivery_store.h"
#include "hooked_sender.h"
#include "pg/migrate.h"
#include "pg_test_server.h"
#include "test_receiver.h"
#include "webhook/curl/curl_sender.h"
#include "webhook/dispatcher.h"

namespace gitops::webhook {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::TestReceiver;

constexpr char kSecret[] = "hook-secret";

SecretSource Secrets() {
  return [](const std::string&) { return std::string(kSecret); };
}

DispatcherOptions Options() {
  DispatcherOptions options;
  options.random = [] { return 0.0; };
  options.lease_margin = seconds(30);
  return options;
}

Json Payload(const std::string& job_id) {
  Subject subject{job_id, "tenant1", "namespace", "dev-namespace"};
  return SinglePayload(subject, "completed", Clock::TimePoint(seconds(1'800'000'000)),
                       {"Job started"}, Json{{"git_commit", "abc123"}});
}

// One migrated database; each "process" opens its own pool (its own sessions) to it.
class PostgresDeliveryTest : public ::testing::Test {
 protected:
  PostgresDeliveryTest() : dsn_(pgtest::NewDatabase()) {
    pg::Pool pool({dsn_, 1});
    Status migrated = pg::Migrate(pool, pg::EmbeddedMigrations());
    EXPECT_TRUE(migrated.ok()) << (migrated.ok() ? "" : migrated.error().message);
  }

  std::shared_ptr<pg::Pool> NewPool() {
    pg::PoolOptions options;
    options.conninfo = dsn_;
    options.max_connections = 4;
    return std::make_shared<pg::Pool>(options);
  }

  config::WebhookConfig Target(const std::string& path) {
    config::WebhookConfig target;
    target.enabled = true;
    target.url = receiver_.Url(path);
    target.retries = 3;
    target.timeout_seconds = 5;
    return target;
  }

  // Attempts arrive with the delivery's id in the header and the body, and their number.
  struct Seen {
    std::string header_id;
    std::string body_id;
    int attempt = 0;
  };
  std::vector<Seen> Received(const std::string& path) {
    std::vector<Seen> out;
    for (const auto& r : receiver_.Requests(path)) {
      Json body = Json::parse(r.body);
      out.push_back({r.Header("x-gitops-delivery"), body["delivery_id"], body["attempt"]});
    }
    return out;
  }

  std::string dsn_;
  TestReceiver receiver_;
  CurlSender sender_;
};

TEST_F(PostgresDeliveryTest, DownDatabaseIsUnavailable) {
  pg::PoolOptions options;
  options.conninfo = "host=127.0.0.1 port=1 dbname=gitops connect_timeout=2";
  PostgresDeliveryStore store(std::make_shared<pg::Pool>(options));
  Delivery d;
  d.delivery_id = "d-1";
  d.job_id = "job-1";
  const Clock::TimePoint now = FakeClock().Now();
  EXPECT_EQ(store.Add(d).error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(store.Get("d-1").error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(store.Update(d).error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(store.Claim("d-1", now, now + seconds(1)).error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(store.RecordAttempt(d, 1).error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(store.Redeliver("d-1", now).error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(store.ListDue(now, 10, {}).error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(store.List({}).error().code, ErrorCode::kUnavailable);
}

TEST_F(PostgresDeliveryTest, AClaimWhoseWorkerVanishedIsSentByTheNextWorkerAfterTheLease) {
  FakeClock clock;
  std::string id;
  {
    // Worker 1 stores the delivery and claims it (as its dispatcher does before sending), then
    // is gone: its store, pool and sessions are dropped without recording any outcome.
    PostgresDeliveryStore store(NewPool());
    Dispatcher first(store, sender_, clock, Secrets(), Options());
    auto enqueued = first.Enqueue(Target("/hook"), "completed", Payload("job-1"));
    ASSERT_TRUE(enqueued.ok() && enqueued->has_value());
    id = (*enqueued)->delivery_id;
    auto claimed = store.Claim(id, clock.Now(), clock.Now() + seconds(5) + seconds(30));
    ASSERT_TRUE(claimed.ok() && claimed->has_value());
  }
  PostgresDeliveryStore store(NewPool());
  Dispatcher second(store, sender_, clock, Secrets(), Options());
  EXPECT_EQ(second.RunOnce(), 0u);  // leased: the first worker might still be sending
  clock.Advance(seconds(35));
  EXPECT_EQ(second.RunOnce(), 1u);
  auto seen = Received("/hook");
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].header_id, id);
  EXPECT_EQ(seen[0].body_id, id);
  EXPECT_EQ(seen[0].attempt, 2);  // the vanished claim counted as an attempt
  auto stored = store.Get(id);
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->status, DeliveryStatus::kDelivered);
  EXPECT_EQ(stored->attempts, 2);
  EXPECT_EQ(stored->last_http_status, 200);
}

// Sends for real, then kills its own process before the dispatcher can record the answer.
class DieAfterSending final : public HttpSender {
 public:
  Result<HttpResult> Post(const std::string& url, const std::vector<HttpHeader>& headers,
                          std::string_view body, milliseconds timeout) override {
    (void)sender_.Post(url, headers, body, timeout);
    raise(SIGKILL);
    _exit(3);  // not reached
  }

 private:
  CurlSender sender_;
};

TEST_F(PostgresDeliveryTest, ADeliveryWhoseWorkerWasKilledMidSendArrivesAgainAfterRestart) {
  FakeClock clock;
  std::string id;
  {
    PostgresDeliveryStore store(NewPool());
    Dispatcher api(store, sender_, clock, Secrets(), Options());
    auto enqueued = api.Enqueue(Target("/hook"), "completed", Payload("job-1"));
    ASSERT_TRUE(enqueued.ok() && enqueued->has_value());
    id = (*enqueued)->delivery_id;
  }
  // The worker is a child process with its own sessions: it claims, sends, and is killed
  // (SIGKILL) after the receiver answered, before the outcome reaches PostgreSQL.
  const pid_t worker = fork();
  ASSERT_GE(worker, 0);
  if (worker == 0) {
    PostgresDeliveryStore store(NewPool());
    DieAfterSending dying;
    Dispatcher dispatcher(store, dying, clock, Secrets(), Options());
    dispatcher.RunOnce();
    _exit(2);  // nothing was claimed and sent
  }
  int wait_status = 0;
  ASSERT_EQ(waitpid(worker, &wait_status, 0), worker);
  ASSERT_TRUE(WIFSIGNALED(wait_status) && WTERMSIG(wait_status) == SIGKILL)
      << "the worker did not reach the send (exit " << WEXITSTATUS(wait_status) << ")";
  ASSERT_EQ(Received("/hook").size(), 1u);

  PostgresDeliveryStore store(NewPool());
  auto left = store.Get(id);
  ASSERT_TRUE(left.ok());
  EXPECT_EQ(left->status, DeliveryStatus::kPending);  // the answer was never recorded
  EXPECT_EQ(left->attempts, 1);

  // The restarted worker: nothing while the dead one's lease runs, then the same delivery.
  Dispatcher restarted(store, sender_, clock, Secrets(), Options());
  EXPECT_EQ(restarted.RunOnce(), 0u);
  clock.Advance(seconds(5) + seconds(30));
  EXPECT_EQ(restarted.RunOnce(), 1u);
  auto seen = Received("/hook");
  ASSERT_EQ(seen.size(), 2u);
  for (const Seen& s : seen) {
    EXPECT_EQ(s.header_id, id);  // receivers de-duplicate on it
    EXPECT_EQ(s.body_id, id);
  }
  EXPECT_EQ(seen[0].attempt, 1);
  EXPECT_EQ(seen[1].attempt, 2);
  auto stored = store.Get(id);
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->status, DeliveryStatus::kDelivered);
  EXPECT_EQ(stored->attempts, 2);
}

TEST_F(PostgresDeliveryTest, ARedeliveryAskedOfAnotherProcessIsSentByTheWorker) {
  receiver_.Script("/hook", {testing::Reply::Status(410)});  // gone: failed, not retried
  FakeClock clock;
  PostgresDeliveryStore worker_store(NewPool());
  Dispatcher worker(worker_store, sender_, clock, Secrets(), Options());
  auto enqueued = worker.Enqueue(Target("/hook"), "completed", Payload("job-1"));
  ASSERT_TRUE(enqueued.ok() && enqueued->has_value());
  const std::string id = (*enqueued)->delivery_id;
  EXPECT_EQ(worker.RunOnce(), 1u);
  ASSERT_EQ(worker_store.Get(id)->status, DeliveryStatus::kFailed);
  // A serve replica (its own sessions, a dispatcher that is never started) redelivers; the
  // worker's next pass sends it.
  PostgresDeliveryStore serve_store(NewPool());
  Dispatcher serve(serve_store, sender_, clock, Secrets(), Options());
  auto redelivered = serve.Redeliver(id);
  ASSERT_TRUE(redelivered.ok()) << redelivered.error().message;
  EXPECT_EQ(redelivered->status, DeliveryStatus::kPending);
  EXPECT_EQ(worker.RunOnce(), 1u);
  auto seen = Received("/hook");
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[1].header_id, id);
  EXPECT_EQ(seen[1].attempt, 2);
  EXPECT_EQ(worker_store.Get(id)->status, DeliveryStatus::kDelivered);
}

// A store that lets another dispatcher run between this one's ListDue and its Claim.
class InterleavingStore final : public testing::ForwardingDeliveryStore {
 public:
  InterleavingStore(DeliveryStore& inner, std::function<void()> after_list)
      : ForwardingDeliveryStore(inner), after_list_(std::move(after_list)) {}
  Result<std::vector<Delivery>> ListDue(Clock::TimePoint now, size_t limit,
                                        const std::set<std::string>& skip_urls) override {
    auto due = ForwardingDeliveryStore::ListDue(now, limit, skip_urls);
    if (after_list_) std::exchange(after_list_, nullptr)();
    return due;
  }

 private:
  std::function<void()> after_list_;
};

TEST_F(PostgresDeliveryTest, OfTwoWorkersThatBothListADeliveryOnlyOneSendsIt) {
  FakeClock clock;
  PostgresDeliveryStore store_a(NewPool());
  PostgresDeliveryStore store_b(NewPool());
  Dispatcher api(store_a, sender_, clock, Secrets(), Options());
  auto enqueued = api.Enqueue(Target("/hook"), "completed", Payload("job-1"));
  ASSERT_TRUE(enqueued.ok() && enqueued->has_value());
  const std::string id = (*enqueued)->delivery_id;
  // Worker b lists the delivery as due; before b claims it, worker a claims it (and is now
  // sending it). b's claim must find it taken.
  Result<std::optional<Delivery>> a_claim = std::optional<Delivery>();
  InterleavingStore b_view(
      store_b, [&] { a_claim = store_a.Claim(id, clock.Now(), clock.Now() + seconds(35)); });
  Dispatcher b(b_view, sender_, clock, Secrets(), Options());
  EXPECT_EQ(b.RunOnce(), 0u);
  ASSERT_TRUE(a_claim.ok() && a_claim->has_value());
  EXPECT_TRUE(receiver_.Requests("/hook").empty());
  auto stored = store_b.Get(id);
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->attempts, 1);
  EXPECT_EQ(stored->next_attempt_at, clock.Now() + seconds(35));  // a's lease, untouched
}

// Worker a's attempt stalls past its lease; worker b (its own sessions) claims and sends attempt
// 2 meanwhile; a's late 200 must not overwrite b's claim and outcome.
TEST_F(PostgresDeliveryTest, AStalledWorkersLateOutcomeDoesNotOverwriteTheNextWorkers) {
  receiver_.Script("/hook", {testing::Reply::Status(500)});  // b's attempt 2; then a's: 200
  FakeClock clock;
  PostgresDeliveryStore store_a(NewPool());
  PostgresDeliveryStore store_b(NewPool());
  testing::HookedSender stalling(sender_);
  Dispatcher a(store_a, stalling, clock, Secrets(), Options());
  Dispatcher b(store_b, sender_, clock, Secrets(), Options());
  auto enqueued = a.Enqueue(Target("/hook"), "completed", Payload("job-1"));
  ASSERT_TRUE(enqueued.ok() && enqueued->has_value());
  const std::string id = (*enqueued)->delivery_id;
  stalling.BeforeNextPost([&] {
    clock.Advance(seconds(5) + seconds(30));  // a's timeout + lease margin
    EXPECT_EQ(b.RunOnce(), 1u);
  });
  EXPECT_EQ(a.RunOnce(), 1u);
  auto seen = Received("/hook");
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].attempt, 2);  // b's
  EXPECT_EQ(seen[1].attempt, 1);  // a's, late
  auto stored = store_b.Get(id);
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->attempts, 2);
  EXPECT_EQ(stored->status, DeliveryStatus::kPending);
  EXPECT_EQ(stored->last_http_status, 500);
  EXPECT_EQ(stored->next_attempt_at, clock.Now() + seconds(2));  // b's retry, kept
}

// A serve replica asks for a redelivery while a worker (another session) is sending it: 409's
// kFailedPrecondition, and the worker's outcome is recorded as it is.
TEST_F(PostgresDeliveryTest, ARedeliveryWhileAnotherProcessSendsIsRefused) {
  FakeClock clock;
  PostgresDeliveryStore worker_store(NewPool());
  PostgresDeliveryStore serve_store(NewPool());
  testing::HookedSender hooked(sender_);
  Dispatcher worker(worker_store, hooked, clock, Secrets(), Options());
  Dispatcher serve(serve_store, sender_, clock, Secrets(), Options());
  auto enqueued = worker.Enqueue(Target("/hook"), "completed", Payload("job-1"));
  ASSERT_TRUE(enqueued.ok() && enqueued->has_value());
  const std::string id = (*enqueued)->delivery_id;
  Result<Delivery> during = Delivery{};
  hooked.BeforeNextPost([&] { during = serve.Redeliver(id); });
  EXPECT_EQ(worker.RunOnce(), 1u);
  ASSERT_FALSE(during.ok());
  EXPECT_EQ(during.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(serve_store.Get(id)->status, DeliveryStatus::kDelivered);
  EXPECT_EQ(Received("/hook").size(), 1u);
}

}  // namespace
}  // namespace gitops::webhook
