// The DeliveryStore contract: every implementation (memory, postgres) instantiates this suite
// with a factory, e.g.
//   INSTANTIATE_TEST_SUITE_P(Memory, DeliveryStoreContract,
//       ::testing::Values(DeliveryStoreImpl{"memory", [] { return ...; }}), DeliveryImplName());
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "core/ids.h"
#include "webhook/delivery.h"

namespace gitops::contract {

struct DeliveryStoreImpl {
  std::string name;
  // Returns a new, empty store.
  std::function<std::unique_ptr<webhook::DeliveryStore>()> make;
};
inline void PrintTo(const DeliveryStoreImpl& impl, std::ostream* os) { *os << impl.name; }

struct DeliveryImplName {
  std::string operator()(const ::testing::TestParamInfo<DeliveryStoreImpl>& info) const {
    return info.param.name;
  }
};

class DeliveryStoreContract : public ::testing::TestWithParam<DeliveryStoreImpl> {
 protected:
  using Delivery = webhook::Delivery;
  using DeliveryStatus = webhook::DeliveryStatus;

  void SetUp() override { store_ = GetParam().make(); }

  Clock::TimePoint T(int seconds) const { return clock_.Now() + std::chrono::seconds(seconds); }

  Delivery New(std::string job_id, std::string event = "completed",
               std::string url = "http://127.0.0.1:9/hook", std::string tenant = "tenant1") {
    Delivery d;
    d.delivery_id = NewUuid();
    d.job_id = std::move(job_id);
    d.tenant_id = std::move(tenant);
    d.resource_type = "namespace";
    d.event = std::move(event);
    d.url = std::move(url);
    d.payload = R"({"job_id":"x","event":"completed"})";
    d.retries = 3;
    d.max_attempts = 4;
    d.timeout_ms = 5000;
    d.created_at = clock_.Now();
    d.updated_at = clock_.Now();
    d.next_attempt_at = clock_.Now();
    return d;
  }

  Delivery Add(Delivery d) {
    auto added = store_->Add(std::move(d));
    EXPECT_TRUE(added.ok()) << added.error().message;
    return added.ok() ? *added : Delivery{};
  }

  std::vector<std::string> Ids(const Result<std::vector<Delivery>>& list) {
    std::vector<std::string> out;
    EXPECT_TRUE(list.ok());
    if (!list.ok()) return out;
    for (const auto& d : *list) out.push_back(d.delivery_id);
    return out;
  }

  FakeClock clock_;
  std::unique_ptr<webhook::DeliveryStore> store_;
};

TEST_P(DeliveryStoreContract, AddThenGetReturnsEveryField) {
  Delivery d = New(NewUuid(), "committed");
  d.attempts = 2;
  d.last_http_status = 503;
  d.last_error = "HTTP 503";
  d.next_attempt_at = T(30);
  d.claimed_until = T(30);
  Delivery added = Add(d);
  EXPECT_GT(added.sequence, 0);
  d.sequence = added.sequence;
  EXPECT_EQ(added, d);
  auto got = store_->Get(d.delivery_id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(*got, d);
}

TEST_P(DeliveryStoreContract, SequenceIncreases) {
  Delivery a = Add(New(NewUuid()));
  Delivery b = Add(New(NewUuid()));
  EXPECT_LT(a.sequence, b.sequence);
}

TEST_P(DeliveryStoreContract, AddRejectsDuplicateIdAndMissingIds) {
  Delivery d = Add(New(NewUuid()));
  auto again = store_->Add(d);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, ErrorCode::kAlreadyExists);
  Delivery no_job = New("");
  auto added = store_->Add(no_job);
  ASSERT_FALSE(added.ok());
  EXPECT_EQ(added.error().code, ErrorCode::kInvalidArgument);
}

TEST_P(DeliveryStoreContract, GetAndUpdateOfUnknownIdAreNotFound) {
  auto got = store_->Get(NewUuid());
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().code, ErrorCode::kNotFound);
  Status updated = store_->Update(New(NewUuid()));
  ASSERT_FALSE(updated.ok());
  EXPECT_EQ(updated.error().code, ErrorCode::kNotFound);
}

TEST_P(DeliveryStoreContract, UpdateReplacesButKeepsSequenceAndCreation) {
  Delivery d = Add(New(NewUuid()));
  Delivery changed = d;
  changed.sequence = 999999;
  changed.created_at = T(100);
  changed.status = DeliveryStatus::kDelivered;
  changed.attempts = 1;
  changed.last_http_status = 204;
  changed.updated_at = T(5);
  ASSERT_TRUE(store_->Update(changed).ok());
  auto got = store_->Get(d.delivery_id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->sequence, d.sequence);
  EXPECT_EQ(got->created_at, d.created_at);
  EXPECT_EQ(got->status, DeliveryStatus::kDelivered);
  EXPECT_EQ(got->attempts, 1);
  EXPECT_EQ(got->last_http_status, 204);
  EXPECT_EQ(got->updated_at, T(5));
}

TEST_P(DeliveryStoreContract, ListDueSkipsFutureAndSettledDeliveries) {
  Delivery now = Add(New(NewUuid()));
  Delivery later = New(NewUuid());
  later.next_attempt_at = T(10);
  later = Add(later);
  Delivery done = New(NewUuid());
  done.status = DeliveryStatus::kDelivered;
  done = Add(done);
  Delivery failed = New(NewUuid());
  failed.status = DeliveryStatus::kFailed;
  failed = Add(failed);
  EXPECT_EQ(Ids(store_->ListDue(T(0), 10, {})), std::vector<std::string>{now.delivery_id});
  EXPECT_EQ(Ids(store_->ListDue(T(10), 10, {})),
            (std::vector<std::string>{now.delivery_id, later.delivery_id}));
}

TEST_P(DeliveryStoreContract, ListDueOrdersByDueTimeThenSequenceAndHonoursLimit) {
  Delivery a = New(NewUuid());
  a.next_attempt_at = T(-5);
  Delivery b = New(NewUuid());
  b.next_attempt_at = T(-10);
  Delivery c = New(NewUuid());
  c.next_attempt_at = T(-5);
  a = Add(a);
  b = Add(b);
  c = Add(c);
  EXPECT_EQ(Ids(store_->ListDue(T(0), 10, {})),
            (std::vector<std::string>{b.delivery_id, a.delivery_id, c.delivery_id}));
  EXPECT_EQ(Ids(store_->ListDue(T(0), 2, {})),
            (std::vector<std::string>{b.delivery_id, a.delivery_id}));
}

TEST_P(DeliveryStoreContract, ListDueGivesOnlyTheHeadOfEachJob) {
  const std::string job = NewUuid();
  Delivery first = New(job, "submitted");
  first.next_attempt_at = T(60);  // waiting for a retry: later stages must wait too
  first = Add(first);
  Delivery second = Add(New(job, "started"));
  Delivery other = Add(New(NewUuid()));
  EXPECT_EQ(Ids(store_->ListDue(T(0), 10, {})), std::vector<std::string>{other.delivery_id});
  first.status = DeliveryStatus::kFailed;  // given up: the next stage may go
  ASSERT_TRUE(store_->Update(first).ok());
  EXPECT_EQ(Ids(store_->ListDue(T(0), 10, {})),
            (std::vector<std::string>{second.delivery_id, other.delivery_id}));
}

TEST_P(DeliveryStoreContract, ListDueSkipsBusyUrls) {
  const std::string slow_url = R"(http://slow.example/hook?q={a,"b"}\)";  // any text
  Delivery slow = Add(New(NewUuid(), "completed", slow_url));
  Delivery fast = Add(New(NewUuid(), "completed", "http://fast.example/hook"));
  EXPECT_EQ(Ids(store_->ListDue(T(0), 10, {slow_url})),
            std::vector<std::string>{fast.delivery_id});
  EXPECT_EQ(Ids(store_->ListDue(T(0), 10, {})).size(), 2u);
}

TEST_P(DeliveryStoreContract, ListFiltersNewestFirst) {
  const std::string job = NewUuid();
  Delivery a = Add(New(job, "submitted", "http://h/x", "tenant1"));
  Delivery b = New(job, "started", "http://h/x", "tenant1");
  b.status = DeliveryStatus::kFailed;
  b = Add(b);
  Delivery c = Add(New(NewUuid(), "completed", "http://h/x", "tenant2"));
  webhook::DeliveryFilter all;
  EXPECT_EQ(Ids(store_->List(all)),
            (std::vector<std::string>{c.delivery_id, b.delivery_id, a.delivery_id}));
  webhook::DeliveryFilter by_tenant;
  by_tenant.tenant_id = "tenant1";
  EXPECT_EQ(Ids(store_->List(by_tenant)), (std::vector<std::string>{b.delivery_id, a.delivery_id}));
  webhook::DeliveryFilter failed;
  failed.status = DeliveryStatus::kFailed;
  EXPECT_EQ(Ids(store_->List(failed)), std::vector<std::string>{b.delivery_id});
  webhook::DeliveryFilter by_job;
  by_job.job_id = job;
  by_job.limit = 1;
  EXPECT_EQ(Ids(store_->List(by_job)), std::vector<std::string>{b.delivery_id});
}

TEST_P(DeliveryStoreContract, ListGivesDeliveriesAsStoredWithPayloadsByDefault) {
  const std::string job = NewUuid();
  Delivery a = Add(New(job, "submitted"));
  webhook::DeliveryFilter by_job;
  by_job.job_id = job;
  auto list = store_->List(by_job);
  ASSERT_TRUE(list.ok()) << list.error().message;
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0], a);
  EXPECT_FALSE((*list)[0].payload.empty());
}

TEST_P(DeliveryStoreContract, ListWithoutPayloadLeavesOutOnlyThePayload) {
  const std::string job = NewUuid();
  Delivery settled = New(job, "submitted", "http://h/x", "tenant1");
  settled.status = DeliveryStatus::kFailed;
  settled.attempts = 4;
  settled.last_http_status = 503;
  settled.last_error = "HTTP 503";
  settled = Add(settled);
  Delivery claimed = Add(New(job, "started", "http://h/x", "tenant1"));
  ASSERT_TRUE(store_->Claim(claimed.delivery_id, T(0), T(35)).ok());
  Add(New(NewUuid(), "completed", "http://h/y", "tenant2"));
  auto stored = [&](const Delivery& d) {
    auto got = store_->Get(d.delivery_id);
    EXPECT_TRUE(got.ok());
    Delivery out = got.ok() ? *got : Delivery{};
    EXPECT_FALSE(out.payload.empty());
    out.payload.clear();
    return out;
  };
  const std::vector<Delivery> expected = {stored(claimed), stored(settled)};
  // By job (memory: the job's index) and by tenant (a scan), and with a status filter.
  webhook::DeliveryFilter by_job;
  by_job.job_id = job;
  by_job.with_payload = false;
  auto listed = store_->List(by_job);
  ASSERT_TRUE(listed.ok()) << listed.error().message;
  EXPECT_EQ(*listed, expected);
  webhook::DeliveryFilter by_tenant;
  by_tenant.tenant_id = "tenant1";
  by_tenant.with_payload = false;
  listed = store_->List(by_tenant);
  ASSERT_TRUE(listed.ok()) << listed.error().message;
  EXPECT_EQ(*listed, expected);
  webhook::DeliveryFilter pending_of_job = by_job;
  pending_of_job.status = DeliveryStatus::kPending;
  pending_of_job.limit = 1;
  listed = store_->List(pending_of_job);
  ASSERT_TRUE(listed.ok()) << listed.error().message;
  EXPECT_EQ(*listed, std::vector<Delivery>{stored(claimed)});
}

TEST_P(DeliveryStoreContract, ClaimCountsTheAttemptAndLeasesTheDelivery) {
  Delivery d = Add(New(NewUuid()));
  auto claimed = store_->Claim(d.delivery_id, T(0), T(35));
  ASSERT_TRUE(claimed.ok()) << claimed.error().message;
  ASSERT_TRUE(claimed->has_value());
  Delivery expected = d;
  expected.attempts = 1;
  expected.next_attempt_at = T(35);
  expected.claimed_until = T(35);
  expected.updated_at = T(0);
  EXPECT_EQ(**claimed, expected);
  auto got = store_->Get(d.delivery_id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(*got, expected);
  // Leased: not due until the lease ends.
  EXPECT_TRUE(Ids(store_->ListDue(T(34), 10, {})).empty());
  EXPECT_EQ(Ids(store_->ListDue(T(35), 10, {})), std::vector<std::string>{d.delivery_id});
}

TEST_P(DeliveryStoreContract, SecondClaimOfOneDueDeliveryGetsNothing) {
  Delivery d = Add(New(NewUuid()));
  auto first = store_->Claim(d.delivery_id, T(0), T(35));
  auto second = store_->Claim(d.delivery_id, T(0), T(35));
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(second.ok());
  EXPECT_TRUE(first->has_value());
  EXPECT_FALSE(second->has_value());
  EXPECT_EQ(store_->Get(d.delivery_id)->attempts, 1);
}

TEST_P(DeliveryStoreContract, ConcurrentClaimsOfOneDueDeliveryExactlyOneSucceeds) {
  constexpr int kClaimants = 8;
  Delivery d = Add(New(NewUuid()));
  std::atomic<int> won{0};
  std::atomic<int> errors{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kClaimants; ++i) {
    threads.emplace_back([&] {
      auto claimed = store_->Claim(d.delivery_id, T(0), T(35));
      if (!claimed.ok()) {
        ++errors;
      } else if (claimed->has_value()) {
        ++won;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(won.load(), 1);
  EXPECT_EQ(store_->Get(d.delivery_id)->attempts, 1);
}

TEST_P(DeliveryStoreContract, ClaimRefusesFutureAndSettledDeliveries) {
  Delivery later = New(NewUuid());
  later.next_attempt_at = T(10);
  later = Add(later);
  Delivery delivered = New(NewUuid());
  delivered.status = DeliveryStatus::kDelivered;
  delivered = Add(delivered);
  Delivery failed = New(NewUuid());
  failed.status = DeliveryStatus::kFailed;
  failed = Add(failed);
  for (const Delivery& d : {later, delivered, failed}) {
    auto claimed = store_->Claim(d.delivery_id, T(0), T(35));
    ASSERT_TRUE(claimed.ok()) << claimed.error().message;
    EXPECT_FALSE(claimed->has_value()) << d.delivery_id;
    EXPECT_EQ(*store_->Get(d.delivery_id), d);  // untouched
  }
}

TEST_P(DeliveryStoreContract, AClaimWhoseLeaseEndedCanBeClaimedAgain) {
  Delivery d = Add(New(NewUuid()));
  ASSERT_TRUE(store_->Claim(d.delivery_id, T(0), T(35))->has_value());
  // The first claimant never reported (its process died): after the lease it is due again.
  auto again = store_->Claim(d.delivery_id, T(35), T(70));
  ASSERT_TRUE(again.ok());
  ASSERT_TRUE(again->has_value());
  EXPECT_EQ((*again)->attempts, 2);
  EXPECT_EQ((*again)->delivery_id, d.delivery_id);
  EXPECT_EQ((*again)->next_attempt_at, T(70));
}

// The outcome of attempt `attempt`: delivered at `at` (or, with `http_status` >= 500, to be
// retried at `retry_at`).
inline webhook::Delivery Outcome(webhook::Delivery d, int attempt, Clock::TimePoint at,
                                 int http_status = 204, Clock::TimePoint retry_at = {}) {
  d.attempts = attempt;
  d.last_http_status = http_status;
  d.last_error = http_status >= 500 ? "HTTP " + std::to_string(http_status) : "";
  d.status =
      http_status >= 500 ? webhook::DeliveryStatus::kPending : webhook::DeliveryStatus::kDelivered;
  d.next_attempt_at = http_status >= 500 ? retry_at : d.next_attempt_at;
  d.updated_at = at;
  d.claimed_until.reset();
  return d;
}

TEST_P(DeliveryStoreContract, RecordAttemptAppliesTheOutcomeOfTheCurrentClaim) {
  Delivery d = Add(New(NewUuid()));
  Delivery claimed = **store_->Claim(d.delivery_id, T(0), T(35));
  auto recorded = store_->RecordAttempt(Outcome(claimed, 1, T(1), 503, T(3)), 1);
  ASSERT_TRUE(recorded.ok()) << recorded.error().message;
  EXPECT_TRUE(*recorded);
  Delivery expected = claimed;
  expected.last_http_status = 503;
  expected.last_error = "HTTP 503";
  expected.next_attempt_at = T(3);
  expected.updated_at = T(1);
  expected.claimed_until.reset();
  EXPECT_EQ(*store_->Get(d.delivery_id), expected);
  EXPECT_EQ(Ids(store_->ListDue(T(3), 10, {})), std::vector<std::string>{d.delivery_id});
  // The retry's claim, then its outcome settles the delivery.
  ASSERT_TRUE(store_->Claim(d.delivery_id, T(3), T(38))->has_value());
  ASSERT_TRUE(*store_->RecordAttempt(Outcome(expected, 2, T(4)), 2));
  auto got = store_->Get(d.delivery_id);
  EXPECT_EQ(got->status, DeliveryStatus::kDelivered);
  EXPECT_EQ(got->attempts, 2);
  EXPECT_FALSE(got->claimed_until.has_value());
  EXPECT_TRUE(Ids(store_->ListDue(T(100), 10, {})).empty());
}

TEST_P(DeliveryStoreContract, ALateOutcomeDoesNotOverwriteANewerClaim) {
  Delivery d = Add(New(NewUuid()));
  Delivery first = **store_->Claim(d.delivery_id, T(0), T(35));
  // The first claimant stalls past its lease; another claims attempt 2.
  Delivery second = **store_->Claim(d.delivery_id, T(35), T(70));
  ASSERT_EQ(second.attempts, 2);
  auto late = store_->RecordAttempt(Outcome(first, 1, T(40)), 1);
  ASSERT_TRUE(late.ok()) << late.error().message;
  EXPECT_FALSE(*late);
  EXPECT_EQ(*store_->Get(d.delivery_id), second);  // untouched
  // The current claimant's outcome still applies.
  EXPECT_TRUE(*store_->RecordAttempt(Outcome(second, 2, T(41)), 2));
  EXPECT_EQ(store_->Get(d.delivery_id)->status, DeliveryStatus::kDelivered);
}

TEST_P(DeliveryStoreContract, RecordAttemptOfAnUnclaimedOrSettledDeliveryChangesNothing) {
  Delivery unclaimed = Add(New(NewUuid()));
  auto recorded = store_->RecordAttempt(Outcome(unclaimed, 0, T(1)), 0);
  ASSERT_TRUE(recorded.ok());
  EXPECT_FALSE(*recorded);
  EXPECT_EQ(*store_->Get(unclaimed.delivery_id), unclaimed);
  Delivery settled = **store_->Claim(unclaimed.delivery_id, T(0), T(35));
  ASSERT_TRUE(*store_->RecordAttempt(Outcome(settled, 1, T(1)), 1));
  Delivery delivered = *store_->Get(unclaimed.delivery_id);
  EXPECT_FALSE(*store_->RecordAttempt(Outcome(settled, 1, T(2), 500, T(3)), 1));  // twice
  EXPECT_EQ(*store_->Get(unclaimed.delivery_id), delivered);
}

TEST_P(DeliveryStoreContract, RecordAttemptsAppliesCurrentClaimsAndDropsTheRest) {
  Delivery a = Add(New(NewUuid()));
  Delivery b = Add(New(NewUuid()));
  Delivery stale = Add(New(NewUuid()));
  Delivery claimed_a = **store_->Claim(a.delivery_id, T(0), T(35));
  Delivery claimed_b = **store_->Claim(b.delivery_id, T(0), T(35));
  Delivery first = **store_->Claim(stale.delivery_id, T(0), T(35));
  Delivery second = **store_->Claim(stale.delivery_id, T(35), T(70));  // first's lease ended
  Delivery unknown = New(NewUuid());
  unknown.attempts = 1;
  auto recorded = store_->RecordAttempts({Outcome(claimed_a, 1, T(1)),
                                          Outcome(claimed_b, 1, T(1), 503, T(3)),
                                          Outcome(first, 1, T(40)), unknown});
  ASSERT_TRUE(recorded.ok()) << recorded.error().message;
  EXPECT_EQ(*recorded, (std::vector<bool>{true, true, false, false}));
  Delivery got_a = *store_->Get(a.delivery_id);
  EXPECT_EQ(got_a.status, DeliveryStatus::kDelivered);
  EXPECT_FALSE(got_a.claimed_until.has_value());
  Delivery expected_b = claimed_b;
  expected_b.last_http_status = 503;
  expected_b.last_error = "HTTP 503";
  expected_b.next_attempt_at = T(3);
  expected_b.updated_at = T(1);
  expected_b.claimed_until.reset();
  EXPECT_EQ(*store_->Get(b.delivery_id), expected_b);  // every field, as RecordAttempt writes
  EXPECT_EQ(*store_->Get(stale.delivery_id), second);  // the newer claim is untouched
  EXPECT_EQ(store_->Get(unknown.delivery_id).error().code, ErrorCode::kNotFound);
  auto none = store_->RecordAttempts({});
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

TEST_P(DeliveryStoreContract, RecordAttemptOfAnUnknownIdIsNotFound) {
  auto recorded = store_->RecordAttempt(New(NewUuid()), 1);
  ASSERT_FALSE(recorded.ok());
  EXPECT_EQ(recorded.error().code, ErrorCode::kNotFound);
}

TEST_P(DeliveryStoreContract, RedeliverIsRefusedWhileTheClaimIsLeased) {
  Delivery d = Add(New(NewUuid()));
  Delivery claimed = **store_->Claim(d.delivery_id, T(0), T(35));
  auto during = store_->Redeliver(d.delivery_id, T(34));
  ASSERT_FALSE(during.ok());
  EXPECT_EQ(during.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(*store_->Get(d.delivery_id), claimed);
  // Once its outcome is recorded the delivery may be sent again.
  ASSERT_TRUE(*store_->RecordAttempt(Outcome(claimed, 1, T(2)), 1));
  auto after = store_->Redeliver(d.delivery_id, T(3));
  ASSERT_TRUE(after.ok()) << after.error().message;
  EXPECT_EQ(after->status, DeliveryStatus::kPending);
}

TEST_P(DeliveryStoreContract, RedeliverAfterALapsedLeaseClearsTheClaim) {
  Delivery d = Add(New(NewUuid()));
  Delivery claimed = **store_->Claim(d.delivery_id, T(0), T(35));
  auto redelivered = store_->Redeliver(d.delivery_id, T(35));
  ASSERT_TRUE(redelivered.ok()) << redelivered.error().message;
  EXPECT_FALSE(redelivered->claimed_until.has_value());
  EXPECT_EQ(redelivered->next_attempt_at, T(35));
  EXPECT_EQ(redelivered->attempts, 1);
  EXPECT_EQ(*store_->Get(d.delivery_id), *redelivered);
  // The presumed-dead claimant's outcome no longer applies.
  EXPECT_FALSE(*store_->RecordAttempt(Outcome(claimed, 1, T(36)), 1));
  EXPECT_EQ(store_->Get(d.delivery_id)->status, DeliveryStatus::kPending);
}

TEST_P(DeliveryStoreContract, RedeliverMakesABackingOffDeliveryDueNow) {
  Delivery d = New(NewUuid());
  d.attempts = 1;
  d.last_http_status = 503;
  d.next_attempt_at = T(60);
  d = Add(d);
  EXPECT_TRUE(Ids(store_->ListDue(T(0), 10, {})).empty());
  auto redelivered = store_->Redeliver(d.delivery_id, T(1));
  ASSERT_TRUE(redelivered.ok()) << redelivered.error().message;
  Delivery expected = d;
  expected.next_attempt_at = T(1);
  expected.updated_at = T(1);
  EXPECT_EQ(*redelivered, expected);  // same attempts and max_attempts
  EXPECT_EQ(Ids(store_->ListDue(T(1), 10, {})), std::vector<std::string>{d.delivery_id});
}

TEST_P(DeliveryStoreContract, RedeliverOfASettledDeliveryAllowsItsRetriesAgain) {
  Delivery d = New(NewUuid());
  d.status = DeliveryStatus::kFailed;
  d.attempts = 4;
  d.last_http_status = 500;
  d = Add(d);
  auto redelivered = store_->Redeliver(d.delivery_id, T(5));
  ASSERT_TRUE(redelivered.ok()) << redelivered.error().message;
  EXPECT_EQ(redelivered->status, DeliveryStatus::kPending);
  EXPECT_EQ(redelivered->attempts, 4);
  EXPECT_EQ(redelivered->max_attempts, 4 + 1 + 3);
  EXPECT_EQ(redelivered->next_attempt_at, T(5));
  EXPECT_EQ(Ids(store_->ListDue(T(5), 10, {})), std::vector<std::string>{d.delivery_id});
  auto claimed = store_->Claim(d.delivery_id, T(5), T(40));
  ASSERT_TRUE(claimed.ok() && claimed->has_value());
  EXPECT_EQ((*claimed)->attempts, 5);
}

TEST_P(DeliveryStoreContract, RedeliverOfAnUnknownIdIsNotFound) {
  auto redelivered = store_->Redeliver(NewUuid(), T(0));
  ASSERT_FALSE(redelivered.ok());
  EXPECT_EQ(redelivered.error().code, ErrorCode::kNotFound);
}

TEST_P(DeliveryStoreContract, ConcurrentClaimAndRedeliverNeverBothSucceedAtOneInstant) {
  // Whichever goes first, a redelivery never lands on top of a live claim.
  constexpr int kRounds = 20;
  for (int i = 0; i < kRounds; ++i) {
    Delivery d = Add(New(NewUuid()));
    Result<std::optional<Delivery>> claimed = std::optional<Delivery>();
    Result<Delivery> redelivered = Delivery{};
    std::thread claimer([&] { claimed = store_->Claim(d.delivery_id, T(0), T(35)); });
    std::thread redeliverer([&] { redelivered = store_->Redeliver(d.delivery_id, T(0)); });
    claimer.join();
    redeliverer.join();
    ASSERT_TRUE(claimed.ok());
    Delivery stored = *store_->Get(d.delivery_id);
    if (claimed->has_value()) {
      // Claimed (first, or after the redelivery made it due at T(0)): the claim is intact.
      EXPECT_EQ(stored.claimed_until, T(35));
      EXPECT_EQ(stored.attempts, 1);
      if (!redelivered.ok()) {
        EXPECT_EQ(redelivered.error().code, ErrorCode::kFailedPrecondition);
      }
    }
  }
}

TEST_P(DeliveryStoreContract, ClaimOfAnUnknownIdIsNotFound) {
  auto claimed = store_->Claim(NewUuid(), T(0), T(35));
  ASSERT_FALSE(claimed.ok());
  EXPECT_EQ(claimed.error().code, ErrorCode::kNotFound);
}

TEST_P(DeliveryStoreContract, TimesKeepAtLeastMicroseconds) {
  using std::chrono::floor;
  using std::chrono::microseconds;
  Delivery d = New(NewUuid());
  // A SystemClock time may carry nanoseconds: a store keeps at least the microseconds.
  d.next_attempt_at = T(30) + std::chrono::nanoseconds(123'456'789);
  d.created_at = T(-2) + std::chrono::nanoseconds(1'999);
  d.updated_at = T(-1) + microseconds(7);
  d = Add(d);
  auto got = store_->Get(d.delivery_id);
  ASSERT_TRUE(got.ok());
  for (auto [stored, original] :
       {std::pair{got->next_attempt_at, d.next_attempt_at},
        std::pair{got->created_at, d.created_at}, std::pair{got->updated_at, d.updated_at}}) {
    EXPECT_GE(stored, floor<microseconds>(original));
    EXPECT_LE(stored, original);
  }
  EXPECT_EQ(got->updated_at, d.updated_at);  // whole microseconds are exact
}

TEST_P(DeliveryStoreContract, ConcurrentAddsGetDistinctSequences) {
  constexpr int kThreads = 4;
  constexpr int kEach = 50;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([this] {
      for (int i = 0; i < kEach; ++i) (void)store_->Add(New(NewUuid()));
    });
  }
  for (auto& t : threads) t.join();
  webhook::DeliveryFilter all;
  all.limit = 1000;
  auto list = store_->List(all);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), static_cast<size_t>(kThreads * kEach));
  for (size_t i = 1; i < list->size(); ++i) {
    EXPECT_GT((*list)[i - 1].sequence, (*list)[i].sequence);
  }
}

TEST_P(DeliveryStoreContract, AddManyStoresTheLotInOrderWithIncreasingSequences) {
  Delivery before = Add(New(NewUuid()));
  Delivery a = New(NewUuid(), "submitted");
  Delivery b = New(NewUuid(), "completed", "http://127.0.0.1:9/other");
  b.last_http_status = 503;
  b.last_error = "HTTP 503";
  b.claimed_until = T(7);
  auto added = store_->AddMany({a, b});
  ASSERT_TRUE(added.ok()) << added.error().message;
  ASSERT_EQ(added->size(), 2u);
  EXPECT_GT((*added)[0].sequence, before.sequence);
  EXPECT_GT((*added)[1].sequence, (*added)[0].sequence);
  a.sequence = (*added)[0].sequence;
  b.sequence = (*added)[1].sequence;
  EXPECT_EQ((*added)[0], a);
  EXPECT_EQ(*store_->Get(a.delivery_id), a);
  EXPECT_EQ(*store_->Get(b.delivery_id), b);  // every field, as Add keeps them
  auto none = store_->AddMany({});
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

TEST_P(DeliveryStoreContract, AddManyWithOneDuplicateOrInvalidDeliveryStoresNothing) {
  Delivery taken = Add(New(NewUuid()));
  Delivery fresh = New(NewUuid());
  Delivery again = New(NewUuid());
  again.delivery_id = taken.delivery_id;
  auto duplicate = store_->AddMany({fresh, again});
  ASSERT_FALSE(duplicate.ok());
  EXPECT_EQ(duplicate.error().code, ErrorCode::kAlreadyExists);
  EXPECT_EQ(store_->Get(fresh.delivery_id).error().code, ErrorCode::kNotFound);

  auto twice = store_->AddMany({fresh, fresh});
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.error().code, ErrorCode::kAlreadyExists);
  EXPECT_EQ(store_->Get(fresh.delivery_id).error().code, ErrorCode::kNotFound);

  Delivery no_job = New("");
  auto invalid = store_->AddMany({fresh, no_job});
  ASSERT_FALSE(invalid.ok());
  EXPECT_EQ(invalid.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(store_->Get(fresh.delivery_id).error().code, ErrorCode::kNotFound);
}

TEST_P(DeliveryStoreContract, ClaimManyClaimsOnlyWhatIsDueAndUnclaimed) {
  Delivery odd = New(NewUuid());
  odd.delivery_id = R"(odd "id", {with} \ quotes)";  // ids are UUIDs, but any text must work
  Delivery due = Add(odd);
  Delivery also_due = Add(New(NewUuid()));
  Delivery later = New(NewUuid());
  later.next_attempt_at = T(10);
  later = Add(later);
  Delivery delivered = New(NewUuid());
  delivered.status = DeliveryStatus::kDelivered;
  delivered = Add(delivered);
  ASSERT_TRUE(store_->Claim(also_due.delivery_id, T(0), T(35))->has_value());

  auto claimed = store_->ClaimMany({due.delivery_id, also_due.delivery_id, later.delivery_id,
                                    delivered.delivery_id, NewUuid()},
                                   T(1), T(40));
  ASSERT_TRUE(claimed.ok()) << claimed.error().message;
  ASSERT_EQ(claimed->size(), 1u);
  Delivery expected = due;
  expected.attempts = 1;
  expected.next_attempt_at = T(40);
  expected.claimed_until = T(40);
  expected.updated_at = T(1);
  EXPECT_EQ((*claimed)[0], expected);
  EXPECT_EQ(*store_->Get(due.delivery_id), expected);
  EXPECT_EQ(store_->Get(also_due.delivery_id)->attempts, 1);  // its first claim stands
  EXPECT_EQ(store_->Get(later.delivery_id)->attempts, 0);
  auto again = store_->ClaimMany({due.delivery_id}, T(2), T(40));
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->empty());
}

TEST_P(DeliveryStoreContract, ConcurrentClaimManyOfOneBatchClaimsEachDeliveryOnce) {
  constexpr int kClaimants = 4;
  std::vector<std::string> ids;
  for (int i = 0; i < 20; ++i) ids.push_back(Add(New(NewUuid())).delivery_id);
  std::atomic<size_t> won{0};
  std::atomic<int> errors{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kClaimants; ++i) {
    threads.emplace_back([&] {
      auto claimed = store_->ClaimMany(ids, T(0), T(35));
      if (!claimed.ok()) {
        ++errors;
      } else {
        won += claimed->size();
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(won.load(), ids.size());
  for (const std::string& id : ids) EXPECT_EQ(store_->Get(id)->attempts, 1);
}

TEST_P(DeliveryStoreContract, CountByJobCountsEachStatusOfTheJobsAsked) {
  std::string busy = R"(job "one", {a} \ b)";
  std::string done = NewUuid();
  std::string other = NewUuid();
  Add(New(busy, "started"));
  Delivery settled = New(busy, "completed");
  settled.status = DeliveryStatus::kDelivered;
  Add(settled);
  Delivery failed = New(done, "completed");
  failed.status = DeliveryStatus::kFailed;
  Add(failed);
  Add(New(other));
  auto counts = store_->CountByJob({busy, done, NewUuid(), busy});
  ASSERT_TRUE(counts.ok()) << counts.error().message;
  std::map<std::string, webhook::DeliveryCounts> expected = {
      {busy, {.pending = 1, .delivered = 1, .failed = 0}},
      {done, {.pending = 0, .delivered = 0, .failed = 1}}};
  EXPECT_EQ(*counts, expected);  // the job without deliveries and the job not asked: absent
  auto none = store_->CountByJob({});
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

}  // namespace gitops::contract
