// Tests of the webhook payloads (the prototype's wire format) and the dev-mode logging sender.
#include "pipeline/webhook.h"

#include <gtest/gtest.h>

namespace gitops::pipeline {
namespace {

const WebhookSubject kSubject{"job-1", "tenant1", "namespace", "dev"};
const Clock::TimePoint kTime{std::chrono::seconds(1'800'000'000)};

std::vector<std::string> Keys(const Json& object) {
  std::vector<std::string> keys;
  for (const auto& [key, value] : object.items()) keys.push_back(key);
  return keys;
}

TEST(WebhookTest, SinglePayloadHasThePrototypeFields) {
  Json payload = SingleWebhookPayload(kSubject, "completed", kTime, {"Job started", "Pushed"},
                                      Json{{"git_commit", "abc"}});
  EXPECT_EQ(Keys(payload),
            (std::vector<std::string>{"job_id", "status", "tenant_id", "resource_type",
                                      "resource_name", "timestamp", "logs", "metadata"}));
  EXPECT_EQ(payload["job_id"], "job-1");
  EXPECT_EQ(payload["status"], "completed");
  EXPECT_EQ(payload["resource_name"], "dev");
  EXPECT_EQ(payload["timestamp"], "2027-01-15T08:00:00.000000Z");
  EXPECT_EQ(payload["logs"], Json::array({"Job started", "Pushed"}));
  EXPECT_EQ(payload["metadata"]["git_commit"], "abc");
}

TEST(WebhookTest, StagedPayloadHasThePrototypeFields) {
  Json payload = StagedWebhookPayload(kSubject, "rendered", kTime, Json{{"manifest_path", "p"}});
  EXPECT_EQ(Keys(payload),
            (std::vector<std::string>{"job_id", "stage", "tenant_id", "resource_type",
                                      "resource_name", "timestamp", "stage_data"}));
  EXPECT_EQ(payload["stage"], "rendered");
  EXPECT_EQ(payload["stage_data"]["manifest_path"], "p");
}

TEST(WebhookTest, LogSenderLogsThePayloadAndReportsSimulated) {
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

}  // namespace
}  // namespace gitops::pipeline
