// CurlSender against a real receiver on 127.0.0.1.
#include "webhook/curl/curl_sender.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "test_receiver.h"

namespace gitops::webhook {
namespace {

using std::chrono::milliseconds;
using testing::Reply;
using testing::TestReceiver;

const std::vector<HttpHeader> kHeaders = {{"Content-Type", "application/json"},
                                          {"X-GitOps-Delivery", "d-1"}};

TEST(CurlSenderTest, PostsBodyAndHeaders) {
  TestReceiver receiver;
  receiver.Script("/hook", {}, Reply::Status(202, "accepted"));
  CurlSender sender;
  auto result = sender.Post(receiver.Url("/hook"), kHeaders, R"({"a":1})", milliseconds(5000));
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(result->status, 202);
  EXPECT_EQ(result->body, "accepted");
  auto requests = receiver.Requests("/hook");
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].method, "POST");
  EXPECT_EQ(requests[0].body, R"({"a":1})");
  EXPECT_EQ(requests[0].Header("content-type"), "application/json");
  EXPECT_EQ(requests[0].Header("x-gitops-delivery"), "d-1");
  EXPECT_EQ(requests[0].Header("expect"), "");
}

TEST(CurlSenderTest, ReturnsErrorStatusWithRetryAfterAndBodyExcerpt) {
  TestReceiver receiver;
  receiver.Script("/hook", {},
                  Reply::Status(429, std::string(2000, 'x')).With("Retry-After", "30"));
  CurlSender sender;
  auto result = sender.Post(receiver.Url("/hook"), kHeaders, "{}", milliseconds(5000));
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(result->status, 429);
  EXPECT_EQ(result->retry_after, "30");
  EXPECT_EQ(result->body, std::string(kMaxBodyExcerpt, 'x'));
}

TEST(CurlSenderTest, DoesNotFollowRedirects) {
  TestReceiver receiver;
  receiver.Script("/hook", {}, Reply::Status(307).With("Location", receiver.Url("/other")));
  CurlSender sender;
  auto result = sender.Post(receiver.Url("/hook"), kHeaders, "{}", milliseconds(5000));
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(result->status, 307);
  EXPECT_EQ(result->location, receiver.Url("/other"));
  EXPECT_TRUE(receiver.Requests("/other").empty());
}

TEST(CurlSenderTest, KeepsTheConnectionAlive) {
  TestReceiver receiver;
  CurlSender sender;
  for (int i = 0; i < 3; ++i) {
    auto result = sender.Post(receiver.Url("/hook"), kHeaders, "{}", milliseconds(5000));
    ASSERT_TRUE(result.ok()) << result.error().message;
  }
  auto requests = receiver.Requests("/hook");
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[0].connection, requests[2].connection);
}

TEST(CurlSenderTest, HangingReceiverTimesOut) {
  TestReceiver receiver;
  receiver.Script("/hook", {}, Reply::Hang());
  CurlSender sender;
  auto result = sender.Post(receiver.Url("/hook"), kHeaders, "{}", milliseconds(200));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, ErrorCode::kDeadlineExceeded);
}

TEST(CurlSenderTest, ClosedConnectionIsUnavailable) {
  TestReceiver receiver;
  receiver.Script("/hook", {}, Reply::Close());
  CurlSender sender;
  auto result = sender.Post(receiver.Url("/hook"), kHeaders, "{}", milliseconds(5000));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, ErrorCode::kUnavailable) << result.error().message;
}

TEST(CurlSenderTest, RefusedConnectionIsUnavailable) {
  // A port that was just free: bind, read it, close.
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  socklen_t len = sizeof(addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  CurlSender sender;
  auto result = sender.Post("http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port)) + "/",
                            kHeaders, "{}", milliseconds(5000));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, ErrorCode::kUnavailable);
}

TEST(CurlSenderTest, RefusesOtherSchemes) {
  CurlSender sender;
  auto result = sender.Post("file:///etc/passwd", kHeaders, "{}", milliseconds(1000));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, ErrorCode::kInvalidArgument) << result.error().message;
}

}  // namespace
}  // namespace gitops::webhook
