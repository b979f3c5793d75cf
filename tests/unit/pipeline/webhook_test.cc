// Tests of the pipeline's webhook senders: the dev-mode logging sender, and the dispatcher
// adapter with the tracker that keeps a job's metadata.webhook_status in step with its
// deliveries (real Dispatcher and MemoryDeliveryStore, a fake HttpSender, a FakeClock).
#include "pipeline/webhook.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <map>
#include <mutex>
#include <set>

#include "forwarding_delivery_store.h"
#include "jobs/memory/memory_job_store.h"
#include "webhook/memory/memory_delivery_store.h"

namespace gitops::pipeline {
namespace {

using jobs::JobStatus;

// Answers every POST with the next status of a script (the last one repeats); records bodies.
class ScriptedHttpSender final : public webhook::HttpSender {
 public:
  explicit ScriptedHttpSender(std::vector<int> statuses) : statuses_(std::move(statuses)) {}
  Result<webhook::HttpResult> Post(const std::string&, const std::vector<webhook::HttpHeader>&,
                                   std::string_view body, std::chrono::milliseconds) override {
    std::lock_guard lock(mu_);
    bodies_.emplace_back(body);
    webhook::HttpResult result;
    result.status = statuses_[std::min(next_, statuses_.size() - 1)];
    ++next_;
    return result;
  }
  std::vector<std::string> bodies() {
    std::lock_guard lock(mu_);
    return bodies_;
  }

 private:
  std::mutex mu_;
  std::vector<int> statuses_;
  size_t next_ = 0;
  std::vector<std::string> bodies_;
};

// A MemoryJobStore that counts Get calls (the tracker's job reads).
class CountingJobStore final : public jobs::JobStore {
 public:
  explicit CountingJobStore(jobs::JobStore& inner) : inner_(inner) {}
  Status Create(jobs::Job job) override { return inner_.Create(std::move(job)); }
  Result<jobs::Job> Get(std::string_view job_id) const override {
    ++gets_;
    return inner_.Get(job_id);
  }
  Status Update(std::string_view job_id, const jobs::JobChange& change) override {
    return inner_.Update(job_id, change);
  }
  Result<std::vector<jobs::Job>> List(const jobs::JobFilter& filter) const override {
    return inner_.List(filter);
  }
  Result<jobs::TenantJobStats> TenantStats(std::string_view tenant_id) const override {
    return inner_.TenantStats(tenant_id);
  }
  int gets() const { return gets_; }

 private:
  jobs::JobStore& inner_;
  mutable std::atomic<int> gets_{0};
};

config::WebhookConfig Target(int retries = 0) {
  config::WebhookConfig target;
  target.enabled = true;
  target.url = "http://127.0.0.1:9/hook";
  target.retries = retries;
  target.timeout_seconds = 5;
  return target;
}

class DeliveryWebhookSenderTest : public ::testing::Test {
 protected:
  explicit DeliveryWebhookSenderTest(std::vector<int> statuses = {200})
      : http_(std::move(statuses)), jobs_(clock_), counted_(jobs_), tracker_(deliveries_, counted_) {
    webhook::DispatcherOptions options;
    options.random = [] { return 0.0; };
    // As the service wires it; counted after the tracker is done with the settlement.
    options.on_settled = [this](const webhook::Delivery& d) {
      tracker_.Settled(d);
      std::lock_guard lock(settled_mu_);
      ++settled_;
      settled_cv_.notify_all();
    };
    dispatcher_ = std::make_unique<webhook::Dispatcher>(
        deliveries_, http_, clock_, [](const std::string&) { return std::string(); }, options);
    sender_ = std::make_unique<DeliveryWebhookSender>(*dispatcher_, tracker_);
  }

  // A job in the store, in_progress.
  std::string NewJob() {
    jobs::Job job;
    char id[40];
    std::snprintf(id, sizeof(id), "00000000-0000-4000-8000-%012d", ++jobs_made_);
    job.job_id = id;
    job.tenant_id = "tenant1";
    job.resource_type = "vm";
    job.resource_name = "vm1";
    job.operation = jobs::Operation::kCreate;
    EXPECT_TRUE(jobs_.Create(job).ok());
    EXPECT_TRUE(jobs_.Update(job.job_id, jobs::JobChange().SetStatus(JobStatus::kInProgress)).ok());
    return job.job_id;
  }

  // What the pipeline does at a job's end: store completed with `webhook_status`, then tell.
  void EndJob(const std::string& id, const std::string& webhook_status) {
    ASSERT_TRUE(jobs_.Update(id, jobs::JobChange()
                                     .SetStatus(JobStatus::kCompleted)
                                     .Meta("webhook_status", webhook_status))
                    .ok());
    sender_->JobEnded(id);
  }

  Json Payload(const std::string& id, const std::string& stage) {
    return webhook::StagedPayload({id, "tenant1", "vm", "vm1"}, stage, clock_.Now(), Json{});
  }

  jobs::Job Job(const std::string& id) { return jobs_.Get(id).value(); }

  void WaitForSettled(size_t count) {
    std::unique_lock lock(settled_mu_);
    settled_cv_.wait(lock, [&] { return settled_ >= count; });
  }

  FakeClock clock_{Clock::TimePoint(std::chrono::seconds(1'800'000'000))};
  ScriptedHttpSender http_;
  webhook::MemoryDeliveryStore deliveries_;
  jobs::MemoryJobStore jobs_;
  CountingJobStore counted_;
  WebhookStatusTracker tracker_;
  std::mutex settled_mu_;
  std::condition_variable settled_cv_;
  size_t settled_ = 0;
  std::unique_ptr<webhook::Dispatcher> dispatcher_;
  std::unique_ptr<DeliveryWebhookSender> sender_;
  int jobs_made_ = 0;
};

TEST(LogWebhookSenderTest, LogsThePayloadAndReportsSimulated) {
  std::vector<std::string> lines;
  LogWebhookSender sender([&lines](const std::string& line) { lines.push_back(line); });
  config::WebhookConfig target;
  target.enabled = true;
  target.url = "https://user:s3cret@hooks.example.com/ns";
  auto status = sender.Send(target, Json{{"job_id", "job-1"}});
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(*status, "simulated");
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find(R"({"job_id":"job-1"})"), std::string::npos) << lines[0];
  EXPECT_NE(lines[0].find("https://hooks.example.com/ns"), std::string::npos) << lines[0];
  EXPECT_EQ(lines[0].find("s3cret"), std::string::npos) << lines[0];
}

TEST(AggregateWebhookStatusTest, PendingWinsThenFailedThenDelivered) {
  auto with = [](std::vector<webhook::DeliveryStatus> statuses) {
    webhook::DeliveryCounts counts;
    for (auto s : statuses) {
      switch (s) {
        case webhook::DeliveryStatus::kPending: ++counts.pending; break;
        case webhook::DeliveryStatus::kDelivered: ++counts.delivered; break;
        case webhook::DeliveryStatus::kFailed: ++counts.failed; break;
      }
    }
    return AggregateWebhookStatus(counts);
  };
  using S = webhook::DeliveryStatus;
  EXPECT_EQ(with({}), std::nullopt);
  EXPECT_EQ(with({S::kDelivered, S::kDelivered}), "delivered");
  EXPECT_EQ(with({S::kDelivered, S::kFailed}), "failed");
  EXPECT_EQ(with({S::kFailed, S::kPending}), "pending");
}

TEST_F(DeliveryWebhookSenderTest, SendStoresAPendingDeliveryWithoutSending) {
  std::string id = NewJob();
  auto status = sender_->Send(Target(), Payload(id, "started"));
  ASSERT_TRUE(status.ok()) << status.error().message;
  EXPECT_EQ(*status, "pending");
  auto stored = tracker_.ForJob(id);
  ASSERT_TRUE(stored.ok());
  ASSERT_EQ(stored->size(), 1u);
  EXPECT_EQ((*stored)[0].event, "started");
  EXPECT_EQ((*stored)[0].status, webhook::DeliveryStatus::kPending);
  EXPECT_TRUE(http_.bodies().empty());
}

TEST_F(DeliveryWebhookSenderTest, DisabledTargetStoresNothing) {
  std::string id = NewJob();
  config::WebhookConfig target = Target();
  target.enabled = false;
  auto status = sender_->Send(target, Payload(id, "started"));
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(*status, "disabled");
  EXPECT_TRUE(tracker_.ForJob(id)->empty());
}

TEST_F(DeliveryWebhookSenderTest, EventOutsideTheTargetsEventsIsFiltered) {
  std::string id = NewJob();
  config::WebhookConfig target = Target();
  target.events = {"completed"};
  auto status = sender_->Send(target, Payload(id, "started"));
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(*status, "filtered");
  EXPECT_TRUE(tracker_.ForJob(id)->empty());
  EXPECT_EQ(dispatcher_->RunOnce(), 0u);
}

TEST_F(DeliveryWebhookSenderTest, ForJobListsOnlyThatJobsDeliveriesOldestFirst) {
  std::string first = NewJob();
  std::string second = NewJob();
  ASSERT_TRUE(sender_->Send(Target(), Payload(first, "submitted")).ok());
  ASSERT_TRUE(sender_->Send(Target(), Payload(second, "submitted")).ok());
  ASSERT_TRUE(sender_->Send(Target(), Payload(first, "started")).ok());
  auto found = tracker_.ForJob(first);
  ASSERT_TRUE(found.ok());
  ASSERT_EQ(found->size(), 2u);
  EXPECT_EQ((*found)[0].event, "submitted");
  EXPECT_EQ((*found)[1].event, "started");
  EXPECT_EQ((*found)[1].job_id, first);
}

TEST_F(DeliveryWebhookSenderTest, DeliveredAfterTheJobEndedMakesItDelivered) {
  std::string id = NewJob();
  ASSERT_TRUE(sender_->Send(Target(), Payload(id, "completed")).ok());
  EndJob(id, "pending");
  EXPECT_EQ(Job(id).metadata["webhook_status"], "pending");
  EXPECT_EQ(dispatcher_->RunOnce(), 1u);
  jobs::Job job = Job(id);
  EXPECT_EQ(job.metadata["webhook_status"], "delivered");
  EXPECT_EQ(job.logs.back(), "Webhook notification delivered");
}

TEST_F(DeliveryWebhookSenderTest, DeliveredBeforeTheJobEndedIsCaughtUpByJobEnded) {
  std::string id = NewJob();
  ASSERT_TRUE(sender_->Send(Target(), Payload(id, "completed")).ok());
  EXPECT_EQ(dispatcher_->RunOnce(), 1u);  // settles while the job is still in progress
  EXPECT_FALSE(Job(id).metadata.contains("webhook_status"));
  EndJob(id, "pending");
  EXPECT_EQ(Job(id).metadata["webhook_status"], "delivered");
}

TEST_F(DeliveryWebhookSenderTest, StagedJobIsPendingUntilEveryStageSettled) {
  std::string id = NewJob();
  for (const char* stage : {"started", "completed"}) {
    ASSERT_TRUE(sender_->Send(Target(), Payload(id, stage)).ok());
  }
  EndJob(id, "pending");
  clock_.Advance(std::chrono::milliseconds(1));
  // One pass sends the job's head only: the second stage waits for the first.
  EXPECT_EQ(dispatcher_->RunOnce(), 1u);
  EXPECT_EQ(Job(id).metadata["webhook_status"], "pending");
  EXPECT_EQ(dispatcher_->RunOnce(), 1u);
  EXPECT_EQ(Job(id).metadata["webhook_status"], "delivered");
}

TEST_F(DeliveryWebhookSenderTest, SettlementReadsTheJobOnlyWhenItsLastPendingDeliverySettles) {
  std::string id = NewJob();
  for (const char* stage : {"started", "rendered", "completed"}) {
    ASSERT_TRUE(sender_->Send(Target(), Payload(id, stage)).ok());
  }
  EndJob(id, "pending");
  const int before = counted_.gets();
  for (int i = 0; i < 3; ++i) EXPECT_EQ(dispatcher_->RunOnce(), 1u);
  EXPECT_EQ(counted_.gets() - before, 1);  // the third settlement's refresh only
  EXPECT_EQ(Job(id).metadata["webhook_status"], "delivered");
}

TEST_F(DeliveryWebhookSenderTest, SettledLeavesAJobWithAPendingDeliveryToThatDelivery) {
  std::string id = NewJob();
  ASSERT_TRUE(sender_->Send(Target(), Payload(id, "started")).ok());
  ASSERT_TRUE(sender_->Send(Target(), Payload(id, "completed")).ok());
  EndJob(id, "pending");
  // A stale status that Refresh would correct; Settled of the first delivery leaves it, as the
  // second one is pending and its settlement refreshes.
  ASSERT_TRUE(jobs_.Update(id, jobs::JobChange().Meta("webhook_status", "failed")).ok());
  const webhook::Delivery first = tracker_.ForJob(id)->at(0);
  tracker_.Settled(first);
  EXPECT_EQ(Job(id).metadata["webhook_status"], "failed");
  tracker_.Refresh(id);
  EXPECT_EQ(Job(id).metadata["webhook_status"], "pending");
}

TEST_F(DeliveryWebhookSenderTest, RedeliveriesSettlingOneByOneEndDeliveredOnTheLast) {
  std::string id = NewJob();
  ASSERT_TRUE(sender_->Send(Target(), Payload(id, "started")).ok());
  ASSERT_TRUE(sender_->Send(Target(), Payload(id, "completed")).ok());
  EndJob(id, "pending");
  EXPECT_EQ(dispatcher_->RunOnce(), 1u);
  EXPECT_EQ(dispatcher_->RunOnce(), 1u);
  ASSERT_EQ(Job(id).metadata["webhook_status"], "delivered");
  auto both = tracker_.ForJob(id);
  ASSERT_TRUE(both.ok());
  for (const webhook::Delivery& d : *both) {
    ASSERT_TRUE(dispatcher_->Redeliver(d.delivery_id).ok());
  }
  tracker_.Refresh(id);  // as the API does after a redelivery
  EXPECT_EQ(Job(id).metadata["webhook_status"], "pending");
  EXPECT_EQ(dispatcher_->RunOnce(), 1u);  // the job's head only; the other one still pending
  EXPECT_EQ(Job(id).metadata["webhook_status"], "pending");
  EXPECT_EQ(dispatcher_->RunOnce(), 1u);
  EXPECT_EQ(Job(id).metadata["webhook_status"], "delivered");
}

TEST_F(DeliveryWebhookSenderTest, JobsEndingWhileTheirDeliveriesAreSentAllEndDelivered) {
  constexpr int kJobs = 40;
  std::vector<std::string> ids;
  for (int i = 0; i < kJobs; ++i) {
    ids.push_back(NewJob());
    for (const char* stage : {"started", "pushed", "completed"}) {
      ASSERT_TRUE(sender_->Send(Target(), Payload(ids.back(), stage)).ok());
    }
  }
  ASSERT_TRUE(dispatcher_->Start().ok());
  // The jobs end (store "pending", then JobEnded) while the sender threads settle their
  // deliveries: whichever comes last, the final status must not be missed.
  for (const std::string& id : ids) EndJob(id, "pending");
  WaitForSettled(3 * kJobs);
  dispatcher_->Stop();
  for (const std::string& id : ids) {
    EXPECT_EQ(Job(id).metadata["webhook_status"], "delivered") << id;
  }
}

// Counts the calls the tracker makes on the delivery store (each one a statement in production).
class CountingDeliveryStore final : public webhook::testing::ForwardingDeliveryStore {
 public:
  using ForwardingDeliveryStore::ForwardingDeliveryStore;
  Result<std::vector<webhook::Delivery>> List(const webhook::DeliveryFilter& filter) override {
    ++calls;
    return ForwardingDeliveryStore::List(filter);
  }
  Result<std::map<std::string, webhook::DeliveryCounts>> CountByJob(
      const std::vector<std::string>& job_ids) override {
    ++calls;
    return ForwardingDeliveryStore::CountByJob(job_ids);
  }
  std::atomic<int> calls{0};
};

TEST_F(DeliveryWebhookSenderTest, ABatchOfEndedJobsIsCheckedWithOneCountNotOneReadPerJob) {
  constexpr int kJobs = 20;
  CountingDeliveryStore counting(deliveries_);
  WebhookStatusTracker tracker(counting, jobs_);
  std::vector<std::string> ids;
  std::vector<Json> payloads;
  for (int i = 0; i < kJobs; ++i) {
    ids.push_back(NewJob());
    payloads.push_back(Payload(ids.back(), "completed"));
  }
  config::WebhookConfig target = Target();
  std::vector<WebhookSender::Outgoing> outgoing;
  for (const Json& payload : payloads) outgoing.push_back({&target, &payload});
  for (const auto& sent : sender_->SendMany(outgoing)) {
    ASSERT_TRUE(sent.ok());
    EXPECT_EQ(*sent, "pending");
  }
  // Some settle before their jobs' ends are stored (one pass sends as many as the URL's
  // in-flight limit allows): those must come out delivered, the others stay pending.
  EXPECT_GT(dispatcher_->RunOnce(), 0u);
  for (const std::string& id : ids) {
    ASSERT_TRUE(jobs_.Update(id, jobs::JobChange()
                                     .SetStatus(JobStatus::kCompleted)
                                     .Meta("webhook_status", "pending"))
                    .ok());
  }
  const int before = counting.calls.load();
  tracker.JobsEnded(ids);
  EXPECT_LE(counting.calls.load() - before, 2);  // a count, and a re-count of what it wrote
  size_t delivered = 0;
  for (const std::string& id : ids) {
    std::string status = Job(id).metadata["webhook_status"];
    EXPECT_TRUE(status == "delivered" || status == "pending") << status;
    delivered += status == "delivered";
  }
  size_t settled = 0;
  for (const std::string& id : ids) {
    settled += tracker.ForJob(id)->at(0).status == webhook::DeliveryStatus::kDelivered;
  }
  EXPECT_GT(settled, 0u);
  EXPECT_LT(settled, static_cast<size_t>(kJobs));
  EXPECT_EQ(delivered, settled);  // exactly the jobs whose delivery settled
}

class FailingReceiverTest : public DeliveryWebhookSenderTest {
 protected:
  FailingReceiverTest() : DeliveryWebhookSenderTest({410}) {}
};

TEST_F(FailingReceiverTest, RefusedDeliveryMakesItFailedWithTheReason) {
  std::string id = NewJob();
  ASSERT_TRUE(sender_->Send(Target(/*retries=*/3), Payload(id, "completed")).ok());
  EndJob(id, "pending");
  EXPECT_EQ(dispatcher_->RunOnce(), 1u);  // 410 is not retried
  jobs::Job job = Job(id);
  EXPECT_EQ(job.metadata["webhook_status"], "failed");
  EXPECT_EQ(job.logs.back().rfind("Webhook notification failed: completed after 1 attempt(s): ", 0),
            0u)
      << job.logs.back();
  EXPECT_NE(job.logs.back().find("410"), std::string::npos) << job.logs.back();
}

TEST_F(FailingReceiverTest, FailedStatusNamesTheFirstFailedStage) {
  std::string id = NewJob();
  ASSERT_TRUE(sender_->Send(Target(), Payload(id, "started")).ok());
  ASSERT_TRUE(sender_->Send(Target(), Payload(id, "completed")).ok());
  EndJob(id, "pending");
  EXPECT_EQ(dispatcher_->RunOnce(), 1u);
  EXPECT_EQ(Job(id).metadata["webhook_status"], "pending");
  EXPECT_EQ(dispatcher_->RunOnce(), 1u);
  jobs::Job job = Job(id);
  EXPECT_EQ(job.metadata["webhook_status"], "failed");
  EXPECT_EQ(job.logs.back().rfind("Webhook notification failed: started after 1 attempt(s)", 0),
            0u)
      << job.logs.back();
}

TEST_F(DeliveryWebhookSenderTest, RefreshLeavesSimulatedJobsAlone) {
  std::string id = NewJob();
  ASSERT_TRUE(sender_->Send(Target(), Payload(id, "completed")).ok());
  EndJob(id, "simulated");
  EXPECT_EQ(dispatcher_->RunOnce(), 1u);
  EXPECT_EQ(Job(id).metadata["webhook_status"], "simulated");
}

TEST_F(DeliveryWebhookSenderTest, RedeliveredDeliveryGoesBackToPendingThenDelivered) {
  std::string id = NewJob();
  ASSERT_TRUE(sender_->Send(Target(), Payload(id, "completed")).ok());
  EndJob(id, "pending");
  EXPECT_EQ(dispatcher_->RunOnce(), 1u);
  std::string delivery_id = tracker_.ForJob(id)->at(0).delivery_id;
  ASSERT_TRUE(dispatcher_->Redeliver(delivery_id).ok());
  tracker_.Refresh(id);
  EXPECT_EQ(Job(id).metadata["webhook_status"], "pending");
  EXPECT_EQ(dispatcher_->RunOnce(), 1u);
  EXPECT_EQ(Job(id).metadata["webhook_status"], "delivered");
  EXPECT_EQ(http_.bodies().size(), 2u);
}

}  // namespace
}  // namespace gitops::pipeline
