// The webhook delivery routes and the job status's "deliveries", against a fake DeliveryLedger
// (the real one, over the dispatcher, is driven by tests/integration/webhook_test.py).
#include "api/webhook_handlers.h"

#include <gtest/gtest.h>

#include "api_fixture.h"

namespace gitops::api {
namespace {

using testing::ApiTest;
using testing::ParseBody;

constexpr char kDeliveryId[] = "6f1c1a52-3b0a-4d0e-9a57-2f8e4b1c9d01";
constexpr char kJobId[] = "0b7f9e1e-3f43-4a55-8c2e-7d1b2a3c4d5e";

Json Delivery(const std::string& id, const std::string& status) {
  return Json{{"delivery_id", id},   {"job_id", kJobId},         {"event", "completed"},
              {"status", status},    {"attempts", 1},            {"last_http_status", 500},
              {"last_error", "HTTP 500"}, {"next_attempt_at", nullptr}};
}

class FakeLedger final : public DeliveryLedger {
 public:
  Result<Json> List(const DeliveryQuery& query) const override {
    last_query = query;
    if (list_error) return Unexpected(*list_error);
    return Json::array({Delivery(kDeliveryId, "failed")});
  }
  Result<Json> ForJob(std::string_view job_id) const override {
    asked_for_job = std::string(job_id);
    return Json::array({Delivery(kDeliveryId, "delivered")});
  }
  Result<Json> Redeliver(std::string_view delivery_id) override {
    redelivered.emplace_back(delivery_id);
    if (redeliver_error) return Unexpected(*redeliver_error);
    return Delivery(std::string(delivery_id), "pending");
  }

  mutable DeliveryQuery last_query;
  mutable std::string asked_for_job;
  std::optional<Error> list_error;
  std::optional<Error> redeliver_error;
  std::vector<std::string> redelivered;
};

ApiOptions WithLedger(DeliveryLedger* ledger) {
  ApiOptions options;
  options.deliveries = ledger;
  return options;
}

class WebhookRoutesTest : public ApiTest {
 protected:
  WebhookRoutesTest() : ApiTest(WithLedger(&ledger_)) {}
  FakeLedger ledger_;
};

class SimulatedWebhookRoutesTest : public ApiTest {};

TEST_F(WebhookRoutesTest, ListPassesEveryFilterToTheLedger) {
  auto res = Call("GET", std::string("/api/v1/webhooks/deliveries?tenant_id=tenant1&status=failed") +
                             "&job_id=" + kJobId + "&limit=5");
  ASSERT_EQ(res.status, 200) << res.body;
  Json body = ParseBody(res);
  EXPECT_EQ(body["count"], 1);
  EXPECT_EQ(body["deliveries"][0]["delivery_id"], kDeliveryId);
  EXPECT_EQ(ledger_.last_query.tenant_id, "tenant1");
  EXPECT_EQ(ledger_.last_query.status, "failed");
  EXPECT_EQ(ledger_.last_query.job_id, kJobId);
  EXPECT_EQ(ledger_.last_query.limit, 5u);
}

TEST_F(WebhookRoutesTest, ListWithoutFiltersAsksForTheDefaultLimit) {
  auto res = Call("GET", "/api/v1/webhooks/deliveries");
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_FALSE(ledger_.last_query.tenant_id.has_value());
  EXPECT_FALSE(ledger_.last_query.status.has_value());
  EXPECT_EQ(ledger_.last_query.limit, 100u);
}

TEST_F(WebhookRoutesTest, ListRejectsBadParametersNamingThem) {
  const std::pair<std::string, std::string> cases[] = {
      {"status=lost", "status"},
      {"limit=0", "limit"},
      {"limit=1001", "limit"},
      {"job_id=../etc", "job_id"},
      {"tenant_id=Not_A_Label", "tenant_id"},
  };
  for (const auto& [query, parameter] : cases) {
    auto res = Call("GET", "/api/v1/webhooks/deliveries?" + query);
    EXPECT_EQ(res.status, 400) << query;
    EXPECT_EQ(ParseBody(res)["details"], parameter) << query << ": " << res.body;
  }
}

TEST_F(WebhookRoutesTest, ListStoreDownIs503) {
  ledger_.list_error = MakeError(ErrorCode::kUnavailable, "delivery store down");
  auto res = Call("GET", "/api/v1/webhooks/deliveries");
  EXPECT_EQ(res.status, 503);
  EXPECT_EQ(ParseBody(res)["error"], "delivery store down");
}

TEST_F(WebhookRoutesTest, RedeliverAnswers202WithThePendingDelivery) {
  auto res = Call("POST", std::string("/api/v1/webhooks/deliveries/") + kDeliveryId + "/redeliver");
  ASSERT_EQ(res.status, 202) << res.body;
  EXPECT_EQ(ParseBody(res)["status"], "pending");
  EXPECT_EQ(ledger_.redelivered, std::vector<std::string>{kDeliveryId});
}

TEST_F(WebhookRoutesTest, RedeliverUnknownIs404) {
  ledger_.redeliver_error = MakeError(ErrorCode::kNotFound, "no delivery");
  auto res = Call("POST", std::string("/api/v1/webhooks/deliveries/") + kDeliveryId + "/redeliver");
  EXPECT_EQ(res.status, 404);
  EXPECT_EQ(ParseBody(res)["error"], "Delivery not found");
}

TEST_F(WebhookRoutesTest, RedeliverNonUuidIs404WithoutAskingTheLedger) {
  auto res = Call("POST", "/api/v1/webhooks/deliveries/not-an-id/redeliver");
  EXPECT_EQ(res.status, 404);
  EXPECT_TRUE(ledger_.redelivered.empty());
}

TEST_F(WebhookRoutesTest, RedeliverInFlightIs409) {
  ledger_.redeliver_error = MakeError(ErrorCode::kFailedPrecondition, "being sent right now");
  auto res = Call("POST", std::string("/api/v1/webhooks/deliveries/") + kDeliveryId + "/redeliver");
  EXPECT_EQ(res.status, 409);
}

TEST_F(WebhookRoutesTest, RedeliverWithGetIs405) {
  auto res = Call("GET", std::string("/api/v1/webhooks/deliveries/") + kDeliveryId + "/redeliver");
  EXPECT_EQ(res.status, 405);
}

TEST_F(WebhookRoutesTest, JobStatusShowsTheJobsDeliveries) {
  auto submitted = Write("POST", "/api/v1/namespace/create", R"({"name": "dev", "flavor": "small"})");
  ASSERT_EQ(submitted.status, 202) << submitted.body;
  std::string id = ParseBody(submitted)["job_id"];
  auto res = Call("GET", "/api/v1/status/" + id);
  ASSERT_EQ(res.status, 200) << res.body;
  Json body = ParseBody(res);
  EXPECT_EQ(ledger_.asked_for_job, id);
  ASSERT_EQ(body["deliveries"].size(), 1u);
  EXPECT_EQ(body["deliveries"][0]["status"], "delivered");
  EXPECT_EQ(body["deliveries"][0]["last_http_status"], 500);
}

TEST_F(WebhookRoutesTest, JobStatusWebhookStatusAgreesWithTheDeliveriesShown) {
  // The job's stored webhook_status catches up a moment after its last delivery settles; the
  // status answer must not show a delivered delivery beside a job still "pending".
  auto submitted = Write("POST", "/api/v1/namespace/create", R"({"name": "dev", "flavor": "small"})");
  ASSERT_EQ(submitted.status, 202) << submitted.body;
  std::string id = ParseBody(submitted)["job_id"];
  jobs::JobChange started;
  started.status = jobs::JobStatus::kInProgress;
  ASSERT_TRUE(store_.Update(id, started).ok());
  jobs::JobChange change;
  change.status = jobs::JobStatus::kCompleted;
  change.Meta("webhook_status", "pending");
  ASSERT_TRUE(store_.Update(id, change).ok());
  EXPECT_EQ(ParseBody(Call("GET", "/api/v1/status/" + id))["metadata"]["webhook_status"],
            "delivered");
  EXPECT_EQ(store_.Get(id)->metadata["webhook_status"], "pending");  // a view, not a write

  // Statuses that say nothing was stored for delivery are shown as stored.
  jobs::JobChange disabled;
  disabled.Meta("webhook_status", "disabled");
  ASSERT_TRUE(store_.Update(id, disabled).ok());
  EXPECT_EQ(ParseBody(Call("GET", "/api/v1/status/" + id))["metadata"]["webhook_status"],
            "disabled");
}

TEST_F(SimulatedWebhookRoutesTest, WithoutALedgerListsAreEmptyAndRedeliveryIs404) {
  auto list = Call("GET", "/api/v1/webhooks/deliveries?status=failed");
  ASSERT_EQ(list.status, 200) << list.body;
  EXPECT_EQ(ParseBody(list)["deliveries"], Json::array());
  auto redeliver =
      Call("POST", std::string("/api/v1/webhooks/deliveries/") + kDeliveryId + "/redeliver");
  EXPECT_EQ(redeliver.status, 404);
  auto submitted = Write("POST", "/api/v1/namespace/create", R"({"name": "dev", "flavor": "small"})");
  std::string id = ParseBody(submitted)["job_id"];
  EXPECT_EQ(ParseBody(Call("GET", "/api/v1/status/" + id))["deliveries"], Json::array());
}

}  // namespace
}  // namespace gitops::api
