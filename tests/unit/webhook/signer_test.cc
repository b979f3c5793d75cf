#include "webhook/signer.h"

#include <gtest/gtest.h>

namespace gitops::webhook {
namespace {

const Clock::TimePoint kNow = Clock::TimePoint(std::chrono::seconds(1'800'000'000));

TEST(HmacSha256HexTest, MatchesRfc4231TestCase2) {
  auto hex = HmacSha256Hex("Jefe", "what do ya want for nothing?");
  ASSERT_TRUE(hex.ok());
  EXPECT_EQ(*hex, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(SignerTest, SignsTimestampDotBody) {
  // Expected value from Python: hmac.new(b"s3cret", b'1800000000.{"a":1}', sha256).hexdigest()
  auto signature = Signer("s3cret").Sign(1'800'000'000, R"({"a":1})");
  ASSERT_TRUE(signature.ok());
  EXPECT_EQ(*signature, "sha256=476d445fc5d734bcaf69961f0de38cb8c2ec42450829655895ca5e064c0765c9");
}

TEST(VerifyTest, AcceptsItsOwnSignature) {
  auto signature = Signer("s3cret").Sign(1'800'000'000, "body");
  ASSERT_TRUE(signature.ok());
  EXPECT_TRUE(Verify("s3cret", "1800000000", "body", *signature, kNow).ok());
}

TEST(VerifyTest, RejectsAChangedBodyOrAnotherSecret) {
  auto signature = Signer("s3cret").Sign(1'800'000'000, "body");
  ASSERT_TRUE(signature.ok());
  Status tampered = Verify("s3cret", "1800000000", "bodY", *signature, kNow);
  ASSERT_FALSE(tampered.ok());
  EXPECT_EQ(tampered.error().code, ErrorCode::kUnauthenticated);
  Status other = Verify("other", "1800000000", "body", *signature, kNow);
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.error().code, ErrorCode::kUnauthenticated);
}

TEST(VerifyTest, RejectsATimestampOutsideTheTolerance) {
  auto signature = Signer("s3cret").Sign(1'800'000'000 - 301, "body");
  ASSERT_TRUE(signature.ok());
  Status old = Verify("s3cret", "1799999699", "body", *signature, kNow);
  ASSERT_FALSE(old.ok());
  EXPECT_EQ(old.error().code, ErrorCode::kDeadlineExceeded);
  EXPECT_TRUE(
      Verify("s3cret", "1799999699", "body", *signature, kNow, std::chrono::seconds(301)).ok());
}

TEST(VerifyTest, RejectsMalformedInput) {
  auto signature = Signer("s3cret").Sign(1'800'000'000, "body");
  ASSERT_TRUE(signature.ok());
  for (const char* timestamp : {"", "18e8", "1800000000 ", "-"}) {
    Status s = Verify("s3cret", timestamp, "body", *signature, kNow);
    ASSERT_FALSE(s.ok()) << timestamp;
    EXPECT_EQ(s.error().code, ErrorCode::kInvalidArgument) << timestamp;
  }
  Status no_prefix = Verify("s3cret", "1800000000", "body", signature->substr(7), kNow);
  ASSERT_FALSE(no_prefix.ok());
  EXPECT_EQ(no_prefix.error().code, ErrorCode::kInvalidArgument);
  Status truncated = Verify("s3cret", "1800000000", "body", signature->substr(0, 20), kNow);
  ASSERT_FALSE(truncated.ok());
  EXPECT_EQ(truncated.error().code, ErrorCode::kUnauthenticated);
}

}  // namespace
}  // namespace gitops::webhook
