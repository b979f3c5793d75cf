#include "webhook/delivery.h"

#include <gtest/gtest.h>

namespace gitops::webhook {
namespace {

TEST(DeliveryStatusTest, NamesRoundTrip) {
  for (DeliveryStatus s :
       {DeliveryStatus::kPending, DeliveryStatus::kDelivered, DeliveryStatus::kFailed}) {
    EXPECT_EQ(ParseDeliveryStatus(DeliveryStatusName(s)), s);
  }
  EXPECT_EQ(ParseDeliveryStatus("done"), std::nullopt);
}

TEST(DeliveryToJsonTest, ApiShape) {
  Delivery d;
  d.delivery_id = "d-1";
  d.job_id = "j-1";
  d.tenant_id = "tenant1";
  d.resource_type = "vm";
  d.event = "completed";
  d.url = "http://h/x";
  d.payload = R"({"job_id":"j-1"})";
  d.attempts = 2;
  d.max_attempts = 4;
  d.last_http_status = 503;
  d.last_error = "HTTP 503";
  d.created_at = d.updated_at = d.next_attempt_at =
      Clock::TimePoint(std::chrono::seconds(1'800'000'000));
  auto pending = DeliveryToJson(d);
  EXPECT_EQ(pending["status"], "pending");
  EXPECT_EQ(pending["next_attempt_at"], "2027-01-15T08:00:00.000000Z");
  EXPECT_EQ(pending["last_http_status"], 503);
  EXPECT_FALSE(pending.contains("payload"));
  d.status = DeliveryStatus::kDelivered;
  d.last_http_status = 0;
  d.last_error.clear();
  auto delivered = DeliveryToJson(d, true);
  EXPECT_TRUE(delivered["next_attempt_at"].is_null());
  EXPECT_TRUE(delivered["last_http_status"].is_null());
  EXPECT_TRUE(delivered["last_error"].is_null());
  EXPECT_EQ(delivered["payload"]["job_id"], "j-1");
}

}  // namespace
}  // namespace gitops::webhook
