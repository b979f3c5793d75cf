#include "webhook/payload.h"

#include <gtest/gtest.h>

namespace gitops::webhook {
namespace {

const Subject kSubject{"job-1", "tenant1", "namespace", "dev-namespace"};
const Clock::TimePoint kAt = Clock::TimePoint(std::chrono::seconds(1'800'000'000));

TEST(PayloadTest, SingleHasThePrototypeFieldsInOrder) {
  Json metadata = {{"git_commit", "abc"}};
  Json p = SinglePayload(kSubject, "completed", kAt, {"Job started", "Job done"}, metadata);
  EXPECT_EQ(p.dump(),
            R"({"job_id":"job-1","status":"completed","tenant_id":"tenant1",)"
            R"("resource_type":"namespace","resource_name":"dev-namespace",)"
            R"("timestamp":"2027-01-15T08:00:00.000000Z","logs":["Job started","Job done"],)"
            R"("metadata":{"git_commit":"abc"}})");
}

TEST(PayloadTest, SingleMetadataThatIsNotAnObjectBecomesEmpty) {
  Json p = SinglePayload(kSubject, "failed", kAt, {}, Json());
  EXPECT_EQ(p["metadata"], Json::object());
}

TEST(PayloadTest, StagedHasThePrototypeFieldsInOrder) {
  Json p = StagedPayload(kSubject, "committed", kAt, Json{{"commit", "abc"}});
  EXPECT_EQ(p.dump(),
            R"({"job_id":"job-1","stage":"committed","tenant_id":"tenant1",)"
            R"("resource_type":"namespace","resource_name":"dev-namespace",)"
            R"("timestamp":"2027-01-15T08:00:00.000000Z","stage_data":{"commit":"abc"}})");
  EXPECT_EQ(StagedPayload(kSubject, "started", kAt, Json())["stage_data"], Json::object());
}

TEST(PayloadTest, EventIsTheStageElseTheStatus) {
  EXPECT_EQ(EventOf(StagedPayload(kSubject, "pushed", kAt, Json())), "pushed");
  EXPECT_EQ(EventOf(SinglePayload(kSubject, "failed", kAt, {}, Json())), "failed");
  EXPECT_EQ(EventOf(Json::object()), "");
}

TEST(PayloadTest, BodyForAttemptAppendsTheAttempt) {
  EXPECT_EQ(BodyForAttempt(R"({"a":1})", 3), R"({"a":1,"attempt":3})");
  EXPECT_EQ(BodyForAttempt("{}", 1), R"({"attempt":1})");
  EXPECT_EQ(Json::parse(BodyForAttempt(R"({"a":{"b":2}})", 2))["attempt"], 2);
}

}  // namespace
}  // namespace gitops::webhook
