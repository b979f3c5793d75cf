// Error translation: canonical codes to statuses, and the one JSON error shape.
#include "api/errors.h"

#include <gtest/gtest.h>

namespace gitops::api {
namespace {

TEST(HttpStatusFor, MapsEveryCanonicalCode) {
  struct {
    ErrorCode code;
    int status;
  } cases[] = {{ErrorCode::kInvalidArgument, 400},   {ErrorCode::kNotFound, 404},
               {ErrorCode::kAlreadyExists, 409},     {ErrorCode::kFailedPrecondition, 409},
               {ErrorCode::kAborted, 409},           {ErrorCode::kUnavailable, 503},
               {ErrorCode::kDeadlineExceeded, 504},  {ErrorCode::kResourceExhausted, 429},
               {ErrorCode::kPermissionDenied, 403},  {ErrorCode::kUnauthenticated, 401},
               {ErrorCode::kInternal, 500}};
  for (const auto& c : cases) EXPECT_EQ(HttpStatusFor(c.code), c.status) << ErrorCodeName(c.code);
}

TEST(ErrorResponse, HasErrorCodeAndDetails) {
  auto res = ErrorResponse(MakeError(ErrorCode::kInvalidArgument, "Name is required", "name"));
  EXPECT_EQ(res.status, 400);
  EXPECT_EQ(res.content_type, "application/json");
  EXPECT_EQ(res.body, R"({"error":"Name is required","code":"invalid_argument","details":"name"})");
}

TEST(ErrorResponse, EmptyDetailsAreNull) {
  auto res = ErrorResponse(MakeError(ErrorCode::kNotFound, "Job not found"));
  EXPECT_EQ(res.body, R"({"error":"Job not found","code":"not_found","details":null})");
}

TEST(FormatHttpError, UsesCanonicalNamesOrStatusSlugs) {
  EXPECT_NE(FormatHttpError(400, "x", "").body.find(R"("code":"invalid_argument")"),
            std::string::npos);
  EXPECT_NE(FormatHttpError(405, "x", "").body.find(R"("code":"method_not_allowed")"),
            std::string::npos);
  EXPECT_NE(FormatHttpError(413, "x", "").body.find(R"("code":"payload_too_large")"),
            std::string::npos);
  EXPECT_NE(FormatHttpError(415, "x", "").body.find(R"("code":"unsupported_media_type")"),
            std::string::npos);
  EXPECT_NE(FormatHttpError(500, "x", "").body.find(R"("code":"internal")"), std::string::npos);
}

TEST(FormatHttpError, EscapesTheMessage) {
  auto res = FormatHttpError(400, "bad \"quote\"\n", "");
  EXPECT_EQ(nlohmann::json::parse(res.body)["error"], "bad \"quote\"\n");
}

TEST(QuoteForMessage, TruncatesAndReplacesUnprintableBytes) {
  EXPECT_EQ(QuoteForMessage("ok-name"), "ok-name");
  EXPECT_EQ(QuoteForMessage("a\nb\xff"), "a?b?");
  EXPECT_EQ(QuoteForMessage(std::string(70, 'x')), std::string(64, 'x') + "...");
}

TEST(Guard, TurnsAnExceptionInto500Json) {
  auto handler = Guard([](const http::Request&, const http::PathParams&) -> http::Response {
    throw std::runtime_error("boom");
  });
  auto res = handler(http::MakeRequest("GET", "/"), http::PathParams());
  EXPECT_EQ(res.status, 500);
  EXPECT_EQ(nlohmann::json::parse(res.body)["details"], "boom");
}

}  // namespace
}  // namespace gitops::api
