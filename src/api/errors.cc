// Error translation: canonical codes to HTTP statuses and the JSON error body.
#include "api/errors.h"

#include <algorithm>
#include <exception>
#include <string>

namespace gitops::api {
namespace {

std::string_view CodeForStatus(int status) {
  switch (status) {
    case 400:
      return ErrorCodeName(ErrorCode::kInvalidArgument);
    case 401:
      return ErrorCodeName(ErrorCode::kUnauthenticated);
    case 403:
      return ErrorCodeName(ErrorCode::kPermissionDenied);
    case 404:
      return ErrorCodeName(ErrorCode::kNotFound);
    case 405:
      return "method_not_allowed";
    case 408:
      return ErrorCodeName(ErrorCode::kDeadlineExceeded);
    case 409:
      return ErrorCodeName(ErrorCode::kAlreadyExists);
    case 413:
      return "payload_too_large";
    case 415:
      return "unsupported_media_type";
    case 429:
      return ErrorCodeName(ErrorCode::kResourceExhausted);
    case 431:
      return "header_too_large";
    case 503:
      return ErrorCodeName(ErrorCode::kUnavailable);
    case 504:
      return ErrorCodeName(ErrorCode::kDeadlineExceeded);
    default:
      return status >= 500 ? ErrorCodeName(ErrorCode::kInternal) : "error";
  }
}

http::Response Body(int status, std::string_view message, std::string_view code,
                    std::string_view details) {
  std::string body;
  body.reserve(message.size() + details.size() + 48);
  body += "{\"error\":";
  http::AppendJsonString(body, message);
  body += ",\"code\":";
  http::AppendJsonString(body, code);
  body += ",\"details\":";
  if (details.empty()) {
    body += "null";
  } else {
    http::AppendJsonString(body, details);
  }
  body += '}';
  return http::Response::Json(status, std::move(body));
}

}  // namespace

int HttpStatusFor(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument:
      return 400;
    case ErrorCode::kNotFound:
      return 404;
    case ErrorCode::kAlreadyExists:
    case ErrorCode::kFailedPrecondition:
    case ErrorCode::kAborted:
      return 409;
    case ErrorCode::kResourceExhausted:
      return 429;
    case ErrorCode::kPermissionDenied:
      return 403;
    case ErrorCode::kUnauthenticated:
      return 401;
    case ErrorCode::kUnavailable:
      return 503;
    case ErrorCode::kDeadlineExceeded:
      return 504;
    case ErrorCode::kInternal:
      return 500;
  }
  return 500;
}

http::Response ErrorResponse(const Error& error) {
  return Body(HttpStatusFor(error.code), error.message, ErrorCodeName(error.code), error.details);
}

http::Response FormatHttpError(int status, std::string_view message, std::string_view details) {
  return Body(status, message, CodeForStatus(status), details);
}

http::Response JsonResponse(int status, const Json& body) {
  return http::Response::Json(status,
                              body.dump(-1, ' ', false, Json::error_handler_t::replace));
}

std::string QuoteForMessage(std::string_view value) {
  constexpr size_t kMax = 64;
  std::string out;
  out.reserve(std::min(value.size(), kMax) + 3);
  for (size_t i = 0; i < value.size() && i < kMax; ++i) {
    unsigned char c = static_cast<unsigned char>(value[i]);
    out.push_back(c >= 0x20 && c < 0x7f ? static_cast<char>(c) : '?');
  }
  if (value.size() > kMax) out += "...";
  return out;
}

http::RouteHandler Guard(http::RouteHandler handler) {
  return [handler = std::move(handler)](const http::Request& req, const http::PathParams& params) {
    try {
      return handler(req, params);
    } catch (const std::exception& e) {
      return FormatHttpError(500, "Internal error while handling the request", e.what());
    } catch (...) {
      return FormatHttpError(500, "Internal error while handling the request", "");
    }
  };
}

http::Response UnsupportedMediaType(const http::Request& req) {
  auto content_type = req.Header("Content-Type");
  std::string sent = content_type ? "'" + QuoteForMessage(*content_type) + "'" : "none";
  return FormatHttpError(415, "Content-Type must be application/json (sent: " + sent + ")",
                         "Content-Type");
}

}  // namespace gitops::api
