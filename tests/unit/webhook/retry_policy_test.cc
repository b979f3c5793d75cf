#include "webhook/retry_policy.h"

#include <gtest/gtest.h>

namespace gitops::webhook {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

const Clock::TimePoint kNow = Clock::TimePoint(std::chrono::seconds(1'800'000'000));

Result<HttpResult> Answer(int status, std::string retry_after = "", std::string body = "") {
  HttpResult r;
  r.status = status;
  r.retry_after = std::move(retry_after);
  r.body = std::move(body);
  return r;
}

TEST(ClassifyTest, StatusTable) {
  const std::pair<int, Verdict> cases[] = {
      {200, Verdict::kDelivered}, {201, Verdict::kDelivered}, {204, Verdict::kDelivered},
      {301, Verdict::kFail},      {302, Verdict::kFail},      {400, Verdict::kFail},
      {401, Verdict::kFail},      {404, Verdict::kFail},      {410, Verdict::kFail},
      {429, Verdict::kRetry},     {500, Verdict::kRetry},     {502, Verdict::kRetry},
      {503, Verdict::kRetry},     {504, Verdict::kRetry},
  };
  for (const auto& [status, verdict] : cases) {
    Outcome o = Classify(Answer(status), kNow);
    EXPECT_EQ(o.verdict, verdict) << status;
    EXPECT_EQ(o.http_status, status);
    EXPECT_EQ(o.error.empty(), verdict == Verdict::kDelivered) << status;
  }
}

TEST(ClassifyTest, TransportErrors) {
  EXPECT_EQ(Classify(MakeError(ErrorCode::kDeadlineExceeded, "timed out"), kNow).verdict,
            Verdict::kRetry);
  EXPECT_EQ(Classify(MakeError(ErrorCode::kUnavailable, "refused"), kNow).verdict, Verdict::kRetry);
  Outcome bad_url = Classify(MakeError(ErrorCode::kInvalidArgument, "bad webhook URL"), kNow);
  EXPECT_EQ(bad_url.verdict, Verdict::kFail);
  EXPECT_EQ(bad_url.error, "bad webhook URL");
  EXPECT_EQ(bad_url.http_status, 0);
}

TEST(ClassifyTest, ErrorNamesStatusBodyAndRedirectTarget) {
  EXPECT_EQ(Classify(Answer(500, "", "db down\n"), kNow).error, "HTTP 500: db down ");
  HttpResult redirect;
  redirect.status = 302;
  redirect.location = "https://elsewhere.example/";
  EXPECT_EQ(Classify(redirect, kNow).error,
            "HTTP 302: redirect not followed (Location: https://elsewhere.example/)");
}

TEST(ClassifyTest, RetryAfterOnlyFor429And503) {
  EXPECT_EQ(Classify(Answer(429, "120"), kNow).retry_after, seconds(120));
  EXPECT_EQ(Classify(Answer(503, "7"), kNow).retry_after, seconds(7));
  EXPECT_EQ(Classify(Answer(500, "7"), kNow).retry_after, std::nullopt);
}

TEST(RetryDelayTest, DoublesFromTheBaseUpToTheCap) {
  RetryPolicy policy;
  policy.jitter = 0;
  policy.max_backoff = milliseconds(10'000);
  EXPECT_EQ(RetryDelay(policy, 1, std::nullopt, 0.5), milliseconds(1000));
  EXPECT_EQ(RetryDelay(policy, 2, std::nullopt, 0.5), milliseconds(2000));
  EXPECT_EQ(RetryDelay(policy, 3, std::nullopt, 0.5), milliseconds(4000));
  EXPECT_EQ(RetryDelay(policy, 5, std::nullopt, 0.5), milliseconds(10'000));
  EXPECT_EQ(RetryDelay(policy, 500, std::nullopt, 0.5), milliseconds(10'000));
}

TEST(RetryDelayTest, JitterAddsUpToItsFraction) {
  RetryPolicy policy;
  policy.jitter = 0.2;
  EXPECT_EQ(RetryDelay(policy, 2, std::nullopt, 0.0), milliseconds(2000));
  EXPECT_EQ(RetryDelay(policy, 2, std::nullopt, 0.5), milliseconds(2200));
  EXPECT_EQ(RetryDelay(policy, 2, std::nullopt, 0.999), milliseconds(2399));
}

TEST(RetryDelayTest, RetryAfterIsAFloorCappedAtItsMaximum) {
  RetryPolicy policy;
  policy.jitter = 0;
  policy.max_retry_after = milliseconds(600'000);
  EXPECT_EQ(RetryDelay(policy, 1, seconds(120), 0), milliseconds(120'000));
  EXPECT_EQ(RetryDelay(policy, 3, seconds(1), 0), milliseconds(4000));
  EXPECT_EQ(RetryDelay(policy, 1, seconds(86'400), 0), milliseconds(600'000));
}

TEST(ParseRetryAfterTest, SecondsAndHttpDates) {
  EXPECT_EQ(ParseRetryAfter("0", kNow), seconds(0));
  EXPECT_EQ(ParseRetryAfter("120", kNow), seconds(120));
  // kNow is Fri, 15 Jan 2027 08:00:00 GMT.
  EXPECT_EQ(ParseRetryAfter("Fri, 15 Jan 2027 08:01:30 GMT", kNow), seconds(90));
  EXPECT_EQ(ParseRetryAfter("Fri, 15 Jan 2027 07:00:00 GMT", kNow), seconds(0));
  for (const char* bad : {"", "soon", "12s", "-5", "Fri, 15 Jan 2027"}) {
    EXPECT_EQ(ParseRetryAfter(bad, kNow), std::nullopt) << bad;
  }
}

}  // namespace
}  // namespace gitops::webhook
